"""The compliance dashboard, its drill-down lists, and its exports (CSV, codebook, PDF).

Supervisors and administrators (perm cases.view_compliance) read reports for what they may
see: a supervisor of a unit, that unit; an administrator, the office. Every view and export is
audited with the filter (ids and codes only). Exports suppress small cells; the screen, which
stays in the office and links each number to its cases, shows exact counts, and shows them as
exported (`?view=exported`, no links) for a screen that is shown or shared outside it.
"""

import csv
import datetime as dt
import re

from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from cases import audit
from cases.access import membership_of
from cases.choices import AuditAction
from cases.policy import scope_notes
from cases.security import csv_safe

from . import charts
from .export import (
    CSV_COLUMNS,
    DENOMINATORS,
    TREND_METRICS,
    codebook_metric_keys,
    export_rows,
    percent,
    suppress_report,
)
from .filters import ReportFilterForm
from .metrics import METRICS, OFFERS, WORKSHEETS, rows_for
from .offense_groups import OFFENSE_GROUPS
from .report import build_report

PAGE_SIZE = 50
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")

SECTION_TITLES = {
    "compliance": "Offers conveyed and worksheets",
    "decisions": "Decisions",
    "parity": "Citizen-parity answers",
    "grounds": "Flagged grounds",
    "overrides": "Overrides",
    "reviews": "Supervisor reviews",
    "turnaround": "Review turnaround",
}

CAVEATS = {
    "compliance": [
        "Counts every offer conveyed in the period, whatever the office's worksheet scope; "
        "offers outside the scope (for example misdemeanors where only felonies need a "
        "worksheet) count as missing.",
        "Compliance is recorded when the offer is conveyed; an offer conveyed before this "
        "system recorded it cannot be checked.",
    ],
    "trend": [
        "A month's rate is over the offers conveyed that month; months with few offers swing "
        "widely.",
        "Months without offers are left blank, not drawn as zero.",
    ],
    "decisions": [
        "The final signed version of each case's worksheet, counted in the month it was signed.",
    ],
    "grounds": [
        "A ground is counted once per worksheet when the engine flagged it (yes, assume yes or "
        "unclear) on any offer considered; a worksheet can have several grounds, so shares do "
        "not add up to 100%.",
        "Flags are the catalog's at signing time and are advisory, not legal findings.",
        "The analysis is run without regard to status; no figure here says anything about any "
        "person's immigration status or nationality.",
    ],
    "overrides": ["A worksheet with several overridden flags is counted once per ground."],
    "reviews": [
        "Reviews requested in the period; only worksheets that office policy sent for review.",
    ],
}


def _load(request):
    """The viewer's filter form and, when it is valid, the report and its office."""
    membership = membership_of(request.user)
    form = ReportFilterForm(request.GET, user=request.user)
    if not form.is_valid():
        return form, None, membership.office
    office = membership.office
    report_filter = form.report_filter()
    report = build_report(report_filter, request.user, office.compliance_goal_percent)
    return form, report, office


def _linker(report_filter):
    """link(metric_key, month=None): the drill-down behind one figure. The path and the filter
    are read once per page, not for each of its ~80 links (`reverse` is the costly part)."""
    path = reverse("report_drilldown")
    query = report_filter.as_query()

    def link(metric_key, month=None):
        params = {**query, "metric": metric_key}
        if month is not None:
            params["month"] = month.strftime("%Y-%m")
        return path + "?" + urlencode(params)

    return link


def _sections(report, counts, *, link):
    """The report's tables: per section, each metric with its count, share and link.

    `counts` are the report's, or as exported (`export.suppress_report`): then a share is
    printed only where both its count and its total are.
    """
    sections = []
    for name, title in SECTION_TITLES.items():
        denominator = counts[DENOMINATORS[name]]
        rows = []
        for metric in report.section(name):
            count = counts[metric.key]
            share = percent(count, denominator)
            rows.append(
                {
                    "metric": metric,
                    "count": count,
                    "share": f"{share}%" if share else "",
                    "href": link(metric.key) if link else None,
                }
            )
        sections.append(
            {"name": name, "title": title, "rows": rows, "caveats": CAVEATS.get(name, [])}
        )
    return sections


