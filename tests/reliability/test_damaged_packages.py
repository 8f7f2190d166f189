"""Silent wrong results: damaged data is refused, by default, with one line naming the
file and what is wrong (never analysed as if it were whole)."""

from __future__ import annotations

import os
import shutil
import warnings

import pytest
from reliability_helpers import (
    assert_one_line_error,
    descriptor,
    reseal,
    run_cli,
    write_descriptor,
)

import crmlab as crm
from crmlab.engine import generate, read_table
from crmlab.package import DataPackageError, read_package, verify_package


def _refused(path, *needles, verify=True):
    """World.load refuses the package; the message is one line naming every needle."""
    with pytest.raises(DataPackageError) as info:
        crm.World.load(path, verify=verify)
    message = str(info.value)
    assert "\n" not in message
    for needle in needles:
        assert needle in message, message
    return message


def test_the_error_is_a_value_error():
    assert issubclass(DataPackageError, ValueError)


# ------------------------------------------------------------------ the files themselves


def test_a_truncated_csv_is_refused_by_default(tiny_copy):
    f = tiny_copy / "customers.csv"
    lines = f.read_text().splitlines(keepends=True)
    f.write_text("".join(lines[:301]))  # 300 of 500 customers
    _refused(tiny_copy, "customers.csv", "truncated")


def test_a_changed_value_is_refused_but_verify_false_opts_out(tiny_copy):
    f = tiny_copy / "transactions.csv"
    text = f.read_text()
    f.write_text(text.replace("12.02", "13.02", 1))  # same size, other bytes
    _refused(tiny_copy, "transactions.csv", "sha256")
    w = crm.World.load(tiny_copy, verify=False)  # the documented opt-out, for speed
    assert w.transactions["amount"].iloc[0] == pytest.approx(13.02)


def test_a_missing_file_is_refused(tiny_copy):
    (tiny_copy / "silos" / "web.csv").unlink()
    _refused(tiny_copy, "web.csv", "missing")
    _refused(tiny_copy, "web.csv", "missing", verify=False)


def test_row_counts_are_checked(tiny_copy):
    f = tiny_copy / "customers.csv"
    lines = f.read_text().splitlines(keepends=True)
    f.write_text("".join(lines[:301]))
    reseal(tiny_copy, "customers.csv")  # hashes match the damage; the row count does not
    _refused(tiny_copy, "customers.csv", "300 rows", "500")


def test_an_unknown_category_is_an_error_not_nan(tiny_copy):
    f = tiny_copy / "customers.csv"
    f.write_text(f.read_text().replace(",call_centre,prepaid,", ",carrier_pigeon,prepaid,", 1))
    reseal(tiny_copy, "customers.csv")
    for verify in (True, False):  # never silently NaN, even without verification
        _refused(tiny_copy, "customers.csv", "acquisition_channel", "carrier_pigeon",
                 "categories", verify=verify)


def test_a_repeated_primary_key_is_refused(tiny_copy):
    f = tiny_copy / "customers.csv"
    lines = f.read_text().splitlines(keepends=True)
    lines[2] = lines[1]  # C0000001 twice
    f.write_text("".join(lines))
    reseal(tiny_copy, "customers.csv")
    _refused(tiny_copy, "customers.csv", "primary key 'customer_id'", "C0000001")


def test_columns_must_be_as_declared(tiny_copy):
    f = tiny_copy / "weather.csv"
    lines = f.read_text().splitlines(keepends=True)
    f.write_text("".join(line.rsplit(",", 1)[0] + "\n" for line in lines))
    reseal(tiny_copy, "weather.csv")
    for verify in (True, False):
        _refused(tiny_copy, "weather.csv", "columns", verify=verify)


def test_a_value_of_the_wrong_type_names_file_and_column(tiny_copy):
    f = tiny_copy / "transactions.csv"
    f.write_text(f.read_text().replace("12.02", "twelve", 1))
    reseal(tiny_copy, "transactions.csv")
    _refused(tiny_copy, "transactions.csv", "twelve")
    f.write_text(f.read_text().replace("twelve", "12.02", 1).replace(
        "2024-02-27 18:16:03", "27/02/2024", 1))
    reseal(tiny_copy, "transactions.csv")
    _refused(tiny_copy, "transactions.csv", "column 'timestamp'", "27/02/2024")


def test_an_empty_file_names_the_file(tiny_copy):
    (tiny_copy / "loyalty.csv").write_text("")
    reseal(tiny_copy, "loyalty.csv")
    _refused(tiny_copy, "loyalty.csv", "empty")


# ------------------------------------------------------------------ the descriptor


