"""System checks for the app's settings; the ``deploy`` ones run with ``check --deploy``.

:data:`CATALOGUE` documents every check id the package emits; the documentation's list of
system checks is generated from it, and the test suite fails on an id used in the package's
source without an entry (or an entry no code uses). A subpackage app whose ``checks.py``
registers checks of its own exposes a ``CATALOGUE`` of the same shape."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.checks import Error, Tags, Warning, register
from django.db.models import F
from django.db.models.functions import Lower
from django.utils.module_loading import import_string

from . import revocation
from .backends import BACKEND_PATH
from .client_ip import invalid_proxies
from .conf import SESSION_LIMIT_POLICIES, app_settings
from .ratelimit import check_rate_settings  # noqa: F401  (registers the rate-limit checks)
from .serializers import check_user_serializer  # noqa: F401  (registers the user JSON check)

MIDDLEWARE = "django_authsession.middleware.AuthSessionMiddleware"
AUTH_MIDDLEWARE = "django.contrib.auth.middleware.AuthenticationMiddleware"
LOCAL_CACHES = (
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
    "django.core.cache.backends.filebased.FileBasedCache",
)
LOCAL_MEMORY_CACHE = "django.core.cache.backends.locmem.LocMemCache"
# Redis policies under which a key with a TTL (every mark has one) can be evicted.
EVICTING_POLICIES = frozenset(
    {
        "allkeys-lru",
        "allkeys-lfu",
        "allkeys-random",
        "volatile-lru",
        "volatile-lfu",
        "volatile-random",
        "volatile-ttl",
    }
)
REDIS_CHECK_TIMEOUT = 1.0  # seconds: `check --deploy` must not hang on an unreachable server


def _redis_database(config: dict[str, Any]) -> tuple[str, str, int] | None:
    """``(host or socket path, port, db index)`` of a Redis cache's primary LOCATION, as
    redis-py reads the URL (db from the path or ``?db=``, 0 by default); ``None`` when the
    cache is not Redis or its URL does not parse."""
    if "redis" not in str(config.get("BACKEND", "")).lower():
        return None
    locations = _cache_locations(config)
    if not locations:
        return None
    url = urlsplit(locations[0].strip())
    query = parse_qs(url.query)
    try:
        if url.scheme == "unix":
            return (url.path, "", int(query.get("db", ["0"])[0]))
        db = int(query["db"][0]) if "db" in query else int(url.path.strip("/") or 0)
        return ((url.hostname or "localhost").lower(), str(url.port or 6379), db)
    except ValueError:
        return None


def _same_store(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Two aliases of one store: local-memory caches with one LOCATION share their entries,
    and Redis caches on one database share its memory, its eviction and its ``FLUSHDB``
    whatever their key prefixes."""
    if a.get("BACKEND") == b.get("BACKEND") == LOCAL_MEMORY_CACHE:
        return bool(a.get("LOCATION", "") == b.get("LOCATION", ""))
    database = _redis_database(a)
    return database is not None and database == _redis_database(b)


@dataclass(frozen=True)
class CheckDoc:
    """One check id as the documentation lists it (Markdown with single backticks)."""

    problem: str  # what the check reports, and why it matters
    fix: str  # what to change
    deploy: bool = False  # runs only with ``manage.py check --deploy``


