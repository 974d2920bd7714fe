"""Knowledge-base retrieval for ask_policy: BM25 (bm25s) over bilingual FAQ entries.

How it works
------------
Every entry is analysed once (``knowledge.text.Analyzer``): its English and Chinese
example questions and, separately, its answers. Four BM25 indexes are built with bm25s:

* ``questions``:     words, synonym concepts and concept pairs of all example questions
                     (both languages) as one document per entry;
* ``best_question``: the same tokens, one document per example question; an entry scores
                     as its best-matching question;
* ``ngrams``:        character n-grams of the questions (typos, odd segmentation);
* ``answers``:       words and concepts of both answers (extra evidence, lower weight).

bm25s does all ranking. A query's scores in each index are divided by the best score any
document could reach for that query (the sum over its terms of the term's highest
per-document BM25 weight), which puts the indexes on one 0..1 scale; the final score is
their weighted mean. ``confidence`` is a logistic calibration (``calibration.yml``, fitted
by ``python -m knowledge.calibration`` on leave-one-out queries built from the entries'
own questions) of: the score and its margin over the runner-up, the best single-question
score and its margin, how much of the query's information (IDF-weighted) the entry covers,
and how much of it no entry contains.

``decide()`` makes the one three-way decision every caller uses (the backend's answer API,
the bot through it, the benchmark): *answer* the best entry directly (with up to two
related entries under it), *ambiguous* (two entries close in score: "did you mean"), or
*no match* (off-topic). Its thresholds (``threshold``, ``ambiguity_margin``,
``no_match_threshold`` in ``calibration.yml``) are chosen by ``knowledge.calibration`` on
the blind calibration half (tests/data/faq_blind_calibration.yml) and the older paraphrase
set, then frozen; the blind evaluation half is only measured (``benchmarks/retrieval_bench.py``).

Live edits: ``upsert``/``remove`` re-analyse only the changed entry and rebuild the three
indexes from cached tokens (about 0.4 s for 1,000 entries); searches running meanwhile see
the old or the new index, never a half-built one.
"""

from __future__ import annotations

import datetime as _dt
import logging
import math
import threading
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Sequence

# bm25s uses jax for its top-k when it can import it: every entry point calls
# startup.prepare() first, which blocks jax (numpy then, at no cost on a small index).
import bm25s
import numpy as np
import yaml

from knowledge.text import Analysis, Analyzer, SynonymTable, normalize

__all__ = [
    "Calibration",
    "Decision",
    "Document",
    "Hit",
    "Retriever",
    "RetrieverConfig",
    "load_documents",
]

log = logging.getLogger(__name__)

DEFAULT_FAQ_PATH = Path(__file__).with_name("faq")
DEFAULT_CALIBRATION_PATH = Path(__file__).with_name("calibration.yml")
LANGUAGES = ("en", "zh")


@dataclass(frozen=True)
class Document:
    """One knowledge-base entry as the retriever sees it."""

    id: str
    topic: str = ""
    questions_en: Sequence[str] = ()
    questions_zh: Sequence[str] = ()
    answer_en: str = ""
    answer_zh: str = ""
    source: str = ""
    checked: str = ""
    uncertain: bool = False


@dataclass(frozen=True)
class Hit:
    """A ranked entry: ``score`` is the combined normalised BM25 score (0..1),
    ``confidence`` the calibrated probability (0..1) that this entry answers the query.
    ``raw_confidence`` is the same before the gates that forbid a direct answer (too long,
    too little of the question's words in the entry): it tells "did you mean" from "no match"."""

    id: str
    score: float
    confidence: float
    raw_confidence: float | None = None

    @property
    def plausibility(self) -> float:
        return self.confidence if self.raw_confidence is None else max(self.confidence, self.raw_confidence)


