"""The kept SQL run as prepared statements on PostgreSQL (cases.prepared): the same rows as the
SQL run as it is, planned once per connection with the statement's constants written in, and
nothing lost to a rolled-back transaction, a statement PostgreSQL refuses or a new connection."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from cases import inbox, prepared
from cases.choices import ReviewOutcome
from cases.middleware import attach_membership, attach_permissions
from cases.views.review import pending_reviews_for
from tests.test_kept_reads import fresh, same_row

pytestmark = pytest.mark.django_db
on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's"
)


def run(sql, params, values):
    with connection.cursor() as cursor:
        prepared.execute(cursor, sql, params, values)
        return cursor.fetchall()


def statement(name):
    """(generic plans, custom plans, text) of a statement prepared on this connection."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT generic_plans, custom_plans, statement FROM pg_prepared_statements"
            " WHERE name = %s",
            [name],
        )
        return cursor.fetchone()


def executed(captured):
    return [q["sql"] for q in captured.captured_queries if q["sql"].startswith("EXECUTE kept_")]


def navigation(user):
    user = fresh(user)
    attach_membership(user)
    attach_permissions(user)
    return user


@on_postgresql
def test_a_kept_read_runs_prepared_and_reads_what_the_sql_reads(alice, carol, settings):
    for user in (alice, carol):
        with CaptureQueriesContext(connection) as captured:
            kept = attach_membership(fresh(user))
        [run_as] = executed(captured)
        body = prepared.body_of(run_as)
        assert 'FROM "cases_membership"' in body and "$1" in body
        settings.DB_PREPARED_STATEMENTS = False
        with CaptureQueriesContext(connection) as plain:
            as_it_is = attach_membership(fresh(user))
        settings.DB_PREPARED_STATEMENTS = True
        assert not executed(plain)
        same_row(kept, as_it_is)
        same_row(kept.office, as_it_is.office)


@on_postgresql
def test_the_statement_is_planned_once_for_any_values(alice, carol):
    for user in (alice, carol, alice):
        attach_membership(fresh(user))
    with CaptureQueriesContext(connection) as captured:
        attach_membership(fresh(carol))
    name = executed(captured)[0].split("(")[0].removeprefix("EXECUTE ")
    generic, custom, _text = statement(name)
    # Fails when the connection's plan_cache_mode is not force_generic_plan (config/settings.py):
    # PostgreSQL then plans again at each of the first five runs.
    assert generic >= 1 and custom == 0


@on_postgresql
def test_the_navigations_choices_are_written_in_and_its_ids_are_values(
    case, office, unit, alice, carol, settings
):
    from tests import factories
    from tests.test_inbox import awaiting_review, returned

    returned(case, alice, carol)
    awaiting_review(factories.make_case(office, unit, alice, "P-2"), alice)
    user = navigation(carol)
    with CaptureQueriesContext(connection) as captured:
        both = inbox.navigation_counts(user, reviews=pending_reviews_for(user))
    [body] = [b for b in map(prepared.body_of, executed(captured)) if "COUNT(*)" in b]
    # The plan knows it counts the pending reviews and the returned ones, not any outcome; the
    # user and the office are the statement's values, shared by every user of the same shape.
    assert f"'{ReviewOutcome.PENDING}'" in body and f"'{ReviewOutcome.RETURNED}'" in body
    assert f'"signed_by_id" = {carol.pk}' not in body and "$1" in body
    settings.DB_PREPARED_STATEMENTS = False
    assert both == inbox.navigation_counts(user, reviews=pending_reviews_for(user)) == (1, 1)
    deputy = navigation(alice)
    assert inbox.navigation_counts(deputy) == (1, 0)
    settings.DB_PREPARED_STATEMENTS = True
    assert inbox.navigation_counts(deputy) == (1, 0)


def fresh_connection():
    """A new connection, holding no prepared statement (each test below starts from one, so
    that what it checks is not decided by an earlier test on the same connection)."""
    connection.close()
    connection.connect()


def prepared_here(name):
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE name = %s", [name])
        return cursor.fetchone()[0] == 1


def name_of(captured):
    [run_as] = executed(captured)
    return run_as.removeprefix("EXECUTE ").split("(", 1)[0]


USERNAME = 'SELECT "username" FROM "auth_user" WHERE "id" = %s'


