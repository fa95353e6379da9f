"""One settings object: each ``AUTHSESSION_*`` setting is a typed property with its default.

Values are read from Django's settings on first use and kept until any setting changes
(``setting_changed``, which ``override_settings`` and pytest-django send), as DRF's
``api_settings`` does: the request path reads a dozen settings, and a miss on Django's lazy
settings object costs an exception each time."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Generic, TypeVar

from django.conf import settings as django_settings

DEFAULT_RATE_LIMIT = "10/60s"
DEFAULT_REVOCATION_CACHE = "authsession_revocation"
DEFAULT_ACCOUNT_FAILURE_LIMIT = "10/900s"


T = TypeVar("T")


class setting(Generic[T]):  # lower case: used like @property
    """A read-only property computed once, until ``AppSettings.reload()``."""

    def __init__(self, compute: Callable[[AppSettings], T]) -> None:
        self.compute = compute
        self.name = compute.__name__
        self.__doc__ = compute.__doc__

    def __get__(self, obj: AppSettings | None, objtype: Any = None) -> T:
        if obj is None:
            return self  # type: ignore[return-value]
        try:
            value: T = obj._values[self.name]
        except KeyError:
            value = obj._values[self.name] = self.compute(obj)
        return value


class AppSettings:
    """Typed accessors with the documented defaults (README, "Settings")."""

    def __init__(self) -> None:
        self._values: dict[str, Any] = {}

    def reload(self, **kwargs: Any) -> None:
        """Forget every value; a ``setting_changed`` receiver."""
        self._values.clear()

    def _get(self, name: str, default: Any) -> Any:
        return getattr(django_settings, f"AUTHSESSION_{name}", default)

    @setting
    def EXPIRES_IN(self) -> int:
        """Seconds a session lives after creation or refresh."""
        return int(self._get("EXPIRES_IN", 604800))

    @setting
    def UPDATE_AGE(self) -> int:
        """Seconds of session age after which a request slides the expiry forward."""
        return int(self._get("UPDATE_AGE", 86400))

    @setting
    def COOKIE_CACHE(self) -> bool:
        return bool(self._get("COOKIE_CACHE", True))

    @setting
    def COOKIE_CACHE_MAX_AGE(self) -> int:
        return int(self._get("COOKIE_CACHE_MAX_AGE", 300))

    @setting
    def COOKIE_PREFIX(self) -> str:
        return str(self._get("COOKIE_PREFIX", "better-auth"))

    @setting
    def USE_SECURE_COOKIES(self) -> bool:
        value = self._get("USE_SECURE_COOKIES", None)
        return (not django_settings.DEBUG) if value is None else bool(value)

    @setting
    def SECRET(self) -> str:
        value = self._get("SECRET", None)
        return str(django_settings.SECRET_KEY if value is None else value)

    @setting
    def SECRETS(self) -> tuple[str, ...]:
        """The current secret first, then fallbacks, for verification only."""
        fallbacks: Sequence[str] = self._get(
            "SECRET_FALLBACKS", getattr(django_settings, "SECRET_KEY_FALLBACKS", [])
        )
        return (self.SECRET, *(str(s) for s in fallbacks))

    @setting
    def TOKEN_STORAGE(self) -> str:
        """``"sha256"`` (default) stores a digest; ``"plain"`` shares rows with Better Auth."""
        return str(self._get("TOKEN_STORAGE", "sha256"))

    @setting
    def RATE_LIMITS(self) -> Mapping[str, str | None]:
        return dict(self._get("RATE_LIMITS", {}))

    @setting
    def DEFAULT_RATE_LIMIT(self) -> str | None:
        value = self._get("DEFAULT_RATE_LIMIT", DEFAULT_RATE_LIMIT)
        return None if value is None else str(value)

    @setting
    def RATE_LIMIT_SESSION_READS(self) -> str:
        """``"address"``: reads by a valid session are not counted; ``"session"``: per session."""
        return str(self._get("RATE_LIMIT_SESSION_READS", "address"))

    @setting
    def TRUSTED_PROXIES(self) -> tuple[str, ...]:
        return tuple(self._get("TRUSTED_PROXIES", ()))

    @setting
    def ABSOLUTE_MAX_AGE(self) -> int | None:
        value = self._get("ABSOLUTE_MAX_AGE", None)
        return None if value is None else int(value)

    @setting
    def USER_SERIALIZER(self) -> str:
        return str(self._get("USER_SERIALIZER", "django_authsession.serializers.UserSerializer"))

    @setting
    def ADAPTER(self) -> str:
        """Import path of the user-model adapter (``adapter.UserAdapter`` or a subclass)."""
        return str(self._get("ADAPTER", "django_authsession.adapter.UserAdapter"))

    @setting
    def REVOCATION_CACHE(self) -> str:
        """Alias of the Django cache that holds revocation marks, and nothing else."""
        return str(self._get("REVOCATION_CACHE", DEFAULT_REVOCATION_CACHE))

    @setting
    def TRUST_UNIX_SOCKET_PROXY(self) -> bool:
        """An empty ``REMOTE_ADDR`` (a unix-socket peer) is a trusted proxy."""
        return bool(self._get("TRUST_UNIX_SOCKET_PROXY", False))

    @setting
    def ACCOUNT_FAILURE_LIMIT(self) -> str | None:
        """Failed sign-ins allowed per email address, across client addresses."""
        value = self._get("ACCOUNT_FAILURE_LIMIT", DEFAULT_ACCOUNT_FAILURE_LIMIT)
        return None if value is None else str(value)

    @setting
    def MIN_PASSWORD_LENGTH(self) -> int:
        return int(self._get("MIN_PASSWORD_LENGTH", 8))

    @setting
    def MAX_PASSWORD_LENGTH(self) -> int:
        return int(self._get("MAX_PASSWORD_LENGTH", 128))

    @setting
    def DISABLE_SIGN_UP(self) -> bool:
        return bool(self._get("DISABLE_SIGN_UP", False))

    @setting
    def BEARER(self) -> bool:
        """Accept ``Authorization: Bearer <token>`` as the session cookie is accepted, and
        expose the token of a new session in a ``set-auth-token`` header (Better Auth's
        ``bearer`` plugin). Default ``True``; ``bool``."""
        return bool(self._get("BEARER", True))

    @setting
    def BEARER_REQUIRE_SIGNATURE(self) -> bool:
        """Accept only the signed token (``set-auth-token``'s value) as a bearer credential,
        not the raw token of a sign-in body (Better Auth's ``requireSignature``). Default
        ``False``; ``bool``."""
        return bool(self._get("BEARER_REQUIRE_SIGNATURE", False))

    @setting
    def TRUSTED_NATIVE_ORIGINS(self) -> tuple[str, ...]:
        """Origins of native apps (custom URL schemes such as ``"myapp://"``, or ``"exp://"``
        for Expo Go) the Origin rule accepts, from ``Origin`` or Expo's ``expo-origin`` header.
        An entry without a host trusts every host of its scheme. Default ``()``; list of str."""
        return tuple(str(o).lower() for o in self._get("TRUSTED_NATIVE_ORIGINS", ()))

    @setting
    def FRESH_AGE(self) -> int:
        """Seconds after sign-in during which a session is "fresh" (Better Auth's ``freshAge``):
        ``/list-sessions`` and views guarded by ``RequireFreshSession`` / ``fresh_session_required``
        refuse older sessions with 403 ``SESSION_NOT_FRESH``. ``0`` turns the check off.
        Default ``86400`` (one day); ``int``."""
        return int(self._get("FRESH_AGE", 86400))

    @setting
    def SESSION_FIELDS(self) -> Mapping[str, Mapping[str, Any]]:
        """Extra fields stored with each session (Better Auth's ``session.additionalFields``):
        ``{"activeOrganizationId": {"type": "string", "default": None, "input": True}}``.
        ``type`` is ``"string"``, ``"number"``, ``"boolean"``, ``"date"`` or ``"json"``;
        ``input: True`` lets the client set the field with ``/update-session``.
        Default ``{}``; dict of name to dict."""
        value = self._get("SESSION_FIELDS", None) or {}
        return dict(value) if isinstance(value, Mapping) else {}


app_settings = AppSettings()
