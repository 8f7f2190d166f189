"""The customers as separate systems hold them: sales, service, billing and web.

Before CRM, sales-force automation, customer service, billing and the web shop were
separate systems (seed 004), and the first success-factor article (seed 000) names
customer data scattered across systems as the problem that knowledge management must
solve. Each silo here keeps its own key, its own layout and its own mistakes:

* **sales** — every customer, recorded at sign-up: ``account_no``, one ``full_name``
  field, phone as ``(415) 555-0123`` (``09123456789`` in Iran), the sign-up address
  (stale for customers who moved since).
* **service** — customers who ever complained: ``contact_id``, name as
  ``"LAST, First"``, international phone, e-mail often missing.
* **billing** — postpaid accounts: ``account_number``, separate name fields, phone as
  bare digits, the current billing address.
* **web** — registered online users: ``user_id``, a username, e-mail, a display name.

Names carry typing errors (swapped, dropped or doubled letters) and, in Persian, the
Arabic forms of yeh and kaf and a space instead of the zero-width non-joiner; some
customers appear twice in a silo. ``truth.silo_mapping`` links every record to its
customer, so record linkage can be scored.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._block import BlockData
from ._common import categorical, format_ids, strings
from .config import WorldConfig
from .names import pools

__all__ = ["SILO_NAMES", "generate_silos"]

SILO_NAMES = ("sales", "service", "billing", "web")
#: Chance that a name in a silo record has a typing error.
TYPO_RATE = 0.06
#: Chance (Persian locale) that a record uses Arabic letter forms or a plain space.
VARIANT_RATE = 0.3
#: Chance that a customer appears a second time in a silo.
DUPLICATE_RATE = 0.04
#: Share of customers who moved after signing up (sales keeps the old address).
MOVED_RATE = 0.1
#: Chance that the service desk recorded no e-mail address.
MISSING_EMAIL_RATE = 0.15


def _typos(rng: np.random.Generator, values: np.ndarray, rate: float
           ) -> tuple[np.ndarray, np.ndarray]:
    """Swap, drop or double one letter in a share of the strings (vectorised on a
    code-point matrix). Returns the new strings and which ones changed."""
    arr = np.asarray(values, dtype=str)
    n = len(arr)
    if n == 0:
        return arr.astype(object), np.zeros(0, bool)
    width = arr.dtype.itemsize // 4 + 1
    mat = np.zeros((n, width), dtype=np.uint32)
    mat[:, :-1] = arr.view(np.uint32).reshape(n, width - 1)
    length = np.char.str_len(arr)
    hit = (rng.random(n) < rate) & (length >= 3)
    op = rng.integers(0, 3, n)
    k = np.minimum((rng.random(n) * (length - 1)).astype(np.int64), np.maximum(length - 2, 0))
    cols = np.arange(width)[None, :]
    rows = np.flatnonzero(hit & (op == 0))  # swap k and k+1
    a = mat[rows, k[rows]].copy()
    mat[rows, k[rows]] = mat[rows, k[rows] + 1]
    mat[rows, k[rows] + 1] = a
    rows = np.flatnonzero(hit & (op == 1))  # drop letter k
    src = np.where(cols >= k[rows, None], np.minimum(cols + 1, width - 1), cols)
    mat[rows] = np.take_along_axis(mat[rows], src, axis=1)
    rows = np.flatnonzero(hit & (op == 2))  # double letter k
    src = np.where(cols > k[rows, None], cols - 1, cols)
    mat[rows] = np.take_along_axis(mat[rows], src, axis=1)
    out = mat.view(f"<U{width}").ravel()
    return out.astype(object), hit & (out != arr)


def _persian_variants(rng: np.random.Generator, values: np.ndarray, rate: float
                      ) -> tuple[np.ndarray, np.ndarray]:
    """Arabic yeh/kaf and a space for the zero-width non-joiner, in a share of strings."""
    arr = np.asarray(values, dtype=str)
    if len(arr) == 0:  # numpy's string ufuncs reject empty arrays
        return arr.astype(object), np.zeros(0, bool)
    alt = np.strings.replace(np.strings.replace(np.strings.replace(
        arr, "ی", "ي"), "ک", "ك"), "\u200c", " ")
    hit = (rng.random(len(arr)) < rate) & (alt != arr)
    return np.where(hit, alt, arr).astype(object), hit


def _keys(prefix: str, block: int, rng: np.random.Generator, n: int
          ) -> tuple[pd.Series, np.ndarray]:
    """Unique keys of one silo for one block, in a shuffled (non-aligned) order, and the
    permutation behind them (sorting it sorts the keys)."""
    perm = rng.permutation(n)
    return format_ids(prefix, block * 1_000_000 + perm + 1, 10), perm


def generate_silos(config: WorldConfig, rng: np.random.Generator, data: BlockData,
                   customers: pd.DataFrame) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    """Build the four silo extracts of one block and their true key mapping.

    Returns
    -------
    silos : dict of DataFrame
        ``sales``, ``service``, ``billing``, ``web`` (see the module docstring).
    truth_mapping : DataFrame
        silo, record_key, customer_id, is_duplicate, name_variant, stale_address.
    """
    pop = data.pop
    n = pop.n
    fa = config.locale == "fa_IR"
    loc = pools(config.locale)
    first = customers["first_name"].to_numpy(dtype=object)
    last = customers["last_name"].to_numpy(dtype=object)
    phone = customers["phone"].to_numpy(dtype=str)
    address = customers["address"].to_numpy(dtype=object)
    email = customers["email"].to_numpy(dtype=object)
    moved = rng.random(n) < MOVED_RATE
    new_house = rng.integers(1, 400, n).astype(str).astype(object)
    new_street = rng.choice(loc.streets, n)
    new_kind = rng.choice(loc.street_kinds, n)
    new_address = (new_kind + " " + new_street + "، پلاک " + new_house) if fa else \
        (new_house + " " + new_street + " " + new_kind)
    current = np.where(moved, new_address, address)

    digits = np.strings.replace(np.strings.replace(phone, "+", ""), " ", "")
    if fa:  # "0912 345 6789"
        phone_sales = digits
        phone_service = np.strings.add("+98 ", np.strings.slice(phone, 1, None))
        phone_billing = np.strings.replace(phone, " ", "-")
    else:  # "+1 415 555 0123"
        area, exch, line = (np.strings.slice(digits, 1, 4), np.strings.slice(digits, 4, 7),
                            np.strings.slice(digits, 7, None))
        phone_sales = np.strings.add(np.strings.add(np.strings.add(
            np.strings.add("(", area), ") "), np.strings.add(exch, "-")), line)
        phone_service = phone
        phone_billing = np.strings.slice(digits, 1, None)

    members = {
        "sales": np.arange(n),
        "service": np.unique(data.cmp_cust).astype(np.int64),
        "billing": np.flatnonzero(pop.postpaid),
        "web": np.flatnonzero((pop.digital > 0.55) | np.isin(pop.channel, (1, 4))),
    }
    silos: dict[str, pd.DataFrame] = {}
    truth_parts = []
    for silo in SILO_NAMES:  # four systems, not rows
        idx = members[silo]
        dup = idx[rng.random(len(idx)) < DUPLICATE_RATE]
        rows = np.concatenate([idx, dup])
        is_dup = np.r_[np.zeros(len(idx), bool), np.ones(len(dup), bool)]
        f, f_typo = _typos(rng, first[rows], TYPO_RATE)
        l_, l_typo = _typos(rng, last[rows], TYPO_RATE)
        dup_typo_f, dup_hit = _typos(rng, f, 1.0)  # a duplicate is typed again, differently
        f = np.where(is_dup, dup_typo_f, f)
        variant = f_typo | l_typo | (is_dup & dup_hit)
        if fa:
            f, v1 = _persian_variants(rng, f, VARIANT_RATE)
            l_, v2 = _persian_variants(rng, l_, VARIANT_RATE)
            variant |= v1 | v2
        keys, perm = _keys({"sales": "SA", "service": "CT", "billing": "AC", "web": "U"}[silo],
                           pop.block, rng, len(rows))
        stale = np.zeros(len(rows), bool)
        if silo == "sales":
            stale = moved[rows]
            table = pd.DataFrame({
                "account_no": keys,
                "full_name": strings(f + " " + l_),
                "phone": strings(phone_sales[rows]),
                "address": strings(address[rows]),
                "city": customers["city"].to_numpy()[rows],
                "province": customers["province"].to_numpy()[rows],
                "signup_date": customers["signup_date"].to_numpy()[rows],
                "plan": customers["plan"].to_numpy()[rows],
            })
        elif silo == "service":
            name = (l_ + " " + f) if fa else (np.char.upper(l_.astype(str)).astype(object)
                                              + ", " + f)
            mail = np.where(rng.random(len(rows)) < MISSING_EMAIL_RATE, None, email[rows])
            table = pd.DataFrame({
                "contact_id": keys,
                "customer_name": strings(name),
                "phone": strings(phone_service[rows]),
                "email": strings(mail),
                "province": customers["province"].to_numpy()[rows],
            })
        elif silo == "billing":
            table = pd.DataFrame({
                "account_number": keys,
                "first_name": strings(f),
                "last_name": strings(l_),
                "billing_address": strings(current[rows]),
                "phone": strings(phone_billing[rows]),
                "email": strings(email[rows]),
                "tariff_id": customers["tariff_id"].to_numpy()[rows],
            })
        else:
            handle = (np.strings.partition(email[rows].astype(str), "@")[0] if len(rows)
                      else np.empty(0, dtype=str))
            table = pd.DataFrame({
                "user_id": keys,
                "username": strings(handle.astype(object)),
                "email": strings(email[rows]),
                "display_name": strings(f),
                "address": strings(current[rows]),
            })
        for col in ("city", "province", "plan", "tariff_id"):
            if col in table:
                table[col] = pd.Series(customers[col].to_numpy()[rows], dtype=customers[col].dtype)
        if "signup_date" in table:
            table["signup_date"] = table["signup_date"].astype("datetime64[s]")
        order = np.argsort(perm)  # records in key order
        silos[silo] = table.iloc[order].reset_index(drop=True)
        truth_parts.append(pd.DataFrame({
            "silo": categorical(np.full(len(rows), SILO_NAMES.index(silo)), SILO_NAMES),
            "record_key": keys.to_numpy()[order],
            "customer_id": pop.customer_id.to_numpy()[rows][order],
            "is_duplicate": is_dup[order],
            "name_variant": variant[order],
            "stale_address": stale[order],
        }))
    mapping = pd.concat(truth_parts, ignore_index=True)
    for col in ("record_key", "customer_id"):
        mapping[col] = mapping[col].astype("str")
    return silos, mapping
