"""Run a world's blocks in this process or on a Dask cluster, straight to Parquet.

A world is made of independent blocks of customers (see
:func:`crmlab.world.pipeline.generate_block`): block 7 is the same whether it is made
first, last, alone or on another machine. :func:`generate` makes every block as one
task and writes the block's tables at once to Parquet files, one file per block per
table::

    DIR/datapackage.json
    DIR/customers/part-00000.parquet, part-00001.parquet, ...
    DIR/transactions/part-00000.parquet, ...
    DIR/silos/sales/part-00000.parquet, ...
    DIR/truth/customers/part-00000.parquet, ...

so nobody ever holds the whole world: the client only collects each block's file
sizes and checksums. Each table is a partitioned Parquet dataset (``dd.read_parquet``
or ``pyarrow.dataset`` read the folder as one table) whose parts, concatenated in block
order, equal the table of :func:`crmlab.make_world` with the same config and seed. The
``datapackage.json`` is the one of :meth:`crmlab.World.save` with each table's ``path``
the list of its parts and a ``parts`` entry giving every file's rows, bytes and
sha256; :meth:`crmlab.World.load` reads it into pandas, :func:`read_table` into Dask.

Engines
-------
``"process"``
    Block after block in this process (memory stays that of one block).
``"dask"``
    One task per block on a ``dask.distributed`` cluster: a local one (worker processes
    with a memory limit each) or an existing one given by its scheduler address. The
    output folder must then be on storage every worker can write to.

The files do not depend on the engine or the number of workers: the same config and
seed always give the same bytes. Writing is atomic (:class:`crmlab.package.Staging`):
everything goes into a temporary folder beside the destination, renamed into place only
when the data package is complete, so a failed run, Ctrl-C, SIGTERM or SIGHUP leaves
no partial dataset and no temporary folder. A worker that dies
mid-run has its block rerun elsewhere (and a task that fails is retried ``retries``
times); a part is written under a temporary name and renamed, so a killed attempt
leaves no half file.
"""

from __future__ import annotations

import logging
import os
import sys
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from .package import (
    Staging,
    descriptor_text,
    partitioned_resource,
    remove_stray_parts,
    table_files,
    write_part,
)
from .world.config import WorldConfig, check_seed, resolve_config
from .world.io import descriptor_fields, params_frame, resource_names, table_spec
from .world.pipeline import generate_block, world_tables

__all__ = ["ENGINES", "generate", "read_table", "run_block"]

#: The ways :func:`generate` can run the blocks.
ENGINES: tuple[str, ...] = ("process", "dask")
#: Tables drawn once for the whole world (not per block); written as a single part.
WORLD_WIDE: tuple[str, ...] = ("campaigns", "weather", "tariffs", "truth/params")


def _write_part(df: pd.DataFrame, root: str | Path, resource: str, block: int
                ) -> dict[str, Any]:
    return write_part(df, root, resource, block, table_spec(resource))


def run_block(config: WorldConfig, seed: int, block: int, wt: Any, root: str | Path
              ) -> dict[str, dict[str, Any]]:
    """Generate one block and write each of its tables as ``root/<table>/part-NNNNN.parquet``.

    This is the task :func:`generate` runs on a worker. The table folders must exist.

    Returns
    -------
    dict
        Per resource name: the part's relative ``path``, ``rows``, ``bytes``, ``hash``
        and ``schema`` (small: the data stays on disk).

    Examples
    --------
    >>> import tempfile
    >>> from crmlab import WorldConfig
    >>> from crmlab.world.pipeline import world_tables
    >>> cfg = WorldConfig(n_customers=200, block_size=100, start="2024-01-01",
    ...                   end="2024-03-31")
    >>> with tempfile.TemporaryDirectory() as d:
    ...     _make_folders(Path(d))
    ...     info = run_block(cfg, 1, 1, world_tables(cfg, 1), d)
    >>> info["customers"]["path"], info["customers"]["rows"]
    ('customers/part-00001.parquet', 100)
    """
    frames = generate_block(config, seed, block, wt).frames()
    return {name: _write_part(frames.pop(name), Path(root), name, block)
            for name in list(frames)}


def _make_folders(root: Path) -> None:
    for name in resource_names():
        (root / name).mkdir(parents=True, exist_ok=True)


def _world_wide_frames(config: WorldConfig, wt: Any) -> dict[str, pd.DataFrame]:
    from .world.truth_params import params_table

    params = params_frame(params_table(config))
    return {"campaigns": wt.campaigns, "weather": wt.weather, "tariffs": wt.tariffs,
            "truth/params": params}


