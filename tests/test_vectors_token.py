"""How Better Auth 1.7.25 signs the ``session_token`` cookie, pinned to its real output.

A reference written here from better-call's ``signCookieValue`` / ``getSignedCookie``
(``dist/crypto.mjs``, ``dist/context.mjs``), checked against the cookies in tests/vectors.json:
``encodeURIComponent(token + "." + base64(HMAC-SHA256(utf8(secret), utf8(token))))``, standard
base64 with padding (44 characters). The package's own signer lives in ``tokens.py``; these
tests document the format it must match, they do not import it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

import pytest

VECTORS: dict[str, Any] = json.loads(
    (Path(__file__).parent / "vectors.json").read_text(encoding="utf-8")
)
TOKEN_COOKIE = "better-auth.session_token"
# encodeURIComponent escapes everything but A-Z a-z 0-9 and these.
URI_COMPONENT_SAFE = "-_.!~*'()"


def reference_sign(token: str, secret: str) -> str:
    digest = hmac.new(secret.encode("utf-8"), token.encode("utf-8"), hashlib.sha256).digest()
    return quote(f"{token}.{base64.b64encode(digest).decode('ascii')}", safe=URI_COMPONENT_SAFE)


def reference_verify(cookie_value: str, secrets: list[str]) -> str | None:
    """better-call's getSignedCookie, with fallback secrets added (Better Auth has only one)."""
    decoded = unquote(cookie_value)
    token, dot, signature = decoded.rpartition(".")
    if not dot or not token or len(signature) != 44 or not signature.endswith("="):
        return None
    for secret in secrets:
        expected = reference_sign(token, secret)
        if hmac.compare_digest(unquote(expected).rpartition(".")[2], signature):
            return token
    return None


TOKEN_VECTORS: list[dict[str, str]] = VECTORS["session_token_vectors"]


@pytest.mark.parametrize("vector", TOKEN_VECTORS, ids=lambda v: v["token"])
def test_reference_signer_reproduces_better_auth(vector: dict[str, str]) -> None:
    assert reference_sign(vector["token"], vector["secret"]) == vector["cookie_value"]


@pytest.mark.parametrize("vector", TOKEN_VECTORS, ids=lambda v: v["token"])
def test_token_shape(vector: dict[str, str]) -> None:
    assert re.fullmatch(r"[A-Za-z0-9]{32}", vector["token"])
    signature = unquote(vector["cookie_value"]).rpartition(".")[2]
    assert len(signature) == 44
    assert signature.endswith("=")
    assert re.fullmatch(r"[A-Za-z0-9+/]{43}=", signature)
    # Only +, / and = are escaped, as %2B, %2F, %3D.
    assert set(re.findall(r"%[0-9A-F]{2}", vector["cookie_value"])) <= {"%2B", "%2F", "%3D"}


@pytest.mark.parametrize("case", VECTORS["cases"], ids=lambda c: c["name"])
def test_set_cookie_carries_the_signed_value(case: dict[str, Any]) -> None:
    header = next(h for h in case["set_cookie"] if h.startswith(TOKEN_COOKIE + "="))
    value = header.split(";", 1)[0].split("=", 1)[1]
    assert value == case["cookies"][TOKEN_COOKIE]
    assert value == reference_sign(case["token"], VECTORS["secret"])
    if case["name"] == "dont_remember_me":
        assert header.endswith("; Path=/; HttpOnly; SameSite=Lax")
    else:
        assert header.endswith("; Max-Age=604800; Path=/; HttpOnly; SameSite=Lax")


@pytest.mark.parametrize("vector", TOKEN_VECTORS, ids=lambda v: v["token"])
def test_reference_verify(vector: dict[str, str]) -> None:
    value, secret = vector["cookie_value"], vector["secret"]
    assert reference_verify(value, [secret]) == vector["token"]
    assert reference_verify(value, ["another-secret-0123456789abcdef", secret]) == vector["token"]
    assert reference_verify(value, ["another-secret-0123456789abcdef"]) is None
    # The browser may send it decoded; unquote of a decoded value is the same string.
    assert reference_verify(unquote(value), [secret]) == vector["token"]
    token, _, signature = unquote(value).rpartition(".")
    for i in range(len(signature) - 1):  # the last character is the "=" pad
        flipped = signature[:i] + ("A" if signature[i] != "A" else "B") + signature[i + 1 :]
        assert reference_verify(f"{token}.{flipped}", [secret]) is None
    other_token = token[:-1] + ("x" if token[-1] != "x" else "y")
    assert reference_verify(f"{other_token}.{signature}", [secret]) is None
    assert reference_verify(token, [secret]) is None
