"""Offers get a lock_version, so a colleague's edit made meanwhile is a conflict.

SQLite adds a column by rebuilding the table, and its rename step rejects the plea-term trigger
of 0002 (which names cases_disposition), so on SQLite the trigger is dropped around the change
and created again after it.
"""

import importlib

from django.db import migrations, models

triggers = importlib.import_module("cases.migrations.0002_plea_term_count_same_case")


def _sqlite(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "sqlite":
            for statement in statements:
                schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("cases", "0004_worksheet_grounds_and_report_indexes")]

    operations = [
        migrations.RunPython(_sqlite(triggers.SQLITE_DROP), _sqlite(triggers.SQLITE_CREATE)),
        migrations.AddField(
            model_name="disposition",
            name="lock_version",
            field=models.PositiveIntegerField(default=1),
        ),
        migrations.RunPython(_sqlite(triggers.SQLITE_CREATE), _sqlite(triggers.SQLITE_DROP)),
    ]
