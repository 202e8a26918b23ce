"""Fast inserts for synthetic volume: rows as plain tuples, COPY on PostgreSQL.

The previous writer took Django model instances, and building, preparing and reading back
half a million of them was most of the seed's time. Here a writer names the columns it varies
and hands over tuples of values already in the database's terms: ids, strings, booleans, dates
and datetimes, and JSON as the text to store (`json.dumps` done by the caller, once per
distinct value where it can). Every other column of the model gets its Django default,
computed once per call (`auto_now` and `auto_now_add` columns: the moment of the call).

On PostgreSQL the rows stream into `COPY ... FROM STDIN` as tab-separated text; triggers
fire on COPY as on INSERT. A load may skip the per-row foreign-key checks and triggers
(`session_replication_role = replica`, `can_skip_row_checks`) only if it then proves what they
enforce over the rows it added (`high_water_marks`, `orphans`; `volume.Generator._verify`).
Elsewhere (SQLite: tests and trials) one `executemany` INSERT per table.

Ids come from the table's own sequence (`reserve_ids`), so the rows that point at them can be
built before anything is written.
"""

import datetime as dt
import io
import json
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache

from django.db import connection
from django.db.models import DateField


def reserve_ids(model, count):
    """`count` fresh primary keys for `model`, in increasing order, that no other writer gets."""
    if count == 0:
        return []
    table = model._meta.db_table
    column = model._meta.pk.column
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [table, column, count],
            )
            return [value for (value,) in cursor.fetchall()]
        # SQLite: one writer at a time holds the database inside the chunk's transaction, so
        # the next keys are the ones after both the largest in use and the largest ever used
        # (AUTOINCREMENT never reuses one; sqlite_sequence follows explicit keys).
        quoted = connection.ops.quote_name
        cursor.execute(f"SELECT MAX({quoted(column)}) FROM {quoted(table)}")  # noqa: S608
        largest = cursor.fetchone()[0] or 0
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        row = cursor.fetchone()
        first = max(largest, row[0] if row else 0) + 1
        return list(range(first, first + count))


@cache
def has_lz4():
    """Was this PostgreSQL server built with LZ4 (a choice for `default_toast_compression`)?"""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'"
        )
        row = cursor.fetchone()
    return bool(row and row[0])


@contextmanager
def secondary_indexes_dropped(models, *, when=True):
    """On PostgreSQL, drop the non-unique indexes of `models`' tables for the block and build
    them again after it, even if it fails: one sort per index at the end costs less than
    keeping every index up to date row by row, as long as the load is large next to what the
    tables hold (the caller decides: `when`). Primary keys and unique indexes stay, so every
    constraint and trigger checks each row as usual.

    Run outside a transaction, on a database nobody else is writing to (DROP INDEX locks the
    table): this is for seeding. The definitions are read back from the catalog
    (`pg_get_indexdef`), so the indexes return exactly as the migrations made them.
    """
    if connection.vendor != "postgresql" or not when:
        yield
        return
    tables = [model._meta.db_table for model in models]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT index.indexrelid::regclass::text, pg_get_indexdef(index.indexrelid) "
            "FROM pg_index index JOIN pg_class tab ON tab.oid = index.indrelid "
            "WHERE tab.relname = ANY(%s) AND NOT index.indisunique AND NOT index.indisprimary",
            [tables],
        )
        indexes = cursor.fetchall()
        for name, _definition in indexes:
            cursor.execute(f"DROP INDEX {name}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            if connection.in_atomic_block:
                # Inside an outer transaction (a test), the deferred foreign-key checks of
                # the rows written are still pending, and CREATE INDEX refuses a table with
                # pending trigger events: run them now.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for _name, definition in indexes:
                cursor.execute(definition)
            if connection.in_atomic_block:
                # And back to deferred, as Django declares its foreign keys (the only
                # deferrable constraints here), for what the outer transaction writes next.
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def can_skip_row_checks():
    """May this connection load with `session_replication_role = replica` (PostgreSQL, a role
    allowed to set it: superusers, or PostgreSQL 15's GRANT SET ON PARAMETER)?"""
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_setting('is_superuser') = 'on' "
            "OR has_parameter_privilege('session_replication_role', 'SET')"
        )
        return bool(cursor.fetchone()[0])


