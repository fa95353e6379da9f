"""Failed password checks counted per account, across client addresses
(``AUTHSESSION_ACCOUNT_FAILURE_LIMIT``), with OWASP's "device cookies" so the lockout cannot be
aimed at the account's owner.

The per-address limit stops one client guessing fast; this one stops many addresses guessing
one account's password. The counter is keyed on the account's primary key when the account
exists (so no spelling of its email, whatever the database's case mapping, reaches a fresh
counter) and on the normalised email otherwise; the refusal is the same 429 either way, so the
limit reveals nothing about which accounts exist.

Each check is counted *before* the password hash is checked, by an atomic increment
(``cache.add`` then ``cache.incr``), and given back when the password was right: concurrent
guesses cannot overshoot the limit, and successes are not counted.

A browser whose device cookie (:mod:`.device_cookie`) carries a valid tag for the account is
counted on its own (``AUTHSESSION_DEVICE_FAILURE_LIMIT``), not against the account: others'
guesses never lock the owner out of a browser the owner has signed in from. Once that browser
has used up its own failures it is counted as an unknown one.

Counted in the cache named by ``RATELIMIT_USE_CACHE``, like the other limits; while that cache
is unreachable a password check is refused (503), never run uncounted.
"""

from __future__ import annotations

import hashlib
import logging
import math
import re
import time
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.http import HttpRequest

from . import ratelimit, security, signals
from .conf import app_settings
from .device_cookie import read_device

__all__ = [
    "CURRENT_PASSWORD_GROUP",
    "DEVICE_GROUP",
    "GROUP",
    "Attempt",
    "Locked",
    "account_key",
    "begin",
    "reserve",
]

GROUP = "authsession:failed-sign-in"
DEVICE_GROUP = "authsession:failed-sign-in:device"
CURRENT_PASSWORD_GROUP = "authsession:failed-current-password"
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}
_PERIOD = re.compile(r"([0-9]*)([smhd]?)")
# Set on a request whose password check an endpoint counted already, so Django's
# ``authenticate()`` inside it is not counted again (see :mod:`.backends`).
COUNTED_ATTRIBUTE = "_authsession_counted"
# A counter outlives its window by this much, so an increment at the window's end finds it.
EXPIRY_MARGIN = 5


def _split_rate(rate: str) -> tuple[int, int]:
    """``"10/900s"`` → ``(10, 900)``; the forms django-ratelimit reads (checked at start-up)."""
    count, _slash, period = rate.partition("/")
    match = _PERIOD.fullmatch(period)
    if match is None:
        raise ValueError(f"Not a rate: {rate!r}")
    return int(count), int(match[1] or 1) * _UNITS[match[2]]


def account_key(user: Any | None, identifier: str) -> str:
    """The counter's key: the account's primary key, else the normalised email (or username)
    that was tried. A digest: cache keys carry no address."""
    raw = f"user:{user.pk}" if user is not None else f"name:{identifier.strip().lower()}"
    return hashlib.sha256(raw.encode()).hexdigest()


@dataclass
class Attempt:
    """One password check, counted before it runs. Call :meth:`succeeded` when the password
    was right (the count is given back) or :meth:`failed` when it was not (the count stays)."""

    request: HttpRequest | None = None
    cache_key: str | None = None
    group: str = GROUP
    settled: bool = field(default=False, compare=False)
    # The window's last allowed check: if it fails, the counter is used up.
    last: bool = field(default=False, compare=False)
    # The email (or name) tried, when this failure would lock the account out (a signal).
    locks: str | None = field(default=None, compare=False)

    def succeeded(self) -> None:
        if self.settled:
            return
        self.settled = True
        if self.cache_key is None:
            return
        try:
            _counters().decr(self.cache_key)
        except ValueError:
            pass  # the window ended meanwhile: nothing to give back
        except Exception as exc:  # the store failed: the count stays, which is safe
            _store_failure(self.request, self.group, exc)

    def failed(self) -> None:
        if self.settled:
            return
        self.settled = True
        if self.locks is not None:
            from .models import Session  # the signals' sender, as everywhere

            signals.account_locked_out.send(sender=Session, email=self.locks, request=self.request)


