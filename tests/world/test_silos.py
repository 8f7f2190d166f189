"""Fast paths of the silo generator give what the general ones give."""

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from crmlab.world.processes import silos


def _large(values):
    return pa.array(values, type=pa.large_string())


def test_usernames_match_split():
    emails = _large(["ann.lee42@example.com", "@x", "b@", "noat", "a@b@c", "ü@ü"])
    expected = pc.list_element(pc.split_pattern(emails, "@", max_splits=1), 0)
    assert silos._usernames(emails).equals(expected)  # general path (not one "@" each)
    one = _large(["ann.lee42@example.com", "@x", "b@", "ü@ü"]).slice(1)
    assert silos._usernames(one).equals(
        pc.list_element(pc.split_pattern(one, "@", max_splits=1), 0))


def test_upper_matches_utf8_upper():
    for values in (["smith", "o'neil", ""], ["müller", "ß"]):
        strings = _large(values)
        assert silos._upper(strings).equals(pc.utf8_upper(strings))


def test_ascii_typos_match_code_point_typos():
    rng = np.random.default_rng(3)
    names = _large(["Ann", "Bo", "Christopher", "Eve", "Li", "Maximilian"] * 50)
    at = np.arange(len(names))
    typos = silos._Typos(at, rng.integers(0, 3, len(at)), rng.random(len(at)))
    pool, index, changed = silos._typos(names, at, typos)
    before = np.asarray(names.to_pylist(), dtype=str)
    after = silos._typo_strings(before, typos.op, typos.u)
    assert pc.take(pool, pa.array(index)).to_pylist() == after.tolist()
    assert changed.tolist() == (after != before).tolist()


def test_pick_rearranges_columns():
    chars = np.frombuffer(b"+1 415 555 0123+1 212 000 9999", np.uint8).reshape(2, -1)
    digits = np.flatnonzero(chars[0] != ord(" "))[1:]  # "+" is column 0
    sales = silos._pick(chars, b"(", digits[1:4], b") ", digits[4:7], b"-", digits[7:])
    assert [bytes(r) for r in sales] == [b"(415) 555-0123", b"(212) 000-9999"]
    assert [bytes(r) for r in silos._pick(chars, digits[1:])] == [b"4155550123", b"2120009999"]
