"""The records of a § 1016.3(b) consideration: offices, cases, counts, offers and worksheets.

Rules that answer a question about one object live here as methods; anything that writes several
rows is an action in `cases.actions`, inside one transaction with its audit event.
"""

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from consequences.rules import MISDEMEANOR_MAX_DAYS  # PC 18.5: the engine's, declared once
from consequences.statuses import Ground, Status

from .choices import (
    ApprovalPolicy,
    AuditAction,
    CaseStage,
    ChargeLevel,
    Condition,
    CounselRouting,
    Decision,
    DefenseType,
    DisclosureSource,
    DispositionLabel,
    DispositionStatus,
    Diversion,
    FactualBasis,
    ParityAnswer,
    ParityRule,
    PleaLevel,
    PleaType,
    PriorSource,
    ProposedBy,
    Reduction17b,
    ReviewOutcome,
    Role,
    ScanResult,
    SchemeAnswer,
    SecondFactorPolicy,
    SentenceForm,
    TermAction,
    WorksheetScope,
)
from .search import fold


class Office(models.Model):
    """A county district attorney's office, its records isolated from every other office's."""

    name = models.CharField(max_length=200, unique=True)
    county = models.CharField(max_length=100)
    slug = models.SlugField(max_length=60, unique=True)

    # Office policy (DESIGN.md principle 6): settings, not code. The settings that change over
    # time and decide what reports count are versioned with effective dates (OfficePolicy,
    # read through cases.policy); these stay on the office.
    parity_rule = models.CharField(max_length=20, choices=ParityRule, default=ParityRule.RECORD)
    local_passwords_allowed = models.BooleanField(
        default=True,
        help_text=(
            "Users may log in with a Considered password. Off: when single sign-on is set up, "
            "they sign in with their county account only."
        ),
    )
    deputies_see_unit_cases = models.BooleanField(
        default=True, help_text="Deputies see their unit's cases, not only their own."
    )
    compliance_goal_percent = models.PositiveSmallIntegerField(default=90)
    # "Needs my action" (cases.inbox): how far ahead a hearing without a signed worksheet is
    # listed, and how old a draft worksheet must be to be listed as waiting.
    inbox_hearing_days = models.PositiveSmallIntegerField(
        "hearing window (days)",
        default=7,
        validators=[MinValueValidator(1), MaxValueValidator(90)],
        help_text="A case with a hearing within this many days and no signed worksheet is "
        "listed under “Needs my action”.",
    )
    inbox_draft_days = models.PositiveSmallIntegerField(
        "draft age (days)",
        default=7,
        validators=[MinValueValidator(1), MaxValueValidator(90)],
        help_text="A draft worksheet older than this many days is listed under “Needs my action”.",
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(compliance_goal_percent__lte=100), name="office_goal_at_most_100"
            ),
            models.CheckConstraint(
                condition=Q(inbox_hearing_days__gte=1, inbox_hearing_days__lte=90),
                name="office_inbox_hearing_days_1_90",
            ),
            models.CheckConstraint(
                condition=Q(inbox_draft_days__gte=1, inbox_draft_days__lte=90),
                name="office_inbox_draft_days_1_90",
            ),
        ]

    def __str__(self):
        return self.name


class OfficePolicy(models.Model):
    """One version of an office's policy, in force from `effective_from` until the next version.

    Versions are never changed once in force: a report for an earlier period reads the version
    then in force (`cases.policy.policy_for`, `versions_between`). Written only by
    `cases.policy.set_office_policy`, audited; what each setting does: `cases.policy.SETTINGS`.
    """

    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="policies")
    effective_from = models.DateField()
    worksheet_scope = models.CharField(
        max_length=20, choices=WorksheetScope, default=WorksheetScope.ALL_OFFERS
    )
    exclude_serious_violent = models.BooleanField(default=False)
    supervisor_approval = models.CharField(
        max_length=20, choices=ApprovalPolicy, default=ApprovalPolicy.DEPARTURES
    )
    defense_request_required = models.BooleanField(default=False)
    counsel_routing = models.CharField(
        max_length=20, choices=CounselRouting, default=CounselRouting.OFF
    )
    counsel_ground = models.CharField(max_length=40, choices=Ground, blank=True)
    second_factor = models.CharField(
        max_length=20, choices=SecondFactorPolicy, default=SecondFactorPolicy.NONE
    )
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    set_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["office", "-effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["office", "effective_from"], name="one_policy_per_office_and_date"
            ),
            models.CheckConstraint(
                condition=~Q(counsel_routing="ground") | ~Q(counsel_ground=""),
                name="policy_counsel_ground_named",
            ),
        ]

    def __str__(self):
        return f"{self.office} policy from {self.effective_from:%Y-%m-%d}"


class Unit(models.Model):
    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="units")
    name = models.CharField(max_length=120)

    class Meta:
        ordering = ["office", "name"]
        constraints = [
            models.UniqueConstraint(fields=["office", "name"], name="unit_name_unique_per_office")
        ]

    def __str__(self):
        return self.name


class Membership(models.Model):
    """A user's place in one office: the office, the unit and the role. One per user."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership"
    )
    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="memberships")
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="memberships"
    )
    role = models.CharField(max_length=20, choices=Role)
    bar_number = models.CharField(max_length=20, blank=True)

    class Meta:
        ordering = ["office", "user__username"]
        permissions = [
            ("sign_worksheet", "Can sign a § 1016.3(b) worksheet"),
            ("review_worksheet", "Can review signed worksheets"),
            ("view_compliance", "Can read compliance reports"),
            ("manage_office", "Can manage the office's users, units and policy"),
            ("review_catalog", "Can review offense catalog entries"),
            ("view_audit_log", "Can read and export the office's audit log"),
        ]

    def __str__(self):
        return f"{self.user} ({self.get_role_display()}, {self.office})"


class CaseQuerySet(models.QuerySet):
    def for_office(self, office):
        return self.filter(office=office)

    def visible_to(self, user):
        """The cases a user may open: the office's, narrowed by role and office policy."""
        if getattr(user, "membership", None) is None:
            return self.none()
        return self.filter(visible_q(user))

    def by_next_hearing(self):
        return self.order_by(models.F("next_hearing").asc(nulls_last=True), "court_case_number")


