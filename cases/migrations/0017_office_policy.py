# Office policy versions (issue 17): the five settings move from Office into OfficePolicy;
# requests for immigration counsel's view.

import datetime

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


# The settings issue 17 versions, copied from each office into its first policy version, in
# force since the start of its records (1970-01-01), so that every report keeps its figures.
EPOCH = datetime.date(1970, 1, 1)


def first_versions(apps, schema_editor):
    Office = apps.get_model("cases", "Office")
    OfficePolicy = apps.get_model("cases", "OfficePolicy")
    for office in Office.objects.all():
        scope = office.worksheet_scope
        OfficePolicy.objects.create(
            office=office,
            effective_from=EPOCH,
            # "When the defense asks" is now the separate defense-request setting.
            worksheet_scope="all_offers" if scope == "on_request" else scope,
            defense_request_required=scope == "on_request",
            exclude_serious_violent=office.exclude_serious_violent,
            supervisor_approval=office.supervisor_approval,
            # The old flag had no ground to route by; it meant counsel took requests.
            counsel_routing="on_request" if office.route_to_counsel else "off",
            second_factor="admins" if office.second_factor_required else "none",
        )


def back_to_office(apps, schema_editor):
    Office = apps.get_model("cases", "Office")
    OfficePolicy = apps.get_model("cases", "OfficePolicy")
    for office in Office.objects.all():
        policy = (
            OfficePolicy.objects.filter(office=office).order_by("-effective_from").first()
        )
        if policy is None:
            continue
        office.worksheet_scope = (
            "on_request" if policy.defense_request_required else policy.worksheet_scope
        )
        office.exclude_serious_violent = policy.exclude_serious_violent
        office.supervisor_approval = policy.supervisor_approval
        office.route_to_counsel = policy.counsel_routing != "off"
        office.second_factor_required = policy.second_factor != "none"
        office.save()


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0016_offer_terms_frozen'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='OfficePolicy',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('effective_from', models.DateField()),
                ('worksheet_scope', models.CharField(choices=[('all_offers', 'Every plea offer'), ('felonies', 'Felony cases only'), ('flagged', 'Cases with a flagged ground'), ('none', 'No worksheet required')], default='all_offers', max_length=20)),
                ('exclude_serious_violent', models.BooleanField(default=False)),
                ('supervisor_approval', models.CharField(choices=[('never', 'No supervisor approval'), ('departures', 'Approval for departures from the standard offer'), ('always', 'Approval for every signed worksheet')], default='departures', max_length=20)),
                ('defense_request_required', models.BooleanField(default=False)),
                ('counsel_routing', models.CharField(choices=[('off', 'Off'), ('on_request', 'When a deputy asks'), ('ground', 'Every worksheet that flags a given ground, and when a deputy asks')], default='off', max_length=20)),
                ('counsel_ground', models.CharField(blank=True, choices=[('aggravated_felony', 'Aggravated felony'), ('cimt', 'Crime involving moral turpitude'), ('controlled_substance', 'Controlled substance'), ('firearm', 'Firearm'), ('domestic_violence', 'Domestic violence, stalking, child abuse, protection order'), ('prostitution', 'Prostitution'), ('other_inadmissibility', 'Other inadmissibility ground'), ('other_deportability', 'Other deportability ground'), ('daca_bar', 'DACA bar'), ('tps_bar', 'TPS bar'), ('asylum_bar', 'Asylum bar'), ('mandatory_detention', 'Mandatory detention'), ('good_moral_character', 'Good moral character')], max_length=40)),
                ('second_factor', models.CharField(choices=[('none', 'Nobody (optional for everyone)'), ('admins', 'Administrators'), ('everyone', 'Every user')], default='none', max_length=20)),
                ('set_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('office', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='policies', to='cases.office')),
                ('set_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'ordering': ['office', '-effective_from'],
                'constraints': [models.UniqueConstraint(fields=('office', 'effective_from'), name='one_policy_per_office_and_date'), models.CheckConstraint(condition=models.Q(models.Q(('counsel_routing', 'ground'), _negated=True), models.Q(('counsel_ground', ''), _negated=True), _connector='OR'), name='policy_counsel_ground_named')],
            },
        ),
        migrations.RunPython(first_versions, back_to_office),
        migrations.RemoveField(
            model_name='office',
            name='exclude_serious_violent',
        ),
        migrations.RemoveField(
            model_name='office',
            name='route_to_counsel',
        ),
        migrations.RemoveField(
            model_name='office',
            name='second_factor_required',
        ),
        migrations.RemoveField(
            model_name='office',
            name='supervisor_approval',
        ),
        migrations.RemoveField(
            model_name='office',
            name='worksheet_scope',
        ),
        migrations.CreateModel(
            name='CounselRequest',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('by_policy', models.BooleanField(default=False)),
                ('requested_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('question', models.TextField(blank=True)),
                ('answer', models.TextField(blank=True)),
                ('answered_at', models.DateTimeField(blank=True, null=True)),
                ('answered_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('case', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='counsel_requests', to='cases.case')),
                ('requested_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('worksheet', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='counsel_request', to='cases.worksheet')),
            ],
            options={
                'ordering': ['requested_at', 'pk'],
                'permissions': [('answer_counsel', "Can answer requests for immigration counsel's view")],
                'indexes': [models.Index(fields=['answered_at', 'requested_at'], name='counsel_queue')],
                'constraints': [models.CheckConstraint(condition=models.Q(('answered_at__isnull', True), models.Q(('answered_by__isnull', False), models.Q(('answer', ''), _negated=True)), _connector='OR'), name='counsel_answer_complete'), models.CheckConstraint(condition=models.Q(('by_policy', True), ('requested_by__isnull', False), _connector='OR'), name='counsel_request_has_origin')],
            },
        ),
    ]
