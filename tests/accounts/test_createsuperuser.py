"""createsuperuser works within a domain (Django's own would query users with no domain bound)."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from accounts.models import User
from aimg_site.core.scoping import domain_context
from aimg_site.core.selectors import domain_get


def test_it_makes_a_staff_admin_with_a_password_in_the_given_domain(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "Console!Pass1")
    call_command(
        "createsuperuser",
        "--noinput",
        "--email",
        "boss@example.com",
        "--domain",
        "sexy.ai",
        stdout=io.StringIO(),
    )
    with domain_context(domain_get("sexy.ai")):
        user = User.objects.get(email="boss@example.com")
    assert user.is_staff and user.is_superuser and "admin" in user.roles
    assert user.check_password("Console!Pass1")
    assert not User.objects.filter(email="boss@example.com").exists()  # not in freejourney.ai


def test_an_email_taken_in_the_domain_is_refused(monkeypatch, make_user):
    make_user("taken@example.com")
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "Console!Pass1")
    with pytest.raises(CommandError):
        call_command("createsuperuser", "--noinput", "--email", "taken@example.com", stdout=io.StringIO())


def test_an_unknown_domain_is_refused():
    with pytest.raises(CommandError):
        call_command("createsuperuser", "--noinput", "--email", "a@example.com", "--domain", "nope.example")