def visible_q(user, prefix=""):
    """`Case.objects.visible_to` as a condition on the path `prefix` ("case__" from an offer),
    so that a report can filter through a join instead of an IN over every visible case."""
    shape, ids = visibility(user)
    return visibility_q(shape, ids, prefix)


def visibility(user):
    """Which cases a user may open, as (shape, ids): the shape of the condition (`visibility_q`)
    and the ids it compares with. A read compiled once per shape (cases.kept_reads) runs with
    the ids alone."""
    membership = getattr(user, "membership", None)
    if membership is None:
        return "nothing", {}
    office = {"office_id": membership.office_id}
    if membership.role == Role.ADMIN:
        return "office", office
    if membership.role == Role.COUNSEL:
        return "routed to counsel", office
    if membership.role == Role.SUPERVISOR:
        if membership.unit_id is None:
            return "office", office
        return "unit", {**office, "unit_id": membership.unit_id}
    # A deputy: their own cases, and their unit's where the office allows it.
    if membership.office.deputies_see_unit_cases and membership.unit_id:
        return "own or unit", {**office, "user_id": user.pk, "unit_id": membership.unit_id}
    return "own", {**office, "user_id": user.pk}


def visibility_q(shape, ids, prefix=""):
    """The condition of `visibility` on the path `prefix`."""
    if shape == "nothing":
        return Q(**{f"{prefix}pk__in": []})
    q = Q(**{f"{prefix}office_id": ids["office_id"]})
    if shape == "office":
        return q
    if shape == "routed to counsel":
        return q & Q(**{f"{prefix}routed_to_counsel": True})
    if shape == "unit":
        return q & Q(**{f"{prefix}unit_id": ids["unit_id"]})
    mine = Q(**{f"{prefix}assigned_deputy_id": ids["user_id"]})
    if shape == "own or unit":
        mine |= Q(**{f"{prefix}unit_id": ids["unit_id"]})
    elif shape != "own":
        raise ValueError(f"Unknown visibility: {shape!r}")
    return q & mine


class Case(models.Model):
    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="cases")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="cases")
    assigned_deputy = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_cases",
    )
    court_case_number = models.CharField(max_length=40)
    da_file_number = models.CharField("DA file number", max_length=40, blank=True)
    caption = models.CharField(max_length=300, help_text="People of the State of California v. …")
    defendant_name = models.CharField(max_length=200)
    aliases = models.CharField(max_length=300, blank=True)
    # The name and aliases folded for search (cases.search.fold), kept by `save`; on
    # PostgreSQL a trigram index covers it (migration 0020).
    search_name = models.CharField(max_length=510, blank=True, editable=False)
    court_name = models.CharField(max_length=200, blank=True)
    department = models.CharField(max_length=40, blank=True)
    judicial_officer = models.CharField(max_length=120, blank=True)
    defense_counsel = models.CharField(max_length=200, blank=True)
    defense_type = models.CharField(max_length=20, choices=DefenseType, blank=True)
    stage = models.CharField(max_length=30, choices=CaseStage, default=CaseStage.ARRAIGNMENT)
    next_hearing = models.DateField(null=True, blank=True)
    next_hearing_type = models.CharField(
        max_length=60, blank=True, help_text="e.g. Pretrial, Preliminary hearing, Sentencing."
    )
    # When the complaint was filed in court: no offer can have been conveyed before it
    # (cases.offers.conveyance_problem). Cases entered without it fall back to the day they
    # were entered in Considered.
    filed_on = models.DateField("Filed on", null=True, blank=True)
    interpreter_language = models.CharField(max_length=60, blank=True)
    routed_to_counsel = models.BooleanField(default=False)
    # The deputy's answer to "do these counts arise from a single scheme or act?", which the
    # engine needs for two CIMTs and DACA's same-act rule (cases.analysis.history_of).
    single_scheme = models.CharField(
        max_length=10, choices=SchemeAnswer, default=SchemeAnswer.UNKNOWN
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    lock_version = models.PositiveIntegerField(default=1)

    objects = CaseQuerySet.as_manager()

    class Meta:
        ordering = ["court_case_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["office", "court_case_number"], name="case_number_unique_per_office"
            ),
        ]
        indexes = [
            # The case list's order (soonest hearing, then case number): a deputy's first page
            # is the index's first rows, not a sort of every case in scope by a collated text.
            models.Index(
                fields=["office", "next_hearing", "court_case_number"],
                name="case_office_hearing_number",
            ),
            # The compliance report's scope filters (compliance.metrics).
            models.Index(fields=["office", "unit"], name="case_office_unit"),
            models.Index(fields=["office", "assigned_deputy"], name="case_office_deputy"),
        ]

    def __str__(self):
        return self.court_case_number

    def save(self, *args, **kwargs):
        # Whoever writes the names (an action, the admin, an import), the search sees them.
        self.search_name = fold(self.defendant_name, self.aliases)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and {"defendant_name", "aliases"} & set(update_fields):
            kwargs["update_fields"] = {*update_fields, "search_name"}
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("case_detail", args=[self.pk])