CATALOGUE: dict[str, CheckDoc] = {
    "django_authsession.E001": CheckDoc(
        "`AuthSessionMiddleware` is not in `MIDDLEWARE`: nothing reads the session cookie, "
        "refreshes it or clears it.",
        "Add `django_authsession.middleware.AuthSessionMiddleware` right after "
        "`AuthenticationMiddleware`.",
    ),
    "django_authsession.E002": CheckDoc(
        "`AuthSessionMiddleware` comes before `AuthenticationMiddleware`, which then overwrites "
        "`request.user`.",
        "Move it right after `AuthenticationMiddleware`.",
    ),
    "django_authsession.E003": CheckDoc(
        '`AUTHSESSION_TOKEN_STORAGE` is neither `"sha256"` nor `"plain"`.',
        'Set it to `"sha256"` (the default) or `"plain"` (only to share the table with a '
        "Better Auth server).",
    ),
    "django_authsession.E004": CheckDoc(
        "`AUTHSESSION_USER_SERIALIZER` does not import.",
        "Point it at a DRF serializer class by its dotted path, or remove it.",
    ),
    "django_authsession.E005": CheckDoc(
        "`AUTHSESSION_UPDATE_AGE` is not shorter than `AUTHSESSION_EXPIRES_IN`: sessions would "
        "expire before they are ever extended.",
        "Make `UPDATE_AGE` shorter than `EXPIRES_IN` (the defaults are 1 and 7 days).",
    ),
    "django_authsession.E006": CheckDoc(
        "`AUTHSESSION_REVOCATION_CACHE` names a cache alias that is not in `CACHES`.",
        "Add that alias to `CACHES` (a Redis database of its own in production), or point the "
        "setting at an alias used for nothing else.",
    ),
    "django_authsession.E007": CheckDoc(
        "Revocation marks share a cache (or a local-memory store) with django-ratelimit's "
        "counters: client traffic that creates counters can evict a mark, and a revoked "
        "session is then served again from its cookie cache.",
        "Give `AUTHSESSION_REVOCATION_CACHE` a cache alias, and store, of its own.",
    ),
    "django_authsession.E008": CheckDoc(
        "`AUTHSESSION_TRUSTED_PROXIES` is not a list, or holds an entry that is not an IP "
        "address or network (such entries trust nothing at request time).",
        'Write addresses or networks such as `"10.0.0.1"` or `"10.0.0.0/8"` in a list.',
    ),
    "django_authsession.E009": CheckDoc(
        "The revocation marks live in a per-process cache (local memory, dummy or file "
        "based): a session revoked on one worker stays valid on the others for up to "
        "`AUTHSESSION_COOKIE_CACHE_MAX_AGE`.",
        "Point `AUTHSESSION_REVOCATION_CACHE` at a shared cache such as Redis.",
        deploy=True,
    ),
    "django_authsession.E010": CheckDoc(
        "A rate in `AUTHSESSION_DEFAULT_RATE_LIMIT` or `AUTHSESSION_RATE_LIMITS` is malformed.",
        'Write `"<count>/<period>"`, such as `"10/60s"`, `"5/m"` or `"100/h"`; `None` turns '
        "the limit off.",
    ),
    "django_authsession.E011": CheckDoc(
        "`AUTHSESSION_RATE_LIMITS` has a key that is no endpoint, so its limit would never apply.",
        'Key it by the endpoint\'s path below the mount point, such as `"/sign-in/email"`.',
    ),
    "django_authsession.E012": CheckDoc(
        '`AUTHSESSION_RATE_LIMIT_SESSION_READS` is neither `"address"` nor `"session"`.',
        'Use `"address"` (reads by a valid session are not counted) or `"session"`.',
    ),
    "django_authsession.E013": CheckDoc(
        "`AUTHSESSION_USER_SERIALIZER` returns a value JSON cannot carry (a `UUID`, a "
        "`datetime`), so the cookie cache could not hold the user.",
        "Return JSON types, as DRF's fields do: `str(uuid)`, an ISO 8601 string for dates.",
    ),
    "django_authsession.E014": CheckDoc(
        "`AUTHSESSION_ADAPTER` does not import.",
        "Point it at `django_authsession.adapter.UserAdapter` or a subclass, by its dotted path.",
    ),
    "django_authsession.E015": CheckDoc(
        "The user model has no field named by its `EMAIL_FIELD`, so sign-in and sign-up by "
        "email cannot work.",
        "Set `EMAIL_FIELD` on the user model to the name of its email field.",
    ),
    "django_authsession.W001": CheckDoc(
        "Session cookies are sent without `Secure` and the `__Secure-` prefix.",
        "Leave `AUTHSESSION_USE_SECURE_COOKIES` unset (on unless `DEBUG`) and serve over HTTPS.",
        deploy=True,
    ),
    "django_authsession.W002": CheckDoc(
        "The secret that signs session cookies (`AUTHSESSION_SECRET`, else `SECRET_KEY`) is "
        "shorter than 32 characters.",
        "Use a long random secret.",
        deploy=True,
    ),
    "django_authsession.W004": CheckDoc(
        "The revocation cache is a Redis whose `maxmemory-policy` evicts keys: under memory "
        "pressure it drops marks, and revoked sessions are served again from their cookie "
        "cache.",
        "Give the marks a Redis with `maxmemory-policy noeviction` (or no `maxmemory`).",
        deploy=True,
    ),
    "django_authsession.W005": CheckDoc(
        "The eviction policy of the revocation cache's Redis could not be read (unreachable, "
        "`INFO` refused, bad URL; one-second timeout).",
        "Make sure that Redis runs with `maxmemory-policy noeviction`.",
        deploy=True,
    ),
    "django_authsession.W010": CheckDoc(
        "The revocation cache or the rate-limit cache has several `LOCATION`s: Redis backends "
        "write to the first and read from the others, replicas that may lag behind.",
        "Give that cache the Redis primary as its only `LOCATION`.",
        deploy=True,
    ),
    "django_authsession.E016": CheckDoc(
        "`AUTHSESSION_COOKIE_SAMESITE` is not one of the values browsers know.",
        'Use `"Lax"` (the default), `"Strict"` or `"None"`.',
    ),
    "django_authsession.E017": CheckDoc(
        '`AUTHSESSION_COOKIE_SAMESITE` is `"None"` but the cookies are not `Secure`: browsers '
        "refuse such cookies, so nobody stays signed in.",
        "Set `AUTHSESSION_USE_SECURE_COOKIES = True` (it defaults to not `DEBUG`) and serve "
        "over HTTPS.",
    ),
    "django_authsession.E018": CheckDoc(
        "`AUTHSESSION_COOKIE_PARTITIONED` is on but the cookies are not `Secure`: browsers "
        "refuse `Partitioned` cookies without `Secure`.",
        "Set `AUTHSESSION_USE_SECURE_COOKIES = True` and serve over HTTPS.",
    ),
    "django_authsession.E019": CheckDoc(
        "`AUTHSESSION_CROSS_SUBDOMAIN_COOKIE_DOMAIN` is not a domain.",
        'Write the parent domain alone, such as `"example.com"`: no scheme, port or path.',
    ),
    "django_authsession.E024": CheckDoc(
        "`django_authsession.backends.FailureLimitBackend` is missing from, or not first in, "
        "`AUTHENTICATION_BACKENDS`: password checks by Django's `authenticate()` (the admin's "
        "login form, `LoginView`) escape the failed sign-in limits in production.",
        "Put it first in `AUTHENTICATION_BACKENDS`.",
        deploy=True,
    ),
    "django_authsession.E028": CheckDoc(
        "`AUTHSESSION_IDLE_TIMEOUT` is set but activity is not tracked "
        "(`AUTHSESSION_ACTIVITY_INTERVAL` is `None`).",
        "Set `AUTHSESSION_ACTIVITY_INTERVAL` (install `django_authsession.activity`, or give it "
        "seconds) or remove `AUTHSESSION_IDLE_TIMEOUT`.",
    ),
    "django_authsession.E029": CheckDoc(
        "`AUTHSESSION_MAX_SESSIONS_PER_USER` is below 1.",
        "Set a positive number of sessions, or `None` for no cap.",
    ),
    "django_authsession.E030": CheckDoc(
        "`AUTHSESSION_SESSION_LIMIT_POLICY` is not a known policy.",
        'Use `"end-least-recently-active"` (the default) or `"refuse"`.',
    ),
    "django_authsession.E032": CheckDoc(
        "`AUTHSESSION_SESSION_FIELDS` is malformed: not a dict, a field without a known `type`, "
        "unknown keys, a default of the wrong type, or a name that shadows a session key.",
        'Declare fields as `{"name": {"type": "string", "default": None, "input": True}}` '
        "(keys: type, default, input, required).",
    ),
    "django_authsession.E033": CheckDoc(
        "`AUTHSESSION_FRESH_AGE` is not a whole number of seconds.",
        "Set it to `0` (no freshness check) or a positive number of seconds.",
    ),
    "django_authsession.E034": CheckDoc(
        "`AUTHSESSION_TRUSTED_NATIVE_ORIGINS` lists something that is not a native app's origin "
        "(a web origin, a wildcard, no scheme).",
        "List custom schemes such as `myapp://` (every host) or `myapp://callback` (that "
        "host); web origins go in `CSRF_TRUSTED_ORIGINS`.",
    ),
    "django_authsession.W011": CheckDoc(
        "`CACHES` has no `authsession_revocation` alias: revocation marks live in a per-process "
        "fallback, fine for development, but with several workers a revoked session stays "
        "valid on the others for up to `AUTHSESSION_COOKIE_CACHE_MAX_AGE`.",
        "For production add `CACHES['authsession_revocation']`: a Redis database of its own "
        'with `maxmemory-policy "noeviction"` (`check --deploy` refuses the fallback, `E009`).',
    ),
    "django_authsession.W012": CheckDoc(
        "The user model has none of the fields `name`, `full_name`, `first_name`/`last_name`: "
        "the name given at sign-up is not saved.",
        "Add one of them, or point `AUTHSESSION_ADAPTER` at a `UserAdapter` subclass whose "
        "`set_name(user, name)` saves it where your model keeps it.",
    ),
    "django_authsession.W013": CheckDoc(
        "`AUTHSESSION_CROSS_SUBDOMAIN_COOKIE_DOMAIN` covers no host in `ALLOWED_HOSTS`: "
        "browsers refuse a cookie whose `Domain` does not cover the host that sets it.",
        'Use the parent domain of the API host (for `api.example.com`, `"example.com"`).',
    ),
    "django_authsession.W016": CheckDoc(
        "Sign-in looks users up by `LOWER(<email field>)`, which no index of the user model "
        "serves: each sign-in and sign-up reads the whole user table.",
        'Add `models.Index(Lower("<email field>"), name="...")` to the model\'s `Meta.indexes` '
        "and run `makemigrations`.",
        deploy=True,
    ),
    "django_authsession.W017": CheckDoc(
        "`django_authsession.backends.FailureLimitBackend` is missing from, or not first in, "
        "`AUTHENTICATION_BACKENDS`: password checks by Django's `authenticate()` (the admin's "
        "login form, `LoginView`) escape the failed sign-in limits (`E024` under "
        "`check --deploy`).",
        "Put it first in `AUTHENTICATION_BACKENDS`, before the backends that check passwords.",
    ),
    "django_authsession.W018": CheckDoc(
        "`AUTHSESSION_IDLE_TIMEOUT` is less than twice `AUTHSESSION_ACTIVITY_INTERVAL`: "
        "activity is recorded once per interval, so a session in use could end as idle.",
        "Raise `AUTHSESSION_IDLE_TIMEOUT` or lower `AUTHSESSION_ACTIVITY_INTERVAL`.",
    ),
    "django_authsession.W021": CheckDoc(
        "`AUTHSESSION_TRUSTED_NATIVE_ORIGINS` trusts `exp://` (Expo Go) in production: any app "
        "running in Expo Go may then act as your app's origin.",
        "Trust your app's own scheme (`myapp://`) in production; keep `exp://` for "
        "development settings.",
        deploy=True,
    ),
    "django_authsession.W022": CheckDoc(
        "`AUTHSESSION_FRESH_AGE` is not shorter than `AUTHSESSION_EXPIRES_IN`: most sessions "
        "stay fresh for their whole life.",
        "Lower `AUTHSESSION_FRESH_AGE` (Better Auth's default is one day), or set it to `0` to "
        "turn the check off on purpose.",
    ),
}


