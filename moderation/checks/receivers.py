"""The automatic checks, connected in ``ModerationConfig.ready``.

* **Prompt filter**: a generation job created with filtered words in its prompt
  (``GenerationJob.ignored_words``) files a system report on its item in the
  prompt-filter queue, in the job's transaction.
* **Moot reports**: items deleted by any path of the library (their owner,
  ``deleteItems``, an account's deletion, an accepted report) have their
  pending reports closed ``automaticallyDeclined``, in the deleting transaction.

The high-heat check runs in ``moderation.reports.services.items_report``.
"""

from __future__ import annotations

from moderation.reports.services import prompt_filter_report, reports_decline_for_deleted_items


def on_generation_job_saved(sender, instance, created, raw=False, **kwargs) -> None:
    if not created or raw or not instance.ignored_words:
        return
    prompt_filter_report(
        domain=instance.domain, item_id=instance.item_id, filtered_words=list(instance.ignored_words)
    )


def on_items_soft_deleted(sender, item_ids, **kwargs) -> None:
    reports_decline_for_deleted_items(item_ids=item_ids)


def on_domain_saved(sender, instance, created, raw=False, **kwargs) -> None:
    """A new domain starts with the default report queues."""
    if created and not raw:
        from moderation.queues.services import report_queues_load

        report_queues_load(domain=instance)
