"""Issue 17's records in the Django admin (superusers only): policy versions, counsel's requests,
offer templates, defense attachments, service tokens and calendar feeds. Each is read-only there
(the app changes it through an audited action), nothing is deleted, and no secret is shown: not
a token's or a feed's hash, not an attachment's stored file or its content."""

import pytest
from django.contrib.auth import get_user_model

from cases.choices import AuditAction
from cases.models import AuditEvent
from tests.security.worlds import make_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def root(db):
    return get_user_model().objects.create_superuser("root", "root@example.org", "pw-long-enough")


@pytest.fixture
def world(office):
    return make_world(office, "ALPHA")


def records(world):
    return {
        "officepolicy": world.policy,
        "counselrequest": world.counsel_request,
        "offertemplate": world.offer_template,
        "defenseattachment": world.attachment,
        "servicetoken": world.service_token,
        "calendarfeed": world.calendar_feed,
    }


@pytest.mark.parametrize(
    "name",
    [
        "officepolicy",
        "counselrequest",
        "offertemplate",
        "defenseattachment",
        "servicetoken",
        "calendarfeed",
    ],
)
def test_the_operator_reads_each_record_and_changes_none(client, root, world, name):
    obj = records(world)[name]
    listing_url = f"/admin/cases/{name}/"
    change_url = f"{listing_url}{obj.pk}/change/"
    client.force_login(root)
    assert change_url in client.get(listing_url).content.decode()
    page = client.get(change_url)
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()  # shown, not editable
    written = AuditEvent.objects.exclude(action=AuditAction.REFUSED)  # refusals are audited
    before = written.count()
    assert client.post(change_url, {"name": "tampered", "answer": "tampered"}).status_code == 403
    assert client.get(f"{listing_url}add/").status_code == 403
    assert client.post(f"{listing_url}{obj.pk}/delete/", {"post": "yes"}).status_code == 403
    assert type(obj).objects.filter(pk=obj.pk).exists()
    assert written.count() == before  # nothing was changed


def test_no_token_or_feed_hash_is_shown(client, root, world):
    client.force_login(root)
    for name in ("servicetoken", "calendarfeed"):
        obj = records(world)[name]
        for url in (f"/admin/cases/{name}/", f"/admin/cases/{name}/{obj.pk}/change/"):
            page = client.get(url).content.decode()
            assert obj.token_hash not in page, url
            assert "token_hash" not in page and "Token hash" not in page, url
    page = client.get(f"/admin/cases/servicetoken/{world.service_token.pk}/change/")
    assert world.service_token.prefix in page.content.decode()  # what tells tokens apart


def test_an_attachment_shows_what_was_received_never_the_file(client, root, world):
    attachment = world.attachment
    client.force_login(root)
    page = client.get(f"/admin/cases/defenseattachment/{attachment.pk}/change/").content.decode()
    assert attachment.original_name in page and attachment.sha256 in page
    assert attachment.file.name not in page  # no link to, nor name of, the stored file
    assert "attachment from counsel" not in page  # the file's content
