import secrets

from django.db import migrations, models

import kompeten.selection.models


def fill_public_refs(apps, schema_editor):
    Application = apps.get_model("selection", "Application")
    used = set()
    for application in Application.objects.only("pk"):
        ref = secrets.token_hex(6).upper()
        while ref in used:
            ref = secrets.token_hex(6).upper()
        used.add(ref)
        Application.objects.filter(pk=application.pk).update(public_ref=ref)


class Migration(migrations.Migration):
    dependencies = [("selection", "0002_closing_digest_offers")]

    operations = [
        migrations.AddField(
            model_name="selectionround",
            name="allocation_result",
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.AddField(
            model_name="application",
            name="public_ref",
            field=models.CharField(max_length=12, null=True, verbose_name="public number"),
        ),
        migrations.RunPython(fill_public_refs, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="application",
            name="public_ref",
            field=models.CharField(default=kompeten.selection.models.new_public_ref, max_length=12, unique=True,
                                   verbose_name="public number"),
        ),
    ]
