"""Guards for a project's own views: a fresh session (Better Auth's ``freshSessionMiddleware``),
as a DRF permission and as a decorator for plain Django views.

A session is fresh for ``AUTHSESSION_FRESH_AGE`` seconds after sign-in; signing in again from
the same browser (better-auth-ui's password prompt) makes that same session fresh again.
Refusals are Better Auth's: 403 ``{"message": "Session is not fresh", "code":
"SESSION_NOT_FRESH"}``; without a session, 401 ``UNAUTHORIZED``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from asgiref.sync import iscoroutinefunction, sync_to_async
from django.http import HttpRequest, HttpResponse, JsonResponse
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from . import sessions
from .exceptions import session_not_fresh, unauthorized
from .sessions import ResolvedSession
from .state import get_state

__all__ = ["RequireFreshSession", "fresh_session_required"]


def _session_of(request: Any) -> ResolvedSession | None:
    """The request's session: DRF's ``request.auth`` when our authentication set it, else the
    session the request carries (cookie or bearer)."""
    auth = getattr(request, "auth", None)
    if isinstance(auth, ResolvedSession):
        return auth
    return get_state(getattr(request, "_request", request)).get()


class RequireFreshSession(BasePermission):
    """DRF permission: a session, signed in less than ``AUTHSESSION_FRESH_AGE`` ago.

    Use with ``AuthSessionAuthentication``: without a session DRF answers 401; with a stale one
    this raises 403 ``SESSION_NOT_FRESH`` (through ``django_authsession.exceptions``'s handler
    the body is Better Auth's ``{"message", "code"}``)."""

    def has_permission(self, request: Request, view: Any) -> bool:
        resolved = _session_of(request)
        if resolved is None:
            return False
        if not sessions.is_fresh(resolved.session):
            raise session_not_fresh()
        return True


def _refusal(resolved: ResolvedSession | None) -> HttpResponse | None:
    if resolved is None:
        error = unauthorized()
    elif not sessions.is_fresh(resolved.session):
        error = session_not_fresh()
    else:
        return None
    body = {"message": str(error.detail), "code": error.error_code}
    return JsonResponse(body, status=error.status_code)


def fresh_session_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """Decorator for a plain Django view (sync or async): 401 ``UNAUTHORIZED`` without a
    session, 403 ``SESSION_NOT_FRESH`` with a stale one, as JSON; else the view runs."""
    if iscoroutinefunction(view):

        @wraps(view)
        async def async_guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            refusal = _refusal(await sync_to_async(get_state(request).get)())
            return refusal if refusal is not None else await view(request, *args, **kwargs)

        return async_guarded

    @wraps(view)
    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        refusal = _refusal(get_state(request).get())
        return refusal if refusal is not None else view(request, *args, **kwargs)

    return guarded
