"""The OpenAPI 3 description of every endpoint, for drf-spectacular (the ``openapi`` extra).

The views stay undecorated: each endpoint is one :class:`Endpoint` entry in :data:`ENDPOINTS`,
turned into a drf-spectacular ``OpenApiViewExtension`` that hands the schema generator a
described subclass of the view. The app loads this module only when drf-spectacular is
installed, so the extensions also apply when a project generates its own schema with our URLs
in it. ``django_authsession.openapi_urls`` serves the schema of the app's endpoints alone.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.validators import RegexValidator
from drf_spectacular.extensions import (
    OpenApiAuthenticationExtension,
    OpenApiSerializerExtension,
    OpenApiViewExtension,
)
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.settings import spectacular_settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
)
from rest_framework import serializers
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.views import APIView

from .authentication import AuthSessionAuthentication
from .conf import app_settings

SECURITY_SCHEME = "sessionCookie"
BEARER_SCHEME = "bearerToken"
VIEWS = "django_authsession.views"
ACTIVITY_VIEWS = "django_authsession.activity.views"
ADMIN_APP = "django_authsession.admin_api"
ADMIN_VIEWS = f"{ADMIN_APP}.views"

# -- Bodies -------------------------------------------------------------------------------------
# Documentation-only serializers: the views write these shapes directly (serializers.py).


class UserSerializer(serializers.Serializer[Any]):
    """The documented user object. Fields the project's user model lacks are ``null``."""

    id = serializers.CharField(help_text="The user's primary key, as a string.")
    email = serializers.EmailField()
    name = serializers.CharField(allow_null=True)
    type = serializers.CharField(allow_null=True)
    profession = serializers.CharField(allow_null=True)
    avatar = serializers.CharField(allow_null=True)
    isActive = serializers.BooleanField()
    organizationId = serializers.CharField(allow_null=True)
    isEmailVerified = serializers.BooleanField(allow_null=True)
    createdAt = serializers.DateTimeField(allow_null=True)
    updatedAt = serializers.DateTimeField(allow_null=True)


class BetterAuthUserSerializer(UserSerializer):
    """The documented user object plus Better Auth's core names."""

    emailVerified = serializers.BooleanField(allow_null=True, help_text="= isEmailVerified")
    image = serializers.CharField(allow_null=True, help_text="= avatar")


