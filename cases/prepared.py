"""The SQL the app keeps per process, run on PostgreSQL as prepared statements with generic plans.

PostgreSQL plans every statement it is sent. For the small statements each request makes, the
plan costs more than the run: under the stress profile half of PostgreSQL's time went to
planning, and the navigation's count of "Needs my action", on every page, spent 1.6 ms planning
and 0.9 ms running (issue 19). The statements `cases.kept_reads` and the navigation keep are the
same text from one request to the next, only their values change, so each is prepared once per
database connection (`PREPARE`) and then run with the request's values (`EXECUTE`). The
connection's `plan_cache_mode=force_generic_plan` (a start-up option, config/settings.py) makes
PostgreSQL plan it once, for any values, rather than again at each run. These are lookups by
id and by the user's office, unit and dates, whose best plan does not depend on the values.

Nothing else changes: the same SQL runs with the same values and reads the same rows, afresh each
time. A prepared statement outlives the transaction that prepared it, rolled back or not, and ends
with its connection. The SQL runs as it is where preparing would not pay or could differ: a
statement PostgreSQL will not prepare (a value whose type it cannot tell), an id beyond the
64-bit range (no row, where a bigint parameter would refuse it), connections not kept between
requests (DB_CONN_MAX_AGE=0), SQLite, and DB_PREPARED_STATEMENTS=0 (behind a pooler in
transaction mode, which does not keep a session's prepared statements). A statement the server
no longer holds (DEALLOCATE, a pooler) or whose columns a migration changed is prepared again.
"""

import hashlib

from django.conf import settings
from django.db import Error as DatabaseError

# Statements prepared on one connection at most: the kept SQL is a few dozen texts per process;
# past this, the rest run unprepared rather than fill the server's memory.
MOST_PER_CONNECTION = 256

# A bigint parameter refuses what a bigint column compared with a numeric literal simply misses.
_INT8 = range(-(2**63), 2**63)

# PostgreSQL's answers to a PREPARE or an EXECUTE that this module acts on (SQLSTATE codes).
_GONE = {"26000", "0A000"}  # no such statement; "cached plan must not change result type"
_EXISTS = "42P05"  # already prepared on this connection, under the same name, so the same text
_FOR_GOOD = ("42", "22")  # classes of a statement that will never prepare: its text or its types
_SPOILT = ("spoilt",)  # the connection's state after a statement was gone: DEALLOCATE ALL first


def execute(cursor, sql, params, values):
    """`cursor.execute(sql, params)`, as a prepared statement where it can be one.

    `values` are the positions in `params` of the values that change from one run to the next
    (an id, a date): they become the statement's parameters. The others are the statement's
    constants (a choice such as "pending"), written into it, so that its one plan is made
    knowing them: a plan made for any outcome scanned every review where the pending ones are
    a handful. `cursor` is a Django cursor; its query, in the debug log and the tests' captured
    queries, is the EXECUTE (`body_of` gives the statement it runs).
    """
    db = cursor.db
    values = sorted(set(values))
    name = _prepared(db, sql, params, values) if _worth_preparing(db, params, values) else None
    if name is None:
        cursor.execute(sql, params)
        return
    run = f"EXECUTE {name}({', '.join(['%s'] * len(values))})" if values else f"EXECUTE {name}"
    try:
        cursor.execute(run, [params[i] for i in values])
    except DatabaseError as error:  # Django's, wrapping psycopg2's (its __cause__)
        if getattr(error.__cause__, "pgcode", None) not in _GONE:
            raise
        db._prepared_statements = _SPOILT  # forgotten, and prepared again at the next run
        if not db.get_autocommit() or db.in_atomic_block:
            raise  # the transaction is spoilt: the request fails as any failed statement does
        cursor.execute(sql, params)


def body_of(sql, using="default"):
    """The statement an `EXECUTE kept_…(…)` on the connection `using` runs, as it was prepared
    (its values as $1, $2, …); any other SQL as it is."""
    from django.db import connections

    if not sql.startswith("EXECUTE kept_"):
        return sql
    state = getattr(connections[using], "_prepared_statements", None)
    name = sql.removeprefix("EXECUTE ").split("(", 1)[0]
    return state[2].get(name, sql) if state and len(state) == 3 else sql