def _charts(report, counts, trend, *, suppressed, link):
    href = link or (lambda key, month=None: None)
    compliance = charts.bar_chart(
        "chart-compliance",
        "Offers conveyed, by whether a signed worksheet came first",
        f"Of {counts['offers_conveyed']} offers conveyed, how many had a signed worksheet "
        "beforehand, how many had one signed only afterwards, and how many have none.",
        [
            (METRICS[key].label, counts[key], href(key))
            for key in ("offers_compliant", "offers_late", "offers_missing")
        ],
        total=counts["offers_conveyed"],
        caveats=CAVEATS["compliance"],
        suppressed=suppressed,
    )
    trend = charts.trend_chart(
        "chart-trend",
        "Compliance rate by month, with the office's goal",
        f"Share of offers conveyed each month with a signed worksheet beforehand; the dashed "
        f"line is the office's goal of {report.goal_percent}%.",
        [
            {
                **point,
                "label": point["month"].strftime("%b %y"),
                "href": href("offers_conveyed", point["month"]),
            }
            for point in trend
        ],
        goal=report.goal_percent,
        caveats=CAVEATS["trend"],
        suppressed=suppressed,
    )
    decisions = charts.bar_chart(
        "chart-decisions",
        "Decisions recorded in signed worksheets",
        f"How the {counts['worksheets_signed']} worksheets signed in the period were decided.",
        [(m.label, counts[m.key], href(m.key)) for m in report.section("decisions")[1:]],
        total=counts["worksheets_signed"],
        caveats=CAVEATS["decisions"],
        suppressed=suppressed,
    )
    grounds = charts.bar_chart(
        "chart-grounds",
        "Grounds flagged in signed worksheets",
        "For each immigration ground, the number of signed worksheets in which the engine "
        "flagged it on at least one offer considered.",
        [(m.label, counts[m.key], href(m.key)) for m in report.section("grounds")],
        total=counts["worksheets_signed"],
        caveats=CAVEATS["grounds"],
        suppressed=suppressed,
    )
    return [compliance, trend, decisions, grounds]


def _context(form, report, office, *, suppressed, links):
    """The dashboard's context; `suppressed`, every figure as it leaves the office (one call
    to `export.suppress_report` for the tables, the charts and the headline alike)."""
    context = {"form": form, "report": report, "office": office, "exported": suppressed}
    if report is not None:
        counts, trend = suppress_report(report) if suppressed else (report.counts, report.trend)
        link = _linker(report.filter) if links else None
        turnaround_hours = (
            None
            if report.average_turnaround is None
            else report.average_turnaround.total_seconds() / 3600
        )
        context.update(
            sections=_sections(report, counts, link=link),
            charts=_charts(report, counts, trend, suppressed=suppressed, link=link),
            compliance_rate=report.rate(),
            query=urlencode(report.filter.as_query()),
            turnaround_hours=turnaround_hours,
            decided_href=link("reviews_decided") if link else None,
            policy_notes=scope_notes(office, report.filter.start, report.filter.end),
        )
        if suppressed:
            # The rate rests on two counts and the average on the decided reviews: shown only
            # where those counts are.
            context.update(
                compliance_rate=None,
                export_rate=percent(counts["offers_compliant"], counts["offers_conveyed"]),
                export_turnaround_hours=(
                    None if isinstance(counts["reviews_decided"], str) else turnaround_hours
                ),
            )
    return context


def _audit(request, action, office, what, report_filter):
    audit.record(
        action,
        None,
        user=request.user,
        office=office,
        request=request,
        object_type=what,
        summary=report_filter.audit_summary() if report_filter else "invalid filter",
    )


@permission_required("cases.view_compliance", raise_exception=True)
def dashboard(request):
    """Compliance for a period and a scope; every number links to the cases behind it.

    With `view=exported`, the figures as the CSV and PDF show them (small cells hidden, no
    links), for a screen that is projected or shared outside the office."""
    form, report, office = _load(request)
    exported = request.GET.get("view") == "exported"
    _audit(request, AuditAction.VIEW, office, "compliance_report", report and report.filter)
    context = _context(form, report, office, suppressed=exported, links=not exported)
    return render(request, "compliance/dashboard.html", context, status=200 if report else 400)


@permission_required("cases.view_compliance", raise_exception=True)
def drilldown(request):
    """The offers, worksheets or reviews behind one number of the dashboard."""
    metric = METRICS.get(request.GET.get("metric", ""))
    if metric is None:
        raise Http404("No such figure.")
    form, report_filter, office = _filter_only(request)
    if report_filter is None:
        context = {"form": form, "metric": metric, "page": None}
        return render(request, f"compliance/drilldown_{metric.source}.html", context, status=400)
    month = _month(request.GET.get("month", ""), report_filter)
    scoped = report_filter.for_month(month) if month else report_filter
    rows = _for_display(metric, rows_for(metric, scoped, request.user))
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    _audit(request, AuditAction.VIEW, office, "compliance_drilldown", scoped)
    query = urlencode({**scoped.as_query(), "metric": metric.key})
    context = {
        "form": form,
        "metric": metric,
        "filter": scoped,
        "month": month,
        "page": page,
        "query_string": query,
        "back": reverse("report_dashboard") + "?" + urlencode(report_filter.as_query()),
        "policy_notes": scope_notes(office, scoped.start, scoped.end),
    }
    return render(request, f"compliance/drilldown_{metric.source}.html", context)


def _filter_only(request):
    membership = membership_of(request.user)
    form = ReportFilterForm(request.GET, user=request.user)
    office = membership.office
    return form, (form.report_filter() if form.is_valid() else None), office


