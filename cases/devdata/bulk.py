"""Fast inserts for synthetic volume: PostgreSQL COPY, bulk_create elsewhere.

`bulk_create` spends most of its time in Python (building one parameterised INSERT with a
placeholder per value) and PostgreSQL parses every parameter again. COPY streams the rows as
tab-separated text instead. The primary keys are drawn from the table's own sequence first
(`nextval` over `generate_series`), so the objects get their ids as with bulk_create and the
following tables can point at them. Triggers still fire on COPY, so the signed-worksheet
freeze (migration 0003) holds for the seed as for any writer.
"""

import datetime as dt
import enum
import io
import json
import uuid
from decimal import Decimal

from django.db import connection
from django.db.models import DateField, JSONField

_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def insert(model, objects):
    """Insert `objects` (unsaved instances of `model`) and set their primary keys."""
    objects = list(objects)
    if not objects:
        return objects
    if connection.vendor != "postgresql":
        return model.objects.bulk_create(objects)
    meta = model._meta
    table = meta.db_table
    auto = meta.auto_field  # None when the key is another row's (a one-to-one primary key)
    with connection.cursor() as cursor:
        if auto is not None:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [table, auto.column, len(objects)],
            )
            for obj, (value,) in zip(objects, cursor.fetchall(), strict=True):
                setattr(obj, auto.attname, value)
        fields = meta.concrete_fields
        stamped = [f for f in fields if isinstance(f, DateField) and (f.auto_now or f.auto_now_add)]
        buffer = io.StringIO()
        for obj in objects:
            obj._prepare_related_fields_for_save(operation_name="bulk_create")
            for field in stamped:
                field.pre_save(obj, add=True)
            buffer.write("\t".join(_text(obj, field) for field in fields))
            buffer.write("\n")
            obj._state.adding = False
            obj._state.db = connection.alias
        buffer.seek(0)
        columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
        cursor.cursor.copy_expert(
            f"COPY {connection.ops.quote_name(table)} ({columns}) FROM STDIN", buffer
        )
    return objects


def _text(obj, field):
    """One value in COPY's text format (\\N for NULL, backslash escapes)."""
    value = getattr(obj, field.attname)
    if value is None:
        return "\\N"
    if isinstance(field, JSONField):
        return json.dumps(value, cls=field.encoder).translate(_ESCAPES)
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, enum.Enum):
        value = value.value
    if isinstance(value, str):
        return value.translate(_ESCAPES)
    if isinstance(value, int | float | Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, dt.date):  # and datetime: ISO 8601, with the offset when aware
        return value.isoformat()
    raise TypeError(f"No COPY text for {field.model.__name__}.{field.name}: {value!r}")
