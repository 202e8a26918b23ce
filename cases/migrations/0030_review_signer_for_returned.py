"""Each review carries its worksheet's signer, for "returned to me" (cases.inbox).

The navigation's count, on every page of a deputy, found the worksheets returned to them by
reading every worksheet they had signed and matching the returned reviews against those: a cost
that grew with each signature. With the signer and the case's scope on the review, two partial
indexes over the returned reviews give one deputy's returns directly.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def copy_signers(apps, schema_editor):
    """Every review's signer is its worksheet's (a signed worksheet's signer never changes)."""
    Review = apps.get_model("cases", "Review")
    Worksheet = apps.get_model("cases", "Worksheet")
    signer = Worksheet.objects.filter(pk=models.OuterRef("worksheet_id")).values("signed_by_id")
    Review.objects.update(signed_by_id=models.Subquery(signer[:1]))


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0029_inbox_scope_indexes'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='review',
            name='signed_by',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.RunPython(copy_signers, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name='review',
            index=models.Index(condition=models.Q(('outcome', 'returned')), fields=['office', 'assigned_deputy'], name='review_returned_deputy'),
        ),
        migrations.AddIndex(
            model_name='review',
            index=models.Index(condition=models.Q(('outcome', 'returned')), fields=['signed_by'], name='review_returned_signer'),
        ),
    ]
