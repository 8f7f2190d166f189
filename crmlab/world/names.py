"""Per-locale pools of names, places, phone formats and currency.

Faker is used only here, and only as a source of word lists: the pools are read
from its locale providers once, deduplicated and frozen into numpy arrays, and the
generators sample from them with numpy (one vectorised draw for a million names,
instead of a million Python calls). Faker's word lists can change between versions,
which is why the lock file pins Faker and the data package records its version.

Provinces are our own tables: each carries a population weight and the climate
risks that drive the weather table (snow in cold, mountainous provinces in winter;
floods in river plains in spring).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np

__all__ = ["LocalePools", "Province", "pools"]


@dataclass(frozen=True)
class Province:
    """A province or state with its population weight, climate risks and cities."""

    name: str
    weight: float  # population, millions (approximate)
    snow: float  # 0..1 risk of winter snow storms
    flood: float  # 0..1 risk of spring floods
    cities: tuple[str, ...]


_US_PROVINCES: tuple[Province, ...] = (
    Province("California", 39.0, 0.05, 0.35, ("Los Angeles", "San Diego", "Sacramento")),
    Province("Texas", 30.0, 0.05, 0.6, ("Houston", "Dallas", "Austin")),
    Province("Florida", 22.0, 0.0, 0.7, ("Miami", "Tampa", "Orlando")),
    Province("New York", 19.6, 0.8, 0.2, ("New York City", "Buffalo", "Albany")),
    Province("Illinois", 12.5, 0.8, 0.3, ("Chicago", "Springfield", "Peoria")),
    Province("Pennsylvania", 13.0, 0.6, 0.3, ("Philadelphia", "Pittsburgh", "Harrisburg")),
    Province("Ohio", 11.8, 0.6, 0.3, ("Columbus", "Cleveland", "Cincinnati")),
    Province("Georgia", 11.0, 0.05, 0.3, ("Atlanta", "Savannah", "Augusta")),
    Province("Michigan", 10.0, 0.9, 0.2, ("Detroit", "Grand Rapids", "Lansing")),
    Province("Louisiana", 4.6, 0.0, 0.9, ("New Orleans", "Baton Rouge", "Shreveport")),
    Province("Minnesota", 5.7, 1.0, 0.3, ("Minneapolis", "Saint Paul", "Duluth")),
    Province("Colorado", 5.9, 0.9, 0.1, ("Denver", "Colorado Springs", "Boulder")),
    Province("Washington", 7.8, 0.4, 0.3, ("Seattle", "Spokane", "Tacoma")),
    Province("Arizona", 7.4, 0.05, 0.1, ("Phoenix", "Tucson", "Mesa")),
)

_IR_PROVINCES: tuple[Province, ...] = (
    Province("تهران", 13.3, 0.3, 0.1, ("تهران", "شهریار", "اسلامشهر")),
    Province("خراسان رضوی", 6.4, 0.4, 0.1, ("مشهد", "نیشابور", "سبزوار")),
    Province("اصفهان", 5.1, 0.2, 0.05, ("اصفهان", "کاشان", "نجف‌آباد")),
    Province("فارس", 4.9, 0.1, 0.3, ("شیراز", "مرودشت", "جهرم")),
    Province("خوزستان", 4.7, 0.0, 0.95, ("اهواز", "دزفول", "آبادان")),
    Province("آذربایجان شرقی", 3.9, 1.0, 0.1, ("تبریز", "مراغه", "مرند")),
    Province("مازندران", 3.3, 0.3, 0.6, ("ساری", "بابل", "آمل")),
    Province("آذربایجان غربی", 3.3, 1.0, 0.15, ("ارومیه", "خوی", "مهاباد")),
    Province("کرمان", 3.2, 0.1, 0.1, ("کرمان", "سیرجان", "رفسنجان")),
    Province("سیستان و بلوچستان", 2.8, 0.0, 0.4, ("زاهدان", "زابل", "چابهار")),
    Province("البرز", 2.7, 0.3, 0.05, ("کرج", "فردیس", "نظرآباد")),
    Province("گیلان", 2.5, 0.4, 0.5, ("رشت", "لاهیجان", "انزلی")),
    Province("کرمانشاه", 1.95, 0.6, 0.4, ("کرمانشاه", "اسلام‌آباد غرب", "کنگاور")),
    Province("گلستان", 1.87, 0.2, 0.7, ("گرگان", "گنبد کاووس", "علی‌آباد")),
    Province("هرمزگان", 1.78, 0.0, 0.4, ("بندرعباس", "میناب", "قشم")),
    Province("لرستان", 1.76, 0.5, 0.85, ("خرم‌آباد", "بروجرد", "پلدختر")),
    Province("همدان", 1.74, 0.8, 0.1, ("همدان", "ملایر", "نهاوند")),
    Province("کردستان", 1.6, 0.95, 0.2, ("سنندج", "سقز", "مریوان")),
    Province("مرکزی", 1.43, 0.4, 0.05, ("اراک", "ساوه", "خمین")),
    Province("قم", 1.29, 0.1, 0.05, ("قم", "جعفریه", "کهک")),
    Province("قزوین", 1.27, 0.5, 0.05, ("قزوین", "تاکستان", "بوئین‌زهرا")),
    Province("اردبیل", 1.27, 1.0, 0.1, ("اردبیل", "پارس‌آباد", "مشگین‌شهر")),
    Province("بوشهر", 1.16, 0.0, 0.3, ("بوشهر", "برازجان", "گناوه")),
    Province("یزد", 1.14, 0.05, 0.02, ("یزد", "میبد", "اردکان")),
    Province("زنجان", 1.06, 0.9, 0.05, ("زنجان", "ابهر", "خرمدره")),
    Province("چهارمحال و بختیاری", 0.95, 0.8, 0.3, ("شهرکرد", "بروجن", "فارسان")),
    Province("خراسان شمالی", 0.86, 0.6, 0.2, ("بجنورد", "شیروان", "اسفراین")),
    Province("خراسان جنوبی", 0.77, 0.2, 0.05, ("بیرجند", "قائن", "طبس")),
    Province("کهگیلویه و بویراحمد", 0.71, 0.6, 0.6, ("یاسوج", "دهدشت", "دوگنبدان")),
    Province("سمنان", 0.7, 0.3, 0.02, ("سمنان", "شاهرود", "دامغان")),
    Province("ایلام", 0.58, 0.3, 0.7, ("ایلام", "دهلران", "مهران")),
)

_IR_STREETS = ("ولیعصر", "آزادی", "انقلاب", "امام", "شریعتی", "فردوسی", "حافظ", "سعدی",
               "بهار", "گلستان", "نرگس", "لاله", "مطهری", "طالقانی", "جمهوری", "کارگر")


@dataclass(frozen=True)
class LocalePools:
    """Everything a locale contributes to a world, ready for numpy sampling."""

    locale: str
    first_female: np.ndarray
    first_female_p: np.ndarray
    first_male: np.ndarray
    first_male_p: np.ndarray
    last: np.ndarray
    last_p: np.ndarray
    streets: np.ndarray
    street_kinds: np.ndarray
    provinces: tuple[Province, ...]
    mobile_prefixes: np.ndarray  # e.g. "0912" or "415"
    email_domains: np.ndarray
    currency: str
    money_scale: float  # multiply model money (in USD-like units) by this
    faker_version: str

    @property
    def province_names(self) -> list[str]:
        return [p.name for p in self.provinces]

    @property
    def province_weights(self) -> np.ndarray:
        w = np.array([p.weight for p in self.provinces], dtype=float)
        return w / w.sum()


def _unique_tokens(values, weights=None) -> tuple[np.ndarray, np.ndarray]:
    """Deduplicate a Faker tuple or weighted OrderedDict; returns (names, probabilities)."""
    if weights is None and hasattr(values, "values"):
        names, weights = list(values.keys()), list(values.values())
    else:
        names = list(values)
        weights = [1.0] * len(names) if weights is None else list(weights)
    merged: dict[str, float] = {}
    for name, w in zip(names, weights, strict=True):
        name = name.strip()
        if name and " " not in name:  # keep single tokens only
            merged[name] = merged.get(name, 0.0) + float(w)
    out = np.array(sorted(merged), dtype=object)
    p = np.array([merged[n] for n in out], dtype=float)
    return out, p / p.sum()


@cache
def pools(locale: str) -> LocalePools:
    """Build (once per process) the sampling pools of a locale.

    Parameters
    ----------
    locale : {"en_US", "fa_IR"}

    Examples
    --------
    >>> p = pools("fa_IR")
    >>> p.currency, len(p.provinces)
    ('IRT', 31)
    """
    import faker

    if locale == "en_US":
        from faker.providers.person.en_US import Provider as Person

        first_f = _unique_tokens(Person.first_names_female)
        first_m = _unique_tokens(Person.first_names_male)
        last = _unique_tokens(Person.last_names)
        streets = np.array(sorted(set(Person.last_names) | set(Person.first_names)), dtype=object)
        kinds = np.array(["Street", "Avenue", "Road", "Lane", "Drive", "Court"], dtype=object)
        provinces = _US_PROVINCES
        prefixes = np.array(["212", "312", "415", "512", "617", "713", "305", "404", "206",
                             "303", "602", "504", "612", "216"], dtype=object)
        domains = np.array(["example.com", "mail.example", "inbox.example", "post.example"],
                           dtype=object)
        currency, scale = "USD", 1.0
    elif locale == "fa_IR":
        from faker.providers.person.fa_IR import Provider as Person

        first_f = _unique_tokens(Person.first_names_female)
        first_m = _unique_tokens(Person.first_names_male)
        last = _unique_tokens(Person.last_names)
        streets = np.array(_IR_STREETS, dtype=object)
        kinds = np.array(["خیابان", "کوچه", "بلوار"], dtype=object)
        provinces = _IR_PROVINCES
        prefixes = np.array(["0912", "0913", "0915", "0917", "0919", "0935", "0936", "0939",
                             "0901", "0990"], dtype=object)
        domains = np.array(["example.ir", "mail.example.ir", "post.example.ir"], dtype=object)
        currency, scale = "IRT", 10_000.0  # tomans; 1 model unit = 10,000 tomans
    else:  # config validation normally catches this first
        raise ValueError(f"unknown locale {locale!r}; choose one of ['en_US', 'fa_IR']")
    return LocalePools(
        locale=locale,
        first_female=first_f[0], first_female_p=first_f[1],
        first_male=first_m[0], first_male_p=first_m[1],
        last=last[0], last_p=last[1],
        streets=streets, street_kinds=kinds,
        provinces=provinces,
        mobile_prefixes=prefixes,
        email_domains=domains,
        currency=currency, money_scale=scale,
        faker_version=faker.VERSION,
    )
