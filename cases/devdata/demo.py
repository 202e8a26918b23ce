"""Demo data: two county offices, their users and realistic cases. Used by `seed_demo`.

Everything is created by natural key (office name, username, case number), so running it twice
changes nothing the second time. Names and facts are invented.
"""

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from consequences.catalog import get_catalog

from ..catalog_history import record_catalog
from ..choices import (
    CaseStage,
    ChargeLevel,
    Condition,
    Decision,
    DefenseType,
    DispositionLabel,
    FactorWeight,
    ParityAnswer,
    PleaLevel,
    PriorSource,
    ProposedBy,
    ReviewOutcome,
    Role,
    SentenceForm,
    TermAction,
)
from ..forms import statute_fields
from ..models import Case, Charge, Disposition, Membership, Office, PleaTerm, Unit
from ..roles import assign_role, sync_role_groups

DEMO_PASSWORD = "considered-demo-2026"  # noqa: S105 - printed for the demo, never used elsewhere

DEMO_OFFICE = "Demo County District Attorney"
NEIGHBOR_OFFICE = "Neighbor County District Attorney"


@dataclass
class Count:
    statute: str
    level: str
    title: str
    enhancements: str = ""


@dataclass
class Term:
    count: int
    statute: str = ""
    level: str = PleaLevel.MISDEMEANOR
    days: int = 0
    suspended: int = 0
    probation_months: int = 0
    form: str = SentenceForm.ISS
    conditions: list = field(default_factory=list)
    dismiss: bool = False
    facts: dict = field(default_factory=dict)


@dataclass
class Offer:
    label: str
    name: str
    terms: list
    proposed_by: str = ProposedBy.PROSECUTION


@dataclass
class Prior:
    """A prior conviction off the rap sheet; its date is counted back from the seeding day."""

    code: str
    years_ago: int
    level: str
    sentence_days: int
    source: str = PriorSource.RAP_SHEET


@dataclass
class DemoCase:
    number: str
    defendant: str
    unit: str
    deputy: str
    stage: str
    hearing_in_days: int | None
    counts: list
    offers: list = field(default_factory=list)
    defense_type: str = DefenseType.PUBLIC_DEFENDER
    interpreter: str = ""
    aliases: str = ""
    priors: list = field(default_factory=list)


FELONY, MISDEMEANOR, WOBBLER = ChargeLevel.FELONY, ChargeLevel.MISDEMEANOR, ChargeLevel.WOBBLER

OFFICES: dict[str, dict[str, Any]] = {
    DEMO_OFFICE: {
        "county": "Demo",
        "slug": "demo",
        "court": "Superior Court of California, County of Demo",
        "units": ["Felony Trial Unit", "Misdemeanor Unit"],
        "users": [
            ("deputy1", "Dana", "Deputy", Role.DEPUTY, "Felony Trial Unit"),
            ("deputy2", "Miguel", "Reyes", Role.DEPUTY, "Misdemeanor Unit"),
            ("supervisor1", "Sam", "Supervisor", Role.SUPERVISOR, "Felony Trial Unit"),
            ("admin1", "Alex", "Admin", Role.ADMIN, None),
        ],
    },
    NEIGHBOR_OFFICE: {
        "county": "Neighbor",
        "slug": "neighbor",
        "court": "Superior Court of California, County of Neighbor",
        "units": ["General Felony Unit"],
        "users": [
            ("neighbor_deputy", "Nora", "Nguyen", Role.DEPUTY, "General Felony Unit"),
            ("neighbor_supervisor", "Noel", "Baptiste", Role.SUPERVISOR, "General Felony Unit"),
            ("neighbor_admin", "Nadia", "Okafor", Role.ADMIN, None),
        ],
    },
}

FTU, MU = "Felony Trial Unit", "Misdemeanor Unit"

