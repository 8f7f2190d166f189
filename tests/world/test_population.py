"""Fast paths of the population generator give what the general ones give."""

import numpy as np
import pyarrow as pa

from crmlab.world._kernels.strings import join_strings, take
from crmlab.world.processes import population


def test_join_taken_matches_join_of_takes():
    rng = np.random.default_rng(0)
    a = pa.array(["", "x", "yy", "zzz", "é"], type=pa.large_string()).slice(1)
    b = pa.array(["1", "22", "333"], type=pa.large_string())
    ia, ib = rng.integers(0, len(a), 50), rng.integers(0, len(b), 50)
    expected = join_strings(take(a, ia), "-", take(b, ib))
    assert population.join_taken((a, ia), "-", (b, ib)).equals(expected)
    with_null = pa.array(["p", None], type=pa.large_string())
    ic = rng.integers(0, 2, 50)
    assert population.join_taken((with_null, ic), (b, ib)).equals(
        join_strings(take(with_null, ic), take(b, ib)))


def test_channels_match_choose_rows():
    from crmlab.world._kernels.random import choose_rows
    from crmlab.world.params import PopulationParams
    par = PopulationParams()
    base, trend = par.array("acquisition_channel_base"), par.array("acquisition_channel_trend")
    rng = np.random.default_rng(1)
    years_digital, referral = rng.random(500) * 8, rng.random(500) + 0.1
    logits = base[None, :] + years_digital[:, None] * trend[None, :]
    logits[:, 4] += np.log(referral)
    expected = choose_rows(np.random.default_rng(2), np.exp(logits))
    got = population._channels(np.random.default_rng(2), years_digital, referral, base, trend)
    assert got.tolist() == expected.tolist()
