"""Knowledge-base retrieval (knowledge/retrieval.py, knowledge/text.py).

Behaviour tests run on a small knowledge base built here, so they do not move when the
real entries are edited; the accuracy tests run the real entries (knowledge/faq) against
the held-out paraphrases (tests/data/faq_paraphrases.yml). No timing here: latency is
measured by benchmarks/retrieval_bench.py.
"""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path

import pytest

from knowledge.calibration import (
    BLIND_EVALUATION_PATH,
    choose_decision,
    evaluate,
    load_calibration_sets,
    load_paraphrases,
)
from knowledge.retrieval import (
    AMBIGUOUS,
    ANSWER,
    NO_MATCH,
    Calibration,
    Document,
    Hit,
    Retriever,
    load_documents,
)
from knowledge.text import CONCEPT_PREFIX, Analyzer, SynonymTable, normalize, stem_en

logging.getLogger("jieba").setLevel(logging.WARNING)

ROOT = Path(__file__).resolve().parents[2]
PARAPHRASES = ROOT / "tests" / "data" / "faq_paraphrases.yml"

SMALL_KB = [
    Document(
        id="rp-fee",
        topic="residence_permit",
        questions_en=("How much does a residence permit cost?", "What is the fee for the residence permit?"),
        questions_zh=("居留许可多少钱？", "办居留许可收费吗？"),
        answer_en="The fee is RMB 400 for under a year, 800 for 1 to 3 years, 1,000 for 3 to 5 years.",
        answer_zh="收费标准：一年以下400元，一至三年800元，三至五年1000元。",
    ),
    Document(
        id="rp-time",
        topic="residence_permit",
        questions_en=("How long does the residence permit take?", "When do I get my residence permit back?"),
        questions_zh=("居留许可多久能办好？", "居留许可要几天？"),
        answer_en="The exit-entry office decides within 15 days.",
        answer_zh="出入境管理机构在15日内作出决定。",
    ),
    Document(
        id="wp-materials",
        topic="work_permit",
        questions_en=("What documents do I need for a work permit?", "Checklist for a new work permit?"),
        questions_zh=("办工作许可需要哪些材料？", "新办工作许可的材料清单"),
        answer_en="Application form, degree certificate, criminal-record certificate, medical certificate, contract, passport, photo.",
        answer_zh="申请表、学历证明、无犯罪记录证明、体检证明、劳动合同、护照、照片。",
    ),
    Document(
        id="wp-fee",
        topic="work_permit",
        questions_en=("How much does the work permit cost?", "Is the work permit free?"),
        questions_zh=("工作许可多少钱？", "工作许可收费吗？"),
        answer_en="The work permit is free of charge.",
        answer_zh="工作许可不收费。",
    ),
    Document(
        id="si-mandatory",
        topic="social_insurance",
        questions_en=(
            "Do foreigners have to pay social insurance?",
            "Which insurances must a foreign employee join?",
        ),
        questions_zh=("外国人要交社保吗？", "外籍员工要参加哪些保险？"),
        answer_en="Yes: pension, medical, work injury, unemployment and maternity insurance.",
        answer_zh="要参加养老、医疗、工伤、失业和生育保险。",
    ),
    Document(
        id="pt-who",
        topic="professional_title",
        questions_en=("Who handles professional title evaluation?",),
        questions_zh=("职称评审由哪个部门负责？",),
        answer_en="The local human resources and social security bureau.",
        answer_zh="由当地人力资源社会保障部门负责。",
    ),
]


@pytest.fixture(scope="module")
def analyzer() -> Analyzer:
    return Analyzer()


@pytest.fixture()
def small() -> Retriever:
    retriever = Retriever()
    retriever.index(SMALL_KB)
    return retriever


@pytest.fixture(scope="module")
def real() -> Retriever:
    retriever = Retriever()
    retriever.index(load_documents())
    return retriever


# ---------------------------------------------------------------- text analysis
def test_chinese_query_is_segmented_with_the_domain_dictionary(analyzer: Analyzer) -> None:
    assert "居留许可" in analyzer.segment_zh("居留许可多久能办好")
    assert "电子社保卡" in analyzer.segment_zh("电子社保卡怎么申领")
    assert "职称评审" in analyzer.segment_zh("外国人职称评审找谁")
    assert "无犯罪记录证明" in analyzer.segment_zh("无犯罪记录证明有效期多久")
    words = analyzer.analyze("工作许可要多长时间办好？").words
    assert "工作许可" in words
    assert "要" not in words and "？" not in words  # stop words and punctuation dropped


