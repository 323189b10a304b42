"""``python manage.py generate_gift_cards --output FILE [--domain D] [--tier 1] [--days 30] [--number 100]``.

The same service as ``downloadGiftCards``: writes the new codes to ``FILE``, one per line (created
with mode 0600; an existing file is refused), and records the batch in the audit log.
"""

from __future__ import annotations

import os

from django.core.management.base import BaseCommand, CommandError

from accounts.management.commands._domain import add_domain_argument, resolve_domain
from aimg_site.core.scoping import domain_context
from aimg_site.core.services import audit_log_record
from billing.enums import GIFT_CARD_PROVIDERS
from billing.giftcards.services import MAX_CARDS, gift_cards_create


class Command(BaseCommand):
    help = "Create gift cards and write their codes to a TXT file (one per line)."

    def add_arguments(self, parser) -> None:
        add_domain_argument(parser)
        parser.add_argument("--output", required=True, help="The TXT file to write (must not exist).")
        parser.add_argument("--tier", type=int, default=1)
        parser.add_argument("--days", type=int, default=30)
        parser.add_argument("--number", type=int, default=100, help=f"How many cards (1 to {MAX_CARDS}).")
        parser.add_argument("--provider", default="giftcard", choices=GIFT_CARD_PROVIDERS)
        parser.add_argument("--usd-price", type=float, default=0)
        parser.add_argument(
            "--external-codes", default="", help="Comma-separated external codes, one per card."
        )
        parser.add_argument("--additional-information", default="")

    def handle(self, *args, **options) -> None:
        if not 1 <= options["number"] <= MAX_CARDS:
            raise CommandError(f"--number must be 1 to {MAX_CARDS}.")
        if not 1 <= options["tier"] <= 10 or not 1 <= options["days"] <= 3650:
            raise CommandError("--tier must be 1 to 10 and --days 1 to 3650.")
        domain = resolve_domain(options["domain"])
        external = [code.strip() for code in options["external_codes"].split(",") if code.strip()]
        try:
            fd = os.open(options["output"], os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            raise CommandError(f"{options['output']} exists already; choose a new file.") from None
        with domain_context(domain):
            created = gift_cards_create(
                number_of_cards=options["number"],
                tier=options["tier"],
                days=options["days"],
                distribution_provider=options["provider"],
                usd_price=options["usd_price"],
                external_codes=external,
                additional_information=options["additional_information"],
            )
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write("\n".join(created.codes) + "\n")
            audit_log_record(
                action="generate_gift_cards",
                target=created.batch,
                details={
                    "numberOfCards": options["number"],
                    "tier": options["tier"],
                    "days": options["days"],
                },
            )
        self.stdout.write(f"{domain.name}: {len(created.codes)} gift card(s) written to {options['output']}")
