"""Synthetic volume for benchmarks and demos: offices, units, users and three years of cases.

Used by `manage.py seed_volume`. Everything is invented. Rows are written with COPY on
PostgreSQL and bulk_create elsewhere (`bulk.insert`) in chunks of cases, one transaction per
chunk, so a million offers take minutes, not hours; the
shapes follow what the compliance report reads:

- each case has one to three counts from a unit-specific pool of common California charges;
- one to four offers (2.5 on average); about 90% are conveyed, days to weeks apart;
- compliance improves over the three years (from about 70% to about 92% of cases with a
  worksheet signed before the first offer), some worksheets are signed late, some never;
- decisions, parity answers and overrides in plausible proportions; the flagged grounds of
  each offer follow its statute, fewer on the alternatives;
- departures from the standard offer go to a supervisor (office policy "departures"); most are
  approved within a day or two, some returned and amended (version 2, reviewed again).

Signed worksheets are written unsigned first, then given their considered offers and
overrides, then signed in one UPDATE per chunk: on PostgreSQL a trigger freezes a signed
worksheet's parts (migration 0003), and seeding respects it like any other writer.
"""

import datetime as dt
import random
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils import timezone

from consequences.engine import DISCLAIMER

from .. import report_columns
from ..choices import (
    CaseStage,
    ChargeLevel,
    Decision,
    DefenseType,
    DispositionLabel,
    DispositionStatus,
    Factor,
    ParityAnswer,
    ProposedBy,
    ReviewOutcome,
    Role,
)
from ..forms import statute_fields
from ..models import (
    Case,
    Charge,
    Disposition,
    FlagOverride,
    LateSignature,
    Membership,
    Office,
    Review,
    Unit,
    Worksheet,
)
from ..roles import sync_role_groups
from ..search import fold
from ..worksheets import ATTESTATION, SCHEMA_VERSION, content_hash
from . import bulk

VOLUME_PASSWORD = "considered-volume-2026"  # noqa: S105 - synthetic demo logins only
YEARS = 3
CATALOG_VERSION = "synthetic"
CATALOG_EFFECTIVE = "2026-11-27"


@dataclass(frozen=True)
class Statute:
    text: str
    level: str
    title: str
    grounds: tuple
    weight: int


F, W, M = ChargeLevel.FELONY, ChargeLevel.WOBBLER, ChargeLevel.MISDEMEANOR
AF, CIMT, CS, FA, DV = (
    "aggravated_felony",
    "cimt",
    "controlled_substance",
    "firearm",
    ("domestic_violence"),
)

