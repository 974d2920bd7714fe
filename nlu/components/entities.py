"""Entities in English, Chinese and mixed messages, with patterns built from the knowledge data.

    service_item  an item id of knowledge/application/items.yml ("extend my work permit" ->
                  work_permit_extension), from its `services` and `kinds` synonyms
    case_number   FJ2026000123 (two letters, a year 20xx, six digits; spaces allowed), upper-cased
    country       ISO 3166-1 alpha-2, from knowledge/countries.py (pycountry + babel names, aliases,
                  demonyms)
    city          the `id` of a city in the `scope` of a region profile (knowledge/regions/*.yml)

Countries and cities go through spaCy PhraseMatchers on blank pipelines: `en` (its rule tokenizer)
for Latin names, `zh` (the character segmenter: no model, no jieba) for Chinese names. Each pipeline
reads a copy of the message in which the other script is blanked out character for character, so
"我是German人" finds "German" and offsets stay those of the original text. Service items and case
numbers are regular expressions in the data (items.yml) or by nature, searched on a length-keeping
fold of the text (NFKC and lower case where they keep one character).

False friends, as chosen here (docs/intents.md):
- a demonym ("German", "Chinese") is a nationality unless a language word is next to it ("reply in
  German", "I speak French", "German course"): then it names a language and gives no entity;
- China / Chinese / 中国 name the country only with a nationality cue ("from China", "I am
  Chinese", "Chinese citizen", "中国籍", "我是中国人", "国籍：中国"): "work in China" names the
  place where every user of this service works, and "Chinese" is mostly the language;
- names that are common English words (Chad, Jordan, Jersey, ...) count only when capitalised.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, Iterable, List, Mapping, Sequence, Tuple

import spacy
import yaml
from spacy.matcher import PhraseMatcher

from knowledge import countries
from knowledge.application.catalogue import Catalogue, catalogue

SERVICE_ITEM = "service_item"
CASE_NUMBER = "case_number"
COUNTRY = "country"
CITY = "city"
ENTITY_NAMES = (SERVICE_ITEM, CASE_NUMBER, COUNTRY, CITY)

REGIONS_DIR = Path(__file__).resolve().parents[2] / "knowledge" / "regions"

_HAN = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_HAN_CHAR = re.compile(f"[{_HAN}]")
_NOT_HAN = re.compile(f"[^{_HAN}]")
_LATIN = re.compile("[a-z]")
_CASE_NUMBER = re.compile(r"(?<![a-z0-9])([a-z]{2})[\s-]?(20[0-9]{2})[\s-]?([0-9]{6})(?![0-9])")
# Clause boundaries: a kind word ("extend") reaches the services of its own clause when a message
# names several kinds ("change my work permit and extend my residence permit").
_CLAUSE = re.compile(
    r"[,;.!?，；。！？、\n]|\b(?:and|also|plus|then|but)\b|和|及|以及|还有|并且|然后|另外|同时|但"
)
# Administrative suffixes a Chinese city name is also written without (福州市 -> 福州).
_ZH_CITY_SUFFIXES = ("综合实验区", "市", "区", "县")
_PARENTHESIS = re.compile(r"\s*[(（].*$")

# A demonym next to these words is a language, not a nationality.
_LANGUAGE_BEFORE = frozenset(
    """in into speak speaks speaking spoke spoken reply replies respond answer answers
write written talk talking learn learning learned study studying know knows use using switch translate
translated translation understand read say""".split()
)
_LANGUAGE_AFTER = frozenset(
    """language languages speaker speakers speaking lessons lesson class classes course
courses test exam level proficiency skills skill translation version text name names food teacher
tutor hsk""".split()
)
# Cues that "China" / "Chinese" is the person's nationality.
_NATIONALITY = frozenset("""nationality citizenship""".split())
_CN_NOUN_BEFORE = frozenset("""from nationality citizenship""".split())  # "from China"
_CN_ADJECTIVE_BEFORE = frozenset("""am 'm im is are was were""".split())  # "I am Chinese"
_CN_AFTER = frozenset("""citizen citizens national nationals nationality passport passports""".split())
_CN_ZH_AFTER = re.compile(r"籍|国籍|公民|护照|人(?![民社力才事口大])")
_CN_ZH_BEFORE = re.compile(r"(?:国籍|来自|是)\s*(?:是|为|[:：])?\s*$")
# Country names that are everyday English words: only capitalised ("Jordan", not "jordan").
_CAPITALISED_ONLY = frozenset(
    {
        "chad",
        "jordan",
        "jersey",
        "guernsey",
        "reunion",
        "turkey",
        "georgia",
        "guinea",
        "niger",
        "man",
        "wales",
        "chile",
        "grenada",
        "mali",
        "togo",
    }
)
# Upper-case abbreviations that are also words when lower case ("us").
_UPPER_CODES = {"US": "US", "USA": "US", "UK": "GB", "UAE": "AE"}


@dataclass(frozen=True)
class Entity:
    entity: str
    value: str
    start: int
    end: int

    def as_dict(self, text: str) -> Dict[str, Any]:
        return {
            "entity": self.entity,
            "value": self.value,
            "start": self.start,
            "end": self.end,
            "confidence_entity": 1.0,
        }


