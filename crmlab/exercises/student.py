"""Inside a student notebook: who am I, and which world is mine?

:func:`my_world` returns the student's personal world. The identity comes, in order,
from

1. the environment the grader sets (``CRMLAB_STUDENT_ID``, ``CRMLAB_ASSIGNMENT``,
   ``CRMLAB_EXERCISE_SEED``) — only the per-student seed, never the course secret;
2. the token file ``crmlab_student.json`` that ``crmlab exercises release`` puts beside
   each student's notebook (the notebook's folder is the kernel's working directory);
3. explicit arguments, for instructors and tests: ``seed=``, or ``student_id=`` with
   ``course_dir=`` (which derives the seed from the course secret, so only works where
   the secret is readable).

The answer checks (:mod:`crmlab.exercises.checks`) always use 1 or 2, never a seed a
student passes in, so a notebook that loads a friend's world is graded against its
owner's own world.

Examples
--------
>>> w = my_world(seed=1)
>>> len(w.customers) == EXERCISE_CONFIG.n_customers
True
"""

from __future__ import annotations

import functools
import json
import os
from dataclasses import dataclass
from pathlib import Path

from ..world import World, make_world
from .catalog import exercise_config, params, world_config
from .seeds import check_name, derive_seed, read_secret

__all__ = ["ENV_ASSIGNMENT", "ENV_SEED", "ENV_STUDENT", "EXERCISE_CONFIG", "TOKEN_FILE",
           "Identity", "graded_identity", "my_params", "my_world", "world_for_seed"]

#: The world of the English assignments: small, so a whole class is graded quickly (the
#: Persian ones use the same settings with the ``fa_IR`` locale; see
#: :func:`crmlab.exercises.catalog.exercise_config`).
EXERCISE_CONFIG = exercise_config()
#: File beside a released notebook that holds the student's identity and seed.
TOKEN_FILE = "crmlab_student.json"
ENV_STUDENT = "CRMLAB_STUDENT_ID"
ENV_ASSIGNMENT = "CRMLAB_ASSIGNMENT"
ENV_SEED = "CRMLAB_EXERCISE_SEED"


@dataclass(frozen=True)
class Identity:
    """A student on one assignment, and the seed of their world."""

    student_id: str
    assignment: str
    seed: int

    def to_json(self) -> str:
        """The token-file text.

        Examples
        --------
        >>> Identity("s1", "a1", 7).to_json()
        '{"assignment": "a1", "seed": 7, "student_id": "s1"}\\n'
        """
        return json.dumps({"assignment": self.assignment, "seed": self.seed,
                           "student_id": self.student_id}, sort_keys=True) + "\n"


def _seed(value: object, where: str) -> int:
    try:
        seed = int(str(value).strip())
    except ValueError:
        raise ValueError(f"{where}: the seed must be a whole number; got {value!r}") from None
    if not 0 <= seed < 2**63:
        raise ValueError(f"{where}: the seed must be in [0, 2**63); got {seed}")
    return seed


def _read_env() -> Identity | None:
    if ENV_SEED not in os.environ:
        return None
    return Identity(check_name(os.environ.get(ENV_STUDENT, ""), ENV_STUDENT),
                    check_name(os.environ.get(ENV_ASSIGNMENT, ""), ENV_ASSIGNMENT),
                    _seed(os.environ[ENV_SEED], ENV_SEED))


#: The identity the grader set when the kernel started: read once, when this module is
#: first imported (the locked first cell of every assignment), so a notebook that edits
#: ``os.environ`` later cannot switch the world the checks use.
_STARTUP_IDENTITY = _read_env() if os.environ.get("NBGRADER_EXECUTION") == "autograde" \
    else None


def _startup_identity_from_env() -> None:
    """Take the identity from the environment now (a grading kernel forked from the warm
    template imported this module before its environment was set)."""
    global _STARTUP_IDENTITY
    _STARTUP_IDENTITY = _read_env()


