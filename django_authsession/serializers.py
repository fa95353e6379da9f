"""The user object (replaceable with ``AUTHSESSION_USER_SERIALIZER``) and the request bodies of
the endpoints, as DRF serializers. The session and user JSON shapes live in
:mod:`django_authsession.wire.shapes` (re-exported here)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from django.contrib.auth import get_user_model
from django.core.checks import CheckMessage, Error, register
from django.utils.module_loading import import_string
from rest_framework import serializers
from rest_framework.utils import html

from .conf import app_settings
from .wire.jsjson import NotJSONCompatible, js_stringify
from .wire.shapes import (
    BETTER_AUTH_USER_ALIASES,
    better_auth_session,
    better_auth_user,
    documented_session,
    documented_user,
    iso_ms,
    parse_iso,
)

__all__ = [
    "BETTER_AUTH_USER_ALIASES",
    "RevokeSessionSerializer",
    "SignInSerializer",
    "SignUpSerializer",
    "UserSerializer",
    "better_auth_session",
    "better_auth_user",
    "check_user_serializer",
    "documented_session",
    "documented_user",
    "iso_ms",
    "parse_iso",
    "user_data",
]


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


@register()
def check_user_serializer(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """The cookie cache carries the serializer's output as JSON: a value JSON cannot carry
    (a ``UUID``, a ``datetime``) is a start-up error here, not a failure on the first request.

    Runs the serializer on an unsaved user; a serializer that needs a saved one is not judged.
    """
    try:
        cls = _user_serializer_class(app_settings.USER_SERIALIZER)
    except ImportError:
        return []  # E004 reports it
    try:
        data = cls(get_user_model()()).data
    except Exception:  # an unsaved user may lack what the serializer reads
        return []
    try:
        js_stringify(dict(data))
    except NotJSONCompatible as exc:
        return [
            Error(
                f"AUTHSESSION_USER_SERIALIZER ({app_settings.USER_SERIALIZER}) returns "
                f"{exc.reason} at user.{exc.path or '?'}: the cookie cache cannot carry it.",
                hint="Return JSON types (str, int, float, bool, None, dict, list), as DRF's "
                "fields do: str(uuid), an ISO 8601 string for dates.",
                id="django_authsession.E013",
            )
        ]
    return []


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


class KeepsFormBlanks(serializers.Field[Any, Any, Any, Any]):
    """A form's empty ``token=`` or ``id=`` is a blank value, as ``""`` is in JSON, not a missing
    one: DRF drops empty optional form fields, and the request would go on with the other field
    alone, accepting what the schema rejects."""

    def get_value(self, dictionary: Any) -> Any:
        if html.is_html_input(dictionary) and self.field_name in dictionary:
            return dictionary.get(self.field_name)
        return super().get_value(dictionary)


class StringField(KeepsFormBlanks, serializers.CharField):
    """A JSON string, as the schema says: DRF's ``CharField`` turns numbers into strings, so
    ``"callbackURL": 7`` would pass where the contract asks for text."""

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        text: str = super().to_internal_value(data)
        return text


class SignInSerializer(serializers.Serializer[Any]):
    email = LowercaseEmailField()
    password = StringField(max_length=1024, trim_whitespace=False)
    rememberMe = serializers.BooleanField(required=False, default=True)
    callbackURL = StringField(required=False, allow_blank=True, max_length=2048)


class SignUpSerializer(serializers.Serializer[Any]):
    name = StringField(max_length=255, allow_blank=True)
    email = LowercaseEmailField()
    password = StringField(max_length=1024, trim_whitespace=False)
    image = serializers.URLField(required=False, allow_blank=True, max_length=2048)
    rememberMe = serializers.BooleanField(required=False, default=True)
    callbackURL = StringField(required=False, allow_blank=True, max_length=2048)

    def validate_password(self, value: str) -> str:
        low, high = app_settings.MIN_PASSWORD_LENGTH, app_settings.MAX_PASSWORD_LENGTH
        if len(value) < low:
            raise serializers.ValidationError(f"Password too short (at least {low} characters).")
        if len(value) > high:
            raise serializers.ValidationError(f"Password too long (at most {high} characters).")
        return value


class StringUUIDField(KeepsFormBlanks, serializers.UUIDField):
    """A UUID written as a JSON string, as the schema says: DRF's ``UUIDField`` also reads
    integers as UUIDs (``false`` would be the nil UUID)."""

    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, str):
            self.fail("invalid", value=data)
        return super().to_internal_value(data)


class RevokeSessionSerializer(serializers.Serializer[Any]):
    token = StringField(required=False, max_length=256)
    id = StringUUIDField(required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs.get("token") and not attrs.get("id"):
            raise serializers.ValidationError({"token": "Give the session's token or id."})
        return attrs


class ChangePasswordSerializer(serializers.Serializer[Any]):
    """Better Auth's ``changePassword`` body; lengths are checked by the view, with its codes."""

    currentPassword = StringField(max_length=1024, trim_whitespace=False)
    newPassword = StringField(max_length=1024, trim_whitespace=False)
    revokeOtherSessions = serializers.BooleanField(required=False, default=False)
