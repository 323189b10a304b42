"""The sites every deployment serves (seeded by migration core.0002)."""

DOMAINS = [
    {"name": "sexy.ai", "display_name": "Sexy.AI", "frontend_url": "https://sexy.ai", "environment": "prod"},
    {
        "name": "freejourney.ai",
        "display_name": "FreeJourney.AI",
        "frontend_url": "https://freejourney.ai",
        "environment": "prod",
    },
]
