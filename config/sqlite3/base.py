"""Django's SQLite backend, with one change: a table rebuild keeps the triggers that name it.

SQLite cannot alter most columns or constraints in place, so Django's schema editor rebuilds the
table (create new__t, copy, drop t, rename new__t to t). Two things then go wrong with triggers:

- a trigger ON the rebuilt table is dropped with the old table and silently never comes back
  (a rebuild of cases_pleaterm would lose the plea-term guard of migration 0002);
- a trigger on another table whose body reads the rebuilt table makes the rename fail ("error
  in trigger …: no such table"), which is why migrations 0005, 0007, 0009 and 0011 dropped and
  recreated the plea-term triggers by hand around every rebuild of cases_disposition.

Here, once for every migration to come: before a rebuild, every trigger whose SQL names the
table is read from sqlite_master and dropped; after it, each is created again from its own SQL,
in the same transaction. A trigger that no longer fits the new table (it reads a removed column)
fails loudly there instead of vanishing. PostgreSQL alters tables in place and keeps its
triggers, so it needs nothing of the kind. docs/security.md lists the triggers of each database.
"""

import re

from django.db.backends.sqlite3 import base, schema


def triggers_naming(cursor, table):
    """(name, sql) of every trigger on `table` or whose body names it, in creation order."""
    cursor.execute(
        "SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY rowid"
    )
    naming = re.compile(rf"(?<![\w$]){re.escape(table)}(?![\w$])", re.IGNORECASE)
    return [
        (name, sql)
        for name, on_table, sql in cursor.fetchall()
        if on_table.lower() == table.lower() or naming.search(sql or "")
    ]


class DatabaseSchemaEditor(schema.DatabaseSchemaEditor):
    def _remake_table(self, model, create_field=None, delete_field=None, alter_fields=None):
        with self.connection.cursor() as cursor:
            kept = triggers_naming(cursor, model._meta.db_table)
        for name, _ in kept:
            self.execute(f"DROP TRIGGER {self.quote_name(name)}", params=None)
        # A private method of Django's SQLite schema editor, absent from django-stubs.
        super()._remake_table(  # type: ignore[misc]
            model, create_field=create_field, delete_field=delete_field, alter_fields=alter_fields
        )
        for _, sql in kept:
            self.execute(sql, params=None)


class DatabaseWrapper(base.DatabaseWrapper):
    SchemaEditorClass = DatabaseSchemaEditor
