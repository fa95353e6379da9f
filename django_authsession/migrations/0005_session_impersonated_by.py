"""Better Auth's ``impersonatedBy`` session column (admin plugin), with a partial index: only
impersonation sessions are ever looked up by it."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("django_authsession", "0004_session_data"),
    ]

    operations = [
        migrations.AddField(
            model_name="session",
            name="impersonated_by",
            field=models.ForeignKey(
                blank=True,
                db_column="impersonated_by",
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="impersonated by",
            ),
        ),
        migrations.AddIndex(
            model_name="session",
            index=models.Index(
                condition=models.Q(("impersonated_by__isnull", False)),
                fields=["impersonated_by"],
                name="session_impersonated_by_idx",
            ),
        ),
    ]
