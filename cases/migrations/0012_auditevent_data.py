"""AuditEvent.data: what happened, as JSON code can read (Zulip's RealmAuditLog.extra_data).

Until now the worksheet page found the PDF copies issued by parsing the audit summary with a
regular expression. Rows written before this column get their facts here, parsed from the summary
once, so the reading code has one path (the data) and nothing parses a summary again.

The audit log is append-only: on PostgreSQL the trigger of migration 0003 refuses any UPDATE, so
it is disabled for the backfill and enabled again inside this migration's transaction (ALTER
TABLE holds an exclusive lock on the table until commit, so nobody else writes meanwhile). On
SQLite the guard is the model's own refusal, which historical models do not carry.
"""

import re

from django.db import migrations, models

# The summaries cases.worksheet_print.issue_pdf and cases.actions wrote before the column.
_PDF = re.compile(
    r"^pdf (?P<variant>[a-z]+) (?P<state>signed|draft)(?P<withheld> status-withheld)?"
    r"(?: (?P<via>[a-z]+))? sha256 (?P<sha256>[0-9a-f]{64})$"
)
_CONVEY = {"with signed worksheet": True, "without signed worksheet": False}
_OFFER_STATUS = re.compile(r"^status (?P<status>[a-z_]+)$")
_REVIEW_OUTCOMES = {"approved", "returned"}
BATCH = 1000


def facts_from_summary(action, object_type, summary):
    """The data a row would have been written with, or None when its summary says nothing."""
    if action == "export" and object_type == "worksheet":
        match = _PDF.match(summary)
        if match:
            return {
                "document": "worksheet_pdf",
                "variant": match["variant"],
                "signed": match["state"] == "signed",
                "status_withheld": bool(match["withheld"]),
                "via": match["via"] or "web",
                "sha256": match["sha256"],
            }
    if action == "convey" and summary in _CONVEY:
        return {"with_signed_worksheet": _CONVEY[summary]}
    if action == "change" and object_type == "disposition":
        match = _OFFER_STATUS.match(summary)
        if match:
            return {"status": match["status"]}
    if action == "review" and summary in _REVIEW_OUTCOMES:
        return {"outcome": summary}
    return None


def backfill(apps, schema_editor):
    AuditEvent = apps.get_model("cases", "AuditEvent")
    postgres = schema_editor.connection.vendor == "postgresql"
    if postgres:
        schema_editor.execute("ALTER TABLE cases_auditevent DISABLE TRIGGER auditevent_append_only")
    rows = AuditEvent.objects.filter(action__in=["export", "convey", "change", "review"])
    last = 0
    while True:
        # Pages by primary key, not one long cursor, so the reads never see their own updates.
        batch = list(
            rows.filter(pk__gt=last).order_by("pk").only("pk", "action", "object_type", "summary")[
                :BATCH
            ]
        )
        if not batch:
            break
        last = batch[-1].pk
        changed = []
        for event in batch:
            facts = facts_from_summary(event.action, event.object_type, event.summary)
            if facts is not None:
                event.data = facts
                changed.append(event)
        AuditEvent.objects.bulk_update(changed, ["data"])
    if postgres:
        # Fire the deferred checks now: ALTER TABLE refuses a table with pending trigger events.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        schema_editor.execute("SET CONSTRAINTS ALL DEFERRED")
        schema_editor.execute("ALTER TABLE cases_auditevent ENABLE TRIGGER auditevent_append_only")


class Migration(migrations.Migration):
    dependencies = [("cases", "0011_disposition_conveyed_month_for_reports")]

    operations = [
        migrations.AddField(
            model_name="auditevent",
            name="data",
            field=models.JSONField(
                blank=True,
                default=dict,
                help_text="What happened, as keys and values code can read; the same rule as the "
                "summary: ids, codes and hashes, never a name or a status value.",
            ),
        ),
        # Reversing drops the column, and with it the backfilled data: nothing to undo.
        migrations.RunPython(backfill, migrations.RunPython.noop, elidable=False),
    ]
