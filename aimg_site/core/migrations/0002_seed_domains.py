from django.db import migrations

DOMAINS = [
    {"name": "sexy.ai", "display_name": "Sexy.AI", "frontend_url": "https://sexy.ai", "environment": "prod"},
    {
        "name": "freejourney.ai",
        "display_name": "FreeJourney.AI",
        "frontend_url": "https://freejourney.ai",
        "environment": "prod",
    },
]


def seed(apps, schema_editor):
    Domain = apps.get_model("core", "Domain")
    for row in DOMAINS:
        Domain.objects.update_or_create(name=row["name"], defaults=row)


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
