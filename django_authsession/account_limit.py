"""Failed sign-ins counted per account, across client addresses
(``AUTHSESSION_ACCOUNT_FAILURE_LIMIT``).

The per-address limit stops one client guessing fast; this one stops many addresses guessing
one account's password. The count is keyed by the normalised email, whether or not an account
has it, and the refusal is the same 429 for both, so the limit reveals nothing about which
accounts exist. Counted by django-ratelimit in ``RATELIMIT_USE_CACHE``, like the other limits.
"""

from __future__ import annotations

import contextlib
import hashlib

from django.http import HttpRequest

from . import ratelimit, signals
from .conf import app_settings
from .models import Session

GROUP = "authsession:failed-sign-in"


def _account_key(email: str) -> str:
    # A digest: the cache key must not carry the address itself.
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()


def _usage(request: HttpRequest, email: str, *, increment: bool) -> dict[str, int] | None:
    rate = app_settings.ACCOUNT_FAILURE_LIMIT
    if rate is None:
        return None
    return ratelimit.usage(
        request, group=GROUP, key=_account_key(email), rate=rate, increment=increment
    )


def check(request: HttpRequest, email: str) -> None:
    """Before checking a password: refuse while this account has used up its failures, and
    while the counters cannot be read (503: guessing must not run unlimited)."""
    try:
        found = _usage(request, email, increment=False)
    except ratelimit.CounterStoreDown as exc:
        raise ratelimit.unavailable() from exc
    if found is not None and found["count"] >= found["limit"]:
        error = ratelimit.too_many_requests(request, GROUP, str(found["limit"]), found["time_left"])
        raise error


def record_failure(request: HttpRequest, email: str) -> None:
    """Count one failed sign-in for this email address (a store failure is logged only: the
    answer is the 401 the password earned). The failure that uses up the allowance sends
    ``account_locked_out``."""
    with contextlib.suppress(ratelimit.CounterStoreDown):
        found = _usage(request, email, increment=True)
        if found is not None and found["count"] == found["limit"]:
            signals.account_locked_out.send(sender=Session, email=email, request=request)
