"""Thin DRF views for every endpoint; the lifecycle lives in ``sessions`` and the per-request
cookie work in ``state``. Errors go through ``exceptions.exception_handler``."""

from __future__ import annotations

import logging
import re
import unicodedata
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import (
    RequestDataTooBig,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import InterfaceError, OperationalError, transaction
from django.http import HttpRequest, HttpResponse, HttpResponseBase, QueryDict
from django.utils.decorators import method_decorator
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from rest_framework import serializers as drf_serializers
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from . import (
    account_limit,
    auth,
    debug,
    device_cookie,
    endpoints,
    origin,
    ratelimit,
    receivers,
    security,
    session_fields,
    sessions,
)
from .adapter import EmailTaken, get_adapter
from .client_ip import UnknownClientAddress
from .conf import app_settings
from .exceptions import (
    AuthError,
    exception_handler,
    invalid_credentials,
    session_not_fresh,
    unauthorized,
    user_exists,
)
from .origin import is_trusted_url
from .parsers import JSONParser
from .revocation import MarkStoreUnavailable
from .serializers import (
    ChangePasswordSerializer,
    RevokeSessionSerializer,
    SignInSerializer,
    SignUpSerializer,
    better_auth_session,
    documented_session,
    documented_user,
)
from .sessions import ResolvedSession
from .state import SessionState, get_state
from .wire.shapes import documented_from_better_auth, iso_ms

logger = logging.getLogger("django_authsession")

SERVICE_UNAVAILABLE = "This service is briefly unavailable. Please try again later."


def service_unavailable(exc: Exception) -> AuthError:
    """The 503 an endpoint answers while the database or the mark store cannot do its part:
    the contract's JSON, not an HTML 500. Logged by class only (the message of a database
    error can quote SQL parameters)."""
    logger.error("Service unavailable: %s", type(exc).__name__)
    return AuthError(503, "SERVICE_UNAVAILABLE", SERVICE_UNAVAILABLE)


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

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        debug.protect(request)  # passwords and tokens stay off error pages, DEBUG or not
        return super().dispatch(request, *args, **kwargs)

    def handle_exception(self, exc: Exception) -> Response:
        """Bodies Django refuses (too large, too many fields) and requests without a client
        address answer the contract's JSON error, not Django's HTML page or a 500."""
        if isinstance(exc, RequestDataTooBig):
            exc = AuthError(413, "PAYLOAD_TOO_LARGE", "Request body too large")
        elif isinstance(exc, TooManyFieldsSent | TooManyFilesSent):
            exc = AuthError(400, "BAD_REQUEST", "Too many fields in the request body")
        elif isinstance(exc, OperationalError | InterfaceError | MarkStoreUnavailable):
            # The database is down (sign-out, a database-path read), or a revocation could not
            # be recorded: the browser keeps its cookies (no 2xx) and may try again.
            exc = service_unavailable(exc)
        elif isinstance(exc, UnknownClientAddress):
            security.log_event(security.UNKNOWN_CLIENT_ADDRESS, self.request._request)
            exc = AuthError(
                403,
                "UNKNOWN_CLIENT_ADDRESS",
                "The client address is unknown: the server's proxy settings need attention.",
            )
        return super().handle_exception(exc)

    def perform_authentication(self, request: Request) -> None:
        """The session is resolved lazily by ``state``, only where a view needs it."""

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        _refuse_oversized_body(request._request)
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

    def require_fresh_session(self) -> ResolvedSession:
        """A session signed in less than ``AUTHSESSION_FRESH_AGE`` ago (Better Auth's
        ``freshSessionMiddleware``), else 403 ``SESSION_NOT_FRESH``."""
        resolved = self.require_session()
        if not sessions.is_fresh(resolved.session):
            raise session_not_fresh()
        return resolved


def _refuse_oversized_body(request: HttpRequest) -> None:
    """A body declared larger than ``DATA_UPLOAD_MAX_MEMORY_SIZE`` is refused before anything
    reads it: DRF before 3.16.1 parses from the stream, which Django does not limit."""
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    if limit is None:
        return
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > limit:
        raise RequestDataTooBig("Request body exceeded settings.DATA_UPLOAD_MAX_MEMORY_SIZE.")


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


def _documented_session(resolved: ResolvedSession) -> dict[str, Any]:
    cached = resolved.cached_session
    if cached is None:
        return documented_session(resolved.session, resolved.token)
    return documented_from_better_auth(cached)


def _better_auth_session(resolved: ResolvedSession) -> dict[str, Any]:
    return resolved.cached_session or better_auth_session(resolved.session, resolved.token)


class SessionView(AuthView):
    """``GET /session``: the documented contract (snake_case session, camelCase user)."""

    endpoint = endpoints.SESSION

    def get(self, request: Request) -> HttpResponse:
        resolved = _read_session(self, request)
        if resolved is None:
            return _no_store(Response({"session": None, "user": None}))
        # The user first and the session (it carries the raw token) last, with no local
        # holding the token: a failing user serializer's error page shows none.
        user = documented_user(self.state.user_payload(resolved))
        return _no_store(Response({"session": _documented_session(resolved), "user": user}))


class GetSessionView(AuthView):
    """``GET /get-session``: Better Auth's shape, or the JSON literal ``null``."""

    endpoint = endpoints.GET_SESSION

    def get(self, request: Request) -> HttpResponse:
        resolved = _read_session(self, request)
        if resolved is None:
            return _no_store(HttpResponse(b"null", content_type="application/json"))
        user = self.state.user_payload(resolved)  # before the session: see SessionView
        return _no_store(Response({"session": _better_auth_session(resolved), "user": user}))


class SignOutView(AuthView):
    """``POST /sign-out``: delete the row, clear every cookie; success with or without one."""

    endpoint = endpoints.SIGN_OUT

    def post(self, request: Request) -> HttpResponse:
        auth.logout(request._request)
        return Response({"success": True})


CALLBACK_NETLOC = re.compile(r"[\w.\-:\[\]]+")


def _well_formed_callback(url: str) -> bool:
    """No character a browser reads differently from ``urlsplit`` (backslashes, controls,
    invisible formatting) and no userinfo, so the host compared is the host a browser visits:
    ``https://evil.com\\.example.com/`` is ``evil.com`` to browsers and Node's URL parser."""
    if "\\" in url or any(unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") for c in url):
        return False
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (raises ValueError on a malformed port)
    except ValueError:
        return False
    # Letters, digits, dots, hyphens, a port, IPv6 brackets: no "@" (userinfo), no "%" (hosts
    # are percent-decoded by browsers), no spaces.
    host_ok = not parts.netloc or CALLBACK_NETLOC.fullmatch(parts.netloc) is not None
    return host_ok and parts.scheme in ("", "http", "https")


def _check_callback(url: str | None, request: HttpRequest) -> None:
    """Only same-site or ``CSRF_TRUSTED_ORIGINS`` callback URLs (no open redirect)."""
    if url and not (_well_formed_callback(url) and is_trusted_url(url, request)):
        raise AuthError(403, "INVALID_CALLBACKURL", "Invalid callbackURL")


def session_limit_reached() -> AuthError:
    return AuthError(
        403,
        "SESSION_LIMIT_REACHED",
        "Too many active sessions: sign out on another device first",
    )


@sensitive_variables("previous", "token")
def _signed_in(
    view: AuthView, request: Request, user: Any, *, remember: bool, how: str
) -> tuple[str, dict[str, Any]]:
    try:
        resolved = auth.login(request._request, user, remember=remember, how=how)
    except sessions.StalePassword as exc:  # the password changed while signing in
        raise invalid_credentials() from exc
    except sessions.SessionLimitReached as exc:
        raise session_limit_reached() from exc
    except sessions.SessionRefused as exc:  # a sign-in guard (a banned user)
        raise AuthError(exc.status, exc.code, exc.message) from exc
    try:
        payload = view.state.user_payload(resolved)
    except Exception:
        # A user serializer that fails must not leave a session behind. (Not one transaction
        # with the insert: the row must be visible at once to a racing password change.)
        sessions.revoke_token(resolved.token, reason="failed", request=request._request)
        raise
    return resolved.token, payload


def _validation_error(exc: DjangoValidationError) -> drf_serializers.ValidationError:
    """Django's model validation as DRF's, so the answer names the field."""
    if hasattr(exc, "error_dict"):
        return drf_serializers.ValidationError(exc.message_dict)
    return drf_serializers.ValidationError({"non_field_errors": exc.messages})


PASSWORD_FIELDS = ("password", "currentPassword", "newPassword")


@method_decorator(sensitive_post_parameters(*PASSWORD_FIELDS), name="dispatch")
class SignInEmailView(AuthView):
    """``POST /sign-in/email`` (``signIn.email``)."""

    endpoint = endpoints.SIGN_IN_EMAIL

    @method_decorator(sensitive_variables())
    def post(self, request: Request) -> HttpResponse:
        form = SignInSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        callback = data.get("callbackURL") or None
        _check_callback(callback, request._request)
        http_request, adapter = request._request, get_adapter()
        # Counted against the account (by its primary key when it exists) before the password
        # is checked; Django's authenticate() inside is not counted a second time.
        attempt = account_limit.begin(
            http_request, adapter.lookup(http_request, data["email"]), data["email"]
        )
        account_limit.counted_here(http_request)
        user = adapter.authenticate(http_request, data["email"], data["password"])
        if user is None:
            attempt.failed()
            raise invalid_credentials()
        attempt.succeeded()
        token, user_json = _signed_in(self, request, user, remember=data["rememberMe"], how="email")
        body: dict[str, Any] = {"redirect": bool(callback), "token": token}
        if callback:
            body["url"] = callback
        body["user"] = user_json
        return _no_store(Response(body))


@method_decorator(sensitive_post_parameters(*PASSWORD_FIELDS), name="dispatch")
class SignUpEmailView(AuthView):
    """``POST /sign-up/email`` (``signUp.email``): create the user and sign in."""

    endpoint = endpoints.SIGN_UP_EMAIL

    @method_decorator(sensitive_variables())
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
        token, user_json = _signed_in(
            self, request, user, remember=data["rememberMe"], how="sign-up"
        )
        return _no_store(Response({"token": token, "user": user_json}))


@method_decorator(sensitive_post_parameters(*PASSWORD_FIELDS), name="dispatch")
class ChangePasswordView(AuthView):
    """``POST /change-password`` (``changePassword``): every session of the user ends (they are
    bound to the old password); this browser continues in a new session with new cookies."""

    endpoint = endpoints.CHANGE_PASSWORD

    @method_decorator(sensitive_variables())
    def post(self, request: Request) -> HttpResponse:
        current = self.state.get(disable_cookie_cache=True)  # the database's answer only
        if current is None:
            raise unauthorized()
        form = ChangePasswordSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        user = current.session.user
        new_password = data["newPassword"]
        if len(new_password) < app_settings.MIN_PASSWORD_LENGTH:
            raise AuthError(400, "PASSWORD_TOO_SHORT", "Password too short")
        too_long = max(len(new_password), len(data["currentPassword"]))
        if too_long > app_settings.MAX_PASSWORD_LENGTH:
            raise AuthError(400, "PASSWORD_TOO_LONG", "Password too long")
        if not user.has_usable_password():
            raise AuthError(400, "CREDENTIAL_ACCOUNT_NOT_FOUND", "Credential account not found")
        # Wrong guesses are limited per account, as failed sign-ins are (a stolen cookie is no
        # way to guess without limit), on a counter of their own: the sign-in lockout, which
        # anyone can run up, never blocks the owner's signed-in browser.
        attempt = account_limit.begin(
            request._request, user, "", group=account_limit.CURRENT_PASSWORD_GROUP, devices=False
        )
        if not user.check_password(data["currentPassword"]):
            attempt.failed()
            raise AuthError(400, "INVALID_PASSWORD", "Invalid password")
        attempt.succeeded()
        try:
            validate_password(new_password, user)
        except DjangoValidationError as exc:
            raise drf_serializers.ValidationError({"newPassword": exc.messages}) from exc
        remember = current.session.remember_me
        with transaction.atomic():
            user.set_password(new_password)
            setattr(user, receivers.REQUEST_ATTRIBUTE, request._request)  # for the history
            user.save(update_fields=["password"])
            # Also without the post_save receiver: every session of the old password ends.
            sessions.revoke_user_sessions(
                user.pk, reason="password-change", request=request._request
            )
        try:
            session, token = sessions.create_session(
                user, request._request, remember=remember, how="change-password"
            )
        except sessions.SessionLimitReached as exc:  # a concurrent sign-in took the last place
            self.state.end()
            raise session_limit_reached() from exc
        resolved = self.state.start(session, token, remember=remember)
        device_cookie.remember_device(request._request, None, user)
        return _no_store(Response({"token": token, "user": self.state.user_payload(resolved)}))


class ListSessionsView(AuthView):
    """``GET /list-sessions``: the user's active sessions; only the caller's own has a token.
    Needs a fresh session, as Better Auth's does (``freshSessionMiddleware``)."""

    endpoint = endpoints.LIST_SESSIONS

    @method_decorator(sensitive_variables())  # the list holds this browser's raw token
    def get(self, request: Request) -> HttpResponse:
        current = self.require_fresh_session()
        rows = sessions.list_user_sessions(current.session.user_id)
        data = [
            {
                **better_auth_session(row, current.token if row.pk == current.session.pk else None),
                # Extra keys (Better Auth's client passes them through): when the session was
                # last seen (to within AUTHSESSION_ACTIVITY_INTERVAL) and where.
                "lastActiveAt": iso_ms(row.last_active),
                "location": row.location or None,
            }
            for row in rows
        ]
        return _no_store(Response(data))


class RevokeSessionView(AuthView):
    """``POST /revoke-session`` with ``{"token"}`` or ``{"id"}`` of one of the user's sessions;
    ``{"status": true}`` also when it names no session of the caller's."""

    endpoint = endpoints.REVOKE_SESSION

    @method_decorator(sensitive_variables())  # the form holds another session's raw token
    def post(self, request: Request) -> HttpResponse:
        current = self.require_session()
        form = RevokeSessionSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        target = sessions.get_user_session(
            current.session.user_id,
            token=form.validated_data.get("token"),
            pk=form.validated_data.get("id"),
        )
        # Unknown, expired or another user's: the same answer as a revoked one, as Better Auth
        # gives (a client with a stale list shows no error, and the answer reveals nothing).
        if target is not None:
            sessions.revoke_sessions([target], reason="revoke-session", request=request._request)
            if target.pk == current.session.pk:
                self.state.end()
        return Response({"status": True})


class RevokeOtherSessionsView(AuthView):
    endpoint = endpoints.REVOKE_OTHER_SESSIONS

    def post(self, request: Request) -> HttpResponse:
        current = self.require_session()
        sessions.revoke_user_sessions(
            current.session.user_id,
            except_token=current.token,
            reason="revoke-other-sessions",
            request=request._request,
        )
        return Response({"status": True})


class RevokeSessionsView(AuthView):
    endpoint = endpoints.REVOKE_SESSIONS

    def post(self, request: Request) -> HttpResponse:
        current = self.require_session()
        sessions.revoke_user_sessions(
            current.session.user_id, reason="revoke-sessions", request=request._request
        )
        self.state.end()
        return Response({"status": True})


class UpdateSessionView(AuthView):
    """``POST /update-session`` (``updateSession``): set the project's session fields
    (``AUTHSESSION_SESSION_FIELDS``) on the current session, as Better Auth's endpoint does:
    undeclared keys are ignored, fields declared ``"input": False`` are refused, and the answer
    is ``{"session": ...}`` with new cookies (a new cookie cache carrying the fields)."""

    endpoint = endpoints.UPDATE_SESSION

    def post(self, request: Request) -> HttpResponse:
        current = self.require_session()
        raw = request.data
        body = raw.dict() if isinstance(raw, QueryDict) else raw
        try:
            changes = session_fields.parse_update(body)
            if not changes:
                raise session_fields.FieldError("NO_FIELDS_TO_UPDATE", "No fields to update")
            session = sessions.update_fields(current, changes)
        except session_fields.FieldError as exc:
            raise AuthError(400, exc.code, exc.message) from exc
        if session is None:  # revoked while this request ran
            self.state.end()
            raise AuthError(401, "FAILED_TO_GET_SESSION", "Failed to get session")
        updated = ResolvedSession(
            token=current.token,
            session=session,
            cached_user=current.cached_user,
            serialized_user=current.serialized_user,
        )
        self.state.rewrite(updated)
        return _no_store(Response({"session": better_auth_session(session, current.token)}))
