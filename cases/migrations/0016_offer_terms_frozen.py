"""The terms of an offer that was conveyed or that a signed worksheet considered never change in
place (issue 13, item 1; cases.binding). A change is a new offer, `revised_from` the frozen one;
conveyance stores the hash of the terms it conveyed (`conveyed_terms_hash`), which the compliance
columns compare with the hash the signed worksheet froze.

On PostgreSQL, triggers refuse, even from raw SQL or `QuerySet.update()`:
- INSERT, UPDATE or DELETE of a `cases_pleaterm` row whose offer (old or new) is frozen;
- UPDATE of an offer's term columns (cases.binding.TERM_FIELDS) once it is frozen, and DELETE of
  a frozen offer. Its status, dates, notes and the report's columns still change.
Frozen means: its status (before the statement) is not draft, or a signed worksheet considered
it. Errors carry SQLSTATE 23000 (IntegrityError), as the triggers of migration 0003 do.

SQLite gets no such trigger, for the reason 0003 gives (the test flush deletes rows table by
table): its guard is the actions' and `cases.frozen`'s. If one is added later, `config/sqlite3`
keeps it across table rebuilds.
"""

import django.db.models.deletion
from django.db import migrations, models

POSTGRES_CREATE = [
    """
    CREATE FUNCTION cases_offer_terms_frozen(offer bigint) RETURNS boolean AS $$
        SELECT EXISTS (SELECT 1 FROM cases_disposition WHERE id = offer AND status <> 'draft')
            OR EXISTS (
                SELECT 1 FROM cases_worksheet_dispositions_considered considered
                JOIN cases_worksheet worksheet ON worksheet.id = considered.worksheet_id
                WHERE considered.disposition_id = offer AND worksheet.signed_at IS NOT NULL);
    $$ LANGUAGE sql STABLE;
    """,
    """
    CREATE FUNCTION cases_refuse_frozen_plea_term() RETURNS trigger AS $$
    BEGIN
        IF (TG_OP <> 'INSERT' AND cases_offer_terms_frozen(OLD.disposition_id))
           OR (TG_OP <> 'DELETE' AND cases_offer_terms_frozen(NEW.disposition_id)) THEN
            RAISE EXCEPTION 'the terms of a conveyed or considered offer cannot change; '
                'revise it as a new offer'
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
    CREATE TRIGGER pleaterm_offer_frozen BEFORE INSERT OR UPDATE OR DELETE ON cases_pleaterm
    FOR EACH ROW EXECUTE FUNCTION cases_refuse_frozen_plea_term();
    """,
    """
    CREATE FUNCTION cases_refuse_frozen_offer_terms() RETURNS trigger AS $$
    BEGIN
        IF (OLD.status <> 'draft' OR cases_offer_terms_frozen(OLD.id))
           AND (TG_OP = 'DELETE'
                OR (NEW.case_id, NEW.label, NEW.name, NEW.proposed_by, NEW.diversion,
                    NEW.diversion_requires_plea)
                   IS DISTINCT FROM (OLD.case_id, OLD.label, OLD.name, OLD.proposed_by,
                    OLD.diversion, OLD.diversion_requires_plea)) THEN
            RAISE EXCEPTION 'offer % was conveyed or considered: its terms cannot change; '
                'revise it as a new offer', OLD.id
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
    CREATE TRIGGER disposition_terms_frozen BEFORE UPDATE OR DELETE ON cases_disposition
    FOR EACH ROW EXECUTE FUNCTION cases_refuse_frozen_offer_terms();
    """,
]
POSTGRES_DROP = [
    "DROP TRIGGER IF EXISTS disposition_terms_frozen ON cases_disposition;",
    "DROP FUNCTION IF EXISTS cases_refuse_frozen_offer_terms();",
    "DROP TRIGGER IF EXISTS pleaterm_offer_frozen ON cases_pleaterm;",
    "DROP FUNCTION IF EXISTS cases_refuse_frozen_plea_term();",
    "DROP FUNCTION IF EXISTS cases_offer_terms_frozen(bigint);",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement, params=None)  # "%" is PL/pgSQL here

    return run


class Migration(migrations.Migration):
    dependencies = [("cases", "0015_priorconviction_case_single_scheme")]

    operations = [
        migrations.AddField(
            model_name="disposition",
            name="conveyed_terms_hash",
            field=models.CharField(
                blank=True,
                editable=False,
                help_text="SHA-256 of the terms as conveyed (worksheets.offer_terms_hash): "
                "conveyance is compliant only if a signed worksheet froze the same hash.",
                max_length=64,
            ),
        ),
        migrations.AddField(
            model_name="disposition",
            name="revised_from",
            field=models.ForeignKey(
                blank=True,
                help_text="The frozen offer this one was revised from (actions.revise_offer).",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="revisions",
                to="cases.disposition",
            ),
        ),
        migrations.RunPython(_run(POSTGRES_CREATE), _run(POSTGRES_DROP)),
    ]
