"""Fixtures of the kernel property tests (``test_kernels_*.py``)."""

from __future__ import annotations

import importlib

import pytest

from crmlab.world._kernels import events, frames

# the module, not the function the package exports under the same name
strings = importlib.import_module("crmlab.world._kernels.strings")

#: The kernels' sizes, shrunk so that inputs of a few dozen rows span several slices,
#: probes and shared-offset tables.
SMALL_SIZES = {"probe": 3, "slice": 5, "shared_offsets": 48}


@pytest.fixture(params=["real", "small"])
def kernel_sizes(request, monkeypatch) -> dict[str, int]:
    """The kernels as they are, or with their probe, slice and shared-offset sizes
    shrunk (every module that reads ``ROWS_PER_SLICE`` has its own name for it)."""
    if request.param == "small":
        monkeypatch.setattr(events, "_PROBE", SMALL_SIZES["probe"])
        for module in (events, frames, strings):
            monkeypatch.setattr(module, "ROWS_PER_SLICE", SMALL_SIZES["slice"])
        monkeypatch.setattr(strings, "_MAX_SHARED_OFFSETS", SMALL_SIZES["shared_offsets"])
        monkeypatch.setattr(strings, "_OFFSETS", {})
    return {"probe": events._PROBE, "slice": events.ROWS_PER_SLICE,
            "shared_offsets": strings._MAX_SHARED_OFFSETS}
