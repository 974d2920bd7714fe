"""A satisfaction level typed in a chat: 5 非常满意 / very satisfied .. 1 非常不满意 / very dissatisfied.

"5", "5 stars", "五星", "打4分", "4/5", the five national level names in both languages, and the
everyday words for them ("terrible", "还行", "ok-ish", "不错", "not bad"). A number outside 1-5 is
`out_of_range` (low, high); anything else `no_rating`. "skip" is `skipped` (the rating is never
pressed)."""

from __future__ import annotations

import re

from knowledge.reading.choices import is_skip
from knowledge.reading.normalise import normalise
from knowledge.reading.numbers import parse_number
from knowledge.reading.parsed import Parsed, fail

LOW, HIGH = 1, 5
# (level, pattern), the first match wins: longer and negated phrases before the words they contain.
PHRASES: tuple[tuple[int, str], ...] = (
    (
        1,
        r"非常不满意|很不满意|极不满意|特别不满意|十分不满意|非常差|很差|太差|极差|特别差|糟糕|糟透|垃圾|差劲|烂透|"
        r"very dissatisfied|very unsatisfied|extremely dissatisfied|terrible|awful|horrible|horrendous|"
        r"very bad|the worst|worst|useless|rubbish|garbage|hopeless|very poor|abysmal|disgusting",
    ),
    (
        2,
        r"不太满意|不满意|不大满意|不好|不行|较差|有点差|比较差|差评|"
        r"dissatisfied|unsatisfied|not satisfied|not happy|unhappy|not good|poor|bad|disappointed|"
        r"disappointing|not great",
    ),
    (
        5,
        r"非常满意|很满意|十分满意|特别满意|超级满意|非常好|太好了|好极了|完美|超赞|五星|"
        r"very satisfied|extremely satisfied|excellent|perfect|outstanding|amazing|fantastic|"
        r"great|wonderful|superb|brilliant|very good|awesome|love it|loved it",
    ),
    (
        3,
        r"基本满意|还行|还可以|一般|凑合|马马虎虎|过得去|还好|中等|尚可|"
        r"basically satisfied|somewhat satisfied|ok-?ish|okay-?ish|so-?so|average|fair|"
        r"not bad but|mediocre|alright|all right|it'?s ok|it was ok|ok|okay|fine|meh",
    ),
    (
        4,
        r"比较满意|满意|不错|挺好|很好|好评|好|点赞|"
        r"satisfied|good|not bad|pretty good|happy|nice|helpful|thumbs up",
    ),
)
_PATTERNS = tuple((level, re.compile(rf"(?:{p})")) for level, p in PHRASES)
# "not bad" is praise, read before "bad"; English words whole
_NOT_BAD = re.compile(r"\bnot (?:too |that |so )?bad\b")
_STARS = re.compile(r"([一二三四五六七八九十两\d.]+)\s*(?:stars?|颗星|星|分|points?)")
_OUT_OF = re.compile(r"(\d+(?:\.\d+)?)\s*(?:/|out of|分之)\s*(\d+)")
_DIGITS = re.compile(r"\d+(?:\.\d+)?")
_CHINESE_ALONE = re.compile(r"^[一二三四五六七八九十两]$")


def _number(text: str) -> float | None:
    """Stars or points ("5 stars", "五星", "打4分"), "4/5", one Arabic number in the text, or a
    Chinese numeral alone ("五"; not the 一 of 一般)."""
    out_of = _OUT_OF.search(text)
    if out_of:
        score, scale = float(out_of.group(1)), float(out_of.group(2))
        return score if scale == HIGH else HIGH + 1  # "10 out of 10": not this scale, asked again
    star = _STARS.search(text)
    if star:
        return parse_number(star.group(1))
    runs = _DIGITS.findall(text)
    if len(runs) == 1:
        return float(runs[0])
    if _CHINESE_ALONE.match(text):
        return parse_number(text)
    return None


def _english_ok(pattern: re.Pattern[str], text: str) -> re.Match[str] | None:
    """A match that is not inside a longer English word ("ok" in "book", "fair" in "affair")."""
    for match in pattern.finditer(text):
        before = text[match.start() - 1] if match.start() else " "
        after = text[match.end()] if match.end() < len(text) else " "
        if match.group(0).isascii() and (
            before.isalpha() and before.isascii() or after.isalpha() and after.isascii()
        ):
            continue
        return match
    return None


def read_rating(text: str) -> Parsed:
    """The level 1..5, `skipped`, or fail("out_of_range", low, high) / fail("no_rating")."""
    said = normalise(text, trim_punctuation=True)
    if not said:
        return fail("no_rating")
    if is_skip(said) or said in (
        "skip",
        "跳过",
        "不评价",
        "不评了",
        "no thanks",
        "not now",
        "later",
        "以后再说",
    ):
        return Parsed(skipped=True)
    number = _number(said)
    if number is not None:
        if number != int(number) or not LOW <= number <= HIGH:
            return fail("out_of_range", low=LOW, high=HIGH)
        return Parsed(int(number))
    if _NOT_BAD.search(said):
        return Parsed(4)
    for level, pattern in _PATTERNS:
        if _english_ok(pattern, said):
            return Parsed(level)
    return fail("no_rating")


REASONS: tuple[tuple[str, str], ...] = (
    (
        "took_too_long",
        r"too long|too slow|slow|took forever|waited|waiting|delay|太慢|太久|时间长|时间太长|等了|拖|效率低|慢",
    ),
    (
        "materials_twice",
        r"twice|again and again|repeated|same (?:documents?|materials?)|materials? (?:again|twice)|重复|又要|再次提交|两次|多次提交|反复",
    ),
    (
        "unclear_guidance",
        r"unclear|confusing|confused|not clear|didn'?t understand|guidance|instructions?|不清楚|不明白|看不懂|说不清|指引|不知道怎么|不清晰|答非所问",
    ),
    ("staff_attitude", r"rude|attitude|impolite|unfriendly|staff|officer|态度|不耐烦|冷漠|工作人员|窗口"),
    (
        "system_problem",
        r"system|website|portal|app\b|crash|error|bug|broken|didn'?t work|doesn'?t work|系统|网站|卡|闪退|报错|打不开|故障|登录不了",
    ),
)


def read_rating_reason(text: str) -> Parsed:
    """What went wrong: a reason code by the words used, "other" for any other text (kept as the
    comment), `skipped` for "skip"."""
    said = normalise(text, trim_punctuation=True)
    if not said or is_skip(said) or said in ("no", "none", "nothing", "没有", "无", "不用了", "算了"):
        return Parsed(skipped=True)
    for code, pattern in REASONS:
        if re.search(pattern, said):
            return Parsed(code)
    if said in ("other", "其他", "其它", "别的"):
        return Parsed("other")
    return Parsed("other", params={"comment": True})
