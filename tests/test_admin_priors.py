"""Prior convictions in the Django admin, read-only (issue 16, noticed).

Priors change only on the case page, through the audited actions `add_prior` and
`remove_prior`. The Django admin is the deployment operator's, superusers only (issue 17.1): an
office administrator is sent to its log-in page and works in the Office area instead.
"""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases import actions
from cases.choices import AuditAction
from cases.models import AuditEvent, PriorConviction

pytestmark = pytest.mark.django_db


@pytest.fixture
def root(db):
    return get_user_model().objects.create_superuser("root", "root@example.org", "pw-long-enough")


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


def test_the_operator_lists_priors_in_the_same_number_of_queries(
    client, root, own_prior, outsider_prior
):
    client.force_login(root)
    client.get("/admin/cases/priorconviction/")  # warm the session and permission caches
    with CaptureQueriesContext(connection) as one_row:
        listing = client.get("/admin/cases/priorconviction/")
    assert listing.status_code == 200
    page = listing.content.decode()
    assert f"/admin/cases/priorconviction/{own_prior.pk}/change/" in page
    assert "PC 484(a)" in page
    for year in range(2010, 2015):  # more rows, the same number of queries
        actions.add_prior(
            own_prior.case, by_user=None, code="VC 23152(a)", convicted_on=datetime.date(year, 1, 1)
        )
    with CaptureQueriesContext(connection) as six_rows:
        client.get("/admin/cases/priorconviction/")
    assert len(six_rows) == len(one_row), [q["sql"] for q in six_rows]


def test_an_office_administrator_is_sent_to_the_admin_log_in(client, dave, own_prior):
    client.force_login(dave)
    response = client.get(f"/admin/cases/priorconviction/{own_prior.pk}/change/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_a_prior_is_read_only_in_the_admin(client, root, own_prior):
    client.force_login(root)
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
    # Nothing was written.
    new_events = AuditEvent.objects.exclude(pk__in=before)
    assert AuditAction.CHANGE not in new_events.values_list("action", flat=True)


def test_deputies_do_not_see_priors_in_the_admin(client, alice, own_prior):
    client.force_login(alice)
    response = client.get("/admin/cases/priorconviction/")
    assert response.status_code in (302, 403)
