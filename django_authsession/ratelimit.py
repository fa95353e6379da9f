"""Rate limits per client IP and path, counted by django-ratelimit in the cache named by
``RATELIMIT_USE_CACHE`` (a shared one, such as Redis, in production)."""

from __future__ import annotations

from django.http import HttpRequest
from django_ratelimit import ALL
from django_ratelimit.core import get_usage

from .client_ip import get_client_ip, rate_limit_ip
from .conf import app_settings
from .exceptions import AuthError

TOO_MANY_REQUESTS = "Too many requests. Please try again later."


def client_path_key(group: str, request: HttpRequest) -> str:
    """django-ratelimit key function: ``<client ip>|<path>`` (IPv6 grouped by /64)."""
    return f"{rate_limit_ip(get_client_ip(request))}|{request.path}"


def rate_for(endpoint: str) -> str | None:
    """The rule for an endpoint path such as ``"/sign-in/email"``; ``None`` turns it off."""
    rules = app_settings.RATE_LIMITS
    return rules.get(endpoint, app_settings.DEFAULT_RATE_LIMIT)


def enforce(request: HttpRequest, endpoint: str) -> None:
    """Count this request; raise a 429 with ``Retry-After`` when over the limit."""
    rate = rate_for(endpoint)
    if rate is None:
        return
    usage = get_usage(
        request,
        group=f"authsession:{endpoint}",
        key=client_path_key,
        rate=rate,
        method=ALL,
        increment=True,
    )
    if usage is not None and usage["should_limit"]:
        error = AuthError(429, "TOO_MANY_REQUESTS", TOO_MANY_REQUESTS)
        error.wait = max(1, int(usage["time_left"]))  # type: ignore[attr-defined]
        raise error
