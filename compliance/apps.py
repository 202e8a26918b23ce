from django.apps import AppConfig


class ComplianceConfig(AppConfig):
    """What supervisors measure: the § 1016.3(b) compliance report over the `cases` records.

    It reads the report columns that `cases.report_columns` writes, so it depends on `cases`
    and `cases` never imports it; its one table is the monthly rollup built from them
    (`compliance.rollups`).
    """

    name = "compliance"
    verbose_name = "Compliance reports"
