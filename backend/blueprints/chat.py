"""GET /: the demo chat page; it talks to Rasa's REST channel straight from the browser."""

from __future__ import annotations

from sanic import Blueprint, Request
from sanic.response import HTTPResponse

from backend.errors import ApiError
from backend.i18n import NAMESPACE
from backend.services.regions import region_profile
from backend.web import console_language, render
from texts import entries

bp = Blueprint("chat")
CHAT_LABELS = (
    "chat_title",
    "chat_intro",
    "chat_placeholder",
    "chat_send",
    "chat_you",
    "chat_bot",
    "chat_offline",
    "chat_privacy",
    "ui_switch_language",
)


@bp.get("/")
async def chat_page(request: Request) -> HTTPResponse:
    settings = request.app.ctx.settings
    try:
        names = region_profile(settings.knowledge_dir, settings.region).get("name") or {}
    except ApiError:
        names = {}
    lang = console_language(request)
    catalogue = entries(NAMESPACE)
    return render(
        request,
        "chat.html",
        webhook_url=f"{settings.rasa_url}/webhooks/rest/webhook",
        region_name=names if isinstance(names, dict) else {"en": str(names), "zh": str(names)},
        initial_lang=lang,
        labels={key: catalogue[key] for key in CHAT_LABELS},
    )