UNITS = {
    "Felony Trial Unit": [
        Statute("PC 211", F, "Robbery", (AF, CIMT), 5),
        Statute("PC 459", F, "Burglary", (CIMT, AF), 6),
        Statute("PC 245(a)(1)", W, "Assault with a deadly weapon", (CIMT, AF), 6),
        Statute("PC 29800(a)(1)", F, "Felon in possession of a firearm", (FA, AF), 4),
        Statute("PC 422(a)", W, "Criminal threats", (CIMT,), 3),
        Statute("PC 496(a)", W, "Receiving stolen property", (CIMT,), 4),
        Statute("VC 10851(a)", W, "Taking a vehicle", (CIMT,), 3),
        Statute("PC 288(a)", F, "Lewd act with a child", (AF, CIMT), 1),
    ],
    "Domestic Violence Unit": [
        Statute("PC 273.5(a)", W, "Corporal injury to a spouse or cohabitant", (DV, CIMT), 8),
        Statute("PC 243(e)(1)", M, "Battery on a spouse or cohabitant", (DV,), 7),
        Statute("PC 166(c)(1)", M, "Violation of a protective order", (DV,), 3),
        Statute("PC 646.9(a)", W, "Stalking", (DV, CIMT), 2),
        Statute("PC 273a(a)", W, "Child endangerment", (DV,), 2),
    ],
    "Narcotics Unit": [
        Statute("HS 11351", F, "Possession for sale of a controlled substance", (CS, AF), 5),
        Statute("HS 11378", F, "Possession for sale of methamphetamine", (CS, AF), 5),
        Statute("HS 11350(a)", M, "Possession of a controlled substance", (CS,), 6),
        Statute("HS 11377(a)", M, "Possession of methamphetamine", (CS,), 6),
        Statute("HS 11364", M, "Possession of drug paraphernalia", (CS,), 4),
    ],
    "Misdemeanor Unit": [
        Statute("VC 23152(a)", M, "Driving under the influence", (), 9),
        Statute("VC 23152(b)", M, "Driving with 0.08% blood alcohol", (), 6),
        Statute("PC 484(a)", M, "Petty theft", (CIMT,), 6),
        Statute("PC 242", M, "Battery", (), 4),
        Statute("PC 148(a)(1)", M, "Resisting an officer", (), 4),
        Statute("PC 594(b)(1)", W, "Vandalism", (), 3),
        Statute("VC 14601.1(a)", M, "Driving on a suspended license", (), 4),
        Statute("PC 647(f)", M, "Public intoxication", (), 3),
        Statute("PC 647(b)", M, "Prostitution", ("prostitution",), 1),
    ],
}
UNIT_WEIGHTS = {
    "Felony Trial Unit": 3,
    "Domestic Violence Unit": 2,
    "Narcotics Unit": 2,
    "Misdemeanor Unit": 4,
}
DECISIONS = [
    (Decision.STANDARD_KEPT, 45),
    (Decision.MODIFIED, 25),
    (Decision.DEFENSE_ALTERNATIVE, 15),
    (Decision.DIVERSION, 8),
    (Decision.DECLINED, 7),
]
PARITY = [
    (ParityAnswer.SAME, 70),
    (ParityAnswer.EQUIVALENT, 12),
    (ParityAnswer.DIFFERENT, 8),
    (ParityAnswer.NOT_APPLICABLE, 10),
]
EXTRA_GROUNDS = ["mandatory_detention", "good_moral_character", "daca_bar", "asylum_bar"]
FIRST = ["Ana", "Ben", "Carla", "Dev", "Elena", "Farid", "Grace", "Hugo", "Iris", "Jon", "Kim"]
LAST = ["Alvarez", "Brooks", "Chen", "Diaz", "Evans", "Flores", "Garcia", "Huang", "Ito", "Jones"]


def _weighted(rng, pairs):
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights=weights)[0]


@dataclass
class Staff:
    office: Office
    units: list  # [(Unit, [deputy ids], supervisor id, statutes)]


