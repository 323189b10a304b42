"""Checks of card and billing-address fields (messages never repeat a card number or code).

Countries and subdivisions come from ``pycountry`` (the ISO 3166 data of the
Debian iso-codes project), not a hand-written list.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import cache

import pycountry

_SEPARATORS = re.compile(r"[ \-]")


def card_number_normalize(value: str) -> str | None:
    """Digits of ``value`` (spaces and dashes dropped) when it is 12-19 digits passing the Luhn check."""
    digits = _SEPARATORS.sub("", value)
    if not digits.isascii() or not digits.isdigit() or not 12 <= len(digits) <= 19:
        return None
    return digits if luhn_valid(digits) else None


def luhn_valid(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        digit = int(char)
        if index % 2 == 1:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


def card_expired(*, month: int, year: int, today: dt.date | None = None) -> bool:
    """A card is valid through the last day of its expiration month."""
    today = today or dt.date.today()
    return (year, month) < (today.year, today.month)


def country_valid(code: str) -> bool:
    return (
        len(code) == 2
        and code.isascii()
        and code.isupper()
        and pycountry.countries.get(alpha_2=code) is not None
    )


@cache
def _two_letter_subdivisions() -> dict[str, frozenset[str]]:
    """``{"US": {"CA", "NY", ...}, ...}``: the subdivisions whose own code is two letters."""
    found: dict[str, set[str]] = {}
    for subdivision in pycountry.subdivisions:
        country, _, own = subdivision.code.partition("-")
        if len(own) == 2 and own.isalpha():
            found.setdefault(country, set()).add(own)
    return {country: frozenset(codes) for country, codes in found.items()}


def state_valid(code: str, *, country: str | None) -> bool:
    """A 2-letter subdivision code of ``country`` (of any country when ``country`` is not given)."""
    if len(code) != 2 or not code.isascii() or not code.isalpha() or not code.isupper():
        return False
    table = _two_letter_subdivisions()
    if country:
        return code in table.get(country, frozenset())
    return any(code in codes for codes in table.values())
