"""A policy question answered from the live knowledge base, as messages (no rasa-sdk).

Shared by `action_answer_policy_question` (actions/faq.py) and the forms, which answer a
question asked in the middle of a question of theirs ("wait, how much does the residence
permit cost?") and then ask their own question again (docs/forms-questions.md). Inside a
form there is no "was this helpful?": its yes/no would be read as the form's answer.
A message is {"text": ..., "buttons": [...]}, as rasa-sdk's dispatcher takes it.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List, Mapping, Sequence

import yaml

from actions.backend_client import BackendClient, BackendError, BackendUnavailable, FaqAnswer, FaqEntry
from actions.forms.base import POLICY_INTENT, looks_like_question  # noqa: F401 - shared
from actions.messages import staff_button
from knowledge.countries import by_code
from knowledge.eligibility import load_data
from knowledge.eligibility.social_insurance import social_insurance
from knowledge.eligibility.texts import Messages
from texts import scoped

message = scoped("faq")  # texts/faq.yml

FAQ_ID_ENTITY = "faq_id"
SOCIAL_INSURANCE_TOPIC = "social_insurance"

# Lead-ins of a question asked in passing ("wait, ...", "对了，..."): they carry nothing the
# retriever can match and lower its score, so they are taken off before the question is sent.
_LEAD_IN = re.compile(
    r"^(?:(?:wait|hold on|sorry|oh|ok|okay|hey|hi|by the way|btw|quick question|one question|one more thing"
    r"|also|and|but|before that|before we (?:go on|continue)|actually)\b[\s,:;!.\-]*)+"
    r"|^(?:(?:等等|等一下|等下|对了|顺便问一下|顺便问下|顺便问|请问|另外|还有|先问一下|问一下|不好意思)[\s，,：:；;！!。、]*)+",
    re.IGNORECASE,
)


def without_lead_in(text: str) -> str:
    """The question without its conversational lead-in; the whole text when nothing is left."""
    stripped = _LEAD_IN.sub("", text.strip()).strip()
    return stripped or text.strip()


def candidate_payload(entry_id: str) -> str:
    return "/" + POLICY_INTENT + json.dumps({FAQ_ID_ENTITY: entry_id}, separators=(",", ":"))


def picked_entry_id(entities: Sequence[Mapping[str, Any]] | None) -> str | None:
    """The faq_id entity of a candidate button the user clicked, if any."""
    for entity in entities or []:
        if entity.get("entity") == FAQ_ID_ENTITY and entity.get("value"):
            return str(entity["value"])
    return None


SOURCES_FILE = Path(__file__).resolve().parents[1] / "knowledge" / "sources.yml"
REGIONS_DIR = Path(__file__).resolve().parents[1] / "knowledge" / "regions"
SOURCE_SEPARATOR = " | "


@lru_cache(maxsize=1)
def source_names() -> Dict[str, Any]:
    """knowledge/sources.yml: Chinese names of the sources and the region plans."""
    with SOURCES_FILE.open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle) or {}
    return {"names": dict(data.get("names") or {}), "plans": dict(data.get("plans") or {})}


@lru_cache(maxsize=1)
def city_regions() -> Dict[str, str]:
    """City id (the `city` entity's value) -> region (the profile's file name)."""
    found: Dict[str, str] = {}
    for path in sorted(REGIONS_DIR.glob("*.yml")):
        with path.open(encoding="utf-8") as handle:
            profile = yaml.safe_load(handle) or {}
        for city in profile.get("scope") or []:
            if isinstance(city, dict) and city.get("id"):
                found[str(city["id"])] = path.stem
    return found


def user_region(entities: Sequence[Mapping[str, Any]] | None) -> str | None:
    """The region of the `city` named in the message, else the deployment's REGION."""
    for entity in entities or []:
        if entity.get("entity") == "city" and str(entity.get("value")) in city_regions():
            return city_regions()[str(entity.get("value"))]
    region = (os.environ.get("REGION") or "").strip().lower()
    return region or None


def shown_source(source: str, language: str, region: str | None = None) -> str:
    """The source as the user sees it: the plan of the user's region only when an entry lists
    both plans, and in a Chinese answer the document's Chinese name."""
    parts = [p.strip() for p in source.split(SOURCE_SEPARATOR) if p.strip()]
    plans = source_names()["plans"]
    if region in plans and plans[region] in parts:
        other_plans = set(plans.values()) - {plans[region]}
        parts = [p for p in parts if p not in other_plans]
    if language == "zh":
        names = source_names()["names"]
        parts = [names.get(p, p) for p in parts]
    return ("；" if language == "zh" else "; ").join(parts)


