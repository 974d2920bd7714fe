"""Text analysis for knowledge-base retrieval: one analyzer for queries and entries.

A text (English, Simplified Chinese or both mixed in one message) becomes two token
streams that feed separate BM25 indexes:

* ``words``: English words (lower-cased, light plural stemming, stop words removed),
  Chinese words (jieba with the domain dictionary, stop words removed) and synonym
  *concept* tokens (``~residence_permit`` for 居留证 / 居留许可 / residence permit / RP
  ...), which bridge wording and language differences;
* ``ngrams``: character bigrams of every Chinese run and boundary-marked character
  trigrams of every English word, which catch typos and text jieba splits differently.

The synonym groups and the extra dictionary words are data (``synonyms.yml``), so policy
staff can extend them without touching code.
"""

from __future__ import annotations

import dataclasses
import functools
import html
import re
import threading
import unicodedata
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Sequence

import jieba
import yaml

from knowledge.reading.normalise import normalise

DEFAULT_SYNONYMS_PATH = Path(__file__).with_name("synonyms.yml")

CONCEPT_PREFIX = "~"

_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK_RUN = re.compile(f"[{_CJK}]+")
_HAS_CJK = re.compile(f"[{_CJK}]")
# Latin words keep inner apostrophes/hyphens out: "what's" -> "what", "s"; "e-visa" -> "e", "visa".
_LATIN_WORD = re.compile(r"[a-z0-9]+")
# A segment is a maximal stretch of CJK characters or of latin words and spaces; punctuation
# and everything else separate segments (synonym phrases never match across them).
_SEGMENT = re.compile(f"[{_CJK}]+|[a-z0-9]+(?:[ '’-]+[a-z0-9]+)*")
_BLOCK_TAGS = re.compile(r"<(script|style)\b[^>]*>.*?(</\1\s*>|$)", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^<>]{0,500}>")

# English function words and question words. Words that carry the *kind* of question
# (how long, how much, who, when) are mapped to concepts in synonyms.yml before this
# list is applied, so dropping them here loses nothing.
STOPWORDS_EN: frozenset[str] = frozenset(
    """
    a about above after again am an and any anyone are as at be been before being below
    between both but by can could did do doe does doing done down during each else
    ever every few for from further get getting got had has have having he her here hers
    herself him himself his how i if in into is it its itself just let like may me might
    mine many more most much must my myself no nor not now of off on once only or other ought our
    ours ourselves out over own please pls plz same shall she should so some someone
    something such than thank thanks that the their theirs them themselves then there
    these they this those through thx to too u under until up ur us very want wanna was
    we were what whats when where which while who whom why will with would ya yes yet you
    your yours yourself yourselves hi hello hey dear sir madam s t d ll m re ve
    """.split()
)

# Chinese particles, pronouns and question scaffolding. Kept short on purpose: words such
# as 多久 or 多少钱 carry meaning and are mapped to concepts instead.
STOPWORDS_ZH: frozenset[str] = frozenset(
    """
    的 了 吗 呢 吧 啊 呀 嘛 哦 哈 么 之 和 与 及 或 或者 还是 是 是否 是不是 有没有 在 有 就 都 也 还
    又 再 很 太 这 那 这个 那个 这些 那些 这样 那样 我 我们 你 你们 您 他 她 他们 她们 它 自己 咱们
    什么 啥 怎么 怎么样 怎样 如何 哪 哪些 哪个 哪里 哪儿 为什么 请问 请 问 一下 想 想要 想问 问一下
    能 能不能 可以 可不可以 会 会不会 应该 要 需要 得 需不需要 吗? 麻烦 谢谢 你好 您好 嗯 呃 就是 然后
    把 被 给 让 对 对于 关于 从 向 到 去 来 上 下 中 里 个 些 一 一个 一些 下来 起来 一般 现在
    如果 的话 那么 所以 因为 但是 可是 而且 并且 以及 等 等等 吧 呗 咋 咋办 怎么办 办 好 ?
    """.split()
)


