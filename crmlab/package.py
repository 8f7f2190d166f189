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

Writing
    Atomic: :class:`Staging` writes into a temporary sibling folder
    (``.crmlab-tmp-<name>-*``) that is renamed into place only when everything, the
    descriptor included, is complete, so an interrupted run never leaves half a package.
    Ctrl-C (SIGINT), SIGTERM and SIGHUP all remove the temporary folder (SIGTERM and
    SIGHUP are then delivered again, so the process still ends as the sender meant).
    Replacing a package (``overwrite=True``) removes only the files the old package lists,
    and only if the folder really is a data package: anything else in it, such as a
    notebook saved there, is kept. Deterministic: the same tables give the same bytes.
    CSV files are UTF-8; ``encoding="utf-8-sig"`` starts each with a byte-order mark,
    which spreadsheet programs need to recognise UTF-8 (the world uses it for Persian).

Reading
    Verified by default: every resource path must stay inside the package (no ``..``,
    no absolute path, no symbolic link leading out), every file must have its recorded
    size and sha256 and every table its recorded row count, columns and types; a value
    outside a column's declared categories and a repeated primary key are errors. Any
    damage is refused with a :class:`DataPackageError` whose one-line message names the
    file and what is wrong. ``verify=False`` skips the checks that cost a pass over the
    data (sizes and sha256, row counts, primary keys) for speed; the descriptor, the
    paths, the columns, types and categories are always checked.

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

import contextlib
import hashlib
import json
import os
import re
import shutil
import signal
import tempfile
import threading
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any

import pandas as pd

from ._version import __version__

__all__ = ["DESCRIPTOR", "ENCODINGS", "FORMATS", "DataPackageError", "Staging", "TableSpec",
           "Terminated", "cleanup_on_termination", "descriptor_text", "file_hashes", "file_sha256",
           "is_partitioned_table_folder", "listed_files", "move_package", "part_name",
           "partitioned_resource", "partitioned_table_files", "read_package", "read_resource",
           "read_resources", "remove_stray_parts", "resource_files", "table_files", "table_schema",
           "verify_package", "write_package", "write_part", "write_resource"]

#: The descriptor's file name.
DESCRIPTOR = "datapackage.json"
#: File formats of a resource.
FORMATS: tuple[str, ...] = ("csv", "parquet")
#: Text encodings of CSV files (``utf-8-sig``: with a byte-order mark, for spreadsheets).
ENCODINGS: tuple[str, ...] = ("utf-8", "utf-8-sig")
_MEDIATYPES = {"csv": "text/csv", "parquet": "application/vnd.apache.parquet"}
_DATE_FORMAT, _DATETIME_FORMAT = "%Y-%m-%d", "%Y-%m-%d %H:%M:%S"
#: Descriptor fields this module writes itself (a producer's fields may not reuse them).
_OWN_FIELDS = ("name", "title", "profile", "licenses", "crmlab_version", "resources")
_FIELD_TYPES = ("string", "boolean", "integer", "number", "date", "datetime")
_NUMBER_DTYPES = {
    "integer": ("int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64"),
    "number": ("float32", "float64"),
}
_DEFAULT_DTYPE = {"integer": "int64", "number": "float64"}
_SHA256 = re.compile(r"sha256:[0-9a-f]{64}")


class DataPackageError(ValueError):
    """A data package is missing, malformed or does not match its files.

    The message is one line naming the file and what is wrong with it.

    Examples
    --------
    >>> isinstance(DataPackageError("x.csv: truncated"), ValueError)
    True
    """


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


# --------------------------------------------------------------------------- signals


class Terminated(BaseException):
    """SIGTERM or SIGHUP arrived while crmlab was writing.

    Raised in the main thread (like ``KeyboardInterrupt`` for Ctrl-C) so that every
    cleanup on the way out runs; :func:`cleanup_on_termination` then delivers the signal
    again, so the process ends as the sender meant.

    Examples
    --------
    >>> import signal
    >>> Terminated(signal.SIGTERM).signum == signal.SIGTERM
    True
    """

    def __init__(self, signum: int) -> None:
        super().__init__(f"received {signal.Signals(signum).name}")
        self.signum = signum


_TERMINATING = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP")
                     if hasattr(signal, name))


class _Deferral:
    """Process-wide: whether the main thread is in a section that signals must not
    interrupt, and which signal arrived meanwhile (handlers run in the main thread)."""

    active = False
    pending: int | None = None


def _handle(signum: int, frame: Any) -> None:
    """The handler crmlab installs while it writes."""
    if _Deferral.active:
        _Deferral.pending = signum
        return
    raise Terminated(signum)


def _on_main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


