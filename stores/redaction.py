r"""Masks personal data in user messages before the tracker store keeps them.

The application form takes passport numbers, phone numbers, e-mail addresses and dates
of birth. Actions read the raw text of the current message while the turn runs (they
send it to the backend, which encrypts it), but what Rasa stores and streams to the
event broker must not hold it (docs/application.md, "Redaction"). Two rules:

- a message that answered a sensitive question (the `application_step` or
  `requested_slot` slot named a sensitive field when it arrived) is replaced whole;
- in every other message, e-mail addresses, phone numbers, passport-like identifiers
  and dates are replaced where they appear ("my passport is actually E98765432"), in the
  spellings the readers (knowledge/reading, knowledge/application/fields.py) understand and
  the ones people use to dodge filters: "1988 07 14", "14th of July 1988", "E 8765 4321",
  "jane.roe at example.org", "jane.roe(at)example dot org".

Which answers are masked whole is data (knowledge/application/fields.yml): the fields marked
`sensitive`, the fields listed under `masked_in_conversation` (names, the address: personal
data that the summaries show, encrypted at rest by the backend like every answer) and other
forms' slots under `other_sensitive_slots` (the eligibility form's age, which takes a date of
birth; the status form's passport number).

Case numbers (FJ2026000123) and unified social credit codes are kept: they identify a
case or a company, not a person, and the conversation refers to them later.

This runs on Rasa's event loop at every save, so every pattern is linear in the length of
the text (issue #17: the former e-mail pattern was quadratic, and one 100 KB message
stalled every user): each unbounded quantifier can only start at the beginning of its run
(a lookbehind or `\G`) or follows a bounded one. A text longer than MAX_REDACT_CHARS
(far above the channel's message cap, connectors/rest.py) is stored as REDACTED whole.
`make bench` records the worst time on 1 MB inputs (docs/benchmarks.md).
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, MutableSequence

import regex
import yaml
from rasa.shared.core.events import ConversationPaused, ConversationResumed, Event, SlotSet, UserUttered

REDACTED = "[redacted]"
MAX_REDACT_CHARS = 20_000
STEP_SLOTS = ("application_step", "requested_slot")
# Which fields are sensitive is data: `sensitive: true` and `other_sensitive_slots` in this file.
FIELDS_FILE = Path(__file__).resolve().parents[1] / "knowledge" / "application" / "fields.yml"

_EDGE_L = r"(?<![A-Za-z0-9@._%+-])"
_EDGE_R = r"(?![A-Za-z0-9])"
_LOCAL = "A-Za-z0-9._%+-"
# The same matches as [local]+@domain, found in linear time: a match starts where the
# previous one ended (\G, as a plain re.sub would try first) or at the start of a run of
# local-part characters (a start inside a run finds nothing the run's start would not),
# and the possessive quantifiers never give back what no shorter match could use.
EMAIL = regex.compile(rf"(?:(?<![{_LOCAL}])|\G)[{_LOCAL}]++[@＠][A-Za-z0-9-]++(?:\.[A-Za-z0-9-]++)+")
# "jane.roe at example.org", "jane.roe (at) example dot org", "jane.roe[at]example.org": the same
# linear shape (each run of local-part characters is tried once, possessively); the last label
# must be letters (a top-level domain), checked in _mask_spelled_email.
_AT = r"(?:\s++at\s++|\s*+[(\[]\s*+at\s*+[)\]]\s*+)"
_DOT = r"(?:\s*+\.\s*+|\s++dot\s++|\s*+[(\[]\s*+dot\s*+[)\]]\s*+)"
SPELLED_EMAIL = regex.compile(
    rf"(?<![{_LOCAL}])[{_LOCAL}]{{2,}}+{_AT}[A-Za-z0-9-]++(?:{_DOT}[A-Za-z0-9-]++)+", regex.IGNORECASE
)
PHONE = re.compile(
    r"(?<!\d)(?:\+?\s?86[\s-]?)?1[3-9]\d(?:[\s-]?\d){8}(?!\d)"
    r"|(?<!\d)0\d{2,3}[\s-]?\d{7,8}(?!\d)"
    r"|\+\d[\d\s-]{7,16}\d"
)
# Letters and digits mixed (E12345678, C01X00T47), or 8 to 12 digits (US passports).
# The lookaheads are bounded by the token's own maximum (20): scanning further finds nothing.
IDENTIFIER = re.compile(
    _EDGE_L + r"(?:(?=[A-Za-z0-9]{0,19}\d)(?=[A-Za-z0-9]{0,19}[A-Za-z])[A-Za-z0-9]{6,20}|\d{8,12})" + _EDGE_R
)
# Letters then digits written in groups ("E 8765 4321", "G-1234-5678"): 6 to 12 digits; bounded.
# Capitals, or one small letter that is not a word ("at 10 30 2024" is not a passport).
SPACED_IDENTIFIER = re.compile(
    r"(?<![A-Za-z0-9])(?:[A-Z]{1,2}|[b-hj-z])[\s-]?\d(?:[\s-]?\d){5,11}(?![\s-]?\d)"
)
CASE_NUMBER = re.compile(r"[A-Z]{2}\d{10}")
USCC = re.compile(r"[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}")
_CN_DIGIT = "〇零一二三四五六七八九十"
_MONTHS = (
    "jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec|january|february|march|april|june|july|"
    "august|september|october|november|december"
)
# The readers' spellings (knowledge/reading/dates.py) and more: separators may be spaces
# ("1988 07 14", "14 07 1988"), "of" may stand between day and month ("14th of July 1988").
# Every unbounded run follows a bounded start (digits, a month name after a non-letter).
DATE = re.compile(
    r"(?<!\d)\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*[日号]?"
    r"|(?<![\d:])\d{4} {1,3}(?:0?[1-9]|1[0-2]) {1,3}(?:0?[1-9]|[12]\d|3[01])(?![\d:])"
    r"|(?<!\d)\d{1,2}\s*[-/.]\s*\d{1,2}\s*[-/.]\s*\d{2,4}(?!\d)"
    r"|(?<![\d:])(?:0?[1-9]|[12]\d|3[01]) {1,3}(?:0?[1-9]|1[0-2]) {1,3}(?:19|20)\d{2}(?![\d:])"
    rf"|[{_CN_DIGIT}\d]{{2,4}}\s*年\s*[{_CN_DIGIT}\d]{{1,2}}\s*月(?:\s*[{_CN_DIGIT}\d]{{1,3}}\s*[日号])?"
    rf"|(?<![A-Za-z\d])\d{{1,2}}(?:st|nd|rd|th)?[\s\-.]{{0,3}}(?:of\s{{1,3}})?(?:{_MONTHS})[a-z]{{0,6}}\.?"
    r"[\s\-.,]{1,3}\d{4}(?!\d)"
    rf"|(?<![A-Za-z])(?:{_MONTHS})[a-z]{{0,6}}\.?\s{{0,3}}\d{{1,2}}(?:st|nd|rd|th)?,?\s{{0,3}}\d{{4}}(?!\d)",
    re.IGNORECASE,
)


@lru_cache(maxsize=1)
def sensitive_fields() -> frozenset[str]:
    """Field keys whose answers are never stored as typed (from knowledge/application)."""
    try:
        from knowledge.application import catalogue

        return catalogue().sensitive_slots()
    except Exception:  # the store must work even if the form data is broken: read the flags alone
        return _flags_only(FIELDS_FILE)


def _flags_only(path: Path) -> frozenset[str]:
    """The sensitive keys of fields.yml read without the catalogue's checks (empty if unreadable)."""
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        marked = {str(key) for key, raw in (doc.get("fields") or {}).items() if (raw or {}).get("sensitive")}
        listed = [*(doc.get("other_sensitive_slots") or []), *(doc.get("masked_in_conversation") or [])]
        return frozenset(marked | {str(s) for s in listed})
    except Exception:  # nothing readable: the pattern rules of redact_text still apply
        return frozenset()


