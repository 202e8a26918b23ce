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
from django.db.models.query import get_related_populators  # type: ignore[attr-defined]  # not stubbed

from . import prepared

# An id no row has, to find where the request's id goes among the compiled parameters.
STAND_IN = -7_340_019_117


class OneIdRead:
    """Rows of `model` read by a `values()` queryset whose SQL depends on one id, compiled once
    per database.

    `build(id)` returns the queryset; it must give the id to the ORM as a value (a lookup),
    never inside raw SQL, so that it reaches the compiled statement as a parameter. The id is a
    number unless `stand_in` says otherwise (a text key: a value of its type no row has).
    """

    def __init__(self, model, build, stand_in=STAND_IN):
        self.model = model
        self.build = build
        self.stand_in = stand_in
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
            prepared.execute(cursor, sql, params, positions)
            rows = cursor.fetchall()
        # The converters are built for this thread's connection: cheap beside compiling, and
        # nothing but the SQL is shared between threads.
        compiler = query.get_compiler(connection=connection)
        converters = compiler.get_converters(columns)
        if converters:
            rows = compiler.apply_converters(rows, converters)
        return [dict(zip(names, row, strict=True)) for row in rows]

    def _compile(self, alias):
        queryset = self.build(self.stand_in)
        query = queryset.query
        compiler = query.get_compiler(using=alias)
        sql, params = compiler.as_sql()
        positions = [number for number, value in enumerate(params) if value == self.stand_in]
        if not positions:
            raise ValueError("The id must reach the SQL as a parameter: build it with a lookup.")
        # The columns in the statement's order: the fields asked for, then the annotations.
        names = [*query.extra_select, *query.values_select, *query.annotation_select]
        columns = [expression for expression, _sql, _alias in compiler.select]
        return query, names, columns, sql, tuple(params), positions


class KeptInstances:
    """Model instances, with their `select_related` rows, of a queryset whose SQL depends only on
    a few ids and on a `shape`, compiled once per process for each shape and database.

    `build(shape, **ids)` returns the queryset. `shape` names everything else its SQL depends
    on (which ids it filters on, and how): one compiled statement per shape. As with `OneIdRead`,
    each id must reach the ORM as a value (a lookup), so that it becomes a parameter, and nothing
    else in the queryset may vary between calls. Only plain querysets are kept: no annotations,
    extra columns or prefetches (refused when compiled).
    """

    def __init__(self, model, build):
        self.model = model
        self.build = build
        self._compiled = {}  # (database alias, shape, id names) -> _Compiled

    def all(self, shape, **ids):
        """The instances for these ids, as the queryset would give them."""
        alias = router.db_for_read(self.model)
        key = (alias, shape, tuple(sorted(ids)))
        compiled = self._compiled.get(key)
        if compiled is None:
            compiled = self._compiled[key] = self._compile(alias, shape, sorted(ids))
        return compiled.run(alias, ids)

    def first(self, shape, **ids):
        found = self.all(shape, **ids)
        return found[0] if found else None

    def _compile(self, alias, shape, names):
        stand_ins = {name: STAND_IN - number for number, name in enumerate(names)}
        queryset = self.build(shape, **stand_ins)
        query = queryset.query
        if query.annotation_select or query.extra_select or queryset._prefetch_related_lookups:
            raise ValueError("Only plain querysets are kept: no annotations, extras or prefetches.")
        compiler = query.get_compiler(using=alias)
        sql, params = compiler.as_sql()
        positions = {
            name: [number for number, value in enumerate(params) if value == stand_in]
            for name, stand_in in stand_ins.items()
        }
        if not all(positions.values()):
            raise ValueError("Each id must reach the SQL as a parameter: build it with a lookup.")
        return _Compiled(query, compiler, sql, tuple(params), positions)


class _Compiled:
    """One compiled statement of a `KeptInstances`, and how to build instances from its rows
    (Django's ModelIterable, for a query without annotations)."""

    def __init__(self, query, compiler, sql, params, positions):
        self.query, self.sql, self.params, self.positions = query, sql, params, positions
        self.value_positions = [n for numbers in positions.values() for n in numbers]
        self.select, self.klass_info = compiler.select, compiler.klass_info
        self.columns = [expression for expression, _sql, _alias in compiler.select]
        start, end = self.klass_info["select_fields"][0], self.klass_info["select_fields"][-1] + 1
        self.own = slice(start, end)
        self.init_list = [column.target.attname for column in self.columns[self.own]]
        self._populators = {}  # alias -> RelatedPopulators (they keep the alias, nothing more)

    def run(self, alias, ids):
        params = list(self.params)
        for name, positions in self.positions.items():
            for position in positions:
                params[position] = ids[name]
        connection = connections[alias]
        with connection.cursor() as cursor:
            prepared.execute(cursor, self.sql, params, self.value_positions)
            rows = cursor.fetchall()
        compiler = self.query.get_compiler(connection=connection)
        converters = compiler.get_converters(self.columns)
        if converters:
            rows = list(compiler.apply_converters(rows, converters))
        populators = self._populators.get(alias)
        if populators is None:
            populators = self._populators[alias] = get_related_populators(
                self.klass_info, self.select, alias
            )
        model = self.klass_info["model"]
        found = []
        for row in rows:
            instance = model.from_db(alias, self.init_list, row[self.own])
            for populator in populators:
                populator.populate(row, instance)
            found.append(instance)
        return found


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
