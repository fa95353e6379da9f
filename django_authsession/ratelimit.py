"""Rate limits, counted by django-ratelimit in the cache named by ``RATELIMIT_USE_CACHE`` (a
shared one, such as Redis, in production).

Each counter is keyed on what is counted (the client address, IPv6 grouped by /64) within a
group naming the endpoint (``authsession:/sign-in/email``), never on ``request.path``: the same
endpoint reached under another ``SCRIPT_NAME`` or mount prefix shares one bucket.

Session reads (``/session``, ``/get-session``) count only requests that present no valid
session: no cookie, a forged or unknown one, a revoked or expired session. Those are what a
prober sends. Reads by a valid session are not counted against the address, because a single-page
app's ``useSession`` refetches on every window focus and an office shares one address (Better
Auth users raise this limit for that reason); ``AUTHSESSION_RATE_LIMIT_SESSION_READS =
"session"`` counts them per session instead. So a cookie-cache hit makes no rate-limit cache
call at all, and only a failure writes.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from django.core.checks import Error, register
from django.http import HttpRequest
from django_ratelimit import ALL
from django_ratelimit.core import get_usage

from . import endpoints, security
from .client_ip import UnknownClientAddress, get_client_ip, rate_limit_ip
from .conf import app_settings
from .exceptions import AuthError
from .sessions import ResolvedSession

__all__ = [
    "RATE_PATTERN",
    "TOO_MANY_REQUESTS",
    "CounterStoreDown",
    "check_rate_settings",
    "client_key",
    "count",
    "enforce",
    "enforce_session_read",
    "rate_for",
    "too_many_requests",
    "unavailable",
    "usage",
]

TOO_MANY_REQUESTS = "Too many requests. Please try again later."
RATE_LIMIT_UNAVAILABLE = "This service is briefly unavailable. Please try again later."
# What django-ratelimit reads: "<count>/<period>", e.g. "10/60s", "5/m", "100/h".
RATE_PATTERN = re.compile(r"[0-9]+/[0-9]*[smhd]?")
SESSION_READ_POLICIES = ("address", "session")


def client_key(group: str, request: HttpRequest) -> str:
    """django-ratelimit key function: the client address (IPv6 grouped by /64)."""
    return rate_limit_ip(get_client_ip(request))


def rate_for(endpoint: str) -> str | None:
    """The rule for an endpoint name such as ``"/sign-in/email"``; ``None`` turns it off."""
    rules = app_settings.RATE_LIMITS
    return rules.get(endpoint, app_settings.DEFAULT_RATE_LIMIT)


class CounterStoreDown(Exception):
    """The cache holding the rate-limit counters failed (logged already)."""


def usage(
    request: HttpRequest, *, group: str, key: Any, rate: str, increment: bool
) -> dict[str, int] | None:
    """django-ratelimit's ``get_usage`` for ``key`` (a key function or a fixed value). A
    counter store that errors (Redis down) is logged as ``rate_limit_store_failure`` and
    raised as :class:`CounterStoreDown`, for the caller to decide: never a 500."""
    fixed = key if isinstance(key, str) else None
    try:
        found: dict[str, int] | None = get_usage(
            request,
            group=group,
            key=(lambda _group, _request: fixed) if fixed is not None else key,
            rate=rate,
            method=ALL,
            increment=increment,
        )
    except UnknownClientAddress:
        raise  # the key function's refusal, not the store's failure
    except Exception as exc:  # any backend's connection or protocol error
        security.log_event(
            security.RATE_LIMIT_STORE_FAILURE,
            request,
            level=logging.ERROR,
            group=group,
            error=type(exc).__name__,
        )
        raise CounterStoreDown from exc
    return found


def too_many_requests(request: HttpRequest, group: str, rate: str, time_left: int) -> AuthError:
    security.log_event(security.RATE_LIMITED, request, group=group, rate=rate)
    error = AuthError(429, "TOO_MANY_REQUESTS", TOO_MANY_REQUESTS)
    error.wait = max(1, int(time_left))  # type: ignore[attr-defined]
    return error


def unavailable() -> AuthError:
    """The 503 a credential check answers while the counters cannot be read."""
    error = AuthError(503, "RATE_LIMIT_UNAVAILABLE", RATE_LIMIT_UNAVAILABLE)
    error.wait = 30  # type: ignore[attr-defined]
    return error


def count(
    request: HttpRequest, *, group: str, key: Any, rate: str | None, fail_closed: bool = False
) -> None:
    """Count one request in ``group`` under ``key`` (a key function or a fixed value); raise
    the contract's 429 with ``Retry-After`` when over ``rate``. When the counters cannot be
    read, ``fail_closed`` answers 503 ``RATE_LIMIT_UNAVAILABLE``; otherwise the request goes on
    uncounted (logged either way)."""
    if rate is None:
        return
    try:
        found = usage(request, group=group, key=key, rate=rate, increment=True)
    except CounterStoreDown as exc:
        if not fail_closed:
            return
        raise unavailable() from exc
    if found is not None and found["should_limit"]:
        raise too_many_requests(request, group, rate, found["time_left"])


def enforce(request: HttpRequest, endpoint: str) -> None:
    """Count this request against the client address's limit for ``endpoint``."""
    count(
        request,
        group=f"authsession:{endpoint}",
        key=client_key,
        rate=rate_for(endpoint),
        fail_closed=endpoint in endpoints.CREDENTIAL_CHECKS,
    )


def enforce_session_read(
    request: HttpRequest, endpoint: str, resolved: ResolvedSession | None
) -> None:
    """The session-read policy: count a read without a valid session per address; a valid
    session's read is free, or counted per session when the setting says so."""
    if resolved is None:
        enforce(request, endpoint)
    elif app_settings.RATE_LIMIT_SESSION_READS == "session":
        count(
            request,
            group=f"authsession:{endpoint}:session",
            key=f"session:{resolved.session.pk}",
            rate=rate_for(endpoint),
        )


def _rate_errors(name: str, rate: Any) -> list[Error]:
    if rate is None or (isinstance(rate, str) and RATE_PATTERN.fullmatch(rate)):
        return []
    return [
        Error(
            f"{name} has the rate {rate!r}, which is not a rate.",
            hint='Write "<count>/<period>", such as "10/60s", "5/m" or "100/h"; None turns '
            "the limit off.",
            id="django_authsession.E010",
        )
    ]


@register()
def check_rate_settings(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    """Malformed rates and unknown endpoint names are start-up errors, not a limit that is
    silently never applied."""
    errors = _rate_errors("AUTHSESSION_DEFAULT_RATE_LIMIT", app_settings.DEFAULT_RATE_LIMIT)
    rules = app_settings.RATE_LIMITS
    for endpoint, rate in rules.items():
        if endpoint not in endpoints.ALL:
            errors.append(
                Error(
                    f"AUTHSESSION_RATE_LIMITS has the key {endpoint!r}, which is no endpoint.",
                    hint="Keys are endpoint paths relative to the mount point: "
                    + ", ".join(endpoints.ALL),
                    id="django_authsession.E011",
                )
            )
        errors += _rate_errors(f"AUTHSESSION_RATE_LIMITS[{endpoint!r}]", rate)
    policy = app_settings.RATE_LIMIT_SESSION_READS
    if policy not in SESSION_READ_POLICIES:
        errors.append(
            Error(
                f"AUTHSESSION_RATE_LIMIT_SESSION_READS is {policy!r}.",
                hint='Use "address" (reads by a valid session are not counted) or "session".',
                id="django_authsession.E012",
            )
        )
    return errors
