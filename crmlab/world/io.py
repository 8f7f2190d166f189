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

Nothing here imports :class:`~crmlab.world.World` (which imports this module):
:func:`read_world` returns the parts a ``World`` is made of.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd

from ..package import TableSpec, read_resources, write_package
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

__all__ = ["WorldParts", "descriptor_fields", "params_frame", "read_world", "resource_names",
           "save_world", "table_spec", "world_frames"]

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
    """``truth.params`` as stored: the segment index becomes the first column."""
    return params.reset_index()


def world_frames(tables: dict[str, pd.DataFrame], silos: dict[str, pd.DataFrame],
                 truth: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Every table of a world under its resource name, in descriptor order."""
    frames = dict(tables)
    frames.update({f"silos/{name}": df for name, df in silos.items()})
    frames.update({f"truth/{name}": params_frame(df) if name == "params" else df
                   for name, df in truth.items()})
    return frames


def descriptor_fields(config: WorldConfig, seed: int, meta: dict[str, Any]) -> dict[str, Any]:
    """The keyword arguments of :func:`crmlab.package.descriptor_text` for a world."""
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


def save_world(world: Any, path: str | Path, *, format: str = "csv", overwrite: bool = False,
               name: str | None = None) -> Path:
    """Write a world (anything with ``tables``, ``silos``, ``truth.tables``, ``config``,
    ``seed`` and ``meta``) as a data package; see :meth:`crmlab.World.save`."""
    frames = world_frames(world.tables, world.silos, world.truth.tables)
    return write_package(path, frames, specs={res: table_spec(res) for res in frames},
                         format=format, overwrite=overwrite, name=name,
                         **descriptor_fields(world.config, world.seed, world.meta))


@dataclass
class WorldParts:
    """What a saved world is made of: ``World(tables, silos, Truth(**truth), config, seed,
    meta)``."""

    tables: dict[str, pd.DataFrame]
    silos: dict[str, pd.DataFrame]
    truth: dict[str, pd.DataFrame]
    config: WorldConfig
    seed: int
    meta: dict[str, Any]


def read_world(path: str | Path, *, verify: bool = False) -> WorldParts:
    """Read a saved world's tables, config, seed and metadata.

    Examples
    --------
    >>> import crmlab as crm
    >>> parts = read_world(crm.datasets.dataset_path("tiny"))
    >>> len(parts.tables["customers"]), parts.seed
    (500, 42)
    """
    root = Path(path)
    package, frames = read_resources(root, verify=verify, require=("config", "seed"))
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
    return WorldParts(tables, silos, truth, WorldConfig.from_dict(package["config"]),
                      int(package["seed"]), meta)
