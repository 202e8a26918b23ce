"""The compliance report's indexes, and WorksheetGround: the flagged grounds of each signed
worksheet, copied out of its frozen engine output so the report can count them in SQL.

Signed worksheets that exist already are backfilled from their engine output (read only: the
signed rows themselves are not touched).
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def backfill_grounds(apps, schema_editor):
    from cases.models import flagged_grounds_in

    Worksheet = apps.get_model("cases", "Worksheet")
    WorksheetGround = apps.get_model("cases", "WorksheetGround")
    signed = Worksheet.objects.filter(signed_at__isnull=False).only(
        "pk", "engine_output", "chosen_disposition_id"
    )
    rows = []
    for worksheet in signed.iterator(chunk_size=2000):
        grounds = flagged_grounds_in(worksheet.engine_output, worksheet.chosen_disposition_id)
        rows.extend(
            WorksheetGround(worksheet_id=worksheet.pk, ground=ground, on_chosen_offer=chosen)
            for ground, chosen in grounds.items()
        )
        if len(rows) >= 5000:
            WorksheetGround.objects.bulk_create(rows)
            rows = []
    WorksheetGround.objects.bulk_create(rows)


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0003_signed_worksheet_and_audit_triggers'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='WorksheetGround',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('ground', models.CharField(choices=[('aggravated_felony', 'Aggravated felony'), ('cimt', 'Crime involving moral turpitude'), ('controlled_substance', 'Controlled substance'), ('firearm', 'Firearm'), ('domestic_violence', 'Domestic violence, stalking, child abuse, protection order'), ('prostitution', 'Prostitution'), ('other_inadmissibility', 'Other inadmissibility ground'), ('other_deportability', 'Other deportability ground'), ('daca_bar', 'DACA bar'), ('tps_bar', 'TPS bar'), ('asylum_bar', 'Asylum bar'), ('mandatory_detention', 'Mandatory detention'), ('good_moral_character', 'Good moral character')], max_length=40)),
                ('on_chosen_offer', models.BooleanField(default=False)),
            ],
            options={
                'ordering': ['worksheet', 'ground'],
            },
        ),
        migrations.AddIndex(
            model_name='case',
            index=models.Index(fields=['office', 'unit'], name='case_office_unit'),
        ),
        migrations.AddIndex(
            model_name='case',
            index=models.Index(fields=['office', 'assigned_deputy'], name='case_office_deputy'),
        ),
        migrations.AddIndex(
            model_name='disposition',
            index=models.Index(condition=models.Q(('conveyed_at__isnull', False)), fields=['conveyed_at', 'case'], name='disposition_conveyed_case'),
        ),
        migrations.AddIndex(
            model_name='review',
            index=models.Index(fields=['requested_at'], name='review_requested'),
        ),
        migrations.AddIndex(
            model_name='worksheet',
            index=models.Index(condition=models.Q(('signed_at__isnull', False)), fields=['signed_at', 'case'], name='worksheet_signed_case'),
        ),
        migrations.AddField(
            model_name='worksheetground',
            name='worksheet',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='grounds', to='cases.worksheet'),
        ),
        migrations.AddIndex(
            model_name='worksheetground',
            index=models.Index(fields=['ground', 'worksheet'], name='worksheet_ground'),
        ),
        migrations.AddConstraint(
            model_name='worksheetground',
            constraint=models.UniqueConstraint(fields=('worksheet', 'ground'), name='worksheet_ground_unique'),
        ),
        migrations.RunPython(backfill_grounds, migrations.RunPython.noop),
    ]
