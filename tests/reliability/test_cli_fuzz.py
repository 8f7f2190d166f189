"""One line, never a traceback, from every CLI path (issue 14).

Hypothesis runs every ``crmlab`` subcommand (found by walking the parser, so a new one is
fuzzed too) with random arguments drawn from bad values (wrong numbers, unknown names,
destinations under a file, unreachable databases) and against datasets folders that hold
a damaged package (truncated, unparsable or empty descriptor, missing hash, empty table,
a folder that is not a package). A run that fails must exit non-zero with exactly one
line on stderr (``crmlab...: error: ...``) and no traceback; a run that happens to be
valid must not print a traceback either. The CLI runs in this process through
``main(argv)``; a few cases run the real console entry point in a subprocess.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import shutil
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reliability_helpers import assert_one_line_error, descriptor, run_cli, write_descriptor

import crmlab as crm
from crmlab import cli


def _subcommands(parser: argparse.ArgumentParser, prefix=()) -> dict[tuple, Any]:
    """Every leaf subcommand's words and parser."""
    found = {}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found.update(_subcommands(sub, (*prefix, name)))
    return found or {prefix: parser}


COMMANDS = _subcommands(cli._build_parser())


def _options(parser: argparse.ArgumentParser) -> list[tuple[str, bool]]:
    """Each option string and whether it takes a value."""
    return [(opt, action.nargs != 0) for action in parser._actions
            for opt in action.option_strings if opt not in ("-h", "--help")]


def _damage_truncate(root: Path) -> None:
    f = root / "customers.csv"
    f.write_bytes(f.read_bytes()[:-400])


def _damage_json(root: Path) -> None:
    (root / "datapackage.json").write_text('{"name": "tiny", "resources": [')


def _damage_empty_descriptor(root: Path) -> None:
    (root / "datapackage.json").write_text("")


def _damage_no_hash(root: Path) -> None:
    package = descriptor(root)
    for res in package["resources"]:
        res.pop("hash", None)
    write_descriptor(root, package)


def _damage_empty_table(root: Path) -> None:
    (root / "transactions.csv").write_text("")


def _damage_not_a_package(root: Path) -> None:
    shutil.rmtree(root)
    root.mkdir()
    (root / "notes.txt").write_text("mine")


def _damage_wrong_types(root: Path) -> None:
    package = descriptor(root)
    package["resources"] = {"not": "a list"}
    package["config"] = ["not", "a", "dict"]
    write_descriptor(root, package)


DAMAGE = {f.__name__.removeprefix("_damage_"): f for f in (
    _damage_truncate, _damage_json, _damage_empty_descriptor, _damage_no_hash,
    _damage_empty_table, _damage_not_a_package, _damage_wrong_types)}


def _home(base: Path, damage: str) -> Path:
    """A datasets folder holding an intact ``tiny`` and a copy ``broken`` damaged so."""
    home = base / damage
    for copy in ("tiny", "broken"):
        shutil.copytree(crm.datasets.dataset_path("tiny"), home / copy)
    DAMAGE[damage](home / "broken")
    (base / "afile").write_text("a file, not a folder")
    return home


@pytest.fixture(scope="module")
def homes(tmp_path_factory) -> dict[str, Path]:
    """A datasets folder for each damage (shared: a run may repair or replace them)."""
    base = tmp_path_factory.mktemp("fuzz")
    return {name: _home(base, name) for name in DAMAGE}


def _values(base: Path, home: Path) -> list[str]:
    return [
        "", " ", "-1", "0", "3.9", "1e3", "10000000000000", "abc", "ünï", "nope", "tiny",
        "broken", "fa_IR", "xx_XX", "csv", "json", "process", "2026-13-40", "nan",
        f"duckdb:///{base}/afile", f"duckdb:///{base}/afile/w.duckdb",
        "postgresql://nobody@127.0.0.1:1/none", "sqlite:///x.db", "http://x",
        str(base / "afile"), str(base / "afile" / "sub"), str(home / "broken"),
        str(home / "missing" / "course"), str(base / "new-out"), "-", "--",
    ]


@st.composite
def argvs(draw, base: Path, home: Path) -> list[str]:
    words = draw(st.sampled_from(sorted(COMMANDS)))
    options = _options(COMMANDS[words])
    values = _values(base, home)
    argv = list(words)
    for _ in range(draw(st.integers(0, 6))):
        if options and draw(st.booleans()):
            opt, takes = draw(st.sampled_from(options))
            argv.append(opt)
            if takes:
                argv.append(draw(st.sampled_from(values)))
        else:
            argv.append(draw(st.sampled_from(values)))
    return argv


def _run(argv: list[str], home: Path, cwd: Path) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    with mock.patch.dict(os.environ, {"CRMLAB_DATASETS": str(home)}), \
            contextlib.chdir(cwd), contextlib.redirect_stdout(out), \
            contextlib.redirect_stderr(err):
        code = cli.main(argv)
    return code, err.getvalue()


