"""Iran: provinces with their climate (snow in the north-west, floods in the south-west),
Iranian mobile prefixes, rials at 2025 price levels.

Data only (as Faker's providers are): :func:`crmlab.world.locales.pools` reads it.
"""

from __future__ import annotations

from ._province import Province

__all__ = ["CURRENCY", "EMAIL_DOMAINS", "MOBILE_PREFIXES", "MONEY_SCALE", "PERSON_PROVIDER",
           "PLATFORM_SHARES", "PROVINCES", "STREETS", "STREET_KINDS"]

#: Faker's person provider module whose name lists the pools are built from.
PERSON_PROVIDER = "faker.providers.person.fa_IR"
PROVINCES: tuple[Province, ...] = (
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

STREETS: tuple[str, ...] | None = (
    "ولیعصر", "آزادی", "انقلاب", "امام", "شریعتی", "فردوسی", "حافظ", "سعدی",
    "بهار", "گلستان", "نرگس", "لاله", "مطهری", "طالقانی", "جمهوری", "کارگر",
)


STREET_KINDS: tuple[str, ...] = ("خیابان", "کوچه", "بلوار")
#: Persian text is written with Persian code points, not the Arabic forms of the same
#: letters: ی (U+06CC) for Arabic yeh and alef maksura, ک (U+06A9) for Arabic kaf, and
#: Persian digits for Arabic-Indic ones. Every string of the pools (Faker's names, which
#: mix both, and the tables here) goes through this map; names that become the same
#: are merged, their weights summed.
LETTER_MAP: dict[str, str] = {
    "\u064a": "\u06cc", "\u0649": "\u06cc", "\u0643": "\u06a9",
    **{chr(0x0660 + d): chr(0x06F0 + d) for d in range(10)},
}
MOBILE_PREFIXES: tuple[str, ...] = ("0912", "0913", "0915", "0917", "0919", "0935", "0936",
                                    "0939", "0901", "0990")
EMAIL_DOMAINS: tuple[str, ...] = ("example.ir", "mail.example.ir", "post.example.ir")
#: Typical platforms of posts about the operator (``crmlab.world.labels.PLATFORMS`` order:
#: instagram, x, telegram, forum, review_site): Instagram and Telegram lead in Iran;
#: ``WorldConfig.social.platform_shares`` overrides them.
PLATFORM_SHARES: tuple[float, ...] = (0.4, 0.05, 0.4, 0.1, 0.05)
#: Iranian rials (ISO 4217 ``IRR``), the currency of bills and price lists; a toman, the
#: unit people say aloud, is ten rials.
CURRENCY = "IRR"
#: Rials per model money unit. The model's money is sized like a US operator's dollars
#: (postpaid tariffs of 15, 25, 40 and 60 units for 5, 15, 40 and 150 GB, a median
#: prepaid top-up near 11 units), so the scale sets an Iranian operator's price level
#: rather than an exchange rate. At 50,000 rials a unit (assumptions, 2025 prices):
#:
#: * the postpaid tariffs cost 750,000 / 1,250,000 / 2,000,000 / 3,000,000 rials a month,
#:   from 150,000 rials per included GB on the smallest plan to 20,000 on the largest
#:   (50,000 on the 40 GB plan). Public reports of
#:   the January 2024 price rise put a 30-day 50 GB package of the largest operator at
#:   3,000,000 rials (from 1,190,000), and internet tariffs rose about 20% again in 2025;
#: * overage costs 50,000-200,000 rials per GB, below the regulator's out-of-bundle base
#:   rate (0.4 rial per kilobyte postpaid, 0.6 prepaid, i.e. about 420,000 and 630,000
#:   rials per GB, as the operators' tariff pages list it): add-on packages sell for less;
#: * a median top-up is about 540,000 rials (54,000 tomans), between the common 20,000,
#:   50,000 and 100,000 toman charge cards;
#: * a call-centre contact costs 100,000 rials and a referral bonus 500,000 rials.
#:
#: Amounts keep two decimals, as in every locale; the Persian notebooks show whole rials.
MONEY_SCALE = 50_000.0
