"""Office policy that works (issue 17.2): each setting's effect, versions by date, the edit screen.

Four cases of Alpha's Felony Unit, each with one offer conveyed on 2025-03-10:
- dv: PC 273.5(a) charged as a wobbler (felony; the catalog flags domestic violence);
- license: VC 12500(a) misdemeanor (the catalog flags no ground);
- robbery: PC 211 felony (tagged serious and violent: PC 1192.7(c), 667.5(c));
- unknown: "PC 9999" misdemeanor (not in the catalog: never treated as safe).
"""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from cases import policy, report_columns
from cases.choices import (
    ChargeLevel,
    CounselRouting,
    DispositionStatus,
    Role,
    SecondFactorPolicy,
    WorksheetScope,
)
from cases.models import AuditEvent, DefenseSubmission, Disposition, OfficePolicy
from compliance.filters import ReportFilter
from compliance.metrics import offers
from tests import factories

pytestmark = pytest.mark.django_db

MARCH = ReportFilter(office_id=0, date_from=dt.date(2025, 3, 1), date_to=dt.date(2025, 3, 31))
CASES = {
    "dv": ("PC 273.5(a)", ChargeLevel.WOBBLER),
    "license": ("VC 12500(a)", ChargeLevel.MISDEMEANOR),
    "robbery": ("PC 211", ChargeLevel.FELONY),
    "unknown": ("PC 9999", ChargeLevel.MISDEMEANOR),
}


def at(text):
    return timezone.make_aware(dt.datetime.strptime(text, "%Y-%m-%d %H:%M"))


def convey(disposition, when):
    disposition.status = DispositionStatus.CONVEYED
    report_columns.mark_conveyed(disposition, at(when), with_signed_worksheet=False)
    disposition.save()
    return disposition


@pytest.fixture
def offers_by_case(office, unit, alice):
    found = {}
    for name, (statute, level) in CASES.items():
        case = factories.make_case(office, unit, alice, number=name.upper())
        factories.make_charge(case, statute=statute, level=level)
        found[name] = convey(factories.make_disposition(case), "2025-03-10 09:00")
    return found


def counted(office, dave, report_filter=MARCH):
    """The case numbers whose conveyed offers the compliance report counts."""
    report_filter = ReportFilter(
        office_id=office.pk, date_from=report_filter.date_from, date_to=report_filter.date_to
    )
    return sorted(o.case.court_case_number.lower() for o in offers(report_filter, dave))


def required(office):
    """The same question as "Needs my action" asks it (cases.inbox calls requires_worksheet)."""
    found = policy.requires_worksheet(Disposition.objects.filter(case__office=office), office)
    return sorted(o.case.court_case_number.lower() for o in found)


# --- Worksheet scope and exclusions -------------------------------------------------------------


@pytest.mark.parametrize(
    ("scope", "expected"),
    [
        (WorksheetScope.ALL_OFFERS, ["dv", "license", "robbery", "unknown"]),
        (WorksheetScope.FELONIES, ["dv", "robbery"]),
        (WorksheetScope.FLAGGED, ["dv", "robbery", "unknown"]),
        (WorksheetScope.NONE, []),
    ],
)
def test_worksheet_scope_decides_which_conveyances_count(
    office, dave, offers_by_case, scope, expected
):
    factories.set_policy(office, worksheet_scope=scope)
    assert counted(office, dave) == expected
    assert required(office) == expected


def test_serious_and_violent_felonies_are_taken_out_of_scope(office, dave, offers_by_case):
    factories.set_policy(office, exclude_serious_violent=True)
    assert counted(office, dave) == ["dv", "license", "unknown"]
    # Charged as a misdemeanor, the same offense is not a serious felony.
    robbery = offers_by_case["robbery"].case
    robbery.charges.update(level=ChargeLevel.MISDEMEANOR)
    assert "robbery" in counted(office, dave)


def test_a_subdivision_falls_back_to_its_tagged_section(office, unit, alice, dave):
    """PC 245(a)(1) is tagged serious; a count written "PC 245(a)(1)" is excluded, one written
    PC 245(a)(4) (its own, untagged entry) is not."""
    factories.set_policy(office, exclude_serious_violent=True)
    for number, statute in (("ADW1", "PC 245(a)(1)"), ("ADW4", "PC 245(a)(4)")):
        case = factories.make_case(office, unit, alice, number=number)
        factories.make_charge(case, statute=statute, level=ChargeLevel.FELONY)
        convey(factories.make_disposition(case), "2025-03-11 09:00")
    assert counted(office, dave) == ["adw4"]


