import base64
import hashlib
import hmac
from urllib.parse import unquote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from django_authsession import tokens


def test_tokens_are_32_alphanumerics_and_unique() -> None:
    generated = {tokens.generate_token() for _ in range(200)}
    assert len(generated) == 200
    assert all(len(t) == 32 and t.isascii() and t.isalnum() for t in generated)


def test_cookie_value_is_token_dot_base64_hmac_url_encoded() -> None:
    token = "abcdefghijklmnopqrstuvwxyzABCDEF"
    secret = "s3cret"
    value = tokens.sign_cookie_value(token, secret)
    expected_sig = base64.b64encode(
        hmac.new(secret.encode(), token.encode(), hashlib.sha256).digest()
    ).decode()
    assert unquote(value) == f"{token}.{expected_sig}"
    assert len(expected_sig) == 44
    assert "+" not in value and "/" not in value and "=" not in value  # encodeURIComponent


def test_verification_round_trip_and_fallbacks() -> None:
    token = tokens.generate_token()
    old = tokens.sign_cookie_value(token, "old-secret")
    assert tokens.unsign_cookie_value(old, ["new-secret"]) is None
    assert tokens.unsign_cookie_value(old, ["new-secret", "old-secret"]) == token


@pytest.mark.parametrize(
    "value",
    [
        "",
        "no-dot-at-all",
        "token.short",
        "token." + "A" * 44,  # right length, no padding
        "." + "A" * 43 + "=",  # empty token
        "x" * 5000,
        "%E0%A4%A",  # broken percent-encoding
    ],
)
def test_malformed_values_are_rejected(value: str) -> None:
    assert tokens.unsign_cookie_value(value, ["secret"]) is None


def test_any_tampering_is_rejected() -> None:
    token = tokens.generate_token()
    value = unquote(tokens.sign_cookie_value(token, "secret"))
    for i in range(len(value)):
        if value[i] == ".":
            continue
        flipped = value[:i] + ("A" if value[i] != "A" else "B") + value[i + 1 :]
        assert tokens.unsign_cookie_value(flipped, ["secret"]) is None


@given(st.text(max_size=300))
def test_arbitrary_text_never_raises(value: str) -> None:
    assert tokens.unsign_cookie_value(value, ["secret"]) is None


def test_storage_key_is_a_digest_unless_plain(settings) -> None:
    token = tokens.generate_token()
    assert tokens.storage_key(token) == hashlib.sha256(token.encode()).hexdigest()
    settings.AUTHSESSION_TOKEN_STORAGE = "plain"
    assert tokens.storage_key(token) == token
