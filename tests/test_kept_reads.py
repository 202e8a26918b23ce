"""The reads every request makes, their SQL compiled once per process (cases.kept_reads): they
give what the ORM gives, field by field and type by type, and read the rows afresh each time."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ObjectDoesNotExist
from django.db.models.sql.compiler import SQLCompiler
from django.http import Http404
from django_otp.plugins.otp_totp.models import TOTPDevice

from cases import access, actions, kept_reads, policy
from cases.choices import ApprovalPolicy, Role
from cases.middleware import attach_membership, attach_permissions
from cases.models import Case, Membership, OfficePolicy, Worksheet, visible_q
from tests import factories

pytestmark = pytest.mark.django_db


def fresh(user):
    return get_user_model().objects.get(pk=user.pk)


def same_row(kept, read):
    """Every concrete field equal and of the same type (SQLite gives 0 and 1 for booleans and
    text for dates until the ORM's converters run; 0 == False would hide that)."""
    assert type(kept) is type(read)
    assert kept._state.db == read._state.db and not kept._state.adding
    for field in type(read)._meta.concrete_fields:
        mine, theirs = getattr(kept, field.attname), getattr(read, field.attname)
        assert (mine, type(mine)) == (theirs, type(theirs)), field.attname


def test_the_membership_is_the_orms_with_its_office_unit_and_devices(alice, dave):
    TOTPDevice.objects.create(user=alice, name="phone", confirmed=True)
    for user, devices in ((alice, True), (dave, False)):  # dave has no unit
        mine = fresh(user)
        kept = attach_membership(mine)
        read = Membership.objects.select_related("office", "unit").get(user=user)
        same_row(kept, read)
        same_row(kept.office, read.office)
        if read.unit is None:
            assert kept.unit is None
        else:
            same_row(kept.unit, read.unit)
        assert mine._has_confirmed_device is devices
        assert mine.membership is kept and kept.user is mine


def test_a_user_without_a_membership_has_none(db):
    loner = get_user_model().objects.create_user("loner")
    assert attach_membership(loner) is None
    with pytest.raises(Membership.DoesNotExist):
        loner.membership  # noqa: B018


def test_the_policy_versions_are_the_orms(office):
    factories.set_policy(office, supervisor_approval=ApprovalPolicy.ALWAYS)
    factories.set_policy(
        office, effective_from=dt.date(2030, 1, 1), supervisor_approval=ApprovalPolicy.NEVER
    )
    kept = policy.all_versions(office)
    read = list(OfficePolicy.objects.filter(office=office).order_by("effective_from"))
    assert len(kept) == len(read) >= 2
    for mine, theirs in zip(kept, read, strict=True):
        same_row(mine, theirs)


def test_the_sql_is_compiled_once_and_the_rows_read_every_time(monkeypatch, alice, office):
    factories.set_policy(office, supervisor_approval=ApprovalPolicy.ALWAYS)
    first, again = fresh(alice), fresh(alice)
    attach_membership(first)  # compiled here, if no earlier test of this process did
    attach_permissions(first)
    policy.all_versions(office)
    compiled = []
    original = SQLCompiler.as_sql
    monkeypatch.setattr(
        SQLCompiler,
        "as_sql",
        lambda self, *a, **k: compiled.append(self) or original(self, *a, **k),
    )
    office.name = "Renamed in another process"
    office.save(update_fields=["name"])
    Membership.objects.filter(user=alice).update(role="supervisor")
    compiled.clear()  # the writes above
    membership = attach_membership(again)
    attach_permissions(again)
    versions = policy.all_versions(office)
    assert compiled == []
    assert membership.office.name == "Renamed in another process"
    assert membership.role == "supervisor"
    assert "cases.sign_worksheet" in again._perm_cache
    assert [version.supervisor_approval for version in versions] == [ApprovalPolicy.ALWAYS]


def test_an_id_written_into_the_sql_is_refused():
    from django.db.models.expressions import RawSQL

    read = kept_reads.OneIdRead(
        Membership,
        lambda user_id: Membership.objects.filter(user_id=RawSQL(str(user_id), ())).values("pk"),  # noqa: S611
    )
    with pytest.raises(ValueError, match="as a parameter"):
        read.rows(1)


# --- The session row (cases.session_store) ------------------------------------------------------


def test_the_session_is_the_one_django_reads_and_an_expired_one_is_none(alice):
    import datetime as dt

    from django.contrib.sessions.backends.db import SessionStore as DjangoStore
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    from cases.session_store import SessionStore

    store = SessionStore()
    store["who"] = "alice"
    store.save()
    key = store.session_key
    for _read in range(2):  # compiled, then kept
        mine, theirs = SessionStore(key), DjangoStore(key)
        assert mine.load() == theirs.load() == {"who": "alice"}
        same_row(mine._get_session_from_db(), theirs._get_session_from_db())
    Session.objects.filter(pk=key).update(session_data=DjangoStore().encode({"who": "bob"}))
    assert SessionStore(key).load() == {"who": "bob"}  # read afresh, not kept
    Session.objects.filter(pk=key).update(expire_date=timezone.now() - dt.timedelta(seconds=1))
    expired = SessionStore(key)
    assert expired.load() == {}
    assert expired.session_key is None  # as Django: a new session gets a new key
    assert SessionStore("no-such-session-key").load() == {}


def test_a_session_read_compiles_no_sql_after_the_first(alice, monkeypatch):
    from cases.session_store import SessionStore

    store = SessionStore()
    store.save()
    SessionStore(store.session_key).load()
    compiled = []
    original = SQLCompiler.as_sql

    def counting(self, *args, **kwargs):
        compiled.append(self.query.model)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(SQLCompiler, "as_sql", counting)
    SessionStore(store.session_key).load()
    assert compiled == []


# --- The case and worksheet getters (cases.access, through KeptInstances) ----------------------


def orm_case(user, pk):
    return (
        Case.objects.visible_to(user)
        .select_related("office", "unit", "assigned_deputy")
        .filter(pk=pk)
        .first()
    )


def orm_worksheet(user, pk, download=False):
    queryset = Worksheet.objects.filter(visible_q(user, "case__"))
    if download:
        queryset = queryset.select_related(
            "case", "review__reviewer", "counsel_request__requested_by"
        ).only(*access.STORED_PDF_FIELDS)
    else:
        queryset = queryset.select_related("case", "case__office", "case__unit", "signed_by")
    return queryset.filter(pk=pk).first()


def kept_or_none(getter, user, pk):
    try:
        return getter(user, pk)
    except Http404:
        return None


def related(instance, name):
    """The row joined in as `name`, or None (a reverse one-to-one with no row raises)."""
    try:
        return getattr(instance, name)
    except ObjectDoesNotExist:
        return None


def same_related(kept, read, paths):
    """The rows joined in (`select_related`), each the ORM's, read without another query."""
    for path in paths:
        mine, theirs = kept, read
        for name in path.split("__"):
            mine, theirs = related(mine, name), related(theirs, name)
        if theirs is None:
            assert mine is None, path
        else:
            same_row(mine, theirs)


@pytest.mark.parametrize("unit_cases", [False, True])
def test_each_user_opens_the_cases_and_worksheets_the_orm_lets_them_open(
    office,
    unit,
    other_unit,
    alice,
    bob,
    carol,
    dave,
    erin,
    frank,
    olivia,
    outsider_case,
    unit_cases,
    django_assert_num_queries,
):
    """Every shape of visibility (a deputy's own cases, and their unit's where the office allows
    it; a supervisor's unit; the office; counsel's routed cases; no office), against cases of
    the deputy, the unit, another unit and another office, one of them routed to counsel."""
    office.deputies_see_unit_cases = unit_cases
    office.save()
    supervisor_of_the_office = factories.make_user("sam", office, Role.SUPERVISOR)
    nobody = get_user_model().objects.create_user("nobody")
    cases = [
        factories.make_case(office, unit, alice, number="OWN-1"),
        factories.make_case(office, unit, bob, number="UNIT-1", routed_to_counsel=True),
        factories.make_case(office, other_unit, frank, number="OTHER-1"),
        outsider_case,
    ]
    worksheets = [
        factories.ready_worksheet(
            case, case.assigned_deputy, chosen=factories.make_disposition(case)
        )
        for case in cases
    ]
    actions.sign_worksheet(worksheets[0], by_user=alice)  # a signer to join
    seen = 0
    for user in (alice, bob, carol, dave, erin, frank, olivia, supervisor_of_the_office, nobody):
        viewer = fresh(user)
        attach_membership(viewer)
        for case, worksheet in zip(cases, worksheets, strict=True):
            read = orm_case(viewer, case.pk)
            with django_assert_num_queries(1 if related(viewer, "membership") else 0):
                kept = kept_or_none(access.get_case_for_user, viewer, case.pk)
            assert (kept is None) == (read is None), (user.username, case.court_case_number)
            if read is not None:
                seen += 1
                same_row(kept, read)
                with django_assert_num_queries(0):
                    same_related(kept, read, ["office", "unit", "assigned_deputy"])
            for getter, download, paths in (
                (access.get_worksheet_for_user, False, ["case", "case__office", "signed_by"]),
                (access.get_worksheet_for_download, True, ["case", "review"]),
            ):
                read = orm_worksheet(viewer, worksheet.pk, download)
                kept = kept_or_none(getter, viewer, worksheet.pk)
                assert (kept is None) == (read is None), (user.username, getter.__name__)
                if read is not None:
                    assert kept.get_deferred_fields() == read.get_deferred_fields()
                    for name in ("pk", "case_id", "signed_at", "content_hash", "signed_content"):
                        assert getattr(kept, name) == getattr(read, name)
                    same_related(kept, read, paths)
    assert seen >= 10  # the matrix opened cases, not only refused them


def test_a_kept_read_is_refused_when_an_id_is_not_a_parameter():
    from django.db.models.expressions import RawSQL

    read = kept_reads.KeptInstances(
        Case,
        lambda shape, pk: Case.objects.filter(pk=RawSQL(str(pk), ())),  # noqa: S611
    )
    with pytest.raises(ValueError, match="as a parameter"):
        read.first("any", pk=1)
