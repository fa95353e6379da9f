"""``AuthSessionMiddleware``: attaches the session lazily and writes cookie changes."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponseBase
from django.utils.cache import patch_vary_headers
from django.utils.deprecation import MiddlewareMixin
from django.utils.functional import SimpleLazyObject

from .cookies import token_cookie_name
from .sessions import ResolvedSession
from .state import STATE_ATTRIBUTE, SessionState, get_state

__all__ = [
    "AuthSessionMiddleware",
]


def _user(request: HttpRequest, previous: Any) -> Any:
    resolved: ResolvedSession | None = get_state(request).get()
    if resolved is not None:
        return resolved.session.user
    # Keep what AuthenticationMiddleware found (the admin's own login, for instance).
    return previous if previous is not None else AnonymousUser()


class AuthSessionMiddleware(MiddlewareMixin):
    """Place after ``AuthenticationMiddleware``. ``request.auth_session`` is the
    :class:`~django_authsession.sessions.ResolvedSession` (lazily) or ``None``: test it for
    truth; ``request.user`` is its
    user when there is one. Nothing is read until something asks, and a request without the
    session cookie costs no query and no cache call. Works under WSGI and ASGI."""

    def process_request(self, request: HttpRequest) -> None:
        if token_cookie_name() not in request.COOKIES:
            request.auth_session = None  # type: ignore[attr-defined]
            return
        state = get_state(request)
        request.auth_session = SimpleLazyObject(state.get)  # type: ignore[attr-defined]
        previous = getattr(request, "user", None)
        request.user = SimpleLazyObject(  # type: ignore[assignment]
            lambda: _user(request, previous)
        )

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        state: SessionState | None = getattr(request, STATE_ATTRIBUTE, None)
        if state is None or not (state.presented or state.resolved):
            return response  # no cookie came in and no view signed in: nothing to do
        if response.has_header("Vary"):
            patch_vary_headers(response, ("Cookie",))
        else:
            response.headers["Vary"] = "Cookie"  # what patch_vary_headers writes, without parsing
        # As Django's SessionMiddleware: a failed response must not change the browser's session.
        if response.status_code < 500:
            state.apply(response)
        return response
