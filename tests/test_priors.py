"""Prior convictions and the single-scheme answer on a case (issue 16 item 2), as people use them.

alice owns the case (deputy), bob is in her unit (deputy), carol supervises the unit, dave is the
office administrator (reads, never changes cases: 403), olivia is in another office (404).
The engine's own rules for priors are tested in tests/consequences/test_priors.py; here: that a
case's priors, its counts' offense dates and the deputy's single-scheme answer reach the engine
through cases.analysis, that bad input is refused field by field with nothing lost, and that a
signed worksheet keeps the priors it used.
"""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases import actions, analysis
from cases.choices import AuditAction, SchemeAnswer
from cases.models import AuditEvent, PriorConviction
from cases.worksheets import build_content
from tests import factories

pytestmark = pytest.mark.django_db

PRIOR = {
    "code": "PC 484(a)",
    "convicted_on": "2020-05-04",
    "sentence_days": "30",
    "level": "misdemeanor",
    "source": "rap_sheet",
    "pleaded_and_proven": "unknown",
}


@pytest.fixture
def theft_case(office, unit, alice):
    """A petty theft plea: alone it fits the petty-offense exception; a prior CIMT ends that."""
    case = factories.make_case(office, unit, alice, number="ALPHA-0200")
    charge = factories.make_charge(case, 1, "PC 488", level="misdemeanor")
    offer = factories.make_disposition(case, name="Petty theft")
    factories.make_term(offer, charge, custody_days_imposed=10)
    return case


def flag_keys(result):
    return {(flag["ground"], flag["subcategory"], flag["verdict"]) for flag in result["flags"]}


def offer_result(case):
    return analysis.assess_offer(case.dispositions.get())


def add(client, case, **changes):
    return client.post(reverse("prior_add", args=[case.pk]), {**PRIOR, **changes})


class TestEntering:
    def test_a_deputy_adds_a_prior_and_the_offer_takes_it_into_account(
        self, client, alice, theft_case
    ):
        before = flag_keys(offer_result(theft_case))
        assert ("cimt", "petty_offense_exception_lost", "yes") not in before
        client.force_login(alice)
        response = add(client, theft_case)
        assert response.status_code == 302
        assert response["Location"].endswith(f"/cases/{theft_case.pk}/#priors")
        prior = PriorConviction.objects.get(case=theft_case)
        assert (prior.code, prior.convicted_on, prior.sentence_days) == (
            "PC 484(a)",
            datetime.date(2020, 5, 4),
            30,
        )
        assert (prior.level, prior.source, prior.entered_by) == ("misdemeanor", "rap_sheet", alice)
        assert prior.pleaded_and_proven is None
        event = AuditEvent.objects.get(object_type="priorconviction", action=AuditAction.CREATE)
        assert event.user == alice and event.office == theft_case.office
        assert event.data["code"] == "PC 484(a)" and event.data["case"] == theft_case.pk
        after = flag_keys(offer_result(theft_case))
        assert ("cimt", "petty_offense_exception_lost", "yes") in after
        assert ("cimt", "two_cimts", "yes") in after
        page = client.get(theft_case.get_absolute_url()).content.decode()
        assert "PC 484(a)" in page and "Theft under PC 484 subdivision (a)" in page
        assert "Add a prior conviction" in page

    def test_a_supervisor_of_the_unit_may_add_one(self, client, carol, theft_case):
        client.force_login(carol)
        assert add(client, theft_case).status_code == 302
        assert theft_case.priors.get().entered_by == carol

    def test_the_administrator_reads_but_cannot_add_or_remove(self, client, dave, theft_case):
        prior = actions.add_prior(
            theft_case,
            by_user=None,
            code="PC 484(a)",
            convicted_on=datetime.date(2020, 5, 4),
        )
        client.force_login(dave)
        page = client.get(theft_case.get_absolute_url())
        assert page.status_code == 200 and "PC 484(a)" in page.content.decode()
        assert "Add a prior conviction" not in page.content.decode()
        assert add(client, theft_case).status_code == 403
        assert client.post(reverse("prior_remove", args=[prior.pk])).status_code == 403
        assert theft_case.priors.count() == 1

    def test_an_outsider_finds_nothing(self, client, olivia, theft_case):
        prior = actions.add_prior(
            theft_case, by_user=None, code="PC 484(a)", convicted_on=datetime.date(2020, 5, 4)
        )
        client.force_login(olivia)
        assert add(client, theft_case).status_code == 404
        assert client.post(reverse("prior_remove", args=[prior.pk])).status_code == 404
        assert (
            client.post(
                reverse("case_single_scheme", args=[theft_case.pk]), {"single_scheme": "yes"}
            ).status_code
            == 404
        )
        assert theft_case.priors.count() == 1

    def test_a_deputy_removes_a_prior_entered_by_mistake(self, client, bob, theft_case):
        prior = actions.add_prior(
            theft_case, by_user=None, code="PC 484(a)", convicted_on=datetime.date(2020, 5, 4)
        )
        client.force_login(bob)
        response = client.post(reverse("prior_remove", args=[prior.pk]))
        assert response.status_code == 302
        assert not theft_case.priors.exists()
        event = AuditEvent.objects.get(object_type="priorconviction", action=AuditAction.DELETE)
        assert event.object_id == str(prior.pk) and event.user == bob
        assert ("cimt", "petty_offense_exception_lost", "yes") not in flag_keys(
            offer_result(theft_case)
        )

    def test_a_prior_not_in_the_catalog_is_listed_as_unknown(self, client, alice, theft_case):
        client.force_login(alice)
        assert add(client, theft_case, code="PC 99999").status_code == 302
        page = client.get(theft_case.get_absolute_url()).content.decode()
        assert "Unknown: not in the catalog." in page
        result = offer_result(theft_case)
        (prior,) = result["priors"]
        assert prior["offense"]["known"] is False
        assert "1 prior(s) not in the catalog (PC 99999)" in result["message"]

    def test_the_page_reads_each_prior_without_any_offer(self, client, alice, office, unit):
        case = factories.make_case(office, unit, alice)
        actions.add_prior(
            case, by_user=alice, code="HS 11350", convicted_on=datetime.date(2019, 1, 2)
        )
        client.force_login(alice)
        page = client.get(case.get_absolute_url()).content.decode()
        assert "HS 11350" in page and "Unknown: not in the catalog." not in page


