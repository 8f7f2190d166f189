"""crmlab's mark on a warehouse, and the rule for what a build may replace.

Every build writes a one-row table ``_crmlab_build`` that says which world the
warehouse holds (seed, a digest of the configuration, the crmlab version — no build
time, so building the same world again gives the same warehouse) and which tables the
build made. A later build replaces a database without asking only when everything in
it is accounted for: it is empty, or it carries this mark and holds nothing but the
tables the mark lists. Anything else — a CSV at the path of a DuckDB file, a user's
own DuckDB database, a PostgreSQL ``public`` schema with other tables, or a crmlab
warehouse to which someone added a table — is replaced only with ``overwrite=True``,
and then with a :class:`~crmlab.warehouse.errors.WarehouseOverwriteWarning` naming
what was replaced.

Examples
--------
>>> foreign_objects(["dim_date", "grades", "_crmlab_build"],
...                 {"tables": "dim_date, fact_transaction"})
['grades']
>>> replace_decision("crm.duckdb", foreign=["grades"], overwrite=True)
'replaced crm.duckdb, which held 1 object(s) crmlab did not make: grades'
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass

from .ddl import literal, quote
from .errors import WarehouseError
from .model import TRUTH_SCHEMA, WAREHOUSE_TABLES, Table

__all__ = ["MARKER_TABLE", "BuildInfo", "build_info", "crmlab_objects", "foreign_objects",
           "marker_statements", "replace_decision"]

#: The one-row table that marks a warehouse as crmlab's (in the warehouse's own schema).
MARKER_TABLE = "_crmlab_build"
#: Truth tables of warehouses built before the mark listed its tables.
_LEGACY_TRUTH = ("customers", "contacts", "invoices", "complaints", "silo_mapping", "params")
#: How many foreign names a message lists before "and N more".
_SHOWN = 8

_COLUMNS = (
    ("built_from", "TEXT", "Which world this warehouse was built from, in words."),
    ("crmlab_version", "TEXT", "Version of crmlab that built the warehouse."),
    ("seed", "BIGINT", "Seed of the world."),
    ("config_sha256", "TEXT", "sha256 of the world's configuration (canonical JSON of "
                              "WorldConfig.to_dict()): equal digests, equal configurations."),
    ("customers", "BIGINT", "Number of customers (rows of dim_customer)."),
    ("with_truth", "BOOLEAN", "Whether the hidden truth was written (schema truth)."),
    ("tables", "TEXT", "The tables this build made, comma-separated (truth tables as "
                       "truth.<name>); a rebuild replaces without --overwrite only a "
                       "database that holds nothing else."),
)


@dataclass(frozen=True)
class BuildInfo:
    """What the marker table records about a build (no wall-clock time: builds are
    deterministic).

    Attributes
    ----------
    built_from : str
        The world in words (seed, customers, history, locale).
    crmlab_version, config_sha256 : str
    seed, customers : int
    with_truth : bool
    tables : tuple of str
        Qualified names of the tables the build makes (``truth.<name>`` for the truth).
    """

    built_from: str
    crmlab_version: str
    seed: int
    config_sha256: str
    customers: int
    with_truth: bool
    tables: tuple[str, ...]

    def values(self) -> tuple:
        """The marker row, in column order."""
        return (self.built_from, self.crmlab_version, self.seed, self.config_sha256,
                self.customers, self.with_truth, ", ".join(self.tables))


def build_info(world, tables: Sequence[Table]) -> BuildInfo:
    """The marker of a build of ``world`` into ``tables``.

    Examples
    --------
    >>> import crmlab as crm
    >>> from crmlab.warehouse import star_schema
    >>> w = crm.make_world("tiny", seed=1)
    >>> info = build_info(w, star_schema(w))
    >>> info.seed, info.customers, info.with_truth, info.tables[:2]
    (1, 500, False, ('dim_date', 'dim_province'))
    >>> info == build_info(w, star_schema(w))   # deterministic
    True
    """
    from .._version import __version__

    c = world.config
    canonical = json.dumps(c.to_dict(), sort_keys=True, separators=(",", ":"), default=str)
    return BuildInfo(
        built_from=(f"crmlab world: seed {world.seed}, {len(world.customers):,} customers, "
                    f"{c.start}..{c.end}, locale {c.locale}"),
        crmlab_version=__version__,
        seed=int(world.seed),
        config_sha256=hashlib.sha256(canonical.encode()).hexdigest(),
        customers=len(world.customers),
        with_truth=any(t.schema == TRUTH_SCHEMA for t in tables),
        tables=tuple(t.qualified_name for t in tables),
    )


def marker_statements(info: BuildInfo, qualified: str) -> list[str]:
    """SQL (DuckDB and PostgreSQL) creating the marker table ``qualified`` with its row
    and its comments; values are literals, so the statements take no parameters.

    Examples
    --------
    >>> info = BuildInfo("w", "1.0", 7, "ab", 3, False, ("dim_date",))
    >>> print(marker_statements(info, '"_crmlab_build"')[1])
    INSERT INTO "_crmlab_build" VALUES ('w', '1.0', 7, 'ab', 3, FALSE, 'dim_date')
    """
    columns = ", ".join(f"{quote(name)} {kind}" for name, kind, _ in _COLUMNS)

    def sql(value) -> str:
        if isinstance(value, bool):
            return "TRUE" if value else "FALSE"
        return str(value) if isinstance(value, int) else literal(str(value))

    out = [f"CREATE TABLE {qualified} ({columns})",
           f"INSERT INTO {qualified} VALUES ({', '.join(map(sql, info.values()))})",
           f"COMMENT ON TABLE {qualified} IS " + literal(
               "Which world this warehouse was built from (crmlab). A rebuild replaces the "
               "database only while it holds nothing but the tables listed here.")]
    out.extend(f"COMMENT ON COLUMN {qualified}.{quote(name)} IS {literal(doc)}"
               for name, _, doc in _COLUMNS)
    return out


def crmlab_objects(marker: dict | None) -> frozenset[str]:
    """The qualified names crmlab made, according to a marker row (``None``: no mark).

    A mark written before it listed its tables stands for the standard tables.

    Examples
    --------
    >>> sorted(crmlab_objects({"tables": "dim_date, truth.params"}))
    ['_crmlab_build', 'dim_date', 'truth.params']
    >>> crmlab_objects(None)
    frozenset()
    >>> "truth.silo_mapping" in crmlab_objects({"built_from": "crmlab world: ..."})
    True
    """
    if marker is None:
        return frozenset()
    listed = marker.get("tables")
    if listed is None:
        names = list(WAREHOUSE_TABLES) + [f"{TRUTH_SCHEMA}.{n}" for n in _LEGACY_TRUTH]
    else:
        names = [n.strip() for n in str(listed).split(",") if n.strip()]
    return frozenset([MARKER_TABLE, *names])


def foreign_objects(present: Sequence[str], marker: dict | None) -> list[str]:
    """The names in ``present`` that crmlab did not make (sorted).

    Examples
    --------
    >>> foreign_objects(["dim_date", "notes"], None)
    ['dim_date', 'notes']
    """
    ours = crmlab_objects(marker)
    return sorted(n for n in present if n not in ours)


def _listing(names: Sequence[str]) -> str:
    shown = ", ".join(names[:_SHOWN])
    return shown + (f" and {len(names) - _SHOWN} more" if len(names) > _SHOWN else "")


def replace_decision(where: str, *, foreign: Sequence[str] = (), kind: str | None = None,
                     overwrite: bool, instead: str = "choose another file") -> str | None:
    """Whether a build may replace ``where``: raise, or return the warning to give once
    it has (``None`` when nothing foreign is replaced).

    Parameters
    ----------
    where : str
        The destination as the user knows it (a path, ``schema 'public' of URL``).
    foreign : sequence of str
        Objects in it that crmlab did not make.
    kind : str, optional
        What the destination is when it is not a database at all ("a text file ...").
    overwrite : bool
        Whether the user allowed replacing foreign things.
    instead : str
        The alternative the refusal suggests.

    Examples
    --------
    >>> replace_decision("x.duckdb", overwrite=False) is None
    True
    >>> replace_decision("x.duckdb", kind="a text file", overwrite=False)
    Traceback (most recent call last):
    ...
    crmlab.warehouse.errors.WarehouseError: x.duckdb is not a crmlab warehouse but a text file; pass overwrite=True (crmlab warehouse build --overwrite) to replace it, or choose another file
    >>> replace_decision("x.duckdb", kind="a text file", overwrite=True)
    'replaced x.duckdb, which was a text file'
    """  # noqa: E501
    allow = "pass overwrite=True (crmlab warehouse build --overwrite) to replace"
    if kind is not None:
        if not overwrite:
            raise WarehouseError(f"{where} is not a crmlab warehouse but {kind}; {allow} it, "
                                 f"or {instead}")
        return f"replaced {where}, which was {kind}"
    if not foreign:
        return None
    objects = f"{len(foreign)} object(s) crmlab did not make"
    if not overwrite:
        raise WarehouseError(f"{where} holds {objects} ({_listing(foreign)}); {allow} them, "
                             f"or {instead}")
    return f"replaced {where}, which held {objects}: {_listing(foreign)}"
