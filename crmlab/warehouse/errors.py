"""The exception a warehouse build raises for anything the user can fix, the warning it
gives when it replaces something crmlab did not make, and the one-line cause of a
database error."""

from __future__ import annotations

__all__ = ["WarehouseError", "WarehouseOverwriteWarning", "first_line"]


class WarehouseError(ValueError):
    """A warehouse could not be built or read: bad URL, missing driver, refused
    connection, a destination crmlab did not make, a lock held by another program, a
    database error (disk full, a key violation), ...

    The message is one line naming what failed; the CLI prints it as
    ``crmlab: error: <message>``. A database error stays attached as ``__cause__``.

    Examples
    --------
    >>> str(WarehouseError("unknown URL scheme 'mysql'"))
    "unknown URL scheme 'mysql'"
    >>> issubclass(WarehouseError, ValueError)
    True
    """


class WarehouseOverwriteWarning(UserWarning):
    """A build with ``overwrite=True`` replaced something crmlab did not make.

    The message (one line) names the destination and what it held: the tables crmlab
    did not make, or the kind of file. The CLI prints it as
    ``crmlab: warning: <message>``.

    Examples
    --------
    >>> issubclass(WarehouseOverwriteWarning, UserWarning)
    True
    """


def first_line(exc: BaseException) -> str:
    """The first non-empty line of a (database) error, for one-line messages.

    SQLAlchemy wraps driver errors; their own text is on ``exc.orig``.

    Examples
    --------
    >>> first_line(RuntimeError("Constraint Error: key C1 missing\\n\\nLINE 1: ..."))
    'Constraint Error: key C1 missing'
    >>> first_line(OSError())
    'OSError'
    """
    orig = getattr(exc, "orig", None) or exc
    lines = [line.strip() for line in str(orig).splitlines() if line.strip()]
    return lines[0] if lines else type(orig).__name__