class _SignalCleanup:
    """While active, SIGTERM and SIGHUP raise :class:`Terminated` instead of killing."""

    def __init__(self) -> None:
        self._installed: dict[int, Any] = {}

    def __enter__(self) -> _SignalCleanup:
        # Python lets only the main thread set handlers; elsewhere the application owns
        # them. An application's own handler (or SIG_IGN, as under nohup) is left alone:
        # only the default action, which would end the process without any cleanup, is
        # replaced, and only for as long as the write runs. Nested, the outer one acts.
        if _on_main_thread():
            for signum in _TERMINATING:
                if signal.getsignal(signum) is signal.SIG_DFL:
                    signal.signal(signum, _handle)
                    self._installed[signum] = signal.SIG_DFL
        return self

    @contextlib.contextmanager
    def deferred(self) -> Iterator[None]:
        """Hold SIGINT, SIGTERM and SIGHUP back until the block is done (a few renames
        that must not stop half way); a signal that arrived is acted on after it."""
        if not _on_main_thread() or _Deferral.active:
            yield
            return
        old_int = signal.getsignal(signal.SIGINT)
        took_int = old_int is signal.default_int_handler
        if took_int:
            signal.signal(signal.SIGINT, _handle)
        _Deferral.active, _Deferral.pending = True, None
        try:
            yield
        finally:
            _Deferral.active = False
            if took_int:
                signal.signal(signal.SIGINT, old_int)
            pending, _Deferral.pending = _Deferral.pending, None
            # a signal that arrived meanwhile wins over any error of the block
            if pending == signal.SIGINT:
                raise KeyboardInterrupt
            if pending is not None:
                raise Terminated(pending)

    def __exit__(self, exc_type: Any, exc: BaseException | None, tb: Any) -> None:
        installed, self._installed = self._installed, {}
        for signum, old in installed.items():
            signal.signal(signum, old)
        if isinstance(exc, Terminated) and exc.signum in installed:
            signal.raise_signal(exc.signum)  # the default action: the process ends here


def cleanup_on_termination() -> contextlib.AbstractContextManager[Any]:
    """A context in which SIGTERM and SIGHUP clean up like Ctrl-C, then end the process.

    Inside the block, these signals raise :class:`Terminated` in the main thread, so
    ``finally`` clauses and context managers on the way out run (removing temporary
    folders); leaving the block restores the previous handlers, and a signal that arrived
    is delivered again. Handlers an application installed itself are left untouched, and
    nothing changes outside the main thread.

    Examples
    --------
    >>> import signal
    >>> before = signal.getsignal(signal.SIGTERM)
    >>> with cleanup_on_termination():
    ...     pass
    >>> signal.getsignal(signal.SIGTERM) is before
    True
    """
    return _SignalCleanup()


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


def listed_files(package: Mapping[str, Any]) -> list[str]:
    """Every file a package consists of: its descriptor and every resource's files.

    Examples
    --------
    >>> listed_files({"resources": [{"path": "a.csv"}, {"path": ["b/part-00000.parquet"]}]})
    ['datapackage.json', 'a.csv', 'b/part-00000.parquet']
    """
    return [DESCRIPTOR, *(p for r in package["resources"] for p in resource_files(r))]


def _check_destination(dest: Path, overwrite: bool) -> dict[str, Any] | None:
    """The descriptor of the package ``dest`` holds (None if ``dest`` does not exist);
    an error unless ``overwrite`` and ``dest`` really is a crmlab data package."""
    if not dest.exists() and not dest.is_symlink():
        above = next((p for p in dest.parents if p.exists()), None)
        if above is not None and not above.is_dir():  # found now, not after the work
            raise NotADirectoryError(f"cannot write {dest}: {above} is a file, not a folder")
        return None
    if not overwrite:
        raise FileExistsError(f"{dest} already exists; pass overwrite=True to replace it")
    if dest.is_symlink() or not dest.is_dir() or not (dest / DESCRIPTOR).is_file():
        raise FileExistsError(
            f"{dest} exists and is not a crmlab data package; refusing to replace it")
    try:
        package = read_package(dest)
    except DataPackageError as exc:
        raise FileExistsError(f"{dest} is not a valid crmlab data package, so crmlab does not "
                              f"know which files are its own; refusing to replace it ({exc})"
                              ) from None
    if "crmlab_version" not in package:
        raise FileExistsError(f"{dest} holds a data package that crmlab did not write; "
                              "refusing to replace it")
    return package


def _folders(files: set[str]) -> set[str]:
    return {str(parent) for p in files for parent in PurePosixPath(p).parents
            if str(parent) != "."}


