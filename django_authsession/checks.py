"""System checks for the app's settings; the ``deploy`` ones run with ``check --deploy``.

:data:`CATALOGUE` documents every check id the package emits; the documentation's list of
system checks is generated from it, and the test suite fails on an id used in the package's
source without an entry (or an entry no code uses). A subpackage app whose ``checks.py``
registers checks of its own exposes a ``CATALOGUE`` of the same shape."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register
from django.utils.module_loading import import_string

from .client_ip import invalid_proxies
from .conf import app_settings
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
}


def _same_store(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Two aliases of one store: local-memory caches with one LOCATION share their entries."""
    return a.get("BACKEND") == b.get("BACKEND") == LOCAL_MEMORY_CACHE and a.get(
        "LOCATION", ""
    ) == b.get("LOCATION", "")


def _revocation_cache_errors() -> list[Any]:
    """The mark store must exist and hold nothing that client traffic creates."""
    if not app_settings.COOKIE_CACHE:
        return []  # marks guard cookie caches only
    alias = app_settings.REVOCATION_CACHE
    caches_setting = getattr(settings, "CACHES", {})
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
                f"Revocation marks share the cache {alias!r} with django-ratelimit's counters: "
                "client requests that create counters can evict a mark, and a revoked session "
                "is then served again from its cookie cache.",
                hint="Give AUTHSESSION_REVOCATION_CACHE a cache alias (and store) of its own.",
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
    return errors


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
    return warnings


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
