"""The whole-message command grammar of the application form, and reading the role and the items.

Commands ("start over", "back", "skip", "keep", "change items", "confirm"...) are matched on
the whole message in both languages; the services and kinds are data (knowledge/application/
items.yml, compiled by the catalogue).
"""

from __future__ import annotations

import re
from typing import Dict, List, Mapping

from knowledge.application import catalogue
from knowledge.reading import new_employer
from knowledge.reading import normalise as read_normalise

# --- recognising commands: the whole message, in either language ----------------------------
_EN_PRE = r"(?:(?:ok(?:ay)?|yes|please|pls|let'?s|i (?:want|would like|'d like) to|can we|could we)\s+)*"
_EN_POST = r"(?:\s+(?:please|pls|now|it|this|this one|this question|the question))*"
_ZH_PRE = r"(?:好的|好|请|我要|我想|麻烦)?"
_ZH_POST = r"(?:吧|一下|了|吗)?"


def _command(en: str, zh: str) -> re.Pattern[str]:
    return re.compile(rf"^(?:{_EN_PRE}(?:{en}){_EN_POST}|{_ZH_PRE}(?:{zh}){_ZH_POST})$")


COMMANDS: Dict[str, re.Pattern[str]] = {
    "restart": _command(
        r"start (?:all )?over|start again|start from scratch|restart|begin again|start a new (?:one|form|application)"
        r"|discard (?:it|the draft|my draft|the form|the application|everything)|new form|clear (?:the form|everything)",
        r"重新开始|重新填写|重新填|重来|从头开始|从头再来|放弃草稿|删除草稿|清空重填",
    ),
    "back": _command(
        r"(?:go )?back|previous(?: question| one)?|(?:go )?back to the (?:previous|last) (?:question|one)"
        r"|the (?:previous|last) question|undo",
        r"上一步|上一题|上一个|返回|返回上一题|返回上一步|回到上一题|退回|后退",
    ),
    "skip": _command(
        r"skip|pass|skip (?:it|this|that)|next|next question|no thanks|i'?d rather not say|prefer not to say"
        r"|leave (?:it|this) (?:blank|empty)",
        r"跳过|略过|下一题|不填|不想填这个|不方便透露|留空",
    ),
    "keep": _command(
        r"keep|keep (?:it|the answer|my answer|the old answer)|no change|unchanged|leave it as it is|it'?s fine",
        r"保留|保留原答案|不改|不用改|维持原样|保持不变",
    ),
    "confirm": _command(
        r"confirm|submit|confirm and submit|send|send it|yes,? (?:submit|confirm|send)(?: it)?|all correct|"
        r"everything is correct|looks good|that'?s (?:all )?(?:right|correct)|correct|yes|yep|yeah|sure|ok|okay",
        r"确认|提交|确认提交|确认无误|没问题|正确|对|是的|可以|好的|好|提交吧",
    ),
    "continue": _command(
        r"continue|resume|carry on|go on|go ahead|continue (?:where i left off|my application|the application|the form)"
        r"|yes|yep|sure|ok|okay",
        r"继续|继续填写|继续填|接着填|接着来|继续申请|是|是的|好|好的|可以",
    ),
    "items": _command(
        r"change (?:the |my )?(?:items|services|service|what i apply for)|choose (?:other|different) (?:items|services)"
        r"|add (?:an? )?(?:item|service)",
        r"修改事项|更改事项|修改申请事项|重新选择事项|改事项|增加事项|添加事项",
    ),
    "role": _command(r"change (?:the |my )?role", r"修改身份|更改身份"),
    "show_summary": _command(
        r"(?:show (?:me )?)?(?:the )?summary(?: again)?|back to (?:the )?summary|show (?:me )?all (?:my )?answers",
        r"返回摘要|查看摘要|显示摘要|回到摘要|摘要",
    ),
    "show_consent": _command(
        r"show (?:me )?the (?:consent )?text(?: again)?|show (?:me )?the consent(?: text)?(?: again)?"
        r"|read the consent(?: text)?(?: again)?",
        r"查看同意书(?:全文)?|显示同意书(?:全文)?|再看一下同意书|同意书全文",
    ),
    "agree": _command(
        r"i agree|agree|i consent|consent|accept|i accept|yes,? i agree|agreed|yes|yep|sure|ok|okay",
        r"同意|我同意|接受|同意并继续|是|是的|好|好的|可以",
    ),
    "decline": _command(
        r"i (?:do not|don't) agree|disagree|decline|i decline|no|nope|no,? i (?:do not|don't) agree"
        r"|i (?:do not|don't) consent|reject|refuse",
        r"不同意|我不同意|拒绝|不接受|不要|不",
    ),
}
EDIT = re.compile(
    r"^(?:(?:please|pls|i want to|i'd like to|can i|let me)\s+)?(?:change|edit|correct|fix|modify|update|redo)\s+"
    r"(?:(?:no\.?|number|item|question|#)\s*)?(?P<ref>.+?)(?:\s+please)?$"
    r"|^(?:请|我要|我想)?(?:修改|更改|更正|改一下|改)\s*(?:第)?\s*(?P<zh>.+?)\s*(?:项|条|题)?$"
)
CORRECTION_CUE = re.compile(
    r"\b(actually|sorry|wrong|mistake|typo|correction|not|instead|changed?|correct(?:ed|ion)?|update[ds]?|really)\b"
    r"|其实|应该|不是|更正|改成|改为|错了|写错|搞错|弄错|更改|修改|换成|变成"
)
NO_ANSWER = re.compile(
    r"^(?:no|nope|none|no i don'?t|i don'?t have (?:one|it|any)|not applicable|没有|无|没|不需要|没有的)$"
)
# Kinds whose parser accepts almost any text: a correction needs the field named at the start.
FREE_TEXT_KINDS = {"text", "address", "name", "chinese_name", "family"}

