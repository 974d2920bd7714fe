"""One assessment: answers in; category, points, conditions and the one-time checklist out.

`assess()` checks the answers (raising InvalidInput with every field problem), scores
them, picks the category, checks the basic conditions and collects the items' steps,
materials, deadlines, fees and the social-insurance exemption. The result is language-
neutral; `Assessment.to_json(lang)` writes it in English or Chinese.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Mapping

import yaml

from knowledge.eligibility.categories import UNKNOWN, CategoryResult, categorise
from knowledge.eligibility.checklist import ItemPlan, Situation, collect, plan_items
from knowledge.eligibility.conditions import Condition, check_conditions
from knowledge.eligibility.data import FACTOR_KEYS, EligibilityData, Office, PointsTable
from knowledge.eligibility.inputs import Applicant, parse_applicant
from knowledge.eligibility.points import PointsResult, improvements, score
from knowledge.eligibility.social_insurance import SocialInsurance, social_insurance
from knowledge.eligibility.texts import Local, Text


def read_regions(regions_dir: Path) -> dict[str, dict[str, Any]]:
    """Region profiles (knowledge/regions/<id>.yml) by id."""
    profiles: dict[str, dict[str, Any]] = {}
    for path in sorted(Path(regions_dir).glob("*.yml")):
        with path.open(encoding="utf-8") as fh:
            profiles[path.stem] = yaml.safe_load(fh) or {}
    return profiles


def average_wage(profile: Mapping[str, Any] | None) -> float | None:
    value = (profile or {}).get("average_annual_wage_cny")
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        return None
    return float(value)


def region_name(region: str | None, profile: Mapping[str, Any] | None) -> Local:
    name = (profile or {}).get("name")
    if isinstance(name, Mapping) and name.get("en") and name.get("zh"):
        return Local.of(name)
    return Local(en=region or "your region", zh=region or "您所在地区")


@dataclass(frozen=True)
class Assessment:
    applicant: Applicant
    data: EligibilityData
    table: PointsTable
    points: PointsResult
    category: CategoryResult
    conditions: list[Condition]
    plans: list[ItemPlan]
    social: SocialInsurance
    region: str | None
    region_name: Local
    region_notes: list[Office]
    assumptions: list[Text]
    in_china: bool

    @property
    def uncertain(self) -> bool:
        """Does any part of the answer tell the user to confirm with the office?"""
        d = self.data
        return (
            self.table.uncertain
            or self.social.uncertain
            or any(r.status == UNKNOWN for r in self.category.routes)
            or any(d.materials[m].uncertain for p in self.plans for m in p.materials)
            or any(d.deadlines[x].uncertain for p in self.plans for x in p.deadlines)
            or any(d.fees[f].uncertain for p in self.plans for f in p.fees)
            or any(n.uncertain for p in self.plans for n in (*p.notes, *p.steps))
            or any(p.office is not None and p.office.uncertain for p in self.plans)
        )

    def to_json(self, lang: str) -> dict[str, Any]:
        m = self.data.messages

        def r(text: Any) -> str | None:
            return m.render(text, lang)

        d = self.data
        category = self.category
        points = self.points
        materials = collect(self.plans, "materials")
        deadlines = collect(self.plans, "deadlines")
        fees = collect(self.plans, "fees")
        social = self.social
        return {
            "language": lang,
            "answers": self.applicant.to_json(),
            "nationality": self.applicant.nationality.to_json(lang) if self.applicant.nationality else None,
            "region": {"id": self.region, "name": self.region_name.get(lang)},
            "category": {
                "code": category.code,
                "name": r(Text(f"category.{category.code}.name")),
                "summary": r(Text(f"category.{category.code}.summary")),
                "met_routes": list(category.met_routes),
                "possibly_higher": category.possibly_higher,
                "possibly_higher_text": r(Text(f"category.possibly_higher.{category.possibly_higher}"))
                if category.possibly_higher
                else None,
                "routes": [
                    {
                        "id": route.id,
                        "category": route.category,
                        "status": route.status,
                        "text": m.join(list(route.reasons), lang),
                    }
                    for route in category.routes
                ],
            },
            "points": {
                "total": points.total,
                "table": {
                    "id": self.table.id,
                    "name": self.table.name.get(lang),
                    "uncertain": self.table.uncertain,
                    "source": self.table.source,
                    "checked": self.table.checked,
                },
                "thresholds": dict(self.table.thresholds),
                "breakdown": points.breakdown,
                "maximums": {key: points.factors[key].max for key in FACTOR_KEYS},
                "explanations": {key: r(points.factors[key].explanation) for key in FACTOR_KEYS},
                "improvements": [r(t) for t in improvements(points, category.code)],
                "note": r(Text("pts.table_uncertain", {"table": self.table.name}))
                if self.table.uncertain
                else None,
            },
            "conditions": [{"id": c.id, "status": c.status, "text": r(c.text)} for c in self.conditions],
            "acceptance": {
                "mode": "materials_to_follow" if category.code == "A" else "standard",
                "text": r(
                    Text("acceptance.materials_to_follow" if category.code == "A" else "acceptance.standard")
                ),
            },
            "in_china": self.in_china,
            "items": [
                {
                    "id": plan.item.id,
                    "key": plan.key,
                    "application_type": plan.application_type,
                    "name": plan.item.name.get(lang),
                    "title": plan.variant.title.get(lang),
                    "office": r(plan.office.text) if plan.office else None,
                    "steps": [{"text": r(s.text), "uncertain": s.uncertain} for s in plan.steps],
                    "notes": [{"id": n.ref, "text": r(n.text), "uncertain": n.uncertain} for n in plan.notes],
                    "materials": list(plan.materials),
                    "deadlines": list(plan.deadlines),
                    "fees": list(plan.fees),
                }
                for plan in self.plans
            ],
            "materials": [self._material(mid, items, lang) for mid, items in materials.items()],
            "deadlines": [
                {
                    "id": did,
                    "items": items,
                    "text": r(d.deadlines[did].text),
                    "who": d.deadlines[did].who,
                    "who_text": r(Text(f"who.{d.deadlines[did].who}")),
                    "days": d.deadlines[did].days,
                    "unit": d.deadlines[did].unit,
                    "direction": d.deadlines[did].direction,
                    "counts_from": d.deadlines[did].counts_from,
                    "counts_from_text": r(d.deadlines[did].event),
                    "uncertain": d.deadlines[did].uncertain,
                    "source": d.deadlines[did].source,
                    "checked": d.deadlines[did].checked,
                }
                for did, items in deadlines.items()
            ],
            "fees": [
                {
                    "id": fid,
                    "items": items,
                    "text": r(d.fees[fid].text),
                    "amounts": None
                    if d.fees[fid].amounts is None
                    else [
                        {
                            "cny": int(a.cny) if float(a.cny).is_integer() else a.cny,
                            "validity": r(a.validity) if a.validity else None,
                        }
                        for a in d.fees[fid].amounts or ()
                    ],
                    "uncertain": d.fees[fid].uncertain,
                    "source": d.fees[fid].source,
                    "checked": d.fees[fid].checked,
                }
                for fid, items in fees.items()
            ],
            "social_insurance": {
                "status": social.status,
                "agreement": social.has_agreement,
                "country": social.country.to_json(lang) if social.country else None,
                "exempt": None
                if social.exempt is None
                else [{"id": i, "name": d.insurances[i].get(lang)} for i in social.exempt],
                "must_join": None
                if social.must_join is None
                else [{"id": i, "name": d.insurances[i].get(lang)} for i in social.must_join],
                "coverage_certificate": social.coverage_certificate,
                "text": m.join(list(social.texts), lang),
                "uncertain": social.uncertain,
                "source": d.agreements_source
                if social.status in ("agreement", "no_agreement", "unconfirmed")
                else None,
                "checked": d.agreements_checked
                if social.status in ("agreement", "no_agreement", "unconfirmed")
                else None,
            },
            "notes": [r(n.text) for n in self.region_notes],
            "assumptions": [r(t) for t in self.assumptions],
            "uncertain": self.uncertain,
            "offer_human": self.uncertain,
        }

    def _material(self, mid: str, items: list[str], lang: str) -> dict[str, Any]:
        mat = self.data.materials[mid]
        m = self.data.messages
        auth_text = mat.authentication_note or Text(f"auth.{mat.authentication}")
        return {
            "id": mid,
            "items": items,
            "name": mat.name.get(lang),
            "what": mat.what.get(lang),
            "issuer": mat.issuer.get(lang),
            "validity": mat.validity.get(lang) if mat.validity else None,
            "authentication": mat.authentication,
            "authentication_text": m.render(auth_text, lang),
            "uncertain": mat.uncertain,
            "source": mat.source,
            "checked": mat.checked,
        }


def assess(
    raw: Mapping[str, Any],
    *,
    data: EligibilityData,
    today: date,
    regions: Mapping[str, Mapping[str, Any]] | None = None,
    default_region: str | None = None,
) -> Assessment:
    """Check the answers and assess them (raises InvalidInput)."""
    regions = regions or {}
    applicant = parse_applicant(
        raw, today=today, regions=tuple(regions), tables=tuple(data.tables), items=tuple(data.items)
    )
    region = applicant.region or (default_region if default_region in regions else None)
    profile = regions.get(region) if region else None
    table = data.table(applicant.points_table)
    points = score(applicant, table)
    category = categorise(applicant, points, average_wage(profile), region_name(region, profile), data.policy)

    assumptions: list[Text] = []
    types = {kind for _, kind in applicant.items}
    if applicant.in_china is None:
        in_china = "new" not in types
        assumptions.append(Text("assume.outside_china" if not in_china else "assume.inside_china"))
    else:
        in_china = applicant.in_china
        if not in_china and types & {"change", "extension", "cancellation"}:
            assumptions.append(Text("assume.not_in_china_for_type"))
    if not applicant.items_given:
        assumptions.append(Text("assume.default_items"))

    social = social_insurance(data, applicant.nationality)
    situation = Situation(
        in_china=in_china,
        category=category.code,
        agreement=social.has_agreement,
        region=region,
        age=applicant.age,
    )
    plans = plan_items(data, applicant.items, situation)
    region_notes = [
        o for key in ("integrated", "note") if (o := data.offices.get(region or "", {}).get(key)) is not None
    ]
    return Assessment(
        applicant=applicant,
        data=data,
        table=table,
        points=points,
        category=category,
        conditions=check_conditions(applicant, category, today, data.policy),
        plans=plans,
        social=social,
        region=region,
        region_name=region_name(region, profile),
        region_notes=region_notes,
        assumptions=assumptions,
        in_china=in_china,
    )
