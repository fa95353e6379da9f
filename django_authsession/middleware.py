"""``AuthSessionMiddleware``: attaches the session lazily and writes cookie changes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction, sync_to_async
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponseBase
from django.utils.cache import patch_vary_headers
from django.utils.functional import SimpleLazyObject

from . import auth, bearer, device_cookie
from .auth import PENDING_CHECKS_ATTRIBUTE
from .conf import app_settings
from .cookies import token_cookie_name
from .sessions import ResolvedSession
from .state import STATE_ATTRIBUTE, SessionState, get_state

__all__ = [
    "AuthSessionMiddleware",
]

# What AuthenticationMiddleware had put on the request (the admin's own login, for instance),
# answered when the app session does not resolve.
PREVIOUS_USER = "_authsession_previous_user"
PREVIOUS_AUSER = "_authsession_previous_auser"


def _session_user(request: HttpRequest) -> Any | None:
    """The session's user, or ``None``. May query the database: never on the event loop."""
    resolved: ResolvedSession | None = get_state(request).get()
    return None if resolved is None else resolved.session.user


def get_user(request: HttpRequest) -> Any:
    """``request.user``: the session's user, else what AuthenticationMiddleware found (unless
    that is the Django login of the app session that just ended)."""
    user = _session_user(request)
    if user is not None:
        return user
    if auth.end_paired_django_login(request, get_state(request)):
        return AnonymousUser()
    previous = getattr(request, PREVIOUS_USER, None)
    return previous if previous is not None else AnonymousUser()


def _session_user_or_ended(request: HttpRequest) -> tuple[Any | None, bool]:
    """The session's user, else whether the Django login paired with it ended (may query)."""
    user = _session_user(request)
    if user is not None:
        return user, False
    return None, auth.end_paired_django_login(request, get_state(request))


async def aget_user(request: HttpRequest) -> Any:
    """``await request.auser()``: as :func:`get_user`, with any database work in a thread.

    Not memoized on the request: ``auth.login()`` / ``logout()`` may change the answer, and
    once the session is resolved and its user loaded the answer costs no thread hop."""
    state = get_state(request)
    if _loaded(state) and state.ended_token is None:
        user, ended = _session_user(request), False  # no I/O left to do
    else:
        user, ended = await sync_to_async(_session_user_or_ended)(request)
    if user is not None:
        return user
    if ended:
        return AnonymousUser()
    previous: Callable[[], Awaitable[Any]] | None = getattr(request, PREVIOUS_AUSER, None)
    return await previous() if previous is not None else AnonymousUser()


def _loaded(state: SessionState) -> bool:
    """Is the session resolved and, if there is one, its user loaded?"""
    if not state.resolved:
        return False
    resolved = state.get()
    return resolved is None or type(resolved.session).user.is_cached(resolved.session)


def _is_async_view(view_func: Callable[..., Any]) -> bool:
    return iscoroutinefunction(view_func)


def _carries_session(request: HttpRequest) -> bool:
    """A session cookie or a bearer credential: without either, nothing to read. No I/O."""
    return token_cookie_name() in request.COOKIES or bearer.offered(request)


class AuthSessionMiddleware:
    """Place after ``AuthenticationMiddleware``. ``request.auth_session`` is the
    :class:`~django_authsession.sessions.ResolvedSession` (lazily) or ``None``: test it for
    truth; ``request.user`` (and ``await request.auser()``) is its user when there is one.
    Nothing is read until something asks, and a request without the session cookie costs no
    query and no cache call. A Django ``login()`` in the view starts an app session, whose
    cookies this response carries; with ``AUTHSESSION_ADOPT_DJANGO_SESSIONS`` a request that
    carries Django's session cookie and not ours gets one for the user Django's session holds.

    Sync and async: under ASGI the database and cache work runs in a thread
    (``sync_to_async``), never on the event loop; for an async view with a session cookie the
    user is loaded before the view runs, so that ``request.user`` works there too."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Callable[[HttpRequest], Any]) -> None:
        self.get_response = get_response
        self.async_mode = iscoroutinefunction(get_response)
        if self.async_mode:
            markcoroutinefunction(self)
            # Django adapts process_view to the handler's mode; give it the native one.
            self.process_view = self.aprocess_view  # type: ignore[method-assign,assignment]

    def __call__(self, request: HttpRequest) -> Any:
        if self.async_mode:
            return self.__acall__(request)
        self.process_request(request)
        response = self.get_response(request)
        return self.process_response(request, response)

    async def __acall__(self, request: HttpRequest) -> HttpResponseBase:
        self.process_request(request)  # reads the cookie jar only: no I/O
        response: HttpResponseBase = await self.get_response(request)
        if (
            self.has_work(request)
            or device_cookie.pending(request)
            or hasattr(request, PENDING_CHECKS_ATTRIBUTE)
        ):
            response = await sync_to_async(self.process_response)(request, response)
        return response

    def process_request(self, request: HttpRequest) -> None:
        if not _carries_session(request):
            if app_settings.ADOPT_DJANGO_SESSIONS and (
                settings.SESSION_COOKIE_NAME in request.COOKIES
            ):
                state = get_state(request)
                state.adoptable = True  # Django's session may be logged in: adopt it
                request.auth_session = SimpleLazyObject(state.get)  # type: ignore[attr-defined]
                return
            request.auth_session = None  # type: ignore[attr-defined]
            return
        state = get_state(request)
        request.auth_session = SimpleLazyObject(state.get)  # type: ignore[attr-defined]
        setattr(request, PREVIOUS_USER, getattr(request, "user", None))
        setattr(request, PREVIOUS_AUSER, getattr(request, "auser", None))
        request.user = SimpleLazyObject(lambda: get_user(request))  # type: ignore[assignment]
        request.auser = partial(aget_user, request)

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., Any],
        view_args: Any,
        view_kwargs: Any,
    ) -> None:
        """An async view runs on an event loop, where a lazy ``request.user`` cannot query:
        load it now (WSGI: this runs in the request's thread)."""
        if _is_async_view(view_func) and _carries_session(request):
            user = get_user(request)
            getattr(user, "pk", None)  # a lazy fallback user is evaluated here, too
            request.user = user

    async def aprocess_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., Any],
        view_args: Any,
        view_kwargs: Any,
    ) -> None:
        if _is_async_view(view_func) and _carries_session(request):
            request.user = await aget_user(request)

    def has_work(self, request: HttpRequest) -> bool:
        """Does the response need our cookies or headers? Not when no cookie came in and no
        view signed in."""
        state: SessionState | None = getattr(request, STATE_ATTRIBUTE, None)
        return state is not None and state.has_work

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        device_cookie.write_pending(request, response)  # a sign-in asked for it
        if hasattr(request, PENDING_CHECKS_ATTRIBUTE):
            from .backends import settle  # only where authenticate() ran: it imports DRF

            settle(request)  # give back the checks by authenticate() that did not fail
        if not self.has_work(request):
            return response
        state: SessionState = getattr(request, STATE_ATTRIBUTE)
        if state.bearer is not None:
            patch_vary_headers(response, ("Cookie", "Authorization"))
        elif response.has_header("Vary"):
            patch_vary_headers(response, ("Cookie",))
        else:
            response.headers["Vary"] = "Cookie"  # what patch_vary_headers writes, without parsing
        # As Django's SessionMiddleware: a failed response must not change the browser's session.
        if response.status_code < 500:
            if state.pending_login is not None or state.adoptable:
                state.get()  # Django's login() in the view, or a Django login to adopt
            state.apply(response)
            auth.end_paired_django_login(request, state)  # the ended session's Django login
        return response
