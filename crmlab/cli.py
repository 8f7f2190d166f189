"""The ``crmlab`` command line.

Every failure the user can cause (a bad preset, a bad number, an existing folder, a
changed dataset file) prints one line, ``crmlab: error: ...``, and exits non-zero,
without a traceback.

Examples
--------
::

    crmlab generate classroom --seed 7 --out out/world --format parquet
    crmlab generate large --customers 10000000 --engine dask --workers 2 --out /data/w10m
    crmlab datasets list
    crmlab datasets verify classroom
    crmlab datasets rebuild classroom
    crmlab warehouse build --dataset classroom --url duckdb:///crm.duckdb
    crmlab exercises init course/ --students roster.csv
    crmlab exercises release course/ rfm_concentration
    crmlab exercises grade course/ rfm_concentration --submissions inbox/
    crmlab exercises feedback course/ rfm_concentration
    crmlab exercises export course/ --format canvas
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

__all__ = ["main"]


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2
        sys.stderr.write(f"{self.prog}: error: {message}\n")
        raise SystemExit(2)


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a number >= 0, got {value}")
    return value


def _build_parser() -> argparse.ArgumentParser:
    from ._version import __version__
    from .world.config import LOCALES, PRESETS

    p = _Parser(prog="crmlab", description="Synthetic CRM worlds for teaching and research.")
    p.add_argument("--version", action="version", version=f"crmlab {__version__}")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    g = sub.add_parser("generate", help="generate a world and save it as a data package")
    g.add_argument("preset", help=f"one of {', '.join(PRESETS)}")
    g.add_argument("--seed", type=_positive_int, default=42, help="random seed (default 42)")
    g.add_argument("--out", required=True, help="destination folder (must not exist)")
    g.add_argument("--format", choices=["csv", "parquet"],
                   help="csv (default) or parquet (the only choice with --engine)")
    g.add_argument("--customers", type=_positive_int, help="override the number of customers")
    g.add_argument("--locale", help=f"one of {', '.join(LOCALES)}")
    g.add_argument("--overwrite", action="store_true",
                   help="replace an existing data package (only the files it lists; your "
                        "own files in the folder are kept)")
    g.add_argument("--quiet", action="store_true", help="no progress bar")
    g.add_argument("--engine", choices=["process", "dask"],
                   help="write block by block as partitioned Parquet: in this process, or "
                        "one task per block on a Dask cluster (default: build the whole "
                        "world in memory, then save it)")
    g.add_argument("--scheduler", help="with --engine dask: address of an existing Dask "
                                       "scheduler, e.g. tcp://10.0.0.5:8786 (default: a "
                                       "local cluster)")
    g.add_argument("--workers", type=_positive_int,
                   help="processes making blocks at once: without --engine, forked helpers "
                        "of this process; with --engine dask, workers of the local cluster "
                        "(default: the CPU count)")
    g.add_argument("--memory-limit", default="2GiB",
                   help="with --engine dask: memory limit per local worker (default 2GiB)")

    d = sub.add_parser("datasets", help="list, verify or rebuild the shipped datasets")
    dsub = d.add_subparsers(dest="action", required=True, parser_class=_Parser)
    dsub.add_parser("list", help="list the shipped datasets")
    v = dsub.add_parser("verify", help="check files against their sha256, tables against "
                                       "their schema")
    v.add_argument("name", nargs="?", help="dataset name (default: all)")
    r = dsub.add_parser("rebuild", help="regenerate a dataset byte for byte from its seed")
    r.add_argument("name")
    r.add_argument("--out", help="write the rebuilt package here instead of in place")
    r.add_argument("--overwrite", action="store_true",
                   help="with --out: replace a data package already there")
    _add_warehouse_parser(sub)
    _add_exercises_parser(sub)
    return p


def _add_warehouse_parser(sub) -> None:
    from .world.config import PRESETS

    wh = sub.add_parser("warehouse", help="the world as a star schema in DuckDB or PostgreSQL")
    whsub = wh.add_subparsers(dest="action", required=True, parser_class=_Parser)
    b = whsub.add_parser("build", help="build (or rebuild) a warehouse, all or nothing")
    source = b.add_mutually_exclusive_group(required=True)
    source.add_argument("--dataset", help="a shipped dataset (see: crmlab datasets list)")
    source.add_argument("--preset", help=f"generate a world: one of {', '.join(PRESETS)}")
    b.add_argument("--seed", type=_positive_int, help="seed of --preset (default 42)")
    b.add_argument("--url", required=True, help="duckdb:///path/crm.duckdb or "
                   "postgresql://user@host:port/database")
    b.add_argument("--with-truth", action="store_true",
                   help="also write the hidden truth, into schema 'truth'")
    b.add_argument("--overwrite", action="store_true",
                   help="also replace what crmlab did not make (a file that is not a crmlab "
                        "warehouse, tables someone else added); says what it replaced")


def _warehouse(args: argparse.Namespace) -> int:
    import warnings

    from .warehouse import WarehouseOverwriteWarning, build_warehouse, check_destination

    # a wrong URL, an unreachable server or a destination crmlab may not replace fails
    # before any world is made
    check_destination(args.url, with_truth=args.with_truth, overwrite=args.overwrite)
    if args.dataset is not None:
        if args.seed is not None:
            raise ValueError("--seed goes with --preset; a --dataset has its own seed")
        from .datasets import load_dataset

        world, source = load_dataset(args.dataset), f"dataset {args.dataset}"
    else:
        from .world import make_world

        seed = 42 if args.seed is None else args.seed
        world, source = make_world(args.preset, seed=seed), f"preset {args.preset} seed {seed}"
    caught: list[warnings.WarningMessage] = []
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", WarehouseOverwriteWarning)
            where = build_warehouse(world, args.url, with_truth=args.with_truth,
                                    overwrite=args.overwrite)
    finally:  # what --overwrite replaced: one line each; other warnings as usual
        for w in caught:
            if issubclass(w.category, WarehouseOverwriteWarning):
                sys.stderr.write(f"crmlab: warning: {w.message}\n")
            else:
                warnings.showwarning(w.message, w.category, w.filename, w.lineno)
    truth = " and the truth (schema truth)" if args.with_truth else ""
    print(f"built the warehouse of {source} ({len(world.customers):,} customers){truth} "
          f"at {where}")
    return 0


def _add_exercises_parser(sub) -> None:
    from .exercises._cli import add_parser

    add_parser(sub, _Parser, _positive_int)


def _exercises(args: argparse.Namespace) -> int:
    from .exercises._cli import run

    return run(args)


def _generate(args: argparse.Namespace) -> int:
    from .package import Staging
    from .world import make_world, resolve_config

    overrides = {"locale": args.locale}
    if args.customers is not None:
        overrides["n_customers"] = args.customers
    config = resolve_config(args.preset, **overrides)
    out = Path(args.out)
    if out.exists() and not args.overwrite:
        raise FileExistsError(f"{out} already exists; choose a new --out or pass --overwrite")
    Staging(out, overwrite=args.overwrite)  # a destination it may not write fails now
    if args.engine is not None:
        return _generate_blocks(args, config, out)
    if args.scheduler is not None:
        raise ValueError("--scheduler needs --engine dask")
    if args.workers == 0:
        raise ValueError("--workers must be at least 1")
    fmt = args.format or "csv"
    world = make_world(config, seed=args.seed, workers=args.workers,
                       progress=not args.quiet and config.n_blocks > 1)
    path = world.save(out, format=fmt, overwrite=args.overwrite)
    print(f"wrote {len(world.customers):,} customers ({fmt}) to {path}")
    return 0


def _generate_blocks(args: argparse.Namespace, config, out: Path) -> int:
    """``generate --engine process|dask``: partitioned Parquet, one file per block."""
    from .engine import generate

    if args.format not in (None, "parquet"):
        raise ValueError(f"--engine {args.engine} writes partitioned Parquet; use "
                         f"--format parquet (got --format {args.format})")
    if args.engine == "process" and (args.scheduler is not None or args.workers is not None):
        raise ValueError("--scheduler and --workers need --engine dask")
    if args.workers == 0:
        raise ValueError("--workers must be at least 1")
    path = generate(config, seed=args.seed, out=out, engine=args.engine,
                    scheduler=args.scheduler, workers=args.workers,
                    memory_limit=args.memory_limit, progress=not args.quiet,
                    overwrite=args.overwrite)
    print(f"wrote {config.n_customers:,} customers (partitioned parquet, "
          f"{config.n_blocks:,} blocks) to {path}")
    return 0


def _datasets(args: argparse.Namespace) -> int:
    import warnings

    from .datasets import (
        dataset_names,
        dataset_path,
        datasets_dir,
        list_datasets,
        rebuild_dataset,
        verify_dataset,
    )
    from .package import DataPackageError

    if args.action == "list":
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            table = list_datasets()
        for w in caught:  # a damaged dataset: one line, the others are still listed
            sys.stderr.write(f"crmlab: warning: {w.message}\n")
        print("no datasets found" if table.empty else table.to_string())
        return 0
    if args.action == "verify":
        names = [args.name] if args.name else dataset_names()
        if not names:
            print(f"no datasets found in {datasets_dir()}")
            return 0
        failed = 0
        for name in names:  # one damaged dataset does not stop the others being checked
            try:
                files = verify_dataset(name)
            except (DataPackageError, OSError) as exc:
                sys.stderr.write(f"crmlab: error: {name}: {_one_line(exc)}\n")
                failed += 1
                continue
            print(f"{name}: OK ({len(files)} files match their sha256; rows, columns, "
                  "categories and keys checked)")
        return 1 if failed else 0
    if args.out is not None and Path(args.out).exists() and not args.overwrite and \
            Path(args.out).resolve() != dataset_path(args.name).resolve():
        raise FileExistsError(f"{args.out} already exists; choose a new --out or pass "
                              "--overwrite")
    same = rebuild_dataset(args.name, out=args.out, overwrite=args.overwrite, progress=True)
    changed = [path for path, ok in same.items() if not ok]
    where = args.out or dataset_path(args.name)
    if changed:
        kept = "" if args.out else "; the shipped files were left untouched"
        print(f"{args.name}: {len(changed)} rebuilt file(s) differ from the shipped ones: "
              f"{', '.join(changed[:5])}{kept}")
        return 1
    print(f"{args.name}: rebuilt into {where}; all {len(same)} files identical byte for byte")
    return 0


def _one_line(exc: BaseException) -> str:
    """An exception's message on one line."""
    return " ".join(str(exc).split()) or type(exc).__name__


