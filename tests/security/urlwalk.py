"""Discover every URL pattern of the project and fill its parameters from a `World`.

Used by the isolation, status and XSS walks. A parameter is filled from its name:
`case_pk`, `case_id` and `case` mean a case; a bare `pk` or `id` takes its kind from the URL name
(`worksheet_pdf` → worksheet) or else from the view's module (`cases.views.worksheets` →
worksheet). A parameter nobody taught this module to fill fails the walk loudly, naming the
pattern: add its kind to OBJECT_KINDS or its value to VALUE_KWARGS, never skip it.

"Nothing leaked" means nothing only if the page rendered. `assert_control` is the positive control
every walk runs on every URL it walks: the same URL, for someone allowed to open it, renders and
shows the record's data (a page that shows no record at all says so, with its reason, in
NO_RECORD_DATA); a URL that only takes POST finds the record for its owner.
"""

from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver, reverse

# Kind of record → how to find it in a World. Aliases let URL names use the domain's words.
OBJECT_KINDS = {
    "case": lambda w: w.case,
    "charge": lambda w: w.charge,
    "count": lambda w: w.charge,
    "disposition": lambda w: w.disposition,
    "offer": lambda w: w.disposition,
    "term": lambda w: w.term,
    "pleaterm": lambda w: w.term,
    "worksheet": lambda w: w.worksheet,
    "signed_worksheet": lambda w: w.signed_worksheet,
    "review": lambda w: w.review,
    # The override on the draft worksheet; the signed variant of a walk swaps in the signed one,
    # so a URL naming a worksheet and an override names an override of that worksheet.
    "override": lambda w: w.draft_override,
    "flagoverride": lambda w: w.draft_override,
    "signed_override": lambda w: w.override,
    "submission": lambda w: w.submission,
    "defensesubmission": lambda w: w.submission,
    "attachment": lambda w: w.attachment,
    "defenseattachment": lambda w: w.attachment,
    "disclosure": lambda w: w.disclosure,
    "statusdisclosure": lambda w: w.disclosure,
    "status": lambda w: w.disclosure,
    "event": lambda w: w.event,
    "auditevent": lambda w: w.event,
    "unit": lambda w: w.unit,
    "user": lambda w: w.user,
    "deputy": lambda w: w.user,
    "member": lambda w: w.user,
    "membership": lambda w: w.user.membership,
    "office": lambda w: w.office,
    "prior": lambda w: w.prior,
    "counsel": lambda w: w.counsel_request,
    "counselrequest": lambda w: w.counsel_request,
    "token": lambda w: w.service_token,
    "priorconviction": lambda w: w.prior,
    "offertemplate": lambda w: w.offer_template,
}

# A parameter whose kind neither its name nor its URL name gives: (URL name, parameter) → kind.
PARAM_KINDS = {
    ("review_decide", "pk"): "signed_worksheet",  # a review is opened by its worksheet's id
    # The office area: "office" in the URL name is the section, the record is a user or a unit.
    ("office_user", "pk"): "user",
    ("office_user_deactivate", "pk"): "user",
    ("office_user_reactivate", "pk"): "user",
    ("office_user_reset_second_factor", "pk"): "user",
    ("office_user_reinvite", "pk"): "user",
    ("office_unit", "pk"): "unit",
    ("counsel_request_create", "pk"): "signed_worksheet",  # counsel reads signed versions only
    ("defense_request_edit", "pk"): "submission",
    ("defense_request_proposal", "pk"): "submission",
    ("offer_template_edit", "pk"): "offertemplate",  # not an offer ("offer" in its name)
}

# Parameters that are not records: a fixed, valid value each.
VALUE_KWARGS = {
    "format": "csv",
    "fmt": "csv",
    "year": "2026",
    "month": "11",
    "slug": "test",
    # The invitation link's user id and token (a wrong one is refused: tests/test_office_users.py);
    # the calendar feed's token (tests/test_calendar.py).
    "uidb64": "MQ",
    "token": "not-a-token",
}

# Form fields that name a record in a POST (field → kind): the walk's POSTs carry the world's own
# records, so a 404 comes from the URL's record and not from a missing field.
POST_FIELDS = {
    "charge": "charge",
    "source": "disposition",
}

# Query strings a page needs to show anything at all (without one the drill-down is a 404).
QUERY = {
    "report_drilldown": "?metric=worksheets_signed",
}

