"""The API for the office's case management system (issue 18 item 2, docs/api.md).

Every call: a service token of one office (cases.api.auth), its scope checked, rate-limited per
token, and one audit event naming the token (never a name or a status value). Another office's
case is 404, exactly as on the screens; a volunteered status is shown only to a token an
administrator granted view_status.
"""

import datetime as dt

from django.db import transaction
from django.db.models import Max
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status as http
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import audit, calendar
from ..choices import AuditAction
from ..imports import CREATED, REFUSED, upsert_one
from ..models import Case, Disposition, Review, StatusDisclosure, Worksheet, flagged_grounds_in
from ..pdf import DEFAULT_VARIANT
from ..worksheet_print import filename, issue_pdf
from .auth import ServiceCaller
from .serializers import CaseIn, CaseStatusOut, ChangesOut, UpsertOut

CHANGES_LIMIT = 500


class ServiceView(APIView):
    # The scope each method needs (cases.api.auth.HasScope).
    required_scopes: dict[str, str] = {}

    def caller(self):
        return self.request.user

    def office(self):
        return self.request.user.office

    def record(self, action, obj=None, *, summary, data=None, object_type=None):
        token = self.request.user.token
        audit.record(
            action,
            obj,
            user=None,
            office=self.office(),
            request=self.request._request,
            object_type=object_type,
            summary=f"api {token.prefix}… {summary}",
            data={"service_token": token.pk, **(data or {})},
        )

    def handle_exception(self, exc):
        response = super().handle_exception(exc)
        if response.status_code in (403, 404) and isinstance(self.request.user, ServiceCaller):
            # As on the screens (cases.middleware.RefusalAuditMiddleware, which never sees these:
            # DRF turns the exception into a response first): a token probing another office's
            # case numbers, or calling beyond its scopes, leaves a trail in its own office.
            path = self.request.path[:200]
            self.record(
                AuditAction.REFUSED,
                summary=f"{response.status_code} {self.request.method} {path}",
                object_type="request",
                data={"status": response.status_code, "method": self.request.method, "path": path},
            )
        return response

    def case(self, number):
        return get_object_or_404(
            Case.objects.filter(office=self.office()), court_case_number=number
        )


def case_status(case, *, view_status):
    """What a case management system may read of a case's consideration."""
    worksheets = list(
        Worksheet.objects.filter(case=case)
        .select_related("review", "amended_by")
        .order_by("version")
    )
    current_signed = next(
        (w for w in reversed(worksheets) if w.is_signed and not hasattr(w, "amended_by")), None
    )
    status = {
        "court_case_number": case.court_case_number,
        "consideration": calendar.consideration_states([case.pk])[case.pk],
        "offers": [
            {
                "id": offer.pk,
                "name": offer.name,
                "kind": offer.label,
                "status": offer.status,
                "conveyed_at": offer.conveyed_at,
            }
            for offer in Disposition.objects.filter(case=case).order_by("pk")
        ],
        "worksheets": [
            {
                "version": w.version,
                "signed": w.is_signed,
                "signed_at": w.signed_at,
                "review": w.review.outcome if hasattr(w, "review") else None,
                "content_hash": w.content_hash,
                "current": not hasattr(w, "amended_by"),
            }
            for w in worksheets
        ],
        "flagged_grounds": list(flagged_grounds_in(current_signed.engine_output))
        if current_signed
        else [],
        "updated_at": case.updated_at,
    }
    if view_status:
        status["volunteered_status"] = list(
            StatusDisclosure.objects.filter(case=case).values_list("status", flat=True)
        )
    return status


class CaseDetail(ServiceView):
    required_scopes = {"GET": "read", "PUT": "write_cases"}

    @extend_schema(
        operation_id="case_status",
        summary="A case's consideration status",
        responses={200: CaseStatusOut, 404: OpenApiResponse(description="No such case here")},
    )
    def get(self, request, number):
        case = self.case(number)
        self.record(AuditAction.VIEW, case, summary="read the consideration status")
        return Response(case_status(case, view_status=request.user.token.view_status))

    @extend_schema(
        operation_id="case_upsert",
        summary="Create or update a case with its counts (the import's upsert)",
        request=CaseIn,
        responses={
            200: UpsertOut,
            201: UpsertOut,
            400: OpenApiResponse(description="The body does not match the schema, or is refused"),
        },
    )
    def put(self, request, number):
        if len(number) > 40:
            return Response({"court_case_number": ["At most 40 characters."]}, status=400)
        body = CaseIn(data=request.data)
        body.is_valid(raise_exception=True)
        with transaction.atomic():
            line = upsert_one(body.to_import(number), office=self.office())
            if line.outcome == REFUSED:
                return Response({"errors": line.messages}, status=http.HTTP_400_BAD_REQUEST)
            case = self.case(number)
            action = AuditAction.CREATE if line.outcome == CREATED else AuditAction.CHANGE
            self.record(
                action, case, summary=f"case {line.outcome}", data={"outcome": line.outcome}
            )
        result = {"outcome": line.outcome, "messages": line.messages}
        if request.user.has_scope("read"):  # a write-only token reads nothing back
            result["case"] = case_status(case, view_status=request.user.token.view_status)
        return Response(result, status=201 if line.outcome == CREATED else 200)


