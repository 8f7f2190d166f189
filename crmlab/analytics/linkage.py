"""Record linkage: one customer view from separate systems' extracts.

Before CRM, sales, customer service, billing and the web shop each kept their own
customer file (their own keys, spellings, phone formats and duplicates). Counting the
records of all of them counts many customers two, three or four times; reading any one
of them shows an agent a fraction of the customer. Record linkage finds the records
that belong to the same person:

1. **standardise** every extract to the same fields (first and last name, phone,
   e-mail, address), normalised so that formatting differences disappear
   (:func:`standardize`, :func:`standardize_silos`);
2. **block**: compare only pairs of records that share a cheap key (same phone, same
   e-mail, same address, or the same start of the last name and first initial)
   instead of all ``n * (n - 1) / 2`` pairs (:func:`candidate_pairs`);
3. **compare** each candidate pair field by field: exact agreement for phone, e-mail
   and address, a typo-tolerant similarity (Dice coefficient of letter pairs) for names
   (:func:`compare_pairs`);
4. **score** the comparisons with match weights in the spirit of Fellegi & Sunter
   (1969): agreement on a rare, reliable field adds much evidence, disagreement takes
   some away, a missing field says nothing (:func:`score_pairs`);
5. **link** pairs whose score reaches a threshold and take connected components, so
   that a web account linked to a billing account by e-mail, and that billing account
   linked to a sales record by phone, end up as one customer (:func:`cluster_records`).

:func:`evaluate_linkage` scores the result against a known true mapping (precision and
recall over record pairs); :func:`link_records` runs the whole chain.

Everything is vectorised: names become matrices of letter-pair codes, and pairs are
compared a chunk at a time with numpy broadcasting.

Examples
--------
>>> import pandas as pd
>>> a = pd.DataFrame({"id": ["S1", "S2"], "name": ["Ann Lee", "Bob Stone"],
...                   "phone": ["(415) 555-0101", "(212) 555-0199"]})
>>> b = pd.DataFrame({"id": ["B7"], "first": ["Anne"], "last": ["Lee"],
...                   "phone": ["4155550101"]})
>>> records = pd.concat([standardize(a, source="sales", id_col="id", full_name_col="name",
...                                  phone_col="phone"),
...                      standardize(b, source="billing", id_col="id", first_name_col="first",
...                                  last_name_col="last", phone_col="phone")],
...                     ignore_index=True)
>>> link_records(records)["entity"].tolist()
[0, 1, 0]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.sparse import csgraph

from ._deprecation import renamed_kwargs
from ._validation import check_frame_columns

__all__ = ["DEFAULT_WEIGHTS", "FIELDS", "SILO_LAYOUT", "LinkageScore", "candidate_pairs",
           "cluster_records", "compare_pairs", "evaluate_linkage", "link_records",
           "name_similarity", "normalize_phone", "normalize_text", "score_pairs",
           "standardize", "standardize_silos", "threshold_sweep"]

#: The standard fields of a record, after :func:`standardize`.
FIELDS = ("first", "last", "phone", "email", "address")

#: Match weights (agree, disagree) per comparison, in bits (log2 of likelihood ratios).
#: A pair's score is the sum over fields compared; a missing field adds 0.
DEFAULT_WEIGHTS: dict[str, tuple[float, float]] = {
    "phone": (12.0, -5.0),
    "email": (12.0, -5.0),
    "address": (8.0, -2.0),
    "first": (4.0, -2.0),
    "last": (6.0, -4.0),
}

#: Names agree when the Dice similarity of their letter pairs reaches this value.
NAME_AGREEMENT = 0.75

#: How crmlab's silo extracts (``World.silos``) map onto the standard fields: per silo,
#: the keyword arguments of :func:`standardize`.
SILO_LAYOUT: dict[str, dict[str, str]] = {
    "sales": {"id_col": "account_no", "full_name_col": "full_name",
              "name_order": "first_last", "phone_col": "phone", "address_col": "address"},
    "service": {"id_col": "contact_id", "full_name_col": "customer_name",
                "name_order": "last_first", "phone_col": "phone", "email_col": "email"},
    "billing": {"id_col": "account_number", "first_name_col": "first_name",
                "last_name_col": "last_name", "phone_col": "phone", "email_col": "email",
                "address_col": "billing_address"},
    "web": {"id_col": "user_id", "first_name_col": "display_name", "email_col": "email",
            "address_col": "address"},
}

_BLOCK_KEYS = ("phone", "email", "address", "name")


# ---------------------------------------------------------------------------------------
# Standardising
# ---------------------------------------------------------------------------------------
def normalize_text(values: pd.Series | Sequence[Any]) -> pd.Series:
    """Lower case, Persian letter forms, punctuation removed, spaces collapsed.

    Arabic yeh and kaf (``ي``, ``ك``) become the Persian ``ی`` and ``ک``; the zero-width
    non-joiner becomes a space; commas, dots, hyphens and apostrophes go. Missing
    values and empty strings become ``<NA>``.

    Examples
    --------
    >>> normalize_text(["  O'Brien, ANN ", "علي كريمي", None]).tolist()
    ['obrien ann', 'علی کریمی', <NA>]
    """
    s = pd.Series(values, dtype="str").str.lower()
    s = (s.str.replace("ي", "ی", regex=False).str.replace("ك", "ک", regex=False)
         .str.replace("\u200c", " ", regex=False)
         .str.replace(r"[,.'’\-]", "", regex=True)
         .str.replace(r"\s+", " ", regex=True).str.strip())
    s = s.astype("string")
    return s.mask(s == "")


def normalize_phone(values: pd.Series | Sequence[Any], *, digits: int = 10) -> pd.Series:
    """The last ``digits`` digits of a phone number, whatever its format.

    ``(415) 555-0123``, ``+1 415 555 0123`` and ``4155550123`` all become
    ``4155550123``; ``0912 345 6789`` and ``+98 912 345 6789`` become ``9123456789``.
    Numbers with fewer digits become ``<NA>``.

    Examples
    --------
    >>> normalize_phone(["(415) 555-0123", "+1 415 555 0123", "+98 912 345 6789", "12"]).tolist()
    ['4155550123', '4155550123', '9123456789', <NA>]
    """
    if digits < 1:
        raise ValueError(f"digits must be a positive integer; got {digits}")
    s = pd.Series(values, dtype="str").str.replace(r"\D", "", regex=True)
    s = s.astype("string")
    return s.str.slice(-digits).mask(s.str.len() < digits)


def _email(values: pd.Series) -> pd.Series:
    s = pd.Series(values, dtype="str").str.lower().str.strip().astype("string")
    return s.mask(s == "")


def _column(df: pd.DataFrame, col: str | None) -> pd.Series:
    if col is None:
        return pd.Series(pd.NA, index=df.index, dtype="string")
    return df[col]


@renamed_kwargs(key="id_col", first="first_name_col", last="last_name_col",
                full_name="full_name_col", phone="phone_col", email="email_col",
                address="address_col")
def standardize(df: pd.DataFrame, *, source: str, id_col: str,
                first_name_col: str | None = None, last_name_col: str | None = None,
                full_name_col: str | None = None, name_order: str = "first_last",
                phone_col: str | None = None, email_col: str | None = None,
                address_col: str | None = None) -> pd.DataFrame:
    """One system's customer extract in the standard layout for linkage.

    Parameters
    ----------
    df : DataFrame
        The extract, one row per record.
    source : str
        Name of the system (kept in the ``source`` column).
    id_col : str
        Column with the system's own record key.
    first_name_col, last_name_col : str, optional
        Columns with the first and the last name.
    full_name_col : str, optional
        A column with the whole name instead: ``"Last, First"`` is split at the comma;
        otherwise at the first space, read in ``name_order``.
    name_order : {"first_last", "last_first"}, default="first_last"
    phone_col, email_col, address_col : str, optional
        Columns holding them; absent fields stay missing.

    Returns
    -------
    DataFrame
        ``source``, ``record_key`` and the normalised :data:`FIELDS`, in the rows' order.

    Examples
    --------
    >>> df = pd.DataFrame({"k": ["CT1"], "n": ["LEE, Ann"], "p": ["+1 415 555 0101"]})
    >>> standardize(df, source="service", id_col="k", full_name_col="n",
    ...             phone_col="p").iloc[0].tolist()
    ['service', 'CT1', 'ann', 'lee', '4155550101', <NA>, <NA>]
    """
    given = {"id_col": id_col, "first_name_col": first_name_col,
             "last_name_col": last_name_col, "full_name_col": full_name_col,
             "phone_col": phone_col, "email_col": email_col, "address_col": address_col}
    for arg, col in given.items():  # one check per argument, so the message names it
        check_frame_columns(df, [col], "df", if_empty=None, hint=f"check {arg}={col!r}")
    if name_order not in ("first_last", "last_first"):
        raise ValueError(f"name_order must be 'first_last' or 'last_first'; got {name_order!r}")
    if full_name_col is not None and (first_name_col is not None or last_name_col is not None):
        raise ValueError("give either full_name_col or first_name_col/last_name_col, not both")
    keys = _column(df, id_col)
    if keys.isna().any():
        raise ValueError(f"column {id_col!r} (id_col) has {int(keys.isna().sum())} missing "
                         "record keys")
    if full_name_col is not None:
        raw = pd.Series(_column(df, full_name_col), dtype="str")
        comma = raw.str.contains(",", regex=False, na=False)
        parts = raw.str.replace(",", " ", regex=False).str.strip().str.split(n=1, expand=True)
        parts = parts.reindex(columns=[0, 1])
        a, b = parts[0], parts[1]
        last_first = comma | (name_order == "last_first")
        f_raw = a.where(~last_first, b)
        l_raw = b.where(~last_first, a)
    else:
        f_raw = _column(df, first_name_col)
        l_raw = _column(df, last_name_col)
    out = pd.DataFrame({
        "source": pd.Series(source, index=df.index, dtype="str"),
        "record_key": pd.Series(keys, dtype="str"),
        "first": normalize_text(f_raw).set_axis(df.index),
        "last": normalize_text(l_raw).set_axis(df.index),
        "phone": normalize_phone(_column(df, phone_col)).set_axis(df.index),
        "email": _email(_column(df, email_col)).set_axis(df.index),
        "address": normalize_text(_column(df, address_col)).set_axis(df.index),
    })
    return out.reset_index(drop=True)


def standardize_silos(silos: Mapping[str, pd.DataFrame],
                      layout: Mapping[str, Mapping[str, str]] | None = None) -> pd.DataFrame:
    """All silo extracts of a crmlab world, standardised and stacked.

    Parameters
    ----------
    silos : mapping of name -> DataFrame
        ``World.silos`` (or any extracts described by ``layout``).
    layout : mapping, optional
        Per silo, the keyword arguments of :func:`standardize` (default
        :data:`SILO_LAYOUT`).

    Returns
    -------
    DataFrame
        One row per record of every silo (silos in the order given).

    Examples
    --------
    >>> import crmlab as crm
    >>> w = crm.make_world("tiny", seed=1)
    >>> r = standardize_silos(w.silos)
    >>> len(r) == sum(len(t) for t in w.silos.values())
    True
    """
    layout = SILO_LAYOUT if layout is None else layout
    unknown = [name for name in silos if name not in layout]
    if unknown:
        raise ValueError(f"no layout for silo(s) {unknown}; known: {sorted(layout)}")
    parts = [standardize(table, source=name, **layout[name]) for name, table in silos.items()]
    return pd.concat(parts, ignore_index=True)


# ---------------------------------------------------------------------------------------
# Blocking and comparing
# ---------------------------------------------------------------------------------------
def _check_records(records: pd.DataFrame) -> None:
    check_frame_columns(records, FIELDS, "records", if_empty=None,
                        hint="build them with standardize() or standardize_silos()")


def _block_key(records: pd.DataFrame, name: str) -> pd.Series:
    if name == "name":
        return records["last"].str.slice(0, 4) + "|" + records["first"].str.slice(0, 1)
    return records[name]


def candidate_pairs(records: pd.DataFrame, *, keys: Sequence[str] = _BLOCK_KEYS,
                    max_block: int = 200) -> pd.DataFrame:
    """Pairs of records that share at least one blocking key.

    Parameters
    ----------
    records : DataFrame
        Standardised records (:func:`standardize_silos`).
    keys : sequence of {"phone", "email", "address", "name"}
        Blocking keys; ``"name"`` is the first four letters of the last name with the
        first initial.
    max_block : int, default=200
        Blocks with more records than this are skipped (a key shared by so many
        records, such as a placeholder phone number, does not identify anyone).

    Returns
    -------
    DataFrame
        Integer positions ``left < right`` of each candidate pair, sorted, unique.

    Examples
    --------
    >>> r = pd.DataFrame({"first": ["ann", "anne", "bob"], "last": ["lee", "lee", "lee"],
    ...                   "phone": ["1", "1", "2"], "email": [pd.NA] * 3,
    ...                   "address": [pd.NA] * 3})
    >>> candidate_pairs(r, keys=["phone"]).values.tolist()
    [[0, 1]]
    """
    _check_records(records)
    bad = [k for k in keys if k not in _BLOCK_KEYS]
    if bad or len(keys) == 0:
        raise ValueError(f"keys must be a non-empty subset of {_BLOCK_KEYS}; got {list(keys)}")
    if max_block < 2:
        raise ValueError(f"max_block must be at least 2; got {max_block}")
    found = []
    pos = np.arange(len(records))
    for name in keys:  # a handful of blocking passes, each vectorised
        key = _block_key(records, name)
        ok = key.notna().to_numpy()
        codes, _ = pd.factorize(key[ok])
        sizes = np.bincount(codes)
        keep = sizes[codes] <= max_block
        p, c = pos[ok][keep], codes[keep]
        order = np.argsort(c, kind="stable")
        p, c = p[order], c[order]
        end = np.searchsorted(c, c, side="right")
        count = end - np.arange(len(c)) - 1  # partners after each record in its block
        left = np.repeat(p, count)
        offset = np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count)
        right = p[np.repeat(np.arange(len(c)), count) + 1 + offset]
        found.append(np.stack([np.minimum(left, right), np.maximum(left, right)], axis=1))
    pairs = np.unique(np.concatenate(found), axis=0) if found else np.empty((0, 2), int)
    return pd.DataFrame(pairs.reshape(-1, 2).astype(np.int64), columns=["left", "right"])


def _bigram_codes(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Letter-pair codes of each string (start and end markers around every word),
    padded with -1.

    Returns the code matrix and the number of pairs per string (0 when missing)."""
    missing = values.isna().to_numpy()
    if len(values) == 0:  # numpy's string ufuncs reject empty arrays
        return np.full((0, 1), -1, dtype=np.int64), np.zeros(0, dtype=np.int64)
    text = values.fillna("").to_numpy(dtype=str)
    text = np.strings.add(np.strings.add("\x02", np.strings.replace(text, " ", "\x03\x02")), "\x03")
    n = len(text)
    width = max(text.dtype.itemsize // 4, 2)
    mat = np.zeros((n, width), dtype=np.int64)
    if n:
        mat[:, :width] = text.astype(f"<U{width}").view(np.uint32).reshape(n, width)
    length = np.char.str_len(text)
    codes = mat[:, :-1] * (1 << 21) + mat[:, 1:]
    valid = np.arange(width - 1)[None, :] < (length - 1)[:, None]
    valid &= ~missing[:, None]
    codes = np.where(valid, codes, -1)
    return codes, valid.sum(axis=1)


def name_similarity(a: pd.Series | Sequence[Any], b: pd.Series | Sequence[Any], *,
                    chunk: int = 20_000) -> np.ndarray:
    """Dice similarity of the letter pairs of two aligned lists of names.

    ``2 * |shared pairs| / (|pairs of a| + |pairs of b|)``, with start and end markers
    around every word, so that one-letter names still have pairs and word order does
    not matter. 1 means identical letter pairs, 0 none in common; NaN where a name is
    missing. One swapped, dropped or doubled letter typically costs 0.1-0.5.

    Examples
    --------
    >>> name_similarity(["robert", "ann", "ann"], ["robeert", "bob", None]).round(2).tolist()
    [0.93, 0.0, nan]
    """
    sa = normalize_text(a)
    sb = normalize_text(b)
    if len(sa) != len(sb):
        raise ValueError(f"a and b must have the same length; got {len(sa)} and {len(sb)}")
    ca, la = _bigram_codes(sa)
    cb, lb = _bigram_codes(sb)
    out = np.full(len(sa), np.nan)
    for lo in range(0, len(sa), chunk):  # chunks bound the memory of the broadcast
        A, B = ca[lo:lo + chunk], cb[lo:lo + chunk]
        eq = (A[:, :, None] == B[:, None, :]) & (A[:, :, None] >= 0)
        shared = eq.any(axis=2).sum(axis=1) + eq.any(axis=1).sum(axis=1)
        total = la[lo:lo + chunk] + lb[lo:lo + chunk]
        with np.errstate(invalid="ignore", divide="ignore"):
            out[lo:lo + chunk] = np.where(total > 0, shared / total, np.nan)
    out[(la == 0) | (lb == 0)] = np.nan
    return out


def compare_pairs(records: pd.DataFrame, pairs: pd.DataFrame) -> pd.DataFrame:
    """Field-by-field comparison of candidate pairs.

    Returns
    -------
    DataFrame
        ``left``, ``right``, then ``phone``, ``email``, ``address`` (1.0 agree, 0.0
        disagree, NaN if either is missing) and ``first``, ``last`` (name similarity in
        [0, 1], NaN if either is missing).

    Examples
    --------
    >>> r = pd.DataFrame({"first": ["ann", "anne"], "last": ["lee", "lee"],
    ...                   "phone": ["1", "1"], "email": [pd.NA, "a@x"],
    ...                   "address": ["1 main st", "2 main st"]})
    >>> compare_pairs(r, pd.DataFrame({"left": [0], "right": [1]})).round(2).iloc[0].tolist()
    [0.0, 1.0, 1.0, nan, 0.0, 0.67, 1.0]
    """
    _check_records(records)
    check_frame_columns(pairs, ["left", "right"], "pairs", if_empty=None,
                        hint="build them with candidate_pairs()")
    li = pairs["left"].to_numpy(dtype=np.int64)
    ri = pairs["right"].to_numpy(dtype=np.int64)
    if len(li) and (min(li.min(), ri.min()) < 0 or max(li.max(), ri.max()) >= len(records)):
        raise ValueError(f"pair positions must lie in [0, {len(records)})")
    out = pd.DataFrame({"left": li, "right": ri})
    for col in ("phone", "email", "address"):
        codes = pd.factorize(records[col])[0]  # missing -> -1
        a, b = codes[li], codes[ri]
        out[col] = np.where((a >= 0) & (b >= 0), (a == b).astype(float), np.nan)
    for col in ("first", "last"):
        out[col] = name_similarity(records[col].iloc[li].reset_index(drop=True),
                                   records[col].iloc[ri].reset_index(drop=True))
    return out


def score_pairs(comparisons: pd.DataFrame,
                weights: Mapping[str, tuple[float, float]] | None = None, *,
                name_agreement: float = NAME_AGREEMENT) -> pd.Series:
    """Match weight of each compared pair: the sum of agreement and disagreement weights.

    Parameters
    ----------
    comparisons : DataFrame
        From :func:`compare_pairs`.
    weights : mapping field -> (agree, disagree), optional
        Default :data:`DEFAULT_WEIGHTS`. Fields not listed are ignored.
    name_agreement : float, default=0.75
        Names with at least this similarity agree.

    Returns
    -------
    Series
        One score per pair (same index as ``comparisons``), in bits.

    Examples
    --------
    >>> c = pd.DataFrame({"phone": [1.0, 0.0], "email": [float("nan")] * 2,
    ...                   "address": [1.0, 1.0], "first": [0.9, 0.2], "last": [1.0, 0.1]})
    >>> score_pairs(c).tolist()
    [30.0, -3.0]
    """
    weights = DEFAULT_WEIGHTS if weights is None else weights
    if not 0.0 < name_agreement <= 1.0:
        raise ValueError(f"name_agreement must be in (0, 1]; got {name_agreement}")
    unknown = [f for f in weights if f not in FIELDS]
    if unknown:
        raise ValueError(f"weights for unknown field(s) {unknown}; allowed: {list(FIELDS)}")
    check_frame_columns(comparisons, list(weights), "comparisons", if_empty=None,
                        hint="build them with compare_pairs()")
    score = np.zeros(len(comparisons))
    for field, (agree, disagree) in weights.items():
        v = comparisons[field].to_numpy(dtype=float)
        cut = name_agreement if field in ("first", "last") else 0.5
        score += np.where(np.isnan(v), 0.0, np.where(v >= cut, agree, disagree))
    return pd.Series(score, index=comparisons.index, name="score")


def cluster_records(n_records: int, pairs: pd.DataFrame, matched: Sequence[bool] | np.ndarray
                    ) -> np.ndarray:
    """Entity number of each record: connected components of the matched pairs.

    Entities are numbered 0, 1, ... in order of their first record.

    Examples
    --------
    >>> p = pd.DataFrame({"left": [0, 1, 3], "right": [1, 2, 4]})
    >>> cluster_records(6, p, [True, True, False]).tolist()
    [0, 0, 0, 1, 2, 3]
    """
    if n_records < 0:
        raise ValueError(f"n_records must be non-negative; got {n_records}")
    m = np.asarray(matched, dtype=bool)
    if m.shape != (len(pairs),):
        raise ValueError(f"matched needs one flag per pair ({len(pairs)}); got shape {m.shape}")
    li = pairs["left"].to_numpy(dtype=np.int64)[m]
    ri = pairs["right"].to_numpy(dtype=np.int64)[m]
    graph = sparse.coo_matrix((np.ones(len(li)), (li, ri)), shape=(n_records, n_records))
    _, labels = csgraph.connected_components(graph, directed=False)
    _, first_pos, inverse = np.unique(labels, return_index=True, return_inverse=True)
    rank = np.empty(len(first_pos), dtype=np.int64)
    rank[np.argsort(first_pos)] = np.arange(len(first_pos))
    return rank[inverse]


def link_records(records: pd.DataFrame, *, threshold: float = 10.0,
                 keys: Sequence[str] = _BLOCK_KEYS,
                 weights: Mapping[str, tuple[float, float]] | None = None,
                 pairs: pd.DataFrame | None = None) -> pd.DataFrame:
    """Block, compare, score and cluster: the records with an ``entity`` column added.

    Parameters
    ----------
    records : DataFrame
        Standardised records.
    threshold : float, default=10.0
        Pairs scoring at least this are the same customer.
    keys, weights
        As in :func:`candidate_pairs` and :func:`score_pairs`.
    pairs : DataFrame, optional
        Scored pairs from an earlier run (``left``, ``right``, ``score``), to try
        another threshold without comparing again.

    Returns
    -------
    DataFrame
        A copy of ``records`` with ``entity`` (int). ``attrs["pairs"]`` holds the scored
        candidate pairs.

    Examples
    --------
    >>> r = pd.DataFrame({"first": ["ann", "anne"], "last": ["lee", "lee"],
    ...                   "phone": ["4155550101", "4155550101"], "email": [pd.NA] * 2,
    ...                   "address": [pd.NA] * 2})
    >>> link_records(r)["entity"].tolist()
    [0, 0]
    """
    _check_records(records)
    if pairs is None:
        pairs = compare_pairs(records, candidate_pairs(records, keys=keys))
        pairs["score"] = score_pairs(pairs, weights).to_numpy()
    else:
        check_frame_columns(pairs, ["left", "right", "score"], "pairs", if_empty=None,
                            hint="pass link_records(...).attrs['pairs'] of an earlier run")
    out = records.copy()
    out["entity"] = cluster_records(len(records), pairs, pairs["score"].to_numpy() >= threshold)
    out.attrs["pairs"] = pairs
    return out


@dataclass(frozen=True)
class LinkageScore:
    """How well a linkage matches the truth.

    Attributes
    ----------
    precision, recall, f1 : float
        Over pairs of records: of the pairs put together, the share that truly belong
        together; of the pairs that truly belong together, the share put together.
    records, entities, customers : int
        Records linked, customers the linkage finds, true customers behind them.
    exact : float
        Share of true customers whose records form exactly one entity, with nothing else.
    """

    precision: float
    recall: float
    f1: float
    records: int
    entities: int
    customers: int
    exact: float

    def as_series(self) -> pd.Series:
        """The scores as a named Series (for tables).

        Examples
        --------
        >>> float(LinkageScore(1.0, 0.5, 0.667, 4, 3, 2, 0.5).as_series()["recall"])
        0.5
        """
        return pd.Series(self.__dict__, dtype=float).rename("linkage")


def _pairs_within(counts: np.ndarray) -> int:
    counts = counts.astype(np.int64)
    return int((counts * (counts - 1) // 2).sum())


def evaluate_linkage(entity: Sequence[Any] | np.ndarray, truth: Sequence[Any] | np.ndarray
                     ) -> LinkageScore:
    """Score predicted entities against the true customer of every record.

    Parameters
    ----------
    entity : array-like
        Predicted entity of each record.
    truth : array-like
        True customer id of each record (aligned).

    Examples
    --------
    >>> s = evaluate_linkage([0, 0, 1, 2], ["a", "a", "a", "b"])
    >>> round(s.precision, 2), round(s.recall, 2), s.entities, s.customers
    (1.0, 0.33, 3, 2)
    """
    e = pd.factorize(pd.Series(entity))[0]
    t = pd.factorize(pd.Series(truth))[0]
    if len(e) != len(t):
        raise ValueError(f"entity and truth must be aligned; got {len(e)} and {len(t)} values")
    if len(e) == 0:
        raise ValueError("no records to evaluate")
    if (e < 0).any() or (t < 0).any():
        raise ValueError("entity and truth must not have missing values")
    joint = np.unique(e.astype(np.int64) * (t.max() + 1) + t, return_counts=True)[1]
    tp = _pairs_within(joint)
    predicted = _pairs_within(np.bincount(e))
    actual = _pairs_within(np.bincount(t))
    precision = tp / predicted if predicted else 1.0
    recall = tp / actual if actual else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    # a customer is resolved exactly when one entity holds all their records and no other
    pair = pd.DataFrame({"e": e, "t": t}).drop_duplicates()
    ent_per_customer = pair.groupby("t").size()
    cust_per_entity = pair.groupby("e").size()
    one = ent_per_customer[ent_per_customer == 1].index
    clean = pair[pair["t"].isin(one)]
    exact = float((cust_per_entity.reindex(clean["e"]).to_numpy() == 1).sum()
                  / len(ent_per_customer))
    return LinkageScore(precision=float(precision), recall=float(recall), f1=float(f1),
                        records=len(e), entities=int(e.max() + 1), customers=int(t.max() + 1),
                        exact=exact)


def threshold_sweep(records: pd.DataFrame, truth: Sequence[Any] | np.ndarray,
                    thresholds: Sequence[float], *, pairs: pd.DataFrame | None = None
                    ) -> pd.DataFrame:
    """Precision, recall and customer count of the linkage at several thresholds.

    Parameters
    ----------
    records : DataFrame
        Standardised records.
    truth : array-like
        True customer of each record.
    thresholds : sequence of float
    pairs : DataFrame, optional
        Scored pairs (``link_records(...).attrs["pairs"]``); compared afresh if omitted.

    Returns
    -------
    DataFrame
        Indexed by ``threshold``: the fields of :class:`LinkageScore`.

    Examples
    --------
    >>> r = pd.DataFrame({"first": ["ann", "anne", "bob"], "last": ["lee", "lee", "lee"],
    ...                   "phone": ["1", "1", "2"], "email": [pd.NA] * 3,
    ...                   "address": [pd.NA] * 3})
    >>> threshold_sweep(r, ["a", "a", "b"], [0, 30])["entities"].tolist()
    [2.0, 3.0]
    """
    if len(thresholds) == 0:
        raise ValueError("thresholds must hold at least one value")
    if pairs is None:
        pairs = link_records(records).attrs["pairs"]
    else:
        check_frame_columns(pairs, ["left", "right", "score"], "pairs", if_empty=None,
                            hint="pass link_records(...).attrs['pairs']")
    rows = []
    for t in thresholds:  # a few thresholds; each one is vectorised
        entity = cluster_records(len(records), pairs, pairs["score"].to_numpy() >= t)
        rows.append(evaluate_linkage(entity, truth).as_series().rename(float(t)))
    table = pd.DataFrame(rows)
    table.index.name = "threshold"
    return table