def _from_env() -> Identity | None:
    return _STARTUP_IDENTITY or _read_env()


def _from_file(folder: Path) -> Identity | None:
    path = folder / TOKEN_FILE
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return Identity(check_name(data["student_id"], "student_id"),
                        check_name(data["assignment"], "assignment"),
                        _seed(data["seed"], str(path)))
    except (OSError, KeyError, TypeError, json.JSONDecodeError) as exc:
        raise ValueError(f"{path} is not a valid crmlab token file ({exc}); download it "
                         "again from your instructor") from None


def graded_identity(folder: str | os.PathLike | None = None) -> Identity:
    """The identity the grader will use: environment first, then the token file.

    Parameters
    ----------
    folder : path, optional
        Where to look for the token file (default: the working directory).

    Raises
    ------
    LookupError
        If neither is present.
    """
    ident = _from_env() or _from_file(Path(folder) if folder is not None else Path.cwd())
    if ident is None:
        raise LookupError(f"no student identity: put your {TOKEN_FILE} (from your instructor)"
                          " beside this notebook, or pass seed= to my_world()")
    return ident


@functools.lru_cache(maxsize=4)
def _world(seed: int, locale: str) -> World:
    return make_world(world_config(locale), seed=seed)


def world_for_seed(seed: int, assignment: str | None = None) -> World:
    """The exercise world of a seed, in the assignment's locale (cached: notebooks and
    checks share one copy).

    Examples
    --------
    >>> world_for_seed(3) is world_for_seed(3)
    True
    """
    locale = exercise_config(assignment).locale
    return _world(_seed(seed, "seed"), locale)


def my_world(student_id: str | None = None, *, seed: int | None = None,
             assignment: str | None = None,
             course_dir: str | os.PathLike | None = None) -> World:
    """Your personal exercise world.

    Parameters
    ----------
    student_id : str, optional
        Your id. With ``course_dir`` (instructors) the seed is derived from the course
        secret; otherwise it must match the identity in the environment or token file.
    seed : int, optional
        Use this seed directly (for practice, or for instructors checking a student).
    assignment : str, optional
        Needed with ``course_dir``; otherwise it must match the token.
    course_dir : path, optional
        An instructor's course folder (holds the secret).

    Returns
    -------
    World
        A world with the :data:`EXERCISE_CONFIG` settings. Treat it as read-only: it is
        cached, so changes would carry into the next call in the same kernel.

    Examples
    --------
    >>> my_world(seed=5) is my_world(seed=5)
    True
    """
    if seed is not None:
        return world_for_seed(_seed(seed, "seed"), assignment)
    if course_dir is not None:
        if student_id is None or assignment is None:
            raise ValueError("my_world(course_dir=...) needs student_id= and assignment=")
        return world_for_seed(derive_seed(read_secret(course_dir), assignment, student_id),
                              assignment)
    ident = graded_identity()
    if student_id is not None and student_id != ident.student_id:
        raise ValueError(f"this notebook belongs to {ident.student_id!r}, not {student_id!r};"
                         " use your own notebook and token file")
    if assignment is not None and assignment != ident.assignment:
        raise ValueError(f"the token is for assignment {ident.assignment!r}, not "
                         f"{assignment!r}")
    return world_for_seed(ident.seed, ident.assignment)


def my_params() -> dict:
    """Your parameters for this assignment (the share, horizon, segment or budget your
    questions ask about), drawn from your own seed.

    Examples
    --------
    >>> import os
    >>> os.environ.update(CRMLAB_STUDENT_ID="s1", CRMLAB_ASSIGNMENT="rfm_concentration",
    ...                   CRMLAB_EXERCISE_SEED="11")
    >>> sorted(my_params())
    ['budget', 'levels', 'top']
    >>> for k in ("CRMLAB_STUDENT_ID", "CRMLAB_ASSIGNMENT", "CRMLAB_EXERCISE_SEED"):
    ...     del os.environ[k]
    """
    ident = graded_identity()
    return params(ident.assignment, ident.seed)