@dataclass(frozen=True)
class Calibration:
    """Logistic calibration: confidence = sigmoid(bias + Σ weight·feature).

    Features, in order (see ``Retriever._score``): combined score, its margin over the
    runner-up, word coverage, n-gram coverage, best single-question score, its margin, the
    share of the query's (idf-weighted) words that no entry contains, and the gate coverage
    (``Retriever._gate_coverage``). A file with fewer weights (older) ignores the last
    features."""

    weights: tuple[float, ...] = (0.0, 6.0, 6.0, 0.0, 0.0, 0.0, -4.0, 0.0)
    bias: float = -3.0
    # Answer directly when the top hit's confidence reaches `threshold` and its score leads
    # the runner-up's by at least `ambiguity_margin` (relative: (s1 - s2) / s1) ...
    threshold: float = 0.5
    ambiguity_margin: float = 0.0
    # ... and say "no match" (not "did you mean") when even its ungated confidence
    # (`Hit.raw_confidence`) stays below `no_match_threshold`.
    no_match_threshold: float = 0.01
    # Least share of the question's words (idf-weighted) the entry must contain for a direct
    # answer (see ``Retriever._gate_coverage``); chosen with the thresholds.
    min_word_coverage: float = 0.5

    @classmethod
    def load(cls, path: str | Path | None = None) -> Calibration:
        path = Path(path) if path is not None else DEFAULT_CALIBRATION_PATH
        if not path.exists():
            log.warning("no calibration file at %s, using built-in defaults", path)
            return cls()
        with open(path, encoding="utf-8") as handle:
            data = yaml.safe_load(handle) or {}
        default = cls()
        return cls(
            weights=tuple(float(w) for w in data["weights"]),
            bias=float(data["bias"]),
            threshold=float(data["threshold"]),
            ambiguity_margin=float(data.get("ambiguity_margin", default.ambiguity_margin)),
            no_match_threshold=float(data.get("no_match_threshold", default.no_match_threshold)),
            min_word_coverage=float(data.get("min_word_coverage", default.min_word_coverage)),
        )

    def decide(self, hits: Sequence[Hit], same_subject: bool = False) -> str:
        """ANSWER, AMBIGUOUS or NO_MATCH for hits ranked best first (see `Retriever.decide`).
        `same_subject`: the first two hits are about the same topic; when both are likely right
        (SAME_SUBJECT_CONFIDENCE) they are not "close entries about different things", so the
        best is answered and the other is offered under it as a related question."""
        if not hits or hits[0].plausibility < self.no_match_threshold:
            return NO_MATCH
        top = hits[0]
        if top.confidence < self.threshold:
            return AMBIGUOUS
        runner_up = hits[1].score if len(hits) > 1 else 0.0
        lead = (top.score - runner_up) / top.score if top.score > 0 else 0.0
        if lead >= self.ambiguity_margin:
            return ANSWER
        if same_subject and min(top.confidence, hits[1].confidence) >= SAME_SUBJECT_CONFIDENCE:
            return ANSWER
        return AMBIGUOUS

    def confidence(self, features: np.ndarray) -> np.ndarray:
        weights = np.asarray(self.weights, dtype=np.float64)
        z = self.bias + features[..., : weights.size] @ weights
        return 1.0 / (1.0 + np.exp(-np.clip(z, -50, 50)))


ANSWER, AMBIGUOUS, NO_MATCH = "answer", "ambiguous", "no_match"
# Two close hits of one topic that are both at least this likely right are answered, not asked
# back (chosen on the blind calibration half and the older set: right answers up, confident
# wrong still at most 0.016 there; never on the evaluation half).
SAME_SUBJECT_CONFIDENCE = 0.2
# A next candidate is offered under a direct answer as a "related question" only when its
# score is at least this share of the best one (far-off entries are noise, not help).
RELATED_MIN_SCORE_RATIO = 0.5
MAX_RELATED = 2


@dataclass(frozen=True)
class Decision:
    """What to do with a question: ``kind`` is ANSWER (``best`` directly, ``related``
    under it), AMBIGUOUS ("did you mean" with ``candidates``) or NO_MATCH."""

    kind: str
    hits: tuple[Hit, ...] = ()

    @property
    def best(self) -> Hit | None:
        return self.hits[0] if self.kind == ANSWER and self.hits else None

    @property
    def related(self) -> tuple[Hit, ...]:
        if self.kind != ANSWER:
            return ()
        floor = self.hits[0].score * RELATED_MIN_SCORE_RATIO
        return tuple(h for h in self.hits[1:] if h.score >= floor)[:MAX_RELATED]

    @property
    def candidates(self) -> tuple[Hit, ...]:
        return self.hits if self.kind == AMBIGUOUS else ()


# Index of the word-coverage feature in the calibration features (see `_score`).
WORD_COVERAGE = 2


