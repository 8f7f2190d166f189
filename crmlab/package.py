"""The data-package format: the one module that writes, reads and verifies it.

A data package is a folder with a Frictionless-style ``datapackage.json`` beside its
data files::

    datapackage.json        name, title, licenses, crmlab version, the producer's own
                            fields (for a world: generator, seed, config, currency, Faker
                            version), and per resource: path, format, schema (typed,
                            documented fields, primary and foreign keys), rows, bytes and
                            sha256
    customers.csv ...       one file per resource (CSV or Parquet), or
    customers/part-00000.parquet ...
                            a partitioned resource: its ``path`` is the list of its
                            Parquet parts in order, and ``parts`` gives every part's rows,
                            bytes and sha256; their concatenation is the table

This module knows nothing about what the tables mean: a producer (the world, the
block engine) passes tables by resource name, a :class:`TableSpec` per resource (its
description, column docs, date columns and keys) and its own descriptor fields.

Writing is atomic: :class:`Staging` writes into a temporary sibling folder that is
renamed into place only when everything, the descriptor included, is complete, so an
interrupted run never leaves half a package. Writing is deterministic: the same tables
give the same bytes.

Examples
--------
>>> import tempfile
>>> import pandas as pd
>>> frames = {"people": pd.DataFrame({"id": ["a", "b"], "age": [31, 47]})}
>>> specs = {"people": TableSpec(description="Who.", columns={"id": "Key.", "age": "Years."},
...                              primary_key="id")}
>>> with tempfile.TemporaryDirectory() as d:
...     path = write_package(f"{d}/pkg", frames, specs=specs, title="Example")
...     files = verify_package(path)
...     back = read_resources(path)[1]["people"]
>>> files, back["age"].tolist()
(['people.csv'], [31, 47])
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ._version import __version__

__all__ = ["DESCRIPTOR", "FORMATS", "DataPackageError", "Staging", "TableSpec",
           "descriptor_text", "file_hashes", "file_sha256", "is_partitioned_table_folder",
           "partitioned_resource", "read_package", "read_resource", "read_resources",
           "resource_files", "table_files", "table_schema", "verify_package", "write_package",
           "write_part", "write_resource"]

#: The descriptor's file name.
DESCRIPTOR = "datapackage.json"
#: File formats of a resource.
FORMATS: tuple[str, ...] = ("csv", "parquet")
_MEDIATYPES = {"csv": "text/csv", "parquet": "application/vnd.apache.parquet"}
_DATE_FORMAT, _DATETIME_FORMAT = "%Y-%m-%d", "%Y-%m-%d %H:%M:%S"
#: Descriptor fields this module writes itself (a producer's fields may not reuse them).
_OWN_FIELDS = ("name", "title", "profile", "licenses", "crmlab_version", "resources")


class DataPackageError(ValueError):
    """A data package is missing, malformed or does not match its files."""


@dataclass(frozen=True)
class TableSpec:
    """What a producer says about one resource; written into its schema.

    Parameters
    ----------
    description : str
        One sentence about the table.
    columns : mapping of str to str
        Column name -> its documentation.
    date_columns : frozenset of str
        Datetime columns holding calendar dates (written ``YYYY-MM-DD``; other datetime
        columns keep the time of day).
    primary_key : str, optional
        The column that identifies a row.
    foreign_keys : tuple of (column, resource, column)
        Columns that refer to another resource's column.

    Examples
    --------
    >>> TableSpec(description="Customers.", primary_key="customer_id").primary_key
    'customer_id'
    """

    description: str = ""
    columns: Mapping[str, str] = field(default_factory=dict)
    date_columns: frozenset[str] = frozenset()
    primary_key: str | None = None
    foreign_keys: tuple[tuple[str, str, str], ...] = ()


_NO_SPEC = TableSpec()


def file_sha256(path: str | Path) -> str:
    """Hex sha256 of a file, read in chunks.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.NamedTemporaryFile() as f:
    ...     file_sha256(f.name)[:12]
    'e3b0c44298fc'
    """
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


# --------------------------------------------------------------------------- writing


def _field(column: str, series: pd.Series, spec: TableSpec) -> dict[str, Any]:
    dtype = series.dtype
    out: dict[str, Any] = {"name": column, "description": spec.columns.get(column, "")}
    if isinstance(dtype, pd.CategoricalDtype):
        out.update(type="string", categories=[str(c) for c in dtype.categories])
    elif pd.api.types.is_bool_dtype(dtype):
        out["type"] = "boolean"
    elif pd.api.types.is_integer_dtype(dtype):
        out.update(type="integer", pandas_dtype=str(dtype))
    elif pd.api.types.is_float_dtype(dtype):
        out.update(type="number", pandas_dtype=str(dtype))
    elif pd.api.types.is_datetime64_any_dtype(dtype):
        is_date = column in spec.date_columns
        out.update(type="date" if is_date else "datetime",
                   format=_DATE_FORMAT if is_date else _DATETIME_FORMAT)
    else:
        out["type"] = "string"
    return out


def table_schema(df: pd.DataFrame, spec: TableSpec = _NO_SPEC) -> dict[str, Any]:
    """The schema of a resource: typed, documented fields and keys.

    Examples
    --------
    >>> df = pd.DataFrame({"id": ["a"], "n": [1]})
    >>> table_schema(df, TableSpec(columns={"id": "Key."}, primary_key="id"))["fields"][0]
    {'name': 'id', 'description': 'Key.', 'type': 'string'}
    """
    schema: dict[str, Any] = {"fields": [_field(c, df[c], spec) for c in df.columns]}
    if spec.primary_key is not None and spec.primary_key in df.columns:
        schema["primaryKey"] = spec.primary_key
    fks = [{"fields": col, "reference": {"resource": ref, "fields": ref_col}}
           for col, ref, ref_col in spec.foreign_keys if col in df]
    if fks:
        schema["foreignKeys"] = fks
    return schema


def _write_file(df: pd.DataFrame, path: Path, fmt: str, spec: TableSpec,
                encoding: str = "utf-8") -> None:
    """Write one table to one file (deterministic bytes)."""
    if fmt == "parquet":
        df.to_parquet(path, index=False, engine="pyarrow", compression="zstd")
        return
    out = df.copy(deep=False)
    for col in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[col].dtype):
            fmt_str = _DATE_FORMAT if col in spec.date_columns else _DATETIME_FORMAT
            out[col] = out[col].dt.strftime(fmt_str)
    out.to_csv(path, index=False, lineterminator="\n", encoding=encoding)


def _check_overwrite(overwrite: Any) -> None:
    if not isinstance(overwrite, bool):
        raise TypeError(f"overwrite must be True or False; got {type(overwrite).__name__} "
                        f"{overwrite!r}")


class Staging:
    """A temporary sibling folder to write a package into, renamed into place on commit.

    Parameters
    ----------
    path : str or Path
        The destination folder; it must not exist unless ``overwrite=True``, and then
        it must be a data package.
    overwrite : bool, default=False
        Replace an existing data package at ``path``.

    Use it as a context manager: leaving the block by an exception (``KeyboardInterrupt``
    included) removes the temporary folder; :meth:`commit` renames it into place.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     with Staging(f"{d}/pkg") as staging:
    ...         _ = (staging.root / "note.txt").write_text("hi")
    ...         dest = staging.commit('{"name": "pkg", "resources": []}')
    ...     sorted(p.name for p in dest.iterdir())
    ['datapackage.json', 'note.txt']
    """

    def __init__(self, path: str | Path, *, overwrite: bool = False) -> None:
        _check_overwrite(overwrite)
        dest = Path(path).expanduser().resolve()
        if dest.exists():
            if not overwrite:
                raise FileExistsError(f"{dest} already exists; pass overwrite=True to replace it")
            if not dest.is_dir() or not (dest / DESCRIPTOR).exists():
                raise FileExistsError(
                    f"{dest} exists and is not a crmlab data package; refusing to replace it")
        dest.parent.mkdir(parents=True, exist_ok=True)
        self.dest = dest
        self.root = Path(tempfile.mkdtemp(prefix=f".crmlab-tmp-{dest.name}-", dir=dest.parent))
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(self.root, 0o777 & ~umask)  # mkdtemp makes 0700; the package should look normal
        self.committed = False

    def commit(self, descriptor: str) -> Path:
        """Write the descriptor and rename the finished folder into place."""
        (self.root / DESCRIPTOR).write_text(descriptor, encoding="utf-8")
        if self.dest.exists():
            trash = Path(tempfile.mkdtemp(prefix=f".crmlab-old-{self.dest.name}-",
                                          dir=self.dest.parent))
            os.replace(self.dest, trash / "old")
            os.replace(self.root, self.dest)
            shutil.rmtree(trash, ignore_errors=True)
        else:
            os.replace(self.root, self.dest)
        self.committed = True
        return self.dest

    def abort(self) -> None:
        """Remove the temporary folder (nothing is left at the destination)."""
        if not self.committed:
            shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> Staging:
        return self

    def __exit__(self, *exc: object) -> None:
        self.abort()


def write_resource(root: Path, name: str, df: pd.DataFrame, spec: TableSpec = _NO_SPEC, *,
                   format: str = "csv", encoding: str = "utf-8") -> dict[str, Any]:
    """Write one resource as ``root/<name>.<format>``; return its descriptor entry."""
    rel = f"{name}.{format}"
    file = root / rel
    file.parent.mkdir(parents=True, exist_ok=True)
    _write_file(df, file, format, spec, encoding)
    entry: dict[str, Any] = {"name": name, "path": rel, "format": format,
                             "mediatype": _MEDIATYPES[format]}
    if format == "csv":
        entry["encoding"] = encoding
    entry.update(description=spec.description, rows=len(df), bytes=file.stat().st_size,
                 hash=f"sha256:{file_sha256(file)}", schema=table_schema(df, spec))
    return entry


def part_name(index: int) -> str:
    """File name of part ``index`` of a partitioned resource."""
    return f"part-{index:05d}.parquet"


def write_part(df: pd.DataFrame, root: str | Path, name: str, index: int,
               spec: TableSpec = _NO_SPEC) -> dict[str, Any]:
    """Write part ``index`` of a partitioned resource as ``root/<name>/part-NNNNN.parquet``.

    The part is written under a temporary name and renamed, so a killed writer leaves
    no half file. The folder ``root/<name>`` must exist (if it is gone, the run was
    cancelled and its staging folder removed).

    Returns
    -------
    dict
        The part's relative ``path``, ``rows``, ``bytes``, ``hash`` and ``schema``.
    """
    folder = Path(root) / name
    if not folder.is_dir():
        raise FileNotFoundError(f"output folder {folder} is gone; the run was cancelled")
    final = folder / part_name(index)
    tmp = folder / f".{final.name}.{uuid.uuid4().hex}.tmp"
    try:
        _write_file(df, tmp, "parquet", spec)
        os.replace(tmp, final)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return {"path": f"{name}/{final.name}", "rows": len(df),
            "bytes": final.stat().st_size, "hash": f"sha256:{file_sha256(final)}",
            "schema": table_schema(df, spec)}


def remove_stray_parts(root: str | Path) -> None:
    """Delete temporary part files left by writers that were killed mid-part."""
    for tmp in Path(root).rglob(".part-*.tmp"):
        tmp.unlink(missing_ok=True)


def partitioned_resource(name: str, parts: Sequence[Mapping[str, Any]],
                         schema: dict[str, Any], spec: TableSpec = _NO_SPEC
                         ) -> dict[str, Any]:
    """The descriptor entry of a partitioned resource from its parts (in order)."""
    return {
        "name": name, "path": [p["path"] for p in parts], "format": "parquet",
        "mediatype": _MEDIATYPES["parquet"], "description": spec.description,
        "rows": sum(p["rows"] for p in parts), "bytes": sum(p["bytes"] for p in parts),
        "parts": [{k: p[k] for k in ("path", "rows", "bytes", "hash")} for p in parts],
        "schema": schema,
    }


def descriptor_text(name: str, resources: list[dict[str, Any]], *, title: str = "",
                    licenses: list[dict[str, str]] | None = None,
                    fields: Mapping[str, Any] | None = None) -> str:
    """The ``datapackage.json`` text: this module's fields, the producer's, the resources.

    Examples
    --------
    >>> print(descriptor_text("p", [], fields={"seed": 1}), end="")  # doctest: +ELLIPSIS
    {
      "name": "p",
      "title": "",
      "profile": "data-package",
      "licenses": [],
      "crmlab_version": "...",
      "seed": 1,
      "resources": []
    }
    """
    fields = dict(fields or {})
    clash = [k for k in fields if k in _OWN_FIELDS]
    if clash:
        raise ValueError(f"descriptor fields {clash} are written by crmlab.package itself")
    descriptor = {"name": name, "title": title, "profile": "data-package",
                  "licenses": list(licenses or []), "crmlab_version": __version__,
                  **fields, "resources": resources}
    return json.dumps(descriptor, indent=2, ensure_ascii=False) + "\n"


def write_package(path: str | Path, frames: Mapping[str, pd.DataFrame], *,
                  specs: Mapping[str, TableSpec] | None = None, format: str = "csv",
                  overwrite: bool = False, name: str | None = None, title: str = "",
                  licenses: list[dict[str, str]] | None = None,
                  fields: Mapping[str, Any] | None = None, encoding: str = "utf-8") -> Path:
    """Write tables as a data package at ``path``, atomically.

    Parameters
    ----------
    path : str or Path
        Destination folder; must not exist unless ``overwrite=True``.
    frames : mapping of str to DataFrame
        Resource name (may contain ``/``: ``silos/sales``) -> table, in descriptor order.
    specs : mapping of str to TableSpec, optional
        Documentation and keys per resource.
    format : {"csv", "parquet"}
    overwrite : bool, default=False
        Replace an existing data package at ``path``.
    name : str, optional
        Package name (default the folder name).
    title, licenses, fields
        Descriptor fields: ``fields`` are the producer's own (see :func:`descriptor_text`).
    encoding : str, default="utf-8"
        Text encoding of CSV files (``"utf-8-sig"`` starts each with a byte-order mark).

    Returns
    -------
    Path
        The package folder.
    """
    if format not in FORMATS:
        raise ValueError(f"format must be one of {list(FORMATS)}; got {format!r}")
    specs = specs or {}
    with Staging(path, overwrite=overwrite) as staging:
        resources = [write_resource(staging.root, res, df, specs.get(res, _NO_SPEC),
                                    format=format, encoding=encoding)
                     for res, df in frames.items()]
        text = descriptor_text(name or staging.dest.name, resources, title=title,
                               licenses=licenses, fields=fields)
        return staging.commit(text)


# --------------------------------------------------------------------------- reading


def read_package(path: str | Path, *, require: Sequence[str] = ()) -> dict[str, Any]:
    """Read and check the ``datapackage.json`` of a package folder.

    Parameters
    ----------
    path : str or Path
        The package folder.
    require : sequence of str
        Producer's fields that must be present (e.g. a world's ``config`` and ``seed``).

    Examples
    --------
    >>> read_package("/nonexistent")
    Traceback (most recent call last):
    ...
    crmlab.package.DataPackageError: /nonexistent is not a crmlab data package (no datapackage.json)
    """
    root = Path(path)
    desc = root / DESCRIPTOR
    if not desc.is_file():
        raise DataPackageError(f"{root} is not a crmlab data package (no {DESCRIPTOR})")
    try:
        package = json.loads(desc.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise DataPackageError(f"{desc} is not valid JSON: {exc}") from None
    for key in ("resources", *require):
        if key not in package:
            raise DataPackageError(f"{desc} has no '{key}' entry")
    return package


def resource_files(resource: Mapping[str, Any]) -> list[str]:
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


def file_hashes(package: Mapping[str, Any]) -> dict[str, str]:
    """The recorded ``sha256:...`` of every file of a package, by relative path.

    Examples
    --------
    >>> file_hashes({"resources": [{"path": "a.csv", "hash": "sha256:00"}]})
    {'a.csv': 'sha256:00'}
    """
    return {part["path"]: part["hash"]
            for r in package["resources"] for part in r.get("parts", [r])}


def _read_parts(root: Path, resource: Mapping[str, Any]) -> pd.DataFrame:
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


def read_resource(root: str | Path, resource: Mapping[str, Any]) -> pd.DataFrame:
    """One resource of the package at ``root`` as a pandas DataFrame, typed by its schema."""
    root = Path(root)
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


def read_resources(path: str | Path, *, verify: bool = False, require: Sequence[str] = ()
                   ) -> tuple[dict[str, Any], dict[str, pd.DataFrame]]:
    """The descriptor and every resource of a package, by name, in descriptor order.

    Parameters
    ----------
    path : str or Path
        A package folder.
    verify : bool, default=False
        Check every file's size and sha256 first (:func:`verify_package`).
    require : sequence of str
        Producer's descriptor fields that must be present.
    """
    root = Path(path)
    package = read_package(root, require=require)
    if verify:
        verify_package(root)
    return package, {res["name"]: read_resource(root, res) for res in package["resources"]}


def verify_package(path: str | Path) -> list[str]:
    """Check every file of a data package against its recorded size and sha256.

    Returns the list of checked files; raises :class:`DataPackageError` naming the
    first file that is missing, truncated or changed.
    """
    root = Path(path)
    pkg = read_package(root)
    checked = []
    for res in pkg["resources"]:
        # a partitioned table lists its parts, each with its own size and sha256
        for part in res.get("parts", [res]):
            file = root / part["path"]
            if not file.is_file():
                raise DataPackageError(f"{file}: missing (listed in {root / DESCRIPTOR})")
            size = file.stat().st_size
            if size != part["bytes"]:
                what = "truncated" if size < part["bytes"] else "changed"
                raise DataPackageError(
                    f"{file}: {what} ({size:,} bytes, expected {part['bytes']:,})")
            algo, _, digest = part["hash"].partition(":")
            if algo != "sha256" or file_sha256(file) != digest:
                raise DataPackageError(
                    f"{file}: changed (sha256 does not match the data package)")
            checked.append(part["path"])
    return checked


def table_files(path: str | Path, table: str) -> tuple[dict[str, Any], list[Path]]:
    """A resource's descriptor entry and its files (one, or its parts in order).

    Examples
    --------
    >>> table_files("/nonexistent", "customers")
    Traceback (most recent call last):
    ...
    crmlab.package.DataPackageError: /nonexistent is not a crmlab data package (no datapackage.json)
    """
    root = Path(path)
    package = read_package(root)
    by_name = {r["name"]: r for r in package["resources"]}
    if table not in by_name:
        raise ValueError(f"table must be one of {list(by_name)}; got {table!r}")
    res = by_name[table]
    return res, [root / p for p in resource_files(res)]


def is_partitioned_table_folder(path: str | Path) -> bool:
    """Whether ``path`` is the folder of one partitioned resource of a data package.

    Such a folder holds whole blocks of rows per file (for a world: whole customers).

    Examples
    --------
    >>> is_partitioned_table_folder("/nonexistent/transactions")
    False
    """
    path = Path(path)
    for root in path.parents[:3]:
        desc = root / DESCRIPTOR
        if not desc.is_file():
            continue
        try:
            package = json.loads(desc.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            return False
        rel = path.relative_to(root).as_posix()
        return any(isinstance(r.get("path"), list)
                   and all(p.rsplit("/", 1)[0] == rel for p in r["path"])
                   for r in package.get("resources", []))
    return False
