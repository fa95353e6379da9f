"""Every Django login is an app session: ``LoginView``, the admin's login form and a project's
``authenticate()`` + ``login()`` (sync, and ``alogin()`` under ASGI) start exactly one session
with its cookies on that response, as ``POST /sign-in/email`` does; Django's ``logout()``
ends it. With ``AUTHSESSION_ADOPT_DJANGO_SESSIONS`` a request logged in by Django's session
alone gets one too."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from django.conf import settings as django_settings
from django.contrib.auth import user_logged_in
from django.test import AsyncClient, Client

from django_authsession import cookies, signals
from django_authsession.models import Session
from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.helpers import cleared, origin_client, set_value, sign_in

pytestmark = pytest.mark.django_db

GET_SESSION = "/api/auth/get-session"
LIST_SESSIONS = "/api/auth/list-sessions"


def make_user(**fields: Any) -> Any:
    """A user of the installed model (typed ``Any``: its fields depend on the run)."""
    return UserFactory(**fields)


def _credentials(user: Any) -> dict[str, str]:
    return {"username": user.get_username(), "password": DEFAULT_PASSWORD}


def _login_view(client: Client, user: Any) -> Any:
    return client.post("/accounts/login/", _credentials(user))


def _admin_login(client: Client, user: Any) -> Any:
    return client.post("/admin/login/", {**_credentials(user), "next": "/admin/"})


def _project_login(client: Client, user: Any) -> Any:
    return client.post("/plain/django-login/", _credentials(user))


LOGINS = {
    "LoginView": (_login_view, 302),
    "admin": (_admin_login, 302),
    "project view": (_project_login, 200),
}


@pytest.fixture
def created() -> Any:
    """The ``session_created`` signals sent during the test."""
    sent: list[dict[str, Any]] = []
    signals.session_created.connect(lambda **kw: sent.append(kw), weak=False, dispatch_uid="t")
    yield sent
    signals.session_created.disconnect(dispatch_uid="t")


def _assert_one_session_for(client: Client, user: Any) -> None:
    answer = client.get(GET_SESSION).json()
    assert answer is not None and answer["user"]["id"] == str(user.pk)
    listed = client.get(LIST_SESSIONS)
    assert listed.status_code == 200
    assert len(listed.json()) == 1
    assert Session.objects.count() == 1


@pytest.mark.parametrize("kind", list(LOGINS))
def test_every_django_login_starts_one_app_session(kind: str, created: list[Any]) -> None:
    user = make_user(is_staff=True)
    login, status = LOGINS[kind]
    client = origin_client(HTTP_USER_AGENT="Mozilla/5.0 (X11; Linux x86_64) Firefox/130.0")
    response = login(client, user)
    assert response.status_code == status, response.content
    assert set_value(response, cookies.token_cookie_name())
    assert set_value(response, cookies.data_cookie_name())
    assert django_settings.SESSION_COOKIE_NAME in response.cookies  # Django's session too
    session = Session.objects.get()
    assert session.user_id == user.pk
    assert session.ip_address == "127.0.0.1"
    assert session.user_agent == "Mozilla/5.0 (X11; Linux x86_64) Firefox/130.0"
    assert session.remember_me is True
    assert [kw["session"].pk for kw in created] == [session.pk]
    _assert_one_session_for(client, user)


def test_the_admin_works_beside_the_app_session() -> None:
    staff = make_user(is_staff=True, is_superuser=True)
    client = origin_client()
    _admin_login(client, staff)
    assert client.get("/admin/").status_code == 200
    del client.cookies[django_settings.SESSION_COOKIE_NAME]
    assert client.get("/admin/").status_code == 200  # the app session alone signs it in too


def test_logout_view_ends_the_app_session() -> None:
    user = make_user()
    client = origin_client()
    _login_view(client, user)
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert cleared(response, cookies.token_cookie_name())
    assert not Session.objects.exists()
    assert client.get(GET_SESSION).content == b"null"


def test_our_sign_in_makes_exactly_one_session(created: list[Any]) -> None:
    user = make_user()
    logged_in: list[Any] = []
    user_logged_in.connect(lambda **kw: logged_in.append(kw), weak=False, dispatch_uid="t")
    try:
        response = sign_in(origin_client(), user.email)
    finally:
        user_logged_in.disconnect(dispatch_uid="t")
    assert response.status_code == 200
    assert Session.objects.count() == 1
    assert len(created) == 1 and len(logged_in) == 1


def test_a_django_login_replaces_the_session_the_browser_held() -> None:
    first, second = make_user(), make_user()
    client = origin_client()
    sign_in(client, first.email)
    _project_login(client, second)
    assert list(Session.objects.values_list("user_id", flat=True)) == [second.pk]
    _assert_one_session_for(client, second)


def test_login_twice_in_one_request_keeps_one_session(rf: Any) -> None:
    """Django's login() then the app's auth.login() in one view: the second replaces the
    first, and the response starts nothing more."""
    from django.contrib.auth import login as django_login
    from django.contrib.sessions.backends.db import SessionStore

    from django_authsession import auth
    from django_authsession.middleware import AuthSessionMiddleware

    user = make_user()

    def view(request: Any) -> Any:
        django_login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        assert request.auth_session.session.user_id == user.pk  # read: started now
        auth.login(request, user)
        from django.http import HttpResponse

        return HttpResponse("ok")

    request = rf.post("/")
    request.session = SessionStore()
    response = AuthSessionMiddleware(view)(request)
    assert Session.objects.count() == 1
    assert set_value(response, cookies.token_cookie_name())


def test_remember_me_follows_djangos_session_expiry(settings: Any) -> None:
    user = make_user()
    client = origin_client()
    response = client.post("/plain/django-login/", {**_credentials(user), "remember": "0"})
    assert response.status_code == 200
    assert response.cookies[cookies.token_cookie_name()]["max-age"] == ""
    assert set_value(response, cookies.dont_remember_cookie_name())
    assert Session.objects.get().remember_me is False

    settings.SESSION_EXPIRE_AT_BROWSER_CLOSE = True
    response = _project_login(origin_client(), user)
    assert response.cookies[cookies.token_cookie_name()]["max-age"] == ""
    assert list(Session.objects.values_list("remember_me", flat=True)) == [False, False]


def test_a_failed_response_starts_no_session() -> None:
    user = make_user()
    response = origin_client().post("/plain/django-login-fails/", _credentials(user))
    assert response.status_code == 503
    assert not Session.objects.exists()
    assert cookies.token_cookie_name() not in response.cookies


def test_force_login_of_the_test_client_starts_no_app_session() -> None:
    """Not a request through the middleware: Django's session only, as before."""
    client = origin_client()
    client.force_login(make_user())
    assert not Session.objects.exists()
    assert client.get(GET_SESSION).content == b"null"


