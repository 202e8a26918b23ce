"""The case's office, unit and assigned deputy copied onto offers, worksheets and reviews
(`models.CaseScope`), with covering indexes by scope and period, so that the compliance report
aggregates without joining every case of the office.

Backfilled with one UPDATE ... FROM per table. On PostgreSQL a signed worksheet is frozen by the
trigger of migration 0003; the scope columns are not part of what was signed (they follow the
case when it moves unit or deputy), so the trigger is replaced by one that lets an UPDATE change
those three columns and nothing else, and it is disabled for the backfill itself.
"""

import importlib

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

TABLES = {
    "cases_disposition": "cases_case.id = {table}.case_id",
    "cases_worksheet": "cases_case.id = {table}.case_id",
    "cases_review": "cases_worksheet.id = {table}.worksheet_id "
    "AND cases_case.id = cases_worksheet.case_id",
}

ALLOW_SCOPE_CHANGE = """
    CREATE OR REPLACE FUNCTION cases_refuse_signed_worksheet_change() RETURNS trigger AS $$
    BEGIN
        IF OLD.signed_at IS NOT NULL THEN
            -- The case's scope (migration 0007) follows the case; nothing else may change.
            IF TG_OP = 'UPDATE'
                    AND (to_jsonb(NEW) - '{office_id,unit_id,assigned_deputy_id}'::text[])
                    = (to_jsonb(OLD) - '{office_id,unit_id,assigned_deputy_id}'::text[]) THEN
                RETURN NEW;
            END IF;
            RAISE EXCEPTION 'worksheet % is signed and cannot change; amend it instead', OLD.id
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        IF TG_OP = 'DELETE' THEN
            RETURN OLD;
        END IF;
        RETURN NEW;
    END;
    $$ LANGUAGE plpgsql;
"""

REFUSE_ANY_CHANGE = """
    CREATE OR REPLACE FUNCTION cases_refuse_signed_worksheet_change() RETURNS trigger AS $$
    BEGIN
        IF OLD.signed_at IS NOT NULL THEN
            RAISE EXCEPTION 'worksheet % is signed and cannot change; amend it instead', OLD.id
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        IF TG_OP = 'DELETE' THEN
            RETURN OLD;
        END IF;
        RETURN NEW;
    END;
    $$ LANGUAGE plpgsql;
"""


# SQLite remakes a table to make a column NOT NULL; its plea-term triggers (migration 0002) name
# cases_disposition and would break the remake, so they are dropped around it and recreated.
_PLEA_TERM = importlib.import_module("cases.migrations.0002_plea_term_count_same_case")


def _on_sqlite(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "sqlite":
            for statement in statements:
                schema_editor.execute(statement)

    return run


def backfill(apps, schema_editor):
    connection = schema_editor.connection
    postgres = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        if postgres:
            cursor.execute("ALTER TABLE cases_worksheet DISABLE TRIGGER worksheet_signed_is_frozen")
        for table, join in TABLES.items():
            sources = "cases_case" + (", cases_worksheet" if table == "cases_review" else "")
            cursor.execute(
                f"UPDATE {table} SET office_id = cases_case.office_id, "  # noqa: S608 - constants
                "unit_id = cases_case.unit_id, assigned_deputy_id = cases_case.assigned_deputy_id "
                f"FROM {sources} WHERE " + join.format(table=table)
            )
        if postgres:
            cursor.execute("ALTER TABLE cases_worksheet ENABLE TRIGGER worksheet_signed_is_frozen")
            cursor.execute(ALLOW_SCOPE_CHANGE)
            # Check the new foreign keys now, so the columns can be made NOT NULL in this
            # transaction (no pending trigger events).
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def restore_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(REFUSE_ANY_CHANGE, params=None)


def _scope_fields(model_name):
    return [
        migrations.AddField(
            model_name=model_name,
            name="assigned_deputy",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name=model_name,
            name="office",
            field=models.ForeignKey(
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="cases.office",
            ),
        ),
        migrations.AddField(
            model_name=model_name,
            name="unit",
            field=models.ForeignKey(
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="cases.unit",
            ),
        ),
    ]


def _not_null(model_name):
    return [
        migrations.AlterField(
            model_name=model_name,
            name=name,
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=to,
            ),
        )
        for name, to in (("office", "cases.office"), ("unit", "cases.unit"))
    ]


def _covering(model_name, prefix, column, include):
    return [
        migrations.AddIndex(
            model_name=model_name,
            index=models.Index(
                condition=models.Q((f"{column}__isnull", False)),
                fields=[scope, column],
                include=include,
                name=f"{prefix}_{short}_{suffix}",
            ),
        )
        for scope, short in (("office", "office"), ("unit", "unit"), ("assigned_deputy", "deputy"))
        for suffix in [{"conveyed_at": "conveyed", "signed_at": "signed"}[column]]
    ]


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0006_late_signatures"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(model_name="disposition", name="disposition_conveyed_case"),
        migrations.RemoveIndex(model_name="worksheet", name="worksheet_signed_case"),
        *_scope_fields("disposition"),
        *_scope_fields("worksheet"),
        *_scope_fields("review"),
        migrations.RunPython(backfill, restore_trigger, elidable=False),
        migrations.RunPython(
            _on_sqlite(_PLEA_TERM.SQLITE_DROP), _on_sqlite(_PLEA_TERM.SQLITE_CREATE)
        ),
        *_not_null("disposition"),
        *_not_null("worksheet"),
        *_not_null("review"),
        migrations.RunPython(
            _on_sqlite(_PLEA_TERM.SQLITE_CREATE), _on_sqlite(_PLEA_TERM.SQLITE_DROP)
        ),
        *_covering(
            "disposition", "disposition", "conveyed_at", ["id", "conveyed_with_signed_worksheet"]
        ),
        *_covering("worksheet", "worksheet", "signed_at", ["id", "decision", "parity_answer"]),
        migrations.AddIndex(
            model_name="worksheet",
            index=models.Index(
                condition=models.Q(("amends__isnull", False), ("signed_at__isnull", False)),
                fields=["amends"],
                name="worksheet_signed_amendment",
            ),
        ),
        *[
            migrations.AddIndex(
                model_name="review",
                index=models.Index(
                    fields=[scope, "requested_at"], name=f"review_{short}_requested"
                ),
            )
            for scope, short in (
                ("office", "office"),
                ("unit", "unit"),
                ("assigned_deputy", "deputy"),
            )
        ],
    ]
