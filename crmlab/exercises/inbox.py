"""Reading a submissions folder safely, and checking it before grading (the dry run).

A submissions folder (``inbox/<student_id>/<notebook>.ipynb``, optionally with nbgrader's
``timestamp.txt``) often comes from git, GitHub Classroom, ``tar`` or ``unzip``, which
keep symbolic links. Nothing in it is followed: a student folder or notebook that is a
symbolic link, a hard link to another file, a FIFO, a device or a socket is refused
with a reason, never opened through the link. Files are opened with ``O_NOFOLLOW``
relative to the folder above them, checked to be regular files of a bounded size, and
read once.

Examples
--------
>>> import tempfile, pathlib
>>> box = pathlib.Path(tempfile.mkdtemp())
>>> (box / "s1").mkdir(); _ = (box / "s1" / "hw.ipynb").write_text("{}")
>>> (box / "s2").mkdir(); (box / "s2" / "hw.ipynb").symlink_to("/etc/passwd")
>>> read_submission(box, "s1", ["hw"]).files["hw"]
b'{}'
>>> read_submission(box, "s2", ["hw"]).problems
['hw.ipynb is a symbolic link; refused (submit the notebook itself)']
"""

from __future__ import annotations

import datetime as _dt
import os
import re
import stat
from dataclasses import dataclass, field

__all__ = ["MAX_NOTEBOOK_BYTES", "Submission", "check_folder", "list_folders",
           "read_submission", "safe_label"]

#: Largest notebook read from a submissions folder.
MAX_NOTEBOOK_BYTES = 20 * 2**20
_TIMESTAMP = "timestamp.txt"
_KINDS = {stat.S_IFLNK: "a symbolic link", stat.S_IFIFO: "a FIFO (named pipe)",
          stat.S_IFCHR: "a character device", stat.S_IFBLK: "a block device",
          stat.S_IFSOCK: "a socket", stat.S_IFDIR: "a folder"}


@dataclass
class Submission:
    """What one student handed in: notebook bytes, problems found, the submission time."""

    student: str
    files: dict[str, bytes] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    timestamp: _dt.datetime | None = None


def safe_label(name: str, limit: int = 64) -> str:
    """A folder name fit for a report: control characters replaced, length capped.

    Examples
    --------
    >>> safe_label("a\\tb\\nc")
    'a?b?c'
    """
    text = re.sub(r"[\x00-\x1f\x7f]", "?", name)
    return text if len(text) <= limit else text[:limit] + "…"


def _kind(mode: int) -> str:
    return _KINDS.get(stat.S_IFMT(mode), "not a regular file")


def _open_dir(parent_fd: int, name: str) -> tuple[int | None, str]:
    try:
        info = os.stat(name, dir_fd=parent_fd, follow_symlinks=False)
    except FileNotFoundError:
        return None, ""
    if not stat.S_ISDIR(info.st_mode):
        return None, f"the folder is {_kind(info.st_mode)}; refused"
    try:
        return os.open(name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=parent_fd), ""
    except OSError as exc:
        return None, f"the folder could not be opened ({exc.strerror})"


def _read_file(dir_fd: int, name: str, limit: int) -> tuple[bytes | None, str]:
    """Read ``name`` in ``dir_fd`` without following links: (bytes, "") or (None, why)."""
    try:
        info = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
    except FileNotFoundError:
        return None, "missing"
    if not stat.S_ISREG(info.st_mode):
        what = _kind(info.st_mode)
        hint = " (submit the notebook itself)" if stat.S_ISLNK(info.st_mode) else ""
        return None, f"{name} is {what}; refused{hint}"
    if info.st_nlink > 1:
        return None, f"{name} is a hard link to another file; refused (submit a copy)"
    if info.st_size > limit:
        return None, f"{name} is larger than {limit // 2**20} MiB; refused"
    try:
        fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=dir_fd)
    except OSError as exc:
        return None, f"{name} could not be opened ({exc.strerror})"
    with os.fdopen(fd, "rb") as fh:
        now = os.fstat(fh.fileno())
        if not stat.S_ISREG(now.st_mode) or now.st_nlink > 1:
            return None, f"{name} changed while it was read; refused"
        data = fh.read(limit + 1)
    if len(data) > limit:
        return None, f"{name} is larger than {limit // 2**20} MiB; refused"
    return data, ""


