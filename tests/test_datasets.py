"""Shipped datasets: listed, loadable, verified by checksum, rebuilt byte for byte."""

from __future__ import annotations

import json
import shutil

import pytest

import crmlab as crm
from crmlab.datasets import DataPackageError, rebuild_dataset, verify_package


def test_list_datasets_shows_the_shipped_worlds():
    table = crm.list_datasets()
    assert {"tiny", "classroom"} <= set(table.index)
    assert table.loc["classroom", "customers"] == 5_000
    assert table.loc["tiny", "customers"] == 500


def test_shipped_datasets_verify():
    for name in ("tiny", "classroom", "classroom_fa"):
        assert len(verify_package(crm.datasets.dataset_path(name))) >= 20


def test_load_dataset_returns_a_world():
    w = crm.load_dataset("tiny")
    assert isinstance(w, crm.World)
    assert len(w.customers) == 500 and w.seed == 42


def test_the_persian_classroom_is_an_iranian_operator_in_rials():
    w = crm.load_dataset("classroom_fa")
    assert len(w.customers) == 5_000 and w.config.locale == "fa_IR"
    assert w.meta["currency"] == "IRR"
    # Persian names in Persian script, Iranian provinces, Persian weather
    assert w.customers["last_name"].str.contains(r"[\u0600-\u06FF]").all()
    assert "تهران" in set(w.customers["province"].astype(str))
    snow = w.weather.loc[w.weather["event_type"] == "snow", "province"].astype(str)
    assert snow.isin(["اردبیل", "آذربایجان شرقی", "آذربایجان غربی", "کردستان", "زنجان",
                      "همدان", "چهارمحال و بختیاری", "کرمانشاه"]).mean() > 0.5
    # rials at 2025 prices: the cheapest postpaid tariff costs 750,000 rials a month
    # and a typical top-up some hundreds of thousands of rials
    assert w.tariffs["monthly_fee"].min() == 750_000
    assert 200_000 < w.transactions["amount"].median() < 1_000_000


def test_unknown_dataset_lists_what_exists():
    with pytest.raises(ValueError, match=r"unknown dataset 'nope'; available: \[.*'tiny'"):
        crm.load_dataset("nope")


def test_every_column_is_documented():
    pkg = json.loads((crm.datasets.dataset_path("classroom") / "datapackage.json").read_text())
    undocumented = [f"{r['name']}.{f['name']}" for r in pkg["resources"]
                    for f in r["schema"]["fields"] if not f["description"]]
    assert undocumented == []
    assert all(r["description"] for r in pkg["resources"])
    assert pkg["crmlab_version"] == crm.__version__ and pkg["faker_version"]
    assert pkg["config"]["n_customers"] == 5_000 and pkg["seed"] == 42


@pytest.fixture
def tiny_copy(tmp_path):
    dest = tmp_path / "tiny"
    shutil.copytree(crm.datasets.dataset_path("tiny"), dest)
    return dest


def test_verify_names_a_truncated_file(tiny_copy):
    f = tiny_copy / "transactions.csv"
    f.write_bytes(f.read_bytes()[:-100])
    with pytest.raises(DataPackageError, match=r"transactions\.csv: truncated"):
        verify_package(tiny_copy)


def test_verify_names_a_changed_file(tiny_copy):
    f = tiny_copy / "truth" / "customers.csv"
    data = bytearray(f.read_bytes())
    data[-3] = ord("9") if data[-3] != ord("9") else ord("8")
    f.write_bytes(bytes(data))
    with pytest.raises(DataPackageError, match=r"truth/customers\.csv: changed"):
        verify_package(tiny_copy)


def test_verify_names_a_missing_file(tiny_copy):
    (tiny_copy / "silos" / "web.csv").unlink()
    with pytest.raises(DataPackageError, match=r"web\.csv: missing"):
        verify_package(tiny_copy)


def test_load_with_verify_refuses_a_changed_dataset(tiny_copy):
    f = tiny_copy / "customers.csv"
    f.write_text(f.read_text().replace("C0000001", "C0000999", 1))
    with pytest.raises(DataPackageError, match="customers.csv"):
        crm.World.load(tiny_copy, verify=True)


@pytest.mark.parametrize("name", ["tiny", "classroom", "classroom_fa"])
def test_rebuild_reproduces_the_shipped_bytes(tmp_path, name):
    same = rebuild_dataset(name, out=tmp_path / name)
    assert same and all(same.values()), [p for p, ok in same.items() if not ok]


def test_save_refuses_to_clobber(tmp_path, tiny_world):
    target = tmp_path / "not_a_package"
    target.mkdir()
    (target / "precious.txt").write_text("keep me")
    with pytest.raises(FileExistsError, match="already exists"):
        tiny_world.save(target)
    with pytest.raises(FileExistsError, match="not a crmlab data package"):
        tiny_world.save(target, overwrite=True)
    assert (target / "precious.txt").read_text() == "keep me"


def test_interrupted_save_leaves_nothing(tmp_path, tiny_world, monkeypatch):
    import crmlab.package as package

    calls = {"n": 0}
    real = package._write_file

    def flaky(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 5:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(package, "_write_file", flaky)
    with pytest.raises(KeyboardInterrupt):
        tiny_world.save(tmp_path / "w")
    assert list(tmp_path.iterdir()) == []


def test_overwrite_replaces_atomically(tmp_path, tiny_world):
    path = tiny_world.save(tmp_path / "w")
    crm.make_world("tiny", seed=1).save(path, overwrite=True)
    assert crm.World.load(path).seed == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["w"]
