"""The one exception a warehouse build raises for anything the user can fix."""

from __future__ import annotations

__all__ = ["WarehouseError"]


class WarehouseError(ValueError):
    """A warehouse could not be built: bad URL, missing driver, refused connection, ...

    The message is one line naming what failed; the CLI prints it as
    ``crmlab: error: <message>``.

    Examples
    --------
    >>> str(WarehouseError("unknown URL scheme 'mysql'"))
    "unknown URL scheme 'mysql'"
    >>> issubclass(WarehouseError, ValueError)
    True
    """
