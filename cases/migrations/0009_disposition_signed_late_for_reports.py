"""Disposition.signed_late, set with the offer's LateSignature row at signing and kept in the
report's covering indexes, so the compliance report tells late from missing without a join.
Backfilled from the LateSignature rows."""

import importlib

from django.conf import settings
from django.db import migrations, models

# SQLite remakes cases_disposition to add the column; its plea-term triggers (migration 0002)
# name that table and would break the remake, so they are dropped around it (as in 0007).
_PLEA_TERM = importlib.import_module("cases.migrations.0002_plea_term_count_same_case")


def _on_sqlite(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "sqlite":
            for statement in statements:
                schema_editor.execute(statement)

    return run


def backfill(apps, schema_editor):
    Disposition = apps.get_model("cases", "Disposition")
    Disposition.objects.filter(late_signature__isnull=False).update(signed_late=True)


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0008_worksheet_flagged_grounds_for_reports"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="disposition",
            name="disposition_office_conveyed",
        ),
        migrations.RemoveIndex(
            model_name="disposition",
            name="disposition_unit_conveyed",
        ),
        migrations.RemoveIndex(
            model_name="disposition",
            name="disposition_deputy_conveyed",
        ),
        migrations.RunPython(
            _on_sqlite(_PLEA_TERM.SQLITE_DROP), _on_sqlite(_PLEA_TERM.SQLITE_CREATE)
        ),
        migrations.AddField(
            model_name="disposition",
            name="signed_late",
            field=models.BooleanField(
                default=False,
                help_text="Conveyed without a signed worksheet, and one was signed afterwards: "
                "set with its LateSignature row, so the compliance report needs no join for it.",
            ),
        ),
        migrations.RunPython(
            _on_sqlite(_PLEA_TERM.SQLITE_CREATE), _on_sqlite(_PLEA_TERM.SQLITE_DROP)
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="disposition",
            index=models.Index(
                condition=models.Q(("conveyed_at__isnull", False)),
                fields=["office", "conveyed_at"],
                include=("id", "conveyed_with_signed_worksheet", "signed_late"),
                name="disposition_office_conveyed",
            ),
        ),
        migrations.AddIndex(
            model_name="disposition",
            index=models.Index(
                condition=models.Q(("conveyed_at__isnull", False)),
                fields=["unit", "conveyed_at"],
                include=("id", "conveyed_with_signed_worksheet", "signed_late"),
                name="disposition_unit_conveyed",
            ),
        ),
        migrations.AddIndex(
            model_name="disposition",
            index=models.Index(
                condition=models.Q(("conveyed_at__isnull", False)),
                fields=["assigned_deputy", "conveyed_at"],
                include=("id", "conveyed_with_signed_worksheet", "signed_late"),
                name="disposition_deputy_conveyed",
            ),
        ),
    ]
