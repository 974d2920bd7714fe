"""One tokenizer for Chinese, English and both in one message.

Han runs go through jieba (with the service's terms added); Latin words, numbers and IDs
stay whole. Unlike Rasa's JiebaTokenizer it emits no whitespace tokens for mixed text,
and unlike WhitespaceTokenizer it does segment Chinese.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List

import jieba
import regex
from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.tokenizers.tokenizer import Token, Tokenizer
from rasa.shared.nlu.constants import ACTION_NAME, ACTION_TEXT, INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message

LEXICON = Path(__file__).resolve().parent.parent / "lexicon" / "zh_terms.txt"
_WORD_CHAR = r"(?:(?!\p{Han})[\p{L}\p{N}])"
_RUNS = regex.compile(
    rf"(?P<han>\p{{Han}}+)|(?P<word>{_WORD_CHAR}(?:{_WORD_CHAR}|_|['’.@+\-](?={_WORD_CHAR}))*)"
)
_jieba_ready = False
EMPTY_TOKEN = "__empty__"


def _init_jieba(lexicon: Path) -> None:
    global _jieba_ready
    if _jieba_ready:
        return
    jieba.setLogLevel(60)  # jieba prints its cache path on every start otherwise
    jieba.initialize()
    if lexicon.exists():
        jieba.load_userdict(str(lexicon))
    _jieba_ready = True


def split_tokens(text: str) -> List[tuple]:
    """(word, start) pairs for a mixed Chinese/English text."""
    out: List[tuple] = []
    for m in _RUNS.finditer(text):
        if m.lastgroup == "han":
            base = m.start()
            for word, start, _end in jieba.tokenize(m.group()):
                if word.strip():
                    out.append((word, base + start))
        else:
            out.append((m.group(), m.start()))
    return out


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False)
class BilingualTokenizer(Tokenizer):
    """Segments Chinese with jieba and keeps Latin words, numbers and IDs whole."""

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        return {
            "intent_tokenization_flag": False,
            "intent_split_symbol": "_",
            "token_pattern": None,
            "prefix_separator_symbol": None,
            "lexicon": None,
        }

    @staticmethod
    def supported_languages() -> List[str] | None:
        return None

    def __init__(self, config: Dict[str, Any]) -> None:
        super().__init__(config)
        _init_jieba(Path(config["lexicon"]) if config.get("lexicon") else LEXICON)

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> BilingualTokenizer:
        return cls(config)

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            # A channel request without text (e.g. a REST body with no "message") is a
            # user message all the same: treat it as empty so it gets an answer.
            if not any(message.get(a) is not None for a in (TEXT, INTENT, ACTION_NAME, ACTION_TEXT)):
                message.set(TEXT, "")
        return super().process(messages)

    def tokenize(self, message: Message, attribute: str) -> List[Token]:
        text = message.get(attribute) or ""
        tokens = [Token(word, start) for word, start in split_tokens(text)]
        if not tokens:
            # Emoji, symbols or nothing at all: one token keeps the featurizers and the
            # classifier working (they fail on a message without features); the
            # LanguageDetector then routes the message to the fallback.
            tokens = [Token(text.strip() or EMPTY_TOKEN, 0)]
        return self._apply_token_pattern(tokens)
