"""Shipped datasets: list, load, verify against their checksums, rebuild byte for byte.

The shipped worlds live in the repository's ``datasets/`` folder (override with the
``CRMLAB_DATASETS`` environment variable). Each is a data package written by
:meth:`crmlab.World.save`; its ``datapackage.json`` records the seed and the full
configuration, so :func:`rebuild_dataset` regenerates exactly the same bytes.

Loading verifies a dataset first (see :mod:`crmlab.package`); a damaged dataset is
refused with a :class:`~crmlab.package.DataPackageError` naming the file, and does not
stop the others from being listed, loaded or verified.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import warnings
from pathlib import Path

import pandas as pd

from .package import (
    DESCRIPTOR,
    DataPackageError,
    cleanup_on_termination,
    file_hashes,
    move_package,
    read_package,
    verify_package,
)

__all__ = ["DataPackageError", "dataset_names", "dataset_path", "datasets_dir",
           "list_datasets", "load_dataset", "rebuild_dataset", "verify_dataset",
           "verify_package"]


def datasets_dir() -> Path:
    """The folder holding the shipped datasets.

    Examples
    --------
    >>> datasets_dir().name
    'datasets'
    """
    env = os.environ.get("CRMLAB_DATASETS")
    return Path(env) if env else Path(__file__).resolve().parent.parent / "datasets"


def dataset_names() -> list[str]:
    """Every dataset folder (one with a ``datapackage.json``), damaged or not.

    Examples
    --------
    >>> {"tiny", "classroom"} <= set(dataset_names())
    True
    """
    root = datasets_dir()
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if (p / DESCRIPTOR).is_file())


def dataset_path(name: str) -> Path:
    """The folder of a shipped dataset; a clear error if there is no such dataset.

    Examples
    --------
    >>> dataset_path("tiny").name
    'tiny'
    """
    if not isinstance(name, str):
        raise TypeError(f"dataset name must be a string; got {type(name).__name__}")
    names = dataset_names()
    if name not in names:
        raise ValueError(f"unknown dataset {name!r}; available: {names} (in {datasets_dir()})")
    return datasets_dir() / name


def _listing(name: str) -> dict:
    from .world.io import config_from_descriptor

    root = datasets_dir() / name
    pkg = read_package(root, require=("config", "seed"))
    cfg, seed = config_from_descriptor(pkg, root / DESCRIPTOR)
    return {
        "name": name, "customers": cfg.n_customers, "start": cfg.start, "end": cfg.end,
        "locale": cfg.locale, "seed": seed, "format": pkg["resources"][0]["format"]
        if pkg["resources"] else None, "files": len(pkg["resources"]),
        "megabytes": round(sum(r["bytes"] for r in pkg["resources"]) / 1e6, 1),
        "crmlab_version": pkg.get("crmlab_version"),
    }


def list_datasets() -> pd.DataFrame:
    """The shipped datasets with their size, seed and locale.

    A dataset whose descriptor is damaged is left out with a warning naming it and the
    problem (``crmlab datasets verify`` checks it fully).

    Examples
    --------
    >>> import crmlab as crm
    >>> "classroom" in crm.list_datasets().index
    True
    """
    rows = []
    for name in dataset_names():
        try:
            rows.append(_listing(name))
        except DataPackageError as exc:
            warnings.warn(f"dataset {name!r} is damaged and left out: {exc}", stacklevel=2)
    columns = ["name", "customers", "start", "end", "locale", "seed", "format", "files",
               "megabytes", "crmlab_version"]
    return pd.DataFrame(rows, columns=columns).set_index("name")


def load_dataset(name: str = "classroom", *, verify: bool = True):
    """Load a shipped world, checking it first.

    Parameters
    ----------
    name : str, default="classroom"
        One of :func:`list_datasets`.
    verify : bool, default=True
        Check every file's size and sha256 and every table's row count and primary key
        (``False`` skips these passes over the data; see :meth:`crmlab.World.load`).

    Returns
    -------
    World

    Raises
    ------
    crmlab.package.DataPackageError
        If the dataset is damaged; the message names the file and what is wrong.

    Examples
    --------
    >>> import crmlab as crm
    >>> w = crm.load_dataset("tiny")
    >>> len(w.customers)
    500
    """
    from .world import World

    return World.load(dataset_path(name), verify=verify)


def verify_dataset(name: str) -> list[str]:
    """Check a shipped dataset: every file and table, and that it is a whole world.

    Returns the checked files; raises :class:`DataPackageError` naming the first problem.

    Examples
    --------
    >>> len(verify_dataset("tiny"))
    24
    """
    from .world.io import read_world

    root = dataset_path(name)
    read_world(root, verify=True)  # the package's checks, then the world's own
    return list(file_hashes(read_package(root)))


def _build(pkg: dict, src: Path, dest: Path, *, overwrite: bool, progress: bool) -> Path:
    """Regenerate a dataset's world from its descriptor and write it at ``dest``."""
    from .world import make_world
    from .world.io import config_from_descriptor

    config, seed = config_from_descriptor(pkg, src / DESCRIPTOR)
    package_name = pkg.get("name", src.name)
    if any(isinstance(r["path"], list) for r in pkg["resources"]):  # written block by block
        from .engine import generate

        return generate(config, seed, out=dest, engine="process", overwrite=overwrite,
                        progress=progress, name=package_name)
    world = make_world(config, seed=seed, progress=progress)
    return world.save(dest, format=pkg["resources"][0]["format"], overwrite=overwrite,
                      name=package_name)


def rebuild_dataset(name: str, *, out: str | Path | None = None, overwrite: bool = False,
                    progress: bool = False) -> dict[str, bool]:
    """Regenerate a shipped dataset from its recorded config and seed.

    Parameters
    ----------
    name : str
        A shipped dataset.
    out : path, optional
        Where to write the rebuilt package. By default the dataset is rebuilt in a
        temporary folder and compared with the hashes its descriptor records; only if
        every file is identical is it moved into place (repairing damaged files). If any
        file differs, the shipped files are left untouched.
    overwrite : bool, default=False
        Replace a data package that already exists at ``out`` (never needed for the
        default in-place rebuild).
    progress : bool, default=False

    Returns
    -------
    dict
        For every file: whether the rebuilt bytes equal the shipped ones.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     same = rebuild_dataset("tiny", out=f"{d}/tiny")
    >>> all(same.values())
    True
    """
    if not isinstance(overwrite, bool):
        raise TypeError(f"overwrite must be True or False; got {type(overwrite).__name__} "
                        f"{overwrite!r}")
    src = dataset_path(name).resolve()
    pkg = read_package(src, require=("config", "seed"))
    shipped = file_hashes(pkg)
    if out is not None and Path(out).expanduser().resolve() != src:
        built = _build(pkg, src, Path(out), overwrite=overwrite, progress=progress)
        return _compare(built, shipped)
    # in place: build beside it, compare, and swap in only when every file is the same
    with cleanup_on_termination():
        tmp = Path(tempfile.mkdtemp(prefix=f".crmlab-tmp-rebuild-{name}-", dir=src.parent))
        try:
            built = _build(pkg, src, tmp / name, overwrite=False, progress=progress)
            same = _compare(built, shipped)
            if all(same.values()):
                move_package(built, src, overwrite=True)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    return same


def _compare(built: Path, shipped: dict[str, str]) -> dict[str, bool]:
    rebuilt = file_hashes(read_package(built))
    return {path: rebuilt.get(path) == digest for path, digest in shipped.items()} | {
        path: False for path in rebuilt if path not in shipped}
