"""Start and end app sessions from a project's own code.

``login(request, user)`` is what ``POST /sign-in/email`` does once the password is checked, for
flows of the project's own (an OAuth callback, a magic link, a custom form): the same cookies in
the response, the same signals and the same writes (one session row, Django's
``update_last_login``). ``logout(request)`` is what ``POST /sign-out`` does. Django's own
``django.contrib.auth.logout()`` ends the app session too (see :mod:`.receivers`).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model, user_logged_in, user_logged_out
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from django.views.decorators.debug import sensitive_variables

from . import sessions
from .sessions import ResolvedSession
from .state import SessionState, get_state

# Set on a request whose app session ``logout`` ended, so the ``user_logged_out`` receiver
# (which serves Django's own ``logout()``) does not end it a second time.
LOGGED_OUT_ATTRIBUTE = "_authsession_logged_out"


def _http_request(request: Any) -> HttpRequest:
    """Django's request, also when given DRF's wrapper."""
    return getattr(request, "_request", request)  # type: ignore[no-any-return]


@sensitive_variables()
def login(request: Any, user: Any, *, remember: bool = True) -> ResolvedSession:
    """Start an app session for ``user`` and set its cookies on this request's response.

    A session this browser already held (its cookie or bearer token) is renewed in place when it
    is the same user's (re-authentication: ``sessions.reauthenticate``, a new token, fresh
    again, no second session beside it) and ends first otherwise (reason ``"replaced"``), so
    signing in never leaves an orphan behind. ``remember=False`` gives a browser-session cookie
    and a session that is not extended, as ``rememberMe: false`` does. Sends ``session_created``
    (or ``session_reauthenticated``) and Django's ``user_logged_in``. Returns the new session
    (``.token`` is the raw token; show it only to this browser). Needs
    ``AuthSessionMiddleware``, which writes the cookies."""
    http_request = _http_request(request)
    if user is None or user.pk is None:
        raise ValueError("login() needs a saved user.")
    if not getattr(user, "is_active", True):
        raise ValueError("An inactive user cannot have a session.")
    state = get_state(http_request)
    previous = state.token()
    renewed = None
    if previous is not None:
        held = sessions.resolve_from_db(previous, primary=True)
        if held is not None and held.session.user_id == user.pk:
            renewed = sessions.reauthenticate(
                held.session, previous, user, http_request, remember=remember
            )
        if renewed is None:
            sessions.revoke_token(previous, reason="replaced")
    session, token = renewed or sessions.create_session(user, http_request, remember=remember)
    resolved = state.start(session, token, remember=remember)
    http_request.auth_session = resolved  # type: ignore[attr-defined]
    http_request.user = user
    user_logged_in.send(sender=user.__class__, request=http_request, user=user)
    return resolved


def logout(request: Any) -> None:
    """End this request's app session (if any) and clear its cookies in the response.

    Sends Django's ``user_logged_out`` (with the user when it is already loaded, else
    ``None``, so ending a session costs one query: the delete). Django's own session, if the
    project also uses one, is left alone: call ``django.contrib.auth.logout()`` to end both."""
    http_request = _http_request(request)
    state = get_state(http_request)
    user = _loaded_user(state)
    end_session(http_request, state)
    setattr(http_request, LOGGED_OUT_ATTRIBUTE, True)
    user_logged_out.send(
        sender=user.__class__ if user is not None else get_user_model(),
        request=http_request,
        user=user,
    )
    http_request.user = AnonymousUser()
    http_request.auth_session = None  # type: ignore[attr-defined]


def end_session(request: HttpRequest, state: SessionState | None = None) -> None:
    """Revoke the request's session (the one it presented, or one started during it) and have
    the response clear every session cookie."""
    state = state or get_state(request)
    token = None
    if state.resolved:  # resolved already: reading it costs nothing
        current = state.get()
        token = current.token if current is not None else None
    if token is None:
        token = state.token()
    if token is not None:
        sessions.revoke_token(token)
    state.end()


def _loaded_user(state: SessionState) -> Any | None:
    """The session's user if this request already loaded it (no query), else ``None``."""
    if not state.resolved:
        return None
    current = state.get()
    if current is None:
        return None
    session = current.session
    return session.user if type(session).user.is_cached(session) else None