# Pages that show no record of an office whatever is in it: their control is only that they
# render for someone allowed to open them. A new page missing from here must show the record.
NO_RECORD_DATA = {
    "case_create": "an empty case form",
    "count_row": "an empty row of the case form",
    "statute_suggest": "catalog suggestions for what is typed",
    "report_dashboard": "aggregates only, small cells shown as <5",
    "report_export_csv": "aggregates only, small cells shown as <5",
    "report_codebook_csv": "the definitions of the report's columns",
    "report_pdf": "aggregates only, small cells shown as <5",
    "office_user_new": "an empty form to add a user",
    "office_units": "the administrator's own units and head counts (tests/test_office_pages.py: "
    "another office's units are absent)",
    "office_policy": "the administrator's own office settings, no case, person or unit",
    "office_catalog": "the offense catalog, the same for every office",
    "policy_edit": "the office's own policy settings and their versions, no case record",
    "offer_template_create": "an empty template form",
    "catalog_impact": "the catalog versions; records only when a new catalog changes them "
    "(tests/test_catalog_impact.py: its isolation with such records)",
    "hearing_calendar": "the reader's own hearings only (tests/test_calendar.py)",
    "case_import": "an upload form; an import writes only into the uploader's own office "
    "(tests/test_case_import.py)",
}

# URL names open to anyone (no office data behind them).
# calendar_feed is opened by its token, not a session (tests/test_calendar.py: its isolation).
PUBLIC = {
    "login",
    "logout",
    "healthz",
    "otp_verify",
    "otp_enroll",
    "otp_backup_codes",
    "invite_accept",  # the invitation link, before its user has a password
    "calendar_feed",
    "oidc_authentication_init",  # single sign-on: before any log-in (tests/security/test_sso.py)
    "oidc_authentication_callback",
}


class UnknownParameter(AssertionError):
    pass


@dataclass
class Route:
    name: str
    module: str
    params: list

    @property
    def object_params(self):
        return [p for p in self.params if p not in VALUE_KWARGS]

    def __str__(self):
        return self.name


def routes():
    """Every named URL pattern outside the Django admin and the API, with its parameters."""
    return [route for route in _all_routes() if not route.name.startswith("api_")]


def api_routes():
    """The API's routes: opened by a service token, not a session (tests/test_api.py walks
    them with each office's token)."""
    return [route for route in _all_routes() if route.name.startswith("api_")]


def _all_routes():
    found = []
    _walk(get_resolver(), "", found)
    return found


def _walk(resolver, namespace, found):
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            if entry.app_name == "admin":
                continue  # the admin has its own walk (test_office_isolation.test_admin_*)
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            _walk(entry, ns, found)
        elif isinstance(entry, URLPattern):
            if entry.name is None:
                raise UnknownParameter(f"URL pattern {entry.pattern} has no name; name it.")
            callback = entry.callback
            module = getattr(callback, "__module__", "")
            params = list(entry.pattern.regex.groupindex)
            found.append(Route(namespace + entry.name, module, params))


def kind_of(route, param):
    if (route.name, param) in PARAM_KINDS:
        return PARAM_KINDS[(route.name, param)]
    base = param.removesuffix("_pk").removesuffix("_id")
    if base in OBJECT_KINDS:
        return base
    if base in ("pk", "id"):
        for word in route.name.split(":")[-1].split("_"):
            if word in OBJECT_KINDS:
                return word
        module_word = route.module.rsplit(".", 1)[-1].removesuffix("s")
        if module_word in OBJECT_KINDS:
            return module_word
    raise UnknownParameter(
        f"The URL walk cannot fill parameter {param!r} of URL {route.name!r} "
        f"(view module {route.module}). Add its kind to OBJECT_KINDS or its value to VALUE_KWARGS "
        "in tests/security/urlwalk.py, so the new screen is tested for office isolation."
    )


def url_for(route, world, missing_pk=False, swap=None):
    """The route's URL with its parameters taken from `world` (`swap` maps a kind to another,
    e.g. {"worksheet": "signed_worksheet"}); `missing_pk` uses an id that exists nowhere."""
    kwargs = {}
    for param in route.params:
        if param in VALUE_KWARGS:
            kwargs[param] = VALUE_KWARGS[param]
        else:
            kind = kind_of(route, param)
            kind = (swap or {}).get(kind, kind)
            obj = OBJECT_KINDS[kind](world)
            kwargs[param] = 999_999_999 if missing_pk else obj.pk
    return reverse(route.name, kwargs=kwargs) + QUERY.get(route.name, "")


def variants(route):
    """Swaps worth walking for this route: a worksheet URL is walked draft and signed."""
    kinds = {kind_of(route, p) for p in route.object_params}
    if "worksheet" in kinds:
        return [None, {"worksheet": "signed_worksheet", "override": "signed_override"}]
    return [None]


