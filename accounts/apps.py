from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """Users, sessions, admin keys, sign-in (OTP, password, OAuth) and profiles."""

    name = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        # Imported here, not at the top: these modules import models, which exist only once the
        # app registry is ready (Django's AppConfig.ready contract).
        from aimg_site.api.authentication import register_identity_resolver

        from .identity import AccountsIdentityResolver

        register_identity_resolver(AccountsIdentityResolver())
