"""Worlds on disk: a Frictionless-style data package, written atomically.

Layout of a saved world::

    datapackage.json        name, crmlab version, seed, config, currency, Faker version,
                            and per file: path, schema (typed, documented fields, keys),
                            rows, bytes and sha256
    customers.csv ...       the observable tables
    silos/sales.csv ...     the separate systems' extracts
    truth/customers.csv ... the hidden truth

Files are written into a temporary sibling folder that is renamed into place only
when everything (including the package descriptor) is complete, so an interrupted
run never leaves half a dataset. Writing is deterministic: the same world gives the
same bytes.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd

from .._version import __version__
from .schema import DATE_FIELDS, FOREIGN_KEYS, PRIMARY_KEYS, TABLE_DOCS

__all__ = ["DataPackageError", "file_sha256", "load_world", "read_package", "resource_files",
           "save_world"]

FORMATS = ("csv", "parquet")
DESCRIPTOR = "datapackage.json"


class DataPackageError(ValueError):
    """A data package is missing, malformed or does not match its files."""


def file_sha256(path: Path) -> str:
    """Hex sha256 of a file, read in chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _field(table: str, column: str, series: pd.Series) -> dict[str, Any]:
    docs = TABLE_DOCS.get(table, ("", {}))[1]
    dtype = series.dtype
    out: dict[str, Any] = {"name": column, "description": docs.get(column, "")}
    if isinstance(dtype, pd.CategoricalDtype):
        out.update(type="string", categories=[str(c) for c in dtype.categories])
    elif pd.api.types.is_bool_dtype(dtype):
        out["type"] = "boolean"
    elif pd.api.types.is_integer_dtype(dtype):
        out.update(type="integer", pandas_dtype=str(dtype))
    elif pd.api.types.is_float_dtype(dtype):
        out.update(type="number", pandas_dtype=str(dtype))
    elif pd.api.types.is_datetime64_any_dtype(dtype):
        is_date = f"{table}.{column}" in DATE_FIELDS
        out.update(type="date" if is_date else "datetime",
                   format="%Y-%m-%d" if is_date else "%Y-%m-%d %H:%M:%S")
    else:
        out["type"] = "string"
    return out


def _schema(table: str, df: pd.DataFrame) -> dict[str, Any]:
    schema: dict[str, Any] = {"fields": [_field(table, c, df[c]) for c in df.columns]}
    if table in PRIMARY_KEYS and PRIMARY_KEYS[table] in df.columns:
        schema["primaryKey"] = PRIMARY_KEYS[table]
    fks = [{"fields": col, "reference": {"resource": ref, "fields": ref_col}}
           for (t, col), (ref, ref_col) in FOREIGN_KEYS.items() if t == table and col in df]
    if fks:
        schema["foreignKeys"] = fks
    return schema


def _write_table(df: pd.DataFrame, path: Path, table: str, fmt: str) -> None:
    if fmt == "parquet":
        df.to_parquet(path, index=False, engine="pyarrow", compression="zstd")
        return
    out = df.copy(deep=False)
    for col in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[col].dtype):
            fmt_str = "%Y-%m-%d" if f"{table}.{col}" in DATE_FIELDS else "%Y-%m-%d %H:%M:%S"
            out[col] = out[col].dt.strftime(fmt_str)
    out.to_csv(path, index=False, lineterminator="\n", encoding="utf-8")


def _resources(world) -> list[tuple[str, str, pd.DataFrame]]:
    """(resource name, relative stem, table) for everything a world saves."""
    items = [(name, name, df) for name, df in world.tables.items()]
    items += [(f"silos/{name}", f"silos/{name}", df) for name, df in world.silos.items()]
    truth = dict(world.truth.tables)
    params = truth["params"].reset_index()
    truth["params"] = params
    items += [(f"truth/{name}", f"truth/{name}", df) for name, df in truth.items()]
    return items


