"""Personalised exercises on nbgrader, graded outside the student's kernel.

nbgrader gives the course layout, solution and hidden-test stripping, the gradebook,
manual grading and feedback; crmlab adds what nbgrader lacks: every student gets their
own synthetic world and their own parameters, the verdicts are computed outside the
student's kernel, and each submission runs in its own sandbox.

Design
------
Seeds
    ``seed = HMAC-SHA256(course secret, assignment, student id)``
    (:func:`derive_seed`). The secret is 32 random bytes made by ``crmlab exercises
    init`` and kept in ``COURSE_DIR/.crmlab/secret`` (mode 0600, folder 0700).
Parameters
    :func:`my_params` (from :mod:`crmlab.exercises.catalog`): the share, horizon,
    segment or budget each question asks about, drawn from the student's seed.
Release
    ``crmlab exercises release`` writes one folder per student,
    ``COURSE_DIR/handout/<student_id>/<assignment>/``, holding nbgrader's student version
    and ``crmlab_student.json`` with that student's own seed (:class:`Identity`).
Answers
    The locked test cells call :func:`submit`, which records each answer in a typed JSON
    file (:mod:`crmlab.exercises.answers`; never pickle). Nothing else the kernel does
    reaches the score.
Grading
    :mod:`crmlab.exercises.grading`: nbgrader's sanitising steps restore the locked
    cells; each notebook runs in a sandbox (:mod:`crmlab.exercises.sandbox`: bubblewrap
    namespaces, its own uid and cgroups when root); a checker process recomputes the
    expected answers from the seed and compares (:mod:`crmlab.exercises.checks`); the
    verdicts are written to nbgrader's gradebook and ``COURSE_DIR/grades.csv``.

See docs/exercises.md.

Examples
--------
>>> from crmlab.exercises import derive_seed, my_world
>>> w = my_world(seed=derive_seed("k" * 32, "rfm_concentration", "s001"))
>>> len(w.customers)
2000
"""

from . import answers, catalog, checks
from .answers import submit
from .seeds import derive_seed, new_secret
from .student import (
    EXERCISE_CONFIG,
    TOKEN_FILE,
    Identity,
    graded_identity,
    my_params,
    my_world,
)

__all__ = ["EXERCISE_CONFIG", "TOKEN_FILE", "Identity", "answers", "catalog", "checks",
           "derive_seed", "graded_identity", "my_params", "my_world", "named_customers",
           "new_secret", "submit"]


def named_customers() -> list[str]:
    """The five customers your questions name (repeat buyers of your own world).

    Examples
    --------
    >>> import os
    >>> os.environ.update(CRMLAB_STUDENT_ID="s1", CRMLAB_ASSIGNMENT="clv_bgnbd",
    ...                   CRMLAB_EXERCISE_SEED="11")
    >>> len(named_customers())
    5
    >>> for k in ("CRMLAB_STUDENT_ID", "CRMLAB_ASSIGNMENT", "CRMLAB_EXERCISE_SEED"):
    ...     del os.environ[k]
    """
    ident = graded_identity()
    return checks.named_customers(ident.seed, ident.assignment)
