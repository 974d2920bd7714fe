"""Chinese is segmented, English is not mangled, mixed text has no whitespace tokens."""

from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from nlu.components.bilingual_tokenizer import EMPTY_TOKEN, BilingualTokenizer, split_tokens


def tokens(text):
    tokenizer = BilingualTokenizer(BilingualTokenizer.get_default_config())
    return [t.text for t in tokenizer.tokenize(Message(data={TEXT: text}), TEXT)]


def test_chinese_is_segmented_into_words_with_service_terms_kept_whole():
    assert tokens("工作许可延期要提前多久申请") == ["工作许可", "延期", "要", "提前", "多久", "申请"]
    assert "居留证" in tokens("居留证多久能办好")
    assert "电子社保卡" in tokens("怎么申领电子社保卡")


def test_english_words_ids_and_contractions_stay_whole():
    assert tokens("What's my master's E12345678 status? FJ2026000123") == [
        "What's",
        "my",
        "master's",
        "E12345678",
        "status",
        "FJ2026000123",
    ]


def test_mixed_text_has_no_whitespace_tokens():
    result = tokens("帮我check一下status 谢谢")
    assert result == ["帮", "我", "check", "一下", "status", "谢谢"]
    assert all(t.strip() for t in tokens("我想 apply  work permit ， 谢谢"))


def test_token_offsets_point_into_the_text():
    text = "我想apply work permit"
    for word, start in split_tokens(text):
        assert text[start : start + len(word)] == word


def test_messages_without_words_still_get_one_token():
    assert tokens("👍👍") == ["👍👍"]
    assert tokens("") == [EMPTY_TOKEN]
    assert tokens("   ") == [EMPTY_TOKEN]
