"""The one HTTP client the rasa-sdk actions use to reach the case backend.

Configured from the environment: BACKEND_URL (default http://127.0.0.1:8000),
SERVICE_TOKEN (the backend's service token) and BACKEND_TIMEOUT (seconds, default 5).
A backend that cannot be reached, times out or fails raises `BackendUnavailable`; a
request the backend refuses raises `BackendError` with the backend's stable error code.
Actions catch these and tell the user in their language; the conversation carries on.
"""

from __future__ import annotations

import asyncio
import logging
import os
from dataclasses import dataclass, field
from typing import Any, Dict, List
from urllib.parse import quote

import aiohttp

log = logging.getLogger(__name__)

DEFAULT_URL = "http://127.0.0.1:8000"
DEV_SERVICE_TOKEN = "dev-service-token"  # the backend's development default


class BackendError(Exception):
    """The backend answered with an error: `code` is its stable error code."""

    def __init__(
        self,
        code: str,
        message: str = "",
        status: int | None = None,
        details: List[Dict[str, Any]] | None = None,
        extra: Dict[str, Any] | None = None,
    ) -> None:
        super().__init__(f"{code} ({status}): {message}")
        self.code = code
        self.message = message
        self.status = status
        self.details = details or []  # field-by-field problems of a 400/422, in the request's language
        # other values the error carries, e.g. `attempts_left` (403) or `retry_after` (423)
        self.extra = extra or {}


class BackendUnavailable(BackendError):
    """The backend could not be reached, timed out, or failed on its side (5xx)."""


@dataclass(frozen=True)
class FaqEntry:
    """One knowledge-base entry in the conversation's language."""

    id: str
    question: str
    answer: str
    source: str = ""
    checked: str | None = None
    uncertain: bool = False
    score: float | None = None
    confidence: float | None = None
    topic: str = ""  # the entry's topic (knowledge/faq/<topic>.yml): social_insurance gets the country's line

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> FaqEntry:
        return cls(
            id=str(data["id"]),
            question=str(data.get("question") or ""),
            answer=str(data.get("answer") or ""),
            source=str(data.get("source") or ""),
            checked=data.get("checked"),
            uncertain=bool(data.get("uncertain", False)),
            score=data.get("score"),
            confidence=data.get("confidence"),
            topic=str(data.get("topic") or ""),
        )


@dataclass(frozen=True)
class FaqAnswer:
    """`status` is "answer" (entry set, `related`: up to 2 entries to offer under it),
    "candidates" (up to 3: an ambiguous question) or "no_match"."""

    status: str
    entry: FaqEntry | None = None
    candidates: List[FaqEntry] = field(default_factory=list)
    related: List[FaqEntry] = field(default_factory=list)


_sessions: Dict[int, aiohttp.ClientSession] = {}


def _session() -> aiohttp.ClientSession:
    """One HTTP session (and its pooled connections) per event loop.

    A new session per call opened a new TCP connection for every policy answer; the
    action server runs on one loop, tests get a fresh loop each, hence the key.
    """
    loop = asyncio.get_running_loop()
    session = _sessions.get(id(loop))
    if session is None or session.closed or session._loop is not loop:  # noqa: SLF001
        for key in [k for k, s in _sessions.items() if s.closed or s._loop.is_closed()]:  # noqa: SLF001
            del _sessions[key]
        session = _sessions[id(loop)] = aiohttp.ClientSession()
    return session


async def close_sessions(*_: Any) -> None:
    """Close the pooled sessions (the action server calls this as it stops)."""
    for session in list(_sessions.values()):
        if not session.closed:
            await session.close()
    _sessions.clear()


def _close_when_the_action_server_stops() -> None:
    # rasa-sdk creates its sanic app before it imports this package; without this, every
    # Ctrl-C of `make run` ends with asyncio's "Unclosed client session" errors
    from sanic import Sanic
    from sanic.exceptions import SanicException

    try:
        app = Sanic.get_app("rasa_sdk")
    except SanicException:
        return  # imported outside the action server (tests, scripts)
    app.register_listener(close_sessions, "before_server_stop")


_close_when_the_action_server_stops()


