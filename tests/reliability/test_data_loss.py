"""Data loss: writers never destroy what they did not write."""

from __future__ import annotations

import json
import shutil

import pandas as pd
import pytest
from reliability_helpers import assert_one_line_error, descriptor, run_cli, write_descriptor

import crmlab as crm
from crmlab.datasets import rebuild_dataset
from crmlab.engine import generate
from crmlab.package import file_sha256, move_package, write_package


def _tree(root):
    """Every file under ``root`` with its sha256 (symlinks as their target)."""
    return {p.relative_to(root).as_posix(): file_sha256(p)
            for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def world_a():
    return crm.make_world("tiny", seed=1, n_customers=150)


@pytest.fixture(scope="module")
def world_b():
    return crm.make_world("tiny", seed=2, n_customers=120)


# ------------------------------------------------------------------ overwrite=True


def test_overwrite_keeps_the_users_own_files(tmp_path, world_a, world_b):
    path = world_a.save(tmp_path / "w")
    (path / "analysis.ipynb").write_text('{"cells": []}')  # a notebook saved there
    (path / "silos" / "notes.txt").write_text("who is who")
    (path / "figures").mkdir()
    (path / "figures" / "lorenz.png").write_bytes(b"\x89PNG")
    world_b.save(path, overwrite=True)
    assert (path / "analysis.ipynb").read_text() == '{"cells": []}'
    assert (path / "silos" / "notes.txt").read_text() == "who is who"
    assert (path / "figures" / "lorenz.png").read_bytes() == b"\x89PNG"
    back = crm.World.load(path)
    assert back.seed == 2 and len(back.customers) == 120
    assert sorted(p.name for p in tmp_path.iterdir()) == ["w"]  # no temporary folders


def test_overwrite_removes_the_old_packages_files(tmp_path, world_a, world_b):
    path = world_a.save(tmp_path / "w", format="parquet")
    world_b.save(path, overwrite=True, format="csv")
    assert not list(path.rglob("*.parquet"))
    assert {p.suffix for p in path.rglob("*") if p.is_file()} == {".csv", ".json"}


def test_a_users_file_where_the_new_package_writes_is_never_replaced(tmp_path, world_a,
                                                                      world_b):
    path = world_a.save(tmp_path / "w", format="parquet")
    (path / "customers.csv").write_text("my own customer list\n")  # not in the package
    before = _tree(path)
    with pytest.raises(FileExistsError, match=r"customers\.csv is not part of the data "
                                              "package"):
        world_b.save(path, overwrite=True, format="csv")
    assert _tree(path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["w"]


def test_a_folder_that_is_not_a_package_is_never_replaced(tmp_path, world_a):
    target = tmp_path / "mine"
    target.mkdir()
    (target / "thesis.docx").write_bytes(b"years of work")
    with pytest.raises(FileExistsError, match="not a crmlab data package"):
        world_a.save(target, overwrite=True)
    (tmp_path / "file.csv").write_text("a,b\n")
    with pytest.raises(FileExistsError, match="not a crmlab data package"):
        world_a.save(tmp_path / "file.csv", overwrite=True)
    assert (target / "thesis.docx").read_bytes() == b"years of work"
    assert (tmp_path / "file.csv").read_text() == "a,b\n"


def test_a_damaged_descriptor_is_not_trusted_to_say_what_to_delete(tmp_path, world_a):
    path = world_a.save(tmp_path / "w")
    victim = tmp_path / "victim.txt"
    victim.write_text("not yours")
    package = descriptor(path)
    package["resources"][0]["path"] = "../victim.txt"
    write_descriptor(path, package)
    before = _tree(path)
    with pytest.raises(FileExistsError, match="not a valid crmlab data package"):
        world_a.save(path, overwrite=True)
    assert victim.read_text() == "not yours" and _tree(path) == before
    (path / "datapackage.json").write_text("{")
    with pytest.raises(FileExistsError, match="not a valid crmlab data package"):
        world_a.save(path, overwrite=True)


def test_a_foreign_data_package_is_not_replaced(tmp_path, world_a):
    """A Frictionless package some other tool wrote: crmlab does not own its files."""
    path = tmp_path / "theirs"
    write_package(path, {"a": pd.DataFrame({"x": [1]})})
    package = json.loads((path / "datapackage.json").read_text())
    del package["crmlab_version"]
    (path / "datapackage.json").write_text(json.dumps(package))
    with pytest.raises(FileExistsError, match="crmlab did not write"):
        world_a.save(path, overwrite=True)


@pytest.mark.parametrize("value", ["no", "yes", 1, 0, None, "False"])
def test_overwrite_must_be_a_bool(tmp_path, world_a, value):
    path = world_a.save(tmp_path / "w")
    before = _tree(path)
    with pytest.raises(TypeError, match="overwrite must be True or False"):
        world_a.save(path, overwrite=value)
    with pytest.raises(TypeError, match="overwrite must be True or False"):
        generate("tiny", seed=1, out=path, engine="process", overwrite=value)
    with pytest.raises(TypeError, match="overwrite must be True or False"):
        rebuild_dataset("tiny", out=path, overwrite=value)
    with pytest.raises(TypeError, match="overwrite must be True or False"):
        move_package(tmp_path / "nothing", path, overwrite=value)
    assert _tree(path) == before


def test_generate_overwrite_keeps_the_users_files(tmp_path):
    path = generate("tiny", seed=1, out=tmp_path / "w", engine="process", n_customers=100)
    (path / "customers" / "README.txt").write_text("parts of the customer table")
    (path / "run.ipynb").write_text("{}")
    generate("tiny", seed=2, out=path, engine="process", n_customers=100, overwrite=True)
    assert (path / "customers" / "README.txt").is_file() and (path / "run.ipynb").is_file()
    assert crm.World.load(path).seed == 2


def test_cli_generate_overwrite_keeps_a_notebook(tmp_path):
    out = tmp_path / "w"
    assert run_cli("generate", "tiny", "--out", str(out), "--customers", "80",
                   "--quiet").returncode == 0
    (out / "my_analysis.ipynb").write_text("{}")
    result = run_cli("generate", "tiny", "--out", str(out), "--customers", "90", "--seed",
                     "5", "--overwrite", "--quiet")
    assert result.returncode == 0, result.stderr
    assert (out / "my_analysis.ipynb").read_text() == "{}"
    assert len(crm.World.load(out).customers) == 90


# ------------------------------------------------------------------ rebuild


def test_rebuild_that_differs_leaves_the_shipped_files_untouched(datasets_home, monkeypatch):
    tiny = datasets_home / "tiny"
    package = descriptor(tiny)
    package["resources"][1]["hash"] = "sha256:" + "0" * 64  # as if the generator changed
    write_descriptor(tiny, package)
    before = _tree(tiny)
    same = rebuild_dataset("tiny")
    assert [path for path, ok in same.items() if not ok] == ["transactions.csv"]
    assert _tree(tiny) == before
    assert sorted(p.name for p in datasets_home.iterdir()) == ["other", "tiny"]


def test_cli_rebuild_that_differs_says_the_files_were_kept(datasets_home):
    tiny = datasets_home / "tiny"
    package = descriptor(tiny)
    package["resources"][1]["hash"] = "sha256:" + "0" * 64
    write_descriptor(tiny, package)
    before = _tree(tiny)
    result = run_cli("datasets", "rebuild", "tiny", env={"CRMLAB_DATASETS": str(datasets_home)})
    assert result.returncode == 1 and "left untouched" in result.stdout
    assert "Traceback" not in result.stderr and _tree(tiny) == before


def test_rebuild_in_place_repairs_damage_and_keeps_the_users_files(datasets_home):
    tiny = datasets_home / "tiny"
    shipped = _tree(tiny)
    f = tiny / "customers.csv"
    f.write_bytes(f.read_bytes()[:-300])
    (tiny / "homework.ipynb").write_text("{}")
    same = rebuild_dataset("tiny")
    assert all(same.values())
    assert _tree(tiny) == shipped | {"homework.ipynb": file_sha256(tiny / "homework.ipynb")}
    assert sorted(p.name for p in datasets_home.iterdir()) == ["other", "tiny"]


def test_rebuild_into_another_dataset_refuses_without_overwrite(datasets_home):
    other = datasets_home / "other"
    (other / "mine.txt").write_text("keep")
    before = _tree(other)
    with pytest.raises(FileExistsError, match="already exists"):
        rebuild_dataset("tiny", out=other)
    result = run_cli("datasets", "rebuild", "tiny", "--out", str(other),
                     env={"CRMLAB_DATASETS": str(datasets_home)})
    assert_one_line_error(result, "already exists", "--overwrite")
    assert _tree(other) == before
    same = rebuild_dataset("tiny", out=other, overwrite=True)  # asked for: listed files only
    assert all(same.values()) and (other / "mine.txt").read_text() == "keep"


def test_move_package_merges_into_shared_folders_and_refuses_clashes(tmp_path):
    old = write_package(tmp_path / "pkg", {"a": pd.DataFrame({"x": [1]})})
    (old / "b").mkdir()
    (old / "b" / "mine.txt").write_text("keep")
    new = write_package(tmp_path / "new", {"b/c": pd.DataFrame({"y": [2]})})
    moved = move_package(new, old, overwrite=True)  # b/ is shared; mine.txt is not in the way
    assert (moved / "b" / "mine.txt").read_text() == "keep" and (moved / "b" / "c.csv").is_file()
    assert not (moved / "a.csv").exists() and not new.exists()
    (old / "d.csv").write_text("mine too\n")  # a file of mine where the next package writes
    (old / "e").write_text("a file where the next package needs a folder\n")
    for frames in ({"d": pd.DataFrame({"y": [2]})}, {"e/f": pd.DataFrame({"y": [2]})}):
        nxt = write_package(tmp_path / "next", frames)
        before = _tree(old)
        with pytest.raises(FileExistsError, match="is not part of the data package there"):
            move_package(nxt, old, overwrite=True)
        assert _tree(old) == before and _tree(nxt)  # neither side changed
        shutil.rmtree(nxt)


def test_a_failed_swap_puts_the_users_files_back(tmp_path, world_a, world_b, monkeypatch):
    """The renames of a commit fail half way: everything is as it was before the save."""
    import crmlab.package as package

    path = world_a.save(tmp_path / "w")
    (path / "notes.ipynb").write_text("{}")
    (path / "silos" / "mine.txt").write_text("mine")
    before = _tree(path)
    real = package.os.replace

    def failing(src, dst):
        if str(src) == str(path):  # the old package's folder going to the bin
            raise OSError(28, "No space left on device")
        return real(src, dst)

    monkeypatch.setattr(package.os, "replace", failing)
    with pytest.raises(OSError, match="No space left"):
        world_b.save(path, overwrite=True)
    monkeypatch.undo()
    assert _tree(path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["w"]
