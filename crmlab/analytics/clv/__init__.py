"""Customer-base models: "buy till you die" purchase models, spend, retention and CLV.

From a transaction log to customer lifetime value in four steps::

    from crmlab.analytics import clv
    s = clv.summarize_transactions(df, customer_col="customer_id", time_col="timestamp",
                                   value_col="amount", end="2025-12-31", freq="W")
    bg = clv.BetaGeo(s["frequency"], s["recency"], s["T"]).fit()
    gg = clv.GammaGamma(s["frequency"], s["monetary_value"]).fit()
    value = clv.customer_lifetime_value(bg, gg, s, horizon=12, period="M")

Models
------
:class:`BetaGeo`
    BG/NBD (Fader, Hardie & Lee 2005a): Poisson purchases while alive, gamma-distributed
    rates; after each repeat purchase the customer drops out with a beta-distributed
    probability. Parameters ``r, alpha, a, b``.
:class:`ParetoNBD`
    Pareto/NBD (Schmittlein, Morrison & Colombo 1987): as above, but lifetimes are
    exponential with gamma-distributed death rates. Parameters ``r, alpha, s, beta``.
    Both take time-invariant covariates (``purchase_covariates=``,
    ``dropout_covariates=``) as CLVTools does, with coefficients ``purchase:<column>``
    and ``dropout:<column>``.
:class:`GammaGamma`
    Spend per transaction (Fader, Hardie & Lee 2005b; Fader & Hardie 2013). Parameters
    ``p, q, gamma``.
:class:`ShiftedBetaGeometric`
    Contractual retention, sBG (Fader & Hardie 2007). Parameters ``alpha, beta``.
:class:`ModifiedBetaGeo`
    MBG/NBD (Batislam, Denizel & Filiztekin 2007): BG/NBD with a chance to drop out right
    after the first purchase too. Parameters ``r, alpha, a, b``.
:class:`BetaGeoBetaBinom`
    BG/BB (Fader, Hardie & Shang 2010): discrete transaction opportunities (frequency,
    recency and ``n_periods`` counted in opportunities). Parameters
    ``alpha, beta, gamma, delta``.
:class:`GompertzNBD`
    GGom/NBD (Bemmaor & Glady 2012): Pareto/NBD purchases with Gompertz/gamma lifetimes,
    so the risk of leaving can grow with age. Parameters ``r, alpha, b, s, beta``.

:mod:`~crmlab.analytics.clv.diagnostics` checks a fitted purchase model as Fader, Hardie
& Lee (2005a) do: the repeat-purchase histogram with a chi-squared test, tracking plots
over calibration and holdout, conditional expectations, the log-likelihood of customers
not used in the fit, and one customer's P(alive) history.

Every model is fitted by maximum likelihood on the *unique* rows of its data with
integer weights, over log-parameters, with L-BFGS-B and analytic gradients; ``fit()``
returns a results object with ``params``, ``bse``, ``llf``, ``aic``, ``bic``,
``conf_int()``, ``summary()`` and the model's predictions; ``Model.from_params(**params)``
returns the same results object for known parameters, without data (e.g.
``clv.BetaGeo.from_params(r=0.24, alpha=4.4, a=0.79, b=2.4).p_alive(2, 30, 39)``). Every
likelihood and P(alive) is computed in log space, so customers with hundreds of
purchases or a long silence give finite values.

:func:`calibration_holdout_split` returns one table (calibration and holdout columns side
by side, as lifetimes' ``calibration_and_holdout_data``); :func:`simulate_bgnbd` and
:func:`simulate_pareto_nbd` draw customers with known parameters, for teaching and for
checking that a fit recovers the truth.

Layout (one module per model family, as lifetimes' ``fitters/``)
----------------------------------------------------------------
``summary``
    :func:`summarize_transactions`, :func:`calibration_holdout_split` (the log reduction).
``beta_geo``, ``modified_beta_geo``, ``beta_geo_beta_binom``, ``pareto_nbd``,
``gompertz_nbd``, ``gamma_gamma``, ``shifted_beta_geometric``
    One model family each: its likelihood, model class and results class.
``simulate``
    :func:`simulate_bgnbd`, :func:`simulate_mbgnbd`, :func:`simulate_bgbb`,
    :func:`simulate_pareto_nbd`, :func:`simulate_ggom_nbd`.
``diagnostics``
    Goodness of fit and holdout checks of a fitted purchase model.
``uncertainty``
    Parameter draws (bootstrap refits or the asymptotic normal) and intervals for each
    customer's predictions and CLV, percentile or delta method.
``value``
    :func:`customer_lifetime_value`.
``residual_value``
    :func:`discounted_expected_transactions` (DERT) and :func:`iso_value` (Fader, Hardie
    & Lee 2005b).
``_base``
    The shared model / results classes: maximum-likelihood fit, standard errors,
    ``summary()``, ``from_params``; the purchase models' shared data and predictions.
``_data``
    Reduction to unique rows with weights, input checks of predictions, Series indexes.
``_pnbd_numerics``
    The Pareto/NBD integral (hypergeometric series and quadrature).

A new model family is a module with a ``LikelihoodModel`` subclass (``param_names``,
``_loglike_rows``, ``_default_start``) and a results class holding its predictions,
declared as ``class XResults(LikelihoodResults, model=X)``; both are named in
``__all__`` here.

Time is measured in the periods of the summary (``freq``): with ``freq="W"``, ``T=39``
means 39 weeks, and ``alpha`` (BG/NBD, Pareto/NBD) and ``beta`` (Pareto/NBD) are in weeks.

References
----------
.. [1] Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005a). "Counting your customers" the
   easy way: an alternative to the Pareto/NBD model. Marketing Science 24(2), 275-284.
.. [2] Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005b). RFM and CLV: using iso-value
   curves for customer base analysis. Journal of Marketing Research 42(4), 415-430.
.. [3] Schmittlein, D. C., Morrison, D. G. & Colombo, R. (1987). Counting your customers:
   who are they and what will they do next? Management Science 33(1), 1-24.
.. [4] Fader, P. S. & Hardie, B. G. S. (2005). A note on deriving the Pareto/NBD model and
   related expressions. http://brucehardie.com/notes/009/
.. [5] Fader, P. S. & Hardie, B. G. S. (2007). How to project customer retention.
   Journal of Interactive Marketing 21(1), 76-90.
.. [6] Fader, P. S. & Hardie, B. G. S. (2010). Customer-base valuation in a contractual
   setting: the perils of ignoring heterogeneity. Marketing Science 29(1), 85-93.
.. [7] Fader, P. S. & Hardie, B. G. S. (2013). The gamma-gamma model of monetary value.
   http://brucehardie.com/notes/025/
"""

