"""Errors as ``{"message": ..., "code": "UPPER_SNAKE_CASE"}``, the shape the Better Auth client
reads. One DRF exception handler maps every error our views raise."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.response import Response

__all__ = ["AuthError", "exception_handler"]


class AuthError(exceptions.APIException):
    """An error with the contract's code; ``message`` is safe to show to the user."""

    def __init__(self, status_code: int, code: str, message: str) -> None:
        super().__init__(detail=message, code=code)
        self.status_code = status_code
        self.error_code = code


def invalid_credentials() -> AuthError:
    return AuthError(401, "INVALID_EMAIL_OR_PASSWORD", str(_("Invalid email or password")))


def unauthorized() -> AuthError:
    return AuthError(401, "UNAUTHORIZED", str(_("Unauthorized")))


def session_not_fresh() -> AuthError:
    """Better Auth's answer when a session is older than its fresh age (403, as it sends)."""
    return AuthError(403, "SESSION_NOT_FRESH", str(_("Session is not fresh")))


def user_exists() -> AuthError:
    return AuthError(
        422,
        "USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL",
        str(_("User already exists. Use another email.")),
    )


def _first_message(detail: Any, field: str = "") -> str:
    """``"email: Enter a valid email address."`` from DRF's nested error detail."""
    if isinstance(detail, dict):
        if not detail:
            return "Invalid request"
        key, value = next(iter(detail.items()))
        if key == "non_field_errors":
            return _first_message(value, field)
        return _first_message(value, f"{field}.{key}" if field else str(key))
    if isinstance(detail, list):
        return _first_message(detail[0], field) if detail else "Invalid request"
    return f"{field}: {detail}" if field else str(detail)


_BY_CLASS: list[tuple[type[exceptions.APIException], str]] = [
    (exceptions.ParseError, "BAD_REQUEST"),
    (exceptions.UnsupportedMediaType, "UNSUPPORTED_MEDIA_TYPE"),
    (exceptions.MethodNotAllowed, "METHOD_NOT_ALLOWED"),
    (exceptions.NotAuthenticated, "UNAUTHORIZED"),
    (exceptions.AuthenticationFailed, "UNAUTHORIZED"),
    (exceptions.PermissionDenied, "FORBIDDEN"),
    (exceptions.NotFound, "NOT_FOUND"),
    (exceptions.Throttled, "TOO_MANY_REQUESTS"),
    (exceptions.NotAcceptable, "NOT_ACCEPTABLE"),
]


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF exception handler for our views; also usable as a project's ``EXCEPTION_HANDLER``."""
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    if not isinstance(exc, exceptions.APIException):
        return None
    if isinstance(exc, AuthError):
        code, message = exc.error_code, str(exc.detail)
    elif isinstance(exc, exceptions.ValidationError):
        code, message = "VALIDATION_ERROR", _first_message(exc.detail)
    else:
        code = next((c for cls, c in _BY_CLASS if isinstance(exc, cls)), "ERROR")
        message = _first_message(exc.detail)
    headers: dict[str, str] = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header  # type: ignore[attr-defined]
    wait = getattr(exc, "wait", None)
    if wait is not None:
        headers["Retry-After"] = headers["X-Retry-After"] = str(int(wait))
    status_code = exc.status_code
    if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
        status_code = status.HTTP_401_UNAUTHORIZED
    return Response({"message": message, "code": code}, status=status_code, headers=headers)
