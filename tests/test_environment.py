"""pyproject.toml, environment.yml and requirements.lock must list the same packages.

A dependency added to pyproject.toml but not to environment.yml (or not re-locked with
``bash scripts/lock.sh``) fails here, not on a student's machine.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = ROOT / "pyproject.toml"
ENVIRONMENT = ROOT / "environment.yml"
LOCK = ROOT / "requirements.lock"

# conda-forge packages whose name differs from the PyPI one (normalised PyPI -> conda)
CONDA_NAMES: dict[str, str] = {"duckdb": "python-duckdb"}
# conda entries that are not Python dependencies of crmlab
CONDA_ONLY = {"python", "pip"}
_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _name(requirement: str) -> str:
    match = _NAME.match(requirement)
    assert match, f"cannot read a package name from {requirement!r}"
    return normalise(match.group(1))


def pyproject_requirements() -> dict[str, str]:
    project = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]
    reqs = list(project["dependencies"])
    for extra in ("lab", "test", "site"):
        reqs += project["optional-dependencies"][extra]
    return {_name(r): r for r in reqs}


def _parse_environment_lines(text: str) -> dict:
    """Tiny fallback for environment.yml: top-level ``dependencies`` list only."""
    deps: list = []
    pip: list[str] = []
    section = None
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].rstrip()
        if not line.strip():
            continue
        if not raw.startswith((" ", "-")):
            section = line.split(":", 1)[0].strip()
            continue
        if section != "dependencies":
            continue
        item = line.strip()[1:].strip() if line.strip().startswith("-") else None
        if item is None:
            continue
        if item.startswith("pip:"):
            deps.append({"pip": pip})
        elif len(raw) - len(raw.lstrip()) > 4 and deps and isinstance(deps[-1], dict):
            pip.append(item)
        else:
            deps.append(item)
    return {"dependencies": deps}


def environment_dependencies() -> tuple[set[str], list[str]]:
    text = ENVIRONMENT.read_text(encoding="utf-8")
    try:
        import yaml
    except ImportError:  # PyYAML is in requirements.lock, but don't depend on it
        env = _parse_environment_lines(text)
    else:
        env = yaml.safe_load(text)
    conda: set[str] = set()
    pip: list[str] = []
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            pip += dep.get("pip", [])
        else:
            conda.add(_name(str(dep)))
    return conda, pip


def lock_pins() -> dict[str, str]:
    pins = {}
    for line in LOCK.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        assert "==" in line, f"requirements.lock: not pinned with ==: {line!r}"
        name, version = line.split("==", 1)
        pins[normalise(name.strip())] = version.strip()
    return pins


def test_pyproject_has_dependencies():
    assert len(pyproject_requirements()) >= 10


def test_every_pyproject_dependency_is_in_environment_yml():
    conda, pip = environment_dependencies()
    from_pip = {_name(r) for r in pip if not r.startswith("-")}  # not on conda-forge
    missing = {CONDA_NAMES.get(n, n) for n in pyproject_requirements()} - conda - from_pip
    assert not missing, f"in pyproject.toml but not in environment.yml: {sorted(missing)}"


def test_environment_yml_has_nothing_extra():
    conda, _ = environment_dependencies()
    expected = {CONDA_NAMES.get(n, n) for n in pyproject_requirements()} | CONDA_ONLY
    extra = conda - expected
    assert not extra, f"in environment.yml but not in pyproject.toml: {sorted(extra)}"
    assert "python" in conda


def test_environment_yml_installs_crmlab_editable():
    _, pip = environment_dependencies()
    assert "-e ." in pip


def test_every_pyproject_dependency_is_pinned_in_lock():
    pins = lock_pins()
    missing = sorted(set(pyproject_requirements()) - set(pins))
    assert not missing, f"not pinned in requirements.lock (run scripts/lock.sh): {missing}"


def test_lock_pins_satisfy_pyproject_bounds():
    specifiers = pytest.importorskip("packaging.specifiers")
    pins = lock_pins()
    bad = []
    for name, req in pyproject_requirements().items():
        spec = req[len(_NAME.match(req).group(1)):].split(";", 1)[0].strip()
        spec = re.sub(r"^\[[^\]]*\]", "", spec).strip()  # drop extras: dask[dataframe]
        if name in pins and spec and pins[name] not in specifiers.SpecifierSet(spec):
            bad.append(f"{name}=={pins[name]} vs {spec}")
    assert not bad, f"requirements.lock pins outside pyproject bounds: {bad}"


def test_lock_does_not_pin_crmlab_itself():
    assert "crmlab" not in lock_pins()


def test_fallback_parser_matches_yaml():
    yaml = pytest.importorskip("yaml")
    text = ENVIRONMENT.read_text(encoding="utf-8")
    assert _parse_environment_lines(text)["dependencies"] == yaml.safe_load(text)["dependencies"]
