"""Pick the steps, materials, deadlines, fees, notes and office for each requested item.

The situation (inside or outside China, category, agreement country, region, age) is
matched against the `when:` of each entry in knowledge/materials/items.yml; the data
decides what is shown, this module only filters and collects. A material needed by
several items is listed once, with every item that needs it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from knowledge.eligibility.data import EligibilityData, Item, Office, Rule, Variant


@dataclass(frozen=True)
class Situation:
    in_china: bool
    category: str
    agreement: bool
    region: str | None
    age: int


def matches(when: Mapping[str, Any], s: Situation) -> bool:
    for key, wanted in when.items():
        if key == "in_china" and s.in_china != bool(wanted):
            return False
        if key == "category" and s.category not in wanted:
            return False
        if key == "agreement" and s.agreement != bool(wanted):
            return False
        if key == "region" and s.region not in wanted:
            return False
        if key == "age_over" and not s.age > wanted:
            return False
    return True


@dataclass(frozen=True)
class ItemPlan:
    item: Item
    application_type: str
    variant: Variant
    office: Office | None
    steps: tuple[Rule, ...]
    materials: tuple[str, ...]
    deadlines: tuple[str, ...]
    fees: tuple[str, ...]
    notes: tuple[Rule, ...]

    @property
    def key(self) -> str:
        """ "work_permit" for a default-variant item, else "work_permit_extension"."""
        return self.item.id if self.variant.id == "default" else f"{self.item.id}_{self.variant.id}"


def plan_items(data: EligibilityData, items: tuple[tuple[str, str], ...], s: Situation) -> list[ItemPlan]:
    plans = []
    for item_id, application_type in items:
        item = data.items[item_id]
        variant = item.variant(application_type)
        if variant is None:  # the input check refuses these; data without the variant lands here
            continue

        def chosen(rules: tuple[Rule, ...]) -> tuple[Rule, ...]:
            return tuple(r for r in rules if matches(r.when, s))

        def refs(rules: tuple[Rule, ...]) -> tuple[str, ...]:
            # materials, deadlines and fees are reference rules: each has its id (data.py _ref_rules)
            return tuple(r.ref for r in chosen(rules) if r.ref is not None)

        plans.append(
            ItemPlan(
                item=item,
                application_type=variant.id,
                variant=variant,
                office=data.office(s.region, item.office),
                steps=chosen(variant.steps),
                materials=refs(variant.materials),
                deadlines=refs(variant.deadlines),
                fees=refs(variant.fees),
                notes=chosen(item.notes),
            )
        )
    return plans


def collect(plans: list[ItemPlan], attribute: str) -> dict[str, list[str]]:
    """id -> the items (plan keys) that need it, in first-seen order."""
    found: dict[str, list[str]] = {}
    for plan in plans:
        for ref in getattr(plan, attribute):
            found.setdefault(ref, [])
            if plan.key not in found[ref]:
                found[ref].append(plan.key)
    return found