def test_english_tokens_are_lowercased_stemmed_and_stop_words_removed(analyzer: Analyzer) -> None:
    words = analyzer.analyze("What are the FEES for Residence Permits?").words
    assert {"fee", "residence", "permit"} <= set(words)
    assert not {"what", "are", "the", "for"} & set(words)
    assert stem_en("policies") == "policy" and stem_en("status") == "status" and stem_en("taxes") == "tax"


def test_full_width_text_and_html_are_normalised() -> None:
    assert normalize("ＷＯＲＫ　ＰＥＲＭＩＴ") == "work permit"
    assert normalize("<p>居留证<b>多少钱</b></p><script>alert('x')</script>") == "居留证 多少钱"
    assert normalize("&lt;script&gt;alert(1)&lt;/script&gt;") == ""


def test_synonyms_give_chinese_and_english_forms_one_concept(analyzer: Analyzer) -> None:
    concept = CONCEPT_PREFIX + "residence_permit"
    for form in ("居留证", "居留许可", "居留卡", "residence permit", "RP", "residence permits"):
        assert concept in analyzer.analyze(form).words, form
    assert CONCEPT_PREFIX + "work_permit" in analyzer.analyze("WP").words
    assert CONCEPT_PREFIX + "social_insurance" in analyzer.analyze("五险").words


def test_longest_synonym_wins(analyzer: Analyzer) -> None:
    words = analyzer.analyze("工作许可通知是什么").words
    assert CONCEPT_PREFIX + "notification_letter" in words
    assert CONCEPT_PREFIX + "work_permit" not in words


def test_synonym_table_is_data(tmp_path: Path) -> None:
    path = tmp_path / "synonyms.yml"
    path.write_text("groups:\n  panda: [大熊猫, giant panda]\ndictionary: [大熊猫]\n", encoding="utf-8")
    analyzer = Analyzer(SynonymTable.load(path))
    assert CONCEPT_PREFIX + "panda" in analyzer.analyze("giant pandas").words
    assert CONCEPT_PREFIX + "panda" in analyzer.analyze("大熊猫吃什么").words


# ---------------------------------------------------------------- search behaviour
def test_chinese_query_finds_its_entry(small: Retriever) -> None:
    hits = small.search("居留证多久能办好", language="zh", k=3)
    assert hits and hits[0].id == "rp-time"
    assert small.confident(hits)


def test_synonyms_match_across_wording_and_language(small: Retriever) -> None:
    # The entry says 居留许可 / residence permit; the user says 居留卡 / RP.
    assert small.search("居留卡要交多少钱", language="zh")[0].id == "rp-fee"
    assert small.search("how much is the RP", language="en")[0].id == "rp-fee"
    assert small.search("五险是必须交的吗", language="zh")[0].id == "si-mandatory"


def test_mixed_language_query_matches(small: Retriever) -> None:
    hits = small.search("work permit要什么材料", language="zh")
    assert hits[0].id == "wp-materials"
    assert hits[0].score > 1.5 * hits[1].score
    assert small.search("居留许可 fee", language="en")[0].id == "rp-fee"


def test_typos_still_find_the_entry(small: Retriever) -> None:
    assert small.search("how much dose the residnce permt cost", language="en")[0].id == "rp-fee"
    assert small.search("profesional titel evaluaton", language="en")[0].id == "pt-who"


def test_hits_are_ranked_and_bounded(small: Retriever) -> None:
    hits = small.search("work permit fee", language="en", k=10)
    assert 1 <= len(hits) <= len(SMALL_KB)
    assert all(isinstance(h, Hit) for h in hits)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert all(0.0 <= h.confidence <= 1.0 and 0.0 <= h.score <= 1.0 for h in hits)
    assert hits[0].id == "wp-fee"
    assert len(small.search("work permit fee", k=1)) == 1
    assert small.search("work permit fee", k=0) == []


@pytest.mark.parametrize("query", ["", "   ", "？？？", "!!!", "\n\t", "的 了 吗", "the a of"])
def test_empty_queries_return_nothing(small: Retriever, query: str) -> None:
    hits = small.search(query, language="en")
    assert hits == []
    assert not small.confident(hits)


def test_ten_thousand_character_query_is_never_confident(small: Retriever) -> None:
    for query in ("居留许可多少钱" * 1500, "how much does the work permit cost " * 300, "x" * 10_000):
        assert len(query) >= 10_000
        hits = small.search(query, language="zh")
        assert not small.confident(hits)


