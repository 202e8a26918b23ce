"""Office policy: which version is in force on a date, and what each setting does.

Every reader of a policy setting goes through this module: `policy_for(office, on=date)` for
one day, `versions_between` for a report's period, `requires_worksheet` for "which conveyed
offers needed a worksheet", `review_required_by_policy` and `second_factor_required` for the
actions and the middleware. A version takes effect at local midnight of its `effective_from`
and stays in force until the next one, so a report for last month reads last month's policy.

Writes go through `set_office_policy` (audited). Tests: tests/test_policy.py.
"""

import datetime as dt
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from consequences.catalog import get_catalog
from consequences.engine import assess_count

from . import audit, kept_reads
from .access import ensure_may_manage_office
from .choices import (
    ApprovalPolicy,
    AuditAction,
    ChargeLevel,
    CounselRouting,
    Role,
    SecondFactorPolicy,
    WorksheetScope,
)
from .models import Charge, DefenseSubmission, OfficePolicy

# The first version of every office, from its migration: in force since before any record.
EPOCH = dt.date(1970, 1, 1)

# Each setting, what it does and which screen or report it changes: shown next to the field on
# the edit screen and on the office's policy summary page.
SETTINGS = {
    "worksheet_scope": (
        "Which conveyed offers count as needing a § 1016.3(b) worksheet. It changes the "
        "compliance rate and the late and missing lists of the compliance report, and "
        '"Needs my action". Felony cases: any count charged as a felony or a wobbler. Cases '
        "with a flagged ground: any count whose charged offense the catalog flags for a "
        "ground, or does not know (an unknown offense is never treated as safe)."
    ),
    "exclude_serious_violent": (
        "Takes cases with a count charged as a serious (PC 1192.7(c)) or violent (PC 667.5(c)) "
        "felony, as the catalog tags them, out of the worksheet scope. Every compliance page "
        "says when this exclusion applies."
    ),
    "supervisor_approval": (
        "Which signed worksheets enter the supervisor's review queue: none, departures from "
        "the standard offer, or all."
    ),
    "defense_request_required": (
        "A worksheet is required only once the defense has asked for consideration of "
        "immigration consequences (a defense request on the case). The worksheet page and PDF "
        "say whether a request had been received when the worksheet was signed."
    ),
    "counsel_routing": (
        "Off: deputies cannot ask immigration counsel. When a deputy asks: a deputy can send a "
        "signed worksheet to counsel. A given ground: every signed worksheet whose offers flag "
        "that ground goes to counsel's queue automatically, and deputies can ask too."
    ),
    "counsel_ground": "The ground that sends a worksheet to counsel (with the option above).",
    "second_factor": (
        "Who must enrol a TOTP second factor before using anything else. Every user: what the "
        "CJIS Security Policy asks for users of criminal justice information."
    ),
}
FIELDS = tuple(SETTINGS)


def policy_for(office, on=None):
    """The version in force on `on` (today by default); the defaults if the office has none.

    Within a request (`remembered_in_request`) the office's versions are read once and every
    day is picked from them: a page asked two to five times (the second-factor check, the
    navigation, the signing's review and counsel rules). Treat the version returned as
    read-only; `set_office_policy` forgets them."""
    on = on or timezone.localdate()
    if _in_request.get() is not None:  # every version, read once, serves every day asked
        in_force = [v for v in all_versions(office) if v.effective_from <= on]
        return (
            in_force[-1] if in_force else OfficePolicy(office_id=_id(office), effective_from=EPOCH)
        )
    version = (
        OfficePolicy.objects.filter(office_id=_id(office), effective_from__lte=on)
        .order_by("-effective_from")
        .first()
    )
    return version or OfficePolicy(office_id=_id(office), effective_from=EPOCH)


_in_request: ContextVar[dict | None] = ContextVar("policies_in_request", default=None)


@contextmanager
def remembered_in_request():
    """`policy_for` reads each office's version once within the block (one request: the
    `MembershipMiddleware`). Nothing is kept between requests, so another process's change
    applies from the next request."""
    token = _in_request.set({})
    try:
        yield
    finally:
        _in_request.reset(token)


def forget_in_request():
    memo = _in_request.get()
    if memo is not None:
        memo.clear()


def _id(office):
    """An office or its id (a report filter holds the id)."""
    return getattr(office, "pk", office)


@dataclass(frozen=True)
class Span:
    """A policy version and the local dates it governs within a period: [start, end)."""

    policy: OfficePolicy
    start: dt.date
    end: dt.date | None  # None: still in force