class DocumentedSessionSerializer(serializers.Serializer[Any]):
    """The documented session object (snake_case)."""

    id = serializers.UUIDField()
    user_id = serializers.CharField()
    token = serializers.CharField(help_text="The raw session token this request presented.")
    expires_at = serializers.DateTimeField()
    ip_address = serializers.CharField(allow_blank=True)
    user_agent = serializers.CharField(allow_blank=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class LocationSerializer(serializers.Serializer[Any]):
    """Where a request came from; any key may be null."""

    country = serializers.CharField(allow_null=True, help_text="A name, else the ISO code.")
    countryCode = serializers.CharField(allow_null=True, help_text="ISO 3166-1 alpha-2.")
    city = serializers.CharField(allow_null=True)


class SessionSerializer(serializers.Serializer[Any]):
    """Better Auth's session object (camelCase), plus the project's session fields
    (``AUTHSESSION_SESSION_FIELDS``) after ``updatedAt``."""

    id = serializers.UUIDField()
    userId = serializers.CharField()
    token = serializers.CharField(
        required=False, help_text="Present only on the caller's own session."
    )
    expiresAt = serializers.DateTimeField()
    ipAddress = serializers.CharField(allow_blank=True)
    userAgent = serializers.CharField(allow_blank=True)
    createdAt = serializers.DateTimeField()
    updatedAt = serializers.DateTimeField()
    lastActiveAt = serializers.DateTimeField(
        required=False,
        help_text="The last request (to within AUTHSESSION_ACTIVITY_INTERVAL), when tracked.",
    )
    location = LocationSerializer(
        required=False, allow_null=True, help_text="Where the session was last used from."
    )

    impersonatedBy = serializers.CharField(
        required=False,
        help_text="On an impersonation session only: the admin's user id (admin API).",
    )


class ListedSessionSerializer(SessionSerializer):
    """A session in ``list-sessions``: always with when and where it was last seen."""

    lastActiveAt = serializers.DateTimeField(
        help_text=(
            "The last request, to within AUTHSESSION_ACTIVITY_INTERVAL; the last refresh "
            "when activity is not tracked."
        )
    )
    location = LocationSerializer(allow_null=True)


class SecurityEventSerializer(serializers.Serializer[Any]):
    """One entry of the caller's security history."""

    id = serializers.CharField()
    type = serializers.ChoiceField(
        choices=[
            "sign_in",
            "sign_in_failed",
            "sign_in_refused",
            "sign_out",
            "session_revoked",
            "password_changed",
            "new_device",
            "lockout",
        ]
    )
    createdAt = serializers.DateTimeField()
    actor = serializers.ChoiceField(
        choices=["user", "admin", "system", "unknown"],
        help_text="Who did it: the user, an administrator, a rule (idle timeout, session cap, "
        "lockout), or someone unknown (a failed sign-in).",
    )
    sessionId = serializers.UUIDField(allow_null=True, help_text="The session's public id.")
    ipAddress = serializers.CharField(allow_null=True)
    userAgent = serializers.CharField(allow_null=True)
    device = serializers.CharField(
        allow_null=True, help_text='"Firefox on Windows · Berlin, Germany"'
    )
    location = LocationSerializer(allow_null=True)
    details = serializers.DictField(
        help_text='"how" of a sign-in ("email", "sign-up", "change-password", "login"), '
        '"reason" of an ended session ("revoke-session", "admin", "idle-timeout", ...).'
    )


class SecurityEventsResponseSerializer(serializers.Serializer[Any]):
    events = SecurityEventSerializer(many=True)
    limit = serializers.IntegerField()
    offset = serializers.IntegerField()
    hasMore = serializers.BooleanField()


class KnownDeviceSerializer(serializers.Serializer[Any]):
    id = serializers.CharField(help_text="What forget-device takes.")
    name = serializers.CharField(help_text='"Firefox on Windows"')
    ipAddress = serializers.CharField(allow_null=True)
    location = LocationSerializer(allow_null=True)
    firstSeenAt = serializers.DateTimeField()
    lastSeenAt = serializers.DateTimeField()
    current = serializers.BooleanField(help_text="The browser making this request.")


class ForgetDeviceRequestSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField(min_value=1, max_value=2**63 - 1)


class DocumentedSessionResponseSerializer(serializers.Serializer[Any]):
    session = DocumentedSessionSerializer(allow_null=True)
    user = UserSerializer(allow_null=True)


class GetSessionResponseSerializer(serializers.Serializer[Any]):
    session = SessionSerializer()
    user = BetterAuthUserSerializer()


class NullableGetSessionResponseSerializer(GetSessionResponseSerializer):
    """``GetSessionResponse`` or the JSON literal ``null`` (described by the extension below)."""


class SignInResponseSerializer(serializers.Serializer[Any]):
    redirect = serializers.BooleanField(help_text="True when callbackURL was given.")
    token = serializers.CharField(help_text="The raw session token, also set as a cookie.")
    url = serializers.CharField(required=False, help_text="The accepted callbackURL.")
    user = BetterAuthUserSerializer()


class SignUpResponseSerializer(serializers.Serializer[Any]):
    token = serializers.CharField(help_text="The raw session token, also set as a cookie.")
    user = BetterAuthUserSerializer()


class ChangePasswordResponseSerializer(serializers.Serializer[Any]):
    token = serializers.CharField(
        allow_null=True, help_text="The new session token when other sessions were revoked."
    )
    user = BetterAuthUserSerializer()


class SuccessSerializer(serializers.Serializer[Any]):
    success = serializers.BooleanField()


class StatusSerializer(serializers.Serializer[Any]):
    status = serializers.BooleanField()


class UpdateSessionResponseSerializer(serializers.Serializer[Any]):
    session = SessionSerializer(help_text="The session with its fields as now stored.")


_FIELD_SCHEMAS: dict[str, dict[str, Any]] = {
    "string": {"type": "string"},
    "number": {"type": "number"},
    "boolean": {"type": "boolean"},
    "date": {"type": "string", "format": "date-time"},
    "json": {},
}
# What a field declared ``"input": False`` may be given without a refusal: nothing truthy.
_FALSY = {"enum": [None, False, 0, ""]}


def _field_schema(kind: str, longest: int) -> dict[str, Any]:
    """One session field's value, with the bounds ``session_fields`` enforces."""
    from .session_fields import MAX_ITEMS

    if kind.endswith("[]"):
        item = _field_schema(kind[:-2], longest)
        return {"type": "array", "items": item, "maxItems": MAX_ITEMS}
    schema = dict(_FIELD_SCHEMAS[kind])
    if kind == "string":
        schema["pattern"] = NO_NUL_PATTERN
        schema["maxLength"] = longest
    return schema


def update_session_request() -> dict[str, Any]:
    """The ``/update-session`` body from ``AUTHSESSION_SESSION_FIELDS``, read when the schema is
    generated: each field the client may set with its type (null allowed unless required),
    fields it may not set as falsy-only, other keys allowed (they are ignored), at least one
    settable field."""
    from .session_fields import declared, field_budget, max_length

    fields = declared()
    budget = field_budget()
    properties: dict[str, Any] = {}
    settable = []
    for name, spec in fields.items():
        if not spec.input:
            properties[name] = _FALSY
            continue
        value = _field_schema(spec.type, max_length(spec.type, budget))
        if not spec.required and value:
            value = {"anyOf": [value, {"type": "null"}]}
        properties[name] = value
        settable.append(name)
    return {
        "type": "object",
        "description": (
            "Values of the session fields the project declares in AUTHSESSION_SESSION_FIELDS "
            "(e.g. `activeOrganizationId`). Undeclared keys are ignored; at least one field "
            "the client may set must be given."
        ),
        "properties": properties,
        # Without a settable field no body is valid (every one answers 400).
        "anyOf": [{"required": [name]} for name in settable] or [{"not": {}}],
    }


# DRF refuses NUL in every string field (400 VALIDATION_ERROR); the schema says so.
NO_NUL_PATTERN = r"^[^\x00]*$"
NO_NUL = RegexValidator(NO_NUL_PATTERN)


def password_field() -> serializers.CharField:
    """A new password; its bounds are settings, read when the schema is generated."""
    return serializers.CharField(
        min_length=app_settings.MIN_PASSWORD_LENGTH,
        max_length=app_settings.MAX_PASSWORD_LENGTH,
        validators=[NO_NUL],
        help_text="Must also pass AUTH_PASSWORD_VALIDATORS (else 400 VALIDATION_ERROR).",
    )


class SignInRequestSerializer(serializers.Serializer[Any]):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(min_length=1, max_length=1024, validators=[NO_NUL])
    rememberMe = serializers.BooleanField(
        required=False, default=True, help_text="False: a browser-session cookie, not extended."
    )
    callbackURL = serializers.CharField(
        required=False,
        max_length=2048,
        validators=[NO_NUL],
        help_text="Same-site or CSRF_TRUSTED_ORIGINS URL, echoed back as `url`.",
    )


@extend_schema_field(
    {"type": "string", "maxLength": 2048, "anyOf": [{"format": "uri"}, {"maxLength": 0}]}
)
class AvatarURLField(serializers.CharField):
    """Sign-up's ``image``: a URL, or ``""`` for none, as the view accepts (a form's empty
    avatar field is no avatar, not an error)."""


class SignUpRequestSerializer(serializers.Serializer[Any]):
    name = serializers.CharField(max_length=255, allow_blank=True, validators=[NO_NUL])
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField()  # bounds from settings, in get_fields()
    image = AvatarURLField(required=False, allow_blank=True, max_length=2048)
    rememberMe = serializers.BooleanField(required=False, default=True)
    callbackURL = serializers.CharField(required=False, max_length=2048, validators=[NO_NUL])

    def get_fields(self) -> dict[str, serializers.Field[Any, Any, Any, Any]]:
        fields = super().get_fields()
        fields["password"] = password_field()
        return fields


MEDIA_TYPES = ("application/json", "application/x-www-form-urlencoded", "multipart/form-data")

# The token or the id of one of the caller's sessions (at least one of them).
REVOKE_SESSION_REQUEST: dict[str, Any] = {
    "type": "object",
    "properties": {
        "token": {
            "type": "string",
            "minLength": 1,
            "maxLength": 256,
            "pattern": NO_NUL_PATTERN,
        },
        "id": {"type": "string", "format": "uuid"},
    },
    "anyOf": [{"required": ["token"]}, {"required": ["id"]}],
}


class ChangePasswordRequestSerializer(serializers.Serializer[Any]):
    currentPassword = serializers.CharField(min_length=1, max_length=1024, validators=[NO_NUL])
    newPassword = serializers.CharField()  # bounds from settings, in get_fields()
    revokeOtherSessions = serializers.BooleanField(required=False, default=False)

    def get_fields(self) -> dict[str, serializers.Field[Any, Any, Any, Any]]:
        fields = super().get_fields()
        fields["newPassword"] = password_field()
        return fields


# -- The admin API (django_authsession.admin_api) -------------------------------------------------


class AdminUserSerializer(BetterAuthUserSerializer):
    """Better Auth's user object with the admin plugin's ban fields."""

    banned = serializers.BooleanField()
    banReason = serializers.CharField(allow_null=True)
    banExpires = serializers.DateTimeField(allow_null=True, help_text="Null: until unbanned.")


class AdminSessionSerializer(SessionSerializer):
    """A session as the admin sees it: ``token`` is the session's id (never a token), which
    ``revoke-user-session`` accepts as ``sessionToken``."""

    token = serializers.CharField(help_text="The session's id, never its token.")
    impersonatedBy = serializers.CharField(
        required=False, help_text="The admin impersonating the user; only on such sessions."
    )


class ImpersonationSessionSerializer(SessionSerializer):
    token = serializers.CharField(
        help_text="The raw token of the new session (bearer clients switch to it)."
    )
    impersonatedBy = serializers.CharField(required=False, help_text="The admin's user id.")


class UserIdRequestSerializer(serializers.Serializer[Any]):
    userId = serializers.CharField(
        max_length=255, allow_blank=True, validators=[NO_NUL], help_text="The user's `id`."
    )


class RevokeUserSessionRequestSerializer(serializers.Serializer[Any]):
    sessionToken = serializers.CharField(
        min_length=1,
        max_length=256,
        validators=[NO_NUL],
        help_text="A session's token, or its id as `list-user-sessions` gives it.",
    )


class BanUserRequestSerializer(UserIdRequestSerializer):
    banReason = serializers.CharField(
        required=False, max_length=1024, validators=[NO_NUL], allow_blank=True
    )
    banExpiresIn = serializers.FloatField(
        required=False,
        allow_null=True,
        min_value=0,
        max_value=100 * 365 * 86400,
        help_text="Seconds until the ban ends; absent, 0 or null: "
        "AUTHSESSION_DEFAULT_BAN_EXPIRES_IN (None: until lifted).",
    )


class ListUserSessionsResponseSerializer(serializers.Serializer[Any]):
    sessions = AdminSessionSerializer(many=True)


class AdminUserResponseSerializer(serializers.Serializer[Any]):
    user = AdminUserSerializer()


class ImpersonateResponseSerializer(serializers.Serializer[Any]):
    session = ImpersonationSessionSerializer()
    user = AdminUserSerializer()


class StopImpersonatingResponseSerializer(serializers.Serializer[Any]):
    session = SessionSerializer(
        allow_null=True, help_text="The admin's restored session (with its token), or null."
    )
    user = AdminUserSerializer(allow_null=True)


class NullableGetSessionExtension(OpenApiSerializerExtension):  # type: ignore[no-untyped-call]
    """The answer of ``/get-session`` without a session is the JSON literal ``null``."""

    target_class = NullableGetSessionResponseSerializer

    def map_serializer(self, auto_schema: AutoSchema, direction: Any) -> dict[str, Any]:
        ref = auto_schema.resolve_serializer(GetSessionResponseSerializer, direction).ref
        if spectacular_settings.OAS_VERSION.startswith("3.0"):
            return {"allOf": [ref], "nullable": True}
        return {"oneOf": [ref, {"type": "null"}]}


class BearerScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
    """``Authorization: Bearer``, Better Auth's bearer transport (``AUTHSESSION_BEARER``).

    Registered for a marker class: drf-spectacular maps one scheme per authentication class,
    and ``AuthSessionAuthentication`` reads both the cookie and the header."""

    target_class = "django_authsession.openapi.BearerTransport"
    name = BEARER_SCHEME

    def get_security_definition(self, auto_schema: AutoSchema) -> dict[str, Any]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": (
                "The value of the `set-auth-token` header a sign-in answers with (or, unless "
                "AUTHSESSION_BEARER_REQUIRE_SIGNATURE, the raw `token` of its body). The same "
                "session as the cookie's; without a cookie the Origin rule does not apply."
            ),
        }


class SessionCookieScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
    """The ``session_token`` cookie, for our endpoints and a project's views using the class."""

    target_class = "django_authsession.authentication.AuthSessionAuthentication"
    name = SECURITY_SCHEME

    def get_security_definition(self, auto_schema: AutoSchema) -> dict[str, Any]:
        from .cookies import token_cookie_name

        return {
            "type": "apiKey",
            "in": "cookie",
            "name": token_cookie_name(),
            "description": (
                "The signed session token cookie set at sign-in. Unsafe methods carrying it "
                "(or an Origin/Referer header) must come from the site's own origin or "
                "CSRF_TRUSTED_ORIGINS."
            ),
        }


# -- Errors -------------------------------------------------------------------------------------

ERROR_MESSAGES: Mapping[str, str] = {
    "BAD_REQUEST": "the body is not parsable",
    "VALIDATION_ERROR": "a field is missing or invalid; the message names it",
    "INVALID_EMAIL_OR_PASSWORD": "wrong email or password, or an inactive user",
    "INVALID_PASSWORD": "the current password is wrong",
    "PASSWORD_TOO_SHORT": "the new password is shorter than AUTHSESSION_MIN_PASSWORD_LENGTH",
    "PASSWORD_TOO_LONG": "a password is longer than AUTHSESSION_MAX_PASSWORD_LENGTH",
    "CREDENTIAL_ACCOUNT_NOT_FOUND": "the user has no usable password",
    "UNAUTHORIZED": "no valid session",
    "INVALID_ORIGIN": "Origin (or Referer) is not this site nor in CSRF_TRUSTED_ORIGINS",
    "MISSING_OR_NULL_ORIGIN": "a cookie-carrying unsafe request without Origin or Referer",
    "INVALID_CALLBACKURL": "callbackURL is not same-site nor a trusted origin",
    "EMAIL_PASSWORD_SIGN_UP_DISABLED": "AUTHSESSION_DISABLE_SIGN_UP is on",
    "SESSION_LIMIT_REACHED": "the user holds AUTHSESSION_MAX_SESSIONS_PER_USER sessions and the "
    'policy is "refuse"',
    "DEVICE_NOT_FOUND": "no known device of this user has that id",
    "UNSUPPORTED_MEDIA_TYPE": "the body is neither JSON nor a form",
    "SESSION_NOT_FRESH": "the session is older than AUTHSESSION_FRESH_AGE: sign in again",
    "BODY_MUST_BE_AN_OBJECT": "the body is not a JSON object",
    "FIELD_NOT_ALLOWED": "a session field declared with input False was given a value",
    "NO_FIELDS_TO_UPDATE": "the body sets none of the declared session fields",
    "FAILED_TO_GET_SESSION": "the session ended while the request ran",
    "USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL": "the email is taken",
    "TOO_MANY_REQUESTS": "the rate limit (AUTHSESSION_RATE_LIMITS) is reached",
    "RATE_LIMIT_UNAVAILABLE": "the rate-limit counters' cache is unreachable (Retry-After: 30)",
    "SERVICE_UNAVAILABLE": (
        "the database is unreachable, or a revocation could not be recorded in the mark store "
        "(AUTHSESSION_REVOCATION_CACHE); nothing about the session is answered and no cookie "
        "is changed: try again"
    ),
    "BANNED_USER": "the user is banned (AUTHSESSION_BANNED_USER_MESSAGE)",
    "USER_NOT_FOUND": "no user has that id",
    "YOU_ARE_NOT_ALLOWED_TO_LIST_USERS_SESSIONS": "not staff, or no view_session permission",
    "YOU_ARE_NOT_ALLOWED_TO_REVOKE_USERS_SESSIONS": "not staff, or no delete_session permission",
    "YOU_ARE_NOT_ALLOWED_TO_BAN_USERS": "not staff, or no change permission on the user model",
    "YOU_CANNOT_BAN_YOURSELF": "the userId is the caller's",
    "YOU_CANNOT_BAN_ADMINS": "the user holds rights the caller lacks",
    "YOU_ARE_NOT_ALLOWED_TO_IMPERSONATE_USERS": "not staff, or no impersonate permission",
    "YOU_CANNOT_IMPERSONATE_ADMINS": "the user holds rights the caller lacks",
    "YOU_CANNOT_IMPERSONATE_YOURSELF": "the userId is the caller's",
    "NOT_IMPERSONATING": "this session is not an impersonation",
}

