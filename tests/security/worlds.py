"""One of every kind of record in an office, for the tests that walk every URL.

`make_world(office)` builds a case with a count, an offer with its term, a draft and a signed
worksheet, a review, an override, a defense submission, a status disclosure, an audit event and
the people of the office who may open them (the deputy who owns the case, the unit's supervisor,
the office administrator and immigration counsel: the walks' positive controls read each page as
them), and a request for counsel's view on the signed worksheet. The URL walk
finds the object behind a URL parameter through `urlwalk.OBJECT_KINDS`; a new kind of record gets
a line here and one there.
"""

import datetime as dt
import hashlib
from dataclasses import dataclass, field

from django.db import models
from django.utils import timezone

from cases.choices import (
    AuditAction,
    CounselRouting,
    DisclosureSource,
    ReviewOutcome,
    Role,
    ScanResult,
)
from cases.models import (
    AuditEvent,
    CalendarFeed,
    CounselRequest,
    DefenseAttachment,
    DefenseSubmission,
    FlagOverride,
    OfferTemplate,
    PriorConviction,
    Review,
    ServiceToken,
    StatusDisclosure,
    Worksheet,
)
from tests import factories

STATUS_VALUE = "daca"
STATUS_LABEL = "DACA recipient"
# Status labels also appear in every flag's "statuses it matters for", so the walks look for what
# only a disclosure carries: its notes, its source and its dates.
STATUS_SOURCE_LABEL = "Defense letter"
DISCLOSED_ON = dt.date(1998, 2, 13)
ADMITTED_ON = dt.date(1999, 3, 17)


@dataclass
class World:
    office: object
    unit: object
    user: object
    case: object
    charge: object
    disposition: object
    term: object
    worksheet: object
    signed_worksheet: object
    review: object
    override: object
    submission: object
    disclosure: object
    event: object
    supervisor: object = None
    admin: object = None
    draft_override: object = None
    prior: object = None
    counsel: object = None
    counsel_request: object = None
    service_token: object = None
    attachment: object = None
    offer_template: object = None
    policy: object = None
    calendar_feed: object = None
    extra: dict = field(default_factory=dict)

    def all_objects(self):
        return [
            self.office,
            self.unit,
            self.user,
            self.case,
            self.charge,
            self.disposition,
            self.term,
            self.worksheet,
            self.signed_worksheet,
            self.review,
            self.override,
            self.submission,
            self.disclosure,
            self.prior,
            self.policy,
            self.counsel_request,
            self.service_token,
            self.attachment,
            self.offer_template,
            self.calendar_feed,
        ]


