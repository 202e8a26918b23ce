from django.urls import path

from .views import (
    access_changes,
    audit_log,
    case_entry,
    cases,
    catalog_impact,
    compare,
    defense,
    dispositions,
    priors,
    review,
    worksheet_pdf,
    worksheets,
)

urlpatterns = [
    path("", cases.home, name="home"),
    path("cases/", cases.case_list, name="case_list"),
    path("cases/new/", case_entry.case_create, name="case_create"),
    path("cases/<int:pk>/", cases.case_detail, name="case_detail"),
    path("cases/<int:pk>/edit/", case_entry.case_edit, name="case_edit"),
    path("cases/count-row/", case_entry.count_row, name="count_row"),
    path("cases/<int:case_pk>/priors/", priors.prior_add, name="prior_add"),
    path("priors/<int:pk>/remove/", priors.prior_remove, name="prior_remove"),
    path("cases/<int:case_pk>/single-scheme/", priors.single_scheme, name="case_single_scheme"),
    path("statutes/suggest/", case_entry.statute_suggest, name="statute_suggest"),
    path(
        "cases/<int:case_pk>/offers/new/",
        dispositions.disposition_create,
        name="disposition_create",
    ),
    path(
        "cases/<int:case_pk>/offers/from-alternative/",
        dispositions.disposition_from_alternative,
        name="disposition_from_alternative",
    ),
    path("offers/<int:pk>/edit/", dispositions.disposition_edit, name="disposition_edit"),
    path("offers/<int:pk>/revise/", dispositions.disposition_revise, name="disposition_revise"),
    path("offers/<int:pk>/convey/", dispositions.disposition_convey, name="disposition_convey"),
    path(
        "cases/<int:case_pk>/defense-requests/new/",
        defense.request_create,
        name="defense_request_create",
    ),
    path("defense-requests/<int:pk>/edit/", defense.request_edit, name="defense_request_edit"),
    path(
        "defense-requests/<int:pk>/proposal/",
        defense.proposal,
        name="defense_request_proposal",
    ),
    path(
        "defense-attachments/<int:pk>/",
        defense.attachment_download,
        name="defense_attachment_download",
    ),
    path("cases/<int:case_pk>/compare/", compare.compare, name="compare"),
    path("cases/<int:case_pk>/worksheet/", worksheets.worksheet_start, name="worksheet_start"),
    path("worksheets/<int:pk>/", worksheets.worksheet_detail, name="worksheet_detail"),
    path("worksheets/<int:pk>/sign/", worksheets.worksheet_sign, name="worksheet_sign"),
    path("worksheets/<int:pk>/pdf/", worksheet_pdf.worksheet_pdf, name="worksheet_pdf"),
    path("worksheets/<int:pk>/amend/", worksheets.worksheet_amend, name="worksheet_amend"),
    path("worksheets/<int:pk>/status/", worksheets.worksheet_status, name="worksheet_status"),
    path(
        "worksheets/<int:pk>/overrides/", worksheets.worksheet_override, name="worksheet_override"
    ),
    path(
        "worksheets/<int:pk>/overrides/<int:override_pk>/remove/",
        worksheets.worksheet_override_remove,
        name="worksheet_override_remove",
    ),
    path("catalog/impact/", catalog_impact.catalog_impact, name="catalog_impact"),
    path("audit/", audit_log.audit_log, name="audit_log"),
    path("audit/export.csv", audit_log.audit_log_export, name="audit_log_export"),
    path("audit/access/", access_changes.access_change_list, name="access_change_list"),
    path(
        "audit/access/export.csv",
        access_changes.access_change_export,
        name="access_change_export",
    ),
    path("reviews/", review.review_queue, name="review_queue"),
    path("reviews/<int:pk>/", review.review_decide, name="review_decide"),
]