@dataclass(frozen=True)
class RetrieverConfig:
    """Ranking knobs. Compared on leave-one-out queries from the entries' own questions
    (``knowledge.calibration``); the weights were not fitted to the paraphrase set."""

    k1: float = 1.2
    b: float = 0.75
    weight_questions: float = 1.0
    weight_best_question: float = 1.0
    weight_ngrams: float = 0.7
    weight_answers: float = 0.3
    chinese_search_mode: bool = False
    concept_pairs: bool = True
    # What the answer gate counts: "pairs" (words and concept pairs, in the questions),
    # "words" (no pairs), "answers" (no pairs, in the questions or the answers).
    gate: str = "answers"
    # Map English query words no entry contains to the nearest entry word (edit distance).
    correct_typos: bool = True
    # A message longer than this is not one question: rank it, but never answer it directly.
    max_query_chars: int = 300
    # Text beyond this is ignored altogether (10,000-character pastes stay fast).
    hard_query_chars: int = 2000

    def weights(self) -> dict[str, float]:
        return {
            "questions": self.weight_questions,
            "best_question": self.weight_best_question,
            "ngrams": self.weight_ngrams,
            "answers": self.weight_answers,
        }


@dataclass
class _FieldIndex:
    """One bm25s index plus the per-term statistics used to normalise and to measure coverage."""

    bm25: bm25s.BM25
    vocab: dict[str, int]
    col_max: np.ndarray  # highest BM25 weight of each term over all documents
    idf: np.ndarray  # idf of each term (lucene formula, df taken from the index)
    idf_unseen: float  # idf of a term no document contains
    doc_terms: list[frozenset[int]]
    # For an index of single questions: row offsets of each entry's questions (entry i owns
    # rows starts[i]:starts[i+1]); an entry's score is the best of its questions' scores.
    starts: np.ndarray | None = None

    @classmethod
    def build(
        cls, corpus: list[list[str]], config: RetrieverConfig, counts: list[int] | None = None
    ) -> _FieldIndex | None:
        if not any(corpus):
            return None
        bm25 = bm25s.BM25(k1=config.k1, b=config.b, method="lucene")
        bm25.index(corpus, show_progress=False)
        scores = bm25.scores
        indptr = np.asarray(scores["indptr"])
        data = np.asarray(scores["data"], dtype=np.float64)
        n_terms = len(indptr) - 1
        col_max = np.zeros(n_terms, dtype=np.float64)
        nonempty = indptr[1:] > indptr[:-1]
        if data.size:
            col_max[nonempty] = np.maximum.reduceat(data, indptr[:-1][nonempty])
        df = np.diff(indptr).astype(np.float64)
        n_docs = float(len(corpus))
        idf = np.log1p((n_docs - df + 0.5) / (df + 0.5))
        vocab = dict(bm25.vocab_dict)
        doc_terms = [frozenset(vocab[t] for t in doc if t in vocab) for doc in corpus]
        starts = None if counts is None else np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        return cls(bm25, vocab, col_max, idf, float(math.log1p((n_docs + 0.5) / 0.5)), doc_terms, starts)

    @property
    def n_entries(self) -> int:
        return len(self.doc_terms) if self.starts is None else len(self.starts) - 1

    def query(self, tokens: Sequence[str]) -> tuple[np.ndarray, float, list[int], int]:
        """Normalised scores of every document, the query's total idf, its known term ids
        and the number of its terms no document contains."""
        unique = list(dict.fromkeys(tokens))
        ids = [self.vocab[t] for t in unique if t in self.vocab and t != ""]
        unseen = len(unique) - len(ids)
        if not ids:
            return np.zeros(self.n_entries), unseen * self.idf_unseen, ids, unseen
        raw = self.bm25.get_scores_from_ids(ids).astype(np.float64)
        bound = float(self.col_max[ids].sum())
        total_idf = float(self.idf[ids].sum()) + unseen * self.idf_unseen
        norm = raw / bound if bound > 0 else raw * 0.0
        if self.starts is not None:
            norm = self._best_per_entry(norm)
        return norm, total_idf, ids, unseen

    def _best_per_entry(self, rows: np.ndarray) -> np.ndarray:
        starts = self.starts
        assert starts is not None  # query() calls this only for a field built with starts
        best = np.zeros(len(starts) - 1)
        nonempty = starts[1:] > starts[:-1]
        if rows.size and nonempty.any():
            best[nonempty] = np.maximum.reduceat(rows, starts[:-1][nonempty])
        return best

    def coverage(self, doc: int, ids: list[int], total_idf: float) -> float:
        if total_idf <= 0:
            return 0.0
        terms = self.doc_terms[doc]
        return float(sum(self.idf[i] for i in ids if i in terms)) / total_idf


