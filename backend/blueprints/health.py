"""GET /healthz: liveness plus a database round trip."""

from __future__ import annotations

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, json

from backend.services.health import database_reachable
from backend.web import db

bp = Blueprint("health")


@bp.get("/healthz")
async def healthz(request: Request) -> HTTPResponse:
    if not database_reachable(db(request)):
        return json({"status": "unavailable", "database": "unreachable"}, status=503)
    return json({"status": "ok", "database": "ok", "kb_entries_indexed": request.app.ctx.index.size})
