"""Synthetic volume for benchmarks and demos: offices, units, users and three years of cases.

Used by `manage.py seed_volume`. Everything is invented. Rows are written as tuples, with COPY
on PostgreSQL (`bulk.write`), in chunks of cases, one transaction per chunk, so a million
offers take minutes; the shapes follow what the compliance report reads:

- each case has one to three counts from a unit-specific pool of common California charges;
- one to four offers (2.5 on average); about 90% are conveyed, days to weeks apart;
- compliance improves over the three years (from about 70% to about 92% of cases with a
  worksheet signed before the first offer), some worksheets are signed late, some never;
- decisions, parity answers and overrides in plausible proportions; the flagged grounds of
  each offer follow its statute, fewer on the alternatives;
- departures from the standard offer go to a supervisor (office policy "departures"); most are
  approved within a day or two, some returned and amended (version 2, reviewed again).

The report's shortcut columns are computed by `cases.report_columns`, as the actions compute
them; a signed worksheet's frozen content and hash come from `content` (built once per
repeating part, not per worksheet). On PostgreSQL a trigger freezes a signed worksheet's parts
(migration 0003): seeding writes in the order it accepts, and into a new office it skips the
per-row checks and proves the same set-based before each chunk commits (`Generator._verify`).
"""

import datetime as dt
import gc
import itertools
import queue
import random
import sys
import threading
from dataclasses import dataclass, field
from types import SimpleNamespace

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils import timezone

