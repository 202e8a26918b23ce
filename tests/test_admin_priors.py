"""Prior convictions in the Django admin: the office's own, read-only (issue 16, noticed).

Priors change only on the case page, through the audited actions `add_prior` and
`remove_prior`; the admin lists and shows them within the administrator's office.
"""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases import actions
from cases.choices import AuditAction
from cases.models import AuditEvent, PriorConviction

pytestmark = pytest.mark.django_db


@pytest.fixture
def own_prior(case, alice):
    return actions.add_prior(
        case, by_user=alice, code="PC 484(a)", convicted_on=datetime.date(2020, 5, 4)
    )


@pytest.fixture
def outsider_prior(outsider_case, olivia):
    return actions.add_prior(
        outsider_case, by_user=olivia, code="HS 11350", convicted_on=datetime.date(2019, 1, 2)
    )


def test_the_admin_lists_only_their_office_priors(client, dave, own_prior, outsider_prior):
    client.force_login(dave)
    client.get("/admin/cases/priorconviction/")  # warm the session and permission caches
    with CaptureQueriesContext(connection) as one_row:
        listing = client.get("/admin/cases/priorconviction/")
    assert listing.status_code == 200
    page = listing.content.decode()
    assert f"/admin/cases/priorconviction/{own_prior.pk}/change/" in page
    assert "PC 484(a)" in page
    assert f"/admin/cases/priorconviction/{outsider_prior.pk}/change/" not in page
    assert "HS 11350" not in page
    for year in range(2010, 2015):  # more rows, the same number of queries
        actions.add_prior(
            own_prior.case, by_user=None, code="VC 23152(a)", convicted_on=datetime.date(year, 1, 1)
        )
    with CaptureQueriesContext(connection) as six_rows:
        client.get("/admin/cases/priorconviction/")
    assert len(six_rows) == len(one_row), [q["sql"] for q in six_rows]


def test_another_office_prior_does_not_open(client, dave, outsider_prior):
    client.force_login(dave)
    response = client.get(f"/admin/cases/priorconviction/{outsider_prior.pk}/change/")
    assert response.status_code == 302  # the admin's "does not exist" redirect


def test_a_prior_is_read_only_in_the_admin(client, dave, own_prior):
    client.force_login(dave)
    url = f"/admin/cases/priorconviction/{own_prior.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200
    assert "PC 484(a)" in page.content.decode()
    assert 'name="code"' not in page.content.decode()  # shown, not editable
    before = set(AuditEvent.objects.values_list("pk", flat=True))
    response = client.post(
        url,
        {"case": own_prior.case_id, "code": "PC 999", "convicted_on": "2021-01-01"},
    )
    assert response.status_code == 403
    assert client.get("/admin/cases/priorconviction/add/").status_code == 403
    assert client.get(f"{url.removesuffix('change/')}delete/").status_code == 403
    own_prior.refresh_from_db()
    assert own_prior.code == "PC 484(a)"
    assert PriorConviction.objects.filter(pk=own_prior.pk).exists()
    # Nothing was written; the three refusals are recorded as security events.
    new_events = AuditEvent.objects.exclude(pk__in=before)
    assert sorted(new_events.values_list("action", flat=True)) == [AuditAction.REFUSED] * 3


def test_deputies_do_not_see_priors_in_the_admin(client, alice, own_prior):
    client.force_login(alice)
    response = client.get("/admin/cases/priorconviction/")
    assert response.status_code in (302, 403)