def versions_between(office, start, end=None):
    """The versions in force between the dates `start` and `end` (exclusive), in order."""
    known = _known_versions.get()
    if known is not None and known[0] == _id(office):
        versions = _between(known[1], office, start, end)
    else:
        later = OfficePolicy.objects.filter(office_id=_id(office), effective_from__gt=start)
        if end is not None:
            later = later.filter(effective_from__lt=end)
        versions = [policy_for(office, start), *later.order_by("effective_from")]
    spans = []
    for number, version in enumerate(versions):
        until = versions[number + 1].effective_from if number + 1 < len(versions) else end
        spans.append(Span(version, max(version.effective_from, start), until))
    return spans


# (office id, every version of that office by date): set by `versions_known`.
_known_versions: ContextVar[tuple | None] = ContextVar("known_versions", default=None)


@contextmanager
def versions_known(office, versions):
    """Within the block, `versions_between` reads the office's versions from `versions` (all of
    them, as `all_versions` returns) instead of the database: "Needs my action" has just read
    them to key its kept SQL (cases.inbox), and compiling it reads no policy again."""
    token = _known_versions.set((_id(office), versions))
    try:
        yield
    finally:
        _known_versions.reset(token)


def all_versions(office):
    """Every policy version of the office, oldest first (one query; once per request within
    `remembered_in_request`). An office has a handful: one per change of its settings."""
    memo = _in_request.get()
    if memo is not None and _id(office) in memo:
        return memo[_id(office)]
    db = _VERSIONS.alias()
    versions = [kept_reads.instance(OfficePolicy, row, db) for row in _VERSIONS.rows(_id(office))]
    if memo is not None:
        memo[_id(office)] = versions
    return versions


# Read on every page (the second-factor check, the navigation): its SQL compiled once.
_VERSIONS = kept_reads.OneIdRead(
    OfficePolicy,
    lambda office_id: (
        OfficePolicy.objects.filter(office_id=office_id)
        .order_by("effective_from")
        .values(*kept_reads.concrete_names(OfficePolicy))
    ),
)


def _between(versions, office, start, end):
    """`versions_between`'s versions, picked from all of them as its two queries pick them."""
    in_force = [version for version in versions if version.effective_from <= start]
    first = in_force[-1] if in_force else OfficePolicy(office_id=_id(office), effective_from=EPOCH)
    later = [
        version
        for version in versions
        if version.effective_from > start and (end is None or version.effective_from < end)
    ]
    return [first, *later]


def _day_after(end):
    """The first local day after a period that ends (exclusive) at `end`: midnight or not."""
    if end is None:
        return None
    day = timezone.localdate(end)
    return day if _midnight(day) == end else day + dt.timedelta(days=1)


def _midnight(day):
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


# --- Which conveyances require a worksheet ------------------------------------------------------


def requires_worksheet(dispositions, office, start=None, end=None):
    """`dispositions` narrowed to the offers office policy requires a worksheet for.

    A conveyed offer is judged by the version in force on the day it was conveyed; an offer not
    yet conveyed by today's. `start`/`end` (datetimes) limit the versions read to a report's
    period. For "Needs my action" (cases.inbox) and the compliance report (compliance.metrics).
    """
    return dispositions.filter(requires_worksheet_q(office, start, end))


def requires_worksheet_q(office, start=None, end=None, case_id="case_id"):
    """`requires_worksheet` as a condition on an offer (`case_id`: the path to its case)."""
    first_day = timezone.localdate(start) if start else EPOCH
    last_day = _day_after(end)
    spans = versions_between(office, first_day, last_day)
    if len(spans) == 1 and start is not None:
        conveyed = scope_q(spans[0].policy, case_id)
    else:
        # (An empty Q() would vanish from an OR: each span's condition is built whole.)
        parts = []
        for span in spans:
            when = Q(conveyed_at__gte=_midnight(span.start)) if span.start > EPOCH else Q()
            if span.end is not None:
                when &= Q(conveyed_at__lt=_midnight(span.end))
            part = when & scope_q(span.policy, case_id)
            parts.append(part if part else Q(pk__isnull=False))
        conveyed = parts[0]
        for part in parts[1:]:
            conveyed |= part
    if start is not None:
        return conveyed
    # Today's version is among the spans just read (from EPOCH on): the last one in force by
    # today. Asking policy_for again cost a query on every page ("Needs my action" in the
    # navigation, issue 19).
    today = timezone.localdate()
    in_force = next(span.policy for span in reversed(spans) if span.start <= today)
    not_yet = Q(conveyed_at__isnull=True) & scope_q(in_force, case_id)
    return (Q(conveyed_at__isnull=False) & conveyed) | not_yet


def scope_q(policy, case_id="case_id"):
    """One version's worksheet scope as a condition on a row whose case is at `case_id`."""
    return scope_on_attributes(policy, lambda name: Q(scope_attribute(name, case_id)))


