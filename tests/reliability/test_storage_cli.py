"""Tracebacks: every storage command (generate, datasets list/verify/rebuild, and a
warehouse built from a dataset) answers a damaged package or a bad destination with one
line on stderr and a non-zero exit, never a traceback."""

from __future__ import annotations

import pytest
from reliability_helpers import assert_one_line_error, descriptor, reseal, run_cli, write_descriptor

from crmlab.cli import main


def _truncate(root):
    f = root / "customers.csv"
    f.write_bytes(f.read_bytes()[:-400])


def _bad_json(root):
    (root / "datapackage.json").write_text('{"name": "tiny", ')


def _no_hash(root):
    package = descriptor(root)
    del package["resources"][5]["hash"]
    write_descriptor(root, package)


def _escaping_path(root):
    package = descriptor(root)
    package["resources"][0]["path"] = "../../../etc/passwd"
    write_descriptor(root, package)


def _missing_config_key(root):
    package = descriptor(root)
    del package["config"]["end"]
    write_descriptor(root, package)


def _unknown_category(root):
    f = root / "customers.csv"
    f.write_text(f.read_text().replace(",prepaid,", ",prepaid_plus,", 1))
    reseal(root, "customers.csv")


def _string_rows(root):
    package = descriptor(root)
    package["resources"][2]["rows"] = "many"
    write_descriptor(root, package)


DAMAGE = {  # how to damage -> (what the line must name, does it spoil the descriptor)
    "truncated": (_truncate, "customers.csv", False),
    "bad_json": (_bad_json, "datapackage.json", True),
    "no_hash": (_no_hash, "has no 'hash'", True),
    "escaping_path": (_escaping_path, "leaves the package", True),
    "missing_config_key": (_missing_config_key, "missing ['end']", True),
    "unknown_category": (_unknown_category, "prepaid_plus", False),
    "string_rows": (_string_rows, "'rows' must be a whole number", True),
}


def _one_line(capsys, code, needle):
    err = capsys.readouterr().err
    assert code != 0
    lines = err.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0], err
    return lines[0]


@pytest.mark.parametrize("damage", sorted(DAMAGE))
def test_verify_names_the_damage(datasets_home, capsys, damage):
    spoil, needle, _ = DAMAGE[damage]
    spoil(datasets_home / "tiny")
    _one_line(capsys, main(["datasets", "verify", "tiny"]), needle)


@pytest.mark.parametrize("damage", sorted(DAMAGE))
def test_a_warehouse_is_never_built_from_damage(datasets_home, tmp_path, capsys, damage):
    spoil, needle, _ = DAMAGE[damage]
    spoil(datasets_home / "tiny")
    url = f"duckdb:///{tmp_path}/crm.duckdb"
    _one_line(capsys, main(["warehouse", "build", "--dataset", "tiny", "--url", url]), needle)
    assert not (tmp_path / "crm.duckdb").exists()


@pytest.mark.parametrize("damage", sorted(d for d, (_, _, desc) in DAMAGE.items() if desc))
def test_rebuild_from_a_damaged_descriptor_is_one_line(datasets_home, tmp_path, capsys,
                                                       damage):
    spoil, needle, _ = DAMAGE[damage]
    spoil(datasets_home / "tiny")
    _one_line(capsys, main(["datasets", "rebuild", "tiny", "--out", str(tmp_path / "r")]),
              needle)
    assert not (tmp_path / "r").exists()


def test_list_warns_in_one_line_per_damaged_dataset(datasets_home, capsys):
    _bad_json(datasets_home / "other")
    assert main(["datasets", "list"]) == 0
    out, err = capsys.readouterr()
    assert "tiny" in out and "other" not in out
    assert len(err.strip().splitlines()) == 1 and "'other' is damaged" in err


def test_generate_into_a_folder_that_is_not_a_package(tmp_path):
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "keep.txt").write_text("x")
    result = run_cli("generate", "tiny", "--out", str(tmp_path / "mine"), "--overwrite",
                     "--customers", "50", "--quiet")
    assert_one_line_error(result, "not a crmlab data package")
    assert (tmp_path / "mine" / "keep.txt").read_text() == "x"


def test_generate_under_a_file(tmp_path):
    (tmp_path / "afile").write_text("x")
    result = run_cli("generate", "tiny", "--out", str(tmp_path / "afile" / "w"),
                     "--customers", "50", "--quiet", "--engine", "process")
    assert_one_line_error(result, "afile")


def test_verify_all_reports_each_damaged_dataset_and_fails(datasets_home):
    _truncate(datasets_home / "other")
    result = run_cli("datasets", "verify", env={"CRMLAB_DATASETS": str(datasets_home)})
    assert "tiny: OK" in result.stdout
    assert_one_line_error(result, "other", "customers.csv: truncated")
