"""Revocation marks in the Django cache, so a revoked session stops working at once even where a
browser still holds a valid 5-minute ``session_data`` cookie (closing Better Auth's known hole).

Marks are keyed by a digest of the stored token, never by the token, and live a little longer than
the cookie cache, after which the cookie they guard has expired anyway.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterable

from django.core.cache import BaseCache, caches

from .conf import app_settings
from .wire.cookie_cache import DONT_REMEMBER_CACHE_AGE

MARK_MARGIN_SECONDS = 60
SESSION_KEY = "authsession:revoked:{}"
USER_KEY = "authsession:user:{}:revoked_before"


def _cache() -> BaseCache:
    return caches[app_settings.REVOCATION_CACHE]


def _timeout() -> int:
    # Outlive the longest cookie cache: the configured one, or Better Auth's 60 s without
    # "remember me".
    longest = max(app_settings.COOKIE_CACHE_MAX_AGE, DONT_REMEMBER_CACHE_AGE)
    return longest + MARK_MARGIN_SECONDS


def _session_key(stored_token: str) -> str:
    return SESSION_KEY.format(hashlib.sha256(stored_token.encode()).hexdigest())


def mark_sessions(stored_tokens: Iterable[str]) -> None:
    """Mark sessions (by their stored token) as revoked."""
    keys = {_session_key(t): 1 for t in stored_tokens}
    if keys:
        _cache().set_many(keys, timeout=_timeout())


def mark_user(user_id: object) -> None:
    """Reject every cookie cache of this user written before now."""
    _cache().set(USER_KEY.format(user_id), int(time.time() * 1000), timeout=_timeout())


def is_revoked(stored_token: str, user_id: object, cached_at_ms: int) -> bool:
    """One ``get_many``: is this cached session revoked, alone or with all of its user's?"""
    session_key = _session_key(stored_token)
    user_key = USER_KEY.format(user_id)
    marks = _cache().get_many([session_key, user_key])
    if session_key in marks:
        return True
    revoked_before = marks.get(user_key)
    return revoked_before is not None and cached_at_ms <= int(revoked_before)