def _worth_preparing(db, params, values):
    return (
        db.vendor == "postgresql"
        and settings.DB_PREPARED_STATEMENTS
        and db.Database.__name__ == "psycopg2"  # the adapters and status calls below are its own
        and db.settings_dict["CONN_MAX_AGE"] != 0  # a connection per request: nothing to reuse
        and not any(
            type(params[i]) is int and params[i] not in _INT8  # a bool is not an id
            for i in values
        )
    )


def _prepared(db, sql, params, values):
    """The name the statement is prepared under on `db`'s connection, preparing it the first
    time; None when it is not (then or ever)."""
    raw = db.connection
    state = getattr(db, "_prepared_statements", None)
    if state is _SPOILT and not _forget_all(db, raw):
        return None
    if state is None or state[0] is not raw:  # a new connection holds none of them
        # (the connection, {key: name or None}, {name: text}: per connection, so bounded)
        names: dict[tuple, str | None] = {}
        state = db._prepared_statements = (raw, names, {})
    names = state[1]
    chosen = set(values)
    try:
        # Typed, so that constants equal in Python (1 and True) are not taken for each other.
        constants = tuple((type(v), v) for i, v in enumerate(params) if i not in chosen)
        key = (sql, tuple(values), constants)
        return names[key]
    except KeyError:
        pass
    except TypeError:  # a constant that cannot be a key (a list): run as it is
        return None
    if len(names) >= MOST_PER_CONNECTION:
        return None
    name, lasting = _prepare(db, raw, sql, params, values, state[2])
    if name is not None or lasting:
        names[key] = name
    return name


def _forget_all(db, raw):
    """DEALLOCATE what the connection holds, after one of its statements was gone or spoilt by
    a migration: prepared again, under the same names, they must not meet the old ones."""
    from psycopg2 import extensions

    status = raw.get_transaction_status()
    if status not in (extensions.TRANSACTION_STATUS_IDLE, extensions.TRANSACTION_STATUS_INTRANS):
        return False  # after the transaction ends
    with db.wrap_database_errors, raw.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")
    db._prepared_statements = None
    return True


def _prepare(db, raw, sql, params, values, bodies):
    """PREPARE the statement on the psycopg2 connection `raw`, outside Django's cursor (like the
    settings Django sends a new connection, it is not one of the request's queries): (its name
    or None, whether that answer lasts). Inside a transaction it is prepared under a savepoint,
    so that a refusal leaves the transaction as it was."""
    from psycopg2 import extensions

    status = raw.get_transaction_status()
    if status not in (extensions.TRANSACTION_STATUS_IDLE, extensions.TRANSACTION_STATUS_INTRANS):
        return None, False  # an aborted transaction: the statement's own run reports it
    numbers = {position: f"${number}" for number, position in enumerate(values, start=1)}
    written = [
        extensions.AsIs(numbers[i]) if i in numbers else value for i, value in enumerate(params)
    ]
    with db.wrap_database_errors, raw.cursor() as cursor:
        try:
            body = cursor.mogrify(sql, written).decode()
        except (TypeError, ValueError, IndexError, db.Database.ProgrammingError):
            return None, True  # not the ORM's placeholders: run as it is
        name = "kept_" + hashlib.sha256(body.encode()).hexdigest()[:24]
        statement = f"PREPARE {name} AS {body}"
        try:
            if raw.autocommit:
                cursor.execute(statement)
            else:  # one round trip when it prepares
                cursor.execute(
                    f"SAVEPOINT kept_prepare; {statement}; RELEASE SAVEPOINT kept_prepare"
                )
        except db.Database.Error as error:
            if not raw.autocommit:
                cursor.execute("ROLLBACK TO SAVEPOINT kept_prepare; RELEASE SAVEPOINT kept_prepare")
            code = getattr(error, "pgcode", None) or ""
            if code != _EXISTS:
                return None, code.startswith(_FOR_GOOD)
    bodies[name] = body
    return name, True
