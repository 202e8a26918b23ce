"""The office's offer templates (issue 15, item 7): supervisors keep them, deputies apply them
when entering an offer, administrators read them, other offices never see them."""

import pytest
from django.urls import reverse

from cases import offers
from cases.choices import AuditAction
from cases.models import AuditEvent, Disposition, OfferTemplate
from tests import factories

pytestmark = pytest.mark.django_db

DV = {
    "name": "Standard DV misdemeanor",
    "statute_pleaded": "243(e)(1) PC",
    "level_at_plea": "misdemeanor",
    "plea_type": "no_contest",
    "sentence_form": "iss",
    "custody_days_imposed": "364",
    "custody_days_suspended": "364",
    "probation_months": "36",
    "conditions": ["pc1203_097"],
    "notes": "",
    "active": "on",
}


def post_template(client, data=None, pk=None):
    url = reverse("offer_template_edit", args=[pk]) if pk else reverse("offer_template_create")
    return client.post(url, {**DV, **(data or {})})


@pytest.fixture
def template(office, carol):
    return offers.save_offer_template(
        office,
        by_user=carol,
        fields={
            "name": "Standard DV misdemeanor",
            "statute_pleaded": "PC 243(e)(1)",
            "level_at_plea": "misdemeanor",
            "plea_type": "no_contest",
            "sentence_form": "iss",
            "custody_days_imposed": 364,
            "custody_days_suspended": 364,
            "probation_months": 36,
            "conditions": ["pc1203_097"],
            "notes": "",
            "active": True,
        },
    )


def test_a_supervisor_creates_a_template_and_it_is_audited(client, carol):
    client.force_login(carol)
    response = post_template(client)
    assert response.status_code == 302 and response.url == reverse("offer_template_list")
    saved = OfferTemplate.objects.get()
    assert saved.statute_pleaded == "PC 243(e)(1)"  # the catalog's spelling
    assert saved.conditions == ["pc1203_097"] and saved.updated_by == carol
    event = AuditEvent.objects.get(action=AuditAction.CREATE, object_type="offertemplate")
    assert event.data["changes"]["custody_days_imposed"] == {"before": None, "after": 364}
    page = client.get(reverse("offer_template_list")).content.decode()
    assert "Standard DV misdemeanor" in page and "PC 1203.097 batterer program" in page


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"statute_pleaded": "PC 2735a"}, "statute_pleaded", "unknown offense"),
        (
            {"custody_days_imposed": "365", "custody_days_suspended": "0"},
            "custody_days_imposed",
            "cannot exceed 364 days",
        ),
        ({"custody_days_suspended": "400"}, "custody_days_suspended", "cannot exceed the days"),
    ],
)
def test_bad_terms_are_refused_next_to_the_field_and_kept(client, carol, change, field, message):
    client.force_login(carol)
    response = post_template(client, change)
    assert response.status_code == 200
    assert message in str(response.context["form"].errors[field])
    assert f'value="{next(iter(change.values()))}"' in response.content.decode()  # as typed
    assert not OfferTemplate.objects.exists()


def test_two_templates_of_an_office_cannot_share_a_name(client, carol, template):
    client.force_login(carol)
    response = post_template(client, {"name": "standard dv misdemeanor"})
    assert "already has a template with this name" in str(response.context["form"].errors)
    assert OfferTemplate.objects.count() == 1


def test_a_change_made_meanwhile_is_a_conflict(client, carol, template):
    client.force_login(carol)
    OfferTemplate.objects.filter(pk=template.pk).update(lock_version=5)
    response = post_template(client, {"probation_months": "24", "version": "1"}, pk=template.pk)
    assert response.status_code == 409
    template.refresh_from_db()
    assert template.probation_months == 36