def _check(argv: list[str], code: int, err: str) -> None:
    assert "Traceback" not in err, (argv, err)
    if code == 0:
        assert all(line.startswith("crmlab: warning:") for line in err.splitlines()), (argv, err)
        return
    lines = err.strip().splitlines()
    assert len(lines) == 1, (argv, err)
    assert lines[0].startswith("crmlab") and ": error: " in lines[0], (argv, err)


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_every_subcommand_fails_in_one_line(homes, tmp_path, data):
    damage = data.draw(st.sampled_from(sorted(homes)))
    home = homes[damage]
    argv = data.draw(argvs(home.parent, home))
    code, err = _run(argv, home, tmp_path)
    _check(argv, code, err)


@pytest.mark.parametrize("words", sorted(w for w in COMMANDS if w[0] != "exercises"),
                         ids=" ".join)
@pytest.mark.parametrize("damage", sorted(DAMAGE))
def test_each_subcommand_on_each_damaged_package(tmp_path, words, damage):
    """Each command that reads or writes a data package, given the damaged one (the
    exercises commands meet damaged courses in the walk above)."""
    home = _home(tmp_path, damage)
    parser = COMMANDS[words]
    positional = [a for a in parser._actions if not a.option_strings
                  and not isinstance(a, argparse._SubParsersAction)]
    argv = [*words, *(["broken"] if words[0] == "datasets" else [str(home / "broken")])
            [:len(positional)]]
    argv += [str(home / "broken")] * (len(positional) - 1)
    if words == ("warehouse", "build"):
        argv += ["--dataset", "broken", "--url", f"duckdb:///{tmp_path}/w.duckdb"]
    if words == ("generate",):
        argv = ["generate", "tiny", "--out", str(home / "broken"), "--overwrite", "--quiet"]
    code, err = _run(argv, home, tmp_path)
    _check(argv, code, err)
    # list warns and lists the rest; rebuild (which compares before it swaps) and
    # generate --overwrite may replace damaged tables that an intact descriptor lists
    if words not in (("datasets", "list"), ("datasets", "rebuild"), ("generate",)):
        assert code != 0, (argv, err)


def test_an_unexpected_error_is_one_line_naming_its_type(monkeypatch, capsys):
    def boom(*_a, **_k):
        raise KeyError("resources")

    monkeypatch.setattr(cli, "_datasets", boom)
    assert cli.main(["datasets", "list"]) == 1
    lines = capsys.readouterr().err.strip().splitlines()
    assert lines == ["crmlab: error: KeyError: 'resources' (set CRMLAB_TRACEBACK=1 to see "
                     "the traceback)"]
    monkeypatch.setenv(cli.TRACEBACK_ENV, "1")
    with pytest.raises(KeyError):
        cli.main(["datasets", "list"])


def test_a_multi_line_message_and_warnings_are_one_line_each(monkeypatch, capsys):
    import warnings

    def noisy(*_a, **_k):
        warnings.warn("first\nsecond", RuntimeWarning, stacklevel=1)
        raise ValueError("one\n  two")

    monkeypatch.setattr(cli, "_generate", noisy)
    assert cli.main(["generate", "tiny", "--out", "x"]) == 2
    assert capsys.readouterr().err.splitlines() == ["crmlab: warning: first second",
                                                    "crmlab: error: one two"]


def test_a_bad_argument_returns_two_in_process(capsys):
    assert cli.main(["generate", "tiny", "--seed", "3.9", "--out", "x"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--seed" in err[0] and "3.9" in err[0]


@pytest.mark.parametrize(("argv", "needle"), [
    (["generate", "tiny", "--customers", "1000000000000", "--out", "{tmp}/w"],
     "WorldConfig.n_customers must be a whole number in [1, 10,000,000,000]"),
    (["generate", "tiny", "--customers", "10000000000", "--out", "{tmp}/w", "--quiet"],
     "--engine dask"),  # 15 TB: no machine's memory
    (["generate", "tiny", "--seed", "3.9", "--out", "{tmp}/w"], "3.9"),
    (["generate", "tiny", "--out", "{tmp}/afile/w", "--quiet"], "is a file, not a folder"),
    (["datasets", "verify", "broken"], "broken"),
    (["warehouse", "build", "--dataset", "broken", "--url", "duckdb:///{tmp}/w.duckdb"],
     "broken"),
    (["nonsense"], "invalid choice"),
])
def test_the_real_command_line_answers_in_one_line(homes, tmp_path, argv, needle):
    (tmp_path / "afile").write_text("x")
    argv = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    env = {"CRMLAB_DATASETS": str(homes["json"])}
    assert_one_line_error(run_cli(*argv, env=env), needle)