def _keep_schema_once(block: int, meta: dict[str, dict[str, Any]],
                      schemas: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Check a block's table schemas against the first block's; keep only the first copy
    (a world of 10 million customers has 1,000 blocks)."""
    for name, part in meta.items():
        schema = part.pop("schema")
        if schemas.setdefault(name, schema) != schema:
            raise ValueError(f"table {name!r}: block {block} has a different schema from the "
                             "other blocks; the blocks cannot form one table")
    return meta


def _resources(blocks: list[dict[str, dict[str, Any]]], world_wide: dict[str, dict[str, Any]],
               schemas: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """Data package resources from the parts' metadata, in the order of World.save."""
    resources = []
    for name in resource_names():
        parts = [world_wide[name]] if name in world_wide else [b[name] for b in blocks]
        schema = world_wide[name]["schema"] if name in world_wide else schemas[name]
        resources.append(partitioned_resource(name, parts, schema, table_spec(name)))
    return resources


def _check_engine(engine: Any, workers: Any, retries: Any) -> None:
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {list(ENGINES)}; got {engine!r}")
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int)
                                or workers < 1):
        raise ValueError(f"workers must be a whole number >= 1; got {workers!r}")
    if isinstance(retries, bool) or not isinstance(retries, int) or retries < 0:
        raise ValueError(f"retries must be a whole number >= 0; got {retries!r}")


class _Cluster:
    """A Dask client: given, connected to a scheduler address, or on a new LocalCluster."""

    def __init__(self, *, client: Any, scheduler: str | None, workers: int | None,
                 memory_limit: str | int | None, processes: bool, n_tasks: int) -> None:
        self.client = client
        self.own_client = self.own_cluster = None
        if client is not None:
            return
        from distributed import Client, LocalCluster

        if scheduler is not None:
            try:
                self.own_client = self.client = Client(scheduler, set_as_default=False)
            except OSError as exc:
                raise ConnectionError(
                    f"cannot reach the Dask scheduler at {scheduler!r} ({exc})") from None
            return
        n = workers or max(1, min(os.cpu_count() or 1, n_tasks))
        # worker processes talk over TCP on this machine only; threads talk in process
        where = {"host": "127.0.0.1"} if processes else {}
        self.own_cluster = LocalCluster(
            n_workers=n, threads_per_worker=1, processes=processes,
            memory_limit=memory_limit, dashboard_address="127.0.0.1:0",
            silence_logs=logging.ERROR, **where)
        self.own_client = self.client = Client(self.own_cluster, set_as_default=False)

    def close(self) -> None:
        if self.own_client is not None:
            self.own_client.close()
        if self.own_cluster is not None:
            self.own_cluster.close()