# What the worksheet scope asks of a case (`scope_attribute`).
SCOPE_ATTRIBUTES = ("felony", "flagged", "serious_violent", "defense_requested")


def scope_attribute(name, case_id="case_id"):
    """One thing the worksheet scope asks of a case, as a boolean SQL expression on a row whose
    case is at `case_id`: any count charged as a felony or a wobbler; any count the catalog
    flags or does not know; any serious or violent felony; a defense request for
    consideration. The report's monthly rollup stores them as keys (`compliance.rollups`), so
    that a version's scope is a condition on its rows (`scope_on_attributes`)."""
    if name == "defense_requested":
        return Exists(
            DefenseSubmission.objects.filter(
                case_id=OuterRef(case_id), consideration_requested=True
            )
        )
    return Exists(Charge.objects.filter(case_id=OuterRef(case_id)).filter(count_condition(name)))


def count_condition(name):
    """What `scope_attribute(name)` asks of one of the case's counts (all but the defense
    request): a condition on a Charge, for readers that scan the counts of many cases at once
    (the rollup's rebuild) instead of asking case by case."""
    if name == "felony":
        return Q(level__in=FELONY_LEVELS)
    if name == "flagged":  # reads `_clean_entries` only when asked (~0.5 s once)
        return ~charge_resolves_to(_clean_entries())
    if name == "serious_violent":
        return serious_or_violent_charge_q()
    raise ValueError(f"Not a condition on a count: {name}")


def scope_on_attributes(policy, has=None):
    """One version's worksheet scope as a condition built from `has(name)`, the condition that
    a case has the attribute `name`: the SQL expression (`scope_q`) or, by default, a boolean
    field of that name, as the rollup's keys are. One ladder for both, so the raw report and
    the rollup cannot read a version differently."""
    has = has or (lambda name: Q(**{name: True}))
    if policy.worksheet_scope == WorksheetScope.NONE:
        return Q(pk__in=[])
    q = Q()
    if policy.worksheet_scope == WorksheetScope.FELONIES:
        q &= has("felony")
    elif policy.worksheet_scope == WorksheetScope.FLAGGED:
        q &= has("flagged")
    if policy.exclude_serious_violent:
        q &= ~has("serious_violent")
    if policy.defense_request_required:
        q &= has("defense_requested")
    return q


FELONY_LEVELS = (ChargeLevel.FELONY, ChargeLevel.WOBBLER)


def serious_or_violent_charge_q():
    """A count charged as a serious (PC 1192.7(c)) or violent (PC 667.5(c)) felony: its offense
    is one the catalog tags `serious_felony` or `violent_felony`, not charged as a misdemeanor
    or an infraction."""
    return charge_resolves_to(_catalog_sets()["serious_violent"]) & ~Q(
        level__in=[ChargeLevel.MISDEMEANOR, ChargeLevel.INFRACTION]
    )


def charge_resolves_to(entries):
    """A count whose code the catalog reads as one of `entries`, falling back from a
    subdivision to its section as `Catalog.lookup` does: "PC 245(a)(4)" resolves to "PC 245" when
    the catalog has no entry for PC 245(a)(4) or PC 245(a). Counts written more specifically
    than any entry of another set never match (a conservative reading)."""
    by_section = _catalog_sets()["by_section"]
    q = Q(pk__in=[])
    for parsed in entries:
        deeper = [
            other
            for other in by_section.get((parsed.code, parsed.section), ())
            if other.subdivisions[: len(parsed.subdivisions)] == parsed.subdivisions
            and len(other.subdivisions) > len(parsed.subdivisions)
        ]
        match = Q(code=parsed.code, section=parsed.section)
        if parsed.subdivisions:
            match &= Q(subdivision__startswith=parsed.subdivision)
        for other in deeper:
            match &= ~Q(subdivision__startswith=other.subdivision)
        q |= match
    return q


_SETS: dict[str, dict] = {}


def _catalog_sets():
    """Per catalog version: the entries by section and those tagged serious or violent; the
    offenses the engine flags for no ground as charged ("clean") are added on first use by a
    flagged-ground scope (`_clean_entries`: it runs the engine on every entry, ~0.5 s once)."""
    catalog = get_catalog()
    sets = _SETS.get(catalog.version)
    if sets is None:
        serious: list = []
        by_section: dict[tuple[str, str], list] = {}
        for offense in catalog.offenses.values():
            by_section.setdefault((offense.parsed.code, offense.parsed.section), []).append(
                offense.parsed
            )
            if offense.tags & {"serious_felony", "violent_felony"}:
                serious.append(offense.parsed)
        sets = {"serious_violent": serious, "by_section": by_section, "catalog": catalog}
        _SETS.clear()
        _SETS[catalog.version] = sets
    return sets


