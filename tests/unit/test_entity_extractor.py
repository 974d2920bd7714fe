"""The entity extractor on real messages in English, Chinese and both (docs/intents.md, "Entities")."""

from __future__ import annotations

from typing import List, Tuple

import pytest
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from knowledge.application import catalogue
from nlu.components.entities import ENTITY_NAMES, EntityFinder, finder, fold, read_cities
from nlu.components.entity_extractor import KnowledgeEntityExtractor

Found = List[Tuple[str, str, str]]  # (entity, value, the text it covers)


def found(text: str) -> Found:
    return [(e.entity, e.value, text[e.start : e.end]) for e in finder().find(text)]


SI, CASE, COUNTRY, CITY = ENTITY_NAMES

CASES: List[Tuple[str, Found]] = [
    # --- service items: the kind words of items.yml ------------------------------------------
    ("extend my work permit", [(SI, "work_permit_extension", "work permit")]),
    ("工作许可延期", [(SI, "work_permit_extension", "工作许可")]),
    ("I need to renew my work permit", [(SI, "work_permit_extension", "work permit")]),
    ("my work permit renewal", [(SI, "work_permit_extension", "work permit")]),
    ("我想续签工作许可", [(SI, "work_permit_extension", "工作许可")]),
    ("居留许可续签", [(SI, "residence_permit_extension", "居留许可")]),
    ("I want to change my residence permit", [(SI, "residence_permit_change", "residence permit")]),
    ("工作许可变更", [(SI, "work_permit_change", "工作许可")]),
    ("work permit", [(SI, "work_permit_new", "work permit")]),
    ("what documents do I need for a work permit?", [(SI, "work_permit_new", "work permit")]),
    ("我要办居留许可", [(SI, "residence_permit_new", "居留许可")]),
    ("新办工作许可", [(SI, "work_permit_new", "工作许可")]),
    (
        "I want to extend my work permit and residence permit",
        [
            (SI, "work_permit_extension", "work permit"),
            (SI, "residence_permit_extension", "residence permit"),
        ],
    ),
    (
        "我要延长工作许可和居留许可",
        [(SI, "work_permit_extension", "工作许可"), (SI, "residence_permit_extension", "居留许可")],
    ),
    (
        "change my work permit and extend my residence permit",
        [(SI, "work_permit_change", "work permit"), (SI, "residence_permit_extension", "residence permit")],
    ),
    (
        "我要变更工作许可和延期居留许可",
        [(SI, "work_permit_change", "工作许可"), (SI, "residence_permit_extension", "居留许可")],
    ),
    ("how do I register for social insurance", [(SI, "social_insurance", "social insurance")]),
    ("外国人在中国要交社保吗", [(SI, "social_insurance", "社保")]),
    ("电子社保卡", [(SI, "e_social_security_card", "电子社保卡")]),
    ("我要申请电子社保卡", [(SI, "e_social_security_card", "电子社保卡")]),
    (
        "I want to apply for the electronic social security card",
        [(SI, "e_social_security_card", "electronic social security card")],
    ),
    (
        "how to apply for the professional title evaluation",
        [(SI, "professional_title", "professional title")],
    ),
    ("职称评审要什么材料", [(SI, "professional_title", "职称")]),
    # --- case numbers ------------------------------------------------------------------------
    ("status of FJ2026000123", [(CASE, "FJ2026000123", "FJ2026000123")]),
    ("What's the status of WH2026000007?", [(CASE, "WH2026000007", "WH2026000007")]),
    ("fj 2026 000123", [(CASE, "FJ2026000123", "fj 2026 000123")]),
    ("case number wh-2026-000007", [(CASE, "WH2026000007", "wh-2026-000007")]),
    ("查一下FJ2026000123的进度", [(CASE, "FJ2026000123", "FJ2026000123")]),
    ("我的案件号是ＷＨ２０２６０００００７", [(CASE, "WH2026000007", "ＷＨ２０２６０００００７")]),
    ("FJ20260001234", []),  # seven digits: not a case number
    ("XFJ2026000123", []),
    ("FJ1999000123", []),  # not a year 20xx
    # --- countries ---------------------------------------------------------------------------
    ("德国", [(COUNTRY, "DE", "德国")]),
    ("Germany", [(COUNTRY, "DE", "Germany")]),
    ("german", [(COUNTRY, "DE", "german")]),
    ("I'm a German citizen", [(COUNTRY, "DE", "German")]),
    ("德国人", [(COUNTRY, "DE", "德国")]),
    ("I am american", [(COUNTRY, "US", "american")]),
    ("I'm British", [(COUNTRY, "GB", "British")]),
    ("Korean", [(COUNTRY, "KR", "Korean")]),
    ("I am French", [(COUNTRY, "FR", "French")]),
    ("I'm Indian", [(COUNTRY, "IN", "Indian")]),
    ("russian", [(COUNTRY, "RU", "russian")]),
    ("japanese", [(COUNTRY, "JP", "japanese")]),
    ("美国", [(COUNTRY, "US", "美国")]),
    ("韩国", [(COUNTRY, "KR", "韩国")]),
    ("我是英国人", [(COUNTRY, "GB", "英国")]),
    ("我来自俄罗斯", [(COUNTRY, "RU", "俄罗斯")]),
    ("日本籍", [(COUNTRY, "JP", "日本")]),
    ("nationality: Japan", [(COUNTRY, "JP", "Japan")]),
    ("I'm from the UK", [(COUNTRY, "GB", "UK")]),
    ("I'm from the USA", [(COUNTRY, "US", "USA")]),
    ("I'm from Jordan", [(COUNTRY, "JO", "Jordan")]),
    # China only with a nationality cue
    ("I am a Chinese citizen", [(COUNTRY, "CN", "Chinese")]),
    ("I'm Chinese", [(COUNTRY, "CN", "Chinese")]),
    ("I'm from China", [(COUNTRY, "CN", "China")]),
    ("我是中国人", [(COUNTRY, "CN", "中国")]),
    ("国籍：中国", [(COUNTRY, "CN", "中国")]),
    ("中国籍", [(COUNTRY, "CN", "中国")]),
    # --- cities of the region profiles -------------------------------------------------------
    ("I live in Fuzhou", [(CITY, "fuzhou", "Fuzhou")]),
    ("我在福州市工作", [(CITY, "fuzhou", "福州市")]),
    ("I live in Xiamen", [(CITY, "xiamen", "Xiamen")]),
    ("我在泉州上班", [(CITY, "quanzhou", "泉州")]),
    ("Pingtan", [(CITY, "pingtan", "Pingtan")]),
    ("平潭综合实验区", [(CITY, "pingtan", "平潭综合实验区")]),
    ("my company is in Weihai", [(CITY, "weihai", "Weihai")]),
    ("威海市", [(CITY, "weihai", "威海市")]),
    # --- mixed messages ----------------------------------------------------------------------
    ("I want to 续签 my work permit", [(SI, "work_permit_extension", "work permit")]),
    ("我想change我的工作许可", [(SI, "work_permit_change", "工作许可")]),
    ("工作许可 extension", [(SI, "work_permit_extension", "工作许可")]),
    ("我想apply work permit", [(SI, "work_permit_new", "work permit")]),
    ("我是German人，在Fuzhou工作", [(COUNTRY, "DE", "German"), (CITY, "fuzhou", "Fuzhou")]),
    ("我的case FJ2026000123到哪了", [(CASE, "FJ2026000123", "FJ2026000123")]),
    (
        "I want to 续签 my 工作许可 in 厦门",
        [(SI, "work_permit_extension", "工作许可"), (CITY, "xiamen", "厦门")],
    ),
    ("我是德国人，想办工作许可", [(COUNTRY, "DE", "德国"), (SI, "work_permit_new", "工作许可")]),
    # --- negatives ---------------------------------------------------------------------------
    ("hello", []),
    ("你好", []),
    ("thanks", []),
    ("reply in Chinese", []),
    ("can you reply in Chinese", []),
    ("please answer in French", []),
    ("I speak Japanese", []),
    ("用英文回答", []),
    ("Chinese language test HSK", []),
    ("my Chinese is not good", []),
    ("I work in China", []),
    ("no, I'm outside China", []),
    ("来中国工作需要什么", []),
    ("I work in Shanghai", []),  # a city outside every region profile
    ("我在北京工作", []),
    ("Shenzhen", []),
    ("jordan shoes", []),  # a country name that is an everyday word counts only capitalised
    ("tell us more", []),
    ('/ask_policy{"faq_id": "wp-001"}', []),
    ("", []),
]


