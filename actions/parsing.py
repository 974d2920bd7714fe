"""Natural answers to the eligibility questions, in English, Chinese or both, as values.

A thin adapter over knowledge/reading (the one answer reader, shared with the application
form): each question is a `Field` of FIELDS (kind, options, this form's message codes) or a
small function over the same readers. Each `parse_<slot>(text)` returns a `Parsed`: `value`
when the answer is understood and plausible, otherwise `error` (a message key of
actions/eligibility.py) and `params` for its placeholders. `SKIPPED` stands for
"I don't know" / "skip" on optional questions.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any, Callable, Dict, List

from knowledge import reading
from knowledge.reading import Field, Parsed

__all__ = [
    "SKIPPED",
    "FIELDS",
    "PARSERS",
    "MENTIONS",
    "Parsed",
    "age_on",
    "clauses_by_slot",
    "cn_number",
    "first_number",
    "is_negative",
    "is_skip",
    "mentioned_slots",
    "normalise_answer",
    "numbers",
    "without_negated",
]

SKIPPED = "skipped"
# The reader functions actions/eligibility.py calls through this module.
age_on = reading.age_on
first_number = reading.first_number
is_negative = reading.is_negative
is_skip = reading.is_skip
without_negated = reading.without_negated

AGE_MIN, AGE_MAX = 16, 100
HSK_MAX = 6

FIELDS: Dict[str, Field] = {
    "annual_salary_cny": Field(
        "money",
        {"low": 1_000, "high": 100_000_000},
        {
            "negative": "salary_negative",
            "no_number": "salary_number",
            "too_low": "salary_too_low",
            "too_high": "salary_too_high",
        },
    ),
    "relevant_experience_years": Field(
        "years",
        {"low": 0, "high": 80},
        {
            "negative": "experience_range",
            "no_number": "experience_number",
            "out_of_range": "experience_range",
            "exceeds_age": "experience_exceeds_age",
        },
    ),
    "months_in_china_per_year": Field(
        "months_per_year",
        {"high": 12},
        {"negative": "months_range", "no_number": "months_number", "out_of_range": "months_range"},
    ),
    "nationality": Field(
        "country", codes={"suggest": "nationality_suggest", "unknown": "nationality_unknown"}
    ),
}
# Questions that may be skipped ("I don't know"): the value SKIPPED; the others ask again.
OPTIONAL = {"nationality", "in_china", "application_type"}


def normalise_answer(text: Any) -> str:
    """The eligibility form's normalisation: folded, one space, thousands separators removed."""
    return reading.normalise(text, collapse=True, thousands=True)


def cn_number(text: str) -> float | None:
    """ "三十万" 300000, "2万5" 25000, "十二" 12, "一百零五" 105, "1.5万" 15000, "三点五" 3.5."""
    return reading.parse_number(text)


def numbers(text: str) -> List[float]:
    """Every number in the text, Arabic or Chinese, in order ("5年不是3年" -> [5, 3])."""
    return reading.numbers_in(text)


def _skip_or_required(text: str, slot: str) -> Parsed | None:
    if reading.is_skip(text):
        return Parsed(SKIPPED, skipped=True) if slot in OPTIONAL else Parsed(error="required")
    return None


def _read(slot: str, text: str, **extra: Any) -> Parsed:
    return _skip_or_required(text, slot) or reading.read(FIELDS[slot], normalise_answer(text), **extra)


# --- the questions -------------------------------------------------------------------------

_YEAR_ONLY = re.compile(r"(?:born|出生|生于|birth|dob|年生)")


def parse_age(text: str, today: date | None = None) -> Parsed:
    """ "I'm 34", "34岁", "三十四", "1990年5月出生", "born 12 May 1988" (age computed)."""
    today = today or date.today()
    norm = normalise_answer(text)
    skipped = _skip_or_required(norm, "age")
    if skipped:
        return skipped
    birth = reading.read_date(norm, partial=True)
    if birth.ok and (birth.params.get("precision") != "year" or _YEAR_ONLY.search(norm)):
        if birth.value > today:
            return Parsed(error="birth_future")
        age = reading.age_on(birth.value, today)
        if not AGE_MIN <= age <= AGE_MAX:
            return Parsed(error="age_range", params={"age": age})
        return Parsed(age)
    if reading.is_negative(norm):
        return Parsed(error="age_range", params={"age": norm})
    value = reading.first_number(norm)
    if value is None:
        return Parsed(error="age_number")
    if value != int(value) or not AGE_MIN <= value <= AGE_MAX:
        return Parsed(error="age_range", params={"age": _show(value)})
    return Parsed(int(value))


_DEGREES = [
    (
        "below_bachelor",
        r"below|less than|lower than|under ?grad(?!uate degree)|high ?school|secondary|diploma|associate|vocational|no degree|none|大专|专科|中专|高中|初中|没有学位|无学位|没有学历",
    ),
    ("doctorate", r"ph\.? ?d|doctor|doctoral|d\.?phil|博士"),
    ("master", r"master|m\.?sc|\bma\b|\bmba\b|\bm\.?eng\b|\bllm\b|硕士|研究生"),
    (
        "bachelor",
        r"bachelor|b\.?sc|\bba\b|\bb\.?eng\b|undergrad|college degree|university degree|学士|本科|大学",
    ),
]
_APPLICATION_TYPES = [
    ("cancellation", r"cancel|注销"),
    ("extension", r"extend|extension|renew|延期|延续|续签|续期"),
    ("change", r"change|switch|变更|更改|修改"),
    ("new", r"\bnew\b|first|initial|apply|首次|新办|新申请|初次|第一次|新的"),
]


