"""Card payment processors behind ``merchantProcessor: arkpay``: the ``PaymentProcessor`` interface
and the processors ``AIMG_CARD_PROCESSOR`` may name.

- ``sandbox`` (the default outside production) charges nothing: like payment
  providers' test modes, it answers by documented test card numbers
  (``SANDBOX_CARDS``); any other number is declined, so a real card never
  "succeeds" in the sandbox. Renewals (``renew``) answer by the card the
  subscription was made with (``SANDBOX_RENEWALS``).
- ``disabled``: card payments answer 503.
- ``arkpay``: ArkPay's API is not public. No adapter is written until one can be
  written against its documentation, and the settings refuse to start with
  ``AIMG_CARD_PROCESSOR=arkpay`` (nothing pretends to charge).

A processor never receives more than it needs to charge, and nothing here logs
or returns the card number or security code.
"""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from django.conf import settings

from aimg_site.api.exceptions import ServiceUnavailable


@dataclass(frozen=True, repr=False)
class CardDetails:
    """The card of one request (held in memory for the call only; ``repr`` shows the last four)."""

    number: str
    holder_name: str
    expiration_month: int
    expiration_year: int
    security_code: str

    @property
    def last4(self) -> str:
        return self.number[-4:]

    def __repr__(self) -> str:
        return f"CardDetails(****{self.last4})"


class ChargeOutcome(enum.Enum):
    APPROVED = "approved"
    DECLINED = "declined"
    TRANSIENT = "transient"  # the processor failed; the same charge may succeed later


@dataclass(frozen=True)
class ChargeResult:
    outcome: ChargeOutcome
    message: str
    transaction_id: str = ""
    payer_id: str = ""


class PaymentProcessor(Protocol):
    """What the billing services need from a card processor."""

    name: str
    #: Whether ``cancel_at_period_end`` is available (else cancelMembership emails instructions).
    supports_cancel: bool

    def subscribe(
        self,
        *,
        card: CardDetails,
        amount: Decimal,
        currency: str,
        period: str,
        customer_ref: str,
        idempotency_key: str,
        billing: dict,
    ) -> ChargeResult:
        """Charge the first period and set up the recurring subscription."""
        ...

    def renew(
        self, *, transaction_id: str, amount: Decimal, currency: str, idempotency_key: str
    ) -> ChargeResult:
        """Charge the next period of the recurring subscription ``transaction_id`` (what ``subscribe``
        answered) with the payment method the processor keeps for it; ``idempotency_key`` is the same
        for every try of one period's charge, so the processor charges it at most once."""
        ...

    def cancel_at_period_end(self, *, transaction_id: str) -> bool:
        """Stop renewing ``transaction_id`` after its current period; whether the processor agreed."""
        ...

    def status(self, *, transaction_id: str) -> str:
        """``active``, ``cancelled`` or ``unknown``."""
        ...


#: The sandbox's documented test cards (as payment providers' test modes document theirs).
SANDBOX_CARDS: dict[str, tuple[ChargeOutcome, str]] = {
    "4242424242424242": (ChargeOutcome.APPROVED, "The payment was approved."),
    "5555555555554444": (ChargeOutcome.APPROVED, "The payment was approved."),
    # Approved now; what its renewals answer is SANDBOX_RENEWALS'.
    "4000000000000341": (ChargeOutcome.APPROVED, "The payment was approved."),
    "4000000000003220": (ChargeOutcome.APPROVED, "The payment was approved."),
    "4000000000000002": (ChargeOutcome.DECLINED, "The card was declined."),
    "4000000000009995": (ChargeOutcome.DECLINED, "The card was declined: insufficient funds."),
    "4000000000000119": (
        ChargeOutcome.TRANSIENT,
        "The payment processor had a temporary problem. Nothing was charged; try again.",
    ),
}
SANDBOX_PREFIX = "sbx_"
#: How the renewals of a sandbox subscription answer, by the test card it was made with: the
#: subscription's transaction id carries it (``sbx_<mark>_...``), as a processor's vault keeps the
#: card, so nothing of the card is stored here. Other cards' renewals are approved.
SANDBOX_RENEWALS: dict[str, tuple[str, ChargeOutcome, str]] = {
    "4000000000000341": ("rd", ChargeOutcome.DECLINED, "The renewal was declined."),
    "4000000000003220": (
        "rt",
        ChargeOutcome.TRANSIENT,
        "The payment processor had a temporary problem with the renewal. Nothing was charged.",
    ),
}


class SandboxProcessor:
    """Answers by ``SANDBOX_CARDS``; other numbers are declined. Transaction ids start ``sbx_``."""

    name = "sandbox"
    supports_cancel = True

    def subscribe(self, *, card, amount, currency, period, customer_ref, idempotency_key, billing):
        outcome, message = SANDBOX_CARDS.get(
            card.number, (ChargeOutcome.DECLINED, "The card was declined (not a sandbox test card).")
        )
        if outcome is not ChargeOutcome.APPROVED:
            return ChargeResult(outcome=outcome, message=message)
        mark = SANDBOX_RENEWALS[card.number][0] + "_" if card.number in SANDBOX_RENEWALS else ""
        return ChargeResult(
            outcome=outcome,
            message=message,
            transaction_id=f"{SANDBOX_PREFIX}{mark}{uuid.uuid4().hex}",
            payer_id=f"{SANDBOX_PREFIX}payer_{customer_ref}",
        )

    def renew(self, *, transaction_id, amount, currency, idempotency_key):
        if not transaction_id.startswith(SANDBOX_PREFIX):
            return ChargeResult(
                outcome=ChargeOutcome.DECLINED, message="The processor has no such subscription."
            )
        for mark, outcome, message in SANDBOX_RENEWALS.values():
            if transaction_id.startswith(f"{SANDBOX_PREFIX}{mark}_"):
                return ChargeResult(outcome=outcome, message=message)
        return ChargeResult(
            outcome=ChargeOutcome.APPROVED,
            message="The renewal was approved.",
            transaction_id=f"{SANDBOX_PREFIX}ch_{uuid.uuid4().hex}",
        )

    def cancel_at_period_end(self, *, transaction_id: str) -> bool:
        return transaction_id.startswith(SANDBOX_PREFIX)

    def status(self, *, transaction_id: str) -> str:
        return "active" if transaction_id.startswith(SANDBOX_PREFIX) else "unknown"


def card_processor() -> PaymentProcessor:
    """The processor ``AIMG_CARD_PROCESSOR`` names (503 when card payments are disabled)."""
    name = settings.AIMG_CARD_PROCESSOR
    if name == "sandbox":
        return SandboxProcessor()
    raise ServiceUnavailable("Card payments are not available at the moment.")
