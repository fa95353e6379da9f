"""The session_data cookie against real cookies issued by Better Auth 1.7.25 (tests/vectors.json).

Pure: no database, no Django settings.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from django_authsession.wire import cookie_cache
from django_authsession.wire.attributes import CookieAttributes
from django_authsession.wire.chunks import (
    CHUNK_SIZE,
    MAX_CHUNKS,
    chunk_names,
    chunk_value_size,
    join_chunks,
    split_chunks,
)
from django_authsession.wire.cookie_cache import (
    CachedSession,
    decode_session_data,
    encode_session_data,
)
from django_authsession.wire.jsjson import js_stringify

VECTORS: dict[str, Any] = json.loads(
    (Path(__file__).parent / "vectors.json").read_text(encoding="utf-8")
)
SECRET: str = VECTORS["secret"]
CASES: list[dict[str, Any]] = VECTORS["cases"]
NAME = "better-auth.session_data"
OTHER_SECRET = "some-other-secret-that-is-long-enough-0123456789"

# Nothing in these tests needs Hypothesis' example database on disk.
fuzz = settings(database=None, max_examples=300, deadline=None)


def by_name(name: str) -> dict[str, Any]:
    return next(case for case in CASES if case["name"] == name)


def parse_set_cookie(header: str) -> tuple[str, str, dict[str, str]]:
    """(name, value, {attribute: value}) of one Set-Cookie line."""
    first, *attributes = header.split("; ")
    name, _, value = first.partition("=")
    attrs = {}
    for attribute in attributes:
        key, _, attr_value = attribute.partition("=")
        attrs[key] = attr_value
    return name, value, attrs


def cache_cookies(case: dict[str, Any]) -> dict[str, str]:
    return {k: v for k, v in case["cookies"].items() if k == NAME or k.startswith(NAME + ".")}


def cache_max_age(case: dict[str, Any]) -> int | None:
    """The Max-Age Better Auth put on the session_data cookie (None: a browser-session cookie)."""
    for header in case["set_cookie"]:
        name, _, attrs = parse_set_cookie(header)
        if name == NAME or name.startswith(NAME + "."):
            return int(attrs["Max-Age"]) if "Max-Age" in attrs else None
    raise AssertionError("no session_data cookie")


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def outer_json(value: str) -> str:
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode("utf-8")


def sign_outer(payload: Any, expires_at: Any, secret: str = SECRET) -> str:
    """An independent compact-format signer (plain json.dumps), for hand-made payloads."""
    signed = (
        {**payload, "expiresAt": expires_at}
        if isinstance(payload, dict)
        else {"expiresAt": expires_at}
    )
    message = json.dumps(signed, separators=(",", ":"), ensure_ascii=False)
    digest = hmac.new(secret.encode(), message.encode(), hashlib.sha256).digest()
    outer = {"session": payload, "expiresAt": expires_at, "signature": b64url(digest)}
    return b64url(json.dumps(outer, separators=(",", ":"), ensure_ascii=False).encode())


def valid_session() -> dict[str, Any]:
    return {
        "expiresAt": "2099-01-01T00:00:00.000Z",
        "token": "a" * 32,
        "createdAt": "2026-01-01T00:00:00.000Z",
        "updatedAt": "2026-01-01T00:00:00.000Z",
        "ipAddress": "",
        "userAgent": "pytest",
        "userId": "u1",
        "id": "s1",
    }


VALID_USER = {"name": "N", "email": "n@example.com", "emailVerified": False, "id": "u1"}
NOW = 1_800_000_000_000


# --- the vectors themselves -------------------------------------------------------------------


def test_vectors_cover_the_required_cases() -> None:
    assert VECTORS["better_auth_version"] == "1.7.25"
    names = {case["name"] for case in CASES}
    assert {"ascii", "non_ascii", "chunked", "dont_remember_me"} <= names
    assert any(len(cache_cookies(case)) > 1 for case in CASES)
    assert any(any(ord(ch) > 127 for ch in case["session_data"]["user"]["name"]) for case in CASES)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c["name"])
def test_vector_decodes_to_the_recorded_content(case: dict[str, Any]) -> None:
    value = join_chunks(case["cookies"], NAME)
    assert value is not None
    assert value == case["session_data_joined"]
    cached = decode_session_data(value, [SECRET], now_ms=case["now_ms"])
    expected = case["session_data"]
    assert cached == CachedSession(
        session=expected["session"],
        user=expected["user"],
        updated_at_ms=expected["updatedAt"],
        expires_at_ms=expected["expiresAt"],
        version=expected["version"],
    )
    assert cached.session["token"] == case["token"]
    # Key order survives decoding: it is part of what is signed.
    assert list(cached.user) == list(expected["user"])
    assert list(cached.session) == list(expected["session"])


@pytest.mark.parametrize("case", CASES, ids=lambda c: c["name"])
def test_reencoding_reproduces_the_cookie_byte_for_byte(case: dict[str, Any]) -> None:
    cached = decode_session_data(case["session_data_joined"], [SECRET], now_ms=case["now_ms"])
    assert cached is not None
    value = encode_session_data(
        cached.session,
        cached.user,
        secret=SECRET,
        max_age=cache_max_age(case),
        now_ms=case["now_ms"],
        updated_at_ms=cached.updated_at_ms,
        version=cached.version,
    )
    assert value == case["session_data_joined"]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c["name"])
def test_split_is_the_one_better_auth_made(case: dict[str, Any]) -> None:
    chunks = split_chunks(NAME, case["session_data_joined"], max_age=cache_max_age(case))
    assert chunks == cache_cookies(case)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c["name"])
def test_every_better_auth_split_reads_back(case: dict[str, Any]) -> None:
    cookies = {"better-auth.session_token": "x", "unrelated": "y", **cache_cookies(case)}
    assert join_chunks(cookies, NAME) == case["session_data_joined"]
    assert chunk_names(cookies, NAME) == list(cache_cookies(case))
    # The browser may send the chunks in any order.
    assert join_chunks(dict(reversed(list(cookies.items()))), NAME) == case["session_data_joined"]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c["name"])
def test_set_cookie_headers_as_better_auth_writes_them(case: dict[str, Any]) -> None:
    remember = case["name"] != "dont_remember_me"
    for header in case["set_cookie"]:
        assert len(header) <= CHUNK_SIZE
        name, value, attrs = parse_set_cookie(header)
        assert case["cookies"][name] == value
        assert list(attrs) == (["Max-Age"] if remember else []) + ["Path", "HttpOnly", "SameSite"]
        assert attrs["Path"] == "/"
        assert attrs["SameSite"] == "Lax"
        if name == "better-auth.session_token" and remember:
            assert attrs["Max-Age"] == "604800"
        if name.startswith(NAME) and remember:
            assert attrs["Max-Age"] == "300"


def test_chunked_vector_uses_full_size_chunks() -> None:
    case = by_name("chunked")
    chunks = cache_cookies(case)
    assert list(chunks) == [f"{NAME}.{i}" for i in range(len(chunks))]
    size = chunk_value_size(NAME, max_age=300)
    assert size == 3977
    assert [len(v) for v in chunks.values()][:-1] == [size] * (len(chunks) - 1)
    widest = f"{NAME}.99={chunks[NAME + '.0']}; Max-Age=300; Path=/; HttpOnly; SameSite=Lax"
    assert len(widest) == CHUNK_SIZE


def test_dont_remember_me_cache_lives_sixty_seconds() -> None:
    case = by_name("dont_remember_me")
    assert cache_max_age(case) is None
    assert case["session_data"]["expiresAt"] == case["now_ms"] + 60_000


# --- secrets ----------------------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=lambda c: c["name"])
def test_wrong_secret_fails(case: dict[str, Any]) -> None:
    value = case["session_data_joined"]
    assert decode_session_data(value, [OTHER_SECRET], now_ms=case["now_ms"]) is None
    assert decode_session_data(value, [], now_ms=case["now_ms"]) is None
    assert decode_session_data(value, [SECRET[:-1]], now_ms=case["now_ms"]) is None


@pytest.mark.parametrize("case", CASES, ids=lambda c: c["name"])
def test_fallback_secret_is_accepted(case: dict[str, Any]) -> None:
    value = case["session_data_joined"]
    cached = decode_session_data(value, [OTHER_SECRET, SECRET], now_ms=case["now_ms"])
    assert cached is not None
    assert cached.session["token"] == case["token"]


# --- tampering --------------------------------------------------------------------------------


def substitute(ch: str) -> str:
    """A different character of the same kind, so the JSON usually still parses."""
    if ch.isdigit():
        return str((int(ch) + 1) % 10)
    if ch.isascii() and ch.isalpha():
        return "B" if ch == "A" else "A"
    return "x"


def same_to_javascript(text: str, original: str) -> bool:
    """Whether JSON.stringify(JSON.parse(text)) gives back ``original``."""
    try:
        return js_stringify(json.loads(text)) == original
    except ValueError:
        return False


def js_numbers(value: Any) -> Any:
    """``value`` with every number a double, as JavaScript holds it."""
    return json.loads(json.dumps(value), parse_int=float)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c["name"])
def test_changing_any_one_character_of_the_decoded_json_fails(case: dict[str, Any]) -> None:
    text = outer_json(case["session_data_joined"])
    signature_start = text.rindex('"signature":"')
    # Every position in small cookies, a sample plus the whole signature in chunked ones.
    step = 1 if len(text) < 2000 else 37
    positions = sorted({*range(0, len(text), step), *range(signature_start, len(text))})
    for i in positions:
        tampered = text[:i] + substitute(text[i]) + text[i + 1 :]
        if same_to_javascript(tampered, text):
            continue  # e.g. a digit beyond double precision: the same number to JSON.parse
        value = b64url(tampered.encode("utf-8"))
        assert decode_session_data(value, [SECRET], now_ms=case["now_ms"]) is None, (i, text[i])


def test_changing_any_one_character_of_the_cookie_value_fails() -> None:
    case = by_name("ascii")
    value = case["session_data_joined"]
    original = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    for i in range(len(value)):
        tampered = value[:i] + ("A" if value[i] != "A" else "B") + value[i + 1 :]
        if base64.urlsafe_b64decode(tampered + "=" * (-len(value) % 4)) == original:
            continue  # only the unused low bits of the last character changed
        assert decode_session_data(tampered, [SECRET], now_ms=case["now_ms"]) is None, i


@pytest.mark.parametrize("negative", VECTORS["negative_cases"], ids=lambda n: n["name"])
def test_hand_made_negative_vectors_fail(negative: dict[str, Any]) -> None:
    now_ms = negative.get("now_ms", CASES[0]["now_ms"])
    assert decode_session_data(negative["value"], [SECRET], now_ms=now_ms) is None


def test_expired_negative_vector_fails_only_because_it_expired() -> None:
    negative = next(n for n in VECTORS["negative_cases"] if n["name"] == "expired_signed")
    cached = decode_session_data(negative["value"], [SECRET], now_ms=negative["expires_at_ms"] - 1)
    assert cached is not None


def test_wrong_secret_negative_vector_verifies_with_its_own_secret() -> None:
    negative = next(n for n in VECTORS["negative_cases"] if n["name"] == "wrong_secret")
    now_ms = CASES[0]["now_ms"]
    assert decode_session_data(negative["value"], [negative["signing_secret"]], now_ms=now_ms)


# --- expiry -----------------------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=lambda c: c["name"])
def test_expired_cache_is_rejected(case: dict[str, Any]) -> None:
    value = case["session_data_joined"]
    expires_at = case["session_data"]["expiresAt"]
    # Better Auth: expired when expiresAt < now, so the last valid millisecond is expiresAt.
    assert decode_session_data(value, [SECRET], now_ms=expires_at) is not None
    assert decode_session_data(value, [SECRET], now_ms=expires_at + 1) is None
    assert decode_session_data(value, [SECRET], now_ms=expires_at + 86_400_000) is None


def test_expired_embedded_session_is_rejected() -> None:
    session = {**valid_session(), "expiresAt": "2026-01-01T00:00:00.000Z"}
    value = encode_session_data(session, VALID_USER, secret=SECRET, max_age=300, now_ms=NOW)
    assert decode_session_data(value, [SECRET], now_ms=NOW) is None


@pytest.mark.parametrize(
    "expires_at",
    ["2099-01-01", "2099-01-01T00:00:00+00:00", "2099-02-30T00:00:00.000Z", "soon", 4e12, None],
)
def test_unreadable_embedded_session_expiry_is_rejected(expires_at: object) -> None:
    session = {**valid_session(), "expiresAt": expires_at}
    value = encode_session_data(session, VALID_USER, secret=SECRET, max_age=300, now_ms=NOW)
    assert decode_session_data(value, [SECRET], now_ms=NOW) is None


# --- encoding ---------------------------------------------------------------------------------


def test_encode_uses_cache_age_and_defaults() -> None:
    value = encode_session_data(valid_session(), VALID_USER, secret=SECRET, max_age=300, now_ms=NOW)
    outer = json.loads(outer_json(value))
    assert list(outer) == ["session", "expiresAt", "signature"]
    assert outer["expiresAt"] == NOW + 300_000
    assert outer["session"]["updatedAt"] == NOW
    assert outer["session"]["version"] == "1"
    assert list(outer["session"]) == ["session", "user", "updatedAt", "version"]
    assert "=" not in value
    assert re.fullmatch(r"[A-Za-z0-9_-]+", outer["signature"])
    assert len(outer["signature"]) == 43


@pytest.mark.parametrize("max_age", [None, 0])
def test_browser_session_cache_gets_better_auths_sixty_seconds(max_age: int | None) -> None:
    value = encode_session_data(
        valid_session(), VALID_USER, secret=SECRET, max_age=max_age, now_ms=NOW
    )
    cached = decode_session_data(value, [SECRET], now_ms=NOW)
    assert cached is not None
    assert cached.expires_at_ms == NOW + 60_000


def test_js_stringify_matches_v8() -> None:
    for vector in VECTORS["js_stringify_vectors"]:
        parsed = json.loads(vector["input_json"])
        assert js_stringify(parsed) == vector["js_stringify"], vector["input_json"]


def test_lone_surrogates_round_trip() -> None:
    user = {**VALID_USER, "name": "lone \ud800 and \udfff"}
    value = encode_session_data(valid_session(), user, secret=SECRET, max_age=300, now_ms=NOW)
    assert "\\ud800" in outer_json(value)
    cached = decode_session_data(value, [SECRET], now_ms=NOW)
    assert cached is not None
    assert cached.user["name"] == user["name"]


json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**53) + 1, max_value=2**53 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
)
json_keys = st.text(max_size=8) | st.integers(min_value=0, max_value=2**33).map(str)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(json_keys, inner, max_size=4),
    max_leaves=20,
)


@fuzz
@given(extra=st.dictionaries(json_keys, json_values, max_size=6))
def test_encode_then_decode_round_trips(extra: dict[str, Any]) -> None:
    user = {**extra, **VALID_USER}
    value = encode_session_data(valid_session(), user, secret=SECRET, max_age=300, now_ms=NOW)
    cached = decode_session_data(value, [SECRET], now_ms=NOW)
    assert cached is not None
    assert js_numbers(cached.user) == js_numbers(user)
    # What we emit re-encodes to itself, as Better Auth would find when verifying it.
    again = encode_session_data(
        cached.session, cached.user, secret=SECRET, max_age=300, now_ms=NOW, updated_at_ms=NOW
    )
    assert again == value


# --- malformed input never raises -------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "",
        "=",
        "not base64!",
        "A",
        "AAAA====",
        b64url(b"\xff\xfe not utf-8"),
        b64url(b"not json"),
        b64url(b"[]"),
        b64url(b'"a string"'),
        b64url(b"null"),
        b64url(b"{}"),
        b64url(b'{"session":{},"expiresAt":NaN,"signature":"x"}'),
        b64url(b'{"session":{},"expiresAt":1e400,"signature":"x"}'),
        b64url(b'{"session":[],"expiresAt":1,"signature":"x"}'),
        b64url(b'{"session":{},"expiresAt":"1","signature":"x"}'),
        b64url(b'{"session":{},"expiresAt":1,"signature":1}'),
        b64url(b"[" * 100_000),
        b64url(b'{"a":' * 50_000),
        "A" * (cookie_cache.MAX_VALUE_LENGTH + 4),
        "eyJ" + "\u00e9" * 10,
    ],
)
def test_malformed_values_return_none(value: str) -> None:
    assert decode_session_data(value, [SECRET], now_ms=NOW) is None


def test_non_string_value_returns_none() -> None:
    assert decode_session_data(None, [SECRET], now_ms=NOW) is None  # type: ignore[arg-type]
    assert decode_session_data(b"abc", [SECRET], now_ms=NOW) is None  # type: ignore[arg-type]


def test_any_json_user_object_round_trips() -> None:
    """The user object is the project serializer's: integer ids, nested objects, lists."""
    user = {"id": 12345, "profile": {"org": {"id": 7, "tags": ["a", 1, None]}}, "score": 1.5}
    value = encode_session_data(valid_session(), user, secret=SECRET, max_age=300, now_ms=NOW)
    cached = decode_session_data(value, [SECRET], now_ms=NOW)
    assert cached is not None and cached.user == user


