"""Session tokens: generation, the stored form, and the signed ``session_token`` cookie value.

The cookie format is Better Auth's (``encodeURIComponent(token + "." + base64(HMAC-SHA256))``),
and lives with Better Auth's other byte formats in :mod:`django_authsession.wire.signing`; this
module adds the project's secrets and the stored form.
"""

from __future__ import annotations

import hashlib
import secrets
import string
from collections.abc import Sequence

from .conf import app_settings
from .wire import signing
from .wire.signing import MAX_SIGNED_VALUE_LENGTH, SIGNATURE_LENGTH, signature

__all__ = [
    "MAX_SIGNED_VALUE_LENGTH",
    "SIGNATURE_LENGTH",
    "TOKEN_LENGTH",
    "generate_token",
    "sign_cookie_value",
    "signature",
    "storage_key",
    "unsign_cookie_value",
]

TOKEN_LENGTH = 32
TOKEN_ALPHABET = string.ascii_letters + string.digits


def generate_token() -> str:
    """32 characters of ``[A-Za-z0-9]`` (190 bits), as Better Auth's ``generateId``."""
    return "".join(secrets.choice(TOKEN_ALPHABET) for _ in range(TOKEN_LENGTH))


def storage_key(token: str) -> str:
    """What the ``session.token`` column holds for ``token``: a SHA-256 digest unless the
    project shares its table with a Better Auth server (``AUTHSESSION_TOKEN_STORAGE="plain"``)."""
    if app_settings.TOKEN_STORAGE == "plain":
        return token
    return hashlib.sha256(token.encode()).hexdigest()


def sign_cookie_value(token: str, secret: str | None = None) -> str:
    """The ``session_token`` cookie value, URL-encoded exactly as Better Auth sends it."""
    return signing.sign(token, secret or app_settings.SECRET)


def unsign_cookie_value(value: str, secrets_: Sequence[str] | None = None) -> str | None:
    """The token carried by a signed cookie value, or ``None`` if it is malformed or forged.

    Tries the current secret, then each fallback, in constant time each.
    """
    return signing.unsign(value, app_settings.SECRETS if secrets_ is None else secrets_)
