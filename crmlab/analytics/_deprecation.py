"""Decorators that keep an old calling convention working for one release, with a warning.

When a public function changes how it is called, old code keeps running for one release
and is told the new spelling by a :class:`DeprecationWarning`:

* :func:`keyword_only_after` -- arguments that used to be positional are now
  keyword-only (``summarize_transactions(df, "id", "ts")`` becomes
  ``summarize_transactions(df, customer_col="id", time_col="ts")``);
* :func:`renamed_kwargs` -- a keyword argument got a new name (``seed=`` becomes
  ``random_state=``).

The decorated function is written with its *new* signature; the decorator only
translates old calls into new ones, so removing it later removes the old spelling and
changes nothing else. ``inspect.signature`` and ``help()`` show the new signature.
"""

from __future__ import annotations

import functools
import inspect
import reprlib
import warnings
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

__all__ = ["keyword_only_after", "renamed_kwargs"]

F = TypeVar("F", bound=Callable[..., Any])

_short = reprlib.Repr()
_short.maxstring = 40
_short.maxother = 40


def _when(since: str | None) -> str:
    return "" if since is None else f" since crmlab {since}"


def keyword_only_after(last_positional: str, *, since: str | None = None,
                       formerly: Sequence[str] | None = None) -> Callable[[F], F]:
    """Accept, with a :class:`DeprecationWarning`, positional values for keyword-only arguments.

    Decorate a function whose signature already has the new, keyword-only form. A call
    with more positional arguments than the parameters up to ``last_positional`` has the
    extra values moved to the keyword-only parameters they used to fill (in order), and
    warns with the spelling to use instead.

    Parameters
    ----------
    last_positional : str
        The last parameter that stays positional.
    since : str, optional
        The crmlab version that deprecated the positional use (named in the warning).
    formerly : sequence of str, optional
        The keyword-only parameters that used to be positional, in their old order.
        Default: every keyword-only parameter, in signature order.

    Returns
    -------
    callable
        A decorator.

    Raises
    ------
    ValueError
        At decoration time, if ``last_positional`` is not a positional parameter or a
        name in ``formerly`` is not a keyword-only parameter of the function.

    Examples
    --------
    >>> import warnings
    >>> @keyword_only_after("df", since="0.2")
    ... def count(df, *, customer_col="customer_id"):
    ...     return f"{df}: {customer_col}"
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     count("log", "client")
    'log: client'
    >>> print(caught[0].message)  # doctest: +NORMALIZE_WHITESPACE
    Passing customer_col to count() by position is deprecated since crmlab 0.2 and will
    stop working in the next release; write count(..., customer_col='client').
    """

    def decorate(func: F) -> F:
        params = list(inspect.signature(func).parameters.values())
        positional = [p.name for p in params
                      if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        keyword_only = [p.name for p in params if p.kind is p.KEYWORD_ONLY]
        name = func.__qualname__
        if last_positional not in positional:
            raise ValueError(f"{last_positional!r} is not a positional parameter of {name}(); "
                             f"its positional parameters are {positional}")
        n_positional = positional.index(last_positional) + 1
        moved = tuple(keyword_only if formerly is None else formerly)
        unknown = [n for n in moved if n not in keyword_only]
        if unknown:
            raise ValueError(f"{unknown} are not keyword-only parameters of {name}(); "
                             f"its keyword-only parameters are {keyword_only}")

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if len(args) > n_positional:
                extra = args[n_positional:]
                if len(extra) > len(moved):
                    raise TypeError(f"{name}() takes at most {n_positional + len(moved)} "
                                    f"positional arguments but {len(args)} were given")
                given = moved[:len(extra)]
                twice = [n for n in given if n in kwargs]
                if twice:
                    raise TypeError(f"{name}() got multiple values for argument {twice[0]!r}")
                spelled = ", ".join(f"{n}={_short.repr(v)}" for n, v in zip(given, extra,
                                                                             strict=True))
                warnings.warn(f"Passing {', '.join(given)} to {name}() by position is "
                              f"deprecated{_when(since)} and will stop working in the next "
                              f"release; write {name}(..., {spelled}).",
                              DeprecationWarning, stacklevel=2)
                kwargs.update(zip(given, extra, strict=True))
                args = args[:n_positional]
            return func(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate


def renamed_kwargs(*, since: str | None = None, **renames: str) -> Callable[[F], F]:
    """Accept, with a :class:`DeprecationWarning`, the old names of renamed keyword arguments.

    Parameters
    ----------
    since : str, optional
        The crmlab version that renamed the arguments (named in the warning).
    **renames : str
        ``old_name="new_name"`` for each renamed argument; the function's signature has
        the new names.

    Returns
    -------
    callable
        A decorator; it raises ValueError when applied to a function that lacks a new
        name or still has an old one.

    Examples
    --------
    >>> import warnings
    >>> @renamed_kwargs(seed="random_state", since="0.2")
    ... def draw(n, *, random_state=None):
    ...     return n, random_state
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     draw(3, seed=7)
    (3, 7)
    >>> print(caught[0].message)  # doctest: +NORMALIZE_WHITESPACE
    draw(seed=...) is deprecated since crmlab 0.2 and will stop working in the next
    release; write draw(random_state=...).
    """

    def decorate(func: F) -> F:
        names = set(inspect.signature(func).parameters)
        name = func.__qualname__
        missing = sorted(set(renames.values()) - names)
        if missing:
            raise ValueError(f"{missing} are not parameters of {name}(); its parameters are "
                             f"{sorted(names)}")
        clash = sorted(set(renames) & names)
        if clash:
            raise ValueError(f"{clash} are still parameters of {name}(); only names the "
                             "function no longer has can be renamed")

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            for old in sorted(renames.keys() & kwargs.keys()):
                new = renames[old]
                if new in kwargs:
                    raise TypeError(f"{name}() got both {old}= (its old name) and {new}=; "
                                    f"give only {new}=")
                warnings.warn(f"{name}({old}=...) is deprecated{_when(since)} and will stop "
                              f"working in the next release; write {name}({new}=...).",
                              DeprecationWarning, stacklevel=2)
                kwargs[new] = kwargs.pop(old)
            return func(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate
