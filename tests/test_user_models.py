"""The app in any Django project: whatever ``AUTH_USER_MODEL`` is (the suite runs under the
supplied model and under ``tests.settings_custom_user``'s username-based ``AbstractUser``
subclass), sign-up, sign-in by email, the user object, plain and async views, Django's own
``logout()`` and the public ``auth.login`` / ``auth.logout``."""

from __future__ import annotations

import asyncio
import os
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model, user_logged_in, user_logged_out, user_login_failed
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.hashers import MD5PasswordHasher
from django.core.cache import caches
from django.db import connection
from django.test import AsyncClient, Client
from django.test.utils import CaptureQueriesContext

from django_authsession import cookies, signals
from django_authsession.adapter import UserAdapter, get_adapter
from django_authsession.models import Session
from django_authsession.serializers import iso_ms
from django_authsession.tokens import sign_cookie_value
from tests.factories import DEFAULT_PASSWORD, SUPPLIED_USER_MODEL, UserFactory, create_session
from tests.helpers import (
    BETTER_AUTH_USER_KEYS,
    DOCUMENTED_USER_KEYS,
    NULL_ANSWER,
    cleared,
    history_writes,
    run_checks,
    run_python,
)

pytestmark = pytest.mark.django_db

SIGN_IN = "/api/auth/sign-in/email"
SIGN_UP = "/api/auth/sign-up/email"
SESSION = "/api/auth/session"
ROOT = Path(__file__).resolve().parent.parent


def make_user(**fields: Any) -> Any:
    """A user of the installed model (typed ``Any``: its fields depend on the run)."""
    return UserFactory(**fields)


def sign_in(client: Client, email: str, password: str = DEFAULT_PASSWORD) -> Any:
    return client.post(
        SIGN_IN, {"email": email, "password": password}, content_type="application/json"
    )


def sign_up(client: Client, **body: Any) -> Any:
    body.setdefault("name", "Ada Lovelace")
    body.setdefault("password", "analytical-engine")
    return client.post(SIGN_UP, body, content_type="application/json")


def cookie_client(token: str) -> Client:
    client = Client(HTTP_ORIGIN="http://testserver")
    client.cookies[cookies.token_cookie_name()] = sign_cookie_value(token)
    return client


# --- sign-up ------------------------------------------------------------------------------


def test_sign_up_creates_a_user_of_the_installed_model(client) -> None:
    response = sign_up(client, email="Ada@Example.COM", image="https://example.com/ada.png")
    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body["user"]) == BETTER_AUTH_USER_KEYS
    user = get_user_model().objects.get()
    assert user.email == "ada@example.com"
    assert user.check_password("analytical-engine")
    assert body["user"]["id"] == str(user.pk)
    assert body["user"]["name"] == "Ada Lovelace"
    assert Session.objects.get().user == user
    assert client.get(SESSION).json()["user"]["email"] == "ada@example.com"


@pytest.mark.custom_user_model
def test_sign_up_fills_username_and_first_and_last_name(client) -> None:
    make_user(username="ada", email="someone-else@example.com")
    response = sign_up(client, email="Ada@Example.com", image="https://example.com/ada.png")
    assert response.status_code == 200, response.content
    user: Any = get_user_model().objects.get(email="ada@example.com")
    assert user.username == "ada2"  # unique: "ada" is taken
    assert (user.first_name, user.last_name) == ("Ada", "Lovelace")
    assert response.json()["user"]["avatar"] is None  # the model has no avatar field


@pytest.mark.custom_user_model
def test_generated_username_is_valid_for_the_field(client) -> None:
    response = sign_up(client, email="o'brien!#$%&*/=?^`{|}~+tag@example.com")
    assert response.status_code == 200, response.content
    user: Any = get_user_model().objects.get()
    assert user.username == "obrien+tag"
    user.full_clean()  # the username validator accepts it


