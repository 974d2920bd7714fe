"""Region profiles (knowledge/regions/<REGION>.yml): lead agencies, windows, platforms."""

from __future__ import annotations

import json
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from backend.errors import ApiError


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, default=lambda v: v.isoformat() if isinstance(v, date) else str(v)))


@lru_cache(maxsize=8)
def _load(path: Path, mtime: float) -> dict[str, Any]:
    with path.open(encoding="utf-8") as fh:
        return _jsonable(yaml.safe_load(fh) or {})


def region_profile(knowledge_dir: Path, region: str) -> dict[str, Any]:
    path = knowledge_dir / "regions" / f"{region}.yml"
    if not region.isalnum() or not path.is_file():
        raise ApiError("region_not_found", 404, region=region)
    profile = dict(_load(path, path.stat().st_mtime))
    profile.setdefault("region", region)
    return profile