def reads_prepared(user):
    """The username read, checked, and run as a statement this connection holds."""
    with CaptureQueriesContext(connection) as captured:
        assert run(USERNAME, [user.pk], [0]) == [(user.username,)]
    return prepared_here(name_of(captured))


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_statement_prepared_in_a_transaction_rolled_back_is_still_there(alice):
    fresh_connection()
    with pytest.raises(RuntimeError), transaction.atomic():
        with CaptureQueriesContext(connection) as first:
            assert run(USERNAME, [alice.pk], [0]) == [("alice",)]
        raise RuntimeError("roll back")
    with CaptureQueriesContext(connection) as again:
        assert run(USERNAME, [alice.pk], [0]) == [("alice",)]
    assert name_of(first) == name_of(again) and prepared_here(name_of(again))


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_too(alice):
    fresh_connection()
    assert connection.get_autocommit()
    assert reads_prepared(alice) and reads_prepared(alice)


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_statement_postgresql_will_not_prepare_runs_as_it_is(alice):
    fresh_connection()
    # PostgreSQL cannot tell which + adds two values of unknown types: PREPARE fails, under a
    # savepoint; run as it is, the values are numbers.
    with transaction.atomic():
        with CaptureQueriesContext(connection) as captured:
            assert run("SELECT %s + %s", [1, 2], [0, 1]) == [(3,)]
        assert [q["sql"] for q in captured.captured_queries] == ["SELECT 1 + 2"]
        # The transaction is still usable.
        assert run(USERNAME, [alice.pk], [0]) == [("alice",)]


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_in_a_failed_transaction_nothing_is_prepared_and_the_error_is_djangos(alice):
    from django.db import DatabaseError

    fresh_connection()
    with pytest.raises(DatabaseError), transaction.atomic():
        with pytest.raises(DatabaseError), connection.cursor() as cursor:
            cursor.execute("SELECT 1 / 0")
        run(USERNAME, [alice.pk], [0])  # the usual error: the transaction is aborted
    # Not remembered as a statement that cannot be prepared: the next run prepares it.
    assert reads_prepared(alice)


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_new_connection_prepares_again(alice):
    fresh_connection()
    run(USERNAME, [alice.pk], [0])
    fresh_connection()
    assert reads_prepared(alice)


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_statement_the_server_no_longer_holds_is_prepared_again(alice):
    """A pooler that lost it, or a DEALLOCATE: outside a transaction the read still answers,
    and the next one prepares afresh."""
    fresh_connection()
    run(USERNAME, [alice.pk], [0])
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")
    assert run(USERNAME, [alice.pk], [0]) == [("alice",)]
    with CaptureQueriesContext(connection) as captured:
        assert run(USERNAME, [alice.pk], [0]) == [("alice",)]
    assert len(captured) == 1 and prepared_here(name_of(captured))


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_statement_whose_columns_changed_type_is_prepared_again(alice):
    """A migration in another process: PostgreSQL refuses the old plan's result type."""
    fresh_connection()
    sql = 'SELECT "first_name" FROM "auth_user" WHERE "id" = %s'
    run(sql, [alice.pk], [0])
    with connection.cursor() as cursor:
        cursor.execute('ALTER TABLE "auth_user" ALTER COLUMN "first_name" TYPE text')
    try:
        assert run(sql, [alice.pk], [0]) == [(alice.first_name,)]  # refused, then run as it is
        with CaptureQueriesContext(connection) as captured:
            assert run(sql, [alice.pk], [0]) == [(alice.first_name,)]
        # Prepared afresh and run once: not the old statement refused again, then the SQL.
        assert len(captured) == 1 and prepared_here(name_of(captured))
    finally:
        with connection.cursor() as cursor:
            cursor.execute('ALTER TABLE "auth_user" ALTER COLUMN "first_name" TYPE varchar(150)')


@on_postgresql
def test_an_id_beyond_64_bits_is_no_row_not_an_error(alice, client):
    """A bigint parameter would refuse it; the SQL as it is finds nothing: the page is a 404."""
    huge = 2**64
    with CaptureQueriesContext(connection) as captured:
        assert run(USERNAME, [huge], [0]) == []
    assert not executed(captured)
    client.force_login(alice)
    assert client.get(f"/cases/{huge}/").status_code == 404


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_past_the_limit_a_connection_prepares_no_more(alice, monkeypatch):
    monkeypatch.setattr(prepared, "MOST_PER_CONNECTION", 0)
    fresh_connection()
    with CaptureQueriesContext(connection) as captured:
        assert run(USERNAME, [alice.pk], [0])
    assert not executed(captured)


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_with_a_connection_per_request_nothing_is_prepared(alice, settings):
    fresh_connection()
    connection.settings_dict["CONN_MAX_AGE"] = 0
    try:
        with CaptureQueriesContext(connection) as captured:
            assert run(USERNAME, [alice.pk], [0]) == [("alice",)]
    finally:
        connection.settings_dict["CONN_MAX_AGE"] = 60
    assert not executed(captured)


@on_postgresql
def test_the_session_and_the_case_a_page_opens_are_read_prepared(client, alice, case):
    client.force_login(alice)
    client.get(f"/cases/{case.pk}/")
    with CaptureQueriesContext(connection) as captured:
        assert client.get(f"/cases/{case.pk}/").status_code == 200
    bodies = [prepared.body_of(sql) for sql in executed(captured)]
    assert any('FROM "django_session"' in body for body in bodies)
    assert any(body.startswith('SELECT "cases_case"."id"') for body in bodies)


def test_elsewhere_the_sql_runs_as_it_is(alice, settings):
    """SQLite, or PostgreSQL with DB_PREPARED_STATEMENTS off (behind a pooler)."""
    settings.DB_PREPARED_STATEMENTS = connection.vendor == "sqlite"
    with CaptureQueriesContext(connection) as captured:
        assert attach_membership(fresh(alice)) is not None
    assert not executed(captured)


def test_body_of_leaves_other_sql_alone():
    assert prepared.body_of("SELECT 1") == "SELECT 1"
    assert prepared.body_of("EXECUTE kept_unknown(1)") == "EXECUTE kept_unknown(1)"


@pytest.mark.parametrize(
    "path", ["/cases/{}/", "/cases/{}/compare/", "/worksheets/{}/", "/worksheets/{}/pdf/"]
)
def test_an_id_beyond_64_bits_in_a_url_is_a_404(client, alice, case, path):
    """On either database: SQLite refused such an id with an error, a 500
    (cases.middleware.IdsInRangeMiddleware)."""
    from cases.choices import AuditAction
    from cases.models import AuditEvent

    client.force_login(alice)
    assert client.get(path.format(2**63)).status_code == 404
    assert client.get(path.format(2**63 - 1)).status_code == 404  # the largest id: no such row
    # Both refusals audited, as any view's 404 is: probing for ids leaves a trail.
    refused = AuditEvent.objects.filter(action=AuditAction.REFUSED, user=alice)
    assert sorted(event.data["path"] for event in refused) == sorted(
        path.format(number) for number in (2**63, 2**63 - 1)
    )
