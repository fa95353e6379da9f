"""The JSON shapes of the contract: the documented snake_case session, Better Auth's camelCase
session, and the user object (replaceable with ``AUTHSESSION_USER_SERIALIZER``)."""

from __future__ import annotations

import uuid
from datetime import datetime
from datetime import timezone as dt_timezone
from functools import lru_cache
from typing import Any

from django.utils.dateparse import parse_datetime
from django.utils.module_loading import import_string
from rest_framework import serializers

from .conf import app_settings
from .models import Session
from .tokens import storage_key

# Better Auth's core user names, derived from the documented ones.
BETTER_AUTH_USER_ALIASES = {"emailVerified": "isEmailVerified", "image": "avatar"}


def iso_ms(value: datetime) -> str:
    """ISO 8601 in UTC with milliseconds and ``Z``, as JavaScript's ``toISOString``."""
    value = value.astimezone(dt_timezone.utc)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def parse_iso(value: Any) -> datetime:
    """Inverse of :func:`iso_ms`; raises ``ValueError``/``TypeError`` on anything else."""
    if not isinstance(value, str):
        raise TypeError("timestamp must be a string")
    parsed = parse_datetime(value)  # reads the trailing "Z" on every Python version
    if parsed is None or parsed.tzinfo is None:
        raise ValueError("timestamp must carry a time zone")
    return parsed


class UserSerializer(serializers.BaseSerializer[Any]):
    """The documented user object; sign-in, sign-up and both session endpoints share it.

    The object itself comes from the adapter (``AUTHSESSION_ADAPTER``), which reads any user
    model. Point ``AUTHSESSION_USER_SERIALIZER`` at any DRF serializer (or a subclass of this
    one extending ``to_representation``) to change the shape.
    """

    def to_representation(self, user: Any) -> dict[str, Any]:
        from .adapter import get_adapter  # adapter imports this module's iso_ms

        return get_adapter().user_data(user)


@lru_cache(maxsize=8)
def _user_serializer_class(path: str) -> type[serializers.BaseSerializer[Any]]:
    cls: type[serializers.BaseSerializer[Any]] = import_string(path)
    return cls


def user_data(user: Any) -> dict[str, Any]:
    """The documented user object for ``user``, through the configured serializer."""
    return dict(_user_serializer_class(app_settings.USER_SERIALIZER)(user).data)


def better_auth_user(documented: dict[str, Any]) -> dict[str, Any]:
    """The documented user object plus Better Auth's core names."""
    data = dict(documented)
    for alias, source in BETTER_AUTH_USER_ALIASES.items():
        data.setdefault(alias, documented.get(source))
    return data


def documented_user(better_auth: dict[str, Any]) -> dict[str, Any]:
    """Inverse of :func:`better_auth_user`, for users read back from the cookie cache."""
    return {k: v for k, v in better_auth.items() if k not in BETTER_AUTH_USER_ALIASES}


def documented_session(session: Session, token: str) -> dict[str, Any]:
    """The documented session object (snake_case); ``token`` is the raw token the request
    presented, which the database never holds."""
    return {
        "id": str(session.pk),
        "user_id": str(session.user_id),
        "token": token,
        "expires_at": iso_ms(session.expires_at),
        "ip_address": session.ip_address,
        "user_agent": session.user_agent,
        "created_at": iso_ms(session.created_at),
        "updated_at": iso_ms(session.updated_at),
    }


def better_auth_session(session: Session, token: str | None) -> dict[str, Any]:
    """Better Auth's session object (camelCase), as ``/get-session``, ``/list-sessions`` and the
    cookie cache carry it; without ``token`` (listings show no token but the caller's own)."""
    data: dict[str, Any] = {
        "id": str(session.pk),
        "userId": str(session.user_id),
        "token": token,
        "expiresAt": iso_ms(session.expires_at),
        "ipAddress": session.ip_address,
        "userAgent": session.user_agent,
        "createdAt": iso_ms(session.created_at),
        "updatedAt": iso_ms(session.updated_at),
    }
    if token is None:
        del data["token"]
    return data


def session_from_better_auth(data: Any, token: str) -> Session:
    """An unsaved ``Session`` rebuilt from a cookie-cache session object (no query).

    Raises ``KeyError``/``TypeError``/``ValueError`` when the object is not a session."""
    if not isinstance(data, dict):
        raise TypeError("session must be an object")
    return Session(
        id=uuid.UUID(str(data["id"])),
        token=storage_key(token),
        user_id=data["userId"],
        expires_at=parse_iso(data["expiresAt"]),
        ip_address=str(data.get("ipAddress") or ""),
        user_agent=str(data.get("userAgent") or ""),
        created_at=parse_iso(data["createdAt"]),
        updated_at=parse_iso(data["updatedAt"]),
    )


class LowercaseEmailField(serializers.EmailField):
    """An email address lower-cased (as Better Auth does) before it is validated, so the length
    limit applies to what is stored: some characters grow when lower-cased."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 254)
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> str:
        if isinstance(data, str):  # anything else is refused as DRF refuses it
            data = data.strip().lower()
        return super().to_internal_value(data)


class SignInSerializer(serializers.Serializer[Any]):
    email = LowercaseEmailField()
    password = serializers.CharField(max_length=1024, trim_whitespace=False)
    rememberMe = serializers.BooleanField(required=False, default=True)
    callbackURL = serializers.CharField(required=False, allow_blank=True, max_length=2048)


class SignUpSerializer(serializers.Serializer[Any]):
    name = serializers.CharField(max_length=255, allow_blank=True)
    email = LowercaseEmailField()
    password = serializers.CharField(max_length=1024, trim_whitespace=False)
    image = serializers.URLField(required=False, allow_blank=True, max_length=2048)
    rememberMe = serializers.BooleanField(required=False, default=True)
    callbackURL = serializers.CharField(required=False, allow_blank=True, max_length=2048)

    def validate_password(self, value: str) -> str:
        low, high = app_settings.MIN_PASSWORD_LENGTH, app_settings.MAX_PASSWORD_LENGTH
        if len(value) < low:
            raise serializers.ValidationError(f"Password too short (at least {low} characters).")
        if len(value) > high:
            raise serializers.ValidationError(f"Password too long (at most {high} characters).")
        return value


class RevokeSessionSerializer(serializers.Serializer[Any]):
    token = serializers.CharField(required=False, max_length=256)
    id = serializers.UUIDField(required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs.get("token") and not attrs.get("id"):
            raise serializers.ValidationError({"token": "Give the session's token or id."})
        return attrs


class ChangePasswordSerializer(serializers.Serializer[Any]):
    """Better Auth's ``changePassword`` body; lengths are checked by the view, with its codes."""

    currentPassword = serializers.CharField(max_length=1024, trim_whitespace=False)
    newPassword = serializers.CharField(max_length=1024, trim_whitespace=False)
    revokeOtherSessions = serializers.BooleanField(required=False, default=False)