def _revocation_cache_errors() -> list[Any]:
    """The mark store must exist and hold nothing that client traffic creates."""
    if not app_settings.COOKIE_CACHE:
        return []  # marks guard cookie caches only
    alias = app_settings.REVOCATION_CACHE
    caches_setting = getattr(settings, "CACHES", {})
    if revocation.uses_fallback():
        return [
            Warning(
                f"CACHES has no {alias!r} alias: revocation marks live in a per-process "
                "local-memory cache. That is fine for development (one process); with several "
                "workers a revoked session stays valid on the others for up to "
                f"{app_settings.COOKIE_CACHE_MAX_AGE} s.",
                hint=(
                    f"For production add CACHES[{alias!r}]: a Redis database of its own with "
                    'maxmemory-policy "noeviction". check --deploy refuses the fallback '
                    "(django_authsession.E009)."
                ),
                id="django_authsession.W011",
            )
        ]
    if alias not in caches_setting:
        return [
            Error(
                f"AUTHSESSION_REVOCATION_CACHE names the cache {alias!r}, which is not in CACHES.",
                hint=(
                    f"Add CACHES[{alias!r}] (a Redis database of its own in production), or "
                    "point AUTHSESSION_REVOCATION_CACHE at an alias used for nothing else."
                ),
                id="django_authsession.E006",
            )
        ]
    ratelimit_alias = getattr(settings, "RATELIMIT_USE_CACHE", "default")
    if alias == ratelimit_alias or _same_store(
        caches_setting[alias], caches_setting.get(ratelimit_alias, {})
    ):
        return [
            Error(
                f"Revocation marks share the cache {alias!r} (or its store) with "
                f"django-ratelimit's counters ({ratelimit_alias!r}): client requests that "
                "create counters can evict a mark or fill the store, and a revoked session "
                "is then served again from its cookie cache.",
                hint=(
                    "Give AUTHSESSION_REVOCATION_CACHE a cache alias and store of its own: "
                    "with Redis, another database (redis://host:6379/1) or another server."
                ),
                id="django_authsession.E007",
            )
        ]
    return []


def _trusted_proxy_errors() -> list[Any]:
    value = getattr(settings, "AUTHSESSION_TRUSTED_PROXIES", ())
    if isinstance(value, str) or not isinstance(value, list | tuple | set | frozenset):
        return [
            Error(
                f"AUTHSESSION_TRUSTED_PROXIES must be a list of addresses or networks, "
                f"not {value!r}.",
                id="django_authsession.E008",
            )
        ]
    return [
        Error(
            f"AUTHSESSION_TRUSTED_PROXIES holds {proxy!r}, which is not an IP address or network.",
            hint='Write addresses or networks such as "10.0.0.1" or "10.0.0.0/8".',
            id="django_authsession.E008",
        )
        for proxy in invalid_proxies(value)
    ]


# Redis backends that write to their first LOCATION and read from a random other one.
REPLICA_READING_CACHES = (
    "django.core.cache.backends.redis.RedisCache",
    "django_redis.cache.RedisCache",
)


@register(Tags.security, Tags.compatibility)
def check_settings(app_configs: Any = None, **kwargs: Any) -> list[Any]:
    errors: list[Any] = []
    middleware = list(getattr(settings, "MIDDLEWARE", []))
    if MIDDLEWARE not in middleware:
        errors.append(
            Error(
                f"{MIDDLEWARE} is not in MIDDLEWARE.",
                hint="Add it after AuthenticationMiddleware; it refreshes and clears cookies.",
                id="django_authsession.E001",
            )
        )
    elif AUTH_MIDDLEWARE in middleware and middleware.index(AUTH_MIDDLEWARE) > middleware.index(
        MIDDLEWARE
    ):
        errors.append(
            Error(
                f"{MIDDLEWARE} must come after {AUTH_MIDDLEWARE}.",
                hint="Otherwise AuthenticationMiddleware overwrites request.user.",
                id="django_authsession.E002",
            )
        )
    if app_settings.TOKEN_STORAGE not in ("sha256", "plain"):
        errors.append(
            Error(
                'AUTHSESSION_TOKEN_STORAGE must be "sha256" or "plain".',
                id="django_authsession.E003",
            )
        )
    errors += _import_errors(
        "AUTHSESSION_USER_SERIALIZER", app_settings.USER_SERIALIZER, "django_authsession.E004"
    )
    errors.extend(_check_user_model())
    if app_settings.UPDATE_AGE >= app_settings.EXPIRES_IN:
        errors.append(
            Error(
                "AUTHSESSION_UPDATE_AGE must be shorter than AUTHSESSION_EXPIRES_IN.",
                id="django_authsession.E005",
            )
        )
    errors.extend(_revocation_cache_errors())
    errors.extend(_trusted_proxy_errors())
    errors.extend(_failure_limit_backend_errors())
    errors.extend(_cookie_attribute_messages())
    return errors


