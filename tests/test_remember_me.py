"""``rememberMe: false`` is stored on the session row; the cookies only mirror it."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.test import Client

from django_authsession import cookies
from django_authsession.models import Session
from tests.factories import DEFAULT_PASSWORD
from tests.helpers import set_value

pytestmark = pytest.mark.django_db


def sign_in(client: Client, email: str, remember: bool) -> None:
    response = client.post(
        "/api/auth/sign-in/email",
        {"email": email, "password": DEFAULT_PASSWORD, "rememberMe": remember},
        content_type="application/json",
    )
    assert response.status_code == 200


@pytest.mark.parametrize("remember", [True, False])
def test_the_row_records_remember_me(client, user, remember: bool) -> None:
    sign_in(client, user.email, remember)
    assert Session.objects.get(user_id=user.pk).remember_me is remember


@pytest.mark.parametrize("drop_cache", [True, False])
def test_dropping_dont_remember_does_not_make_a_one_day_session_slide(
    client, user, drop_cache: bool
) -> None:
    sign_in(client, user.email, remember=False)
    row = Session.objects.get(user_id=user.pk)
    assert row.expires_at - row.created_at == timedelta(days=1)
    del client.cookies[cookies.dont_remember_cookie_name()]
    if drop_cache:
        del client.cookies[cookies.data_cookie_name()]

    with time_machine.travel(row.created_at + timedelta(hours=23), tick=False):
        response = client.get("/api/auth/get-session")
    assert response.json() is not None
    assert set_value(response, cookies.token_cookie_name()) is None  # not re-set for 7 days
    assert Session.objects.get(pk=row.pk).expires_at == row.expires_at
    morsel = response.cookies.get(cookies.data_cookie_name())
    if morsel is not None and morsel.value:  # a rewritten cache stays a browser cookie
        assert morsel["max-age"] == ""