@pytest.mark.parametrize(
    ("payload", "expires_at"),
    [
        ({"session": valid_session(), "user": VALID_USER, "updatedAt": NOW}, True),
        ({"session": valid_session(), "user": VALID_USER, "updatedAt": NOW}, 1.5e12),
        ({"session": valid_session(), "user": VALID_USER, "updatedAt": "now"}, NOW + 1),
        ({"session": valid_session(), "user": VALID_USER, "updatedAt": True}, NOW + 1),
        ({"session": valid_session(), "user": [], "updatedAt": NOW}, NOW + 1),
        ({"session": "s", "user": VALID_USER, "updatedAt": NOW}, NOW + 1),
        ({"user": VALID_USER, "updatedAt": NOW}, NOW + 1),
        ({"session": valid_session(), "updatedAt": NOW}, NOW + 1),
        ({"session": valid_session(), "user": VALID_USER}, NOW + 1),
        (
            {"session": valid_session(), "user": VALID_USER, "updatedAt": NOW, "version": 1},
            NOW + 1,
        ),
        ({"session": {**valid_session(), "token": 5}, "user": VALID_USER, "updatedAt": NOW}, NOW),
        ({"session": {"id": "s1"}, "user": VALID_USER, "updatedAt": NOW}, NOW + 1),
    ],
)
def test_validly_signed_but_wrongly_shaped_payload_returns_none(
    payload: dict[str, Any], expires_at: object
) -> None:
    value = sign_outer(payload, expires_at)
    assert decode_session_data(value, [SECRET], now_ms=NOW) is None


