"""A signed worksheet binds the offers it considered (issue 13, item 1; cases.binding).

The two findings of the hostile review, replayed through the pages and through the actions:
- an offer a signed worksheet considered as HS 11350 was edited to HS 11351, felony, 1,095
  days, conveyed, and counted as conveyed with a signed worksheet;
- a case edit that left a count out deleted that count's term from a conveyed offer.
Now a frozen offer is revised as a new offer, conveyance is compliant only with the very terms
a signed worksheet froze, and a count a frozen offer pleads is neither removed nor moved.
"""

import pytest
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from cases import actions, binding
from cases.choices import DispositionStatus
from cases.integrity import CountsBound, OfferFrozen
from cases.models import AuditEvent, Disposition, LateSignature, PleaTerm, Worksheet
from cases.worksheets import offer_terms_hash, signed_offer_terms_hash
from tests import factories
from tests.test_case_entry import case_data, with_rows
from tests.test_dispositions import offer_data

pytestmark = pytest.mark.django_db

# The offer of the finding as signed, and as it was changed afterwards.
AS_SIGNED = {2: {"statute_pleaded": "HS 11350(a)", "custody_days_imposed": "90"}}
AS_CHANGED = {
    2: {"statute_pleaded": "HS 11351", "level_at_plea": "felony", "custody_days_imposed": "1095"}
}


def sign(worksheet, by):
    worksheet.refresh_from_db()
    actions.update_worksheet(
        worksheet,
        by_user=by,
        version=worksheet.lock_version,
        fields={"decision": "standard_kept", "reasons": "Fair.", "parity_answer": "same"},
    )
    return actions.sign_worksheet(worksheet, by_user=by)


def terms_of(offer):
    return list(
        PleaTerm.objects.filter(disposition=offer)
        .order_by("charge__number")
        .values_list("charge__number", "statute_pleaded", "level_at_plea", "custody_days_imposed")
    )


