"""generateStrongPassword and the password rule (accounts.signin.passwords)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from accounts.signin.passwords import PASSWORD_REGEX, SPECIAL_CHARACTERS, password_generate, password_problems
from tests.support.assertions import assert_envelope

# The front ends' regular expression, verbatim from the reference. It is JavaScript: there ``.`` matches
# no line terminator and ``$`` only the very end, so those two are spelled out for Python's engine.
_REFERENCE = r"""^(?=.*[A-Z])(?=.*[a-z])(?=.*[0-9])(?=.*[!@#$%^&*()_+\-=[\]{};':"\\|,.<>/?]).{8,}$"""
REFERENCE_REGEX = re.compile(
    _REFERENCE.replace(".*", "[^\n\r\u2028\u2029]*").replace(".{8,}$", "[^\n\r\u2028\u2029]{8,}\\Z")
)


def test_it_returns_a_password_that_satisfies_the_rule(api, owner):
    password = assert_envelope(api.get("/generateStrongPassword", persona=owner), 200).payload
    assert isinstance(password, str) and REFERENCE_REGEX.match(password)


def test_guests_may_use_it(api, guest):
    assert REFERENCE_REGEX.match(
        assert_envelope(api.get("/generateStrongPassword", persona=guest), 200).payload
    )


def test_two_calls_give_different_passwords(api, owner):
    assert (
        api.get("/generateStrongPassword", persona=owner).payload
        != api.get("/generateStrongPassword", persona=owner).payload
    )


def test_five_thousand_generated_passwords_all_satisfy_the_rule_and_never_repeat():
    passwords = [password_generate() for _ in range(5000)]
    assert all(REFERENCE_REGEX.match(p) and not password_problems(p) for p in passwords)
    assert len(set(passwords)) == 5000


@pytest.mark.parametrize("length", [8, 9, 12, 64])
def test_every_length_from_8_satisfies_the_rule(length):
    for _ in range(500):
        password = password_generate(length)
        assert len(password) == length and REFERENCE_REGEX.match(password)


@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=30))
def test_the_rule_agrees_with_the_reference_regex_on_any_text(text):
    assert (
        (not password_problems(text)) == bool(REFERENCE_REGEX.match(text)) == bool(PASSWORD_REGEX.match(text))
    )


@given(st.text(alphabet="Aa1!xyz\\`~ \n\r\u2028", max_size=14))
def test_the_rule_agrees_with_the_reference_regex_near_the_edges(text):
    assert (not password_problems(text)) == bool(REFERENCE_REGEX.match(text))


@pytest.mark.parametrize(
    ("password", "missing"),
    [
        ("Aa1!aaa", "at least 8 characters"),
        ("aaaaaa1!", "upper-case"),
        ("AAAAAA1!", "lower-case"),
        ("Aaaaaaa!", "digit"),
        ("Aaaaaaa1", "special character"),
        ("Aaaaaaa1`", "special character"),
    ],
)
def test_each_failing_part_is_named(password, missing):
    problems = password_problems(password)
    assert len(problems) == 1 and missing in problems[0]


def test_every_special_character_of_the_reference_counts():
    for ch in SPECIAL_CHARACTERS:
        assert not password_problems(f"Abcdefg1{ch}"), ch


def test_the_session_header_is_required(api):
    assert_envelope(api.get("/generateStrongPassword"), 400)
