"""The in-memory retrieval index over published entries, kept in step with the database.

Every knowledge-base write bumps `kb_state.version` in the same transaction. Before
answering, the index compares its version with the database's and rebuilds when they
differ, so an edit made in the console (in any worker process) answers the very next
question, with no retraining and no restart.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Any, Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.models import FaqEntry, KbState

log = logging.getLogger(__name__)

RetrieverFactory = Callable[[], Any]
INCREMENTAL_LIMIT = 20  # more changed entries than this: one full re-index instead


def default_retriever_factory() -> Any:
    """knowledge.retrieval.Retriever (imported late: it loads jieba and friends)."""
    from knowledge.retrieval import Retriever

    return Retriever()


def _document(entry: FaqEntry) -> Any:
    from knowledge.retrieval import Document

    return Document(
        id=entry.id,
        topic=entry.topic,
        questions_en=tuple(entry.questions_en or ()),
        questions_zh=tuple(entry.questions_zh or ()),
        answer_en=entry.answer_en,
        answer_zh=entry.answer_zh,
        source=entry.source,
        checked=entry.checked.isoformat() if entry.checked else "",
        uncertain=bool(entry.uncertain),
    )


@dataclass
class Hit:
    id: str
    score: float
    confidence: float


@dataclass
class Ranked:
    """Hits best first and the retriever's decision (knowledge.retrieval.Retriever.decide):
    "answer" (``related``: ids offered under the answer), "ambiguous" or "no_match"."""

    hits: list[Hit]
    decision: str
    related: list[str]


def kb_version(session: Session) -> int:
    return session.execute(select(KbState.version).where(KbState.id == 1)).scalar_one_or_none() or 0


def bump_kb_version(session: Session) -> None:
    """Call inside the transaction that changes entries."""
    state = session.get(KbState, 1)
    if state is None:
        session.add(KbState(id=1, version=1))
    else:
        state.version = (state.version or 0) + 1


class KnowledgeIndex:
    def __init__(
        self,
        retriever_factory: RetrieverFactory = default_retriever_factory,
        document_factory: Callable[[FaqEntry], Any] = _document,
    ) -> None:
        self._retriever_factory = retriever_factory
        self._document_factory = document_factory
        self._retriever: Any = None
        self._version: int | None = None
        self._docs: dict[str, Any] = {}
        self._lock = threading.Lock()
        self.size = 0

    def refresh(self, session: Session, *, force: bool = False) -> Any:
        """The retriever for the database's current version (updated only when stale).

        A few changed entries are upserted/removed (cheap); many changes, or a retriever
        without upsert/remove, mean one full `index()` call. Searches running meanwhile
        see the old or the new index (the retriever swaps its state atomically)."""
        version = kb_version(session)
        if not force and self._retriever is not None and version == self._version:
            return self._retriever
        with self._lock:
            if not force and self._retriever is not None and version == self._version:
                return self._retriever
            entries = (
                session.execute(select(FaqEntry).where(FaqEntry.status == "published").order_by(FaqEntry.id))
                .scalars()
                .all()
            )
            docs = {e.id: self._document_factory(e) for e in entries}
            if self._retriever is None:
                self._retriever = self._retriever_factory()
                self._docs = {}
                force = True
            changed = [d for doc_id, d in docs.items() if self._docs.get(doc_id) != d]
            removed = [doc_id for doc_id in self._docs if doc_id not in docs]
            incremental = hasattr(self._retriever, "upsert") and hasattr(self._retriever, "remove")
            if force or not incremental or len(changed) + len(removed) > INCREMENTAL_LIMIT:
                self._retriever.index(list(docs.values()))
                log.info("knowledge index built: %d published entries (kb version %s)", len(docs), version)
            else:
                for doc in changed:
                    self._retriever.upsert(doc)
                for doc_id in removed:
                    self._retriever.remove(doc_id)
                log.info(
                    "knowledge index updated: %d changed, %d removed (kb version %s)",
                    len(changed),
                    len(removed),
                    version,
                )
            self._docs, self._version, self.size = docs, version, len(docs)
            return self._retriever

    def decide(self, session: Session, text: str, language: str, k: int = 3) -> Ranked:
        """Top-k hits and the retriever's answer / ambiguous / no-match decision. A retriever
        without ``decide`` (a test double) answers when ``confident``, else offers its hits."""
        retriever = self.refresh(session)
        if self.size == 0:
            return Ranked([], "no_match", [])
        raw = retriever.search(text, language, k=k)
        hits = [Hit(str(h.id), float(h.score), float(h.confidence)) for h in raw]
        if hasattr(retriever, "decide"):
            decision = retriever.decide(raw)
            return Ranked(hits, str(decision.kind), [str(h.id) for h in decision.related])
        if hits and retriever.confident(raw):
            return Ranked(hits, "answer", [h.id for h in hits[1:3]])
        return Ranked(hits, "ambiguous" if hits else "no_match", [])

    def search(self, session: Session, text: str, language: str, k: int = 3) -> tuple[list[Hit], bool]:
        """Top-k hits and whether the first one is answered directly."""
        ranked = self.decide(session, text, language, k=k)
        return ranked.hits, ranked.decision == "answer"