def _parse_timestamp(text: str) -> _dt.datetime | None:
    """nbgrader's ``timestamp.txt`` (or any ISO 8601 time); naive times are UTC."""
    value = text.strip().splitlines()[0].strip() if text.strip() else ""
    value = re.sub(r"\s+(UTC|GMT)$", "", value)
    try:
        stamp = _dt.datetime.fromisoformat(value.replace(" ", "T", 1) if "T" not in value
                                           else value)
    except ValueError:
        return None
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=_dt.UTC)
    return stamp.astimezone(_dt.UTC)


def read_submission(folder: str | os.PathLike, student: str, notebooks: list[str]) -> Submission:
    """Read ``folder/<student>/<notebook>.ipynb`` for every notebook, refusing links.

    Returns
    -------
    Submission
        ``files`` holds the notebooks read; ``missing`` those not handed in;
        ``problems`` one reason per refused file (or for a refused folder).
    """
    sub = Submission(student)
    top = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fd, why = _open_dir(top, student)
        if fd is None:
            if why:
                sub.problems.append(f"{student}/: {why}")
            else:
                sub.missing = list(notebooks)
            return sub
        try:
            for name in notebooks:
                data, why = _read_file(fd, f"{name}.ipynb", MAX_NOTEBOOK_BYTES)
                if data is not None:
                    sub.files[name] = data
                elif why == "missing":
                    sub.missing.append(name)
                else:
                    sub.problems.append(why)
            raw, why = _read_file(fd, _TIMESTAMP, 4096)
            if raw is not None:
                sub.timestamp = _parse_timestamp(raw.decode("utf-8", "replace"))
                if sub.timestamp is None:
                    sub.problems.append(f"{_TIMESTAMP} is not a time (ISO 8601); ignored")
            elif why != "missing":
                sub.problems.append(why)
        finally:
            os.close(fd)
    finally:
        os.close(top)
    return sub


def list_folders(folder: str | os.PathLike) -> list[str]:
    """Names of the entries of a submissions folder (links included, nothing followed)."""
    return sorted(entry.name for entry in os.scandir(folder))


def check_folder(folder: str | os.PathLike, roster: list[str], notebooks: list[str],
                 *, validate: bool = True) -> list[dict]:
    """The dry run: what grading would find in ``folder``, without grading anything.

    Returns one dict per roster student and per unknown entry: ``student_id``,
    ``status`` (``ok``, ``missing``, ``refused``, ``invalid``, ``not on roster``),
    ``detail``, ``submitted_at``.
    """
    import nbformat

    rows = []
    entries = set(list_folders(folder))
    for sid in roster:
        sub = read_submission(folder, sid, notebooks)
        status, detail = "ok", []
        if sub.problems:
            status, detail = "refused", list(sub.problems)
        for name, data in sub.files.items():
            if not validate:
                continue
            try:
                nb = nbformat.reads(data.decode("utf-8"), as_version=4)
                import warnings

                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    nbformat.validate(nb)
                graded = [c for c in nb.cells if c.get("metadata", {}).get("nbgrader", {})
                          .get("grade") and c.cell_type == "code"]
                detail.append(f"{name}.ipynb: {len(nb.cells)} cells, {len(graded)} test cells")
            except Exception as exc:
                status = "invalid" if status == "ok" else status
                detail.append(f"{name}.ipynb is not a valid notebook ({type(exc).__name__})")
        if sub.missing:
            if status == "ok" and not sub.files:
                status = "missing"
            detail.append("missing: " + ", ".join(f"{n}.ipynb" for n in sub.missing))
        rows.append({"student_id": sid, "status": status, "detail": "; ".join(detail),
                     "submitted_at": sub.timestamp.isoformat() if sub.timestamp else ""})
    for name in sorted(entries - set(roster)):
        rows.append({"student_id": safe_label(name), "status": "not on roster",
                     "detail": "not graded", "submitted_at": ""})
    return rows
