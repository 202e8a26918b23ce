"""Discover every URL pattern of the project and fill its parameters from a `World`.

Used by the isolation, status and XSS walks. A parameter is filled from its name:
`case_pk`, `case_id` and `case` mean a case; a bare `pk` or `id` takes its kind from the URL name
(`worksheet_pdf` → worksheet) or else from the view's module (`cases.views.worksheets` →
worksheet). A parameter nobody taught this module to fill fails the walk loudly, naming the
pattern: add its kind to OBJECT_KINDS or its value to VALUE_KWARGS, never skip it.
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
    "override": lambda w: w.override,
    "flagoverride": lambda w: w.override,
    "submission": lambda w: w.submission,
    "defensesubmission": lambda w: w.submission,
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
}

# Parameters that are not records: a fixed, valid value each.
VALUE_KWARGS = {
    "format": "csv",
    "fmt": "csv",
    "year": "2026",
    "month": "11",
    "slug": "test",
}

# URL names open to anyone (no office data behind them).
PUBLIC = {"login", "logout", "healthz", "otp_verify", "otp_enroll", "otp_backup_codes"}


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
    """Every named URL pattern outside the Django admin, with its parameters."""
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
    return reverse(route.name, kwargs=kwargs)


def variants(route):
    """Swaps worth walking for this route: a worksheet URL is walked draft and signed."""
    kinds = {kind_of(route, p) for p in route.object_params}
    if "worksheet" in kinds:
        return [None, {"worksheet": "signed_worksheet"}]
    return [None]


def response_text(response):
    """What a person receives: the HTML or CSV text, or the text of a PDF."""
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if response.get("Content-Type", "").startswith("application/pdf"):
        import io

        from pypdf import PdfReader

        return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(body)).pages)
    return body.decode("utf-8", errors="replace")


def admin_pages(world):
    """The admin's list and change page of every registered model, for one record of `world`."""
    from django.contrib import admin

    from cases.models import AuditEvent

    objects = {type(obj): obj for obj in world.all_objects()}
    objects[AuditEvent] = world.event
    pages = []
    for model, obj in objects.items():
        if model in admin.site._registry:
            meta = model._meta
            pages.append(f"/admin/{meta.app_label}/{meta.model_name}/")
            pages.append(f"/admin/{meta.app_label}/{meta.model_name}/{obj.pk}/change/")
    assert pages, "the world holds no record the admin shows: the walk would check nothing"
    return pages
