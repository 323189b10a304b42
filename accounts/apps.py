from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """Users, sessions, admin keys, sign-in (OTP, password, OAuth) and profiles."""

    name = "accounts"
    verbose_name = "Accounts"