def citation(entry: FaqEntry, language: str, region: str | None = None) -> str | None:
    source = shown_source(entry.source, language, region) if entry.source else ""
    if source and entry.checked:
        return message("source_and_date", language, source=source, checked=entry.checked)
    if source:
        return message("source_only", language, source=source)
    return None


def entry_buttons(entries: List[FaqEntry]) -> List[Dict[str, str]]:
    """One button per entry: its question, answering that entry when clicked."""
    return [{"title": e.question, "payload": candidate_payload(e.id)} for e in entries if e.question]


def for_country(entry: FaqEntry, entities: Sequence[Mapping[str, Any]] | None, language: str) -> FaqEntry:
    """A social-insurance answer asked with a nationality ("I'm German, do I need to pay social
    insurance?"): the answer with the bilateral agreement's line for that country (knowledge/
    agreements.yml, as the eligibility check writes it), uncertain where the agreement's scope is."""
    code = next(
        (str(e.get("value")) for e in entities or [] if e.get("entity") == "country" and e.get("value")),
        None,
    )
    if entry.topic != SOCIAL_INSURANCE_TOPIC or not code:
        return entry
    country = by_code(code)
    if country is None:
        return entry
    found = social_insurance(load_data(), country)
    details = Messages().join(list(found.texts), language)
    line = message("for_country", language, country=country.name(language), details=details)
    return dataclasses.replace(
        entry, answer=f"{entry.answer}\n\n{line}", uncertain=entry.uncertain or found.uncertain
    )


@dataclass
class PolicyReply:
    """What to say (`messages`), the entry answered (`entry_id`, None otherwise) and how it
    went: "answer", "candidates", "no_match", "empty", "unavailable" or "refused"."""

    status: str
    messages: List[Dict[str, Any]] = field(default_factory=list)
    entry_id: str | None = None

    def say(self, text: str, buttons: List[Dict[str, str]] | None = None) -> None:
        self.messages.append({"text": text, "buttons": buttons or []})


def answer_messages(
    entry: FaqEntry, language: str, related: List[FaqEntry], in_form: bool, region: str | None = None
) -> PolicyReply:
    reply = PolicyReply("answer", entry_id=entry.id)
    cited = citation(entry, language, region)
    reply.say("\n\n".join([entry.answer, cited] if cited else [entry.answer]))
    if entry.uncertain:
        reply.say(message("uncertain", language), [staff_button(language)])
    related_buttons = entry_buttons([e for e in related if e.id != entry.id][:2])
    if related_buttons:  # before "was this helpful?", which stays the last message (bot/faq.yml)
        reply.say(message("related", language), related_buttons)
    if not in_form:
        reply.say(
            message("ask_helpful", language),
            [
                {"title": message("button_yes", language), "payload": "/affirm"},
                {"title": message("button_no", language), "payload": "/deny"},
            ],
        )
    return reply


async def policy_reply(
    client: BackendClient,
    text: str,
    language: str,
    entities: Sequence[Mapping[str, Any]] | None = None,
    in_form: bool = False,
) -> PolicyReply:
    """The knowledge base's answer to `text` (or to the entry of a clicked candidate button)."""
    picked = picked_entry_id(entities)
    try:
        if picked:
            result = FaqAnswer(status="answer", entry=await client.get_faq_entry(picked, language))
        else:
            question = (text or "").strip()
            if not question or question.startswith("/"):  # e.g. the menu's bare /ask_policy button
                reply = PolicyReply("empty")
                reply.say(message("empty", language))
                return reply
            result = await client.answer_policy_question(without_lead_in(question), language)
    except BackendUnavailable:
        reply = PolicyReply("unavailable")
        reply.say(message("backend_down", language), [staff_button(language)])
        return reply
    except BackendError as exc:
        key = {"question_too_long": "too_long", "question_empty": "empty"}.get(exc.code, "no_match")
        reply = PolicyReply("refused" if key == "no_match" else key)
        reply.say(message(key, language), [staff_button(language)])
        return reply
    if result.status == "answer" and result.entry:
        return answer_messages(
            for_country(result.entry, entities, language),
            language,
            result.related,
            in_form,
            user_region(entities),
        )
    if result.candidates:
        reply = PolicyReply("candidates")
        buttons = entry_buttons(result.candidates[:3])
        reply.say(message("candidates", language), [*buttons, staff_button(language)])
        return reply
    reply = PolicyReply("no_match")
    reply.say(message("no_match", language), [staff_button(language)])
    return reply