def test_html_query_does_not_crash_or_answer(small: Retriever) -> None:
    for query in (
        "<script>alert('居留许可')</script>",
        "<img src=x onerror=alert(1)>",
        "&lt;script&gt;document.cookie&lt;/script&gt;",
        "<div><span></span></div>",
    ):
        hits = small.search(query, language="en")
        assert not small.confident(hits), query


def test_off_topic_question_is_not_confident(small: Retriever) -> None:
    assert not small.confident(small.search("what's the weather in beijing tomorrow", language="en"))
    assert not small.confident(small.search("帮我订一张去上海的火车票", language="zh"))


def test_unknown_language_is_rejected(small: Retriever) -> None:
    with pytest.raises(ValueError):
        small.search("hello", language="fr")
    assert small.search("居留许可多少钱", language=None)[0].id == "rp-fee"


# ---------------------------------------------------------------- live edits
def test_upsert_adds_an_entry_that_answers_at_once(small: Retriever) -> None:
    query = "can I bring my pet dog to china"
    assert not small.confident(small.search(query, language="en"))
    small.upsert(
        Document(
            id="pets",
            topic="living",
            questions_en=("Can I bring my dog or cat to China?", "Pet import rules?"),
            questions_zh=("能带宠物狗来中国吗？", "宠物入境有什么规定？"),
            answer_en="Pets need a health certificate and a rabies vaccination record.",
            answer_zh="宠物需要健康证书和狂犬疫苗接种记录。",
        )
    )
    hits = small.search(query, language="en")
    assert hits[0].id == "pets"
    assert small.search("宠物狗能带来吗", language="zh")[0].id == "pets"


def test_upsert_replaces_an_entry(small: Retriever) -> None:
    query = "health insurance for my family"
    before = small.search(query, language="en")
    assert not before or before[0].id != "pt-who"
    edited = dataclasses.replace(
        SMALL_KB[-1],
        questions_en=("Does health insurance cover my family?",),
        questions_zh=("医保能覆盖家属吗？",),
    )
    small.upsert(edited)
    assert small.search(query, language="en")[0].id == "pt-who"
    assert len(small) == len(SMALL_KB)
    assert small.get("pt-who") == edited


def test_remove_drops_the_entry(small: Retriever) -> None:
    assert small.search("工作许可多少钱", language="zh")[0].id == "wp-fee"
    assert small.remove("wp-fee") is True
    hits = small.search("工作许可多少钱", language="zh", k=10)
    assert "wp-fee" not in [h.id for h in hits]
    assert "wp-fee" not in small and len(small) == len(SMALL_KB) - 1
    assert small.remove("wp-fee") is False


def test_remove_everything_then_search(small: Retriever) -> None:
    for doc in SMALL_KB:
        small.remove(doc.id)
    assert len(small) == 0
    assert small.search("居留许可多少钱") == []
    small.upsert(SMALL_KB[0])
    assert small.search("居留许可多少钱")[0].id == "rp-fee"


def test_duplicate_ids_are_rejected(small: Retriever) -> None:
    with pytest.raises(ValueError, match="duplicate"):
        small.index([SMALL_KB[0], SMALL_KB[0]])
    assert len(small) == len(SMALL_KB)  # the old index is kept
    with pytest.raises(ValueError):
        small.upsert(Document(id=" "))


def test_entries_with_html_are_indexed_as_text() -> None:
    retriever = Retriever()
    retriever.index(
        [
            *SMALL_KB,
            Document(
                id="html",
                questions_en=("<b>What is</b> a <script>x()</script> test case?",),
                answer_en="<i>A trial run</i>",
            ),
        ]
    )
    assert retriever.search("what is a test case", language="en")[0].id == "html"


# ---------------------------------------------------------------- loading
def test_load_documents_reads_the_knowledge_base() -> None:
    documents = load_documents()
    assert len(documents) >= 60
    assert len({d.id for d in documents}) == len(documents)
    for doc in documents:
        assert doc.questions_en and doc.questions_zh and doc.answer_en and doc.answer_zh, doc.id


