"""Due dates and late penalties, applied from recorded submission times.

``crmlab exercises due COURSE ASSIGNMENT --at 2026-03-01T23:59+03:30 --penalty-per-day 10
--max-penalty 50 [--grace-minutes 15]`` records the due date in nbgrader's gradebook and
the rule in ``COURSE_DIR/.crmlab/policy.json``. Grading reads each submission's time
from nbgrader's ``timestamp.txt`` in the student's folder (what ``nbgrader collect``
and most LMS exports can write) or from a ``--times`` CSV (``student_id,submitted_at``),
stores it in the gradebook, and takes ``penalty-per-day`` percent of the score for each
started day after the due date (and the grace period), at most ``max-penalty`` percent.

Examples
--------
>>> import datetime as dt
>>> rule = LatePolicy(due=dt.datetime(2026, 3, 1, 20, 0, tzinfo=dt.timezone.utc),
...                   per_day=10.0, max_percent=50.0)
>>> rule.penalty(8.0, dt.datetime(2026, 3, 2, 21, 0, tzinfo=dt.timezone.utc))
(1.6, 2)
>>> rule.penalty(8.0, dt.datetime(2026, 3, 1, 19, 0, tzinfo=dt.timezone.utc))
(0.0, 0)
"""

from __future__ import annotations

import datetime as _dt
import json
import math
from dataclasses import dataclass

from .course import Course, atomic_write_text

__all__ = ["LatePolicy", "late_policy", "parse_time", "set_due"]


def parse_time(text: str) -> _dt.datetime:
    """An ISO 8601 time (``2026-03-01T23:59``, with or without a UTC offset; no offset
    means UTC) as an aware UTC datetime.

    Raises
    ------
    ValueError
        Naming the text and the format expected.
    """
    try:
        stamp = _dt.datetime.fromisoformat(str(text).strip().replace(" ", "T", 1))
    except ValueError:
        raise ValueError(f"{text!r} is not a time; use ISO 8601, e.g. 2026-03-01T23:59+03:30"
                         ) from None
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=_dt.UTC)
    return stamp.astimezone(_dt.UTC)


@dataclass(frozen=True)
class LatePolicy:
    """A due date and the penalty for each started day late (percent of the score)."""

    due: _dt.datetime
    per_day: float = 0.0
    max_percent: float = 100.0
    grace_minutes: float = 0.0

    def __post_init__(self) -> None:
        for name in ("per_day", "max_percent", "grace_minutes"):
            value = getattr(self, name)
            if not isinstance(value, int | float) or isinstance(value, bool) or value < 0:
                raise ValueError(f"{name} must be a number >= 0; got {value!r}")
        if self.max_percent > 100 or self.per_day > 100:
            raise ValueError("penalties are percentages of the score: at most 100")

    def penalty(self, score: float, submitted: _dt.datetime | None) -> tuple[float, int]:
        """(points taken off ``score``, started days late) for a submission time."""
        if submitted is None:
            return 0.0, 0
        late = (submitted - self.due).total_seconds() - 60 * self.grace_minutes
        if late <= 0:
            return 0.0, 0
        days = math.ceil(late / 86400)
        percent = min(self.max_percent, self.per_day * days)
        return round(score * percent / 100.0, 6), days


def _path(course: Course):
    return course.root / ".crmlab" / "policy.json"


def set_due(course: Course, assignment: str, due: _dt.datetime | str, *, per_day: float = 0.0,
            max_percent: float = 100.0, grace_minutes: float = 0.0) -> LatePolicy:
    """Record an assignment's due date and late-penalty rule (gradebook and policy file)."""
    course.check_assignment(assignment)
    rule = LatePolicy(parse_time(due) if isinstance(due, str) else due.astimezone(_dt.UTC),
                      float(per_day), float(max_percent), float(grace_minutes))
    path = _path(course)
    data = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    data[assignment] = {"due": rule.due.isoformat(), "per_day": rule.per_day,
                        "max_percent": rule.max_percent, "grace_minutes": rule.grace_minutes}
    atomic_write_text(path, json.dumps(data, indent=2, sort_keys=True) + "\n")
    from nbgrader.api import Gradebook

    course.api()
    with Gradebook(f"sqlite:///{course.root / 'gradebook.db'}") as gb:
        gb.update_or_create_assignment(assignment, duedate=rule.due.replace(tzinfo=None))
    return rule


def late_policy(course: Course, assignment: str) -> LatePolicy | None:
    """The assignment's rule, or ``None`` when it has no due date."""
    path = _path(course)
    if not path.is_file():
        return None
    entry = json.loads(path.read_text(encoding="utf-8")).get(assignment)
    if not entry:
        return None
    return LatePolicy(parse_time(entry["due"]), float(entry["per_day"]),
                      float(entry["max_percent"]), float(entry.get("grace_minutes", 0.0)))
