"""Office isolation: another office's records are "not found" on every URL, read or write.

The walk discovers every URL pattern (urlwalk.routes), fills each parameter with a record of
another office (urlwalk.OBJECT_KINDS) and asks as each insider role, with GET and with POST:
the answer is 404 (or 405 for a method the view never takes; 403 only when the same user gets
403 for an id that exists nowhere, so the refusal reveals nothing). Nothing of the other office
may change and nothing of it may appear in any page. A new screen is walked automatically; one
whose parameter the walk cannot fill fails here until it is taught.

Every URL and admin page walked also gets its positive control (urlwalk.assert_control): the same
URL, for the other office's own people, shows that office's record, so a 404 or an empty page for
the insiders is never taken for isolation when the URL is simply wrong.
"""

import hashlib
import json

import pytest
from django.apps import apps
from django.contrib import admin
from django.core import serializers
from django.utils.html import escape

from cases.models import AuditEvent
from tests.security import urlwalk
from tests.security.worlds import make_world

pytestmark = pytest.mark.django_db

INSIDERS = ("alice", "carol", "dave", "erin")
CANARIES = (
    "OMEGA-CANARY-1",
    "OMEGA Canary Defendant",
    "People v. OMEGA Canary",
    "OMEGA status canary",
    "OMEGA reasons",
    "OMEGA equities",
    "OMEGA template",
    "omega-deputy",
    "OMEGA service token",
)


@pytest.fixture
def outsider_world(other_office):
    return make_world(other_office, "OMEGA")


@pytest.fixture
def insiders(alice, carol, dave, erin):
    return {"alice": alice, "carol": carol, "dave": dave, "erin": erin}


def snapshot(world):
    """Every row that belongs to the other office, serialised, as one digest."""
    rows = []
    for model in apps.get_app_config("cases").get_models():
        path = _office_path(model)
        if path is None:
            continue
        queryset = model._default_manager.filter(**{path: world.office.pk}).order_by("pk")
        rows.append(serializers.serialize("json", queryset))
    return hashlib.sha256(json.dumps(rows).encode()).hexdigest()


def _office_path(model):
    if model._meta.model_name == "office":
        return "pk"
    for path in ("office", "case__office", "worksheet__case__office", "disposition__case__office"):
        head = path.split("__")[0]
        if any(f.name == head for f in model._meta.get_fields()):
            return path
    return None


def test_every_route_can_be_walked(outsider_world):
    """Fails for a URL whose parameters the walk cannot fill: teach urlwalk, do not skip."""
    object_routes = [r for r in urlwalk.routes() if r.object_params]
    for route in urlwalk.routes():
        urlwalk.url_for(route, outsider_world)
    assert object_routes, "the walk found no URL with a record in it"


def test_the_walk_refuses_a_parameter_it_does_not_know():
    route = urlwalk.Route("widget_detail", "cases.views.widgets", ["widget_pk"])
    with pytest.raises(urlwalk.UnknownParameter, match="widget_pk"):
        urlwalk.kind_of(route, "widget_pk")


@pytest.mark.parametrize("route", [r for r in urlwalk.routes() if r.object_params], ids=str)
def test_another_offices_records_are_not_found(client, route, insiders, outsider_world):
    before = snapshot(outsider_world)
    events_before = AuditEvent.objects.filter(office=outsider_world.office).count()
    saw_404 = False
    for variant in urlwalk.variants(route):
        url = urlwalk.url_for(route, outsider_world, swap=variant)
        missing = urlwalk.url_for(route, outsider_world, swap=variant, missing_pk=True)
        for name in INSIDERS:
            client.force_login(insiders[name])
            for method in ("get", "post"):
                response = getattr(client, method)(url, urlwalk.post_data(outsider_world))
                status = response.status_code
                if status == 403:
                    control = getattr(client, method)(missing, {"lock_version": "1"})
                    assert control.status_code == 403, (
                        f"{method.upper()} {url} as {name}: 403 for another office's record but "
                        f"{control.status_code} for a missing one — the refusal reveals existence"
                    )
                else:
                    assert status in (404, 405), f"{method.upper()} {url} as {name}: {status}"
                saw_404 |= status == 404
                _assert_no_canary(response, f"{method.upper()} {url} as {name}")
    assert saw_404, f"{route.name}: no insider got 404; is the lookup scoped to the office?"
    assert snapshot(outsider_world) == before, f"{route.name} changed another office's records"
    assert AuditEvent.objects.filter(office=outsider_world.office).count() == events_before
    for variant in urlwalk.variants(route):  # last: a POST-only control changes the record
        urlwalk.assert_control(
            client,
            route,
            urlwalk.url_for(route, outsider_world, swap=variant),
            urlwalk.people(outsider_world),
            _shows_canary,
            urlwalk.post_data(outsider_world),
            missing=urlwalk.url_for(route, outsider_world, swap=variant, missing_pk=True),
        )


