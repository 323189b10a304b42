from django.apps import AppConfig


class ModerationConfig(AppConfig):
    """Reports, report queues, the automatic checks and the moderators' console."""

    name = "moderation"
    verbose_name = "Moderation"

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from aimg_site.core.models import Domain
        from generation.models import GenerationJob
        from library.signals import items_soft_deleted

        from .checks import receivers

        post_save.connect(
            receivers.on_generation_job_saved, sender=GenerationJob, dispatch_uid="moderation-prompt"
        )
        post_save.connect(receivers.on_domain_saved, sender=Domain, dispatch_uid="moderation-queues")
        items_soft_deleted.connect(receivers.on_items_soft_deleted, dispatch_uid="moderation-moot")