def test_the_dashboard_says_when_serious_and_violent_felonies_are_excluded(
    client, office, dave, offers_by_case
):
    client.force_login(dave)
    query = {"date_from": "2025-03-01", "date_to": "2025-03-31"}
    page = client.get(reverse("report_dashboard"), query).content.decode()
    assert "serious (PC 1192.7(c)) and violent (PC 667.5(c)) felonies are excluded" not in page
    assert "Worksheet required for: every plea offer." in page
    factories.set_policy(office, exclude_serious_violent=True)
    for name, params in (
        ("report_dashboard", query),
        ("report_drilldown", {**query, "metric": "offers_missing"}),
    ):
        page = client.get(reverse(name), params).content.decode()
        assert "serious (PC 1192.7(c)) and violent (PC 667.5(c)) felonies are excluded" in page


def test_the_report_pdf_says_so_too(client, office, dave, offers_by_case):
    from tests.pdf_tools import pdf_text

    factories.set_policy(office, exclude_serious_violent=True)
    client.force_login(dave)
    response = client.get(
        reverse("report_pdf"), {"date_from": "2025-03-01", "date_to": "2025-03-31"}
    )
    text = " ".join(pdf_text(response.content).split())
    assert "violent (PC 667.5(c)) felonies are excluded" in text


def test_a_defense_request_required_narrows_the_scope(office, dave, offers_by_case):
    factories.set_policy(office, defense_request_required=True)
    assert counted(office, dave) == []
    DefenseSubmission.objects.create(case=offers_by_case["license"].case)
    DefenseSubmission.objects.create(case=offers_by_case["dv"].case, consideration_requested=False)
    assert counted(office, dave) == ["license"]


# --- Versions by date ---------------------------------------------------------------------------


def test_a_report_for_last_month_uses_last_months_policy(office, dave, offers_by_case):
    """Felonies only from April on: March still counts every offer, April only felonies."""
    factories.set_policy(office, dt.date(2025, 4, 1), worksheet_scope=WorksheetScope.FELONIES)
    convey(factories.make_disposition(offers_by_case["license"].case), "2025-04-02 09:00")
    convey(factories.make_disposition(offers_by_case["dv"].case), "2025-04-02 09:00")
    assert counted(office, dave) == ["dv", "license", "robbery", "unknown"]
    april = ReportFilter(office_id=0, date_from=dt.date(2025, 4, 1), date_to=dt.date(2025, 4, 30))
    assert counted(office, dave, april) == ["dv"]
    # A period across the change judges each offer by the day it was conveyed.
    spring = ReportFilter(office_id=0, date_from=dt.date(2025, 3, 1), date_to=dt.date(2025, 4, 30))
    assert counted(office, dave, spring) == ["dv", "dv", "license", "robbery", "unknown"]
    notes = policy.scope_notes(office, at("2025-03-01 00:00"), at("2025-05-01 00:00"))
    assert notes == [
        "From 2025-03-01 to 2025-03-31: worksheet required for: every plea offer.",
        "From 2025-04-01 to 2025-04-30: worksheet required for: felony cases only.",
    ]


def test_a_version_takes_effect_at_local_midnight(office):
    factories.set_policy(office, dt.date(2025, 4, 1), supervisor_approval="always")
    assert policy.policy_for(office, dt.date(2025, 3, 31)).supervisor_approval == "departures"
    assert policy.policy_for(office, dt.date(2025, 4, 1)).supervisor_approval == "always"
    with time_machine.travel(at("2025-03-31 23:59"), tick=False):
        assert policy.policy_for(office).supervisor_approval == "departures"
    with time_machine.travel(at("2025-04-01 00:00"), tick=False):
        assert policy.policy_for(office).supervisor_approval == "always"


def test_an_office_without_a_version_has_the_defaults(office):
    assert not OfficePolicy.objects.filter(office=office).exists()
    defaults = policy.policy_for(office)
    assert defaults.worksheet_scope == WorksheetScope.ALL_OFFERS
    assert defaults.second_factor == SecondFactorPolicy.NONE


# --- Second factor for every user ---------------------------------------------------------------


