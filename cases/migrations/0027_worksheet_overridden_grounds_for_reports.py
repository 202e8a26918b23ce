"""Worksheet.overridden_grounds: the grounds of a worksheet's flag overrides as bits, set at
signing, so that the compliance report counts the override mix in its worksheet aggregate (from
the covering index) instead of joining every FlagOverride row stored to the period's worksheets,
a cost that grew with history (issue 19 item 4). Backfilled from the FlagOverride rows, which
say the same; the frozen-worksheet trigger is set aside for that one UPDATE on PostgreSQL (the
overrides were fixed when each worksheet was signed), as migration 0008 did for
flagged_grounds."""

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
        # One bit per distinct ground (several overrides of one ground, on several counts or
        # offers, set it once).
        cursor.execute(
            "UPDATE cases_worksheet SET overridden_grounds = o.mask FROM ("  # noqa: S608
            f"SELECT worksheet_id, SUM(bit) AS mask FROM (SELECT DISTINCT worksheet_id, "
            f"CASE ground {bits} ELSE 0 END AS bit FROM cases_flagoverride) AS d "
            "GROUP BY worksheet_id) AS o "
            "WHERE o.worksheet_id = cases_worksheet.id"
        )
        if postgres:
            cursor.execute("ALTER TABLE cases_worksheet ENABLE TRIGGER worksheet_signed_is_frozen")


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0026_report_month'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='worksheet',
            name='worksheet_office_signed',
        ),
        migrations.RemoveIndex(
            model_name='worksheet',
            name='worksheet_unit_signed',
        ),
        migrations.RemoveIndex(
            model_name='worksheet',
            name='worksheet_deputy_signed',
        ),
        migrations.AddField(
            model_name='worksheet',
            name='overridden_grounds',
            field=models.BigIntegerField(default=0, help_text="Set at signing: the grounds of the worksheet's flag overrides (GROUND_BITS), so the compliance report counts the override mix in its worksheet aggregate."),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name='worksheet',
            index=models.Index(condition=models.Q(('signed_at__isnull', False)), fields=['office', 'signed_at'], include=('id', 'decision', 'parity_answer', 'flagged_grounds', 'overridden_grounds'), name='worksheet_office_signed'),
        ),
        migrations.AddIndex(
            model_name='worksheet',
            index=models.Index(condition=models.Q(('signed_at__isnull', False)), fields=['office', 'unit', 'signed_at'], include=('id', 'decision', 'parity_answer', 'flagged_grounds', 'overridden_grounds'), name='worksheet_unit_signed'),
        ),
        migrations.AddIndex(
            model_name='worksheet',
            index=models.Index(condition=models.Q(('signed_at__isnull', False)), fields=['office', 'assigned_deputy', 'signed_at'], include=('id', 'decision', 'parity_answer', 'flagged_grounds', 'overridden_grounds'), name='worksheet_deputy_signed'),
        ),
    ]
