"""An nbgrader course with crmlab's assignments, a course secret and a roster.

Layout of ``COURSE_DIR`` (mode 0700, the instructor's only)::

    nbgrader_config.py        course id; nbgrader finds the folders below
    .crmlab/secret            the course secret (0600): 64 hex digits
    students.csv              the roster: student_id[, other columns]
    source/<assignment>/      nbgrader source notebooks (solutions, hidden tests)
    release/<assignment>/     nbgrader's student version (generate_assignment)
    handout/<student>/<assignment>/   what each student receives: the student version
                              and crmlab_student.json with their own seed
    gradebook.db              nbgrader's gradebook
    submitted/, autograded/, feedback/   written by grading
    grades.csv                one row per student and assignment graded

Examples
--------
>>> import tempfile, pathlib
>>> root = pathlib.Path(tempfile.mkdtemp()) / "course"
>>> course = init_course(root, students=["s001", "s002"], assignments=["rfm_concentration"],
...                      generate=False)
>>> course.students(), course.assignments()
(['s001', 's002'], ['rfm_concentration'])
>>> oct(course.secret_path.stat().st_mode & 0o777)
'0o600'
>>> import shutil; shutil.rmtree(root.parent)
"""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import stat
import sys
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path

from .seeds import check_name, derive_seed, new_secret, read_secret
from .student import TOKEN_FILE, Identity

__all__ = ["Course", "add_students", "init_course", "leaks", "release", "shipped_assignments"]

SHIPPED = Path(__file__).resolve().parents[2] / "exercises"
_MARKERS = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS")


def shipped_assignments(source: str | os.PathLike | None = None) -> list[str]:
    """Assignment folders (each with one or more notebooks) in ``source`` (default: the
    repository's ``exercises/``).

    Examples
    --------
    >>> "rfm_concentration" in shipped_assignments()
    True
    """
    folder = Path(source) if source is not None else SHIPPED
    if not folder.is_dir():
        raise FileNotFoundError(f"no assignments folder at {folder}")
    return sorted(p.name for p in folder.iterdir()
                  if p.is_dir() and any(p.glob("*.ipynb")) and not p.name.startswith("."))


def atomic_write_text(path: Path, text: str, *, mode: int = 0o600) -> None:
    """Write ``text`` to ``path`` atomically, with ``mode`` from the start.

    The text goes to a temporary file beside ``path`` that is renamed over it, so a
    reader sees the old file or the new one, never half of one; the default mode keeps
    course files private to the instructor.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _read_roster(students: str | os.PathLike | Iterable[str]) -> list[dict[str, str]]:
    if isinstance(students, str | os.PathLike):
        path = Path(students)
        with path.open(newline="", encoding="utf-8") as fh:
            reader = csv.DictReader(fh)
            rows = list(reader)
            header = reader.fieldnames or []
        if "student_id" not in header:
            raise ValueError(f"{path} needs a header with a student_id column and one row per "
                             "student")
    else:
        rows = [{"student_id": s} for s in students]
    seen: set[str] = set()
    for row in rows:
        sid = check_name((row.get("student_id") or "").strip(), "student id")
        if sid in seen:
            raise ValueError(f"student id {sid!r} appears twice in the roster")
        seen.add(sid)
        row["student_id"] = sid
    return rows


class Course:
    """An existing course folder made by :func:`init_course`."""

    def __init__(self, root: str | os.PathLike) -> None:
        self.root = Path(root).resolve()
        if not (self.root / "nbgrader_config.py").is_file() or not self.secret_path.is_file():
            raise FileNotFoundError(f"{self.root} is not a crmlab course (run `crmlab exercises "
                                    "init` first)")

    @property
    def secret_path(self) -> Path:
        """Where the course secret lives."""
        return self.root / ".crmlab" / "secret"

    @property
    def roster_path(self) -> Path:
        """The roster CSV."""
        return self.root / "students.csv"

    def secret(self) -> str:
        """The course secret (instructor only)."""
        return read_secret(self.root)

    def course_id(self) -> str:
        """The nbgrader course id from ``nbgrader_config.py``."""
        text = (self.root / "nbgrader_config.py").read_text(encoding="utf-8")
        found = re.search(r"course_id\s*=\s*['\"]([^'\"]+)['\"]", text)
        return found.group(1) if found else "crmlab"

    def students(self) -> list[str]:
        """Student ids on the roster, in roster order."""
        return [row["student_id"] for row in _read_roster(self.roster_path)]

    def assignments(self) -> list[str]:
        """Assignments in ``source/``."""
        return shipped_assignments(self.root / "source")

    def notebooks(self, assignment: str) -> list[str]:
        """Notebook names (without ``.ipynb``) of an assignment."""
        self.check_assignment(assignment)
        return sorted(p.stem for p in (self.root / "source" / assignment).glob("*.ipynb"))

    def check_assignment(self, assignment: str) -> str:
        """Return ``assignment`` if the course has it, else raise ValueError."""
        check_name(assignment, "assignment")
        if assignment not in self.assignments():
            raise ValueError(f"unknown assignment {assignment!r}; this course has "
                             f"{self.assignments()}")
        return assignment

    def seed(self, assignment: str, student_id: str) -> int:
        """The world seed of a student on an assignment."""
        return derive_seed(self.secret(), assignment, student_id)

    def identity(self, assignment: str, student_id: str) -> Identity:
        """The token a student receives (and the grader uses)."""
        return Identity(student_id, assignment, self.seed(assignment, student_id))

    def api(self):
        """nbgrader's Python API bound to this course."""
        from nbgrader.apps import NbGraderAPI
        from traitlets.config import Config

        # a new gradebook runs the `alembic` command: make this interpreter's scripts
        # folder findable when crmlab is called as .venv/bin/python without activation
        scripts = str(Path(sys.executable).parent)
        if scripts not in os.environ.get("PATH", "").split(os.pathsep):
            os.environ["PATH"] = os.pathsep.join([scripts, os.environ.get("PATH", "")])
        config = Config()
        config.CourseDirectory.root = str(self.root)
        config.CourseDirectory.course_id = self.course_id()
        config.HTMLExporter.sanitize_html = True  # feedback: markdown and HTML are cleaned
        return NbGraderAPI(config=config)

    def generate(self, assignment: str) -> None:
        """Run nbgrader ``generate_assignment`` (student version into ``release/``)."""
        self.check_assignment(assignment)
        result = self.api().generate_assignment(assignment, force=True, create=True)
        if not result["success"]:
            said = [line.strip() for line in (result.get("error") or result.get("log") or "")
                    .splitlines() if line.strip()]
            raise RuntimeError(f"nbgrader generate_assignment {assignment} failed: "
                               f"{said[-1][-300:] if said else 'no message'}")


