"""Security events on the ``django_authsession.security`` logger, as Django logs rejected session
data to ``django.security.SuspiciousSession``: a refusal that is only a ``return None`` cannot be
seen in production. Records carry the event name and the client address, never a token."""

from __future__ import annotations

import logging
from typing import Any

from django.http import HttpRequest

from .client_ip import get_client_ip

__all__ = [
    "FORGED_SIGNATURE",
    "IMPERSONATION_STARTED",
    "IMPERSONATION_STOPPED",
    "MARK_STORE_FAILURE",
    "MARK_STORE_RESET",
    "ORIGIN_REFUSED",
    "RATE_LIMITED",
    "RATE_LIMIT_STORE_FAILURE",
    "REVOKED_REPLAY",
    "UNKNOWN_CLIENT_ADDRESS",
    "USER_BANNED",
    "log_event",
    "logger",
]

logger = logging.getLogger("django_authsession.security")

# Event names, the ``event`` attribute of every record.
FORGED_SIGNATURE = "forged_signature"
REVOKED_REPLAY = "revoked_replay"
RATE_LIMITED = "rate_limited"
ORIGIN_REFUSED = "origin_refused"
MARK_STORE_FAILURE = "mark_store_failure"
MARK_STORE_RESET = "mark_store_reset"  # the mark store lost its generation: marks may be lost
UNKNOWN_CLIENT_ADDRESS = "unknown_client_address"
RATE_LIMIT_STORE_FAILURE = "rate_limit_store_failure"
# The admin API (django_authsession.admin_api): who did what to whom, by primary keys.
USER_BANNED = "user_banned"
IMPERSONATION_STARTED = "impersonation_started"
IMPERSONATION_STOPPED = "impersonation_stopped"


def log_event(
    event: str, request: HttpRequest | None, *, level: int = logging.WARNING, **fields: Any
) -> None:
    """Log ``event`` with the client address and ``fields`` (which must hold no secret)."""
    if not logger.isEnabledFor(level):
        return
    client = get_client_ip(request) if request is not None else ""
    path = request.path if request is not None else ""
    details = " ".join(f"{key}={value}" for key, value in sorted(fields.items()))
    logger.log(
        level,
        "%s client=%s path=%s %s",
        event,
        client or "-",
        path or "-",
        details,
        extra={"event": event, "client_ip": client, **fields},
    )
