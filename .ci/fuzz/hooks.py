"""Schemathesis hooks for the fuzz run (``.ci/fuzz/run``): a fresh signed-in session for every
case of the endpoints that need one, so fuzzing reaches their views instead of the 401."""

from __future__ import annotations

import os
import secrets
from typing import Any

import requests
import schemathesis

BASE_URL = os.environ["FUZZ_BASE_URL"]  # e.g. http://127.0.0.1:8500
API = f"{BASE_URL}/api/auth"
COOKIE = "better-auth.session_token"  # the example project runs with DEBUG: no __Secure-
HEADERS = {"Origin": BASE_URL}
EMAIL = f"fuzz-{secrets.token_hex(6)}@example.com"
PASSWORD = f"fuzz-{secrets.token_hex(12)}"
NEEDS_SESSION = [
    "listSessions",
    "revokeSession",
    "revokeOtherSessions",
    "revokeSessions",
    "changePassword",
    "securityEvents",
    "knownDevices",
    "forgetDevice",
    "updateSession",
]


def _session_cookie(response: requests.Response) -> str:
    response.raise_for_status()
    return str(response.cookies[COOKIE])


@schemathesis.auth(refresh_interval=None).apply_to(operation_id=NEEDS_SESSION)
class FreshSession:
    """Signs the fuzz user in for each case (revoking cases end the session they use)."""

    signed_up = False

    def get(self, case: Any, context: Any) -> str:
        if not FreshSession.signed_up:
            body = {"name": "Fuzz", "email": EMAIL, "password": PASSWORD}
            up = requests.post(f"{API}/sign-up/email", json=body, headers=HEADERS, timeout=10)
            FreshSession.signed_up = True
            return _session_cookie(up)
        body = {"email": EMAIL, "password": PASSWORD}
        return _session_cookie(
            requests.post(f"{API}/sign-in/email", json=body, headers=HEADERS, timeout=10)
        )

    def set(self, case: Any, data: str, context: Any) -> None:
        case.cookies = {**(case.cookies or {}), COOKIE: data}


ADMIN_EMAIL = os.environ.get("FUZZ_ADMIN_EMAIL", "")
ADMIN_PASSWORD = os.environ.get("FUZZ_ADMIN_PASSWORD", "")
ADMIN_OPERATIONS = [
    "adminListUserSessions",
    "revokeUserSession",
    "revokeUserSessions",
    "banUser",
    "unbanUser",
    "impersonateUser",
    "stopImpersonating",
]


@schemathesis.auth(refresh_interval=None).apply_to(operation_id=ADMIN_OPERATIONS)
class AdminSession:
    """Signs the superuser the run script created in for each case of the admin endpoints."""

    def get(self, case: Any, context: Any) -> str:
        body = {"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}
        return _session_cookie(
            requests.post(f"{API}/sign-in/email", json=body, headers=HEADERS, timeout=10)
        )

    def set(self, case: Any, data: str, context: Any) -> None:
        case.cookies = {**(case.cookies or {}), COOKIE: data}