@pytest.mark.parametrize(("text", "expected"), CASES, ids=[c[0] or "empty" for c in CASES])
def test_entities_of_real_messages(text: str, expected: Found) -> None:
    assert found(text) == expected


def test_enough_cases_in_every_language_and_for_every_entity() -> None:
    assert len(CASES) >= 60
    assert {e for _, expected in CASES for e, _, _ in expected} == set(ENTITY_NAMES)
    assert sum(1 for _, expected in CASES if not expected) >= 15


def test_every_item_of_the_catalogue_can_be_named() -> None:
    """service_item values are exactly the item ids of items.yml, and each is reachable."""
    cat = catalogue()
    named = {
        "work permit",
        "extend work permit",
        "change work permit",
        "residence permit",
        "extend residence permit",
        "change residence permit",
        "social insurance",
        "professional title",
        "e-social security card",
    }
    values = {e.value for text in named for e in finder().find(text)}
    assert values == set(cat.items)


def test_offsets_point_into_the_original_text() -> None:
    text = "ＦＪ２０２６０００１２３ 和 Ｇｅｒｍａｎｙ"
    entities = finder().find(text)
    assert [(e.value, text[e.start : e.end]) for e in entities] == [
        ("FJ2026000123", "ＦＪ２０２６０００１２３"),
        ("DE", "Ｇｅｒｍａｎｙ"),
    ]
    assert len(fold(text)) == len(text)


