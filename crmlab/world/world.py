"""The :class:`World`: observable tables, silos and hidden truth, with save and load."""

from __future__ import annotations

import ctypes
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from ._parallel.block_workers import make_blocks, resolve_workers
from .config import WorldConfig, check_seed, resolve_config
from .io import read_world, save_world
from .memory import check_memory
from .pipeline import BlockOutput, world_tables
from .schema import SILOS, TABLES, TRUTH_TABLES
from .truth_params import params_table

__all__ = ["SILOS", "TABLES", "TRUTH_TABLES", "Truth", "World", "make_world"]


@dataclass
class Truth:
    """The hidden generative truth, kept beside the observable data.

    Attributes
    ----------
    customers : DataFrame
        Per customer: latent segment, true purchase rate and dropout probability,
        spend level, churn hazard, churn cause, true churn date (prepaid dropouts too),
        service failures, loyalty propensity, influence, true 3-year CLV.
    contacts : DataFrame
        Every eligible customer of every campaign with both potential outcomes
        (response if contacted, response if not): the true uplift.
    invoices, complaints : DataFrame
        The correct amount behind every invoice; which complaints came from serious
        service failures and the load the service was under.
    silo_mapping : DataFrame
        Which true customer each record of each silo belongs to.
    params : DataFrame
        Every coefficient that generated the world, one row per segment (index
        ``segment``): first the per-segment parameters (``bg_r``, ``bg_alpha``, ``bg_a``,
        ``bg_b`` of BG/NBD per week; ``gg_p``, ``gg_q``, ``gg_gamma`` of Gamma-Gamma;
        ``sbg_alpha``, ``sbg_beta`` of monthly churn; plan, age, usage, payment,
        complaint, response, uplift, referral and influence), then ``segment_share``,
        then the flat config coefficients as ``world_<name>`` (``world_complaint_rate``,
        ``world_winback_rate``, ...) and every coefficient of every parameter group as
        ``<group>_<name>``, vectors as ``<group>_<name>_<key>``
        (``service_season_jan``, ``service_base_response_hours_call_centre``,
        ``churn_after_bad_complaint``, ``billing_tariff_fee_basic``, ...), constant down
        the segments. Money is in the locale's currency. Built by
        :func:`crmlab.world.truth_params.params_table`; the data package documents every
        column.
    """

    customers: pd.DataFrame
    contacts: pd.DataFrame
    invoices: pd.DataFrame
    complaints: pd.DataFrame
    silo_mapping: pd.DataFrame
    params: pd.DataFrame

    def __post_init__(self) -> None:
        # hundreds of columns read one by one (a loaded package) make a frame of as many
        # pieces, which pandas warns about on the next insertion: keep one compact copy
        # (five rows)
        self.params = self.params.copy()

    @property
    def tables(self) -> dict[str, pd.DataFrame]:
        """The truth tables by name."""
        return {name: getattr(self, name) for name in TRUTH_TABLES}