def _choice(slot: str, table: list, error: str, text: str) -> Parsed:
    skipped = _skip_or_required(text, slot)
    if skipped:
        return skipped
    value = reading.first_match(table, text)
    return Parsed(value) if value is not None else Parsed(error=error)


def parse_highest_degree(text: str) -> Parsed:
    return _choice("highest_degree", _DEGREES, "degree", text)


def parse_application_type(text: str) -> Parsed:
    """New application (the usual items), extension, change or cancellation; skipping means new.
    A new employer is a new application (the current permit is cancelled): params["new_employer"]."""
    if reading.new_employer(text) and not reading.is_skip(text):
        return Parsed("new", params={"new_employer": True})
    return _choice("application_type", _APPLICATION_TYPES, "application_type", text)


def parse_relevant_experience_years(text: str, age: Any = None) -> Parsed:
    parsed = _read("relevant_experience_years", text, age=age)
    if parsed.error == "experience_exceeds_age":
        parsed.params = {"years": _show(parsed.params["years"]), "age": _show(parsed.params["age"])}
    elif parsed.error:
        parsed.params = {}
    return parsed


def parse_annual_salary_cny(text: str) -> Parsed:
    """ "三十万", "30w", "300k RMB", "about 25 wan a year", "月薪2万5", "1.2 million" (yuan a year)."""
    parsed = _read("annual_salary_cny", text)
    parsed.params = {"amount": _show(parsed.params["amount"])} if parsed.error == "salary_too_low" else {}
    return parsed


def parse_months_in_china_per_year(text: str) -> Parsed:
    parsed = _read("months_in_china_per_year", text)
    if parsed.error:
        parsed.params = {}
    return parsed


_NO_HSK = ("no hsk", "not taken", "never", "没考", "没考过", "不会", "0")


def parse_hsk_level(text: str) -> Parsed:
    """ "HSK5", "HSK 5", "汉语五级", "level 4", "none" (0). Not knowing counts as no certificate."""
    norm = normalise_answer(text)
    if reading.is_skip(norm) or reading.is_none(norm, _NO_HSK) or re.search(r"没有hsk|no certificate", norm):
        return Parsed(0)
    value = reading.first_number(norm)
    if value is None or value != int(value) or not 0 <= value <= 9:
        return Parsed(error="hsk_level")
    return Parsed(min(int(value), HSK_MAX))  # HSK 3.0 levels 7-9 score like 6


def parse_nationality(text: str) -> Parsed:
    """ISO codes, English or Chinese names, demonyms: "DE", "Germany", "德国", "I'm German"."""
    return _read("nationality", text)


def parse_in_china(text: str) -> Parsed:
    skipped = _skip_or_required(text, "in_china")
    if skipped:
        return skipped
    value = reading.read_yes_no(text)
    return Parsed(value) if value is not None else Parsed(error="yes_no")


PARSERS: Dict[str, Callable[..., Parsed]] = {
    "age": parse_age,
    "highest_degree": parse_highest_degree,
    "relevant_experience_years": parse_relevant_experience_years,
    "annual_salary_cny": parse_annual_salary_cny,
    "months_in_china_per_year": parse_months_in_china_per_year,
    "hsk_level": parse_hsk_level,
    "nationality": parse_nationality,
    "in_china": parse_in_china,
    "application_type": parse_application_type,
}

# Words that name a question, for answers to another question than the one asked
# ("sorry, I have 5 years of experience, not 3" while the salary is asked).
MENTIONS = {
    "age": re.compile(r"\bage\b|years? old|\bborn\b|birth|岁|年龄|出生"),
    "highest_degree": re.compile(
        r"degree|ph\.? ?d|master|bachelor|doctor|学历|学位|博士|硕士|本科|学士|研究生"
    ),
    "relevant_experience_years": re.compile(r"experience|worked for|经验|工作了|工龄"),
    "annual_salary_cny": re.compile(r"salary|\bpay\b|paid|income|earn|薪|工资|收入"),
    "months_in_china_per_year": re.compile(r"months? (in china|a year|per year|each year)|每年.*个月|个月"),
    "hsk_level": re.compile(r"hsk|汉语|中文水平|chinese level"),
    "nationality": re.compile(r"nationality|citizen|passport|国籍|护照"),
    "application_type": re.compile(r"extension|renewal|cancellation|延期|续签|注销|变更"),
    "in_china": re.compile(
        r"currently in china|now in china|outside china|in china now|目前在|现在在|境内|境外"
    ),
}


_CLAUSE_BREAK = re.compile(r"[,，;；。、]|\band\b|\bwith\b|\balso\b|另外|还有|并且|而且")


def clauses_by_slot(text: str) -> tuple[Dict[str, str], List[tuple[str, List[str]]]]:
    """The message cut into clauses, each with the questions it names: ({slot: its clauses},
    [(clause, slots)]), so "34岁，硕士" answers the age and the degree separately."""
    text = re.sub(r"(?<=\d),(?=\d{3}\b)", "", text)
    pieces, start = [], 0
    for match in _CLAUSE_BREAK.finditer(text):
        pieces.append(text[start : match.end()])
        start = match.end()
    pieces.append(text[start:])
    clauses = [(piece, mentioned_slots(piece)) for piece in pieces if piece.strip()]
    by_slot: Dict[str, str] = {}
    for piece, slots in clauses:
        for slot in slots:
            by_slot[slot] = by_slot.get(slot, "") + piece
    return by_slot, clauses


def mentioned_slots(text: str) -> List[str]:
    norm = normalise_answer(text)
    return [slot for slot, pattern in MENTIONS.items() if pattern.search(norm)]


def _show(value: Any) -> str:
    if isinstance(value, float) and value == int(value):
        return str(int(value))
    return str(value)