def _roster_text(roster: list[dict[str, str]]) -> str:
    columns = list(dict.fromkeys(k for row in roster for k in row)) or ["student_id"]
    if "student_id" in columns:
        columns.remove("student_id")
    columns.insert(0, "student_id")
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=columns, lineterminator="\n", restval="")
    writer.writeheader()
    writer.writerows(roster)
    return buf.getvalue()


def init_course(root: str | os.PathLike, *, students: str | os.PathLike | Sequence[str] = (),
                source: str | os.PathLike | None = None,
                assignments: Sequence[str] | None = None, course_id: str = "crmlab",
                secret: str | None = None, generate: bool = True) -> Course:
    """Create a course folder (which must not exist, or be empty).

    Everything is checked first and the course is built in a temporary folder beside
    ``root`` that is renamed into place at the end, so a failure (a bad roster, an
    unknown assignment, nbgrader failing) leaves nothing behind.

    Parameters
    ----------
    root : path
    students : path to a roster CSV (a ``student_id`` column), or a list of ids
        May be empty: add students later with :func:`add_students`.
    source : path, optional
        Folder of assignments to copy (default: the shipped ``exercises/``).
    assignments : list of str, optional
        Which assignments to copy (default: all).
    course_id : str, default="crmlab"
    secret : str, optional
        Use this secret instead of a random one (tests; never share it).
    generate : bool, default=True
        Run nbgrader ``generate_assignment`` for each assignment.
    """
    root = Path(root)
    check_name(course_id, "course id")
    if root.is_symlink() or (root.exists() and (not root.is_dir() or any(root.iterdir()))):
        raise FileExistsError(f"{root} already exists and is not empty; choose a new folder")
    roster = _read_roster(students)
    available = shipped_assignments(source)
    chosen = list(available if assignments is None else assignments)
    for name in chosen:
        if name not in available:
            raise ValueError(f"unknown assignment {name!r}; available: {available}")
    if secret is not None:
        from .seeds import _key

        _key(secret)
    src = Path(source) if source is not None else SHIPPED
    root.parent.mkdir(parents=True, exist_ok=True)
    build = Path(tempfile.mkdtemp(dir=root.parent, prefix=f".{root.name}.init-"))
    try:
        os.chmod(build, stat.S_IRWXU)
        (build / ".crmlab").mkdir(mode=0o700)
        atomic_write_text(build / ".crmlab" / "secret", (secret or new_secret()) + "\n")
        (build / "nbgrader_config.py").write_text(
            "# written by `crmlab exercises init`\nc = get_config()  # noqa: F821\n"
            f"c.CourseDirectory.course_id = {course_id!r}\n"
            "# feedback and formgrader pages: HTML from notebooks is sanitised\n"
            "c.HTMLExporter.sanitize_html = True\n", encoding="utf-8")
        atomic_write_text(build / "students.csv", _roster_text(roster))
        for name in chosen:
            shutil.copytree(src / name, build / "source" / name,
                            ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
        if generate:
            staged = Course(build)
            for name in chosen:
                staged.generate(name)
        if root.exists():
            root.rmdir()
        os.rename(build, root)
    except BaseException:
        shutil.rmtree(build, ignore_errors=True)
        raise
    return Course(root)


def add_students(course: Course, students: str | os.PathLike | Sequence[str]) -> list[str]:
    """Add students to the roster (a roster CSV or a list of ids); returns the ids added.

    Students already on the roster are refused (their seeds must not change); other
    columns of a CSV are kept.
    """
    new = _read_roster(students)
    current = _read_roster(course.roster_path)
    taken = {row["student_id"] for row in current}
    again = sorted(taken & {row["student_id"] for row in new})
    if again:
        raise ValueError(f"already on the roster: {again}")
    atomic_write_text(course.roster_path, _roster_text(current + new))
    return [row["student_id"] for row in new]


def _hidden_lines(course: Course, assignment: str) -> set[str]:
    """Solution and hidden-test lines of the source notebooks (longer than 15 chars) that
    do not also appear in the public part (a question may quote the call it asks for)."""
    import nbformat

    hidden: set[str] = set()
    public: set[str] = set()
    for path in (course.root / "source" / assignment).glob("*.ipynb"):
        for cell in nbformat.read(path, as_version=4).cells:
            inside = False
            for line in cell.source.splitlines():
                text = line.strip()
                if re.search(r"BEGIN (SOLUTION|HIDDEN TESTS)", text):
                    inside = True
                elif re.search(r"END (SOLUTION|HIDDEN TESTS)", text):
                    inside = False
                elif len(text) > 15:
                    (hidden if inside else public).add(text)
    return {line for line in hidden if not any(line in text for text in public)}


def leaks(course: Course, folder: Path, assignment: str) -> list[str]:
    """Files under ``folder`` holding solution text, hidden tests, markers or the secret.

    Returns a list of ``"path: what"`` strings (empty when clean).
    """
    secret = course.secret()
    hidden = _hidden_lines(course, assignment)
    found = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        text = path.read_bytes().decode("utf-8", "replace")
        what = [m for m in _MARKERS if m in text]
        if secret in text:
            what.append("the course secret")
        what += [f"hidden line {line!r}" for line in hidden if line in text][:3]
        if what:
            found.append(f"{path}: {', '.join(what)}")
    return found


def release(course: Course, assignment: str, *, students: Sequence[str] | None = None) -> Path:
    """Write ``handout/<student>/<assignment>/`` for every student on the roster.

    Each folder holds nbgrader's student version of the notebooks (no solutions, no
    hidden tests) and ``crmlab_student.json`` with that student's seed only. Each
    student's folder is built aside and renamed into place. Refuses (ValueError) if
    anything released would contain solution text, a hidden test or the secret.

    Returns
    -------
    Path
        ``COURSE_DIR/handout``.
    """
    course.check_assignment(assignment)
    course.generate(assignment)
    common = course.root / "release" / assignment
    problems = leaks(course, common, assignment)
    if problems:
        raise ValueError(f"refusing to release: {problems[0]}")
    ids = list(students) if students is not None else course.students()
    if not ids:
        raise ValueError(f"the roster {course.roster_path} has no students")
    out = course.root / "handout"
    out.mkdir(exist_ok=True)
    for sid in ids:
        check_name(sid, "student id")
        dest = out / sid / assignment
        dest.parent.mkdir(exist_ok=True)
        tmp = Path(tempfile.mkdtemp(dir=dest.parent, prefix=f".{assignment}."))
        try:
            shutil.copytree(common, tmp, dirs_exist_ok=True)
            (tmp / TOKEN_FILE).write_text(course.identity(assignment, sid).to_json(),
                                          encoding="utf-8")
            os.chmod(tmp, 0o755)
            if dest.exists():
                shutil.rmtree(dest)
            os.replace(tmp, dest)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    return out
