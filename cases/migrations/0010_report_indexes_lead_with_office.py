"""The report's unit and deputy indexes lead with the office, which the report always filters on,
so a supervisor's or a deputy's figures are index-only scans too (no heap visit for office_id)."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0009_disposition_signed_late_for_reports"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="disposition",
            name="disposition_unit_conveyed",
        ),
        migrations.RemoveIndex(
            model_name="disposition",
            name="disposition_deputy_conveyed",
        ),
        migrations.RemoveIndex(
            model_name="review",
            name="review_unit_requested",
        ),
        migrations.RemoveIndex(
            model_name="review",
            name="review_deputy_requested",
        ),
        migrations.RemoveIndex(
            model_name="worksheet",
            name="worksheet_unit_signed",
        ),
        migrations.RemoveIndex(
            model_name="worksheet",
            name="worksheet_deputy_signed",
        ),
        migrations.AddIndex(
            model_name="disposition",
            index=models.Index(
                condition=models.Q(("conveyed_at__isnull", False)),
                fields=["office", "unit", "conveyed_at"],
                include=("id", "conveyed_with_signed_worksheet", "signed_late"),
                name="disposition_unit_conveyed",
            ),
        ),
        migrations.AddIndex(
            model_name="disposition",
            index=models.Index(
                condition=models.Q(("conveyed_at__isnull", False)),
                fields=["office", "assigned_deputy", "conveyed_at"],
                include=("id", "conveyed_with_signed_worksheet", "signed_late"),
                name="disposition_deputy_conveyed",
            ),
        ),
        migrations.AddIndex(
            model_name="review",
            index=models.Index(
                fields=["office", "unit", "requested_at"], name="review_unit_requested"
            ),
        ),
        migrations.AddIndex(
            model_name="review",
            index=models.Index(
                fields=["office", "assigned_deputy", "requested_at"], name="review_deputy_requested"
            ),
        ),
        migrations.AddIndex(
            model_name="worksheet",
            index=models.Index(
                condition=models.Q(("signed_at__isnull", False)),
                fields=["office", "unit", "signed_at"],
                include=("id", "decision", "parity_answer", "flagged_grounds"),
                name="worksheet_unit_signed",
            ),
        ),
        migrations.AddIndex(
            model_name="worksheet",
            index=models.Index(
                condition=models.Q(("signed_at__isnull", False)),
                fields=["office", "assigned_deputy", "signed_at"],
                include=("id", "decision", "parity_answer", "flagged_grounds"),
                name="worksheet_deputy_signed",
            ),
        ),
    ]