RESPONSE_HEADERS = [
    OpenApiParameter(
        name,
        {"type": "string", "pattern": "^[0-9]+$"},
        OpenApiParameter.HEADER,
        description="Seconds until the rate limit lets this client in again.",
        response=[429, 503],
    )
    for name in ("Retry-After", "X-Retry-After")
]
SET_COOKIE_HEADER = OpenApiParameter(
    "Set-Cookie",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="The session_token and session_data cookies (HttpOnly; SameSite=Lax).",
    response=[200],
)
SET_AUTH_TOKEN_HEADERS = [
    OpenApiParameter(
        "set-auth-token",
        OpenApiTypes.STR,
        OpenApiParameter.HEADER,
        description=(
            "The signed session token, as the session_token cookie carries it, for clients "
            "without a cookie jar (Better Auth's bearer plugin): send it back as "
            "`Authorization: Bearer <value>`. Whenever the token cookie is set."
        ),
        response=[200],
    ),
    OpenApiParameter(
        "Access-Control-Expose-Headers",
        OpenApiTypes.STR,
        OpenApiParameter.HEADER,
        description="Lists set-auth-token, so cross-origin scripts may read it.",
        response=[200],
    ),
]

ORIGIN = {403: ("INVALID_ORIGIN", "MISSING_OR_NULL_ORIGIN")}
BODY = {
    400: ("BAD_REQUEST", "VALIDATION_ERROR"),
    413: (),  # any code: a body over DATA_UPLOAD_MAX_MEMORY_SIZE
    415: ("UNSUPPORTED_MEDIA_TYPE",),
}
NEEDS_SESSION = {401: ("UNAUTHORIZED",)}
ALWAYS = {429: ("TOO_MANY_REQUESTS",), 503: ("SERVICE_UNAVAILABLE",)}
# Credential checks refuse while the rate-limit counters cannot be read.
CREDENTIAL_CHECK = {503: ("RATE_LIMIT_UNAVAILABLE",)}