class TestBadInput:
    """Each refusal names the field, keeps what was typed and saves nothing."""

    @pytest.mark.parametrize(
        ("changes", "message"),
        [
            (
                {"convicted_on": (timezone.localdate() + datetime.timedelta(days=1)).isoformat()},
                "The date of conviction",
            ),
            ({"sentence_days": "-5"}, "The sentence imposed cannot be negative"),
            ({"code": "shoplifting, I think"}, "cannot be read as an offense code"),
            ({"convicted_on": "last spring"}, "Enter the date of conviction as a date"),
            ({"code": ""}, "Enter the offense code of the prior"),
        ],
    )
    def test_refused_with_the_field_named(self, client, alice, theft_case, changes, message):
        client.force_login(alice)
        response = add(client, theft_case, **changes)
        assert response.status_code == 400
        assert not theft_case.priors.exists()
        form = response.context["form"]
        (field,) = changes
        assert field in form.errors
        assert message in " ".join(form.errors[field])
        page = response.content.decode()
        assert "The prior was not added" in page
        for name, value in {**PRIOR, **changes}.items():
            if name not in ("level", "source", "pleaded_and_proven") and value:
                assert f'value="{value}"' in page, name  # nothing typed is lost

    def test_a_future_date_says_it_is_in_the_future(self, client, alice, theft_case):
        client.force_login(alice)
        tomorrow = timezone.localdate() + datetime.timedelta(days=1)
        response = add(client, theft_case, convicted_on=tomorrow.isoformat())
        assert "is in the future" in response.context["form"].errors["convicted_on"][0]

    def test_attempt_forms_are_read(self, client, alice, theft_case):
        client.force_login(alice)
        assert add(client, theft_case, code="attempted PC 211").status_code == 302
        assert add(client, theft_case, code="PC 664/211").status_code == 302
        assert theft_case.priors.count() == 2


