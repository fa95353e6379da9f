"""Sessions bound to the password: a session row keeps a keyed digest of the user's
``get_session_auth_hash()`` (Django's own "password state" of a user) from when it started, and
is valid only while the user's current state gives the same digest. Any password change ends
older sessions, however it happens (``set_password``, assignment and ``save()``, a queryset
``update()``, a sign-in racing the change), because the check reads the user row itself.

The digest is an HMAC with the app's secret, so the column says nothing about the password
to someone who reads the table. Rows with an empty digest (created before this column existed,
or by a Better Auth server sharing the table) are not bound.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterator
from typing import Any

from django.utils.crypto import constant_time_compare

from .conf import app_settings


def _auth_hashes(user: Any) -> Iterator[str]:
    """The user's session auth hash under ``SECRET_KEY``, then under each fallback key."""
    current = getattr(user, "get_session_auth_hash", None)
    if current is None:
        return
    yield str(current())
    fallbacks = getattr(user, "get_session_auth_fallback_hash", None)
    if fallbacks is not None:
        yield from (str(h) for h in fallbacks())


def _keyed(secret: str, auth_hash: str) -> str:
    return hmac.new(secret.encode(), auth_hash.encode(), hashlib.sha256).hexdigest()


def digest(user: Any) -> str:
    """What a new session of ``user`` stores; empty for a model without session auth hashes."""
    auth_hash = next(_auth_hashes(user), None)
    return "" if auth_hash is None else _keyed(app_settings.SECRET, auth_hash)


def matches(stored: str, user: Any) -> bool:
    """Is ``stored`` the digest of the user's current password state? Tries the current secrets
    first, then fallbacks, so rotating ``SECRET_KEY`` or the app secret signs nobody out."""
    if not stored:
        return True
    return any(
        constant_time_compare(stored, _keyed(secret, auth_hash))
        for secret in app_settings.SECRETS
        for auth_hash in _auth_hashes(user)
    )
