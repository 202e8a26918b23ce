"""Drop WorksheetGround: written at every signing and never read.

The compliance report counts flagged grounds from `Worksheet.flagged_grounds` (migration 0008),
and the frozen engine output on each signed worksheet still says which grounds were flagged on
which offer, so nothing is lost. Migrating back recreates the table empty.

Also: `Disposition.conveyed_month`'s help text now names its writer
(`report_columns.mark_conveyed`) instead of `save()`; no schema change.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0012_auditevent_data"),
    ]

    operations = [
        migrations.AlterField(
            model_name="disposition",
            name="conveyed_month",
            field=models.DateField(
                blank=True,
                editable=False,
                help_text="The first day of the local month of conveyed_at, set with it "
                "(report_columns.mark_conveyed): the compliance report's trend groups on it "
                "instead of converting every offer's time.",
                null=True,
            ),
        ),
        migrations.DeleteModel(
            name="WorksheetGround",
        ),
    ]