DEMO_CASES = [
    DemoCase(
        "DEMO-0001",
        "José Luis Hernández",
        FTU,
        "deputy1",
        CaseStage.PRE_PRELIM,
        3,
        [
            Count("PC 273.5(a)", WOBBLER, "Corporal injury on a spouse or cohabitant"),
            Count("HS 11351", FELONY, "Possession for sale of a controlled substance"),
            Count("PC 487(a)", WOBBLER, "Grand theft of property over $950"),
        ],
        [
            Offer(
                DispositionLabel.STANDARD,
                "Standard offer",
                [
                    Term(
                        1,
                        "PC 273.5(a)",
                        PleaLevel.FELONY,
                        365,
                        0,
                        36,
                        SentenceForm.ISS,
                        [Condition.BATTERER_PROGRAM, Condition.STAY_AWAY],
                        facts={"domestic_relationship": True},
                    ),
                    Term(
                        2,
                        "HS 11351",
                        PleaLevel.FELONY,
                        365,
                        0,
                        36,
                        SentenceForm.ISS,
                        [Condition.SEARCH],
                        facts={"substance_named": True},
                    ),
                    Term(
                        3,
                        "PC 487(a)",
                        PleaLevel.FELONY,
                        365,
                        0,
                        36,
                        SentenceForm.ISS,
                        [Condition.RESTITUTION],
                    ),
                ],
            ),
            Offer(
                DispositionLabel.DEFENSE,
                "Defense proposal",
                [
                    Term(
                        1,
                        "PC 243(e)(1)",
                        PleaLevel.MISDEMEANOR,
                        364,
                        0,
                        36,
                        SentenceForm.ISS,
                        [Condition.BATTERER_PROGRAM, Condition.STAY_AWAY],
                        facts={"offensive_touching_only": True},
                    ),
                    Term(
                        2,
                        "HS 11350(a)",
                        PleaLevel.MISDEMEANOR,
                        364,
                        0,
                        36,
                        SentenceForm.ISS,
                        [Condition.TREATMENT],
                    ),
                    Term(
                        3,
                        "PC 496(a)",
                        PleaLevel.MISDEMEANOR,
                        364,
                        0,
                        36,
                        SentenceForm.ISS,
                        [Condition.RESTITUTION],
                    ),
                ],
                ProposedBy.DEFENSE,
            ),
        ],
        defense_type=DefenseType.PUBLIC_DEFENDER,
        interpreter="Spanish",
    ),
    DemoCase(
        "DEMO-0002",
        "Nguyễn Văn An",
        MU,
        "deputy2",
        CaseStage.ARRAIGNMENT,
        1,
        [
            Count("VC 23152(a)", MISDEMEANOR, "Driving under the influence of alcohol"),
            Count("VC 23152(b)", MISDEMEANOR, "Driving with 0.08% blood alcohol or more"),
        ],
        [
            Offer(
                DispositionLabel.STANDARD,
                "Standard DUI offer",
                [
                    Term(
                        1,
                        "VC 23152(b)",
                        PleaLevel.MISDEMEANOR,
                        4,
                        0,
                        36,
                        SentenceForm.ISS,
                        [Condition.FINES, Condition.TREATMENT],
                    ),
                    Term(2, dismiss=True),
                ],
            ),
            Offer(
                DispositionLabel.DEFENSE,
                "Wet reckless",
                [
                    Term(
                        1,
                        "VC 23103.5",
                        PleaLevel.MISDEMEANOR,
                        2,
                        0,
                        24,
                        SentenceForm.ISS,
                        [Condition.FINES, Condition.TREATMENT],
                    ),
                    Term(2, dismiss=True),
                ],
                ProposedBy.DEFENSE,
            ),
        ],
        interpreter="Vietnamese",
    ),
    DemoCase(
        "DEMO-0003",
        "Olena Kovalenko",
        MU,
        "deputy2",
        CaseStage.ARRAIGNMENT,
        5,
        [
            Count("PC 484(a)", MISDEMEANOR, "Petty theft"),
            Count("PC 459.5", MISDEMEANOR, "Shoplifting"),
        ],
        [
            Offer(
                DispositionLabel.STANDARD,
                "Standard offer",
                [
                    Term(
                        1,
                        "PC 484(a)",
                        PleaLevel.MISDEMEANOR,
                        30,
                        30,
                        12,
                        SentenceForm.ISS,
                        [Condition.RESTITUTION],
                    ),
                    Term(2, dismiss=True),
                ],
            )
        ],
        aliases="Олена Коваленко",
        interpreter="Ukrainian",
    ),
    DemoCase(
        "DEMO-0004",
        "Wang Wei (王伟)",
        FTU,
        "deputy1",
        CaseStage.POST_INFORMATION,
        10,
        [
            Count("HS 11378", FELONY, "Possession for sale of methamphetamine"),
            Count("HS 11377(a)", WOBBLER, "Possession of a controlled substance"),
        ],
        [
            Offer(
                DispositionLabel.STANDARD,
                "Standard offer",
                [
                    Term(
                        1,
                        "HS 11378",
                        PleaLevel.FELONY,
                        365,
                        245,
                        36,
                        SentenceForm.ISS,
                        [Condition.SEARCH],
                        facts={"substance_named": True},
                    ),
                    Term(2, dismiss=True),
                ],
            )
        ],
        defense_type=DefenseType.PRIVATE,
        interpreter="Mandarin",
    ),
    DemoCase(
        "DEMO-0005",
        "Mohammed Al-Ahmad (محمد الأحمد)",
        FTU,
        "deputy1",
        CaseStage.ARRAIGNMENT,
        7,
        [
            Count("PC 245(a)(1)", FELONY, "Assault with a deadly weapon"),
            Count("PC 243(d)", WOBBLER, "Battery with serious bodily injury"),
        ],
        interpreter="Arabic",
    ),
    DemoCase(
        "DEMO-0006",
        "Maria Guadalupe Torres",
        MU,
        "deputy2",
        CaseStage.ARRAIGNMENT,
        2,
        [
            Count("PC 647(f)", MISDEMEANOR, "Public intoxication"),
            Count("PC 148(a)(1)", MISDEMEANOR, "Resisting, delaying or obstructing an officer"),
        ],
        # A third misdemeanor on the record: the DACA and TPS misdemeanor counts use it.
        priors=[Prior("PC 647(f)", 2, PleaLevel.MISDEMEANOR, 2)],
    ),
    DemoCase(
        "DEMO-0007",
        "Kevin O'Brien",
        FTU,
        "deputy1",
        CaseStage.PRE_PRELIM,
        14,
        [
            Count("PC 459", FELONY, "First degree (residential) burglary"),
            Count("PC 496(a)", WOBBLER, "Receiving stolen property"),
        ],
        defense_type=DefenseType.PANEL,
        # An earlier theft: with it the petty-offense exception is lost and two CIMTs are possible.
        priors=[Prior("PC 484(a)", 5, PleaLevel.MISDEMEANOR, 30)],
    ),
    DemoCase(
        "DEMO-0008",
        "Ana Sofía Ramírez",
        MU,
        "deputy2",
        CaseStage.ARRAIGNMENT,
        4,
        [
            Count("VC 14601.1(a)", MISDEMEANOR, "Driving with a suspended license"),
            Count("VC 12500(a)", MISDEMEANOR, "Driving without a license"),
        ],
    ),
    DemoCase(
        "DEMO-0009",
        "Darnell Washington",
        FTU,
        "deputy1",
        CaseStage.POST_INFORMATION,
        21,
        [
            Count("PC 29800(a)(1)", FELONY, "Possession of a firearm by a prohibited person"),
            Count("PC 25850(a)", WOBBLER, "Carrying a loaded firearm in public"),
        ],
    ),
    DemoCase(
        "DEMO-0010",
        "Priya Raman",
        MU,
        "deputy2",
        CaseStage.ARRAIGNMENT,
        9,
        [
            Count("PC 530.5(a)", WOBBLER, "Identity theft"),
            Count("PC 470(d)", WOBBLER, "Forgery of a check"),
        ],
        defense_type=DefenseType.PRIVATE,
        interpreter="Tamil",
    ),
    DemoCase(
        "DEMO-0011",
        "Luis Alberto Gómez",
        FTU,
        "deputy1",
        CaseStage.SENTENCING,
        None,
        [Count("PC 273a(a)", WOBBLER, "Child endangerment likely to cause great bodily harm")],
        interpreter="Spanish",
    ),
    DemoCase(
        "DEMO-0012",
        "Samantha Lee",
        MU,
        "deputy2",
        CaseStage.ARRAIGNMENT,
        6,
        [
            Count("PC 646.9(a)", WOBBLER, "Stalking"),
            Count("PC 273.6(a)", MISDEMEANOR, "Violation of a protective order"),
        ],
    ),
    DemoCase(
        "DEMO-0013",
        "Hyun-woo Park (박현우)",
        FTU,
        "deputy1",
        CaseStage.ARRAIGNMENT,
        12,
        [
            Count("HS 11359(b)", WOBBLER, "Possession of cannabis for sale"),
            Count("HS 11358(c)", WOBBLER, "Cultivation of more than six cannabis plants"),
        ],
        interpreter="Korean",
    ),
    DemoCase(
        "DEMO-0014",
        "Tomasz Nowak",
        MU,
        "deputy2",
        CaseStage.ARRAIGNMENT,
        8,
        [
            Count("VC 20002(a)", MISDEMEANOR, "Hit and run with property damage"),
            Count("VC 2800.1(a)", MISDEMEANOR, "Evading a peace officer"),
        ],
    ),
]

