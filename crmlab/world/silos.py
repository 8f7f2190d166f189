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
import pyarrow as pa
import pyarrow.compute as pc

from ._block import BlockData
from ._common import (
    arrow_strings,
    categorical,
    format_ids,
    join_strings,
    strings,
    take_strings,
)
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


def _typo_strings(arr: np.ndarray, op: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Swap (op 0), drop (1) or double (2) one letter of each string of a ``<U`` array,
    at a position drawn from ``u``, on a code-point matrix; strings shorter than three
    letters are left alone."""
    n = len(arr)
    width = arr.dtype.itemsize // 4 + 1
    mat = np.zeros((n, width), dtype=np.uint32)
    mat[:, :-1] = arr.view(np.uint32).reshape(n, width - 1)
    length = np.char.str_len(arr)
    hit = length >= 3
    k = np.minimum((u * (length - 1)).astype(np.int64), np.maximum(length - 2, 0))
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
    return mat.view(f"<U{width}").ravel()


def _typos(rng: np.random.Generator, values: pa.Array, rate: float,
           only: np.ndarray | None = None) -> tuple[pa.Array, np.ndarray]:
    """Swap, drop or double one letter in a share of the strings. Returns the new
    strings and which ones changed.

    The draws cover every string, but only the few that get a typo are touched (as a
    small code-point matrix); with ``only`` (a mask), strings outside it are returned
    unchanged because the caller discards them.
    """
    n = len(values)
    if n == 0:
        return values, np.zeros(0, bool)
    candidate = rng.random(n) < rate
    op = rng.integers(0, 3, n)
    u = rng.random(n)
    idx = np.flatnonzero(candidate if only is None else candidate & only)
    changed = np.zeros(n, bool)
    if len(idx) == 0:
        return values, changed
    before = np.asarray(pc.take(values, pa.array(idx)).to_numpy(zero_copy_only=False),
                        dtype=str)
    after = _typo_strings(before, op[idx], u[idx])
    changed[idx] = after != before
    replaced = pa.array(after[changed[idx]].astype(object), type=values.type)
    return pc.replace_with_mask(values, pa.array(changed), replaced), changed


def _persian_variants(rng: np.random.Generator, values: pa.Array, rate: float
                      ) -> tuple[pa.Array, np.ndarray]:
    """Arabic yeh/kaf and a space for the zero-width non-joiner, in a share of strings."""
    if len(values) == 0:
        return values, np.zeros(0, bool)
    alt = values
    for letter, variant in (("ی", "ي"), ("ک", "ك"), ("\u200c", " ")):
        alt = pc.replace_substring(alt, letter, variant)
    differs = pc.not_equal(alt, values).to_numpy(zero_copy_only=False)
    hit = (rng.random(len(values)) < rate) & differs
    return pc.if_else(pa.array(hit), alt, values), hit


def _keys(prefix: str, block: int, rng: np.random.Generator, n: int
          ) -> tuple[pd.Series, np.ndarray]:
    """The unique keys of one silo for one block, in key order, and the record order
    behind them: records are made in customer order, then given shuffled keys
    (``perm``), so sorting by key puts record ``argsort(perm)[j]`` in row ``j``."""
    perm = rng.permutation(n)
    return format_ids(prefix, block * 1_000_000 + np.arange(1, n + 1), 10), np.argsort(perm)


def _phones(phone: pa.Array, fa: bool) -> tuple[pa.Array, pa.Array, pa.Array]:
    """The sales, service and billing systems' spellings of the customers' phones."""
    digits = pc.replace_substring(pc.replace_substring(phone, "+", ""), " ", "")
    if fa:  # "0912 345 6789"
        return (digits,
                join_strings("+98 ", pc.utf8_slice_codeunits(phone, 1)),
                pc.replace_substring(phone, " ", "-"))
    # "+1 415 555 0123"
    area, exchange, line = (pc.utf8_slice_codeunits(digits, 1, 4),
                            pc.utf8_slice_codeunits(digits, 4, 7),
                            pc.utf8_slice_codeunits(digits, 7))
    sales = join_strings("(", area, ") ", exchange, "-", line)
    return sales, phone, pc.utf8_slice_codeunits(digits, 1)


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
    first, last = arrow_strings(customers["first_name"]), arrow_strings(customers["last_name"])
    email = arrow_strings(customers["email"])
    moved = rng.random(n) < MOVED_RATE
    new_house = rng.integers(1, 400, n)
    new_street = rng.choice(loc.streets, n)
    new_kind = rng.choice(loc.street_kinds, n)
    house, street, kind = (new_house[moved].astype(str).astype(object), new_street[moved],
                           new_kind[moved])
    new_address = (kind + " " + street + "، پلاک " + house) if fa else \
        (house + " " + street + " " + kind)
    address = arrow_strings(customers["address"])
    current = pc.replace_with_mask(address, pa.array(moved),
                                   pa.array(new_address, type=address.type))
    phone_sales, phone_service, phone_billing = _phones(arrow_strings(customers["phone"]), fa)

    def pick(column: pd.Series | pa.Array, sel: np.ndarray) -> pd.Series:
        if isinstance(column, pd.Series):
            return pd.Series(column.array.take(sel))
        return strings(pc.take(column, pa.array(sel)))

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
        f, f_typo = _typos(rng, pc.take(first, pa.array(rows)), TYPO_RATE)
        l_, l_typo = _typos(rng, pc.take(last, pa.array(rows)), TYPO_RATE)
        # a duplicate is typed again, differently
        dup_typo_f, dup_hit = _typos(rng, f, 1.0, only=is_dup)
        f = pc.if_else(pa.array(is_dup), dup_typo_f, f)
        variant = f_typo | l_typo | (is_dup & dup_hit)
        if fa:
            f, v1 = _persian_variants(rng, f, VARIANT_RATE)
            l_, v2 = _persian_variants(rng, l_, VARIANT_RATE)
            variant |= v1 | v2
        keys, order = _keys({"sales": "SA", "service": "CT", "billing": "AC", "web": "U"}[silo],
                            pop.block, rng, len(rows))
        sel = rows[order]  # each record's customer, in key order
        stale = np.zeros(len(rows), bool)
        if silo == "sales":
            stale = moved[rows]
            table = pd.DataFrame({
                "account_no": keys,
                "full_name": pick(join_strings(f, l_, sep=" "), order),
                "phone": pick(phone_sales, sel),
                "address": pick(address, sel),
                "city": pick(customers["city"], sel),
                "province": pick(customers["province"], sel),
                "signup_date": pick(customers["signup_date"], sel),
                "plan": pick(customers["plan"], sel),
            })
        elif silo == "service":
            name = (join_strings(l_, f, sep=" ") if fa
                    else join_strings(pc.utf8_upper(l_), f, sep=", "))
            missing = rng.random(len(rows)) < MISSING_EMAIL_RATE
            table = pd.DataFrame({
                "contact_id": keys,
                "customer_name": pick(name, order),
                "phone": pick(phone_service, sel),
                "email": strings(pc.if_else(pa.array(missing[order]),
                                            pa.scalar(None, email.type),
                                            pc.take(email, pa.array(sel)))),
                "province": pick(customers["province"], sel),
            })
        elif silo == "billing":
            table = pd.DataFrame({
                "account_number": keys,
                "first_name": pick(f, order),
                "last_name": pick(l_, order),
                "billing_address": pick(current, sel),
                "phone": pick(phone_billing, sel),
                "email": pick(email, sel),
                "tariff_id": pick(customers["tariff_id"], sel),
            })
        else:
            handle = pc.list_element(pc.split_pattern(email, "@", max_splits=1), 0)
            table = pd.DataFrame({
                "user_id": keys,
                "username": pick(handle, sel),
                "email": pick(email, sel),
                "display_name": pick(f, order),
                "address": pick(current, sel),
            })
        silos[silo] = table
        truth_parts.append(pd.DataFrame({
            "silo": categorical(np.full(len(rows), SILO_NAMES.index(silo)), SILO_NAMES),
            "record_key": keys,
            "customer_id": take_strings(pop.customer_id, sel),
            "is_duplicate": is_dup[order],
            "name_variant": variant[order],
            "stale_address": stale[order],
        }))
    return silos, pd.concat(truth_parts, ignore_index=True)
