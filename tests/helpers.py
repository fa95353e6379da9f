"""Small assertions shared by the tests (cookie parsing, JSON shapes)."""

from __future__ import annotations

import re
from http.cookies import Morsel
from typing import Any

ISO_MS_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")

DOCUMENTED_SESSION_KEYS = {
    "id",
    "user_id",
    "token",
    "expires_at",
    "ip_address",
    "user_agent",
    "created_at",
    "updated_at",
}
DOCUMENTED_USER_KEYS = {
    "id",
    "email",
    "name",
    "type",
    "profession",
    "avatar",
    "isActive",
    "organizationId",
    "isEmailVerified",
    "createdAt",
    "updatedAt",
}
BETTER_AUTH_SESSION_KEYS = {
    "id",
    "userId",
    "token",
    "expiresAt",
    "ipAddress",
    "userAgent",
    "createdAt",
    "updatedAt",
}
BETTER_AUTH_USER_KEYS = DOCUMENTED_USER_KEYS | {"emailVerified", "image"}
NULL_ANSWER = {"session": None, "user": None}


def cleared(response: Any, name: str) -> bool:
    """Did the response tell the browser to drop cookie ``name``?"""
    morsel: Morsel[str] | None = response.cookies.get(name)
    return morsel is not None and morsel.value == "" and str(morsel["max-age"]) == "0"


def set_value(response: Any, name: str) -> str | None:
    """The value the response sets for cookie ``name`` (not a deletion), else ``None``."""
    morsel = response.cookies.get(name)
    if morsel is None or str(morsel["max-age"]) == "0":
        return None
    return morsel.value


def json_of(response: Any) -> Any:
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    return response.json()
