"""The "Needs my action" page: what waits for the signed-in deputy or supervisor, in one place.

Each section is one query, whatever it lists (tests/test_inbox.py asserts the page's count):

- worksheets returned to me by a supervisor, with the comments, to amend;
- offers conveyed without a signed worksheet (the compliance gap only a late signature closes);
- my cases with a hearing within the office's window and no signed worksheet;
- my draft worksheets older than the office's draft age;
- for a reviewer: signed worksheets awaiting review (the review queue).

"Mine" is a case assigned to me, among the cases I may open (`visible_q`); a returned worksheet
is also mine when I signed it. The navigation's figure is `action_count`: one query for all
sections (a UNION of their ids), its SQL compiled once per user and day (`_count_key`).

Extension point: a section is a `SectionSpec` in `SECTIONS`, a function from (user, today) to a
queryset, or None when the section does not apply to that user. Immigration counsel's questions
(another branch) become one more spec, listed for users who may answer them.
"""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connections, router
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from consequences.catalog import get_catalog

from . import counsel, policy, prepared
from .choices import CaseStage, ReviewOutcome
from .models import Case, Disposition, OfficePolicy, Review, Worksheet, visible_q

SHOWN_PER_SECTION = 50


def _office_setting(user, name):
    return getattr(user.membership.office, name)


def _mine(user, prefix=""):
    """My cases, among those I may open, as a condition on the path `prefix`."""
    return visible_q(user, prefix) & Q(**{f"{prefix}assigned_deputy_id": user.pk})


# --- The sections' queries ----------------------------------------------------------------------


def returned_worksheets(user, today=None):
    """Signed worksheets a supervisor returned, not amended yet, on my cases or signed by me;
    the newest return first. Amending takes one off (the amendment is the current version)."""
    return (
        Worksheet.objects.current()
        .filter(review__outcome=ReviewOutcome.RETURNED)
        .filter(visible_q(user, "case__"))
        .filter(_assigned_or_signed_by(user))
        .select_related("case", "review", "review__reviewer")
        .order_by("-review__decided_at", "pk")
    )


def _assigned_or_signed_by(user):
    """On my cases or signed by me, on the review's own columns: its copy of the case's office
    and deputy (`CaseScope`, kept the case's) and of the worksheet's signer. PostgreSQL combines
    two partial indexes over the returned reviews (`review_returned_deputy`, `_signer`) and
    reads only this deputy's returns. On the worksheet's columns it read every worksheet the
    deputy had ever signed, on every page (issue 19: 394 rows, 70 % of the navigation's count,
    for a deputy of the stress run, and growing with each signature)."""
    membership = getattr(user, "membership", None)
    if membership is None:  # no office: `visible_q` shows nothing anyway
        return Q(review__signed_by_id=user.pk)
    mine = Q(review__office_id=membership.office_id, review__assigned_deputy_id=user.pk)
    return mine | Q(review__signed_by_id=user.pk)


def _on_own_scope(user):
    """My cases, on the row's own copy of the case's office and deputy (`CaseScope`), beside
    `_mine` on the case: PostgreSQL then reads the deputy's scope index instead of looping over
    every case the deputy ever had (issue 19: 7 ms and 6 ms of the navigation's count for a
    deputy with 400 cases, on every page)."""
    membership = getattr(user, "membership", None)
    if membership is None:  # no office: `visible_q` shows nothing anyway
        return Q(assigned_deputy_id=user.pk)
    return Q(office_id=membership.office_id, assigned_deputy_id=user.pk)


def conveyed_without_signed_worksheet(user, today=None):
    """Offers on my cases conveyed with no signed worksheet in place, and none signed since,
    among those the office policy in force on the conveyance day requires a worksheet for
    (cases.policy.requires_worksheet: worksheet scope, serious/violent exclusion, defense
    request)."""
    offers = (
        Disposition.objects.filter(
            conveyed_at__isnull=False,
            conveyed_with_signed_worksheet=False,
            signed_late=False,
        )
        .filter(_mine(user, "case__"), _on_own_scope(user))
        .select_related("case")
        .order_by("conveyed_at", "pk")
    )
    return policy.requires_worksheet(offers, user.membership.office)


COUNSEL_ANSWER_DAYS = 14


def counsel_answers(user, today=None):
    """Immigration counsel's answers on my cases or my requests, in the last two weeks."""
    today = today or timezone.localdate()
    since = dt.datetime.combine(
        today - dt.timedelta(days=COUNSEL_ANSWER_DAYS),
        dt.time.min,
        tzinfo=timezone.get_current_timezone(),
    )
    return counsel.counsel_answers_for(user, since=since)


