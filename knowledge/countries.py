"""Country names and codes in English and Chinese: "DE", "DEU", "Germany", "德国" -> DE.

ISO 3166-1 codes and English names come from `pycountry` (the Debian iso-codes data);
Chinese names from pycountry's zh_CN translations and from the Unicode CLDR names that
`babel` ships (simplified and traditional), so both the official long form ("德意志联邦
共和国") and the everyday short form ("德国", "韩国") resolve. A few everyday English
names and demonyms that neither library lists ("UK", "Holland", "German") are kept in
ALIASES below.
"""

from __future__ import annotations

import difflib
import gettext
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import pycountry
from babel import Locale

from knowledge.reading.normalise import normalise as reading_normalise


@dataclass(frozen=True)
class Country:
    alpha_2: str
    alpha_3: str
    name_en: str
    name_zh: str

    def name(self, lang: str) -> str:
        return self.name_zh if lang == "zh" else self.name_en

    def to_json(self, lang: str) -> dict[str, str]:
        return {"alpha_2": self.alpha_2, "alpha_3": self.alpha_3, "name": self.name(lang)}


# Everyday names and demonyms the two libraries do not carry (normalised like user text).
ALIASES: dict[str, str] = {
    "uk": "GB",
    "britain": "GB",
    "great britain": "GB",
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "british": "GB",
    "usa": "US",
    "america": "US",
    "united states of america": "US",
    "american": "US",
    "holland": "NL",
    "dutch": "NL",
    "korea": "KR",
    "republic of korea": "KR",
    "korean": "KR",
    "south korean": "KR",
    "german": "DE",
    "french": "FR",
    "spanish": "ES",
    "japanese": "JP",
    "danish": "DK",
    "finnish": "FI",
    "canadian": "CA",
    "swiss": "CH",
    "luxembourgish": "LU",
    "serbian": "RS",
    "kyrgyz": "KG",
    "kirghizia": "KG",
    "belgian": "BE",
    "italian": "IT",
    "russian": "RU",
    "russia": "RU",
    "indian": "IN",
    "australian": "AU",
    "irish": "IE",
    "vietnam": "VN",
    "czech republic": "CZ",
    "turkey": "TR",
    "ivory coast": "CI",
    "burma": "MM",
    "swaziland": "SZ",
    "macedonia": "MK",
    "south africa": "ZA",
    "new zealand": "NZ",
    "philippine": "PH",
    "filipino": "PH",
    "brazilian": "BR",
    "mexican": "MX",
    "macau": "MO",
    "chinese": "CN",
    "prc": "CN",
    "laos": "LA",
    "syria": "SY",
    "iran": "IR",
    "南韩": "KR",
    "大韩民国": "KR",
    "北韩": "KP",
    "朝鲜": "KP",
    "英格兰": "GB",
    "苏格兰": "GB",
    "美利坚": "US",
    "吉尔吉斯": "KG",
    "中华人民共和国": "CN",
    "德意志": "DE",
    "荷兰王国": "NL",
}

# English demonyms (adjectives) beyond the ones in ALIASES: read as nationalities by resolve(), and
# by the NLU entity extractor (nlu/components/entities.py) only where they are not a language
# ("I am Polish" -> PL, "reply in Polish" -> nothing). Every demonym of ALIASES is listed here too.
DEMONYMS: dict[str, str] = {
    "german": "DE",
    "french": "FR",
    "american": "US",
    "british": "GB",
    "korean": "KR",
    "south korean": "KR",
    "japanese": "JP",
    "russian": "RU",
    "indian": "IN",
    "chinese": "CN",
    "spanish": "ES",
    "danish": "DK",
    "finnish": "FI",
    "canadian": "CA",
    "swiss": "CH",
    "luxembourgish": "LU",
    "serbian": "RS",
    "kyrgyz": "KG",
    "belgian": "BE",
    "italian": "IT",
    "australian": "AU",
    "irish": "IE",
    "dutch": "NL",
    "filipino": "PH",
    "philippine": "PH",
    "brazilian": "BR",
    "mexican": "MX",
    "polish": "PL",
    "swedish": "SE",
    "norwegian": "NO",
    "portuguese": "PT",
    "greek": "GR",
    "turkish": "TR",
    "austrian": "AT",
    "hungarian": "HU",
    "romanian": "RO",
    "ukrainian": "UA",
    "czech": "CZ",
    "thai": "TH",
    "vietnamese": "VN",
    "indonesian": "ID",
    "malaysian": "MY",
    "singaporean": "SG",
    "pakistani": "PK",
    "bangladeshi": "BD",
    "nepali": "NP",
    "sri lankan": "LK",
    "mongolian": "MN",
    "kazakh": "KZ",
    "uzbek": "UZ",
    "iranian": "IR",
    "israeli": "IL",
    "egyptian": "EG",
    "moroccan": "MA",
    "nigerian": "NG",
    "kenyan": "KE",
    "ghanaian": "GH",
    "ethiopian": "ET",
    "south african": "ZA",
    "new zealander": "NZ",
    "argentinian": "AR",
    "argentine": "AR",
    "chilean": "CL",
    "colombian": "CO",
    "peruvian": "PE",
    "cambodian": "KH",
    "laotian": "LA",
    "burmese": "MM",
    "saudi": "SA",
    "emirati": "AE",
    "cuban": "CU",
    "croatian": "HR",
    "bulgarian": "BG",
    "slovak": "SK",
    "slovenian": "SI",
    "estonian": "EE",
    "latvian": "LV",
    "lithuanian": "LT",
}