@dataclass(frozen=True)
class Analysis:
    """Tokens of one text for the word index and for the character n-gram index."""

    words: list[str]
    ngrams: list[str]
    # Pairs of concepts found together (~fee+work_permit): what the question is about *and*
    # what it asks, which tells sibling entries apart (work permit fee vs residence permit fee).
    pairs: list[str] = dataclasses.field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.words and not self.ngrams


def normalize(text: str) -> str:
    """Fold width and case, drop HTML markup and script bodies, collapse whitespace."""
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", str(text))
    if "<" in text:
        text = _BLOCK_TAGS.sub(" ", text)
        text = _TAG.sub(" ", text)
    if "&" in text:
        text = html.unescape(text)
        if "<" in text:  # entity-escaped markup: &lt;script&gt;...
            text = _TAG.sub(" ", _BLOCK_TAGS.sub(" ", text))
    return normalise(text, collapse=True)


def stem_en(word: str) -> str:
    """Light English stemming: plural and -ied forms only (Harman's S-stemmer, extended).

    Deliberately conservative: permits -> permit, policies -> policy, taxes -> tax,
    fees -> fee, applied -> apply; status, process and visa stay as they are. Other
    inflections are left alone: over-stemming hurts short questions more than it helps.
    """
    if len(word) <= 3 or not word.isalpha():
        return word
    if word.endswith(("ies", "ied")) and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("sses", "xes", "ches", "shes", "zes")):
        return word[:-2]
    if word.endswith(("ss", "us", "is")):
        return word
    if word.endswith("s"):
        return word[:-1]
    return word


class SynonymTable:
    """Synonym groups: any surface form of a group adds the group's concept token.

    Chinese forms (anything containing a CJK character) match as substrings of the
    normalized text, English forms match whole stemmed-word sequences; the longest form
    wins where forms overlap (工作许可通知 is the notification letter, not 工作许可).
    """

    def __init__(self, groups: dict[str, list[str]], dictionary: Sequence[str] = ()) -> None:
        self.groups = {name: list(forms) for name, forms in groups.items()}
        self.dictionary = list(dictionary)
        self._zh: list[tuple[str, str]] = []
        self._en: dict[tuple[str, ...], str] = {}
        for name, forms in self.groups.items():
            for form in forms:
                norm = normalize(form)
                if not norm:
                    continue
                if _HAS_CJK.search(norm):
                    self._zh.append((norm, name))
                else:
                    key = tuple(stem_en(w) for w in _LATIN_WORD.findall(norm))
                    if key:
                        self._en.setdefault(key, name)
        self._zh.sort(key=lambda item: -len(item[0]))
        self._zh_pattern = re.compile("|".join(re.escape(form) for form, _ in self._zh)) if self._zh else None
        self._zh_lookup = {form: name for form, name in reversed(self._zh)}
        self._en_max = max((len(key) for key in self._en), default=0)

    @classmethod
    def load(cls, path: str | Path | None = None) -> SynonymTable:
        """Read ``groups:`` (name -> list of forms) and ``dictionary:`` from a YAML file."""
        path = Path(path) if path is not None else DEFAULT_SYNONYMS_PATH
        with open(path, encoding="utf-8") as handle:
            data = yaml.safe_load(handle) or {}
        if not isinstance(data, dict):
            raise ValueError(f"{path}: expected a mapping with 'groups' and 'dictionary'")
        groups = data.get("groups") or {}
        if not isinstance(groups, dict) or not all(isinstance(v, list) for v in groups.values()):
            raise ValueError(f"{path}: 'groups' must map a concept name to a list of forms")
        dictionary = data.get("dictionary") or []
        return cls({str(k): [str(f) for f in v] for k, v in groups.items()}, [str(w) for w in dictionary])

    def chinese_forms(self) -> list[str]:
        return [form for form, _ in self._zh]

    def zh_concepts(self, text: str) -> list[str]:
        """Concepts whose Chinese form occurs in ``text`` (longest, leftmost, no overlap)."""
        if self._zh_pattern is None:
            return []
        return [self._zh_lookup[m.group(0)] for m in self._zh_pattern.finditer(text)]

    def en_concepts(self, stems: Sequence[str]) -> list[str]:
        """Concepts whose English form matches a run of ``stems`` (longest match first)."""
        found: list[str] = []
        i = 0
        while i < len(stems):
            for size in range(min(self._en_max, len(stems) - i), 0, -1):
                name = self._en.get(tuple(stems[i : i + size]))
                if name is not None:
                    found.append(name)
                    i += size
                    break
            else:
                i += 1
        return found