def test_load_documents_rejects_duplicates_and_bad_yaml(tmp_path: Path) -> None:
    entry = "  - id: a\n    questions: {en: [q], zh: [问]}\n    answer: {en: a, zh: 答}\n"
    (tmp_path / "one.yml").write_text("entries:\n" + entry, encoding="utf-8")
    (tmp_path / "two.yml").write_text("entries:\n" + entry, encoding="utf-8")
    with pytest.raises(ValueError, match="duplicate id 'a'"):
        load_documents(tmp_path)
    (tmp_path / "two.yml").write_text("entries:\n  - id: b\n    questions: [unclosed\n", encoding="utf-8")
    with pytest.raises(ValueError, match="line"):
        load_documents(tmp_path)
    (tmp_path / "two.yml").write_text("just a string\n", encoding="utf-8")
    with pytest.raises(ValueError, match="entries"):
        load_documents(tmp_path)


# ---------------------------------------------------------------- accuracy (real entries)
@pytest.fixture(scope="module")
def paraphrase_results(real: Retriever) -> list[dict]:
    return evaluate(real, load_paraphrases(PARAPHRASES))


def test_paraphrase_set_covers_every_entry_twice_per_language() -> None:
    paraphrases = load_paraphrases(PARAPHRASES)
    ids = {d.id for d in load_documents()}
    for doc_id in ids:
        for language in ("en", "zh"):
            count = sum(1 for p in paraphrases if p["id"] == doc_id and p["language"] == language)
            assert count >= 2, (doc_id, language)
    assert {p["id"] for p in paraphrases if p["id"] is not None} <= ids
    assert sum(1 for p in paraphrases if p["id"] is None) >= 30


TOP1_TARGET = 0.90  # issue 3
# Measured on 116 entries: en 0.953, zh 0.957 (benchmarks/retrieval_bench.py). The floor
# test says something broke badly; the target test says the target is missed.
TOP1_FLOOR = 0.85


def _top1(results: list[dict], language: str) -> float:
    answerable = [r for r in results if r["id"] is not None and r["language"] == language]
    return sum(r["correct"] for r in answerable) / len(answerable)


@pytest.mark.parametrize("language", ["en", "zh"])
def test_top1_accuracy_on_paraphrases_stays_above_the_floor(
    paraphrase_results: list[dict], language: str
) -> None:
    accuracy = _top1(paraphrase_results, language)
    assert accuracy >= TOP1_FLOOR, f"top-1 accuracy {language}: {accuracy:.3f}"


@pytest.mark.parametrize("language", ["en", "zh"])
def test_top1_accuracy_on_paraphrases_meets_the_target(paraphrase_results: list[dict], language: str) -> None:
    accuracy = _top1(paraphrase_results, language)
    assert accuracy >= TOP1_TARGET, f"top-1 accuracy {language}: {accuracy:.3f}"


# "Confident" is the retriever's decision to answer directly (issue 11: threshold AND a lead
# over the runner-up), no longer the confidence threshold alone.
def test_confident_answers_are_rarely_wrong(real: Retriever, paraphrase_results: list[dict]) -> None:
    confident = [r for r in paraphrase_results if r["decision"] == ANSWER]
    wrong = [r for r in confident if not r["correct"]]
    assert len(wrong) / len(confident) <= 0.03, [(r["text"], r["top"]) for r in wrong]
    answerable = [r for r in paraphrase_results if r["id"] is not None]
    # The decision must answer most questions directly (issue 11; measured: 0.821 of the
    # answerable paraphrases, 0.455 before with the threshold alone).
    assert sum(r["decision"] == ANSWER for r in answerable) / len(answerable) >= 0.75


def test_off_topic_paraphrases_are_rarely_confident(real: Retriever, paraphrase_results: list[dict]) -> None:
    nulls = [r for r in paraphrase_results if r["id"] is None]
    confident = [r for r in nulls if r["decision"] == ANSWER]
    assert len(confident) / len(nulls) <= 0.10, [(r["text"], r["top"]) for r in confident]
    # most of them are told "no match" rather than offered unrelated questions
    assert sum(r["decision"] == NO_MATCH for r in nulls) / len(nulls) >= 0.6


# ---------------------------------------------------------------- the decision (issue 11)
DECIDER = Calibration(threshold=0.3, ambiguity_margin=0.2, no_match_threshold=0.1)


def test_a_likely_right_entry_is_answered_with_close_ones_as_related() -> None:
    hits = (Hit("a", 0.8, 0.9), Hit("b", 0.5, 0.2), Hit("c", 0.3, 0.1))
    assert DECIDER.decide(hits) == ANSWER
    decision = Retriever(calibration=DECIDER).decide(hits)
    assert decision.best == hits[0]
    assert decision.related == (hits[1],)  # c scores under half of a: noise, not related
    assert decision.candidates == ()


