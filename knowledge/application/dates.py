"""The date rules of fields.yml ("min: today+6m", "max: contract_start+5y").

Dates in answers are read by knowledge/reading/dates.py, shared with the eligibility form.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any, Mapping

from knowledge.reading.dates import add, as_date

__all__ = ["add", "resolve_bound"]

_BOUND = re.compile(r"^(today|[a-z_]+|\d{4}-\d{2}-\d{2})(?:([+-])(\d+)([dmy]))?$")


def resolve_bound(expr: Any, today: date, answers: Mapping[str, Any]) -> tuple[date | None, date | None]:
    """(the bound, the answer it is based on) for "today+6m", "contract_start+5y", "1950-01-01";
    (None, None) when the bound names a field without a valid answer yet."""
    match = _BOUND.match(str(expr).strip())
    if not match:
        raise ValueError(f"bad date bound {expr!r}")
    base_name, sign, amount, unit = match.groups()
    base: date | None
    reference = None
    if base_name == "today":
        base = today
    elif base_name[0].isdigit():
        base = date.fromisoformat(base_name)
    else:
        reference = as_date(answers.get(base_name))
        base = reference
    if base is None:
        return None, None
    if sign:
        base = add(base, int(amount) * (1 if sign == "+" else -1), unit)
    return base, reference
