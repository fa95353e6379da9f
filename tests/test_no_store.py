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