def hearings_without_signed_worksheet(user, today=None):
    """My open cases with a hearing from today to the office's window (`inbox_hearing_days`)
    whose current worksheet is not signed, or that have none; soonest hearing first."""
    today = today or timezone.localdate()
    days = _office_setting(user, "inbox_hearing_days")
    signed = Worksheet.objects.current().signed().filter(case=OuterRef("pk"))
    return (
        Case.objects.filter(_mine(user))
        .exclude(stage=CaseStage.CLOSED)
        .filter(next_hearing__gte=today, next_hearing__lte=today + dt.timedelta(days=days))
        .exclude(Exists(signed))
        .order_by("next_hearing", "court_case_number")
    )


def stale_drafts(user, today=None):
    """Draft worksheets on my cases begun more than the office's draft age
    (`inbox_draft_days`) ago; the oldest first."""
    today = today or timezone.localdate()
    days = _office_setting(user, "inbox_draft_days")
    # Begun before the start of the day `days` ago, in the office's time zone.
    cutoff = timezone.make_aware(dt.datetime.combine(today - dt.timedelta(days=days), dt.time.min))
    return (
        Worksheet.objects.current()
        .filter(signed_at__isnull=True, created_at__lt=cutoff)
        .filter(_mine(user, "case__"), _on_own_scope(user))
        .select_related("case")
        .order_by("created_at", "pk")
    )


def reviews_for_me(user, today=None):
    """For a reviewer: signed worksheets awaiting review on the cases they may open, oldest
    request first (the review queue), except those they signed themselves."""
    if not user.has_perm("cases.review_worksheet"):
        return None
    return (
        Review.objects.filter(outcome=ReviewOutcome.PENDING)
        .filter(visible_q(user, "worksheet__case__"))
        .exclude(worksheet__signed_by_id=user.pk)
        .select_related("worksheet", "worksheet__case", "worksheet__signed_by")
        .order_by("requested_at", "pk")
    )


# --- The page -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SectionSpec:
    key: str
    title: str
    help: str
    query: Any  # (user, today) -> QuerySet, or None when the section does not apply


def _for_deputies(query):
    """Sections about one's own cases apply to whoever may sign worksheets."""

    def guarded(user, today=None):
        return query(user, today) if user.has_perm("cases.sign_worksheet") else None

    return guarded


SECTIONS = (
    SectionSpec(
        "returned",
        "Returned to you",
        "A supervisor returned these signed worksheets with comments: amend and sign again.",
        _for_deputies(returned_worksheets),
    ),
    SectionSpec(
        "conveyed",
        "Conveyed without a signed worksheet",
        "Sign a worksheet that considers each offer; it is recorded as late.",
        _for_deputies(conveyed_without_signed_worksheet),
    ),
    SectionSpec(
        "counsel",
        "Immigration counsel answered",
        "Counsel's written answers on your worksheets in the last two weeks.",
        _for_deputies(counsel_answers),
    ),
    SectionSpec(
        "hearings",
        "Hearings soon, no signed worksheet",
        "Your cases with a hearing in the next {hearing_days} days.",
        _for_deputies(hearings_without_signed_worksheet),
    ),
    SectionSpec(
        "drafts",
        "Drafts waiting",
        "Your draft worksheets begun more than {draft_days} days ago.",
        _for_deputies(stale_drafts),
    ),
    SectionSpec(
        "reviews",
        "Waiting for your review",
        "Signed worksheets in your units, oldest request first.",
        reviews_for_me,
    ),
)


@dataclass
class Section:
    key: str
    title: str
    help: str
    items: list
    more: bool


def applies_to(user):
    """Has this user a "Needs my action" page (a deputy or a reviewer)? Others land on the
    case list."""
    return any(spec.query(user) is not None for spec in SECTIONS)


def sections_for(user, today=None):
    """The sections that apply to `user`, each with up to SHOWN_PER_SECTION items (one query
    each: the extra row fetched says whether there are more)."""
    today = today or timezone.localdate()
    office = user.membership.office
    words = {"hearing_days": office.inbox_hearing_days, "draft_days": office.inbox_draft_days}
    sections = []
    for spec in SECTIONS:
        queryset = spec.query(user, today)
        if queryset is None:
            continue
        items = list(queryset[: SHOWN_PER_SECTION + 1])
        sections.append(
            Section(
                spec.key,
                spec.title,
                spec.help.format(**words),
                items[:SHOWN_PER_SECTION],
                len(items) > SHOWN_PER_SECTION,
            )
        )
    return sections


def action_count(user, today=None):
    """How many items wait in all the sections, in one query (for the navigation)."""
    return navigation_counts(user, today)[0]


