"""Per-request session state: one decision, then the cookies derived from it.

Resolving the request (cookie cache, then database) gives an immutable :class:`Outcome`: where
the answer came from, whether the session was refreshed, and what the browser holds. ``apply``
derives every ``Set-Cookie`` from that outcome alone, as Django's ``SessionMiddleware`` derives
its response from ``accessed``/``modified``/``is_empty()``. Nothing here imports DRF: the
middleware runs on every request. Internal: projects read ``request.auth_session``.
"""

from __future__ import annotations

import enum
import math
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone
from typing import Any, NamedTuple

from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponseBase
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from . import cookies, debug, security, sessions
from .conf import app_settings
from .sessions import ResolvedSession
from .wire.jsjson import NotJSONCompatible
from .wire.shapes import better_auth_session, better_auth_user

__all__ = ["STATE_ATTRIBUTE", "Outcome", "SessionState", "Source", "get_state"]

STATE_ATTRIBUTE = "_authsession_state"


class Source(enum.Enum):
    """Where the request's answer came from."""

    NONE = "none"  # no session: none presented, or the one presented is not valid
    CACHE = "cache"  # the session_data cookie, verified (no query)
    DATABASE = "database"  # the session row
    CREATED = "created"  # signed in during this request
    ENDED = "ended"  # signed out (or revoked) during this request


class BrowserCache(enum.Enum):
    """What the browser sent as ``session_data``."""

    ABSENT = "absent"
    VALID = "valid"  # verified and bound to the token, whether or not it was used
    UNUSABLE = "unusable"  # forged, expired, another token's, or revoked
    UNCHECKED = "unchecked"  # not read (``disableCookieCache``): left as it is


class Outcome(NamedTuple):
    """The decision for one request; ``apply`` needs nothing else. Immutable (a named tuple:
    built on every request that presents a cookie, so it costs what a tuple costs)."""

    source: Source
    # When the session was read: the cookie cache is stamped with this, not with the time the
    # response is written, so a revocation during a slow view is never hidden by a newer stamp.
    read_at: datetime
    resolved: ResolvedSession | None = None
    refreshed: bool = False
    # What the browser presented.
    presented: bool = False
    browser_cache: BrowserCache = BrowserCache.ABSENT
    remember: bool = True
    # The request asked not to refresh (``disableRefresh``): the answer writes no cookie cache.
    refresh_disabled: bool = False

    @property
    def read_at_ms(self) -> int:
        return int(self.read_at.timestamp() * 1000)

    @property
    def sets_token(self) -> bool:
        return self.source is Source.CREATED or self.refreshed

    @property
    def writes_cache(self) -> bool:
        if not app_settings.COOKIE_CACHE:
            return False
        if self.source is Source.CREATED or self.refreshed:
            return True
        # Better Auth returns early here: no cookie cache for a database answer that may not
        # refresh, nor for a "don't remember me" session.
        return self.source is Source.DATABASE and self.remember and not self.refresh_disabled

    @property
    def clears_all(self) -> bool:
        return self.source is Source.ENDED or (self.source is Source.NONE and self.presented)

    @property
    def clears_cache(self) -> bool:
        """A cookie cache the browser should drop, when no new one replaces it."""
        if self.writes_cache or self.clears_all or self.browser_cache is BrowserCache.ABSENT:
            return False
        return self.browser_cache is BrowserCache.UNUSABLE or not app_settings.COOKIE_CACHE


def _at(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, tz=dt_timezone.utc)