@pytest.mark.parametrize("key", ["n_customers", "locale"])
def test_a_missing_config_key_is_an_error_not_a_default(tiny_copy, key):
    package = descriptor(tiny_copy)
    del package["config"][key]
    write_descriptor(tiny_copy, package)
    _refused(tiny_copy, "datapackage.json", "missing", key, verify=False)


def test_an_unknown_config_key_is_an_error(tiny_copy):
    package = descriptor(tiny_copy)
    package["config"]["n_robots"] = 3
    write_descriptor(tiny_copy, package)
    _refused(tiny_copy, "datapackage.json", "unknown", "n_robots", verify=False)


def test_the_config_check_follows_worldconfig(tiny_copy):
    """Written against dataclasses.fields(WorldConfig): a saved world records them all."""
    import dataclasses

    recorded = set(descriptor(crm.make_world("tiny", seed=1).save(tiny_copy.parent / "w"))
                   ["config"])
    assert recorded == {f.name for f in dataclasses.fields(crm.WorldConfig)}


@pytest.mark.parametrize(
    ("edit", "needle"),
    [
        (lambda p: p.update(seed="42"), "'seed' must be an integer"),
        (lambda p: p.update(seed=-1), "'seed' must be an integer"),
        (lambda p: p["config"].update(n_customers=-5), "config is not valid"),
        (lambda p: p.update(resources={}), "'resources' must be a list"),
        (lambda p: p["resources"][0].pop("hash"), "has no 'hash'"),
        (lambda p: p["resources"][0].update(hash="md5:00"), "'hash' must be 'sha256:'"),
        (lambda p: p["resources"][0].update(rows="500"), "'rows' must be a whole number"),
        (lambda p: p["resources"][0].update(format="xlsx"), "format 'xlsx'"),
        (lambda p: p["resources"][0]["schema"]["fields"][0].update(type="uuid"),
         "type 'uuid'"),
        (lambda p: p["resources"][0]["schema"].update(primaryKey="nope"),
         "primaryKey 'nope'"),
        (lambda p: p["resources"].append(dict(p["resources"][1])), "listed twice"),
        (lambda p: p["resources"].pop(), "not those of a world"),
    ],
)
def test_a_malformed_descriptor_is_one_clear_error(tiny_copy, edit, needle):
    package = descriptor(tiny_copy)
    edit(package)
    write_descriptor(tiny_copy, package)
    message = _refused(tiny_copy, needle, verify=False)
    assert "datapackage.json" in message


def test_a_descriptor_that_is_not_json_names_itself(tiny_copy):
    (tiny_copy / "datapackage.json").write_text("{ not json")
    _refused(tiny_copy, "datapackage.json", "not valid JSON")


# ------------------------------------------------------------------ paths stay inside


@pytest.mark.parametrize("path", ["../outside.csv", "silos/../../outside.csv",
                                  "/etc/passwd", "./customers.csv", "silos\\..\\x.csv"])
def test_resource_paths_must_stay_inside_the_package(tiny_copy, path):
    (tiny_copy.parent / "outside.csv").write_text("secret\n")
    package = descriptor(tiny_copy)
    package["resources"][0]["path"] = path
    write_descriptor(tiny_copy, package)
    for verify in (True, False):
        _refused(tiny_copy, "datapackage.json", repr(path), verify=verify)
    with pytest.raises(DataPackageError, match="path"):
        verify_package(tiny_copy)


def test_a_symlink_leading_out_of_the_package_is_refused(tiny_copy):
    outside = tiny_copy.parent / "elsewhere"
    shutil.copytree(tiny_copy / "silos", outside)
    shutil.rmtree(tiny_copy / "silos")
    os.symlink(outside, tiny_copy / "silos")  # the bytes match; the place does not
    for verify in (True, False):
        _refused(tiny_copy, "symbolic link", verify=verify)
    with pytest.raises(DataPackageError, match="symbolic link"):
        verify_package(tiny_copy)


def test_a_symlink_inside_the_package_is_fine(tiny_copy):
    (tiny_copy / "real").mkdir()
    os.replace(tiny_copy / "weather.csv", tiny_copy / "real" / "weather.csv")
    os.symlink(tiny_copy / "real" / "weather.csv", tiny_copy / "weather.csv")
    assert len(crm.World.load(tiny_copy).weather) > 0


# ------------------------------------------------------------------ every way in


def test_load_dataset_verifies_by_default(datasets_home):
    f = datasets_home / "tiny" / "customers.csv"
    f.write_bytes(f.read_bytes()[:-500])
    with pytest.raises(DataPackageError, match=r"customers\.csv: truncated"):
        crm.load_dataset("tiny")
    assert len(crm.load_dataset("other").customers) == 500  # the others still load


