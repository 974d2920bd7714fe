"""The reply language over Rasa's REST channel, end to end with the trained model."""

import json
import urllib.error

import pytest
import regex

pytestmark = pytest.mark.integration

HAN = regex.compile(r"\p{Han}")
LATIN_WORD = regex.compile(r"[A-Za-z]{3,}")


def is_chinese(text: str) -> bool:
    return len(HAN.findall(text)) > len(LATIN_WORD.findall(text))


def is_english(text: str) -> bool:
    return not HAN.search(text) and len(LATIN_WORD.findall(text)) >= 3


def test_first_message_in_chinese_gets_chinese(conversation):
    assert is_chinese(conversation.say("你好"))


def test_first_message_in_english_gets_english(conversation):
    assert is_english(conversation.say("hello, what can you do?"))


def test_greeting_offers_the_menu_as_quick_replies(conversation):
    buttons = [b["payload"] for r in conversation.send("hi") for b in r.get("buttons", [])]
    assert buttons == [
        "/ask_policy",
        "/check_eligibility",
        "/start_application",
        "/check_status",
        "/request_human",
    ]


def test_mixed_chinese_framed_message_gets_chinese(conversation):
    # Rasa alone (no action server): a request answered by a response, not by an action.
    assert is_chinese(conversation.say("我想找human客服"))


@pytest.mark.parametrize("neutral", ["ok", "5", "E12345678", "FJ2025000123", "👍"])
def test_neutral_messages_keep_chinese(conversation, neutral):
    conversation.say("你好")
    assert is_chinese(conversation.say(neutral))
    assert is_chinese(conversation.say("ok"))


def test_neutral_messages_keep_english(conversation):
    conversation.say("hello there")
    assert is_english(conversation.say("5"))
    assert is_english(conversation.say("E12345678"))


def test_explicit_request_written_in_chinese_switches_to_english_and_sticks(conversation):
    conversation.say("你好")
    assert is_english(conversation.say("请用英文回答"))
    assert is_english(conversation.say("ok"))


def test_explicit_request_switches_to_chinese_and_sticks(conversation):
    conversation.say("hello")
    assert is_chinese(conversation.say("please reply in Chinese"))
    assert is_chinese(conversation.say("FJ2025000123"))


def test_an_explicit_choice_holds_when_the_user_writes_in_the_other_language(conversation):
    """Issue 12: "reply in Chinese please" is a promise; the next English message is answered in Chinese."""
    conversation.say("hello")
    assert is_chinese(conversation.say("reply in Chinese please"))
    assert is_chinese(conversation.say("hello, are you a bot?"))
    assert is_chinese(conversation.say("thanks"))


def test_an_explicit_choice_of_english_holds_for_chinese_messages(conversation):
    conversation.say("你好")
    assert is_english(conversation.say("请用英文回复"))
    assert is_english(conversation.say("你是机器人吗？"))


def test_switch_language_without_a_target_toggles(conversation):
    conversation.say("hello")
    assert is_chinese(conversation.say("switch language"))


def test_writing_in_the_other_language_switches_back(conversation):
    conversation.say("你好")
    assert is_english(conversation.say("hello, are you a bot?"))
    assert is_chinese(conversation.say("你能做什么"))


@pytest.mark.parametrize(
    "text",
    [
        "Necesito un permiso de trabajo en China",
        "안녕하세요, 비자 문의드립니다",
        "Здравствуйте, мне нужна рабочая виза",
    ],
)
def test_unsupported_language_gets_english_with_a_note_in_both(conversation, text):
    conversation.say("你好")
    reply = conversation.say(text)
    assert "English or Simplified Chinese" in reply
    assert "简体中文" in reply
    assert reply.index("Sorry") < reply.index("抱歉")  # English first


@pytest.mark.parametrize("bad", ["", "   ", "🙂🙂🙂", "\x00\x01\ufffd\x7f", "#$%^&*"])
def test_unreadable_messages_get_a_rephrase_request_in_the_conversation_language(conversation, bad):
    conversation.say("你好")
    reply = conversation.say(bad)
    assert is_chinese(reply)
    assert "换一种说法" in reply


def test_ten_thousand_characters_get_a_clear_answer(conversation):
    conversation.say("hello")
    reply = conversation.say("work permit " * 834)
    assert is_english(reply)
    assert "another way" in reply


def test_missing_message_field_is_answered_not_dropped(conversation):
    """A body without a text message is bad input (issue #17): a 400 that says what to send,
    in the client's language; the conversation itself goes on."""
    conversation.say("hello")
    for headers, expected in (({}, '"message" must be text'), ({"Accept-Language": "zh-CN"}, "必须是文本")):
        with pytest.raises(urllib.error.HTTPError) as refused:
            conversation.send(None, raw=json.dumps({"sender": conversation.sender}).encode(), headers=headers)
        assert refused.value.code == 400
        body = json.loads(refused.value.read())
        assert body["error"] == "bad_message" and expected in body["message"]
    assert is_english(conversation.say("how long does the work permit take?"))


def test_second_misunderstanding_offers_a_human(conversation):
    conversation.say("hello")
    assert "another way" in conversation.say("🙂")
    reply = conversation.send("🙂🙂")
    assert "staff" in reply[0]["text"]
    assert "/request_human" in [b["payload"] for b in reply[0]["buttons"]]


def test_bot_is_honest_about_being_automated(conversation):
    assert "automated assistant" in conversation.say("are you a real person?")
    assert "智能助手" in conversation.say("你是机器人吗")
