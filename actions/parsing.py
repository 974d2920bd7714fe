"""Natural answers to the eligibility questions, in English, Chinese or both, as values.

Each `parse_<slot>(text)` returns a `Parsed`: `value` when the answer is understood and
plausible, otherwise `error` (a message key of actions/eligibility.py) and `params` for
its placeholders. `SKIPPED` stands for "I don't know" / "skip" on optional questions.

Chinese numerals ("三十万", "2万5", "汉语五级") are read by knowledge/numerals.py, which the
application form shares.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Dict, List

from knowledge import countries
from knowledge.numerals import NUMERAL_CHARS, parse_number

SKIPPED = "skipped"

AGE_MIN, AGE_MAX = 16, 100
EXPERIENCE_MAX = 80
SALARY_MIN, SALARY_MAX = 1_000, 100_000_000
MONTHS_MAX = 12
HSK_MAX = 6


@dataclass
class Parsed:
    value: Any = None
    error: str | None = None
    params: Dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.error is None and self.value is not None


def normalise(text: Any) -> str:
    """NFKC (full-width digits and letters), lower case, thousands separators removed."""
    text = unicodedata.normalize("NFKC", str(text or "")).casefold().strip()
    text = text.replace("’", "'").replace("，", ",")
    return re.sub(r"(?<=\d),(?=\d{3}\b)", "", text)


# --- Chinese (and mixed) numerals -------------------------------------------------------

_NUMERAL = NUMERAL_CHARS
_NUMBER_RUN = re.compile(rf"[{_NUMERAL}]+")


def cn_number(text: str) -> float | None:
    """"三十万" 300000, "2万5" 25000, "十二" 12, "一百零五" 105, "1.5万" 15000, "三点五" 3.5."""
    return parse_number(re.sub(r"\s+", "", text))


def numbers(text: str) -> List[float]:
    """Every number in the text, Arabic or Chinese, in order ("5年不是3年" -> [5, 3])."""
    found = []
    for run in _NUMBER_RUN.findall(text):
        run = run.strip(".")
        if not run:
            continue
        value = cn_number(run)
        if value is not None:
            found.append(value)
    return found


_NEGATED = re.compile(rf"(?:,|，)?\s*(?:and\s+|but\s+)?(?:not|instead of|rather than|而不是|不是|并非)\s*[{_NUMERAL}]+[^,，;；.。]*")


def without_negated(text: str) -> str:
    """Drops the corrected-away value: "5 years, not 3" -> "5 years"; "是5年不是3年" -> "是5年"."""
    return _NEGATED.sub(" ", text)


def first_number(text: str) -> float | None:
    found = numbers(without_negated(text))
    return found[0] if found else None


def is_negative(text: str) -> bool:
    return bool(re.search(r"(^|[^\w])-\s*\d|负\s*[\d零一二两三四五六七八九十]|minus\s*\d", text))


# --- "I don't know", "skip" ----------------------------------------------------------------

_SKIP = re.compile(
    r"^\W*(skip|skip it|skip this|pass|i don'?t know|don'?t know|dont know|dunno|not sure|no idea|"
    r"i'?m not sure|unknown|prefer not to say|不知道|不清楚|不确定|跳过|不记得|不好说|不方便说|说不准)\W*$")


def is_skip(text: str) -> bool:
    return bool(_SKIP.match(normalise(text)))


def _skip_or_required(text: str, optional: bool) -> Parsed | None:
    if is_skip(text):
        return Parsed(SKIPPED) if optional else Parsed(error="required")
    return None


# --- the questions -------------------------------------------------------------------------

_DATE_YMD = re.compile(r"((?:19|20)\d{2})\s*(?:年|[-/.])\s*(\d{1,2})(?:\s*(?:月|[-/.])\s*(\d{1,2}))?")
_MONTHS_EN = {m: i for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], start=1)}
_DATE_EN = re.compile(r"(?:(\d{1,2})\s+)?(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s*(?:(\d{1,2}),?\s+)?((?:19|20)\d{2})")
_YEAR_ONLY = re.compile(r"(?:born|出生|生于|birth|dob|年生)")


def _birth_date(text: str) -> date | None:
    match = _DATE_YMD.search(text)
    if match:
        year, month, day = int(match.group(1)), int(match.group(2)), int(match.group(3) or 1)
    else:
        match = _DATE_EN.search(text)
        if not match:
            year_match = re.search(r"((?:19|20)\d{2})\s*年?", text)
            if year_match and _YEAR_ONLY.search(text):
                return date(int(year_match.group(1)), 7, 1)
            return None
        year, month = int(match.group(4)), _MONTHS_EN[match.group(2)]
        day = int(match.group(1) or match.group(3) or 1)
    try:
        return date(year, month, day)
    except ValueError:
        return None


def age_on(birth: date, today: date) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def parse_age(text: str, today: date | None = None) -> Parsed:
    """"I'm 34", "34岁", "三十四", "1990年5月出生", "born 12 May 1988" (age computed)."""
    today = today or date.today()
    norm = normalise(text)
    skipped = _skip_or_required(norm, optional=False)
    if skipped:
        return skipped
    birth = _birth_date(norm)
    if birth is not None:
        if birth > today:
            return Parsed(error="birth_future")
        age = age_on(birth, today)
        if not AGE_MIN <= age <= AGE_MAX:
            return Parsed(error="age_range", params={"age": age})
        return Parsed(age)
    if is_negative(norm):
        return Parsed(error="age_range", params={"age": norm})
    value = first_number(norm)
    if value is None:
        return Parsed(error="age_number")
    if value != int(value) or not AGE_MIN <= value <= AGE_MAX:
        return Parsed(error="age_range", params={"age": _show(value)})
    return Parsed(int(value))


_DEGREES = [
    ("below_bachelor", r"below|less than|lower than|under ?grad(?!uate degree)|high ?school|secondary|diploma|associate|vocational|no degree|none|大专|专科|中专|高中|初中|没有学位|无学位|没有学历"),
    ("doctorate", r"ph\.? ?d|doctor|doctoral|d\.?phil|博士"),
    ("master", r"master|m\.?sc|\bma\b|\bmba\b|\bm\.?eng\b|\bllm\b|硕士|研究生"),
    ("bachelor", r"bachelor|b\.?sc|\bba\b|\bb\.?eng\b|undergrad|college degree|university degree|学士|本科|大学"),
]


def _first_match(text: str, table: list, error: str, optional: bool) -> Parsed:
    """The value of the first (value, pattern) row whose pattern occurs in the answer."""
    norm = normalise(text)
    skipped = _skip_or_required(norm, optional=optional)
    if skipped:
        return skipped
    for value, pattern in table:
        if re.search(pattern, norm):
            return Parsed(value)
    return Parsed(error=error)


def parse_highest_degree(text: str) -> Parsed:
    return _first_match(text, _DEGREES, "degree", optional=False)


_NONE = re.compile(r"^\W*(none|no|nope|zero|nothing|never|no experience|没有|无|没|零|0)\W*$|no experience|没有经验|没有工作经验|无经验")


def parse_relevant_experience_years(text: str, age: Any = None) -> Parsed:
    norm = normalise(text)
    skipped = _skip_or_required(norm, optional=False)
    if skipped:
        return skipped
    if _NONE.search(norm):
        value = 0.0
    elif re.search(r"half a year|半年", norm) and first_number(norm) is None:
        value = 0.5
    else:
        if is_negative(norm):
            return Parsed(error="experience_range")
        value = first_number(norm)
        if value is None:
            return Parsed(error="experience_number")
        if re.search(r"months?|个月", without_negated(norm)) and not re.search(r"years?|年(?!薪)", without_negated(norm)):
            value = round(value / 12, 1)
    if not 0 <= value <= EXPERIENCE_MAX:
        return Parsed(error="experience_range")
    if isinstance(age, (int, float)) and value > age - 14:
        return Parsed(error="experience_exceeds_age", params={"years": _show(value), "age": _show(age)})
    return Parsed(int(value) if value == int(value) else value)


_MONTHLY = re.compile(r"month|/mo\b|\bpm\b|月")
_MULTIPLIERS = [(re.compile(r"^\s*(k\b|thousand|千)"), 1_000), (re.compile(r"^\s*(w\b|wan\b|万)"), 10_000),
                (re.compile(r"^\s*(m\b|mn\b|million|mio\b|百万)"), 1_000_000)]


def parse_annual_salary_cny(text: str) -> Parsed:
    """"三十万", "30w", "300k RMB", "about 25 wan a year", "月薪2万5", "1.2 million" (yuan a year)."""
    norm = normalise(text)
    skipped = _skip_or_required(norm, optional=False)
    if skipped:
        return skipped
    norm = without_negated(norm)
    match = re.search(rf"[{_NUMERAL}]*\d[{_NUMERAL}]*|[{_NUMERAL}]+", norm)
    while match and cn_number(match.group(0).strip(".")) is None:
        match = re.search(rf"[{_NUMERAL}]*\d[{_NUMERAL}]*|[{_NUMERAL}]+", norm[match.end():])
    if not match:
        return Parsed(error="salary_number")
    value = cn_number(match.group(0).strip("."))
    rest = norm[match.end():]
    for pattern, factor in _MULTIPLIERS:
        if pattern.search(rest):
            value *= factor
            break
    if is_negative(norm):
        return Parsed(error="salary_negative")
    if _MONTHLY.search(norm) and not re.search(r"year|annual|年薪|每年|一年", norm):
        value *= 12
    if value < SALARY_MIN:
        return Parsed(error="salary_too_low", params={"amount": _show(value)})
    if value > SALARY_MAX:
        return Parsed(error="salary_too_high")
    return Parsed(int(round(value)))


def parse_months_in_china_per_year(text: str) -> Parsed:
    norm = normalise(text)
    skipped = _skip_or_required(norm, optional=False)
    if skipped:
        return skipped
    if re.search(r"all year|whole year|full year|all the time|全年|整年|一直|常年", norm):
        return Parsed(12)
    if re.search(r"half (a|the) year|半年", norm) and first_number(norm) is None:
        return Parsed(6)
    if _NONE.search(norm):
        return Parsed(0)
    if is_negative(norm):
        return Parsed(error="months_range")
    value = first_number(norm)
    if value is None:
        return Parsed(error="months_number")
    if re.search(r"weeks?|周|星期", norm):
        value = round(value / 4.33, 1)
    if not 0 <= value <= MONTHS_MAX:
        return Parsed(error="months_range")
    return Parsed(int(value) if value == int(value) else value)


def parse_hsk_level(text: str) -> Parsed:
    """"HSK5", "HSK 5", "汉语五级", "level 4", "none" (0). Not knowing counts as no certificate."""
    norm = normalise(text)
    if is_skip(norm) or re.search(r"^\W*(none|no|nope|no hsk|not taken|never|没有|无|没考|没考过|不会|0)\W*$|没有hsk|no certificate", norm):
        return Parsed(0)
    value = first_number(norm)
    if value is None:
        return Parsed(error="hsk_level")
    if value != int(value) or not 0 <= value <= 9:
        return Parsed(error="hsk_level")
    return Parsed(min(int(value), HSK_MAX))  # HSK 3.0 levels 7-9 score like 6


_NATIONALITY_NOISE = re.compile(
    r"\b(i'?m|i am|from|a|an|the|citizen|citizenship|passport|holder|national|nationality|my|is|of|country|"
    r"i have|have|hold|i hold|born in)\b|我是|我来自|来自|国籍是|国籍|我的|护照|公民|是|的")


def parse_nationality(text: str) -> Parsed:
    """ISO codes, English or Chinese names, demonyms: "DE", "Germany", "德国", "I'm German"."""
    raw = unicodedata.normalize("NFKC", str(text or "")).strip()
    skipped = _skip_or_required(raw, optional=True)
    if skipped:
        return skipped
    candidates = [raw]
    stripped = re.sub(r"\s+", " ", _NATIONALITY_NOISE.sub(" ", raw.casefold())).strip(" .,!:;。，！：")
    candidates.append(stripped)
    if len(stripped) <= 3 and re.fullmatch(r"[a-z]{2,3}", stripped):
        candidates.append(stripped.upper())
    for candidate in candidates:
        country = countries.resolve(candidate)
        if country is not None:
            return Parsed(country.alpha_2)
    words = stripped.split()
    for size in (3, 2, 1):
        for i in range(len(words) - size + 1):
            country = countries.resolve(" ".join(words[i:i + size]))
            if country is not None:
                return Parsed(country.alpha_2)
    suggestions = countries.suggest(stripped or raw)
    if suggestions:
        return Parsed(error="nationality_suggest", params={"country": suggestions[0]})
    return Parsed(error="nationality_unknown")


_OUTSIDE = re.compile(r"\bno\b|\bnope\b|\bnot\b|outside|abroad|overseas|境外|国外|不在|没在|还没|否")
_INSIDE = re.compile(r"\byes\b|\byeah\b|\byep\b|\bin china\b|inside|already|currently|境内|在中国|在国内|已经|是的|^是|^在")


def parse_in_china(text: str) -> Parsed:
    norm = normalise(text)
    skipped = _skip_or_required(norm, optional=True)
    if skipped:
        return skipped
    if _OUTSIDE.search(norm):
        return Parsed(False)
    if _INSIDE.search(norm):
        return Parsed(True)
    return Parsed(error="yes_no")


_APPLICATION_TYPES = [
    ("cancellation", r"cancel|注销"),
    ("extension", r"extend|extension|renew|延期|延续|续签|续期"),
    ("change", r"change|new employer|new job|switch|变更|换工作|换单位|跳槽"),
    ("new", r"\bnew\b|first|initial|apply|首次|新办|新申请|初次|第一次|新的"),
]


def parse_application_type(text: str) -> Parsed:
    """New application (the usual items), extension, change or cancellation; skipping means new."""
    return _first_match(text, _APPLICATION_TYPES, "application_type", optional=True)


PARSERS = {
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
    "highest_degree": re.compile(r"degree|ph\.? ?d|master|bachelor|doctor|学历|学位|博士|硕士|本科|学士|研究生"),
    "relevant_experience_years": re.compile(r"experience|worked for|经验|工作了|工龄"),
    "annual_salary_cny": re.compile(r"salary|\bpay\b|paid|income|earn|薪|工资|收入"),
    "months_in_china_per_year": re.compile(r"months? (in china|a year|per year|each year)|每年.*个月|个月"),
    "hsk_level": re.compile(r"hsk|汉语|中文水平|chinese level"),
    "nationality": re.compile(r"nationality|citizen|passport|国籍|护照"),
    "application_type": re.compile(r"extension|renewal|cancellation|延期|续签|注销|变更"),
    "in_china": re.compile(r"currently in china|now in china|outside china|in china now|目前在|现在在|境内|境外"),
}


_CLAUSE_BREAK = re.compile(r"[,，;；。、]|\band\b|\bwith\b|\balso\b|另外|还有|并且|而且")


def clauses_by_slot(text: str) -> tuple[Dict[str, str], List[tuple[str, List[str]]]]:
    """The message cut into clauses, each with the questions it names: ({slot: its clauses},
    [(clause, slots)]), so "34岁，硕士" answers the age and the degree separately."""
    text = re.sub(r"(?<=\d),(?=\d{3}\b)", "", text)
    pieces, start = [], 0
    for match in _CLAUSE_BREAK.finditer(text):
        pieces.append(text[start:match.end()])
        start = match.end()
    pieces.append(text[start:])
    clauses = [(piece, mentioned_slots(piece)) for piece in pieces if piece.strip()]
    by_slot: Dict[str, str] = {}
    for piece, slots in clauses:
        for slot in slots:
            by_slot[slot] = by_slot.get(slot, "") + piece
    return by_slot, clauses


def mentioned_slots(text: str) -> List[str]:
    norm = normalise(text)
    return [slot for slot, pattern in MENTIONS.items() if pattern.search(norm)]


def _show(value: Any) -> str:
    if isinstance(value, float) and value == int(value):
        return str(int(value))
    return str(value)
