"""Nothing a user or a rule depends on stays in one server's memory (issue 19 item 3): sessions,
the log-in lockout and the API's rate limits live in the database, or in Redis with CACHE_URL,
so that any of several application servers can answer the next request.

bench/bench_failover.py proves it end to end (two gunicorn servers behind HAProxy, one stopped
under load); these tests pin the settings and show the rate limit surviving a process's memory.
"""

import uuid

import pytest
from asgiref.local import Local
from django.conf import settings as django_settings
from django.core.cache import caches
from django.core.cache.backends import locmem
from django.urls import reverse

from cases.api.tokens import make_token
from tests.test_project import settings_in_subprocess


def test_the_cache_is_the_database_unless_cache_url_names_redis():
    default = settings_in_subprocess({}, "s.CACHES['default']['BACKEND']")
    assert default.returncode == 0, default.stderr
    assert default.stdout.strip() == "django.core.cache.backends.db.DatabaseCache"
    redis = settings_in_subprocess({"CACHE_URL": "redis://127.0.0.1:6379/5"}, "s.CACHES['default']")
    assert redis.returncode == 0, redis.stderr
    assert "RedisCache" in redis.stdout and "redis://127.0.0.1:6379/5" in redis.stdout


def test_a_cache_url_that_is_not_redis_stops_the_start():
    result = settings_in_subprocess({"CACHE_URL": "locmem://"}, "s.CACHES")
    assert result.returncode != 0
    assert "CACHE_URL must be a redis://" in result.stderr


def test_sessions_and_lockouts_are_kept_in_the_database():
    # Django's database session engine (its rows read by cases.session_store) and django-axes'
    # database handler; a cache-only or file-based session engine would be one server's (or one
    # process's) memory.
    from importlib import import_module

    from django.contrib.sessions.backends.db import SessionStore

    store = import_module(django_settings.SESSION_ENGINE).SessionStore
    assert issubclass(store, SessionStore) and store.get_model_class().__module__.startswith(
        "django.contrib.sessions"
    )
    assert django_settings.AXES_HANDLER == "axes.handlers.database.AxesDatabaseHandler"


def forget_process_memory():
    """What another gunicorn worker, or another server, starts with: no local-memory cache and
    no open cache connection."""
    caches.close_all()
    caches._connections = Local()  # as Django's own test signals reset the handler
    locmem._caches.clear()
    locmem._expire_info.clear()
    locmem._locks.clear()


def calls_across_two_processes(client, office, dave, limit=2):
    """`limit` calls in one process, then one in a fresh process (API_RATE_LIMIT is `limit`)."""
    token = make_token(office, by_user=dave, name="PCMS", scopes=["read"])[1]
    url = reverse("api_case", args=["NONE"])
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    first = [client.get(url, **headers).status_code for _ in range(limit)]
    forget_process_memory()
    return first, client.get(url, **headers).status_code


@pytest.mark.django_db
def test_the_api_rate_limit_is_shared_by_processes_through_the_database(
    client, settings, office, dave
):
    settings.API_RATE_LIMIT = "2/min"
    first, after = calls_across_two_processes(client, office, dave)
    assert first == [404, 404]  # unknown case number: the calls themselves were allowed
    assert after == 429


@pytest.mark.django_db
def test_the_api_rate_limit_is_shared_by_servers_through_redis(client, settings, office, dave):
    # Redis database 5 is this project's on the shared machine; a fresh prefix per run keeps
    # the SQLite and PostgreSQL suites, run side by side, from counting each other's calls.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/5",
            "KEY_PREFIX": f"test-{uuid.uuid4().hex}",
            "TIMEOUT": 120,
        }
    }
    settings.API_RATE_LIMIT = "2/min"
    first, after = calls_across_two_processes(client, office, dave)
    assert first == [404, 404]
    assert after == 429


@pytest.mark.django_db
def test_unknown_tokens_are_counted_across_processes(client, settings, office, dave):
    # The per-address limit on unknown tokens is a lockout: a guesser spreading calls over the
    # workers and servers must meet one count, not one per process.
    settings.API_AUTH_FAILURE_LIMIT = (2, 600)
    token = make_token(office, by_user=dave, name="PCMS", scopes=["read"])[1]
    url = reverse("api_case", args=["NONE"])
    for attempt in range(2):
        guess = client.get(url, HTTP_AUTHORIZATION=f"Bearer cst_guess-{attempt}")
        assert guess.status_code == 401
    forget_process_memory()
    assert client.get(url, HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 429