def fold(text: str) -> str:
    """NFKC and lower case, character by character where that keeps one character, so offsets into
    the result are offsets into `text` (full-width "ＦＪ" -> "fj")."""
    if text.isascii():
        return text.lower()
    out = []
    for ch in text:
        folded = unicodedata.normalize("NFKC", ch)
        folded = folded.lower() if len(folded) == 1 else ch
        out.append(folded if len(folded) == 1 else ch)
    return "".join(out)


def read_cities(regions_dir: Path = REGIONS_DIR) -> List[Tuple[str, str, str]]:
    """(id, English name, Chinese name) of every city in the `scope` of every region profile."""
    cities = []
    for path in sorted(Path(regions_dir).glob("*.yml")):
        with path.open(encoding="utf-8") as fh:
            profile = yaml.safe_load(fh) or {}
        for number, city in enumerate(profile.get("scope") or []):
            if not isinstance(city, Mapping) or not all(
                isinstance(city.get(k), str) for k in ("id", "en", "zh")
            ):
                raise ValueError(f"{path.name}: scope[{number}] needs an id, en and zh")
            cities.append((city["id"], city["en"], city["zh"]))
    return cities


def _city_names(en: str, zh: str, city_id: str) -> Tuple[List[str], List[str]]:
    en_short = _PARENTHESIS.sub("", en).strip()
    zh_full = _PARENTHESIS.sub("", zh).strip()
    zh_names = [zh_full]
    for suffix in _ZH_CITY_SUFFIXES:
        if zh_full.endswith(suffix) and len(zh_full) > len(suffix) + 1:
            zh_names.append(zh_full[: -len(suffix)])
            break
    return [en_short, city_id], zh_names


