"""The worksheet as a PDF for the case file: download it, tagged or archival.

Anyone who may read the worksheet may download it (404 for another office's); every download is
recorded in the audit log with the file's SHA-256, which the worksheet page lists so that a copy
can be checked later. A reader without the view_status permission gets the copy of a worksheet
without a status: nothing in it says whether one was volunteered.
"""

from django.http import HttpResponse, HttpResponseBadRequest
from django.views.decorators.http import require_GET

from ..access import get_worksheet_for_download
from ..pdf import DEFAULT_VARIANT, VARIANTS
from ..worksheet_print import filename, issue_pdf


@require_GET
def worksheet_pdf(request, pk):
    """Download the worksheet as a tagged PDF, or `?variant=archival` for PDF/A-2b."""
    worksheet = get_worksheet_for_download(request.user, pk)
    variant = request.GET.get("variant", DEFAULT_VARIANT)
    if variant not in VARIANTS:
        return HttpResponseBadRequest("Unknown PDF variant: choose tagged or archival.")
    data, digest = issue_pdf(worksheet, variant=variant, by_user=request.user, request=request)
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename(worksheet, variant)}"'
    response["Cache-Control"] = "no-store, private"
    response["X-Content-SHA256"] = digest
    return response
