"""Thin DRF views for every endpoint; the lifecycle lives in ``sessions`` and the per-request
cookie work in ``state``. Errors go through ``exceptions.exception_handler``."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpRequest, HttpResponse, QueryDict
from rest_framework import serializers as drf_serializers
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from . import auth, ratelimit, sessions
from .adapter import EmailTaken, get_adapter
from .conf import app_settings
from .exceptions import (
    AuthError,
    check_origin,
    exception_handler,
    invalid_credentials,
    unauthorized,
    user_exists,
)
from .origin import is_trusted_url
from .serializers import (
    RevokeSessionSerializer,
    SignInSerializer,
    SignUpSerializer,
    better_auth_session,
    documented_session,
    documented_user,
)
from .sessions import ResolvedSession
from .state import SessionState, get_state


class AuthView(APIView):
    """Base of every endpoint: JSON in and out, rate limit, Origin rule, contract errors."""

    endpoint: str = ""
    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]
    parser_classes = [JSONParser, FormParser, MultiPartParser]
    renderer_classes = [JSONRenderer]
    throttle_classes: list[Any] = []

    def get_exception_handler(self) -> Any:
        return exception_handler

    def perform_authentication(self, request: Request) -> None:
        """The session is resolved lazily by ``state``, only where a view needs it."""

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        ratelimit.enforce(request._request, self.endpoint)
        if self.state.presented:
            check_origin(request._request)

    @property
    def state(self) -> SessionState:
        return get_state(self.request._request)

    def require_session(self) -> ResolvedSession:
        resolved = self.state.get()
        if resolved is None:
            raise unauthorized()
        return resolved


def _no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    return response


def _flag(request: Request, name: str) -> bool:
    """A boolean query parameter, read as DRF's ``BooleanField`` reads one."""
    value = request.query_params.get(name)
    if value is None or value == "":
        return False
    if value in drf_serializers.BooleanField.TRUE_VALUES:
        return True
    if value in drf_serializers.BooleanField.FALSE_VALUES:
        return False
    raise drf_serializers.ValidationError({name: "Must be a valid boolean."})


def _session_options(request: Request) -> dict[str, bool]:
    return {
        "disable_cookie_cache": _flag(request, "disableCookieCache"),
        "disable_refresh": _flag(request, "disableRefresh"),
    }


class SessionView(AuthView):
    """``GET /session``: the documented contract (snake_case session, camelCase user)."""

    endpoint = "/session"

    def get(self, request: Request) -> HttpResponse:
        resolved = self.state.get(**_session_options(request))
        if resolved is None:
            return _no_store(Response({"session": None, "user": None}))
        session = documented_session(resolved.session, resolved.token)
        user = documented_user(self.state.user_payload(resolved))
        return _no_store(Response({"session": session, "user": user}))


class GetSessionView(AuthView):
    """``GET /get-session``: Better Auth's shape, or the JSON literal ``null``."""

    endpoint = "/get-session"

    def get(self, request: Request) -> HttpResponse:
        resolved = self.state.get(**_session_options(request))
        if resolved is None:
            return _no_store(HttpResponse(b"null", content_type="application/json"))
        session = better_auth_session(resolved.session, resolved.token)
        return _no_store(Response({"session": session, "user": self.state.user_payload(resolved)}))


class SignOutView(AuthView):
    """``POST /sign-out``: delete the row, clear every cookie; success with or without one."""

    endpoint = "/sign-out"

    def post(self, request: Request) -> HttpResponse:
        auth.logout(request._request)
        return Response({"success": True})


def _check_callback(url: str | None, request: HttpRequest) -> None:
    """Only same-site or ``CSRF_TRUSTED_ORIGINS`` callback URLs (no open redirect)."""
    if url and not is_trusted_url(url, request):
        raise AuthError(403, "INVALID_CALLBACKURL", "Invalid callbackURL")