def generate(config: str | WorldConfig = "classroom", seed: int = 42, *,
             out: str | Path, engine: str = "dask", scheduler: str | None = None,
             workers: int | None = None, memory_limit: str | int | None = "2GiB",
             processes: bool = True, client: Any = None, retries: int = 3,
             progress: bool | Callable[[int, int], None] = False, overwrite: bool = False,
             name: str | None = None, **overrides: Any) -> Path:
    """Generate a world block by block into a partitioned Parquet data package.

    Parameters
    ----------
    config : str or WorldConfig, default="classroom"
        A preset name or a :class:`~crmlab.WorldConfig`.
    seed : int, default=42
    out : str or Path
        Destination folder; must not exist unless ``overwrite=True``. With a remote
        cluster it must be on storage shared by the client and every worker.
    engine : {"dask", "process"}, default="dask"
        Run the blocks on a Dask cluster or one after another in this process.
    scheduler : str, optional
        Address of an existing Dask scheduler (``"tcp://host:8786"``); default a new
        local cluster, closed at the end.
    workers : int, optional
        Worker processes of the local cluster (default: the CPU count, at most one per
        block).
    memory_limit : str or int, default="2GiB"
        Memory limit per local worker.
    processes : bool, default=True
        Local workers as processes (``False``: threads of this process, for tests).
    client : distributed.Client, optional
        Use this client instead of making one (it is left open).
    retries : int, default=3
        How often Dask reruns a block whose task failed.
    progress : bool or callable, default=False
        A progress bar over finished blocks (``True``), or ``progress(done, total)``
        called after each block. With Dask the dashboard address is printed too.
    overwrite : bool, default=False
        Replace an existing data package at ``out``.
    name : str, optional
        Data package name (default the folder name).
    **overrides
        WorldConfig fields to change, e.g. ``n_customers=10_000_000``.

    Returns
    -------
    Path
        The data package folder.

    Examples
    --------
    >>> import tempfile, crmlab as crm
    >>> from crmlab.engine import generate
    >>> with tempfile.TemporaryDirectory() as d:
    ...     path = generate("tiny", seed=3, out=f"{d}/w", engine="process", block_size=250)
    ...     parts = sorted(f.name for f in (path / "customers").iterdir())
    ...     w = crm.World.load(path)
    >>> parts, len(w.customers)
    (['part-00000.parquet', 'part-00001.parquet'], 500)
    """
    cfg = resolve_config(config, **overrides)
    seed = check_seed(seed)
    _check_engine(engine, workers, retries)
    staging = Staging(out, overwrite=overwrite)  # checks ``out`` before any work
    n = cfg.n_blocks
    metas: list[dict[str, dict[str, Any]] | None] = [None] * n
    schemas: dict[str, dict[str, Any]] = {}
    cluster = None
    futures: list[Any] = []
    bar = None
    # the staging folder is removed on any exception, Ctrl-C, SIGTERM or SIGHUP included
    with staging:
        tmp = staging.root
        try:
            from .world.locales import pools

            loc = pools(cfg.locale)  # build the name pools once here (threaded workers share)
            _make_folders(tmp)
            wt = world_tables(cfg, seed)

            def open_bar() -> None:
                nonlocal bar
                if progress is True:
                    from tqdm.auto import tqdm

                    bar = tqdm(total=n, desc="blocks", unit="block", file=sys.stderr)

            def done(k: int) -> None:
                if bar is not None:
                    bar.update(1)
                elif callable(progress):
                    progress(k, n)

            if engine == "process":
                open_bar()
                for b in range(n):
                    metas[b] = _keep_schema_once(b, run_block(cfg, seed, b, wt, tmp), schemas)
                    done(b + 1)
            else:
                from distributed import as_completed

                cluster = _Cluster(client=client, scheduler=scheduler, workers=workers,
                                   memory_limit=memory_limit, processes=processes, n_tasks=n)
                dask_client = cluster.client
                if progress:
                    print(f"dask dashboard: {dask_client.dashboard_link}", file=sys.stderr,
                          flush=True)
                token = uuid.uuid4().hex[:8]
                # a task rather than scattered data: if every worker holding the world-wide
                # tables dies, the scheduler recomputes them (cheap and deterministic)
                wt_future = dask_client.submit(world_tables, cfg, seed,
                                               key=f"crmlab-world-tables-{token}",
                                               retries=retries)
                futures = [dask_client.submit(run_block, cfg, seed, b, wt_future, str(tmp),
                                              key=f"crmlab-block-{b:05d}-{token}",
                                              retries=retries, pure=False)
                           for b in range(n)]
                index = {f.key: b for b, f in enumerate(futures)}
                open_bar()
                for k, fut in enumerate(as_completed(futures, loop=dask_client.loop),
                                        start=1):
                    b = index[fut.key]
                    metas[b] = _keep_schema_once(b, fut.result(), schemas)
                    fut.release()
                    done(k)
                futures = []
            world_wide = {name: _write_part(df, tmp, name, 0)
                          for name, df in _world_wide_frames(cfg, wt).items()}
            resources = _resources(metas, world_wide, schemas)  # type: ignore[arg-type]
            meta = {"currency": loc.currency, "faker_version": loc.faker_version}
            remove_stray_parts(tmp)
            dest = staging.commit(descriptor_text(name or staging.dest.name, resources,
                                                  **descriptor_fields(cfg, seed, meta)))
        except BaseException:
            if futures and cluster is not None:
                cluster.client.cancel(futures, force=True)
            if cluster is not None:  # stop our own workers before their folder is removed
                cluster.close()
                cluster = None
            raise
        finally:
            if bar is not None:
                bar.close()
            if cluster is not None:
                cluster.close()
    return dest


def read_table(path: str | Path, table: str = "transactions", *, verify: bool = True) -> Any:
    """One table of a saved world as a Dask DataFrame (out of core).

    Works for partitioned packages (:func:`generate`) and single-file Parquet
    packages alike; each part becomes a partition, so each partition holds whole
    blocks of customers.

    Parameters
    ----------
    path : str or Path
        A data package folder.
    table : str, default="transactions"
        A resource name, e.g. ``"customers"`` or ``"truth/customers"``.
    verify : bool, default=True
        Check the table's files first: size and sha256 of each, and the row count and
        columns in each Parquet footer (a damaged file raises
        :class:`~crmlab.package.DataPackageError` naming it). ``False`` skips this pass
        over the bytes, for speed; the descriptor and its paths are always checked.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = generate("tiny", seed=3, out=f"{d}/w", engine="process", block_size=250)
    ...     ddf = read_table(p, "customers")
    ...     ddf.npartitions, len(ddf)
    (2, 500)
    """
    import dask.dataframe as dd

    res, files = table_files(path, table, verify=verify)
    if res["format"] != "parquet":
        raise ValueError(f"{path} stores {table!r} as {res['format']}; read_table needs "
                         "Parquet (generate with --format parquet)")
    return dd.read_parquet([str(f) for f in files], engine="pyarrow")