class Charge(models.Model):
    """One count as charged."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="charges")
    number = models.PositiveSmallIntegerField("count")
    statute_as_entered = models.CharField(max_length=60, help_text="As the deputy typed it.")
    code = models.CharField(max_length=4, blank=True, help_text="PC, HS, VC, BP, WI …")
    section = models.CharField(max_length=20, blank=True)
    subdivision = models.CharField(max_length=30, blank=True, help_text="e.g. (a)(1)")
    title = models.CharField(max_length=300, blank=True)
    level = models.CharField(max_length=20, choices=ChargeLevel)
    enhancements = models.CharField(max_length=300, blank=True)
    offense_date = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["case", "number"]
        constraints = [
            models.UniqueConstraint(fields=["case", "number"], name="count_number_unique_per_case"),
            models.CheckConstraint(condition=Q(number__gte=1), name="count_number_positive"),
        ]

    def __str__(self):
        return f"Count {self.number}: {self.statute}"

    @property
    def statute(self):
        """The canonical code ("PC 273.5(a)"), or what was typed when it could not be read."""
        if self.code and self.section:
            return f"{self.code} {self.section}{self.subdivision}"
        return self.statute_as_entered


class PriorConviction(models.Model):
    """A prior conviction of the defendant the office knows of, as read on the rap sheet or
    given by the defense or the court (issue 16 item 2). The engine uses it for the grounds that
    depend on history; it says nothing of immigration status and none is asked.
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="priors")
    code = models.CharField(
        "offense code", max_length=60, help_text="As written, e.g. PC 484 or HS 11350(a)."
    )
    convicted_on = models.DateField("date of conviction")
    sentence_days = models.PositiveIntegerField(
        "sentence imposed (days)",
        null=True,
        blank=True,
        help_text="The whole term imposed, suspended time included; blank if not known.",
    )
    level = models.CharField(max_length=20, choices=PleaLevel, blank=True)
    source = models.CharField(max_length=20, choices=PriorSource, default=PriorSource.RAP_SHEET)
    pleaded_and_proven = models.BooleanField(
        "pleaded and proven in this case",
        null=True,
        blank=True,
        help_text="Recidivist possession needs the prior pleaded and proven (Carachuri-Rosendo).",
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["case", "convicted_on", "pk"]

    def __str__(self):
        return f"Prior {self.code} ({self.convicted_on:%Y-%m-%d})"


class CaseScope(models.Model):
    """The case's office, unit and assigned deputy, copied onto the rows the compliance report
    counts (offers, worksheets, reviews), so that its aggregates filter on their own columns
    and indexes instead of joining every case of the office.

    Written where the row is created (`save` copies them from the case when they are not
    given; bulk writers call `report_columns.copy_scope`) and rewritten by `actions.update_case`
    in the same transaction when a case moves to another unit or deputy
    (`report_columns.move_scope`), so they are always the case's as it is now.
    """

    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="+", db_index=False)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", db_index=False)
    assigned_deputy = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.office_id is None or self.unit_id is None:
            self.copy_scope(self.scope_case())
        super().save(*args, **kwargs)

    def scope_case(self):
        return self.case  # type: ignore[attr-defined]  # every concrete subclass has one

    def copy_scope(self, case):
        for name in SCOPE_FIELDS:
            setattr(self, name, getattr(case, name))


SCOPE_FIELDS = ("office_id", "unit_id", "assigned_deputy_id")
# The report's scopes as index columns, by index name part (names are at most 30 characters).
# The office leads every one: the report always filters on it, so a unit's or a deputy's
# figures are index-only scans too.
_SCOPES = {
    "office": ["office"],
    "unit": ["office", "unit"],
    "deputy": ["office", "assigned_deputy"],
}


class DispositionQuerySet(models.QuerySet):
    def for_office(self, office):
        return self.filter(case__office=office)


