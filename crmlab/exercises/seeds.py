"""Per-student seeds: HMAC-SHA256 of (assignment, student id) under the course secret.

A student's world is ``make_world(EXERCISE_CONFIG, seed=derive_seed(secret, assignment,
student_id))``. HMAC is a keyed pseudo-random function: without the secret, knowing
your own seed (or any number of other students' seeds) tells you nothing about another
student's seed, and a seed does not reveal the secret. The message is length-prefixed,
so ``("a", "bc")`` and ``("ab", "c")`` never collide.

Examples
--------
>>> secret = "00" * 32
>>> a = derive_seed(secret, "rfm_concentration", "s001")
>>> a == derive_seed(secret, "rfm_concentration", "s001")
True
>>> a != derive_seed(secret, "rfm_concentration", "s002")
True
>>> a != derive_seed("11" * 32, "rfm_concentration", "s001")
True
>>> 0 <= a < 2**63
True
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
from pathlib import Path

__all__ = ["SECRET_FILE", "check_name", "derive_seed", "new_secret", "read_secret"]

#: Where a course folder keeps its secret (relative to the course folder).
SECRET_FILE = ".crmlab/secret"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
_DOMAIN = b"crmlab-exercise-seed-v1"


def check_name(value: object, what: str) -> str:
    """Return ``value`` if it is a safe student id or assignment name, else raise.

    Names become folder names, so only letters, digits, ``_``, ``.`` and ``-`` are
    allowed (1-64 characters, starting with a letter or digit).

    Examples
    --------
    >>> check_name("s001", "student id")
    's001'
    """
    if not isinstance(value, str):
        raise TypeError(f"{what} must be a string; got {type(value).__name__}")
    if not _NAME.match(value) or value in (".", ".."):
        raise ValueError(f"{what} {value!r} is not allowed: use 1-64 letters, digits, '_', "
                         "'.' or '-', starting with a letter or digit")
    return value


def new_secret() -> str:
    """A fresh random course secret: 32 bytes from the OS, as 64 hex digits.

    Examples
    --------
    >>> len(new_secret())
    64
    """
    return secrets.token_hex(32)


def _key(secret: str | bytes) -> bytes:
    if isinstance(secret, bytes):
        key = secret
    elif isinstance(secret, str):
        key = secret.strip().encode()
    else:
        raise TypeError(f"secret must be str or bytes; got {type(secret).__name__}")
    if len(key) < 16:
        raise ValueError(f"the course secret is too short ({len(key)} bytes); "
                         "use at least 16 (crmlab exercises init makes 64 hex digits)")
    return key


def derive_seed(secret: str | bytes, assignment: str, student_id: str) -> int:
    """The world seed of one student on one assignment.

    Parameters
    ----------
    secret : str or bytes
        The course secret (kept by the instructor, never released).
    assignment : str
        Assignment name: each assignment gives a student a different world.
    student_id : str
        The student's id on the roster.

    Returns
    -------
    int
        A seed in ``[0, 2**63)``: the first 8 bytes of
        ``HMAC-SHA256(secret, domain | len | assignment | len | student_id)``, top bit
        cleared.
    """
    check_name(assignment, "assignment")
    check_name(student_id, "student id")
    parts = [_DOMAIN, assignment.encode(), student_id.encode()]
    message = b"".join(len(p).to_bytes(4, "big") + p for p in parts)
    digest = hmac.new(_key(secret), message, hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "big") & (2**63 - 1)


def read_secret(course_dir: str | os.PathLike) -> str:
    """The secret of the course in ``course_dir`` (readable by the instructor only).

    Raises
    ------
    FileNotFoundError
        If ``course_dir`` is not a crmlab course.
    """
    path = Path(course_dir) / SECRET_FILE
    if not path.is_file():
        raise FileNotFoundError(f"{course_dir} is not a crmlab course (no {SECRET_FILE}); run "
                                "`crmlab exercises init` first")
    return path.read_text(encoding="utf-8").strip()
