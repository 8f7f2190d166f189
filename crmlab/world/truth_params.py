"""``truth.params``: every coefficient of a world's config as one table, one row per
segment (and the documentation of its columns, for the data package).

Kept apart from :mod:`crmlab.world.params` (the coefficients and their groups, which
the config is made of) because it reads a whole :class:`~crmlab.world.config.WorldConfig`.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from .config import WorldConfig
from .labels import SEGMENTS
from .params import GROUPS, ParamGroup, SegmentParams

__all__ = ["params_column_docs", "params_table"]


#: The flat WorldConfig fields that shape behaviour, recorded as ``world_<name>``.
_WORLD_COLUMNS: dict[str, str] = {
    "postpaid_share": "Average share of customers on a postpaid plan (before segment "
                      "shifts).",
    "acquisition_growth": "Yearly growth rate of new sign-ups.",
    "billing_error_rate": "Probability that a postpaid invoice is wrong.",
    "complaint_rate": "Routine complaints per postpaid customer-year before segment, season "
                      "and weather effects.",
    "weather_events_per_year": "Expected snow and flood events per year.",
    "repair_capacity": "Repair and response capacity as a multiple of the normal-season "
                       "load.",
    "service_failure_rate": "Yearly chance of a serious service failure (postpaid).",
    "silent_share": "Share of customers hit by a failure who never complain.",
    "winback_rate": "Chance that an executive call wins back a customer who left after an "
                    "escalated complaint.",
    "loyalty_launch_months": "Months after the start when the loyalty programme opens.",
    "campaigns_per_year": "Marketing campaigns per year.",
}


def _effective(config: WorldConfig) -> list[ParamGroup]:
    """The config's groups (segments excluded) with locale defaults filled in."""
    groups = [getattr(config, name) for name in GROUPS if name != "segments"]
    social = config.social
    if social.platform_shares is None:
        from .locales import pools

        social = social.replace(platform_shares=pools(config.locale).platform_shares)
        groups = [social if g.group == "social" else g for g in groups]
    return groups


def params_table(config: WorldConfig) -> pd.DataFrame:
    """``truth.params`` of a world made with ``config``: every coefficient, one row per
    segment.

    The per-segment coefficients come first (``bg_r`` ... ``influence``, as
    :class:`SegmentParams`), then ``segment_share``, the flat config coefficients as
    ``world_<name>`` and every group's coefficients as ``<group>_<name>`` (vectors
    ``<group>_<name>_<key>``), constant down the segments. Money is in the locale's
    currency.

    Examples
    --------
    >>> from crmlab import WorldConfig
    >>> t = params_table(WorldConfig())
    >>> t.loc["steady", "bg_r"], t.loc["steady", "service_season_jan"]
    (np.float64(1.2), np.float64(1.3))
    """
    from .locales import pools

    scale = pools(config.locale).money_scale
    segments = config.segments
    per_segment = {f.name: segments.array(f.name) for f in dataclasses.fields(segments)}
    per_segment["gg_gamma"] = per_segment["gg_gamma"] * scale
    per_segment["segment_share"] = np.array(config.segment_shares, dtype=float)
    constant = {f"world_{name}": float(getattr(config, name)) for name in _WORLD_COLUMNS}
    for group in _effective(config):
        constant.update(group.truth_columns(scale))
    # one float block (a frame of hundreds of columns built column by column is slow)
    values = np.empty((len(SEGMENTS), len(per_segment) + len(constant)))
    values[:, :len(per_segment)] = np.column_stack(list(per_segment.values()))
    values[:, len(per_segment):] = np.fromiter(constant.values(), float, len(constant))
    return pd.DataFrame(values, index=pd.Index(list(SEGMENTS), name="segment"),
                        columns=[*per_segment, *constant])


def params_column_docs() -> dict[str, str]:
    """What every column of ``truth.params`` means, in table order (for the data package).

    Examples
    --------
    >>> params_column_docs()["churn_after_bad_complaint"]
    'Chance of leaving after a very dissatisfied complaint (probability per complaint).'
    """
    docs = {"segment": "Segment name."}
    docs.update(SegmentParams.column_docs())
    docs["segment_share"] = "Share of the segment among customers (WorldConfig.segment_shares)."
    docs.update({f"world_{name}": f"{doc} WorldConfig.{name}."
                 for name, doc in _WORLD_COLUMNS.items()})
    for cls in GROUPS.values():
        if cls is not SegmentParams:
            docs.update(cls.column_docs())
    return docs