NEIGHBOR_CASES = [
    DemoCase(
        "NBR-0001",
        "Carlos Medina",
        "General Felony Unit",
        "neighbor_deputy",
        CaseStage.ARRAIGNMENT,
        5,
        [Count("PC 211", FELONY, "Second degree robbery")],
    ),
    DemoCase(
        "NBR-0002",
        "Fatima Yusuf",
        "General Felony Unit",
        "neighbor_deputy",
        CaseStage.PRE_PRELIM,
        11,
        [
            Count("PC 487(a)", WOBBLER, "Grand theft"),
            Count("PC 532(a)", WOBBLER, "False pretenses"),
        ],
    ),
    DemoCase(
        "NBR-0003",
        "Ivan Petrov",
        "General Felony Unit",
        "neighbor_deputy",
        CaseStage.ARRAIGNMENT,
        None,
        [Count("HS 11352(a)", FELONY, "Transportation of a controlled substance for sale")],
    ),
]


@transaction.atomic
def seed(today=None):
    """Create the demo offices, users and cases if missing. Returns the demo logins."""
    today = today or timezone.localdate()
    sync_role_groups()
    logins = []
    for office_name, spec in OFFICES.items():
        office, _ = Office.objects.get_or_create(
            name=office_name, defaults={"county": spec["county"], "slug": spec["slug"]}
        )
        units = {
            name: Unit.objects.get_or_create(office=office, name=name)[0] for name in spec["units"]
        }
        for username, first, last, role, unit_name in spec["users"]:
            _ensure_user(office, units.get(unit_name), username, first, last, role)
            logins.append((office.name, username, Role(role).label))
        cases = DEMO_CASES if office_name == DEMO_OFFICE else NEIGHBOR_CASES
        for demo_case in cases:
            _ensure_case(office, units, spec["court"], demo_case, today)
    _ensure_worksheets()
    # The catalog the demo starts on, so the Office catalog page compares the next one with it.
    record_catalog(get_catalog())
    return logins