from .. import report_columns
from ..choices import (
    CaseStage,
    ChargeLevel,
    Decision,
    DefenseType,
    DispositionLabel,
    DispositionStatus,
    ParityAnswer,
    ProposedBy,
    ReviewOutcome,
    Role,
)
from ..forms import statute_fields
from ..models import (
    SCOPE_FIELDS,
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
from . import bulk, content

VOLUME_PASSWORD = "considered-volume-2026"  # noqa: S105 - synthetic demo logins only
YEARS = 3


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
DEFENSE_TYPES = [choice.value for choice in DefenseType]
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


LABELS = {
    choice.value: choice.label
    for choices in (CaseStage, ChargeLevel, DefenseType, DispositionStatus, ProposedBy)
    for choice in choices
}


@dataclass(slots=True)
class Offer:
    """An offer, with the attributes the report's column functions read and set
    (`report_columns.mark_conveyed`, `is_signed_late`), so the seed computes them as the
    actions do without building model instances."""

    label: str
    status: str
    conveyed_at: dt.datetime | None
    id: int = 0
    conveyed_month: dt.date | None = None
    conveyed_with_signed_worksheet: bool | None = None
    signed_late: bool = False
    conveyed_terms_hash: str = ""  # the seed conveys no plea terms to hash

    @property
    def proposed_by(self):
        # A defense proposal is the defense's; every other offer the People's.
        if self.label == DispositionLabel.DEFENSE:
            return ProposedBy.DEFENSE.value
        return ProposedBy.PROSECUTION.value


@dataclass(slots=True)
class Version:
    """One signed worksheet version of a case, and its supervisor's review if it has one."""

    number: int
    signed_at: dt.datetime
    decision: str
    parity: str
    chosen: Offer
    flagged: tuple  # the grounds flagged on each offer, in the order of the case's offers
    override: bool
    review: tuple | None = None  # (requested_at, outcome, reviewer id, decided_at, comments)
    id: int = 0


@dataclass(slots=True)
class CasePlan:
    """Everything drawn for one case before any id is known; the ids are set just before
    the rows are written."""

    office_id: int
    office_name: str
    unit_id: int
    unit_name: str
    assigned_deputy_id: int
    supervisor_id: int
    court_case_number: str
    opened: dt.datetime
    defense_type: str
    stage: str
    counts: list
    offers: list
    versions: list = field(default_factory=list)
    id: int = 0
    charge_ids: list = field(default_factory=list)

    @property
    def defendant_name(self):
        return f"Synthetic Defendant {self.court_case_number}"

    @property
    def caption(self):
        return f"People of the State of California v. {self.defendant_name}"

    @property
    def stage_label(self):
        return LABELS[self.stage]

    @property
    def defense_type_label(self):
        return LABELS[self.defense_type]


class Chunk(list):
    """A chunk's case plans, and once drawn its tables ready to load (`Generator._draw`)."""

    tables: list


class Generator:
    """Writes cases for one office in chunks, one transaction each; `written` counts the rows
    by table.

    A chunk draws every case first (`_plan`: dates, counts, offers, signing, reviews), then
    reserves the ids it needs from the tables' sequences, then writes each table once as
    tuples (`bulk.write`). Nothing is updated after it is written: a signed worksheet's
    considered offers and overrides are written before the worksheet itself, which arrives
    signed. That is the order the PostgreSQL trigger of migration 0003 accepts (it refuses
    parts added to a worksheet that is already signed), and the foreign keys, which Django
    declares DEFERRABLE INITIALLY DEFERRED, are checked at the chunk's commit. With
    `skip_row_checks` PostgreSQL checks neither row by row (about half of its work in the
    load, measured); `_verify` proves both for the chunk's rows with one query each.
    """

    def __init__(self, staff, *, seed, now=None, start_number=1, skip_row_checks=False):
        self.staff = staff
        # Load without PostgreSQL's per-row foreign-key checks and triggers, then prove what
        # they would have enforced, set-based, before each chunk commits (`_verify`).
        self.skip_row_checks = skip_row_checks
        self.rng = random.Random(seed)  # noqa: S311 - synthetic data, not secrets
        self.now = now or timezone.now()
        self.start = self.now - dt.timedelta(days=365 * YEARS)
        self.next_number = start_number
        self.units = staff.units
        self.unit_weights = list(itertools.accumulate(u[4] for u in staff.units))
        self.statute_weights = {
            unit.pk: list(itertools.accumulate(s.weight for s in statutes))
            for unit, _, _, statutes, _ in staff.units
        }
        # Per statute, the charge columns that do not vary (statute_fields parses the text).
        self.charge_columns = {
            s.text: (s.text, s.level.value, s.title, *statute_fields(s.text).values())
            for _, _, _, statutes, _ in staff.units
            for s in statutes
        }
        # {frozenset of grounds flagged: Worksheet.flagged_grounds} (`_worksheet`).
        self.ground_bits: dict[frozenset, int] = {}
        self.written = dict.fromkeys(
            ["cases", "charges", "dispositions", "worksheets", "reviews", "overrides"], 0
        )

    def chunk(self, size):
        """Draw `size` cases and write them, in one transaction."""
        self._load(self._draw(size))

    def write(self, sizes, progress=None):
        """Write chunks of `sizes` cases, one transaction each, calling `progress(size)` after
        each. On PostgreSQL a thread draws and formats the next chunk (`_draw`, with its own
        connection for the ids) while this one's connection loads the current one (`_load`):
        Python and the server then work at once, on two cores, where in turn they took about
        as long as each other (measured). Elsewhere (SQLite) one chunk after the other."""
        # Drawing makes millions of short-lived objects and no reference cycles, and each pass
        # of the cyclic collector walks everything alive (Django's and the catalog's objects
        # too): paused while the chunks are drawn (a 2,000-case chunk drawn in 0.58 s of CPU
        # instead of 0.70, medians of eight, measured).
        paused = gc.isenabled()
        gc.disable()
        try:
            self._write_all(sizes, progress)
        finally:
            if paused:
                gc.enable()

    def _write_all(self, sizes, progress):
        if connection.vendor != "postgresql":
            for size in sizes:
                self.chunk(size)
                if progress:
                    progress(size)
            return
        drawn: queue.Queue = queue.Queue(maxsize=1)
        stop = threading.Event()
        thread = threading.Thread(target=self._drawing, args=(sizes, drawn, stop), daemon=True)
        # Each query's answer waits for the GIL, which the drawing thread gives up only every
        # switch interval (5 ms): at twenty-odd round trips a chunk that wait was as long as
        # the server's work (measured). A shorter interval while both run.
        interval = sys.getswitchinterval()
        sys.setswitchinterval(0.0005)
        thread.start()
        try:
            while (plans := drawn.get()) is not None:
                if isinstance(plans, BaseException):
                    raise plans
                self._load(plans)
                if progress:
                    progress(len(plans))
        finally:
            stop.set()  # on an error here: the thread stops at its next hand-over
            thread.join()
            sys.setswitchinterval(interval)

    def _drawing(self, sizes, drawn, stop):
        """The drawing thread of `write`: each chunk drawn and formatted ahead, in order, then
        None (or the error that stopped it). The rng is drawn from this thread only."""

        def hand_over(item):
            while not stop.is_set():
                try:
                    drawn.put(item, timeout=0.1)
                    return True
                except queue.Full:
                    continue
            return False

        try:
            for size in sizes:
                if not hand_over(self._draw(size, ahead=True)):
                    return
            hand_over(None)
        except BaseException as error:  # `write` raises it
            hand_over(error)
        finally:
            connection.close()  # this thread's own connection (Django's are per thread)

    def _draw(self, size, *, ahead=False):
        """`size` cases drawn (`_plan`), their ids reserved, their rows made (`_tables`), and with
        `ahead` formatted for COPY: everything but the load."""
        plans = Chunk(self._plan() for _ in range(size))
        self._assign_ids(plans)
        plans.tables = self._tables(plans, ahead=ahead)
        return plans

    @transaction.atomic
    def _load(self, plans):
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                # Synthetic rows: a crash may lose the last chunks but never corrupts the
                # database, and not waiting for the WAL flush at each commit saves time.
                settings = ["SET LOCAL synchronous_commit = off"]
                # A signed worksheet's content is compressed on the way in: LZ4 does it in
                # about half the time pglz takes (measured here), and readers decompress
                # either transparently.
                if bulk.has_lz4():
                    settings.append("SET LOCAL default_toast_compression = lz4")
                cursor.execute("; ".join(settings))
        if not self.skip_row_checks:
            self._write(plans)
            return
        marks = bulk.high_water_marks(MODELS_WRITTEN)
        with connection.cursor() as cursor:
            # Replica mode fires no foreign-key (RI) trigger and no ordinary trigger, as
            # pg_restore --disable-triggers loads. Unique, NOT NULL and CHECK constraints
            # still hold. Back to origin before anything else runs in this transaction.
            cursor.execute("SET LOCAL session_replication_role = replica")
            try:
                self._write(plans)
            finally:
                cursor.execute("SET LOCAL session_replication_role = origin")
        self._verify(plans, marks)

    def _verify(self, plans, marks):
        """What the skipped checks enforce, for the rows this chunk added, one query each;
        refuses the chunk (rolled back with its transaction) if any fails.

        - every foreign key points at a row (`bulk.orphans`);
        - migration 0003's trigger refuses a part (a considered offer, an override) added to a
          worksheet already signed. Each part here belongs to a worksheet this chunk wrote
          after its parts (`_write`), which therefore did not exist, signed or not, when the
          part arrived (its id is unique), and nothing is updated or deleted."""
        missing = bulk.orphans(MODELS_WRITTEN, marks)
        worksheet_ids = [version.id for plan in plans for version in plan.versions]
        with bulk.probing() as cursor:
            for part in (Worksheet.dispositions_considered.through, FlagOverride):
                table = part._meta.db_table
                cursor.execute(
                    f'SELECT 1 FROM "{table}" WHERE id > %s '  # noqa: S608 - a model's table
                    # <> ALL of a list of constants: a hashed lookup (PostgreSQL 15).
                    "AND worksheet_id <> ALL(%s) LIMIT 1",
                    [marks[table], worksheet_ids],
                )
                if cursor.fetchone():
                    missing.append(f"{table}.worksheet_id (a part of a worksheet signed before)")
        if missing:
            raise RuntimeError(f"Seeded rows fail the checks the load skipped: {missing}")

    # --- Drawing ------------------------------------------------------------------------------

    def _plan(self):
        rng, office = self.rng, self.staff.office
        unit, deputies, supervisor, statutes, _w = rng.choices(
            self.units, cum_weights=self.unit_weights
        )[0]
        number = f"V{office.pk}-{self.next_number:07d}"
        self.next_number += 1
        opened = self.start + dt.timedelta(seconds=rng.uniform(0, 365 * YEARS * 86400 - 86400 * 5))
        plan = CasePlan(
            office_id=office.pk,
            office_name=office.name,
            unit_id=unit.pk,
            unit_name=unit.name,
            assigned_deputy_id=rng.choice(deputies),
            supervisor_id=supervisor,
            court_case_number=number,
            opened=opened,
            defense_type=rng.choice(DEFENSE_TYPES),
            stage=(
                CaseStage.CLOSED.value
                if opened < self.now - dt.timedelta(days=180)
                else CaseStage.PRE_PRELIM.value
            ),
            counts=rng.choices(
                statutes,
                cum_weights=self.statute_weights[unit.pk],
                k=rng.choice((1, 1, 2, 2, 3)),
            ),
            offers=[],
        )
        plan.offers = self._offers(plan)
        signed_at = self._signing(plan)
        if signed_at is not None:
            self._versions(plan, signed_at)
        return plan

    def _offers(self, plan):
        rng = self.rng
        how_many = rng.choices((1, 2, 3, 4), cum_weights=(20, 50, 80, 100))[0]
        labels = [DispositionLabel.STANDARD.value] + [
            rng.choice((DispositionLabel.DEFENSE.value, DispositionLabel.ALTERNATIVE.value))
            for _ in range(how_many - 1)
        ]
        offers, day = [], rng.uniform(3, 30)
        for index, label in enumerate(labels):
            conveyed_at = plan.opened + dt.timedelta(days=day)
            conveyed = conveyed_at < self.now and rng.random() < 0.9
            # A defense proposal is never the People's conveyed offer (actions.convey_offer).
            conveyed = conveyed and label != DispositionLabel.DEFENSE
            last = index == len(labels) - 1
            if not conveyed:
                status = DispositionStatus.DRAFT.value
            elif last and rng.random() < 0.7:
                status = DispositionStatus.ENTERED.value
            else:
                status = DispositionStatus.REJECTED.value
            # The report's columns that go with conveyance are set once the worksheet's
            # signing time is drawn (`_signing`).
            offers.append(Offer(label, status, conveyed_at if conveyed else None))
            day += rng.uniform(7, 45)
        return offers

    def _signing(self, plan):
        """When (if ever) the worksheet is signed, and so which offers were compliant."""
        rng = self.rng
        conveyed = sorted(o.conveyed_at for o in plan.offers if o.conveyed_at)
        progress = (plan.opened - self.start).total_seconds() / (365 * YEARS * 86400)
        on_time = 0.70 + 0.22 * progress  # the office gets better at it over three years
        draw = rng.random()
        first = conveyed[0] if conveyed else plan.opened + dt.timedelta(days=20)
        if draw < on_time:
            signed_at = first - dt.timedelta(hours=rng.uniform(2, 96))
        elif draw < on_time + 0.06:
            signed_at = first + dt.timedelta(days=rng.uniform(1, 30))  # late
        else:
            signed_at = None  # never signed: its offers are missing
        if signed_at is not None:
            signed_at = max(signed_at, plan.opened + dt.timedelta(hours=1))
            if signed_at >= self.now:
                signed_at = None
        for offer in plan.offers:
            if offer.conveyed_at:
                report_columns.mark_conveyed(
                    offer,
                    offer.conveyed_at,
                    with_signed_worksheet=signed_at is not None and signed_at <= offer.conveyed_at,
                )
                # Its LateSignature row is written with the first version (`_write`).
                offer.signed_late = signed_at is not None and report_columns.is_signed_late(
                    offer, signed_at
                )
        return signed_at

    def _versions(self, plan, signed_at):
        """The first version, its review (office policy "departures": anything but the
        standard offer kept goes to the supervisor), and a second version when the review
        returned the first and the deputy has amended it since."""
        rng = self.rng
        first = self._version(plan, 1, signed_at, decision=_weighted(rng, DECISIONS))
        plan.versions.append(first)
        if first.decision == Decision.STANDARD_KEPT:
            return
        decided_at = signed_at + dt.timedelta(hours=rng.lognormvariate(3.0, 0.9))
        if decided_at >= self.now:
            first.review = (signed_at, ReviewOutcome.PENDING.value, None, None, "")
            return
        if rng.random() >= 0.12:
            first.review = (
                signed_at,
                ReviewOutcome.APPROVED.value,
                plan.supervisor_id,
                decided_at,
                "",
            )
            return
        first.review = (
            signed_at,
            ReviewOutcome.RETURNED.value,
            plan.supervisor_id,
            decided_at,
            "Explain the parity answer.",
        )
        amended_at = decided_at + dt.timedelta(hours=rng.uniform(4, 72))
        if amended_at >= self.now:
            return
        second = self._version(plan, 2, amended_at, decision=first.decision, parity=first.parity)
        plan.versions.append(second)
        decided_at = amended_at + dt.timedelta(hours=rng.uniform(1, 30))
        if decided_at < self.now:
            second.review = (
                amended_at,
                ReviewOutcome.APPROVED.value,
                plan.supervisor_id,
                decided_at,
                "",
            )
        else:
            second.review = (amended_at, ReviewOutcome.PENDING.value, None, None, "")

    def _version(self, plan, number, signed_at, *, decision, parity=None):
        """What signing freezes: the decision, the offer chosen, the grounds flagged per offer
        (those of the statutes, fewer on the alternatives, now and then one more)."""
        rng = self.rng
        departures = [o for o in plan.offers if o.label != DispositionLabel.STANDARD]
        if decision == Decision.STANDARD_KEPT or not departures:
            chosen = plan.offers[0]
        else:
            chosen = rng.choice(departures)
        statute_grounds = sorted({g for s in plan.counts for g in s.grounds})
        flagged = []
        for offer in plan.offers:
            grounds = list(statute_grounds)
            if offer.label != DispositionLabel.STANDARD and grounds:
                grounds = grounds[: rng.randint(0, len(grounds) - 1)]
            if grounds and rng.random() < 0.3:
                grounds.append(rng.choice(EXTRA_GROUNDS))
            flagged.append(tuple(grounds))
        return Version(
            number=number,
            signed_at=signed_at,
            decision=decision,
            parity=parity or _weighted(rng, PARITY),
            chosen=chosen,
            flagged=tuple(flagged),
            override=bool(statute_grounds) and rng.random() < 0.05,
        )

    # --- Writing ------------------------------------------------------------------------------

    def _assign_ids(self, plans):
        case_ids = iter(bulk.reserve_ids(Case, len(plans)))
        charge_ids = iter(bulk.reserve_ids(Charge, sum(len(p.counts) for p in plans)))
        offer_ids = iter(bulk.reserve_ids(Disposition, sum(len(p.offers) for p in plans)))
        worksheet_ids = iter(bulk.reserve_ids(Worksheet, sum(len(p.versions) for p in plans)))
        for plan in plans:
            plan.id = next(case_ids)
            plan.charge_ids = [next(charge_ids) for _ in plan.counts]
            for offer in plan.offers:
                offer.id = next(offer_ids)
            for version in plan.versions:
                version.id = next(worksheet_ids)

    def _write(self, plans):
        """Load the chunk's tables, in order (see the class)."""
        for prepared in plans.tables:
            bulk.load(prepared)
        for table, model in WRITTEN_COUNTED.items():
            self.written[table] += len(plans.tables[MODELS_WRITTEN.index(model)].rows)

    def _tables(self, plans, *, ahead=False):
        """The chunk's rows, one `bulk.Prepared` per table of MODELS_WRITTEN, in its order."""
        cases: list[tuple] = []
        charges: list[tuple] = []
        offers: list[tuple] = []
        considered: list[tuple] = []
        overrides: list[tuple] = []
        worksheets: list[tuple] = []
        reviews: list[tuple] = []
        late: list[tuple] = []
        for plan in plans:
            scope = tuple(report_columns.scope_of(plan).values())
            cases.append(
                (
                    plan.id,
                    *scope,
                    plan.court_case_number,
                    plan.caption,
                    plan.defendant_name,
                    fold(plan.defendant_name),  # what Case.save sets; bulk writes skip save
                    plan.defense_type,
                    plan.stage,
                )
            )
            for number, (charge_id, statute) in enumerate(
                zip(plan.charge_ids, plan.counts, strict=True), start=1
            ):
                charges.append((charge_id, plan.id, number, *self.charge_columns[statute.text]))
            for offer in plan.offers:
                offers.append(
                    (
                        offer.id,
                        plan.id,
                        *scope,
                        offer.label,
                        offer.proposed_by,
                        offer.status,
                        offer.conveyed_at,
                        offer.conveyed_month,
                        offer.conveyed_with_signed_worksheet,
                        offer.signed_late,
                    )
                )
            previous = None
            for version in plan.versions:
                considered.extend((version.id, offer.id) for offer in plan.offers)
                overridden: list[str] = []
                if version.override:
                    overridden.append(min(g for s in plan.counts for g in s.grounds))
                    overrides.append(
                        (
                            version.id,
                            plan.offers[0].id,
                            plan.charge_ids[0],
                            overridden[0],
                            "assume_yes",
                            "arguably_not",
                            "Synthetic: the record of conviction is silent.",
                        )
                    )
                worksheets.append(
                    (
                        *self._worksheet(plan, version, previous),
                        report_columns.override_bits(overridden),
                        *scope,
                    )
                )
                if version.review is not None:
                    # Its signer, as Review.save copies it: the case's deputy signs each version.
                    reviews.append((version.id, *version.review, plan.assigned_deputy_id, *scope))
                previous = version
            if plan.versions:
                # Offers conveyed before the first version was signed: signed late, the rule
                # sign_worksheet records it by (an amendment finds them late already).
                first = plan.versions[0]
                late.extend((o.id, first.signed_at, first.id) for o in plan.offers if o.signed_late)

        scope_columns = list(SCOPE_FIELDS)
        return [
            bulk.prepare(model, columns, rows, ahead=ahead)
            for model, columns, rows in (
                (Case, ["id", *scope_columns, *CASE_COLUMNS], cases),
                (Charge, CHARGE_COLUMNS, charges),
                (Disposition, ["id", "case_id", *scope_columns, *OFFER_COLUMNS], offers),
                # The parts of each signed worksheet first, then the worksheet (the class).
                (Worksheet.dispositions_considered.through, CONSIDERED_COLUMNS, considered),
                (FlagOverride, OVERRIDE_COLUMNS, overrides),
                (Worksheet, [*WORKSHEET_COLUMNS, *scope_columns], worksheets),
                (Review, [*REVIEW_COLUMNS, *scope_columns], reviews),
                (LateSignature, LATE_COLUMNS, late),
            )
        ]

    def _worksheet(self, plan, version, previous):
        """A signed worksheet's columns: its frozen content (canonical JSON text, the shape
        `cases.worksheets.build_content` gives) and that text's real SHA-256, so a seeded
        worksheet opens, prints and verifies like a signed one."""
        signed_content, engine_output, digest = content.render(
            plan,
            [
                (charge_id, number, statute.text, statute.title, LABELS[statute.level])
                for number, (charge_id, statute) in enumerate(
                    zip(plan.charge_ids, plan.counts, strict=True), start=1
                )
            ],
            [(o.id, o.label, LABELS[o.proposed_by], LABELS[o.status]) for o in plan.offers],
            flagged=version.flagged,
            decision=version.decision,
            chosen_id=version.chosen.id,
            parity=version.parity,
            version=version.number,
            signed_at=version.signed_at,
        )
        # The report's ground bits depend only on which grounds are flagged on some offer (no
        # chosen offer is passed): computed by report_columns' own function once per distinct
        # set, and reused across cases.
        grounds = frozenset(g for offer_grounds in version.flagged for g in offer_grounds)
        bits = self.ground_bits.get(grounds)
        if bits is None:
            frozen = SimpleNamespace(
                engine_output={"dispositions": {"0": {"grounds_flagged": sorted(grounds)}}}
            )
            bits = self.ground_bits[grounds] = report_columns.flagged_grounds(frozen)
        return (
            version.id,
            plan.id,
            version.number,
            previous.id if previous else None,
            version.chosen.id,
            version.decision,
            version.parity,
            content.REASONS,
            content.AMENDMENT_REASON if previous else "",
            content.CATALOG_VERSION,
            plan.assigned_deputy_id,
            version.signed_at,
            engine_output,
            signed_content,
            digest,
            bits,
        )


# Every table a chunk writes, in the order it writes them (`Generator._write`).
MODELS_WRITTEN = [
    Case,
    Charge,
    Disposition,
    Worksheet.dispositions_considered.through,
    FlagOverride,
    Worksheet,
    Review,
    LateSignature,
]
# `Generator.written`'s names for the tables it counts.
WRITTEN_COUNTED = {
    "cases": Case,
    "charges": Charge,
    "dispositions": Disposition,
    "worksheets": Worksheet,
    "reviews": Review,
    "overrides": FlagOverride,
}
CASE_COLUMNS = [
    "court_case_number",
    "caption",
    "defendant_name",
    "search_name",
    "defense_type",
    "stage",
]
CHARGE_COLUMNS = [
    "id",
    "case_id",
    "number",
    "statute_as_entered",
    "level",
    "title",
    "code",
    "section",
    "subdivision",
]
OFFER_COLUMNS = [
    "label",
    "proposed_by",
    "status",
    "conveyed_at",
    "conveyed_month",
    "conveyed_with_signed_worksheet",
    "signed_late",
]
CONSIDERED_COLUMNS = ["worksheet_id", "disposition_id"]
OVERRIDE_COLUMNS = [
    "worksheet_id",
    "disposition_id",
    "charge_id",
    "ground",
    "engine_verdict",
    "deputy_verdict",
    "reason",
]
WORKSHEET_COLUMNS = [
    "id",
    "case_id",
    "version",
    "amends_id",
    "chosen_disposition_id",
    "decision",
    "parity_answer",
    "reasons",
    "amendment_reason",
    "catalog_version",
    "signed_by_id",
    "signed_at",
    "engine_output",
    "signed_content",
    "content_hash",
    "flagged_grounds",
    "overridden_grounds",
]
REVIEW_COLUMNS = [
    "worksheet_id",
    "requested_at",
    "outcome",
    "reviewer_id",
    "decided_at",
    "comments",
    "signed_by_id",
]
LATE_COLUMNS = ["disposition_id", "signed_at", "worksheet_id"]


def password_hash():
    """One hash for every synthetic user: hashing is deliberately slow, so it is done once."""
    return make_password(VOLUME_PASSWORD)
