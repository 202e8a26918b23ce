"""The compliance report's monthly rollup: its figures per office, month and key, so that the
dashboard's cost follows the months and the scope shown, not the offers stored
(compliance/rollups.py builds and reads it; issue 19 item 4)."""

import datetime as dt

from django.conf import settings
from django.db import models

from cases.choices import Decision, ParityAnswer
from cases.models import Office, Unit
from consequences.statuses import Ground


class MonthlyRollup(models.Model):
    """The counts of every dashboard metric for the offers, worksheets and reviews of one
    office and local month whose cases share one set of keys.

    Keys: the scope copied on the rows (unit, assigned deputy: the filters and the viewer's
    visibility are conditions on them) and the case's attributes the filters and the worksheet
    scope of office policy ask about (felony, offense group, `cases.policy.
    SCOPE_ATTRIBUTES`). Offer counts are stored before office policy is applied: the version in
    force in a month is a condition on the keys when the report reads the rows. Derived data:
    rebuilt from the records whenever its month is marked stale (`cases.models.ReportMonth`).
    """

    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="+")
    month = models.DateField()
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+", db_index=False)
    assigned_deputy = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        related_name="+",
        db_index=False,
    )
    felony = models.BooleanField()
    # 0: the row counts its cases once, whatever their offense groups; otherwise one group's bit
    # (rollups.GROUP_BITS): the row counts the cases with a count in that group. A case is in
    # the 0 rows and in the rows of each of its groups (rollups._build).
    offense_group = models.IntegerField()
    flagged = models.BooleanField()
    serious_violent = models.BooleanField()
    defense_requested = models.BooleanField()
    # The sum of the decided reviews' turnarounds, for the average (reviews_decided counts them).
    turnaround_total = models.DurationField(default=dt.timedelta)

    class Meta:
        indexes = [models.Index(fields=["office", "month"], name="rollup_office_month")]

    def __str__(self):
        return f"{self.office_id} {self.month:%Y-%m} unit {self.unit_id}"


# One count per metric of the dashboard (`metrics.METRICS`, which cannot be imported while the
# models load), named as the metric. `rollups` refuses to load if the two lists differ, and a
# new decision, parity answer or ground is a new column that the pending-migrations test asks for.
COUNT_FIELDS = (
    "offers_conveyed",
    "offers_compliant",
    "offers_late",
    "offers_missing",
    "worksheets_signed",
    *(f"decision_{d.value}" for d in Decision),
    *(f"parity_{p.value}" for p in ParityAnswer),
    "parity_not_answered",
    *(f"ground_{g.value}" for g in Ground),
    "overrides_any",
    *(f"override_{g.value}" for g in Ground),
    "reviews_requested",
    "reviews_approved",
    "reviews_returned",
    "reviews_pending",
    "reviews_decided",
    "reviews_within_2_days",
    "reviews_3_to_7_days",
    "reviews_over_7_days",
)
for _name in COUNT_FIELDS:
    MonthlyRollup.add_to_class(_name, models.IntegerField(default=0))

KEY_FIELDS = (
    "unit_id",
    "assigned_deputy_id",
    "felony",
    "offense_group",
    "flagged",
    "serious_violent",
    "defense_requested",
)