def _ensure_worksheets():
    """Worksheets in each state a reader should see: signed and awaiting review (DEMO-0001),
    returned by the supervisor and amended (DEMO-0002), signed with the standard offer kept and
    conveyed (DEMO-0003), an unsigned draft (DEMO-0004), and an offer conveyed without one."""
    from .. import actions

    office = Office.objects.get(name=DEMO_OFFICE)
    cases = {case.court_case_number: case for case in Case.objects.for_office(office)}
    user = {u.username: u for u in get_user_model().objects.filter(membership__office=office)}
    deputy1, deputy2, supervisor = user["deputy1"], user["deputy2"], user["supervisor1"]

    case = cases["DEMO-0001"]
    if not case.worksheets.exists():
        standard, defense = case.dispositions.order_by("pk")
        _sign(
            actions,
            case,
            deputy1,
            chosen=defense,
            decision=Decision.DEFENSE_ALTERNATIVE,
            reasons=(
                "The defense proposal keeps a conviction on every count, 36 months of probation "
                "with a batterer program and a stay-away order, and full restitution. The victim "
                "was consulted and supports the stay-away terms. The standard offer would carry "
                "consequences out of proportion to the conduct; the proposal still protects the "
                "victim and the public."
            ),
            parity=ParityAnswer.EQUIVALENT,
            parity_explanation=(
                "A citizen would receive the standard offer; the equivalence is kept by a "
                "longer program and the full custody term on each count."
            ),
        )

    case = cases["DEMO-0002"]
    if not case.worksheets.exists():
        standard, wet_reckless = case.dispositions.order_by("pk")
        signed = _sign(
            actions,
            case,
            deputy2,
            chosen=wet_reckless,
            decision=Decision.DEFENSE_ALTERNATIVE,
            reasons="First offense, low blood alcohol, no collision; wet reckless with program.",
            parity=ParityAnswer.SAME,
        )
        actions.review_worksheet(
            signed,
            by_user=supervisor,
            outcome=ReviewOutcome.RETURNED,
            comments="Record the blood alcohol level and the victim-free facts in the reasons.",
        )
        amendment = actions.amend_worksheet(
            signed, by_user=deputy2, reason="Returned by the supervisor: reasons completed."
        )
        actions.update_worksheet(
            amendment,
            by_user=deputy2,
            version=amendment.lock_version,
            fields={
                "reasons": amendment.reasons + " Blood alcohol 0.09%; no collision, no injury."
            },
        )

    case = cases["DEMO-0003"]
    if not case.worksheets.exists():
        (standard,) = case.dispositions.order_by("pk")
        _sign(
            actions,
            case,
            deputy2,
            chosen=standard,
            decision=Decision.STANDARD_KEPT,
            reasons="The standard petty theft offer already avoids the consequences flagged.",
            parity=ParityAnswer.SAME,
        )
        actions.convey_offer(standard, by_user=deputy2)

    case = cases["DEMO-0004"]
    if not case.worksheets.exists():
        (standard,) = case.dispositions.order_by("pk")
        worksheet = actions.start_worksheet(case, by_user=deputy1)
        actions.update_worksheet(
            worksheet,
            by_user=deputy1,
            version=worksheet.lock_version,
            fields={
                "factors": {
                    "seriousness": {
                        "weight": FactorWeight.FOR_STANDARD,
                        "note": "Quantity consistent with sales.",
                    }
                }
            },
        )
        actions.convey_offer(standard, by_user=deputy1)


