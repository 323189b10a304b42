"""The report queues every domain starts with (seeded by migration 0002, a new domain's
``post_save`` and ``manage.py load_report_queues``)."""

from __future__ import annotations

from moderation.models import DEFAULT_HIGH_HEAT_THRESHOLD, QueueKind

#: The queue ``reportItems`` files into when no ``reportQueue`` is given.
DEFAULT_USER_QUEUE = "Not Specified"

#: (name, kind, description, threshold): the wire names are what front ends show and send.
DEFAULT_QUEUES: list[tuple[str, str, str, int | None]] = [
    (DEFAULT_USER_QUEUE, QueueKind.USER, "No reason given.", None),
    ("Underage", QueueKind.USER, "The item may depict a minor.", None),
    ("Non-Consensual", QueueKind.USER, "The item may depict someone who did not consent.", None),
    ("Real Person", QueueKind.USER, "The item depicts a real, identifiable person.", None),
    ("Violence", QueueKind.USER, "Violent or gory content.", None),
    ("Illegal Content", QueueKind.USER, "Content that may be illegal.", None),
    ("Copyright", QueueKind.USER, "The item infringes someone's rights.", None),
    ("Spam", QueueKind.USER, "Spam or advertising.", None),
    ("Other", QueueKind.USER, "Another reason (see the additional information).", None),
    ("Prompt Filter", QueueKind.PROMPT_FILTER, "The prompt held filtered words.", None),
    (
        "High Heat",
        QueueKind.HIGH_HEAT,
        "The item reached the threshold of open user reports.",
        DEFAULT_HIGH_HEAT_THRESHOLD,
    ),
]
