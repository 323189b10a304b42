"""The reference's password rule, and strong passwords that always satisfy it.

The rule (``createUser``, ``setSelfUserProperties``): at least 8 characters, no
maximum, at least one upper-case letter ``[A-Z]``, one lower-case letter
``[a-z]``, one digit ``[0-9]`` and one special character from
``!@#$%^&*()_+-=[]{};':"\\|,.<>/?``. The front ends' regular expression is
``^(?=.*[A-Z])(?=.*[a-z])(?=.*[0-9])(?=.*[!@#$%^&*()_+\\-=[\\]{};':"\\\\|,.<>/?]).{8,}$``;
In JavaScript ``.`` matches no line terminator (``\n``, ``\r``, U+2028,
U+2029), so a password holding one fails the front ends' check; it fails here
too (``PASSWORD_REGEX`` is the same expression with JavaScript's meaning of
``.`` and ``$``).
"""

from __future__ import annotations

import re
import secrets
import string

from aimg_site.api.exceptions import InvalidParameter

SPECIAL_CHARACTERS = "!@#$%^&*()_+-=[]{};':\"\\|,.<>/?"
MIN_LENGTH = 8
GENERATED_LENGTH = 20

_JS_DOT = "[^\n\r\u2028\u2029]"
PASSWORD_REGEX = re.compile(
    r"""^(?=.*[A-Z])(?=.*[a-z])(?=.*[0-9])(?=.*[!@#$%^&*()_+\-=\[\]{};':"\\|,.<>/?]).{8,}\Z""".replace(
        ".*", _JS_DOT + "*"
    ).replace(".{8,}", _JS_DOT + "{8,}")
)
LINE_TERMINATORS = "\n\r\u2028\u2029"

_RULES: tuple[tuple[str, str], ...] = (
    ("[A-Z]", "at least one upper-case letter (A-Z)"),
    ("[a-z]", "at least one lower-case letter (a-z)"),
    ("[0-9]", "at least one digit (0-9)"),
)


def password_problems(password: str) -> list[str]:
    """Every part of the rule ``password`` fails, in words (empty when it is valid)."""
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(f"at least {MIN_LENGTH} characters")
    if any(ch in LINE_TERMINATORS for ch in password):
        problems.append("no line breaks")
    for pattern, text in _RULES:
        if not re.search(pattern, password):
            problems.append(text)
    if not any(ch in SPECIAL_CHARACTERS for ch in password):
        problems.append(f"at least one special character ({SPECIAL_CHARACTERS})")
    return problems


def password_validate(password: str, *, parameter: str = "password") -> None:
    """Raise ``InvalidParameter`` (400) naming every part of the rule that ``password`` fails."""
    problems = password_problems(password)
    if problems:
        raise InvalidParameter(parameter, "must have " + "; ".join(problems))


def password_generate(length: int = GENERATED_LENGTH) -> str:
    """A random password (``secrets``) with every character class, so it always passes the rule."""
    if length < MIN_LENGTH:
        raise ValueError(f"length must be at least {MIN_LENGTH}")
    classes = (string.ascii_uppercase, string.ascii_lowercase, string.digits, SPECIAL_CHARACTERS)
    alphabet = "".join(classes)
    chars = [secrets.choice(chars) for chars in classes]
    chars += [secrets.choice(alphabet) for _ in range(length - len(chars))]
    secrets.SystemRandom().shuffle(chars)
    return "".join(chars)
