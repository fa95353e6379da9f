"""Extra fields stored with each session, Better Auth's ``session.additionalFields``.

A project declares them in ``AUTHSESSION_SESSION_FIELDS``::

    AUTHSESSION_SESSION_FIELDS = {
        "activeOrganizationId": {"type": "string", "default": None, "input": True},
    }

Each field has a ``type`` (``"string"``, ``"number"``, ``"boolean"``, ``"date"``, ``"json"``,
``"string[]"``, ``"number[]"``), a ``default`` (``None`` unless given), ``input`` (may the client
set it with ``/update-session``; Better Auth's default is yes) and ``required`` (``None`` refused).
Values live in the session row's ``data`` JSON column, are returned in every session answer
(beside ``createdAt``, as Better Auth returns its additional fields) and ride in the cookie cache.
Pure: reads settings, no models, no DRF. System check E032 validates the declaration.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .conf import app_settings
from .wire.jsjson import NotJSONCompatible, js_stringify
from .wire.shapes import PLUGIN_SESSION_KEYS, iso_ms, parse_iso

__all__ = [
    "CORE_SESSION_KEYS",
    "MAX_DATA_BYTES",
    "TYPES",
    "FieldError",
    "SessionField",
    "declared",
    "from_cached",
    "parse_update",
    "values",
]

TYPES = ("string", "number", "boolean", "date", "json", "string[]", "number[]")
# Better Auth's own session keys (and the documented snake_case ones): no field may shadow them.
CORE_SESSION_KEYS = frozenset(
    {
        "id",
        "userId",
        "token",
        "expiresAt",
        "ipAddress",
        "userAgent",
        "createdAt",
        "updatedAt",
        "user_id",
        "expires_at",
        "ip_address",
        "user_agent",
        "created_at",
        "updated_at",
    }
    | PLUGIN_SESSION_KEYS
)
# The fields of one session, as JSON: they ride in every cookie cache and session answer.
MAX_DATA_BYTES = 4096
MAX_ITEMS = 8  # of a list field


def field_budget() -> int:
    """Bytes of JSON one field's value may take, so that all of them fit ``MAX_DATA_BYTES``
    (64 bytes each kept for the name and punctuation)."""
    return MAX_DATA_BYTES // max(1, len(declared())) - 64


def max_length(kind: str, budget: int) -> int:
    """The longest string a field of ``kind`` (or an item of a list field) takes: six bytes a
    character, what JSON's worst escape costs."""
    return (budget // MAX_ITEMS if kind.endswith("[]") else budget) // 6


class FieldError(ValueError):
    """A value the declaration refuses; ``code`` and ``message`` are Better Auth's."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class SessionField:
    name: str
    type: str
    default: Any = None
    input: bool = True
    required: bool = False

    def clean(self, value: Any) -> Any:
        """The value to store, or :class:`FieldError` naming the field."""
        if value is None:
            if self.required:
                raise FieldError("VALIDATION_ERROR", f"{self.name}: This field may not be null.")
            return None
        try:
            return _clean(self.type, value, max_length(self.type, field_budget()))
        except (TypeError, ValueError) as exc:
            raise FieldError("VALIDATION_ERROR", f"{self.name}: {exc}") from None


def _clean(kind: str, value: Any, longest: int) -> Any:
    if kind == "string":
        if not isinstance(value, str):
            raise TypeError("Must be a string.")
        if len(value) > longest:
            raise ValueError(f"Ensure this field has no more than {longest} characters.")
        if "\x00" in value:
            raise ValueError("Null characters are not allowed.")
        return value
    if kind == "number":
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise TypeError("Must be a number.")
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError("Must be a finite number.")
        return value
    if kind == "boolean":
        if not isinstance(value, bool):
            raise TypeError("Must be a boolean.")
        return value
    if kind == "date":
        try:
            return iso_ms(parse_iso(value))  # stored as the client reads dates: ISO 8601, Z
        except (TypeError, ValueError):
            raise ValueError("Must be an ISO 8601 date with a time zone.") from None
    if kind.endswith("[]"):
        if not isinstance(value, list):
            raise TypeError(f"Must be a list of {kind[:-2]}s.")
        if len(value) > MAX_ITEMS:
            raise ValueError(f"Ensure this list has no more than {MAX_ITEMS} items.")
        return [_clean(kind[:-2], item, longest) for item in value]
    try:  # json: anything JSON can carry
        js_stringify(value)
    except NotJSONCompatible as exc:
        raise ValueError(f"Must be JSON ({exc.reason}).") from None
    return value


def declared() -> dict[str, SessionField]:
    """The declared fields, by name (a malformed entry is skipped; E032 reports it)."""
    fields: dict[str, SessionField] = {}
    for name, spec in app_settings.SESSION_FIELDS.items():
        if not isinstance(spec, Mapping) or spec.get("type") not in TYPES:
            continue
        fields[str(name)] = SessionField(
            name=str(name),
            type=str(spec["type"]),
            default=spec.get("default"),
            input=bool(spec.get("input", True)),
            required=bool(spec.get("required", False)),
        )
    return fields


def values(data: Mapping[str, Any] | None) -> dict[str, Any]:
    """Every declared field's value in a session's ``data`` (its default where unset)."""
    fields = declared()
    if not fields:
        return {}
    data = data if isinstance(data, Mapping) else {}
    return {name: data.get(name, field.default) for name, field in fields.items()}


def from_cached(session: Mapping[str, Any]) -> dict[str, Any]:
    """The ``data`` of a session rebuilt from a cookie cache's session object."""
    return {name: session[name] for name in declared() if name in session}


def parse_update(body: Any) -> dict[str, Any]:
    """The fields an ``/update-session`` body sets, as Better Auth's ``parseSessionInput``
    reads it: keys that are not declared are ignored; a field the client may not set is
    refused when given a truthy value (``FIELD_NOT_ALLOWED``) and skipped otherwise; types are
    checked (``VALIDATION_ERROR`` naming the field)."""
    if not isinstance(body, Mapping):
        raise FieldError("BODY_MUST_BE_AN_OBJECT", "Body must be an object")
    parsed: dict[str, Any] = {}
    for name, field in declared().items():
        if name not in body:
            continue
        value = body[name]
        if not field.input:
            if _js_truthy(value):
                raise FieldError("FIELD_NOT_ALLOWED", f"{name} is not allowed to be set")
            continue
        parsed[name] = field.clean(value)
    return parsed


def check_size(data: Mapping[str, Any]) -> None:
    """The fields stay small (they ride in every cookie cache and session answer) and hold no
    NUL character (PostgreSQL's ``jsonb`` cannot store one)."""
    if _holds_nul(data):
        raise FieldError("VALIDATION_ERROR", "Session fields cannot hold a NUL character.")
    if len(js_stringify(dict(data)).encode()) > MAX_DATA_BYTES:
        raise FieldError(
            "VALIDATION_ERROR", f"Session fields are larger than {MAX_DATA_BYTES} bytes as JSON."
        )


def _holds_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, Mapping):
        return any(_holds_nul(k) or _holds_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_holds_nul(item) for item in value)
    return False


def _js_truthy(value: Any) -> bool:
    """JavaScript's truthiness, which Better Auth's check uses: ``{}`` and ``[]`` are true."""
    if value is None or value is False or value == "":
        return False
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value == value and value != 0  # NaN and 0 are false
    return True
