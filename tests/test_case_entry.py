"""Case entry: a case and its counts on one page, rows added and removed, statutes suggested.

Tested as the owner (alice), a colleague in her unit (bob), the administrator (dave, read-only:
403) and an outsider from another office (olivia: 404).
"""

import re

import pytest
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases.models import AuditEvent, Case, PleaTerm
from tests import factories

pytestmark = pytest.mark.django_db


def case_data(unit, deputy, **overrides):
    data = {
        "court_case_number": "ALPHA-0100",
        "da_file_number": "DA-100",
        "defendant_name": "Rosa Example",
        "aliases": "",
        "caption": "",
        "unit": unit.pk,
        "assigned_deputy": deputy.pk,
        "stage": "arraignment",
        "next_hearing": "2026-12-15",
        "court_name": "Superior Court",
        "department": "12",
        "judicial_officer": "",
        "defense_counsel": "Public Defender",
        "defense_type": "pd",
        "interpreter_language": "Spanish",
    }
    data.update(overrides)
    return data


def with_rows(data, rows):
    """Add count rows: [(key, statute, level, extra dict)]."""
    data = dict(data)
    data["row"] = [key for key, *_ in rows]
    for key, statute, level, *extra in rows:
        data[f"count-{key}-statute"] = statute
        data[f"count-{key}-level"] = level
        for name, value in (extra[0] if extra else {}).items():
            data[f"count-{key}-{name}"] = value
    return data


def test_a_deputy_creates_a_case_with_three_counts(client, alice, unit):
    client.force_login(alice)
    data = with_rows(
        case_data(unit, alice),
        [
            ("a1", "Pen. Code § 273.5(a)", "wobbler"),
            ("b2", "H&S 11351", "felony"),
            ("c3", "PC 487(a)", "wobbler", {"enhancements": "PC 12022.1"}),
        ],
    )
    response = client.post(reverse("case_create"), data)
    case = Case.objects.get(court_case_number="ALPHA-0100")
    assert response.status_code == 302 and response.url == case.get_absolute_url()
    counts = list(case.charges.order_by("number"))
    assert [c.statute for c in counts] == ["PC 273.5(a)", "HS 11351", "PC 487(a)"]
    assert counts[0].statute_as_entered == "Pen. Code § 273.5(a)"
    assert counts[0].title  # filled from the catalog
    assert counts[2].enhancements == "PC 12022.1"
    assert case.caption == "People of the State of California v. Rosa Example"
    assert case.office == alice.membership.office
    assert AuditEvent.objects.filter(action="create", object_type="case").count() == 1


def test_an_unknown_statute_is_accepted_and_marked_without_analysis(client, alice, unit):
    client.force_login(alice)
    data = with_rows(case_data(unit, alice), [("a1", "PC 99999", "misdemeanor")])
    response = client.post(reverse("case_create"), data, follow=True)
    page = response.content.decode()
    assert Case.objects.get(court_case_number="ALPHA-0100").charges.get().statute == "PC 99999"
    assert "Not in catalog — no analysis" in page
    assert "Do not treat" in page