from . import diagnostics, uncertainty
from ._base import ConvergenceError, ConvergenceWarning, Summary
from .beta_geo import BetaGeo, BetaGeoResults
from .beta_geo_beta_binom import BetaGeoBetaBinom, BetaGeoBetaBinomResults
from .gamma_gamma import GammaGamma, GammaGammaResults
from .gompertz_nbd import GompertzNBD, GompertzNBDResults
from .modified_beta_geo import ModifiedBetaGeo, ModifiedBetaGeoResults
from .pareto_nbd import ParetoNBD, ParetoNBDResults
from .residual_value import discounted_expected_transactions, iso_value
from .shifted_beta_geometric import ShiftedBetaGeometric, ShiftedBetaGeometricResults
from .simulate import (
    simulate_bgbb,
    simulate_bgnbd,
    simulate_ggom_nbd,
    simulate_mbgnbd,
    simulate_pareto_nbd,
)
from .summary import calibration_holdout_split, summarize_transactions, summary_counts
from .value import customer_lifetime_value

__all__ = [
    "BetaGeo",
    "BetaGeoBetaBinom",
    "BetaGeoBetaBinomResults",
    "BetaGeoResults",
    "ConvergenceError",
    "ConvergenceWarning",
    "GammaGamma",
    "GammaGammaResults",
    "GompertzNBD",
    "GompertzNBDResults",
    "ModifiedBetaGeo",
    "ModifiedBetaGeoResults",
    "ParetoNBD",
    "ParetoNBDResults",
    "ShiftedBetaGeometric",
    "ShiftedBetaGeometricResults",
    "Summary",
    "calibration_holdout_split",
    "customer_lifetime_value",
    "diagnostics",
    "discounted_expected_transactions",
    "iso_value",
    "simulate_bgbb",
    "simulate_bgnbd",
    "simulate_ggom_nbd",
    "simulate_mbgnbd",
    "simulate_pareto_nbd",
    "summarize_transactions",
    "summary_counts",
    "uncertainty",
]


def __dir__() -> list[str]:
    """The public API only: importing the submodules also binds their names here."""
    return sorted(__all__)