def test_sign_up_runs_the_password_validators_with_the_new_user(client, settings) -> None:
    settings.AUTH_PASSWORD_VALIDATORS = [
        {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"}
    ]
    response = sign_up(client, email="adalovelace@example.com", password="adalovelace")
    assert response.status_code == 400
    assert response.json()["code"] == "VALIDATION_ERROR"
    assert response.json()["message"].startswith("password: The password is too similar")
    assert not get_user_model().objects.exists()


def test_a_refused_sign_up_does_not_hold_the_email(client, settings) -> None:
    settings.AUTH_PASSWORD_VALIDATORS = [
        {
            "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
            "OPTIONS": {"min_length": 20},
        }
    ]
    assert sign_up(client, email="again@example.com").status_code == 400
    response = sign_up(client, email="again@example.com", password="a-much-longer-password-42")
    assert response.status_code == 200, response.content


def test_sign_up_email_taken_in_another_case_is_422(client) -> None:
    make_user(email="taken@example.com")
    response = sign_up(client, email="TAKEN@example.com")
    assert response.status_code == 422
    assert response.json()["code"] == "USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL"
    assert get_user_model().objects.count() == 1


class TakenUsernameOnceAdapter(UserAdapter):
    """Another sign-up takes the generated username between the check and the insert."""

    calls = 0

    def generate_username(self, email: str) -> str:
        type(self).calls += 1
        return "raced" if type(self).calls == 1 else super().generate_username(email)


class AlwaysTakenUsernameAdapter(UserAdapter):
    def generate_username(self, email: str) -> str:
        return "raced"


@pytest.mark.custom_user_model
def test_sign_up_retries_when_the_generated_username_was_taken(client, settings) -> None:
    settings.AUTHSESSION_ADAPTER = "tests.test_user_models.TakenUsernameOnceAdapter"
    make_user(username="raced", email="raced@example.com")
    response = sign_up(client, email="new@example.com")
    assert response.status_code == 200, response.content
    created: Any = get_user_model().objects.get(email="new@example.com")
    assert created.username == "new"


@pytest.mark.custom_user_model
def test_sign_up_that_cannot_be_saved_is_a_400_not_a_500(client, settings) -> None:
    settings.AUTHSESSION_ADAPTER = "tests.test_user_models.AlwaysTakenUsernameAdapter"
    make_user(username="raced", email="raced@example.com")
    response = sign_up(client, email="new@example.com")
    assert response.status_code == 400
    assert response.json() == {
        "message": "The account could not be created.",
        "code": "VALIDATION_ERROR",
    }
    assert not Session.objects.exists()


class ShoutingAdapter(UserAdapter):
    """A project's adapter: one method overridden to read a field of its own."""

    def populate_user(self, request: Any, user: Any, data: Any) -> set[str]:
        populated = super().populate_user(request, user, data)
        return populated | self.set_name(user, str(data.get("displayName", "")).upper())


def test_a_project_adapter_adds_fields_by_overriding_one_method(client, settings) -> None:
    settings.AUTHSESSION_ADAPTER = "tests.test_user_models.ShoutingAdapter"
    response = sign_up(client, email="grace@example.com", displayName="Grace Hopper")
    assert response.status_code == 200, response.content
    assert response.json()["user"]["name"] == "GRACE HOPPER"


# --- sign-in ------------------------------------------------------------------------------


def test_sign_in_finds_the_user_by_email_in_any_case(client) -> None:
    user = make_user(email="mixed.case@example.com")
    response = sign_in(client, "Mixed.Case@EXAMPLE.com")
    assert response.status_code == 200, response.content
    assert response.json()["user"]["id"] == str(user.pk)
    assert client.get(SESSION).json()["user"]["email"] == "mixed.case@example.com"


class RecordingBackend(ModelBackend):
    seen: list[dict[str, Any]] = []

    def authenticate(self, request: Any, username: Any = None, password: Any = None, **kw: Any):
        type(self).seen.append({"username": username})
        return super().authenticate(request, username=username, password=password, **kw)


class RefusingBackend(ModelBackend):
    def user_can_authenticate(self, user: Any) -> bool:
        return False


def test_sign_in_goes_through_the_authentication_backends_with_the_username(
    client, settings
) -> None:
    settings.AUTHENTICATION_BACKENDS = ["tests.test_user_models.RecordingBackend"]
    RecordingBackend.seen = []
    user = make_user()
    assert sign_in(client, user.email.upper()).status_code == 200
    assert RecordingBackend.seen == [{"username": user.get_username()}]


def test_sign_in_honours_user_can_authenticate(client, settings) -> None:
    settings.AUTHENTICATION_BACKENDS = ["tests.test_user_models.RefusingBackend"]
    user = make_user()
    response = sign_in(client, user.email)
    assert response.status_code == 401
    assert response.json()["code"] == "INVALID_EMAIL_OR_PASSWORD"
    assert not Session.objects.exists()


def test_an_inactive_user_a_backend_lets_in_still_gets_no_session(client, settings) -> None:
    settings.AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.AllowAllUsersModelBackend"]
    user = make_user(is_active=False)
    assert sign_in(client, user.email).status_code == 401
    assert not Session.objects.exists()


class CountingHasher(MD5PasswordHasher):
    """Counts hash computations (``verify`` hashes through ``encode``)."""

    encodes = 0

    def encode(self, password: str, salt: str) -> str:
        type(self).encodes += 1
        return super().encode(password, salt)


@pytest.mark.parametrize("case", ["unknown-email", "wrong-password"])
def test_unknown_email_costs_a_password_hash_like_a_wrong_password(client, settings, case) -> None:
    settings.PASSWORD_HASHERS = ["tests.test_user_models.CountingHasher"]
    user = make_user()
    failed: list[dict[str, Any]] = []
    user_login_failed.connect(lambda **kw: failed.append(kw), weak=False, dispatch_uid="t")
    CountingHasher.encodes = 0
    try:
        email = "nobody@example.com" if case == "unknown-email" else user.email
        response = sign_in(client, email, "not-the-password")
    finally:
        user_login_failed.disconnect(dispatch_uid="t")
    assert response.status_code == 401
    assert response.json() == {
        "message": "Invalid email or password",
        "code": "INVALID_EMAIL_OR_PASSWORD",
    }
    assert CountingHasher.encodes == 1  # one hash either way
    assert len(failed) == 1  # lockout tools hear of both


@pytest.mark.custom_user_model
def test_two_users_sharing_an_email_cannot_sign_in_to_either(client) -> None:
    make_user(email="shared@example.com")
    make_user(email="Shared@example.com")
    assert sign_in(client, "shared@example.com").status_code == 401
    assert sign_up(client, email="SHARED@example.com").status_code == 422


# --- the user object ----------------------------------------------------------------------


@pytest.mark.custom_user_model
def test_session_answer_for_a_username_based_model(client, django_assert_num_queries) -> None:
    user = make_user(first_name="Ada", last_name="Lovelace", email="ada@example.com")
    sign_in(client, "ada@example.com")
    expected = {
        "id": str(user.pk),
        "email": "ada@example.com",
        "name": "Ada Lovelace",
        "type": None,
        "profession": None,
        "avatar": None,
        "isActive": True,
        "organizationId": None,
        "isEmailVerified": None,
        "createdAt": iso_ms(user.date_joined),
        "updatedAt": None,
    }
    with django_assert_num_queries(0):  # served by the cookie cache
        assert client.get(SESSION).json()["user"] == expected
    assert client.get(SESSION, {"disableCookieCache": "true"}).json()["user"] == expected
    better_auth = client.get("/api/auth/get-session").json()["user"]
    assert better_auth == {**expected, "emailVerified": None, "image": None}


@pytest.mark.custom_user_model
def test_name_falls_back_to_the_username(client) -> None:
    user = make_user(first_name="", last_name="", username="ada")
    assert get_adapter().user_data(user)["name"] == "ada"


def test_user_object_has_every_documented_key(user) -> None:
    data = get_adapter().user_data(user)
    assert set(data) == DOCUMENTED_USER_KEYS
    assert data["id"] == str(user.pk) and data["email"] == user.email
    assert isinstance(data["name"], str) and data["name"]
    assert data["isActive"] is True
    assert data["createdAt"] is not None


# --- the request path in a project's own views --------------------------------------------


def test_drf_view_with_authsession_authentication(signed_in) -> None:
    client, session, _ = signed_in
    assert client.get("/api/me/").json() == {"email": session.user.email}


def test_login_required_view(signed_in, make_client) -> None:
    client, session, _ = signed_in
    response = client.get("/plain/login-required/")
    assert response.json() == {"authenticated": True, "pk": str(session.user.pk)}
    assert make_client().get("/plain/login-required/").status_code == 302


def _async_get(client: AsyncClient, path: str) -> Any:
    return async_to_sync(client.get)(path)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("path", ["/plain/async-auser/", "/plain/async-user/"])
@pytest.mark.parametrize("cached", [False, True], ids=["database", "cookie-cache"])
def test_async_view_gets_the_session_user_under_asgi(user, path, cached) -> None:
    """``await request.auser()`` and ``request.user`` in an async view, through the ASGI
    handler (Django raises ``SynchronousOnlyOperation`` for a query on the event loop)."""
    client = AsyncClient(headers={"origin": "http://testserver"})
    if cached:
        body = async_to_sync(client.post)(
            SIGN_IN,
            {"email": user.email, "password": DEFAULT_PASSWORD},
            content_type="application/json",
        )
        assert cookies.data_cookie_name() in body.cookies
    else:
        _, token = create_session(user)
        client.cookies[cookies.token_cookie_name()] = sign_cookie_value(token)
    response = _async_get(client, path)
    assert response.status_code == 200, response.content
    assert response.json()["authenticated"] is True
    assert response.json()["pk"] == str(user.pk)


@pytest.mark.django_db(transaction=True)
def test_async_view_without_a_session_is_anonymous(db) -> None:
    response = _async_get(AsyncClient(), "/plain/async-user/")
    assert response.json() == {"authenticated": False, "pk": None, "email": None}


@pytest.mark.django_db(transaction=True)
def test_asgi_path_does_no_cache_or_database_work_on_the_event_loop(user, monkeypatch) -> None:
    cache_type = type(caches["default"])
    on_loop: list[str] = []

    def watch(name: str) -> None:
        original = getattr(cache_type, name)

        def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
            try:
                asyncio.get_running_loop()
                on_loop.append(name)
            except RuntimeError:
                pass
            return original(self, *args, **kwargs)

        monkeypatch.setattr(cache_type, name, wrapper)

    for name in ("get", "get_many", "set", "set_many", "add", "incr", "delete"):
        watch(name)
    client = AsyncClient(headers={"origin": "http://testserver"})
    async_to_sync(client.post)(
        SIGN_IN,
        {"email": user.email, "password": DEFAULT_PASSWORD},
        content_type="application/json",
    )
    for path in ("/plain/async-user/", "/plain/async-auser/", SESSION, "/api/ping/"):
        assert _async_get(client, path).status_code == 200
    assert on_loop == []


# --- Django's logout() and the public helpers ---------------------------------------------


def test_django_logout_ends_the_app_session_and_clears_its_cookies(client, user) -> None:
    sign_in(client, user.email)
    session = Session.objects.get()
    response = client.post("/plain/logout/")
    assert response.json() == {"logged_out": True}
    assert cleared(response, cookies.token_cookie_name())
    assert cleared(response, cookies.data_cookie_name())
    assert not Session.objects.filter(pk=session.pk).exists()
    assert client.get(SESSION).json() == NULL_ANSWER


@pytest.mark.django_db(transaction=True)
def test_django_alogout_in_an_async_view_ends_the_app_session(user) -> None:
    client = AsyncClient(headers={"origin": "http://testserver"})
    async_to_sync(client.post)(
        SIGN_IN,
        {"email": user.email, "password": DEFAULT_PASSWORD},
        content_type="application/json",
    )
    response = async_to_sync(client.post)("/plain/alogout/")
    assert response.json() == {"logged_out": True}
    assert cleared(response, cookies.token_cookie_name())
    assert not Session.objects.exists()


def test_admin_log_out_ends_the_app_session(client) -> None:
    staff = make_user(is_staff=True, is_superuser=True)
    sign_in(client, staff.email)
    assert client.get("/admin/").status_code == 200  # the session signs in the admin
    response = client.post("/admin/logout/")
    assert response.status_code == 200
    assert cleared(response, cookies.token_cookie_name())
    assert client.get("/admin/").status_code == 302  # to the admin's login page
    assert client.get(SESSION).json() == NULL_ANSWER
    assert not Session.objects.exists()


def test_django_logout_without_an_app_session_leaves_cookies_alone(client, user) -> None:
    client.force_login(user)  # Django's own session only
    response = client.post("/plain/logout/")
    assert response.json() == {"logged_out": True}
    assert cookies.token_cookie_name() not in response.cookies


def test_our_sign_out_revokes_once_and_sends_one_user_logged_out(signed_in) -> None:
    client, _, _ = signed_in
    revoked: list[dict[str, Any]] = []
    logged_out: list[dict[str, Any]] = []
    signals.session_revoked.connect(lambda **kw: revoked.append(kw), weak=False, dispatch_uid="t")
    user_logged_out.connect(lambda **kw: logged_out.append(kw), weak=False, dispatch_uid="t")
    try:
        assert client.post("/api/auth/sign-out").json() == {"success": True}
    finally:
        signals.session_revoked.disconnect(dispatch_uid="t")
        user_logged_out.disconnect(dispatch_uid="t")
    assert [r["reason"] for r in revoked] == ["sign-out"]
    assert len(logged_out) == 1


def _writes(queries: CaptureQueriesContext) -> list[str]:
    verbs = ("INSERT", "UPDATE", "DELETE")
    sql = [q["sql"] for q in queries.captured_queries]
    return sorted(statement.split()[0] for statement in sql if statement.startswith(verbs))


def test_auth_login_matches_sign_in_cookies_signals_and_writes(client, make_client) -> None:
    user = make_user()
    created: list[Any] = []
    logged_in: list[Any] = []
    signals.session_created.connect(lambda **kw: created.append(kw), weak=False, dispatch_uid="t")
    user_logged_in.connect(lambda **kw: logged_in.append(kw["user"]), weak=False, dispatch_uid="t")
    try:
        with CaptureQueriesContext(connection) as by_endpoint:
            endpoint = sign_in(make_client(), user.email)
        with CaptureQueriesContext(connection) as by_helper:
            helper = client.post("/plain/project-login/", {"user": user.pk})
    finally:
        signals.session_created.disconnect(dispatch_uid="t")
        user_logged_in.disconnect(dispatch_uid="t")
    assert helper.status_code == 200, helper.content
    assert _writes(by_helper) == _writes(by_endpoint)
    if not history_writes():  # else also the event and the known device
        assert _writes(by_endpoint) == ["INSERT", "UPDATE"]
    assert len(created) == 2 and logged_in == [user, user]
    for name in (cookies.token_cookie_name(), cookies.data_cookie_name()):
        mine, theirs = helper.cookies[name], endpoint.cookies[name]
        for attribute in ("max-age", "path", "samesite", "httponly", "secure"):
            assert mine[attribute] == theirs[attribute], (name, attribute)
    answer = client.get(SESSION).json()
    assert answer["user"]["id"] == str(user.pk)
    assert answer["session"]["id"] == helper.json()["session"]


def test_auth_login_renews_the_same_users_session_and_remember_false(client) -> None:
    """Signing the same user in again renews the browser's session in place (a new token in
    the same row); another user's sign-in replaces it."""
    user = make_user()
    client.post("/plain/project-login/", {"user": user.pk})
    first = Session.objects.get()
    response = client.post("/plain/project-login/", {"user": user.pk, "remember": "0"})
    renewed = Session.objects.get()
    assert renewed.pk == first.pk and renewed.token != first.token
    assert not renewed.remember_me
    assert cookies.dont_remember_cookie_name() in response.cookies
    assert response.cookies[cookies.token_cookie_name()]["max-age"] == ""
    client.post("/plain/project-login/", {"user": make_user().pk})
    assert not Session.objects.filter(pk=first.pk).exists()
    assert Session.objects.count() == 1


def test_auth_login_refuses_an_inactive_user(rf) -> None:
    from django_authsession import auth

    user = make_user(is_active=False)
    with pytest.raises(ValueError, match="inactive"):
        auth.login(rf.post("/"), user)
    assert not Session.objects.exists()


def test_auth_logout_ends_the_session(signed_in) -> None:
    client, session, _ = signed_in
    response = client.post("/plain/project-logout/")
    assert response.json() == {"logged_out": True}
    assert cleared(response, cookies.token_cookie_name())
    assert not Session.objects.filter(pk=session.pk).exists()
    assert client.get(SESSION).json() == NULL_ANSWER


# --- migrations and checks ----------------------------------------------------------------


def test_migrate_django_authsession_alone_on_a_fresh_database(tmp_path) -> None:
    """``migrate django_authsession`` first, with whatever user model this run has: the
    swappable dependency pulls in the user model's app."""
    database = tmp_path / "fresh.sqlite3"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": django_settings.SETTINGS_MODULE,
        "DATABASE_URL": f"sqlite:///{database}",
    }
    env.pop("REDIS_URL", None)
    run_python(["-m", "django", "migrate", "django_authsession", "--verbosity", "1"], env=env)
    with closing(sqlite3.connect(database)) as db:  # a bare connect() context does not close
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
    assert "session" in tables
    assert get_user_model()._meta.db_table in tables
    if not SUPPLIED_USER_MODEL:
        assert "user" not in tables  # the supplied model is swapped out: no table


