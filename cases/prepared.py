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
with its connection; a statement PostgreSQL will not prepare (a value whose type it cannot tell)
runs as before. SQLite, and PostgreSQL with DB_PREPARED_STATEMENTS=0 (behind a pooler in
transaction mode, which does not keep a session's prepared statements), run the SQL as it is.
"""

import hashlib

from django.conf import settings

# Statements prepared on one connection at most: the kept SQL is a few dozen texts per process;
# past this, the rest run unprepared rather than fill the server's memory.
MOST_PER_CONNECTION = 256

# Each prepared statement's text by its name, for reading a log or a test's captured queries
# (`body_of`). A name is a hash of the text, the same on every connection.
_BODIES: dict = {}


def execute(cursor, sql, params, values):
    """`cursor.execute(sql, params)`, as a prepared statement where it can be one.

    `values` are the positions in `params` of the values that change from one run to the next
    (an id, a date): they become the statement's parameters. The others are the statement's
    constants (a choice such as "pending"), written into it, so that its one plan is made
    knowing them: a plan made for any outcome scanned every review where the pending ones are
    a handful. `cursor` is a Django cursor; its query, in the debug log and the tests' captured
    queries, is the EXECUTE.
    """
    db = cursor.db
    if db.vendor != "postgresql" or not settings.DB_PREPARED_STATEMENTS:
        cursor.execute(sql, params)
        return
    values = sorted(set(values))
    name = _prepared(db, sql, params, values)
    if name is None:
        cursor.execute(sql, params)
    elif values:
        cursor.execute(
            f"EXECUTE {name}({', '.join(['%s'] * len(values))})", [params[i] for i in values]
        )
    else:
        cursor.execute(f"EXECUTE {name}")


def body_of(sql):
    """The statement an `EXECUTE kept_…(…)` runs, as it was prepared (its values as $1, $2, …);
    any other SQL as it is."""
    if sql.startswith("EXECUTE kept_"):
        return _BODIES.get(sql[len("EXECUTE ") :].split("(", 1)[0], sql)
    return sql


def _prepared(db, sql, params, values):
    """The name the statement is prepared under on `db`'s connection, preparing it the first
    time; None when it cannot be."""
    raw = db.connection
    state = getattr(db, "_prepared_statements", None)
    if state is None or state[0] is not raw:  # a new connection holds none of them
        state = db._prepared_statements = (raw, dict[tuple, str | None]())
    names = state[1]
    chosen = set(values)
    key = (sql, tuple(values), tuple(v for i, v in enumerate(params) if i not in chosen))
    try:
        return names[key]
    except KeyError:
        pass
    except TypeError:  # a constant that cannot be a key (a list): run as it is
        return None
    if len(names) >= MOST_PER_CONNECTION:
        return None
    names[key] = _prepare(raw, sql, params, values)
    return names[key]


def _prepare(raw, sql, params, values):
    """PREPARE the statement on the psycopg2 connection `raw`, outside Django's cursor (like the
    settings Django sends a new connection, it is not one of the request's queries); its name,
    or None. Inside a transaction it is prepared under a savepoint, so that a refusal leaves the
    transaction as it was."""
    import psycopg2
    from psycopg2 import extensions

    status = raw.get_transaction_status()
    if status not in (extensions.TRANSACTION_STATUS_IDLE, extensions.TRANSACTION_STATUS_INTRANS):
        return None  # an aborted transaction: the statement's own run reports it
    numbers = {position: f"${number}" for number, position in enumerate(values, start=1)}
    written = [
        extensions.AsIs(numbers[i]) if i in numbers else value for i, value in enumerate(params)
    ]
    with raw.cursor() as cursor:
        try:
            body = cursor.mogrify(sql, written).decode()
        except (TypeError, ValueError, IndexError, psycopg2.ProgrammingError):
            return None  # not the ORM's placeholders: run as it is
        name = "kept_" + hashlib.sha256(body.encode()).hexdigest()[:24]
        statement = f"PREPARE {name} AS {body}"
        if raw.autocommit:
            try:
                cursor.execute(statement)
            except psycopg2.Error:
                return None
        else:
            cursor.execute("SAVEPOINT kept_prepare")
            try:
                cursor.execute(statement)
            except psycopg2.Error:
                cursor.execute("ROLLBACK TO SAVEPOINT kept_prepare")
                return None
            finally:
                cursor.execute("RELEASE SAVEPOINT kept_prepare")
    if len(_BODIES) < 4 * MOST_PER_CONNECTION:  # for reading logs: bounded, as the rest is
        _BODIES[name] = body
    return name
