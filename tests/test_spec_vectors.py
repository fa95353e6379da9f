"""The cookies in the spec's vectors (issued by Better Auth 1.7.25 itself, copied verbatim from
the spec into tests/spec_vectors.json): we read them, verify them and reproduce them byte for byte.
tests/vectors.json holds more cases generated the same way (see test_cookie_cache.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from django_authsession.tokens import sign_cookie_value, unsign_cookie_value
from django_authsession.wire import chunks, cookie_cache
from tests.helpers import cleared

SPEC: dict[str, Any] = json.loads(
    (Path(__file__).parent / "spec_vectors.json").read_text(encoding="utf-8")
)
SECRET: str = SPEC["secret"]
CASES = SPEC["cases"]
DATA_COOKIE = "better-auth.session_data"


def _joined(case: dict[str, Any]) -> str:
    value = chunks.join_chunks(case["session_data_cookies"], DATA_COOKIE)
    assert value is not None
    return value


def _outer(value: str) -> dict[str, Any]:
    import base64

    return json.loads(base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)))


@pytest.mark.parametrize("case", CASES, ids=[c["label"] for c in CASES])
def test_session_token_cookie_verifies_and_reproduces(case: dict[str, Any]) -> None:
    assert unsign_cookie_value(case["session_token_cookie"], [SECRET]) == case["token"]
    assert sign_cookie_value(case["token"], SECRET) == case["session_token_cookie"]
    assert unsign_cookie_value(case["session_token_cookie"], ["another-secret"]) is None


@pytest.mark.parametrize("case", CASES, ids=[c["label"] for c in CASES])
def test_session_data_decodes_to_what_better_auth_answered(case: dict[str, Any]) -> None:
    value = _joined(case)
    expires_at = _outer(value)["expiresAt"]
    cached = cookie_cache.decode_session_data(value, [SECRET], now_ms=expires_at - 1)
    assert cached is not None
    assert cached.session["token"] == case["token"]
    assert {"session": cached.session, "user": cached.user} == json.loads(case["get_session_body"])
    assert cookie_cache.decode_session_data(value, [SECRET], now_ms=expires_at + 1) is None
    assert cookie_cache.decode_session_data(value, ["wrong", SECRET], now_ms=expires_at) is not None
    assert cookie_cache.decode_session_data(value, ["wrong"], now_ms=expires_at - 1) is None


@pytest.mark.parametrize("case", CASES, ids=[c["label"] for c in CASES])
def test_session_data_re_encodes_byte_for_byte(case: dict[str, Any]) -> None:
    value = _joined(case)
    expires_at = _outer(value)["expiresAt"]
    cached = cookie_cache.decode_session_data(value, [SECRET], now_ms=expires_at - 1)
    assert cached is not None
    again = cookie_cache.encode_session_data(
        cached.session,
        cached.user,
        secret=SECRET,
        max_age=300,
        now_ms=expires_at - 300_000,
        updated_at_ms=cached.updated_at_ms,
        version=cached.version,
    )
    assert again == value
    # Our split of the same value reads back to the same bytes (Better Auth's split did above).
    assert chunks.join_chunks(chunks.split_chunks(DATA_COOKIE, again), DATA_COOKIE) == (value)


def test_chunked_case_uses_better_auth_chunk_names() -> None:
    chunked = [c for c in CASES if len(c["session_data_cookies"]) > 1]
    assert chunked, "the spec has a chunked vector"
    for case in chunked:
        names = sorted(case["session_data_cookies"])
        assert names == [f"{DATA_COOKIE}.{i}" for i in range(len(names))]
        assert chunks.chunk_names(case["session_data_cookies"], DATA_COOKIE) == names


@pytest.mark.django_db
@pytest.mark.parametrize("case", CASES, ids=[c["label"] for c in CASES])
def test_better_auth_cookies_for_a_session_we_do_not_hold_are_null(settings, case) -> None:
    """A Better Auth session unknown to our database (its ids are not ours) gets the null
    answer and its cookies are cleared; nothing breaks on the foreign ids or the chunks."""
    settings.AUTHSESSION_SECRET = SECRET
    settings.AUTHSESSION_USE_SECURE_COOKIES = False
    client = Client()
    client.cookies["better-auth.session_token"] = case["session_token_cookie"]
    for name, value in case["session_data_cookies"].items():
        client.cookies[name] = value
    response = client.get("/api/auth/get-session")
    assert response.status_code == 200
    assert response.content == SPEC["no_session"]["body"].encode()
    assert cleared(response, "better-auth.session_token")
    for name in case["session_data_cookies"]:
        assert cleared(response, name)


def test_cookie_with_other_json_spacing_still_verifies_by_re_serialising() -> None:
    """Better Auth verifies JSON.stringify of the parsed object, not the bytes; a cookie whose
    text differs only in spacing is as valid to it, and to us (the general check)."""
    import base64

    value = _joined(CASES[0])
    text = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode()
    spaced = text.replace('{"session":', '{"session": ', 1)
    respaced = base64.urlsafe_b64encode(spaced.encode()).rstrip(b"=").decode()
    expires_at = _outer(value)["expiresAt"]
    cached = cookie_cache.decode_session_data(respaced, [SECRET], now_ms=expires_at - 1)
    assert cached is not None
    assert cached.session["token"] == CASES[0]["token"]
    assert cookie_cache.decode_session_data(respaced, ["wrong"], now_ms=expires_at - 1) is None
