"""Same seed, same bytes; blocks are independent of how they are scheduled."""

from __future__ import annotations

import pandas.testing as pdt
import pytest

import crmlab as crm
from crmlab.package import file_sha256
from crmlab.world._parallel.assembly import WorldAssembler
from crmlab.world.pipeline import generate_block, world_tables
from crmlab.world.world import World

SMALL = crm.WorldConfig(n_customers=700, start="2023-01-01", end="2024-06-30", block_size=250)


def _hashes(root):
    return {p.relative_to(root).as_posix(): file_sha256(p)
            for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_same_seed_gives_byte_identical_files(tmp_path, fmt):
    a = crm.make_world(SMALL, seed=11).save(tmp_path / "a", format=fmt)
    b = crm.make_world(SMALL, seed=11).save(tmp_path / "b", format=fmt)
    ha, hb = _hashes(a), _hashes(b)
    ha.pop("datapackage.json")
    hb.pop("datapackage.json")
    assert ha == hb and len(ha) > 20


def test_datapackage_differs_only_by_name(tmp_path):
    a = crm.make_world(SMALL, seed=11).save(tmp_path / "x" / "w")
    b = crm.make_world(SMALL, seed=11).save(tmp_path / "y" / "w")
    assert (a / "datapackage.json").read_bytes() == (b / "datapackage.json").read_bytes()


def test_different_seed_gives_different_data():
    a, b = crm.make_world(SMALL, seed=1), crm.make_world(SMALL, seed=2)
    assert not a.transactions["amount"].equals(b.transactions["amount"])
    assert not a.customers["last_name"].equals(b.customers["last_name"])


def test_blocks_in_any_order_equal_one_call():
    whole = crm.make_world(SMALL, seed=5)
    wt = world_tables(SMALL, 5)
    blocks = {b: generate_block(SMALL, 5, b, wt) for b in reversed(range(SMALL.n_blocks))}
    assembler = WorldAssembler(SMALL.n_blocks)
    for b, block in blocks.items():  # the assembler stacks them in block order
        assembler.add(b, block)
    rebuilt = World.from_frames(SMALL, 5, wt, assembler.frames())
    for name, table in whole.tables.items():
        pdt.assert_frame_equal(table, rebuilt.tables[name], obj=name)
    for name, table in whole.truth.tables.items():
        pdt.assert_frame_equal(table, rebuilt.truth.tables[name], obj=f"truth.{name}")
    for name, table in whole.silos.items():
        pdt.assert_frame_equal(table, rebuilt.silos[name], obj=f"silos.{name}")


def test_a_block_does_not_depend_on_the_world_size():
    """Block 0 of a 500-customer world equals block 0 of a 750-customer world."""
    small = SMALL.replace(n_customers=500)
    big = SMALL.replace(n_customers=750)
    a = generate_block(small, 3, 0, world_tables(small, 3))
    b = generate_block(big, 3, 0, world_tables(big, 3))
    for name, table in a.tables.items():
        pdt.assert_frame_equal(table, b.tables[name], obj=name)


def test_block_index_is_checked():
    with pytest.raises(ValueError, match=r"block must be in \[0, 2\]"):
        generate_block(SMALL, 1, 3, world_tables(SMALL, 1))


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_save_load_round_trip(tmp_path, tiny_world, fmt):
    path = tiny_world.save(tmp_path / "w", format=fmt)
    back = World.load(path, verify=True)
    assert back.config == tiny_world.config and back.seed == tiny_world.seed
    for name, table in tiny_world.tables.items():
        pdt.assert_frame_equal(table, back.tables[name], obj=name)
    for name, table in tiny_world.truth.tables.items():
        pdt.assert_frame_equal(table, back.truth.tables[name], obj=f"truth.{name}",
                               check_index_type=False)
    for name, table in tiny_world.silos.items():
        pdt.assert_frame_equal(table, back.silos[name], obj=f"silos.{name}")