def test_warehouse_build_from_a_damaged_dataset_fails_in_one_line(datasets_home, tmp_path):
    f = datasets_home / "tiny" / "customers.csv"
    f.write_bytes(f.read_bytes()[:-500])
    url = f"duckdb:///{tmp_path}/crm.duckdb"
    result = run_cli("warehouse", "build", "--dataset", "tiny", "--url", url,
                     env={"CRMLAB_DATASETS": str(datasets_home)})
    assert_one_line_error(result, "customers.csv", "truncated")
    assert not (tmp_path / "crm.duckdb").exists()


@pytest.fixture(scope="module")
def partitioned(tmp_path_factory):
    return generate("tiny", seed=3, out=tmp_path_factory.mktemp("p") / "w", engine="process",
                    block_size=250)


def test_read_table_verifies_the_parts(partitioned, tmp_path):
    copy = tmp_path / "w"
    shutil.copytree(partitioned, copy)
    part = copy / "transactions" / "part-00001.parquet"
    part.write_bytes(part.read_bytes()[:-200])
    with pytest.raises(DataPackageError, match=r"part-00001\.parquet: truncated"):
        read_table(copy, "transactions")
    assert len(read_table(copy, "customers")) == 500  # an undamaged table still reads
    with pytest.raises(DataPackageError, match=r"part-00001\.parquet"):
        crm.World.load(copy)


def test_read_table_checks_the_parquet_footer(partitioned, tmp_path):
    """A part swapped for another part of the same table: right format, wrong rows."""
    copy = tmp_path / "w"
    shutil.copytree(partitioned, copy)
    package = descriptor(copy)
    res = next(r for r in package["resources"] if r["name"] == "customers")
    res["parts"][0]["rows"] += 1
    res["rows"] += 1
    write_descriptor(copy, package)
    with pytest.raises(DataPackageError, match="250 rows, but the data package says 251"):
        read_table(copy, "customers")
    with pytest.raises(DataPackageError, match="251"):
        crm.World.load(copy)


def test_verify_package_checks_contents_too(tiny_copy):
    f = tiny_copy / "customers.csv"
    f.write_text(f.read_text().replace(",store,", ",mall,", 1))
    reseal(tiny_copy, "customers.csv")
    assert len(verify_package(tiny_copy, contents=False)) == 24  # bytes as recorded...
    with pytest.raises(DataPackageError, match="'mall'"):
        verify_package(tiny_copy)  # ...but not what the schema says


# ------------------------------------------------------------------ one bad dataset


def test_one_malformed_dataset_does_not_break_the_others(datasets_home):
    (datasets_home / "other" / "datapackage.json").write_text(
        '{"resources": 3, "config": {}, "seed": 1}')
    with pytest.warns(UserWarning, match="'other' is damaged"):
        table = crm.list_datasets()
    assert list(table.index) == ["tiny"]
    assert len(crm.datasets.verify_dataset("tiny")) == 24
    with pytest.raises(DataPackageError, match="'resources' must be a list"):
        crm.datasets.verify_dataset("other")


def test_the_cli_lists_and_verifies_the_others(datasets_home):
    (datasets_home / "other" / "datapackage.json").write_text("{")
    env = {"CRMLAB_DATASETS": str(datasets_home)}
    listing = run_cli("datasets", "list", env=env)
    assert listing.returncode == 0 and "tiny" in listing.stdout
    assert "Traceback" not in listing.stderr
    assert listing.stderr.strip().splitlines() == [
        listing.stderr.strip()] and "'other' is damaged" in listing.stderr
    verified = run_cli("datasets", "verify", env=env)
    assert "tiny: OK" in verified.stdout
    assert_one_line_error(verified, "other", "not valid JSON")


def test_cli_verify_of_a_resource_without_hash_is_one_line(datasets_home):
    package = descriptor(datasets_home / "tiny")
    del package["resources"][3]["hash"]
    write_descriptor(datasets_home / "tiny", package)
    result = run_cli("datasets", "verify", "tiny", env={"CRMLAB_DATASETS": str(datasets_home)})
    assert_one_line_error(result, "datapackage.json", "has no 'hash'")


def test_read_package_never_leaks_a_raw_error(tiny_copy):
    """Whatever shape the JSON has, the error is a DataPackageError."""
    for text in ("[]", "3", '"x"', '{"resources": [3]}', '{"resources": [{"name": 1}]}',
                 '{"resources": [{"name": "a", "format": "csv", "path": 3}]}',
                 '{"resources": [{"name": "a", "format": "csv", "path": "a.csv", "rows": 1,'
                 ' "bytes": 1, "hash": "sha256:' + "0" * 64 + '", "schema": []}]}'):
        (tiny_copy / "datapackage.json").write_text(text)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            with pytest.raises(DataPackageError):
                read_package(tiny_copy)