def make_world(office, prefix, text=None):
    """Every kind of record in `office`. `text(max_length)` fills each free-text field when given
    (for the XSS walk); `prefix` makes the case number and names unique and recognisable."""
    unit = factories.make_unit(office, f"{prefix} Unit")
    user = factories.make_user(f"{prefix.lower()}-deputy", office, Role.DEPUTY, unit)
    supervisor = factories.make_user(f"{prefix.lower()}-supervisor", office, Role.SUPERVISOR, unit)
    admin = factories.make_user(f"{prefix.lower()}-admin", office, Role.ADMIN)
    counsel = factories.make_user(f"{prefix.lower()}-counsel", office, Role.COUNSEL)
    policy = factories.set_policy(office, counsel_routing=CounselRouting.ON_REQUEST)
    case = factories.make_case(
        office,
        unit,
        user,
        number=f"{prefix}-CANARY-1",
        defendant_name=f"{prefix} Canary Defendant",
        caption=f"People v. {prefix} Canary",
        routed_to_counsel=True,
    )
    charge = factories.make_charge(case, 1, "PC 273.5(a)")
    disposition = factories.make_disposition(case, name=f"{prefix} offer")
    term = factories.make_term(disposition, charge, custody_days_imposed=30)
    worksheet = Worksheet.objects.create(case=case, created_by=user, reasons=f"{prefix} reasons")
    worksheet.dispositions_considered.add(disposition)
    signed = Worksheet.objects.create(case=case, version=2, created_by=user)
    signed.dispositions_considered.add(disposition)
    override = FlagOverride.objects.create(
        worksheet=signed,
        disposition=disposition,
        charge=charge,
        ground="cimt",
        engine_verdict="yes",
        deputy_verdict="no",
        reason=f"{prefix} override reason",
    )
    draft_override = FlagOverride.objects.create(
        worksheet=worksheet,
        disposition=disposition,
        charge=charge,
        ground="cimt",
        engine_verdict="yes",
        deputy_verdict="no",
        reason=f"{prefix} draft override reason",
    )
    submission = DefenseSubmission.objects.create(case=case, equities=f"{prefix} equities")
    attachment = make_attachment(submission, f"{prefix}-CANARY-1 attachment from counsel")
    prior = PriorConviction.objects.create(
        case=case, code="PC 484(a)", convicted_on=dt.date(2019, 6, 7), entered_by=user
    )
    offer_template = OfferTemplate.objects.create(
        office=office,
        name=f"{prefix} template",
        statute_pleaded="PC 243(e)(1)",
        level_at_plea="misdemeanor",
        notes=f"{prefix} template notes",
    )
    disclosure = StatusDisclosure.objects.create(
        case=case,
        status=STATUS_VALUE,
        source=DisclosureSource.DEFENSE_LETTER,
        disclosed_on=DISCLOSED_ON,
        admission_date=ADMITTED_ON,
        notes=f"{prefix} status canary",
        recorded_by=user,
    )
    objects = [
        office,
        unit,
        user,
        case,
        charge,
        disposition,
        term,
        worksheet,
        signed,
        override,
        draft_override,
        submission,
        attachment,
        disclosure,
        prior,
        offer_template,
    ]
    if text is not None:
        for obj in objects:
            fill_text(obj, text)
    sign_directly(signed, user)
    review = Review.objects.create(worksheet=signed, requested_at=timezone.now())
    counsel_request = CounselRequest.objects.create(
        case=case, worksheet=signed, requested_by=user, question=f"{prefix} counsel question"
    )
    if text is not None:
        fill_text(counsel_request, text)
    event = AuditEvent.objects.create(
        office=office,
        user=user,
        action=AuditAction.VIEW,
        object_type="case",
        object_id=str(case.pk),
        request_id=f"{prefix.lower()}-request-0001",
    )
    # An access change on the office's user, for the access-changes page's walk.
    AuditEvent.objects.create(
        office=office,
        user=user,
        action=AuditAction.CHANGE,
        object_type="user",
        object_id=str(user.pk),
        summary="membership: role deputy → supervisor",
    )
    if text is not None:
        review.comments = text(10_000)
        review.outcome = ReviewOutcome.RETURNED
        review.reviewer = user
        review.decided_at = timezone.now()
        review.save()
    service_token = ServiceToken.objects.create(
        office=office,
        name=f"{prefix} service token",
        scopes=["read"],
        prefix=f"cst_{prefix[:6]}",
        token_hash=f"{prefix}-{office.pk}".ljust(64, "0")[:64],
    )
    calendar_feed = CalendarFeed.objects.create(
        user=user, token_hash=f"{prefix}-feed-{office.pk}".ljust(64, "0")[:64]
    )
    return World(
        office,
        unit,
        user,
        case,
        charge,
        disposition,
        term,
        worksheet,
        signed,
        review,
        override,
        submission,
        disclosure,
        event,
        supervisor=supervisor,
        admin=admin,
        draft_override=draft_override,
        prior=prior,
        counsel=counsel,
        counsel_request=counsel_request,
        service_token=service_token,
        attachment=attachment,
        offer_template=offer_template,
        policy=policy,
        calendar_feed=calendar_feed,
    )


def make_attachment(submission, text):
    """A stored PDF attachment whose page says `text`, as the request screen stores one."""
    from django.core.files.base import ContentFile

    from tests.pdf_samples import one_page_pdf

    data = one_page_pdf(text)
    attachment = DefenseAttachment(
        submission=submission,
        original_name="letter.pdf",
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        scan=ScanResult.NOT_SCANNED,
    )
    attachment.file.save("letter.pdf", ContentFile(data), save=False)
    attachment.save()
    return attachment


def sign_directly(worksheet, user):
    """Sign without the action's completeness checks: the frozen content is built by
    cases.worksheets exactly as signing builds it, with the volunteered status included."""
    from cases.worksheets import build_content, content_hash

    now = timezone.now()
    worksheet.include_status = True
    content = build_content(worksheet, signer=user, signed_at=now)
    worksheet.engine_output = content["analysis"]
    worksheet.catalog_version = content["catalog"]["version"] or "test"
    worksheet.signed_content = content
    worksheet.content_hash = content_hash(content)
    worksheet.signed_by = user
    worksheet.signed_at = now
    worksheet.save()
    return worksheet


SKIP_FIELDS = {
    "username",
    "password",
    "email",
    "slug",
    "court_case_number",
    "code",
    "statute_as_entered",
    "statute_pleaded",
    "ground",
    "subcategory",
    "engine_verdict",
    "deputy_verdict",
    "content_hash",
    "catalog_version",
    "object_type",
    "object_id",
    "request_id",
}


def fill_text(obj, text):
    """Put `text(max_length)` into every free-text field of `obj` (not choices, not codes)."""
    changed = []
    for model_field in obj._meta.concrete_fields:
        if not isinstance(model_field, models.CharField | models.TextField):
            continue
        if model_field.choices or model_field.name in SKIP_FIELDS:
            continue
        value = text(model_field.max_length or 10_000)
        if value is None:
            continue
        setattr(obj, model_field.attname, value)
        changed.append(model_field.attname)
    if changed:
        obj.save(update_fields=changed)
