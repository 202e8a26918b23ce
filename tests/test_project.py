"""Project-level promises: settings from the environment, no pending migrations."""

import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent


def settings_in_subprocess(env, expr):
    """Import the settings in a fresh interpreter with `env` and print `expr`."""
    clean = {
        k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DEBUG", "SECRET_KEY")
    }
    clean.update(env)
    return subprocess.run(
        [sys.executable, "-c", f"import config.settings as s; print({expr})"],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.django_db
def test_no_pending_migrations():
    out = StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)
    assert "No changes detected" in out.getvalue()


def test_settings_run_with_nothing_set():
    result = settings_in_subprocess({}, "s.DEBUG, s.DATABASES['default']['ENGINE']")
    assert result.returncode == 0, result.stderr
    assert "True" in result.stdout and "sqlite3" in result.stdout


def test_database_url_switches_to_postgresql():
    result = settings_in_subprocess(
        {"DATABASE_URL": "postgres://u@127.0.0.1:5432/x"}, "s.DATABASES['default']['ENGINE']"
    )
    assert result.returncode == 0, result.stderr
    assert "postgresql" in result.stdout


def test_postgresql_connections_run_no_parallel_query_and_keep_the_urls_options():
    """Both aliases, the replica's own URL too; an `options` the URL names is kept."""
    result = settings_in_subprocess(
        {
            "DATABASE_URL": "postgres://u@127.0.0.1:5432/x?options=-c%20statement_timeout%3D5000",
            "DATABASE_REPLICA_URL": "postgres://u@10.0.0.2:5432/x",
        },
        "s.DATABASES['default']['OPTIONS']['options'], '|', "
        "s.DATABASES['replica']['OPTIONS']['options']",
    )
    assert result.returncode == 0, result.stderr
    default, replica = result.stdout.strip().split(" | ")
    both = "-c max_parallel_workers_per_gather=0 -c plan_cache_mode=force_generic_plan"
    assert default == f"-c statement_timeout=5000 {both}"
    assert replica == both


def test_without_prepared_statements_no_generic_plans_are_asked_for():
    """Behind a pooler in transaction mode (DB_PREPARED_STATEMENTS=0): cases.prepared is off."""
    result = settings_in_subprocess(
        {"DATABASE_URL": "postgres://u@127.0.0.1:5432/x", "DB_PREPARED_STATEMENTS": "0"},
        "s.DATABASES['default']['OPTIONS']['options'], '|', s.DB_PREPARED_STATEMENTS",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["-c", "max_parallel_workers_per_gather=0", "|", "False"]


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL setting")
def test_the_applications_postgresql_connection_plans_no_parallel_workers():
    with connection.cursor() as cursor:
        cursor.execute("SHOW max_parallel_workers_per_gather")
        assert cursor.fetchone()[0] == "0"


def test_debug_off_refuses_the_development_key():
    result = settings_in_subprocess({"DEBUG": "false"}, "s.DEBUG")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_debug_off_runs_with_a_real_key():
    result = settings_in_subprocess({"DEBUG": "false", "SECRET_KEY": "k" * 60}, "s.DEBUG")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_a_malformed_boolean_fails_loudly():
    result = settings_in_subprocess({"DEBUG": "maybe"}, "s.DEBUG")
    assert result.returncode != 0
    assert "DEBUG must be true or false" in result.stderr


def test_collectstatic_succeeds_with_the_production_storage(tmp_path):
    """Production hashes and compresses static files; a broken url() in any CSS stops a deploy."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL",)}
    env.update(DEBUG="false", SECRET_KEY="k" * 60, STATIC_ROOT=str(tmp_path / "static"))
    result = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,  # hashing and compressing every font file; slow on a loaded machine
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert (tmp_path / "static" / "staticfiles.json").exists()


def test_no_asset_is_loaded_from_a_cdn():
    for template in (ROOT / "templates").rglob("*.html"):
        text = template.read_text()
        assert "https://" not in text and "http://" not in text and "//cdn" not in text, template


def test_deploy_check_warns_when_the_harfbuzz_subsetter_is_missing(monkeypatch):
    from weasyprint.text import ffi

    from cases.checks import harfbuzz_subsetter

    assert ffi.harfbuzz_subset is not None, "libharfbuzz-subset0 should be installed here"
    assert harfbuzz_subsetter(None) == []
    monkeypatch.setattr(ffi, "harfbuzz_subset", None)
    (warning,) = harfbuzz_subsetter(None)
    assert warning.id == "considered.W001"
    assert "libharfbuzz-subset0" in warning.msg


def test_wsgi_worker_warms_up_without_the_database_or_the_broker():
    """A gunicorn worker imports config.wsgi at boot; the warm-up must not need the database
    or the broker, so that workers still boot (and answer 503, or sign with the PDF left to
    its first download) while PostgreSQL or Redis is down. The job queue's producer pool is
    made, not connected."""
    code = (
        "import config.wsgi, sys; from cases import pdf; from config.celery import app; "
        "print(pdf._font_config is not None, 'cases.views.worksheet_pdf' in sys.modules, "
        "app._pool is not None, not app.pool.connection.connected)"
    )
    env = dict(
        os.environ,
        DATABASE_URL="postgres://nobody@127.0.0.1:1/none",
        CELERY_BROKER_URL="redis://127.0.0.1:1/0",
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == ["True", "True", "True", "True"]


def test_wsgi_worker_boots_with_a_broker_url_it_cannot_read():
    """A misspelt broker URL stops the job queue, never the web tier (PDFs then render at their
    first download): the worker boots, and says why in its log."""
    code = "import config.wsgi; from cases import pdf_jobs; print(pdf_jobs.enqueue(1))"
    env = dict(os.environ, CELERY_BROKER_URL="reddis://127.0.0.1:6379/0")
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == ["False"]
    assert "broker URL could not be read" in result.stderr


def test_server_and_worker_processes_freeze_what_they_loaded_out_of_the_collector():
    """config/collector.py: a gunicorn worker (config.wsgi) and a Celery worker process (its
    worker_process_init) freeze what they loaded and collect every THRESHOLD[0] objects, not 700.
    Each runs in its own interpreter: the test process's collector is left as it is."""
    code = (
        "import gc, sys; {load}; from config.collector import THRESHOLD; "
        "print(gc.get_freeze_count() > 50000, gc.get_threshold() == THRESHOLD)"
    )
    loads = {
        "gunicorn": "import config.wsgi",
        "celery": "import django; django.setup(); from config.celery import _warm_up; _warm_up()",
    }
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="config.settings")
    for name, load in loads.items():
        result = subprocess.run(
            [sys.executable, "-c", code.format(load=load)],
            cwd=ROOT, env=env, capture_output=True, text=True, check=True,
        )  # fmt: skip
        assert result.stdout.split() == ["True", "True"], (name, result.stdout, result.stderr)