def test_independently_signed_well_formed_payload_is_accepted() -> None:
    """The hand signer above is a fair stand-in: it makes a cookie that does decode."""
    payload = {"session": valid_session(), "user": VALID_USER, "updatedAt": NOW}
    cached = decode_session_data(sign_outer(payload, NOW + 1), [SECRET], now_ms=NOW)
    assert cached is not None
    assert cached.version == "1"  # absent version reads as Better Auth's default


@fuzz
@given(value=st.text())
def test_fuzz_arbitrary_text_never_raises(value: str) -> None:
    assert decode_session_data(value, [SECRET], now_ms=NOW) is None


@fuzz
@given(data=st.binary(max_size=2000))
def test_fuzz_arbitrary_bytes_behind_base64_never_raise(data: bytes) -> None:
    assert decode_session_data(b64url(data), [SECRET], now_ms=NOW) is None


@fuzz
@given(obj=json_values)
def test_fuzz_arbitrary_json_behind_base64_never_raises(obj: Any) -> None:
    value = b64url(json.dumps(obj).encode())
    assert decode_session_data(value, [SECRET], now_ms=NOW) is None


@fuzz
@given(payload=json_values, expires_at=json_values | st.integers())
def test_fuzz_validly_signed_arbitrary_payloads_never_raise(payload: Any, expires_at: Any) -> None:
    result = decode_session_data(sign_outer(payload, expires_at), [SECRET], now_ms=NOW)
    assert result is None or isinstance(result, CachedSession)


@fuzz
@given(
    cookies=st.dictionaries(
        st.sampled_from([NAME, "other"]).flatmap(
            lambda base: st.one_of(
                st.just(base),
                st.text(max_size=6).map(lambda suffix: f"{base}.{suffix}"),
                st.integers(min_value=-5, max_value=2**64).map(lambda i: f"{base}.{i}"),
            )
        ),
        st.text(max_size=10),
        max_size=8,
    )
)
def test_fuzz_chunk_helpers_never_raise(cookies: dict[str, str]) -> None:
    joined = join_chunks(cookies, NAME)
    assert joined is None or isinstance(joined, str)
    names = chunk_names(cookies, NAME)
    assert set(names) <= set(cookies)
    assert all(name == NAME or name.startswith(NAME + ".") for name in names)


# --- chunk helpers ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cookies", "expected"),
    [
        ({}, None),
        ({"other": "x"}, None),
        ({NAME: ""}, None),
        ({NAME: "plain"}, "plain"),
        ({NAME: "plain", f"{NAME}.0": "a", f"{NAME}.1": "b"}, "plain"),
        ({NAME: "", f"{NAME}.0": "a", f"{NAME}.1": "b"}, "ab"),
        ({f"{NAME}.1": "b", f"{NAME}.0": "a"}, "ab"),
        ({f"{NAME}.0": "a"}, "a"),
        ({f"{NAME}.1": "b"}, None),
        ({f"{NAME}.0": "a", f"{NAME}.2": "c"}, None),
        ({f"{NAME}.00": "a"}, None),
        ({f"{NAME}.01": "x", f"{NAME}.0": "a"}, "a"),
        ({f"{NAME}.-1": "x", f"{NAME}.0": "a"}, "a"),
        ({f"{NAME}.x": "x"}, None),
        ({f"{NAME}x.0": "x"}, None),
        ({f"{NAME}.{i}": str(i % 10) for i in range(11)}, "01234567890"),
        ({f"{NAME}.{i}": "a" for i in range(MAX_CHUNKS + 1)}, None),
        ({f"{NAME}.{2**70}": "a"}, None),
    ],
)
def test_join_chunks(cookies: dict[str, str], expected: str | None) -> None:
    assert join_chunks(cookies, NAME) == expected


