"""A volunteered immigration status reaches only roles with `cases.view_status`.

The walk renders every page, export and PDF (urlwalk.routes) and every admin page of a case that
has a disclosure and a signed worksheet that includes it, as the office administrator — who
lacks the permission — and finds neither the status nor the disclosure's notes anywhere.

Positive controls: every URL walked also renders, for the case's people allowed to open it, with
the case's data (urlwalk.assert_control), and the secrets looked for are what the pages really
show a reader allowed to see status (`test_the_walk_looks_for_what_the_pages_show`), so "no
secret found" never comes from a page that did not render or from a secret printed otherwise.
"""

import pytest
from django.template import Context, Template
from django.urls import reverse

from cases import security
from cases.models import AuditEvent
from tests.security import urlwalk
from tests.security.worlds import (
    ADMITTED_ON,
    DISCLOSED_ON,
    STATUS_LABEL,
    STATUS_SOURCE_LABEL,
    STATUS_VALUE,
    make_world,
)

pytestmark = pytest.mark.django_db


def _date_forms(day):
    return (
        day.isoformat(),
        f"{day:%b} {day.day}, {day.year}",
        f"{day:%B} {day.day}, {day.year}",
        f"{day.month}/{day.day}/{day.year}",
        f"{day:%m/%d/%Y}",
    )


# What only a disclosure carries: its notes, its source and its dates. Compared without case,
# since the pages print the source in lower case ("volunteered, defense letter").
SECRET_GROUPS = {
    "notes": ("ALPHA status canary",),
    "source": (STATUS_SOURCE_LABEL,),
    "date disclosed": _date_forms(DISCLOSED_ON),
    "date of admission": _date_forms(ADMITTED_ON),
}
SECRETS = tuple(secret for group in SECRET_GROUPS.values() for secret in group)
# The case's own data, which any page of it shows to whoever may open it.
CASE_DATA = (
    "ALPHA-CANARY-1",
    "ALPHA Canary Defendant",
    "People v. ALPHA Canary",
    "alpha-deputy",
    "ALPHA service token",
)


@pytest.fixture
def world(office):
    return make_world(office, "ALPHA")


def _assert_no_status(response, where):
    text = urlwalk.response_text(response).lower()
    for secret in SECRETS:
        assert secret.lower() not in text, f"{where} shows the volunteered status ({secret!r})"


def _shows_case(response, text):
    return any(data in text for data in CASE_DATA)


def test_only_roles_with_the_permission_may_see_status(alice, carol, dave, erin):
    assert security.can_see_status(alice) and security.can_see_status(erin)
    assert security.can_see_status(carol)
    assert not security.can_see_status(dave)


def test_disclosures_for_a_user_are_all_or_nothing(world, alice, dave):
    assert list(security.status_disclosures_for(alice, world.case)) == [world.disclosure]
    assert list(security.status_disclosures_for(dave, world.case)) == []


def test_redact_status_removes_it_from_content_and_leaves_the_original(world, alice, dave):
    content = world.signed_worksheet.signed_content
    assert security.redact_status(content, alice)["status_disclosure"]["status"] == STATUS_LABEL
    assert "status_disclosure" not in security.redact_status(content, dave)
    assert content["status_disclosure"]["status"] == STATUS_LABEL
    assert content["status_disclosure"]["source"] == STATUS_SOURCE_LABEL


def test_template_filters(world, alice, dave):
    template = Template(
        "{% load restricted %}{% if user|can_see_status %}yes{% endif %}"
        "{% for d in case|status_disclosures:user %}[{{ d.get_status_display }}]{% endfor %}"
        "{% with c=content|without_status:user %}{{ c.status_disclosure.status }}{% endwith %}"
    )
    content = world.signed_worksheet.signed_content
    for_alice = template.render(Context({"user": alice, "case": world.case, "content": content}))
    for_dave = template.render(Context({"user": dave, "case": world.case, "content": content}))
    assert for_alice.startswith("yes") and STATUS_LABEL in for_alice
    assert for_dave == ""


@pytest.mark.parametrize(
    "route", [r for r in urlwalk.routes() if r.name not in urlwalk.PUBLIC], ids=str
)
def test_no_page_export_or_pdf_shows_status_to_the_admin(client, dave, world, route):
    walked = urlwalk.variants(route) if route.object_params else [None]
    for variant in walked:
        client.force_login(dave)
        url = urlwalk.url_for(route, world, swap=variant)
        response = client.get(url)
        assert response.status_code < 500, url
        _assert_no_status(response, f"GET {url}")
    for variant in walked:  # last: a POST-only control changes the record
        urlwalk.assert_control(
            client,
            route,
            urlwalk.url_for(route, world, swap=variant),
            urlwalk.people(world),
            _shows_case,
            urlwalk.post_data(world),
            missing=urlwalk.url_for(route, world, swap=variant, missing_pk=True),
        )


def test_the_walk_looks_for_what_the_pages_show(client, world):
    """Each kind of secret is shown somewhere to the deputy who may see status, in the form the
    walk looks for; and where it is shown, the same page renders for the admin without it."""
    client.force_login(world.user)
    shown = {}
    for route in urlwalk.routes():
        if route.name in urlwalk.PUBLIC:
            continue
        for variant in urlwalk.variants(route) if route.object_params else [None]:
            url = urlwalk.url_for(route, world, swap=variant)
            text = urlwalk.response_text(client.get(url)).lower()
            for group, forms in SECRET_GROUPS.items():
                if any(form.lower() in text for form in forms):
                    shown.setdefault(group, []).append(url)
    pages = {
        reverse("worksheet_detail", args=[world.worksheet.pk]),
        reverse("worksheet_detail", args=[world.signed_worksheet.pk]),
        reverse("worksheet_pdf", args=[world.signed_worksheet.pk]),
    }
    # The notes and the date of admission are on no page today; the walk still looks for them.
    assert set(shown.get("source", [])) >= pages, shown
    assert set(shown.get("date disclosed", [])) >= pages, shown


def test_no_admin_page_shows_status_to_the_admin(client, dave, world):
    client.force_login(dave)
    pages = urlwalk.admin_pages_with_controls(world)
    for url, _, _ in pages:
        _assert_no_status(client.get(url), f"GET {url}")
    for url, marker, model in pages:
        urlwalk.assert_admin_control(client, world, url, marker, model)


def test_audit_text_never_holds_a_status(world):
    for event in AuditEvent.objects.all():
        assert STATUS_VALUE not in event.summary and STATUS_LABEL not in event.summary