@dataclass
class _State:
    ids: list[str]
    fields: dict[str, _FieldIndex | None]


class Retriever:
    """Bilingual FAQ retriever. Thread-safe: searches never block on (or see half of) an
    index rebuild triggered by ``index``/``upsert``/``remove``."""

    FIELDS = ("questions", "best_question", "ngrams", "answers")

    def __init__(
        self,
        synonyms_path: str | Path | None = None,
        config: RetrieverConfig | None = None,
        calibration: Calibration | str | Path | None = None,
    ) -> None:
        self.config = config or RetrieverConfig()
        self.analyzer = Analyzer(SynonymTable.load(synonyms_path), self.config.chinese_search_mode)
        if isinstance(calibration, Calibration):
            self.calibration = calibration
        else:
            self.calibration = Calibration.load(calibration)
        self._docs: dict[str, Document] = {}
        self._tokens: dict[str, dict[str, list]] = {}
        self._state = _State([], {name: None for name in self.FIELDS})
        self._write_lock = threading.Lock()

    # ------------------------------------------------------------------ indexing
    def index(self, documents: Iterable[Document]) -> None:
        """Replace the whole index with ``documents`` (ids must be unique)."""
        docs: dict[str, Document] = {}
        for doc in documents:
            _check_document(doc)
            if doc.id in docs:
                raise ValueError(f"duplicate entry id {doc.id!r}")
            docs[doc.id] = doc
        tokens = {doc_id: self._analyze_document(doc) for doc_id, doc in docs.items()}
        with self._write_lock:
            self._docs, self._tokens = docs, tokens
            self._rebuild()

    def upsert(self, doc: Document) -> None:
        """Add an entry or replace the entry with the same id; effective for the next search."""
        _check_document(doc)
        tokens = self._analyze_document(doc)
        with self._write_lock:
            self._docs = {**self._docs, doc.id: doc}
            self._tokens = {**self._tokens, doc.id: tokens}
            self._rebuild()

    def remove(self, doc_id: str) -> bool:
        """Remove an entry; returns False when no entry has that id."""
        with self._write_lock:
            if doc_id not in self._docs:
                return False
            self._docs = {k: v for k, v in self._docs.items() if k != doc_id}
            self._tokens = {k: v for k, v in self._tokens.items() if k != doc_id}
            self._rebuild()
            return True

    def __len__(self) -> int:
        return len(self._state.ids)

    def __contains__(self, doc_id: object) -> bool:
        return doc_id in self._docs

    def get(self, doc_id: str) -> Document | None:
        return self._docs.get(doc_id)

    def _analyze_document(self, doc: Document) -> dict[str, list]:  # best_question: a token list per question
        questions = [self.analyzer.analyze(q) for q in [*doc.questions_en, *doc.questions_zh]]
        answers = [self.analyzer.analyze(a) for a in (doc.answer_en, doc.answer_zh)]
        pairs = self.config.concept_pairs
        texts = [*doc.questions_en, *doc.questions_zh, doc.answer_en, doc.answer_zh]
        return {
            "vocabulary": sorted({w for text in texts for w in self.analyzer.latin_words(text)}),
            "questions": [t for a in questions for t in (a.words + a.pairs if pairs else a.words)],
            "ngrams": [t for a in questions for t in a.ngrams],
            "answers": [t for a in answers for t in a.words],
            "best_question": [a.words + a.pairs if pairs else a.words for a in questions],
        }

    def _rebuild(self) -> None:
        ids = list(self._docs)
        fields: dict[str, _FieldIndex | None] = {}
        weights = self.config.weights()
        for name in self.FIELDS:
            if not ids or weights[name] <= 0:
                fields[name] = None
            elif name == "best_question":
                per_entry = [self._tokens[doc_id][name] for doc_id in ids]
                rows = [q for questions in per_entry for q in questions]
                fields[name] = _FieldIndex.build(rows, self.config, [len(q) for q in per_entry])
            else:
                corpus = [self._tokens[doc_id][name] for doc_id in ids]
                fields[name] = _FieldIndex.build(corpus, self.config)
        # what query typos are corrected to: the entries' English words (by entry count)
        self.analyzer.set_vocabulary(Counter(w for doc_id in ids for w in self._tokens[doc_id]["vocabulary"]))
        self._state = _State(ids, fields)  # one assignment: readers see old or new

    # ------------------------------------------------------------------ searching
    def search(self, query: str, language: str | None = None, k: int = 3) -> list[Hit]:
        """Best entries for ``query``, best first (at most ``k``; none for an empty query).

        ``language`` ("en"/"zh") is the conversation's language. Both languages' text of
        every entry is searched whatever it says, so mixed and cross-language questions
        match; it is validated and kept for the caller's convenience.
        """
        if language is not None and language not in LANGUAGES:
            raise ValueError(f"language must be one of {LANGUAGES} or None, not {language!r}")
        ranked = self._rank(query, k)
        too_long = len(normalize(query)) > self.config.max_query_chars if ranked else False
        hits = []
        for doc_id, score, features, gate in ranked:
            # Never answer outright when most of the question's words (idf-weighted) are
            # absent from the entry: a high score from a name or a date alone
            # ("明天北京天气怎么样" -> an entry about Beijing) is not an answer.
            off_topic = gate < self.calibration.min_word_coverage
            raw = float(self.calibration.confidence(features))
            conf = 0.0 if too_long or off_topic else raw
            hits.append(Hit(doc_id, round(score, 6), round(conf, 6), round(raw, 6)))
        return hits

    def rank(self, query: str, k: int = 3) -> list[tuple[str, float, np.ndarray]]:
        """(id, score, calibration features) of the best ``k`` entries with a positive score.
        Used by ``search`` and by the calibration fit (knowledge.calibration)."""
        return [(doc_id, score, features) for doc_id, score, features, _ in self._rank(query, k)]

    def _rank(self, query: str, k: int) -> list[tuple[str, float, np.ndarray, float]]:
        """``rank`` plus each entry's gate coverage (see ``_score``)."""
        state = self._state
        if k <= 0 or not state.ids or not isinstance(query, str):
            return []
        analysis = self.analyzer.analyze(
            query[: self.config.hard_query_chars], correct=self.config.correct_typos
        )
        if analysis.empty:
            return []
        scores, features, gate = self._score(state, analysis)
        order = np.argsort(-scores, kind="stable")[:k]
        return [
            (state.ids[int(i)], float(scores[i]), features(int(i)), gate(int(i)))
            for i in order
            if scores[i] > 0
        ]

    def decide(self, hits: Sequence[Hit]) -> Decision:
        """The three-way decision for ``search`` results (best first): the one place it is made."""
        return Decision(self.calibration.decide(hits, self.same_subject(hits)), tuple(hits))

    def confident(self, hits: Sequence[Hit]) -> bool:
        """True when the top hit is answered directly (``decide(hits).kind == ANSWER``)."""
        return self.decide(hits).kind == ANSWER

    def same_subject(self, hits: Sequence[Hit]) -> bool:
        """The first two hits are entries of one topic."""
        if len(hits) < 2:
            return False
        first, second = self.get(hits[0].id), self.get(hits[1].id)
        return bool(first and second and first.topic and first.topic == second.topic)

    def _score(self, state: _State, analysis: Analysis):
        weights = self.config.weights()
        total_weight = sum(weights.values())
        n_docs = len(state.ids)
        combined = np.zeros(n_docs, dtype=np.float64)
        parts = {}
        normalised: dict[str, np.ndarray] = {}
        for name, field_index in state.fields.items():
            if field_index is None:
                continue
            if name == "ngrams":
                tokens = analysis.ngrams
            elif name == "answers" or not self.config.concept_pairs:
                tokens = analysis.words
            else:
                tokens = analysis.words + analysis.pairs
            norm, total_idf, ids, _ = field_index.query(tokens)
            parts[name] = (field_index, ids, total_idf)
            normalised[name] = norm
            combined += weights[name] * norm
        combined /= total_weight

        def margin(values: np.ndarray, i: int) -> float:
            others = np.delete(values, i)
            return float(values[i] - (others.max() if others.size else 0.0))

        def features(i: int) -> np.ndarray:
            cov = []
            for name in ("questions", "ngrams"):
                if name in parts:
                    field_index, ids, total_idf = parts[name]
                    cov.append(field_index.coverage(i, ids, total_idf))
                else:
                    cov.append(0.0)
            best = normalised.get("best_question", np.zeros(n_docs))
            unseen = 0.0
            if "questions" in parts:
                field_index, ids, total_idf = parts["questions"]
                if total_idf > 0:
                    unseen = 1.0 - float(field_index.idf[ids].sum()) / total_idf
            return np.array(
                [combined[i], margin(combined, i), *cov, best[i], margin(best, i), unseen],
                dtype=np.float64,
            )

        gate = self._gate_coverage(state, analysis)
        return combined, lambda i: np.append(features(i), gate(i)), gate

    def _gate_coverage(self, state: _State, analysis: Analysis):
        """Share of the query's words (idf-weighted, concepts included, concept pairs not)
        found in the entry's questions or answers: the answer gate. Concept pairs stay out
        (a paraphrase that names one more concept than the entry makes up to three new
        pairs, none in any entry, and those outweighed its words); the answers count (a
        question written from the policy facts uses the answer's words)."""
        mode = self.config.gate
        questions, answers = state.fields.get("questions"), state.fields.get("answers")
        if questions is None:
            return lambda i: 0.0
        if mode == "pairs":
            tokens = analysis.words + (analysis.pairs if self.config.concept_pairs else [])
        else:
            tokens = analysis.words
        unique = [t for t in dict.fromkeys(tokens) if t]
        weights, in_questions, in_answers = [], [], []
        for t in unique:
            q = questions.vocab.get(t)
            a = answers.vocab.get(t) if answers is not None and mode == "answers" else None
            if q is not None:
                weights.append(float(questions.idf[q]))
            elif a is not None:
                weights.append(float(answers.idf[a]))  # type: ignore[union-attr]
            else:
                weights.append(questions.idf_unseen)
            in_questions.append(q)
            in_answers.append(a)
        total = sum(weights)

        def gate(i: int) -> float:
            if total <= 0:
                return 0.0
            q_terms = questions.doc_terms[i]
            a_terms = answers.doc_terms[i] if answers is not None else frozenset()
            found = sum(
                w
                for w, q, a in zip(weights, in_questions, in_answers, strict=True)
                if (q is not None and q in q_terms) or (a is not None and a in a_terms)
            )
            return found / total

        return gate


