"""Database guards, on PostgreSQL, for two promises the application also keeps:

- a signed worksheet never changes (DESIGN.md principle 4): UPDATE or DELETE of a row of
  cases_worksheet whose signed_at is set is refused, and so is any INSERT, UPDATE or DELETE of its
  dispositions_considered rows and of its flag overrides — they are part of what was signed;
- the audit log is append-only: UPDATE and DELETE of cases_auditevent are refused.

Raw SQL, a shell or a bug in a later screen cannot get past them. Errors are raised with SQLSTATE
23000, which Django reports as IntegrityError. SQLite has no such triggers: its test flush deletes
rows one table at a time, and its guard is the application's (`cases.frozen`, and AuditEvent's own
save/delete/update refusals). TRUNCATE is not a row operation and is left to database privileges;
docs/security.md says how to deny it to the application's role.
"""

from django.db import migrations

POSTGRES_CREATE = [
    """
    CREATE FUNCTION cases_refuse_signed_worksheet_change() RETURNS trigger AS $$
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
    """,
    """
    CREATE TRIGGER worksheet_signed_is_frozen BEFORE UPDATE OR DELETE ON cases_worksheet
    FOR EACH ROW EXECUTE FUNCTION cases_refuse_signed_worksheet_change();
    """,
    """
    CREATE FUNCTION cases_refuse_signed_worksheet_part() RETURNS trigger AS $$
    BEGIN
        IF (TG_OP <> 'INSERT' AND EXISTS (
                SELECT 1 FROM cases_worksheet WHERE id = OLD.worksheet_id AND signed_at IS NOT NULL))
           OR (TG_OP <> 'DELETE' AND EXISTS (
                SELECT 1 FROM cases_worksheet WHERE id = NEW.worksheet_id AND signed_at IS NOT NULL))
        THEN
            RAISE EXCEPTION 'a signed worksheet cannot change (%)', TG_TABLE_NAME
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        IF TG_OP = 'DELETE' THEN
            RETURN OLD;
        END IF;
        RETURN NEW;
    END;
    $$ LANGUAGE plpgsql;
    """,
    """
    CREATE TRIGGER worksheet_considered_signed_is_frozen
    BEFORE INSERT OR UPDATE OR DELETE ON cases_worksheet_dispositions_considered
    FOR EACH ROW EXECUTE FUNCTION cases_refuse_signed_worksheet_part();
    """,
    """
    CREATE TRIGGER flagoverride_signed_is_frozen
    BEFORE INSERT OR UPDATE OR DELETE ON cases_flagoverride
    FOR EACH ROW EXECUTE FUNCTION cases_refuse_signed_worksheet_part();
    """,
    """
    CREATE FUNCTION cases_refuse_audit_change() RETURNS trigger AS $$
    BEGIN
        RAISE EXCEPTION 'audit events cannot be changed or deleted'
            USING ERRCODE = 'integrity_constraint_violation';
    END;
    $$ LANGUAGE plpgsql;
    """,
    """
    CREATE TRIGGER auditevent_append_only BEFORE UPDATE OR DELETE ON cases_auditevent
    FOR EACH ROW EXECUTE FUNCTION cases_refuse_audit_change();
    """,
]
POSTGRES_DROP = [
    "DROP TRIGGER IF EXISTS auditevent_append_only ON cases_auditevent;",
    "DROP FUNCTION IF EXISTS cases_refuse_audit_change();",
    "DROP TRIGGER IF EXISTS flagoverride_signed_is_frozen ON cases_flagoverride;",
    "DROP TRIGGER IF EXISTS worksheet_considered_signed_is_frozen"
    " ON cases_worksheet_dispositions_considered;",
    "DROP FUNCTION IF EXISTS cases_refuse_signed_worksheet_part();",
    "DROP TRIGGER IF EXISTS worksheet_signed_is_frozen ON cases_worksheet;",
    "DROP FUNCTION IF EXISTS cases_refuse_signed_worksheet_change();",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement, params=None)  # "%" is PL/pgSQL here

    return run


class Migration(migrations.Migration):
    dependencies = [("cases", "0002_plea_term_count_same_case")]

    operations = [migrations.RunPython(_run(POSTGRES_CREATE), _run(POSTGRES_DROP))]
