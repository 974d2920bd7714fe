"""Measure the answer reader against dateparser (dates) and cn2an (Chinese numerals): agreement
with the expected value and time per call. Run: .venv/bin/python scripts/measure_readers.py
Figures are written up in docs/reading.md."""

from __future__ import annotations

import sys
import time
from datetime import date, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from knowledge.reading import parse_number, read_date  # noqa: E402

# (answer, expected ISO date or an error code). The first block: the existing tests' cases.
DATES = [
    ("1990-05-12", "1990-05-12"),
    ("12 May 1990", "1990-05-12"),
    ("May 12, 1990", "1990-05-12"),
    ("I was born on the 12th of May 1990", "1990-05-12"),
    ("1990年5月12日", "1990-05-12"),
    ("一九九〇年五月十二日", "1990-05-12"),
    ("1990/5/12", "1990-05-12"),
    ("13/05/1990", "1990-05-13"),
    ("05/13/1990", "1990-05-13"),
    ("07.07.1990", "1990-07-07"),
    ("1 March 2031", "2031-03-01"),
    ("2031年3月1日", "2031-03-01"),
    ("12MAR2031", "2031-03-12"),
    ("2027-01-01", "2027-01-01"),
    ("born 12 May 1988", "1988-05-12"),
    ("1990年12月1日出生", "1990-12-01"),
    ("born 3 March 2027", "2027-03-03"),
    ("last spring", "date_format"),
    ("May 1990", "date_incomplete"),
    ("1990年5月", "date_incomplete"),
    ("1990-02-30", "date_invalid"),
    ("12/05/90", "date_format"),
    ("12/05/1990", "date_ambiguous"),
    # realistic answers beyond the tests
    ("88年5月3号", "1988-05-03"),
    ("may 12 88", "1988-05-12"),
    ("1990年5月12号", "1990-05-12"),
    ("12th May, 1990", "1990-05-12"),
    ("2031.3.1", "2031-03-01"),
    ("19900512", "1990-05-12"),
    ("my birthday is 3 June 1985", "1985-06-03"),
    ("二〇三一年三月一日", "2031-03-01"),
    ("I'm 34", "date_format"),
    ("1990年5月12日出生，硕士", "1990-05-12"),
    ("34岁", "date_format"),
]
TEST_CASES = 23  # DATES[:23] come from tests/knowledge/test_application_fields.py and tests/actions
NUMBERS = [  # (run, expected)
    ("三十万", 300_000),
    ("2万5", 25_000),
    ("十二", 12),
    ("一百零五", 105),
    ("1.5万", 15_000),
    ("三千五", 3_500),
    ("三十四", 34),
    ("二十五万", 250_000),
    ("五", 5),
    ("二〇一五", 2015),
    ("三点五", 3.5),
    ("一亿五千万", 150_000_000),
    ("三万五", 35_000),
    ("两千", 2_000),
    ("2.5万", 25_000),
    ("两千五", 2_500),
    ("一九九〇", 1990),
    ("十", 10),
    ("四十五万", 450_000),
    ("300", 300),
    ("一万零五百", 10_500),
    ("俩", 2),
    ("三点五万", 35_000),
    ("3千5", 3_500),
    ("十万八千", 108_000),
]


def timed(fn, values, rounds=20):
    start = time.perf_counter()
    for _ in range(rounds):
        for v in values:
            fn(v)
    return (time.perf_counter() - start) / (rounds * len(values)) * 1000


def ours_date(text):
    found = read_date(text)
    return found.value.isoformat() if found.value else found.error


def main() -> None:
    t0 = time.perf_counter()
    import dateparser

    t_import = (time.perf_counter() - t0) * 1000
    t0 = time.perf_counter()
    dateparser.parse("12 May 1990", languages=["en", "zh"])
    t_first = (time.perf_counter() - t0) * 1000
    from dateparser.search import search_dates

    # Its best configuration found: search inside sentences, day, month and year required
    # (DATE_ORDER=DMY was worse: it reads 1990-05-12 and 1990年5月12日 as 5 December).
    settings = {"REQUIRE_PARTS": ["day", "month", "year"], "RELATIVE_BASE": datetime(2026, 11, 23)}

    def lib_date(text):
        found = search_dates(text, languages=["en", "zh"], settings=settings)
        return found[0][1].date().isoformat() if found else None

    ours_ok = lib_ok = both = 0
    rows = []
    for text, expected in DATES:
        mine, lib = ours_date(text), lib_date(text)
        iso = expected[0].isdigit()
        m_ok = mine == expected
        l_ok = (
            lib == expected if iso else lib is None
        )  # a library has no "ambiguous"/"incomplete": None is right
        ours_ok += m_ok
        lib_ok += l_ok
        both += m_ok and l_ok
        rows.append((text, expected, mine, lib))
    print(f"dates: {len(DATES)} cases; ours right {ours_ok}, dateparser right {lib_ok}, both {both}")
    tests = DATES[:TEST_CASES]
    print(
        f"  of them the {len(tests)} from the tests: ours right {sum(ours_date(t) == e for t, e in tests)}, "
        f"dateparser right {sum((lib_date(t) == e) if e[0].isdigit() else lib_date(t) is None for t, e in tests)}"
    )
    for text, expected, mine, lib in rows:
        if (
            mine != expected
            or (lib != expected and expected[0].isdigit())
            or (not expected[0].isdigit() and lib)
        ):
            print(f"  {text!r}: expected {expected}, ours {mine}, dateparser {lib}")
    print(f"  import dateparser {t_import:.0f} ms, first call {t_first:.0f} ms")
    texts = [t for t, _ in DATES]
    print(f"  per call: ours {timed(ours_date, texts):.3f} ms, dateparser {timed(lib_date, texts, 3):.3f} ms")

    t0 = time.perf_counter()
    import cn2an

    t_import = (time.perf_counter() - t0) * 1000

    def lib_number(run):
        try:
            return float(cn2an.cn2an(run, "smart"))
        except (ValueError, KeyError, TypeError):
            return None

    ours_ok = lib_ok = 0
    for run, expected_number in NUMBERS:
        mine, lib = parse_number(run), lib_number(run)
        ours_ok += mine == expected_number
        lib_ok += lib == expected_number
        if mine != expected_number or lib != expected_number:
            print(f"  {run!r}: expected {expected_number}, ours {mine}, cn2an {lib}")
    print(
        f"numbers: {len(NUMBERS)} cases; ours right {ours_ok}, cn2an right {lib_ok}; import cn2an {t_import:.0f} ms"
    )
    runs = [r for r, _ in NUMBERS]
    print(f"  per call: ours {timed(parse_number, runs):.4f} ms, cn2an {timed(lib_number, runs):.4f} ms")
    _ = date


if __name__ == "__main__":
    main()