def test_two_entries_close_in_score_are_ambiguous() -> None:
    hits = (Hit("a", 0.60, 0.9), Hit("b", 0.55, 0.8))
    assert DECIDER.decide(hits) == AMBIGUOUS
    decision = Retriever(calibration=DECIDER).decide(hits)
    assert decision.best is None and decision.related == () and decision.candidates == hits


def test_low_confidence_is_ambiguous_and_implausible_is_no_match() -> None:
    assert DECIDER.decide([Hit("a", 0.5, 0.2)]) == AMBIGUOUS
    # gated (confidence 0) but plausible before the gate: "did you mean"
    assert DECIDER.decide([Hit("a", 0.5, 0.0, 0.4)]) == AMBIGUOUS
    assert DECIDER.decide([Hit("a", 0.5, 0.0, 0.05)]) == NO_MATCH
    assert DECIDER.decide([]) == NO_MATCH


def test_retriever_decides_with_its_calibration(small: Retriever) -> None:
    hits = small.search("居留证多久能办好", language="zh")
    assert small.decide(hits).kind == ANSWER and small.confident(hits)
    off_topic = small.search("what's the weather in beijing tomorrow", language="en")
    assert small.decide(off_topic).kind != ANSWER


def test_calibration_file_holds_the_decision(tmp_path: Path) -> None:
    loaded = Calibration.load()
    assert 0 < loaded.no_match_threshold <= loaded.threshold < 1 and loaded.ambiguity_margin >= 0
    old = tmp_path / "old.yml"
    old.write_text("weights: [1, 2, 3, 4, 5, 6, 7]\nbias: -1\nthreshold: 0.4\n", encoding="utf-8")
    assert Calibration.load(old) == Calibration((1, 2, 3, 4, 5, 6, 7), -1.0, 0.4)  # defaults for the rest


def test_the_blind_evaluation_half_is_never_a_calibration_set() -> None:
    with pytest.raises(ValueError, match="never used for calibration"):
        load_calibration_sets([BLIND_EVALUATION_PATH])


def _result(set_name: str, expected: str | None, hits: tuple[Hit, ...]) -> dict:
    return {
        "set": set_name,
        "language": "en",
        "id": expected,
        "hits": hits,
        "correct": bool(hits) and hits[0].id == expected,
    }


def test_choose_decision_keeps_every_set_under_the_wrong_answer_target() -> None:
    easy = [_result("easy", "a", (Hit("a", 0.9, 0.9),)) for _ in range(50)]
    # the hard set has one wrong answer at confidence 0.5: every threshold at or below it
    # makes 1 wrong of 3 answered there, far over the target, however right the easy set is
    hard = [
        _result("hard", "a", (Hit("a", 0.9, 0.8),)),
        _result("hard", "a", (Hit("a", 0.9, 0.7),)),
        _result("hard", "a", (Hit("b", 0.9, 0.5),)),
        _result("hard", None, (Hit("c", 0.4, 0.0, 0.01),)),
    ]
    chosen = choose_decision(easy + hard, Calibration())
    assert 0.5 < chosen.threshold <= 0.7
    assert DECIDER.decide(hard[-1]["hits"]) == NO_MATCH and chosen.no_match_threshold > 0.01


def test_typo_corrector_maps_unseen_words_to_the_nearest_entry_word() -> None:
    from knowledge.text import TypoCorrector, edit_distance

    corrector = TypoCorrector({"residence": 3, "permit": 5, "insurance": 2, "policy": 1})
    assert corrector.correct("residense") == "residence"  # substitution
    assert corrector.correct("permti") == "permit"  # swapped neighbours
    assert corrector.correct("insurence") == "insurance"
    assert corrector.correct("policies") == "policies"  # a plural of a known word is no typo
    assert corrector.correct("bank") == "bank"  # too short to correct
    assert corrector.correct("zermit") == "zermit"  # the first letter must stay
    assert edit_distance("wrok", "work", 1) == 1 and edit_distance("abc", "xyz", 1) == 2


def test_a_typo_in_the_question_still_passes_the_answer_gate(real: Retriever) -> None:
    # issue 11: "residense" used to count as a word no entry has and zeroed the confidence
    hits = real.search("whats the deadline for getting my residense permit done??", "en")
    assert hits[0].id == "rp-application-deadline"
    assert real.decide(hits).kind != NO_MATCH