def raw(sql, *params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def drilldown_cases(client, metric):
    today = timezone.localdate()
    response = client.get(
        reverse("report_drilldown"),
        {
            "date_from": today.replace(day=1).isoformat(),
            "date_to": today.isoformat(),
            "metric": metric,
        },
    )
    assert response.status_code == 200
    return response.content.decode()


# --- Finding 1: an offer edited after its worksheet was signed -----------------------------------


def test_finding_1_through_the_pages(client, alice, carol, case):
    """Sign with HS 11350, try to edit to HS 11351 felony 1,095 days, convey: the edit is refused
    with the way out, the revision is a new offer, and only the frozen one counts as compliant."""
    client.force_login(alice)
    response = client.post(
        reverse("disposition_create", args=[case.pk]), offer_data(case, AS_SIGNED)
    )
    assert response.status_code == 302
    offer = Disposition.objects.get(case=case)
    client.post(reverse("worksheet_start", args=[case.pk]))
    worksheet = sign(Worksheet.objects.get(case=case), alice)

    # The case page offers a revision, not an edit, and says why.
    page = client.get(case.get_absolute_url()).content.decode()
    assert reverse("disposition_revise", args=[offer.pk]) in page
    assert reverse("disposition_edit", args=[offer.pk]) not in page
    assert "was considered by the signed worksheet v1" in page
    # Its page shows the terms read-only, why, and the way out; no save button.
    response = client.get(reverse("disposition_edit", args=[offer.pk]))
    html = response.content.decode()
    assert response.status_code == 200 and "HS 11350(a)" in html
    assert "<fieldset disabled" in html and "Save offer" not in html
    assert "was considered by the signed worksheet v1, so its terms stay as they are" in html
    assert reverse("disposition_revise", args=[offer.pk]) in html

    # The edit of the finding, posted anyway: refused, what was typed stays on the page.
    data = offer_data(case, AS_CHANGED)
    data["version"] = str(offer.lock_version)
    response = client.post(reverse("disposition_edit", args=[offer.pk]), data)
    assert response.status_code == 409
    html = response.content.decode()
    assert "was considered by the signed worksheet v1" in html
    assert 'value="1095"' in html
    assert reverse("disposition_revise", args=[offer.pk]) in html
    assert terms_of(offer)[1] == (2, "HS 11350(a)", "misdemeanor", 90)

    # Revise as a new offer, change it there, convey it without an amendment: not compliant.
    response = client.post(reverse("disposition_revise", args=[offer.pk]))
    revision = Disposition.objects.get(revised_from=offer)
    assert response.url == reverse("disposition_edit", args=[revision.pk])
    assert terms_of(revision) == terms_of(offer)
    page = client.get(response.url).content.decode()
    assert f"Revised from offer {offer.pk}" in page
    data = offer_data(case, AS_CHANGED)
    data["version"] = str(revision.lock_version)
    assert client.post(reverse("disposition_edit", args=[revision.pk]), data).status_code == 302
    revision.refresh_from_db()
    client.post(
        reverse("disposition_convey", args=[revision.pk]),
        {"version": revision.lock_version, "conveyed_on": timezone.localdate().isoformat()},
    )
    revision.refresh_from_db()
    assert revision.status == DispositionStatus.CONVEYED
    assert revision.conveyed_with_signed_worksheet is False
    # The frozen offer still says what the signed worksheet says.
    assert terms_of(offer)[1] == (2, "HS 11350(a)", "misdemeanor", 90)
    assert worksheet.signed_content["dispositions"][0]["terms"][1]["statute"] == "HS 11350(a)"

    # The supervisor's drill-down does not count the revision as compliant.
    client.force_login(carol)
    assert case.court_case_number not in drilldown_cases(client, "offers_compliant")
    assert case.court_case_number in drilldown_cases(client, "offers_missing")


def test_finding_1_through_the_actions(alice, case):
    count_1, count_2 = case.charges.order_by("number")
    offer = factories.make_disposition(case)
    factories.make_term(offer, count_1, "PC 243(e)(1)")
    factories.make_term(offer, count_2, "HS 11350(a)", custody_days_imposed=90)
    sign(actions.start_worksheet(case, by_user=alice), alice)
    with pytest.raises(OfferFrozen, match="considered by the signed worksheet v1"):
        actions.save_disposition(
            case,
            by_user=alice,
            fields={"name": "Changed"},
            terms={count_2: {"statute_pleaded": "HS 11351", "custody_days_imposed": 1095}},
            disposition=offer,
            version=offer.lock_version,
        )
    # The revision must be considered by a signed worksheet (an amendment) to be compliant.
    revision = actions.revise_offer(offer, by_user=alice)
    actions.save_disposition(
        case,
        by_user=alice,
        fields={},
        terms={count_2: {"statute_pleaded": "HS 11351", "level_at_plea": "felony"}},
        disposition=revision,
        version=revision.lock_version,
    )
    first = Worksheet.objects.get(case=case)
    amendment = actions.amend_worksheet(first, by_user=alice, reason="Revised offer.")
    actions.update_worksheet(
        amendment,
        by_user=alice,
        version=amendment.lock_version,
        fields={},
        considered=[offer, revision],
    )
    sign(amendment, alice)
    assert actions.convey_offer(revision, by_user=alice).conveyed_with_signed_worksheet is True
    assert actions.convey_offer(offer, by_user=alice).conveyed_with_signed_worksheet is True
    offer.refresh_from_db()
    assert offer.conveyed_terms_hash == signed_offer_terms_hash(first.signed_content, offer.pk)


def test_terms_changed_after_signing_are_not_compliant_whatever_path_changed_them(
    client, alice, carol, case
):
    """Data from before the guards (or anything that got past them): the worksheet froze other
    terms under the same offer id, so the conveyance is not counted as considered."""
    count_2 = case.charges.get(number=2)
    offer = factories.make_disposition(case)
    term = factories.make_term(offer, count_2, "HS 11350(a)", custody_days_imposed=90)
    worksheet = sign(actions.start_worksheet(case, by_user=alice), alice)
    # As the finding changed it, with the guards out of the way (a row from before this fix).
    through = Worksheet.dispositions_considered.through
    considered = list(through.objects.filter(worksheet=worksheet).values_list("disposition_id"))
    assert considered == [(offer.pk,)]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # ALTER TABLE refuses a table with pending (deferred foreign key) trigger events.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("ALTER TABLE cases_pleaterm DISABLE TRIGGER pleaterm_offer_frozen")
        cursor.execute(
            "UPDATE cases_pleaterm SET statute_pleaded = 'HS 11351', level_at_plea = 'felony',"
            " custody_days_imposed = 1095 WHERE id = %s",
            [term.pk],
        )
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE cases_pleaterm ENABLE TRIGGER pleaterm_offer_frozen")
    conveyed = actions.convey_offer(offer, by_user=alice)
    assert conveyed.conveyed_with_signed_worksheet is False
    assert conveyed.conveyed_terms_hash != signed_offer_terms_hash(
        worksheet.signed_content, offer.pk
    )
    # The finding's drill-down: the offer is among the missing, not the compliant.
    client.force_login(carol)
    assert case.court_case_number not in drilldown_cases(client, "offers_compliant")
    assert case.court_case_number in drilldown_cases(client, "offers_missing")


def test_a_late_signature_counts_only_for_the_terms_that_were_conveyed(alice, case):
    """Conveyed without a worksheet, then changed past the guards, then considered by a signed
    worksheet: that worksheet froze other terms, so the offer stays missing, not late."""
    count_2 = case.charges.get(number=2)
    changed, kept = factories.make_disposition(case), factories.make_disposition(case)
    term = factories.make_term(changed, count_2, "HS 11350(a)", custody_days_imposed=90)
    factories.make_term(kept, count_2, "HS 11350(a)", custody_days_imposed=90)
    for offer in (changed, kept):
        assert actions.convey_offer(offer, by_user=alice).conveyed_with_signed_worksheet is False
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("ALTER TABLE cases_pleaterm DISABLE TRIGGER pleaterm_offer_frozen")
        cursor.execute(
            "UPDATE cases_pleaterm SET statute_pleaded = 'HS 11351' WHERE id = %s", [term.pk]
        )
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE cases_pleaterm ENABLE TRIGGER pleaterm_offer_frozen")
    sign(actions.start_worksheet(case, by_user=alice), alice)
    changed.refresh_from_db()
    kept.refresh_from_db()
    assert (changed.signed_late, kept.signed_late) == (False, True)
    assert not LateSignature.objects.filter(disposition=changed).exists()


def test_a_worksheet_signed_before_per_offer_hashes_is_read_from_its_offer_entry(alice, case):
    """Old signed content stays untouched: its offer entry is hashed with the same function."""
    count_1 = case.charges.get(number=1)
    offer = factories.make_disposition(case)
    factories.make_term(offer, count_1, "PC 243(e)(1)")
    worksheet = sign(actions.start_worksheet(case, by_user=alice), alice)
    content = dict(worksheet.signed_content)
    stored = content.pop("offer_hashes")
    assert signed_offer_terms_hash(content, offer.pk) == stored[str(offer.pk)]
    assert offer_terms_hash(content["dispositions"][0]) == binding.terms_hash_now(offer)
    assert signed_offer_terms_hash(content, 999999) is None


# --- Finding 2: a case edit that leaves a count out --------------------------------------------


@pytest.fixture
def conveyed(case, alice):
    """Offer with a term on both counts, conveyed."""
    count_1, count_2 = case.charges.order_by("number")
    offer = factories.make_disposition(case, name="Conveyed offer")
    factories.make_term(offer, count_1, "PC 243(e)(1)")
    factories.make_term(offer, count_2, "HS 11350(a)")
    return actions.convey_offer(offer, by_user=alice)


def test_finding_2_through_the_page(client, alice, case, conveyed):
    count_1, count_2 = case.charges.order_by("number")
    client.force_login(alice)
    data = with_rows(
        case_data(case.unit, alice, court_case_number=case.court_case_number, version="1"),
        [(f"c{count_1.pk}", "PC 273.5(a)", "wobbler", {"pk": count_1.pk})],
    )
    data["defendant_name"] = "Typed and kept"
    response = client.post(reverse("case_edit", args=[case.pk]), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert (
        f"Count 2 is part of offer {conveyed.pk} (“Conveyed offer”), which was conveyed: "
        "it cannot be removed." in html.replace("&#x27;", "'")
    )
    assert "Typed and kept" in html
    assert terms_of(conveyed) == [
        (1, "PC 243(e)(1)", "misdemeanor", 0),
        (2, "HS 11350(a)", "misdemeanor", 0),
    ]
    case.refresh_from_db()
    assert case.lock_version == 1 and case.defendant_name != "Typed and kept"


def test_finding_2_through_the_actions_removing_and_moving(alice, case, conveyed):
    count_1, count_2 = case.charges.order_by("number")
    rows = [{"pk": count_1.pk, "statute_as_entered": "PC 273.5(a)", "level": "wobbler"}]
    with pytest.raises(CountsBound) as refused:
        actions.update_case(case, by_user=alice, version=1, fields={}, charges=rows)
    assert set(refused.value.problems) == {count_2.pk}
    assert "it cannot be removed" in refused.value.problems[count_2.pk]
    # Moving: a new count put first would renumber both.
    new_first = {"statute_as_entered": "PC 459", "level": "felony"}
    moved = [
        new_first,
        rows[0],
        {"pk": count_2.pk, "statute_as_entered": "HS 11351", "level": "felony"},
    ]
    with pytest.raises(CountsBound) as refused:
        actions.update_case(case, by_user=alice, version=1, fields={}, charges=moved)
    assert "it cannot become count 2" in refused.value.problems[count_1.pk]
    assert "it cannot become count 3" in refused.value.problems[count_2.pk]
    assert terms_of(conveyed) == [
        (1, "PC 243(e)(1)", "misdemeanor", 0),
        (2, "HS 11350(a)", "misdemeanor", 0),
    ]
    # Adding a count at the end, and editing a count's own fields, are fine.
    added = [*moved[1:], new_first]
    actions.update_case(case, by_user=alice, version=1, fields={}, charges=added)
    assert case.charges.count() == 3 and terms_of(conveyed)[1][1] == "HS 11350(a)"


def test_a_count_of_a_considered_draft_is_not_removed_either(alice, case):
    count_1, count_2 = case.charges.order_by("number")
    offer = factories.make_disposition(case)
    factories.make_term(offer, count_2, "HS 11350(a)")
    sign(actions.start_worksheet(case, by_user=alice), alice)
    rows = [{"pk": count_1.pk, "statute_as_entered": "PC 273.5(a)", "level": "wobbler"}]
    with pytest.raises(CountsBound, match="considered by the signed worksheet v1"):
        actions.update_case(case, by_user=alice, version=1, fields={}, charges=rows)


def test_a_count_only_draft_offers_plead_is_still_removed_with_its_terms(alice, case):
    count_1, count_2 = case.charges.order_by("number")
    offer = factories.make_disposition(case)
    factories.make_term(offer, count_2, "HS 11350(a)")
    rows = [{"pk": count_1.pk, "statute_as_entered": "PC 273.5(a)", "level": "wobbler"}]
    actions.update_case(case, by_user=alice, version=1, fields={}, charges=rows)
    assert terms_of(offer) == []


def test_revising_needs_post_and_an_editing_role(client, alice, dave, olivia, case, conveyed):
    url = reverse("disposition_revise", args=[conveyed.pk])
    client.force_login(alice)
    assert client.get(url).status_code == 405
    client.force_login(dave)  # an administrator reads offers but does not change them
    assert client.post(url).status_code == 403
    client.force_login(olivia)  # another office: as if it did not exist
    assert client.post(url).status_code == 404
    assert not Disposition.objects.filter(revised_from=conveyed).exists()
    client.force_login(alice)
    response = client.post(url)
    revision = Disposition.objects.get(revised_from=conveyed)
    assert response.status_code == 302 and revision.status == DispositionStatus.DRAFT
    event = AuditEvent.objects.get(action="create", object_type="disposition")
    assert event.object_id == str(revision.pk) and event.data == {"revised_from": conveyed.pk}


# --- The guards under the actions ---------------------------------------------------------------


def test_the_orm_refuses_to_change_a_frozen_offers_terms(alice, case, conveyed):
    """cases.frozen: SQLite's only guard below the actions (PostgreSQL has the triggers too)."""
    term = conveyed.terms.get(charge__number=2)
    term.statute_pleaded = "HS 11351"
    with pytest.raises(OfferFrozen), transaction.atomic():
        term.save()
    with pytest.raises(OfferFrozen), transaction.atomic():
        term.delete()
    with pytest.raises(OfferFrozen), transaction.atomic():
        case.charges.get(number=2).delete()
    conveyed.name = "Renamed"
    with pytest.raises(OfferFrozen), transaction.atomic():
        conveyed.save()
    with pytest.raises(OfferFrozen), transaction.atomic():
        conveyed.delete()
    bare = actions.convey_offer(factories.make_disposition(case), by_user=alice)
    with pytest.raises(OfferFrozen), transaction.atomic():
        bare.delete()  # no term of its own refuses first: the offer's guard does
    # Its status still moves on.
    actions.set_disposition_status(conveyed, by_user=alice, status=DispositionStatus.ACCEPTED)
    assert terms_of(conveyed)[1][1] == "HS 11350(a)"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL triggers")
def test_postgresql_refuses_a_raw_update_of_a_frozen_plea_term(alice, case, conveyed):
    term = conveyed.terms.get(charge__number=2)
    with pytest.raises(IntegrityError, match="revise it as a new offer"), transaction.atomic():
        raw("UPDATE cases_pleaterm SET statute_pleaded = 'HS 11351' WHERE id = %s", term.pk)
    with pytest.raises(IntegrityError), transaction.atomic():
        # Raw SQL: the ORM's delete is refused before it reaches the database (cases.frozen).
        raw("DELETE FROM cases_pleaterm WHERE id = %s", term.pk)
    with pytest.raises(IntegrityError), transaction.atomic():
        PleaTerm.objects.filter(pk=term.pk).update(custody_days_imposed=1095)
    with pytest.raises(IntegrityError), transaction.atomic():
        Disposition.objects.filter(pk=conveyed.pk).update(label="alternative")
    # What is not a term still changes: the status and the report's columns.
    Disposition.objects.filter(pk=conveyed.pk).update(status="accepted", signed_late=False)
    assert terms_of(conveyed)[1][1] == "HS 11350(a)"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL triggers")
def test_postgresql_refuses_a_raw_update_of_a_considered_draft(alice, case):
    offer = factories.make_disposition(case)
    term = factories.make_term(offer, case.charges.get(number=2), "HS 11350(a)")
    sign(actions.start_worksheet(case, by_user=alice), alice)
    with pytest.raises(IntegrityError), transaction.atomic():
        PleaTerm.objects.filter(pk=term.pk).update(statute_pleaded="HS 11351")
    with pytest.raises(IntegrityError), transaction.atomic():
        # bulk_create sends no signal: only the trigger stands in the way.
        PleaTerm.objects.bulk_create(
            [
                PleaTerm(
                    disposition=offer, charge=case.charges.get(number=1), statute_pleaded="PC 242"
                )
            ]
        )
    # An unconsidered draft is free.
    draft = factories.make_disposition(case)
    free = factories.make_term(draft, case.charges.get(number=2), "HS 11350(a)")
    PleaTerm.objects.filter(pk=free.pk).update(statute_pleaded="HS 11351")
