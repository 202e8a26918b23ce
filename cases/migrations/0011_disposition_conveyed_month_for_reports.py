"""Disposition.conveyed_month: the local month of conveyed_at, kept by Disposition.save() and
included in the report's covering indexes. The compliance trend groups on it, a plain column the
planner can count groups on (so PostgreSQL aggregates in parallel), instead of converting every
offer's time. Backfilled from conveyed_at in the project's time zone."""

import importlib

from django.conf import settings
from django.db import migrations, models
from django.utils import timezone

# SQLite remakes cases_disposition to add the column and the constraint; its plea-term triggers
# (migration 0002) name that table and would break the remake, so they are dropped around it.
_PLEA_TERM = importlib.import_module("cases.migrations.0002_plea_term_count_same_case")
_INCLUDE = ("id", "conveyed_month", "conveyed_with_signed_worksheet", "signed_late")
_SCOPES = {
    "office": ["office"],
    "unit": ["office", "unit"],
    "deputy": ["office", "assigned_deputy"],
}


def _on_sqlite(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "sqlite":
            for statement in statements:
                schema_editor.execute(statement)

    return run


def backfill(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        # One statement for a million offers; the same month as Python's localtime gives.
        schema_editor.execute(
            "UPDATE cases_disposition SET conveyed_month ="
            " date_trunc('month', conveyed_at AT TIME ZONE %s)::date"
            " WHERE conveyed_at IS NOT NULL",
            [settings.TIME_ZONE],
        )
        return
    Disposition = apps.get_model("cases", "Disposition")
    for pk, conveyed_at in Disposition.objects.exclude(conveyed_at=None).values_list(
        "pk", "conveyed_at"
    ):
        month = timezone.localtime(conveyed_at, timezone.get_default_timezone()).date()
        month = month.replace(day=1)
        Disposition.objects.filter(pk=pk).update(conveyed_month=month)


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0010_report_indexes_lead_with_office"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        *(
            migrations.RemoveIndex(model_name="disposition", name=f"disposition_{short}_conveyed")
            for short in _SCOPES
        ),
        migrations.RunPython(
            _on_sqlite(_PLEA_TERM.SQLITE_DROP), _on_sqlite(_PLEA_TERM.SQLITE_CREATE)
        ),
        migrations.AddField(
            model_name="disposition",
            name="conveyed_month",
            field=models.DateField(
                blank=True,
                editable=False,
                null=True,
                help_text="The first day of the local month of conveyed_at, kept by save(): the "
                "compliance report's trend groups on it instead of converting every offer's time.",
            ),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="disposition",
            constraint=models.CheckConstraint(
                condition=models.Q(conveyed_at__isnull=True, conveyed_month__isnull=True)
                | models.Q(conveyed_at__isnull=False, conveyed_month__isnull=False),
                name="disposition_conveyed_month_with_date",
            ),
        ),
        migrations.RunPython(
            _on_sqlite(_PLEA_TERM.SQLITE_CREATE), _on_sqlite(_PLEA_TERM.SQLITE_DROP)
        ),
        *(
            migrations.AddIndex(
                model_name="disposition",
                index=models.Index(
                    condition=models.Q(conveyed_at__isnull=False),
                    fields=[*scope, "conveyed_at"],
                    include=_INCLUDE,
                    name=f"disposition_{short}_conveyed",
                ),
            )
            for short, scope in _SCOPES.items()
        ),
    ]