def test_e006_adapter_that_does_not_import(settings) -> None:
    settings.AUTHSESSION_ADAPTER = "tests.no_such_module.Adapter"
    assert "django_authsession.E014" in {m.id for m in run_checks()}


def test_e007_user_model_without_its_email_field(monkeypatch) -> None:
    monkeypatch.setattr(get_user_model(), "EMAIL_FIELD", "no_such_field")
    assert "django_authsession.E015" in {m.id for m in run_checks()}


def test_auser_follows_auth_login_and_logout_within_a_request(rf) -> None:
    from django_authsession import auth
    from django_authsession.middleware import AuthSessionMiddleware

    first, second = make_user(), make_user()
    _, token = create_session(first)
    request = rf.post("/")
    request.COOKIES[cookies.token_cookie_name()] = sign_cookie_value(token)
    AuthSessionMiddleware(lambda r: None).process_request(request)
    assert async_to_sync(request.auser)() == first
    auth.login(request, second)
    assert async_to_sync(request.auser)() == second == request.user
    auth.logout(request)
    assert not async_to_sync(request.auser)().is_authenticated


def test_the_user_object_of_a_lazy_request_user(user) -> None:
    """Views pass ``request.user``, a ``SimpleLazyObject``: the adapter reads the model through
    it (``type()`` of the proxy is not the model)."""
    from django.utils.functional import SimpleLazyObject

    from django_authsession.serializers import user_data

    assert user_data(SimpleLazyObject(lambda: user)) == user_data(user)
