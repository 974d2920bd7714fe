"""Numbers as people type them in a chat: Arabic, Chinese or mixed ("三十万", "2万5", "二〇一五").

`parse_number` reads one run of numeral characters; `numbers_in` / `first_number` find the runs in
a sentence. Measured against cn2an (docs/reading.md): it agrees on the common forms but refuses
"俩" and "三点五万" and is slower, so this small reader is kept.
"""

from __future__ import annotations

import re

DIGITS: dict[str, int] = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "俩": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
SMALL_UNITS: dict[str, int] = {"十": 10, "百": 100, "千": 1000}
BIG_UNITS: dict[str, int] = {"万": 10_000, "亿": 100_000_000}
NUMERAL_CHARS = "0-9.零〇一二两俩三四五六七八九十百千万亿点"
# A run that holds at least one digit (Arabic or Chinese) or a unit such as 十.
NUMBER_RUN = re.compile(rf"[{NUMERAL_CHARS}]*[0-9零〇一二两俩三四五六七八九十][{NUMERAL_CHARS}]*")

_TOKEN = re.compile(r"\d+(?:\.\d+)?|.")


def _digit(token: str) -> int | None:
    if token.isdigit():
        return int(token)
    return DIGITS.get(token)


def parse_number(run: str) -> float | None:
    """ "三十万" 300000, "2万5" 25000, "三千五" 3500, "一百零五" 105, "1.5万" 15000, "三点五" 3.5,
    "二〇一五" 2015, "300" 300. None when the run is not one number."""
    run = re.sub(r"\s+", "", run).replace("点", ".").strip(".")
    if not run:
        return None
    if re.fullmatch(r"\d+(?:\.\d+)?", run):
        return float(run)
    if all(ch in DIGITS for ch in run):  # 二〇一五: read digit by digit, as years are written
        return float("".join(str(DIGITS[ch]) for ch in run))
    if "." in run:
        return _with_fraction(run)
    return _with_units(run)


def _with_fraction(run: str) -> float | None:
    """ "1.5万", "三点五": the digits after the point, then an optional big unit for the whole."""
    left, right = run.split(".", 1)
    match = re.fullmatch(r"([0-9零〇一二两三四五六七八九]+)([万亿]?)", right)
    whole = parse_number(left) if left else 0.0
    if match is None or whole is None:
        return None
    fraction = float("0." + "".join(str(_digit(ch)) for ch in match.group(1)))
    return (whole + fraction) * (BIG_UNITS[match.group(2)] if match.group(2) else 1)


def _with_units(run: str) -> float | None:
    total = 0.0  # completed 万 / 亿 groups
    group = 0.0  # the part below the next big unit
    pending: float | None = None  # a digit still waiting for its unit
    last_unit = 1
    last_big = 0
    zero_seen = False
    for token in _TOKEN.findall(run):
        value = _digit(token) if not token[0].isdigit() else None
        if token[0].isdigit():
            pending = float(token)
        elif value is not None:
            zero_seen = zero_seen or value == 0
            pending = float(value)
        elif token in SMALL_UNITS:
            group += (pending if pending is not None else 1) * SMALL_UNITS[token]
            pending, last_unit, zero_seen = None, SMALL_UNITS[token], False
        elif token in BIG_UNITS:
            big = BIG_UNITS[token]
            group += pending or 0
            # 一亿五千万: 万 after 亿 adds to the total; 一万亿: 亿 after 万 multiplies it.
            total = (total + group) * big if big > last_big else total + group * big
            group, pending, last_unit, last_big, zero_seen = 0.0, None, big, max(last_big, big), False
        else:
            return None
    if pending is not None:
        # "2万5" is 25000 and "三千五" 3500: a lone final digit counts in the next unit down.
        if last_unit >= 100 and not zero_seen and pending < 10 and pending.is_integer():
            pending *= last_unit / 10
        group += pending
    return total + group


def numbers_in(text: str) -> list[float]:
    """Every number in the text, in order ("5年不是3年" -> [5, 3])."""
    found = []
    for match in NUMBER_RUN.finditer(text):
        value = parse_number(match.group(0))
        if value is not None:
            found.append(value)
    return found


def chinese_digits_to_arabic(text: str) -> str:
    """Chinese numerals before 年/月/日/号 written as Arabic: "一九九〇年五月十二日" -> "1990年5月12日"."""

    def replace(match: re.Match[str]) -> str:
        value = parse_number(match.group(1))
        return match.group(0) if value is None else str(int(value)) + match.group(2)

    return re.sub(r"([零〇一二两三四五六七八九十]+)(\s*[年月日号])", replace, text)
