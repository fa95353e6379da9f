"""Every answer that carries a token says ``Cache-Control: no-store``."""

from __future__ import annotations

import pytest

from tests.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db


def test_sign_in_answer_is_not_stored(client, user) -> None:
    response = client.post(
        "/api/auth/sign-in/email",
        {"email": user.email, "password": DEFAULT_PASSWORD},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert "token" in response.json()
    assert response["Cache-Control"] == "no-store"


def test_sign_up_answer_is_not_stored(client, db) -> None:
    response = client.post(
        "/api/auth/sign-up/email",
        {"email": "new@example.com", "password": "long-enough-42", "name": "New"},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert "token" in response.json()
    assert response["Cache-Control"] == "no-store"


def test_list_sessions_answer_is_not_stored(signed_in) -> None:
    """It carries the caller's own token."""
    client, _, token = signed_in
    response = client.get("/api/auth/list-sessions")
    assert response.status_code == 200
    assert [row["token"] for row in response.json() if row["token"]] == [token]
    assert response["Cache-Control"] == "no-store"


@pytest.mark.parametrize("url", ["/api/auth/get-session", "/api/auth/session"])
def test_session_reads_with_a_session_are_not_stored(signed_in, url: str) -> None:
    client, _, token = signed_in
    response = client.get(url)
    assert response.json()["session"]["token"] == token
    assert response["Cache-Control"] == "no-store"
