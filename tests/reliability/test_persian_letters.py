"""Persian text is generated with Persian letters (issue 14, "Persian data").

Faker's Persian name lists mix Arabic yeh and kaf (ي ك) with the Persian letters (ی ک),
so the same name came out in two spellings. The locale pools are normalised when they
are built: no string a ``fa_IR`` world holds has an Arabic yeh, alef maksura, kaf or an
Arabic-Indic digit, except the silo records that misspell a name on purpose (they are
marked in the truth's ``name_variant``, the record-linkage exercise).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

import crmlab as crm
from crmlab.world.locales import pools

#: Arabic forms that Persian text must not contain.
ARABIC = re.compile("[\u064a\u0649\u0643\u0660-\u0669]")
#: The deliberate misspellings of the silos: Arabic yeh and kaf, a space for the ZWNJ.
PERSIAN_AGAIN = str.maketrans({"\u064a": "\u06cc", "\u0643": "\u06a9"})


def _string_columns(frame: pd.DataFrame) -> dict[str, pd.Series]:
    out = {}
    for col in frame.columns:
        values = frame[col]
        if isinstance(values.dtype, pd.CategoricalDtype):
            values = values.astype("str")
        if values.dtype == object or pd.api.types.is_string_dtype(values.dtype):
            out[col] = values.dropna().astype(str)
    return out


def _arabic(frame: pd.DataFrame) -> dict[str, list[str]]:
    """Per string column, the values with an Arabic letter or digit (a few)."""
    found = {}
    for col, values in _string_columns(frame).items():
        hit = values[values.str.contains(ARABIC)]
        if len(hit):
            found[col] = hit.head(3).tolist()
    return found


@pytest.fixture(scope="module")
def fa_world() -> crm.World:
    return crm.make_world("tiny", seed=11, locale="fa_IR", workers=1)


def test_pools_hold_persian_letters_and_one_spelling_per_name():
    p = pools("fa_IR")
    texts = [*p.first_female, *p.first_male, *p.last, *p.streets, *p.street_kinds,
             *p.province_names, *(c for prov in p.provinces for c in prov.cities)]
    assert not [t for t in texts if ARABIC.search(t)]
    for names, probs in ((p.first_female, p.first_female_p), (p.first_male, p.first_male_p),
                         (p.last, p.last_p)):
        assert len(set(names)) == len(names)  # merged, not listed twice
        assert np.isclose(probs.sum(), 1.0) and (probs > 0).all()


def test_spellings_that_became_one_name_pool_their_weights():
    from faker.providers.person.fa_IR import Provider

    raw = [n.strip() for n in Provider.first_names_male if " " not in n.strip()]
    persian = [n.translate(PERSIAN_AGAIN) for n in raw]
    p = pools("fa_IR")
    weight = dict(zip(p.first_male, p.first_male_p, strict=True))
    for name in set(persian):
        assert np.isclose(weight[name], persian.count(name) / len(persian)), name
    assert len(set(persian)) < len(set(raw))  # Faker's list does mix the two spellings


def test_no_arabic_letters_in_observable_tables_or_truth(fa_world):
    for name, frame in {**fa_world.tables, **{f"truth/{k}": v for k, v in
                                              fa_world.truth.tables.items()}}.items():
        assert not _arabic(frame), (name, _arabic(frame))
    assert fa_world.customers["first_name"].str.contains("\u06cc").any()  # ی is used


def test_silos_misspell_only_the_records_marked_as_variants(fa_world):
    mapping = fa_world.truth.silo_mapping
    seen = 0
    for silo, frame in fa_world.silos.items():
        marked = mapping.loc[mapping["silo"] == silo].set_index("record_key")["name_variant"]
        has = np.zeros(len(frame), bool)
        for values in _string_columns(frame).values():
            has[values.index[values.str.contains(ARABIC)]] = True
        key = frame.columns[0]  # the silo's record key
        assert marked.reindex(frame[key]).to_numpy()[has].all(), silo
        seen += has.sum()
    assert seen  # the misspellings are still there, where they are meant to be


def test_without_misspellings_the_silos_are_persian_too():
    w = crm.make_world("tiny", seed=5, locale="fa_IR", n_customers=200, workers=1,
                       silos={"variant_rate": 0.0})
    for silo, frame in w.silos.items():
        assert not _arabic(frame), (silo, _arabic(frame))


def test_english_pools_are_untouched():
    from faker.providers.person.en_US import Provider

    p = pools("en_US")
    assert set(p.first_female) <= {n.strip() for n in Provider.first_names_female}
    assert list(p.streets) == sorted(set(Provider.last_names) | set(Provider.first_names))
