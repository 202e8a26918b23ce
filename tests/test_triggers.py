"""The database's own guards (triggers) exist after migrate and survive a table rebuild.

SQLite rebuilds a table for most column changes; config/sqlite3 keeps every trigger that names
the rebuilt table, so no migration has to drop and recreate them by hand. These tests list the
triggers each database must have (docs/security.md says what each refuses) and run a
migration-style column change on the tables they name.
"""

import pytest
from django.db import IntegrityError, connection, transaction

from cases.models import Charge, Disposition, PleaTerm
from tests import factories

# (trigger, table it is on). SQLite keeps only the plea-term rule in the database: its test
# flush deletes rows one table at a time, so the signed-worksheet and append-only guards are
# PostgreSQL's (migration 0003), and the application's on both.
EXPECTED = {
    "sqlite": {
        ("pleaterm_same_case_insert", "cases_pleaterm"),
        ("pleaterm_same_case_update", "cases_pleaterm"),
    },
    "postgresql": {
        ("pleaterm_same_case", "cases_pleaterm"),
        ("worksheet_signed_is_frozen", "cases_worksheet"),
        ("worksheet_considered_signed_is_frozen", "cases_worksheet_dispositions_considered"),
        ("flagoverride_signed_is_frozen", "cases_flagoverride"),
        ("auditevent_append_only", "cases_auditevent"),
        # A conveyed or considered offer's terms (migration 0016, tests/test_offer_binding.py).
        ("pleaterm_offer_frozen", "cases_pleaterm"),
        ("disposition_terms_frozen", "cases_disposition"),
    },
}


def enabled_triggers():
    """(name, table) of every enabled trigger the project created, as the database lists them."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name, tbl_name FROM sqlite_master WHERE type = 'trigger'")
        else:
            cursor.execute(
                "SELECT tgname, tgrelid::regclass::text FROM pg_trigger"
                " WHERE NOT tgisinternal AND tgenabled <> 'D'"
            )
        return set(cursor.fetchall())


@pytest.mark.django_db
def test_migrate_leaves_every_expected_trigger_in_place():
    assert enabled_triggers() == EXPECTED[connection.vendor]


def widen(model, name):
    """A migration's AlterField on `model.name` (a longer max_length) and its reversal."""
    old = model._meta.get_field(name)
    new = old.clone()
    new.max_length = old.max_length + 1
    new.set_attributes_from_name(name)
    new.model = model
    return old, new


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("model", "field"),
    [
        (PleaTerm, "statute_pleaded"),  # the table the plea-term triggers are on
        (Disposition, "name"),  # tables their bodies read: the rebuild's rename must pass
        (Charge, "title"),
    ],
)
def test_a_table_rebuild_keeps_the_triggers(model, field, office, unit):
    old, new = widen(model, field)
    with connection.schema_editor() as editor:
        editor.alter_field(model, old, new)
    try:
        assert enabled_triggers() == EXPECTED[connection.vendor]
        # And they still refuse what they refuse.
        case, other_case = factories.make_case(office, unit), factories.make_case(office, unit)
        offer = factories.make_disposition(case)
        foreign_count = factories.make_charge(other_case, 1, "PC 242")
        with pytest.raises(IntegrityError), transaction.atomic():
            factories.make_term(offer, foreign_count)
    finally:
        with connection.schema_editor() as editor:
            editor.alter_field(model, new, old)
    assert enabled_triggers() == EXPECTED[connection.vendor]
