"""Search that finds people (issue 15 item 2) and the "Needs my action" settings (item 1).

`Case.search_name` holds the defendant's name and aliases folded by `cases.search.fold`, filled
here for the existing cases (a copy of the function: a migration must not change when the app
does). On PostgreSQL only, pg_trgm is created and a trigram GIN index covers the column, so a
name search is an index scan that also finds slightly misspelt names. Both are plain SQL run
only on PostgreSQL, forwards and backwards (Django 5.2's CreateExtension queries pg_extension
on SQLite when unapplied).
"""

import re
import unicodedata

import django.core.validators
from django.db import migrations, models

_WORDS = re.compile(r"[^\W_]+")
_APOSTROPHES = re.compile("['’ʼ]")
INDEX = "case_search_name_trgm"


def fold(*texts):
    joined = " ".join(text for text in texts if text)
    decomposed = unicodedata.normalize("NFKD", joined)
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(_WORDS.findall(_APOSTROPHES.sub("", plain.casefold())))


def backfill(apps, schema_editor):
    Case = apps.get_model("cases", "Case")
    batch = []
    for case in Case.objects.only("pk", "defendant_name", "aliases").iterator(chunk_size=2000):
        case.search_name = fold(case.defendant_name, case.aliases)
        batch.append(case)
        if len(batch) == 2000:
            Case.objects.bulk_update(batch, ["search_name"])
            batch = []
    Case.objects.bulk_update(batch, ["search_name"])


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        schema_editor.execute(
            f"CREATE INDEX {INDEX} ON cases_case USING gin (search_name gin_trgm_ops)"
        )


def drop_index(apps, schema_editor):
    # The extension stays: another schema object may use it by then.
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0019_office_local_passwords_allowed'),
    ]

    operations = [
        migrations.AddField(
            model_name='case',
            name='search_name',
            field=models.CharField(blank=True, editable=False, max_length=510),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
        migrations.RunPython(create_index, drop_index),
        migrations.AddField(
            model_name='office',
            name='inbox_draft_days',
            field=models.PositiveSmallIntegerField(default=7, validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(90)], help_text='A draft worksheet older than this many days is listed under “Needs my action”.', verbose_name='draft age (days)'),
        ),
        migrations.AddField(
            model_name='office',
            name='inbox_hearing_days',
            field=models.PositiveSmallIntegerField(default=7, validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(90)], help_text='A case with a hearing within this many days and no signed worksheet is listed under “Needs my action”.', verbose_name='hearing window (days)'),
        ),
        migrations.AddConstraint(
            model_name='office',
            constraint=models.CheckConstraint(condition=models.Q(('inbox_hearing_days__gte', 1), ('inbox_hearing_days__lte', 90)), name='office_inbox_hearing_days_1_90'),
        ),
        migrations.AddConstraint(
            model_name='office',
            constraint=models.CheckConstraint(condition=models.Q(('inbox_draft_days__gte', 1), ('inbox_draft_days__lte', 90)), name='office_inbox_draft_days_1_90'),
        ),
    ]
