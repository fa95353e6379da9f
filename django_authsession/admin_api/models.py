"""Bans, in a table of their own so that any ``AUTH_USER_MODEL`` can be banned without a
column added to it. Read only when a session is created (sign-in, impersonation), never on a
request that presents one: banning ends every session of the user at once."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Ban(models.Model):
    """One banned user (Better Auth's ``banned``, ``banReason``, ``banExpires``)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="authsession_ban",
        verbose_name=_("user"),
    )
    reason = models.CharField(_("reason"), max_length=1024, blank=True)
    expires_at = models.DateTimeField(
        _("expires at"), null=True, blank=True, help_text=_("Empty: until unbanned.")
    )
    banned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("banned by"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("ban")
        verbose_name_plural = _("bans")
        # Better Auth's "user: impersonate" as a Django permission; it lives here because this
        # app is where impersonation lives.
        permissions = [("impersonate", _("Can impersonate users"))]

    def __str__(self) -> str:
        return str(self.user_id)

    def is_active(self, now: Any = None) -> bool:
        """In force: no expiry, or an expiry still ahead."""
        return self.expires_at is None or self.expires_at > (now or timezone.now())
