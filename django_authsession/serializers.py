"""The JSON shapes of the contract: the documented snake_case session, Better Auth's camelCase
session, and the user object (replaceable with ``AUTHSESSION_USER_SERIALIZER``)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from django.utils.module_loading import import_string
from rest_framework import serializers

from .conf import app_settings
from .models import Session
from .tokens import storage_key

# Better Auth's core user names, derived from the documented ones.
BETTER_AUTH_USER_ALIASES = {"emailVerified": "isEmailVerified", "image": "avatar"}


def iso_ms(value: datetime) -> str:
    """ISO 8601 in UTC with milliseconds and ``Z``, as JavaScript's ``toISOString``."""
    value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def parse_iso(value: Any) -> datetime:
    """Inverse of :func:`iso_ms`; raises ``ValueError``/``TypeError`` on anything else."""
    if not isinstance(value, str):
        raise TypeError("timestamp must be a string")
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        raise ValueError("timestamp must carry a time zone")
    return parsed


class MillisDateTimeField(serializers.DateTimeField):
    def to_representation(self, value: datetime) -> str:
        return iso_ms(value)


class UserSerializer(serializers.Serializer[Any]):
    """The documented user object; sign-in, sign-up and both session endpoints share it."""

    id = serializers.CharField(read_only=True)
    email = serializers.EmailField(read_only=True)
    name = serializers.CharField(read_only=True)
    type = serializers.CharField(read_only=True)
    profession = serializers.CharField(read_only=True)
    avatar = serializers.CharField(read_only=True)
    isActive = serializers.BooleanField(source="is_active", read_only=True)
    organizationId = serializers.CharField(
        source="organization_id", read_only=True, allow_null=True
    )
    isEmailVerified = serializers.BooleanField(source="is_email_verified", read_only=True)
    createdAt = MillisDateTimeField(source="created_at", read_only=True)
    updatedAt = MillisDateTimeField(source="updated_at", read_only=True)


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


class SessionSerializer(serializers.Serializer[Session]):
    """The documented session object (snake_case). ``token`` comes from the context: the raw
    token the request presented, which the database never holds."""

    id = serializers.CharField(read_only=True)
    user_id = serializers.CharField(read_only=True)
    token = serializers.SerializerMethodField()
    expires_at = MillisDateTimeField(read_only=True)
    ip_address = serializers.CharField(read_only=True)
    user_agent = serializers.CharField(read_only=True)
    created_at = MillisDateTimeField(read_only=True)
    updated_at = MillisDateTimeField(read_only=True)

    def get_token(self, obj: Session) -> str | None:
        token: str | None = self.context.get("token")
        return token


class BetterAuthSessionSerializer(serializers.Serializer[Session]):
    """Better Auth's session object (camelCase), as ``/get-session`` and ``/list-sessions``."""

    id = serializers.CharField(read_only=True)
    userId = serializers.CharField(source="user_id", read_only=True)
    token = serializers.SerializerMethodField()
    expiresAt = MillisDateTimeField(source="expires_at", read_only=True)
    ipAddress = serializers.CharField(source="ip_address", read_only=True)
    userAgent = serializers.CharField(source="user_agent", read_only=True)
    createdAt = MillisDateTimeField(source="created_at", read_only=True)
    updatedAt = MillisDateTimeField(source="updated_at", read_only=True)

    def get_token(self, obj: Session) -> str | None:
        token: str | None = self.context.get("token")
        return token

    def to_representation(self, instance: Session) -> dict[str, Any]:
        data = dict(super().to_representation(instance))
        if data["token"] is None:  # listings show no token but the caller's own
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


class SignInSerializer(serializers.Serializer[Any]):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(max_length=1024, trim_whitespace=False)
    rememberMe = serializers.BooleanField(required=False, default=True)
    callbackURL = serializers.CharField(required=False, allow_blank=True, max_length=2048)


class SignUpSerializer(serializers.Serializer[Any]):
    name = serializers.CharField(max_length=255, allow_blank=True)
    email = serializers.EmailField(max_length=254)
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
