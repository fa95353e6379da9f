"""Better Auth's admin plugin endpoints for sessions (``authClient.admin.*``): the bodies,
answers and error codes of its ``routes.ts``; who may call them is decided by Django
permissions (:mod:`.service`)."""

from __future__ import annotations

import math
from typing import Any

from django.http import HttpResponse
from django.views.decorators.debug import sensitive_variables
from rest_framework import serializers as drf_serializers
from rest_framework.request import Request
from rest_framework.response import Response

from .. import endpoints, sessions
from ..exceptions import AuthError
from ..serializers import StringField
from ..sessions import ResolvedSession
from ..tokens import sign_cookie_value
from ..views import AuthView
from ..wire.shapes import better_auth_session
from . import service
from .service import Refused

__all__ = [
    "BanUserView",
    "ImpersonateUserView",
    "ListUserSessionsView",
    "RevokeUserSessionView",
    "RevokeUserSessionsView",
    "StopImpersonatingView",
    "UnbanUserView",
]

# The longest ban with an expiry (a hundred years); a ban without one lasts until lifted.
MAX_BAN_SECONDS = 100 * 365 * 86400


class UserIdSerializer(drf_serializers.Serializer[Any]):
    # Better Auth's z.coerce.string(): an empty id names no user (an empty list, a 404).
    userId = StringField(max_length=255, allow_blank=True)


class RevokeUserSessionSerializer(drf_serializers.Serializer[Any]):
    sessionToken = StringField(max_length=256)


class NumberField(drf_serializers.FloatField):
    """A JSON number, as Better Auth's ``z.number()``: no string, no boolean."""

    def to_internal_value(self, data: Any) -> float:
        if isinstance(data, bool) or not isinstance(data, int | float):
            self.fail("invalid")
        if isinstance(data, float) and not math.isfinite(data):
            self.fail("invalid")
        return super().to_internal_value(data)


class BanUserSerializer(UserIdSerializer):
    banReason = StringField(required=False, allow_blank=True, max_length=1024)
    banExpiresIn = NumberField(
        required=False, allow_null=True, min_value=0, max_value=MAX_BAN_SECONDS
    )


def _refused(exc: Refused) -> AuthError:
    return AuthError(exc.status, exc.code, exc.message)


class AdminView(AuthView):
    """An admin endpoint: a session is required (401 otherwise), the rest is the service's."""

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, Refused):
            exc = _refused(exc)
        return super().handle_exception(exc)

    def actor(self, *, fresh: bool = False) -> tuple[ResolvedSession, Any]:
        """The caller's session and user. ``fresh`` reads the database, not the cookie cache,
        for calls that start or end sessions."""
        resolved = self.state.get(disable_cookie_cache=True) if fresh else self.require_session()
        if resolved is None:
            raise Refused(401, "UNAUTHORIZED", "Unauthorized")
        return resolved, resolved.session.user

    def body(self, serializer: type[drf_serializers.Serializer[Any]]) -> dict[str, Any]:
        form = serializer(data=self.request.data)
        form.is_valid(raise_exception=True)
        return dict(form.validated_data)

    def user_json(self, resolved: ResolvedSession | None, user: Any) -> dict[str, Any]:
        """Better Auth's user object with the admin plugin's ban fields."""
        from ..serializers import better_auth_user, user_data

        payload = (
            self.state.user_payload(resolved)
            if resolved is not None
            else better_auth_user(user_data(user))
        )
        return {**payload, **service.ban_state(user)}


@sensitive_variables("token")
def _expose_token(response: HttpResponse, token: str) -> None:
    """The new session's token for bearer clients, as Better Auth's bearer plugin exposes it
    (``set-auth-token``, readable cross-origin): a client without cookies switches to it."""
    response["set-auth-token"] = sign_cookie_value(token)
    exposed = [h.strip() for h in response.get("Access-Control-Expose-Headers", "").split(",")]
    if "set-auth-token" not in exposed:
        exposed.append("set-auth-token")
    response["Access-Control-Expose-Headers"] = ", ".join(h for h in exposed if h)


class ListUserSessionsView(AdminView):
    """``POST /admin/list-user-sessions`` ``{userId}``: ``{"sessions": [...]}``, impersonation
    sessions included. No token is ever listed: ``token`` carries the session's id, which
    ``revoke-user-session`` accepts as ``sessionToken``."""

    endpoint = endpoints.ADMIN_LIST_USER_SESSIONS

    def post(self, request: Request) -> HttpResponse:
        _, actor = self.actor()
        service.require(
            actor,
            service.LIST_PERMISSION,
            "YOU_ARE_NOT_ALLOWED_TO_LIST_USERS_SESSIONS",
            "You are not allowed to list users sessions",
        )
        user_id = self.body(UserIdSerializer)["userId"]
        from ..adapter import get_adapter

        user = get_adapter().find_user_by_id(user_id)
        rows = sessions.list_user_sessions(user.pk, include_impersonated=True) if user else []
        listed = [{**better_auth_session(row, str(row.pk))} for row in rows]
        return Response({"sessions": listed})


