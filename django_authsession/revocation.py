"""Revocation marks in the Django cache, so a revoked session stops working at once even where a
browser still holds a valid 5-minute ``session_data`` cookie (closing Better Auth's known hole).

Marks are keyed by a digest of the stored token, never by the token, and live a little longer than
the cookie cache, after which the cookie they guard has expired anyway. They live in a cache alias
of their own (``AUTHSESSION_REVOCATION_CACHE``): a cache shared with rate-limit counters or page
fragments can evict a mark under client traffic, and a revoked session would be served again.

When the mark store fails, reads fail closed (the cookie cache is not trusted and the database
answers) and writes are logged: the row is gone either way, which is what the database path reads.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Iterable

from django.conf import settings
from django.core.cache import BaseCache, caches
from django.core.cache.backends.locmem import LocMemCache

from . import security
from .conf import DEFAULT_REVOCATION_CACHE, app_settings
from .wire.cookie_cache import DONT_REMEMBER_CACHE_AGE

MARK_MARGIN_SECONDS = 60
SESSION_KEY = "authsession:revoked:{}"
USER_KEY = "authsession:user:{}:revoked_before"


FALLBACK_LOCATION = "authsession-revocation-fallback"
FALLBACK_MAX_ENTRIES = 10000
_fallback: BaseCache | None = None


def uses_fallback() -> bool:
    """Is the default alias missing from ``CACHES``, so that marks live in this process only?
    Fine for development (check ``W011``); ``check --deploy`` refuses it (``E009``)."""
    alias = app_settings.REVOCATION_CACHE
    return alias == DEFAULT_REVOCATION_CACHE and alias not in settings.CACHES


def cache() -> BaseCache:
    """The mark store: ``CACHES[AUTHSESSION_REVOCATION_CACHE]``, or a per-process local-memory
    cache when the default alias is not configured, so a new project runs without settings."""
    if not uses_fallback():
        return caches[app_settings.REVOCATION_CACHE]
    global _fallback
    if _fallback is None:
        _fallback = LocMemCache(
            FALLBACK_LOCATION, {"OPTIONS": {"MAX_ENTRIES": FALLBACK_MAX_ENTRIES}}
        )
    return _fallback


def _timeout() -> int:
    # Outlive the longest cookie cache: the configured one, or Better Auth's 60 s without
    # "remember me".
    longest = max(app_settings.COOKIE_CACHE_MAX_AGE, DONT_REMEMBER_CACHE_AGE)
    return longest + MARK_MARGIN_SECONDS


def _session_key(stored_token: str) -> str:
    return SESSION_KEY.format(hashlib.sha256(stored_token.encode()).hexdigest())


def _store_failed(operation: str, exc: Exception) -> None:
    # Any backend's error class (redis-py, django-redis, pymemcache, a missing alias): the
    # operation names what was lost, the class says why; neither carries a token.
    security.log_event(
        security.MARK_STORE_FAILURE,
        None,
        level=logging.ERROR,
        operation=operation,
        cache=app_settings.REVOCATION_CACHE,
        error=type(exc).__name__,
    )


def mark_sessions(stored_tokens: Iterable[str]) -> None:
    """Mark sessions (by their stored token) as revoked."""
    keys = {_session_key(t): 1 for t in stored_tokens}
    if not keys or not app_settings.COOKIE_CACHE:  # marks guard cookie caches, nothing else
        return
    try:
        cache().set_many(keys, timeout=_timeout())
    except Exception as exc:  # the rows are deleted already: log, do not fail the request
        _store_failed("mark_sessions", exc)


def mark_user(user_id: object) -> None:
    """Reject every cookie cache of this user written before now."""
    if not app_settings.COOKIE_CACHE:
        return
    try:
        cache().set(USER_KEY.format(user_id), int(time.time() * 1000), timeout=_timeout())
    except Exception as exc:
        _store_failed("mark_user", exc)


def is_revoked(stored_token: str, user_id: object, cached_at_ms: int) -> bool:
    """One ``get_many``: is this cached session revoked, alone or with all of its user's?

    ``True`` also when the mark store cannot answer: the caller then asks the database."""
    session_key = _session_key(stored_token)
    user_key = USER_KEY.format(user_id)
    try:
        marks = cache().get_many([session_key, user_key])
    except Exception as exc:
        _store_failed("is_revoked", exc)
        return True
    if session_key in marks:
        return True
    revoked_before = marks.get(user_key)
    return revoked_before is not None and cached_at_ms <= int(revoked_before)
