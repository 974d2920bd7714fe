"""Retention purges run on a schedule, not only at start, and are logged (issue #17):
`python -m backend` with RETENTION_PURGE_MINUTES small deletes a draft past its retention
and an old unanswered question while it runs."""

from __future__ import annotations

import json
import sqlite3
import time
import urllib.request
from pathlib import Path

from scripts.local_stack import start_backend, stop

TOKEN = "retention-service-token-0123456789"


def test_purges_run_on_a_schedule_and_are_logged(tmp_path: Path) -> None:
    process, url = start_backend(
        tmp_path,
        {"SERVICE_TOKEN": TOKEN, "RETENTION_PURGE_MINUTES": "0.02", "UNANSWERED_RETENTION_DAYS": "30"},
    )
    try:
        request = urllib.request.Request(
            f"{url}/api/v1/drafts/old-conversation",
            data=json.dumps({"channel": "rest", "language": "en"}).encode(),
            method="PUT",
            headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            assert response.status == 200
        database = tmp_path / "backend.db"
        with sqlite3.connect(database) as connection:
            connection.execute("UPDATE drafts SET updated_at = '2000-01-01 00:00:00'")
            connection.execute(
                "INSERT INTO faq_unanswered (key, text, language, decision, created_at)"
                " VALUES ('old', 'old question', 'en', 'no_match', '2000-01-01 00:00:00'),"
                " ('new', 'new question', 'en', 'no_match', CURRENT_TIMESTAMP)"
            )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with sqlite3.connect(database) as connection:
                drafts = connection.execute("SELECT count(*) FROM drafts").fetchone()[0]
                questions = [r[0] for r in connection.execute("SELECT key FROM faq_unanswered")]
            if drafts == 0 and questions == ["new"]:
                break
            time.sleep(0.5)
        assert drafts == 0 and questions == ["new"]
        with sqlite3.connect(database) as connection:
            audit = connection.execute(
                "SELECT detail FROM audit_log WHERE action = 'retention_purge'"
            ).fetchall()
        assert audit and json.loads(audit[-1][0]) == {"drafts": 1, "cases": 0, "unanswered": 1}
    finally:
        stop(process)
    assert (
        "retention purge: 1 drafts, 0 cases, 1 unanswered questions deleted"
        in (tmp_path / "backend.log").read_text()
    )