def _sign(actions, case, deputy, *, chosen, decision, reasons, parity, parity_explanation=""):
    worksheet = actions.start_worksheet(case, by_user=deputy)
    factors = {
        "seriousness": {"weight": FactorWeight.NEUTRAL, "note": ""},
        "victim_input": {"weight": FactorWeight.FOR_ALTERNATIVE, "note": "Victim consulted."},
        "history": {"weight": FactorWeight.FOR_ALTERNATIVE, "note": "No prior convictions."},
        "proportionality": {"weight": FactorWeight.FOR_ALTERNATIVE, "note": ""},
    }
    actions.update_worksheet(
        worksheet,
        by_user=deputy,
        version=worksheet.lock_version,
        fields={
            "chosen_disposition": chosen,
            "decision": decision,
            "reasons": reasons,
            "parity_answer": parity,
            "parity_explanation": parity_explanation,
            "factors": factors,
        },
    )
    return actions.sign_worksheet(worksheet, by_user=deputy)


def _ensure_user(office, unit, username, first, last, role):
    user_model = get_user_model()
    user, created = user_model.objects.get_or_create(
        username=username,
        defaults={"first_name": first, "last_name": last, "email": f"{username}@example.org"},
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save()
    Membership.objects.update_or_create(
        user=user, defaults={"office": office, "unit": unit, "role": role}
    )
    assign_role(user, role)
    return user


def _ensure_case(office, units, court, spec, today):
    if Case.objects.filter(office=office, court_case_number=spec.number).exists():
        return None
    deputy = get_user_model().objects.get(username=spec.deputy)
    hearing = today + dt.timedelta(days=spec.hearing_in_days) if spec.hearing_in_days else None
    case = Case.objects.create(
        office=office,
        unit=units[spec.unit],
        assigned_deputy=deputy,
        court_case_number=spec.number,
        da_file_number=f"DA-{spec.number.split('-')[1]}-{today.year}",
        caption=f"People of the State of California v. {spec.defendant}",
        defendant_name=spec.defendant,
        aliases=spec.aliases,
        court_name=court,
        department="4" if spec.unit == MU else "12",
        defense_counsel="Office of the Public Defender"
        if spec.defense_type == DefenseType.PUBLIC_DEFENDER
        else "Jordan Avery, Esq.",
        defense_type=spec.defense_type,
        stage=spec.stage,
        next_hearing=hearing,
        # Filed a month ago, so an offer can be recorded as conveyed on an earlier day.
        filed_on=today - dt.timedelta(days=30),
        interpreter_language=spec.interpreter,
    )
    charges = {}
    for number, count in enumerate(spec.counts, start=1):
        charges[number] = Charge.objects.create(
            case=case,
            number=number,
            statute_as_entered=count.statute,
            title=count.title,
            level=count.level,
            enhancements=count.enhancements,
            offense_date=today - dt.timedelta(days=60 + number),
            **statute_fields(count.statute),
        )
    from ..actions import add_prior  # as in _ensure_worksheets: the actions import the models

    for prior in spec.priors:
        add_prior(
            case,
            by_user=deputy,
            code=prior.code,
            convicted_on=today - dt.timedelta(days=365 * prior.years_ago),
            level=prior.level,
            sentence_days=prior.sentence_days,
            source=prior.source,
        )
    for offer in spec.offers:
        disposition = Disposition.objects.create(
            case=case,
            label=offer.label,
            name=offer.name,
            proposed_by=offer.proposed_by,
            created_by=deputy,
        )
        for term in offer.terms:
            PleaTerm.objects.create(
                disposition=disposition,
                charge=charges[term.count],
                action=TermAction.DISMISS if term.dismiss else TermAction.PLEAD,
                statute_pleaded="" if term.dismiss else term.statute,
                level_at_plea="" if term.dismiss else term.level,
                sentence_form="" if term.dismiss else term.form,
                custody_days_imposed=term.days,
                custody_days_suspended=term.suspended,
                probation_months=term.probation_months,
                conditions=[str(c) for c in term.conditions],
                **term.facts,
            )
    return case
