"""Revocation marks in the Django cache, so a revoked session stops working at once even where a
browser still holds a valid 5-minute ``session_data`` cookie (closing Better Auth's known hole).

Marks are keyed by a digest of the stored token, never by the token, and live a little longer than
the cookie cache, after which the cookie they guard has expired anyway. They live in a cache alias
of their own (``AUTHSESSION_REVOCATION_CACHE``): a cache shared with rate-limit counters or page
fragments can evict a mark under client traffic, and a revoked session would be served again.

Revocation fails closed, also when marks are lost. The store holds a generation key with no
expiry, read in the same ``get_many`` as the marks, whose value is the time before which no
cookie cache is trusted:

- a store that restarted empty, was flushed or evicted the key has no generation: the hit is
  answered by the database, and a new generation is written saying "trust only cookie caches
  issued from now on" (a cookie cache issued before then may have lost its mark);
- a mark that cannot be written (Redis refusing writes under ``maxmemory`` with ``noeviction``)
  deletes the generation instead (``DEL`` is allowed under ``maxmemory``), with the same effect;
- when neither can be written (the store is down), :class:`MarkStoreUnavailable` is raised after
  the rows are deleted, and the endpoints answer 503 rather than success: the browser keeps its
  cookies and can sign out again once the store is back;
- when the store cannot be read, the cookie cache is not trusted and the database answers.

So a cookie cache issued before a loss is never honoured again; it had at most
``AUTHSESSION_COOKIE_CACHE_MAX_AGE`` to live, which the server enforces whatever the cookie says.
"""

from __future__ import annotations

import enum
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
GENERATION_KEY = "authsession:generation"
# A new generation distrusts cookie caches issued up to this long after it is written: clocks of
# workers differ a little, and a cache issued by a worker whose clock runs ahead must not pass.
GENERATION_MARGIN_MS = 1000


class MarkStoreUnavailable(Exception):
    """A revocation could not be recorded in the mark store, nor could the store be marked
    untrusted: copies of the session in cookie caches may still be honoured."""


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


def _now_ms() -> int:
    return int(time.time() * 1000)


def _untrust_store() -> None:
    """A mark was lost: trust no cookie cache issued before now (the next hit writes a new
    generation). Raises :class:`MarkStoreUnavailable` when even that cannot be written."""
    try:
        cache().delete(GENERATION_KEY)
    except Exception as exc:
        _store_failed("untrust_store", exc)
        raise MarkStoreUnavailable from None


def mark_sessions(stored_tokens: Iterable[str]) -> None:
    """Mark sessions (by their stored token) as revoked; when the mark cannot be written, mark
    the whole store untrusted instead (:func:`_untrust_store`)."""
    keys = {_session_key(t): 1 for t in stored_tokens}
    if not keys or not app_settings.COOKIE_CACHE:  # marks guard cookie caches, nothing else
        return
    try:
        # Redis raises for a refused write; memcached reports the keys it did not store.
        failed = cache().set_many(keys, timeout=_timeout())
    except Exception as exc:
        _store_failed("mark_sessions", exc)
        _untrust_store()
        return
    if failed:
        _store_failed("mark_sessions", RuntimeError("keys not stored"))
        _untrust_store()


def mark_user(user_id: object) -> None:
    """Reject every cookie cache of this user written before now (or, when that cannot be
    written, every cookie cache: :func:`_untrust_store`)."""
    if not app_settings.COOKIE_CACHE:
        return
    try:
        cache().set(USER_KEY.format(user_id), _now_ms(), timeout=_timeout())
    except Exception as exc:
        _store_failed("mark_user", exc)
        _untrust_store()


def _start_generation() -> None:
    """The store has no generation (it restarted empty, was flushed, or a mark write failed):
    trust only cookie caches issued from now on. ``add``: the first worker to see the loss
    sets the time, the others keep it."""
    security.log_event(
        security.MARK_STORE_RESET, None, level=logging.WARNING, cache=app_settings.REVOCATION_CACHE
    )
    try:
        cache().add(GENERATION_KEY, _now_ms() + GENERATION_MARGIN_MS, timeout=None)
    except Exception as exc:  # still refusing writes: every hit keeps asking the database
        _store_failed("start_generation", exc)


class Verdict(enum.Enum):
    """What the mark store says of a cookie cache."""

    TRUSTED = "trusted"  # no mark applies, and the store has kept its marks since it was issued
    REVOKED = "revoked"  # a mark applies: the session (or all of its user's) was revoked
    UNVOUCHED = "unvouched"  # the store cannot say (unreadable, or lost marks since): ask the row


def verdict(stored_token: str, user_id: object, cached_at_ms: int) -> Verdict:
    """One ``get_many`` (the session's mark, the user's, and the generation)."""
    session_key = _session_key(stored_token)
    user_key = USER_KEY.format(user_id)
    try:
        marks = cache().get_many([session_key, user_key, GENERATION_KEY])
    except Exception as exc:
        _store_failed("is_revoked", exc)
        return Verdict.UNVOUCHED
    revoked_before = marks.get(user_key)
    if session_key in marks or (revoked_before is not None and cached_at_ms <= int(revoked_before)):
        return Verdict.REVOKED
    trusted_from = marks.get(GENERATION_KEY)
    if trusted_from is None:
        _start_generation()
        return Verdict.UNVOUCHED
    return Verdict.UNVOUCHED if cached_at_ms < int(trusted_from) else Verdict.TRUSTED


def is_revoked(stored_token: str, user_id: object, cached_at_ms: int) -> bool:
    """Is this cookie cache not to be trusted: revoked, alone or with all of its user's, or
    issued before the store last lost its marks? ``True`` also when the mark store cannot
    answer: the caller then asks the database."""
    return verdict(stored_token, user_id, cached_at_ms) is not Verdict.TRUSTED


def trust_cookie_caches_from(ms: int) -> None:
    """Write the generation: cookie caches issued before ``ms`` (ms since the epoch) are not
    trusted. ``0`` declares a store that has held every mark ever written (a fresh test run)."""
    cache().set(GENERATION_KEY, ms, timeout=None)
