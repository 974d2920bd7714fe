"""What one merged form saves against separate applications, computed from the data.

For typical combinations of items: the fields asked once in the merged form against the
sum of the fields each separate application asks, and the same for materials
(knowledge/application/items.yml and fields.yml). `python -m benchmarks.savings` prints
the table that `make bench` puts in docs/benchmarks.md.
"""

from __future__ import annotations

from typing import Dict, List

from knowledge.application import catalogue

SCENARIOS: Dict[str, List[str]] = {
    "New hire (work permit, residence permit, social insurance, e-card)": [
        "work_permit_new",
        "residence_permit_new",
        "social_insurance",
        "e_social_security_card",
    ],
    "Every new-arrival item (the four above + professional title)": [
        "work_permit_new",
        "residence_permit_new",
        "social_insurance",
        "e_social_security_card",
        "professional_title",
    ],
    "Extension (work permit + residence permit)": ["work_permit_extension", "residence_permit_extension"],
    "Change (work permit + residence permit)": ["work_permit_change", "residence_permit_change"],
    "Work permit only (new)": ["work_permit_new"],
}


def rows(role: str = "worker") -> List[Dict[str, object]]:
    cat = catalogue()
    out = []
    for name, items in SCENARIOS.items():
        s = cat.savings(items, role)
        out.append(
            {
                "scenario": name,
                "items": len(items),
                "fields once": s.fields_once,
                "fields separately": s.fields_separately,
                "fields saved": f"{s.fields_separately - s.fields_once} ({_share(s.fields_once, s.fields_separately)})",
                "materials once": s.materials_once,
                "materials separately": s.materials_separately,
                "materials saved": (
                    f"{s.materials_separately - s.materials_once} "
                    f"({_share(s.materials_once, s.materials_separately)})"
                ),
            }
        )
    return out


def _share(once: int, separately: int) -> str:
    return f"{(separately - once) / separately:.0%}" if separately else "0%"


COLUMNS = [
    "scenario",
    "items",
    "fields once",
    "fields separately",
    "fields saved",
    "materials once",
    "materials separately",
    "materials saved",
]


if __name__ == "__main__":
    import startup

    startup.prepare()
    for row in rows():
        print(row)