class BackendClient:
    def __init__(
        self,
        base_url: str | None = None,
        token: str | None = None,
        timeout: float | None = None,
    ) -> None:
        self.base_url = (base_url or os.environ.get("BACKEND_URL") or DEFAULT_URL).rstrip("/")
        self.token = token or os.environ.get("SERVICE_TOKEN") or DEV_SERVICE_TOKEN
        seconds = timeout if timeout is not None else float(os.environ.get("BACKEND_TIMEOUT") or 5)
        self.timeout = aiohttp.ClientTimeout(total=seconds, connect=min(seconds, 2.0))

    async def _request(
        self,
        method: str,
        path: str,
        *,
        json: Dict[str, Any] | None = None,
        params: Dict[str, str] | None = None,
        language: str = "en",
    ) -> Any:
        headers = {"Authorization": f"Bearer {self.token}", "Accept-Language": language}
        url = f"{self.base_url}{path}"
        try:
            async with _session().request(
                method, url, json=json, params=params, headers=headers, timeout=self.timeout
            ) as resp:
                try:
                    body = await resp.json(content_type=None)
                except ValueError:
                    body = None
                if resp.status >= 500:
                    raise BackendUnavailable(_code(body, "server_error"), _message(body), resp.status)
                if resp.status >= 400:
                    extra = _extra(body)
                    if "retry_after" not in extra and resp.headers.get("Retry-After", "").isdigit():
                        extra["retry_after"] = int(resp.headers["Retry-After"])
                    raise BackendError(
                        _code(body, "request_refused"), _message(body), resp.status, _details(body), extra
                    )
                return body
        except BackendError:
            raise
        except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as exc:
            log.warning("backend unreachable at %s: %s", url, exc.__class__.__name__)
            raise BackendUnavailable("unreachable", str(exc)) from exc

    async def answer_policy_question(self, question: str, language: str) -> FaqAnswer:
        """The best knowledge-base entry for `question`, or candidates when not confident."""
        body = await self._request(
            "POST", "/api/v1/faq/answer", json={"question": question, "language": language}, language=language
        )
        entry = body.get("entry")
        return FaqAnswer(
            status=str(body.get("status")),
            entry=FaqEntry.from_json(entry) if entry else None,
            candidates=[FaqEntry.from_json(c) for c in body.get("candidates") or []],
            related=[FaqEntry.from_json(c) for c in body.get("related") or []],
        )

    async def get_faq_entry(self, entry_id: str, language: str) -> FaqEntry:
        """A published entry by id (e.g. after the user picked a candidate button)."""
        body = await self._request(
            "GET",
            f"/api/v1/faq/entries/{quote(entry_id, safe='')}",
            params={"language": language},
            language=language,
        )
        return FaqEntry.from_json(body)

    async def send_faq_feedback(self, entry_id: str, helpful: bool, language: str) -> None:
        """Store the user's 'was this helpful?' answer for an entry."""
        await self._request(
            "POST",
            "/api/v1/faq/feedback",
            json={"entry_id": entry_id, "helpful": helpful, "language": language},
            language=language,
        )

    async def assess_eligibility(self, answers: Dict[str, Any], language: str) -> Dict[str, Any]:
        """Category, points, conditions, materials, deadlines, fees and checklist_path for `answers`
        (POST /api/v1/eligibility/assess; field names as in docs/eligibility.md)."""
        return await self._request("POST", "/api/v1/eligibility/assess", json=answers, language=language)

    # --- the merged application (docs/application.md, "Backend") ---------------------------
    # Raw answers only travel in request bodies; every view the backend returns is masked.

    async def get_draft(self, conversation_id: str, language: str) -> Dict[str, Any] | None:
        """The conversation's saved draft (masked view), or None when it has none."""
        try:
            body = await self._request(
                "GET", f"/api/v1/drafts/{_segment(conversation_id)}", language=language
            )
        except BackendError as exc:
            if exc.status == 404 and not isinstance(exc, BackendUnavailable):
                return None
            raise
        return _unwrap(body, "draft")

    async def save_draft(
        self, conversation_id: str, changes: Dict[str, Any], language: str
    ) -> Dict[str, Any]:
        """PUT any of channel, language, role, items, consent, answers ({field: raw value or
        None}), state; returns the draft view. A refused answer raises BackendError with
        `details` [{field, code, message}] and nothing of the request is stored."""
        body = await self._request(
            "PUT", f"/api/v1/drafts/{_segment(conversation_id)}", json=changes, language=language
        )
        return _unwrap(body, "draft")

    async def delete_draft(self, conversation_id: str, language: str = "en") -> bool:
        """Discard the draft ("start over", "delete my data"); False when there was none."""
        try:
            await self._request("DELETE", f"/api/v1/drafts/{_segment(conversation_id)}", language=language)
        except BackendError as exc:
            if exc.status == 404 and not isinstance(exc, BackendUnavailable):
                return False
            raise
        return True

    async def submit_draft(self, conversation_id: str, language: str) -> Dict[str, Any]:
        """Submit the draft: the case view (number, items per department, next steps,
        materials, deadlines, savings). Missing or invalid fields raise BackendError (400)."""
        body = await self._request(
            "POST", f"/api/v1/drafts/{_segment(conversation_id)}/submit", json={}, language=language
        )
        return _unwrap(body, "case")

    async def conversation_cases(self, conversation_id: str, language: str = "en") -> List[Dict[str, Any]]:
        """The cases this conversation submitted: [{number, created_at}]."""
        body = await self._request(
            "GET", f"/api/v1/conversations/{_segment(conversation_id)}/cases", language=language
        )
        cases = body.get("cases") if isinstance(body, dict) else None
        return [c for c in cases or [] if isinstance(c, dict) and c.get("number")]

    async def case_status(
        self,
        case_number: str,
        language: str,
        *,
        conversation_id: str | None = None,
        passport_number: str | None = None,
    ) -> Dict[str, Any]:
        """The case view with its timeline, when the conversation owns the case or the full
        passport number matches. Refusals: 403 verification_failed (extra `attempts_left`),
        423 status_locked (extra `retry_after`, seconds; locked per case number), 429 status_busy."""
        payload: Dict[str, Any] = {"case_number": case_number}
        if conversation_id:
            payload["conversation_id"] = conversation_id
        if passport_number:
            payload["passport_number"] = passport_number
        body = await self._request("POST", "/api/v1/status", json=payload, language=language)
        return _unwrap(body, "case")

    # --- ratings (docs/ratings.md) ----------------------------------------------------------
    async def rating_request(
        self,
        conversation_id: str,
        target: str,
        source: str,
        language: str,
        *,
        channel: str | None = None,
        case_number: str | None = None,
        department: str | None = None,
        event: str | None = None,
    ) -> Dict[str, Any]:
        """Record that a rating is asked: {request_id, asked}; asked False when this service
        event was asked before (then the assistant does not ask again)."""
        payload: Dict[str, Any] = {
            "conversation_id": conversation_id,
            "target": target,
            "source": source,
            "language": language,
        }
        for key, value in (
            ("channel", channel),
            ("case_number", case_number),
            ("department", department),
            ("event", event),
        ):
            if value:
                payload[key] = value
        return await self._request("POST", "/api/v1/rating-requests", json=payload, language=language)

    async def rate(
        self,
        request_id: int,
        conversation_id: str,
        level: int,
        language: str,
        *,
        reason: str | None = None,
        comment: str | None = None,
    ) -> Dict[str, Any]:
        """Store a rating: {id, level, bad, reason, followups: [{id, department, due_date}]}."""
        payload: Dict[str, Any] = {
            "request_id": request_id,
            "conversation_id": conversation_id,
            "level": level,
        }
        if reason:
            payload["reason"] = reason
        if comment:
            payload["comment"] = comment
        body = await self._request("POST", "/api/v1/ratings", json=payload, language=language)
        return _unwrap(body, "rating")

    # --- human handoff (docs/handoff.md) ------------------------------------------------------
    async def request_handoff(
        self,
        conversation_id: str,
        language: str,
        *,
        channel: str | None = None,
        topic: str | None = None,
        transcript: List[Dict[str, str]] | None = None,
    ) -> Dict[str, Any]:
        """The conversation's open handoff or a new waiting one: {handoff, created, queue_position,
        wait_minutes, staffed, staff_back_at}. `transcript` [{sender, text}] must be masked."""
        body: Dict[str, Any] = {"conversation_id": conversation_id, "language": language}
        if channel:
            body["channel"] = channel
        if topic:
            body["topic"] = topic[:100]
        if transcript:
            body["transcript"] = transcript[-50:]
        return await self._request("POST", "/api/v1/handoffs", json=body, language=language)

    async def cancel_handoff(self, conversation_id: str, language: str = "en") -> bool:
        """The user left the queue: True when a waiting handoff was cancelled."""
        body = await self._request(
            "POST", "/api/v1/handoffs/cancel", json={"conversation_id": conversation_id}, language=language
        )
        return bool((body or {}).get("cancelled"))

    async def handoff_inbound(self, conversation_id: str, text: str) -> int | None:
        """A masked user message for the staff member: the open handoff's id, None when none is open."""
        body = await self._request(
            "POST", "/api/v1/handoffs/inbound", json={"conversation_id": conversation_id, "text": text}
        )
        return (body or {}).get("handoff_id")


def _segment(value: str) -> str:
    return quote(str(value), safe="")


def _unwrap(body: Any, key: str) -> Dict[str, Any]:
    """`{"draft": {...}}` -> the draft; a bare object is taken as it is."""
    if isinstance(body, dict) and isinstance(body.get(key), dict):
        return body[key]
    return body if isinstance(body, dict) else {}


def _extra(body: Any) -> Dict[str, Any]:
    """The error's other values (attempts_left, retry_after, ...), wherever the body puts them."""
    extra: Dict[str, Any] = {}
    if isinstance(body, dict):
        extra.update({k: v for k, v in body.items() if k != "error"})
        if isinstance(body.get("error"), dict):
            extra.update({k: v for k, v in body["error"].items() if k not in ("code", "message", "details")})
    return extra


def _details(body: Any) -> List[Dict[str, Any]]:
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        details = body["error"].get("details")
        if isinstance(details, list):
            return [d for d in details if isinstance(d, dict)]
    return []


def _code(body: Any, default: str) -> str:
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        return str(body["error"].get("code") or default)
    return default


def _message(body: Any) -> str:
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        return str(body["error"].get("message") or "")
    return ""
