"""The name given at sign-up finds the model's field: ``name``, ``full_name``, or
``first_name``/``last_name``; a model with none gets a start-up warning (``W012``) pointing
to the adapter."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model

from django_authsession.adapter import UserAdapter
from django_authsession.checks import _name_field_warnings
from tests.full_name_user.models import FullNameUser, NamelessUser
from tests.helpers import run_tests_under, sign_up

ROOT = Path(__file__).resolve().parent.parent


def test_the_name_goes_to_full_name() -> None:
    user = FullNameUser(email="ada@example.com")
    assert UserAdapter().set_name(user, "Ada Lovelace") == {"full_name"}
    assert user.full_name == "Ada Lovelace"
    assert UserAdapter().display_name(user) == "Ada Lovelace"


def test_w012_a_model_without_a_name_field() -> None:
    warnings = _name_field_warnings(NamelessUser)
    assert [w.id for w in warnings] == ["django_authsession.W012"]
    assert "AUTHSESSION_ADAPTER" in warnings[0].hint
    assert "set_name" in warnings[0].hint
    assert _name_field_warnings(FullNameUser) == []
    assert UserAdapter().set_name(NamelessUser(email="x@example.com"), "Ada") == set()


def test_w012_not_when_the_adapter_places_the_name(settings: Any) -> None:
    settings.AUTHSESSION_ADAPTER = "tests.test_full_name_user.NicknameAdapter"
    assert _name_field_warnings(NamelessUser) == []


class NicknameAdapter(UserAdapter):
    def set_name(self, user: Any, name: str) -> set[str]:
        return set()


@pytest.mark.supplied_user_model  # once per CI pass is enough: it starts its own run
def test_sign_up_on_a_full_name_model_in_its_own_run() -> None:
    """The tests below, under ``tests.settings_full_name_user`` (``AUTH_USER_MODEL`` cannot
    change within a test run)."""
    output = run_tests_under(
        "tests.settings_full_name_user",
        "-m",
        "full_name_user_model",
        str(Path(__file__).relative_to(ROOT)),
    )
    assert "2 passed" in output, output


@pytest.mark.full_name_user_model
@pytest.mark.django_db
def test_sign_up_keeps_the_name_in_full_name(client: Any) -> None:
    response = sign_up(client, "ada@example.com", name="Ada Lovelace")
    assert response.status_code == 200, response.content
    assert response.json()["user"]["name"] == "Ada Lovelace"
    user: Any = get_user_model().objects.get()
    assert user.full_name == "Ada Lovelace"
    session = client.get("/api/auth/get-session").json()
    assert session["user"]["name"] == "Ada Lovelace"


@pytest.mark.full_name_user_model
def test_no_w012_for_a_full_name_model() -> None:
    from tests.helpers import run_checks

    assert not [m for m in run_checks() if m.id == "django_authsession.W012"]
