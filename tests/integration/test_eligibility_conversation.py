"""check_eligibility over the REST channel with the whole stack (backend, action server, Rasa).

A Chinese-speaking user walks the eligibility form with natural answers (a birth date, "三十万",
"汉语五级", a wrong value and a correction on the way) and gets the category, the points, the
social-insurance exemption of their nationality and a working link to the printable checklist.
"""

from __future__ import annotations

import re
import urllib.request

import pytest

from tests.integration.conftest import Conversation

pytestmark = pytest.mark.integration


def test_eligibility_form_in_chinese_gets_category_and_checklist(stack):
    chat = Conversation(stack.rasa_url)
    assert "周岁" in chat.say("帮我评估一下申请条件")  # intro, then the age question
    assert "16至100周岁" in chat.say("我今年200岁")  # explained, asked again
    assert "最高学历" in chat.say("1990年5月出生")
    assert "工作经历" in chat.say("硕士")
    assert "年薪" in chat.say("3年")
    corrected = chat.say("我工作经验是5年不是3年")
    assert "已为您更正" in corrected and "年薪" in corrected  # salary asked again, nothing lost
    assert "几个月" in chat.say("三十万")
    assert "HSK" in chat.say("9个月")
    assert "护照" in chat.say("汉语五级")
    assert "境内" in chat.say("德国")
    assert "新办" in chat.say("我目前在境外")
    replies = chat.send("新办")
    result = "\n".join(r.get("text", "") for r in replies)
    assert re.search(r"[ABC]类", result)
    assert "积分：" in result and "工作经历" in result
    assert "中德社会保险协定" in result and "免缴" in result  # the social-insurance agreement
    link = re.search(r"(https?://\S+/checklist\?\S+)", result)
    assert link and link.group(1).startswith(stack.backend_url)
    assert "relevant_experience_years=5" in link.group(1)
    payloads = [b["payload"] for r in replies for b in r.get("buttons") or []]
    assert "/start_application" in payloads and "/request_human" in payloads
    with urllib.request.urlopen(link.group(1), timeout=30) as page:
        assert page.status == 200

    recomputed = chat.say("我工作经验是6年不是5年")  # a correction after the result
    assert "已为您更正" in recomputed and "relevant_experience_years=6" in recomputed


def test_stop_keeps_the_answers_and_resumes(stack):
    chat = Conversation(stack.rasa_url)
    chat.say("check my eligibility")
    chat.say("I'm 34")
    interrupted = chat.say("can I talk to a real person")
    # a real handoff request (in the queue, or out of hours when staff are back), then asked again
    assert "in the queue" in interrupted or "not at work right now" in interrupted, interrupted
    assert "What you have entered so far is kept" in interrupted and "highest degree" in interrupted
    assert "kept your answers" in chat.say("stop")
    assert "highest degree" in chat.say("check my eligibility")  # the age is not asked again


def test_english_result_with_skipped_answers(stack):
    chat = Conversation(stack.rasa_url)
    chat.say("check my eligibility")
    for answer in ("I'm 29", "PhD", "sorry, 2 years", "about 25 wan a year", "all year", "HSK 4", "skip"):
        chat.say(answer)
    assert "extension" in chat.say("yes, I'm in China")
    result = chat.say("extension")
    assert "Category" in result and "Points:" in result and "/checklist?" in result
    query = result.split("/checklist?")[1].split()[0]
    assert "nationality" not in query  # skipped answers are not sent
    assert "application_type=extension" in query
