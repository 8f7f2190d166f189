"""Personalised, auto-graded exercises on top of nbgrader.

nbgrader gives the course layout, solution and hidden-test stripping, the gradebook
and feedback; crmlab adds what nbgrader lacks: every student gets their own synthetic
world, answers are checked against values recomputed from that world, and grading runs
each submission in a locked-down sandbox.

Design
------
Seeds
    ``seed = HMAC-SHA256(course secret, assignment, student id)``
    (:func:`derive_seed`). The secret is 32 random bytes made by ``crmlab exercises
    init`` and kept in ``COURSE_DIR/.crmlab/secret`` (mode 0600, folder 0700).
Release
    A student working at home has no secret, so ``crmlab exercises release`` writes
    one folder per student on the roster, ``COURSE_DIR/handout/<student_id>/<assignment>/``,
    holding nbgrader's student version of the notebooks and ``crmlab_student.json``
    with that student's own seed (:class:`Identity`) — never the secret, never anyone
    else's seed. :func:`my_world` reads that file (or the environment the grader sets).
Checks
    :mod:`crmlab.exercises.checks` recomputes each expected answer from the world of
    the identity the grader gives (environment), never from a seed the notebook
    chose: an answer copied from a friend was computed on the friend's world and fails.
Grading
    :mod:`crmlab.exercises.grading`: for each student on the roster, nbgrader's
    sanitising steps restore the locked and hidden test cells from the gradebook in
    the instructor's process; the notebook then runs in a sandbox
    (:mod:`crmlab.exercises.sandbox`) that sees only a temporary copy, the student's
    seed and a time and memory budget; the outputs come back and nbgrader's scoring
    steps write the gradebook, again in the instructor's process.
    ``COURSE_DIR/grades.csv`` has one row per student, with a reason for every zero
    that did not come from running the notebook.

Limits: the verdict of a test cell is decided inside the student's kernel (as in
nbgrader itself), so a student who studies the checks can make them pass by
monkeypatching; the sandbox protects the course, not the verdict. crmlab is open
source, so a student can always compute the expected answers with crmlab itself —
which is the exercise. See docs/exercises.md.

Examples
--------
>>> from crmlab.exercises import derive_seed, my_world
>>> w = my_world(seed=derive_seed("k" * 32, "rfm_concentration", "s001"))
>>> len(w.customers)
2000
"""

from . import checks
from .checks import named_customers
from .seeds import derive_seed, new_secret
from .student import EXERCISE_CONFIG, TOKEN_FILE, Identity, graded_identity, my_world

__all__ = ["EXERCISE_CONFIG", "TOKEN_FILE", "Identity", "checks", "derive_seed",
           "graded_identity", "my_world", "named_customers", "new_secret"]