def error_schema(codes: Sequence[str] | None = None) -> dict[str, Any]:
    """The ``{"message", "code"}`` shape; ``codes`` lists what this answer may carry."""
    code: dict[str, Any] = {"type": "string", "pattern": "^[A-Z][A-Z0-9_]*$"}
    if codes:
        code = {"type": "string", "enum": list(codes)}
    return {
        "type": "object",
        "required": ["message", "code"],
        "properties": {
            "message": {"type": "string", "description": "Safe to show to the user."},
            "code": code,
        },
    }


def error_response(codes: Sequence[str]) -> OpenApiResponse:
    lines = [f"- `{code}`: {ERROR_MESSAGES.get(code, '')}" for code in codes]
    description = "\n".join(lines) or "The body is larger than the server accepts."
    return OpenApiResponse(response=error_schema(codes), description=description)


def merge_errors(*tables: Mapping[int, Sequence[str]]) -> dict[int, tuple[str, ...]]:
    merged: dict[int, list[str]] = {}
    for table in tables:
        for status, codes in table.items():
            merged.setdefault(status, [])
            merged[status] += [c for c in codes if c not in merged[status]]
    return {status: tuple(codes) for status, codes in sorted(merged.items())}


# -- Endpoints ----------------------------------------------------------------------------------

# DRF's boolean spellings; an empty value reads as false.
QUERY_FLAG: dict[str, Any] = {"anyOf": [{"type": "boolean"}, {"type": "string", "enum": [""]}]}

SESSION_READ_PARAMETERS = [
    OpenApiParameter(
        "disableCookieCache",
        QUERY_FLAG,
        description="Read the database even when the cookie cache is fresh.",
    ),
    OpenApiParameter(
        "disableRefresh", QUERY_FLAG, description="Do not extend the session on this read."
    ),
]


def cookie_cache_parameter() -> OpenApiParameter:
    """The cookie cache the browser sends back; its name follows the cookie settings."""
    from .cookies import data_cookie_name

    return OpenApiParameter(
        data_cookie_name(),
        OpenApiTypes.STR,
        OpenApiParameter.COOKIE,
        description=(
            "The signed cookie cache of the session (chunked as `.0`, `.1`, ... when large). "
            "Used only when it verifies and belongs to the session cookie; otherwise ignored."
        ),
    )


def _link(operation_id: str, description: str, **request_body: str) -> dict[str, Any]:
    """An OpenAPI link object (drf-spectacular has no helper for links)."""
    link: dict[str, Any] = {"operationId": operation_id, "description": description}
    if request_body:
        link["requestBody"] = request_body
    return link


# What a client does next with the session it just got (the cookie rides along).
SIGNED_IN_LINKS: dict[str, dict[str, Any]] = {
    "GetSession": _link("getSession", "The new session, read back with its cookie."),
    "ListSessions": _link("listSessions", "The user's sessions, this one among them."),
    "RevokeSession": _link(
        "revokeSession", "Revoke the new session by its token.", token="$response.body#/token"
    ),
    "SignOut": _link("signOut", "End the new session."),
}