def edit_distance(a: str, b: str, limit: int) -> int:
    """Optimal-string-alignment distance (insert, delete, substitute, swap two neighbours)
    of ``a`` and ``b``; any value above ``limit`` is returned as ``limit + 1``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                value = min(value, previous2[j - 2] + 1)
            current[j] = value
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return min(previous[-1], limit + 1)


def _deletes(word: str, depth: int) -> set[str]:
    """Every string made by deleting up to ``depth`` characters of ``word`` (word included)."""
    found = {word}
    frontier = {word}
    for _ in range(depth):
        frontier = {w[:i] + w[i + 1 :] for w in frontier for i in range(len(w))}
        found |= frontier
    return found


class TypoCorrector:
    """Maps an English word that no entry contains to the nearest word that one does.

    A symmetric-delete index (SymSpell): a word and every vocabulary word within edit
    distance ``d`` share a string made by deleting at most ``d`` characters from each, so a
    lookup costs a few dictionary probes plus an exact distance check of the few candidates
    found, and each unseen word is corrected once (LRU cache). Allowed distance: 1 from
    ``MIN_LENGTH`` characters, 2 from ``MIN_LENGTH_TWO_EDITS``, and the first letter must
    stay; shorter words, numbers and vocabulary words are left alone. Ties go to the word
    more entries use. Without an English word list a real word an entry happens not to use
    looks like a typo (bank -> back, firm -> form, west -> test): on the paraphrase sets
    short words and a changed first letter were nearly all such false corrections."""

    MIN_LENGTH = 6
    MIN_LENGTH_TWO_EDITS = 9
    CACHE_SIZE = 4096

    def __init__(self, vocabulary: Counter[str] | dict[str, int]) -> None:
        self.frequency = {w: int(n) for w, n in vocabulary.items() if w}
        # a plural of a known word is known too ("policies" is not a typo of "police")
        self._known = set(self.frequency) | {stem_en(w) for w in self.frequency}
        self._index: dict[str, list[str]] | None = None  # built on the first unseen word
        self._lock = threading.Lock()
        self.correct: Callable[[str], str] = functools.lru_cache(maxsize=self.CACHE_SIZE)(self._correct)

    def _max_edits(self, word: str) -> int:
        if len(word) >= self.MIN_LENGTH_TWO_EDITS:
            return 2
        return 1 if len(word) >= self.MIN_LENGTH else 0

    def _build(self) -> dict[str, list[str]]:
        with self._lock:
            if self._index is None:
                index: dict[str, list[str]] = {}
                for word in self.frequency:
                    if word.isalpha():
                        for key in _deletes(word, self._max_edits(word)):
                            index.setdefault(key, []).append(word)
                self._index = index
            return self._index

    def _correct(self, word: str) -> str:
        edits = self._max_edits(word)
        if not edits or not word.isalpha() or word in self._known or stem_en(word) in self._known:
            return word
        index = self._build()
        candidates = {c for key in _deletes(word, edits) for c in index.get(key, ())}
        best: tuple[int, int, str] | None = None
        for candidate in candidates:
            distance = edit_distance(word, candidate, edits)
            if candidate[0] == word[0] and distance <= min(edits, self._max_edits(candidate)):
                key = (distance, -self.frequency[candidate], candidate)
                if best is None or key < best:
                    best = key
        return best[2] if best else word


_JIEBA_LOCK = threading.Lock()
_JIEBA_CACHE: dict[tuple[str, ...], jieba.Tokenizer] = {}


def _jieba_tokenizer(words: Iterable[str]) -> jieba.Tokenizer:
    """A private jieba tokenizer with the domain words (the global one is left untouched,
    so Rasa's own JiebaTokenizer in the same process is not affected). Cached per word set."""
    key = tuple(sorted(set(w for w in words if w)))
    with _JIEBA_LOCK:
        tokenizer = _JIEBA_CACHE.get(key)
        if tokenizer is None:
            tokenizer = jieba.Tokenizer()
            tokenizer.initialize()
            for word in key:
                tokenizer.add_word(word)
            _JIEBA_CACHE[key] = tokenizer
        return tokenizer


class Analyzer:
    """Turns text into :class:`Analysis` tokens; the same analyzer serves index and query."""

    def __init__(self, synonyms: SynonymTable | None = None, search_mode: bool = False) -> None:
        self.synonyms = synonyms if synonyms is not None else SynonymTable.load()
        # search mode also emits the shorter words inside long ones (工作许可通知 -> 工作, 许可,
        # 通知, 工作许可, 工作许可通知), so differently segmented texts still share words.
        self.search_mode = search_mode
        self.ngram_content_only = True
        self.cjk_unigrams = True
        # Set by the retriever from its entries' words (``set_vocabulary``); ``analyze(...,
        # correct=True)`` then maps unseen English words to their nearest entry word.
        self.corrector: TypoCorrector | None = None
        dictionary = [normalize(w) for w in [*self.synonyms.dictionary, *self.synonyms.chinese_forms()]]
        self._jieba = _jieba_tokenizer(w for w in dictionary if _HAS_CJK.search(w))

    def segment_zh(self, text: str) -> list[str]:
        """jieba words of a Chinese run, domain dictionary applied, stop words kept."""
        if self.search_mode:
            return [w for w in self._jieba.lcut_for_search(text, HMM=True) if w.strip()]
        return [w for w in self._jieba.lcut(text, HMM=True) if w.strip()]

    def latin_words(self, text: str) -> list[str]:
        """The English words of ``text`` as ``analyze`` sees them (before stemming)."""
        return _LATIN_WORD.findall(normalize(text))

    def set_vocabulary(self, frequency: Counter[str] | dict[str, int]) -> None:
        """The English words entries use (word -> number of entries): what typos in a query
        are corrected to. Synonym forms are not part of it on purpose: a misspelt form listed
        there ("residense") is corrected like any other typo, and a form no entry word is
        close to ("shebao") stays as it is, so its concept is still found."""
        self.corrector = TypoCorrector(frequency)

    def analyze(self, text: str, correct: bool = False) -> Analysis:
        """Tokens of ``text``; ``correct`` (queries only) fixes typos in English words first."""
        text = normalize(text)
        if not text:
            return Analysis([], [], [])
        words: list[str] = []
        ngrams: list[str] = []
        concepts: list[str] = self.synonyms.zh_concepts(text)
        for segment in _SEGMENT.findall(text):
            if _HAS_CJK.match(segment):
                kept = [w for w in self.segment_zh(segment) if w not in STOPWORDS_ZH]
                words.extend(kept)
                # character bigrams of what is left once stop words are dropped
                content = "".join(kept) if self.ngram_content_only else segment
                ngrams.extend(content[i : i + 2] for i in range(len(content) - 1))
                if self.cjk_unigrams or len(content) == 1:
                    ngrams.extend(content)
            else:
                raw = _LATIN_WORD.findall(segment)
                if correct and self.corrector is not None:
                    raw = [w if w in STOPWORDS_EN else self.corrector.correct(w) for w in raw]
                stems = [stem_en(w) for w in raw]
                concepts.extend(self.synonyms.en_concepts(stems))
                for word, stem in zip(raw, stems, strict=True):
                    if word in STOPWORDS_EN:
                        continue
                    words.append(stem)
                    marked = f"#{word}#"
                    ngrams.extend(marked[i : i + 3] for i in range(len(marked) - 2))
        words.extend(CONCEPT_PREFIX + name for name in concepts)
        unique = sorted(set(concepts))
        pairs = [f"{CONCEPT_PREFIX}{a}+{b}" for i, a in enumerate(unique) for b in unique[i + 1 :]]
        return Analysis(words, ngrams, pairs)
