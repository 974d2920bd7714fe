"""Helpdesk office hours (issue #14): when staff answer, in China time.

The hours come from HELPDESK_HOURS when it is set ("always", or spans such as
"09:00-12:00,13:30-17:30"), else from the region profile (`helpdesk: {hours: [...]}` in
knowledge/regions/<REGION>.yml), else DEFAULT_HOURS. Staff work those spans on China's
working days: public holidays are off and make-up working days (调休) are on, from the
`chinese_calendar` library (backend/services/workdays.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from backend.services.regions import region_profile
from backend.services.workdays import is_working_day

CHINA = ZoneInfo("Asia/Shanghai")
ALWAYS = "always"
DEFAULT_HOURS = "09:00-12:00,13:30-17:30"
SPAN = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)$")
LOOKAHEAD_DAYS = 31  # the longest run of days off (Spring Festival) is well under this


@dataclass(frozen=True)
class OfficeHours:
    """Spans of (start, end) times on working days; `always` is staffed at every moment."""

    spans: tuple[tuple[time, time], ...] = ()
    always: bool = False

    def staffed(self, now: datetime) -> bool:
        if self.always:
            return True
        local = now.astimezone(CHINA)
        if not is_working_day(local.date()):
            return False
        return any(start <= local.time() < end for start, end in self.spans)

    def period_start(self, now: datetime) -> datetime | None:
        """When the span `now` is in began (UTC), or None when nobody is at work."""
        if self.always:
            return datetime.min.replace(tzinfo=timezone.utc)
        local = now.astimezone(CHINA)
        if not is_working_day(local.date()):
            return None
        for start, end in self.spans:
            if start <= local.time() < end:
                return datetime.combine(local.date(), start, CHINA).astimezone(timezone.utc)
        return None

    def next_open(self, now: datetime) -> datetime | None:
        """The next moment staff are at work (China time), None when staffed now or never."""
        if self.staffed(now) or not self.spans:
            return None
        local = now.astimezone(CHINA)
        for offset in range(LOOKAHEAD_DAYS + 1):
            day = local.date() + timedelta(days=offset)
            if not is_working_day(day):
                continue
            for start, _ in self.spans:
                moment = datetime.combine(day, start, CHINA)
                if moment > local:
                    return moment
        return None


def parse_hours(text: str) -> OfficeHours:
    """ "always" or comma-separated "HH:MM-HH:MM" spans; ValueError names what is wrong."""
    text = (text or "").strip().lower()
    if text == ALWAYS:
        return OfficeHours(always=True)
    spans = []
    for part in (p.strip() for p in text.split(",")):
        match = SPAN.match(part)
        if not match:
            raise ValueError(f'"{part}" is not a span such as 09:00-12:00')
        start = time(int(match.group(1)), int(match.group(2)))
        end = time.max if match.group(3) == "24" else time(int(match.group(3)), int(match.group(4)))
        if end <= start:
            raise ValueError(f'"{part}" ends before it starts')
        spans.append((start, end))
    if not spans:
        raise ValueError("no hours given")
    return OfficeHours(tuple(sorted(spans)))


@lru_cache(maxsize=8)
def office_hours(setting: str, knowledge_dir: Path, region: str) -> OfficeHours:
    """The hours in force: HELPDESK_HOURS, else the region profile's, else DEFAULT_HOURS."""
    if setting:
        return parse_hours(setting)
    try:
        hours = (region_profile(knowledge_dir, region).get("helpdesk") or {}).get("hours")
    except Exception:  # noqa: BLE001 - no profile for this region: the default hours
        hours = None
    if isinstance(hours, list) and hours:
        return parse_hours(",".join(str(h) for h in hours))
    return parse_hours(DEFAULT_HOURS)