@dataclass(frozen=True)
class Endpoint:
    """One endpoint's description; adding an endpoint is adding one of these to ENDPOINTS."""

    view: str  # class name in ``module``
    operation_id: str
    summary: str
    description: str
    response: Any
    request: Any = None
    # A request body read when the schema is generated (it depends on settings).
    request_factory: Callable[[], Any] | None = None
    errors: Mapping[int, Sequence[str]] = field(default_factory=dict)
    needs_session: bool = False
    parameters: Sequence[OpenApiParameter] = ()
    links: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    tag: str = "Better Auth"
    sets_cookies: bool = False
    module: str = VIEWS
    body_required: bool = False

    @property
    def served(self) -> bool:
        """The endpoints of an optional app (watched sessions, the admin API) exist only where
        that app is installed."""
        from django.apps import apps

        if self.module == VIEWS:
            return True
        return apps.is_installed(self.module.rpartition(".")[0])

    @property
    def view_path(self) -> str:
        return f"{self.module}.{self.view}"

    def schema_kwargs(self) -> dict[str, Any]:
        responses: dict[int, Any] = {
            200: OpenApiResponse(response=self.response, description="Success.")
        }
        for status, codes in merge_errors(self.errors, ALWAYS).items():
            responses[status] = error_response(codes)
        headers = [
            *RESPONSE_HEADERS,
            *([SET_COOKIE_HEADER, *SET_AUTH_TOKEN_HEADERS] if self.sets_cookies else []),
        ]
        return {
            "summary": self.summary,
            "description": self.description,
            "request": self.request if self.request_factory is None else self.request_factory(),
            "responses": responses,
            "parameters": [*self.parameters, cookie_cache_parameter(), *headers],
            "tags": [self.tag],
        }


ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint(
        view="SessionView",
        operation_id="session",
        summary="The current session (documented contract)",
        description=(
            "Always 200 with `Cache-Control: no-store`. Without a valid session both keys are "
            "null and the session cookies are cleared."
        ),
        response=DocumentedSessionResponseSerializer,
        errors={400: ("VALIDATION_ERROR",)},
        parameters=SESSION_READ_PARAMETERS,
        tag="Documented contract",
    ),
    Endpoint(
        view="GetSessionView",
        operation_id="getSession",
        summary="The current session (Better Auth's getSession)",
        description=(
            "Always 200 with `Cache-Control: no-store`; the JSON literal `null` without a valid "
            "session (never a 401)."
        ),
        response=NullableGetSessionResponseSerializer,
        errors={400: ("VALIDATION_ERROR",)},
        parameters=SESSION_READ_PARAMETERS,
    ),
    Endpoint(
        view="SignOutView",
        operation_id="signOut",
        summary="Sign out",
        description="Deletes the session and clears every session cookie; 200 with or without one.",
        response=SuccessSerializer,
        errors=ORIGIN,
    ),
    Endpoint(
        view="SignInEmailView",
        operation_id="signInEmail",
        summary="Sign in with email and password",
        description=(
            "JSON or form-encoded. Sets the session cookies; replaces this browser's session."
        ),
        request=SignInRequestSerializer,
        response=SignInResponseSerializer,
        errors=merge_errors(
            BODY,
            {
                401: ("INVALID_EMAIL_OR_PASSWORD",),
                403: ("INVALID_CALLBACKURL", "SESSION_LIMIT_REACHED", "BANNED_USER"),
            },
            ORIGIN,
            CREDENTIAL_CHECK,
        ),
        links=SIGNED_IN_LINKS,
        sets_cookies=True,
    ),
    Endpoint(
        view="SignUpEmailView",
        operation_id="signUpEmail",
        summary="Sign up with email and password",
        description="Creates the user and signs in, as sign-in does.",
        request=SignUpRequestSerializer,
        response=SignUpResponseSerializer,
        errors=merge_errors(
            BODY,
            {
                400: ("EMAIL_PASSWORD_SIGN_UP_DISABLED",),
                403: ("INVALID_CALLBACKURL",),
                422: ("USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL",),
            },
            ORIGIN,
            CREDENTIAL_CHECK,
        ),
        links={
            **SIGNED_IN_LINKS,
            "SignIn": _link(
                "signInEmail",
                "Sign in again with the new account.",
                email="$request.body#/email",
                password="$request.body#/password",
            ),
        },
        sets_cookies=True,
    ),
    Endpoint(
        view="ListSessionsView",
        operation_id="listSessions",
        summary="The user's active sessions",
        description=(
            "No token is shown but the caller's own. Needs a fresh session, as Better Auth's "
            "does: signed in less than AUTHSESSION_FRESH_AGE ago (403 `SESSION_NOT_FRESH` "
            "otherwise; signing in again from the same browser makes it fresh)."
        ),
        response=ListedSessionSerializer(many=True),
        errors=merge_errors(NEEDS_SESSION, {403: ("SESSION_NOT_FRESH",)}),
        needs_session=True,
    ),
    Endpoint(
        view="RevokeSessionView",
        operation_id="revokeSession",
        summary="Revoke one of the user's sessions by token or id",
        description=(
            "Revoking the caller's own session also clears its cookies. A token or id that "
            "names no session of the caller's (unknown, expired, another user's) gets the "
            'same `{"status": true}`, as Better Auth answers: a stale list shows no error, '
            "and the answer tells nothing about other users' sessions."
        ),
        request={media: REVOKE_SESSION_REQUEST for media in MEDIA_TYPES},
        response=StatusSerializer,
        errors=merge_errors(NEEDS_SESSION, BODY, ORIGIN),
        needs_session=True,
    ),
    Endpoint(
        view="RevokeOtherSessionsView",
        operation_id="revokeOtherSessions",
        summary="Revoke every session of the user but this one",
        description="No body needed.",
        response=StatusSerializer,
        errors=merge_errors(NEEDS_SESSION, ORIGIN),
        needs_session=True,
    ),
    Endpoint(
        view="RevokeSessionsView",
        operation_id="revokeSessions",
        summary="Revoke every session of the user, this one included",
        description="No body needed; clears this browser's cookies.",
        response=StatusSerializer,
        errors=merge_errors(NEEDS_SESSION, ORIGIN),
        needs_session=True,
    ),
    Endpoint(
        view="ChangePasswordView",
        operation_id="changePassword",
        summary="Change the password (Better Auth's changePassword)",
        description=(
            "Sessions are bound to the password: every other session ends. The browser that "
            "changed it stays signed in."
        ),
        request=ChangePasswordRequestSerializer,
        response=ChangePasswordResponseSerializer,
        errors=merge_errors(
            NEEDS_SESSION,
            BODY,
            {
                400: (
                    "INVALID_PASSWORD",
                    "PASSWORD_TOO_SHORT",
                    "PASSWORD_TOO_LONG",
                    "CREDENTIAL_ACCOUNT_NOT_FOUND",
                ),
                403: ("SESSION_LIMIT_REACHED",),
            },
            ORIGIN,
            CREDENTIAL_CHECK,
        ),
        needs_session=True,
        sets_cookies=True,
    ),
    Endpoint(
        view="UpdateSessionView",
        operation_id="updateSession",
        summary="Set the session's fields (Better Auth's updateSession)",
        description=(
            "Sets the project's session fields (AUTHSESSION_SESSION_FIELDS) on the current "
            "session and answers it; re-sets the cookies, so the cookie cache carries the new "
            "values. Fields declared with `input: False` are refused (`FIELD_NOT_ALLOWED`), "
            "values are type-checked (`VALIDATION_ERROR` naming the field)."
        ),
        request_factory=lambda: {"application/json": update_session_request()},
        body_required=True,
        response=UpdateSessionResponseSerializer,
        errors=merge_errors(
            NEEDS_SESSION,
            BODY,
            {
                400: ("BODY_MUST_BE_AN_OBJECT", "FIELD_NOT_ALLOWED", "NO_FIELDS_TO_UPDATE"),
                401: ("FAILED_TO_GET_SESSION",),
            },
            ORIGIN,
        ),
        needs_session=True,
        sets_cookies=True,
    ),
    # django_authsession.activity (described when installed).
    Endpoint(
        view="SecurityEventsView",
        module=ACTIVITY_VIEWS,
        operation_id="securityEvents",
        summary="The user's security history, newest first",
        description=(
            "Sign-ins (and how), failed sign-ins, sign-outs, ended sessions (and who ended them), "
            "password changes, new devices and lockouts of the caller's account, paged with "
            "`limit` (default AUTHSESSION_SECURITY_EVENTS_PAGE_SIZE, at most 100) and `offset`."
        ),
        response=SecurityEventsResponseSerializer,
        errors=merge_errors(NEEDS_SESSION, {400: ("VALIDATION_ERROR",)}),
        needs_session=True,
        parameters=[
            OpenApiParameter("limit", {"type": "integer", "minimum": 1, "maximum": 100}),
            OpenApiParameter("offset", {"type": "integer", "minimum": 0, "maximum": 1_000_000}),
        ],
        tag="Watched sessions",
    ),
    Endpoint(
        view="KnownDevicesView",
        module=ACTIVITY_VIEWS,
        operation_id="knownDevices",
        summary="The browsers the user's account has signed in from",
        description="Known devices outlive their sessions; `current` marks this browser.",
        response=KnownDeviceSerializer(many=True),
        errors=NEEDS_SESSION,
        needs_session=True,
        tag="Watched sessions",
    ),
    Endpoint(
        view="ForgetDeviceView",
        module=ACTIVITY_VIEWS,
        operation_id="forgetDevice",
        summary="Forget a known device",
        description=(
            "The next sign-in from that browser counts as a new device again (and mails the "
            "user when AUTHSESSION_NOTIFY_NEW_DEVICE is on). Its sessions are not ended."
        ),
        request=ForgetDeviceRequestSerializer,
        response=StatusSerializer,
        errors=merge_errors(NEEDS_SESSION, BODY, {404: ("DEVICE_NOT_FOUND",)}, ORIGIN),
        needs_session=True,
        tag="Watched sessions",
    ),
)


ADMIN_ERRORS = merge_errors(NEEDS_SESSION, BODY, ORIGIN)
ADMIN_DOC = " Needs a staff user with the permission named in docs/howto/admin-api.md."

ADMIN_ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint(
        view="ListUserSessionsView",
        module=ADMIN_VIEWS,
        operation_id="adminListUserSessions",
        summary="List a user's sessions (admin)",
        description="Impersonation sessions included; no token is shown." + ADMIN_DOC,
        request=UserIdRequestSerializer,
        response=ListUserSessionsResponseSerializer,
        errors=merge_errors(ADMIN_ERRORS, {403: ("YOU_ARE_NOT_ALLOWED_TO_LIST_USERS_SESSIONS",)}),
        needs_session=True,
        tag="Admin",
    ),
    Endpoint(
        view="RevokeUserSessionView",
        module=ADMIN_VIEWS,
        operation_id="revokeUserSession",
        summary="Revoke one session of any user (admin)",
        description=(
            "Success whether or not the session exists, as Better Auth answers." + ADMIN_DOC
        ),
        request=RevokeUserSessionRequestSerializer,
        response=SuccessSerializer,
        errors=merge_errors(ADMIN_ERRORS, {403: ("YOU_ARE_NOT_ALLOWED_TO_REVOKE_USERS_SESSIONS",)}),
        needs_session=True,
        tag="Admin",
    ),
    Endpoint(
        view="RevokeUserSessionsView",
        module=ADMIN_VIEWS,
        operation_id="revokeUserSessions",
        summary="Revoke every session of a user (admin)",
        description="Also the impersonation sessions the user started." + ADMIN_DOC,
        request=UserIdRequestSerializer,
        response=SuccessSerializer,
        errors=merge_errors(ADMIN_ERRORS, {403: ("YOU_ARE_NOT_ALLOWED_TO_REVOKE_USERS_SESSIONS",)}),
        needs_session=True,
        tag="Admin",
    ),
    Endpoint(
        view="BanUserView",
        module=ADMIN_VIEWS,
        operation_id="banUser",
        summary="Ban a user (admin)",
        description=(
            "Every session of the user ends now; sign-in answers 403 BANNED_USER until the "
            "ban expires or is lifted." + ADMIN_DOC
        ),
        request=BanUserRequestSerializer,
        response=AdminUserResponseSerializer,
        errors=merge_errors(
            ADMIN_ERRORS,
            {
                400: ("YOU_CANNOT_BAN_YOURSELF",),
                403: ("YOU_ARE_NOT_ALLOWED_TO_BAN_USERS", "YOU_CANNOT_BAN_ADMINS"),
                404: ("USER_NOT_FOUND",),
            },
        ),
        needs_session=True,
        tag="Admin",
    ),
    Endpoint(
        view="UnbanUserView",
        module=ADMIN_VIEWS,
        operation_id="unbanUser",
        summary="Lift a user's ban (admin)",
        description="The user may sign in again." + ADMIN_DOC,
        request=UserIdRequestSerializer,
        response=AdminUserResponseSerializer,
        errors=merge_errors(
            ADMIN_ERRORS,
            {403: ("YOU_ARE_NOT_ALLOWED_TO_BAN_USERS",), 404: ("USER_NOT_FOUND",)},
        ),
        needs_session=True,
        tag="Admin",
    ),
    Endpoint(
        view="ImpersonateUserView",
        module=ADMIN_VIEWS,
        operation_id="impersonateUser",
        summary="Impersonate a user (admin)",
        description=(
            "Starts a session as the user, marked `impersonatedBy`, lasting "
            "AUTHSESSION_IMPERSONATION_SESSION_DURATION; the admin's session is parked in the "
            "`admin_session` cookie. The new token is also in `session.token` and the "
            "`set-auth-token` header, for bearer clients. Refused for yourself and for a user "
            "with rights the admin lacks." + ADMIN_DOC
        ),
        request=UserIdRequestSerializer,
        response=ImpersonateResponseSerializer,
        errors=merge_errors(
            ADMIN_ERRORS,
            {
                400: ("YOU_CANNOT_IMPERSONATE_YOURSELF",),
                403: (
                    "YOU_ARE_NOT_ALLOWED_TO_IMPERSONATE_USERS",
                    "YOU_CANNOT_IMPERSONATE_ADMINS",
                    "BANNED_USER",
                ),
                404: ("USER_NOT_FOUND",),
            },
        ),
        needs_session=True,
        sets_cookies=True,
        tag="Admin",
    ),
    Endpoint(
        view="StopImpersonatingView",
        module=ADMIN_VIEWS,
        operation_id="stopImpersonating",
        summary="Stop impersonating (admin)",
        description=(
            "Ends the impersonation session and restores the admin's parked session with its "
            "own lifetime; both keys are null when that session is gone (signed out). No body "
            "needed."
        ),
        response=StopImpersonatingResponseSerializer,
        errors=merge_errors(NEEDS_SESSION, {400: ("NOT_IMPERSONATING",)}, ORIGIN),
        needs_session=True,
        sets_cookies=True,
        tag="Admin",
    ),
)
ENDPOINTS = ENDPOINTS + ADMIN_ENDPOINTS


