"""The ``paymentUrl`` of each payment provider of a plan (the rule is in docs/decisions.md, "Billing").

- Card processors with a self-hosted payment page (``arkpay``, ``nmi``): the
  caller's ``paymentURL``, else the domain's front end ``/payment``; with
  ``productID`` and ``merchantProcessor`` added to its query (and ``redirectURL``
  when given), so the page knows what to charge and where to go afterwards.
- ``giftcard``: the front end's ``/redeem`` page (codes are bought elsewhere and redeemed there).
- Every other provider (Boosty, Patreon, PayPal, Stripe, CCBill, Epoch, G2A, Helio...): the
  provider's own page stored with the plan, with ``productID`` and, when given,
  ``redirectURL`` added to its query. Without a stored page the answer is ``""``:
  nothing is invented.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

SELF_HOSTED = frozenset({"arkpay", "nmi"})


def is_http_url(value: str) -> bool:
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc) and " " not in value


def with_query(url: str, extra: dict[str, str]) -> str:
    """``url`` with ``extra`` added to its query (existing parameters kept, the new ones win)."""
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    query.update({k: v for k, v in extra.items() if v})
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), parts.fragment))


def payment_url(
    *,
    provider: str,
    stored_url: str,
    product_id: str,
    frontend_url: str,
    redirect_url: str,
    payment_page: str,
) -> str:
    front = (frontend_url or "").rstrip("/")
    if provider in SELF_HOSTED:
        base = payment_page or (f"{front}/payment" if front else "")
        if not base:
            return ""
        return with_query(
            base, {"productID": product_id, "merchantProcessor": provider, "redirectURL": redirect_url}
        )
    if provider == "giftcard":
        base = stored_url or (f"{front}/redeem" if front else "")
        return with_query(base, {"productID": product_id}) if base else ""
    if not stored_url:
        return ""
    return with_query(stored_url, {"productID": product_id, "redirectURL": redirect_url})
