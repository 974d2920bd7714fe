"""The action server resolves the reply language the same way the Rasa server does."""

from rasa_sdk import Tracker

from actions.language import conversation_language


def tracker(events, latest_language, slot=None):
    return Tracker(
        sender_id="t",
        slots={"language": slot},
        latest_message={"text": "x", "language": latest_language},
        events=events,
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name=None,
    )


def test_latest_chinese_message_wins_even_before_the_slot_is_updated():
    events = [{"event": "slot", "name": "language", "value": "en"}, {"event": "user", "text": "你好"}]
    assert conversation_language(tracker(events, {"language": "zh", "reason": "script"}, "en")) == "zh"


def test_neutral_message_keeps_the_slot_value_before_it():
    events = [{"event": "slot", "name": "language", "value": "zh"}, {"event": "user", "text": "ok"}]
    assert conversation_language(tracker(events, {"language": None, "reason": "neutral"}, "zh")) == "zh"


def test_toggle_uses_the_language_before_the_message():
    events = [
        {"event": "slot", "name": "language", "value": "zh"},
        {"event": "user", "text": "switch"},
        {"event": "slot", "name": "language", "value": "en"},
    ]
    assert conversation_language(tracker(events, {"language": None, "reason": "toggle"}, "en")) == "en"


def test_a_latin_answer_inside_a_form_keeps_a_chinese_conversation_chinese():
    events = [{"event": "slot", "name": "language", "value": "zh"}, {"event": "user", "text": "Anna Maria"}]
    inside = tracker(events, {"language": "en", "reason": "words"}, "zh")
    inside.active_loop = {"name": "application_form"}
    assert conversation_language(inside) == "zh"
    assert conversation_language(tracker(events, {"language": "en", "reason": "words"}, "zh")) == "en"


def test_a_channel_hint_decides_only_a_new_conversation():
    """Telegram's language_code (message metadata `language_hint`) for the first message only."""
    first = [{"event": "user", "text": "/greet", "metadata": {"language_hint": "zh"}}]
    assert conversation_language(tracker(first, None)) == "zh"
    later = [
        *first,
        {"event": "slot", "name": "language", "value": "en"},
        {"event": "user", "text": "ok", "metadata": {"language_hint": "zh"}},
    ]
    assert conversation_language(tracker(later, {"language": None, "reason": "neutral"}, "en")) == "en"


def user(text, language, reason):
    return {
        "event": "user",
        "text": text,
        "parse_data": {"language": {"language": language, "reason": reason}},
    }


def test_an_explicit_choice_holds_until_the_user_chooses_again():
    """ "reply in Chinese please", then English messages: still Chinese (and the reverse)."""
    chosen = [
        user("hello", "en", "words"),
        {"event": "slot", "name": "language", "value": "en"},
        user("reply in Chinese please", "zh", "request"),
        {"event": "slot", "name": "language", "value": "zh"},
        user("how much does the work permit cost?", "en", "words"),
    ]
    assert conversation_language(tracker(chosen, {"language": "en", "reason": "words"}, "zh")) == "zh"
    reverse = [
        user("你好", "zh", "script"),
        {"event": "slot", "name": "language", "value": "zh"},
        user("请用英文回复", "en", "request"),
        {"event": "slot", "name": "language", "value": "en"},
        user("工作许可要多少钱", "zh", "script"),
    ]
    assert conversation_language(tracker(reverse, {"language": "zh", "reason": "script"}, "en")) == "en"
    # choosing again moves it
    again = [*chosen[:-1], user("please answer in English", "en", "request")]
    assert conversation_language(tracker(again, {"language": "en", "reason": "request"}, "zh")) == "en"


def test_without_a_choice_the_other_language_still_switches():
    events = [
        user("hello", "en", "words"),
        {"event": "slot", "name": "language", "value": "en"},
        user("你好", "zh", "script"),
    ]
    assert conversation_language(tracker(events, {"language": "zh", "reason": "script"}, "en")) == "zh"
