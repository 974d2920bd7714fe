"""The language rule: script first, neutral messages keep the language, explicit asks win."""

import pytest

from nlu.components.language_detection import (
    NEUTRAL,
    TOGGLE,
    UNSUPPORTED,
    detect,
    requested_language,
    resolve,
)


@pytest.mark.parametrize(
    "text",
    [
        "你好",
        "工作许可要什么材料",
        "我想apply work permit",
        "work permit要什么材料",
        "帮我check一下status",
        "转human客服",
        "thanks啦",
        "居留證怎麼辦",
    ],
)
def test_chinese_and_chinese_framed_mixed_messages_are_chinese(text):
    assert detect(text).language == "zh"


@pytest.mark.parametrize(
    "text",
    [
        "how long does a residence permit take",
        "I'm 34",
        "how do I get a 居留证?",
        "I need the 居留许可 please",
        "how to do wrok permitt pls",
        "what is category B",
    ],
)
def test_english_and_english_framed_mixed_messages_are_english(text):
    assert detect(text).language == "en"


@pytest.mark.parametrize(
    "text",
    [
        "ok",
        "OK",
        "5",
        "E12345678",
        "FJ2025000123",
        "Germany",
        "master's",
        "thx",
        "👍",
        "300000",
        "2019-06-01",
        "HSK5",
        "+86 138 0000 0000",
        "yes",
    ],
)
def test_short_neutral_messages_carry_no_language(text):
    detection = detect(text)
    assert detection.language is None
    assert detection.reason == NEUTRAL


@pytest.mark.parametrize(
    "text, foreign",
    [
        ("안녕하세요 취업 허가가 필요해요", "ko"),
        ("こんにちは、ビザについて教えてください", "ja"),
        ("Здравствуйте, мне нужна рабочая виза", "ru"),
        ("Necesito un permiso de trabajo en China", "es"),
        ("Ich brauche eine Arbeitserlaubnis für China", "de"),
        ("مرحبا أحتاج إلى تصريح عمل", "ar"),
    ],
)
def test_unsupported_languages_are_answered_in_english(text, foreign):
    detection = detect(text)
    assert detection.reason == UNSUPPORTED
    assert detection.language == "en"
    assert detection.foreign == foreign


def test_empty_message_has_no_language():
    assert detect("").language is None
    assert detect("   \n").language is None
    assert detect(None).language is None


def test_ten_thousand_characters_are_detected_quickly_and_correctly():
    assert detect("居留许可" * 2500).language == "zh"
    assert detect("work permit please " * 600).language == "en"


def test_detection_is_repeatable():
    text = "Necesito un permiso de trabajo"
    assert {detect(text).foreign for _ in range(5)} == {"es"}


@pytest.mark.parametrize(
    "text, target",
    [
        ("speak English", "en"),
        ("please reply in chinese", "zh"),
        ("请用英文回答", "en"),
        ("说中文", "zh"),
        ("switch from English to Chinese", "zh"),
        ("不要英文，说中文", "zh"),
        ("中文 please", "zh"),
        ("用English回答", "en"),
        ("switch language", None),
        ("换个语言", None),
    ],
)
def test_requested_language(text, target):
    assert requested_language(text) == target


def test_neutral_message_keeps_the_previous_language():
    assert resolve({"language": None, "reason": NEUTRAL}, "zh") == "zh"
    assert resolve({"language": None, "reason": NEUTRAL}, "en") == "en"


def test_first_neutral_message_defaults_to_english():
    assert resolve({"language": None, "reason": NEUTRAL}, None) == "en"
    assert resolve(None, None) == "en"


def test_a_decisive_message_switches_language():
    assert resolve({"language": "zh", "reason": "script"}, "en") == "zh"


def test_toggle_switches_to_the_other_language():
    assert resolve({"language": None, "reason": TOGGLE}, "zh") == "en"
    assert resolve({"language": None, "reason": TOGGLE}, "en") == "zh"
    assert resolve({"language": None, "reason": TOGGLE}, None) == "zh"


def test_unknown_previous_value_is_ignored():
    assert resolve({"language": None, "reason": NEUTRAL}, "fr") == "en"


def test_latin_words_leave_out_numbers_ids_and_chinese():
    from nlu.components.language_detection import latin_words

    assert latin_words("See ya later, E12345678 我 5 times!") == ["see", "ya", "later", "times"]


@pytest.mark.parametrize(
    "text", ["see ya later", "yes, go ahead", "list your functions", "worst government website ever"]
)
def test_casual_english_is_english_once_the_trained_vocabulary_knows_its_words(text):
    from nlu.components.language_detection import ENGLISH_WORDS, latin_words

    vocabulary = ENGLISH_WORDS | set(latin_words(text))
    assert detect(text, vocabulary).language == "en"


def test_inside_a_form_answers_never_switch_the_language_but_requests_do():
    assert resolve({"language": "en", "reason": "words"}, "zh", in_form=True) == "zh"
    assert resolve({"language": "zh", "reason": "script"}, "en", in_form=True) == "en"
    assert resolve({"language": "zh", "reason": "request"}, "en", in_form=True) == "zh"
    assert resolve({"language": None, "reason": TOGGLE}, "zh", in_form=True) == "en"
    assert resolve({"language": "zh", "reason": "script"}, None, in_form=True) == "zh"  # first message
