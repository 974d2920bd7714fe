"""Words that are not a value: "skip" / "I don't know", "none" / "没有", yes / no."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Iterable, Sequence

from knowledge.reading.normalise import normalise

# Both forms: an optional question is skipped, a required one asked again.
_SKIP = re.compile(
    r"^\W*(skip|skip it|skip this|pass|next|i don'?t know|don'?t know|dont know|dunno|not sure|i'?m not sure|"
    r"no idea|unknown|n/?a|prefer not to say|跳过|略过|不知道|不清楚|不确定|不记得|不好说|不方便说|说不准|不填|"
    r"暂不填写|下一个)\W*$"
)

NONE_WORDS = ("none", "no", "nope", "nothing", "没有", "无", "没")
# Extra "none" words by what is counted.
NONE_EXTRA = {
    "amount": ("zero", "never", "零", "0"),
    "people": (
        "nobody",
        "no one",
        "no family",
        "not applicable",
        "无人",
        "没有家属",
        "无家属",
        "没有随行家属",
        "不需要",
    ),
}
# "Nobody comes with me" said in a sentence rather than one word (people only): a negation
# with the people counted and what they would do, in either language.
_NO_PEOPLE = re.compile(
    r"^\W*(?:(?:no|nope)\W+)?(?:"
    r"(?:i (?:have|'ve got) )?(?:no|none|nobody|no one)(?: of (?:my|the))?(?: (?:accompanying|family|relatives|"
    r"dependants?|dependents?|spouse|wife|husband|children|kids?|family members?|one|members?))*"
    r"(?: (?:is |are |will |would )?(?:coming|come|comes|accompanying(?: me)?|with me|joining(?: me)?|accompany(?: me)?|moving))*"
    r"(?: with me| to china)?"
    r"|(?:i(?:'m| am| will be| will come| come)? )?(?:coming |moving |travell?ing )?(?:alone|by myself|on my own)"
    r"|just me|only me|(?:it'?s )?just myself"
    r")\W*$"
    r"|^\W*(?:我)?(?:没有|没|无|不带|不会带|没带|不会有)(?:任何)?(?:家属|家人|配偶|孩子|子女|亲属|人)?"
    r"(?:随行|陪同|同行|一起来|一起|跟我来|来华|过来)?(?:的)?(?:家属|家人|人员)?\W*$"
    r"|^\W*(?:就|只有)?(?:我)?(?:自己|一个人|单独|独自)(?:来|来华|过来|去)?\W*$"
)
# A new employer ("I changed my employer", "换单位了"): policy-facts.md, work permit: "changing
# employer means cancel and apply anew", so it is read as a new application, never as a change.
_NEW_EMPLOYER = re.compile(
    r"\bnew (?:employer|company|job)\b|\banother (?:employer|company)\b|\bdifferent (?:employer|company)\b"
    r"|\b(?:chang|switch)(?:e|es|ed|ing)? (?:my |our |the |of )?(?:employers?|company|companies|jobs?)\b"
    r"|\bmov(?:e|ed|ing) to (?:a |another |a new )(?:employer|company)\b|\bjob change\b"
    r"|换工作|换单位|换了单位|换了工作|换了公司|换公司|跳槽|新单位|新雇主|新公司|更换(?:用人)?单位|变更(?:用人)?单位|更换雇主|更换工作单位",
    re.IGNORECASE,
)
_NO_EXPERIENCE = re.compile(r"no experience|没有经验|没有工作经验|无经验")

_NO = re.compile(r"\bno\b|\bnope\b|\bnot\b|outside|abroad|overseas|境外|国外|不在|没在|还没|否")
_YES = re.compile(
    r"\byes\b|\byeah\b|\byep\b|\bin china\b|inside|already|currently|境内|在中国|在国内|已经|是的|^是|^在"
)


def is_skip(text: str) -> bool:
    """The whole answer says "skip" or "I don't know"."""
    return bool(_SKIP.match(normalise(text, collapse=True)))


def is_none(text: str, extra: str | Iterable[str] = ()) -> bool:
    """The whole answer says "none"; `extra`: a key of NONE_EXTRA or more words ("people" also
    reads sentences: "没有家属随行", "nobody is coming with me", "I'm coming alone")."""
    norm = normalise(text, collapse=True)
    if extra == "people" and _NO_PEOPLE.match(norm):
        return True
    return bool(_none_pattern(extra if isinstance(extra, str) else tuple(extra)).match(norm))


@lru_cache(maxsize=16)
def _none_pattern(extra: str | tuple[str, ...]) -> re.Pattern[str]:
    words = [*NONE_WORDS, *(NONE_EXTRA[extra] if isinstance(extra, str) else extra)]
    return re.compile(rf"^\W*({'|'.join(re.escape(w) for w in words)})\W*$")


def new_employer(text: str) -> bool:
    """The message says the person changes employer (a new work permit, not a change)."""
    return bool(_NEW_EMPLOYER.search(normalise(text)))


def no_experience(text: str) -> bool:
    return bool(_NO_EXPERIENCE.search(normalise(text)))


def read_yes_no(text: str) -> bool | None:
    """True, False or None (neither); "no" wins over "yes" ("no, not in China yet")."""
    text = normalise(text, collapse=True)
    if _NO.search(text):
        return False
    if _YES.search(text):
        return True
    return None


def first_match(table: Sequence[tuple[str, str]], text: str) -> str | None:
    """The value of the first (value, pattern) row whose pattern occurs in the text."""
    text = normalise(text, collapse=True)
    for value, pattern in table:
        if re.search(pattern, text):
            return value
    return None
