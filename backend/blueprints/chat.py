"""GET /: a sample portal page that embeds the web widget; GET /widget.js, /widget.css: the
widget itself (issue #13, docs/channels.md "Web widget").

/widget.js is the committed build (backend/static/widget.bundle.js, made by
scripts/build_widget.py with the vendored socket.io client and DOMPurify) with its
configuration filled in at request time: the interface texts of texts/widget.yml (both
languages, so the page language or the user's switch picks one) and the URL of Rasa's
socket.io channel (settings.socket_url).
"""

from __future__ import annotations

import json as jsonlib
from functools import lru_cache
from pathlib import Path

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, raw

from backend.errors import ApiError
from backend.services.regions import region_profile
from backend.web import console_language, render
from texts import entries

bp = Blueprint("chat")
STATIC = Path(__file__).resolve().parent.parent / "static"
PLACEHOLDER = "__KBW_CONFIG__"
# The keys of texts/widget.yml the widget uses (widget/src/widget.js looks them up by name).
WIDGET_TEXTS = (
    "launcher",
    "title",
    "switch_to",
    "switch_label",
    "switch_request",
    "close",
    "transcript",
    "message",
    "placeholder",
    "send",
    "you",
    "bot",
    "typing",
    "offline",
    "unread",
    "privacy",
)
CACHE = "public, max-age=300"


@lru_cache(maxsize=4)
def _file(name: str) -> str:
    return (STATIC / name).read_text(encoding="utf-8")


def widget_config(socket_url: str) -> dict:
    catalogue = entries("widget")
    return {
        "socketUrl": socket_url,
        "socketPath": "/socket.io",
        "texts": {key: catalogue[key] for key in WIDGET_TEXTS},
    }


@bp.get("/widget.js")
async def widget_js(request: Request) -> HTTPResponse:
    # ensure_ascii: the JSON is plain ASCII, safe inside any script whatever its encoding.
    config = jsonlib.dumps(widget_config(request.app.ctx.settings.socket_url), ensure_ascii=True)
    body = _file("widget.bundle.js").replace(PLACEHOLDER, config, 1)
    return raw(
        body.encode("utf-8"),
        content_type="application/javascript; charset=utf-8",
        headers={"Cache-Control": CACHE, "Cross-Origin-Resource-Policy": "cross-origin"},
    )


@bp.get("/widget.css")
async def widget_css(request: Request) -> HTTPResponse:
    return raw(
        _file("widget.css").encode("utf-8"),
        content_type="text/css; charset=utf-8",
        headers={"Cache-Control": CACHE, "Cross-Origin-Resource-Policy": "cross-origin"},
    )


@bp.get("/")
async def portal_page(request: Request) -> HTTPResponse:
    settings = request.app.ctx.settings
    try:
        names = region_profile(settings.knowledge_dir, settings.region).get("name") or {}
    except ApiError:
        names = {}
    lang = console_language(request)
    region = names.get(lang, "") if isinstance(names, dict) else str(names)
    return render(request, "portal.html", region_name=region, widget_lang=lang)
