"""Persian data: a fa_IR world's CSV files open in Excel as UTF-8 (a byte-order mark),
and everything else reads them as before; en_US files stay byte for byte the same."""

from __future__ import annotations

import codecs
import json

import pandas as pd
import pandas.testing as pdt
import pytest

import crmlab as crm
from crmlab.package import verify_package, write_package

BOM = codecs.BOM_UTF8


@pytest.fixture(scope="module")
def persian(tmp_path_factory):
    w = crm.make_world("tiny", seed=4, locale="fa_IR", n_customers=200)
    return w, w.save(tmp_path_factory.mktemp("fa") / "w")


def test_every_persian_csv_starts_with_a_byte_order_mark(persian):
    _, path = persian
    files = sorted(path.rglob("*.csv"))
    assert len(files) == 24 and all(f.read_bytes().startswith(BOM) for f in files)
    resources = json.loads((path / "datapackage.json").read_text())["resources"]
    assert {r["encoding"] for r in resources} == {"utf-8-sig"}
    assert len(verify_package(path)) == 24


def test_the_persian_text_survives_the_round_trip(persian):
    w, path = persian
    back = crm.World.load(path)
    assert back.customers.columns[0] == "customer_id"  # no mark glued to the first name
    for name, table in w.tables.items():
        pdt.assert_frame_equal(table, back.tables[name], obj=name)
    raw = pd.read_csv(path / "customers.csv", encoding="utf-8-sig")
    assert raw["first_name"].tolist() == w.customers["first_name"].astype(str).tolist()
    assert any("\u0600" <= ch <= "\u06ff" for ch in raw["first_name"].iloc[0])


def test_english_csvs_have_no_mark_and_keep_their_bytes(tmp_path):
    shipped = crm.datasets.dataset_path("tiny")
    assert not any(f.read_bytes().startswith(BOM) for f in shipped.rglob("*.csv"))
    path = crm.load_dataset("tiny").save(tmp_path / "tiny")
    for f in shipped.rglob("*"):
        if f.is_file():
            assert (path / f.relative_to(shipped)).read_bytes() == f.read_bytes(), f.name


def test_parquet_is_unchanged_by_the_locale(tmp_path):
    w = crm.make_world("tiny", seed=4, locale="fa_IR", n_customers=120)
    path = w.save(tmp_path / "w", format="parquet")
    resources = json.loads((path / "datapackage.json").read_text())["resources"]
    assert all("encoding" not in r for r in resources)


def test_the_reader_accepts_a_mark_on_any_csv(tmp_path):
    """A CSV declared plain UTF-8 that a spreadsheet saved back with a mark still reads
    (with verify=False: its bytes have changed)."""
    path = write_package(tmp_path / "p", {"t": pd.DataFrame({"name": ["مهدی"], "n": [1]})})
    f = path / "t.csv"
    f.write_bytes(BOM + f.read_bytes())
    frames = crm.package.read_resources(path, verify=False)[1]
    assert list(frames["t"].columns) == ["name", "n"] and frames["t"]["name"][0] == "مهدی"


def test_the_encoding_is_checked(tmp_path):
    with pytest.raises(ValueError, match="encoding must be one of"):
        write_package(tmp_path / "p", {"t": pd.DataFrame({"n": [1]})}, encoding="cp1256")
