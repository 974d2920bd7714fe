"""Which language one message is written in, and which language the bot answers in.

Pure Python (no Rasa import): the NLU component, the dialogue policy, the response
generator and the action server all call these functions, so there is one rule.

Script decides first (Han characters mean Chinese, Hangul or kana mean an unsupported
language). Latin text is English unless it is neutral (a number, an ID, "ok") or
langdetect is sure it is another language; langdetect alone is unreliable on short
text, so it is only asked about messages of three or more words that contain almost no
English words.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, Iterable, Mapping

import regex

SUPPORTED = ("en", "zh")
DEFAULT_LANGUAGE = "en"
MAX_DETECT_CHARS = 500  # langdetect cost grows with length; the opening is enough

# Reasons a detection can give (kept in the parse data for debugging and tests).
SCRIPT, WORDS, LANGDETECT, NEUTRAL, UNSUPPORTED, REQUEST, TOGGLE, EMPTY = (
    "script",
    "words",
    "langdetect",
    "neutral",
    "unsupported",
    "request",
    "toggle",
    "empty",
)

_TOKEN = regex.compile(
    r"(?P<han>\p{Han}+)|(?P<kana>[\p{Hiragana}\p{Katakana}]+)|(?P<hangul>\p{Hangul}+)"
    r"|(?P<word>[\p{Latin}\p{N}][\p{Latin}\p{N}'’._@+\-]*)|(?P<other>\p{L}+)"
)
_ID_LIKE = regex.compile(r"^(?=.*\d)[\p{Latin}\d._@+\-]+$")  # E12345678, FJ2026000123, HSK5
_OTHER_SCRIPT_LANG = (
    ("Cyrillic", "ru"),
    ("Arabic", "ar"),
    ("Thai", "th"),
    ("Devanagari", "hi"),
    ("Hebrew", "he"),
    ("Greek", "el"),
    ("Georgian", "ka"),
    ("Armenian", "hy"),
)

# Words that show an English sentence frame. Not a dictionary: function words and the
# everyday words of this service, enough to tell English with typos from other languages.
ENGLISH_WORDS = frozenset(
    """
a about after again all also am an and any are as ask at be been before but by can
could did do does doing don't done for from get got had has have having he her here
him his how i i'm i've if in into is it it's its just know like make me more much
must my need needs no not now of off on one only or other our out over please pls
same she should so some still such than thank thanks that that's the their them then
there these they this those to too up us very want wanna was we well were what
when where which who why will with would yes you your you're u ur im dont cant whats
apply application applied permit permits work working worker job visa residence
resident insurance social security card status case help human staff agent person
speak talk english chinese language switch reply answer question questions long
time days how's fee fees cost pay salary degree degrees document documents material
materials need required require requirement requirements category points score
eligible eligibility check extension extend renew renewal change cancel stop start
hello hi hey bye goodbye thanks thank sorry okay ok yeah yep nope sure right wrong
company employer employee hr contract passport letter notification office online
submit submitted form fill new my mine where whats progress update updates rate
feedback service delete data information info personal privacy weather joke
""".split()
)

# Short messages that carry no language: they keep the conversation's language.
NEUTRAL_WORDS = frozenset(
    """