class TestSingleSchemeAndDates:
    @pytest.fixture
    def two_thefts(self, office, unit, alice):
        case = factories.make_case(office, unit, alice, number="ALPHA-0300")
        first = factories.make_charge(case, 1, "PC 488", level="misdemeanor")
        second = factories.make_charge(case, 2, "PC 484(a)", level="misdemeanor")
        offer = factories.make_disposition(case)
        factories.make_term(offer, first)
        factories.make_term(offer, second)
        return case

    def two_cimts(self, case):
        result = offer_result(case)
        (flag,) = [f for f in result["flags"] if f["subcategory"] == "two_cimts"]
        return flag

    def test_unknown_stays_assume_yes(self, two_thefts):
        flag = self.two_cimts(two_thefts)
        assert flag["verdict"] in ("yes", "assume_yes", "unclear")
        assert "single scheme" in flag["condition"]

    def test_the_deputys_yes_reaches_the_engine(self, client, alice, two_thefts):
        client.force_login(alice)
        response = client.post(
            reverse("case_single_scheme", args=[two_thefts.pk]), {"single_scheme": "yes"}
        )
        assert response.status_code == 302
        two_thefts.refresh_from_db()
        assert two_thefts.single_scheme == SchemeAnswer.YES
        assert self.two_cimts(two_thefts)["verdict"] == "arguably_not"
        event = AuditEvent.objects.filter(object_type="case", action=AuditAction.CHANGE).get()
        assert event.data == {"single_scheme": "yes"}

    def test_no_is_recorded_as_no(self, client, alice, two_thefts):
        client.force_login(alice)
        response = client.post(
            reverse("case_single_scheme", args=[two_thefts.pk]), {"single_scheme": "no"}
        )
        assert response.status_code == 302, response.content
        two_thefts.refresh_from_db()
        assert two_thefts.single_scheme == SchemeAnswer.NO
        flag = self.two_cimts(two_thefts)
        assert flag["verdict"] == "yes" and "as recorded" in flag["condition"]

    def test_a_bad_answer_is_refused(self, client, alice, two_thefts):
        client.force_login(alice)
        response = client.post(
            reverse("case_single_scheme", args=[two_thefts.pk]),
            {"single_scheme": "maybe"},
            follow=True,
        )
        assert "Answer yes, no or unknown." in response.content.decode()
        two_thefts.refresh_from_db()
        assert two_thefts.single_scheme == SchemeAnswer.UNKNOWN

    def test_the_counts_offense_dates_reach_the_engine(self, two_thefts):
        two_thefts.charges.filter(number=1).update(offense_date=datetime.date(2026, 3, 1))
        two_thefts.charges.filter(number=2).update(offense_date=datetime.date(2026, 4, 1))
        assert "different dates" in self.two_cimts(two_thefts)["condition"]


class TestWorksheet:
    def test_the_worksheet_freezes_the_priors_it_used(self, client, alice, carol, theft_case):
        actions.add_prior(
            theft_case,
            by_user=alice,
            code="PC 484(a)",
            convicted_on=datetime.date(2020, 5, 4),
            sentence_days=30,
            source="court_record",
        )
        actions.add_prior(
            theft_case, by_user=alice, code="PC 99999", convicted_on=datetime.date(2018, 1, 1)
        )
        worksheet = actions.start_worksheet(theft_case, by_user=alice)
        from tests.security.worlds import sign_directly

        sign_directly(worksheet, alice)
        frozen = worksheet.signed_content["history"]
        # Oldest conviction first, as a rap sheet reads.
        assert [p["code"] for p in frozen["priors"]] == ["PC 99999", "PC 484(a)"]
        assert frozen["priors"][1]["sentence_days"] == 30
        assert frozen["single_scheme"] is None
        offer = next(iter(worksheet.signed_content["analysis"]["dispositions"].values()))
        assert [p["offense"]["known"] for p in offer["priors"]] == [False, True]
        # Later changes to the case's priors leave the signed worksheet as it was.
        theft_case.priors.all().delete()
        client.force_login(carol)
        page = client.get(worksheet.get_absolute_url()).content.decode()
        assert "PC 484(a), convicted 2020-05-04; sentence 30 days" in page
        assert "source: court record" in page
        assert "PC 99999" in page and "unknown: not in the catalog" in page
        assert "Counts from a single scheme or act:</strong> Unknown" in page
        assert build_content(worksheet)["history"]["priors"] == []

    def test_the_pdf_lists_the_priors(self, client, alice, theft_case):
        from tests.pdf_tools import pdf_text

        actions.add_prior(
            theft_case, by_user=alice, code="PC 484(a)", convicted_on=datetime.date(2020, 5, 4)
        )
        worksheet = actions.start_worksheet(theft_case, by_user=alice)
        client.force_login(alice)
        response = client.get(reverse("worksheet_pdf", args=[worksheet.pk]))
        assert response.status_code == 200
        text = pdf_text(response.content)
        assert "Prior convictions considered" in text and "PC 484(a)" in text


def test_case_page_queries_do_not_grow_with_priors(client, alice, theft_case):
    client.force_login(alice)
    actions.add_prior(
        theft_case, by_user=alice, code="PC 484(a)", convicted_on=datetime.date(2020, 5, 4)
    )
    url = theft_case.get_absolute_url()

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert "PC 484(a)" in client.get(url).content.decode()
        return len(captured.captured_queries)

    few = queries()
    for year in range(2010, 2016):
        actions.add_prior(
            theft_case, by_user=alice, code="HS 11350", convicted_on=datetime.date(year, 1, 1)
        )
    assert queries() == few
