"""The ``session_token`` cookie value, as Better Auth signs it:
``encodeURIComponent(token + "." + base64(HMAC-SHA256(secret, token)))``. Django's ``signing``
cannot produce this format, so the primitives are the standard library's."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Sequence
from urllib.parse import quote, unquote

from django.utils.crypto import constant_time_compare

__all__ = ["MAX_SIGNED_VALUE_LENGTH", "SIGNATURE_LENGTH", "sign", "signature", "unsign"]

SIGNATURE_LENGTH = 44  # standard base64 of a 32-byte HMAC-SHA256, with one "=" of padding
# The largest cookie value worth looking at: a token, a dot, a URL-encoded signature.
MAX_SIGNED_VALUE_LENGTH = 256
# encodeURIComponent leaves these unescaped besides letters and digits.
_URI_COMPONENT_SAFE = "-_.!~*'()"


def signature(value: str, secret: str) -> str:
    digest = hmac.new(secret.encode(), value.encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def sign(token: str, secret: str) -> str:
    """The cookie value, URL-encoded exactly as Better Auth sends it."""
    return quote(f"{token}.{signature(token, secret)}", safe=_URI_COMPONENT_SAFE)


def unsign(value: str, secrets: Sequence[str]) -> str | None:
    """The token a signed cookie value carries, or ``None`` if it is malformed or forged.

    Tries each secret in order (current, then fallbacks), in constant time each."""
    if not value or len(value) > MAX_SIGNED_VALUE_LENGTH:
        return None
    token, dot, sig = unquote(value).rpartition(".")
    if not dot or not token or len(sig) != SIGNATURE_LENGTH or not sig.endswith("="):
        return None
    if isinstance(secrets, str):  # one secret passed bare must not become one per character
        secrets = [secrets]
    for secret in secrets:
        if constant_time_compare(signature(token, secret), sig):
            return token
    return None
