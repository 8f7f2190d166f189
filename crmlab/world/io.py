"""A world as a data package: which resources a world has, how they are documented,
and a world's parts from the tables read back.

The format itself (descriptor, hashes, atomic writes, parts, reading and verifying)
belongs to :mod:`crmlab.package`; this module only maps a world onto it. A saved
world holds::

    datapackage.json        the package descriptor, with the world's generator, seed,
                            config, currency and Faker version
    customers.csv ...       the observable tables
    silos/sales.csv ...     the separate systems' extracts
    truth/customers.csv ... the hidden truth (``truth/params`` with one row per segment)

CSV files of a ``fa_IR`` world start with a UTF-8 byte-order mark (the descriptor says
``encoding: utf-8-sig``), without which Excel shows Persian text as mojibake; other
locales' CSVs have none (pandas, R and DuckDB read both).

Reading verifies by default (see :mod:`crmlab.package`): besides the files, the
descriptor must name every resource of a world exactly once, a non-negative integer
seed and a config with exactly the fields of :class:`~crmlab.world.config.WorldConfig`
(a missing field is never filled with its default).

Nothing here imports :class:`~crmlab.world.World` (which imports this module):
:func:`read_world` returns the parts a ``World`` is made of.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd

from ..package import DESCRIPTOR, DataPackageError, TableSpec, read_resources, write_package
from .config import WorldConfig
from .params import SEGMENT_PARAMS
from .schema import (
    DATE_FIELDS,
    FOREIGN_KEYS,
    PRIMARY_KEYS,
    SILOS,
    TABLE_DOCS,
    TABLES,
    TRUTH_TABLES,
)

__all__ = ["WorldParts", "config_from_descriptor", "csv_encoding", "descriptor_fields",
           "params_frame", "read_world", "resource_names", "save_world", "table_spec",
           "world_frames"]

#: Locales whose CSVs start with a byte-order mark, so that Excel reads them as UTF-8.
_BOM_LOCALES = frozenset({"fa_IR"})
#: Synthetic data: no rights reserved.
_LICENSES = [{"name": "CC0-1.0", "title": "Synthetic data, no rights reserved"}]


def resource_names() -> list[str]:
    """Every resource of a saved world, in descriptor order.

    Examples
    --------
    >>> resource_names()[:2], resource_names()[-1]
    (['customers', 'transactions'], 'truth/params')
    """
    return [*TABLES, *(f"silos/{s}" for s in SILOS), *(f"truth/{t}" for t in TRUTH_TABLES)]


@cache
def table_spec(name: str) -> TableSpec:
    """The documentation and keys of one resource of a world (from :mod:`.schema`).

    Examples
    --------
    >>> table_spec("customers").primary_key
    'customer_id'
    """
    description, columns = TABLE_DOCS.get(name, ("", {}))
    return TableSpec(
        description=description, columns=columns,
        date_columns=frozenset(f.split(".", 1)[1] for f in DATE_FIELDS
                               if f.split(".", 1)[0] == name),
        primary_key=PRIMARY_KEYS.get(name),
        foreign_keys=tuple((col, ref, ref_col) for (table, col), (ref, ref_col)
                           in FOREIGN_KEYS.items() if table == name))


def params_frame(params: pd.DataFrame) -> pd.DataFrame:
    """``truth.params`` as stored: the segment index becomes the first column.

    Examples
    --------
    >>> import pandas as pd
    >>> params_frame(pd.DataFrame({"r": [0.2]}, index=pd.Index(["steady"], name="segment")))
      segment    r
    0  steady  0.2
    """
    return params.reset_index()


def world_frames(tables: dict[str, pd.DataFrame], silos: dict[str, pd.DataFrame],
                 truth: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Every table of a world under its resource name, in descriptor order.

    Examples
    --------
    >>> import crmlab as crm
    >>> w = crm.make_world("tiny", seed=1, n_customers=50)
    >>> list(world_frames(w.tables, w.silos, w.truth.tables)) == resource_names()
    True
    """
    frames = dict(tables)
    frames.update({f"silos/{name}": df for name, df in silos.items()})
    frames.update({f"truth/{name}": params_frame(df) if name == "params" else df
                   for name, df in truth.items()})
    return frames


def descriptor_fields(config: WorldConfig, seed: int, meta: dict[str, Any]) -> dict[str, Any]:
    """The keyword arguments of :func:`crmlab.package.descriptor_text` for a world.

    Examples
    --------
    >>> fields = descriptor_fields(WorldConfig(n_customers=500), 7, {"currency": "USD"})
    >>> fields["title"], fields["fields"]["seed"]
    ('crmlab synthetic telecom CRM world (500 customers, seed 7)', 7)
    """
    return {
        "title": f"crmlab synthetic telecom CRM world ({config.n_customers:,} "
                 f"customers, seed {seed})",
        "licenses": _LICENSES,
        "fields": {
            "generator": f"crmlab.make_world(crmlab.WorldConfig(**config), seed={seed})",
            "seed": seed,
            "config": config.to_dict(),
            "currency": meta.get("currency"),
            "faker_version": meta.get("faker_version"),
        },
    }


def csv_encoding(locale: str) -> str:
    """The encoding of a world's CSV files: with a byte-order mark for Persian.

    Examples
    --------
    >>> csv_encoding("fa_IR"), csv_encoding("en_US")
    ('utf-8-sig', 'utf-8')
    """
    return "utf-8-sig" if locale in _BOM_LOCALES else "utf-8"