def _prepare_destination(path: str | Path, overwrite: bool) -> tuple[Path, Path]:
    """Check the destination; make the temporary sibling folder to write into."""
    dest = Path(path).expanduser().resolve()
    if dest.exists():
        if not overwrite:
            raise FileExistsError(f"{dest} already exists; pass overwrite=True to replace it")
        if not dest.is_dir() or not (dest / DESCRIPTOR).exists():
            raise FileExistsError(
                f"{dest} exists and is not a crmlab data package; refusing to replace it")
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".crmlab-tmp-{dest.name}-", dir=dest.parent))
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o777 & ~umask)  # mkdtemp makes 0700; the package should look normal
    return dest, tmp


def _commit(tmp: Path, dest: Path) -> None:
    """Rename the finished temporary folder into place (replacing an old package)."""
    if dest.exists():
        trash = Path(tempfile.mkdtemp(prefix=f".crmlab-old-{dest.name}-", dir=dest.parent))
        os.replace(dest, trash / "old")
        os.replace(tmp, dest)
        shutil.rmtree(trash, ignore_errors=True)
    else:
        os.replace(tmp, dest)


def _descriptor(config, seed: int, meta: dict[str, Any], resources: list[dict[str, Any]],
                name: str) -> str:
    """The ``datapackage.json`` text of a world (the same for every way of writing it)."""
    descriptor = {
        "name": name,
        "title": f"crmlab synthetic telecom CRM world ({config.n_customers:,} "
                 f"customers, seed {seed})",
        "profile": "data-package",
        "licenses": [{"name": "CC0-1.0", "title": "Synthetic data, no rights reserved"}],
        "crmlab_version": __version__,
        "generator": f"crmlab.make_world(crmlab.WorldConfig(**config), seed={seed})",
        "seed": seed,
        "config": config.to_dict(),
        "currency": meta.get("currency"),
        "faker_version": meta.get("faker_version"),
        "resources": resources,
    }
    return json.dumps(descriptor, indent=2, ensure_ascii=False) + "\n"


def save_world(world, path: str | Path, *, format: str = "csv", overwrite: bool = False,
               name: str | None = None) -> Path:
    """Write ``world`` as a data package at ``path`` (see the module docstring)."""
    if format not in FORMATS:
        raise ValueError(f"format must be one of {list(FORMATS)}; got {format!r}")
    dest, tmp = _prepare_destination(path, overwrite)
    try:
        resources = []
        for res_name, stem, df in _resources(world):
            rel = f"{stem}.{format}"
            file = tmp / rel
            file.parent.mkdir(parents=True, exist_ok=True)
            _write_table(df, file, res_name, format)
            resources.append({
                "name": res_name, "path": rel, "format": format,
                "mediatype": "text/csv" if format == "csv" else "application/vnd.apache.parquet",
                "encoding": "utf-8" if format == "csv" else None,
                "description": TABLE_DOCS.get(res_name, ("", {}))[0],
                "rows": len(df), "bytes": file.stat().st_size,
                "hash": f"sha256:{file_sha256(file)}",
                "schema": _schema(res_name, df),
            })
            if format != "csv":
                del resources[-1]["encoding"]
        text = _descriptor(world.config, world.seed, world.meta, resources, name or dest.name)
        (tmp / DESCRIPTOR).write_text(text, encoding="utf-8")
        _commit(tmp, dest)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return dest


