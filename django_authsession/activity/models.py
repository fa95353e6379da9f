"""The security history of each account and the devices it signs in from. Both outlive the
sessions they describe; neither ever holds a token."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..devices import describe_device, describe_user_agent

__all__ = ["EventType", "KnownDevice", "SecurityEvent"]


class EventType(models.TextChoices):
    SIGN_IN = "sign_in", _("Signed in")
    SIGN_IN_FAILED = "sign_in_failed", _("Failed sign-in")
    SIGN_IN_REFUSED = "sign_in_refused", _("Sign-in refused")
    SIGN_OUT = "sign_out", _("Signed out")
    SESSION_REVOKED = "session_revoked", _("Session ended")
    PASSWORD_CHANGED = "password_changed", _("Password changed")
    NEW_DEVICE = "new_device", _("New device")
    LOCKOUT = "lockout", _("Sign-in locked")


class Actor(models.TextChoices):
    USER = "user", _("the user")
    ADMIN = "admin", _("an administrator")
    SYSTEM = "system", _("the system")
    UNKNOWN = "unknown", _("someone")  # a failed sign-in: whoever typed the password


class SecurityEvent(models.Model):
    """One lifecycle change of an account: who did it, when, from where."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="security_events",
        verbose_name=_("user"),
        db_index=False,  # (user, created_at) below
    )
    type = models.CharField(_("event"), max_length=32, choices=EventType.choices)
    created_at = models.DateTimeField(_("time"), default=timezone.now)
    actor = models.CharField(_("done by"), max_length=16, choices=Actor.choices)
    # The user who did it when not the account's owner (an administrator), as a string: the
    # history stays when that account is deleted.
    actor_id = models.CharField(_("done by (id)"), max_length=64, blank=True, default="")
    # The public id of the session concerned (never its token).
    session_id = models.UUIDField(_("session"), null=True, blank=True)
    ip_address = models.CharField(_("IP address"), max_length=64, blank=True, default="")
    user_agent = models.TextField(_("user agent"), blank=True, default="")
    location = models.JSONField(_("location"), null=True, blank=True)
    # What else the event knows: "how" for a sign-in, "reason" for an ended session, ...
    details = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("security event")
        verbose_name_plural = _("security events")
        ordering = ("-created_at", "-id")
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["user", "-created_at"], name="authsession_event_user_idx"),
            models.Index(fields=["created_at"], name="authsession_event_created_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_type_display()} ({self.created_at:%Y-%m-%d %H:%M})"

    @property
    def device(self) -> str:
        return describe_device(self.user_agent, self.location) if self.user_agent else ""

    @property
    def summary(self) -> str:
        """What happened, in words for the account page ("Session ended after inactivity")."""
        text = str(self.get_type_display())
        detail = self.details.get("how") or self.details.get("reason") or ""
        more = _SUMMARIES.get(str(detail))
        return f"{text} {more}" if more else text


# How a sign-in happened, or why a session ended, as the account page says it.
_SUMMARIES = {
    "email": _("with email and password"),
    "sign-up": _("after signing up"),
    "change-password": _("after changing the password"),
    "revoke-session": _("by you"),
    "revoke-other-sessions": _("by you (signed out everywhere else)"),
    "revoke-sessions": _("by you (signed out everywhere)"),
    "admin": _("by an administrator"),
    "password-change": _("by a password change"),
    "deactivated": _("as the account was deactivated"),
    "idle-timeout": _("after inactivity"),
    "session-cap": _("by the session limit"),
    "replaced": _("by a new sign-in in the same browser"),
}


class KnownDevice(models.Model):
    """A browser the user has signed in from (its device cookie's id), kept after its
    sessions end: a sign-in from a browser without a row here is a new-device sign-in."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="known_devices",
        verbose_name=_("user"),
        db_index=False,  # the unique constraint's index serves lookups by user
    )
    device_id = models.CharField(_("device id"), max_length=64)
    user_agent = models.TextField(_("user agent"), blank=True, default="")
    ip_address = models.CharField(_("IP address"), max_length=64, blank=True, default="")
    location = models.JSONField(_("location"), null=True, blank=True)
    first_seen_at = models.DateTimeField(_("first seen"), default=timezone.now)
    last_seen_at = models.DateTimeField(_("last seen"), default=timezone.now)

    class Meta:
        verbose_name = _("known device")
        verbose_name_plural = _("known devices")
        ordering = ("-last_seen_at",)
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["user", "device_id"], name="authsession_device_unique")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return describe_user_agent(self.user_agent)
