"""A project's day one over real HTTP, under the WSGI live server and under uvicorn (ASGI): sign
up, sign in by email in another letter case, read the session from the endpoint, a DRF view, a
``@login_required`` view and two async views, then log out through Django's own ``logout()``."""

from __future__ import annotations

import http.client
import json
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings

PASSWORD = "day-one-password-42"


class Browser:
    """Keeps cookies and sends ``Origin`` as a browser does; follows no redirects."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.origin = base_url.rstrip("/")
        self.jar: dict[str, str] = {}

    def request(
        self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
    ) -> tuple[int, Any]:
        parts = urlsplit(self.base_url)
        connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=30)
        sent = {"Origin": self.origin, **(headers or {})}
        if self.jar:
            sent["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.jar.items())
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            sent["Content-Type"] = "application/json"
        connection.request(method, path, body=data, headers=sent)
        response = connection.getresponse()
        payload = response.read()
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                if morsel.value == "" or str(morsel["max-age"]) == "0":
                    self.jar.pop(name, None)
                else:
                    self.jar[name] = morsel.value
        connection.close()
        is_json = response.headers.get("Content-Type", "").startswith("application/json")
        return response.status, json.loads(payload) if is_json else payload


def test_day_one_under_wsgi(wsgi_server: str) -> None:
    day_one(wsgi_server)


def test_day_one_under_uvicorn(asgi_server: str) -> None:
    day_one(asgi_server)


def day_one(server_url: str) -> None:
    email = "day.one@example.com"
    first = Browser(server_url)
    status, body = first.request(
        "POST", "/api/auth/sign-up/email", {"name": "Day One", "email": email, "password": PASSWORD}
    )
    assert status == 200, body
    user_id = body["user"]["id"]

    browser = Browser(server_url)
    status, body = browser.request(
        "POST", "/api/auth/sign-in/email", {"email": "Day.One@EXAMPLE.com", "password": PASSWORD}
    )
    assert status == 200, body
    assert body["user"]["id"] == user_id

    assert browser.request("GET", "/api/auth/session")[1]["user"]["email"] == email
    assert browser.request("GET", "/api/me/") == (200, {"email": email})
    signed_in = {"authenticated": True, "pk": user_id}
    assert browser.request("GET", "/plain/login-required/") == (200, signed_in)
    assert browser.request("GET", "/plain/async-auser/") == (200, signed_in)
    assert browser.request("GET", "/plain/async-user/") == (200, {**signed_in, "email": email})

    # Django's logout() in a project's own view, with Django's CSRF token as a form sends it.
    status, _ = browser.request("GET", "/admin/login/")
    assert status == 200
    csrf = browser.jar[settings.CSRF_COOKIE_NAME]
    status, body = browser.request("POST", "/plain/logout/", headers={"X-CSRFToken": csrf})
    assert (status, body) == (200, {"logged_out": True})
    assert not any(name.endswith("session_token") for name in browser.jar)
    assert browser.request("GET", "/api/auth/session") == (200, {"session": None, "user": None})
    assert browser.request("GET", "/plain/login-required/")[0] == 302
    anonymous = {"authenticated": False, "pk": None}
    assert browser.request("GET", "/plain/async-auser/") == (200, anonymous)
    # The first browser's session is another one and lives on.
    assert first.request("GET", "/api/auth/session")[1]["user"]["id"] == user_id
