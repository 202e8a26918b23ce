from django.apps import AppConfig


class ComplianceConfig(AppConfig):
    """What supervisors measure: the § 1016.3(b) compliance report over the `cases` records.

    It has no models of its own: it reads the report columns that `cases.report_columns`
    writes, so it depends on `cases` and `cases` never imports it.
    """

    name = "compliance"
    verbose_name = "Compliance reports"
