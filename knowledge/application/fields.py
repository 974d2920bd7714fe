"""Answers to the form's fields, as typed in a chat (parse_field) or sent as JSON (validate_value).

Every field kind has one parser that returns a `Parsed`: the normalised value (JSON-able), or an
error code of messages.yml with its parameters. Every error carries the field's `label` and
`example`, so `message(code, lang, **params)` always writes the problem and a valid example.
Nothing typed is echoed back in the parameters, and nothing is ever interpreted: values are
plain strings and numbers. Kinds that forbid symbols (names, numbers, codes) refuse markup, SQL
fragments and emoji; free text (the address) is kept as plain text, length-limited, with control
characters refused.
"""

from __future__ import annotations

import math
import re
import unicodedata
from datetime import date
from typing import Any, Callable, Iterable, Mapping

from knowledge import countries
from knowledge.application import uscc
from knowledge.application.catalogue import Catalogue, FieldSpec, catalogue
from knowledge.application.dates import resolve_bound
from knowledge.application.mentions import strip_lead_in
from knowledge.application.messages import message
from knowledge.reading import (
    CJK,
    Field,
    Parsed,
    age_on,
    as_date,
    check_money,
    check_years,
    is_none,
    is_skip,
    normalise,
    read,
    read_country,
    read_date,
    read_year,
)

INPUT_MAX = 1000  # characters read at all; a longer answer is refused before parsing
FAMILY_INPUT_MAX = 2000  # several people in one answer
DEFAULT_MAX_LENGTH = {
    "name": 80,
    "chinese_name": 10,
    "address": 200,
    "text": 200,
    "email": 254,
    "passport_number": 20,
    "work_permit_number": 20,
    "uscc": 18,
    "family": FAMILY_INPUT_MAX,
}
FREE_TEXT = ("text", "address")  # kept as typed
FAMILY_AGE_MAX = 120