@pytest.mark.parametrize(
    "route",
    [r for r in urlwalk.routes() if not r.object_params and r.name not in urlwalk.PUBLIC],
    ids=str,
)
def test_lists_and_exports_show_nothing_of_another_office(client, route, insiders, outsider_world):
    url = urlwalk.url_for(route, outsider_world)
    for name in INSIDERS:
        client.force_login(insiders[name])
        response = client.get(url)
        assert response.status_code in (200, 302, 400, 403, 404, 405), f"GET {url} as {name}"
        _assert_no_canary(response, f"GET {url} as {name}")
    urlwalk.assert_control(client, route, url, urlwalk.people(outsider_world), _shows_canary)


def _shows_canary(response, text):
    return any(canary in text for canary in CANARIES)


def _assert_no_canary(response, where):
    text = urlwalk.response_text(response)
    for canary in CANARIES:
        assert canary not in text, f"{where} shows another office's {canary!r}"


# --- The Django admin: every registered model, change/delete/history of another office's row ---


# Admin models that hold no office's records and that an office administrator cannot open.
NOT_FOR_OFFICE_ADMINS = {
    "auth.group",
    "otp_totp.totpdevice",
    "otp_static.staticdevice",
    "axes.accessattempt",
    "axes.accesslog",
    "axes.accessfailurelog",
}


def _admin_objects(world):
    by_model = {type(obj): obj for obj in world.all_objects()}
    by_model[AuditEvent] = world.event
    by_model[type(world.user.membership)] = world.user.membership
    return by_model


def test_every_admin_model_is_walked(outsider_world):
    known = _admin_objects(outsider_world)
    unknown = [
        m._meta.label_lower
        for m in admin.site._registry
        if m not in known and m._meta.label_lower not in NOT_FOR_OFFICE_ADMINS
    ]
    assert not unknown, f"teach worlds.World about these admin models: {unknown}"


def test_no_office_role_can_open_the_django_admin(client, insiders, outsider_world):
    """The Django admin is the operator's (superusers only, issue 17.1): every role of an office,
    its administrator included, is sent to the admin's log-in page, for every model."""
    for name, user in insiders.items():
        client.force_login(user)
        for model in admin.site._registry:
            url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
            response = client.get(url)
            assert response.status_code == 302, f"{url} as {name}"
            assert response.url.startswith("/admin/login/"), f"{url} as {name}"


@pytest.mark.parametrize("suffix", ["change/", "delete/", "history/"])
def test_admin_pages_of_another_offices_rows_are_not_found(client, dave, outsider_world, suffix):
    client.force_login(dave)
    before = snapshot(outsider_world)
    for model, obj in _admin_objects(outsider_world).items():
        if model not in admin.site._registry:
            continue
        meta = model._meta
        url = f"/admin/{meta.app_label}/{meta.model_name}/{obj.pk}/{suffix}"
        for method in ("get", "post"):
            data = {"post": "yes"} if suffix == "delete/" else {"caption": "tampered"}
            response = getattr(client, method)(url, data if method == "post" else None)
            # An office's administrator is not the admin's: its log-in page, nothing else.
            assert response.status_code == 302, f"{method.upper()} {url}"
            assert response.url.startswith("/admin/login/"), f"{method.upper()} {url}"
            _assert_no_canary(response, f"{method.upper()} {url}")
    assert snapshot(outsider_world) == before
    # Control: the deployment's superuser opens the same page and it names the row.
    for model, obj in _admin_objects(outsider_world).items():
        if model not in admin.site._registry:
            continue
        meta = model._meta
        url = f"/admin/{meta.app_label}/{meta.model_name}/{obj.pk}/{suffix}"
        urlwalk.assert_admin_control(client, outsider_world, url, escape(str(obj)), model)


def test_admin_lists_show_nothing_of_another_office(client, dave, outsider_world):
    client.force_login(dave)
    for model in admin.site._registry:
        meta = model._meta
        url = f"/admin/{meta.app_label}/{meta.model_name}/"
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith("/admin/login/")
        _assert_no_canary(response, f"admin list of {meta.model_name}")
    # Control: each list, as the superuser, links to that office's row.
    for model, obj in _admin_objects(outsider_world).items():
        if model not in admin.site._registry:
            continue
        meta = model._meta
        url = f"/admin/{meta.app_label}/{meta.model_name}/"
        urlwalk.assert_admin_control(client, outsider_world, url, f"{url}{obj.pk}/change/")
