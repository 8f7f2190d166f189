"""Whether an in-memory world fits: an estimate checked before any work (issue 14).

:func:`crmlab.make_world` holds every table of a world in this process. A world too big
for the memory available would otherwise fail deep inside the generator, after minutes
of work, with numpy's ``MemoryError`` (or be killed by the operating system). Instead
:func:`check_memory` compares a lower bound of the world's size with the memory the
machine has available and refuses, naming ``n_customers``, the estimate and the way out:
the block-by-block engine (``crmlab generate --engine dask``, ``crmlab.generate(...,
engine="dask")``), which writes each block to disk and never holds the whole world.
"""

from __future__ import annotations

import psutil

from .config import WorldConfig

__all__ = ["BYTES_PER_CUSTOMER", "BYTES_PER_CUSTOMER_YEAR", "available_memory",
           "check_memory", "estimate_world_bytes"]

#: Bytes a customer takes in memory whatever the history's length, and bytes added per
#: year of history. make_world's peak (resident memory, the classroom preset with
#: 200,000 customers) was about 1,520 bytes a customer over one year and 2,380 over
#: three; these are about four fifths of that, so that the estimate is a lower bound for
#: the default coefficients: a world refused would not have fitted.
BYTES_PER_CUSTOMER = 800
BYTES_PER_CUSTOMER_YEAR = 400


def estimate_world_bytes(config: WorldConfig) -> int:
    """A lower bound of the memory a world's tables take once made, in bytes.

    Parameters
    ----------
    config : WorldConfig

    Returns
    -------
    int

    Examples
    --------
    >>> from crmlab import WorldConfig
    >>> estimate_world_bytes(WorldConfig(n_customers=1_000, start="2024-01-01",
    ...                                  end="2024-12-31"))
    1201095
    """
    years = config.n_days / 365.0
    return int(config.n_customers * (BYTES_PER_CUSTOMER + BYTES_PER_CUSTOMER_YEAR * years))


def available_memory() -> int:
    """Bytes of memory this process can still take: the machine's available memory, or
    less if a control group (a container, a batch job) limits it.

    Examples
    --------
    >>> available_memory() > 0
    True
    """
    free = int(psutil.virtual_memory().available)
    for path, used_path in (("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current"),
                            ("/sys/fs/cgroup/memory/memory.limit_in_bytes",
                             "/sys/fs/cgroup/memory/memory.usage_in_bytes")):
        try:
            with open(path) as f:
                limit = f.read().strip()
            with open(used_path) as f:
                used = int(f.read().strip())
        except (OSError, ValueError):
            continue
        if limit.isdigit() and int(limit) < 2**60:  # "max" or a huge number: no limit
            free = min(free, max(int(limit) - used, 0))
        break
    return free


def _gib(n: int) -> str:
    return f"{n / 2**30:,.1f} GiB"


def check_memory(config: WorldConfig, available: int | None = None) -> None:
    """Refuse an in-memory world that cannot fit in the memory available.

    Parameters
    ----------
    config : WorldConfig
    available : int, optional
        Bytes available; by default :func:`available_memory`.

    Raises
    ------
    ValueError
        Naming ``n_customers``, the estimate, the memory available and the
        block-by-block engine as the way out.

    Examples
    --------
    >>> from crmlab import WorldConfig
    >>> check_memory(WorldConfig(n_customers=1_000), available=2**30)
    >>> check_memory(WorldConfig(n_customers=10**8), available=2**30)
    Traceback (most recent call last):
    ...
    ValueError: WorldConfig.n_customers=100,000,000 does not fit in memory: a world of ...
    """
    need = estimate_world_bytes(config)
    have = available_memory() if available is None else available
    if need > have:
        raise ValueError(
            f"WorldConfig.n_customers={config.n_customers:,} does not fit in memory: a world "
            f"of that size over {config.n_days:,} days needs at least {_gib(need)} and "
            f"{_gib(have)} is available; make fewer customers, or write the world block by "
            "block to disk with crmlab.generate(..., engine='dask') (`crmlab generate "
            "--engine dask`)")
