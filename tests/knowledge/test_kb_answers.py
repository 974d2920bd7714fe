"""What the knowledge base's answers may say (issue 12, "Wrong policy answers").

- No answer presents a worked example as the answer: a figure from one of the entry's own example
  questions ("my passport expires in 4 months") that the sources do not give appears in the answer
  only as a labelled example ("For example", "例如").
- A Chinese answer shows its source's Chinese name, never an English label ("Weihai plan: ...").
- An entry both region plans support cites the plan of the user's region only: a Fuzhou user's
  professional-title answer does not cite the Weihai plan (and the reverse).
- Accompanying family and the offices are covered, sourced, and uncertain where the sources are.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from actions.backend_client import FaqEntry
from actions.policy_answer import citation, shown_source, user_region
from knowledge.retrieval import Retriever, load_documents

ROOT = Path(__file__).resolve().parents[2]
FACTS_FILE = ROOT.parent / "shared" / "domain" / "policy-facts.md"  # ../shared from the checkout
FACTS_FILE = FACTS_FILE if FACTS_FILE.is_file() else Path("/work/shared/domain/policy-facts.md")
FACTS = FACTS_FILE.read_text(encoding="utf-8") if FACTS_FILE.is_file() else ""
DOCS = load_documents(ROOT / "knowledge" / "faq")
BY_ID = {d.id: d for d in DOCS}
NUMBER = re.compile(r"\d+(?:[.,]\d+)?")
EXAMPLE = re.compile(r"for example|e\.g\.|例如|比如")


def _answer(doc, lang: str) -> str:
    return getattr(doc, f"answer_{lang}")


def _questions(doc, lang: str) -> list[str]:
    return list(getattr(doc, f"questions_{lang}"))


@pytest.mark.skipif(not FACTS, reason="policy-facts.md not available")
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_no_answer_is_a_worked_example_of_one_of_its_questions(lang):
    found = []
    for doc in DOCS:
        answer = _answer(doc, lang)
        asked = set(NUMBER.findall(" ".join(_questions(doc, lang))))
        for sentence in re.split(r"(?<=[.。；;])\s*", answer):
            if EXAMPLE.search(sentence.lower()):
                continue  # a labelled example is fine
            for number in set(NUMBER.findall(sentence)) & asked:
                if number not in FACTS:
                    found.append((doc.id, number, sentence))
    assert not found, found


def test_the_passport_answer_does_not_assume_how_long_is_left():
    doc = BY_ID["mat-passport-validity"]
    assert "4" not in _answer(doc, "en") and "4个月" not in _answer(doc, "zh")
    assert "6 months" in _answer(doc, "en") and "6个月" in _answer(doc, "zh")


def _entry(doc) -> FaqEntry:
    return FaqEntry(id=doc.id, question="", answer="", source=doc.source, checked="2026-11-23")


def test_chinese_citations_show_no_english_source_names():
    for doc in DOCS:
        shown = citation(_entry(doc), "zh") or ""
        without_urls = re.sub(r"https?://\S+", "", shown)
        assert not re.search(r"[A-Za-z]{3,}", without_urls), (doc.id, shown)


@pytest.mark.parametrize(
    "entities, region, present, absent",
    [
        ([{"entity": "city", "value": "fuzhou"}], "weihai", "福建", "威海"),
        ([{"entity": "city", "value": "weihai"}], "fujian", "威海", "福建"),
        ([], "fujian", "福建", "威海"),
    ],
)
def test_a_users_region_decides_which_plan_is_cited(monkeypatch, entities, region, present, absent):
    monkeypatch.setenv("REGION", region)
    where = user_region(entities)
    for entry_id in ("pt-who-handles", "pt-requirements", "pt-needed-for-permit"):
        for lang in ("en", "zh"):
            shown = shown_source(BY_ID[entry_id].source, lang, where)
            assert present in shown and absent not in shown, (entry_id, lang, shown)


@pytest.mark.parametrize(
    "question, lang, expected",
    [
        ("Which visa does my wife need to come with me?", "en", "rp-family-visas"),
        ("老婆孩子来中国要办什么签证？", "zh", "rp-family-visas"),
        ("do my children need a residence permit too?", "en", "rp-family-residence-permit"),
        ("随行家属也要办居留许可吗？", "zh", "rp-family-residence-permit"),
        ("what documents does my spouse need for the residence permit?", "en", "mat-family-documents"),
        ("配偶办居留要带哪些材料？", "zh", "mat-family-documents"),
        ("what are the opening hours of the office?", "en", "is-offices"),
        ("一件事窗口在哪里？", "zh", "is-offices"),
    ],
)
def test_family_and_offices_are_answered(question, lang, expected):
    retriever = Retriever()
    retriever.index(DOCS)
    hits = retriever.search(question, k=3)
    assert hits and hits[0].id == expected, [(h.id, round(h.score, 3)) for h in hits]


def test_what_the_sources_leave_open_is_marked_uncertain():
    assert BY_ID["is-offices"].uncertain and BY_ID["mat-family-documents"].uncertain
    assert "confirm" in _answer(BY_ID["is-offices"], "en") and "确认" in _answer(BY_ID["is-offices"], "zh")
