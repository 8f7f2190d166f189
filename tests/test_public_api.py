"""Every public module says what it exports (``__all__``), and exports only what exists."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import crmlab


def _public(name: str) -> bool:
    return not any(part.startswith("_") for part in name.split("."))


PUBLIC = sorted(["crmlab"] + [m.name for m in pkgutil.walk_packages(crmlab.__path__, "crmlab.")
                              if _public(m.name)])


@pytest.mark.parametrize("name", PUBLIC)
def test_public_module_defines_all_and_every_name_exists(name):
    module = importlib.import_module(name)
    assert hasattr(module, "__all__"), f"{name} has no __all__"
    exported = list(module.__all__)
    assert all(isinstance(n, str) for n in exported), f"{name}.__all__ holds non-strings"
    assert len(set(exported)) == len(exported), f"{name}.__all__ lists a name twice"
    missing = []
    for attr in exported:
        if hasattr(module, attr):
            continue
        try:  # a package may export its submodules by name
            importlib.import_module(f"{name}.{attr}")
        except ImportError:
            missing.append(attr)
    assert not missing, f"{name}.__all__ names {missing}, which do not exist"


def test_the_analytics_package_lists_no_stray_imports():
    analytics = importlib.import_module("crmlab.analytics")
    for sub in analytics.__all__:  # loading every submodule adds them as attributes
        importlib.import_module(f"crmlab.analytics.{sub}")
    public = {n for n in dir(analytics) if not n.startswith("_")}
    stray = sorted(public - set(analytics.__all__))
    assert not stray, f"dir(crmlab.analytics) lists {stray} beside its modules"
    modules = {m.name for m in pkgutil.iter_modules(analytics.__path__) if _public(m.name)}
    assert set(analytics.__all__) == modules  # and every public module is listed
