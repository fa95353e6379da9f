"""Failed sign-ins counted per account, across client addresses
(``AUTHSESSION_ACCOUNT_FAILURE_LIMIT``).

The per-address limit stops one client guessing fast; this one stops many addresses guessing
one account's password. The count is keyed by the normalised email, whether or not an account
has it, and the refusal is the same 429 for both, so the limit reveals nothing about which
accounts exist. Counted by django-ratelimit in ``RATELIMIT_USE_CACHE``, like the other limits.
"""

from __future__ import annotations

import hashlib
import logging

from django.http import HttpRequest
from django_ratelimit import ALL
from django_ratelimit.core import get_usage

from . import security
from .conf import app_settings
from .exceptions import AuthError
from .ratelimit import TOO_MANY_REQUESTS

GROUP = "authsession:failed-sign-in"


def _account_key(email: str) -> str:
    # A digest: the cache key must not carry the address itself.
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()


def _usage(request: HttpRequest, email: str, *, increment: bool) -> dict[str, int] | None:
    rate = app_settings.ACCOUNT_FAILURE_LIMIT
    if rate is None:
        return None
    key = _account_key(email)
    usage: dict[str, int] | None = get_usage(
        request, group=GROUP, key=lambda group, req: key, rate=rate, method=ALL, increment=increment
    )
    return usage


def check(request: HttpRequest, email: str) -> None:
    """Before checking a password: refuse while this account has used up its failures."""
    usage = _usage(request, email, increment=False)
    if usage is not None and usage["count"] >= usage["limit"]:
        security.log_event(security.RATE_LIMITED, request, level=logging.WARNING, limit="account")
        error = AuthError(429, "TOO_MANY_REQUESTS", TOO_MANY_REQUESTS)
        error.wait = max(1, int(usage["time_left"]))  # type: ignore[attr-defined]
        raise error


def record_failure(request: HttpRequest, email: str) -> None:
    """Count one failed sign-in for this email address."""
    _usage(request, email, increment=True)
