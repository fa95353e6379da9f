"""The JSON shapes of the contract: the documented snake_case session, Better Auth's camelCase
session, and the two spellings of the user object. Duck-typed (any object with the session's
attributes), so this module needs neither the models nor DRF."""

from __future__ import annotations

from datetime import datetime
from datetime import timezone as dt_timezone
from typing import Any

from django.utils.dateparse import parse_datetime

__all__ = [
    "BETTER_AUTH_USER_ALIASES",
    "PLUGIN_SESSION_KEYS",
    "better_auth_session",
    "better_auth_user",
    "documented_from_better_auth",
    "documented_session",
    "documented_user",
    "iso_ms",
    "parse_iso",
]

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
    if len(value) == 24 and value[-1] == "Z":  # what toISOString writes: the fast path
        try:
            return datetime.fromisoformat(value[:-1] + "+00:00")
        except ValueError:
            pass
    parsed = parse_datetime(value)  # reads the trailing "Z" on every Python version
    if parsed is None or parsed.tzinfo is None:
        raise ValueError("timestamp must carry a time zone")
    return parsed


def better_auth_user(documented: dict[str, Any]) -> dict[str, Any]:
    """The documented user object plus Better Auth's core names."""
    data = dict(documented)
    for alias, source in BETTER_AUTH_USER_ALIASES.items():
        data.setdefault(alias, documented.get(source))
    return data


def documented_user(better_auth: dict[str, Any]) -> dict[str, Any]:
    """Inverse of :func:`better_auth_user`, for users read back from the cookie cache."""
    return {k: v for k, v in better_auth.items() if k not in BETTER_AUTH_USER_ALIASES}


def documented_session(session: Any, token: str) -> dict[str, Any]:
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
        **_field_values(session),
    }


def _field_values(session: Any) -> dict[str, Any]:
    """The project's session fields (``Session.field_values``), after the core keys."""
    values: dict[str, Any] | None = getattr(session, "field_values", None)
    return values or {}


_BETTER_AUTH_SESSION_KEYS = frozenset(
    ("id", "userId", "token", "expiresAt", "ipAddress", "userAgent", "createdAt", "updatedAt")
)
# Carried by Better Auth's session object for watched sessions and the admin plugin
# (:func:`better_auth_session`), and not part of the documented session object.
PLUGIN_SESSION_KEYS = frozenset(("lastActiveAt", "location", "impersonatedBy"))


def documented_from_better_auth(session: dict[str, Any]) -> dict[str, Any]:
    """The documented session object from Better Auth's (a cookie cache's), as
    :func:`documented_session` writes it, without parsing the dates back. Keys beyond Better
    Auth's core ones are the project's session fields, kept as they are."""
    documented = {
        "id": session["id"],
        "user_id": session["userId"],
        "token": session["token"],
        "expires_at": session["expiresAt"],
        "ip_address": session.get("ipAddress") or "",
        "user_agent": session.get("userAgent") or "",
        "created_at": session["createdAt"],
        "updated_at": session["updatedAt"],
    }
    documented.update(
        (k, v)
        for k, v in session.items()
        if k not in _BETTER_AUTH_SESSION_KEYS and k not in PLUGIN_SESSION_KEYS
    )
    return documented


def better_auth_session(session: Any, token: str | None) -> dict[str, Any]:
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
        **_field_values(session),
    }
    if token is None:
        del data["token"]
    # Additional fields, as Better Auth's ``session.additionalFields`` ride along: when
    # activity is tracked, the cookie cache carries what the throttle needs.
    last_active_at = getattr(session, "last_active_at", None)
    if last_active_at is not None:
        data["lastActiveAt"] = iso_ms(last_active_at)
    location = getattr(session, "location", None)
    if location is not None:
        data["location"] = location
    impersonated_by = getattr(session, "impersonated_by_id", None)
    if impersonated_by is not None:  # Better Auth's admin plugin field, on impersonation only
        data["impersonatedBy"] = str(impersonated_by)
    return data
