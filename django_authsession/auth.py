"""Start and end app sessions from a project's own code.

``login(request, user)`` is what ``POST /sign-in/email`` does once the password is checked, for
flows of the project's own (an OAuth callback, a magic link, a custom form): the same cookies in
the response, the same signals and the same writes (one session row, Django's
``update_last_login``). ``logout(request)`` is what ``POST /sign-out`` does.

Django's own ``django.contrib.auth.login()`` / ``alogin()`` start an app session too (any view,
any backend: ``LoginView``, the admin, django-allauth), and Django's ``logout()`` ends it: see
:mod:`.receivers`. With ``AUTHSESSION_ADOPT_DJANGO_SESSIONS`` a request logged in by Django's
session alone gets an app session as well (:func:`adopt`).
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.conf import settings
from django.contrib.auth import SESSION_KEY, get_user_model, user_logged_in, user_logged_out
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from django.views.decorators.debug import sensitive_variables

from . import device_cookie, sessions
from .sessions import ResolvedSession
from .state import SessionState, Source, get_state
from .tokens import storage_key

# Set on a request whose app session ``logout`` ended, so the ``user_logged_out`` receiver
# (which serves Django's own ``logout()``) does not end it a second time.
LOGGED_OUT_ATTRIBUTE = "_authsession_logged_out"
# The password checks Django's ``authenticate()`` counted during a request before it knew
# their outcome (see :mod:`.backends`): the middleware gives back those that did not fail.
PENDING_CHECKS_ATTRIBUTE = "_authsession_attempts"
# Set while ``login`` sends ``user_logged_in``, so the receiver that serves Django's own
# ``login()`` does not start a second session.
LOGGING_IN_ATTRIBUTE = "_authsession_logging_in"
# In Django's session: which app session a Django login started (or adopted). A digest of the
# stored token, as the revocation marks are keyed, never the token.
PAIRED_SESSION_KEY = "_authsession_paired"


def _http_request(request: Any) -> HttpRequest:
    """Django's request, also when given DRF's wrapper."""
    return getattr(request, "_request", request)  # type: ignore[no-any-return]


def login(request: Any, user: Any, *, remember: bool = True, how: str = "login") -> ResolvedSession:
    """Start an app session for ``user`` and set its cookies on this request's response.

    A session this browser already held (its cookie or bearer token) is renewed in place when it
    is the same user's (re-authentication: ``sessions.reauthenticate``, a new token, fresh
    again, no second session beside it; sends ``session_reauthenticated``) and ends first
    otherwise (reason ``"replaced"``), so signing in never leaves an orphan behind.
    ``remember=False`` gives a browser-session cookie and a session
    that is not extended, as ``rememberMe: false`` does. Sends ``session_created`` and Django's
    ``user_logged_in``, and marks the browser as one the user signs in from (the device
    cookie, :mod:`.device_cookie`). Returns the new session (``.token`` is the raw token; show
    it only to this browser). ``how`` names the way the user signed in, for
    ``session_created`` and the security history. Raises
    :class:`~django_authsession.sessions.SessionLimitReached` when the user holds
    ``AUTHSESSION_MAX_SESSIONS_PER_USER`` sessions under the ``"refuse"`` policy. Needs
    ``AuthSessionMiddleware``, which writes the cookies."""
    http_request = _http_request(request)
    if user is None or user.pk is None:
        raise ValueError("login() needs a saved user.")
    if not getattr(user, "is_active", True):
        raise ValueError("An inactive user cannot have a session.")
    resolved = start(http_request, user, remember=remember, how=how)
    device_cookie.remember_device(http_request, None, user)
    setattr(http_request, LOGGING_IN_ATTRIBUTE, True)
    try:
        user_logged_in.send(sender=user.__class__, request=http_request, user=user)
    finally:
        delattr(http_request, LOGGING_IN_ATTRIBUTE)
    return resolved


@sensitive_variables()
def start(
    http_request: HttpRequest, user: Any, *, remember: bool, how: str = "login"
) -> ResolvedSession:
    """The one way a browser gets a new session, whoever signed it in: end what it held (the
    session it presented, or one started earlier in this request), create the row (IP address,
    user agent, ``session_created``), and have the response set the cookies."""
    state = get_state(http_request)
    state.pending_login = None  # this sign-in supersedes one Django's login() announced
    renewed = None
    for previous in _held_tokens(state):
        if renewed is None:
            held = sessions.resolve_from_db(previous, primary=True)
            if held is not None and held.session.user_id == user.pk:
                renewed = sessions.reauthenticate(
                    held.session, previous, user, http_request, remember=remember
                )
                if renewed is not None:
                    continue
        sessions.revoke_token(previous, reason="replaced", request=http_request)
    session, token = renewed or sessions.create_session(
        user, http_request, remember=remember, how=how
    )
    resolved = state.start(session, token, remember=remember)
    http_request.auth_session = resolved  # type: ignore[attr-defined]
    http_request.user = user
    return resolved


def _held_tokens(state: SessionState) -> list[str]:
    """Tokens of the sessions this browser holds: the one it presented, and one this request
    started (then replaced again, as a view calling two logins in a row would)."""
    held = []
    outcome = state.outcome
    if outcome is not None and outcome.source is Source.CREATED and outcome.resolved:
        held.append(outcome.resolved.token)
    presented = state.token()
    if presented is not None and presented not in held:
        held.append(presented)
    return held


def django_remember(request: HttpRequest) -> bool:
    """ "Remember me" as Django's session chose it: a session that ends when the browser
    closes (``set_expiry(0)``, as django-allauth's unticked "Remember me" does, or
    ``SESSION_EXPIRE_AT_BROWSER_CLOSE``) gives a browser-session cookie, as
    ``rememberMe: false`` does."""
    django_session = getattr(request, "session", None)
    if django_session is None:
        return not settings.SESSION_EXPIRE_AT_BROWSER_CLOSE
    return not django_session.get_expire_at_browser_close()


def complete_django_login(
    http_request: HttpRequest, user: Any, *, how: str = "django-login"
) -> ResolvedSession | None:
    """The app session of a Django ``login()`` announced earlier in this request, started once
    something reads the session or the response is written (by then the view has chosen "remember
    me"). ``None`` when the user cannot have a session (inactive, or the password changed).

    The two are one login from now on: Django's session records which app session it started
    (``PAIRED_SESSION_KEY``), so when that app session ends (revoked from the device list or
    the admin, expired) the Django login ends with it (:func:`end_paired_django_login`)."""
    if user is None or user.pk is None or not getattr(user, "is_active", True):
        return None
    try:
        resolved = start(http_request, user, remember=django_remember(http_request), how=how)
    except sessions.StalePassword:
        return None
    django_session = getattr(http_request, "session", None)
    if django_session is not None:
        django_session[PAIRED_SESSION_KEY] = _pair_id(resolved.token)
    return resolved


def _pair_id(token: str) -> str:
    return hashlib.sha256(storage_key(token).encode()).hexdigest()


def end_paired_django_login(http_request: HttpRequest, state: SessionState) -> bool:
    """The app session this request presented has ended (revoked, expired): if Django's login
    in this browser is the one that started it, end that too (``request.session.flush()``, as
    Django's ``logout()`` does), so revoking a device also signs it out of the project's Django
    views. Costs reading Django's session, and only on such a request; ``True`` when ended."""
    token, state.ended_token = state.ended_token, None  # checked once per request
    if token is None or settings.SESSION_COOKIE_NAME not in http_request.COOKIES:
        return False
    django_session = getattr(http_request, "session", None)
    if django_session is None or django_session.get(PAIRED_SESSION_KEY) != _pair_id(token):
        return False
    _end_django_login(http_request)
    return True


def _end_django_login(http_request: HttpRequest) -> None:
    http_request.session.flush()
    for memo in ("_cached_user", "_acached_user"):  # AuthenticationMiddleware's memos
        http_request.__dict__.pop(memo, None)
    http_request.user = AnonymousUser()


def adopt(http_request: HttpRequest) -> ResolvedSession | None:
    """An app session for the user Django's own session has logged in, for a request that
    carries Django's session cookie and no app session cookie
    (``AUTHSESSION_ADOPT_DJANGO_SESSIONS``). Costs what Django's ``get_user()`` costs (the
    session and the user), plus the insert when there is a user."""
    if getattr(http_request, "session", None) is None:
        return None
    from django.contrib.auth import get_user as django_get_user

    if SESSION_KEY not in http_request.session:
        return None
    if PAIRED_SESSION_KEY in http_request.session:
        # This Django login started an app session that has ended since (its cookies are
        # gone): it was revoked or expired, so the Django login ends too; never re-adopted.
        _end_django_login(http_request)
        return None
    user = django_get_user(http_request)
    if not user.is_authenticated:
        return None
    return complete_django_login(http_request, user, how="adopted")


def logout(request: Any) -> None:
    """End this request's app session (if any) and clear its cookies in the response.

    Sends Django's ``user_logged_out`` (with the user when it is already loaded, else
    ``None``, so ending a session costs one query: the delete). A login Django's own session
    holds ends too (``request.session.flush()``, as Django's ``logout()`` does): every Django
    login is an app session, so signing out of one signs out of both, and the Django session
    cannot bring the app session back (``AUTHSESSION_ADOPT_DJANGO_SESSIONS``)."""
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
    django_session = getattr(http_request, "session", None)
    if django_session is not None and SESSION_KEY in django_session:
        django_session.flush()
    http_request.user = AnonymousUser()
    http_request.auth_session = None  # type: ignore[attr-defined]


@sensitive_variables("token", "current")
def end_session(request: HttpRequest, state: SessionState | None = None) -> None:
    """Revoke the request's session (the one it presented, or one started during it) and have
    the response clear every session cookie."""
    state = state or get_state(request)
    state.pending_login = None  # a login announced earlier in this request ends here too
    state.adoptable = False
    token = None
    if state.resolved:  # resolved already: reading it costs nothing
        current = state.get()
        token = current.token if current is not None else None
    if token is None:
        token = state.token()
    if token is not None:
        sessions.revoke_token(token, request=request)
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
