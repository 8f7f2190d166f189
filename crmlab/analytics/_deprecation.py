"""Old spellings of arguments that keep working for one release, with a warning.

Two decorators, for the two ways an argument changes:

* :func:`renamed_kwargs` — an argument got a new name (``seed`` became
  ``random_state``): the old keyword is accepted and passed on under the new name.
* :func:`keyword_only_after` — arguments that could be given by position became
  keyword-only: extra positional arguments are matched to them in their old order.

Either way the call works as before and a :class:`DeprecationWarning` names the new
spelling, pointing at the caller's line (not at this module, even when both
decorators are stacked). The decorated function keeps its name, docstring and (new)
signature.

Examples
--------
>>> import warnings
>>> @renamed_kwargs(seed="random_state")
... def draw(n, *, random_state=0):
...     return n, random_state
>>> with warnings.catch_warnings(record=True) as caught:
...     warnings.simplefilter("always")
...     draw(3, seed=7)
(3, 7)
>>> str(caught[0].message).endswith("use 'random_state' instead")
True
"""

from __future__ import annotations

import functools
import inspect
import sys
import warnings
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

__all__ = ["keyword_only_after", "renamed_kwargs"]

F = TypeVar("F", bound=Callable[..., Any])

_POSITIONAL = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)


def _since(version: str | None) -> str:
    return "" if version is None else f" since crmlab {version}"


def _warn(message: str) -> None:
    """Issue a DeprecationWarning attributed to the first caller outside this module."""
    frame = sys._getframe(0)
    level = 1
    while frame.f_back is not None and frame.f_code.co_filename == __file__:
        frame = frame.f_back
        level += 1
    warnings.warn(message, DeprecationWarning, stacklevel=level)


def renamed_kwargs(*, since: str | None = None, **renames: str) -> Callable[[F], F]:
    """Accept old keyword names (``old="new"``) for one release, with a DeprecationWarning.

    Parameters
    ----------
    since : str, optional
        The crmlab version that renamed them (named in the warning).
    **renames : str
        Old keyword -> new keyword. Each new name must be a parameter of the decorated
        function and no old name may be one.

    Raises
    ------
    TypeError
        At decoration, if a name does not fit the signature; at a call, if both the old
        and the new spelling are given.

    Examples
    --------
    >>> import warnings
    >>> @renamed_kwargs(column="value_col")
    ... def mean(values, *, value_col="amount"):
    ...     return value_col
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     mean(None, column="spend")
    'spend'
    """
    if not renames:
        raise TypeError("renamed_kwargs needs at least one old='new' pair")

    def decorate(func: F) -> F:
        params = inspect.signature(func).parameters
        for old, new in renames.items():
            if new not in params or params[new].kind not in (
                    inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY):
                raise TypeError(f"{func.__qualname__}() has no keyword parameter {new!r} to "
                                f"rename {old!r} to")
            if old in params:
                raise TypeError(f"{func.__qualname__}() still has a parameter {old!r}; "
                                "remove it before declaring it renamed")
        name = func.__qualname__

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            for old, new in renames.items():
                if old in kwargs:
                    if new in kwargs:
                        raise TypeError(f"{name}() got both {old!r} (its old name) and "
                                        f"{new!r}; pass only {new!r}")
                    _warn(f"{name}(): the argument {old!r} is deprecated{_since(since)} and "
                          f"will be removed in the next release; use {new!r} instead")
                    kwargs[new] = kwargs.pop(old)
            return func(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate


def keyword_only_after(name: str, *, since: str | None = None,
                       formerly: Sequence[str] | None = None) -> Callable[[F], F]:
    """Let keyword-only parameters still be passed by position for one release.

    The decorated function declares every parameter after ``name`` keyword-only. A call
    with more positional arguments than up to ``name`` gets the extra ones assigned to
    the parameters that used to take those positions, in that order, and a
    DeprecationWarning naming the keywords to use.

    Parameters
    ----------
    name : str
        The last parameter that stays positional.
    since : str, optional
        The crmlab version that made them keyword-only (named in the warning).
    formerly : sequence of str, optional
        The keyword-only parameters that used to be positional, in their old order
        (default: every keyword-only parameter, in signature order).

    Raises
    ------
    TypeError
        At decoration, if ``name`` is not a positional parameter followed only by
        keyword-only ones; at a call, if there are more positional arguments than
        parameters or one is also given by keyword.

    Examples
    --------
    >>> import warnings
    >>> @keyword_only_after("df")
    ... def summarize(df, *, customer_col="customer_id", time_col="timestamp"):
    ...     return customer_col, time_col
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     summarize(None, "id", "when")
    ('id', 'when')
    >>> str(caught[0].message).split("; ")[-1]
    'pass them by keyword: summarize(df, customer_col=..., time_col=...)'
    """

    def decorate(func: F) -> F:
        params = list(inspect.signature(func).parameters.values())
        names = [p.name for p in params]
        qual = func.__qualname__
        if name not in names or params[names.index(name)].kind not in _POSITIONAL:
            raise TypeError(f"{qual}() has no positional parameter {name!r}")
        n_pos = names.index(name) + 1
        rest = params[n_pos:]
        keyword_only = [p.name for p in rest if p.kind is inspect.Parameter.KEYWORD_ONLY]
        if not keyword_only or any(p.kind is not inspect.Parameter.KEYWORD_ONLY
                                   for p in rest if p.kind is not inspect.Parameter.VAR_KEYWORD):
            raise TypeError(f"{qual}(): every parameter after {name!r} must be keyword-only "
                            "(declare them after '*')")
        moved = keyword_only if formerly is None else list(formerly)
        unknown = [k for k in moved if k not in keyword_only]
        if unknown:
            raise TypeError(f"{qual}(): {unknown} are not keyword-only parameters; its "
                            f"keyword-only parameters are {keyword_only}")
        head = ", ".join(names[:n_pos])

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if len(args) > n_pos:
                extra = args[n_pos:]
                if len(extra) > len(moved):
                    raise TypeError(f"{qual}() takes {n_pos} positional argument"
                                    f"{'' if n_pos == 1 else 's'} (and, for now, "
                                    f"{len(moved)} more by position) but {len(args)} were "
                                    "given")
                given = moved[:len(extra)]
                twice = [k for k in given if k in kwargs]
                if twice:
                    raise TypeError(f"{qual}() got multiple values for argument {twice[0]!r}")
                keywords = ", ".join(f"{k}=..." for k in given)
                _warn(f"{qual}(): passing {', '.join(given)} by position is deprecated"
                      f"{_since(since)} and will stop working in the next release; pass them "
                      f"by keyword: {qual}({head}, {keywords})")
                kwargs.update(zip(given, extra, strict=True))
                args = args[:n_pos]
            return func(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate
