"""The supplied user model (snake_case columns, table ``user``) and the ``session`` table."""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.db.models.lookups import Exact
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .devices import describe_user_agent

__all__ = [
    "AbstractUser",
    "Session",
    "SessionQuerySet",
    "User",
    "UserManager",
]


class UserManager(BaseUserManager["AbstractUser"]):
    """Emails are the login name and are stored lower-cased, as Better Auth does."""

    use_in_migrations = True

    @classmethod
    def normalize_email(cls, email: str | None) -> str:
        return (email or "").strip().lower()

    def get_by_natural_key(self, username: str | None) -> AbstractUser:
        """Any letter case, compared as the sign-in endpoint compares (``LOWER`` on both
        sides, which the unique index on ``Lower("email")`` serves)."""
        value = models.Value(self.normalize_email(username), output_field=models.CharField())
        return self.get(Exact(Lower("email"), Lower(value)))

    def _create(self, email: str, password: str | None, **fields: Any) -> AbstractUser:
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **fields: Any) -> AbstractUser:
        fields.setdefault("is_staff", False)
        fields.setdefault("is_superuser", False)
        return self._create(email, password, **fields)

    def create_superuser(
        self, email: str, password: str | None = None, **fields: Any
    ) -> AbstractUser:
        fields.setdefault("is_staff", True)
        fields.setdefault("is_superuser", True)
        return self._create(email, password, **fields)


class AbstractUser(AbstractBaseUser, PermissionsMixin):
    """The documented user fields; subclass it to add your own and keep the contract."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False, db_column="id")
    email = models.EmailField(_("email address"), max_length=254, unique=True, db_column="email")
    name = models.CharField(_("name"), max_length=255, blank=True, db_column="name")
    type = models.CharField(_("type"), max_length=64, blank=True, db_column="type")
    profession = models.CharField(
        _("profession"), max_length=255, blank=True, db_column="profession"
    )
    avatar = models.URLField(_("avatar"), max_length=2048, blank=True, db_column="avatar")
    is_active = models.BooleanField(_("active"), default=True, db_column="is_active")
    is_staff = models.BooleanField(_("staff status"), default=False, db_column="is_staff")
    organization_id = models.UUIDField(
        _("organization"), null=True, blank=True, db_column="organization_id"
    )
    is_email_verified = models.BooleanField(
        _("email verified"), default=False, db_column="is_email_verified"
    )
    created_at = models.DateTimeField(
        _("created at"), default=timezone.now, editable=False, db_column="created_at"
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_column="updated_at")

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        abstract = True
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.email

    def clean(self) -> None:
        super().clean()
        self.email = type(self).objects.normalize_email(self.email)

    def get_full_name(self) -> str:
        return self.name

    def get_short_name(self) -> str:
        return self.name.split(" ")[0] if self.name else self.email


class User(AbstractUser):
    class Meta(AbstractUser.Meta):
        db_table = "user"
        swappable = "AUTH_USER_MODEL"
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(Lower("email"), name="user_email_ci_unique"),
        ]


class SessionQuerySet(models.QuerySet["Session"]):
    def active(self, now: Any = None) -> SessionQuerySet:
        return self.filter(expires_at__gt=now or timezone.now())

    def expired(self, now: Any = None) -> SessionQuerySet:
        return self.filter(expires_at__lte=now or timezone.now())

    def for_user(self, user: Any) -> SessionQuerySet:
        """``user`` is a user or its primary key."""
        return self.filter(user_id=getattr(user, "pk", user))


class Session(models.Model):
    """One login. ``token`` holds the storage form of the token (see ``tokens.storage_key``)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False, db_column="id")
    token = models.CharField(_("token"), max_length=255, unique=True, db_column="token")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="auth_sessions",
        verbose_name=_("user"),
        db_column="user_id",
        db_index=False,  # declared in Meta.indexes
    )
    expires_at = models.DateTimeField(_("expires at"), db_column="expires_at")
    ip_address = models.CharField(
        _("IP address"), max_length=64, blank=True, db_column="ip_address"
    )
    user_agent = models.TextField(_("user agent"), blank=True, db_column="user_agent")
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_column="created_at")
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now, db_column="updated_at")
    # Beyond Better Auth's columns; the database defaults let a Better Auth server sharing the
    # table insert rows without them (remembered, not bound to a password state).
    remember_me = models.BooleanField(
        _("remember me"), default=True, db_default=True, db_column="remember_me"
    )
    password_digest = models.CharField(
        _("password digest"),
        max_length=64,
        blank=True,
        default="",
        db_default="",
        db_column="password_digest",
        help_text=_("Keyed digest of the user's password state when the session started."),
    )
    # Last request seen, written at most once per AUTHSESSION_ACTIVITY_INTERVAL; on the row
    # itself so the database path reads it in its one query and a cache hit writes one row.
    last_active_at = models.DateTimeField(
        _("last active at"), null=True, blank=True, db_column="last_active_at"
    )
    # {"country", "countryCode", "city"} from the location resolver, or null.
    location = models.JSONField(_("location"), null=True, blank=True, db_column="location")

    # The project's session fields (AUTHSESSION_SESSION_FIELDS, see ``session_fields``); NULL
    # (no field set) in rows a Better Auth server sharing the table inserts.
    data = models.JSONField(
        _("session fields"),
        null=True,
        blank=True,
        default=None,
        db_column="data",
        help_text=_("Values of the project's session fields (AUTHSESSION_SESSION_FIELDS)."),
    )

    # Better Auth's admin plugin column: the admin who started this session as ``user``
    # (impersonation). Null for every ordinary session; an impersonation session ends with
    # its admin (deleting the admin deletes it, revoking the admin's sessions revokes it).
    impersonated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("impersonated by"),
        db_column="impersonated_by",
        db_index=False,  # declared in Meta.indexes
    )

    objects = SessionQuerySet.as_manager()

    class Meta:
        db_table = "session"
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        ordering = ("-created_at",)
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["user"], name="session_user_id_idx"),
            models.Index(fields=["expires_at"], name="session_expires_at_idx"),
            models.Index(fields=["last_active_at"], name="session_last_active_at_idx"),
            models.Index(
                fields=["impersonated_by"],
                name="session_impersonated_by_idx",
                condition=models.Q(impersonated_by__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        # Never the token: this string shows up in the admin and in logs. The user's email only
        # when the user is loaded already (the admin joins it): printing runs no query.
        who: object = self.user_id
        if Session.user.is_cached(self):
            who = getattr(self.user, self.user.get_email_field_name(), "") or self.user
        return f"{who} ({describe_user_agent(self.user_agent)})"

    @property
    def field_values(self) -> dict[str, Any]:
        """Every declared session field's value (its default where unset), by name."""
        from .session_fields import values

        return values(self.data)

    def is_expired(self, now: Any = None) -> bool:
        return bool(self.expires_at <= (now or timezone.now()))

    @property
    def last_active(self) -> Any:
        """When the session was last seen: ``last_active_at`` when tracked, else the last
        refresh (``updated_at``)."""
        return self.last_active_at or self.updated_at