@pytest.mark.django_db(transaction=True)
def test_alogin_in_an_async_view_under_asgi_starts_one_session() -> None:
    user = make_user()
    client = AsyncClient(headers={"origin": "http://testserver"})
    response = async_to_sync(client.post)(
        "/plain/django-alogin/", _credentials(user), headers={"user-agent": "asgi-browser"}
    )
    assert response.status_code == 200, response.content
    assert set_value(response, cookies.token_cookie_name())
    session = Session.objects.get()
    assert (session.user_id, session.ip_address) == (user.pk, "127.0.0.1")
    assert session.user_agent == "asgi-browser"
    answer = async_to_sync(client.get)(GET_SESSION).json()
    assert answer["user"]["id"] == str(user.pk)
    assert len(async_to_sync(client.get)(LIST_SESSIONS).json()) == 1
    logout = async_to_sync(client.post)("/plain/alogout/")
    assert cleared(logout, cookies.token_cookie_name())
    assert not Session.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_login_view_under_asgi_starts_one_session() -> None:
    """A sync view (``LoginView``) served by the ASGI handler: the session starts in the
    middleware's thread, off the event loop."""
    user = make_user()
    client = AsyncClient(headers={"origin": "http://testserver"})
    response = async_to_sync(client.post)("/accounts/login/", _credentials(user))
    assert response.status_code == 302, response.content
    assert set_value(response, cookies.token_cookie_name())
    answer = async_to_sync(client.get)(GET_SESSION).json()
    assert answer["user"]["id"] == str(user.pk)
    assert Session.objects.count() == 1


def test_an_inactive_user_logged_in_by_django_gets_no_session(settings: Any) -> None:
    """A backend may let inactive users log in (``AllowAllUsersModelBackend``); the app gives
    them no session, as its own sign-in does not."""
    settings.AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.AllowAllUsersModelBackend"]
    user = make_user(is_active=False)
    response = _project_login(origin_client(), user)
    assert response.status_code == 200
    assert not Session.objects.exists()
    assert cookies.token_cookie_name() not in response.cookies


# --- adopting Django's logins ------------------------------------------------------------


def test_without_adoption_a_django_session_alone_stays_as_it_is() -> None:
    client = origin_client()
    client.force_login(make_user())
    assert client.get(GET_SESSION).content == b"null"
    assert not Session.objects.exists()


def test_adoption_gives_a_django_login_an_app_session(settings: Any) -> None:
    settings.AUTHSESSION_ADOPT_DJANGO_SESSIONS = True
    user = make_user()
    client = origin_client()
    client.force_login(user)  # logged in before the app was installed
    response = client.get(GET_SESSION)
    assert response.json()["user"]["id"] == str(user.pk)  # answered at once
    assert set_value(response, cookies.token_cookie_name())
    client.get(GET_SESSION)
    client.get("/plain/login-required/")
    _assert_one_session_for(client, user)


def test_adoption_on_any_page_sets_the_cookies(settings: Any) -> None:
    settings.AUTHSESSION_ADOPT_DJANGO_SESSIONS = True
    user = make_user()
    client = origin_client()
    client.force_login(user)
    response = client.get("/plain/login-required/")
    assert response.status_code == 200
    assert set_value(response, cookies.token_cookie_name())
    assert Session.objects.get().user_id == user.pk


