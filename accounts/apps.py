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

        from django.db.models.signals import post_delete, post_save

        from .models import Session, User
        from .sessions import cache as session_cache

        post_save.connect(session_cache.on_session_changed, sender=Session, dispatch_uid="session-cache-save")
        post_delete.connect(
            session_cache.on_session_changed, sender=Session, dispatch_uid="session-cache-delete"
        )
        post_save.connect(session_cache.on_user_saved, sender=User, dispatch_uid="session-cache-user")
