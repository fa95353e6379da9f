"""Per-request session state: resolves the session lazily (cookie cache, then database), and
remembers what the response must do to the cookies (set, refresh, clear)."""

from __future__ import annotations

import math
import time
from typing import Any

from django.http import HttpRequest, HttpResponseBase
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from . import cookies, debug, sessions
from .conf import app_settings
from .serializers import (
    better_auth_session,
    better_auth_user,
    session_from_better_auth,
    user_data,
)
from .sessions import ResolvedSession

_UNRESOLVED: Any = object()
STATE_ATTRIBUTE = "_authsession_state"


class SessionState:
    def __init__(self, request: HttpRequest) -> None:
        debug.protect(request)  # error reports of a request with a session show no token
        self.request = request
        self.presented = cookies.token_cookie_name() in request.COOKIES
        self._resolved: ResolvedSession | None = _UNRESOLVED
        self._clear = False
        self._set_token = False
        self._write_cache = False
        self._remember = True

    @property
    def resolved(self) -> bool:
        return self._resolved is not _UNRESOLVED

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
        current = self._resolved
        if current is _UNRESOLVED or (
            disable_cookie_cache and current is not None and current.from_cache
        ):
            self._resolved = self._resolve(disable_cookie_cache, disable_refresh)
        return self._resolved

    def _resolve(self, disable_cookie_cache: bool, disable_refresh: bool) -> ResolvedSession | None:
        if not self.presented:
            return None
        jar = self.request.COOKIES
        token = cookies.read_token(jar)
        if token is None:
            self._clear = True
            return None
        now = timezone.now()
        resolved = None
        use_cache = app_settings.COOKIE_CACHE
        if use_cache and not disable_cookie_cache and cookies.has_cache(jar):
            resolved = self._from_cache(token, int(now.timestamp() * 1000))
        if resolved is None:
            resolved = sessions.resolve_from_db(token, now=now)
            if resolved is None:
                self._clear = True
                return None
            self._write_cache = use_cache
        # The row says whether the browser asked to be remembered; on a cache hit the
        # dont_remember cookie mirrors it, and anything lasting (a refresh) reads the row.
        row = resolved.session
        self._remember = cookies.is_remembered(jar) if resolved.from_cache else row.remember_me
        if not disable_refresh and self._remember and sessions.refresh_due(resolved.session, now):
            was_cached = resolved.from_cache
            refreshed = sessions.refresh(resolved, now=now)
            if refreshed is None:
                self._clear = True
                return None
            self._set_token = refreshed.refreshed
            self._write_cache = use_cache and (refreshed.refreshed or was_cached)
            resolved = refreshed
            self._remember = resolved.session.remember_me
        return resolved

    def _from_cache(self, token: str, now_ms: int) -> ResolvedSession | None:
        cached = cookies.read_cache(self.request.COOKIES, token, now_ms=now_ms)
        if cached is None:
            return None
        try:
            session = session_from_better_auth(cached.session, token)
        except (KeyError, TypeError, ValueError):
            return None
        if session.expires_at.timestamp() * 1000 <= now_ms:
            return None
        resolved = ResolvedSession(
            token=token,
            session=session,
            cached_user=cached.user,
            cached_at_ms=cached.updated_at_ms,
        )
        return None if sessions.is_revoked(resolved) else resolved

    def start(self, session: Any, token: str, *, remember: bool = True) -> ResolvedSession:
        """A session was just created for this browser (sign-in, sign-up)."""
        self._resolved = ResolvedSession(token=token, session=session)
        self._clear = False
        self._set_token = True
        self._write_cache = app_settings.COOKIE_CACHE
        self._remember = remember
        return self._resolved

    def end(self) -> None:
        """The session ended (sign-out): clear every cookie."""
        self._resolved = None
        self._clear = True
        self._set_token = self._write_cache = False

    def user_payload(self, resolved: ResolvedSession) -> dict[str, Any]:
        """Better Auth's user object: from the cookie cache when it served, else serialized."""
        if resolved.cached_user is not None:
            return resolved.cached_user
        if resolved.serialized_user is None:
            resolved.serialized_user = better_auth_user(user_data(resolved.session.user))
        return resolved.serialized_user

    @sensitive_variables()
    def apply(self, response: HttpResponseBase) -> None:
        """Write what this request changed to the response's cookies."""
        if self.presented and not self.resolved:
            self.get()  # a presented session is refreshed or cleared on any request
        jar = self.request.COOKIES
        if self._clear:
            cookies.clear_all(response, self.request)
            return
        resolved = self._resolved
        if resolved is None:
            return
        if self._set_token:
            remaining = resolved.session.expires_at - timezone.now()
            cookies.set_token(
                response,
                resolved.token,
                max_age=max(0, math.ceil(remaining.total_seconds())),
                remember=self._remember,
            )
        if self._write_cache:
            cookies.set_cache(
                response,
                jar,
                better_auth_session(resolved.session, resolved.token),
                self.user_payload(resolved),
                now_ms=int(time.time() * 1000),
                remember=self._remember,
            )
        elif not app_settings.COOKIE_CACHE and cookies.has_cache(jar):
            cookies.clear_cache(response, jar)


def get_state(request: HttpRequest) -> SessionState:
    """The request's state, created on first use so views also work without the middleware."""
    state: SessionState | None = getattr(request, STATE_ATTRIBUTE, None)
    if state is None:
        state = SessionState(request)
        setattr(request, STATE_ATTRIBUTE, state)
    return state
