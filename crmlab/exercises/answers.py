"""Answers as typed JSON: what a student's kernel records, and what the grader reads.

A graded notebook does not decide its own score. Each locked test cell calls
:func:`submit` with the student's answer; :func:`submit` writes it, in a small typed
JSON format (never pickle), to the answers file of the run. After the run, the grader
reads that file from outside the sandbox (:func:`decode_file`, size- and depth-limited)
and a separate checker process compares each answer with the value recomputed from
the student's own world (:mod:`crmlab.exercises.checks`). Whatever the kernel prints,
displays or patches, only the recorded values reach the checker, and they are only
ever compared.

Encoding
--------
``None``, booleans, whole numbers, finite floats and text are JSON values as they are;
everything else is an object with one ``$`` key:

===========================  ==============================================================
value                        JSON
===========================  ==============================================================
non-finite float             ``{"$float": "nan" | "inf" | "-inf"}``
list, tuple                  JSON array
dict (any scalar keys)       ``{"$dict": [[key, value], ...]}``
numpy array                  ``{"$array": nested lists}``
pandas Series                ``{"$series": {"index": [...], "values": [...], "name": ...}}``
pandas DataFrame             ``{"$frame": {"index": [...], "columns": [...], "data": [[...]]}}``
timestamp, date              ``{"$time": "ISO 8601"}``
===========================  ==============================================================

Examples
--------
>>> import pandas as pd
>>> text = dumps({"share": 0.25, "top": pd.Series([1.5, 2.0], index=["C1", "C2"])})
>>> back = loads(text)
>>> back["share"], back["top"].to_dict()
(0.25, {'C1': 1.5, 'C2': 2.0})
>>> loads('{"x": {"$pickle": "..."}}')
Traceback (most recent call last):
...
ValueError: answers: unknown type '$pickle' (allowed: $array, $dict, $float, $frame, $series, $time)
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["ANSWERS_ENV", "MAX_ANSWER_BYTES", "decode", "decode_file", "dumps", "encode",
           "loads", "submit"]

#: Environment variable naming the answers file of a graded run.
ANSWERS_ENV = "CRMLAB_ANSWERS"
#: Largest answers file the grader reads (bigger files score 0 with a reason).
MAX_ANSWER_BYTES = 16 * 2**20
_MAX_DEPTH = 12
_MAX_ITEMS = 4_000_000
_TYPES = ("$array", "$dict", "$float", "$frame", "$series", "$time")


def _scalar(value: Any) -> Any:
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        out = float(value)
        if math.isfinite(out):
            return out
        return {"$float": "nan" if math.isnan(out) else ("inf" if out > 0 else "-inf")}
    if isinstance(value, pd.Timestamp | _dt.datetime | _dt.date | np.datetime64):
        stamp = pd.Timestamp(value)
        return None if pd.isna(stamp) else {"$time": stamp.isoformat()}
    if value is pd.NA or value is pd.NaT:
        return None
    raise TypeError(f"cannot record a {type(value).__name__}; record numbers, text, lists, "
                    "dicts, numpy arrays, pandas Series or DataFrames")


def _column(values: Any) -> list:
    arr = np.asarray(values)
    if arr.dtype.kind in "fc" and arr.dtype.kind != "c":
        return [None if not math.isfinite(v) else v for v in arr.astype(float).tolist()]
    if arr.dtype.kind in "iub":
        return arr.tolist()
    return [_scalar(v) for v in (values.tolist() if hasattr(values, "tolist") else values)]


def encode(value: Any, _depth: int = 0) -> Any:
    """``value`` as a JSON-ready object in the typed format (see the module docstring).

    Raises
    ------
    TypeError
        For a value of another type (a function, a model object, a file, ...).

    Examples
    --------
    >>> encode({"a": [1, 2.5, float("nan")]})
    {'$dict': [['a', [1, 2.5, {'$float': 'nan'}]]]}
    """
    if _depth > _MAX_DEPTH:
        raise TypeError(f"cannot record values nested more than {_MAX_DEPTH} levels deep")
    if isinstance(value, pd.DataFrame):
        name = value.index.name
        return {"$frame": {"index": _column(value.index),
                           "index_name": name if isinstance(name, str) else None,
                           "columns": [_scalar(c) if isinstance(c, str | int) else str(c)
                                       for c in value.columns],
                           "data": [_column(value.iloc[:, i]) for i in range(value.shape[1])]}}
    if isinstance(value, pd.Series):
        return {"$series": {"index": _column(value.index), "values": _column(value),
                            "name": value.name if isinstance(value.name, str | int | None)
                            else str(value.name)}}
    if isinstance(value, pd.Index):
        return _column(value)
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in "biuf" and value.dtype != object:
            value = value.astype(str)
        return {"$array": _column(value.ravel()) if value.ndim <= 1 else
                [encode(v, _depth + 1)["$array"] for v in value]}
    if isinstance(value, Mapping):
        return {"$dict": [[_scalar(k) if not isinstance(k, tuple) else [_scalar(x) for x in k],
                           encode(v, _depth + 1)] for k, v in value.items()]}
    if isinstance(value, list | tuple):
        return [encode(v, _depth + 1) for v in value]
    return _scalar(value)


class _Budget:
    def __init__(self) -> None:
        self.items = 0

    def take(self, n: int) -> None:
        self.items += n
        if self.items > _MAX_ITEMS:
            raise ValueError(f"answers: more than {_MAX_ITEMS:,} values")


def _plain(obj: Any, budget: _Budget, depth: int) -> Any:
    if depth > _MAX_DEPTH + 2:
        raise ValueError("answers: nested too deeply")
    budget.take(1)
    if obj is None or isinstance(obj, bool | int | float | str):
        return obj
    if isinstance(obj, list):
        return [_plain(v, budget, depth + 1) for v in obj]
    if isinstance(obj, dict):
        if len(obj) != 1:
            raise ValueError("answers: a typed value must have exactly one '$' key")
        (kind, body), = obj.items()
        if kind not in _TYPES:
            raise ValueError(f"answers: unknown type {kind!r} (allowed: {', '.join(_TYPES)})")
        return _typed(kind, body, budget, depth)
    raise ValueError(f"answers: unexpected JSON value {type(obj).__name__}")


def _values(items: Any, budget: _Budget, depth: int) -> list:
    if not isinstance(items, list):
        raise ValueError("answers: expected a list of values")
    budget.take(len(items))
    return [_plain(v, budget, depth + 1) if isinstance(v, dict | list) else v for v in items]


def _typed(kind: str, body: Any, budget: _Budget, depth: int) -> Any:
    if kind == "$float":
        if body not in ("nan", "inf", "-inf"):
            raise ValueError("answers: $float must be 'nan', 'inf' or '-inf'")
        return float(body)
    if kind == "$time":
        if not isinstance(body, str) or len(body) > 64:
            raise ValueError("answers: $time must be an ISO 8601 text")
        return pd.Timestamp(body)
    if kind == "$dict":
        if not isinstance(body, list) or not all(isinstance(p, list) and len(p) == 2
                                                 for p in body):
            raise ValueError("answers: $dict must be a list of [key, value] pairs")
        out = {}
        for key, value in body:
            key = tuple(_values(key, budget, depth)) if isinstance(key, list) else \
                _plain(key, budget, depth + 1)
            if isinstance(key, list | dict):
                raise ValueError("answers: dict keys must be numbers or text")
            out[key] = _plain(value, budget, depth + 1)
        return out
    if kind == "$array":
        values = _plain(body, budget, depth + 1)
        return np.asarray(values, dtype=object if _has_text(values) else float)
    if not isinstance(body, dict):
        raise ValueError(f"answers: {kind} must be an object")
    if kind == "$series":
        index, values = _values(body.get("index"), budget, depth), \
            _values(body.get("values"), budget, depth)
        if len(index) != len(values):
            raise ValueError("answers: a Series needs as many index labels as values")
        name = body.get("name")
        return pd.Series(_nan_column(values), index=pd.Index(index), name=name
                         if isinstance(name, str | int | None) else None)
    index = _values(body.get("index"), budget, depth)
    columns = _values(body.get("columns"), budget, depth)
    data = body.get("data")
    if not isinstance(data, list) or len(data) != len(columns):
        raise ValueError("answers: a DataFrame needs one data list per column")
    cols = [_values(c, budget, depth) for c in data]
    if any(len(c) != len(index) for c in cols):
        raise ValueError("answers: every DataFrame column needs one value per row")
    if len(set(map(repr, columns))) != len(columns):
        raise ValueError("answers: DataFrame column names must be unique")
    name = body.get("index_name")
    frame = pd.DataFrame({i: _nan_column(c) for i, c in enumerate(cols)},
                         index=pd.Index(index, name=name if isinstance(name, str) else None))
    frame.columns = pd.Index(columns, dtype=object)
    return frame


def _has_text(values: Any) -> bool:
    if isinstance(values, list):
        return any(_has_text(v) for v in values)
    return isinstance(values, str)


def _nan_column(values: list) -> Any:
    """A list with ``None`` for missing numbers becomes a float array; others stay."""
    if values and all(v is None or (isinstance(v, int | float) and not isinstance(v, bool))
                      for v in values) and any(isinstance(v, float) or v is None for v in values):
        return np.array([np.nan if v is None else v for v in values], dtype=float)
    return values


def decode(obj: Any) -> Any:
    """The Python/pandas value of a typed JSON object (the inverse of :func:`encode`).

    Raises
    ------
    ValueError
        For anything outside the format, nested too deeply or too large.
    """
    return _plain(obj, _Budget(), 0)


def dumps(answers: Mapping[str, Any]) -> str:
    """The answers file text of ``{question id: value}``."""
    return json.dumps({str(k): encode(v) for k, v in answers.items()}, allow_nan=False,
                      separators=(",", ":"))


def loads(text: str | bytes) -> dict[str, Any]:
    """``{question id: value}`` from an answers file's text.

    Raises
    ------
    ValueError
        If the text is not an answers file (too large, not JSON, not an object of
        question ids, or a value outside the format).
    """
    if len(text) > MAX_ANSWER_BYTES:
        raise ValueError(f"answers: larger than {MAX_ANSWER_BYTES // 2**20} MiB")
    try:
        raw = json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as exc:
        raise ValueError(f"answers: not valid JSON ({type(exc).__name__})") from None
    if not isinstance(raw, dict):
        raise ValueError("answers: expected a JSON object of question ids")
    budget = _Budget()
    out = {}
    for key, value in raw.items():
        if not isinstance(key, str) or len(key) > 64:
            raise ValueError("answers: question ids must be short texts")
        try:
            out[key] = _plain(value, budget, 0)
        except RecursionError:
            raise ValueError("answers: nested too deeply") from None
    return out


def decode_file(data: bytes | None) -> dict[str, Any]:
    """:func:`loads` for the bytes the grader read back (``None``: no answers)."""
    return {} if data is None else loads(data)


def _path() -> Path | None:
    value = os.environ.get(ANSWERS_ENV)
    return Path(value) if value else None


def submit(question: str, value: Any) -> None:
    """Record your answer to ``question`` (the locked test cells call this).

    While grading, the answer is written to the run's answers file, which the grader
    checks against your own world after the run. At home (no answers file) it only
    checks that the value can be recorded.

    Parameters
    ----------
    question : str
        The question's id (the test cell's nbgrader ``grade_id``).
    value : object
        Your answer: a number, text, list, dict, numpy array, Series or DataFrame.

    Examples
    --------
    >>> submit("q1_demo", 0.5)   # at home: nothing is written
    """
    if not isinstance(question, str) or not question:
        raise TypeError("question must be a non-empty text (the test cell's grade_id)")
    encoded = encode(value)
    path = _path()
    if path is None:
        return
    current: dict[str, Any] = {}
    if path.is_file():
        try:
            current = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            current = {}
    current[question] = encoded
    text = json.dumps(current, allow_nan=False, separators=(",", ":"))
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".answers.")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.replace(tmp, path)