def ensure_office(number, *, deputies_per_unit, password_hash):
    """Volume County N, its four units, deputies, a supervisor per unit and an administrator."""
    office, _ = Office.objects.get_or_create(
        name=f"Volume County {number} District Attorney",
        defaults={
            "county": f"Volume {number}",
            "slug": f"volume-{number}",
        },
    )
    user_model = get_user_model()
    groups = sync_role_groups()
    units = []
    new_users: list = []
    memberships: list[tuple] = []
    roles: list = []
    for unit_index, (unit_name, statutes) in enumerate(UNITS.items()):
        unit, _ = Unit.objects.get_or_create(office=office, name=unit_name)
        wanted = [(f"v{number}u{unit_index}d{i}", Role.DEPUTY) for i in range(deputies_per_unit)]
        wanted.append((f"v{number}u{unit_index}sup", Role.SUPERVISOR))
        for username, role in wanted:
            if not user_model.objects.filter(username=username).exists():
                user = user_model(
                    username=username,
                    first_name=FIRST[len(new_users) % len(FIRST)],
                    last_name=LAST[(len(new_users) // len(FIRST)) % len(LAST)],
                    password=password_hash,
                )
                new_users.append(user)
                memberships.append((user, unit, role))
        units.append((unit, unit_name, statutes))
    admin_name = f"v{number}admin"
    if not user_model.objects.filter(username=admin_name).exists():
        admin = user_model(
            username=admin_name,
            first_name="Ada",
            last_name="Admin",
            password=password_hash,
            is_staff=True,
        )
        new_users.append(admin)
        memberships.append((admin, None, Role.ADMIN))
    user_model.objects.bulk_create(new_users)
    saved = {
        u.username: u
        for u in user_model.objects.filter(username__in=[u.username for u in new_users])
    }
    Membership.objects.bulk_create(
        Membership(user=saved[user.username], office=office, unit=unit, role=role)
        for user, unit, role in memberships
    )
    for user, _unit, role in memberships:
        roles.append(
            user_model.groups.through(user_id=saved[user.username].pk, group_id=groups[role].pk)
        )
    user_model.groups.through.objects.bulk_create(roles)
    staff_units = []
    for unit, unit_name, statutes in units:
        people = Membership.objects.filter(unit=unit)
        deputies = list(people.filter(role=Role.DEPUTY).values_list("user_id", flat=True))
        supervisor = people.filter(role=Role.SUPERVISOR).values_list("user_id", flat=True)[0]
        staff_units.append((unit, deputies, supervisor, statutes, UNIT_WEIGHTS[unit_name]))
    return Staff(office=office, units=staff_units)


class Generator:
    """Writes `cases` cases for one office in chunks; returns what it wrote, by table."""

    def __init__(self, staff, *, seed, now=None, start_number=1):
        self.staff = staff
        self.rng = random.Random(seed)  # noqa: S311 - synthetic data, not secrets
        self.now = now or timezone.now()
        self.start = self.now - dt.timedelta(days=365 * YEARS)
        self.next_number = start_number
        self.fields = {
            s.text: statute_fields(s.text) for _, _, _, statutes, _ in staff.units for s in statutes
        }
        self.written = dict.fromkeys(
            ["cases", "charges", "dispositions", "worksheets", "reviews", "overrides"], 0
        )

    @transaction.atomic
    def chunk(self, size):
        rng, office = self.rng, self.staff.office
        if connection.vendor == "postgresql":
            # Synthetic rows: a crash may lose the last chunks but never corrupts the database,
            # and not waiting for the WAL flush at each commit saves a good part of the time.
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit = off")
        plans, cases = [], []
        for _ in range(size):
            unit, deputies, supervisor, statutes, _w = rng.choices(
                self.staff.units, weights=[u[4] for u in self.staff.units]
            )[0]
            number = f"V{office.pk}-{self.next_number:07d}"
            self.next_number += 1
            opened = self.start + dt.timedelta(
                seconds=rng.uniform(0, 365 * YEARS * 86400 - 86400 * 5)
            )
            cases.append(
                Case(
                    office=office,
                    unit=unit,
                    assigned_deputy_id=rng.choice(deputies),
                    court_case_number=number,
                    caption=f"People of the State of California v. Synthetic Defendant {number}",
                    defendant_name=f"Synthetic Defendant {number}",
                    search_name=fold(f"Synthetic Defendant {number}"),  # bulk_create skips save
                    defense_type=rng.choice(list(DefenseType)),
                    stage=CaseStage.CLOSED
                    if opened < self.now - dt.timedelta(days=180)
                    else CaseStage.PRE_PRELIM,
                )
            )
            counts = rng.choices(
                statutes, weights=[s.weight for s in statutes], k=rng.choice((1, 1, 2, 2, 3))
            )
            plans.append(
                {
                    "opened": opened,
                    "counts": counts,
                    "supervisor": supervisor,
                    "unit_name": unit.name,
                    "office_name": office.name,
                }
            )
        bulk.insert(Case, cases)

        charges = []
        for case, plan in zip(cases, plans, strict=True):
            plan["case"] = case
            for index, statute in enumerate(plan["counts"], start=1):
                charges.append(
                    Charge(
                        case=case,
                        number=index,
                        statute_as_entered=statute.text,
                        level=statute.level,
                        title=statute.title,
                        **self.fields[statute.text],
                    )
                )
            plan["charges"] = charges[-len(plan["counts"]) :]
        bulk.insert(Charge, charges)

        offers = []
        for plan in plans:
            plan["offers"] = self._offers(plan)
            self._plan_worksheet(plan)
            offers.extend(plan["offers"])
        report_columns.copy_scope(offers, lambda offer: offer.case)
        bulk.insert(Disposition, offers)

        self._worksheets([plan for plan in plans if "signed_at" in plan])
        self.written["cases"] += len(cases)
        self.written["charges"] += len(charges)
        self.written["dispositions"] += len(offers)

    def _offers(self, plan):
        rng = self.rng
        how_many = rng.choices((1, 2, 3, 4), weights=(20, 30, 30, 20))[0]
        labels = [DispositionLabel.STANDARD] + [
            rng.choice((DispositionLabel.DEFENSE, DispositionLabel.ALTERNATIVE))
            for _ in range(how_many - 1)
        ]
        offers, day = [], rng.uniform(3, 30)
        for index, label in enumerate(labels):
            conveyed_at = plan["opened"] + dt.timedelta(days=day)
            conveyed = conveyed_at < self.now and rng.random() < 0.9
            # A defense proposal is never the People's conveyed offer (actions.convey_offer).
            conveyed = conveyed and label != DispositionLabel.DEFENSE
            last = index == len(labels) - 1
            if not conveyed:
                status = DispositionStatus.DRAFT
            elif last and rng.random() < 0.7:
                status = DispositionStatus.ENTERED
            else:
                status = DispositionStatus.REJECTED
            offers.append(
                Disposition(
                    case=plan["case"],
                    label=label,
                    proposed_by=(
                        ProposedBy.DEFENSE
                        if label == DispositionLabel.DEFENSE
                        else ProposedBy.PROSECUTION
                    ),
                    status=status,
                    # The report's columns that go with it are set once the worksheet's
                    # signing time is drawn (`_plan_worksheet`).
                    conveyed_at=conveyed_at if conveyed else None,
                )
            )
            day += rng.uniform(7, 45)
        return offers

    def _plan_worksheet(self, plan):
        """When (if ever) the worksheet is signed, and so which offers were compliant."""
        rng = self.rng
        conveyed = sorted(o.conveyed_at for o in plan["offers"] if o.conveyed_at)
        progress = (plan["opened"] - self.start).total_seconds() / (365 * YEARS * 86400)
        on_time = 0.70 + 0.22 * progress  # the office gets better at it over three years
        draw = rng.random()
        first = conveyed[0] if conveyed else plan["opened"] + dt.timedelta(days=20)
        if draw < on_time:
            signed_at = first - dt.timedelta(hours=rng.uniform(2, 96))
        elif draw < on_time + 0.06:
            signed_at = first + dt.timedelta(days=rng.uniform(1, 30))  # late
        else:
            signed_at = None  # never signed: its offers are missing
        if signed_at is not None:
            signed_at = max(signed_at, plan["opened"] + dt.timedelta(hours=1))
            if signed_at >= self.now:
                signed_at = None
        for offer in plan["offers"]:
            if offer.conveyed_at:
                report_columns.mark_conveyed(
                    offer,
                    offer.conveyed_at,
                    with_signed_worksheet=signed_at is not None and signed_at <= offer.conveyed_at,
                )
                # Its LateSignature row is written with the worksheet (`_freeze`).
                offer.signed_late = signed_at is not None and report_columns.is_signed_late(
                    offer, signed_at
                )
        if signed_at is not None:
            plan["signed_at"] = signed_at

    def _worksheet(self, plan, *, signed_at, version=1, amends=None, decision=None, parity=None):
        """An unsigned worksheet with everything signing freezes, except the time itself.

        Its frozen content has the same shape as `cases.worksheets.build_content` and a real
        SHA-256 of it, so a seeded worksheet opens, prints and verifies like a signed one.
        """
        rng = self.rng
        decision = decision or _weighted(rng, DECISIONS)
        offers = plan["offers"]
        departures = [o for o in offers if o.label != DispositionLabel.STANDARD]
        if decision == Decision.STANDARD_KEPT or not departures:
            chosen = offers[0]
        else:
            chosen = rng.choice(departures)
        statute_grounds = sorted({g for s in plan["counts"] for g in s.grounds})
        output = {}
        for offer in offers:
            flagged = list(statute_grounds)
            if offer.label != DispositionLabel.STANDARD and flagged:
                flagged = flagged[: rng.randint(0, len(flagged) - 1)]
            if flagged and rng.random() < 0.3:
                flagged.append(rng.choice(EXTRA_GROUNDS))
            output[str(offer.pk)] = {
                "known": True,
                "flags": [],
                "message": "Synthetic volume data: grounds only, no per-count analysis.",
                "counts": {},
                "grounds_flagged": flagged,
            }
        worksheet = Worksheet(
            case=plan["case"],
            version=version,
            amends=amends,
            chosen_disposition=chosen,
            decision=decision,
            parity_answer=parity or _weighted(rng, PARITY),
            reasons="Synthetic reasons.",
            amendment_reason="Returned by the supervisor." if amends else "",
            catalog_version=CATALOG_VERSION,
            signed_by_id=plan["case"].assigned_deputy_id,
        )
        content = synthetic_content(plan, worksheet, output, signed_at)
        worksheet.engine_output = content["analysis"]
        worksheet.flagged_grounds = report_columns.flagged_grounds(worksheet)
        worksheet.signed_content = content
        worksheet.content_hash = content_hash(content)
        return worksheet

    def _worksheets(self, plans):
        rng = self.rng
        versions = [
            (self._worksheet(plan, signed_at=plan["signed_at"]), plan, plan["signed_at"])
            for plan in plans
        ]
        report_columns.copy_scope([w for w, _, _ in versions], lambda worksheet: worksheet.case)
        bulk.insert(Worksheet, [w for w, _, _ in versions])
        reviews, amendments = [], []
        for worksheet, plan, signed_at in versions:
            review = self._review(worksheet, plan, signed_at)
            if review is None:
                continue
            reviews.append(review)
            if review.outcome == ReviewOutcome.RETURNED:
                amended_at = review.decided_at + dt.timedelta(hours=rng.uniform(4, 72))
                if amended_at < self.now:
                    amendment = self._worksheet(
                        plan,
                        signed_at=amended_at,
                        version=2,
                        amends=worksheet,
                        decision=worksheet.decision,
                        parity=worksheet.parity_answer,
                    )
                    amendments.append((amendment, plan, amended_at))
        report_columns.copy_scope([a for a, _, _ in amendments], lambda worksheet: worksheet.case)
        bulk.insert(Worksheet, [a for a, _, _ in amendments])
        for amendment, plan, amended_at in amendments:
            versions.append((amendment, plan, amended_at))
            decided_at = amended_at + dt.timedelta(hours=rng.uniform(1, 30))
            if decided_at < self.now:
                reviews.append(
                    Review(
                        worksheet=amendment,
                        requested_at=amended_at,
                        outcome=ReviewOutcome.APPROVED,
                        reviewer_id=plan["supervisor"],
                        decided_at=decided_at,
                    )
                )
            else:
                reviews.append(Review(worksheet=amendment, requested_at=amended_at))
        self._freeze(versions)
        report_columns.copy_scope(reviews, lambda review: review.worksheet.case)
        bulk.insert(Review, reviews)
        self.written["worksheets"] += len(versions)
        self.written["reviews"] += len(reviews)

    def _review(self, worksheet, plan, signed_at):
        """Office policy "departures": anything but the standard offer kept goes for review."""
        if worksheet.decision == Decision.STANDARD_KEPT:
            return None
        rng = self.rng
        decided_at = signed_at + dt.timedelta(hours=rng.lognormvariate(3.0, 0.9))
        if decided_at >= self.now:
            return Review(worksheet=worksheet, requested_at=signed_at)
        returned = rng.random() < 0.12
        return Review(
            worksheet=worksheet,
            requested_at=signed_at,
            outcome=ReviewOutcome.RETURNED if returned else ReviewOutcome.APPROVED,
            reviewer_id=plan["supervisor"],
            decided_at=decided_at,
            comments="Explain the parity answer." if returned else "",
        )

    def _freeze(self, versions):
        """Considered offers and overrides, then the signing time: in the order the
        PostgreSQL trigger needs (a signed worksheet's parts cannot change)."""
        rng = self.rng
        through = Worksheet.dispositions_considered.through
        considered: list = []
        overrides: list = []
        for worksheet, plan, _signed_at in versions:
            considered.extend(
                through(worksheet_id=worksheet.pk, disposition_id=offer.pk)
                for offer in plan["offers"]
            )
            statute_grounds = sorted({g for s in plan["counts"] for g in s.grounds})
            if statute_grounds and rng.random() < 0.05:
                overrides.append(
                    FlagOverride(
                        worksheet=worksheet,
                        disposition=plan["offers"][0],
                        charge=plan["charges"][0],
                        ground=statute_grounds[0],
                        engine_verdict="assume_yes",
                        deputy_verdict="arguably_not",
                        reason="Synthetic: the record of conviction is silent.",
                    )
                )
        bulk.insert(through, considered)
        bulk.insert(FlagOverride, overrides)
        _sign(versions)
        # Offers conveyed before the first version was signed: signed late, by the rule
        # sign_worksheet records it with (an amendment finds them late already).
        bulk.insert(
            LateSignature,
            [
                row
                for worksheet, plan, signed_at in versions
                if worksheet.version == 1
                for row in report_columns.late_signatures(worksheet, plan["offers"], signed_at)
            ],
        )
        self.written["overrides"] += len(overrides)


def synthetic_content(plan, worksheet, analysis, signed_at):
    """The frozen content of a seeded worksheet, in the shape `build_content` gives."""
    case = plan["case"]
    return {
        "schema": SCHEMA_VERSION,
        "office": plan["office_name"],
        "case": {
            "court_case_number": case.court_case_number,
            "da_file_number": "",
            "caption": case.caption,
            "defendant_name": case.defendant_name,
            "court_name": "",
            "department": "",
            "judicial_officer": "",
            "unit": plan["unit_name"],
            "deputy": "",
            "stage": case.get_stage_display(),
            "defense_counsel": "",
            "defense_type": case.get_defense_type_display() if case.defense_type else "",
            "interpreter_language": "",
        },
        "counts": [
            {
                "id": str(charge.pk),
                "number": charge.number,
                "statute": charge.statute,
                "title": charge.title,
                "level": charge.get_level_display(),
                "enhancements": "",
                "offense_date": None,
            }
            for charge in plan["charges"]
        ],
        "dispositions": [
            {
                "id": str(offer.pk),
                "name": str(offer),
                "label": offer.get_label_display(),
                "is_standard": offer.label == DispositionLabel.STANDARD,
                "proposed_by": offer.get_proposed_by_display(),
                "status": offer.get_status_display(),
                "diversion": "",
                "terms": [],
            }
            for offer in plan["offers"]
        ],
        "analysis": {"status": "unknown", "synthetic": True, "dispositions": analysis},
        "overrides": [],
        "factors": [
            {"factor": f.value, "label": f.label, "weight": "", "weight_label": "", "note": ""}
            for f in Factor
        ],
        "parity": {
            "answer": worksheet.parity_answer,
            "label": ParityAnswer(worksheet.parity_answer).label,
            "explanation": "",
        },
        "decision": {
            "value": worksheet.decision,
            "label": Decision(worksheet.decision).label,
            "chosen": str(worksheet.chosen_disposition.pk),
            "reasons": worksheet.reasons,
        },
        "status_disclosure": None,
        "worksheet": {
            "version": worksheet.version,
            "amends_version": 1 if worksheet.amends is not None else None,
            "amendment_reason": worksheet.amendment_reason,
        },
        "catalog": {"version": CATALOG_VERSION, "effective": CATALOG_EFFECTIVE},
        "attestation": {
            "statements": list(ATTESTATION),
            "signer": {"username": "", "name": "Synthetic deputy", "bar_number": ""},
            "signed_at": signed_at.isoformat(),
        },
        "disclaimer": DISCLAIMER,
    }


def _sign(versions, batch=2000):
    """Set each worksheet's signing time: one plain CASE statement per batch.

    Raw SQL because Django's bulk_update spends most of its time building expressions; the
    values go through the backend's own datetime adaptation, so it is the same on SQLite and
    PostgreSQL.
    """
    table = connection.ops.quote_name(Worksheet._meta.db_table)
    adapt = connection.ops.adapt_datetimefield_value
    cast = "::timestamptz" if connection.vendor == "postgresql" else ""
    with connection.cursor() as cursor:
        for start in range(0, len(versions), batch):
            part = versions[start : start + batch]
            whens = " ".join(f"WHEN %s THEN %s{cast}" for _ in part)
            ids = ", ".join("%s" for _ in part)
            params = [value for w, _, when in part for value in (w.pk, adapt(when))]
            params += [w.pk for w, _, _ in part]
            cursor.execute(
                f"UPDATE {table} SET signed_at = CASE id {whens} END "  # noqa: S608 - no user input
                f"WHERE id IN ({ids})",
                params,
            )


def password_hash():
    """One hash for every synthetic user: hashing is deliberately slow, so it is done once."""
    return make_password(VOLUME_PASSWORD)
