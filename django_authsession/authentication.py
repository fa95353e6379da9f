"""DRF authentication for a project's own API views, from the same sessions and cookies."""

from __future__ import annotations

from typing import Any

from rest_framework.authentication import BaseAuthentication
from rest_framework.request import Request

from . import origin
from .state import get_state

__all__ = ["AuthSessionAuthentication"]


class AuthSessionAuthentication(BaseAuthentication):
    """``request.user`` is the session's user and ``request.auth`` the resolved session, from
    the session cookie or from ``Authorization: Bearer`` (Better Auth's bearer transport: the
    same token, checks and revocation).

    Unsafe methods must pass the Origin rule (``origin.enforce``, the same as our own views),
    since a cookie rides along on cross-site posts; a bearer request without cookies is a
    native app to that rule. A bearer credential that is not ours (another scheme's token)
    leaves ``authenticate`` answering ``None``, so the project's other classes may take it.
    """

    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        http_request = request._request
        origin.enforce(http_request)
        resolved = get_state(http_request).get()
        if resolved is None:
            return None
        return resolved.session.user, resolved

    def authenticate_header(self, request: Request) -> str:
        # A header makes DRF answer 401 (not 403) to requests without a session.
        return "Session"
