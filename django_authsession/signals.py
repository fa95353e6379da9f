"""Signals a project can hook to audit or extend the session lifecycle."""

from django.dispatch import Signal

__all__ = [
    "session_created",
    "session_reauthenticated",
    "session_refreshed",
    "session_revoked",
    "sessions_cleaned",
]

#: sender=Session class; session=Session, request=HttpRequest | None
session_created = Signal()
#: sender=Session class; session=Session (its new token stored, created_at reset), request:
#: the user checked their password again in a browser already holding this session
session_reauthenticated = Signal()
#: sender=Session class; session=Session (with the new expires_at)
session_refreshed = Signal()
#: sender=Session class; user_id=the owner's pk (None on sign-out, where only the token is
#: known), count=number of rows removed, reason=str ("sign-out", "admin", "deactivated", ...)
session_revoked = Signal()
#: sender=Session class; count=number of expired rows removed
sessions_cleaned = Signal()
