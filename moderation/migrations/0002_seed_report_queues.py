"""The default report queues of every existing domain (new domains get them from a post_save
receiver, and ``manage.py load_report_queues`` adds any missing one)."""

from django.db import migrations

# A copy of moderation.queues.defaults at the time of writing: a migration must not change
# when the code's defaults do.
QUEUES = [
    ("Not Specified", "user", "No reason given.", None),
    ("Underage", "user", "The item may depict a minor.", None),
    ("Non-Consensual", "user", "The item may depict someone who did not consent.", None),
    ("Real Person", "user", "The item depicts a real, identifiable person.", None),
    ("Violence", "user", "Violent or gory content.", None),
    ("Illegal Content", "user", "Content that may be illegal.", None),
    ("Copyright", "user", "The item infringes someone's rights.", None),
    ("Spam", "user", "Spam or advertising.", None),
    ("Other", "user", "Another reason (see the additional information).", None),
    ("Prompt Filter", "prompt_filter", "The prompt held filtered words.", None),
    ("High Heat", "high_heat", "The item reached the threshold of open user reports.", 5),
]


def seed(apps, schema_editor):
    Domain = apps.get_model("core", "Domain")
    ReportQueue = apps.get_model("moderation", "ReportQueue")
    for domain in Domain.objects.all():
        for position, (name, kind, description, threshold) in enumerate(QUEUES):
            ReportQueue.objects.get_or_create(
                domain=domain,
                name=name,
                defaults={
                    "kind": kind,
                    "description": description,
                    "position": position,
                    "threshold": threshold,
                },
            )


class Migration(migrations.Migration):
    dependencies = [
        ("moderation", "0001_initial"),
        ("core", "0002_seed_domains"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
