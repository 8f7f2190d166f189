"""The event kernels give exactly their plain references (``np.lexsort``,
``np.argsort(kind="stable")``, ``np.repeat``), on every branch: the probe of the first
events, the slices after it, the merge of a few sorted runs kept or rejected, the sort by
one float key with and without ties, the fall back to lexsort, and the radix, merge and
unstable sorts of :func:`stable_argsort`. Each runs with the kernels' real sizes and with
their probe and slice sizes shrunk (the ``kernel_sizes`` fixture), and on 20,000 rows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crmlab.world._kernels import events
from crmlab.world._kernels.events import repeat_index, sort_events, stable_argsort

PROPERTY = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])
LARGE = settings(max_examples=20, deadline=None,
                 suppress_health_check=[HealthCheck.function_scoped_fixture,
                                        HealthCheck.too_slow])
BIG = 20_000  # more than one 16,384-row slice after the 512-row probe


# --- inputs ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Events:
    """How to draw events: customers, days, order, tie-breaker, customer dtype."""

    seed: int
    customers: int  # distinct customer indices
    days: str  # "few" (many exact ties), "spread", "nan", "huge" (key too wide)
    runs: int  # 0: any order; k: k runs, each sorted by customer then day
    mess: str | None  # a day out of order in a run: at the "first" or "last" customer
    then: bool
    cust: str  # "int64", "int32", "uint16", "negative", "float"

    def draw(self, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        rng = np.random.default_rng(self.seed)
        cust = rng.integers(0, self.customers, n)
        if self.days == "few":
            day = rng.choice([0.0, 0.5, 1.0, 1.0 + 1e-12, 3.0, 7.25], n)
        elif self.days == "huge":
            day = rng.random(n) * 1e13
        else:
            day = np.round(rng.random(n) * 1000, 3)
            if self.days == "nan" and n:
                day[rng.integers(0, n, max(1, n // 50))] = np.nan
        then = rng.integers(0, 3, n) if self.then else None
        if self.runs:
            cuts = np.sort(rng.integers(0, n + 1, self.runs - 1))
            for run in np.split(np.arange(n), cuts):
                keys = (day[run], cust[run]) if then is None else (then[run], day[run], cust[run])
                order = run[np.lexsort(keys)]
                cust[run], day[run] = cust[order], day[order]
                if then is not None:
                    then[run] = then[order]
            if self.mess and n and not np.isnan(day).all():
                # the first or last customer's event of the last run goes before its
                # events in the earlier runs: the merge of runs is then not sorted
                target = cust.min() if self.mess == "first" else cust.max()
                rows = np.flatnonzero(cust == target)
                day[rows[-1]] = np.nanmin(day) - 1.0
        if self.cust == "negative":
            cust = cust - self.customers // 2
        elif self.cust == "float":
            cust = cust.astype(float)
        else:
            cust = cust.astype(self.cust)
        return cust, day, then


events_spec = st.builds(
    Events,
    seed=st.integers(0, 2**32 - 1),
    customers=st.sampled_from([1, 2, 7, 300, 70_000]),
    days=st.sampled_from(["few", "spread", "nan", "huge"]),
    runs=st.sampled_from([0, 1, 2, 3, 7, 8, 30]),
    mess=st.sampled_from([None, "first", "last"]),
    then=st.booleans(),
    cust=st.sampled_from(["int64", "int32", "uint16", "negative", "float"]),
)


def lexsort(cust, day, then) -> list[int]:
    return np.lexsort((day, cust) if then is None else (then, day, cust)).tolist()


# --- sort_events: properties ---------------------------------------------------------------

@PROPERTY
@given(spec=events_spec, n=st.integers(0, 120))
def test_sort_events_is_lexsort(kernel_sizes, spec, n):
    cust, day, then = spec.draw(n)
    assert sort_events(cust, day, then).tolist() == lexsort(cust, day, then)


@LARGE
@given(spec=events_spec)
def test_sort_events_is_lexsort_on_20000_rows(spec):
    cust, day, then = spec.draw(BIG)
    assert sort_events(cust, day, then).tolist() == lexsort(cust, day, then)


@st.composite
def listed_events(draw):
    """Short lists of events drawn element by element (hypothesis shrinks these well)."""
    n = draw(st.integers(0, 60))
    cust = np.array(draw(st.lists(st.integers(0, 6), min_size=n, max_size=n)), dtype=np.int64)
    days = st.sampled_from([0.0, 0.5, 1.0, 1.0 + 1e-12, 3.0, 7.25, 1e9, np.nan])
    day = np.array(draw(st.lists(days, min_size=n, max_size=n)), dtype=float)
    if draw(st.booleans()):  # a few runs, each grouped by customer with ascending days
        cut = draw(st.integers(0, n))
        for part in (slice(0, cut), slice(cut, n)):
            order = np.lexsort((day[part], cust[part]))
            cust[part], day[part] = cust[part][order], day[part][order]
    then = (np.array(draw(st.lists(st.integers(0, 2), min_size=n, max_size=n)))
            if draw(st.booleans()) else None)
    return cust, day, then


@PROPERTY
@given(ev=listed_events())
def test_sort_events_is_lexsort_on_listed_events(kernel_sizes, ev):
    cust, day, then = ev
    assert sort_events(cust, day, then).tolist() == lexsort(cust, day, then)


# --- sort_events: each branch, seen taken ----------------------------------------------------

@pytest.fixture
def spy(monkeypatch):
    """Record the merge-of-runs checks (each slice's verdict) and every lexsort."""
    seen = {"slices": [], "lexsort": []}
    real_slice, real_lexsort = events._ascending_slice, np.lexsort

    def ascending_slice(order, cust, day, then):
        verdict = real_slice(order, cust, day, then)
        seen["slices"].append((len(order), verdict))
        return verdict

    def lexsort_(keys, *args, **kwargs):
        seen["lexsort"].append(len(keys[0]))
        return real_lexsort(keys, *args, **kwargs)

    monkeypatch.setattr(events, "_ascending_slice", ascending_slice)
    monkeypatch.setattr(np, "lexsort", lexsort_)
    return seen


def _runs(n: int, runs: int, seed: int = 1) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``runs`` runs of events, each sorted by customer then day, run ``r`` on days
    ``[1000 r, 1000 r + 1000)``: their merge by customer is sorted. Also each event's
    run."""
    rng = np.random.default_rng(seed)
    run = np.sort(rng.integers(0, runs, n))
    cust = rng.integers(0, max(2, n // 8), n)
    day = np.round(rng.random(n) * 1000, 3) + 1000.0 * run
    order = np.lexsort((day, cust, run))
    return cust[order], day[order], run[order]


def _check(spy, cust, day, then=None) -> None:
    """sort_events is lexsort, and the spy saw only what sort_events did."""
    want = lexsort(cust, day, then)
    spy["slices"].clear()
    spy["lexsort"].clear()
    assert sort_events(cust, day, then).tolist() == want


@pytest.mark.parametrize("n", [60, BIG])
def test_a_merge_of_few_sorted_runs_is_kept(kernel_sizes, spy, n):
    cust, day, _ = _runs(n, 3)
    _check(spy, cust, day)
    assert spy["slices"] and all(verdict for _, verdict in spy["slices"])
    # the probe, then every slice after it
    probe, rows = kernel_sizes["probe"], kernel_sizes["slice"]
    assert len(spy["slices"]) == 1 + max(0, -(-(n - 1 - probe) // rows))
    assert spy["lexsort"] == []


def test_already_sorted_events_are_kept_without_a_sort(kernel_sizes, spy, monkeypatch):
    cust, day, _ = _runs(BIG, 1)
    monkeypatch.setattr(np, "argsort", lambda *a, **k: pytest.fail("sorted again"))
    assert sort_events(cust, day).tolist() == list(range(BIG))
    assert spy["slices"] and all(verdict for _, verdict in spy["slices"])


@pytest.mark.parametrize("n", [60, BIG])
def test_a_merge_of_runs_out_of_order_in_the_probe_is_rejected(kernel_sizes, spy, n):
    cust, day, run = _runs(n - 2, 3)
    # a new first customer with two events: at the start of the first run, and at the
    # start of the last run but earlier (each run stays sorted, their merge does not)
    at = np.flatnonzero(run == 2)[0]
    cust = np.concatenate([[0], cust[:at] + 1, [0], cust[at:] + 1])
    day = np.concatenate([[5.0], day[:at], [-1.0], day[at:]])
    _check(spy, cust, day)
    assert [verdict for _, verdict in spy["slices"]] == [False]  # the probe said no


@pytest.mark.parametrize("n", [60, BIG])
def test_a_merge_of_runs_out_of_order_in_a_later_slice_is_rejected(kernel_sizes, spy, n):
    cust, day, run = _runs(n, 3)
    last = np.flatnonzero((cust == cust.max()) & (run == 0))[-1]
    day[last] = 5_000.0  # the last customer's last event of the first run: too late
    _check(spy, cust, day)
    verdicts = [verdict for _, verdict in spy["slices"]]
    if n - 1 <= kernel_sizes["probe"]:
        assert verdicts == [False]  # the probe is every event
    else:
        assert verdicts[0] and not verdicts[-1] and len(verdicts) >= 2
    if n == BIG and kernel_sizes["slice"] == 16_384:
        assert len(verdicts) == 3  # the probe, the first full slice, the second


def test_a_day_out_of_order_at_the_start_rules_the_merge_out_unsorted(spy):
    cust, day, _ = _runs(BIG, 3)
    day[1], cust[1] = day[0] - 1.0, cust[0]  # one customer, its days descending
    _check(spy, cust, day)
    assert spy["slices"] == []  # seen before any sort: no candidate checked


@pytest.mark.parametrize("runs", [events._FEW_RUNS + 1, 50])
def test_many_runs_are_sorted_by_one_key(spy, runs):
    cust, day, _ = _runs(BIG, runs)
    assert np.count_nonzero(cust[1:] < cust[:-1]) >= events._FEW_RUNS
    _check(spy, cust, day)
    assert spy["slices"] == [] and spy["lexsort"] == []  # no ties among spread days


@pytest.mark.parametrize("with_then", [False, True])
def test_ties_of_the_key_are_sorted_again_among_themselves(kernel_sizes, spy, with_then):
    rng = np.random.default_rng(3)
    cust = rng.integers(0, 50, BIG)
    day = rng.choice([0.0, 1.0, 2.5], BIG)  # exact ties everywhere
    then = rng.integers(0, 4, BIG) if with_then else None
    _check(spy, cust, day, then)
    assert len(spy["lexsort"]) == 1 and spy["lexsort"][0] <= BIG  # only the tied events
    # days closer than the key's rounding tie too
    day = 1e6 + rng.integers(0, 3, BIG) * 1e-10
    _check(spy, cust, day, then)
    assert len(spy["lexsort"]) == 1


@pytest.mark.parametrize("case", ["nan", "float customers", "wide key", "negative"])
def test_what_the_key_cannot_order_goes_to_lexsort(spy, case):
    rng = np.random.default_rng(4)
    cust = rng.integers(0, 1_000, BIG)
    day = rng.random(BIG) * 1000
    if case == "nan":
        day[7] = np.nan
    elif case == "float customers":
        cust = cust.astype(float)
    elif case == "wide key":
        day = rng.random(BIG) * 1e12  # customer x span beyond 2**40
    else:
        cust = cust - 2**31  # large negative customer indices: too wide as well
    _check(spy, cust, day)
    assert spy["lexsort"] == [BIG]


@pytest.mark.parametrize("n", [0, 1])
def test_no_events_or_one_event(n):
    assert sort_events(np.zeros(n, np.int64), np.zeros(n)).tolist() == list(range(n))


# --- stable_argsort ----------------------------------------------------------------------

@PROPERTY
@given(values=st.lists(st.integers(0, 7), max_size=80), as_float=st.booleans())
def test_stable_argsort_is_numpy_stable(values, as_float):
    a = np.array(values, dtype=float if as_float else np.int64)
    if as_float and len(a):
        a[::7] = np.nan  # ties and NaN
    assert stable_argsort(a).tolist() == np.argsort(a, kind="stable").tolist()


values_spec = st.tuples(
    st.integers(0, 2**32 - 1),  # seed
    st.sampled_from(["int64", "int32", "uint16", "uint64", "int8", "float64", "float32",
                     "bool", "datetime64[s]"]),
    st.sampled_from([1, 3, 255, 65_535, 65_536, 2**40]),  # value range: beyond 16 bits too
    st.sampled_from([0, 1, 5, 8, 40]),  # sorted runs (0: any order)
    st.booleans(),  # negative values
    st.booleans(),  # NaN (floats)
)


def _values(spec, n: int) -> np.ndarray:
    seed, dtype, high, runs, negative, nan = spec
    rng = np.random.default_rng(seed)
    a = rng.integers(0, high, n)
    if runs:
        for run in np.array_split(np.arange(n), runs):
            a[run] = np.sort(a[run])
    if negative:
        a -= high // 2
    if dtype.startswith("float"):
        a = a + rng.random(n) * (rng.random() < 0.5)  # distinct values or ties
        if nan and n:
            a[rng.integers(0, n)] = np.nan
    elif dtype == "bool":
        return a % 2 == 0
    elif dtype.startswith("datetime"):
        return a.astype("datetime64[s]")
    with np.errstate(over="ignore"):
        return a.astype(dtype)


@PROPERTY
@given(spec=values_spec, n=st.integers(0, 120))
def test_stable_argsort_is_numpy_stable_on_every_kind(spec, n):
    a = _values(spec, n)
    assert stable_argsort(a).tolist() == np.argsort(a, kind="stable").tolist()


@LARGE
@given(spec=values_spec)
def test_stable_argsort_is_numpy_stable_on_20000_rows(spec):
    a = _values(spec, BIG)
    assert stable_argsort(a).tolist() == np.argsort(a, kind="stable").tolist()


@pytest.fixture
def sorts(monkeypatch):
    """Record every np.argsort: (dtype, kind)."""
    seen = []
    real = np.argsort

    def argsort(a, *args, **kwargs):
        seen.append((np.asarray(a).dtype, kwargs.get("kind")))
        return real(a, *args, **kwargs)

    monkeypatch.setattr(np, "argsort", argsort)
    return seen


def _stable(a) -> list[int]:
    return np.argsort(a, kind="stable").tolist()


@pytest.mark.parametrize(("case", "expected"), [
    ("16 bits, many runs", [(np.dtype(np.uint16), "stable")]),
    ("few runs", [(np.dtype(np.int64), "stable")]),
    ("negative", [(np.dtype(np.int64), "stable")]),
    ("beyond 16 bits", [(np.dtype(np.int64), "stable")]),
    ("distinct floats", [(np.dtype(float), None)]),
    ("tied floats", [(np.dtype(float), None), (np.dtype(float), "stable")]),
    ("nan", [(np.dtype(float), None), (np.dtype(float), "stable")]),
])
def test_stable_argsort_chooses_its_sort(sorts, case, expected):
    rng = np.random.default_rng(5)
    a = {
        "16 bits, many runs": rng.integers(0, 65_536, BIG),
        "few runs": np.concatenate([np.sort(rng.integers(0, 9, BIG // 2))] * 2),
        "negative": rng.integers(-5, 60_000, BIG),
        "beyond 16 bits": rng.integers(0, 65_537, BIG) + np.arange(BIG) % 2 * 65_536,
        "distinct floats": rng.permutation(BIG) / 7.0,
        "tied floats": rng.integers(0, 100, BIG) / 7.0,
        "nan": np.where(np.arange(BIG) == 3, np.nan, rng.permutation(BIG) / 7.0),
    }[case]
    want = _stable(a)
    sorts.clear()
    assert stable_argsort(a).tolist() == want
    assert sorts == expected


@pytest.mark.parametrize("n", [0, 1])
def test_stable_argsort_of_nothing_or_one_value(n):
    assert stable_argsort(np.zeros(n, np.int64)).tolist() == list(range(n))
    assert stable_argsort(np.zeros(n)).tolist() == list(range(n))


# --- repeat_index ------------------------------------------------------------------------

@PROPERTY
@given(counts=st.lists(st.integers(0, 6), max_size=60))
def test_repeat_index_is_repeat_and_rank(counts):
    owner, rank = repeat_index(np.array(counts, dtype=np.int64))
    assert owner.tolist() == np.repeat(np.arange(len(counts)), counts).tolist()
    assert rank.tolist() == [r for c in counts for r in range(c)]


def test_repeat_index_on_20000_events():
    counts = np.random.default_rng(6).integers(0, 4, BIG // 2)
    owner, rank = repeat_index(counts)
    assert len(owner) == counts.sum() > BIG // 2
    assert owner.tolist() == np.repeat(np.arange(len(counts)), counts).tolist()
    assert rank.tolist() == [r for c in counts.tolist() for r in range(c)]
