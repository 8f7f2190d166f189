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
customer, so record linkage can be scored. The rates of mistakes are in
``config.silos``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .._kernels import (
    arrow_strings,
    block_serials,
    categorical,
    fixed_strings,
    fixed_width,
    frame,
    join_strings,
    serial_digits,
    string_array,
    take,
)
from ..config import WorldConfig
from ..labels import ACQUISITION_CHANNELS
from ..locales import pools
from ..params import SiloParams
from .population import Population, addresses, join_taken

__all__ = ["SILO_NAMES", "generate_silos"]

SILO_NAMES = ("sales", "service", "billing", "web")


def _typo_strings(arr: np.ndarray, op: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Swap (op 0), drop (1) or double (2) one letter of each string of a ``<U`` array,
    at a position drawn from ``u``, on a code-point matrix; strings shorter than three
    letters are left alone."""
    n = len(arr)
    width = arr.dtype.itemsize // 4 + 1
    mat = np.zeros((n, width), dtype=np.uint32)
    mat[:, :-1] = arr.view(np.uint32).reshape(n, width - 1)
    _typo_matrix(mat, np.char.str_len(arr), op, u)
    return mat.view(f"<U{width}").ravel()


def _typo_matrix(mat: np.ndarray, length: np.ndarray, op: np.ndarray, u: np.ndarray
                 ) -> np.ndarray:
    """:func:`_typo_strings` in place on a matrix of characters, one string a row padded
    with zeros (at least one zero column at the end), of ``length`` characters each.
    Returns the new lengths."""
    width = mat.shape[1]
    hit = length >= 3
    k = np.minimum((u * (length - 1)).astype(np.int64), np.maximum(length - 2, 0))
    cols = np.arange(width)[None, :]
    rows = np.flatnonzero(hit & (op == 0))  # swap k and k+1
    a = mat[rows, k[rows]].copy()
    mat[rows, k[rows]] = mat[rows, k[rows] + 1]
    mat[rows, k[rows] + 1] = a
    # drop letter k (columns from k on move one left) or double it (columns after k move
    # one right): each row's new letters are its own or its shifted ones
    rows = np.flatnonzero(hit & (op == 1))
    sub = mat[rows]
    left = np.concatenate([sub[:, 1:], sub[:, -1:]], axis=1)
    mat[rows] = np.where(cols >= k[rows, None], left, sub)
    rows = np.flatnonzero(hit & (op == 2))
    sub = mat[rows]
    right = np.concatenate([sub[:, :1], sub[:, :-1]], axis=1)
    mat[rows] = np.where(cols > k[rows, None], right, sub)
    return length + (hit & (op == 2)) - (hit & (op == 1))


def _ascii_matrix(strings: pa.Array) -> tuple[np.ndarray, np.ndarray] | None:
    """The bytes of ASCII Arrow strings (no nulls) as a zero-padded matrix, one string a
    row with at least one zero column at the end, and their lengths; None if any string
    has a non-ASCII byte (then bytes are not letters)."""
    if not isinstance(strings, pa.LargeStringArray) or strings.null_count:
        return None
    n = len(strings)
    offsets = np.frombuffer(strings.buffers()[1], dtype=np.int64, count=n + 1,
                            offset=strings.offset * 8)
    data = np.frombuffer(strings.buffers()[2], dtype=np.uint8)[offsets[0]:offsets[-1]]
    if len(data) and data.max() >= 128:
        return None
    length = np.diff(offsets)
    mat = np.zeros((n, int(length.max(initial=0)) + 1), dtype=np.uint8)
    mat[np.arange(mat.shape[1]) < length[:, None]] = data
    return mat, length


def _matrix_strings(mat: np.ndarray, length: np.ndarray) -> pa.Array:
    """Arrow ``large_string`` of the first ``length`` bytes of each row of ``mat``."""
    offsets = np.zeros(len(length) + 1, dtype=np.int64)
    np.cumsum(length, out=offsets[1:])
    data = mat[np.arange(mat.shape[1]) < length[:, None]]
    return pa.LargeStringArray.from_buffers(len(length), pa.py_buffer(offsets),
                                            pa.py_buffer(data))


class _Typos(NamedTuple):
    """Typing errors drawn for some records."""

    at: np.ndarray  # the records' positions
    op: np.ndarray  # 0 swap, 1 drop, 2 double a letter
    u: np.ndarray  # where in the string, as a share of its length


@dataclass
class _Records:
    """One silo's records of a block and every random draw that shapes them.

    All draws are made first, silo by silo in the fixed stream order; none depends on
    a string, so the names of the four silos are then spelled together (see
    :func:`_spell_names`), a few large array operations instead of many small ones.
    """

    silo: str
    rows: np.ndarray  # each record's customer, in record order (duplicates last)
    is_dup: np.ndarray
    first_typos: _Typos
    last_typos: _Typos
    dup_typos: _Typos  # a duplicate's first name is typed again, differently
    variants: tuple[np.ndarray, np.ndarray] | None  # Persian: first/last names drawn
    keys: pa.Array  # unique keys, in key order
    order: np.ndarray  # the record behind each key
    missing: np.ndarray | None  # service: e-mail not recorded


def _draw_records(rng: np.random.Generator, silo: str, members: np.ndarray,
                  pop: Population, fa: bool, par: SiloParams) -> _Records:
    """Draw one silo's records: duplicates, typos, letter variants, keys, gaps."""
    dup = members[rng.random(len(members)) < par.duplicate_rate]
    rows = np.concatenate([members, dup])
    n = len(rows)
    is_dup = np.r_[np.zeros(len(members), bool), np.ones(len(dup), bool)]
    first_typos = _draw_typos(rng, n, par.typo_rate)
    last_typos = _draw_typos(rng, n, par.typo_rate)
    dup_typos = _draw_typos(rng, n, 1.0, only=is_dup)
    variants = ((_draw_variants(rng, n, par.variant_rate),
                 _draw_variants(rng, n, par.variant_rate)) if fa else None)
    keys, order = _keys({"sales": "SA", "service": "CT", "billing": "AC", "web": "U"}[silo],
                        pop, rng, n)
    missing = rng.random(n) < par.missing_email_rate if silo == "service" else None
    return _Records(silo, rows, is_dup, first_typos, last_typos, dup_typos, variants, keys,
                    order, missing)


def _draw_typos(rng: np.random.Generator, n: int, rate: float,
                only: np.ndarray | None = None) -> _Typos:
    """Which of ``n`` records get a typo (a share ``rate``, only within the mask
    ``only`` if given) and what kind. The draws cover every record."""
    if n == 0:
        return _Typos(np.empty(0, np.intp), np.empty(0, np.int64), np.empty(0))
    candidate = rng.random(n) < rate
    op = rng.integers(0, 3, n)
    u = rng.random(n)
    at = np.flatnonzero(candidate if only is None else candidate & only)
    return _Typos(at, op[at], u[at])


def _draw_variants(rng: np.random.Generator, n: int, rate: float) -> np.ndarray:
    """Which of ``n`` records are written with Persian letter variants (if they can be),
    each with chance ``rate``."""
    return rng.random(n) < rate if n else np.zeros(0, bool)


# The records' names are kept as a *pool* of strings and each record's position in it
# (record i is ``pool[index[i]]``): a typo or a letter variant appends the new spelling
# to the pool and points the record at it, so the names are copied only once, in key
# order, when the tables are built (no masked replacement of whole string columns).


def _spell_names(first: pa.Array, last: pa.Array, records: list[_Records], fa: bool
                 ) -> tuple[pa.Array, np.ndarray, pa.Array, np.ndarray, np.ndarray]:
    """The first and last names of all silos' records, stacked in silo order, with their
    typos and letter variants. Returns the first-name pool and positions, the last-name
    pool and positions, and which records' names differ from the customer's."""
    starts = np.cumsum([0] + [len(r.rows) for r in records])

    def stacked(name: str) -> _Typos:
        parts = [getattr(r, name) for r in records]
        return _Typos(np.concatenate([t.at + s for t, s in zip(parts, starts[:-1], strict=True)]),
                      np.concatenate([t.op for t in parts]), np.concatenate([t.u for t in parts]))

    rows = np.concatenate([r.rows for r in records])
    is_dup = np.concatenate([r.is_dup for r in records])
    f_pool, f_at, f_typo = _typos(first, rows, stacked("first_typos"))
    l_pool, l_at, l_typo = _typos(last, rows, stacked("last_typos"))
    f_pool, f_at, dup_hit = _typos(f_pool, f_at, stacked("dup_typos"))
    variant = f_typo | l_typo | (is_dup & dup_hit)
    if fa:
        f_pool, f_at, v1 = _persian_variants(f_pool, f_at,
                                             np.concatenate([r.variants[0] for r in records]))
        l_pool, l_at, v2 = _persian_variants(l_pool, l_at,
                                             np.concatenate([r.variants[1] for r in records]))
        variant |= v1 | v2
    return f_pool, f_at, l_pool, l_at, variant


def _typos(pool: pa.Array, index: np.ndarray, typos: _Typos
           ) -> tuple[pa.Array, np.ndarray, np.ndarray]:
    """Swap, drop or double one letter in the drawn records' strings. Returns the new
    pool and index and which records changed (a typo can leave a string as it was).

    Only the records that get a typo are touched, as a small code-point matrix.
    """
    changed = np.zeros(len(index), bool)
    if len(typos.at) == 0:
        return pool, index, changed
    picked = take(pool, index[typos.at])
    ascii_ = _ascii_matrix(picked)
    if ascii_ is not None:  # letters are bytes: no Python strings on the way
        mat, length = ascii_
        before = mat.copy()
        new_length = _typo_matrix(mat, length, typos.op, typos.u)
        hit = (mat != before).any(axis=1)
        typed = _matrix_strings(mat[hit], new_length[hit])
    else:
        before = np.asarray(picked.to_numpy(zero_copy_only=False), dtype=str)
        after = _typo_strings(before, typos.op, typos.u)
        hit = after != before
        typed = pa.array(after[hit].astype(object), type=pool.type)
    changed[typos.at] = hit
    index = index.copy()
    index[typos.at[hit]] = len(pool) + np.arange(int(hit.sum()))
    return pa.concat_arrays([pool, typed]), index, changed


def _persian_variants(pool: pa.Array, index: np.ndarray, drawn: np.ndarray
                      ) -> tuple[pa.Array, np.ndarray, np.ndarray]:
    """Arabic yeh/kaf and a space for the zero-width non-joiner, in the drawn records
    whose strings have any of them. Returns the new pool and index and which records
    changed."""
    if len(index) == 0:
        return pool, index, np.zeros(0, bool)
    alt = pool
    for letter, variant in (("ی", "ي"), ("ک", "ك"), ("\u200c", " ")):
        alt = pc.replace_substring(alt, letter, variant)
    hit = drawn & pc.not_equal(alt, pool).to_numpy(zero_copy_only=False)[index]
    return pa.concat_arrays([pool, alt]), np.where(hit, index + len(pool), index), hit


def _keys(prefix: str, pop: Population, rng: np.random.Generator, n: int
          ) -> tuple[pa.Array, np.ndarray]:
    """The unique keys of one silo for one block, in key order, and the record order
    behind them: records are made in customer order, then given shuffled keys
    (``perm``), so sorting by key puts record ``argsort(perm)[j]`` in row ``j`` (the
    inverse permutation, made by a scatter instead of a sort)."""
    perm = rng.permutation(n)
    order = np.empty(n, dtype=np.int64)
    order[perm] = np.arange(n)
    # six serial digits, or as many as the silo's records in this block need
    return block_serials(prefix, pop.block, np.arange(n), serial_digits(n, 6),
                         block_digits=pop.block_digits), order


def _phones(phone: pa.Array, fa: bool) -> tuple[pa.Array, pa.Array, pa.Array]:
    """The sales, service and billing systems' spellings of the customers' phones.

    Phones are written in one layout, so usually they are rearranged as a byte matrix;
    :func:`_phones_arrow` (the same result with string kernels) handles anything else.
    """
    items = fixed_width(phone)
    chars = None if items is None else items.view(np.uint8).reshape(len(phone), -1)
    if chars is None or chars.max() >= 128:  # for ASCII, columns are characters
        return _phones_arrow(phone, fa)
    sep = (chars == ord("+")) | (chars == ord(" "))
    if not (sep == sep[0]).all():  # "+" and spaces not in the same places in every phone
        return _phones_arrow(phone, fa)
    digits = np.flatnonzero(~sep[0])  # the columns of the digits
    if fa:  # "0912 345 6789"
        dashed = np.where(chars == ord(" "), np.uint8(ord("-")), chars)
        return (fixed_strings(_pick(chars, digits)),
                fixed_strings(_pick(chars, b"+98 ", np.arange(1, chars.shape[1]))),
                fixed_strings(dashed))
    # "+1 415 555 0123"
    sales = _pick(chars, b"(", digits[1:4], b") ", digits[4:7], b"-", digits[7:])
    return fixed_strings(sales), phone, fixed_strings(_pick(chars, digits[1:]))


def _pick(chars: np.ndarray, *parts: bytes | np.ndarray) -> np.ndarray:
    """Rows of the byte matrix ``chars`` rearranged: each part is a literal (the same in
    every row) or column numbers of ``chars``, in order.

    Every run of consecutive columns is read as one field of a structured view of the
    rows and written as one field of the result (see :func:`~._strings.glue_chars`),
    without copying narrow column slices first.
    """
    n, width = chars.shape
    pieces: list[bytes | tuple[int, int]] = []  # literals and (first column, width)
    for part in parts:
        if isinstance(part, bytes):
            pieces.append(part)
            continue
        for run in np.split(part, np.flatnonzero(np.diff(part) != 1) + 1):
            if len(run):
                pieces.append((int(run[0]), len(run)))
    spans = {i: p for i, p in enumerate(pieces) if isinstance(p, tuple)}
    rows_in = np.ascontiguousarray(chars).view(np.dtype({
        "names": [f"s{i}" for i in spans], "formats": [f"V{w}" for _, w in spans.values()],
        "offsets": [start for start, _ in spans.values()], "itemsize": width})).ravel()
    widths = [len(p) if isinstance(p, bytes) else p[1] for p in pieces]
    rows = np.empty(n, dtype=[(f"f{i}", f"V{w}") for i, w in enumerate(widths)])
    for i, piece in enumerate(pieces):
        rows[f"f{i}"] = np.void(piece) if isinstance(piece, bytes) else rows_in[f"s{i}"]
    return rows.view(np.uint8).reshape(n, sum(widths))


def _phones_arrow(phone: pa.Array, fa: bool) -> tuple[pa.Array, pa.Array, pa.Array]:
    """:func:`_phones` with Arrow string kernels, for phones of any layout."""
    digits = pc.replace_substring(pc.replace_substring(phone, "+", ""), " ", "")
    if fa:
        return (digits,
                join_strings("+98 ", pc.utf8_slice_codeunits(phone, 1)),
                pc.replace_substring(phone, " ", "-"))
    area, exchange, line = (pc.utf8_slice_codeunits(digits, 1, 4),
                            pc.utf8_slice_codeunits(digits, 4, 7),
                            pc.utf8_slice_codeunits(digits, 7))
    sales = join_strings("(", area, ") ", exchange, "-", line)
    return sales, phone, pc.utf8_slice_codeunits(digits, 1)


def _usernames(email: pa.Array) -> pa.Array:
    """The part of each e-mail address before its ``@`` (the whole address if it has
    none).

    When every address has exactly one ``@``, the bytes before it are kept with a
    numpy mask (split_pattern makes a list array first, several times slower).
    """
    n = len(email)
    if isinstance(email, pa.LargeStringArray) and n and not email.null_count:
        offsets = np.frombuffer(email.buffers()[1], dtype=np.int64, count=n + 1,
                                offset=email.offset * 8)
        data = np.frombuffer(email.buffers()[2], dtype=np.uint8)[offsets[0]:offsets[-1]]
        at = np.flatnonzero(data == ord("@")) + offsets[0]
        if len(at) == n and ((at >= offsets[:-1]) & (at < offsets[1:])).all():
            cut = at - offsets[:-1]  # each username's length
            runs = np.empty(2 * n, dtype=np.int64)  # kept and dropped bytes, row by row
            runs[0::2], runs[1::2] = cut, offsets[1:] - at
            keep = np.repeat(np.tile(np.array([True, False]), n), runs)
            starts = np.zeros(n + 1, dtype=np.int64)
            np.cumsum(cut, out=starts[1:])
            return pa.LargeStringArray.from_buffers(n, pa.py_buffer(starts),
                                                    pa.py_buffer(data[keep]))
    return pc.list_element(pc.split_pattern(email, "@", max_splits=1), 0)


def _upper(strings: pa.Array) -> pa.Array:
    """Upper-case strings: ASCII ones with the byte kernel (identical for ASCII, and
    tens of times faster than the Unicode one)."""
    if isinstance(strings, pa.LargeStringArray) and len(strings):
        offsets = np.frombuffer(strings.buffers()[1], dtype=np.int64, count=len(strings) + 1,
                                offset=strings.offset * 8)
        data = np.frombuffer(strings.buffers()[2], dtype=np.uint8)[offsets[0]:offsets[-1]]
        if not len(data) or data.max() < 128:
            return pc.ascii_upper(strings)
    return pc.utf8_upper(strings)


def generate_silos(config: WorldConfig, rng: np.random.Generator, pop: Population,
                   complained: np.ndarray, customers: pd.DataFrame
                   ) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    """Build the four silo extracts of one block and their true key mapping.

    ``complained`` are the block-local indices of the complaints' customers (the
    service system knows those who complained); ``customers`` is the block's customer
    table (names, phones, addresses as the customers gave them).

    Returns
    -------
    silos : dict of DataFrame
        ``sales``, ``service``, ``billing``, ``web`` (see the module docstring).
    truth_mapping : DataFrame
        silo, record_key, customer_id, is_duplicate, name_variant, stale_address.
    """
    par = config.silos
    n = pop.n
    fa = config.locale == "fa_IR"
    loc = pools(config.locale)
    first, last = arrow_strings(customers["first_name"]), arrow_strings(customers["last_name"])
    email = arrow_strings(customers["email"])
    moved = rng.random(n) < par.moved_rate
    new_house = rng.integers(1, 400, n)
    new_street = (rng.choice(len(loc.streets), n) * len(loc.street_kinds)
                  + rng.choice(len(loc.street_kinds), n))  # with its kind
    address = arrow_strings(customers["address"])
    # every customer's current address, as a position in the sign-up and new addresses
    new_address = addresses(config.locale, new_house[moved], new_street[moved])
    all_addresses = pa.concat_arrays([address, new_address])
    current = np.arange(n)
    current[moved] = n + np.arange(len(new_address))
    phone_sales, phone_service, phone_billing = _phones(arrow_strings(customers["phone"]), fa)
    city, tariff = arrow_strings(customers["city"]), arrow_strings(customers["tariff_id"])
    has_complained = np.zeros(n, bool)
    has_complained[complained] = True
    web, referral = ACQUISITION_CHANNELS.index("web"), ACQUISITION_CHANNELS.index("referral")
    members = {
        "sales": np.arange(n),
        "service": np.flatnonzero(has_complained),
        "billing": np.flatnonzero(pop.postpaid),
        # digital customers and those who came by web or referral
        "web": np.flatnonzero((pop.digital > par.web_digital_threshold)
                              | (pop.channel == web) | (pop.channel == referral)),
    }
    records = [_draw_records(rng, silo, members[silo], pop, fa, par)
               for silo in SILO_NAMES]
    f_pool, f_at, l_pool, l_at, variant = _spell_names(first, last, records, fa)
    silos: dict[str, pd.DataFrame] = {}
    sizes = [len(r.rows) for r in records]
    starts = np.cumsum([0] + sizes)
    for r, start in zip(records, starts[:-1], strict=True):  # four systems, not rows
        silo, order = r.silo, r.order
        sel = r.rows[order]  # each record's customer, in key order
        at = start + order  # each record's position in the stacked names, in key order
        f, l_ = (f_pool, f_at[at]), (l_pool, l_at[at])  # names as (pool, positions)
        if silo == "sales":
            table = {
                "account_no": string_array(r.keys),
                "full_name": string_array(join_taken(f, " ", l_)),
                "phone": string_array(take(phone_sales, sel)),
                "address": string_array(take(address, sel)),
                "city": string_array(take(city, sel)),
                "province": customers["province"].array.take(sel),
                "signup_date": customers["signup_date"].array.take(sel),
                "plan": customers["plan"].array.take(sel),
            }
        elif silo == "service":
            name = (join_taken(l_, " ", f) if fa
                    else join_taken((_upper(l_pool), l_[1]), ", ", f))
            table = {
                "contact_id": string_array(r.keys),
                "customer_name": string_array(name),
                "phone": string_array(take(phone_service, sel)),
                "email": string_array(pc.if_else(pa.array(r.missing[order]),
                                         pa.scalar(None, email.type), take(email, sel))),
                "province": customers["province"].array.take(sel),
            }
        elif silo == "billing":
            table = {
                "account_number": string_array(r.keys),
                "first_name": string_array(take(*f)),
                "last_name": string_array(take(*l_)),
                "billing_address": string_array(take(all_addresses, current[sel])),
                "phone": string_array(take(phone_billing, sel)),
                "email": string_array(take(email, sel)),
                "tariff_id": string_array(take(tariff, sel)),
            }
        else:
            web_email = take(email, sel)
            table = {
                "user_id": string_array(r.keys),
                "username": string_array(_usernames(web_email)),
                "email": string_array(web_email),
                "display_name": string_array(take(*f)),
                "address": string_array(take(all_addresses, current[sel])),
            }
        silos[silo] = frame(table)
    # the mapping, silo by silo in key order: positions in the stacked records
    at = np.concatenate([start + r.order for r, start in zip(records, starts[:-1], strict=True)])
    rows = np.concatenate([r.rows for r in records])
    # only sales keeps the sign-up address
    stale = np.concatenate([moved[r.rows] if r.silo == "sales" else np.zeros(len(r.rows), bool)
                            for r in records])
    return silos, frame({
        "silo": categorical(np.repeat(np.arange(len(SILO_NAMES)), sizes), SILO_NAMES),
        "record_key": string_array(pa.concat_arrays([r.keys for r in records])),
        "customer_id": string_array(take(arrow_strings(pop.customer_id), rows[at])),
        "is_duplicate": np.concatenate([r.is_dup for r in records])[at],
        "name_variant": variant[at],
        "stale_address": stale[at],
    })