def test_every_user_must_enrol_when_policy_says_everyone(client, office, alice, erin):
    factories.set_policy(office, second_factor=SecondFactorPolicy.ADMINS)
    client.force_login(alice)
    assert client.get(reverse("home")).status_code == 200
    factories.set_policy(office, second_factor=SecondFactorPolicy.EVERYONE)
    for user in (alice, erin):
        client.force_login(user)
        response = client.get(reverse("case_list"))
        assert response.status_code == 302
        assert response.url.startswith(reverse("otp_enroll"))


# --- Changing the policy ------------------------------------------------------------------------


def test_setting_the_policy_is_audited_and_never_dated_in_the_past(office, dave):
    today = timezone.localdate()
    with pytest.raises(policy.PolicyDateError):
        policy.set_office_policy(
            office, by_user=dave, effective_from=today - dt.timedelta(days=1), fields={}
        )
    version = policy.set_office_policy(
        office,
        by_user=dave,
        effective_from=today,
        fields={"worksheet_scope": WorksheetScope.FELONIES},
    )
    assert policy.policy_for(office) == version and version.set_by == dave
    event = AuditEvent.objects.get(object_type="officepolicy", object_id=str(version.pk))
    assert event.data["changes"] == {
        "worksheet_scope": {"before": "all_offers", "after": "felonies"}
    }
    # The same date again replaces that version; the values before stay in the log.
    again = policy.set_office_policy(
        office, by_user=dave, effective_from=today, fields={"exclude_serious_violent": True}
    )
    assert again.pk == version.pk and again.worksheet_scope == WorksheetScope.FELONIES
    assert OfficePolicy.objects.filter(office=office).count() == 1


def test_only_the_offices_administrator_sets_its_policy(office, other_office, alice, dave):
    olivia_admin = factories.make_user("oscar", other_office, Role.ADMIN)
    for user in (alice, olivia_admin):
        with pytest.raises(PermissionDenied):
            policy.set_office_policy(
                office, by_user=user, effective_from=timezone.localdate(), fields={}
            )


def test_routing_by_ground_needs_the_ground(office, dave):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        policy.set_office_policy(
            office,
            by_user=dave,
            effective_from=timezone.localdate(),
            fields={"counsel_routing": CounselRouting.GROUND},
        )
    assert not OfficePolicy.objects.filter(office=office).exists()


def test_offers_not_yet_conveyed_follow_todays_version_read_with_the_others(
    office, unit, alice, django_assert_num_queries
):
    """Issue 19: today's version is taken from the versions read for the conveyed offers, not
    asked for again (one query less on every page, through "Needs my action"). An offer not
    yet conveyed follows the version in force today: not an older one, not a future one."""
    case = factories.make_case(office, unit, alice, number="LICENSE")
    factories.make_charge(case, statute="VC 12500(a)", level=ChargeLevel.MISDEMEANOR)
    factories.make_disposition(case)  # on the table, not conveyed
    today = timezone.localdate()
    factories.set_policy(office, worksheet_scope=WorksheetScope.NONE)
    factories.set_policy(
        office, today - dt.timedelta(days=30), worksheet_scope=WorksheetScope.ALL_OFFERS
    )
    factories.set_policy(office, today + dt.timedelta(days=30), worksheet_scope=WorksheetScope.NONE)
    with django_assert_num_queries(2):  # the version at EPOCH, then the later ones
        policy.requires_worksheet_q(office)
    assert required(office) == ["license"]
    factories.set_policy(office, today, worksheet_scope=WorksheetScope.FELONIES)
    assert required(office) == []


def test_versions_known_pick_what_the_database_picks(office):
    """`versions_known` (the navigation's count compiles with versions it has read) gives the
    spans the two queries give, for a day before, on, between and after the versions."""
    day = dt.date(2026, 3, 1)
    factories.set_policy(office, day, worksheet_scope="felonies")
    factories.set_policy(office, day + dt.timedelta(days=40), worksheet_scope="none")
    versions = policy.all_versions(office)

    def spans(start, end):
        return [(s.policy.pk, s.policy.effective_from, s.start, s.end) for s in
                policy.versions_between(office, start, end)]  # fmt: skip

    for start in (policy.EPOCH, day - dt.timedelta(days=1), day, day + dt.timedelta(days=10)):
        for end in (None, day + dt.timedelta(days=20), day + dt.timedelta(days=90)):
            from_database = spans(start, end)
            with policy.versions_known(office, versions):
                assert spans(start, end) == from_database
