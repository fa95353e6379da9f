"""Better Auth's ``bearer`` transport: the session token in ``Authorization: Bearer <token>``
instead of the cookie, for mobile apps and other clients without a cookie jar.

The credential is what the ``set-auth-token`` response header carries (the signed cookie value,
URL-encoded or not) or, unless ``AUTHSESSION_BEARER_REQUIRE_SIGNATURE``, the raw token a sign-in
body returns, as Better Auth's plugin accepts both. A verified credential is then the same token
the cookie would carry: the same row, the same checks, the same revocation (``state`` resolves
it). Reading the header costs no query and no cache call; a forged signature costs nothing more.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

from django.http import HttpRequest, HttpResponseBase
from django.views.decorators.debug import sensitive_variables

from .conf import app_settings
from .tokens import MAX_SIGNED_VALUE_LENGTH, sign_cookie_value, unsign_cookie_value
from .wire.signing import SIGNATURE_LENGTH

__all__ = ["SET_AUTH_TOKEN", "credential", "expose_token", "looks_signed", "offered", "verify"]

SET_AUTH_TOKEN = "set-auth-token"
EXPOSE_HEADERS = "Access-Control-Expose-Headers"
_SCHEME = "bearer "
# A raw token as Better Auth and this app generate them (32 of [A-Za-z0-9]), with room for
# longer ones: anything else (a JWT, an API key of another scheme) is not ours.
_RAW_TOKEN = re.compile(r"[A-Za-z0-9]{16,128}")


def offered(request: HttpRequest) -> bool:
    """Does the request carry a bearer credential this app should look at? No I/O."""
    if not app_settings.BEARER:
        return False
    header = request.META.get("HTTP_AUTHORIZATION")
    return bool(header) and header[:7].lower() == _SCHEME  # type: ignore[index]


@sensitive_variables()
def credential(request: HttpRequest) -> str | None:
    """The credential after ``Bearer `` (trimmed), unverified; ``None`` without one."""
    if not offered(request):
        return None
    value = request.META["HTTP_AUTHORIZATION"][7:].strip()
    return value or None


def looks_signed(value: str) -> bool:
    """Shaped like our signed token (``token.<44-character signature>``), whatever the HMAC
    says: a failure of such a value is a forgery worth logging; anything else is another
    scheme's credential (a JWT), ignored without a word."""
    _, dot, sig = (unquote(value) if "%" in value else value).rpartition(".")
    return bool(dot) and len(sig) == SIGNATURE_LENGTH and sig.endswith("=")


@sensitive_variables()
def verify(value: str) -> str | None:
    """The raw token a bearer credential carries, or ``None`` when it is forged or foreign."""
    if len(value) > MAX_SIGNED_VALUE_LENGTH:
        return None
    if "." in value:
        return unsign_cookie_value(value)  # URL-decodes as the cookie path does
    if app_settings.BEARER_REQUIRE_SIGNATURE or not _RAW_TOKEN.fullmatch(value):
        return None
    return value


@sensitive_variables()
def expose_token(response: HttpResponseBase, token: str) -> None:
    """Hand a client without a cookie jar the token the session cookie carries, in
    ``set-auth-token`` (listed in ``Access-Control-Expose-Headers`` so cross-origin scripts
    may read it), as Better Auth's plugin does whenever it sets the session cookie."""
    if not app_settings.BEARER:
        return
    response[SET_AUTH_TOKEN] = sign_cookie_value(token)
    listed = [h.strip() for h in response.get(EXPOSE_HEADERS, "").split(",") if h.strip()]
    if SET_AUTH_TOKEN not in (h.lower() for h in listed):
        listed.append(SET_AUTH_TOKEN)
    response[EXPOSE_HEADERS] = ", ".join(listed)