def _foreign_entries(dest: Path, listed: set[str], new_files: set[str]) -> list[str]:
    """What in ``dest`` the package there does not list (relative POSIX paths, sorted):
    whole folders where neither package has a file, otherwise single entries."""
    listed_dirs = _folders(listed) | _folders(new_files)
    found: list[str] = []

    def walk(folder: Path, prefix: str) -> None:
        for entry in sorted(os.scandir(folder), key=lambda e: e.name):
            rel = prefix + entry.name
            if rel in listed and not entry.is_dir(follow_symlinks=False):
                continue  # one of the package's own files
            if rel in listed_dirs and entry.is_dir(follow_symlinks=False):
                walk(Path(entry.path), rel + "/")
            else:
                found.append(rel)

    walk(dest, "")
    return found


def _clashes(foreign: list[str], new_files: set[str]) -> list[str]:
    """Foreign entries in the way of a new file: at its path, or where one of its
    folders must be, or inside a path that the new package uses for a file."""
    new_dirs = _folders(new_files)
    return [rel for rel in foreign if rel in new_files or rel in new_dirs
            or any(str(parent) in new_files for parent in PurePosixPath(rel).parents)]


def move_package(src: str | Path, dest: str | Path, *, overwrite: bool = False) -> Path:
    """Move a complete package folder ``src`` to ``dest`` in one rename.

    If ``dest`` holds a data package (``overwrite=True`` needed), only the files that
    package lists are replaced: anything else in the folder (a notebook, a note, a
    folder of your own) is moved into the new package first and so survives. A file of
    yours at a path the new package writes is never replaced: that is an error, raised
    before anything changes.

    Parameters
    ----------
    src : str or Path
        A finished package folder on the same file system as ``dest``.
    dest : str or Path
        Where the package goes.
    overwrite : bool, default=False
        Replace the data package at ``dest``.

    Returns
    -------
    Path
        ``dest``, resolved.

    Examples
    --------
    >>> import tempfile
    >>> import pandas as pd
    >>> with tempfile.TemporaryDirectory() as d:
    ...     old = write_package(f"{d}/pkg", {"a": pd.DataFrame({"x": [1]})})
    ...     _ = (old / "my_notes.txt").write_text("mine")
    ...     new = write_package(f"{d}/new", {"b": pd.DataFrame({"y": [2]})})
    ...     dest = move_package(new, old, overwrite=True)
    ...     sorted(p.name for p in dest.iterdir())
    ['b.csv', 'datapackage.json', 'my_notes.txt']
    """
    _check_overwrite(overwrite)
    with _SignalCleanup() as guard:
        return _move_package(Path(src).resolve(), Path(dest).expanduser().resolve(),
                             overwrite, guard)


def _move_package(src: Path, dest: Path, overwrite: bool, guard: _SignalCleanup) -> Path:
    old = _check_destination(dest, overwrite)
    if old is None:
        with guard.deferred():
            os.replace(src, dest)
        return dest
    new_files = set(listed_files(read_package(src)))
    foreign = _foreign_entries(dest, set(listed_files(old)), new_files)
    clash = _clashes(foreign, new_files)
    if clash:
        raise FileExistsError(f"{dest / clash[0]} is not part of the data package there, and "
                              f"the new package would replace it; move it away first")
    trash = Path(tempfile.mkdtemp(prefix=f".crmlab-old-{dest.name}-", dir=dest.parent))
    moved: list[str] = []
    try:
        with guard.deferred():  # a few renames that must not stop half way
            try:
                for rel in foreign:  # the user's own entries go into the new package
                    (src / rel).parent.mkdir(parents=True, exist_ok=True)
                    os.replace(dest / rel, src / rel)
                    moved.append(rel)
                os.replace(dest, trash / "old")
                try:
                    os.replace(src, dest)
                except BaseException:
                    os.replace(trash / "old", dest)
                    raise
            except BaseException:
                for rel in reversed(moved):  # give them back where they were
                    os.replace(src / rel, dest / rel)
                raise
    finally:
        shutil.rmtree(trash, ignore_errors=True)
    return dest


