"""A plea term's count must belong to the case of its offer.

The rule spans two tables, which a CHECK constraint cannot see, so each database gets a trigger:
bad data is refused by the database itself, not only by forms.
"""

from django.db import migrations

SQLITE_CREATE = [
    f"""
    CREATE TRIGGER pleaterm_same_case_{event.lower()}
    BEFORE {event} ON cases_pleaterm
    FOR EACH ROW
    WHEN (SELECT case_id FROM cases_charge WHERE id = NEW.charge_id)
         IS NOT (SELECT case_id FROM cases_disposition WHERE id = NEW.disposition_id)
    BEGIN
        SELECT RAISE(ABORT, 'plea term count belongs to another case');
    END;
    """
    for event in ("INSERT", "UPDATE")
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS pleaterm_same_case_insert;",
    "DROP TRIGGER IF EXISTS pleaterm_same_case_update;",
]

POSTGRES_CREATE = [
    """
    CREATE FUNCTION cases_pleaterm_same_case() RETURNS trigger AS $$
    BEGIN
        IF (SELECT case_id FROM cases_charge WHERE id = NEW.charge_id)
           IS DISTINCT FROM (SELECT case_id FROM cases_disposition WHERE id = NEW.disposition_id)
        THEN
            RAISE EXCEPTION 'plea term count belongs to another case'
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        RETURN NEW;
    END;
    $$ LANGUAGE plpgsql;
    """,
    """
    CREATE TRIGGER pleaterm_same_case BEFORE INSERT OR UPDATE ON cases_pleaterm
    FOR EACH ROW EXECUTE FUNCTION cases_pleaterm_same_case();
    """,
]
POSTGRES_DROP = [
    "DROP TRIGGER IF EXISTS pleaterm_same_case ON cases_pleaterm;",
    "DROP FUNCTION IF EXISTS cases_pleaterm_same_case();",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_CREATE, "postgresql": POSTGRES_CREATE}),
            _run({"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DROP}),
        ),
    ]