class WorksheetPdf(ServiceView):
    required_scopes = {"GET": "read_worksheets"}

    @extend_schema(
        operation_id="worksheet_pdf",
        summary="The current signed worksheet as a PDF",
        responses={
            (200, "application/pdf"): OpenApiTypes.BINARY,
            404: OpenApiResponse(description="No such case here, or no signed worksheet"),
        },
    )
    def get(self, request, number):
        case = self.case(number)
        worksheet = (
            Worksheet.objects.signed()
            .filter(case=case, amended_by__isnull=True)
            .select_related("case", "case__office", "signed_by")
            .first()
        )
        if worksheet is None:
            raise Http404("This case has no signed worksheet.")
        data, digest = issue_pdf(
            worksheet,
            variant=DEFAULT_VARIANT,
            by_user=None,
            request=request._request,
            via="api",
            show_status=request.user.token.view_status,
        )
        response = HttpResponse(data, content_type="application/pdf")
        response["Content-Disposition"] = (
            f'attachment; filename="{filename(worksheet, DEFAULT_VARIANT)}"'
        )
        response["Cache-Control"] = "no-store, private"
        response["X-Content-SHA256"] = digest
        return response


class Changes(ServiceView):
    required_scopes = {"GET": "read"}

    @extend_schema(
        operation_id="changes_since",
        summary="Cases whose record or consideration changed since a time (for polling)",
        parameters=[
            OpenApiParameter(
                "since",
                OpenApiTypes.DATETIME,
                required=True,
                description="ISO 8601 with a zone, e.g. 2026-12-03T08:00:00Z",
            )
        ],
        responses={
            200: ChangesOut,
            400: OpenApiResponse(description="since is missing or not a time"),
        },
    )
    def get(self, request):
        since = parse_datetime(request.query_params.get("since", "") or "")
        if since is None or timezone.is_naive(since):
            return Response(
                {"since": ["Give a time in ISO 8601 with its zone, e.g. 2026-12-03T08:00:00Z."]},
                status=http.HTTP_400_BAD_REQUEST,
            )
        changes = changed_since(self.office(), since)
        self.record(
            AuditAction.VIEW,
            summary="listed changes",
            object_type="case",
            data={"since": since.isoformat(), "found": len(changes)},
        )
        return Response(
            {
                "changes": [
                    {"court_case_number": number, "changed_at": at} for number, at in changes
                ],
                "next_since": changes[-1][1] if changes else None,
            }
        )


def changed_since(office, since):
    """[(case number, when it last changed)] oldest first, at most CHANGES_LIMIT: a case's own
    row, an offer conveyed, a worksheet signed or a review decided after `since`."""
    moments: dict[int, dt.datetime] = {}

    def take(rows):
        for case_id, at in rows:
            if at is not None and (case_id not in moments or at > moments[case_id]):
                moments[case_id] = at

    cases = Case.objects.filter(office=office)
    take(cases.filter(updated_at__gt=since).values_list("pk", "updated_at"))
    take(
        Disposition.objects.filter(case__office=office, conveyed_at__gt=since)
        .values("case_id")
        .annotate(at=Max("conveyed_at"))
        .values_list("case_id", "at")
    )
    take(
        Worksheet.objects.filter(case__office=office, signed_at__gt=since)
        .values("case_id")
        .annotate(at=Max("signed_at"))
        .values_list("case_id", "at")
    )
    take(
        Review.objects.filter(worksheet__case__office=office, decided_at__gt=since)
        .values("worksheet__case_id")
        .annotate(at=Max("decided_at"))
        .values_list("worksheet__case_id", "at")
    )
    ordered = sorted(moments.items(), key=lambda item: (item[1], item[0]))
    if len(ordered) > CHANGES_LIMIT:
        # Never cut between changes of the same moment (an import stamps a whole batch with one
        # time): the next poll starts after `next_since` and would skip the rest of them.
        last = ordered[CHANGES_LIMIT - 1][1]
        ordered = [item for item in ordered if item[1] <= last]
    numbers = dict(
        Case.objects.filter(pk__in=[pk for pk, _ in ordered]).values_list("pk", "court_case_number")
    )
    return [(numbers[pk], at) for pk, at in ordered]
