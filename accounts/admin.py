"""The staff console (``/console/``) for accounts, admin keys and the audit log.

The console runs inside a request, so ``User.objects`` and the other scoped
managers show the domain of the console's Host only. Access follows the
user's ``roles``: ``admin`` manages everything here, ``moderator`` may look
at users and the audit log; superusers keep Django's full rights. Changes
that have rules (abuse level, profile-picture ban, disabling) go through
the accounts services and are written to the audit log.
"""

from __future__ import annotations

import base64

from allauth.socialaccount.models import SocialAccount
from django.contrib import admin, messages
from django.utils.html import format_html, format_html_join

from aimg_site.core.models import AuditLogEntry
from aimg_site.core.services import audit_log_record

from .admin_keys.services import admin_key_create, admin_key_revoke, admin_key_user_prepare
from .models import AdminKey, ArchivedEmail, ProfilePicture, Session, User, UserKVP, UserLoginProvider
from .users.services import (
    user_delete,
    user_grant_staff,
    user_set_abuse_level,
    user_set_profile_picture_banned,
)


def _roles(request) -> set[str]:
    user = request.user
    if not user.is_active or not user.is_staff:
        return set()
    return set(getattr(user, "roles", None) or [])


class RoleAccessMixin:
    """Django's permissions, widened by roles: ``admin`` may change, ``view_roles`` may look."""

    view_roles: frozenset[str] = frozenset({User.Role.ADMIN})
    change_roles: frozenset[str] = frozenset({User.Role.ADMIN})

    def has_module_permission(self, request):
        return bool(_roles(request) & (self.view_roles | self.change_roles)) or super().has_module_permission(
            request
        )

    def has_view_permission(self, request, obj=None):
        return bool(_roles(request) & (self.view_roles | self.change_roles)) or super().has_view_permission(
            request, obj
        )

    def has_change_permission(self, request, obj=None):
        return bool(_roles(request) & self.change_roles) or super().has_change_permission(request, obj)

    def has_add_permission(self, request):
        return bool(_roles(request) & self.change_roles) or super().has_add_permission(request)

    def has_delete_permission(self, request, obj=None):
        return False


class _ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return True


class SessionInline(_ReadOnlyInline):
    model = Session
    fields = (
        "created_at",
        "last_seen_at",
        "is_authenticated",
        "login_provider",
        "client_address",
        "user_agent",
    )
    readonly_fields = fields
    ordering = ("-last_seen_at",)
    verbose_name_plural = "sessions (live ones; ending one deletes it)"


class LoginProviderInline(_ReadOnlyInline):
    model = UserLoginProvider
    fields = ("provider_id", "first_used_at", "last_used_at")
    readonly_fields = fields
    verbose_name_plural = "internal login providers used"


class ArchivedEmailInline(_ReadOnlyInline):
    model = ArchivedEmail
    fields = ("email", "archived_at")
    readonly_fields = fields


class KVPInline(_ReadOnlyInline):
    model = UserKVP
    fields = ("key", "value", "updated_at")
    readonly_fields = fields
    verbose_name_plural = "key-value pairs"