class RevokeUserSessionView(AdminView):
    """``POST /admin/revoke-user-session`` ``{sessionToken}`` (a token, or a session id from
    ``list-user-sessions``): ``{"success": true}`` whether or not it was found, as Better Auth
    answers."""

    endpoint = endpoints.ADMIN_REVOKE_USER_SESSION

    def post(self, request: Request) -> HttpResponse:
        current, actor = self.actor()
        service.require(
            actor,
            service.REVOKE_PERMISSION,
            "YOU_ARE_NOT_ALLOWED_TO_REVOKE_USERS_SESSIONS",
            "You are not allowed to revoke users sessions",
        )
        value = self.body(RevokeUserSessionSerializer)["sessionToken"]
        target = sessions.find_session(value)
        if target is not None:
            sessions.revoke_sessions([target], reason="admin", request=request._request)
            if target.pk == current.session.pk:
                self.state.end()
        return Response({"success": True})


class RevokeUserSessionsView(AdminView):
    """``POST /admin/revoke-user-sessions`` ``{userId}``: every session of the user ends."""

    endpoint = endpoints.ADMIN_REVOKE_USER_SESSIONS

    def post(self, request: Request) -> HttpResponse:
        _current, actor = self.actor()
        service.require(
            actor,
            service.REVOKE_PERMISSION,
            "YOU_ARE_NOT_ALLOWED_TO_REVOKE_USERS_SESSIONS",
            "You are not allowed to revoke users sessions",
        )
        from ..adapter import get_adapter

        user = get_adapter().find_user_by_id(self.body(UserIdSerializer)["userId"])
        if user is not None:
            sessions.revoke_user_sessions(user.pk, reason="admin", request=request._request)
            if user.pk == actor.pk:
                self.state.end()
        return Response({"success": True})


class BanUserView(AdminView):
    """``POST /admin/ban-user`` ``{userId, banReason?, banExpiresIn?}``: ``{"user": ...}``."""

    endpoint = endpoints.ADMIN_BAN_USER

    def post(self, request: Request) -> HttpResponse:
        _, actor = self.actor()
        service.require(
            actor,
            service.ban_permission(),
            "YOU_ARE_NOT_ALLOWED_TO_BAN_USERS",
            service.BAN_REFUSED,
        )
        data = self.body(BanUserSerializer)
        target = service.find_user(data["userId"])
        service.ban(
            actor,
            target,
            reason=data.get("banReason"),
            expires_in=data.get("banExpiresIn") or None,
            request=request._request,
        )
        return Response({"user": self.user_json(None, target)})


class UnbanUserView(AdminView):
    """``POST /admin/unban-user`` ``{userId}``: ``{"user": ...}``."""

    endpoint = endpoints.ADMIN_UNBAN_USER

    def post(self, request: Request) -> HttpResponse:
        _, actor = self.actor()
        service.require(
            actor,
            service.ban_permission(),
            "YOU_ARE_NOT_ALLOWED_TO_BAN_USERS",
            service.BAN_REFUSED,
        )
        target = service.find_user(self.body(UserIdSerializer)["userId"])
        service.unban(actor, target)
        return Response({"user": self.user_json(None, target)})


class ImpersonateUserView(AdminView):
    """``POST /admin/impersonate-user`` ``{userId}``: ``{"session", "user"}`` of a new session
    as that user; the admin's own session is parked in the ``admin_session`` cookie. Bearer
    clients get the new token in ``session.token`` and ``set-auth-token``."""

    endpoint = endpoints.ADMIN_IMPERSONATE_USER

    @sensitive_variables()
    def post(self, request: Request) -> HttpResponse:
        _, actor = self.actor(fresh=True)
        service.require(
            actor,
            service.IMPERSONATE_PERMISSION,
            "YOU_ARE_NOT_ALLOWED_TO_IMPERSONATE_USERS",
            "You are not allowed to impersonate users",
        )
        target = service.find_user(self.body(UserIdSerializer)["userId"])
        started = service.impersonate(request._request, actor, target)
        resolved = started.resolved
        body = {
            "session": better_auth_session(resolved.session, resolved.token),
            "user": self.user_json(resolved, target),
        }
        response = Response(body)
        service.park_admin_session(response, started)
        _expose_token(response, resolved.token)
        response["Cache-Control"] = "no-store"
        return response


class StopImpersonatingView(AdminView):
    """``POST /admin/stop-impersonating``: ends the impersonation session and restores the
    admin's parked session (``{"session", "user"}``), or signs out when it is gone
    (``{"session": null, "user": null}``)."""

    endpoint = endpoints.ADMIN_STOP_IMPERSONATING

    @sensitive_variables()
    def post(self, request: Request) -> HttpResponse:
        restored = service.stop_impersonating(request._request)
        if restored is None:
            response = Response({"session": None, "user": None})
        else:
            user = restored.session.user
            response = Response(
                {
                    "session": better_auth_session(restored.session, restored.token),
                    "user": self.user_json(restored, user),
                }
            )
            _expose_token(response, restored.token)
        service.forget_admin_session(request._request, response)
        response["Cache-Control"] = "no-store"
        return response