def read_package(path: str | Path) -> dict[str, Any]:
    """Read and check the ``datapackage.json`` of a saved world."""
    root = Path(path)
    desc = root / DESCRIPTOR
    if not desc.is_file():
        raise DataPackageError(f"{root} is not a crmlab data package (no {DESCRIPTOR})")
    try:
        package = json.loads(desc.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise DataPackageError(f"{desc} is not valid JSON: {exc}") from None
    for key in ("resources", "config", "seed"):
        if key not in package:
            raise DataPackageError(f"{desc} has no '{key}' entry")
    return package


def resource_files(resource: dict[str, Any]) -> list[str]:
    """The relative paths of a resource's files: one, or the parts of a partitioned table.

    A table written block by block (:mod:`crmlab.engine`) is a folder of Parquet parts
    whose ``path`` in the data package is the list of parts in block order; their
    concatenation is the table.

    Examples
    --------
    >>> resource_files({"path": "customers.csv"})
    ['customers.csv']
    >>> resource_files({"path": ["customers/part-00000.parquet",
    ...                          "customers/part-00001.parquet"]})
    ['customers/part-00000.parquet', 'customers/part-00001.parquet']
    """
    path = resource["path"]
    return list(path) if isinstance(path, list) else [path]


def _read_parts(root: Path, resource: dict[str, Any]) -> pd.DataFrame:
    """Concatenate the Parquet parts of a partitioned table in order."""
    frames = []
    for rel in resource_files(resource):
        file = root / rel
        if not file.is_file():
            raise DataPackageError(f"{file} is listed in the data package but missing")
        frames.append(pd.read_parquet(file, engine="pyarrow"))
    full = [f for f in frames if len(f)] or frames[:1]
    return (pd.concat(full, ignore_index=True) if len(full) > 1
            else full[0].reset_index(drop=True))


def _read_table(root: Path, resource: dict[str, Any]) -> pd.DataFrame:
    fields = resource["schema"]["fields"]
    if isinstance(resource["path"], list):
        return _apply_schema(_read_parts(root, resource), fields, root / resource["name"])
    file = root / resource["path"]
    if not file.is_file():
        raise DataPackageError(f"{file} is listed in the data package but missing")
    if resource["format"] == "parquet":
        return _apply_schema(pd.read_parquet(file, engine="pyarrow"), fields, file)
    dtypes: dict[str, Any] = {}
    for f in fields:
        t = f["type"]
        if t == "string":
            dtypes[f["name"]] = "str"
        elif t == "boolean":
            dtypes[f["name"]] = "bool"
        elif t in ("integer", "number"):
            dtypes[f["name"]] = f.get("pandas_dtype", "float64")
        elif t in ("date", "datetime"):
            dtypes[f["name"]] = "str"
    df = pd.read_csv(file, dtype=dtypes, keep_default_na=False, na_values=[""],
                     encoding="utf-8")
    return _apply_schema(df, fields, file)


def _apply_schema(df: pd.DataFrame, fields: list[dict[str, Any]], file: Path) -> pd.DataFrame:
    """Give every column the exact dtype its schema field describes."""
    if list(df.columns) != [f["name"] for f in fields]:
        raise DataPackageError(f"{file} columns do not match its schema")
    for f in fields:
        col = f["name"]
        if "categories" in f:
            df[col] = pd.Categorical(df[col], categories=pd.Index(f["categories"], dtype="str"))
        elif f["type"] in ("date", "datetime") and df[col].dtype == "str":
            df[col] = pd.to_datetime(df[col], format=f["format"]).astype("datetime64[s]")
        elif f["type"] in ("date", "datetime"):
            df[col] = df[col].astype("datetime64[s]")  # Parquet stores milliseconds
    return df


def load_world(path: str | Path, *, verify: bool = False):
    """Load a world saved by :func:`save_world`."""
    from .config import WorldConfig
    from .params import SEGMENT_PARAMS
    from .world import Truth, World

    root = Path(path)
    package = read_package(root)
    if verify:
        from ..datasets import verify_package

        verify_package(root)
    tables: dict[str, pd.DataFrame] = {}
    silos: dict[str, pd.DataFrame] = {}
    truth: dict[str, pd.DataFrame] = {}
    for res in package["resources"]:
        df = _read_table(root, res)
        name = res["name"]
        if name.startswith("silos/"):
            silos[name.split("/", 1)[1]] = df
        elif name.startswith("truth/"):
            truth[name.split("/", 1)[1]] = df
        else:
            tables[name] = df
    params = truth.pop("params").set_index("segment")
    params.index = params.index.astype(object)
    params = params.reindex(SEGMENT_PARAMS.index)
    meta = {"currency": package.get("currency"), "faker_version": package.get("faker_version"),
            "crmlab_version": package.get("crmlab_version"), "path": str(root)}
    config = WorldConfig.from_dict(package["config"])
    return World(tables, silos, Truth(params=params, **truth), config, int(package["seed"]),
                 meta)