class Disposition(CaseScope):
    """A candidate plea offer: a package of terms, one per count."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="dispositions")
    label = models.CharField(max_length=20, choices=DispositionLabel)
    name = models.CharField(max_length=120, blank=True, help_text="A short name to tell it apart.")
    proposed_by = models.CharField(
        max_length=20, choices=ProposedBy, default=ProposedBy.PROSECUTION
    )
    status = models.CharField(
        max_length=20, choices=DispositionStatus, default=DispositionStatus.DRAFT
    )
    diversion = models.CharField(max_length=20, choices=Diversion, blank=True, default="")
    diversion_requires_plea = models.BooleanField(default=False)
    notes = models.TextField(blank=True)
    conveyed_at = models.DateTimeField(null=True, blank=True)
    conveyed_month = models.DateField(
        null=True,
        blank=True,
        editable=False,
        help_text="The first day of the local month of conveyed_at, set with it "
        "(report_columns.mark_conveyed): the compliance report's trend groups on it instead of "
        "converting every offer's time.",
    )
    conveyed_with_signed_worksheet = models.BooleanField(
        null=True, help_text="Recorded when conveyed: was a signed worksheet in place?"
    )
    signed_late = models.BooleanField(
        default=False,
        help_text="Conveyed without a signed worksheet, and one was signed afterwards: set with "
        "its LateSignature row, so the compliance report needs no join for it.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    lock_version = models.PositiveIntegerField(default=1)
    # Issue 13: terms a signed worksheet considered, or that were conveyed, never change in
    # place (cases.binding); a change is a new offer revised from this one.
    revised_from = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="revisions",
        help_text="The frozen offer this one was revised from (actions.revise_offer).",
    )
    conveyed_terms_hash = models.CharField(
        max_length=64,
        blank=True,
        editable=False,
        help_text="SHA-256 of the terms as conveyed (worksheets.offer_terms_hash): conveyance is "
        "compliant only if a signed worksheet froze the same hash.",
    )
    # Issue 15: an offer's life after conveyance. `conveyed_at` is the day the deputy says it
    # was conveyed; `conveyance_recorded_at` is when they said so, which decides whether the
    # conveyance may still be withdrawn (the same day only: cases.offers).
    conveyance_recorded_at = models.DateTimeField(null=True, blank=True, editable=False)
    rejected_on = models.DateField(null=True, blank=True)
    accepted_on = models.DateField(null=True, blank=True)
    entered_on = models.DateField(null=True, blank=True)

    objects = DispositionQuerySet.as_manager()

    class Meta:
        ordering = ["case", "created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status=DispositionStatus.DRAFT) | Q(conveyed_at__isnull=False),
                name="disposition_conveyed_has_date",
            ),
            models.CheckConstraint(
                condition=Q(conveyed_at__isnull=True, conveyed_month__isnull=True)
                | Q(conveyed_at__isnull=False, conveyed_month__isnull=False),
                name="disposition_conveyed_month_with_date",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "conveyed_at"], name="disposition_conveyed"),
            # The compliance report: offers conveyed in a period, in the office, a unit or a
            # deputy's cases; covering, so the aggregate is an index-only scan.
            *(
                models.Index(
                    fields=[*scope, "conveyed_at"],
                    include=[
                        "id",
                        "conveyed_month",
                        "conveyed_with_signed_worksheet",
                        "signed_late",
                    ],
                    name=f"disposition_{short}_conveyed",
                    condition=Q(conveyed_at__isnull=False),
                )
                for short, scope in _SCOPES.items()
            ),
            # "Needs my action": a deputy's offers conveyed with no signed worksheet, none
            # signed since (the compliance gap; few rows, where the deputy's cases are many).
            models.Index(
                fields=["office", "assigned_deputy"],
                name="disposition_deputy_unsigned",
                condition=Q(
                    conveyed_at__isnull=False,
                    conveyed_with_signed_worksheet=False,
                    signed_late=False,
                ),
            ),
        ]

    def __str__(self):
        return self.name or self.get_label_display()

    @property
    def is_standard(self):
        return self.label == DispositionLabel.STANDARD

    @property
    def is_defense_proposal(self):
        """The defense's proposed disposition: assessed like any offer, never the People's
        offer, so never conveyed and never counted in the compliance report."""
        return self.label == DispositionLabel.DEFENSE

    def total_custody_days(self):
        return sum(term.custody_days_imposed for term in self.terms.all())


class PleaTerm(models.Model):
    """What an offer does with one count: the plea, the sentence and the record of conviction.

    The sentence for immigration purposes is the term imposed including any suspended part
    (8 U.S.C. 1101(a)(48)(B)), so `custody_days_imposed` holds the whole term ordered and
    `custody_days_suspended` the part of it suspended.
    """

    disposition = models.ForeignKey(Disposition, on_delete=models.CASCADE, related_name="terms")
    charge = models.ForeignKey(Charge, on_delete=models.CASCADE, related_name="plea_terms")
    action = models.CharField(max_length=10, choices=TermAction, default=TermAction.PLEAD)
    statute_pleaded = models.CharField(max_length=60, blank=True)
    level_at_plea = models.CharField(max_length=20, choices=PleaLevel, blank=True)
    plea_type = models.CharField(max_length=20, choices=PleaType, default=PleaType.NO_CONTEST)
    reduction_17b = models.CharField(max_length=20, choices=Reduction17b, default=Reduction17b.NONE)
    admitted_enhancements = models.CharField(max_length=300, blank=True)
    harvey_waiver = models.BooleanField(default=False)
    sentence_form = models.CharField(max_length=20, choices=SentenceForm, blank=True)
    custody_days_imposed = models.IntegerField(default=0)
    custody_days_suspended = models.IntegerField(default=0)
    probation_months = models.IntegerField(default=0)
    conditions = models.JSONField(default=list, blank=True)

    # Record-of-conviction facts. None means the record is silent or it is not known yet.
    factual_basis = models.CharField(max_length=20, choices=FactualBasis, blank=True)
    factual_basis_text = models.TextField(blank=True)
    substance_named = models.BooleanField(
        null=True, help_text="The record names a federally controlled substance."
    )
    grams = models.DecimalField(max_digits=9, decimal_places=2, null=True, blank=True)
    victim_minor = models.BooleanField(null=True)
    domestic_relationship = models.BooleanField(null=True)
    offensive_touching_only = models.BooleanField(null=True)
    temporary_taking = models.BooleanField(null=True)
    loss_amount = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    firearm_in_record = models.BooleanField(null=True)

    class Meta:
        ordering = ["disposition", "charge__number"]
        constraints = [
            models.UniqueConstraint(
                fields=["disposition", "charge"], name="one_term_per_count_per_offer"
            ),
            models.CheckConstraint(
                condition=Q(custody_days_imposed__gte=0), name="custody_imposed_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(custody_days_suspended__gte=0), name="custody_suspended_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(custody_days_suspended__lte=models.F("custody_days_imposed")),
                name="suspended_within_imposed",
            ),
            models.CheckConstraint(
                condition=Q(probation_months__gte=0), name="probation_not_negative"
            ),
            models.CheckConstraint(
                condition=~Q(level_at_plea=PleaLevel.MISDEMEANOR)
                | Q(custody_days_imposed__lte=MISDEMEANOR_MAX_DAYS),
                name="misdemeanor_at_most_364_days",
            ),
            models.CheckConstraint(
                condition=Q(grams__isnull=True) | Q(grams__gte=0), name="grams_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(loss_amount__isnull=True) | Q(loss_amount__gte=0),
                name="loss_not_negative",
            ),
        ]

    def __str__(self):
        return f"{self.disposition}: count {self.charge.number}"

    @property
    def is_dismissed(self):
        return self.action == TermAction.DISMISS

    def condition_labels(self):
        return [Condition(value).label for value in self.conditions if value in Condition.values]

    def record_facts(self):
        """The record-of-conviction facts the engine reads, leaving out what is unknown."""
        facts: dict[str, bool | float | None] = {name: getattr(self, name) for name in YES_NO_FACTS}
        if self.grams is not None:
            facts["grams"] = float(self.grams)
        if self.loss_amount is not None:
            facts["loss_over_10000"] = self.loss_amount > 10000
        return {name: value for name, value in facts.items() if value is not None}


# The record-of-conviction facts of a plea term, declared once, in the order the offer form shows
# them. The yes/no ones are named as the engine names its facts (consequences.catalog
# FACT_TYPES); `record_facts` turns the two amounts into the engine's facts.
RECORD_FACTS = (
    "substance_named",
    "grams",
    "victim_minor",
    "domestic_relationship",
    "offensive_touching_only",
    "temporary_taking",
    "loss_amount",
    "firearm_in_record",
)
YES_NO_FACTS = tuple(name for name in RECORD_FACTS if name not in ("grams", "loss_amount"))


class DefenseSubmission(models.Model):
    """The defense's request for consideration under PC 1016.3(b): when it came, from whom,
    the disposition it proposes (an offer labelled "defense proposal", assessed by the engine),
    the consequences it claims and the equities. It never holds an immigration status: a status
    the defense volunteers is a StatusDisclosure, restricted to those who may see it."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="defense_submissions")
    received_on = models.DateField(default=timezone.localdate)
    counsel = models.CharField(max_length=200, blank=True)
    consideration_requested = models.BooleanField(default=True)
    proposed_disposition = models.ForeignKey(
        Disposition, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    claimed_consequences = models.TextField(blank=True)
    equities = models.TextField(blank=True, help_text="Family, work, years in the U.S., health …")
    expert_consulted = models.CharField(max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["case", "-received_on", "-pk"]

    def __str__(self):
        return f"Defense submission of {self.received_on:%Y-%m-%d}"


def attachment_storage():
    """Where attachments are kept: the "defense_attachments" entry of STORAGES, a directory
    outside the static and media URLs (settings.PRIVATE_MEDIA_ROOT). Nothing serves it; the
    download view does, after the access checks (cases.views.defense)."""
    from .attachments import storage

    return storage


def attachment_path(instance, filename):
    """A random name under the case: never the name the defense gave the file."""
    return f"defense/{instance.submission.case_id}/{uuid.uuid4().hex}.pdf"


class DefenseAttachment(models.Model):
    """A PDF the defense sent with its request, checked and (when clamdscan runs) scanned."""

    submission = models.ForeignKey(
        DefenseSubmission, on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(storage=attachment_storage, upload_to=attachment_path, max_length=200)
    original_name = models.CharField(max_length=200)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    scan = models.CharField(max_length=20, choices=ScanResult)
    scan_detail = models.CharField(max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["submission", "uploaded_at", "pk"]

    def __str__(self):
        return self.original_name


class StatusDisclosure(models.Model):
    """An immigration status the defense volunteered. Never asked for, never required.

    PC 1016.3(c) and 1016.5(d), Gov. Code § 7284.6 and Evid. Code § 351.4: the office does not
    ask; it records only what the defense chose to share, with its source, and restricts who
    sees it.
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="status_disclosures")
    status = models.CharField(max_length=40, choices=Status)
    source = models.CharField(max_length=20, choices=DisclosureSource)
    disclosed_on = models.DateField(default=timezone.localdate)
    admission_date = models.DateField(
        null=True, blank=True, help_text="Date of admission or LPR status, if volunteered."
    )
    notes = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["case", "-disclosed_on", "-pk"]
        permissions = [("view_status", "Can see volunteered immigration status")]

    def __str__(self):
        return f"Disclosure of {self.disclosed_on:%Y-%m-%d}"


class WorksheetQuerySet(models.QuerySet):
    def for_office(self, office):
        return self.filter(case__office=office)

    def current(self):
        """The newest version of each case's worksheet: the one nothing amends yet.

        NOT EXISTS rather than `amended_by__isnull=True`: PostgreSQL does not turn the LEFT JOIN
        that writes into an anti-join (the IS NULL is on the other row's id, not on the join
        column), so it merged against every amendment of the table; the anti-join probes the
        unique `amends_id` index per worksheet (the navigation's count: 10 → 2.5 ms at 20,000
        cases, issue 19)."""
        return self.filter(
            ~models.Exists(Worksheet.objects.filter(amends_id=models.OuterRef("pk")))
        )

    def signed(self):
        return self.filter(signed_at__isnull=False)


class Worksheet(CaseScope):
    """The § 1016.3(b) consideration record for one case, in one version.

    Signing freezes it: the engine output, the catalog version and a SHA-256 of the content are
    stored and the row never changes again. A correction is a new version that `amends` it.
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="worksheets")
    version = models.PositiveSmallIntegerField(default=1)
    amends = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="amended_by"
    )
    dispositions_considered = models.ManyToManyField(Disposition, blank=True, related_name="+")
    chosen_disposition = models.ForeignKey(
        Disposition, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    factors = models.JSONField(default=dict, blank=True, help_text="Factor → weight and note.")
    parity_answer = models.CharField(max_length=20, choices=ParityAnswer, blank=True)
    parity_explanation = models.TextField(blank=True)
    decision = models.CharField(max_length=30, choices=Decision, blank=True)
    reasons = models.TextField(blank=True)
    include_status = models.BooleanField(
        default=False, help_text="Show the volunteered status in the worksheet and its PDF."
    )
    amendment_reason = models.TextField(blank=True)

    # Frozen at signing.
    engine_output = models.JSONField(null=True, blank=True)
    catalog_version = models.CharField(max_length=40, blank=True)
    signed_content = models.JSONField(null=True, blank=True)
    content_hash = models.CharField(max_length=64, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    signed_at = models.DateTimeField(null=True, blank=True)
    flagged_grounds = models.BigIntegerField(
        default=0,
        help_text="Set at signing: the grounds flagged on any offer considered (GROUND_BITS), "
        "so the compliance report counts them in its worksheet aggregate.",
    )
    overridden_grounds = models.BigIntegerField(
        default=0,
        help_text="Set at signing: the grounds of the worksheet's flag overrides (GROUND_BITS), "
        "so the compliance report counts the override mix in its worksheet aggregate.",
    )

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    lock_version = models.PositiveIntegerField(default=1)

    objects = WorksheetQuerySet.as_manager()

    class Meta:
        ordering = ["case", "version"]
        constraints = [
            models.UniqueConstraint(fields=["case", "version"], name="worksheet_version_unique"),
            models.CheckConstraint(
                condition=Q(signed_at__isnull=True)
                | (
                    Q(signed_by__isnull=False)
                    & Q(content_hash__regex=r"^[0-9a-f]{64}$")
                    & Q(engine_output__isnull=False)
                    & ~Q(catalog_version="")
                ),
                name="signed_worksheet_is_complete",
            ),
        ]
        indexes = [
            # The compliance report: worksheets signed in a period, in the office, a unit or a
            # deputy's cases; covering, so the wide signed rows are not read.
            *(
                models.Index(
                    fields=[*scope, "signed_at"],
                    include=[
                        "id",
                        "decision",
                        "parity_answer",
                        "flagged_grounds",
                        "overridden_grounds",
                    ],
                    name=f"worksheet_{short}_signed",
                    condition=Q(signed_at__isnull=False),
                )
                for short, scope in _SCOPES.items()
            ),
            # ... and whether a signed amendment replaces a version (a small anti-join).
            models.Index(
                fields=["amends"],
                name="worksheet_signed_amendment",
                condition=Q(amends__isnull=False, signed_at__isnull=False),
            ),
            # "Needs my action": a deputy's drafts begun before the office's draft age (few rows:
            # at most one draft per case).
            models.Index(
                fields=["office", "assigned_deputy", "created_at"],
                name="worksheet_deputy_drafts",
                condition=Q(signed_at__isnull=True),
            ),
        ]

    def __str__(self):
        return f"Worksheet v{self.version} for {self.case}"

    def get_absolute_url(self):
        return reverse("worksheet_detail", args=[self.pk])

    @property
    def is_signed(self):
        return self.signed_at is not None


class Review(CaseScope):
    """A supervisor's review of a signed worksheet, kept apart so the worksheet stays frozen."""

    worksheet = models.OneToOneField(Worksheet, on_delete=models.CASCADE, related_name="review")
    requested_at = models.DateTimeField(default=timezone.now)
    outcome = models.CharField(max_length=20, choices=ReviewOutcome, default=ReviewOutcome.PENDING)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    comments = models.TextField(blank=True)
    # The worksheet's signer, copied when the review is requested (`save`): a signed worksheet's
    # signer never changes. With the scope columns it lets "returned to me" (the navigation's
    # count, on every page) read the reviews returned to one deputy through two small indexes,
    # instead of every worksheet that deputy ever signed (cases.inbox.returned_worksheets).
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )

    class Meta:
        ordering = ["requested_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(outcome=ReviewOutcome.PENDING)
                | (Q(reviewer__isnull=False) & Q(decided_at__isnull=False)),
                name="decided_review_has_reviewer",
            ),
            models.CheckConstraint(
                condition=~Q(outcome=ReviewOutcome.RETURNED) | ~Q(comments=""),
                name="returned_review_has_comments",
            ),
        ]
        indexes = [
            models.Index(fields=["outcome", "requested_at"], name="review_queue"),
            models.Index(fields=["requested_at"], name="review_requested"),
            # "Returned to me": on my cases, or signed by me (cases.inbox).
            models.Index(
                fields=["office", "assigned_deputy"],
                condition=Q(outcome=ReviewOutcome.RETURNED),
                name="review_returned_deputy",
            ),
            models.Index(
                fields=["signed_by"],
                condition=Q(outcome=ReviewOutcome.RETURNED),
                name="review_returned_signer",
            ),
            # The compliance report: reviews requested in a period, by scope.
            *(
                models.Index(fields=[*scope, "requested_at"], name=f"review_{short}_requested")
                for short, scope in _SCOPES.items()
            ),
        ]

    def __str__(self):
        return f"Review of {self.worksheet}: {self.get_outcome_display()}"

    def save(self, *args, **kwargs):
        if self.signed_by_id is None:
            self.signed_by_id = self.worksheet.signed_by_id
        super().save(*args, **kwargs)

    def scope_case(self):
        return self.worksheet.case

    @property
    def is_pending(self):
        return self.outcome == ReviewOutcome.PENDING

    @property
    def is_returned(self):
        return self.outcome == ReviewOutcome.RETURNED


class LateSignature(models.Model):
    """An offer conveyed without a signed worksheet, and when a worksheet considering it was
    first signed afterwards.

    Written by `actions.sign_worksheet` in the same transaction
    (`report_columns.record_late_signatures`), with the offer's `signed_late` flag that the
    compliance report counts without a join.
    """

    disposition = models.OneToOneField(
        Disposition, on_delete=models.CASCADE, primary_key=True, related_name="late_signature"
    )
    signed_at = models.DateTimeField()
    worksheet = models.ForeignKey(Worksheet, on_delete=models.CASCADE, related_name="+")

    def __str__(self):
        return f"Offer {self.disposition_id}: worksheet signed after conveyance"


class OfferTemplate(models.Model):
    """An office's standard terms for one count, which a deputy applies when entering an offer
    ("standard DV misdemeanor: PC 243(e)(1), 364 days suspended, 36 months probation,
    batterer's program"). Applying one fills a count's form; nothing is saved until the deputy
    saves the offer, so the offer's own record is the only one that matters afterwards and a
    later change to the template changes no offer. Managed by supervisors (cases.offers).
    """

    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="offer_templates")
    name = models.CharField(max_length=120)
    statute_pleaded = models.CharField("Statute pleaded to", max_length=60)
    level_at_plea = models.CharField("Level at plea", max_length=20, choices=PleaLevel)
    plea_type = models.CharField(max_length=20, choices=PleaType, default=PleaType.NO_CONTEST)
    sentence_form = models.CharField(max_length=20, choices=SentenceForm, blank=True)
    custody_days_imposed = models.PositiveIntegerField(
        "Custody imposed (days, including suspended)", default=0
    )
    custody_days_suspended = models.PositiveIntegerField("of which suspended (days)", default=0)
    probation_months = models.PositiveIntegerField("Probation (months)", default=0)
    conditions = models.JSONField(default=list, blank=True)
    notes = models.CharField(max_length=300, blank=True)
    active = models.BooleanField(
        default=True, help_text="Retired templates are no longer offered to deputies."
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)
    lock_version = models.PositiveIntegerField(default=1)

    # The fields a template fills in a count's form (PleaTermForm), in that form's names.
    TERM_FIELDS = (
        "statute_pleaded",
        "level_at_plea",
        "plea_type",
        "sentence_form",
        "custody_days_imposed",
        "custody_days_suspended",
        "probation_months",
        "conditions",
    )

    class Meta:
        ordering = ["office", "-active", "name"]
        constraints = [
            models.UniqueConstraint(fields=["office", "name"], name="offer_template_name_unique"),
            models.CheckConstraint(
                condition=Q(custody_days_suspended__lte=models.F("custody_days_imposed")),
                name="offer_template_suspended_within_imposed",
            ),
        ]

    def __str__(self):
        return self.name

    def term_values(self):
        """The values it puts in a count's form."""
        return {name: getattr(self, name) for name in self.TERM_FIELDS}

    def condition_labels(self):
        return [Condition(value).label for value in self.conditions if value in Condition.values]


# One bit per ground in Worksheet.flagged_grounds. Fixed values, never renumbered: signed
# worksheets keep theirs. A new ground takes the next free bit (tests check every ground has one).
GROUND_BITS = {
    "aggravated_felony": 1 << 0,
    "cimt": 1 << 1,
    "controlled_substance": 1 << 2,
    "firearm": 1 << 3,
    "domestic_violence": 1 << 4,
    "prostitution": 1 << 5,
    "other_inadmissibility": 1 << 6,
    "other_deportability": 1 << 7,
    "daca_bar": 1 << 8,
    "tps_bar": 1 << 9,
    "asylum_bar": 1 << 10,
    "mandatory_detention": 1 << 11,
    "good_moral_character": 1 << 12,
}


def ground_mask(grounds):
    """Worksheet.flagged_grounds for an iterable of ground values."""
    mask = 0
    for ground in grounds:
        mask |= GROUND_BITS[ground]
    return mask


def flagged_grounds_in(engine_output, chosen_disposition_id=None):
    """{ground: flagged on the chosen offer?} for every ground flagged on any offer considered.

    Reads the "grounds_flagged" list that `cases.worksheets.build_content` stores per offer;
    only known grounds are kept, in the engine's order.
    """
    offers = (engine_output or {}).get("dispositions") or {}
    chosen = str(chosen_disposition_id) if chosen_disposition_id else None
    found: dict[str, bool] = {}
    for offer_id, offer in offers.items():
        for ground in offer.get("grounds_flagged") or ():
            found[ground] = found.get(ground, False) or offer_id == chosen
    return {ground.value: found[ground.value] for ground in Ground if ground.value in found}


class FlagOverride(models.Model):
    """The deputy's disagreement with one engine flag, with the reason. The flag itself is kept."""

    worksheet = models.ForeignKey(Worksheet, on_delete=models.CASCADE, related_name="overrides")
    disposition = models.ForeignKey(Disposition, on_delete=models.CASCADE, related_name="+")
    charge = models.ForeignKey(Charge, on_delete=models.CASCADE, related_name="+")
    ground = models.CharField(max_length=40)
    subcategory = models.CharField(max_length=40, blank=True)
    engine_verdict = models.CharField(max_length=20)
    deputy_verdict = models.CharField(max_length=20)
    reason = models.TextField()

    class Meta:
        ordering = ["worksheet", "charge__number", "ground"]
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="override_has_reason"),
        ]

    def __str__(self):
        return f"Override of {self.ground} on count {self.charge.number}"


