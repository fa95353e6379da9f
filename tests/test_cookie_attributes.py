"""Cookie attributes for real deployments (Better Auth's ``defaultCookieAttributes`` and
``crossSubDomainCookies``): ``AUTHSESSION_COOKIE_SAMESITE``,
``AUTHSESSION_CROSS_SUBDOMAIN_COOKIE_DOMAIN`` and ``AUTHSESSION_COOKIE_PARTITIONED`` reach every
cookie the app sets, and every deletion carries the same attributes (a deletion with another
Domain or Path deletes nothing). Set-Cookie lines are compared byte for byte, as the WSGI and
ASGI handlers write them."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import pytest
import time_machine
from django.http import HttpResponse
from django.test import Client

from django_authsession import cookies
from django_authsession.wire import chunks
from django_authsession.wire.attributes import CookieAttributes
from tests.helpers import sign_in

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 1, 12, 0, 0, tzinfo=timezone.utc)
WEEK_LATER = "Sun, 08 Mar 2026 12:00:00 GMT"
FIVE_MINUTES_LATER = "Sun, 01 Mar 2026 12:05:00 GMT"
EPOCH = "Thu, 01 Jan 1970 00:00:00 GMT"
CROSS_SITE = {
    "AUTHSESSION_COOKIE_SAMESITE": "None",
    "AUTHSESSION_CROSS_SUBDOMAIN_COOKIE_DOMAIN": "example.com",
    "AUTHSESSION_COOKIE_PARTITIONED": True,
    "AUTHSESSION_USE_SECURE_COOKIES": True,
}


def line(response: Any, name: str) -> str:
    """The Set-Cookie value the server writes for ``name`` (Django's handlers write
    ``Morsel.output(header="")``, stripped)."""
    return str(response.cookies[name].output(header="")).strip()


def _signed_in(client: Client, user: Any, **fields: Any) -> Any:
    with time_machine.travel(NOW, tick=False):
        response = sign_in(client, user.email, **fields)
    assert response.status_code == 200, response.content
    return response


def test_default_attributes_byte_for_byte(client: Client, user: Any) -> None:
    response = _signed_in(client, user)
    token = cookies.token_cookie_name()
    assert token == "__Secure-better-auth.session_token"  # DEBUG off: secure cookies
    value = response.cookies[token].value
    assert line(response, token) == (
        f"{token}={value}; expires={WEEK_LATER}; HttpOnly; Max-Age=604800; Path=/; "
        "SameSite=Lax; Secure"
    )
    data = cookies.data_cookie_name()
    assert line(response, data).endswith(
        f"; expires={FIVE_MINUTES_LATER}; HttpOnly; Max-Age=300; Path=/; SameSite=Lax; Secure"
    )


def test_cross_site_attributes_on_every_cookie_byte_for_byte(
    settings: Any, client: Client, user: Any
) -> None:
    for name, value in CROSS_SITE.items():
        setattr(settings, name, value)
    response = _signed_in(client, user, rememberMe=False)
    token, data, dont = (
        cookies.token_cookie_name(),
        cookies.data_cookie_name(),
        cookies.dont_remember_cookie_name(),
    )
    attributes = "Domain=example.com; HttpOnly; Partitioned; Path=/; SameSite=None; Secure"
    for name in (token, data, dont):  # browser-session cookies: no Max-Age, no expires
        value = response.cookies[name].value
        assert line(response, name) == f"{name}={value}; {attributes}"

    with time_machine.travel(NOW, tick=False):
        signed_out = client.post("/api/auth/sign-out")
    assert signed_out.status_code == 200
    for name in (token, data, dont):
        assert line(signed_out, name) == (
            f'{name}=""; Domain=example.com; expires={EPOCH}; HttpOnly; Max-Age=0; '
            "Partitioned; Path=/; SameSite=None; Secure"
        )


def test_strict_and_a_domain_without_partitioned(settings: Any, client: Client, user: Any) -> None:
    settings.AUTHSESSION_COOKIE_SAMESITE = "strict"
    settings.AUTHSESSION_CROSS_SUBDOMAIN_COOKIE_DOMAIN = ".example.com"
    response = _signed_in(client, user)
    token = cookies.token_cookie_name()
    value = response.cookies[token].value
    assert line(response, token) == (
        f"{token}={value}; Domain=.example.com; expires={WEEK_LATER}; HttpOnly; "
        "Max-Age=604800; Path=/; SameSite=Strict; Secure"
    )


def _attributes_of(set_cookie_line: str) -> list[str]:
    """A Set-Cookie line's attributes that decide which cookie it is (all but the value and
    the lifetime)."""
    parts = set_cookie_line.split("; ")[1:]
    return [p for p in parts if not p.lower().startswith(("expires=", "max-age="))]


@pytest.mark.parametrize("cross_site", [False, True])
def test_every_deletion_matches_what_was_set(
    settings: Any, client: Client, user: Any, cross_site: bool
) -> None:
    """Sign-in, a chunked cookie cache shrinking back, a forged cookie cleared, and sign-out:
    every deletion carries the attributes of the cookie it deletes."""
    if cross_site:
        for name, value in CROSS_SITE.items():
            setattr(settings, name, value)
    response = _signed_in(client, user, rememberMe=False)
    set_attributes = {name: _attributes_of(line(response, name)) for name in response.cookies}
    assert len(set(map(tuple, set_attributes.values()))) == 1  # one set of attributes

    forged = Client(HTTP_ORIGIN="http://testserver")
    forged.cookies[cookies.token_cookie_name()] = "forged.value"
    cleared = forged.get("/api/auth/get-session")
    signed_out = client.post("/api/auth/sign-out")
    expected = next(iter(set_attributes.values()))
    for deleting in (cleared, signed_out):
        assert deleting.cookies
        for name in deleting.cookies:
            assert deleting.cookies[name]["max-age"] == 0
            assert _attributes_of(line(deleting, name)) == expected, name


def test_stale_chunks_are_deleted_with_the_same_attributes(settings: Any) -> None:
    for name, value in CROSS_SITE.items():
        setattr(settings, name, value)
    response = HttpResponse()
    data = cookies.data_cookie_name()
    held = {f"{data}.0": "a", f"{data}.1": "b", f"{data}.2": "c"}
    cookies.clear_cache(response, held)
    assert sorted(response.cookies) == sorted(held)
    for name in held:
        assert line(response, name) == (
            f'{name}=""; Domain=example.com; expires={EPOCH}; HttpOnly; Max-Age=0; '
            "Partitioned; Path=/; SameSite=None; Secure"
        )


def test_chunk_size_counts_the_partitioned_attribute() -> None:
    """Better Auth sizes chunks by the serialized Set-Cookie line, ``; Partitioned``
    included."""
    plain = chunks.chunk_value_size("n", attributes=CookieAttributes(secure=True))
    partitioned = chunks.chunk_value_size(
        "n", attributes=CookieAttributes(secure=True, partitioned=True)
    )
    assert plain - partitioned == len("; Partitioned")


def test_set_cookie_helper_for_other_cookies(settings: Any) -> None:
    """The helper other parts of the app (a device cookie) set their cookies with."""
    for name, value in CROSS_SITE.items():
        setattr(settings, name, value)
    response = HttpResponse()
    with time_machine.travel(NOW, tick=False):
        cookies.set_cookie(response, "other", "v", max_age=300)
    assert line(response, "other") == (
        f"other=v; Domain=example.com; expires={FIVE_MINUTES_LATER}; HttpOnly; Max-Age=300; "
        "Partitioned; Path=/; SameSite=None; Secure"
    )