# --- the items and the role, from free text or buttons --------------------------------------
# The services and kinds and their synonyms are data: knowledge/application/items.yml
# (`services`, `kinds`), compiled once by the catalogue; a new item or synonym is a data edit.
# "all" when no service is named: "all", "everything", "the whole package", "全部", "都办".
ALL_ITEMS = re.compile(r"\b(?:all|everything|every service|whole package)\b|全部|所有|都要|都办|全都|一起办")
CONJUNCTIONS = re.compile(
    r"\s*(?:,|;|/|\+|&|\band\b|\bplus\b|\bas well as\b|\balso\b|\bwith\b|、|，|；|和|及|以及|还有|与|跟|加上|并且|同时)\s*"
)
ROLE_HR = re.compile(
    r"\bhr\b|human resources?|personnel|employer|company|on behalf|for (?:my|our|an?) (?:employee|staff|"
    r"worker|colleague|new hire|candidate)|recruit|人事|人力|单位|公司|雇主|代办|代理|经办|代为|代填|"
    r"[代为替帮](?:员工|外籍员工|同事|申请人)"
)
ROLE_WORKER = re.compile(
    r"worker|employee|myself|\bme\b|for me\b|\bi am (?:the|an?) (?:applicant|foreigner)|applicant|"
    r"my own|本人|自己|我自己|员工|申请人|外籍人员|外国人|个人"
)


def normalise(text: str) -> str:
    """A whole message as a command is matched: folded, one space, no punctuation at the ends."""
    return read_normalise(text, trim_punctuation=True)


FIELD_COMMANDS = ("restart", "back", "skip", "keep", "items", "role")
SUMMARY_COMMANDS = ("restart", "back", "items", "role", "confirm", "decline")


def command(text: str, names: tuple = FIELD_COMMANDS) -> str | None:
    """The command a whole message is, among `names` (the first that matches), if any."""
    norm = normalise(text)
    if not norm or len(norm) > 80:
        return None
    return next((name for name in names if COMMANDS[name].match(norm)), None)


def is_command(text: str, name: str) -> bool:
    norm = normalise(text)
    return bool(norm) and len(norm) <= 80 and bool(COMMANDS[name].match(norm))


def parse_role(text: str) -> str | None:
    norm = normalise(text)
    if not norm or len(norm) > 300:
        return None
    if ROLE_HR.search(norm):
        return "hr"
    if ROLE_WORKER.search(norm):
        return "worker"
    return None


def parse_items(text: str) -> List[str]:
    """Item keys named in a message: "work permit and residence permit" -> both new;
    "工作许可延期" -> work_permit_extension; "all" / "全部" -> every service, new."""
    norm = normalise(text)
    if not norm or len(norm) > 500:
        return []
    cat = catalogue()
    kinds_in_text = [kind for kind, pattern in cat.kinds.items() if pattern.search(norm)]
    chosen: Dict[str, List[str]] = {}
    for segment in CONJUNCTIONS.split(norm):
        kinds = [kind for kind, pattern in cat.kinds.items() if pattern.search(segment)]
        for key, service in cat.services.items():
            if service.pattern.search(segment):
                if len(kinds_in_text) == 1:
                    kind = kinds_in_text[0]
                else:
                    kind = kinds[0] if len(kinds) == 1 else service.default_kind
                if kind not in chosen.setdefault(key, []):
                    chosen[key].append(kind)  # two kinds of one service: reported as a conflict
    if not chosen and ALL_ITEMS.search(norm):
        chosen = {
            key: [kinds_in_text[0] if len(kinds_in_text) == 1 else service.default_kind]
            for key, service in cat.services.items()
        }
    return _item_keys(with_new_employer(chosen, norm))


# A new employer is a new work permit (the old one is cancelled), never a work permit change
# (policy-facts.md); the residence permit is changed (updated within 10 days).
NEW_EMPLOYER_KINDS = {"work_permit": "new"}


def with_new_employer(chosen: Dict[str, List[str]], text: str) -> Dict[str, List[str]]:
    if not new_employer(text):
        return chosen
    fixed = dict(chosen)
    for service, kind in NEW_EMPLOYER_KINDS.items():
        if service in fixed:
            fixed[service] = list(dict.fromkeys(kind if k == "change" else k for k in fixed[service]))
    return fixed


def new_employer_items(items: List[str], text: str) -> List[str]:
    """Item keys as a new employer needs them: work_permit_change becomes work_permit_new."""
    if not new_employer(text):
        return items
    cat = catalogue()
    fixed = []
    for key in items:
        item = cat.items.get(key)
        if item is not None and item.service in NEW_EMPLOYER_KINDS and item.kind == "change":
            key = cat.item_for(item.service, NEW_EMPLOYER_KINDS[item.service]) or key
        fixed.append(key)
    order = list(cat.items)
    return sorted(dict.fromkeys(k for k in fixed if k in cat.items), key=order.index)


def _item_keys(chosen: Mapping[str, List[str]]) -> List[str]:
    """Service -> kinds named, as item keys in catalogue order (a one-variant service: its item)."""
    cat = catalogue()
    keys = [cat.item_for(service, kind) for service, kinds in chosen.items() for kind in kinds]
    order = list(cat.items)
    return sorted(dict.fromkeys(k for k in keys if k in cat.items), key=order.index)