class World:
    """A synthetic telecom operator: its customers, their events, and the hidden truth.

    Build one with :func:`make_world` or load one with :meth:`load`. Every observable
    table is an attribute (``w.customers``, ``w.transactions``, ...) and ``w.tables``
    maps names to all of them; ``w.silos`` holds the same customers as the separate
    sales, service, billing and web systems keep them; ``w.truth`` holds what real data
    never reveals.

    Examples
    --------
    >>> import crmlab as crm
    >>> w = crm.make_world("tiny", seed=1)
    >>> len(w.customers)
    500
    """

    customers: pd.DataFrame
    transactions: pd.DataFrame
    invoices: pd.DataFrame
    payments: pd.DataFrame
    collections: pd.DataFrame
    complaints: pd.DataFrame
    interactions: pd.DataFrame
    campaigns: pd.DataFrame
    contacts: pd.DataFrame
    loyalty: pd.DataFrame
    referrals: pd.DataFrame
    online_activity: pd.DataFrame
    weather: pd.DataFrame
    tariffs: pd.DataFrame

    def __init__(self, tables: dict[str, pd.DataFrame], silos: dict[str, pd.DataFrame],
                 truth: Truth, config: WorldConfig, seed: int,
                 meta: dict[str, Any] | None = None) -> None:
        missing = [name for name in TABLES if name not in tables]
        if missing:
            raise ValueError(f"World is missing tables {missing}")
        for name in TABLES:
            setattr(self, name, tables[name])
        self.silos = dict(silos)
        self.truth = truth
        self.config = config
        self.seed = check_seed(seed)
        self.meta = dict(meta or {})

    @property
    def tables(self) -> dict[str, pd.DataFrame]:
        """The observable tables by name (no truth, no silos)."""
        return {name: getattr(self, name) for name in TABLES}

    def summary(self) -> pd.DataFrame:
        """Rows and columns of every observable table.

        Examples
        --------
        >>> import crmlab as crm
        >>> crm.make_world("tiny", seed=1).summary().loc["customers", "rows"]
        np.int64(500)
        """
        return pd.DataFrame(
            {"rows": [len(t) for t in self.tables.values()],
             "columns": [t.shape[1] for t in self.tables.values()]},
            index=pd.Index(list(self.tables), name="table"))

    def __repr__(self) -> str:
        c = self.config
        return (f"<crmlab.World seed={self.seed} customers={len(self.customers):,} "
                f"transactions={len(self.transactions):,} invoices={len(self.invoices):,} "
                f"complaints={len(self.complaints):,} {c.start}..{c.end} locale={c.locale}>")

    def save(self, path: str | Path, *, format: str = "csv", overwrite: bool = False,
             name: str | None = None) -> Path:
        """Write the world as a data package (atomically: a temp folder renamed into place).

        An interrupted save (an error, Ctrl-C, SIGTERM, SIGHUP) leaves nothing behind. CSV
        files of a ``fa_IR`` world start with a UTF-8 byte-order mark so that Excel shows
        Persian text correctly. See :mod:`crmlab.package` for the format.

        Parameters
        ----------
        path : str or Path
            Destination folder; must not exist unless ``overwrite=True``.
        format : {"csv", "parquet"}
        overwrite : bool, default=False
            Replace an existing data package at ``path``. Only the files that package
            lists are replaced; anything else in the folder (a notebook you saved there)
            is kept. A folder that is not a crmlab data package is never replaced.
        name : str, optional
            Data package name (defaults to the folder name).

        Returns
        -------
        Path
            The package folder.

        Examples
        --------
        >>> import tempfile
        >>> import crmlab as crm
        >>> with tempfile.TemporaryDirectory() as d:
        ...     path = crm.make_world("tiny", seed=1).save(f"{d}/w")
        ...     (path / "customers.csv").is_file()
        True
        """
        return save_world(self, path, format=format, overwrite=overwrite, name=name)

    def to_warehouse(self, url: str, *, with_truth: bool = False,
                     overwrite: bool = False) -> str:
        """Write the world into a customer data warehouse (a star schema), all or nothing.

        Parameters
        ----------
        url : str
            ``duckdb:///path/crm.duckdb`` or ``postgresql://user@host:port/database``.
        with_truth : bool, default=False
            Also write the hidden truth, into a separate schema ``truth``.
        overwrite : bool, default=False
            Also replace what crmlab did not make (a file that is not a crmlab
            warehouse, tables someone else added), with a warning naming it.

        Returns
        -------
        str
            Where the warehouse is. See :func:`crmlab.warehouse.build_warehouse`.

        Examples
        --------
        >>> import tempfile
        >>> import crmlab as crm
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     where = crm.make_world("tiny", seed=1).to_warehouse(
        ...         f"duckdb:///{folder}/crm.duckdb", with_truth=True)
        >>> where.endswith("crm.duckdb")
        True
        """
        from ..warehouse import build_warehouse

        return build_warehouse(self, url, with_truth=with_truth, overwrite=overwrite)

    @classmethod
    def load(cls, path: str | Path, *, verify: bool = True) -> World:
        """Load a world saved with :meth:`save` (CSV or Parquet), checking it first.

        Parameters
        ----------
        path : str or Path
            A folder with a ``datapackage.json``.
        verify : bool, default=True
            Check the size and sha256 of every file, the row count and primary key of
            every table. ``verify=False`` skips these passes over the data (faster for a
            large world you trust); the descriptor, the paths (inside the package), the
            config, columns, types and category values are checked either way.

        Raises
        ------
        crmlab.package.DataPackageError
            A ``ValueError`` whose one-line message names the damaged file and what is
            wrong with it (truncated, changed, a value outside its categories, ...).

        Examples
        --------
        >>> import crmlab as crm
        >>> w = crm.World.load(crm.datasets.dataset_path("tiny"))
        >>> len(w.customers)
        500
        """
        parts = read_world(path, verify=verify)
        return cls(parts.tables, parts.silos, Truth(**parts.truth), parts.config, parts.seed,
                   parts.meta)

    @classmethod
    def from_frames(cls, config: WorldConfig, seed: int, wt,
                    frames: dict[str, pd.DataFrame]) -> World:
        """A world from its world-wide tables and its assembled tables, named as in
        :meth:`~crmlab.world.pipeline.BlockOutput.frames`."""
        out = BlockOutput.from_frames(frames)
        tables = dict(out.tables, campaigns=wt.campaigns, weather=wt.weather,
                      tariffs=wt.tariffs)
        from .locales import pools

        loc = pools(config.locale)
        truth = Truth(params=params_table(config), **out.truth)
        meta = {"currency": loc.currency, "faker_version": loc.faker_version}
        return cls(tables, out.silos, truth, config, seed, meta)