class BearerTransport:
    """Marker for the bearer security scheme (see :class:`BearerScheme`)."""


class DescribedSchema(AutoSchema):
    """drf-spectacular's AutoSchema with the endpoint's operation id and links (extend_schema
    takes an operation id only on methods, and has no links)."""

    endpoint: Endpoint | None = None

    def get_operation_id(self) -> str:
        if self.endpoint is None:
            return super().get_operation_id()
        return self.endpoint.operation_id

    def get_operation(self, *args: Any, **kwargs: Any) -> dict[str, Any] | None:
        operation: dict[str, Any] | None = super().get_operation(*args, **kwargs)
        if operation is not None and self.endpoint is not None and self.endpoint.body_required:
            operation["requestBody"]["required"] = True
        if operation is not None and self.endpoint is not None and self.endpoint.links:
            operation["responses"]["200"]["links"] = {
                name: dict(link) for name, link in self.endpoint.links.items()
            }
        return operation


def _view_extension(endpoint: Endpoint) -> type[OpenApiViewExtension]:
    """A drf-spectacular extension replacing the view by a described subclass, for the
    generator only; a view that does not exist (yet) is skipped without a warning."""

    def view_replacement(self: OpenApiViewExtension) -> type[APIView]:
        view = self.target_class
        assert isinstance(view, type) and issubclass(view, APIView)
        schema = type("DescribedSchema", (DescribedSchema,), {"endpoint": endpoint})()
        described = type(
            view.__name__,
            (view,),
            {
                "__module__": view.__module__,
                "__doc__": view.__doc__,
                "schema": schema,
                # The cookie and bearer schemes, required or optional; for the generator only.
                "authentication_classes": [AuthSessionAuthentication, BearerTransport],
                "permission_classes": [IsAuthenticated if endpoint.needs_session else AllowAny],
            },
        )
        return extend_schema(**endpoint.schema_kwargs())(described)

    return type(
        f"{endpoint.view}Schema",
        (OpenApiViewExtension,),
        {
            "target_class": endpoint.view_path,
            "optional": True,
            "view_replacement": view_replacement,
            "__module__": __name__,
        },
    )


VIEW_EXTENSIONS = [_view_extension(endpoint) for endpoint in ENDPOINTS if endpoint.served]


def only_authsession_endpoints(
    endpoints: list[tuple[str, str, str, Any]], **kwargs: Any
) -> list[tuple[str, str, str, Any]]:
    """drf-spectacular preprocessing hook: keep the endpoints described above, wherever the
    project mounted them."""
    described = {endpoint.view_path for endpoint in ENDPOINTS}
    return [
        entry
        for entry in endpoints
        if f"{entry[3].cls.__module__}.{entry[3].cls.__qualname__}" in described
    ]