class AuditEventQuerySet(models.QuerySet):
    def for_office(self, office):
        return self.filter(office=office)

    def update(self, **kwargs):
        raise TypeError("Audit events cannot be changed.")

    def delete(self):
        raise TypeError("Audit events cannot be deleted.")


class AuditEvent(models.Model):
    """Who did what to which record, when and from where. Append-only.

    The summary never holds names or status values: it names the object by type and id.
    `data` holds the same facts for code to read (a PDF copy's variant and SHA-256, an offer's
    new status), as Zulip's RealmAuditLog.extra_data, so nothing parses the summary.
    """

    office = models.ForeignKey(Office, on_delete=models.PROTECT, null=True, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now, db_index=True)
    action = models.CharField(max_length=20, choices=AuditAction)
    object_type = models.CharField(max_length=40)
    object_id = models.CharField(max_length=40, blank=True)
    summary = models.CharField(max_length=300, blank=True)
    request_id = models.CharField(max_length=40, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    data = models.JSONField(
        default=dict,
        blank=True,
        help_text="What happened, as keys and values code can read; the same rule as the "
        "summary: ids, codes and hashes, never a name or a status value.",
    )

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(fields=["office", "at"], name="audit_office_at"),
            models.Index(fields=["object_type", "object_id"], name="audit_object"),
        ]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.object_type} {self.object_id}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise TypeError("Audit events cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("Audit events cannot be deleted.")


def new_request_id():
    return uuid.uuid4().hex


class CounselRequest(models.Model):
    """A request for immigration counsel's written view on one signed worksheet version, and the
    answer. Kept apart from the worksheet, like the review, so the signed version never changes.

    Made by a deputy (`requested_by`) or by office policy (`requested_by` empty, `by_policy`);
    answered once by counsel. Written only by the actions in `cases.counsel`.
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="counsel_requests")
    worksheet = models.OneToOneField(
        Worksheet, on_delete=models.CASCADE, related_name="counsel_request"
    )
    by_policy = models.BooleanField(default=False)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    question = models.TextField(blank=True)
    answer = models.TextField(blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["requested_at", "pk"]
        permissions = [("answer_counsel", "Can answer requests for immigration counsel's view")]
        constraints = [
            models.CheckConstraint(
                condition=Q(answered_at__isnull=True)
                | (Q(answered_by__isnull=False) & ~Q(answer="")),
                name="counsel_answer_complete",
            ),
            models.CheckConstraint(
                condition=Q(by_policy=True) | Q(requested_by__isnull=False),
                name="counsel_request_has_origin",
            ),
        ]
        indexes = [models.Index(fields=["answered_at", "requested_at"], name="counsel_queue")]

    def __str__(self):
        return f"Counsel request on {self.worksheet}"

    @property
    def is_answered(self):
        return self.answered_at is not None


class CalendarFeed(models.Model):
    """A user's private address for their hearing calendar (.ics), for a calendar program that
    cannot log in. Only the token's SHA-256 is stored: the address is shown once, when made;
    making a new one or revoking it ends the old one (cases.calendar)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"Calendar feed of {self.user}"


class ServiceToken(models.Model):
    """A service account of an office: how the office's case management system calls the API
    (cases.api). The token is shown once when made and stored only as its SHA-256; `prefix`
    (its first characters) lets an administrator tell tokens apart. Scopes say what it may do;
    it sees a volunteered immigration status only when an administrator granted `view_status`.
    """

    SCOPES = {
        "read": "Read cases and their consideration status",
        "write_cases": "Create and update cases and counts",
        "read_worksheets": "Download signed worksheets (PDF)",
    }

    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="service_tokens")
    name = models.CharField(max_length=100, help_text="Which system uses it, e.g. “PbK nightly”.")
    scopes = models.JSONField(default=list)
    view_status = models.BooleanField(
        default=False, help_text="May see a volunteered immigration status."
    )
    prefix = models.CharField(max_length=12)
    token_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["office", "name"]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self):
        return self.revoked_at is None and (
            self.expires_at is None or self.expires_at > timezone.now()
        )


