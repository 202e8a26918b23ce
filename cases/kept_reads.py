"""Reads made on every request, their SQL compiled once per process.

Every signed-in request reads the user's membership (with the office, the unit and whether a
second-factor device is confirmed), the user's permissions and the office's policy. Turning
those querysets into SQL cost the app server more CPU than PostgreSQL spent running them: on
every request 1.5 ms for the membership, 0.9 ms for the permissions, 0.4 ms for the policy
(issue 19). Their SQL differs from one request to the next only by an id, so each is compiled
once, with a stand-in where the id goes, and run with the request's id. Only the SQL is kept:
the rows are read afresh every time, so a change made in another process shows at once.
"""

from django.db import connections, router

# An id no row has, to find where the request's id goes among the compiled parameters.
STAND_IN = -7_340_019_117


class OneIdRead:
    """Rows of `model` read by a `values()` queryset whose SQL depends on one id, compiled once
    per database.

    `build(id)` returns the queryset; it must give the id to the ORM as a value (a lookup),
    never inside raw SQL, so that it reaches the compiled statement as a parameter.
    """

    def __init__(self, model, build):
        self.model = model
        self.build = build
        self._compiled = {}  # database alias -> (query, names, columns, sql, params, positions)

    def alias(self):
        """The database the rows are read from, as the ORM would choose it."""
        return router.db_for_read(self.model)

    def rows(self, id_value):
        """The rows for `id_value`, each a dict of the queryset's names, with the values the ORM
        would give (its converters applied: SQLite's booleans and dates, JSON)."""
        alias = self.alias()
        compiled = self._compiled.get(alias)
        if compiled is None:
            compiled = self._compiled[alias] = self._compile(alias)
        query, names, columns, sql, params, positions = compiled
        params = list(params)
        for position in positions:
            params[position] = id_value
        connection = connections[alias]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        # The converters are built for this thread's connection: cheap beside compiling, and
        # nothing but the SQL is shared between threads.
        compiler = query.get_compiler(connection=connection)
        converters = compiler.get_converters(columns)
        if converters:
            rows = compiler.apply_converters(rows, converters)
        return [dict(zip(names, row, strict=True)) for row in rows]

    def _compile(self, alias):
        queryset = self.build(STAND_IN)
        query = queryset.query
        compiler = query.get_compiler(using=alias)
        sql, params = compiler.as_sql()
        positions = [number for number, value in enumerate(params) if value == STAND_IN]
        if not positions:
            raise ValueError("The id must reach the SQL as a parameter: build it with a lookup.")
        # The columns in the statement's order: the fields asked for, then the annotations.
        names = [*query.extra_select, *query.values_select, *query.annotation_select]
        columns = [expression for expression, _sql, _alias in compiler.select]
        return query, names, columns, sql, tuple(params), positions


def concrete_names(model, prefix=""):
    """The names a `values()` queryset reads `model`'s own columns by (through `prefix`, a
    relation's: "office__")."""
    return [f"{prefix}{field.attname}" for field in model._meta.concrete_fields]


def instance(model, row, db, prefix=""):
    """The `model` instance whose columns `row` read under `concrete_names(model, prefix)` from
    the database `db`, as the ORM builds one it has read."""
    names = [field.attname for field in model._meta.concrete_fields]
    values = [row[f"{prefix}{name}"] for name in names]
    return model.from_db(db, names, values)
