"""Send the compliance report's reads to a streaming replica when one is configured.

Which reads may go there: the report pages (dashboard, drill-down, CSV, PDF) aggregate or list
offers, worksheets, reviews and overrides over months; a replica seconds behind changes nothing
a reader could tell. Which must not: everything a write depends on. So only the report's own
tables are routed, and only inside a report page (`ReportReadsMiddleware`): the viewer's user,
membership, office, session and the audit row the page writes are read from and written to the
primary, and every other page reads the primary, where a deputy sees what they just saved.
The report's monthly rollups (`compliance.rollups`) are read and rebuilt on the primary: a
rebuild from a lagging replica would record an old count as fresh.
"""

from contextvars import ContextVar

from django.conf import settings

REPLICA = "replica"
# The report pages (compliance/urls.py), GET only.
REPORT_VIEWS = frozenset(
    {"report_dashboard", "report_drilldown", "report_export_csv", "report_pdf"}
)
# The tables the report reads its figures and drill-down rows from.
REPORT_MODELS = frozenset(
    {
        "cases.case",
        "cases.charge",
        "cases.disposition",
        "cases.worksheet",
        "cases.worksheet_dispositions_considered",
        "cases.review",
        "cases.flagoverride",
        "cases.latesignature",
        "cases.unit",
    }
)

_in_report = ContextVar("in_report", default=False)


class ReportReplicaRouter:
    def db_for_read(self, model, **hints):
        if (
            settings.REPORTS_FROM_REPLICA
            and _in_report.get()
            and model._meta.label_lower in REPORT_MODELS
        ):
            return REPLICA
        return None

    def db_for_write(self, model, **hints):
        return "default"  # never the replica: it is read-only

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the replica holds the same rows as the primary

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db != REPLICA  # the replica follows the primary's schema by replication


class ReportReadsMiddleware:
    """Marks a GET of a report page, so that the router may read its figures from the replica."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _in_report.set(False)
        try:
            return self.get_response(request)
        finally:
            _in_report.reset(token)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if request.method in ("GET", "HEAD") and match and match.url_name in REPORT_VIEWS:
            _in_report.set(True)
