"""GET /healthz: liveness plus a database round trip."""
from __future__ import annotations

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, json
from sqlalchemy import text

from backend.web import db

bp = Blueprint("health")


@bp.get("/healthz")
async def healthz(request: Request) -> HTTPResponse:
    try:
        db(request).execute(text("SELECT 1"))
    except Exception:
        return json({"status": "unavailable", "database": "unreachable"}, status=503)
    return json({"status": "ok", "database": "ok", "kb_entries_indexed": request.app.ctx.index.size})
