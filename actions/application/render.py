"""What the application form shows: the question of each phase, the summary, the submission answer.

Plain functions of the form's state (no rasa-sdk); a message is {"text": ..., "buttons": [...]},
as rasa-sdk's dispatcher takes it.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any, Dict, List, Mapping

from actions.messages import department_name
from knowledge.application import catalogue
from knowledge.application import message as field_message
from knowledge.application.messages import day
from texts import scoped

message = scoped("application")  # texts/application.yml

Message = Dict[str, Any]


def item_names(items: List[str], language: str) -> List[str]:
    cat = catalogue()
    return [cat.items[key].name[language] for key in items if key in cat.items]


def show_value(value: Any, language: str) -> str:
    """An answer from the draft view (already masked and written out by the backend)."""
    if value is None or value == "":
        return message("not_given", language)
    return str(value)


def button(key: str, language: str, **params: Any) -> Dict[str, str]:
    """A form button: its title and the payload a user could type instead (button_<key>, payload_<key>)."""
    return {
        "title": message(f"button_{key}", language, **params),
        "payload": message(f"payload_{key}", language, **params),
    }


def saved_day(saved: str | None, language: str) -> str:
    """The day the draft was saved (an ISO timestamp); today when it is unknown."""
    try:
        return day(date.fromisoformat((saved or "")[:10]), language)
    except ValueError:
        return day(date.today(), language)


def question(
    phase: str,
    step: str | None,
    items: List[str],
    role: str,
    summary: Mapping[str, Any],
    state: Mapping[str, Any],
    language: str,
) -> List[Message]:
    """The form's question in this phase: the resume offer, the consent, the role, the items,
    the field's question or the summary; after a policy question answered in passing
    (state "reask"), with a line that says the form goes on."""
    said = _question(phase, step, items, role, summary, state, language)
    if said and state.get("reask") == "after_question" and phase != "consent":
        said[0] = {**said[0], "text": message("back_to_form", language) + "\n" + said[0]["text"]}
    return said


def _question(
    phase: str,
    step: str | None,
    items: List[str],
    role: str,
    summary: Mapping[str, Any],
    state: Mapping[str, Any],
    language: str,
) -> List[Message]:
    fields = state["fields"] or (catalogue().fields_for(items, role) if items else [])
    if phase == "resume":
        answered = sum(1 for k in fields if summary.get(k) not in (None, ""))
        if items:
            text = message(
                "resume",
                language,
                items="; ".join(item_names(items, language)),
                answered=answered,
                total=len(fields),
                saved=saved_day(state.get("saved"), language),
            )
        else:
            text = message("resume_no_items", language)
        return [{"text": text, "buttons": [button("continue", language), button("restart", language)]}]
    if phase == "consent":
        buttons = [button("agree", language), button("decline", language)]
        if "consent" in state.get("shown", []):
            # the text is on screen already: one line with the buttons, and the text on request
            return [
                {
                    "text": message("consent_again", language),
                    "buttons": [*buttons, button("show_consent", language)],
                }
            ]
        text = "\n\n".join([catalogue().consent.text(language), message("consent_question", language)])
        return [{"text": text, "buttons": buttons}]
    if phase == "role":
        return [
            {
                "text": message("ask_role", language),
                "buttons": [button("worker", language), button("hr", language)],
            }
        ]
    if phase == "items":
        return [
            {
                "text": message("ask_items", language),
                "buttons": [button(key, language) for key in ("wp_rp", "wp_rp_extension", "all")],
            }
        ]
    if phase == "fields":
        if step in catalogue().fields:
            return [field_question(step, fields, summary, state, role, language)]
        return []
    if phase == "summary":
        reask = str(state.get("reask") or "")
        if reask.startswith("group:") and reask[6:] in FIELD_GROUPS:
            return [group_message(reask[6:], fields, language)]
        return [summary_message(items, role, fields, summary, state, language)]
    return []


def field_question(
    step: str,
    fields: List[str],
    summary: Mapping[str, Any],
    state: Mapping[str, Any],
    role: str,
    language: str,
) -> Message:
    spec = catalogue().fields[step]
    lines = []
    if step in fields:
        lines.append(message("progress", language, number=fields.index(step) + 1, total=len(fields)))
    lines.append(spec.question_for(role, language))
    buttons: List[Dict[str, str]] = []
    for choice in spec.choices.values() if spec.kind in ("gender", "choice") else []:
        buttons.append({"title": choice.label[language], "payload": choice.label[language]})
    current = summary.get(step)
    if current not in (None, "") or step in state.get("skipped", []):
        lines.append(message("current_answer", language, value=show_value(current, language)))
        buttons.append(button("keep", language))
    elif spec.optional:
        buttons.append(button("skip", language))
    return {"text": "\n".join(lines), "buttons": buttons}


def summary_message(
    items: List[str],
    role: str,
    fields: List[str],
    summary: Mapping[str, Any],
    state: Mapping[str, Any],
    language: str,
) -> Message:
    cat = catalogue()
    lines = [
        message("summary_intro", language),
        message("summary_items", language, items="; ".join(item_names(items, language))),
        message("summary_role_hr" if role == "hr" else "summary_role_worker", language),
    ]
    buttons = [button("confirm", language)]
    for number, key in enumerate(fields, start=1):
        label = cat.fields[key].label[language]
        lines.append(
            message(
                "summary_line",
                language,
                number=number,
                label=label,
                value=show_value(summary.get(key), language),
            )
        )
    # one button per group of answers (a wall of one button per field did not fit a screen);
    # a field that is in no group keeps its own button
    for group, keys in groups_of(fields):
        if group is None:
            buttons.extend(edit_button(fields, key, language) for key in keys)
            continue
        numbers = ", ".join(str(fields.index(k) + 1) for k in keys)
        name = message(f"group_{group}", language)
        buttons.append(
            {
                "title": message("button_group", language, group=name, numbers=numbers),
                "payload": message("payload_group", language, group=name),
            }
        )
    buttons.append(button("items", language))
    buttons.append(button("restart", language))
    lines.append(message("summary_help", language))
    return {"text": "\n".join(lines), "buttons": buttons}


# The summary's groups of answers, in the order of the form (keys of knowledge/application/fields.yml).
FIELD_GROUPS: Dict[str, tuple] = {
    "personal": ("surname", "given_names", "chinese_name", "gender", "date_of_birth", "nationality"),
    "documents": ("passport_number", "passport_expiry", "date_of_entry", "current_work_permit_number"),
    "contact": ("email", "phone", "address_in_china"),
    "employment": (
        "employer_name",
        "employer_uscc",
        "employer_contact",
        "position",
        "work_city",
        "contract_start",
        "contract_end",
        "annual_salary_cny",
    ),
    "education": ("highest_degree", "institution", "graduation_year", "relevant_experience_years"),
    "family": ("family_members",),
}


def groups_of(fields: List[str]) -> List[tuple]:
    """(group, the form's fields in it) in the order of the groups; (None, [key]) for a field in none."""
    found: List[tuple] = [(group, [k for k in fields if k in keys]) for group, keys in FIELD_GROUPS.items()]
    grouped = {k for keys in FIELD_GROUPS.values() for k in keys}
    found += [(None, [k]) for k in fields if k not in grouped]
    return [(group, keys) for group, keys in found if keys]


def group_named(text: str) -> str | None:
    """The group a message asks to change ("change personal details", "修改个人信息", the group's
    name alone), in either language."""
    said = re.sub(r"[\s.!?。！？]+", " ", text.casefold()).strip()
    for group in FIELD_GROUPS:
        for language in ("en", "zh"):
            name = message(f"group_{group}", language).casefold()
            payload = message("payload_group", language, group=name).casefold()
            if said in (name, payload) or said.replace(" ", "") in (
                name.replace(" ", ""),
                payload.replace(" ", ""),
            ):
                return group
    return None


def edit_button(fields: List[str], key: str, language: str) -> Dict[str, str]:
    number = fields.index(key) + 1
    label = catalogue().fields[key].label[language]
    return {
        "title": message("button_edit", language, number=number, label=label),
        "payload": message("payload_edit", language, number=number),
    }


def group_message(group: str, fields: List[str], language: str) -> Message:
    """The fields of one group as buttons ("Change 8: Mobile phone in China"), and the way back."""
    keys = dict(groups_of(fields)).get(group) or []
    buttons = [edit_button(fields, key, language) for key in keys]
    buttons.append(button("show_summary", language))
    name = message(f"group_{group}", language)
    return {"text": message("group_which", language, group=name), "buttons": buttons}


def _bullets(lines: List[str]) -> List[str]:
    return [f"- {line}" for line in lines if line]


def case_text(case: Mapping[str, Any], language: str) -> str:
    """The answer to a submission: number, departments, next steps, materials, deadlines, savings."""
    cat = catalogue()
    parts = [message("submitted", language, number=case.get("number", ""))]
    if case.get("is_test"):
        parts.append(message("submitted_test", language))
    items = [i for i in case.get("items") or [] if isinstance(i, Mapping)]
    if case.get("joint_review"):
        departments = ("、" if language == "zh" else "; ").join(department_name(i, language) for i in items)
        parts.append(message("joint_review", language, departments=departments))
    elif items:
        lines = [
            message(
                "department_line",
                language,
                department=department_name(i, language),
                items=("、" if language == "zh" else "; ").join(
                    item_names([s for s in i.get("services") or [] if s in cat.items], language)
                ),
            )
            for i in items
        ]
        parts.append("\n".join([message("departments", language), *_bullets(lines)]))
    if case.get("next_steps"):
        parts.append(
            "\n".join([message("next_steps", language), *_bullets([str(s) for s in case["next_steps"]])])
        )
    materials = [m for m in case.get("materials") or [] if m]
    if materials:
        names = [
            str(m.get("name") or m.get("id") or "") if isinstance(m, Mapping) else str(m) for m in materials
        ]
        parts.append("\n".join([message("materials", language, count=len(names)), *_bullets(names)]))
    if case.get("deadlines"):
        deadlines = [
            str(d.get("text") or "") if isinstance(d, Mapping) else str(d) for d in case["deadlines"]
        ]
        parts.append("\n".join([message("deadlines", language), *_bullets(deadlines)]))
    savings = case.get("savings")
    if isinstance(savings, Mapping) and all(
        k in savings for k in ("fields_once", "fields_separately", "materials_once", "materials_separately")
    ):
        parts.append(
            field_message(
                "savings",
                language,
                **{
                    k: savings[k]
                    for k in ("fields_once", "fields_separately", "materials_once", "materials_separately")
                },
            )
        )
    parts.append(message("status_hint", language))
    return "\n\n".join(p for p in parts if p)
