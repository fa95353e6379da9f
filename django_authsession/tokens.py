"""Session tokens: generation, the stored form, and the signed ``session_token`` cookie value.

The cookie format is Better Auth's (``encodeURIComponent(token + "." + base64(HMAC-SHA256))``),
so Django's ``signing`` module cannot produce it; the primitives are the standard library's.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import string
from collections.abc import Sequence
from urllib.parse import quote, unquote

from django.utils.crypto import constant_time_compare

from .conf import app_settings

TOKEN_LENGTH = 32
TOKEN_ALPHABET = string.ascii_letters + string.digits
SIGNATURE_LENGTH = 44  # standard base64 of a 32-byte HMAC-SHA256, with one "=" of padding
# The largest cookie value worth looking at: a token, a dot, a URL-encoded signature.
MAX_SIGNED_VALUE_LENGTH = 256
# encodeURIComponent leaves these unescaped besides letters and digits.
_URI_COMPONENT_SAFE = "-_.!~*'()"


def generate_token() -> str:
    """32 characters of ``[A-Za-z0-9]`` (190 bits), as Better Auth's ``generateId``."""
    return "".join(secrets.choice(TOKEN_ALPHABET) for _ in range(TOKEN_LENGTH))


def storage_key(token: str) -> str:
    """What the ``session.token`` column holds for ``token``: a SHA-256 digest unless the
    project shares its table with a Better Auth server (``AUTHSESSION_TOKEN_STORAGE="plain"``)."""
    if app_settings.TOKEN_STORAGE == "plain":
        return token
    return hashlib.sha256(token.encode()).hexdigest()


def signature(value: str, secret: str) -> str:
    digest = hmac.new(secret.encode(), value.encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def sign_cookie_value(token: str, secret: str | None = None) -> str:
    """The ``session_token`` cookie value, URL-encoded exactly as Better Auth sends it."""
    signed = f"{token}.{signature(token, secret or app_settings.SECRET)}"
    return quote(signed, safe=_URI_COMPONENT_SAFE)


def unsign_cookie_value(value: str, secrets_: Sequence[str] | None = None) -> str | None:
    """The token carried by a signed cookie value, or ``None`` if it is malformed or forged.

    Tries the current secret, then each fallback, in constant time each.
    """
    if not value or len(value) > MAX_SIGNED_VALUE_LENGTH:
        return None
    decoded = unquote(value)
    token, dot, sig = decoded.rpartition(".")
    if not dot or not token or len(sig) != SIGNATURE_LENGTH or not sig.endswith("="):
        return None
    for secret in secrets_ if secrets_ is not None else app_settings.SECRETS:
        if constant_time_compare(signature(token, secret), sig):
            return token
    return None
