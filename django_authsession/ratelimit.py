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

import re
from typing import Any

from django.core.checks import Error, register
from django.http import HttpRequest
from django_ratelimit import ALL
from django_ratelimit.core import get_usage

from . import endpoints, security
from .client_ip import get_client_ip, rate_limit_ip
from .conf import app_settings
from .exceptions import AuthError
from .sessions import ResolvedSession

__all__ = [
    "RATE_PATTERN",
    "TOO_MANY_REQUESTS",
    "check_rate_settings",
    "client_key",
    "count",
    "enforce",
    "enforce_session_read",
    "rate_for",
]

TOO_MANY_REQUESTS = "Too many requests. Please try again later."
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


def count(request: HttpRequest, *, group: str, key: Any, rate: str | None) -> None:
    """Count one request in ``group`` under ``key`` (a key function or a fixed value); raise
    the contract's 429 with ``Retry-After`` when over ``rate``. Other counters (a per-account
    limit, say) use this with their own group and key."""
    if rate is None:
        return
    fixed = key if isinstance(key, str) else None
    usage = get_usage(
        request,
        group=group,
        key=(lambda _group, _request: fixed) if fixed is not None else key,
        rate=rate,
        method=ALL,
        increment=True,
    )
    if usage is not None and usage["should_limit"]:
        security.log_event(security.RATE_LIMITED, request, group=group, rate=rate)
        error = AuthError(429, "TOO_MANY_REQUESTS", TOO_MANY_REQUESTS)
        error.wait = max(1, int(usage["time_left"]))  # type: ignore[attr-defined]
        raise error


def enforce(request: HttpRequest, endpoint: str) -> None:
    """Count this request against the client address's limit for ``endpoint``."""
    count(request, group=f"authsession:{endpoint}", key=client_key, rate=rate_for(endpoint))


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