SAME_SITE_VALUES = ("Lax", "Strict", "None")
# A host name or an IP address, optionally with a leading dot: no scheme, port or path.
COOKIE_DOMAIN = re.compile(r"\.?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*")
SECURE_HINT = (
    "Set AUTHSESSION_USE_SECURE_COOKIES = True (it defaults to not DEBUG); browsers accept "
    "Secure cookies from http://localhost too, so development works with it."
)


def _cookie_attribute_messages() -> list[Any]:
    """SameSite, Domain and Partitioned as browsers will accept them."""
    messages: list[Any] = []
    raw_same_site = getattr(settings, "AUTHSESSION_COOKIE_SAMESITE", "Lax")
    if not isinstance(raw_same_site, str) or raw_same_site.strip().capitalize() not in (
        SAME_SITE_VALUES
    ):
        messages.append(
            Error(
                f"AUTHSESSION_COOKIE_SAMESITE is {raw_same_site!r}.",
                hint='Use "Lax" (the default), "Strict" or "None".',
                id="django_authsession.E016",
            )
        )
    secure = app_settings.USE_SECURE_COOKIES
    if app_settings.COOKIE_SAMESITE == "None" and not secure:
        messages.append(
            Error(
                'AUTHSESSION_COOKIE_SAMESITE is "None" but the cookies are not Secure: '
                "browsers refuse SameSite=None cookies without Secure, so nobody stays signed in.",
                hint=SECURE_HINT,
                id="django_authsession.E017",
            )
        )
    if app_settings.COOKIE_PARTITIONED and not secure:
        messages.append(
            Error(
                "AUTHSESSION_COOKIE_PARTITIONED is on but the cookies are not Secure: browsers "
                "refuse Partitioned cookies without Secure.",
                hint=SECURE_HINT,
                id="django_authsession.E018",
            )
        )
    messages.extend(_cookie_domain_messages())
    return messages


def _cookie_domain_messages() -> list[Any]:
    raw = getattr(settings, "AUTHSESSION_CROSS_SUBDOMAIN_COOKIE_DOMAIN", None)
    if raw is None or raw == "":
        return []
    if not isinstance(raw, str) or not COOKIE_DOMAIN.fullmatch(raw.strip().lower()):
        return [
            Error(
                f"AUTHSESSION_CROSS_SUBDOMAIN_COOKIE_DOMAIN is {raw!r}, which is not a domain.",
                hint='Write the parent domain alone, such as "example.com": no scheme, port or '
                "path.",
                id="django_authsession.E019",
            )
        ]
    domain = raw.strip().lower().lstrip(".")
    hosts = [str(h).lower() for h in getattr(settings, "ALLOWED_HOSTS", [])]
    if not hosts or "*" in hosts:
        return []
    if any(h.lstrip(".") == domain or h.lstrip(".").endswith(f".{domain}") for h in hosts):
        return []
    return [
        Warning(
            f"AUTHSESSION_CROSS_SUBDOMAIN_COOKIE_DOMAIN is {raw!r}, but no host in "
            f"ALLOWED_HOSTS is {domain} or below it: browsers refuse a cookie whose Domain "
            "does not cover the host that sets it.",
            hint='Use the parent domain of the API host (for api.example.com, "example.com").',
            id="django_authsession.W013",
        )
    ]


def _failure_limit_backend_errors(deploy: bool = False) -> list[Any]:
    """Django's own ``authenticate()`` (the admin's login form) is limited only through the
    backend, and only when it runs before the backends that check passwords. A warning in
    development, so a new project starts with the four install steps; an error for
    ``check --deploy``."""
    backends = list(getattr(settings, "AUTHENTICATION_BACKENDS", []))
    if backends[:1] == [BACKEND_PATH]:
        return []
    where = "is not first in" if BACKEND_PATH in backends else "is not in"
    message = (
        f"{BACKEND_PATH} {where} AUTHENTICATION_BACKENDS: password checks made by "
        "Django's authenticate() (the admin's login form, LoginView) escape the failed "
        "sign-in limits."
    )
    hint = (
        f'Put "{BACKEND_PATH}" first in AUTHENTICATION_BACKENDS, before the backends '
        "that check passwords."
    )
    if deploy:
        return [Error(message, hint=hint, id="django_authsession.E024")]
    return [Warning(message, hint=hint, id="django_authsession.W017")]


