"""The database cache's table (config/settings.py, CACHES): the API's rate limits are shared by
every process and server without a new service. Created here rather than by `createcachetable`,
so that `migrate` alone sets up a server; the table is Django's own cache layout."""

from django.core.management.commands.createcachetable import Command as CreateCacheTable
from django.db import migrations

TABLE = "considered_cache"


def create(apps, schema_editor):
    command = CreateCacheTable()
    command.verbosity = 0
    command.create_table(schema_editor.connection.alias, TABLE, dry_run=False)


def drop(apps, schema_editor):
    schema_editor.execute(f"DROP TABLE IF EXISTS {schema_editor.quote_name(TABLE)}")


class Migration(migrations.Migration):
    dependencies = [("cases", "0024_catalog_versions")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
