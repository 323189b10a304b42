from django.db import migrations

from aimg_site.core.defaults import DOMAINS


def seed(apps, schema_editor):
    Domain = apps.get_model("core", "Domain")
    for row in DOMAINS:
        Domain.objects.update_or_create(name=row["name"], defaults=row)


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
