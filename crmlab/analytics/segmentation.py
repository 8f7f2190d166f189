"""Segmentation experiments: do the usual methods find the segments that are really there?

Real data never tells you whether a segmentation is *right*. A crmlab world does: every
customer belongs to a latent segment that generated their behaviour. This module
builds behavioural features from a world's tables (as of a decision date, if asked:
:func:`customer_features` with ``as_of``), chooses the number of segments by a
criterion that never sees the truth (:func:`choose_k`), segments the customers with
several methods, and scores each against the true segments with the adjusted Rand
index (ARI) and adjusted mutual information (AMI), and against itself on bootstrap
samples of the customers (:func:`bootstrap_stability`).

Methods
-------
``rfm``
    RFM total score cut into ``k`` quantile groups (what a database marketer would do).
``kmeans``
    k-means on standardised features (scikit-learn).
``gmm``
    Gaussian mixture with full covariances (scikit-learn), a model-based method.
``latent_class``
    A latent-class model for the count features: a mixture of independent Poisson
    distributions fitted by EM (exposure-adjusted), the classic model-based
    clustering of counts.

Examples
--------
>>> import crmlab as crm
>>> w = crm.load_dataset("tiny")
>>> X = customer_features(w.tables)
>>> labels = segment(X, method="kmeans", k=5, random_state=0)
>>> len(labels) == len(X)
True
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ._deprecation import renamed_kwargs
from ._validation import (
    check_frame_columns,
    check_random_state,
    check_tables,
    check_timestamp,
    is_seed,
)

__all__ = ["CRITERIA", "METHODS", "RFM_GROUPS", "KChoice", "bootstrap_stability", "choose_k",
           "customer_features", "labels_at_k", "latent_class", "run_experiment", "score_labels",
           "segment"]

METHODS = ("rfm", "kmeans", "gmm", "latent_class")
#: Count features used by the latent-class model (per year of tenure as exposure).
COUNT_FEATURES = ("purchases", "complaints", "posts", "referrals")
#: The columns of :func:`customer_features` each method of :func:`segment` reads.
_METHOD_COLUMNS = {"rfm": ["recency_days", "purchases", "tenure_years", "mean_spend"],
                   "latent_class": [*COUNT_FEATURES, "tenure_years"],
                   "kmeans": ["tenure_years"], "gmm": ["tenure_years"]}

#: The tables (and their columns) that :func:`customer_features` reads.
_NEEDED = {
    "customers": ["customer_id", "signup_date", "plan", "birth_date"],
    "transactions": ["customer_id", "timestamp", "amount", "channel"],
    "invoices": ["customer_id", "issue_date", "amount"],
    "complaints": ["customer_id"],
    "online_activity": ["customer_id", "sentiment"],
    "referrals": ["referrer_id"],
}
#: With ``as_of``, every table's date column too (to keep the rows known by then).
_NEEDED_AS_OF = {**_NEEDED,
                 "complaints": ["customer_id", "opened_at"],
                 "online_activity": ["customer_id", "sentiment", "timestamp"],
                 "referrals": ["referrer_id", "timestamp"]}


def customer_features(tables: Mapping[str, pd.DataFrame], *, as_of: Any = None
                      ) -> pd.DataFrame:
    """Behavioural features per customer from a world's observable tables.

    Parameters
    ----------
    tables : mapping of table name to DataFrame
        ``World.tables``, or any mapping with these tables and columns: ``customers``
        (``customer_id``, ``signup_date``, ``plan``, ``birth_date``, optionally
        ``churn_date``), ``transactions`` (``customer_id``, ``timestamp``, ``amount``,
        ``channel``), ``invoices`` (``customer_id``, ``issue_date``, ``amount``),
        ``complaints`` (``customer_id``; with ``as_of`` also ``opened_at``),
        ``online_activity`` (``customer_id``, ``sentiment``; with ``as_of`` also
        ``timestamp``) and ``referrals`` (``referrer_id``; with ``as_of`` also
        ``timestamp``).
    as_of : date-like, optional
        The day of the decision: only what was known before it counts. Customers who
        signed up on or after ``as_of`` are left out; top-ups, invoices, complaints,
        posts and referrals from ``as_of`` on are ignored; a churn date from ``as_of``
        on is not yet known (the customer is still a customer); tenure and recency are
        measured up to ``as_of``. Default: everything in the tables, measured up to
        the last top-up or invoice.

    Returns
    -------
    DataFrame
        Indexed by customer id: ``tenure_years``, ``recency_days`` (days from the last
        top-up or invoice to the end of the data or to ``as_of``), counts
        ``purchases`` (top-ups and invoices), ``complaints``, ``posts``,
        ``referrals``; ``mean_spend``, ``digital_share`` (share of app or web
        top-ups), ``postpaid``, ``age``, ``sentiment`` (mean of posts, 0 without
        posts).

    Examples
    --------
    >>> import crmlab as crm
    >>> w = crm.load_dataset("tiny")
    >>> X = customer_features(w.tables, as_of="2024-07-01")
    >>> bool((w.customers.set_index("customer_id").loc[X.index, "signup_date"]
    ...       < "2024-07-01").all())
    True
    """
    check_tables(tables, _NEEDED if as_of is None else _NEEDED_AS_OF)
    cust = tables["customers"]
    check_frame_columns(cust, _NEEDED["customers"], "tables['customers']",
                        if_empty="need at least one customer")
    tx, inv = tables["transactions"], tables["invoices"]
    complaints, posts = tables["complaints"], tables["online_activity"]
    referrals = tables["referrals"]
    if as_of is None:
        last_seen = max(tx["timestamp"].max() if len(tx) else cust["signup_date"].max(),
                        inv["issue_date"].max() if len(inv) else cust["signup_date"].max())
        end = (cust["churn_date"].fillna(last_seen).to_numpy() if "churn_date" in cust
               else last_seen)
    else:  # only rows dated before the decision: nothing from its future reaches a feature
        last_seen = check_timestamp(as_of, "as_of")
        cust = cust[(cust["signup_date"] < last_seen).to_numpy()]
        if cust.empty:
            raise ValueError(f"no customer signed up before as_of ({last_seen.date()}); "
                             "choose a later date")
        tx = tx[(tx["timestamp"] < last_seen).to_numpy()]
        inv = inv[(inv["issue_date"] < last_seen).to_numpy()]
        complaints = complaints[(complaints["opened_at"] < last_seen).to_numpy()]
        posts = posts[(posts["timestamp"] < last_seen).to_numpy()]
        referrals = referrals[(referrals["timestamp"] < last_seen).to_numpy()]
        end = last_seen
        if "churn_date" in cust:
            churn = cust["churn_date"]
            end = churn.where(churn < last_seen).fillna(last_seen).to_numpy()
    ids = pd.Index(cust["customer_id"].to_numpy(), name="customer_id")
    tenure = np.maximum((end - cust["signup_date"].to_numpy()) / np.timedelta64(1, "D"),
                        1.0) / 365.25

    def count(table: pd.DataFrame, col: str = "customer_id") -> np.ndarray:
        return table.groupby(col, observed=True).size().reindex(ids, fill_value=0).to_numpy()

    spend = pd.concat([tx[["customer_id", "amount"]], inv[["customer_id", "amount"]]])
    mean_spend = spend.groupby("customer_id", observed=True)["amount"].mean().reindex(
        ids, fill_value=0.0).to_numpy()
    digital = tx["channel"].astype(str).isin(["app", "web"])
    digital_share = digital.groupby(tx["customer_id"], observed=True).mean().reindex(
        ids, fill_value=0.0).to_numpy()
    sentiment = posts.groupby("customer_id", observed=True)["sentiment"].mean().reindex(
        ids, fill_value=0.0).to_numpy()
    age = (cust["signup_date"] - cust["birth_date"]).dt.days.to_numpy() / 365.25
    last = pd.concat([tx[["customer_id", "timestamp"]],
                      inv[["customer_id", "issue_date"]].rename(columns={"issue_date":
                                                                         "timestamp"})])
    last_buy = last.groupby("customer_id", observed=True)["timestamp"].max().reindex(ids)
    last_buy = last_buy.fillna(pd.Series(cust["signup_date"].to_numpy(), index=ids))
    recency = (last_seen - last_buy).dt.days.to_numpy().astype(float)
    return pd.DataFrame({
        "tenure_years": tenure,
        "recency_days": recency,
        "purchases": count(tx) + count(inv),
        "complaints": count(complaints),
        "posts": count(posts),
        "referrals": count(referrals, "referrer_id"),
        "mean_spend": mean_spend,
        "digital_share": digital_share,
        "postpaid": (cust["plan"].astype(str) == "postpaid").to_numpy().astype(float),
        "age": age,
        "sentiment": sentiment,
    }, index=ids)


def _standardised(X: pd.DataFrame) -> np.ndarray:
    Z = X.copy()
    for col in (*COUNT_FEATURES, "mean_spend"):
        if col in Z:
            Z[col] = np.log1p(Z[col] / (Z["tenure_years"] if col in COUNT_FEATURES else 1.0))
    Z = Z.drop(columns=["tenure_years"]).to_numpy(dtype=float)
    sd = Z.std(axis=0)
    return (Z - Z.mean(axis=0)) / np.where(sd > 0, sd, 1.0)


@renamed_kwargs(seed="random_state")
def latent_class(counts: np.ndarray, exposure: np.ndarray, k: int, *, random_state: Any = 0,
                 max_iter: int = 500, tol: float = 1e-8) -> np.ndarray:
    """Latent classes of count data: a mixture of independent Poissons, fitted by EM.

    Customer ``i`` in class ``c`` has counts ``y_ij ~ Poisson(exposure_i * rate_cj)``.

    Parameters
    ----------
    counts : array, shape (n, d)
    exposure : array, shape (n,)
        E.g. years as a customer.
    k : int
        Number of classes.
    random_state : int, numpy Generator or None, default=0
        Random start (the initial class shares of each customer).
    max_iter : int, default=500
    tol : float, default=1e-8
        Stop when the log-likelihood improves by less than this, relative.

    Returns
    -------
    ndarray of int
        The most probable class of each customer.

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> y = np.r_[rng.poisson(1, (200, 2)), rng.poisson(9, (200, 2))]
    >>> labels = latent_class(y, np.ones(400), 2)
    >>> len(set(labels[:200])) == len(set(labels[200:])) == 1
    True
    """
    return _latent_class_em(counts, exposure, k, random_state=random_state,
                            max_iter=max_iter, tol=tol)[0]


def _latent_class_em(counts: np.ndarray, exposure: np.ndarray, k: int, *, random_state: Any,
                     max_iter: int = 500, tol: float = 1e-8) -> tuple[np.ndarray, float]:
    """The labels of :func:`latent_class` and the log-likelihood of its final parameters."""
    from scipy.special import gammaln, logsumexp

    y = np.asarray(counts, dtype=float)
    t = np.asarray(exposure, dtype=float)
    if y.ndim != 2 or len(y) != len(t):
        raise ValueError("counts must be 2-d with one row per exposure value")
    if (y < 0).any() or (t <= 0).any():
        raise ValueError("counts must be >= 0 and exposure > 0")
    rng = check_random_state(random_state)
    resp = rng.dirichlet(np.ones(k), size=len(y))
    const = gammaln(y + 1).sum(axis=1)
    last = -np.inf
    for _ in range(max_iter):  # EM iterations, vectorised over customers
        weight = resp.sum(axis=0) + 1e-12
        rate = (resp.T @ y) / (resp.T @ t)[:, None] + 1e-9
        log_pi = np.log(weight / weight.sum())
        loglik = (y @ np.log(rate).T + (np.log(t)[:, None] * y.sum(axis=1, keepdims=True))
                  - t[:, None] * rate.sum(axis=1)[None, :] - const[:, None] + log_pi)
        total = logsumexp(loglik, axis=1)
        resp = np.exp(loglik - total[:, None])
        ll = total.sum()
        if ll - last < tol * abs(ll):
            break
        last = ll
    return resp.argmax(axis=1), float(ll)


def _check_method_k(X: pd.DataFrame, method: str, k: Any) -> None:
    if method not in METHODS:
        raise ValueError(f"method must be one of {list(METHODS)}; got {method!r}")
    check_frame_columns(X, _METHOD_COLUMNS[method], "X", if_empty=None,
                        hint="build it with customer_features(tables)")
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 2 or k > len(X):
        raise ValueError(f"k must be an integer in [2, {len(X)}]; got {k!r}")


def _fit(X: pd.DataFrame, method: str, k: int, random_state: Any,
         criterion: str | None = None) -> tuple[np.ndarray, float]:
    """Labels of one method, and the value of ``criterion`` (NaN without one)."""
    k = int(k)
    rng = check_random_state(random_state)  # also rejects a bad random_state
    if method == "rfm":  # recency, frequency and monetary ranks, summed, cut into k groups
        score = ((-X["recency_days"]).rank(pct=True)
                 + (X["purchases"] / X["tenure_years"]).rank(pct=True)
                 + X["mean_spend"].rank(pct=True))
        return np.minimum((score.rank(method="first", pct=True).to_numpy() * k).astype(int),
                          k - 1), np.nan
    if method == "latent_class":
        counts = X[list(COUNT_FEATURES)].to_numpy()
        labels, ll = _latent_class_em(counts, X["tenure_years"].to_numpy(), k,
                                      random_state=random_state)
        n_params = k * counts.shape[1] + (k - 1)  # rates per class, class shares
        return labels, (-2.0 * ll + n_params * np.log(len(X)) if criterion == "bic"
                        else np.nan)
    # scikit-learn takes an int (or its own RandomState): keep a seed as it is, so that
    # its numbers do not change, and draw one from a Generator
    seed = int(random_state) if is_seed(random_state) else int(rng.integers(2**31 - 1))
    Z = _standardised(X)
    if method == "kmeans":
        from sklearn.cluster import KMeans

        labels = KMeans(n_clusters=k, n_init=10, random_state=seed).fit_predict(Z)
        if criterion == "silhouette":
            from sklearn.metrics import silhouette_score

            return labels, float(silhouette_score(Z, labels))
        return labels, np.nan
    from sklearn.mixture import GaussianMixture

    gmm = GaussianMixture(n_components=k, covariance_type="full", random_state=seed,
                          reg_covar=1e-4).fit(Z)
    return gmm.predict(Z), float(gmm.bic(Z)) if criterion == "bic" else np.nan


@renamed_kwargs(seed="random_state")
def segment(X: pd.DataFrame, *, method: str, k: int = 5, random_state: Any = 0) -> np.ndarray:
    """Segment customers (rows of :func:`customer_features`) into ``k`` groups.

    Parameters
    ----------
    X : DataFrame
        From :func:`customer_features`.
    method : str
        One of :data:`METHODS`.
    k : int, default=5
        Number of groups, at least 2 and at most the number of customers.
        :func:`choose_k` picks it from the data.
    random_state : int, numpy Generator or None, default=0
        Random start of ``kmeans``, ``gmm`` and ``latent_class`` (``rfm`` draws
        nothing). An int is passed to scikit-learn as it is; a Generator gives it a seed
        drawn from its stream.

    Returns
    -------
    ndarray of int
        A group number in ``0 .. k - 1`` per row of ``X``.

    Examples
    --------
    >>> X = pd.DataFrame({"tenure_years": 1.0, "recency_days": [1.0, 2.0, 300.0, 400.0],
    ...                   "purchases": [9, 8, 1, 1], "mean_spend": [20.0, 22.0, 3.0, 2.0]})
    >>> segment(X, method="rfm", k=2).tolist()
    [1, 1, 1, 0]
    """
    _check_method_k(X, method, k)
    return _fit(X, method, k, random_state)[0]


@dataclass(frozen=True)
class KChoice:
    """The number of segments a criterion chose, with the whole criterion curve.

    Attributes
    ----------
    method : str
        The segmentation method.
    criterion : str
        ``"bic"`` (smaller is better) or ``"silhouette"`` (larger is better).
    curve : Series
        The criterion per number of segments (index ``k``, named after the criterion).
    k : int
        The chosen number: the best point of ``curve``.
    labels : dict of int to ndarray
        The labels of every fit on the curve, so nothing is fitted twice.
    """

    method: str
    criterion: str
    curve: pd.Series
    k: int
    labels: dict[int, np.ndarray] = field(repr=False)


#: The criterion that chooses the number of segments of each fitted method: the Bayesian
#: information criterion for the two likelihood models, the mean silhouette for k-means.
#: RFM groups fit nothing, so nothing scores them: their number is the analyst's
#: convention (:data:`RFM_GROUPS`).
CRITERIA = {"kmeans": "silhouette", "gmm": "bic", "latent_class": "bic"}
#: The usual number of RFM groups (quintiles of the summed score).
RFM_GROUPS = 5


def choose_k(X: pd.DataFrame, *, method: str, ks: Iterable[int] = range(2, 11),
             random_state: Any = 0) -> KChoice:
    """Choose the number of segments of a method by its criterion (:data:`CRITERIA`).

    Fits the method once for every ``k`` in ``ks`` and keeps the ``k`` with the lowest
    Bayesian information criterion (``gmm``, ``latent_class``: the likelihood, less a
    penalty of log(n) per parameter) or the highest mean silhouette (``kmeans``: how
    much closer each customer is to its own cluster than to the next one, on the
    standardised features). Nothing here looks at true segments.

    Parameters
    ----------
    X : DataFrame
        From :func:`customer_features`.
    method : str
        ``"kmeans"``, ``"gmm"`` or ``"latent_class"`` (``"rfm"`` has no criterion).
    ks : iterable of int, default=range(2, 11)
        The candidate numbers of segments (each at least 2).
    random_state : int, numpy Generator or None, default=0
        The random start of every fit (as :func:`segment`).

    Returns
    -------
    KChoice

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> exposure = np.ones(600)
    >>> X = pd.DataFrame({"tenure_years": exposure, "complaints": 0, "posts": 0,
    ...                   "referrals": 0, "purchases": rng.poisson(np.repeat([1, 12], 300))})
    >>> choice = choose_k(X, method="latent_class", ks=[2, 3, 4])
    >>> choice.k, choice.criterion
    (2, 'bic')
    """
    if method not in CRITERIA:
        raise ValueError(f"method must be one of {list(CRITERIA)} (rfm fits nothing that a "
                         f"criterion could score); got {method!r}")
    ks = sorted({int(k) for k in ks})
    if not ks:
        raise ValueError("ks must hold at least one number of segments")
    for k in ks:
        _check_method_k(X, method, k)
    criterion = CRITERIA[method]
    rng = check_random_state(random_state)
    start = random_state if is_seed(random_state) else int(rng.integers(2**31 - 1))
    labels, values = {}, []
    for k in ks:  # one fit per candidate k
        labels[k], value = _fit(X, method, k, start, criterion)
        values.append(value)
    curve = pd.Series(values, index=pd.Index(ks, name="k"), name=criterion)
    best = curve.idxmax() if criterion == "silhouette" else curve.idxmin()
    return KChoice(method=method, criterion=criterion, curve=curve, k=int(best),
                   labels=labels)


def bootstrap_stability(X: pd.DataFrame, *, method: str, k: int, n_boot: int = 20,
                        random_state: Any = 0) -> pd.Series:
    """How much a segmentation changes when the sample of customers changes.

    Draw ``n_boot`` bootstrap samples of the customers (with replacement), fit the
    method again on each, and compare its labels with those of the fit on all
    customers, on the customers the sample drew, by the adjusted Rand index. Unlike the
    agreement between random starts on the same data (which is 1 by construction for
    a method without randomness), this is what a replication on new customers would
    see.

    Parameters
    ----------
    X : DataFrame
        From :func:`customer_features`.
    method : str
        One of :data:`METHODS`.
    k : int
        Number of segments.
    n_boot : int, default=20
        Bootstrap samples.
    random_state : int, numpy Generator or None, default=0
        Draws the samples; every fit uses the same random start (an int: that start;
        a Generator: one start drawn from it first).

    Returns
    -------
    Series
        ARI of each bootstrap fit with the full fit (index ``replicate``); report its
        mean and its minimum.

    Examples
    --------
    >>> X = pd.DataFrame({"tenure_years": 1.0, "recency_days": np.arange(40.0),
    ...                   "purchases": np.arange(40) % 7, "mean_spend": np.arange(40.0)})
    >>> ari = bootstrap_stability(X, method="rfm", k=2, n_boot=5)
    >>> len(ari), bool(ari.between(-1, 1).all())
    (5, True)
    """
    from sklearn.metrics import adjusted_rand_score

    _check_method_k(X, method, k)
    if isinstance(n_boot, bool) or not isinstance(n_boot, (int, np.integer)) or n_boot < 1:
        raise ValueError(f"n_boot must be an integer >= 1; got {n_boot!r}")
    rng = check_random_state(random_state)
    start = random_state if is_seed(random_state) else int(rng.integers(2**31 - 1))
    reference = _fit(X, method, k, start)[0]
    n = len(X)
    ari = np.empty(int(n_boot))
    for b in range(int(n_boot)):  # a handful of refits, each vectorised
        draw = rng.integers(0, n, size=n)
        labels = _fit(X.iloc[draw], method, k, start)[0]
        drawn, first = np.unique(draw, return_index=True)  # each customer once
        ari[b] = adjusted_rand_score(reference[drawn], labels[first])
    return pd.Series(ari, index=pd.RangeIndex(int(n_boot), name="replicate"), name="ari")


def score_labels(labels: np.ndarray, truth: np.ndarray) -> dict[str, float]:
    """Agreement of a segmentation with the true segments: ARI and AMI.

    Examples
    --------
    >>> score_labels(np.array([0, 0, 1, 1]), np.array(["a", "a", "b", "b"]))
    {'ari': 1.0, 'ami': 1.0}
    """
    from sklearn.metrics import adjusted_mutual_info_score, adjusted_rand_score

    return {"ari": float(adjusted_rand_score(truth, labels)),
            "ami": float(adjusted_mutual_info_score(truth, labels))}


def labels_at_k(X: pd.DataFrame, *, method: str, k: int | str = 5,
                ks: Iterable[int] = range(2, 11), random_state: Any = 0
                ) -> tuple[np.ndarray, int]:
    """Labels of one method with ``k`` given or chosen by the method's criterion.

    Parameters
    ----------
    X : DataFrame
        From :func:`customer_features`.
    method : str
        One of :data:`METHODS`.
    k : int or "choose", default=5
        A number of segments, or ``"choose"``: :func:`choose_k` over ``ks`` for the
        fitted methods, :data:`RFM_GROUPS` for ``rfm`` (which has no criterion).
    ks : iterable of int, default=range(2, 11)
        Candidates when ``k="choose"``.
    random_state : int, numpy Generator or None, default=0
        Random start (as :func:`segment`).

    Returns
    -------
    (ndarray of int, int)
        The labels and the number of segments used.

    Examples
    --------
    >>> X = pd.DataFrame({"tenure_years": 1.0, "recency_days": [1.0, 2.0, 300.0, 400.0],
    ...                   "purchases": [9, 8, 1, 1], "mean_spend": [20.0, 22.0, 3.0, 2.0]})
    >>> labels_at_k(X, method="rfm", k=2)[1], labels_at_k(X, method="rfm", k="choose")[1]
    (2, 4)
    """
    if isinstance(k, str):
        if k != "choose":
            raise ValueError(f"k must be an integer or 'choose'; got {k!r}")
        if method not in CRITERIA:
            if method not in METHODS:
                raise ValueError(f"method must be one of {list(METHODS)}; got {method!r}")
            k = min(RFM_GROUPS, len(X))
        else:
            choice = choose_k(X, method=method, ks=ks, random_state=random_state)
            return choice.labels[choice.k], choice.k
    _check_method_k(X, method, k)
    return _fit(X, method, int(k), random_state)[0], int(k)


def _one_world(make: Callable, config, seed: int, methods: Sequence[str], k: int | str,
               starts: Sequence[int], n_boot: int, as_of: Any) -> list[dict]:
    world = make(config, seed=seed)
    X = customer_features(world.tables, as_of=as_of)
    truth = world.truth.customers.set_index("customer_id")["segment"].reindex(X.index)
    rows = []
    for method in methods:
        first, used = labels_at_k(X, method=method, k=k, random_state=starts[0])
        runs = [first] + [segment(X, method=method, k=used, random_state=s)
                          for s in starts[1:]]
        scores = [score_labels(r, truth.to_numpy()) for r in runs]
        agreement = [score_labels(a, b)["ari"] for i, a in enumerate(runs)
                     for b in runs[i + 1:]]
        row = {"config": str(getattr(config, "n_customers", config)), "world_seed": seed,
               "method": method, "k": used, "ari": np.mean([s["ari"] for s in scores]),
               "ami": np.mean([s["ami"] for s in scores]),
               "restart_agreement": float(np.mean(agreement)) if agreement else 1.0}
        if n_boot:
            boot = bootstrap_stability(X, method=method, k=used, n_boot=n_boot,
                                       random_state=starts[0])
            row.update(stability=float(boot.mean()), stability_min=float(boot.min()))
        rows.append(row)
    return rows


def run_experiment(make: Callable, configs: Iterable, seeds: Iterable[int], *,
                   methods: Sequence[str] = METHODS, k: int | str = 5, restarts: int = 3,
                   n_boot: int = 10, as_of: Any = None, progress: bool = False,
                   n_jobs: int = 1, random_state: Any = 0) -> pd.DataFrame:
    """Score segmentation methods on many worlds against their true segments.

    Parameters
    ----------
    make : callable
        ``make(config, seed=seed) -> World``, e.g. ``crmlab.make_world``.
    configs : iterable
        World configurations (or preset names) to vary.
    seeds : iterable of int
        World seeds: each (config, seed) is one replicate world.
    methods : sequence of str, default=all :data:`METHODS`
    k : int or "choose", default=5
        The number of segments, or ``"choose"``: each method's criterion chooses it
        on each world (see :func:`labels_at_k`), as an analyst without the truth would.
    restarts : int, default=3
        Random starts per method; ``restart_agreement`` is the mean ARI between their
        labels (1 by construction for ``rfm``, which draws nothing).
    n_boot : int, default=10
        Bootstrap samples of :func:`bootstrap_stability` per world and method (0: none).
    as_of : date-like, optional
        Features as of this date (see :func:`customer_features`).
    progress : bool, default=False
        Show a progress bar over worlds.
    n_jobs : int, default=1
        Worlds analysed in parallel processes (``make`` must be picklable).
    random_state : int, numpy Generator or None, default=0
        The random starts: an int ``s`` gives starts ``s, s + 1, ..., s + restarts - 1``;
        a Generator or None gives ``restarts`` seeds drawn from it. Every world uses
        the same starts, however many jobs run them. The first start also draws the
        bootstrap samples and chooses ``k``.

    Returns
    -------
    DataFrame
        One row per world and method: ``k`` (used), ``ari``, ``ami`` (vs the truth,
        mean over restarts), ``restart_agreement``, and with ``n_boot`` the bootstrap
        ``stability`` (mean ARI) and ``stability_min``.

    Examples
    --------
    >>> import crmlab as crm
    >>> t = run_experiment(crm.make_world, [crm.WorldConfig(n_customers=300)], [1],
    ...                    methods=["rfm"], restarts=2, n_boot=2)
    >>> t[["method", "k", "restart_agreement"]].to_dict("records")
    [{'method': 'rfm', 'k': 5, 'restart_agreement': 1.0}]
    """
    for m in methods:
        if m not in METHODS:
            raise ValueError(f"unknown method {m!r}; choose from {list(METHODS)}")
    jobs = [(c, s) for c in list(configs) for s in list(seeds)]
    if not jobs:
        raise ValueError("no worlds to run: configs and seeds must not be empty")
    if isinstance(restarts, bool) or not isinstance(restarts, int) or restarts < 1:
        raise ValueError(f"restarts must be an integer >= 1; got {restarts!r}")
    if isinstance(n_boot, bool) or not isinstance(n_boot, int) or n_boot < 0:
        raise ValueError(f"n_boot must be an integer >= 0; got {n_boot!r}")
    if isinstance(k, str) and k != "choose":
        raise ValueError(f"k must be an integer or 'choose'; got {k!r}")
    rng = check_random_state(random_state)
    starts = (list(range(int(random_state), int(random_state) + restarts))
              if is_seed(random_state) else rng.integers(2**31 - 1, size=restarts).tolist())
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(jobs), desc="worlds", unit="world")
    rows: list[dict] = []
    if n_jobs == 1:
        for config, seed in jobs:
            rows += _one_world(make, config, seed, methods, k, starts, n_boot, as_of)
            if bar is not None:
                bar.update(1)
    else:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        # spawn, not fork: forking after BLAS/Arrow threads started can deadlock
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=n_jobs, mp_context=context) as pool:
            futures = [pool.submit(_one_world, make, c, s, methods, k, starts, n_boot, as_of)
                       for c, s in jobs]
            for future in futures:  # in submission order: same table however many jobs
                rows += future.result()
                if bar is not None:
                    bar.update(1)
    if bar is not None:
        bar.close()
    return pd.DataFrame(rows)