# The error for an answer with symbols that this kind never contains (markup, SQL, emoji).
FORMAT_ERROR = {
    "name": "name_characters",
    "chinese_name": "chinese_name_characters",
    "gender": "choice_unknown",
    "choice": "choice_unknown",
    "date": "date_format",
    "year": "year_format",
    "country": "country_unknown",
    "passport_number": "passport_format",
    "email": "email_format",
    "phone_cn": "phone_format",
    "uscc": "uscc_characters",
    "text": "text_characters",
    "money_cny": "money_format",
    "integer": "number_format",
    "work_permit_number": "work_permit_number_format",
}
_FORBIDDEN = set("<>{}[]\\;`|$^~*=")
# Invisible characters that can disguise text (zero width, bidirectional overrides).
_INVISIBLE = set("\u200b\u200e\u200f\u2060\ufeff\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_TEXT_PUNCTUATION = set(" .,'’&()（）-–—/·:：#+@\"“”、，。!")
# How the kinds read by knowledge/reading name their problems in messages.yml.
READER_CODES: dict[str, dict[str, str]] = {
    "money_cny": {
        "negative": "money_negative",
        "no_number": "money_format",
        "too_low": "money_too_low",
        "too_high": "money_too_high",
    },
    "integer": {
        "negative": "number_range",
        "no_number": "number_format",
        "not_whole": "number_format",
        "out_of_range": "number_range",
        "exceeds_age": "experience_exceeds_age",
    },
    "country": {"suggest": "country_suggest", "unknown": "country_unknown"},
}


def _fail(code: str, **params: Any) -> Parsed:
    return Parsed(error=code, params=params, speak=message)


def _none(text: str) -> bool:
    return is_none(text, "people")


# --- entry points -------------------------------------------------------------------------------
def parse_field(
    key: str,
    text: Any,
    *,
    today: date | None = None,
    answers: Mapping[str, Any] | None = None,
    cat: Catalogue | None = None,
) -> Parsed:
    """A natural-language answer for field `key` ("30w", "1990年5月12日", "my passport number is E1234567")."""
    return _read(_parse_text, key, text, today, answers, cat)


def validate_value(
    key: str,
    value: Any,
    *,
    today: date | None = None,
    answers: Mapping[str, Any] | None = None,
    cat: Catalogue | None = None,
) -> Parsed:
    """A JSON value from the API (normalised values pass unchanged; strings are read as answers)."""
    return _read(_validate, key, value, today, answers, cat)


def _read(
    reader: Any,
    key: str,
    value: Any,
    today: date | None,
    answers: Mapping[str, Any] | None,
    cat: Catalogue | None,
) -> Parsed:
    spec = (cat or catalogue()).fields.get(key)
    if spec is None:
        return _fail("unknown_field")
    return _finish(spec, reader(spec, value, today or date.today(), answers or {}))


def check_answers(
    items: Iterable[str],
    role: str,
    answers: Mapping[str, Any],
    *,
    today: date | None = None,
    cat: Catalogue | None = None,
) -> dict[str, Parsed]:
    """Field -> problem for the fields these items need: `missing` (required, no answer) or the
    validation error. Empty when the answers can be submitted."""
    cat = cat or catalogue()
    problems: dict[str, Parsed] = {}
    for key in cat.fields_for(items, role):
        spec = cat.fields[key]
        value = answers.get(key)
        if value is None or value == "":
            if not spec.optional:
                problems[key] = _finish(spec, _fail("missing"))
            continue
        result = validate_value(key, value, today=today, answers=answers, cat=cat)
        if result.error:
            problems[key] = result
    return problems


def carry_over(
    slots: Mapping[str, Any], *, today: date | None = None, cat: Catalogue | None = None
) -> dict[str, Any]:
    """Answers taken from the eligibility check: field -> value, for each field whose
    `carry_over_from` slot holds a value that is valid here too."""
    cat = cat or catalogue()
    found = {}
    for key, spec in cat.fields.items():
        slot = spec.carry_over_from
        if slot and slots.get(slot) not in (None, "", "skipped"):
            result = validate_value(key, slots[slot], today=today, cat=cat)
            if result.ok and not result.skipped:
                found[key] = result.value
    return found


def _finish(spec: FieldSpec, result: Parsed) -> Parsed:
    """Every error names the field and carries its example (in both languages)."""
    if result.error:
        result.speak = message  # the codes are messages.yml's
        result.params.setdefault("label", spec.label)
        result.params.setdefault("example", spec.example)
        if spec.choices:
            result.params.setdefault(
                "options",
                {
                    lang: ("、" if lang == "zh" else ", ").join(c.label[lang] for c in spec.choices.values())
                    for lang in ("en", "zh")
                },
            )
        result.params.setdefault("max", spec.max_length or DEFAULT_MAX_LENGTH.get(spec.kind, INPUT_MAX))
        result.params.setdefault("min", spec.min_length if spec.min_length is not None else 0)
    return result


def _parse_text(spec: FieldSpec, text: Any, today: date, answers: Mapping[str, Any]) -> Parsed:
    if not isinstance(text, str):
        return _fail("wrong_type")
    if len(text) > (FAMILY_INPUT_MAX if spec.kind == "family" else INPUT_MAX):
        return _fail("too_long")
    if _has_control(text):
        return _fail("control_characters")
    # Full-width digits and letters as ASCII for the parsers; free text keeps what was typed
    # (NFKC would turn Chinese punctuation such as "，" into ",").
    folded = unicodedata.normalize("NFKC", text).strip()
    if not folded:
        return Parsed(skipped=True) if spec.optional else _fail("empty")
    if is_skip(folded):
        return Parsed(skipped=True) if spec.optional else _fail("required")
    if spec.kind in FORMAT_ERROR and _has_forbidden(folded):
        return _fail(FORMAT_ERROR[spec.kind])
    return PARSERS[spec.kind](spec, text.strip() if spec.kind in FREE_TEXT else folded, today, answers)


def _validate(spec: FieldSpec, value: Any, today: date, answers: Mapping[str, Any]) -> Parsed:
    if value is None:
        return Parsed(skipped=True) if spec.optional else _fail("required")
    if isinstance(value, bool):
        return _fail("wrong_type")
    if isinstance(value, (int, float)):
        if not math.isfinite(value):
            return _fail("wrong_type")
        if spec.kind in NUMBER_CHECKS:
            return NUMBER_CHECKS[spec.kind](spec, float(value), today, answers)
        if spec.kind in ("phone_cn", "passport_number", "work_permit_number") and isinstance(value, int):
            return _parse_text(spec, str(value), today, answers)
        return _fail("wrong_type")
    if spec.kind == "family" and isinstance(value, list):
        return _family_list(spec, value, today)
    if isinstance(value, str):
        return _parse_text(spec, value, today, answers)
    return _fail("wrong_type")


def _has_control(text: str) -> bool:
    return any(
        (unicodedata.category(ch) == "Cc" and ch not in "\n\r\t")
        or ch in _INVISIBLE
        or unicodedata.category(ch) == "Cs"
        for ch in text
    )


def _has_forbidden(text: str) -> bool:
    return any(ch in _FORBIDDEN or unicodedata.category(ch) in ("So", "Sk", "Co") for ch in text)


def _one_line(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


# --- names ------------------------------------------------------------------------------------------
def _script(ch: str) -> str:
    name = unicodedata.name(ch, "")
    if name.startswith("LATIN"):
        return "latin"
    if name.startswith("CJK UNIFIED IDEOGRAPH") or name.startswith("CJK COMPATIBILITY IDEOGRAPH"):
        return "han"
    return "other"


def _name_value(text: str, max_length: int) -> Parsed:
    """Letters (Latin or Han), spaces, hyphens and apostrophes."""
    value = _one_line(text).replace("’", "'").strip(" .。!！")
    if not value or not any(ch.isalpha() for ch in value):
        return _fail("name_characters")
    if len(value) > max_length:
        return _fail("too_long")
    other_script = False
    for ch in value:
        if ch in " -'":
            continue
        if not ch.isalpha():
            return _fail("name_characters")
        other_script = other_script or _script(ch) == "other"
    if other_script:
        return _fail("name_script")
    return Parsed(value)


def _name(spec: FieldSpec, text: str, today: date, answers: Mapping[str, Any]) -> Parsed:
    return _name_value(strip_lead_in(text, spec), spec.max_length or DEFAULT_MAX_LENGTH["name"])


def _chinese_name(spec: FieldSpec, text: str, today: date, answers: Mapping[str, Any]) -> Parsed:
    value = re.sub(r"\s+", "", strip_lead_in(text, spec)).strip("。.!！").replace("•", "·").replace("・", "·")
    if _none(value) or value in ("没有中文名", "没有中文名字"):
        return Parsed(skipped=True)
    han = [ch for ch in value if _script(ch) == "han"]
    if not 2 <= len(han) <= 10 or any(ch != "·" and _script(ch) != "han" for ch in value):
        return _fail("chinese_name_characters")
    return Parsed(value)


# --- choices ------------------------------------------------------------------------------------------
def match_choice(spec: FieldSpec, text: str) -> str | None:
    """The choice a text names: exactly (key, label, synonym), else the first choice in data order
    whose word occurs in it. Latin words of one or two letters ("m", "f", "x") count only alone."""
    norm = normalise(text, separators=True).strip(" .!?。！？")
    terms = {
        key: [
            normalise(t, separators=True).strip()
            for t in (key, choice.label["en"], choice.label["zh"], *choice.synonyms)
        ]
        for key, choice in spec.choices.items()
    }
    for key, words in terms.items():
        if norm in words:
            return key
    for key, words in terms.items():
        for word in words:
            if CJK.search(word):
                if word in norm:
                    return key
            elif len(word) > 2 and re.search(rf"(?<![a-z0-9]){re.escape(word)}(?:'?s)?(?![a-z])", norm):
                return key
    return None


def _choice(spec: FieldSpec, text: str, today: date, answers: Mapping[str, Any]) -> Parsed:
    key = match_choice(spec, strip_lead_in(text, spec))
    return Parsed(key) if key else _fail("choice_unknown")


# --- dates and years ------------------------------------------------------------------------------------
def _check_rules(
    spec: FieldSpec, value: date, today: date, answers: Mapping[str, Any], years: bool = False
) -> Parsed:
    """The field's rules in order; the first that fails is the error. `years`: compare years only."""
    for rule in spec.rules:
        if "age_min" in rule or "age_max" in rule:
            age = age_on(value, today)
            if "age_min" in rule and age < rule["age_min"]:
                return _fail(rule["error"], age=age, min=rule["age_min"])
            if "age_max" in rule and age > rule["age_max"]:
                return _fail(rule["error"], age=age, max=rule["age_max"])
            continue
        side = "min" if "min" in rule else "max"
        bound, reference = resolve_bound(rule[side], today, answers)
        if bound is None:
            continue
        if years:
            below, above = value.year < bound.year, value.year > bound.year
        else:
            below, above = value < bound, value > bound
        if (side == "min" and below) or (side == "max" and above):
            params: dict[str, Any] = {
                "limit": bound.isoformat(),
                "value": value.isoformat(),
                side: bound.year if years else bound.isoformat(),
            }
            if years:
                params.update(value=value.year, limit=bound.year)
            if reference is not None:
                params["start"] = reference.isoformat()
            return _fail(rule["error"], **params)
    return Parsed(value.year if years else value.isoformat())


NOT_RELATIVE = ("date_of_birth",)  # dates no one gives relative to today


def _date(spec: FieldSpec, text: str, today: date, answers: Mapping[str, Any]) -> Parsed:
    # "yesterday" is a date of entry, never a date of birth (which stays "could not read a date")
    found = read_date(text, today=today, relative=spec.key not in NOT_RELATIVE)
    if found.error == "date_not_yet" and spec.key != "date_of_entry":
        found = read_date(text)  # only the date of entry can be "not yet"
    if found.error or found.value is None:
        return _fail(found.error or "date_format", **found.params)
    return _check_rules(spec, found.value, today, answers)


def _year_value(spec: FieldSpec, year: float, today: date, answers: Mapping[str, Any]) -> Parsed:
    if not float(year).is_integer() or not 1 <= year <= 9999:
        return _fail("year_format")
    return _check_rules(spec, date(int(year), 1, 1), today, answers, years=True)


def _year(spec: FieldSpec, text: str, today: date, answers: Mapping[str, Any]) -> Parsed:
    year = read_year(text)
    if year is None:
        return _fail("year_format")
    return _year_value(spec, float(year), today, answers)


# --- countries ------------------------------------------------------------------------------------------
def _country(spec: FieldSpec, text: str, today: date, answers: Mapping[str, Any]) -> Parsed:
    found = read(Field("country", codes=READER_CODES["country"]), strip_lead_in(text, spec))
    suggestion = found.params.get("country")
    if suggestion is not None:
        found.params["country"] = {"en": suggestion.name_en, "zh": suggestion.name_zh}
    return found


# --- identifiers ------------------------------------------------------------------------------------------
def _identifier(text: str, low: int, high: int, min_digits: int) -> str | None:
    """Letters and digits: the whole answer without spaces and hyphens, else the first word in it
    of the right length with enough digits ("my passport number is E1234567" -> "E1234567")."""
    compact = re.sub(r"[\s\-]", "", text)
    if re.fullmatch(r"[A-Za-z0-9]+", compact):
        ok = low <= len(compact) <= high and sum(ch.isdigit() for ch in compact) >= min_digits
        return compact.upper() if ok else None
    for word in re.findall(rf"(?<![A-Za-z0-9])[A-Za-z0-9]{{{low},{high}}}(?![A-Za-z0-9])", text):
        if sum(ch.isdigit() for ch in word) >= min_digits:
            return word.upper()
    return None


def _passport(spec: FieldSpec, text: str, today: date, answers: Mapping[str, Any]) -> Parsed:
    value = _identifier(strip_lead_in(text, spec), 5, 20, 1)
    return Parsed(value) if value else _fail("passport_format")


def _work_permit_number(spec: FieldSpec, text: str, today: date, answers: Mapping[str, Any]) -> Parsed:
    value = _identifier(strip_lead_in(text, spec), 8, 20, 6)
    return Parsed(value) if value else _fail("work_permit_number_format")


_EMAIL = re.compile(
    r"(?<![A-Za-z0-9._%+\-])([A-Za-z0-9._%+\-]{1,64})@((?:[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?\.)+"
    r"[A-Za-z]{2,24})(?![A-Za-z0-9\-])"
)


def _email(spec: FieldSpec, text: str, today: date, answers: Mapping[str, Any]) -> Parsed:
    if text.count("@") != 1:
        return _fail("email_format")
    match = _EMAIL.search(text)
    if not match:
        return _fail("email_format")
    local, domain = match.group(1), match.group(2).lower()
    if local.startswith(".") or local.endswith(".") or ".." in local or len(local) + len(domain) + 1 > 254:
        return _fail("email_format")
    return Parsed(f"{local}@{domain}")


_PHONE_RUN = re.compile(r"(?:\+|00)?\s*\(?\d[\d\s\-().]{5,}\d")
_MOBILE = re.compile(r"1[3-9]\d{9}")


def _phone(spec: FieldSpec, text: str, today: date, answers: Mapping[str, Any]) -> Parsed:
    match = _PHONE_RUN.search(strip_lead_in(text, spec))
    if not match:
        return _fail("phone_format")
    run = match.group(0).strip()
    digits = re.sub(r"\D", "", run)
    international = run.startswith("+") or run.startswith("00")
    if run.startswith("00"):
        digits = digits[2:]
    if international:
        if not digits.startswith("86"):
            return _fail("phone_not_mainland")
        digits = digits[2:]
    elif len(digits) == 13 and digits.startswith("86"):
        digits = digits[2:]
    return Parsed(digits) if _MOBILE.fullmatch(digits) else _fail("phone_format")


def _uscc(spec: FieldSpec, text: str, today: date, answers: Mapping[str, Any]) -> Parsed:
    plain = strip_lead_in(text, spec).upper()
    compact = re.sub(r"[\s\-]", "", plain)
    if not re.fullmatch(r"[0-9A-Z]+", compact):
        words = [
            w
            for w in re.findall(r"(?<![0-9A-Z])[0-9A-Z]{10,30}(?![0-9A-Z])", plain)
            if any(c.isdigit() for c in w)
        ]
        if not words:
            return _fail("uscc_characters")
        compact = words[0]
    problem = uscc.problem(compact)
    if problem == "uscc_length":
        return _fail(problem, count=len(compact))
    return _fail(problem) if problem else Parsed(compact)


# --- free text ---------------------------------------------------------------------------------------------
def _address(spec: FieldSpec, text: str, today: date, answers: Mapping[str, Any]) -> Parsed:
    value = _one_line(strip_lead_in(text, spec))
    if len(value) < (spec.min_length or 5):
        return _fail("address_too_short", min=spec.min_length or 5)
    if len(value) > (spec.max_length or DEFAULT_MAX_LENGTH["address"]):
        return _fail("too_long")
    return Parsed(value)


def _text(spec: FieldSpec, text: str, today: date, answers: Mapping[str, Any]) -> Parsed:
    value = _one_line(strip_lead_in(text, spec)).rstrip("。!！?？")
    if any(
        not (ch.isalnum() or ch in _TEXT_PUNCTUATION or unicodedata.category(ch).startswith("M"))
        for ch in value
    ):
        return _fail("text_characters")
    if len(value) < (spec.min_length or 1):
        return _fail("text_too_short", min=spec.min_length or 1)
    if len(value) > (spec.max_length or DEFAULT_MAX_LENGTH["text"]):
        return _fail("too_long")
    return Parsed(value)


# --- numbers -------------------------------------------------------------------------------------------------
def _money_field(spec: FieldSpec) -> Field:
    return Field("money", {"low": spec.min, "high": spec.max}, READER_CODES["money_cny"])


def _with_amount(result: Parsed) -> Parsed:
    """Amounts in messages.yml are {"cny": value}, formatted per language."""
    if "amount" in result.params:
        result.params["amount"] = {"cny": result.params["amount"]}
    return result


def _money_value(spec: FieldSpec, value: float, today: date, answers: Mapping[str, Any]) -> Parsed:
    return _with_amount(check_money(value, spec.min, spec.max).renamed(READER_CODES["money_cny"]))


def _money(spec: FieldSpec, text: str, today: date, answers: Mapping[str, Any]) -> Parsed:
    """ "300000", "300,000 RMB", "300k", "30w", "三十万", "1.2 million", "月薪2万5" (x 12)."""
    return _with_amount(read(_money_field(spec), text))


def _years_options(spec: FieldSpec, today: date, answers: Mapping[str, Any]) -> dict[str, Any]:
    birth = as_date(answers.get("date_of_birth"))
    age = age_on(birth, today) if spec.key == "relevant_experience_years" and birth is not None else None
    return {
        "low": spec.min if spec.min is not None else 0,
        "high": spec.max if spec.max is not None else 10**9,
        "fractions": spec.fractions,
        "age": age,
    }


def _integer_value(spec: FieldSpec, value: float, today: date, answers: Mapping[str, Any]) -> Parsed:
    return check_years(value, **_years_options(spec, today, answers)).renamed(READER_CODES["integer"])


def _integer(spec: FieldSpec, text: str, today: date, answers: Mapping[str, Any]) -> Parsed:
    """ "6", "6 years", "六年", "none" (0), "half a year", "18 months" (1.5)."""
    return read(Field("years", codes=READER_CODES["integer"]), text, **_years_options(spec, today, answers))


# --- family --------------------------------------------------------------------------------------------------
_MEMBER_SPLIT = re.compile(r"\s*(?:\n|;|；|\|)\s*")
_PART_SPLIT = re.compile(r"\s*[,，、]\s*")


def _member(
    spec: FieldSpec, number: int, relation: Any, name: Any, nationality: Any, birth: Any, today: date
) -> Parsed:
    relation_key = match_choice(spec, str(relation or ""))
    if relation_key is None:
        return _fail("family_relation", number=number)
    if not isinstance(name, str) or _name_value(name, 80).error:
        return _fail("family_name", number=number)
    country = countries.resolve(str(nationality or "")) or read_country(str(nationality or ""))[0]
    if country is None:
        return _fail("family_nationality", number=number)
    born = as_date(birth) if isinstance(birth, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", birth) else None
    if born is None and isinstance(birth, str):
        born = read_date(birth).value
    if born is None or born > today or age_on(born, today) > FAMILY_AGE_MAX:
        return _fail("family_date", number=number)
    return Parsed(
        {
            "relation": relation_key,
            "name": _name_value(name, 80).value,
            "nationality": country.alpha_2,
            "date_of_birth": born.isoformat(),
        }
    )


def _member_text(spec: FieldSpec, number: int, text: str, today: date) -> Parsed:
    """ "spouse, Anna Schmidt, Germany, 1991-03-02" in this order, or the parts in any order."""
    text = re.sub(r"([a-z]+\.?\s+\d{1,2})(?:st|nd|rd|th)?\s*,\s*(\d{4})", r"\1 \2", text, flags=re.IGNORECASE)
    parts = [p for p in _PART_SPLIT.split(text.strip(" .。")) if p]
    if len(parts) != 4:
        return _fail("family_format", number=number)
    relation, name, nationality, birth = parts
    first = _member(spec, number, relation, name, nationality, birth, today)
    if first.ok:
        return first
    roles: dict[str, str] = {}
    for part in parts:  # any order: each part is recognised by what it is
        if "relation" not in roles and match_choice(spec, part):
            roles["relation"] = part
        elif "birth" not in roles and read_date(part).value:
            roles["birth"] = part
        elif "nationality" not in roles and countries.resolve(part):
            roles["nationality"] = part
        else:
            roles.setdefault("name", part)
    if len(roles) != 4:
        return first
    return _member(
        spec, number, roles["relation"], roles["name"], roles["nationality"], roles["birth"], today
    )


def _family_list(spec: FieldSpec, members: list[Any], today: date) -> Parsed:
    limit = int(spec.max or 10)
    if len(members) > limit:
        return _fail("family_too_many", max=limit)
    found = []
    for number, member in enumerate(members, start=1):
        if isinstance(member, dict):
            result = _member(
                spec,
                number,
                member.get("relation"),
                member.get("name"),
                member.get("nationality"),
                member.get("date_of_birth"),
                today,
            )
        elif isinstance(member, str):
            result = _member_text(spec, number, member, today)
        else:
            result = _fail("family_format", number=number)
        if result.error:
            return result
        found.append(result.value)
    return Parsed(found)


def _family(spec: FieldSpec, text: str, today: date, answers: Mapping[str, Any]) -> Parsed:
    plain = strip_lead_in(text, spec)
    if _none(plain):
        return Parsed([])
    if any(ch in _FORBIDDEN - {";"} or unicodedata.category(ch) in ("So", "Sk", "Co") for ch in plain):
        return _fail("family_format", number=1)
    members = [m for m in _MEMBER_SPLIT.split(plain.strip()) if m.strip(" .。")]
    return _family_list(spec, members, today)


ParserFn = Callable[[FieldSpec, str, date, Mapping[str, Any]], Parsed]
PARSERS: dict[str, ParserFn] = {
    "name": _name,
    "chinese_name": _chinese_name,
    "gender": _choice,
    "choice": _choice,
    "date": _date,
    "year": _year,
    "country": _country,
    "passport_number": _passport,
    "email": _email,
    "phone_cn": _phone,
    "address": _address,
    "uscc": _uscc,
    "text": _text,
    "money_cny": _money,
    "integer": _integer,
    "work_permit_number": _work_permit_number,
    "family": _family,
}
NUMBER_CHECKS: dict[str, Callable[[FieldSpec, float, date, Mapping[str, Any]], Parsed]] = {
    "money_cny": _money_value,
    "integer": _integer_value,
    "year": _year_value,
}