def high_water_marks(models):
    """{table: the largest id it holds}, to find the rows a load adds (`orphans`). One query:
    in `volume.Generator.write` each round trip also waits for the drawing thread's GIL."""
    tables = [(model._meta.db_table, model._meta.pk.column) for model in models]
    maxima = ", ".join(
        f'(SELECT COALESCE(MAX("{pk}"), 0) FROM "{table}")'  # noqa: S608 - names from models
        for table, pk in tables
    )
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {maxima}")
        return dict(zip((table for table, _pk in tables), cursor.fetchone(), strict=True))


@contextmanager
def probing():
    """A cursor whose queries look rows up by index, row by row: the rows a chunk added by a
    range of their primary key, each foreign key in its target's primary key. Otherwise the
    planner, with statistics of tables that were empty when the load began, scans and hashes
    whole tables, once per chunk: a cost growing with everything loaded so far (measured: more
    than the foreign-key checks skipped, at 100,000 cases)."""
    settings = ("enable_seqscan", "enable_hashjoin", "enable_mergejoin", "enable_bitmapscan")
    with connection.cursor() as cursor:
        cursor.execute("; ".join(f"SET LOCAL {name} = off" for name in settings))
        try:
            yield cursor
        finally:
            cursor.execute("; ".join(f"SET LOCAL {name} = DEFAULT" for name in settings))


def orphans(models, marks):
    """The foreign keys of the rows added since `marks` that point at no row, as
    ["table.column", ...]: what the foreign-key constraints check row by row, for a load that
    skipped those checks. One query per table: its added rows read once (a materialized CTE),
    then each foreign key's distinct values looked up in its target (the scope columns hold a
    handful of values a chunk). A query per constraint, each reading the rows again and
    looking up every row's value, took a third longer (measured); the constraints of all the
    tables in one UNION ALL, eight times as long."""
    found = []
    with probing() as cursor:
        for model in models:
            meta = model._meta
            keys = [field for field in meta.concrete_fields if field.is_relation]
            if not keys:
                continue
            checks = []
            for field in keys:
                target = field.target_field
                checks.append(
                    f'(SELECT %s FROM (SELECT DISTINCT "{field.column}" AS ref FROM added '  # noqa: S608
                    f'WHERE "{field.column}" IS NOT NULL) used '
                    f'WHERE NOT EXISTS (SELECT 1 FROM "{target.model._meta.db_table}" parent '
                    f'WHERE parent."{target.column}" = used.ref) LIMIT 1)'
                )
            columns = ", ".join(f'"{field.column}"' for field in keys)
            cursor.execute(
                f"WITH added AS MATERIALIZED (SELECT {columns} "  # noqa: S608 - names from models
                f'FROM "{meta.db_table}" WHERE "{meta.pk.column}" > %s) '
                + " UNION ALL ".join(checks),
                [marks[meta.db_table], *(field.column for field in keys)],
            )
            found += [f"{meta.db_table}.{column}" for (column,) in cursor.fetchall()]
    return found


def write(model, columns, rows):
    """Insert `rows` (tuples of values for the fields whose attnames are `columns`) into
    `model`'s table; every other concrete field gets its default. Returns the number of rows."""
    return load(prepare(model, columns, rows))


@dataclass
class Prepared:
    """A table's rows ready to load (`prepare`); `text` is the whole COPY input when it was
    formatted ahead (PostgreSQL), else the rows are formatted as they are sent."""

    table: str
    columns: list
    fields: list
    rows: list
    defaults: tuple
    text: bytes | None = None


