"""Card payment reads."""

from __future__ import annotations

from django.db.models import QuerySet

from ..models import PaymentAttempt


def payment_attempts_of(*, user) -> QuerySet[PaymentAttempt]:
    """The payment attempts of ``user`` in the bound domain, newest first."""
    return PaymentAttempt.objects.filter(user=user).order_by("-created_at", "id")
