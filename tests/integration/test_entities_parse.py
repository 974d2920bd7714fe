"""`POST /model/parse` of a real Rasa server with the trained model returns the four entities
(docs/intents.md, "Entities") with Rasa's usual keys, in English, Chinese and mixed messages."""

from __future__ import annotations

import json
import urllib.request
from typing import Any, Dict

import pytest

from scripts.local_stack import rasa_api


def parse(rasa_url: str, text: str) -> Dict[str, Any]:
    request = urllib.request.Request(
        rasa_api(rasa_url, "/model/parse"),
        data=json.dumps({"text": text}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "I want to extend my work permit and residence permit",
            [
                ("service_item", "work_permit_extension", "work permit"),
                ("service_item", "residence_permit_extension", "residence permit"),
            ],
        ),
        ("查一下FJ2026000123的进度", [("case_number", "FJ2026000123", "FJ2026000123")]),
        ("我是德国人，在福州工作", [("country", "DE", "德国"), ("city", "fuzhou", "福州")]),
        (
            "I'm German and I want to 续签 my 工作许可",
            [("country", "DE", "German"), ("service_item", "work_permit_extension", "工作许可")],
        ),
        ("reply in Chinese", []),
        ("hello", []),
    ],
)
def test_model_parse_returns_the_entities(rasa_url: str, text: str, expected: list) -> None:
    result = parse(rasa_url, text)
    assert result["text"] == text
    assert result["intent"]["name"]  # the rest of the parse is untouched
    ours = [e for e in result["entities"] if e["extractor"] == "KnowledgeEntityExtractor"]
    assert [(e["entity"], e["value"], text[e["start"] : e["end"]]) for e in ours] == expected
    assert ours == result["entities"]
    for entity in ours:
        assert {"entity", "value", "start", "end", "extractor"} <= set(entity)
