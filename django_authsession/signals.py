"""Signals a project can hook to audit or extend the session lifecycle (the
``django_authsession.activity`` app records each of them as a security event)."""

from django.dispatch import Signal

__all__ = [
    "account_locked_out",
    "password_changed",
    "session_created",
    "session_reauthenticated",
    "session_refreshed",
    "session_refused",
    "session_revoked",
    "sessions_cleaned",
]

#: sender=Session class; session=Session, request=HttpRequest | None, how=str (how the user
#: signed in: "email" (the sign-in endpoint), "sign-up", "change-password", or "login" (the
#: Python API ``auth.login()`` and Django's ``login()``))
session_created = Signal()
#: sender=Session class; session=Session (its new token stored, created_at reset), request:
#: the user checked their password again in a browser already holding this session
session_reauthenticated = Signal()
#: sender=Session class; session=Session (with the new expires_at)
session_refreshed = Signal()
#: sender=Session class; user_id=the owner's pk (None when it is not known), count=number of
#: rows removed, reason=str ("sign-out", "admin", "deactivated", "idle-timeout", "session-cap",
#: ...), session_ids=list of the removed sessions' ids, request=HttpRequest | None (the request
#: that ended them: its user is who did it)
session_revoked = Signal()
#: sender=Session class; count=number of expired rows removed
sessions_cleaned = Signal()
#: sender=Session class; user=the user, request=HttpRequest | None, reason=str ("session-cap"):
#: a sign-in was refused after the password was checked
session_refused = Signal()
#: sender=the user's class; user=the user, request=HttpRequest | None: the password was set
#: (``set_password`` then ``save``), by the change-password endpoint or any other way
password_changed = Signal()
#: sender=Session class; email=str (as typed), request=HttpRequest: the failed sign-in that used
#: up the account's allowance (``AUTHSESSION_ACCOUNT_FAILURE_LIMIT``)
account_locked_out = Signal()
