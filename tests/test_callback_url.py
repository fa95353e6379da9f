"""``callbackURL`` is compared on the host a browser would visit (no open redirect through a
wildcard in ``CSRF_TRUSTED_ORIGINS``)."""

from __future__ import annotations

import pytest

from tests.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url",
    [
        "https://evil.com\\.example.com/",  # browsers and Node's URL parser: host evil.com
        "https://evil.com\\@app.example.com/",
        "/\\evil.com/",
        "https://app.example.com@evil.com/",
        "https://evil.com@app.example.com/",  # userinfo, whichever side is trusted
        "https://app.example.com:pass@evil.com/",
        "https://evil.com\t.example.com/",
        "https://evil.com\n.example.com/",
        "https://evil.com\u200b.example.com/",
        "https://app.example.com:99999/",
        "https://evil.com%2F.example.com/",  # browsers percent-decode hosts
        "https://evil.com .example.com/",
    ],
)
@pytest.mark.parametrize("endpoint", ["sign-in/email", "sign-up/email"])
def test_malformed_callback_urls_are_refused(settings, client, user, url, endpoint) -> None:
    settings.CSRF_TRUSTED_ORIGINS = ["https://*.example.com"]
    body = {"email": user.email, "password": DEFAULT_PASSWORD, "callbackURL": url}
    if endpoint == "sign-up/email":
        body = {**body, "email": "new@example.com", "name": "New"}
    response = client.post(f"/api/auth/{endpoint}", body, content_type="application/json")
    assert response.status_code == 403, (url, response.content)
    assert response.json()["code"] == "INVALID_CALLBACKURL"
    assert "token" not in response.json()


def test_a_trusted_wildcard_host_is_still_accepted(settings, client, user) -> None:
    settings.CSRF_TRUSTED_ORIGINS = ["https://*.example.com"]
    url = "https://app.example.com/welcome?next=%2Fhome"
    response = client.post(
        "/api/auth/sign-in/email",
        {"email": user.email, "password": DEFAULT_PASSWORD, "callbackURL": url},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert response.json()["url"] == url
