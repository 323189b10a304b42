"""Users, their sessions (``X-Session-ID``) and staff admin keys."""

from __future__ import annotations

import uuid
from typing import ClassVar

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower

from aimg_site.core.scoping import DomainScopedManager, DomainScopedModel


class UserManager(DomainScopedManager, BaseUserManager["User"]):
    """Domain-scoped, with Django's ``create_user``/``create_superuser`` helpers."""

    use_in_migrations = False

    def get_by_natural_key(self, username):
        return self.get(email__iexact=username)

    def create_user(self, email: str | None = None, password: str | None = None, **extra):
        email = self.normalize_email(email) if email else None
        user = self.model(email=email, **extra)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra):
        """``createsuperuser``'s account: made as a plain user, then staff through the one service that
        grants it (``accounts.users.services.user_grant_staff``), with the operator's password kept."""
        from accounts.users.services import user_grant_staff  # that module imports this one

        roles = extra.pop("roles", None) or [User.Role.ADMIN]
        extra.pop("is_staff", None)
        extra.pop("is_superuser", None)
        user = self.create_user(email, password, **extra)
        return user_grant_staff(user=user, roles=roles, is_superuser=True, password_set_by_operator=True).user


class User(AbstractBaseUser, PermissionsMixin, DomainScopedModel):
    """A person on one site, or a guest (``is_guest``: no email, made lazily for an anonymous session).

    The email is unique within a domain (case-insensitively). ``roles``
    (``admin``, ``moderator``) govern the Django admin console; API admin
    rights come from an ``AdminKey`` instead.
    """

    class Role(models.TextChoices):
        ADMIN = "admin", "Admin"
        MODERATOR = "moderator", "Moderator"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    email = models.EmailField(max_length=254, null=True, blank=True)
    username = models.CharField(max_length=64, blank=True, default="")
    is_guest = models.BooleanField(default=False)
    is_staff = models.BooleanField(default=False, help_text="Can sign in to the Django admin console.")
    is_active = models.BooleanField(default=True)
    is_disabled = models.BooleanField(default=False, help_text="Deleted by the user or an Admin.")
    roles = models.JSONField(default=list, blank=True)
    is_at_least_18_confirmed = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    abuse_level = models.PositiveSmallIntegerField(
        default=0,
        validators=[MinValueValidator(0), MaxValueValidator(9)],
        help_text="0 none; 1 generation blocked; 9 signed out everywhere and refused sign-in.",
    )
    profile_picture_banned = models.BooleanField(
        default=False, help_text="The user may not set a profile picture."
    )
    additional_information = models.TextField(blank=True, default="", help_text="Staff notes.")
    ref_list = models.JSONField(default=list, blank=True, help_text="Browser referrers at sign-up.")
    rs = models.CharField(max_length=200, blank=True, default="", help_text="Affiliate referrer.")

    objects: ClassVar[UserManager] = UserManager()
    all_domains: ClassVar[models.Manager[User]] = models.Manager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        constraints = [
            models.UniqueConstraint(
                "domain",
                Lower("email"),
                condition=models.Q(email__isnull=False),
                name="accounts_user_email_unique_per_domain",
            ),
            models.CheckConstraint(
                condition=models.Q(abuse_level__gte=0, abuse_level__lte=9),
                name="accounts_user_abuse_level_0_to_9",
            ),
        ]
        indexes = [models.Index(fields=["domain", "username"], name="accounts_user_username_idx")]

    def __str__(self) -> str:
        return self.email or f"guest {self.id}"

    @property
    def is_signed_in_user(self) -> bool:
        """A real account (not a guest, not disabled)."""
        return not self.is_guest and not self.is_disabled