class Staging:
    """A temporary sibling folder to write a package into, moved into place on commit.

    Parameters
    ----------
    path : str or Path
        The destination folder; it must not exist unless ``overwrite=True``, and then
        it must be a crmlab data package (see :func:`move_package` for what is kept).
    overwrite : bool, default=False
        Replace an existing data package at ``path``.

    Use it as a context manager: leaving the block by an exception (Ctrl-C, SIGTERM and
    SIGHUP included, see :func:`cleanup_on_termination`) removes the temporary folder;
    :meth:`commit` writes the descriptor and moves the folder into place.

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
        self.dest = Path(path).expanduser().resolve()
        self.overwrite = overwrite
        _check_destination(self.dest, overwrite)  # fail before any work
        self._guard = _SignalCleanup()
        self.root: Path = Path()
        self.committed = False

    def __enter__(self) -> Staging:
        self._guard.__enter__()
        try:
            self.dest.parent.mkdir(parents=True, exist_ok=True)
            self.root = Path(tempfile.mkdtemp(prefix=f".crmlab-tmp-{self.dest.name}-",
                                              dir=self.dest.parent))
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(self.root, 0o777 & ~umask)  # mkdtemp makes 0700; make it look normal
        except BaseException as exc:
            self._guard.__exit__(type(exc), exc, None)
            raise
        return self

    def commit(self, descriptor: str) -> Path:
        """Write the descriptor and move the finished folder into place."""
        (self.root / DESCRIPTOR).write_text(descriptor, encoding="utf-8")
        dest = _move_package(self.root, self.dest, self.overwrite, self._guard)
        self.committed = True
        return dest

    def abort(self) -> None:
        """Remove the temporary folder (nothing is left at the destination)."""
        if not self.committed and self.root != Path():
            shutil.rmtree(self.root, ignore_errors=True)

    def __exit__(self, exc_type: Any, exc: BaseException | None, tb: Any) -> None:
        try:
            self.abort()
        finally:
            self._guard.__exit__(exc_type, exc, tb)


def write_resource(root: Path, name: str, df: pd.DataFrame, spec: TableSpec = _NO_SPEC, *,
                   format: str = "csv", encoding: str = "utf-8") -> dict[str, Any]:
    """Write one resource as ``root/<name>.<format>``; return its descriptor entry.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     entry = write_resource(Path(d), "silos/web", pd.DataFrame({"n": [1, 2]}))
    >>> entry["path"], entry["rows"], entry["encoding"]
    ('silos/web.csv', 2, 'utf-8')
    """
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
    """File name of part ``index`` of a partitioned resource.

    Examples
    --------
    >>> part_name(7)
    'part-00007.parquet'
    """
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

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     (Path(d) / "t").mkdir()
    ...     part = write_part(pd.DataFrame({"n": [1, 2, 3]}), d, "t", 4)
    >>> part["path"], part["rows"]
    ('t/part-00004.parquet', 3)
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
    """Delete temporary part files left by writers that were killed mid-part.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     _ = (Path(d) / ".part-00001.parquet.1f.tmp").write_bytes(b"half")
    ...     remove_stray_parts(d)
    ...     list(Path(d).iterdir())
    []
    """
    for tmp in Path(root).rglob(".part-*.tmp"):
        tmp.unlink(missing_ok=True)


def partitioned_resource(name: str, parts: Sequence[Mapping[str, Any]],
                         schema: dict[str, Any], spec: TableSpec = _NO_SPEC
                         ) -> dict[str, Any]:
    """The descriptor entry of a partitioned resource from its parts (in order).

    Examples
    --------
    >>> parts = [{"path": f"t/{part_name(i)}", "rows": 2, "bytes": 10, "hash": "sha256:0"}
    ...          for i in range(2)]
    >>> entry = partitioned_resource("t", parts, {"fields": []})
    >>> entry["path"], entry["rows"]
    (['t/part-00000.parquet', 't/part-00001.parquet'], 4)
    """
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
        Replace an existing data package at ``path``: only the files it lists are
        removed, anything else in the folder is kept (see :func:`move_package`).
    name : str, optional
        Package name (default the folder name).
    title, licenses, fields
        Descriptor fields: ``fields`` are the producer's own (see :func:`descriptor_text`).
    encoding : {"utf-8", "utf-8-sig"}
        Text encoding of CSV files (``"utf-8-sig"`` starts each with a byte-order mark).

    Returns
    -------
    Path
        The package folder.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     path = write_package(f"{d}/p", {"t": pd.DataFrame({"n": [1]})}, format="parquet")
    ...     sorted(p.name for p in path.iterdir())
    ['datapackage.json', 't.parquet']
    """
    if format not in FORMATS:
        raise ValueError(f"format must be one of {list(FORMATS)}; got {format!r}")
    if encoding not in ENCODINGS:
        raise ValueError(f"encoding must be one of {list(ENCODINGS)}; got {encoding!r}")
    specs = specs or {}
    with Staging(path, overwrite=overwrite) as staging:
        resources = [write_resource(staging.root, res, df, specs.get(res, _NO_SPEC),
                                    format=format, encoding=encoding)
                     for res, df in frames.items()]
        text = descriptor_text(name or staging.dest.name, resources, title=title,
                               licenses=licenses, fields=fields)
        return staging.commit(text)


# --------------------------------------------------------------------------- the descriptor


def _fail(where: Path | str, what: str) -> DataPackageError:
    return DataPackageError(f"{where}: {what}")


