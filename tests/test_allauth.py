"""django-allauth's logins are app sessions too: its account login (with and without
"Remember me") and its social login (the "dummy" provider allauth ships for tests) each start
exactly one session, and allauth's logout ends it. allauth needs apps, middleware and a backend
of its own, so these tests run under ``tests.settings_allauth`` in a subprocess."""

from __future__ import annotations

from importlib.util import find_spec
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings

from django_authsession import cookies
from django_authsession.models import Session
from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.helpers import cleared, origin_client, run_tests_under, set_value

ROOT = Path(__file__).resolve().parent.parent
GET_SESSION = "/api/auth/get-session"
LIST_SESSIONS = "/api/auth/list-sessions"

allauth_run = pytest.mark.skipif(
    "allauth" not in django_settings.INSTALLED_APPS, reason="runs under tests.settings_allauth"
)


@pytest.mark.supplied_user_model  # once per CI pass: it starts a run of its own
@pytest.mark.skipif(find_spec("allauth") is None, reason="needs django-allauth (test extra)")
def test_allauth_logins_in_their_own_run() -> None:
    output = run_tests_under(
        "tests.settings_allauth",
        str(Path(__file__).relative_to(ROOT)),
        "-k",
        "not in_their_own_run",
    )
    assert "4 passed" in output, output


def _one_session_for(client: Any, user_pk: Any) -> Any:
    answer = client.get(GET_SESSION).json()
    assert answer is not None and answer["user"]["id"] == str(user_pk)
    assert len(client.get(LIST_SESSIONS).json()) == 1
    return Session.objects.get()


@allauth_run
@pytest.mark.django_db
@pytest.mark.parametrize("remember", [True, False])
def test_allauth_account_login_starts_one_session(remember: bool) -> None:
    user: Any = UserFactory()
    client = origin_client()
    form = {"login": user.email, "password": DEFAULT_PASSWORD}
    if remember:
        form["remember"] = "on"
    response = client.post("/allauth/login/", form)
    assert response.status_code == 302, response.content
    assert set_value(response, cookies.token_cookie_name())
    session = _one_session_for(client, user.pk)
    # allauth chooses "Remember me" for Django's session after login(): the app follows it.
    assert session.remember_me is remember
    assert (response.cookies[cookies.token_cookie_name()]["max-age"] == "") is not remember

    logged_out = client.post("/allauth/logout/")
    assert logged_out.status_code == 302
    assert cleared(logged_out, cookies.token_cookie_name())
    assert not Session.objects.exists()
    assert client.get(GET_SESSION).content == b"null"


@allauth_run
@pytest.mark.django_db
def test_allauth_social_login_with_the_dummy_provider_starts_one_session() -> None:
    from django.contrib.auth import get_user_model

    client = origin_client()
    started = client.post("/allauth/dummy/login/", {"process": "login"})
    assert started.status_code == 302, started.content
    authenticate_url = started["Location"]
    assert "/allauth/dummy/authenticate/" in authenticate_url
    response = client.post(
        authenticate_url,
        {"id": "4242", "email": "social@example.com", "email_verified": "on"},
    )
    assert response.status_code == 302, response.content
    user = get_user_model().objects.get(email="social@example.com")
    assert set_value(response, cookies.token_cookie_name())
    _one_session_for(client, user.pk)


@allauth_run
@pytest.mark.django_db
def test_our_sign_in_beside_allauth_still_makes_one_session() -> None:
    from tests.helpers import sign_in

    user: Any = UserFactory()
    client = origin_client()
    assert sign_in(client, user.email).status_code == 200
    _one_session_for(client, user.pk)
