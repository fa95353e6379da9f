"""One settings object: each ``AUTHSESSION_*`` setting is read at access time, so
``override_settings`` in tests and per-deploy settings both just work."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.conf import settings as django_settings

DEFAULT_RATE_LIMIT = "10/60s"


class AppSettings:
    """Typed accessors with the documented defaults (README, "Settings")."""

    def _get(self, name: str, default: Any) -> Any:
        return getattr(django_settings, f"AUTHSESSION_{name}", default)

    @property
    def EXPIRES_IN(self) -> int:
        """Seconds a session lives after creation or refresh."""
        return int(self._get("EXPIRES_IN", 604800))

    @property
    def UPDATE_AGE(self) -> int:
        """Seconds of session age after which a request slides the expiry forward."""
        return int(self._get("UPDATE_AGE", 86400))

    @property
    def COOKIE_CACHE(self) -> bool:
        return bool(self._get("COOKIE_CACHE", True))

    @property
    def COOKIE_CACHE_MAX_AGE(self) -> int:
        return int(self._get("COOKIE_CACHE_MAX_AGE", 300))

    @property
    def COOKIE_PREFIX(self) -> str:
        return str(self._get("COOKIE_PREFIX", "better-auth"))

    @property
    def USE_SECURE_COOKIES(self) -> bool:
        value = self._get("USE_SECURE_COOKIES", None)
        return (not django_settings.DEBUG) if value is None else bool(value)

    @property
    def SECRET(self) -> str:
        value = self._get("SECRET", None)
        return str(django_settings.SECRET_KEY if value is None else value)

    @property
    def SECRETS(self) -> list[str]:
        """The current secret first, then fallbacks, for verification only."""
        fallbacks: Sequence[str] = self._get(
            "SECRET_FALLBACKS", getattr(django_settings, "SECRET_KEY_FALLBACKS", [])
        )
        return [self.SECRET, *(str(s) for s in fallbacks)]

    @property
    def TOKEN_STORAGE(self) -> str:
        """``"sha256"`` (default) stores a digest; ``"plain"`` shares rows with Better Auth."""
        return str(self._get("TOKEN_STORAGE", "sha256"))

    @property
    def RATE_LIMITS(self) -> Mapping[str, str | None]:
        return dict(self._get("RATE_LIMITS", {}))

    @property
    def DEFAULT_RATE_LIMIT(self) -> str | None:
        value = self._get("DEFAULT_RATE_LIMIT", DEFAULT_RATE_LIMIT)
        return None if value is None else str(value)

    @property
    def TRUSTED_PROXIES(self) -> list[str]:
        return list(self._get("TRUSTED_PROXIES", []))

    @property
    def ABSOLUTE_MAX_AGE(self) -> int | None:
        value = self._get("ABSOLUTE_MAX_AGE", None)
        return None if value is None else int(value)

    @property
    def USER_SERIALIZER(self) -> str:
        return str(self._get("USER_SERIALIZER", "django_authsession.serializers.UserSerializer"))

    @property
    def REVOCATION_CACHE(self) -> str:
        """Alias of the Django cache that holds revocation marks."""
        return str(self._get("REVOCATION_CACHE", "default"))

    @property
    def MIN_PASSWORD_LENGTH(self) -> int:
        return int(self._get("MIN_PASSWORD_LENGTH", 8))

    @property
    def MAX_PASSWORD_LENGTH(self) -> int:
        return int(self._get("MAX_PASSWORD_LENGTH", 128))

    @property
    def DISABLE_SIGN_UP(self) -> bool:
        return bool(self._get("DISABLE_SIGN_UP", False))


app_settings = AppSettings()