def test_our_sign_out_ends_the_django_login_too(settings: Any) -> None:
    """Else adoption would bring the session back on the next request."""
    settings.AUTHSESSION_ADOPT_DJANGO_SESSIONS = True
    user = make_user()
    client = origin_client()
    _project_login(client, user)
    assert client.post("/api/auth/sign-out").json() == {"success": True}
    assert client.get(GET_SESSION).content == b"null"
    assert client.get("/plain/login-required/").status_code == 302
    assert not Session.objects.exists()


def test_adoption_of_an_anonymous_django_session_starts_nothing(settings: Any) -> None:
    settings.AUTHSESSION_ADOPT_DJANGO_SESSIONS = True
    client = origin_client()
    client.cookies[django_settings.SESSION_COOKIE_NAME] = "no-such-session"
    response = client.get(GET_SESSION)
    assert response.content == b"null"
    assert cookies.token_cookie_name() not in response.cookies
    assert not Session.objects.exists()


def test_adoption_costs_nothing_without_either_cookie(
    settings: Any, django_assert_num_queries: Any, cache_calls: Counter[str]
) -> None:
    settings.AUTHSESSION_ADOPT_DJANGO_SESSIONS = True
    client = Client()
    with django_assert_num_queries(0):
        response = client.get("/plain/login-required/")
    assert response.status_code == 302
    assert sum(cache_calls.values()) == 0
    assert cookies.token_cookie_name() not in response.cookies


# --- one login: revoking the app session ends the Django login it came with ---------------


def _revoke_all() -> None:
    from django_authsession import sessions

    sessions.revoke_sessions(Session.objects.all(), reason="admin")


def test_revoking_the_session_of_a_django_login_logs_that_browser_out_of_django() -> None:
    """The admin's "Revoke" or the device list's: the device is signed out of the project's
    Django views too, not only of the front end."""
    user = make_user()
    client = origin_client()
    _login_view(client, user)
    assert client.get("/plain/login-required/").status_code == 200
    _revoke_all()
    response = client.get("/plain/login-required/")
    assert response.status_code == 302  # to the login page
    assert cleared(response, cookies.token_cookie_name())
    assert client.get("/plain/login-required/").status_code == 302  # Django's session is gone
    assert client.get(GET_SESSION).content == b"null"


def test_revocation_seen_first_by_a_session_read_ends_the_django_login() -> None:
    user = make_user()
    client = origin_client()
    _project_login(client, user)
    _revoke_all()
    assert client.get(GET_SESSION).content == b"null"  # the front end notices first
    assert client.get("/plain/login-required/").status_code == 302


@pytest.mark.django_db(transaction=True)
def test_revocation_ends_the_django_login_in_an_async_view() -> None:
    user = make_user()
    client = AsyncClient(headers={"origin": "http://testserver"})
    async_to_sync(client.post)("/accounts/login/", _credentials(user))
    assert async_to_sync(client.get)("/plain/async-auser/").json()["authenticated"] is True
    _revoke_all()
    assert async_to_sync(client.get)("/plain/async-auser/").json()["authenticated"] is False
    assert async_to_sync(client.get)("/plain/async-user/").json()["authenticated"] is False


def test_a_django_login_of_its_own_is_left_alone() -> None:
    """A Django session logged in apart from the app session (here the test client's
    force_login, then the endpoint) is not the pair of that session."""
    user = make_user()
    client = origin_client()
    client.force_login(user)
    sign_in(client, user.email)
    _revoke_all()
    assert client.get("/plain/login-required/").status_code == 200


def test_an_adopted_login_whose_session_was_revoked_is_not_adopted_again(
    settings: Any,
) -> None:
    settings.AUTHSESSION_ADOPT_DJANGO_SESSIONS = True
    user = make_user()
    client = origin_client()
    client.force_login(user)
    assert client.get(GET_SESSION).json()["user"]["id"] == str(user.pk)  # adopted
    revoked = client.post("/api/auth/revoke-sessions")
    assert revoked.json() == {"status": True}
    assert cleared(revoked, cookies.token_cookie_name())
    assert client.get(GET_SESSION).content == b"null"  # not adopted again
    assert client.get("/plain/login-required/").status_code == 302
    assert not Session.objects.exists()


def test_an_adopted_login_whose_cookies_are_gone_is_not_adopted_again(settings: Any) -> None:
    """The browser dropped the app cookies (the session expired): the Django login that
    started that session ends instead of starting another."""
    settings.AUTHSESSION_ADOPT_DJANGO_SESSIONS = True
    user = make_user()
    client = origin_client()
    client.force_login(user)
    assert client.get(GET_SESSION).json() is not None  # adopted
    for name in list(client.cookies):
        if name != django_settings.SESSION_COOKIE_NAME:
            del client.cookies[name]
    assert client.get(GET_SESSION).content == b"null"
    assert client.get("/plain/login-required/").status_code == 302
    assert Session.objects.count() == 1  # the old row, left to expire or be cleaned up
