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
ACTIVITY_APP = "django_authsession.activity"
END_LEAST_RECENTLY_ACTIVE = "end-least-recently-active"
REFUSE = "refuse"
SESSION_LIMIT_POLICIES = (END_LEAST_RECENTLY_ACTIVE, REFUSE)
_UNSET = object()
DEFAULT_DEVICE_COOKIE_MAX_AGE = 365 * 24 * 60 * 60


T = TypeVar("T")


class setting(Generic[T]):  # lower case: used like @property
    """A read-only property computed once, until ``AppSettings.reload()``."""

    def __init__(self, compute: Callable[[Any], T]) -> None:
        self.compute = compute
        self.name = compute.__name__
        self.__doc__ = compute.__doc__

    def __get__(self, obj: SettingsBase | None, objtype: Any = None) -> T:
        if obj is None:
            return self  # type: ignore[return-value]
        try:
            value: T = obj._values[self.name]
        except KeyError:
            value = obj._values[self.name] = self.compute(obj)
        return value


class SettingsBase:
    """Typed ``AUTHSESSION_*`` accessors, each computed once until ``reload()``; the core's
    (:class:`AppSettings`) and each subpackage's settings section subclass it."""

    def __init__(self) -> None:
        self._values: dict[str, Any] = {}

    def reload(self, **kwargs: Any) -> None:
        """Forget every value; a ``setting_changed`` receiver."""
        self._values.clear()

    def _get(self, name: str, default: Any) -> Any:
        return getattr(django_settings, f"AUTHSESSION_{name}", default)


class AppSettings(SettingsBase):
    """Typed accessors with the documented defaults (README, "Settings")."""

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
    def COOKIE_SAMESITE(self) -> str:
        """``SameSite`` of every cookie the app sets (a ``str``): ``"Lax"`` (default),
        ``"Strict"``, or ``"None"`` for a front end on another site, which needs Secure
        cookies (check ``E017``). Better Auth's ``defaultCookieAttributes.sameSite``."""
        value = self._get("COOKIE_SAMESITE", "Lax")
        return value.strip().capitalize() if isinstance(value, str) else "Lax"

    @setting
    def CROSS_SUBDOMAIN_COOKIE_DOMAIN(self) -> str | None:
        """``Domain`` of every cookie the app sets (a ``str`` such as ``"example.com"``), so
        that ``app.example.com`` and ``api.example.com`` share the session; ``None`` (default)
        keeps the cookies on the host that set them. Better Auth's
        ``crossSubDomainCookies.domain``."""
        value = self._get("CROSS_SUBDOMAIN_COOKIE_DOMAIN", None)
        return str(value).strip() or None if value is not None else None

    @setting
    def COOKIE_PARTITIONED(self) -> bool:
        """Mark every cookie the app sets ``Partitioned`` (CHIPS: kept per top-level site, for
        an API embedded in another site's page); a ``bool``, default ``False``. Needs Secure
        cookies (check ``E018``)."""
        return bool(self._get("COOKIE_PARTITIONED", False))

    @setting
    def ADOPT_DJANGO_SESSIONS(self) -> bool:
        """A request whose Django session is logged in and that carries no app session cookie
        gets an app session for that user (a ``bool``, default ``False``): users logged in
        before the app was installed need not sign in again."""
        return bool(self._get("ADOPT_DJANGO_SESSIONS", False))

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
    def DEVICE_COOKIE_MAX_AGE(self) -> int:
        """Seconds (int) a browser keeps the device cookie that marks it as one an account has
        signed in from; default 365 days. Renewed at each sign-in."""
        return int(self._get("DEVICE_COOKIE_MAX_AGE", DEFAULT_DEVICE_COOKIE_MAX_AGE))

    @setting
    def DEVICE_FAILURE_LIMIT(self) -> str | None:
        """Failed sign-ins (a rate string, default ``"10/900s"``) allowed to one known browser
        (device cookie) of an account, counted apart from the account's own limit so the owner
        is not locked out by others' guesses. ``None`` turns that exemption off: known browsers
        then count against the account like any other."""
        value = self._get("DEVICE_FAILURE_LIMIT", DEFAULT_ACCOUNT_FAILURE_LIMIT)
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
    def ACTIVITY_INTERVAL(self) -> int | None:
        """Seconds between two writes of a session's ``last_active_at`` (an int, or ``None``
        for no tracking). Default 300 when ``django_authsession.activity`` is installed, else
        ``None``: a project without it writes nothing on reads."""
        value = self._get("ACTIVITY_INTERVAL", _UNSET)
        if value is _UNSET:
            from django.apps import apps

            value = 300 if apps.is_installed(ACTIVITY_APP) else None
        return None if value is None else int(value)

    @setting
    def IDLE_TIMEOUT(self) -> int | None:
        """Seconds without a request after which a session ends, whatever its expiry (an int,
        or ``None``, the default: no idle timeout). Needs ``AUTHSESSION_ACTIVITY_INTERVAL``."""
        value = self._get("IDLE_TIMEOUT", None)
        return None if value is None else int(value)

    @setting
    def MAX_SESSIONS_PER_USER(self) -> int | None:
        """Most active sessions one user may hold (an int, or ``None``, the default: no cap).
        What a sign-in beyond it does is ``AUTHSESSION_SESSION_LIMIT_POLICY``."""
        value = self._get("MAX_SESSIONS_PER_USER", None)
        return None if value is None else int(value)

    @setting
    def SESSION_LIMIT_POLICY(self) -> str:
        """``"end-least-recently-active"`` (default): a sign-in beyond the cap ends the user's
        least recently active sessions; ``"refuse"``: it is refused (403
        ``SESSION_LIMIT_REACHED``). A string."""
        return str(self._get("SESSION_LIMIT_POLICY", END_LEAST_RECENTLY_ACTIVE))

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
