"""Thin DRF views for every endpoint; the lifecycle lives in ``sessions`` and the per-request
cookie work in ``state``. Errors go through ``exceptions.exception_handler``."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import authenticate, get_user_model, user_logged_in, user_logged_out
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from rest_framework import serializers as drf_serializers
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from . import endpoints, origin, ratelimit, sessions
from .conf import app_settings
from .exceptions import (
    AuthError,
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
from .wire.shapes import documented_from_better_auth


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
        origin.enforce(request._request)
        if self.endpoint not in endpoints.SESSION_READS:
            ratelimit.enforce(request._request, self.endpoint)

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
    if not request._request.META.get("QUERY_STRING"):  # the usual read: no query to parse
        return {"disable_cookie_cache": False, "disable_refresh": False}
    return {
        "disable_cookie_cache": _flag(request, "disableCookieCache"),
        "disable_refresh": _flag(request, "disableRefresh"),
    }


def _read_session(view: AuthView, request: Request) -> ResolvedSession | None:
    """The session of a session read, counted by the session-read rate-limit policy."""
    resolved = view.state.get(**_session_options(request))
    ratelimit.enforce_session_read(request._request, view.endpoint, resolved)
    return resolved


class SessionView(AuthView):
    """``GET /session``: the documented contract (snake_case session, camelCase user)."""

    endpoint = endpoints.SESSION

    def get(self, request: Request) -> HttpResponse:
        resolved = _read_session(self, request)
        if resolved is None:
            return _no_store(Response({"session": None, "user": None}))
        cached = resolved.cached_session
        session = (
            documented_session(resolved.session, resolved.token)
            if cached is None
            else documented_from_better_auth(cached)
        )
        user = documented_user(self.state.user_payload(resolved))
        return _no_store(Response({"session": session, "user": user}))


class GetSessionView(AuthView):
    """``GET /get-session``: Better Auth's shape, or the JSON literal ``null``."""

    endpoint = endpoints.GET_SESSION

    def get(self, request: Request) -> HttpResponse:
        resolved = _read_session(self, request)
        if resolved is None:
            return _no_store(HttpResponse(b"null", content_type="application/json"))
        session = resolved.cached_session or better_auth_session(resolved.session, resolved.token)
        return _no_store(Response({"session": session, "user": self.state.user_payload(resolved)}))


class SignOutView(AuthView):
    """``POST /sign-out``: delete the row, clear every cookie; success with or without one."""

    endpoint = endpoints.SIGN_OUT

    def post(self, request: Request) -> HttpResponse:
        state = self.state
        token = state.token()
        if token is not None:
            sessions.revoke_token(token)
        state.end()
        user_logged_out.send(sender=get_user_model(), request=request._request, user=None)
        return Response({"success": True})


def _check_callback(url: str | None, request: HttpRequest) -> None:
    """Only same-site or ``CSRF_TRUSTED_ORIGINS`` callback URLs (no open redirect)."""
    if url and not is_trusted_url(url, request):
        raise AuthError(403, "INVALID_CALLBACKURL", "Invalid callbackURL")


def _signed_in(
    view: AuthView, request: Request, user: Any, *, remember: bool
) -> tuple[str, dict[str, Any]]:
    previous = view.state.token()
    if previous is not None:  # signing in again replaces this browser's session
        sessions.revoke_token(previous, reason="replaced")
    session, token = sessions.create_session(user, request._request, remember=remember)
    resolved = view.state.start(session, token, remember=remember)
    user_logged_in.send(sender=type(user), request=request._request, user=user)
    return token, view.state.user_payload(resolved)


class SignInEmailView(AuthView):
    """``POST /sign-in/email`` (``signIn.email``)."""

    endpoint = endpoints.SIGN_IN_EMAIL

    def post(self, request: Request) -> HttpResponse:
        form = SignInSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        callback = data.get("callbackURL") or None
        _check_callback(callback, request._request)
        user = authenticate(request._request, username=data["email"], password=data["password"])
        if user is None or not user.is_active:
            raise invalid_credentials()
        token, user_json = _signed_in(self, request, user, remember=data["rememberMe"])
        body: dict[str, Any] = {"redirect": bool(callback), "token": token}
        if callback:
            body["url"] = callback
        body["user"] = user_json
        return Response(body)


class SignUpEmailView(AuthView):
    """``POST /sign-up/email`` (``signUp.email``): create the user and sign in."""

    endpoint = endpoints.SIGN_UP_EMAIL

    def post(self, request: Request) -> HttpResponse:
        if app_settings.DISABLE_SIGN_UP:
            raise AuthError(
                400, "EMAIL_PASSWORD_SIGN_UP_DISABLED", "Email and password sign up is disabled"
            )
        form = SignUpSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        _check_callback(data.get("callbackURL") or None, request._request)
        user_model = get_user_model()
        email = user_model.objects.normalize_email(data["email"])
        user = user_model(email=email, name=data["name"], avatar=data.get("image", ""))
        try:
            validate_password(data["password"], user)
        except DjangoValidationError as exc:
            raise drf_serializers.ValidationError({"password": exc.messages}) from exc
        user.set_password(data["password"])
        if user_model.objects.filter(email__iexact=email).exists():
            raise user_exists()
        try:
            with transaction.atomic():
                user.save()
        except IntegrityError as exc:  # a concurrent sign-up with the same email won
            raise user_exists() from exc
        token, user_json = _signed_in(self, request, user, remember=data["rememberMe"])
        return Response({"token": token, "user": user_json})


class ListSessionsView(AuthView):
    """``GET /list-sessions``: the user's active sessions; only the caller's own has a token."""

    endpoint = endpoints.LIST_SESSIONS

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

    endpoint = endpoints.REVOKE_SESSION

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
    endpoint = endpoints.REVOKE_OTHER_SESSIONS

    def post(self, request: Request) -> HttpResponse:
        current = self.require_session()
        sessions.revoke_user_sessions(
            current.session.user_id, except_token=current.token, reason="revoke-other-sessions"
        )
        return Response({"status": True})


class RevokeSessionsView(AuthView):
    endpoint = endpoints.REVOKE_SESSIONS

    def post(self, request: Request) -> HttpResponse:
        current = self.require_session()
        sessions.revoke_user_sessions(current.session.user_id, reason="revoke-sessions")
        self.state.end()
        return Response({"status": True})
