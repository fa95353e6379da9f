"""The admin API's settings, read as the core settings are (``django_authsession.conf``)."""

from __future__ import annotations

from typing import Any

from ..conf import AppSettings, setting

DEFAULT_BANNED_USER_MESSAGE = (
    "You have been banned from this application. "
    "Please contact support if you believe this is an error."
)


class AdminApiSettings(AppSettings):
    """Typed accessors with their defaults; reloaded on ``setting_changed`` like the core's."""

    @setting
    def IMPERSONATION_SESSION_DURATION(self: AppSettings) -> Any:
        """Seconds an impersonation session lives (Better Auth's
        ``impersonationSessionDuration``); never extended. Default ``3600`` (one hour); int."""
        return self._get("IMPERSONATION_SESSION_DURATION", 3600)

    @setting
    def BANNED_USER_MESSAGE(self: AppSettings) -> str:
        """The message of the 403 ``BANNED_USER`` answer to a banned user's sign-in (Better
        Auth's ``bannedUserMessage``). Default: Better Auth's text; str."""
        return str(self._get("BANNED_USER_MESSAGE", DEFAULT_BANNED_USER_MESSAGE))

    @setting
    def DEFAULT_BAN_REASON(self: AppSettings) -> str:
        """The ban reason stored when ``ban-user`` gives none (Better Auth's
        ``defaultBanReason``). Default ``"No reason"``; str."""
        return str(self._get("DEFAULT_BAN_REASON", "No reason"))

    @setting
    def DEFAULT_BAN_EXPIRES_IN(self: AppSettings) -> Any:
        """Seconds a ban lasts when ``ban-user`` gives no ``banExpiresIn`` (Better Auth's
        ``defaultBanExpiresIn``). Default ``None`` (until unbanned); int or None."""
        return self._get("DEFAULT_BAN_EXPIRES_IN", None)


admin_api_settings = AdminApiSettings()