class Locked(Exception):
    """The account (or browser) has used up its failures for this window."""

    def __init__(self, group: str, rate: str, time_left: int) -> None:
        super().__init__(group)
        self.group, self.rate, self.time_left = group, rate, time_left


def _counters() -> Any:
    return caches[getattr(settings, "RATELIMIT_USE_CACHE", "default")]


def _store_failure(request: HttpRequest | None, group: str, exc: Exception) -> None:
    if request is not None:
        security.log_event(
            security.RATE_LIMIT_STORE_FAILURE,
            request,
            level=logging.ERROR,
            group=group,
            error=type(exc).__name__,
        )


def _reserve(
    request: HttpRequest | None, group: str, key: str, rate: str
) -> tuple[Attempt | None, int]:
    """Count one check in this fixed window, atomically. Returns the attempt, or ``None`` (and
    nothing to give back) when the limit was already used up, with the seconds left."""
    limit, period = _split_rate(rate)
    now = time.time()
    window = int(now // period)
    time_left = max(1, math.ceil((window + 1) * period - now))
    cache_key = f"authsession:limit:{group}:{period}:{window}:{key}"
    cache = _counters()
    try:
        if cache.add(cache_key, 1, timeout=period + EXPIRY_MARGIN):
            count = 1
        else:
            try:
                count = cache.incr(cache_key)
            except ValueError:  # expired between the two calls: a new window's first count
                cache.add(cache_key, 1, timeout=period + EXPIRY_MARGIN)
                count = 1
    except Exception as exc:  # any backend's connection or protocol error
        _store_failure(request, group, exc)
        raise ratelimit.CounterStoreDown from exc
    if count > limit:
        return None, time_left
    return Attempt(request, cache_key, group, last=count == limit), time_left


def counted_here(request: HttpRequest) -> None:
    """This request's password check is counted by the caller: the backend and the failure
    receiver (:mod:`.backends`) leave it alone."""
    setattr(request, COUNTED_ATTRIBUTE, True)


def begin(
    request: HttpRequest,
    user: Any | None,
    identifier: str,
    *,
    group: str = GROUP,
    devices: bool = True,
) -> Attempt:
    """Count a password check for this account before it runs; raise the contract's 429 while
    the account (or, for a browser the account knows, that browser) has used up its failures,
    and 503 while the counters cannot be read."""
    try:
        return reserve(request, user, identifier, group=group, devices=devices)
    except Locked as exc:
        raise ratelimit.too_many_requests(request, exc.group, exc.rate, exc.time_left) from exc
    except ratelimit.CounterStoreDown as exc:
        raise ratelimit.unavailable() from exc


def reserve(
    request: HttpRequest | None,
    user: Any | None,
    identifier: str,
    *,
    group: str = GROUP,
    devices: bool = True,
) -> Attempt:
    """:func:`begin` for callers with their own way of refusing: raises :class:`Locked`, or
    ``ratelimit.CounterStoreDown`` while the counters cannot be read."""
    device_rate = app_settings.DEVICE_FAILURE_LIMIT
    if devices and user is not None and device_rate is not None and request is not None:
        device = read_device(request)
        if device is not None and device.knows(user):
            key = hashlib.sha256(f"{device.device_id}|{user.pk}".encode()).hexdigest()
            attempt, _left = _reserve(request, DEVICE_GROUP, key, device_rate)
            if attempt is not None:
                return attempt
            # This browser used up its own failures: from now on it is any browser.
    rate = app_settings.ACCOUNT_FAILURE_LIMIT
    if rate is None:
        return Attempt(request, None, group)
    attempt, time_left = _reserve(request, group, account_key(user, identifier), rate)
    if attempt is None:
        raise Locked(group, rate, time_left)
    if group == GROUP and attempt.last:
        attempt.locks = identifier
    return attempt