def _redis_eviction_policy(config: dict[str, Any]) -> tuple[str, int] | None:
    """``(maxmemory-policy, maxmemory)`` of a Redis cache, read with a short timeout through a
    client of our own (never the cache's pool); ``None`` when the backend is not Redis."""
    backend = str(config.get("BACKEND", ""))
    if "redis" not in backend.lower():
        return None
    import redis  # the backend needs it, so it is installed

    location = config.get("LOCATION", "")
    if isinstance(location, list | tuple):
        location = location[0]
    primary = str(location).split(",")[0].strip()  # the first server is the one written to
    client = redis.Redis.from_url(
        primary,
        socket_connect_timeout=REDIS_CHECK_TIMEOUT,
        socket_timeout=REDIS_CHECK_TIMEOUT,
    )
    try:
        info = client.info("memory")
    finally:
        client.close()
    return str(info.get("maxmemory_policy", "")), int(info.get("maxmemory", 0))


def _revocation_cache_deploy_messages() -> list[Any]:
    if not app_settings.COOKIE_CACHE:
        return []
    alias = app_settings.REVOCATION_CACHE
    if revocation.uses_fallback():
        return [
            Error(
                f"CACHES has no {alias!r} alias: revocation marks live in a per-process "
                "fallback cache, so a revoked session can stay valid on other workers for up "
                f"to {app_settings.COOKIE_CACHE_MAX_AGE} s.",
                hint=(
                    f'Add CACHES[{alias!r}] on a shared Redis with maxmemory-policy "noeviction".'
                ),
                id="django_authsession.E009",
            )
        ]
    config = getattr(settings, "CACHES", {}).get(alias)
    if config is None:
        return []  # E006 says so
    if config.get("BACKEND", "") in LOCAL_CACHES:
        return [
            Error(
                f"Revocation marks live in a per-process cache ({config.get('BACKEND')}): a "
                "revoked session can stay valid on other workers for up to "
                f"{app_settings.COOKIE_CACHE_MAX_AGE} s, and local memory culls marks.",
                hint="Point AUTHSESSION_REVOCATION_CACHE at a shared cache such as Redis.",
                id="django_authsession.E009",
            )
        ]
    try:
        policy = _redis_eviction_policy(config)
    except Exception as exc:  # unreachable, refused INFO, bad URL: say so, do not crash
        return [
            Warning(
                f"Could not read the eviction policy of the revocation cache {alias!r} "
                f"({type(exc).__name__}: {exc}).",
                hint='Make sure its Redis runs with maxmemory-policy "noeviction".',
                id="django_authsession.W005",
            )
        ]
    if policy is not None and policy[0] in EVICTING_POLICIES and policy[1] > 0:
        return [
            Warning(
                f"The revocation cache {alias!r} is a Redis with maxmemory-policy "
                f"{policy[0]!r}: under memory pressure it evicts marks, and revoked sessions "
                "are then served again from their cookie cache.",
                hint='Give the marks a Redis with maxmemory-policy "noeviction".',
                id="django_authsession.W004",
            )
        ]
    return []


def _import_errors(setting: str, path: str, check_id: str) -> list[Any]:
    """An import-string setting that does not import is a start-up error naming it."""
    try:
        import_string(path)
    except ImportError as exc:
        return [Error(f"{setting} cannot be imported: {exc}", id=check_id)]
    return []


def _check_user_model() -> list[Any]:
    """Sign-in finds users by the model's ``EMAIL_FIELD``, through the adapter."""
    from django.contrib.auth import get_user_model
    from django.core.exceptions import FieldDoesNotExist

    errors: list[Any] = _import_errors(
        "AUTHSESSION_ADAPTER", app_settings.ADAPTER, "django_authsession.E014"
    )
    model = get_user_model()
    if not errors:
        errors.extend(_name_field_warnings(model))
    email_field = model.get_email_field_name()
    try:
        model._meta.get_field(email_field)
    except FieldDoesNotExist:
        errors.append(
            Error(
                f"{model._meta.label} has no field {email_field!r} (its EMAIL_FIELD): "
                "sign-in and sign-up by email cannot work.",
                hint="Set EMAIL_FIELD on the user model to the name of its email field.",
                id="django_authsession.E015",
            )
        )
    return errors


def _name_field_warnings(model: Any) -> list[Any]:
    """The name given at sign-up must land somewhere, or it is silently lost."""
    from .adapter import NAME_FIELDS, UserAdapter, name_field

    adapter = import_string(app_settings.ADAPTER)
    overridden = any(
        getattr(adapter, method, None) is not getattr(UserAdapter, method)
        for method in ("set_name", "populate_user")
    )
    if overridden or name_field(model) is not None:
        return []
    return [
        Warning(
            f"{model._meta.label} has none of the fields {', '.join(NAME_FIELDS)}: the name "
            "given at sign-up is not saved.",
            hint=(
                "Add one of them, or point AUTHSESSION_ADAPTER at a UserAdapter subclass whose "
                "set_name(user, name) saves it where your model keeps it."
            ),
            id="django_authsession.W012",
        )
    ]


