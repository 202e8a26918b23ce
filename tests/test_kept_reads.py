"""The reads every request makes, their SQL compiled once per process (cases.kept_reads): they
give what the ORM gives, field by field and type by type, and read the rows afresh each time."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.db.models.sql.compiler import SQLCompiler
from django_otp.plugins.otp_totp.models import TOTPDevice

from cases import kept_reads, policy
from cases.choices import ApprovalPolicy
from cases.middleware import attach_membership, attach_permissions
from cases.models import Membership, OfficePolicy
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