# How this service names places that ISO lists separately (a Chinese government service).
DISPLAY_NAMES: dict[str, tuple[str, str]] = {
    "TW": ("Taiwan, China", "中国台湾"),
    "HK": ("Hong Kong SAR, China", "中国香港"),
    "MO": ("Macao SAR, China", "中国澳门"),
}

_SPACE = re.compile(r"\s+")
_STRIP = re.compile(r"[^\w\s]")
_CJK = re.compile(r"[\u3400-\u9fff]")


def normalise(text: str) -> str:
    """Lower case, no accents, punctuation or leading "the"; Chinese keeps its characters."""
    text = reading_normalise(text).replace("&", " and ")
    text = "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))
    text = _SPACE.sub(" ", _STRIP.sub(" ", text)).strip()
    if text.startswith("the "):
        text = text[4:]
    if _CJK.search(text):
        text = text.replace(" ", "")
    return text


@lru_cache(maxsize=1)
def _tables() -> tuple[dict[str, Country], dict[str, str]]:
    """(alpha-2 -> Country, normalised name or code -> alpha-2)."""
    zh_cn = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["zh_CN"], fallback=True)
    cldr_en = Locale("en").territories
    cldr_zh = Locale("zh").territories
    cldr_zh_hant = Locale.parse("zh_Hant").territories
    countries: dict[str, Country] = {}
    index: dict[str, str] = {}

    def add(name: str | None, code: str) -> None:
        if name:
            index.setdefault(normalise(name), code)

    for entry in pycountry.countries:
        code = entry.alpha_2
        name_en = getattr(entry, "common_name", None) or cldr_en.get(code) or entry.name
        name_zh = cldr_zh.get(code) or zh_cn.gettext(entry.name)
        name_en, name_zh = DISPLAY_NAMES.get(code, (name_en, name_zh))
        countries[code] = Country(code, entry.alpha_3, name_en, name_zh)
        index[code.casefold()] = code
        index[entry.alpha_3.casefold()] = code
    for entry in pycountry.countries:  # names after codes: a code always wins
        code = entry.alpha_2
        official = getattr(entry, "official_name", None)
        for name in (
            entry.name,
            getattr(entry, "common_name", None),
            official,
            cldr_en.get(code),
            zh_cn.gettext(entry.name),
            zh_cn.gettext(official) if official else None,
            cldr_zh.get(code),
            cldr_zh_hant.get(code),
        ):
            add(name, code)
    for code, names in DISPLAY_NAMES.items():
        for name in names:
            add(name, code)
    for alias, code in ALIASES.items():
        index.setdefault(normalise(alias), code)
    for demonym, code in DEMONYMS.items():
        index.setdefault(normalise(demonym), code)
    return countries, index


def names() -> dict[str, str]:
    """Every country name, alias and demonym the resolver knows (normalised) -> alpha-2; the ISO
    codes themselves are left out ("can", "per", "in" are words too), but for aliases like "usa"."""
    countries, index = _tables()
    codes = {code for c in countries.values() for code in (c.alpha_2.casefold(), c.alpha_3.casefold())}
    aliases = {normalise(a) for a in ALIASES}
    return {name: code for name, code in index.items() if name not in codes or name in aliases}


def by_code(alpha_2: str) -> Country | None:
    return _tables()[0].get(alpha_2.upper())


def resolve(text: str) -> Country | None:
    """The country named by an ISO alpha-2/alpha-3 code or an English or Chinese name."""
    if not isinstance(text, str):
        return None
    countries, index = _tables()
    key = normalise(text)
    if not key:
        return None
    code = index.get(key)
    if code is None and _CJK.search(key):
        for suffix in ("人", "籍", "国籍"):  # 德国人, 德国籍
            if key.endswith(suffix) and key[: -len(suffix)] in index:
                code = index[key[: -len(suffix)]]
                break
    if code is None and key.endswith(" citizen"):
        code = index.get(key[: -len(" citizen")])
    return countries.get(code) if code else None


def suggest(text: str, limit: int = 3) -> list[Country]:
    """Countries whose names are close to `text` (for "did you mean ...?")."""
    countries, index = _tables()
    key = normalise(text) if isinstance(text, str) else ""
    if len(key) < 2:
        return []
    names = [name for name in index if len(name) > 3 or _CJK.search(name)]
    found: list[Country] = []
    for name in difflib.get_close_matches(key, names, n=limit * 3, cutoff=0.75):
        country = countries[index[name]]
        if country not in found:
            found.append(country)
    return found[:limit]