def _keep_or_mask(match: re.Match[str]) -> str:
    token = match.group(0)
    compact = re.sub(r"[\s-]", "", token).upper()
    if CASE_NUMBER.fullmatch(compact) or USCC.fullmatch(compact):
        return token
    return REDACTED


def _mask_spelled_email(match: regex.Match[str]) -> str:
    token = match.group(0)
    last = regex.split(_DOT, token)[-1]
    return REDACTED if regex.fullmatch(r"[A-Za-z]{2,24}", last) else token


def redact_text(text: str) -> str:
    """`text` with e-mail addresses, phone numbers, identifiers and dates replaced.

    A text longer than MAX_REDACT_CHARS is replaced whole: no message of a channel is that
    long, and masking it all is safe and costs nothing."""
    if not text:
        return text
    if len(text) > MAX_REDACT_CHARS:
        return REDACTED
    return redact_patterns(text)


def redact_patterns(text: str) -> str:
    """The pattern rules of redact_text, at any length (linear; the benchmark times it on 1 MB)."""
    text = EMAIL.sub(REDACTED, text)
    text = SPELLED_EMAIL.sub(_mask_spelled_email, text)
    text = DATE.sub(REDACTED, text)
    text = PHONE.sub(REDACTED, text)
    text = SPACED_IDENTIFIER.sub(_keep_or_mask, text)
    return IDENTIFIER.sub(_keep_or_mask, text)


def _redact_value(value: Any) -> Any:
    return redact_text(value) if isinstance(value, str) else value


def redact_user_event(event: UserUttered, whole: bool) -> None:
    """Mask the text of one user message in place (text, parse data and entities)."""
    if event.text is None:
        return
    new_text = REDACTED if whole and event.text.strip() else redact_text(event.text)
    if new_text == event.text and not event.entities:
        return
    event.text = new_text
    event.parse_data["text"] = new_text
    for entities in (event.entities, event.parse_data.get("entities") or []):
        for entity in entities:
            if "value" in entity:
                entity["value"] = REDACTED if whole else _redact_value(entity["value"])


def redact_as_stored(text: str, step_values: Iterable[Any], paused: bool) -> str:
    """`text` masked as the tracker store will store it, given the step slots' current values
    (STEP_SLOTS order) and whether a person has the conversation."""
    sensitive = sensitive_fields()
    if not paused and text.strip() and any(value in sensitive for value in step_values):
        return REDACTED
    return redact_text(text)


def redact_events(events: Iterable[Event] | MutableSequence[Event], start: int = 0) -> None:
    """Redact the user messages among `events[start:]`, in place.

    All events are walked so that the step slots' values at each message are known."""
    sensitive = sensitive_fields()
    current: dict[str, Any] = {}
    paused = False  # a person has the conversation: messages answer them, not the form's step
    for index, event in enumerate(events):
        if isinstance(event, SlotSet) and event.key in STEP_SLOTS:
            current[event.key] = event.value
        elif isinstance(event, (ConversationPaused, ConversationResumed)):
            paused = isinstance(event, ConversationPaused)
        elif isinstance(event, UserUttered) and index >= start:
            whole = not paused and any(current.get(slot) in sensitive for slot in STEP_SLOTS)
            redact_user_event(event, whole)