def _signed_in(
    view: AuthView, request: Request, user: Any, *, remember: bool
) -> tuple[str, dict[str, Any]]:
    resolved = auth.login(request._request, user, remember=remember)
    return resolved.token, view.state.user_payload(resolved)


def _validation_error(exc: DjangoValidationError) -> drf_serializers.ValidationError:
    """Django's model validation as DRF's, so the answer names the field."""
    if hasattr(exc, "error_dict"):
        return drf_serializers.ValidationError(exc.message_dict)
    return drf_serializers.ValidationError({"non_field_errors": exc.messages})


class SignInEmailView(AuthView):
    """``POST /sign-in/email`` (``signIn.email``)."""

    endpoint = "/sign-in/email"

    def post(self, request: Request) -> HttpResponse:
        form = SignInSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        callback = data.get("callbackURL") or None
        _check_callback(callback, request._request)
        user = get_adapter().authenticate(request._request, data["email"], data["password"])
        if user is None:
            raise invalid_credentials()
        token, user_json = _signed_in(self, request, user, remember=data["rememberMe"])
        body: dict[str, Any] = {"redirect": bool(callback), "token": token}
        if callback:
            body["url"] = callback
        body["user"] = user_json
        return Response(body)


class SignUpEmailView(AuthView):
    """``POST /sign-up/email`` (``signUp.email``): create the user and sign in."""

    endpoint = "/sign-up/email"

    def post(self, request: Request) -> HttpResponse:
        if app_settings.DISABLE_SIGN_UP:
            raise AuthError(
                400, "EMAIL_PASSWORD_SIGN_UP_DISABLED", "Email and password sign up is disabled"
            )
        form = SignUpSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        _check_callback(data.get("callbackURL") or None, request._request)
        raw = request.data  # a dict (JSON) or a QueryDict (form): the serializer accepted it
        body: dict[str, Any] = raw.dict() if isinstance(raw, QueryDict) else dict(raw)
        try:
            user = get_adapter().create_user(request._request, {**body, **data})
        except EmailTaken as exc:
            raise user_exists() from exc
        except DjangoValidationError as exc:
            raise _validation_error(exc) from exc
        token, user_json = _signed_in(self, request, user, remember=data["rememberMe"])
        return Response({"token": token, "user": user_json})


class ListSessionsView(AuthView):
    """``GET /list-sessions``: the user's active sessions; only the caller's own has a token."""

    endpoint = "/list-sessions"

    def get(self, request: Request) -> HttpResponse:
        current = self.require_session()
        rows = sessions.list_user_sessions(current.session.user_id)
        data = [
            better_auth_session(row, current.token if row.pk == current.session.pk else None)
            for row in rows
        ]
        return _no_store(Response(data))


class RevokeSessionView(AuthView):
    """``POST /revoke-session`` with ``{"token"}`` or ``{"id"}`` of one of the user's sessions."""

    endpoint = "/revoke-session"

    def post(self, request: Request) -> HttpResponse:
        current = self.require_session()
        form = RevokeSessionSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        target = sessions.get_user_session(
            current.session.user_id,
            token=form.validated_data.get("token"),
            pk=form.validated_data.get("id"),
        )
        if target is None:
            raise AuthError(400, "SESSION_NOT_FOUND", "Session not found")
        sessions.revoke_sessions([target], reason="revoke-session")
        if target.pk == current.session.pk:
            self.state.end()
        return Response({"status": True})


class RevokeOtherSessionsView(AuthView):
    endpoint = "/revoke-other-sessions"

    def post(self, request: Request) -> HttpResponse:
        current = self.require_session()
        sessions.revoke_user_sessions(
            current.session.user_id, except_token=current.token, reason="revoke-other-sessions"
        )
        return Response({"status": True})


class RevokeSessionsView(AuthView):
    endpoint = "/revoke-sessions"

    def post(self, request: Request) -> HttpResponse:
        current = self.require_session()
        sessions.revoke_user_sessions(current.session.user_id, reason="revoke-sessions")
        self.state.end()
        return Response({"status": True})