def _month(value, report_filter):
    match = _MONTH.match(value)
    if not value:
        return None
    if not match:
        raise Http404("No such month.")
    try:
        month = dt.date(int(match[1]), int(match[2]), 1)
    except ValueError:
        raise Http404("No such month.") from None
    if month not in list(report_filter.months()):
        raise Http404("That month is outside the period.")
    return month


def _for_display(metric, rows):
    """The drill-down's rows with what each list shows, in a fixed number of queries."""
    if metric.source == OFFERS:
        return rows.select_related(
            "case", "case__unit", "case__assigned_deputy", "late_signature"
        ).order_by("-conveyed_at", "-pk")
    if metric.source == WORKSHEETS:
        return rows.select_related(
            "case", "case__unit", "case__assigned_deputy", "signed_by"
        ).order_by("-signed_at", "-pk")
    return rows.select_related(
        "worksheet", "worksheet__case", "worksheet__case__unit", "reviewer"
    ).order_by("-requested_at", "-pk")


def _refused_export(request, form, office):
    """An export asked for with a filter that does not validate: the dashboard with its errors."""
    return render(
        request,
        "compliance/dashboard.html",
        _context(form, None, office, suppressed=True, links=False),
        status=400,
    )


@permission_required("cases.view_compliance", raise_exception=True)
def export_csv(request):
    """The report as CSV, small cells suppressed; docs/codebook.md explains every column."""
    form, report, office = _load(request)
    if report is None:
        return _refused_export(request, form, office)
    _audit(request, AuditAction.EXPORT, office, "compliance_csv", report.filter)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_filename(report, "csv")}"'
    writer = csv.DictWriter(response, fieldnames=CSV_COLUMNS)
    writer.writeheader()
    unit_label, deputy_label = _scope_labels(form)
    for row in export_rows(report, unit_label=unit_label, deputy_label=deputy_label):
        writer.writerow({key: csv_safe(value) for key, value in row.items()})
    return response


@permission_required("cases.view_compliance", raise_exception=True)
def codebook_csv(request):
    """The codebook as CSV: every column of the export, then every metric with its meaning."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="considered-codebook.csv"'
    writer = csv.writer(response)
    writer.writerow(["kind", "name", "meaning"])
    for name, meaning in CODEBOOK_COLUMNS.items():
        writer.writerow(["column", name, meaning])
    for key in codebook_metric_keys():
        metric = METRICS.get(key) or METRICS[TREND_METRICS[key]]
        section = "trend" if key in TREND_METRICS else metric.section
        writer.writerow(["metric", key, f"{section}: {metric.label}"])
    for group in OFFENSE_GROUPS.values():
        writer.writerow(["offense_group", group.key, f"{group.label}: {group.definition}"])
    return response


CODEBOOK_COLUMNS = {
    "section": "Which part of the report the row belongs to.",
    "metric": "The figure's identifier (see the metric rows of this codebook).",
    "label": "The figure's name in plain words.",
    "month": "YYYY-MM for monthly trend rows; empty for figures over the whole period.",
    "count": (
        'The count; "<5" when from 1 to 4, or when it could be worked out from other cells '
        "(then it may be larger). 0 is shown as 0."
    ),
    "denominator": "The total the count is a share of; empty for totals.",
    "percent": "count / denominator × 100, one decimal; empty when either is suppressed.",
    "period_start": "First day of the period (office's local date).",
    "period_end": "Last day of the period, inclusive.",
    "unit": "The unit the report is limited to; empty for every unit the reader may see.",
    "deputy": "The assigned deputy the report is limited to (username); empty for all.",
    "level": "felony, misdemeanor, or empty for both.",
    "offense_group": "The offense group the report is limited to, or empty for all.",
}


def _scope_labels(form):
    unit = form.cleaned_data.get("unit")
    deputy = form.cleaned_data.get("deputy")
    return (unit.name if unit else ""), (deputy.username if deputy else "")


def _filename(report, extension):
    f = report.filter
    return f"compliance-{f.date_from:%Y%m%d}-{f.date_to:%Y%m%d}.{extension}"


@permission_required("cases.view_compliance", raise_exception=True)
def report_pdf(request):
    """The report as a PDF through the shared WeasyPrint pipeline, small cells suppressed."""
    from cases.pdf import render_pdf

    form, report, office = _load(request)
    if report is None:
        return _refused_export(request, form, office)
    _audit(request, AuditAction.EXPORT, office, "compliance_pdf", report.filter)
    context = _context(form, report, office, suppressed=True, links=False)
    unit_label, deputy_label = _scope_labels(form)
    context.update(
        unit_label=unit_label,
        deputy_label=deputy_label,
        generated_at=timezone.localtime(),
    )
    html = render_to_string("compliance/report_pdf.html", context, request=request)
    pdf = render_pdf(
        html,
        title=f"Compliance report, {office.name}",
        author=request.user.get_full_name() or request.user.username,
        subject="Penal Code § 1016.3(b) compliance",
        variant="tagged",
        stylesheets=("print/report.css",),
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{_filename(report, "pdf")}"'
    return response