def test_errors_sit_next_to_their_field_and_nothing_typed_is_lost(client, alice, unit):
    client.force_login(alice)
    data = with_rows(
        case_data(unit, alice, defendant_name="", next_hearing="not a date"),
        [("a1", "PC 273.5(a)", ""), ("b2", "HS 11351", "felony", {"title": "My own words"})],
    )
    response = client.post(reverse("case_create"), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert not Case.objects.filter(court_case_number="ALPHA-0100").exists()
    assert response.context["form"].errors["defendant_name"]
    assert response.context["rows"][0].errors["level"]
    # What was typed is still in the fields.
    assert 'value="PC 273.5(a)"' in page and 'value="My own words"' in page
    assert 'value="ALPHA-0100"' in page and 'value="not a date"' in page
    # The error is rendered inside the field's own block, in words.
    assert re.search(r'id="error_1_id_count-a1-level".*This field is required', page, re.S)


def test_a_case_needs_at_least_one_count(client, alice, unit):
    client.force_login(alice)
    response = client.post(reverse("case_create"), case_data(unit, alice))
    assert response.status_code == 200
    assert "Enter at least one count." in response.content.decode()


def test_a_case_number_is_unique_in_the_office(client, alice, unit, case):
    client.force_login(alice)
    data = with_rows(
        case_data(unit, alice, court_case_number="alpha-0001"), [("a1", "PC 242", "misdemeanor")]
    )
    response = client.post(reverse("case_create"), data)
    assert "already has a case with this number" in response.content.decode()


def test_editing_keeps_terms_of_kept_counts_and_drops_those_of_removed_ones(client, alice, case):
    first, second = case.charges.order_by("number")
    offer = factories.make_disposition(case)
    factories.make_term(offer, first, "PC 243(e)(1)")
    factories.make_term(offer, second, "HS 11350(a)")
    client.force_login(alice)
    page = client.get(reverse("case_edit", args=[case.pk])).content.decode()
    assert f'name="count-c{first.pk}-statute"' in page
    data = with_rows(
        case_data(case.unit, alice, court_case_number=case.court_case_number, version="1"),
        [(f"c{first.pk}", "PC 273.5(a)", "wobbler", {"pk": first.pk}), ("n1", "PC 459", "felony")],
    )
    response = client.post(reverse("case_edit", args=[case.pk]), data)
    assert response.status_code == 302
    assert [c.statute for c in case.charges.order_by("number")] == ["PC 273.5(a)", "PC 459"]
    assert list(PleaTerm.objects.filter(disposition=offer).values_list("charge", flat=True)) == [
        first.pk
    ]
    case.refresh_from_db()
    assert case.lock_version == 2


def test_an_edit_made_meanwhile_is_a_conflict_not_an_overwrite(client, alice, bob, case):
    first = case.charges.order_by("number").first()
    data = with_rows(
        case_data(case.unit, alice, court_case_number=case.court_case_number, version="1"),
        [(f"c{first.pk}", "PC 273.5(a)", "wobbler", {"pk": first.pk})],
    )
    client.force_login(bob)
    assert client.post(reverse("case_edit", args=[case.pk]), data).status_code == 302
    client.force_login(alice)
    data["defendant_name"] = "Alice's spelling"
    response = client.post(reverse("case_edit", args=[case.pk]), data)
    assert response.status_code == 200
    assert "Someone else changed this record" in response.content.decode()
    assert "Alice&#x27;s spelling" in response.content.decode()
    case.refresh_from_db()
    assert case.defendant_name == "Rosa Example"


def test_a_count_row_comes_back_for_htmx_with_a_fresh_key(client, alice):
    client.force_login(alice)
    first = client.get(reverse("count_row"), HTTP_HX_REQUEST="true").content.decode()
    second = client.get(reverse("count_row"), HTTP_HX_REQUEST="true").content.decode()
    key = re.search(r'name="row" value="(\w+)"', first).group(1)
    assert f'name="count-{key}-statute"' in first and "<html" not in first
    assert key not in second
    assert 'hx-get="/statutes/suggest/?key=' + key in first


def test_statute_suggestions_show_the_catalog_title(client, alice):
    client.force_login(alice)
    response = client.get(reverse("statute_suggest"), {"key": "a1", "count-a1-statute": "PC 273.5"})
    page = response.content.decode()
    assert response.status_code == 200
    assert '<datalist id="statutes-a1">' in page
    assert 'value="PC 273.5(a)"' in page and "PC 273.5(a) — " in page


def test_a_statute_as_typed_is_described_known_or_not(client, alice):
    client.force_login(alice)
    known = client.get(reverse("statute_suggest"), {"key": "a1", "q": "273.5(a) PC"})
    assert "In catalog: <strong>PC 273.5(a)</strong>" in known.content.decode()
    unknown = client.get(reverse("statute_suggest"), {"key": "a1", "q": "PC 99999"})
    assert "Not in catalog — no analysis" in unknown.content.decode()


def test_the_administrator_may_not_enter_cases(client, dave, case):
    client.force_login(dave)
    assert client.get(reverse("case_create")).status_code == 403
    assert client.get(reverse("case_edit", args=[case.pk])).status_code == 403
    assert client.get(reverse("count_row")).status_code == 403


def test_a_colleague_may_edit_and_an_outsider_sees_nothing(client, bob, olivia, frank, case):
    client.force_login(bob)
    response = client.get(reverse("case_edit", args=[case.pk]))
    assert response.status_code == 200
    assert f'value="{case.court_case_number}"' in response.content.decode()
    client.force_login(frank)
    assert client.get(reverse("case_edit", args=[case.pk])).status_code == 404
    client.force_login(olivia)
    assert client.get(reverse("case_edit", args=[case.pk])).status_code == 404


def test_edit_page_query_count_does_not_grow_with_counts(client, alice, case):
    from django.db import connection

    client.force_login(alice)
    url = reverse("case_edit", args=[case.pk])
    with CaptureQueriesContext(connection) as few:
        response = client.get(url)
    assert response.status_code == 200 and "HS 11351" in response.content.decode()
    for number in range(3, 12):
        factories.make_charge(case, number, "PC 459")
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert response.status_code == 200 and "PC 459" in response.content.decode()
    assert len(many) == len(few)


def test_opening_a_case_to_edit_it_is_audited(client, alice, case):
    client.force_login(alice)
    client.get(reverse("case_edit", args=[case.pk]))
    event = AuditEvent.objects.get(action="view", object_type="case")
    assert event.object_id == str(case.pk) and event.user == alice


# --- Two people entering the same case number at once -------------------------------------------


def _race(monkeypatch, office, unit, bob, number):
    """bob saves `number` between alice's form check and her save: the check passes, then the
    database's unique constraint refuses her insert, as in a real race."""
    from cases import forms

    checked = forms.CaseForm.clean_court_case_number

    def check_then_lose_the_race(form):
        number_checked = checked(form)
        factories.make_case(office, unit, bob, number=number)
        return number_checked

    monkeypatch.setattr(forms.CaseForm, "clean_court_case_number", check_then_lose_the_race)


def test_the_second_of_two_simultaneous_entries_gets_a_form_error_not_a_500(
    client, monkeypatch, office, unit, alice, bob
):
    _race(monkeypatch, office, unit, bob, "ALPHA-0100")
    client.force_login(alice)
    data = with_rows(
        case_data(unit, alice, defendant_name="Typed By Alice"),
        [("a1", "PC 487(a)", "wobbler", {"enhancements": "PC 12022.1"})],
    )
    response = client.post(reverse("case_create"), data)
    assert response.status_code == 200
    page = response.content.decode()
    theirs = Case.objects.get(court_case_number="ALPHA-0100")
    assert "Case ALPHA-0100 already exists in this office." in page
    assert f'<a href="{theirs.get_absolute_url()}">Open case ALPHA-0100</a>' in page
    # Nothing typed is lost: the case's fields and the count row come back as posted.
    assert 'value="Typed By Alice"' in page and 'value="PC 12022.1"' in page
    assert Case.objects.filter(court_case_number="ALPHA-0100").count() == 1
    assert theirs.assigned_deputy == bob and not theirs.charges.exists()


def test_the_error_has_no_link_for_a_user_who_may_not_open_that_case(alice, bob, office, unit):
    from cases.integrity import CaseNumberTaken
    from cases.views.case_entry import _number_taken

    theirs = factories.make_case(office, unit, bob, number="ALPHA-0200")
    taken = CaseNumberTaken("ALPHA-0200", theirs)
    assert "Open case" in _number_taken(alice, taken)
    outsider = factories.make_user("oscar", factories.make_office(), unit=None)
    assert _number_taken(outsider, taken) == "Case ALPHA-0200 already exists in this office."


def test_changing_a_number_to_one_just_taken_is_a_form_error_too(
    client, monkeypatch, office, unit, alice, bob, case
):
    _race(monkeypatch, office, unit, bob, "ALPHA-0300")
    client.force_login(alice)
    data = with_rows(
        case_data(unit, alice, court_case_number="ALPHA-0300", version=case.lock_version),
        [
            (f"c{charge.pk}", charge.statute_as_entered, charge.level, {"pk": charge.pk})
            for charge in case.charges.all()
        ],
    )
    response = client.post(reverse("case_edit", args=[case.pk]), data)
    assert response.status_code == 200
    assert "Case ALPHA-0300 already exists in this office." in response.content.decode()
    case.refresh_from_db()
    assert case.court_case_number != "ALPHA-0300"
