"""Worksheet.flagged_grounds: the grounds flagged in a signed worksheet as bits, set at signing,
so that the compliance report counts the flagged-ground mix in its worksheet aggregate (from the
covering index) instead of a second query over every WorksheetGround row. Backfilled from the
WorksheetGround rows, which say the same; the frozen-worksheet trigger is set aside for that one
UPDATE on PostgreSQL (the grounds were fixed when each worksheet was signed)."""

from django.conf import settings
from django.db import migrations, models

# cases.models.GROUND_BITS as of this migration.
GROUND_BITS = {
    "aggravated_felony": 1 << 0,
    "cimt": 1 << 1,
    "controlled_substance": 1 << 2,
    "firearm": 1 << 3,
    "domestic_violence": 1 << 4,
    "prostitution": 1 << 5,
    "other_inadmissibility": 1 << 6,
    "other_deportability": 1 << 7,
    "daca_bar": 1 << 8,
    "tps_bar": 1 << 9,
    "asylum_bar": 1 << 10,
    "mandatory_detention": 1 << 11,
    "good_moral_character": 1 << 12,
}


def backfill(apps, schema_editor):
    postgres = schema_editor.connection.vendor == "postgresql"
    bits = " ".join(f"WHEN '{ground}' THEN {bit}" for ground, bit in GROUND_BITS.items())
    with schema_editor.connection.cursor() as cursor:
        if postgres:
            cursor.execute("ALTER TABLE cases_worksheet DISABLE TRIGGER worksheet_signed_is_frozen")
        cursor.execute(
            "UPDATE cases_worksheet SET flagged_grounds = g.mask FROM ("  # noqa: S608 - constants
            f"SELECT worksheet_id, SUM(CASE ground {bits} ELSE 0 END) AS mask "
            "FROM cases_worksheetground GROUP BY worksheet_id) AS g "
            "WHERE g.worksheet_id = cases_worksheet.id"
        )
        if postgres:
            cursor.execute("ALTER TABLE cases_worksheet ENABLE TRIGGER worksheet_signed_is_frozen")


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0007_report_scope_on_offers_worksheets_reviews"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="worksheet",
            name="worksheet_office_signed",
        ),
        migrations.RemoveIndex(
            model_name="worksheet",
            name="worksheet_unit_signed",
        ),
        migrations.RemoveIndex(
            model_name="worksheet",
            name="worksheet_deputy_signed",
        ),
        migrations.AddField(
            model_name="worksheet",
            name="flagged_grounds",
            field=models.BigIntegerField(
                default=0,
                help_text="Set at signing: the grounds flagged on any offer considered "
                "(GROUND_BITS), so the compliance report counts them in its worksheet aggregate.",
            ),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="worksheet",
            index=models.Index(
                condition=models.Q(("signed_at__isnull", False)),
                fields=["office", "signed_at"],
                include=("id", "decision", "parity_answer", "flagged_grounds"),
                name="worksheet_office_signed",
            ),
        ),
        migrations.AddIndex(
            model_name="worksheet",
            index=models.Index(
                condition=models.Q(("signed_at__isnull", False)),
                fields=["unit", "signed_at"],
                include=("id", "decision", "parity_answer", "flagged_grounds"),
                name="worksheet_unit_signed",
            ),
        ),
        migrations.AddIndex(
            model_name="worksheet",
            index=models.Index(
                condition=models.Q(("signed_at__isnull", False)),
                fields=["assigned_deputy", "signed_at"],
                include=("id", "decision", "parity_answer", "flagged_grounds"),
                name="worksheet_deputy_signed",
            ),
        ),
    ]