def test_every_city_of_the_profiles_has_an_id_and_is_found_in_both_languages() -> None:
    cities = read_cities()
    assert {c[0] for c in cities} >= {"fuzhou", "xiamen", "pingtan", "weihai"}
    for city_id, en, zh in cities:
        assert city_id == city_id.lower() and city_id.isalpha()
        assert [e.value for e in finder().find(en)] == [city_id]
        assert [e.value for e in finder().find(zh)] == [city_id]


def test_patterns_come_from_the_data() -> None:
    """A city added to a profile, or a country name, is found without code changes."""
    custom = EntityFinder(cities=[("longhai", "Longhai", "龙海市")], country_names={"atlantis": "AT"})
    assert [(e.entity, e.value) for e in custom.find("I work in Longhai, 龙海")] == [(CITY, "longhai")] * 2
    assert [(e.entity, e.value) for e in custom.find("I am from Atlantis")] == [(COUNTRY, "AT")]
    assert custom.find("Fuzhou") == []


def test_component_adds_rasa_entities_and_keeps_earlier_ones() -> None:
    extractor = KnowledgeEntityExtractor.create(
        KnowledgeEntityExtractor.get_default_config(), None, None, None
    )
    earlier = {"entity": "faq_id", "value": "wp-001", "start": 0, "end": 1}
    message = Message(data={TEXT: "I want to extend my work permit, case FJ2026000123", ENTITIES: [earlier]})
    plain = Message(data={TEXT: "hello"})
    extractor.process([message, plain])
    entities = message.get(ENTITIES)
    assert entities[0] == earlier
    assert entities[1:] == [
        {
            "entity": "service_item",
            "value": "work_permit_extension",
            "start": 20,
            "end": 31,
            "confidence_entity": 1.0,
            "extractor": "KnowledgeEntityExtractor",
        },
        {
            "entity": "case_number",
            "value": "FJ2026000123",
            "start": 38,
            "end": 50,
            "confidence_entity": 1.0,
            "extractor": "KnowledgeEntityExtractor",
        },
    ]
    assert not plain.get(ENTITIES)