# ---------------------------------------------------------------------- loading
def _check_document(doc: Document) -> None:
    if not isinstance(doc, Document):
        raise TypeError(f"expected a Document, got {type(doc).__name__}")
    if not isinstance(doc.id, str) or not doc.id.strip():
        raise ValueError("a document needs a non-empty string id")


def _as_list(value: Iterable[Any] | None) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value if v is not None]


def document_from_entry(entry: dict) -> Document:
    """Build a :class:`Document` from one ``entries:`` item of a knowledge/faq YAML file."""
    if not isinstance(entry, dict) or "id" not in entry:
        raise ValueError("an entry must be a mapping with an 'id'")
    questions = entry.get("questions") or {}
    answer = entry.get("answer") or {}
    checked = entry.get("checked", "")
    if isinstance(checked, (_dt.date, _dt.datetime)):
        checked = checked.isoformat()
    return Document(
        id=str(entry["id"]),
        topic=str(entry.get("topic") or ""),
        questions_en=tuple(_as_list(questions.get("en"))),
        questions_zh=tuple(_as_list(questions.get("zh"))),
        answer_en=str(answer.get("en") or "").strip(),
        answer_zh=str(answer.get("zh") or "").strip(),
        source=str(entry.get("source") or ""),
        checked=str(checked or ""),
        uncertain=bool(entry.get("uncertain", False)),
    )