def save_world(world: Any, path: str | Path, *, format: str = "csv", overwrite: bool = False,
               name: str | None = None) -> Path:
    """Write a world (anything with ``tables``, ``silos``, ``truth.tables``, ``config``,
    ``seed`` and ``meta``) as a data package; see :meth:`crmlab.World.save`.

    Examples
    --------
    >>> import tempfile
    >>> import crmlab as crm
    >>> with tempfile.TemporaryDirectory() as d:
    ...     path = save_world(crm.make_world("tiny", seed=1, n_customers=50), f"{d}/w")
    ...     (path / "truth" / "params.csv").is_file()
    True
    """
    frames = world_frames(world.tables, world.silos, world.truth.tables)
    return write_package(path, frames, specs={res: table_spec(res) for res in frames},
                         format=format, overwrite=overwrite, name=name,
                         encoding=csv_encoding(world.config.locale),
                         **descriptor_fields(world.config, world.seed, world.meta))


@dataclass
class WorldParts:
    """What a saved world is made of: ``World(tables, silos, Truth(**truth), config, seed,
    meta)``.

    Examples
    --------
    >>> import crmlab as crm
    >>> sorted(read_world(crm.datasets.dataset_path("tiny")).silos)
    ['billing', 'sales', 'service', 'web']
    """

    tables: dict[str, pd.DataFrame]
    silos: dict[str, pd.DataFrame]
    truth: dict[str, pd.DataFrame]
    config: WorldConfig
    seed: int
    meta: dict[str, Any]


def config_from_descriptor(package: dict[str, Any], desc: str | Path) -> tuple[WorldConfig, int]:
    """The config and seed a world's descriptor records, checked.

    The config must have exactly the fields of :class:`WorldConfig` (none missing, none
    unknown) with valid values, and the seed must be an integer >= 0.

    Raises
    ------
    DataPackageError
        Naming the descriptor ``desc`` and what is wrong.

    Examples
    --------
    >>> try:
    ...     config_from_descriptor({"config": {"n_customers": 5}, "seed": 1}, "d.json")
    ... except DataPackageError as exc:
    ...     print(str(exc)[:52])
    d.json: config fields do not match WorldConfig (miss
    """
    config, seed = package.get("config"), package.get("seed")
    if not isinstance(config, dict):
        raise DataPackageError(f"{desc}: 'config' must be an object with the WorldConfig "
                               f"fields; got {type(config).__name__}")
    known = [f.name for f in dataclasses.fields(WorldConfig)]
    missing = [k for k in known if k not in config]
    unknown = sorted(set(config) - set(known))
    if missing or unknown:
        what = "; ".join(part for part in (
            f"missing {missing}" if missing else "", f"unknown {unknown}" if unknown else "")
            if part)
        raise DataPackageError(f"{desc}: config fields do not match WorldConfig ({what}); a "
                               "world package records every field")
    try:
        cfg = WorldConfig.from_dict(config, complete=True)
    except (ValueError, TypeError) as exc:
        raise DataPackageError(f"{desc}: config is not valid: {exc}") from None
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise DataPackageError(f"{desc}: 'seed' must be an integer >= 0; got {seed!r}")
    return cfg, seed


def read_world(path: str | Path, *, verify: bool = True) -> WorldParts:
    """Read a saved world's tables, config, seed and metadata.

    Parameters
    ----------
    path : str or Path
        A world's data package folder.
    verify : bool, default=True
        Check every file's size and sha256 and every table's row count and primary key
        (see :mod:`crmlab.package`); ``False`` skips these passes over the data.

    Raises
    ------
    DataPackageError
        Naming the file and what is wrong with it.

    Examples
    --------
    >>> import crmlab as crm
    >>> parts = read_world(crm.datasets.dataset_path("tiny"))
    >>> len(parts.tables["customers"]), parts.seed
    (500, 42)
    """
    root = Path(path)
    package, frames = read_resources(root, verify=verify, require=("config", "seed"))
    config, seed = config_from_descriptor(package, root / DESCRIPTOR)
    expected = resource_names()
    if list(frames) != expected:
        missing = [n for n in expected if n not in frames]
        unknown = [n for n in frames if n not in expected]
        detail = (f"missing {missing}" if missing else f"unknown {unknown}" if unknown
                  else "in another order")
        raise DataPackageError(f"{root / DESCRIPTOR}: resources are not those of a world "
                               f"({detail})")
    if "segment" not in frames["truth/params"].columns:
        raise DataPackageError(f"{root / DESCRIPTOR}: resource 'truth/params' has no "
                               "'segment' column")
    tables: dict[str, pd.DataFrame] = {}
    silos: dict[str, pd.DataFrame] = {}
    truth: dict[str, pd.DataFrame] = {}
    for name, df in frames.items():
        if name.startswith("silos/"):
            silos[name.split("/", 1)[1]] = df
        elif name.startswith("truth/"):
            truth[name.split("/", 1)[1]] = df
        else:
            tables[name] = df
    params = truth.pop("params").set_index("segment")
    params.index = params.index.astype(object)
    truth["params"] = params.reindex(SEGMENT_PARAMS.index)
    meta = {"currency": package.get("currency"), "faker_version": package.get("faker_version"),
            "crmlab_version": package.get("crmlab_version"), "path": str(root)}
    return WorldParts(tables, silos, truth, config, seed, meta)