class Session(DomainScopedModel):
    """One ``X-Session-ID``: anonymous (no user), a guest's, or a signed-in user's.

    Only a SHA-256 digest of the id is stored (unique within the domain). A row exists once the session
    needs state (a guest user, a sign-in, a view count); a UUID the server has
    never seen is an anonymous session until then. Ending a session deletes
    the row, so its id becomes an unknown (anonymous) one again.
    """

    key_digest = models.CharField(max_length=64)
    user = models.ForeignKey(User, null=True, blank=True, on_delete=models.CASCADE, related_name="sessions")
    is_authenticated = models.BooleanField(
        default=False, help_text="Signed in (as opposed to a guest's session)."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_seen_at = models.DateTimeField(db_index=True)
    client_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    login_provider = models.CharField(max_length=30, blank=True)

    class Meta:
        constraints = [
            # Per domain, not global: an id of one site sent to the other is an unknown id there
            # (a new anonymous session of that site), never a collision with the first site's row.
            models.UniqueConstraint(fields=["domain", "key_digest"], name="accounts_session_key_per_domain"),
        ]
        indexes = [models.Index(fields=["user", "last_seen_at"], name="accounts_session_user_idx")]

    def __str__(self) -> str:
        return f"session {self.key_digest[:12]}… of {self.user or 'anonymous'}"


class AdminKey(DomainScopedModel):
    """A staff member's personal ``X-Administration-Key`` (only its SHA-256 digest is stored).

    The key is shown once, when ``create_admin_key`` makes it. A revoked key
    stops working at once.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="admin_keys")
    name = models.CharField(max_length=100, blank=True)
    prefix = models.CharField(max_length=16, help_text="The key's first characters, to recognise it.")
    key_digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class ProfilePicture(models.Model):
    """A user's profile picture, normalized to a 128x128 WebP (a few kilobytes).

    Kept in its own table so that loading users never loads pictures. No row
    means no picture.
    """

    user = models.OneToOneField(
        User, primary_key=True, on_delete=models.CASCADE, related_name="profile_picture"
    )
    webp = models.BinaryField()
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"profile picture of {self.user_id}"


class ArchivedEmail(models.Model):
    """An address a user had before changing it (``archivedEmails`` of ``getUser``)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="archived_emails")
    email = models.EmailField(max_length=254)
    archived_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["archived_at", "id"]

    def __str__(self) -> str:
        return f"{self.email} (archived {self.archived_at:%Y-%m-%d})"


class UserLoginProvider(models.Model):
    """An internal way a user has signed in at least once (``OTP`` or ``Password``).

    OAuth providers are not recorded here: allauth's ``SocialAccount`` rows
    say which ones a user has used.
    """

    class Provider(models.TextChoices):
        OTP = "OTP", "One-time password"
        PASSWORD = "Password", "Password"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="login_providers")
    provider_id = models.CharField(max_length=20, choices=Provider.choices)
    first_used_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField()

    class Meta:
        ordering = ["first_used_at", "provider_id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "provider_id"], name="accounts_login_provider_once"),
        ]

    def __str__(self) -> str:
        return f"{self.provider_id} for {self.user_id}"


class OneTimePassword(DomainScopedModel):
    """A 6-digit code sent by email (``requestOTP``): single use, valid 24 hours.

    Only an HMAC-SHA256 of (email, code) keyed with ``SECRET_KEY`` is stored,
    so a code is found with one indexed lookup and the table alone does not
    reveal codes. ``used_at`` is set by a conditional UPDATE, so a code is
    consumed once even by concurrent requests. A code asked for while its
    email's codes were being guessed is bound to the address that asked
    (``accounts.signin.throttle``).
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    email = models.EmailField(max_length=254, help_text="Lower-cased.")
    code_digest = models.CharField(max_length=64)
    sign_up = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    client_address = models.GenericIPAddressField(null=True, blank=True, help_text="Who asked for it.")
    address_bound = models.BooleanField(
        default=False,
        help_text="Asked for while the email's codes were under attack: tried only from client_address.",
    )
    failed_checks = models.PositiveSmallIntegerField(
        default=0, help_text="Wrong codes tried from client_address while it was bound there."
    )

    class Meta:
        indexes = [
            models.Index(fields=["domain", "email", "code_digest"], name="accounts_otp_lookup_idx"),
            models.Index(fields=["expires_at"], name="accounts_otp_expiry_idx"),
        ]

    def __str__(self) -> str:
        return f"code for {self.email} ({'used' if self.used_at else 'unused'})"


class UserKVP(DomainScopedModel):
    """A user's key-value pair (``getUserKVP``/``setUserKVP``/``deleteUserKVP``).

    Limits (``accounts.kvp.services``): keys 1-128 characters, values up to 64 KiB
    of UTF-8, at most 200 keys per user.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="kvps")
    key = models.CharField(max_length=128)
    value = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="accounts_kvp_key_unique_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.key} of {self.user_id}"