#: Set to 1 to see the traceback of an unexpected error instead of its one line.
TRACEBACK_ENV = "CRMLAB_TRACEBACK"


def _error(message: str) -> None:
    sys.stderr.write(f"crmlab: error: {' '.join(message.split())}\n")


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """Warnings on one line each, like errors (not Python's two lines with the source)."""
    (file or sys.stderr).write(f"crmlab: warning: {' '.join(str(message).split())}\n")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit code (also the console script's entry point).

    Every failure prints exactly one line on stderr, ``crmlab: error: ...``, and returns
    non-zero: 2 for what the user asked wrongly (bad arguments, a bad config, a damaged
    package, a destination that exists), 1 for what failed on the way (the disk, the
    database, a bug: named by its exception type; set ``CRMLAB_TRACEBACK=1`` to see its
    traceback), 130 on Ctrl-C. Warnings are one line each too.

    Parameters
    ----------
    argv : sequence of str, optional
        The arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        The exit code.

    Examples
    --------
    >>> main(["datasets", "verify", "no-such-dataset"])  # doctest: +SKIP
    2
    """
    import os
    import warnings

    from .package import DataPackageError

    parser = _build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version (0) or a bad argument (2, one line)
        return exc.code if isinstance(exc.code, int) else 2
    with warnings.catch_warnings():
        warnings.showwarning = _show_warning
        try:
            if args.command == "generate":
                return _generate(args)
            if args.command == "warehouse":
                return _warehouse(args)
            if args.command == "exercises":
                return _exercises(args)
            return _datasets(args)
        except (ValueError, TypeError, FileExistsError, FileNotFoundError, NotADirectoryError,
                RuntimeError, DataPackageError) as exc:
            _error(_one_line(exc))
            return 2
        except OSError as exc:  # the disk (full, read-only), the network
            where = f": {exc.filename}" if exc.filename else ""
            _error(f"{exc.strerror or _one_line(exc)}{where}")
            return 1
        except KeyboardInterrupt:
            sys.stderr.write("crmlab: interrupted; nothing was written at the destination\n")
            return 130
        except SystemExit as exc:  # a library exiting on its own: its message, one line
            if exc.code in (None, 0):
                return 0
            if isinstance(exc.code, int):
                return exc.code
            _error(str(exc.code))
            return 1
        except Exception as exc:  # the database, memory, a bug: still one line
            if os.environ.get(TRACEBACK_ENV) == "1":
                raise
            _error(f"{type(exc).__name__}: {_one_line(exc)} (set {TRACEBACK_ENV}=1 to see "
                   "the traceback)")
            return 1


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