def response_text(response):
    """What a person receives: the HTML or CSV text, or the text of a PDF."""
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if response.get("Content-Type", "").startswith("application/pdf"):
        import io

        from pypdf import PdfReader

        return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(body)).pages)
    return body.decode("utf-8", errors="replace")


def post_data(world):
    """What the walk POSTs: a lock version, and the world's records in the fields that name one."""
    data = {"lock_version": "1", "version": "1"}
    for name, kind in POST_FIELDS.items():
        data[name] = OBJECT_KINDS[kind](world).pk
    return data


def people(world):
    """Who may open the world's pages: its deputy, its unit's supervisor, its administrator,
    and its immigration counsel (the only one who opens counsel's queue)."""
    return [world.user, world.supervisor, world.admin, world.counsel]


def assert_control(client, route, url, readers, shows, data=None, missing=None):
    """Positive control for a walked URL: fails unless someone in `readers` (allowed to open it)
    gets the page rendered (200) and `shows(response, text)` finds the record's data in it; for
    a page in NO_RECORD_DATA, rendering is enough. When the URL only takes POST (405 to GET for
    its owner too), the owner's POST with `data` must find the record: neither 404, 405 nor an
    error, and a 403 only when the same POST to `missing` (the URL with an id that exists
    nowhere) is a 404, so the refusal is about this record (a signed worksheet is frozen), not
    the URL. Such a POST changes the record, so walks run this control last.
    Returns the response that passed."""
    answers = []
    for reader in readers:
        client.force_login(reader)
        response = client.get(url)
        status = response.status_code
        if status == 200:
            if route.name in NO_RECORD_DATA or shows(response, response_text(response)):
                return response
            status = "200 without the record's data"
        answers.append(f"{reader.username}: {status}")
    if all(answer.endswith(": 405") for answer in answers):
        client.force_login(readers[0])
        response = client.post(url, data or {})
        status = response.status_code
        if status == 403 and missing is not None:
            status = f"403, and {client.post(missing, data or {}).status_code} for a missing id"
            if status.endswith(" 404 for a missing id"):
                return response
        assert status not in (403, 404, 405) and int(str(status)[:3]) < 500, (
            f"control: POST {url} as its owner {readers[0].username} answers "
            f"{status}: the walk's 404 for others proves nothing"
        )
        return response
    raise AssertionError(
        f"control: GET {url} shows nothing of its record to anyone allowed to open it "
        f"({', '.join(answers)}), so finding nothing there for others proves nothing. Fix the "
        "walk's URL or world, or list the page in urlwalk.NO_RECORD_DATA with its reason."
    )


def admin_pages(world):
    """The admin's list and change page of every registered model, for one record of `world`."""
    return [url for url, _, _ in admin_pages_with_controls(world)]


def admin_pages_with_controls(world):
    """(url, what the page shows of the record, model) for the admin's list and change page of
    every registered model, for one record of `world`: the list links to the record's change
    page, the change page names it."""
    from django.contrib import admin
    from django.utils.html import escape

    from cases.models import AuditEvent

    objects = {type(obj): obj for obj in world.all_objects()}
    objects[AuditEvent] = world.event
    pages = []
    for model, obj in objects.items():
        if model in admin.site._registry:
            meta = model._meta
            listing = f"/admin/{meta.app_label}/{meta.model_name}/"
            change = f"{listing}{obj.pk}/change/"
            pages.append((listing, change, model))
            pages.append((change, escape(str(obj)), model))
    assert pages, "the world holds no record the admin shows: the walk would check nothing"
    return pages


def assert_admin_control(client, world, url, marker, model=None):
    """Positive control for an admin page: as the deployment's superuser (the only one the
    Django admin lets in, issue 17.1), the page renders and shows `marker`. A delete page that
    refuses even the superuser is accepted only when the model's admin says nobody deletes its
    records."""
    from django.contrib import admin
    from django.test import RequestFactory

    client.force_login(superuser())
    response = client.get(url)
    if response.status_code == 403 and url.endswith("/delete/"):
        # Records that change only through the actions (signed worksheets, reviews, audit).
        request = RequestFactory().get(url)
        request.user = superuser()
        assert not admin.site._registry[model].has_delete_permission(request), url
        return
    assert response.status_code == 200, f"control: GET {url} as the superuser"
    assert marker in response.content.decode(), f"control: {url} does not show {marker!r}"


def superuser():
    from django.contrib.auth import get_user_model

    user_model = get_user_model()
    return user_model.objects.filter(username="root").first() or (
        user_model.objects.create_superuser("root", "root@example.org", "correct-horse-battery")
    )