def prepare(model, columns, rows, *, ahead=False):
    """`write`'s first half, which touches no database: the columns, the defaults and, with
    `ahead` on PostgreSQL, the whole COPY text, so that a thread can format one chunk while
    the connection loads the previous one (`volume.Generator.write`)."""
    rows = rows if isinstance(rows, list) else list(rows)
    meta = model._meta
    fields_by_attname = {f.attname: f for f in meta.concrete_fields}
    named = [fields_by_attname[name] for name in columns]
    rest = [
        f
        for f in meta.concrete_fields
        if f.attname not in columns and not (f.primary_key and f is meta.auto_field)
    ]
    now = dt.datetime.now(dt.UTC)
    defaults = tuple(_default(field, now) for field in rest)
    prepared = Prepared(
        meta.db_table, [f.column for f in named + rest], named + rest, rows, defaults
    )
    if ahead and connection.vendor == "postgresql":
        prepared.text = "".join(_lines(rows, defaults)).encode()
    return prepared


def load(prepared):
    """`write`'s second half: insert the rows `prepare` readied. Returns the number of rows."""
    if not prepared.rows:
        return 0
    if connection.vendor == "postgresql":
        _copy(prepared)
    else:
        _executemany(prepared)
    return len(prepared.rows)


def _default(field, now):
    if isinstance(field, DateField) and (field.auto_now or field.auto_now_add):
        return now if type(field).__name__ == "DateTimeField" else now.date()
    value = field.get_default()
    if field.get_internal_type() == "JSONField" and value is not None:
        return json.dumps(value)
    return value


def _lines(rows, defaults):
    suffix = "".join("\t" + _text(value) for value in defaults) + "\n"
    return ("\t".join(map(_text, row)) + suffix for row in rows)


def _copy(prepared):
    quote = connection.ops.quote_name
    source: _Stream | io.BytesIO
    if prepared.text is None:
        source, size = _Stream(_lines(prepared.rows, prepared.defaults)), _STREAM_BLOCK
    else:
        # Formatted ahead: handed over in one read, so that this thread asks for the GIL once
        # (another is formatting the next chunk) and waits for the server without it.
        source, size = io.BytesIO(prepared.text), max(len(prepared.text), 1)
    with connection.cursor() as cursor:
        cursor.cursor.copy_expert(
            f"COPY {quote(prepared.table)} "
            f"({', '.join(quote(c) for c in prepared.columns)}) FROM STDIN",
            source,
            size=size,
        )


_STREAM_BLOCK = 1 << 16


class _Stream:
    """COPY's input, made a block at a time as psycopg2 reads it: the server parses and
    inserts one block while this process formats the next (its socket write releases the
    GIL), where formatting the whole table first made the two take turns."""

    def __init__(self, lines):
        self.lines = lines

    def read(self, size=-1):
        block, length = [], 0
        for line in self.lines:
            block.append(line)
            length += len(line)
            if 0 <= size <= length:
                break
        return "".join(block)

    def readline(self, size=-1):
        return next(self.lines, "")


def _text(value):
    """One value in COPY's text format (\\N for NULL, backslash escapes)."""
    kind = type(value)
    if kind is str:
        return _escape(value)
    if kind is int:
        return str(value)
    if value is None:
        return "\\N"
    if kind is bool:
        return "t" if value else "f"
    if kind is dt.datetime or kind is dt.date:  # ISO 8601, with the offset when aware
        return value.isoformat()
    if isinstance(value, str):  # a TextChoices member: its value
        return _escape(str.__str__(value))
    raise TypeError(f"No COPY text for {value!r}")


def _escape(text):
    """COPY's text format escapes backslash, tab, newline and carriage return. Four plain
    `replace` scans: much faster than `str.translate`, which looks up every character."""
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _executemany(prepared):
    quote = connection.ops.quote_name
    adapt = [_sqlite_adapter(field) for field in prepared.fields]
    values = [
        [a(v) for a, v in zip(adapt, row + prepared.defaults, strict=True)] for row in prepared.rows
    ]
    placeholders = ", ".join("%s" for _ in prepared.columns)
    columns = ", ".join(quote(c) for c in prepared.columns)
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {quote(prepared.table)} ({columns}) "  # noqa: S608
            f"VALUES ({placeholders})",
            values,
        )


def _sqlite_adapter(field):
    kind = field.get_internal_type()
    if kind == "DateTimeField":
        return connection.ops.adapt_datetimefield_value
    if kind == "DateField":
        return connection.ops.adapt_datefield_value
    return _plain


def _plain(value):
    return value
