"""Social insurance for the applicant's nationality: the five insurances, or an agreement's exemption.

knowledge/agreements.yml lists the bilateral agreements. Where an agreement's scope is
known the answer names the exempted insurances and the ones that still apply; where it
is not (or the agreement is not confirmed) the answer says so and asks the user to
confirm with the social insurance office. Either way an agreement needs a coverage
certificate from the home country.
"""

from __future__ import annotations

from dataclasses import dataclass

from knowledge.countries import Country
from knowledge.eligibility.data import INSURANCES, Agreement, EligibilityData
from knowledge.eligibility.texts import Day, Local, Text

AGREEMENT, NO_AGREEMENT, UNCONFIRMED, NO_COUNTRY, NOT_FOREIGN_STATUS = (
    "agreement",
    "no_agreement",
    "unconfirmed",
    "no_country",
    "not_foreign",
)


@dataclass(frozen=True)
class SocialInsurance:
    status: str
    country: Country | None
    agreement: Agreement | None
    exempt: tuple[str, ...] | None
    must_join: tuple[str, ...] | None
    texts: tuple[Text | Local, ...]
    coverage_certificate: bool
    uncertain: bool

    @property
    def has_agreement(self) -> bool:
        return self.status == AGREEMENT


def social_insurance(data: EligibilityData, country: Country | None) -> SocialInsurance:
    if country is None:
        return SocialInsurance(
            NO_COUNTRY, None, None, None, INSURANCES, (Text("si.no_country"),), False, False
        )
    if country.alpha_2 in data.policy.conditions.not_foreign:
        return SocialInsurance(
            NOT_FOREIGN_STATUS, country, None, None, None, (Text("si.not_foreign"),), False, False
        )
    name = Local(en=country.name_en, zh=country.name_zh)
    agreement = data.agreements.get(country.alpha_2)
    if agreement is None:
        if country.alpha_2 in data.unconfirmed_agreements:
            return SocialInsurance(
                UNCONFIRMED,
                country,
                None,
                None,
                INSURANCES,
                (Text("si.unconfirmed", {"country": name}),),
                False,
                True,
            )
        return SocialInsurance(
            NO_AGREEMENT,
            country,
            None,
            (),
            INSURANCES,
            (Text("si.no_agreement", {"country": name}),),
            False,
            False,
        )
    texts: list[Text | Local] = []
    if agreement.exempt is not None and agreement.scope is not None:
        texts.append(agreement.scope)
        must_join = tuple(i for i in INSURANCES if i not in agreement.exempt)
    else:
        texts.append(Text("si.scope_unknown", {"country": name}))
        must_join = None
    if agreement.in_force is not None:
        texts.append(Text("si.in_force", {"date": Day(agreement.in_force)}))
    texts.append(Text("si.coverage_certificate"))
    return SocialInsurance(
        AGREEMENT, country, agreement, agreement.exempt, must_join, tuple(texts), True, agreement.uncertain
    )