@register(Tags.security, deploy=True)
def check_deploy(app_configs: Any = None, **kwargs: Any) -> list[Any]:
    warnings: list[Any] = []
    if not app_settings.USE_SECURE_COOKIES:
        warnings.append(
            Warning(
                "Session cookies are sent without Secure and the __Secure- prefix.",
                hint="Leave AUTHSESSION_USE_SECURE_COOKIES unset (on unless DEBUG) behind HTTPS.",
                id="django_authsession.W001",
            )
        )
    if len(app_settings.SECRET) < 32:
        warnings.append(
            Warning(
                "The secret that signs session cookies is shorter than 32 characters.",
                id="django_authsession.W002",
            )
        )
    warnings.extend(_revocation_cache_deploy_messages())
    warnings.extend(_email_index_warnings())
    warnings.extend(_failure_limit_backend_errors(deploy=True))
    return warnings


def _serves_email_lookup(expressions: Any, field: str) -> bool:
    """Is the first expression ``Lower(<field>)``, as the sign-in lookup compares?"""
    if not expressions:
        return False
    first = expressions[0]
    if not isinstance(first, Lower):
        return False
    source = first.get_source_expressions()[0]
    return isinstance(source, F) and getattr(source, "name", None) == field


def _email_index_warnings() -> list[Any]:
    """Sign-in and sign-up look the user up by ``LOWER(email)``: without an index on that
    expression every one of them scans the user table."""
    model = get_user_model()
    field = model.get_email_field_name()
    meta = model._meta
    candidates = [*meta.indexes, *meta.constraints]
    if any(_serves_email_lookup(getattr(c, "expressions", ()), field) for c in candidates):
        return []
    return [
        Warning(
            f"Sign-in looks users up by LOWER({field}), which no index of {meta.label} "
            "serves: each sign-in and sign-up reads the whole user table.",
            hint=f'Add models.Index(Lower("{field}"), name="...") to {meta.label}\'s '
            "Meta.indexes (django.db.models.functions.Lower) and run makemigrations.",
            id="django_authsession.W016",
        )
    ]


def _cache_locations(config: dict[str, Any]) -> list[str]:
    location = config.get("LOCATION", "")
    if isinstance(location, str):
        # Both Django's backend and django-redis split a string on commas (django-redis also ";").
        return [part for part in location.replace(";", ",").split(",") if part.strip()]
    return list(location)


@register(Tags.security, Tags.caches, deploy=True)
def check_caches_read_where_written(app_configs: Any = None, **kwargs: Any) -> list[Any]:
    """Revocation marks and rate-limit counters read from a lagging replica are not there yet."""
    warnings: list[Any] = []
    aliases = {
        app_settings.REVOCATION_CACHE: "AUTHSESSION_REVOCATION_CACHE (revocation marks)",
    }
    ratelimit_alias = getattr(settings, "RATELIMIT_USE_CACHE", "default")
    aliases.setdefault(ratelimit_alias, "RATELIMIT_USE_CACHE (rate-limit counters)")
    for alias, role in aliases.items():
        config = settings.CACHES.get(alias, {})
        if config.get("BACKEND") in REPLICA_READING_CACHES and len(_cache_locations(config)) > 1:
            warnings.append(
                Warning(
                    f"The cache {alias!r} named by {role} has several LOCATIONs: it writes to "
                    "the first and reads from the others, replicas that may lag behind.",
                    hint="Give that cache the Redis primary as its only LOCATION.",
                    id="django_authsession.W010",
                )
            )
    return warnings


@register(Tags.security)
def check_watched_session_settings(app_configs: Any = None, **kwargs: Any) -> list[Any]:
    """Activity tracking, idle timeout and the session cap (E028-E030, W018)."""
    errors: list[Any] = []
    interval = app_settings.ACTIVITY_INTERVAL
    idle = app_settings.IDLE_TIMEOUT
    if idle is not None and interval is None:
        errors.append(
            Error(
                "AUTHSESSION_IDLE_TIMEOUT is set but activity is not tracked "
                "(AUTHSESSION_ACTIVITY_INTERVAL is None).",
                hint="Set AUTHSESSION_ACTIVITY_INTERVAL (seconds, e.g. 300) or remove "
                "AUTHSESSION_IDLE_TIMEOUT.",
                id="django_authsession.E028",
            )
        )
    elif idle is not None and interval is not None and idle < 2 * interval:
        errors.append(
            Warning(
                f"AUTHSESSION_IDLE_TIMEOUT ({idle} s) is less than twice "
                f"AUTHSESSION_ACTIVITY_INTERVAL ({interval} s): last activity is recorded once "
                "per interval, so a session in use could be ended as idle.",
                hint="Raise AUTHSESSION_IDLE_TIMEOUT or lower AUTHSESSION_ACTIVITY_INTERVAL.",
                id="django_authsession.W018",
            )
        )
    cap = app_settings.MAX_SESSIONS_PER_USER
    if cap is not None and cap < 1:
        errors.append(
            Error(
                f"AUTHSESSION_MAX_SESSIONS_PER_USER is {cap}; it must be at least 1.",
                hint="Set it to a positive number of sessions, or None for no cap.",
                id="django_authsession.E029",
            )
        )
    if app_settings.SESSION_LIMIT_POLICY not in SESSION_LIMIT_POLICIES:
        errors.append(
            Error(
                f"AUTHSESSION_SESSION_LIMIT_POLICY is {app_settings.SESSION_LIMIT_POLICY!r}.",
                hint="Use one of: " + ", ".join(repr(p) for p in SESSION_LIMIT_POLICIES) + ".",
                id="django_authsession.E030",
            )
        )
    return errors


