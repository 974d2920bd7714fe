"""The widget channel's session rules (connectors/socketio.py): random 128-bit ids, signed
with WIDGET_JWT_SECRET, refused when forged, unsigned or malformed; origins; on/off."""

from __future__ import annotations

import re
import time

import jwt
import pytest

from connectors.socketio import (
    DEFAULT_WIDGET_ORIGINS,
    SocketIOInput,
    enabled,
    new_session_id,
    resolve_session,
    sign_session,
    verified_session,
    widget_origins,
)

SECRET = "unit-test-widget-secret-0123456789"


def test_new_ids_are_128_random_bits() -> None:
    ids = {new_session_id() for _ in range(200)}
    assert len(ids) == 200 and all(re.fullmatch(r"[0-9a-f]{32}", i) for i in ids)


def test_without_a_secret_a_well_formed_id_is_kept_and_anything_else_refused() -> None:
    session, token, refused = resolve_session({}, None)
    assert re.fullmatch(r"[0-9a-f]{32}", session) and token is None and refused == ""
    assert resolve_session({"session_id": session}, None) == (session, None, "")
    for bad in ("alice", "../x", "A" * 32, 123, ["x"], "ab" * 40):
        assert resolve_session({"session_id": bad}, None) == (None, None, "session_id_invalid"), bad
    assert resolve_session(None, None)[0]  # no data: a new session
    assert resolve_session("garbage", None)[0]


def test_with_a_secret_new_ids_are_signed_and_only_their_token_opens_them() -> None:
    session, token, _ = resolve_session({}, SECRET)
    assert verified_session(token, SECRET) == session
    assert resolve_session({"session_id": session, "token": token}, SECRET) == (session, token, "")
    other = new_session_id()
    forged = jwt.encode({"sub": session, "aud": "widget-session"}, "another-secret", algorithm="HS256")
    for data in (
        {"session_id": session},  # unsigned
        {"session_id": session, "token": forged},  # signed with another key
        {"session_id": other, "token": token},  # someone else's id with my token
        {
            "session_id": session,
            "token": sign_session(session, SECRET, now=time.time() - 400 * 86400),
        },  # expired
        {
            "session_id": session,
            "token": jwt.encode({"sub": session}, SECRET, algorithm="HS256"),
        },  # no audience
        {"session_id": session, "token": "not.a.jwt"},
    ):
        assert resolve_session(data, SECRET) == (None, None, "session_unsigned"), data


def test_the_none_algorithm_is_not_accepted() -> None:
    session = new_session_id()
    unsigned = jwt.encode({"sub": session, "aud": "widget-session"}, None, algorithm="none")
    assert verified_session(unsigned, SECRET) is None


def test_origins_and_enabled() -> None:
    assert widget_origins({}) == DEFAULT_WIDGET_ORIGINS.split()
    assert widget_origins({"WIDGET_ORIGINS": "https://a.gov.cn/, https://b.gov.cn"}) == [
        "https://a.gov.cn",
        "https://b.gov.cn",
    ]
    assert enabled({}) and enabled({"APP_ENV": "development"})
    assert not enabled({"APP_ENV": "production"})
    assert enabled({"APP_ENV": "production", "WIDGET_ORIGINS": "https://portal.gov.cn"})


def test_the_channel_reads_its_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WIDGET_ORIGINS", "https://portal.gov.cn")
    monkeypatch.setenv("WIDGET_JWT_SECRET", SECRET)
    channel = SocketIOInput.from_credentials({"session_persistence": False})
    assert channel.name() == "socketio"  # output_channel=latest finds it by this name
    assert channel.origins == ["https://portal.gov.cn"] and channel.secret == SECRET
    assert channel.session_persistence  # rooms are where pushes go
