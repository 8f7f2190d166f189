"""The command line: useful output, one-line errors, non-zero exits, no tracebacks."""

from __future__ import annotations

import subprocess
import sys

import pytest

from crmlab.cli import main


def run(*args):
    """Run the real console entry point in a subprocess."""
    return subprocess.run([sys.executable, "-m", "crmlab.cli", *args], capture_output=True,
                          text=True, timeout=300)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["generate", "huge", "--out", "x"], "unknown preset 'huge'"),
        (["generate", "tiny", "--out", "x", "--locale", "xx_YY"], "locale must be one of"),
        (["generate", "tiny", "--out", "x", "--customers", "0"], "n_customers must be a "
                                                                  "whole number in [1, "),
        (["generate", "tiny", "--out", "x", "--seed", "-3"], "expected a number >= 0"),
        (["generate", "tiny", "--out", "x", "--seed", "abc"], "expected a whole number"),
        (["generate", "tiny", "--out", "x", "--format", "xlsx"], "invalid choice: 'xlsx'"),
        (["datasets", "verify", "nope"], "unknown dataset 'nope'"),
        (["frobnicate"], "invalid choice: 'frobnicate'"),
    ],
)
def test_bad_input_gives_one_line_and_nonzero_exit(tmp_path, args, message):
    result = subprocess.run([sys.executable, "-m", "crmlab.cli", *args], capture_output=True,
                            text=True, timeout=120, cwd=tmp_path)
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert message in lines[0] and "Traceback" not in result.stderr
    assert not (tmp_path / "x").exists()


def test_generate_writes_a_package(tmp_path):
    result = run("generate", "tiny", "--seed", "3", "--out", str(tmp_path / "w"),
                 "--customers", "120", "--locale", "fa_IR", "--format", "parquet")
    assert result.returncode == 0, result.stderr
    assert "wrote 120 customers (parquet)" in result.stdout
    import crmlab as crm

    w = crm.World.load(tmp_path / "w", verify=True)
    assert w.config.locale == "fa_IR" and len(w.customers) == 120 and w.seed == 3


def test_generate_refuses_an_existing_folder(tmp_path, capsys):
    (tmp_path / "w").mkdir()
    assert main(["generate", "tiny", "--out", str(tmp_path / "w")]) == 2
    err = capsys.readouterr().err
    assert "already exists" in err and len(err.strip().splitlines()) == 1


def test_datasets_list_and_verify(capsys):
    assert main(["datasets", "list"]) == 0
    out = capsys.readouterr().out
    assert "classroom" in out and "tiny" in out
    assert main(["datasets", "verify", "tiny"]) == 0
    assert "tiny: OK" in capsys.readouterr().out


def test_datasets_rebuild_to_a_folder(tmp_path, capsys):
    assert main(["datasets", "rebuild", "tiny", "--out", str(tmp_path / "t")]) == 0
    assert "identical byte for byte" in capsys.readouterr().out


def test_version():
    result = run("--version")
    assert result.returncode == 0 and result.stdout.startswith("crmlab ")
