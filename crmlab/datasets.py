"""Shipped datasets: list, load, verify against their checksums, rebuild byte for byte.

The shipped worlds live in the repository's ``datasets/`` folder (override with the
``CRMLAB_DATASETS`` environment variable). Each is a data package written by
:meth:`crmlab.World.save`; its ``datapackage.json`` records the seed and the full
configuration, so :func:`rebuild_dataset` regenerates exactly the same bytes.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pandas as pd

from .package import DESCRIPTOR, DataPackageError, file_hashes, read_package, verify_package

__all__ = ["DataPackageError", "dataset_path", "datasets_dir", "list_datasets", "load_dataset",
           "rebuild_dataset", "verify_package"]


def datasets_dir() -> Path:
    """The folder holding the shipped datasets."""
    env = os.environ.get("CRMLAB_DATASETS")
    return Path(env) if env else Path(__file__).resolve().parent.parent / "datasets"


def _names() -> list[str]:
    root = datasets_dir()
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if (p / DESCRIPTOR).is_file())


def dataset_path(name: str) -> Path:
    """The folder of a shipped dataset; a clear error if there is no such dataset."""
    if not isinstance(name, str):
        raise TypeError(f"dataset name must be a string; got {type(name).__name__}")
    names = _names()
    if name not in names:
        raise ValueError(f"unknown dataset {name!r}; available: {names} (in {datasets_dir()})")
    return datasets_dir() / name


def list_datasets() -> pd.DataFrame:
    """The shipped datasets with their size, seed and locale.

    Examples
    --------
    >>> import crmlab as crm
    >>> "classroom" in crm.list_datasets().index
    True
    """
    rows = []
    for name in _names():
        pkg = read_package(datasets_dir() / name, require=("config", "seed"))
        cfg = pkg["config"]
        rows.append({
            "name": name, "customers": cfg["n_customers"], "start": cfg["start"],
            "end": cfg["end"], "locale": cfg["locale"], "seed": pkg["seed"],
            "format": pkg["resources"][0]["format"], "files": len(pkg["resources"]),
            "megabytes": round(sum(r["bytes"] for r in pkg["resources"]) / 1e6, 1),
            "crmlab_version": pkg.get("crmlab_version"),
        })
    columns = ["name", "customers", "start", "end", "locale", "seed", "format", "files",
               "megabytes", "crmlab_version"]
    return pd.DataFrame(rows, columns=columns).set_index("name")


def load_dataset(name: str = "classroom", *, verify: bool = False):
    """Load a shipped world.

    Parameters
    ----------
    name : str, default="classroom"
        One of :func:`list_datasets`.
    verify : bool, default=False
        Check every file's sha256 first (raises if a file was changed).

    Returns
    -------
    World

    Examples
    --------
    >>> import crmlab as crm
    >>> w = crm.load_dataset("tiny")
    >>> len(w.customers)
    500
    """
    from .world import World

    return World.load(dataset_path(name), verify=verify)


def rebuild_dataset(name: str, *, out: str | Path | None = None, progress: bool = False
                    ) -> dict[str, bool]:
    """Regenerate a shipped dataset from its recorded config and seed.

    Parameters
    ----------
    name : str
        A shipped dataset.
    out : path, optional
        Where to write the rebuilt package; by default it replaces the shipped one
        (atomically).
    progress : bool, default=False

    Returns
    -------
    dict
        For every file: whether the rebuilt bytes equal the shipped ones.
    """
    from .world import WorldConfig, make_world

    src = dataset_path(name)
    pkg = read_package(src, require=("config", "seed"))
    shipped = file_hashes(pkg)
    fmt = pkg["resources"][0]["format"]
    if any(isinstance(r["path"], list) for r in pkg["resources"]):  # written block by block
        from .engine import generate

        built = generate(WorldConfig.from_dict(pkg["config"]), int(pkg["seed"]),
                         out=src if out is None else out, engine="process", overwrite=True,
                         progress=progress, name=pkg.get("name", name))
        return _compare(built, shipped)
    world = make_world(WorldConfig.from_dict(pkg["config"]), seed=int(pkg["seed"]),
                       progress=progress)
    if out is None:
        with tempfile.TemporaryDirectory(dir=src.parent, prefix=".crmlab-rebuild-") as tmp:
            built = world.save(Path(tmp) / name, format=fmt, name=pkg.get("name", name))
            same = _compare(built, shipped)
            world.save(src, format=fmt, overwrite=True, name=pkg.get("name", name))
        return same
    built = world.save(out, format=fmt, overwrite=True, name=pkg.get("name", name))
    return _compare(built, shipped)


def _compare(built: Path, shipped: dict[str, str]) -> dict[str, bool]:
    rebuilt = file_hashes(read_package(built))
    return {path: rebuilt.get(path) == digest for path, digest in shipped.items()} | {
        path: False for path in rebuilt if path not in shipped}