class EntityFinder:
    """Finds the four entities in a message; built once (patterns from the data), then read-only."""

    def __init__(
        self,
        cat: Catalogue | None = None,
        cities: Sequence[Tuple[str, str, str]] | None = None,
        country_names: Mapping[str, str] | None = None,
    ) -> None:
        self.catalogue = cat or catalogue()
        self.en = spacy.blank("en")
        self.zh = spacy.blank("zh")  # segmenter "char": every Han character a token
        self.en_matcher = PhraseMatcher(self.en.vocab, attr="LOWER")
        self.zh_matcher = PhraseMatcher(self.zh.vocab, attr="ORTH")
        self.upper_matcher = PhraseMatcher(self.en.vocab, attr="ORTH")
        # match label -> (entity, value); spaCy keys matches by the label's hash
        self.labels: Dict[int, Tuple[str, str]] = {}
        self._add_countries(country_names if country_names is not None else countries.names())
        self._add_cities(cities if cities is not None else read_cities())
        self.demonyms = frozenset(countries.normalise(d) for d in countries.DEMONYMS)

    # --- building -------------------------------------------------------------------------------
    def _label(self, entity: str, value: str) -> str:
        label = f"{entity}:{value}"
        self.labels[self.en.vocab.strings.add(label)] = (entity, value)
        self.zh.vocab.strings.add(label)
        return label

    def _add(self, entity: str, value: str, names: Iterable[str]) -> None:
        en_names: List[str] = []
        zh_names: List[str] = []
        for name in dict.fromkeys(n.strip() for n in names if n and n.strip()):
            (zh_names if _HAN_CHAR.search(name) else en_names).append(name)
        label = self._label(entity, value)
        if en_names:
            self.en_matcher.add(label, [self.en.make_doc(name) for name in en_names])
        if zh_names:
            self.zh_matcher.add(label, [self.zh.make_doc(name) for name in zh_names])

    def _add_countries(self, names: Mapping[str, str]) -> None:
        by_code: Dict[str, List[str]] = {}
        for name, code in names.items():
            by_code.setdefault(code, []).append(name)
        for code, code_names in by_code.items():
            self._add(COUNTRY, code, code_names)
        for abbreviation, code in _UPPER_CODES.items():
            self.upper_matcher.add(self._label(COUNTRY, code), [self.en.make_doc(abbreviation)])

    def _add_cities(self, cities: Sequence[Tuple[str, str, str]]) -> None:
        for city_id, en, zh in cities:
            en_names, zh_names = _city_names(en, zh, city_id)
            self._add(CITY, city_id, en_names + zh_names)

    # --- finding --------------------------------------------------------------------------------
    def find(self, text: str) -> List[Entity]:
        """The entities of `text`, in text order; where two overlap, the longer wins."""
        if not text or not text.strip() or text.startswith("/"):
            return []  # "/intent{...}" payloads carry their own entities
        folded = fold(text)
        found = self._case_numbers(folded) + self._services(folded) + self._places(text, folded)
        kept: List[Entity] = []
        for entity in sorted(found, key=lambda e: (-(e.end - e.start), e.start)):
            if all(entity.end <= other.start or entity.start >= other.end for other in kept):
                kept.append(entity)
        return sorted(kept, key=lambda e: e.start)

    @staticmethod
    def _case_numbers(folded: str) -> List[Entity]:
        return [
            Entity(CASE_NUMBER, "".join(m.groups()).upper(), m.start(), m.end())
            for m in _CASE_NUMBER.finditer(folded)
        ]

    def _services(self, folded: str) -> List[Entity]:
        # Python's \b sees no boundary between a Han character and a Latin letter ("我想change"):
        # the Latin synonyms are also searched with the Han characters blanked out.
        mixed = _HAN_CHAR.search(folded) and _LATIN.search(folded)
        views = [folded, _HAN_CHAR.sub(" ", folded)] if mixed else [folded]
        mentions = list(
            {
                (m.start(), m.end(), key)
                for key, service in self.catalogue.services.items()
                for view in views
                for m in service.pattern.finditer(view)
                if m.end() > m.start()
            }
        )
        if not mentions:
            return []
        kept: List[Tuple[int, int, str]] = []
        for mention in sorted(mentions, key=lambda s: (-(s[1] - s[0]), s[0])):
            if all(mention[1] <= o[0] or mention[0] >= o[1] for o in kept):
                kept.append(mention)
        kinds = list(
            {
                (m.start(), kind)
                for kind, pattern in self.catalogue.kinds.items()
                for view in views
                for m in pattern.finditer(view)
            }
        )
        named = list(dict.fromkeys(kind for _, kind in sorted(kinds)))
        clauses = [0] + [m.end() for m in _CLAUSE.finditer(folded)] + [len(folded) + 1]
        entities = []
        for start, end, key in sorted(kept):
            if len(named) == 1:  # one kind named: it is meant for every service ("extend A and B")
                kind = named[0]
            else:
                low = max(c for c in clauses if c <= start)
                high = min(c for c in clauses if c > start)
                own = [k for k in self.catalogue.kinds if any(low <= s < high and k == kk for s, kk in kinds)]
                kind = own[0] if own else self.catalogue.services[key].default_kind
            item = self.catalogue.item_for(key, kind)
            if item:
                entities.append(Entity(SERVICE_ITEM, item, start, end))
        return entities

    def _places(self, text: str, folded: str) -> List[Entity]:
        entities: List[Entity] = []
        if _NOT_HAN.search(folded):
            doc = self.en.make_doc(_HAN_CHAR.sub(" ", folded) if _HAN_CHAR.search(folded) else folded)
            upper = self.en.make_doc(_HAN_CHAR.sub(" ", text) if _HAN_CHAR.search(text) else text)
            for label, start, end in self.en_matcher(doc):
                span = doc[start:end]
                entity = self._latin(text, doc, span.start, span.end, *self.labels[label])
                if entity:
                    entities.append(entity)
            for label, start, end in self.upper_matcher(upper):
                span = upper[start:end]
                entities.append(Entity(*self.labels[label], span.start_char, span.end_char))
        if _HAN_CHAR.search(folded):
            doc = self.zh.make_doc(_NOT_HAN.sub(" ", folded))
            for label, start, end in self.zh_matcher(doc):
                span = doc[start:end]
                entity_name, value = self.labels[label]
                if value == "CN" and not self._china_cue_zh(folded, span.start_char, span.end_char):
                    continue
                entities.append(Entity(entity_name, value, span.start_char, span.end_char))
        return entities

    def _latin(self, text: str, doc: Any, start: int, end: int, entity: str, value: str) -> Entity | None:
        span = doc[start:end]
        start_char, end_char = span.start_char, span.end_char
        if entity == COUNTRY:
            name = span.text
            if name in _CAPITALISED_ONLY and not text[start_char].isupper():
                return None
            before = [t.text for t in doc[max(0, start - 4) : start] if not t.is_space and not t.is_punct]
            after = doc[end].text if end < len(doc) else ""
            if value == "CN" and not self._china_cue(name, before, after):
                return None
            if name in self.demonyms and (
                (before and before[-1] in _LANGUAGE_BEFORE) or after in _LANGUAGE_AFTER
            ):
                return None
        return Entity(entity, value, start_char, end_char)

    def _china_cue(self, name: str, before: List[str], after: str) -> bool:
        last = before[-1] if before else ""
        if after in _CN_AFTER or last in _CN_NOUN_BEFORE or _NATIONALITY & set(before):
            return True  # "Chinese citizen", "from China", "nationality: China", "nationality is Chinese"
        if last == "of" and len(before) > 1 and before[-2] in {"citizen", "national"}:
            return True  # "citizen of China"
        return name in self.demonyms and last in _CN_ADJECTIVE_BEFORE  # "I am Chinese"

    @staticmethod
    def _china_cue_zh(folded: str, start: int, end: int) -> bool:
        return bool(
            _CN_ZH_AFTER.match(folded, end) or _CN_ZH_BEFORE.search(folded[max(0, start - 8) : start])
        )


@lru_cache(maxsize=1)
def finder() -> EntityFinder:
    """The finder of the project's own data (built once per process: about a second)."""
    return EntityFinder()


def extract(text: str) -> List[Dict[str, Any]]:
    """Rasa-style entity dicts (entity, value, start, end) of `text`."""
    return [e.as_dict(text) for e in finder().find(text)]