class SessionState:
    def __init__(self, request: HttpRequest) -> None:
        debug.protect(request)  # error reports of a request with a session show no token
        self.request = request
        self.presented = cookies.token_cookie_name() in request.COOKIES
        self._outcome: Outcome | None = None

    @property
    def resolved(self) -> bool:
        return self._outcome is not None

    @property
    def outcome(self) -> Outcome | None:
        """The decision, once something resolved the session (``None`` before)."""
        return self._outcome

    @sensitive_variables()  # DEBUG error pages show no token, here or in what this calls
    def token(self) -> str | None:
        """The raw token of a well-signed cookie, without touching the database."""
        return cookies.read_token(self.request.COOKIES) if self.presented else None

    @sensitive_variables()
    def get(
        self, *, disable_cookie_cache: bool = False, disable_refresh: bool = False
    ) -> ResolvedSession | None:
        """The request's session, or ``None``. Resolved once; ``disable_cookie_cache`` makes a
        cache-served answer go to the database."""
        outcome = self._outcome
        if outcome is None or (disable_cookie_cache and outcome.source is Source.CACHE):
            outcome = self._outcome = self._resolve(disable_cookie_cache, disable_refresh)
        return outcome.resolved

    def _resolve(self, disable_cookie_cache: bool, disable_refresh: bool) -> Outcome:
        now = timezone.now()
        now_ms = int(now.timestamp() * 1000)
        if not self.presented:
            return Outcome(Source.NONE, read_at=now)
        jar = self.request.COOKIES
        token = cookies.read_token(jar)
        if token is None:
            security.log_event(security.FORGED_SIGNATURE, self.request, cookie="session_token")
            return Outcome(Source.NONE, presented=True, read_at=now)
        base: dict[str, Any] = {
            "presented": True,
            "remember": cookies.is_remembered(jar),
            "refresh_disabled": disable_refresh,
            "read_at": now,
        }
        browser_cache = BrowserCache.ABSENT
        resolved = None
        if not cookies.has_cache(jar):
            pass
        elif not app_settings.COOKIE_CACHE:
            browser_cache = BrowserCache.UNUSABLE
        elif disable_cookie_cache:
            browser_cache = BrowserCache.UNCHECKED  # not read: no cache call for it
        else:
            resolved = self._from_cache(token, now_ms)
            browser_cache = BrowserCache.UNUSABLE if resolved is None else BrowserCache.VALID
        base["browser_cache"] = browser_cache
        if resolved is None:
            resolved = sessions.resolve_from_db(token, now=now)
            if resolved is None:
                return Outcome(Source.NONE, **base)
        if not resolved.from_cache:
            # The row says whether the browser asked to be remembered; on a cache hit the
            # dont_remember cookie mirrors it, and anything lasting (a refresh) reads the row.
            base["remember"] = resolved.session.remember_me
        source = Source.CACHE if resolved.from_cache else Source.DATABASE
        if (
            disable_refresh
            or not base["remember"]
            or not sessions.refresh_due(resolved.session, now)
        ):
            return Outcome(source, resolved=resolved, **base)
        refreshed = sessions.refresh(resolved, now=now)
        if refreshed is None:  # revoked or expired in the meantime
            return Outcome(Source.NONE, **base)
        # Refreshed here, or by a concurrent request (then the database answered): either way
        # the browser gets a cookie cache of what the database now holds.
        source = Source.CACHE if refreshed.from_cache else Source.DATABASE
        base["remember"] = refreshed.session.remember_me
        return Outcome(source, resolved=refreshed, refreshed=refreshed.refreshed, **base)

    def _from_cache(self, token: str, now_ms: int) -> ResolvedSession | None:
        """The verified cookie cache bound to ``token``, unless revoked since it was written."""
        cached = cookies.read_cache(self.request.COOKIES, token, now_ms=now_ms)
        if cached is None:
            return None
        try:
            session = sessions.session_from_cache(cached.session, token, cached.memo)
        except (KeyError, TypeError, ValueError):
            return None
        # The verified value is shared by requests presenting the same cookie: hand out copies.
        resolved = ResolvedSession(
            token=token,
            session=session,
            cached_user=dict(cached.user),
            cached_at_ms=cached.updated_at_ms,
            cached_session=dict(cached.session),
        )
        if sessions.is_revoked(resolved):
            security.log_event(security.REVOKED_REPLAY, self.request, session_id=session.pk)
            return None
        return resolved

    def start(self, session: Any, token: str, *, remember: bool = True) -> ResolvedSession:
        """A session was just created for this browser (sign-in, sign-up)."""
        resolved = ResolvedSession(token=token, session=session)
        self._outcome = Outcome(
            Source.CREATED,
            resolved=resolved,
            presented=self.presented,
            browser_cache=BrowserCache.UNUSABLE
            if cookies.has_cache(self.request.COOKIES)
            else BrowserCache.ABSENT,
            remember=remember,
            read_at=timezone.now(),
        )
        return resolved

    def end(self) -> None:
        """The session ended (sign-out): clear every cookie."""
        self._outcome = Outcome(Source.ENDED, presented=self.presented, read_at=timezone.now())

    def user_payload(self, resolved: ResolvedSession) -> dict[str, Any]:
        """Better Auth's user object: from the cookie cache when it served, else serialized."""
        if resolved.cached_user is not None:
            return resolved.cached_user
        if resolved.serialized_user is None:
            from .serializers import user_data  # DRF, only where a user is serialized

            resolved.serialized_user = better_auth_user(user_data(resolved.session.user))
        return resolved.serialized_user

    @sensitive_variables()
    def apply(self, response: HttpResponseBase) -> None:
        """Write the outcome to the response's cookies."""
        if self.presented and self._outcome is None:
            self.get()  # a presented session is refreshed or cleared on any request
        outcome = self._outcome
        if outcome is None:
            return
        jar = self.request.COOKIES
        if outcome.source is Source.CACHE and not outcome.refreshed:
            return  # the usual hit: the browser already holds what it needs
        if outcome.clears_all:
            cookies.clear_all(response, self.request)
            return
        resolved = outcome.resolved
        if outcome.clears_cache:
            cookies.clear_cache(response, jar)
        if resolved is None:
            return
        if outcome.sets_token:
            remaining = resolved.session.expires_at - outcome.read_at
            cookies.set_token(
                response,
                resolved.token,
                max_age=max(0, math.ceil(remaining / timedelta(seconds=1))),
                remember=outcome.remember,
            )
            if outcome.remember and cookies.dont_remember_cookie_name() in jar:
                # A remembered session replaces one that was not (an impersonation ending, a
                # new sign-in): the stale marker would make the next cookie cache a
                # browser-session one (Better Auth's bug #10734).
                cookies.delete(response, cookies.dont_remember_cookie_name())
        if outcome.writes_cache:
            user = self.user_payload(resolved)
            try:
                cookies.set_cache(
                    response,
                    jar,
                    better_auth_session(resolved.session, resolved.token),
                    user,
                    now_ms=outcome.read_at_ms,
                    remember=outcome.remember,
                )
            except NotJSONCompatible as exc:
                raise ImproperlyConfigured(
                    f"AUTHSESSION_USER_SERIALIZER ({app_settings.USER_SERIALIZER}) returned a "
                    f"value the cookie cache cannot carry at user.{exc.path or '?'}: "
                    f"{exc.reason}. Return JSON types (str, int, float, bool, None, dict, list)."
                ) from exc


def get_state(request: HttpRequest) -> SessionState:
    """The request's state, created on first use so views also work without the middleware."""
    state: SessionState | None = getattr(request, STATE_ATTRIBUTE, None)
    if state is None:
        state = SessionState(request)
        setattr(request, STATE_ATTRIBUTE, state)
    return state