def _clean_entries():
    """The catalog's offenses the engine flags for no ground as charged, nothing else known."""
    sets = _catalog_sets()
    if "clean" not in sets:
        catalog = sets["catalog"]
        sets["clean"] = [
            offense.parsed
            for offense in catalog.offenses.values()
            if offense.kind == "offense" and not assess_count(offense.code, catalog=catalog).flagged
        ]
    return sets["clean"]


def scope_notes(office, start, end):
    """What office policy counted as needing a worksheet in a period, one sentence per version
    in force: every page that counts compliance shows them (issue 17.2)."""
    spans = versions_between(office, timezone.localdate(start), _day_after(end))
    notes = []
    for span in spans:
        version = span.policy
        text = f"Worksheet required for: {version.get_worksheet_scope_display().lower()}"
        if version.defense_request_required:
            text += ", once the defense asked for consideration"
        if version.exclude_serious_violent:
            text += "; serious (PC 1192.7(c)) and violent (PC 667.5(c)) felonies are excluded"
        if len(spans) > 1:
            until = f" to {span.end - dt.timedelta(days=1):%Y-%m-%d}" if span.end else " on"
            text = f"From {span.start:%Y-%m-%d}{until}: {text[0].lower()}{text[1:]}"
        notes.append(text + ".")
    return notes


# --- The other settings' readers ----------------------------------------------------------------


def review_required_by_policy(worksheet, departs, policy=None):
    """Supervisor approval for departures: does this worksheet, signed today, go to review?
    `policy`: the office's version in force today, when the caller has already read it."""
    approval = (policy or policy_for(worksheet.case.office)).supervisor_approval
    if approval == ApprovalPolicy.ALWAYS:
        return True
    if approval == ApprovalPolicy.NEVER:
        return False
    return departs


def second_factor_required(user):
    """Must this user enrol a TOTP second factor before anything else, under today's policy?"""
    membership = getattr(user, "membership", None)
    if membership is None:
        return False
    cache = getattr(user, "_second_factor_policy", None)  # once per request's user object
    if cache is None:
        cache = user._second_factor_policy = policy_for(membership.office).second_factor
    if cache == SecondFactorPolicy.EVERYONE:
        return True
    return cache == SecondFactorPolicy.ADMINS and membership.role == Role.ADMIN


def counsel_may_be_asked(office):
    return policy_for(office).counsel_routing != CounselRouting.OFF


# --- Changing the policy ------------------------------------------------------------------------


class PolicyDateError(ValueError):
    pass


@transaction.atomic(durable=True)
def set_office_policy(office, *, by_user, effective_from, fields, request=None):
    """Record a policy version in force from `effective_from`, audited with what changed.

    The date may be today or later, never earlier: a version in force on a past day would
    change figures already reported for that day (issue 17: "reports for earlier periods use
    the policy then in force"). A version already recorded for the same date, not yet in force
    or in force from today, is replaced, its values kept in the audit event.
    """
    ensure_may_manage_office(by_user, office)
    today = timezone.localdate()
    if effective_from < today:
        raise PolicyDateError(
            "A policy change takes effect today or later: earlier periods keep the policy "
            "then in force."
        )
    unknown = set(fields) - set(FIELDS)
    if unknown:
        raise ValueError(f"Not a policy setting: {', '.join(sorted(unknown))}.")
    # Lock the office's versions so two administrators' edits are recorded one after the other.
    list(OfficePolicy.objects.select_for_update().filter(office=office).values_list("pk"))
    forget_in_request()  # read under the lock, not what this request read before it
    before = policy_for(office, effective_from)
    old = {name: getattr(before, name) for name in FIELDS}
    version = OfficePolicy.objects.filter(office=office, effective_from=effective_from).first()
    version = version or OfficePolicy(office=office, effective_from=effective_from)
    for name in FIELDS:
        setattr(version, name, fields.get(name, old[name]))
    if version.counsel_routing != CounselRouting.GROUND:
        version.counsel_ground = ""
    version.set_by = by_user
    version.set_at = timezone.now()
    version.full_clean()
    version.save()
    forget_in_request()  # the rest of this request reads the new version
    changes = {
        name: {"before": old[name], "after": getattr(version, name)}
        for name in FIELDS
        if old[name] != getattr(version, name)
    }
    audit.record(
        AuditAction.CHANGE,
        version,
        user=by_user,
        office=office,
        request=request,
        summary=f"policy from {effective_from:%Y-%m-%d}: "
        + ("; ".join(f"{n} {c['before']} → {c['after']}" for n, c in changes.items()) or "same"),
        data={"effective_from": effective_from.isoformat(), "changes": changes},
    )
    return version