def navigation_counts(user, today=None, reviews=None):
    """("Needs my action", reviews waiting) for the navigation, in one statement: the action
    count's kept SQL and `reviews` (a queryset of the reviews waiting, or None: not shown, 0)
    counted side by side as scalar subqueries, where they were two queries on every page of a
    supervisor (issue 19)."""
    actions = _action_sql(user, today)
    review_sql = _count_sql(reviews) if reviews is not None else None
    parts, params = [], []
    for compiled in (actions, review_sql):
        if compiled:
            model, sql, values = compiled
            parts.append(f"(SELECT COUNT(*) FROM ({sql}) waiting)")  # noqa: S608
            params.extend(values)
    if not parts:
        return 0, 0
    models = {compiled[0] for compiled in (actions, review_sql) if compiled}
    aliases = {router.db_for_read(model) for model in models}
    if len(aliases) > 1:  # counted where each is read, as before
        return _run(actions), _run(review_sql)
    with connections[aliases.pop()].cursor() as cursor:
        # Each part is the ORM's own compilation, every value in `params`: nothing is
        # interpolated.
        prepared.execute(cursor, f"SELECT {', '.join(parts)}", params, _values(params))  # noqa: S608
        row = list(cursor.fetchone())
    return (row.pop(0) if actions else 0), (row.pop(0) if review_sql else 0)


def _run(compiled):
    if not compiled:
        return 0
    model, sql, params = compiled
    with connections[router.db_for_read(model)].cursor() as cursor:
        prepared.execute(cursor, f"SELECT COUNT(*) FROM ({sql}) waiting", params, _values(params))  # noqa: S608
        return cursor.fetchone()[0]


def _values(params):
    """The positions of the values that differ from one user or day to the next (ids, dates,
    times): cases.prepared makes them the statement's parameters. The text ones are the
    choices the sections filter on ("pending", "returned", "closed"), the same for everyone:
    written into the statement, they let its plan count the few pending reviews by their index."""
    return [number for number, value in enumerate(params) if not isinstance(value, str)]


def _count_sql(queryset):
    """(model, SQL, params) of `queryset`'s ids; () when it can match nothing."""
    ids = queryset.order_by().values_list("pk")
    try:
        sql, params = ids.query.get_compiler(using=ids.db).as_sql()
    except EmptyResultSet:
        return ()
    return ids.model, sql, tuple(params)


def _action_sql(user, today=None):
    """The action count's (model, SQL, params), kept per process; () when nothing applies."""
    if getattr(user, "membership", None) is None:
        return ()
    today = today or timezone.localdate()
    versions = policy.all_versions(user.membership.office)
    key = _count_key(user, today, versions)
    compiled = _COUNT_SQL.get(key)
    if compiled is None:
        # Built from the versions just read: a first view costs the queries of a later one.
        with policy.versions_known(user.membership.office, versions):
            compiled = _compile_count(user, today)
        if len(_COUNT_SQL) >= _COUNT_SQL_SIZE:
            _COUNT_SQL.clear()  # a day's users at most: simpler than an LRU, and as good
        _COUNT_SQL[key] = compiled
    return compiled


# The navigation shows `action_count` on every page of a deputy or a supervisor. Building and
# compiling its UNION of five querysets cost ~15 ms of CPU per page, far more than running it
# (issue 19). So the compiled SQL is kept per process, under a key made of every fact the
# sections' queries are built from; the count itself is run afresh on every page, so a write
# in any process shows at once. A section that comes to read another fact (a setting, a
# permission) must add it to `_count_key`: tests/test_inbox.py checks that the kept SQL counts
# what a fresh build counts after each of these facts changes.
_COUNT_SQL: dict = {}
_COUNT_SQL_SIZE = 2048


def _count_key(user, today, versions):
    membership = user.membership
    office = membership.office
    # Every policy version with every setting: the worksheet scope of each period is in the SQL.
    fields = [field.attname for field in OfficePolicy._meta.concrete_fields]
    settings = tuple(tuple(getattr(version, name) for name in fields) for version in versions)
    return (
        user.pk,
        membership.office_id,
        membership.unit_id,
        membership.role,
        office.deputies_see_unit_cases,
        office.inbox_hearing_days,
        office.inbox_draft_days,
        user.has_perm("cases.sign_worksheet"),
        user.has_perm("cases.review_worksheet"),
        today,
        timezone.localdate(),  # requires_worksheet_q reads today's version itself
        timezone.get_current_timezone_name(),
        get_catalog().version,  # the scope's serious/violent and flagged statutes
        settings,
    )


def _compile_count(user, today):
    """(the first section's model, SQL, params) of the UNION of the sections' ids; () when no
    section applies to the user."""
    queries = [spec.query(user, today) for spec in SECTIONS]
    ids = [query.order_by().values_list("pk") for query in queries if query is not None]
    if not ids:
        return ()
    union = ids[0].union(*ids[1:], all=True)
    sql, params = union.query.get_compiler(using=union.db).as_sql()
    return union.model, sql, tuple(params)