def _return_freed_memory() -> None:
    """Ask the C allocator to give freed heap memory back to the operating system.

    The blocks' numeric columns are small allocations that glibc serves from its heap;
    once stacked into the world they are freed but stay resident until trimmed
    (glibc's ``malloc_trim``; a no-op where there is no glibc). Called once, after the
    last block: trimming after every block would make the next block fault the same
    pages in again.
    """
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc (macOS, Windows, musl)
        pass


def make_world(config: str | WorldConfig = "classroom", seed: int = 42, *,
               progress: bool | Callable[[int, int], None] = False,
               workers: int | None = None, **overrides: Any) -> World:
    """Generate a synthetic CRM world.

    Parameters
    ----------
    config : str or WorldConfig, default="classroom"
        A preset name (``"tiny"``, ``"classroom"``, ``"research"``, ``"large"``) or a
        :class:`WorldConfig`.
    seed : int, default=42
        Same seed and crmlab version give the same world, byte for byte.
    progress : bool or callable, default=False
        Show a progress bar over blocks (``True``; only when there are several), or
        call ``progress(done, total)`` after each block.
    workers : int, optional
        Processes that make blocks at once, this one included. ``None`` (the default)
        uses every core this process may run on; ``1`` makes every block here. The
        world is the same whatever the number (each block has its own random streams).
        Helpers need Linux; elsewhere blocks are made here one after another. They are
        forked only if the calling thread is the only one running Python code (a
        script, the ``crmlab`` command): forking a process that runs other threads can
        deadlock the child. Otherwise (a Jupyter kernel, Dask's threads, a thread of
        your own) they are fresh interpreters, started only when the world is big
        enough to repay their start-up (about half a second); smaller worlds are made
        here. Helpers die with this process however it ends, even by SIGKILL.
    **overrides
        WorldConfig fields to change, e.g. ``n_customers=2000, locale="fa_IR"``.

    Returns
    -------
    World

    Examples
    --------
    >>> import crmlab as crm
    >>> w = crm.make_world("tiny", seed=7, locale="fa_IR")
    >>> w.customers["customer_id"].is_unique
    True
    """
    cfg = resolve_config(config, **overrides)
    seed = check_seed(seed)
    check_memory(cfg)  # before any work: refuse a world that cannot fit, naming the way out
    n_workers = resolve_workers(workers, cfg.n_blocks)
    wt = world_tables(cfg, seed)
    bar = None
    done = 0

    def on_start() -> None:
        # after helpers are forked: a progress bar runs a monitor thread of its own
        nonlocal bar
        if progress is True and cfg.n_blocks > 1:  # one block finishes at once
            from tqdm.auto import tqdm

            bar = tqdm(total=cfg.n_blocks, desc="blocks", unit="block")

    def on_block() -> None:
        nonlocal done
        done += 1
        if bar is not None:
            bar.update(1)
        elif callable(progress):
            progress(done, cfg.n_blocks)

    try:
        frames = make_blocks(cfg, seed, wt, n_workers, on_block, on_start)
    finally:
        if bar is not None:
            bar.close()
    _return_freed_memory()  # the blocks' memory, now that they are all stacked
    return World.from_frames(cfg, seed, wt, frames)