FIELD_KEYS = frozenset({"type", "default", "input", "required"})


def _session_field_errors(raw: Any) -> list[str]:
    """What is wrong with ``AUTHSESSION_SESSION_FIELDS``, one sentence per problem."""
    from .session_fields import CORE_SESSION_KEYS, TYPES, FieldError, SessionField

    if not isinstance(raw, dict):
        return ["AUTHSESSION_SESSION_FIELDS must be a dict of field name to a dict."]
    problems = []
    for name, spec in raw.items():
        if not isinstance(name, str) or not name:
            problems.append(f"Session field name {name!r} must be a non-empty string.")
            continue
        if name in CORE_SESSION_KEYS:
            problems.append(f"Session field {name!r} would shadow a session key of its own.")
            continue
        if not isinstance(spec, dict) or spec.get("type") not in TYPES:
            problems.append(f"Session field {name!r} needs a 'type', one of {', '.join(TYPES)}.")
            continue
        unknown = set(spec) - FIELD_KEYS
        if unknown:
            problems.append(f"Session field {name!r} has unknown keys: {sorted(unknown)}.")
        default = spec.get("default")
        if default is not None:
            try:
                SessionField(name=name, type=spec["type"]).clean(default)
            except FieldError:
                problems.append(f"Session field {name!r}: its default is not a {spec['type']}.")
    return problems


@register(Tags.compatibility)
def check_session_features(app_configs: Any = None, **kwargs: Any) -> list[Any]:
    """Session fields, the fresh age and native origins: mistakes found at start-up."""
    messages: list[Any] = [
        Error(
            problem,
            hint=(
                'Declare fields as {"name": {"type": "string", "default": None, "input": True}} '
                "(keys: type, default, input, required)."
            ),
            id="django_authsession.E032",
        )
        for problem in _session_field_errors(getattr(settings, "AUTHSESSION_SESSION_FIELDS", {}))
    ]
    fresh_age = getattr(settings, "AUTHSESSION_FRESH_AGE", 86400)
    if isinstance(fresh_age, bool) or not isinstance(fresh_age, int) or fresh_age < 0:
        messages.append(
            Error(
                f"AUTHSESSION_FRESH_AGE is {fresh_age!r}: it must be a whole number of seconds.",
                hint="Set it to 0 (no freshness check) or a positive number of seconds.",
                id="django_authsession.E033",
            )
        )
    elif fresh_age >= app_settings.EXPIRES_IN:
        messages.append(
            Warning(
                f"AUTHSESSION_FRESH_AGE ({fresh_age}) is not shorter than "
                f"AUTHSESSION_EXPIRES_IN ({app_settings.EXPIRES_IN}): most sessions stay fresh "
                "for their whole life, so the freshness check rarely asks for the password.",
                hint="Lower AUTHSESSION_FRESH_AGE (Better Auth's default is one day), or set "
                "it to 0 to turn the check off on purpose.",
                id="django_authsession.W022",
            )
        )
    for entry in getattr(settings, "AUTHSESSION_TRUSTED_NATIVE_ORIGINS", ()):
        scheme, sep, _ = str(entry).partition("://")
        if not sep or not scheme or scheme.lower() in ("http", "https") or "*" in str(entry):
            messages.append(
                Error(
                    f"AUTHSESSION_TRUSTED_NATIVE_ORIGINS lists {entry!r}, which is not a native "
                    "app's origin.",
                    hint="List custom schemes such as 'myapp://' (every host) or "
                    "'myapp://callback' (that host); web origins go in CSRF_TRUSTED_ORIGINS.",
                    id="django_authsession.E034",
                )
            )
    return messages


@register(Tags.security, deploy=True)
def check_native_origins_deploy(app_configs: Any = None, **kwargs: Any) -> list[Any]:
    """Expo Go's ``exp://`` is for development, as Better Auth's Expo plugin trusts it."""
    if any(
        str(e).lower().startswith("exp://")
        for e in getattr(settings, "AUTHSESSION_TRUSTED_NATIVE_ORIGINS", ())
    ):
        return [
            Warning(
                "AUTHSESSION_TRUSTED_NATIVE_ORIGINS trusts 'exp://' (Expo Go) in production: "
                "any app running in Expo Go may then act as your app's origin.",
                hint="Trust your app's own scheme ('myapp://') in production; keep 'exp://' "
                "for development settings, as Better Auth's Expo plugin does.",
                id="django_authsession.W021",
            )
        ]
    return []