def test_chunk_names_lists_plain_and_chunks_in_numeric_order() -> None:
    cookies = {
        f"{NAME}.10": "k",
        f"{NAME}.2": "c",
        NAME: "",
        f"{NAME}.01": "not ours",
        f"{NAME}.x": "not ours",
        "better-auth.session_token": "t",
        f"{NAME}.0": "a",
    }
    assert chunk_names(cookies, NAME) == [NAME, f"{NAME}.0", f"{NAME}.2", f"{NAME}.10"]
    assert chunk_names({}, NAME) == []


def test_split_short_value_keeps_the_plain_name() -> None:
    assert split_chunks(NAME, "") == {NAME: ""}
    assert split_chunks(NAME, "a" * 3977) == {NAME: "a" * 3977}


def test_split_long_value_and_join_back() -> None:
    value = "".join(chr(ord("a") + i % 26) for i in range(10_000))
    chunks = split_chunks(NAME, value)
    assert list(chunks) == [f"{NAME}.0", f"{NAME}.1", f"{NAME}.2"]
    assert join_chunks(chunks, NAME) == value


def test_split_too_long_value_gives_no_cookie() -> None:
    assert split_chunks(NAME, "a" * (3977 * MAX_CHUNKS)) != {}
    assert split_chunks(NAME, "a" * (3977 * MAX_CHUNKS + 1)) == {}


@pytest.mark.parametrize(
    ("name", "kwargs", "attributes"),
    [
        (NAME, {}, "; Max-Age=300; Path=/; HttpOnly; SameSite=Lax"),
        (NAME, {"max_age": None}, "; Path=/; HttpOnly; SameSite=Lax"),
        (f"__Secure-{NAME}", {}, "; Max-Age=300; Path=/; HttpOnly; Secure; SameSite=Lax"),
        (
            NAME,
            {"attributes": CookieAttributes(domain="example.com", secure=True)},
            "; Max-Age=300; Domain=example.com; Path=/; HttpOnly; Secure; SameSite=Lax",
        ),
    ],
)
def test_every_full_chunk_fills_a_set_cookie_line_exactly(
    name: str, kwargs: dict[str, Any], attributes: str
) -> None:
    chunks = split_chunks(name, "a" * 9000, **kwargs)
    first = chunks[f"{name}.0"]
    assert len(f"{name}.99={first}{attributes}") == CHUNK_SIZE
    for chunk_name, chunk in chunks.items():
        assert len(f"{chunk_name}={chunk}{attributes}") <= CHUNK_SIZE