class CatalogVersion(models.Model):
    """A catalog version this deployment has run, recorded the first time it was seen, with a
    fingerprint of each of its entries (CatalogEntryFingerprint). The catalog itself is data
    files read into memory; these rows are what survives a restart, so that the Office catalog
    page can list the entries changed since the version before (cases.catalog_history)."""

    version = models.CharField(max_length=20, unique=True)
    effective = models.DateField()
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-recorded_at"]

    def __str__(self):
        return f"Catalog {self.version}"


class CatalogEntryFingerprint(models.Model):
    """One entry of a recorded catalog version: its code, its title (to name it once a later
    version removed it) and the SHA-256 of its canonical content (cases.catalog_history)."""

    catalog = models.ForeignKey(CatalogVersion, on_delete=models.CASCADE, related_name="entries")
    code = models.CharField(max_length=40)
    title = models.CharField(max_length=400)
    sha256 = models.CharField(max_length=64)

    class Meta:
        ordering = ["catalog", "code"]
        constraints = [
            models.UniqueConstraint(fields=["catalog", "code"], name="one_fingerprint_per_entry")
        ]

    def __str__(self):
        return f"{self.code} in catalog {self.catalog_id}"


class ReportMonth(models.Model):
    """Whether the compliance report's monthly rollup of one office and month is up to date.

    The rollup itself is the report's (`compliance.models.MonthlyRollup`); this marker is
    `cases`' so that the actions, which must not import report code, can mark a month stale in
    the same transaction as the write that changes its figures
    (`report_columns.mark_case_months_stale`). A month whose row is missing, stale, or built
    for another catalog version is rebuilt before the report reads it
    (`compliance.rollups`).
    """

    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="+")
    month = models.DateField(help_text="The first day of the office's local month.")
    stale = models.BooleanField(default=True)
    # The catalog version and the rollup's layout it was built for (`compliance.rollups.
    # built_for`): the flagged and serious-or-violent keys are the catalog's reading.
    built_for = models.CharField(max_length=80, blank=True)
    built_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["office", "month"], name="report_month_unique"),
        ]

    def __str__(self):
        return f"{self.office_id} {self.month:%Y-%m}{' (stale)' if self.stale else ''}"
