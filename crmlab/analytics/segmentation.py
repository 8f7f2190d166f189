"""Segmentation experiments: do the usual methods find the segments that are really there?

Real data never tells you whether a segmentation is *right*. A crmlab world does: every
customer belongs to a latent segment that generated their behaviour. This module
builds behavioural features from a world's tables, segments them with several methods,
and scores each against the true segments with the adjusted Rand index (ARI) and
adjusted mutual information (AMI), and against itself across random starts
(stability).

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
from typing import Any

import numpy as np
import pandas as pd

from ._deprecation import renamed_kwargs
from ._validation import check_frame_columns, check_random_state, check_tables, is_seed

__all__ = ["METHODS", "customer_features", "latent_class", "run_experiment", "score_labels",
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


def customer_features(tables: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """Behavioural features per customer from a world's observable tables.

    Parameters
    ----------
    tables : mapping of table name to DataFrame
        ``World.tables``, or any mapping with these tables and columns: ``customers``
        (``customer_id``, ``signup_date``, ``plan``, ``birth_date``, optionally
        ``churn_date``), ``transactions`` (``customer_id``, ``timestamp``, ``amount``,
        ``channel``), ``invoices`` (``customer_id``, ``issue_date``, ``amount``),
        ``complaints`` (``customer_id``), ``online_activity`` (``customer_id``,
        ``sentiment``) and ``referrals`` (``referrer_id``).

    Returns
    -------
    DataFrame
        Indexed by customer id: ``tenure_years``, ``recency_days`` (days from the last
        top-up or invoice to the end of the data), counts ``purchases`` (top-ups and
        invoices), ``complaints``, ``posts``, ``referrals``; ``mean_spend``,
        ``digital_share`` (share of app or web top-ups), ``postpaid``, ``age``,
        ``sentiment`` (mean of posts, 0 without posts).
    """
    check_tables(tables, _NEEDED)
    cust = tables["customers"]
    check_frame_columns(cust, _NEEDED["customers"], "tables['customers']",
                        if_empty="need at least one customer")
    ids = pd.Index(cust["customer_id"].to_numpy(), name="customer_id")
    tx, inv = tables["transactions"], tables["invoices"]
    last_seen = max(tx["timestamp"].max() if len(tx) else cust["signup_date"].max(),
                    inv["issue_date"].max() if len(inv) else cust["signup_date"].max())
    end = cust["churn_date"].fillna(last_seen).to_numpy() if "churn_date" in cust else last_seen
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
    posts = tables["online_activity"]
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
        "complaints": count(tables["complaints"]),
        "posts": count(posts),
        "referrals": count(tables["referrals"], "referrer_id"),
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
    return resp.argmax(axis=1)


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
    if method not in METHODS:
        raise ValueError(f"method must be one of {list(METHODS)}; got {method!r}")
    check_frame_columns(X, _METHOD_COLUMNS[method], "X", if_empty=None,
                        hint="build it with customer_features(tables)")
    if isinstance(k, bool) or not isinstance(k, int) or k < 2 or k > len(X):
        raise ValueError(f"k must be an integer in [2, {len(X)}]; got {k!r}")
    rng = check_random_state(random_state)  # also rejects a bad random_state
    if method == "rfm":  # recency, frequency and monetary ranks, summed, cut into k groups
        score = ((-X["recency_days"]).rank(pct=True)
                 + (X["purchases"] / X["tenure_years"]).rank(pct=True)
                 + X["mean_spend"].rank(pct=True))
        return np.minimum((score.rank(method="first", pct=True).to_numpy() * k).astype(int),
                          k - 1)
    if method == "latent_class":
        counts = X[list(COUNT_FEATURES)].to_numpy()
        return latent_class(counts, X["tenure_years"].to_numpy(), k,
                            random_state=random_state)
    # scikit-learn takes an int (or its own RandomState): keep a seed as it is, so that
    # its numbers do not change, and draw one from a Generator
    seed = int(random_state) if is_seed(random_state) else int(rng.integers(2**31 - 1))
    Z = _standardised(X)
    if method == "kmeans":
        from sklearn.cluster import KMeans

        return KMeans(n_clusters=k, n_init=10, random_state=seed).fit_predict(Z)
    from sklearn.mixture import GaussianMixture

    return GaussianMixture(n_components=k, covariance_type="full", random_state=seed,
                           reg_covar=1e-4).fit(Z).predict(Z)


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


def _one_world(make: Callable, config, seed: int, methods: Sequence[str], k: int,
               starts: Sequence[int]) -> list[dict]:
    world = make(config, seed=seed)
    X = customer_features(world.tables)
    truth = world.truth.customers.set_index("customer_id")["segment"].reindex(X.index)
    rows = []
    for method in methods:
        runs = [segment(X, method=method, k=k, random_state=s) for s in starts]
        scores = [score_labels(r, truth.to_numpy()) for r in runs]
        stability = [score_labels(a, b)["ari"] for i, a in enumerate(runs)
                     for b in runs[i + 1:]]
        rows.append({"config": str(getattr(config, "n_customers", config)), "world_seed": seed,
                     "method": method, "ari": np.mean([s["ari"] for s in scores]),
                     "ami": np.mean([s["ami"] for s in scores]),
                     "stability": float(np.mean(stability)) if stability else 1.0})
    return rows


def run_experiment(make: Callable, configs: Iterable, seeds: Iterable[int], *,
                   methods: Sequence[str] = METHODS, k: int = 5, restarts: int = 3,
                   progress: bool = False, n_jobs: int = 1,
                   random_state: Any = 0) -> pd.DataFrame:
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
    k : int, default=5
    restarts : int, default=3
        Random starts per method; stability is the mean ARI between their labels.
    progress : bool, default=False
        Show a progress bar over worlds.
    n_jobs : int, default=1
        Worlds analysed in parallel processes (``make`` must be picklable).
    random_state : int, numpy Generator or None, default=0
        The random starts: an int ``s`` gives starts ``s, s + 1, ..., s + restarts - 1``;
        a Generator or None gives ``restarts`` seeds drawn from it. Every world uses
        the same starts, however many jobs run them.

    Returns
    -------
    DataFrame
        One row per world and method: ``ari``, ``ami`` (vs the truth, mean over
        restarts), ``stability``.
    """
    for m in methods:
        if m not in METHODS:
            raise ValueError(f"unknown method {m!r}; choose from {list(METHODS)}")
    jobs = [(c, s) for c in list(configs) for s in list(seeds)]
    if not jobs:
        raise ValueError("no worlds to run: configs and seeds must not be empty")
    if isinstance(restarts, bool) or not isinstance(restarts, int) or restarts < 1:
        raise ValueError(f"restarts must be an integer >= 1; got {restarts!r}")
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
            rows += _one_world(make, config, seed, methods, k, starts)
            if bar is not None:
                bar.update(1)
    else:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        # spawn, not fork: forking after BLAS/Arrow threads started can deadlock
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=n_jobs, mp_context=context) as pool:
            futures = [pool.submit(_one_world, make, c, s, methods, k, starts)
                       for c, s in jobs]
            for future in futures:  # in submission order: same table however many jobs
                rows += future.result()
                if bar is not None:
                    bar.update(1)
    if bar is not None:
        bar.close()
    return pd.DataFrame(rows)
