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

    def __init__(self, compute: Callable[[Any], T]) -> None:  # AppSettings or a subclass
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
    (:class:`AppSettings`) and each subpackage's settings section subclass it.

    The documentation's settings reference is generated from these classes: each ``@setting``
    property is one setting, its name ``prefix`` + the name ``_get`` reads, its type the
    property's return annotation, its default the one passed to ``_get``, its text the
    property's docstring (which the test suite requires). A subpackage app with settings of its
    own subclasses this in its ``conf.py``, keeping ``prefix`` or setting its own, and exposes
    an instance at module level."""

    prefix = "AUTHSESSION_"

    def __init__(self) -> None:
        self._values: dict[str, Any] = {}

    def reload(self, **kwargs: Any) -> None:
        """Forget every value; a ``setting_changed`` receiver."""
        self._values.clear()

    def _get(self, name: str, default: Any) -> Any:
        return getattr(django_settings, f"{self.prefix}{name}", default)


class AppSettings(SettingsBase):
    """Typed accessors with the documented defaults (README, "Settings")."""

    @setting
    def EXPIRES_IN(self) -> int:
        """How long a session lives after its creation or its last refresh, in seconds
        (default 7 days)."""
        return int(self._get("EXPIRES_IN", 604800))

    @setting
    def UPDATE_AGE(self) -> int:
        """Age in seconds (since creation or the last refresh) after which a request extends
        the session (default 1 day); also the whole lifetime of a ``rememberMe: false``
        session. Must be shorter than ``EXPIRES_IN`` (check ``E005``)."""
        return int(self._get("UPDATE_AGE", 86400))

    @setting
    def COOKIE_CACHE(self) -> bool:
        """Write and honour the signed ``session_data`` cookie cache, which answers a request
        without a database query. ``False`` clears existing cache cookies."""
        return bool(self._get("COOKIE_CACHE", True))

    @setting
    def COOKIE_CACHE_MAX_AGE(self) -> int:
        """Lifetime of the cookie cache in seconds; revocation marks are kept this long plus
        60 s."""
        return int(self._get("COOKIE_CACHE_MAX_AGE", 300))

    @setting
    def COOKIE_PREFIX(self) -> str:
        """Cookie name prefix: ``<prefix>.session_token``, ``<prefix>.session_data``,
        ``<prefix>.dont_remember``. Better Auth's default, so both can share a browser."""
        return str(self._get("COOKIE_PREFIX", "better-auth"))

    @setting
    def USE_SECURE_COOKIES(self) -> bool:
        """The ``Secure`` flag and the ``__Secure-`` name prefix on every session cookie.
        ``None`` (the default) means ``not DEBUG``. Deploy check ``W001`` warns when off."""
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
        """The secret that signs the session cookie and the cookie cache; ``None`` (the
        default) means ``SECRET_KEY``. Use Better Auth's secret to share cookies with a Better
        Auth server. Deploy check ``W002`` warns under 32 characters."""
        value = self._get("SECRET", None)
        return str(django_settings.SECRET_KEY if value is None else value)

    @setting
    def SECRETS(self) -> tuple[str, ...]:
        """Older secrets (``AUTHSESSION_SECRET_FALLBACKS``, a list of strings) still accepted
        when verifying cookies, never used to sign; ``None`` (the default) means
        ``SECRET_KEY_FALLBACKS``, so rotating ``SECRET_KEY`` keeps sessions alive."""
        fallbacks: Sequence[str] | None = self._get("SECRET_FALLBACKS", None)
        if fallbacks is None:
            fallbacks = getattr(django_settings, "SECRET_KEY_FALLBACKS", [])
        return (self.SECRET, *(str(s) for s in fallbacks))

    @setting
    def TOKEN_STORAGE(self) -> str:
        """How the ``session.token`` column holds the token: ``"sha256"`` (the default), its
        SHA-256 hex digest, or ``"plain"``, the raw token (only to share the table with a Better
        Auth server). Check ``E003`` rejects other values."""
        return str(self._get("TOKEN_STORAGE", "sha256"))

    @setting
    def RATE_LIMITS(self) -> Mapping[str, str | None]:
        """Per-endpoint rate-limit rules keyed by the endpoint's path below the mount point
        (``"/sign-in/email"``, ``"/session"``, ...), in django-ratelimit's format (``"5/60s"``,
        ``"5/m"``, ``"100/h"``); ``None`` turns the limit off for that endpoint. A key that is
        no endpoint (check ``E011``) or a malformed rate (``E010``) is a start-up error."""
        return dict(self._get("RATE_LIMITS", {}))

    @setting
    def DEFAULT_RATE_LIMIT(self) -> str | None:
        """The rule for every endpoint not in ``RATE_LIMITS``, counted per client address (IPv6
        per /64) and endpoint (not per URL path, so mount prefixes and ``SCRIPT_NAME`` share one
        bucket) in the cache named by django-ratelimit's ``RATELIMIT_USE_CACHE``; ``None`` turns
        rate limiting off. Check ``E010`` rejects malformed rates."""
        value = self._get("DEFAULT_RATE_LIMIT", DEFAULT_RATE_LIMIT)
        return None if value is None else str(value)

    @setting
    def RATE_LIMIT_SESSION_READS(self) -> str:
        """On ``/session`` and ``/get-session``: ``"address"`` (the default) counts only
        requests without a valid session, per address; ``"session"`` also counts reads by a
        valid session, per session, against the same rule. Check ``E012`` rejects other
        values."""
        return str(self._get("RATE_LIMIT_SESSION_READS", "address"))

    @setting
    def TRUSTED_PROXIES(self) -> tuple[str, ...]:
        """IP addresses or networks (``"10.0.0.0/8"``) of your reverse proxies, a list; only
        from these is ``X-Forwarded-For`` believed. Check ``E008`` names each malformed entry
        (they trust nothing at request time)."""
        return tuple(self._get("TRUSTED_PROXIES", ()))

    @setting
    def ABSOLUTE_MAX_AGE(self) -> int | None:
        """Hard cap in seconds on a session's lifetime since creation, whatever the refreshes;
        ``None`` (the default) sets no cap."""
        value = self._get("ABSOLUTE_MAX_AGE", None)
        return None if value is None else int(value)

    @setting
    def USER_SERIALIZER(self) -> str:
        """Import path of the DRF serializer that turns a user into the user object of every
        response and of the cookie cache. The default reads any user model through the
        adapter; set this only to change the shape. Check ``E004`` verifies it imports."""
        return str(self._get("USER_SERIALIZER", "django_authsession.serializers.UserSerializer"))

    @setting
    def ADAPTER(self) -> str:
        """Import path of the class between the app and your user model
        (``adapter.UserAdapter`` or a subclass): finding a user by email, checking the password,
        creating a user at sign-up, the user object. Check ``E014`` verifies it imports."""
        return str(self._get("ADAPTER", "django_authsession.adapter.UserAdapter"))

    @setting
    def REVOCATION_CACHE(self) -> str:
        """Alias of the Django cache that holds revocation marks and nothing else. Must be in
        ``CACHES`` (check ``E006``), must not be the rate-limit cache or share its local-memory
        store (``E007``), must be shared by all workers in production (``E009``) and should
        never evict (``W004``: Redis with ``maxmemory-policy noeviction``)."""
        return str(self._get("REVOCATION_CACHE", DEFAULT_REVOCATION_CACHE))

    @setting
    def TRUST_UNIX_SOCKET_PROXY(self) -> bool:
        """Treat a peer without an address (an empty ``REMOTE_ADDR``: a proxy on a unix
        socket) as a trusted proxy, so the client is read from ``X-Forwarded-For``. Without it,
        such requests get 403 ``UNKNOWN_CLIENT_ADDRESS`` on rate-limited endpoints."""
        return bool(self._get("TRUST_UNIX_SOCKET_PROXY", False))

    @setting
    def ACCOUNT_FAILURE_LIMIT(self) -> str | None:
        """Failed sign-ins (and wrong current passwords at ``change-password``) allowed per
        account (the lower-cased email, existing or not) across all client addresses, in
        django-ratelimit's format; over it, sign-in answers 429 ``TOO_MANY_REQUESTS`` (even with
        the right password) until the window ends. Counted in ``RATELIMIT_USE_CACHE``; ``None``
        turns it off."""
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
        """Shortest password sign-up and change-password accept (Django's
        ``AUTH_PASSWORD_VALIDATORS`` run too)."""
        return int(self._get("MIN_PASSWORD_LENGTH", 8))

    @setting
    def MAX_PASSWORD_LENGTH(self) -> int:
        """Longest password sign-up and change-password accept."""
        return int(self._get("MAX_PASSWORD_LENGTH", 128))

    @setting
    def DISABLE_SIGN_UP(self) -> bool:
        """Turn off ``POST /sign-up/email`` (it answers 400
        ``EMAIL_PASSWORD_SIGN_UP_DISABLED``)."""
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