def _check_path(root: Path, rel: Any, desc: Path, what: str, real_root: Path) -> None:
    """A resource path must be a relative POSIX path that stays inside the package."""
    if not isinstance(rel, str) or not rel:
        raise _fail(desc, f"{what} path must be a non-empty string; got {rel!r}")
    if "\\" in rel or "\x00" in rel:
        raise _fail(desc, f"{what} path {rel!r} must use '/' and no backslash or NUL")
    if PurePosixPath(rel).is_absolute() or PureWindowsPath(rel).drive:
        raise _fail(desc, f"{what} path {rel!r} is absolute; it must be inside the package")
    if any(part in ("", ".", "..") for part in rel.split("/")):
        raise _fail(desc, f"{what} path {rel!r} leaves the package or is not normalised "
                          "(no '..', '.' or empty parts)")
    if not (root / rel).resolve().is_relative_to(real_root):
        raise _fail(desc, f"{what} path {rel!r} leads outside the package through a "
                          "symbolic link")


def _check_count(value: Any, desc: Path, what: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise _fail(desc, f"{what} must be a whole number >= 0; got {value!r}")


def _check_file_entry(root: Path, entry: Any, desc: Path, what: str, real_root: Path
                      ) -> None:
    if not isinstance(entry, dict):
        raise _fail(desc, f"{what} must be an object")
    for key in ("path", "rows", "bytes", "hash"):
        if key not in entry:
            raise _fail(desc, f"{what} has no {key!r}")
    _check_path(root, entry["path"], desc, what, real_root)
    _check_count(entry["rows"], desc, f"{what} 'rows'")
    _check_count(entry["bytes"], desc, f"{what} 'bytes'")
    if not isinstance(entry["hash"], str) or not _SHA256.fullmatch(entry["hash"]):
        raise _fail(desc, f"{what} 'hash' must be 'sha256:' and 64 hex digits; got "
                          f"{entry['hash']!r}")


def _check_schema(schema: Any, desc: Path, what: str) -> None:
    if not isinstance(schema, dict) or not isinstance(schema.get("fields"), list):
        raise _fail(desc, f"{what} has no schema with a list of 'fields'")
    names = []
    for i, f in enumerate(schema["fields"]):
        where = f"{what} field {i}"
        if not isinstance(f, dict) or not isinstance(f.get("name"), str):
            raise _fail(desc, f"{where} must be an object with a 'name'")
        where = f"{what} field {f['name']!r}"
        t = f.get("type")
        if t not in _FIELD_TYPES:
            raise _fail(desc, f"{where} has type {t!r}; allowed: {list(_FIELD_TYPES)}")
        if t in _NUMBER_DTYPES and f.get("pandas_dtype", _DEFAULT_DTYPE[t]) not in \
                _NUMBER_DTYPES[t]:
            raise _fail(desc, f"{where} has pandas_dtype {f['pandas_dtype']!r}; allowed: "
                              f"{list(_NUMBER_DTYPES[t])}")
        if t in ("date", "datetime") and not isinstance(f.get("format"), str):
            raise _fail(desc, f"{where} ({t}) has no 'format'")
        cats = f.get("categories")
        if cats is not None and (t != "string" or not isinstance(cats, list)
                                 or not all(isinstance(c, str) for c in cats)
                                 or len(set(cats)) != len(cats)):
            raise _fail(desc, f"{where}: 'categories' must be a list of distinct strings "
                              "on a string field")
        names.append(f["name"])
    if len(set(names)) != len(names):
        dup = next(n for n in names if names.count(n) > 1)
        raise _fail(desc, f"{what} declares field {dup!r} twice")
    pk = schema.get("primaryKey")
    if pk is not None and pk not in names:
        raise _fail(desc, f"{what} primaryKey {pk!r} is not one of its fields")


def _check_resource(root: Path, res: Any, desc: Path, index: int, real_root: Path) -> None:
    if not isinstance(res, dict) or not isinstance(res.get("name"), str) or not res["name"]:
        raise _fail(desc, f"resource {index} must be an object with a 'name'")
    what = f"resource {res['name']!r}"
    fmt = res.get("format")
    if fmt not in FORMATS:
        raise _fail(desc, f"{what} has format {fmt!r}; allowed: {list(FORMATS)}")
    if fmt == "csv" and res.get("encoding", "utf-8") not in ENCODINGS:
        raise _fail(desc, f"{what} has encoding {res['encoding']!r}; allowed: "
                          f"{list(ENCODINGS)}")
    path = res.get("path")
    if isinstance(path, list):  # partitioned: the parts in order
        parts = res.get("parts")
        if fmt != "parquet" or not isinstance(parts, list):
            raise _fail(desc, f"{what} lists several files, so it must be Parquet with "
                              "'parts'")
        for i, part in enumerate(parts):
            _check_file_entry(root, part, desc, f"{what} part {i}", real_root)
        if [p["path"] for p in parts] != path:
            raise _fail(desc, f"{what}: 'path' and the paths of 'parts' differ")
        _check_count(res.get("rows"), desc, f"{what} 'rows'")
        if res["rows"] != sum(p["rows"] for p in parts):
            raise _fail(desc, f"{what} has {res['rows']:,} rows but its parts add up to "
                              f"{sum(p['rows'] for p in parts):,}")
    else:
        _check_file_entry(root, res, desc, what, real_root)
    _check_schema(res.get("schema"), desc, what)


def read_package(path: str | Path, *, require: Sequence[str] = ()) -> dict[str, Any]:
    """Read and check the ``datapackage.json`` of a package folder.

    Checks the descriptor's structure (every resource with its format, schema, rows,
    bytes and sha256) and that every resource path stays inside the package; does not
    open the data files (see :func:`verify_package`).

    Parameters
    ----------
    path : str or Path
        The package folder.
    require : sequence of str
        Producer's fields that must be present (e.g. a world's ``config`` and ``seed``).

    Raises
    ------
    DataPackageError
        Naming the descriptor and what is wrong with it.

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
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise _fail(desc, f"not valid JSON ({exc})") from None
    except OSError as exc:
        raise _fail(desc, f"cannot be read ({exc.strerror or exc})") from None
    if not isinstance(package, dict):
        raise _fail(desc, "must hold a JSON object")
    for key in ("resources", *require):
        if key not in package:
            raise _fail(desc, f"has no {key!r} entry")
    if not isinstance(package["resources"], list):
        raise _fail(desc, "'resources' must be a list")
    real_root = root.resolve()
    for i, res in enumerate(package["resources"]):
        _check_resource(root, res, desc, i, real_root)
    names = [r["name"] for r in package["resources"]]
    if len(set(names)) != len(names):
        dup = next(n for n in names if names.count(n) > 1)
        raise _fail(desc, f"resource {dup!r} is listed twice")
    files = listed_files(package)
    if len(set(files)) != len(files):
        dup = next(f for f in files if files.count(f) > 1)
        raise _fail(desc, f"file {dup!r} belongs to two resources")
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


# --------------------------------------------------------------------------- the files


def _check_file(root: Path, entry: Mapping[str, Any]) -> None:
    """Size and sha256 of one file against its descriptor entry."""
    file = root / entry["path"]
    if not file.is_file():
        raise _fail(file, f"missing (listed in {root / DESCRIPTOR})")
    size = file.stat().st_size
    if size != entry["bytes"]:
        what = "truncated" if size < entry["bytes"] else "changed"
        raise _fail(file, f"{what} ({size:,} bytes, expected {entry['bytes']:,})")
    if file_sha256(file) != entry["hash"].partition(":")[2]:
        raise _fail(file, "changed (sha256 does not match the data package)")


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _read_parquet(file: Path) -> pd.DataFrame:
    if not file.is_file():
        raise _fail(file, "missing (listed in the data package)")
    try:
        return pd.read_parquet(file, engine="pyarrow")
    except (OSError, ValueError) as exc:  # pyarrow's ArrowInvalid is a ValueError
        raise _fail(file, f"cannot be read as Parquet ({_first_line(exc)})") from None


def _read_csv(file: Path, resource: Mapping[str, Any]) -> pd.DataFrame:
    if not file.is_file():
        raise _fail(file, "missing (listed in the data package)")
    dtypes: dict[str, Any] = {}
    for f in resource["schema"]["fields"]:
        t = f["type"]
        if t == "boolean":
            dtypes[f["name"]] = "bool"
        elif t in ("integer", "number"):
            dtypes[f["name"]] = f.get("pandas_dtype", _DEFAULT_DTYPE[t])
        else:  # text, categories and dates are parsed from text below
            dtypes[f["name"]] = "str"
    try:
        # utf-8-sig also reads files without a byte-order mark
        return pd.read_csv(file, dtype=dtypes, keep_default_na=False, na_values=[""],
                           encoding="utf-8-sig")
    except pd.errors.EmptyDataError:
        raise _fail(file, "is empty (not even a header row)") from None
    except (ValueError, pd.errors.ParserError, UnicodeDecodeError, OverflowError) as exc:
        raise _fail(file, f"cannot be read as its schema says ({_first_line(exc)})") from None


def _dtype_ok(dtype: Any, f: Mapping[str, Any]) -> bool:
    t = f["type"]
    if "categories" in f:
        return isinstance(dtype, pd.CategoricalDtype)
    if t in _NUMBER_DTYPES:
        return str(dtype) == f.get("pandas_dtype", _DEFAULT_DTYPE[t])
    if t == "boolean":
        return pd.api.types.is_bool_dtype(dtype)
    if t in ("date", "datetime"):
        return str(dtype) == "datetime64[s]"
    return pd.api.types.is_string_dtype(dtype) and not isinstance(dtype, pd.CategoricalDtype)


def _apply_schema(df: pd.DataFrame, resource: Mapping[str, Any], where: Path,
                  verify: bool) -> pd.DataFrame:
    """Give every column the exact dtype its schema field describes, and check it."""
    schema = resource["schema"]
    fields = schema["fields"]
    declared = [f["name"] for f in fields]
    if list(df.columns) != declared:
        missing = [c for c in declared if c not in df.columns]
        extra = [str(c) for c in df.columns if c not in declared]
        detail = (f"missing {missing}" if missing else f"unexpected {extra}" if extra
                  else "in another order")
        raise _fail(where, f"columns do not match its schema ({detail})")
    for f in fields:
        col = f["name"]
        values = df[col]
        if "categories" in f:
            categories = pd.Index(f["categories"], dtype="str")
            unknown = values.notna() & ~values.isin(categories)
            if unknown.any():
                bad = values[unknown].iloc[0]
                raise _fail(where, f"column {col!r} holds {bad!r}, which is not one of its "
                                   f"{len(f['categories'])} declared categories")
            df[col] = pd.Categorical(values, categories=categories)
        elif f["type"] in ("date", "datetime") and pd.api.types.is_string_dtype(values.dtype):
            try:
                df[col] = pd.to_datetime(values, format=f["format"]).astype("datetime64[s]")
            except (ValueError, OverflowError) as exc:
                raise _fail(where, f"column {col!r} does not hold {f['type']}s in the format "
                                   f"{f['format']!r} ({_first_line(exc)})") from None
        elif f["type"] in ("date", "datetime") and pd.api.types.is_datetime64_any_dtype(
                values.dtype):
            df[col] = values.astype("datetime64[s]")  # Parquet stores milliseconds
        if not _dtype_ok(df[col].dtype, f):
            raise _fail(where, f"column {col!r} is {df[col].dtype}, but its schema says "
                               f"{f['type']} {f.get('pandas_dtype', '')}".rstrip())
    pk = schema.get("primaryKey")
    if verify and pk is not None:
        key = df[pk]
        if key.isna().any():
            raise _fail(where, f"primary key {pk!r} is empty in {int(key.isna().sum()):,} rows")
        dup = key.duplicated()
        if dup.any():
            raise _fail(where, f"primary key {pk!r} repeats {key[dup].iloc[0]!r} "
                               f"({int(dup.sum()):,} repeated values)")
    return df


def _check_rows(df: pd.DataFrame, expected: int, where: Path) -> None:
    if len(df) != expected:
        raise _fail(where, f"{len(df):,} rows, but the data package says {expected:,}")


def read_resource(root: str | Path, resource: Mapping[str, Any], *, verify: bool = True
                  ) -> pd.DataFrame:
    """One resource of the package at ``root`` as a pandas DataFrame, typed by its schema.

    ``resource`` is an entry of a descriptor checked by :func:`read_package`. With
    ``verify`` the row counts and the primary key are checked too (file sizes and sha256
    are :func:`verify_package`'s).

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     path = write_package(f"{d}/p", {"t": pd.DataFrame({"n": [1, 2]})})
    ...     df = read_resource(path, read_package(path)["resources"][0])
    >>> df["n"].tolist()
    [1, 2]
    """
    root = Path(root)
    if isinstance(resource["path"], list):
        frames = []
        for part in resource["parts"]:
            df = _read_parquet(root / part["path"])
            if verify:
                _check_rows(df, part["rows"], root / part["path"])
            frames.append(df)
        full = [f for f in frames if len(f)] or frames[:1]
        if not full:
            raise _fail(root / DESCRIPTOR, f"resource {resource['name']!r} has no parts")
        df = (pd.concat(full, ignore_index=True) if len(full) > 1
              else full[0].reset_index(drop=True))
        where = root / resource["name"]
    else:
        where = root / resource["path"]
        df = (_read_parquet(where) if resource["format"] == "parquet"
              else _read_csv(where, resource))
    if verify:
        _check_rows(df, resource["rows"], where)
    return _apply_schema(df, resource, where, verify)


def _check_files(root: Path, package: Mapping[str, Any]) -> list[str]:
    checked = []
    for res in package["resources"]:
        for entry in res.get("parts", [res]):  # a partitioned table: every part
            _check_file(root, entry)
            checked.append(entry["path"])
    return checked


def read_resources(path: str | Path, *, verify: bool = True, require: Sequence[str] = ()
                   ) -> tuple[dict[str, Any], dict[str, pd.DataFrame]]:
    """The descriptor and every resource of a package, by name, in descriptor order.

    Parameters
    ----------
    path : str or Path
        A package folder.
    verify : bool, default=True
        Check every file's size and sha256, every table's row count and primary key
        (the module docstring says what is always checked). ``False`` is faster.
    require : sequence of str
        Producer's descriptor fields that must be present.

    Raises
    ------
    DataPackageError
        Naming the file and what is wrong with it.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     path = write_package(f"{d}/p", {"t": pd.DataFrame({"n": [1]})})
    ...     f = path / "t.csv"
    ...     f.write_text(f.read_text().replace("1", "7"))  # changed after writing
    ...     try:
    ...         read_resources(path)
    ...     except DataPackageError as exc:
    ...         print(str(exc).split("/")[-1])
    ...     read_resources(path, verify=False)[1]["t"]["n"].tolist()
    4
    t.csv: changed (sha256 does not match the data package)
    [7]
    """
    root = Path(path)
    package = read_package(root, require=require)
    if verify:
        _check_files(root, package)
    return package, {res["name"]: read_resource(root, res, verify=verify)
                     for res in package["resources"]}


def verify_package(path: str | Path, *, contents: bool = True) -> list[str]:
    """Check a data package: its descriptor, and every file against it.

    Parameters
    ----------
    path : str or Path
        The package folder.
    contents : bool, default=True
        Also read every table and check its row count, columns, types, categories and
        primary key (``False``: sizes and sha256 only).

    Returns
    -------
    list of str
        The checked files (relative paths).

    Raises
    ------
    DataPackageError
        Naming the first file that is missing, truncated, changed or malformed.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     path = write_package(f"{d}/p", {"a": pd.DataFrame({"n": [1]}),
    ...                                     "b/c": pd.DataFrame({"m": [2]})})
    ...     verify_package(path)
    ['a.csv', 'b/c.csv']
    """
    root = Path(path)
    package = read_package(root)
    checked = _check_files(root, package)
    if contents:
        for res in package["resources"]:
            read_resource(root, res, verify=True)
    return checked


def table_files(path: str | Path, table: str, *, verify: bool = True
                ) -> tuple[dict[str, Any], list[Path]]:
    """A resource's descriptor entry and its files (one, or its parts in order).

    With ``verify``, every file's size and sha256 is checked, and for Parquet the row
    counts and column names recorded in each file's footer (cheap: no data is read
    beyond the hash).

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
    if verify:
        declared = [f["name"] for f in res["schema"]["fields"]]
        for entry in res.get("parts", [res]):
            _check_file(root, entry)
            if res["format"] == "parquet":
                _check_parquet_footer(root / entry["path"], entry["rows"], declared)
    return res, [root / p for p in resource_files(res)]


def _check_parquet_footer(file: Path, rows: int, columns: list[str]) -> None:
    import pyarrow.parquet as pq

    try:
        meta = pq.read_metadata(file)
        names = pq.read_schema(file).names
    except (OSError, ValueError) as exc:
        raise _fail(file, f"cannot be read as Parquet ({_first_line(exc)})") from None
    if meta.num_rows != rows:
        raise _fail(file, f"{meta.num_rows:,} rows, but the data package says {rows:,}")
    if [n for n in names if not n.startswith("__index_level_")] != columns:
        raise _fail(file, "columns do not match its schema")


def partitioned_table_files(path: str | Path) -> list[str] | None:
    """The file names of the partitioned resource whose folder is ``path``, in the
    package's order; None if ``path`` is not such a folder (or its package is damaged).

    The descriptor is looked for up to three folders above ``path``.

    Examples
    --------
    >>> partitioned_table_files("/nonexistent/transactions") is None
    True
    """
    path = Path(path)
    for root in path.parents[:3]:
        if not (root / DESCRIPTOR).is_file():
            continue
        try:
            package = read_package(root)
        except DataPackageError:
            return None
        rel = path.relative_to(root).as_posix()
        for r in package["resources"]:
            paths = r["path"]
            if isinstance(paths, list) and all(p.rsplit("/", 1)[0] == rel for p in paths):
                return [p.rsplit("/", 1)[1] for p in paths]
        return None
    return None


def is_partitioned_table_folder(path: str | Path) -> bool:
    """Whether ``path`` is the folder of one partitioned resource of a data package.

    Such a folder holds whole blocks of rows per file (for a world: whole customers).

    Examples
    --------
    >>> is_partitioned_table_folder("/nonexistent/transactions")
    False
    """
    return partitioned_table_files(path) is not None