ok okay k kk okk yes yeah yep yup y no nope n hi hello hey hallo thanks thx ty tks
thank bye byebye cool good great nice fine sure alright lol haha hmm hm um uh ah oh
wow what huh pardon sorry please pls plz
""".split()
)

_LANGUAGE_NAMES = regex.compile(
    r"(?P<neg>not|no|don'?t|instead\s+of|from|rather\s+than|不要|别|不用|而不是|不是)?\s*"
    r"(?:in\s+|用|说|讲|成|换成|切换到|改成|改为)?\s*"
    r"(?:(?P<en>english|eng|英文|英语|英語)|(?P<zh>chinese|mandarin|putonghua|zhongwen|中文|汉语|漢語|普通话|中国话|华语|简体))",
    regex.IGNORECASE,
)


@dataclass(frozen=True)
class Detection:
    """What one message says about language.

    `language` is "en" or "zh" when the message decides the reply language, and None
    when it is neutral (keep the conversation's language) or a toggle request.
    `foreign` names an unsupported language (ISO 639-1) when one was recognised.
    """

    language: str | None
    reason: str
    foreign: str | None = None

    def as_dict(self) -> Dict[str, Any]:
        return {"language": self.language, "reason": self.reason, "foreign": self.foreign}


def _langdetect(text: str) -> tuple | None:
    """Best (language, probability) from langdetect, seeded so results repeat."""
    from langdetect import DetectorFactory, detect_langs
    from langdetect.lang_detect_exception import LangDetectException

    DetectorFactory.seed = 0
    try:
        best = detect_langs(text[:MAX_DETECT_CHARS])[0]
    except LangDetectException:
        return None
    return best.lang, best.prob


_ZH_FRAME = regex.compile(
    r"我|你|您|的|了|吗|呢|吧|啊|啦|嘛|要|想|怎么|什么|请|是|有|在|能|可以|一下|帮|给|多久|哪|么|和|去|办"
)


def detect(text: str | None, english_words: Iterable[str] = ENGLISH_WORDS) -> Detection:
    """Detect the language of one message (script first, then words, then langdetect)."""
    if not text or not text.strip():
        return Detection(None, EMPTY)
    sample = text[: MAX_DETECT_CHARS * 4]
    han = kana = hangul = 0
    words: list = []
    other: Dict[str, int] = {}
    for m in _TOKEN.finditer(sample):
        kind = m.lastgroup
        if kind == "han":
            han += len(m.group())
        elif kind == "kana":
            kana += len(m.group())
        elif kind == "hangul":
            hangul += len(m.group())
        elif kind == "word":
            words.append(m.group().lower().strip("'’._-"))
        else:
            script = _script_of(m.group())
            other[script] = other.get(script, 0) + len(m.group())

    if kana >= 2 or (kana and not han):
        return Detection(DEFAULT_LANGUAGE, UNSUPPORTED, "ja")
    other_total = hangul + sum(other.values())
    latin_letters = sum(len(w) for w in words if not _ID_LIKE.match(w))
    if other_total and other_total > han + latin_letters:
        foreign = "ko" if hangul >= max(other.values(), default=0) else max(other, key=other.__getitem__)
        return Detection(DEFAULT_LANGUAGE, UNSUPPORTED, foreign)

    real_words = [w for w in words if w and not _ID_LIKE.match(w)]
    if han and not real_words:
        return Detection("zh", SCRIPT)
    if han:
        # Mixed message: whose sentence frame is it? "我想apply work permit" is Chinese,
        # "how do I get a 居留证" is English. Someone typing Han characters has a Chinese
        # input method on, so English needs a clear frame of its own to win.
        zh_frame = len(_ZH_FRAME.findall(sample))
        en_frame = sum(1 for w in real_words if w in english_words and w not in _TERMS)
        if en_frame >= 2 and en_frame > zh_frame:
            return Detection("en", WORDS)
        return Detection("zh", SCRIPT)

    if not real_words:
        return Detection(None, NEUTRAL)  # numbers, IDs, emoji, punctuation
    if len(real_words) <= 2 and (
        all(w in NEUTRAL_WORDS for w in real_words) or not any(w in english_words for w in real_words)
    ):
        # "ok", "Germany", "master's", "E12345678 thx": no sentence, no language.
        return Detection(None, NEUTRAL)
    known = sum(1 for w in real_words if w in english_words)
    if known / len(real_words) >= 0.34 or len(real_words) < 3:
        return Detection("en", WORDS)
    guess = _langdetect(" ".join(real_words))
    if guess and guess[0] != "en" and guess[1] >= 0.90 and not guess[0].startswith("zh"):
        return Detection(DEFAULT_LANGUAGE, UNSUPPORTED, guess[0])
    return Detection("en", LANGDETECT)


# Service terms users drop into the other language's sentence: they are not a frame.
_TERMS = frozenset(
    "permit permits work visa residence insurance social security card status case hr "
    "application form passport".split()
)


def latin_words(text: str) -> list[str]:
    """The lower-cased Latin-script words of a text (numbers and IDs left out)."""
    words = []
    for m in _TOKEN.finditer(text):
        if m.lastgroup == "word":
            word = m.group().lower().strip("'’._-")
            if word and not _ID_LIKE.match(word):
                words.append(word)
    return words


def _script_of(chunk: str) -> str:
    for script, lang in _OTHER_SCRIPT_LANG:
        if regex.match(rf"\p{{{script}}}", chunk):
            return lang
    return "other"


def requested_language(text: str | None) -> str | None:
    """The language a change-language request names ("reply in English", "说中文").

    Mentions after a negation ("not English", "不要英文") or a "from" are skipped; of the
    rest, the last one wins ("switch from English to Chinese" -> zh).
    """
    if not text:
        return None
    chosen = None
    for m in _LANGUAGE_NAMES.finditer(text):
        if m.group("neg"):
            continue
        chosen = "en" if m.group("en") else "zh"
    return chosen


def other_language(language: str | None) -> str:
    return "zh" if (language or DEFAULT_LANGUAGE) == "en" else "en"


def is_explicit(detection: Mapping[str, Any] | None) -> bool:
    """The message asked for a language ("reply in Chinese please", "switch language")."""
    return detection is not None and detection.get("reason") in (REQUEST, TOGGLE)


def chose_language(detections: Iterable[Mapping[str, Any] | None]) -> bool:
    """Whether any of these earlier messages' detections was an explicit language choice."""
    return any(is_explicit(d) for d in detections)


def resolve(
    detection: Mapping[str, Any] | None,
    previous: str | None,
    in_form: bool = False,
    chosen: bool = False,
    hint: str | None = None,
) -> str:
    """The reply language after a message, given the language before it (stickiness).

    Inside a form only an explicit request switches: answers such as a name ("Anna
    Maria"), a Chinese employer name or a city ("福州") are data, not a language choice.
    Once the user has chosen a language explicitly (`chosen`: an earlier message was a
    request), the choice holds for the conversation until the user chooses again: a message
    in the other language does not switch by itself.

    `hint` (a channel's user language, e.g. Telegram's language_code) only decides when the
    conversation has no language yet and the message itself does not decide ("/start", "ok")."""
    previous = previous if previous in SUPPORTED else None
    if (in_form or chosen) and previous and detection and not is_explicit(detection):
        return previous
    if detection:
        language = detection.get("language")
        if language in SUPPORTED:
            return language
        if detection.get("reason") == TOGGLE:
            return other_language(previous)
    return previous or (hint if hint in SUPPORTED else None) or DEFAULT_LANGUAGE