@admin.register(User)
class UserAdmin(RoleAccessMixin, admin.ModelAdmin):
    view_roles = frozenset({User.Role.ADMIN, User.Role.MODERATOR})
    list_display = (
        "email",
        "username",
        "id",
        "is_guest",
        "is_disabled",
        "abuse_level",
        "profile_picture_banned",
        "is_staff",
        "created_at",
    )
    list_filter = ("is_guest", "is_disabled", "abuse_level", "profile_picture_banned", "is_staff")
    search_fields = ("email", "username", "=id")
    ordering = ("-created_at",)
    show_full_result_count = False
    fieldsets = (
        (None, {"fields": ("id", "email", "username", "is_guest", "is_disabled", "deleted_at")}),
        (
            "Moderation",
            {
                "fields": (
                    "abuse_level",
                    "profile_picture_banned",
                    "profile_picture_preview",
                    "additional_information",
                )
            },
        ),
        ("Sign-in", {"fields": ("login_providers_display", "is_at_least_18_confirmed", "last_login")}),
        ("Referral", {"fields": ("ref_list", "rs")}),
        ("Staff", {"fields": ("is_staff", "roles")}),
        ("Dates", {"fields": ("created_at", "updated_at")}),
    )
    readonly_fields = (
        "id",
        "email",
        "is_guest",
        "is_disabled",
        "deleted_at",
        "profile_picture_preview",
        "login_providers_display",
        "last_login",
        "ref_list",
        "rs",
        "created_at",
        "updated_at",
    )
    inlines = (LoginProviderInline, SessionInline, ArchivedEmailInline, KVPInline)
    actions = ("disable_accounts",)

    def has_add_permission(self, request):
        return False  # accounts are made by signing up

    @admin.display(description="Profile picture")
    def profile_picture_preview(self, obj):
        picture = ProfilePicture.objects.filter(user=obj).values_list("webp", flat=True).first()
        if not picture:
            return "-"
        return format_html(
            '<img src="data:image/webp;base64,{}" width="128" height="128">',
            base64.b64encode(bytes(picture)).decode(),
        )

    @admin.display(description="Login providers")
    def login_providers_display(self, obj):
        rows = [("internal", p) for p in obj.login_providers.values_list("provider_id", flat=True)]
        rows += [
            ("oauth", f"{provider} ({uid})")
            for provider, uid in SocialAccount.objects.filter(user=obj).values_list("provider", "uid")
        ]
        if not rows:
            return "-"
        return format_html_join(", ", "{} {}", rows)

    def save_model(self, request, obj, form, change):
        changed = set(form.changed_data)
        rules = {"abuse_level", "profile_picture_banned"} & changed
        stored = User.objects.get(pk=obj.pk)
        level, banned = obj.abuse_level, obj.profile_picture_banned
        is_staff, roles = obj.is_staff, list(obj.roles or [])
        grants_staff = is_staff and (not stored.is_staff or bool(set(roles) - set(stored.roles or [])))
        # Fields with rules go through their services; the rest is saved as usual.
        if rules:
            obj.abuse_level, obj.profile_picture_banned = stored.abuse_level, stored.profile_picture_banned
        if grants_staff:
            obj.is_staff, obj.roles = stored.is_staff, stored.roles
        super().save_model(request, obj, form, change)
        if "abuse_level" in rules:
            user_set_abuse_level(user=obj, level=level)
        if "profile_picture_banned" in rules:
            user_set_profile_picture_banned(user=obj, banned=banned)
        if grants_staff:
            grant = user_grant_staff(user=obj, roles=roles)
            obj.is_staff, obj.roles, obj.password = grant.user.is_staff, grant.user.roles, grant.user.password
            self.message_user(request, grant.message, messages.WARNING if grant.secured else messages.INFO)
        if changed:
            audit_log_record(
                request=request,
                action="console:change_user",
                target=obj,
                actor=request.user,
                details={field: form.cleaned_data.get(field) for field in sorted(changed)},
            )

    @admin.action(description="Disable the selected accounts (ends their sessions)")
    def disable_accounts(self, request, queryset):
        count = 0
        for user in queryset:
            user_delete(user=user)
            audit_log_record(request=request, action="console:disable_user", target=user, actor=request.user)
            count += 1
        self.message_user(request, f"Disabled {count} account(s).", messages.SUCCESS)


@admin.register(AdminKey)
class AdminKeyAdmin(RoleAccessMixin, admin.ModelAdmin):
    """Keys are created here or with ``create_admin_key``; the raw key is shown once, in a message."""

    list_display = ("prefix", "user", "name", "created_at", "last_used_at", "revoked_at")
    list_filter = ("revoked_at",)
    search_fields = ("prefix", "user__email", "name")
    list_select_related = ("user",)
    actions = ("revoke_keys",)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("user", "name")
        return ("user", "name", "prefix", "created_at", "last_used_at", "revoked_at")

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        return ("user", "prefix", "created_at", "last_used_at", "revoked_at")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user":
            kwargs["queryset"] = User.objects.filter(
                is_guest=False, is_disabled=False, email__isnull=False
            ).order_by("email")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        grant = admin_key_user_prepare(email=obj.user.email)
        if grant.granted:
            self.message_user(request, grant.message, messages.WARNING if grant.secured else messages.INFO)
        key, raw_key = admin_key_create(email=obj.user.email, name=obj.name)
        for field in ("id", "domain_id", "prefix", "key_digest", "created_at"):
            setattr(obj, field, getattr(key, field))
        obj._state.adding = False
        obj._state.db = key._state.db
        audit_log_record(
            request=request,
            action="create_admin_key",
            target=key,
            actor=request.user,
            details={"via": "console"},
        )
        messages.warning(request, f"New key for {key.user.email}, shown only this once: {raw_key}")

    @admin.action(description="Revoke the selected keys")
    def revoke_keys(self, request, queryset):
        for key in queryset:
            admin_key_revoke(key=key)
            audit_log_record(
                request=request,
                action="revoke_admin_key",
                target=key,
                actor=request.user,
                details={"via": "console"},
            )
        self.message_user(request, "Revoked.", messages.SUCCESS)


@admin.register(AuditLogEntry)
class AuditLogEntryAdmin(RoleAccessMixin, admin.ModelAdmin):
    """Read-only: the log is written by ``audit_log_record`` only."""

    view_roles = frozenset({User.Role.ADMIN, User.Role.MODERATOR})
    change_roles = frozenset()
    list_display = ("created_at", "action", "actor", "target_type", "target_id", "client_address")
    list_filter = ("action", "target_type")
    search_fields = ("action", "=target_id", "actor__email", "request_id")
    list_select_related = ("actor",)
    date_hierarchy = "created_at"
    show_full_result_count = False

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
