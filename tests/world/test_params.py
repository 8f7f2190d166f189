"""Every coefficient lives in the config, is validated, round-trips, shapes the data and is
recorded in truth.params."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re

import numpy as np
import pandas as pd
import pytest

import crmlab as crm
from crmlab.world import params as P
from crmlab.world import truth_params as TP
from crmlab.world.config import WorldConfig
from crmlab.world.labels import MONTHS, SEGMENTS, SPAN
from crmlab.world.locales import fa_IR
from crmlab.world.schema import TABLE_DOCS

ODD = WorldConfig(
    n_customers=300, start="2024-01-01", end="2024-12-31", locale="fa_IR",
    churn=P.ChurnParams(after_bad_complaint=0.7, winback_delay_days=(3.0, 9.0)),
    service=P.ServiceParams(weather_load=4.0, base_response_hours=(1, 2, 3, 4, 5)),
    billing={"due_days": 10.0, "payment_method_shares": {"card": 0.1, "bank_transfer": 0.2,
                                                         "app": 0.3, "cash": 0.4}},
    social=P.SocialParams(platform_shares=(0.2, 0.2, 0.2, 0.2, 0.2)),
)


def test_groups_are_config_fields_in_order():
    names = [f.name for f in dataclasses.fields(WorldConfig)]
    assert names[-len(P.GROUPS):] == list(P.GROUPS)
    for name, cls in P.GROUPS.items():
        assert isinstance(getattr(WorldConfig(), name), cls) and cls.group == name


def test_round_trip_through_json():
    for config in (WorldConfig(), ODD):
        text = json.dumps(config.to_dict())
        back = WorldConfig.from_dict(json.loads(text))
        assert back == config and hash(back) == hash(config)
        assert back.to_dict() == config.to_dict()
    d = ODD.to_dict()
    assert d["billing"]["payment_method_shares"] == [0.1, 0.2, 0.3, 0.4]
    assert d["social"]["platform_shares"] == [0.2] * 5
    assert d["weather"]["snow_duration_days"] == [2, 7]
    assert WorldConfig().to_dict()["social"]["platform_shares"] is None


def test_from_dict_names_unknown_and_missing_keys():
    d = WorldConfig().to_dict()
    d["churn"]["after_bad_complain"] = 0.5
    with pytest.raises(ValueError,
                       match=r"unknown WorldConfig.churn fields \['after_bad_complain'\]"):
        WorldConfig.from_dict(d)
    d = WorldConfig().to_dict()
    del d["churn"]["after_silent_failure"], d["clv"]
    assert WorldConfig.from_dict(d) == WorldConfig()  # defaults fill the gaps
    with pytest.raises(ValueError, match=r"missing: \['clv', 'churn.after_silent_failure'\]"):
        WorldConfig.from_dict(d, complete=True)
    assert WorldConfig.from_dict(WorldConfig().to_dict(), complete=True) == WorldConfig()


@pytest.mark.parametrize(("changes", "error", "message"), [
    ({"service": P.ServiceParams}, TypeError, "WorldConfig.service must be a ServiceParams"),
    ({"churn": 0.5}, TypeError, "WorldConfig.churn must be a ChurnParams"),
    ({"churn": {"after_bad_complaint": 1.5}}, ValueError,
     r"WorldConfig.churn.after_bad_complaint must be a number in \[0, 1\]; got 1.5"),
    ({"churn": {"after_bad_complaint": "high"}}, TypeError,
     "WorldConfig.churn.after_bad_complaint must be a number; got str 'high'"),
    ({"service": {"weather_load": -1}}, ValueError,
     r"WorldConfig.service.weather_load must be a number in \[0, 20\]; got -1"),
    ({"service": {"backlog_days": 2.5}}, ValueError,
     "WorldConfig.service.backlog_days must be a whole number; got 2.5"),
    ({"service": {"season": (1.0,) * 11}}, ValueError,
     r"WorldConfig.service.season must be 12 numbers, one per key \['jan', 'feb', 'mar', '...'"),
    ({"service": {"season": (1.0,) * 11 + (0.0,)}}, ValueError,
     r"WorldConfig.service.season\['dec'\] must be a number in \(0, 1000\]; got 0"),
    ({"service": {"base_response_hours": {"sms": 1.0}}}, ValueError,
     r"base_response_hours must be 5 numbers, one per key \['call_centre', 'sms'"),
    ({"population": {"city_shares": (0.5, 0.3, 0.3)}}, ValueError,
     "WorldConfig.population.city_shares must be shares that sum to 1"),
    ({"billing": {"collection_offsets": (7, 21, 90, 45)}}, ValueError,
     r"collection_offsets must increase strictly \(reminder < call < suspension < write_off\)"),
    ({"churn": {"winback_delay_days": (60, 7)}}, ValueError,
     r"WorldConfig.churn.winback_delay_days must be a range \(min, max\) with min <= max"),
    ({"population": {"min_age": 60.0, "max_age": 50.0}}, ValueError,
     "WorldConfig.population.min_age .60. must not be above max_age .50."),
    ({"segments": {"gg_q": (4.0, 4.0, 3.5, 3.0, 1.0)}}, ValueError,
     r"WorldConfig.segments.gg_q\['occasional'\] must be a number in \(1, 1000\]; got 1"),
    ({"social": {"platform_shares": (0.5, 0.5)}}, ValueError,
     "WorldConfig.social.platform_shares must be 5 numbers"),
])
def test_bad_coefficients_name_their_path(changes, error, message):
    with pytest.raises(error, match=message):
        WorldConfig(**changes)


def test_groups_take_dicts_by_key_and_replace():
    by_key = P.BillingParams(tariff_fee={"basic": 1.0, "standard": 2.0, "plus": 3.0,
                                         "unlimited": 4.0})
    assert by_key.tariff_fee == (1.0, 2.0, 3.0, 4.0)
    assert by_key.array("tariff_fee").tolist() == [1.0, 2.0, 3.0, 4.0]
    with pytest.raises(ValueError):
        by_key.array("tariff_fee")[0] = 9.0  # read-only
    churn = P.ChurnParams().replace(after_bad_complaint=0.6)
    config = crm.WorldConfig().replace(churn=churn)
    assert config.churn.after_bad_complaint == 0.6 and config.churn.after_silent_failure == 0.4
    w = crm.make_world("tiny", seed=1, n_customers=200, churn=churn)
    assert w.config.churn == churn


def test_truth_params_keeps_the_segment_table_first():
    w = crm.make_world("tiny", seed=3, locale="fa_IR")
    table = w.truth.params
    legacy = P.segment_params(fa_IR.MONEY_SCALE)
    assert list(table.columns[:21]) == list(legacy.columns)
    pd.testing.assert_frame_equal(table.iloc[:, :21], legacy)
    assert table.loc["loyal_heavy", "bg_r"] == 2.0
    assert list(table.index) == list(SEGMENTS) and table.index.name == "segment"
    assert table.columns[21] == "segment_share"
    assert table["segment_share"].tolist() == list(w.config.segment_shares)


def test_truth_params_records_every_coefficient():
    w = crm.make_world(ODD, seed=2)
    table = w.truth.params
    assert all(re.fullmatch(r"[a-z][a-z0-9_]*", c) for c in table.columns)
    assert table.columns.is_unique
    world_wide = table.iloc[:, 22:]
    assert (world_wide.nunique() == 1).all()  # constant down the segments
    row = table.iloc[0]
    scale = fa_IR.MONEY_SCALE  # the world is Persian: money in rials
    assert row["churn_after_bad_complaint"] == 0.7
    assert row["churn_winback_delay_days_min"] == 3.0
    assert row["churn_winback_delay_days_max"] == 9.0
    assert row["service_weather_load"] == 4.0
    assert row["service_season_jan"] == 1.3
    assert row["service_base_response_hours_call_centre"] == 1.0
    assert row["billing_due_days"] == 10.0
    assert row["billing_payment_method_shares_cash"] == 0.4
    assert row["billing_tariff_fee_basic"] == 15.0 * scale
    assert row["billing_tariff_included_gb_unlimited"] == 150.0
    assert row["social_referral_reward"] == 10.0 * scale
    assert row["social_platform_shares_telegram"] == 0.2
    assert row["world_complaint_rate"] == ODD.complaint_rate
    assert row["world_winback_rate"] == ODD.winback_rate
    assert row["clv_horizon_years"] == 3.0
    # one column per coefficient (vectors one per key), nothing else
    expected = 21 + 1 + len(TP._WORLD_COLUMNS) + sum(
        len(f.metadata["keys"] or (None,)) for name, cls in P.GROUPS.items()
        if name != "segments" for f in dataclasses.fields(cls))
    assert table.shape[1] == expected
    # money columns are in the locale's currency: the tariffs table agrees
    fees = w.tariffs.set_index("name")["monthly_fee"]
    assert row["billing_tariff_fee_plus"] == fees["Plus"]


def test_platform_shares_default_to_the_locale():
    for locale in ("en_US", "fa_IR"):
        table = TP.params_table(WorldConfig(locale=locale))
        from crmlab.world.locales import pools
        shares = [table.iloc[0][f"social_platform_shares_{p}"] for p in
                  ("instagram", "x", "telegram", "forum", "review_site")]
        assert shares == list(pools(locale).platform_shares)


def test_every_params_column_is_documented_in_order():
    docs = TP.params_column_docs()
    table = TP.params_table(WorldConfig()).reset_index()
    assert list(docs) == list(table.columns)
    assert TABLE_DOCS["truth/params"][1] == docs
    assert "locale's currency" in docs["billing_tariff_fee_basic"]
    assert docs["service_season_jan"].endswith("[jan]")


def test_engine_and_make_world_build_the_same_params():
    from crmlab import engine

    config = WorldConfig(n_customers=100, start="2024-01-01", end="2024-06-30", locale="fa_IR")
    w = crm.make_world(config, seed=1)
    from crmlab.world.pipeline import world_tables

    frames = engine._world_wide_frames(config, world_tables(config, 1))
    pd.testing.assert_frame_equal(frames["truth/params"], w.truth.params.reset_index())


# ----------------------------------------------------------- every coefficient matters
#: A world with enough of everything (complaints, escalations, win-backs, collections,
#: Persian silos) that every coefficient leaves a trace in a few hundred customers.
BUSY = WorldConfig(n_customers=1500, start="2024-01-01", end="2024-12-31", locale="fa_IR",
                   complaint_rate=3.0, weather_events_per_year=12.0, winback_rate=1.0,
                   billing_error_rate=0.1, silent_share=0.5,
                   loyalty=P.LoyaltyParams(redeem_chunk=100))
#: Coefficients that act only in a history too short for the campaign margins.
SHORT = BUSY.replace(end="2024-03-31")
#: Coefficients that act only with a purchase season.
SEASONAL = BUSY.replace(purchases=P.PurchaseParams(season_amplitude=0.5))


def _fingerprint(w: crm.World) -> str:
    h = hashlib.sha256()
    frames = {**w.tables, **{f"silos/{k}": v for k, v in w.silos.items()},
              **{f"truth/{k}": v for k, v in w.truth.tables.items() if k != "params"}}
    for name, frame in frames.items():
        h.update(name.encode())
        h.update(pd.util.hash_pandas_object(frame, index=True).to_numpy().tobytes())
    return h.hexdigest()


def _other_number(value, meta):
    """A valid value near ``value`` but different from it."""
    low, high = meta["low"], meta["high"]
    if meta["integer"]:
        candidates = [value + 1, value - 1]
    else:
        candidates = [value * 1.3, value * 0.7, value + 0.3, value - 0.3]
        if np.isfinite(low) and np.isfinite(high):
            candidates.insert(0, (value + (high if value < high else low)) / 2)
    for c in candidates:
        if c != value and low <= c <= high and not (meta["low_open"] and c == low) \
                and not (meta["high_open"] and c == high):
            return c
    raise AssertionError(f"no other value for {value}")


#: Coefficients whose small change may leave a small world as it was (thresholds that few
#: values reach in a year), with a change that bites.
BITING = {
    ("purchases", "min_amount"): 5.0,
    ("purchases", "app_share_max"): 0.2,
    ("service", "min_response_hours"): 2.0,
    ("marketing", "max_response"): 0.1,
    ("loyalty", "join_stay_days"): 30.0,
    ("population", "signup_stop_days"): 30.0,  # halfway to its bound would pass the end
}


def _other_value(value, meta):
    if value is None:  # the locale's default: give an explicit, different one
        return tuple(1.0 / len(meta["keys"]) for _ in meta["keys"])
    if meta["keys"] is None:
        return _other_number(value, meta)
    if meta["keys"] == SPAN:
        lo, hi = value
        return (lo, lo + (hi - lo) // 2) if meta["integer"] else (lo, lo + (hi - lo) / 2)
    if meta["shares"] or meta["keys"] == MONTHS:  # (a season is rescaled to mean 1)
        return tuple(np.roll(value, 1).tolist())
    if meta["increasing"]:
        return tuple(v * 1.5 + 1 for v in value)
    return tuple(_other_number(v, meta) for v in value)


COEFFICIENTS = [(name, f.name) for name, cls in P.GROUPS.items()
                for f in dataclasses.fields(cls)]


@pytest.fixture(scope="module")
def baselines():
    return {id(c): _fingerprint(crm.make_world(c, seed=5, workers=1))
            for c in (BUSY, SHORT, SEASONAL)}


#: The base world of coefficients that act only beside another one.
BASES = {("marketing", "short_history_margin_days"): SHORT,
         ("purchases", "season_peak_month"): SEASONAL}


@pytest.mark.parametrize(("group", "name"), COEFFICIENTS)
def test_every_coefficient_shapes_the_world(baselines, group, name):
    base = BASES.get((group, name), BUSY)
    params = getattr(base, group)
    meta = next(f.metadata for f in dataclasses.fields(params) if f.name == name)
    other = BITING.get((group, name), _other_value(getattr(params, name), meta))
    changed = params.replace(**{name: other})
    config = base.replace(**{group: changed})
    w = crm.make_world(config, seed=5, workers=1)
    assert _fingerprint(w) != baselines[id(base)], f"{group}.{name} changed nothing"


def test_docs_list_every_coefficient():
    from pathlib import Path

    text = (Path(__file__).parents[2] / "docs" / "world.md").read_text(encoding="utf-8")
    sections = text.split("#### `config.")[1:]
    documented = {s.split("`", 1)[0]: s for s in sections}
    assert list(documented) == list(P.GROUPS)
    for name, cls in P.GROUPS.items():
        for f in dataclasses.fields(cls):
            assert f"| `{f.name}` |" in documented[name], f"docs/world.md lacks {name}.{f.name}"


def test_loaded_params_take_new_columns_without_warnings():
    # a package's params are read column by column; the Truth keeps them compact, so the
    # warehouse (which inserts the segment column) does not warn about a fragmented frame
    import warnings

    params = crm.load_dataset("tiny").truth.params
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert params.reset_index().columns[0] == "segment"
