"""The hidden behaviour of each latent segment: the generating parameters.

These numbers are the world's ground truth. They are copied into
``World.truth.params`` (money parameters already in the locale's currency), so a
researcher can fit a model on the observable tables and compare the estimates with
the values that generated them.

Units: BG/NBD purchase rates are per **week** (``alpha`` in weeks, as in Fader, Hardie
& Lee 2005); Gamma-Gamma spend is in model money units (USD-like, multiplied by the
locale's ``money_scale``); shifted-beta-geometric churn is per **month** (Fader &
Hardie 2007).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .config import SEGMENTS

__all__ = ["SEGMENT_PARAMS", "segment_params"]

_COLUMNS = (
    # BG/NBD purchasing (prepaid top-ups): rate ~ Gamma(r, alpha), dropout ~ Beta(a, b)
    "bg_r", "bg_alpha", "bg_a", "bg_b",
    # Gamma-Gamma spend per purchase: z ~ Gamma(p, nu), nu ~ Gamma(q, gamma)
    "gg_p", "gg_q", "gg_gamma",
    # shifted-beta-geometric monthly churn (postpaid): theta ~ Beta(alpha, beta)
    "sbg_alpha", "sbg_beta",
    # plan and acquisition
    "postpaid_logit", "digital", "age_mean", "age_sd",
    # postpaid usage and payment behaviour
    "usage_gb", "pay_delay_days", "default_risk",
    # service: multiplier on complaint rates
    "complaint_mult",
    # marketing: base monthly purchase chance during an offer, and uplift when contacted
    "base_response", "uplift",
    # social: referral propensity and online influence (followers, log scale)
    "referral", "influence",
)

_ROWS = {
    #                bg_r  bg_alpha bg_a  bg_b  gg_p gg_q gg_gamma sbg_a sbg_b  post  dig  age  sd  gb  delay risk  compl resp  upl   ref  infl
    "loyal_heavy":   (2.0, 4.0,  0.4, 12.0, 6.0, 4.0, 12.0, 0.4, 25.0, 0.6, 0.4, 44, 11, 18, 3.0, 0.01, 0.8, 0.30, 0.03, 1.5, 5.5),
    "steady":        (1.2, 6.0,  0.6, 6.0,  5.0, 4.0, 9.0,  0.7, 20.0, 0.1, 0.3, 41, 12, 9,  5.0, 0.02, 1.0, 0.12, 0.05, 0.8, 4.5),
    "digital_young": (1.5, 5.0,  0.8, 5.0,  4.0, 3.5, 7.0,  0.8, 14.0, -0.2, 0.9, 27, 6, 25, 6.0, 0.03, 1.1, 0.10, 0.08, 2.5, 6.5),
    "price_hunter":  (1.0, 5.0,  1.2, 3.5,  3.0, 3.0, 6.0,  1.0, 8.0, -0.4, 0.5, 33, 10, 12, 9.0, 0.06, 1.4, 0.15, 0.12, 0.6, 4.0),
    "occasional":    (0.5, 8.0,  0.7, 4.0,  3.0, 3.0, 5.0,  0.8, 16.0, -0.6, 0.3, 52, 14, 4,  7.0, 0.04, 0.7, 0.04, 0.02, 0.3, 3.5),
}

#: One row per segment (index in :data:`crmlab.world.config.SEGMENTS` order).
SEGMENT_PARAMS: pd.DataFrame = pd.DataFrame.from_dict(
    _ROWS, orient="index", columns=list(_COLUMNS)).loc[list(SEGMENTS)]
SEGMENT_PARAMS.index.name = "segment"


def segment_params(money_scale: float = 1.0) -> pd.DataFrame:
    """The generating parameters per segment, with spend in the locale's currency.

    Examples
    --------
    >>> segment_params().loc["loyal_heavy", "bg_r"]
    np.float64(2.0)
    """
    out = SEGMENT_PARAMS.astype(float).copy()
    out["gg_gamma"] = out["gg_gamma"] * money_scale
    return out


#: Each parameter as a read-only float array by segment code: selecting a column of
#: :data:`SEGMENT_PARAMS` in pandas costs far more than the lookup itself, and every
#: generator of every block looks parameters up.
_BY_SEGMENT = {}
for _name in _COLUMNS:
    _BY_SEGMENT[_name] = SEGMENT_PARAMS[_name].to_numpy(dtype=float, copy=True)
    _BY_SEGMENT[_name].flags.writeable = False


def per_segment(name: str) -> np.ndarray:
    """A parameter's values by segment code (read-only; :data:`SEGMENT_PARAMS` order).

    Examples
    --------
    >>> per_segment("bg_r").tolist()
    [2.0, 1.2, 1.5, 1.0, 0.5]
    """
    return _BY_SEGMENT[name]


def column(name: str, segment_codes: np.ndarray) -> np.ndarray:
    """A parameter looked up per customer from their segment code."""
    return _BY_SEGMENT[name][segment_codes]
