"""Shared by the benchmark scripts: write one section of ``benchmarks/RESULTS.md``.

Each benchmark owns a ``## <title>`` section and replaces only that section, so the
scripts can be run in any order and the file keeps the latest figures of each.
"""

from __future__ import annotations

import datetime as _dt
import re
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
HEADER = ("# Benchmark results\n\nRecorded by the scripts in this folder; each section is "
          "rewritten by its own script. Ratios compare crmlab with what a user would use "
          "otherwise, measured in the same run.\n")


def record_section(title: str, body: str, *, path: Path = RESULTS) -> None:
    """Replace (or append) the ``## title`` section of RESULTS.md with ``body``."""
    text = path.read_text(encoding="utf-8") if path.exists() else HEADER
    stamp = _dt.date.today().isoformat()
    section = f"## {title}\n\n_Recorded {stamp}._\n\n{body.strip()}\n"
    pattern = re.compile(rf"^## {re.escape(title)}\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(text):
        text = pattern.sub(lambda _: section + "\n", text).rstrip() + "\n"
    else:
        text = text.rstrip() + "\n\n" + section
    tmp = path.with_suffix(".md.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