def test_retiring_a_template_hides_it_from_deputies(client, alice, carol, case, template):
    client.force_login(carol)
    data = {"version": str(template.lock_version)}
    data.update({key: value for key, value in DV.items() if key != "active"})
    assert client.post(reverse("offer_template_edit", args=[template.pk]), data).status_code == 302
    assert list(offers.templates_for(template.office)) == []
    client.force_login(alice)
    page = client.get(reverse("disposition_create", args=[case.pk])).content.decode()
    assert "Start from an office template" not in page


def test_who_may_manage_read_or_not_see_the_templates(client, alice, dave, olivia, template):
    edit = reverse("offer_template_edit", args=[template.pk])
    listing = reverse("offer_template_list")
    client.force_login(alice)  # a deputy reads and applies them
    assert client.get(listing).status_code == 200
    assert client.get(edit).status_code == 403
    assert post_template(client, {"name": "Deputy's own"}).status_code == 403
    client.force_login(dave)  # the administrator reads them: plea terms are the lawyers'
    assert "Standard DV misdemeanor" in client.get(listing).content.decode()
    assert client.get(edit).status_code == 403
    client.force_login(olivia)  # another office sees none of them
    assert "Standard DV misdemeanor" not in client.get(listing).content.decode()
    assert client.get(edit).status_code == 403
    omega_supervisor = factories.make_user(
        "oscar", olivia.membership.office, "supervisor", olivia.membership.unit
    )
    client.force_login(omega_supervisor)
    assert client.get(edit).status_code == 404
    assert OfferTemplate.objects.count() == 1


def test_the_navigation_leads_those_who_make_offers_to_the_templates(
    client, alice, carol, dave, erin
):
    """Deputies apply the templates and supervisors keep them: the navigation links to them.
    The administrator and immigration counsel make no offers, and their menus stay short."""
    link = f'<a class="nav-link text-body" href="{reverse("offer_template_list")}">'
    for user, linked in ((alice, True), (carol, True), (dave, False), (erin, False)):
        client.force_login(user)
        assert (link in client.get(reverse("case_list")).content.decode()) is linked, user


def test_a_deputy_applies_a_template_to_one_count_and_nothing_is_saved(
    client, alice, case, template
):
    client.force_login(alice)
    count = case.charges.get(number=1)
    url = reverse("disposition_create", args=[case.pk])
    response = client.get(url, {"template": template.pk, "count": count.pk})
    forms = {form.charge.number: form for form in response.context["term_forms"]}
    assert forms[1].initial["statute_pleaded"] == "PC 243(e)(1)"
    assert forms[1].initial["custody_days_suspended"] == 364
    assert forms[1].initial["conditions"] == ["pc1203_097"]
    assert forms[2].initial.get("statute_pleaded") == "HS 11351"  # the other count as charged
    page = response.content.decode()
    assert 'value="Standard DV misdemeanor"' in page  # the offer's name
    assert not Disposition.objects.exists()


def test_another_offices_template_is_not_applied(client, olivia, outsider_case, template):
    client.force_login(olivia)
    count = outsider_case.charges.get()
    response = client.get(
        reverse("disposition_create", args=[outsider_case.pk]),
        {"template": template.pk, "count": count.pk},
    )
    assert response.status_code == 200
    assert response.context["term_forms"][0].initial.get("statute_pleaded") != "PC 243(e)(1)"
    assert "Standard DV misdemeanor" not in response.content.decode()


def test_changing_a_template_changes_no_offer_made_from_it(client, alice, carol, case, template):
    client.force_login(alice)
    offer = factories.make_disposition(case, name="From the template")
    values = template.term_values()
    statute, level = values.pop("statute_pleaded"), values.pop("level_at_plea")
    factories.make_term(offer, case.charges.get(number=1), statute, level, **values)
    client.force_login(carol)
    data = {**DV, "custody_days_imposed": "180", "custody_days_suspended": "180"}
    data["version"] = str(template.lock_version)
    client.post(reverse("offer_template_edit", args=[template.pk]), data)
    assert offer.terms.get().custody_days_imposed == 364
