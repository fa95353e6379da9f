"""The endpoint names, defined once: the URLconf mounts them, the views carry them, and rate
limits are keyed and configured by them (``AUTHSESSION_RATE_LIMITS = {"/sign-in/email": ...}``).
Each is the endpoint's path relative to where ``django_authsession.urls`` is included."""

from __future__ import annotations

__all__ = [
    "ADMIN",
    "ADMIN_BAN_USER",
    "ADMIN_IMPERSONATE_USER",
    "ADMIN_LIST_USER_SESSIONS",
    "ADMIN_REVOKE_USER_SESSION",
    "ADMIN_REVOKE_USER_SESSIONS",
    "ADMIN_STOP_IMPERSONATING",
    "ADMIN_UNBAN_USER",
    "ALL",
    "CHANGE_PASSWORD",
    "CREDENTIAL_CHECKS",
    "FORGET_DEVICE",
    "GET_SESSION",
    "KNOWN_DEVICES",
    "LIST_SESSIONS",
    "REVOKE_OTHER_SESSIONS",
    "REVOKE_SESSION",
    "REVOKE_SESSIONS",
    "SECURITY_EVENTS",
    "SESSION",
    "SESSION_READS",
    "SIGN_IN_EMAIL",
    "SIGN_OUT",
    "SIGN_UP_EMAIL",
    "UPDATE_SESSION",
]

SESSION = "/session"
GET_SESSION = "/get-session"
SIGN_OUT = "/sign-out"
SIGN_IN_EMAIL = "/sign-in/email"
SIGN_UP_EMAIL = "/sign-up/email"
LIST_SESSIONS = "/list-sessions"
REVOKE_SESSION = "/revoke-session"
REVOKE_OTHER_SESSIONS = "/revoke-other-sessions"
REVOKE_SESSIONS = "/revoke-sessions"
CHANGE_PASSWORD = "/change-password"
# With django_authsession.activity installed.
SECURITY_EVENTS = "/security-events"
KNOWN_DEVICES = "/known-devices"
FORGET_DEVICE = "/forget-device"
UPDATE_SESSION = "/update-session"
# Better Auth's admin plugin (served when django_authsession.admin_api is installed).
ADMIN_LIST_USER_SESSIONS = "/admin/list-user-sessions"
ADMIN_REVOKE_USER_SESSION = "/admin/revoke-user-session"
ADMIN_REVOKE_USER_SESSIONS = "/admin/revoke-user-sessions"
ADMIN_BAN_USER = "/admin/ban-user"
ADMIN_UNBAN_USER = "/admin/unban-user"
ADMIN_IMPERSONATE_USER = "/admin/impersonate-user"
ADMIN_STOP_IMPERSONATING = "/admin/stop-impersonating"

ADMIN = (
    ADMIN_LIST_USER_SESSIONS,
    ADMIN_REVOKE_USER_SESSION,
    ADMIN_REVOKE_USER_SESSIONS,
    ADMIN_BAN_USER,
    ADMIN_UNBAN_USER,
    ADMIN_IMPERSONATE_USER,
    ADMIN_STOP_IMPERSONATING,
)

ALL = (
    SESSION,
    GET_SESSION,
    SIGN_OUT,
    SIGN_IN_EMAIL,
    SIGN_UP_EMAIL,
    LIST_SESSIONS,
    REVOKE_SESSION,
    REVOKE_OTHER_SESSIONS,
    REVOKE_SESSIONS,
    CHANGE_PASSWORD,
    SECURITY_EVENTS,
    KNOWN_DEVICES,
    FORGET_DEVICE,
    UPDATE_SESSION,
    *ADMIN,
)
# The two session reads, whose rate limit counts only requests without a valid session.
SESSION_READS = frozenset({SESSION, GET_SESSION})
# The endpoints that check a password or create an account: when the rate-limit counters
# cannot be read they refuse (503) rather than let guessing run unlimited; the others go on.
CREDENTIAL_CHECKS = frozenset({SIGN_IN_EMAIL, SIGN_UP_EMAIL, CHANGE_PASSWORD})
