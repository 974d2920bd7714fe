"""GET /api/v1/region: the active region profile (REGION): agencies, windows, platforms."""

from __future__ import annotations

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, json

from backend.services.regions import region_profile
from backend.web import api_auth

bp = Blueprint("region", url_prefix="/api/v1")


@bp.get("/region")
@api_auth("helpdesk", "officer", "policy_editor")
async def get_region(request: Request) -> HTTPResponse:
    settings = request.app.ctx.settings
    return json(region_profile(settings.knowledge_dir, settings.region), ensure_ascii=False)
