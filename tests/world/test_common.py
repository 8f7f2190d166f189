"""Marketing's fast paths give exactly what the plain numpy way gives.

The kernels' own property tests are in ``test_kernels_*.py``."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st


@st.composite
def events(draw):
    n = draw(st.integers(0, 60))
    cust = np.array(draw(st.lists(st.integers(0, 6), min_size=n, max_size=n)), dtype=np.int64)
    # few distinct days, so exact ties are common; NaN and huge values too
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


@settings(max_examples=200, deadline=None)
@given(events(), st.floats(-1.0, 10.0), st.floats(0.0, 8.0))
def test_purchase_history_matches_masks(ev, t, lookback):
    from crmlab.world.processes.marketing import _History

    cust, day, _ = ev
    day = np.nan_to_num(day, nan=2.0)
    amount = np.linspace(0.1, 9.7, len(cust)) ** 2  # sums that depend on their order
    n = 7
    whole = np.floor(t - lookback), np.floor(t)
    # days not asked about beforehand (masks), asked (buckets), and asked whole days
    # (buckets looked up in a table of days)
    for (lo, hi), bounds in (((t - lookback, t), ()), ((t - lookback, t), (t - lookback, t)),
                             (whole, whole)):
        history = _History(cust, day, amount, n, bounds=bounds)
        inside = (day >= lo) & (day < hi)
        count, total = history.window(lo, hi)
        assert count.tolist() == np.bincount(cust[inside], minlength=n).tolist()
        # bit-identical, not just close: the data must not change
        assert total.tolist() == np.bincount(cust[inside], weights=amount[inside],
                                             minlength=n).tolist()
        last = np.full(n, -np.inf)
        np.maximum.at(last, cust[day < hi], day[day < hi])
        assert history.last_before(hi).tolist() == last.tolist()


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from([0.0, -0.0, 0.3, 1.0, 2.5]),
                          st.sampled_from([0.1, 0.2, 0.7])), max_size=40),
       st.floats(0.0, 1.0))
def test_call_list_is_the_head_of_a_lexsort(rows, share):
    from crmlab.world.processes.marketing import _call_list

    score = np.array([r[0] for r in rows], dtype=float)
    noise = np.array([r[1] for r in rows], dtype=float)  # ties too, unlike real draws
    k = int(np.ceil(share * len(rows)))
    want = np.lexsort((noise, -score))[:k]
    assert _call_list(score, noise, k).tolist() == want.tolist()


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 5), st.sampled_from([1.0, 2.0, 2.5, 4.0]),
                          st.booleans()), max_size=40))
def test_loyalty_event_order_is_sort_events(rows):
    from crmlab.world._kernels.events import sort_events
    from crmlab.world.processes.marketing import _event_order

    # members 0..5 join on day 0; earnings (False) and redemptions (True) after, with
    # same-day ties between and within the kinds
    n = 7
    joined = np.arange(6)
    cust = np.array([r[0] for r in rows], dtype=np.int64)
    day = np.array([r[1] for r in rows], dtype=float)
    redeem = np.array([r[2] for r in rows], dtype=bool)
    e = sort_events(cust[~redeem], day[~redeem])
    e_cust, e_day = cust[~redeem][e], day[~redeem][e]
    r_cust, r_day = cust[redeem], day[redeem]
    all_cust = np.concatenate([joined, e_cust, r_cust])
    all_day = np.concatenate([np.zeros(6), e_day, r_day])
    event = np.repeat([0, 1, 2], [6, len(e_cust), len(r_cust)])
    want = sort_events(all_cust, all_day, then=event)
    r_order, order = _event_order(n, joined, e_cust, e_day, r_cust, r_day)
    got = np.concatenate([np.arange(6 + len(e_cust)), 6 + len(e_cust) + r_order])[order]
    assert got.tolist() == want.tolist()