def load_documents(path: str | Path = DEFAULT_FAQ_PATH) -> list[Document]:
    """Read every ``*.yml``/``*.yaml`` file under ``path`` (or one file) into Documents.

    Raises ValueError naming the file (and the line, for YAML syntax errors) when a file is
    malformed or an id appears twice."""
    path = Path(path)
    files = [path] if path.is_file() else sorted([*path.glob("*.yml"), *path.glob("*.yaml")])
    documents: list[Document] = []
    seen: dict[str, Path] = {}
    for file in files:
        try:
            with open(file, encoding="utf-8") as handle:
                data = yaml.safe_load(handle) or {}
        except yaml.YAMLError as exc:
            raise ValueError(f"{file}: malformed YAML: {exc}") from exc
        entries = data.get("entries") if isinstance(data, dict) else None
        if not isinstance(entries, list):
            raise ValueError(f"{file}: expected a top-level 'entries:' list")
        for position, entry in enumerate(entries, 1):
            try:
                doc = document_from_entry(entry)
            except ValueError as exc:
                raise ValueError(f"{file}: entry {position}: {exc}") from exc
            if doc.id in seen:
                raise ValueError(f"{file}: duplicate id {doc.id!r} (first in {seen[doc.id]})")
            seen[doc.id] = file
            documents.append(doc)
    return documents
