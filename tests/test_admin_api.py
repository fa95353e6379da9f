"""The admin API (``django_authsession.admin_api``): Better Auth's admin plugin calls for
sessions, allowed by Django permissions of staff users. Every permission edge, bans (ending
sessions, refusing sign-in, expiring), impersonation (its own short session, the admin's
restored on stop with its Max-Age, bearer clients), for both user models."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.test import Client
from django.utils import timezone

from django_authsession.admin_api import service
from django_authsession.admin_api.models import Ban
from django_authsession.models import Session
from django_authsession.sessions import create_session
from django_authsession.tokens import sign_cookie_value, storage_key, unsign_cookie_value
from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.helpers import NULL_ANSWER, cleared, origin_client, run_checks, sign_in

pytestmark = pytest.mark.django_db


def new_user(**fields: Any) -> Any:
    """A saved user of the installed model (typed as such, not as the factory)."""
    return UserFactory(**fields)


ADMIN = "/api/auth/admin"
ADMIN_COOKIE = "better-auth.admin_session"
TOKEN_COOKIE = "better-auth.session_token"
DONT_REMEMBER = "better-auth.dont_remember"


@pytest.fixture(autouse=True)
def _plain_cookie_names(settings: Any) -> None:
    settings.AUTHSESSION_USE_SECURE_COOKIES = False


def email_of(user: Any) -> str:
    return str(getattr(user, user.get_email_field_name()))


def grant(user: Any, *codenames: str) -> Any:
    """Give ``user`` the permissions ``app_label.codename``; returns a fresh copy (the
    permission cache of the old one is stale)."""
    for name in codenames:
        app_label, codename = name.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    return get_user_model()._default_manager.get(pk=user.pk)


def staff(*permissions: str, **fields: Any) -> Any:
    return grant(new_user(is_staff=True, **fields), *permissions)


def browser_of(user: Any, **fields: Any) -> Client:
    """A browser signed in as ``user`` through the sign-in endpoint (cookies as a browser has
    them, cookie cache included)."""
    browser = origin_client()
    response = sign_in(browser, email_of(user), DEFAULT_PASSWORD, **fields)
    assert response.status_code == 200, response.content
    return browser


def post(browser: Client, path: str, body: dict[str, Any] | None = None, **extra: Any) -> Any:
    return browser.post(f"{ADMIN}/{path}", body or {}, content_type="application/json", **extra)


def who(browser: Client) -> Any:
    answer = browser.get("/api/auth/get-session").json()
    return answer and answer["user"]["email"]


ALL_PERMISSIONS = (
    "django_authsession.view_session",
    "django_authsession.delete_session",
    "authsession_admin_api.impersonate",
)


def ban_permission() -> str:
    return service.ban_permission()


# --- who may call what ----------------------------------------------------------------------

# (path, body builder, the permission it needs, the 403 code without it)
CALLS = [
    (
        "list-user-sessions",
        lambda target: {"userId": str(target.pk)},
        "django_authsession.view_session",
        "YOU_ARE_NOT_ALLOWED_TO_LIST_USERS_SESSIONS",
    ),
    (
        "revoke-user-session",
        lambda target: {"sessionToken": "x" * 32},
        "django_authsession.delete_session",
        "YOU_ARE_NOT_ALLOWED_TO_REVOKE_USERS_SESSIONS",
    ),
    (
        "revoke-user-sessions",
        lambda target: {"userId": str(target.pk)},
        "django_authsession.delete_session",
        "YOU_ARE_NOT_ALLOWED_TO_REVOKE_USERS_SESSIONS",
    ),
    (
        "ban-user",
        lambda target: {"userId": str(target.pk)},
        None,  # the user model's change permission
        "YOU_ARE_NOT_ALLOWED_TO_BAN_USERS",
    ),
    (
        "unban-user",
        lambda target: {"userId": str(target.pk)},
        None,
        "YOU_ARE_NOT_ALLOWED_TO_BAN_USERS",
    ),
    (
        "impersonate-user",
        lambda target: {"userId": str(target.pk)},
        "authsession_admin_api.impersonate",
        "YOU_ARE_NOT_ALLOWED_TO_IMPERSONATE_USERS",
    ),
]


@pytest.mark.parametrize(("path", "body", "permission", "code"), CALLS)
def test_without_a_session_every_call_is_401(path, body, permission, code) -> None:
    response = post(origin_client(), path, body(new_user()))
    assert response.status_code == 401
    assert response.json()["code"] == "UNAUTHORIZED"


@pytest.mark.parametrize(("path", "body", "permission", "code"), CALLS)
def test_a_user_who_is_not_staff_gets_403_even_with_the_permission(
    path, body, permission, code
) -> None:
    """Permissions count for staff only; a client cannot claim a role."""
    user = grant(new_user(), *ALL_PERMISSIONS, ban_permission())
    response = post(browser_of(user), path, {**body(new_user()), "role": "admin"})
    assert response.status_code == 403
    assert response.json()["code"] == code


@pytest.mark.parametrize(("path", "body", "permission", "code"), CALLS)
def test_staff_without_the_permission_gets_403_and_with_it_gets_through(
    path, body, permission, code
) -> None:
    permission = permission or ban_permission()
    others = [p for p in (*ALL_PERMISSIONS, ban_permission()) if p != permission]
    target = new_user()
    without = staff(*others)
    response = post(browser_of(without), path, body(target))
    assert response.status_code == 403
    assert response.json() == {"message": response.json()["message"], "code": code}
    allowed = staff(permission)
    response = post(browser_of(allowed), path, body(target))
    assert response.status_code == 200, response.content


def test_a_staff_user_deactivated_behind_our_back_is_refused() -> None:
    """Deactivated with ``update()`` (no signal, the cookie cache still warm): the user row,
    read for the permission check, says inactive."""
    admin = staff(*ALL_PERMISSIONS)
    browser = browser_of(admin)
    type(admin)._default_manager.filter(pk=admin.pk).update(is_active=False)
    response = post(browser, "list-user-sessions", {"userId": str(admin.pk)})
    assert response.status_code == 403


# --- list and revoke ------------------------------------------------------------------------


def test_list_user_sessions_shows_ids_never_tokens() -> None:
    admin = staff("django_authsession.view_session")
    target = new_user()
    first, first_token = create_session(target)
    create_session(target)
    response = post(browser_of(admin), "list-user-sessions", {"userId": str(target.pk)})
    assert response.status_code == 200
    listed = response.json()["sessions"]
    assert {s["id"] for s in listed} == set(
        map(str, Session.objects.filter(user=target).values_list("pk", flat=True))
    )
    assert all(s["token"] == s["id"] for s in listed)
    assert first_token not in response.content.decode()
    assert first.token not in response.content.decode()


@pytest.mark.parametrize("user_id", ["nobody", "0", "99999999999999999999999", "", "x" * 255])
def test_list_user_sessions_of_an_unknown_user_is_empty(user_id: str) -> None:
    admin = staff("django_authsession.view_session")
    response = post(browser_of(admin), "list-user-sessions", {"userId": user_id})
    assert response.status_code in (200, 400)
    if response.status_code == 200:
        assert response.json() == {"sessions": []}


@pytest.mark.parametrize("by", ["id", "token"])
def test_revoke_user_session_ends_it_in_a_warm_cookie_cache(by: str) -> None:
    admin = staff("django_authsession.delete_session")
    target = new_user()
    victim = browser_of(target)
    assert who(victim) == email_of(target)  # its cookie cache is warm
    session = Session.objects.get(user=target)
    raw = unsign_cookie_value(victim.cookies[TOKEN_COOKIE].value)
    value = str(session.pk) if by == "id" else raw
    response = post(browser_of(admin), "revoke-user-session", {"sessionToken": value})
    assert response.json() == {"success": True}
    assert not Session.objects.filter(pk=session.pk).exists()
    assert victim.get("/api/auth/get-session").content == b"null"


def test_revoke_user_session_of_nothing_answers_success() -> None:
    admin = staff("django_authsession.delete_session")
    browser = browser_of(admin)
    for value in ("not-a-session", "00000000-0000-0000-0000-000000000000"):
        response = post(browser, "revoke-user-session", {"sessionToken": value})
        assert response.json() == {"success": True}
    assert Session.objects.filter(user=admin).count() == 1


def test_revoke_user_sessions_ends_every_session_of_the_user() -> None:
    admin = staff("django_authsession.delete_session")
    target = new_user()
    victims = [browser_of(target), browser_of(target)]
    bystander = create_session(new_user())[0]
    response = post(browser_of(admin), "revoke-user-sessions", {"userId": str(target.pk)})
    assert response.json() == {"success": True}
    assert not Session.objects.filter(user=target).exists()
    assert Session.objects.filter(pk=bystander.pk).exists()
    assert all(v.get("/api/auth/get-session").content == b"null" for v in victims)


# --- bans -----------------------------------------------------------------------------------


def test_ban_ends_every_session_and_refuses_sign_in_as_better_auth_does() -> None:
    admin = staff(ban_permission())
    target = new_user()
    victim = browser_of(target)
    response = post(
        browser_of(admin),
        "ban-user",
        {"userId": str(target.pk), "banReason": "spam", "banExpiresIn": 3600},
    )
    assert response.status_code == 200, response.content
    user = response.json()["user"]
    assert user["id"] == str(target.pk)
    assert (user["banned"], user["banReason"]) == (True, "spam")
    assert user["banExpires"] is not None
    assert victim.get("/api/auth/get-session").content == b"null"  # warm cache too
    assert not Session.objects.filter(user=target).exists()
    refused = sign_in(origin_client(), email_of(target), DEFAULT_PASSWORD)
    assert refused.status_code == 403
    assert refused.json() == {
        "message": (
            "You have been banned from this application. "
            "Please contact support if you believe this is an error."
        ),
        "code": "BANNED_USER",
    }
    wrong = sign_in(origin_client(), email_of(target), "not-the-password")
    assert wrong.status_code == 401  # the ban shows only to whom knows the password


def test_ban_without_reason_or_expiry_uses_the_defaults(settings) -> None:
    settings.AUTHSESSION_DEFAULT_BAN_REASON = "Terms of use"
    admin = staff(ban_permission())
    target = new_user()
    response = post(browser_of(admin), "ban-user", {"userId": str(target.pk)})
    assert response.json()["user"]["banReason"] == "Terms of use"
    assert response.json()["user"]["banExpires"] is None
    assert Ban.objects.get(user_id=target.pk).banned_by_id == admin.pk


def test_ban_expires_and_sign_in_works_again() -> None:
    admin = staff(ban_permission())
    target = new_user()
    post(browser_of(admin), "ban-user", {"userId": str(target.pk), "banExpiresIn": 60})
    assert sign_in(origin_client(), email_of(target)).status_code == 403
    with time_machine.travel(timezone.now() + timedelta(seconds=61)):
        assert sign_in(origin_client(), email_of(target)).status_code == 200
    assert not Ban.objects.filter(user_id=target.pk).exists()  # lifted, as Better Auth does


def test_unban_lets_the_user_sign_in_again() -> None:
    admin = staff(ban_permission())
    target = new_user()
    browser = browser_of(admin)
    post(browser, "ban-user", {"userId": str(target.pk)})
    response = post(browser, "unban-user", {"userId": str(target.pk)})
    assert response.json()["user"]["banned"] is False
    assert sign_in(origin_client(), email_of(target)).status_code == 200


def test_banning_yourself_is_refused() -> None:
    admin = staff(ban_permission())
    response = post(browser_of(admin), "ban-user", {"userId": str(admin.pk)})
    assert response.status_code == 400
    assert response.json()["code"] == "YOU_CANNOT_BAN_YOURSELF"
    assert not Ban.objects.exists()


def test_staff_cannot_ban_a_superuser_or_someone_with_more_permissions() -> None:
    admin = staff(ban_permission())
    superuser = new_user(is_staff=True, is_superuser=True)
    stronger = staff(ban_permission(), "django_authsession.delete_session")
    for target in (superuser, stronger):
        response = post(browser_of(admin), "ban-user", {"userId": str(target.pk)})
        assert response.status_code == 403
        assert response.json()["code"] == "YOU_CANNOT_BAN_ADMINS"
    assert not Ban.objects.exists()


def test_ban_of_an_unknown_user_is_404() -> None:
    admin = staff(ban_permission())
    for user_id in ("0", "nobody", "12345678-1234-1234-1234-123456789012"):
        response = post(browser_of(admin), "ban-user", {"userId": user_id})
        assert response.status_code == 404
        assert response.json()["code"] == "USER_NOT_FOUND"


@pytest.mark.parametrize("value", [-1, "soon", True, 10**12])
def test_ban_expiry_must_be_a_sane_number(value: Any) -> None:
    admin = staff(ban_permission())
    target = new_user()
    body = {"userId": str(target.pk), "banExpiresIn": value}
    response = post(browser_of(admin), "ban-user", body)
    assert response.status_code == 400
    assert response.json()["code"] == "VALIDATION_ERROR"


def test_a_ban_costs_nothing_on_requests_that_present_a_session(
    django_assert_num_queries,
) -> None:
    """Bans are read when a session is created, never when one is presented."""
    browser = browser_of(new_user())
    browser.get("/api/auth/get-session")
    with django_assert_num_queries(0):
        browser.get("/api/auth/get-session")  # cookie-cache hit
    with django_assert_num_queries(1):
        browser.get("/api/auth/get-session?disableCookieCache=true")


# --- impersonation --------------------------------------------------------------------------


def impersonator(**fields: Any) -> Any:
    return staff("authsession_admin_api.impersonate", **fields)


def impersonate(browser: Client, target: Any) -> Any:
    response = post(browser, "impersonate-user", {"userId": str(target.pk)})
    assert response.status_code == 200, response.content
    return response


def test_impersonation_round_trip_restores_the_admins_session_with_its_max_age() -> None:
    admin = impersonator()
    target = new_user()
    browser = browser_of(admin)
    admin_token = browser.cookies[TOKEN_COOKIE].value
    started = impersonate(browser, target)
    body = started.json()
    assert body["user"]["email"] == email_of(target)
    assert body["session"]["impersonatedBy"] == str(admin.pk)
    assert body["session"]["userId"] == str(target.pk)
    # Its own short lifetime, a browser-session cookie, never extended.
    expires = datetime.fromisoformat(body["session"]["expiresAt"].replace("Z", "+00:00"))
    assert timedelta(minutes=59) < expires - timezone.now() <= timedelta(hours=1)
    assert started.cookies[TOKEN_COOKIE]["max-age"] == ""
    # The admin's session is parked, with its cookie's lifetime.
    parked = started.cookies[ADMIN_COOKIE]
    assert int(parked["max-age"]) > 6 * 86400
    assert parked["httponly"]
    session_answer = browser.get("/api/auth/get-session").json()
    assert session_answer["user"]["email"] == email_of(target)
    assert session_answer["session"]["impersonatedBy"] == str(admin.pk)
    # The user's own list of sessions does not show it, as Better Auth's does not.
    assert browser.get("/api/auth/list-sessions").json() == []

    stopped = post(browser, "stop-impersonating")
    assert stopped.status_code == 200, stopped.content
    assert stopped.json()["user"]["email"] == email_of(admin)
    assert stopped.json()["session"]["userId"] == str(admin.pk)
    assert browser.cookies[TOKEN_COOKIE].value == admin_token
    assert int(stopped.cookies[TOKEN_COOKIE]["max-age"]) > 6 * 86400
    assert cleared(stopped, ADMIN_COOKIE)
    assert cleared(stopped, DONT_REMEMBER)
    assert who(browser) == email_of(admin)
    assert not Session.objects.filter(user=target).exists()


def test_a_second_impersonation_still_restores_a_lasting_cookie() -> None:
    """Better Auth's bug #10734: from the second round on, the admin came back with a
    browser-session cookie."""
    admin = impersonator()
    browser = browser_of(admin)
    for _ in range(3):
        impersonate(browser, new_user())
        stopped = post(browser, "stop-impersonating")
        assert int(stopped.cookies[TOKEN_COOKIE]["max-age"]) > 6 * 86400
        assert DONT_REMEMBER not in {k for k, v in browser.cookies.items() if v.value}
        assert who(browser) == email_of(admin)


def test_an_admin_without_remember_me_comes_back_without_it() -> None:
    admin = impersonator()
    browser = browser_of(admin, rememberMe=False)
    started = impersonate(browser, new_user())
    assert started.cookies[ADMIN_COOKIE]["max-age"] == ""
    stopped = post(browser, "stop-impersonating")
    assert stopped.cookies[TOKEN_COOKIE]["max-age"] == ""
    assert who(browser) == email_of(admin)


def test_impersonation_session_expires_after_its_duration(settings) -> None:
    settings.AUTHSESSION_IMPERSONATION_SESSION_DURATION = 600
    admin = impersonator()
    browser = browser_of(admin)
    impersonate(browser, new_user())
    with time_machine.travel(timezone.now() + timedelta(seconds=599)):
        assert who(browser) is not None
    with time_machine.travel(timezone.now() + timedelta(seconds=601)):
        assert browser.get("/api/auth/get-session?disableCookieCache=true").content == b"null"


def test_impersonating_a_superuser_needs_to_be_one() -> None:
    admin = impersonator()
    superuser = new_user(is_staff=True, is_superuser=True)
    response = post(browser_of(admin), "impersonate-user", {"userId": str(superuser.pk)})
    assert response.status_code == 403
    assert response.json()["code"] == "YOU_CANNOT_IMPERSONATE_ADMINS"
    assert not Session.objects.filter(user=superuser).exists()
    root = new_user(is_staff=True, is_superuser=True)
    impersonate(browser_of(root), superuser)


def test_impersonating_someone_with_a_permission_the_admin_lacks_is_refused() -> None:
    admin = impersonator()
    stronger = staff("django_authsession.delete_session")
    response = post(browser_of(admin), "impersonate-user", {"userId": str(stronger.pk)})
    assert response.status_code == 403
    assert response.json()["code"] == "YOU_CANNOT_IMPERSONATE_ADMINS"
    weaker = staff()  # staff, no permission: fewer rights than the admin
    impersonate(browser_of(admin), weaker)


def test_impersonating_yourself_is_refused() -> None:
    admin = impersonator()
    response = post(browser_of(admin), "impersonate-user", {"userId": str(admin.pk)})
    assert response.status_code == 400
    assert response.json()["code"] == "YOU_CANNOT_IMPERSONATE_YOURSELF"


def test_impersonating_a_banned_user_is_refused_as_better_auth_does() -> None:
    root = new_user(is_staff=True, is_superuser=True)
    target = new_user()
    browser = browser_of(root)
    post(browser, "ban-user", {"userId": str(target.pk)})
    response = post(browser, "impersonate-user", {"userId": str(target.pk)})
    assert response.status_code == 403
    assert response.json()["code"] == "BANNED_USER"


def test_while_impersonating_the_admin_has_the_users_rights_only() -> None:
    admin = impersonator()
    browser = browser_of(admin)
    impersonate(browser, new_user())
    response = post(browser, "impersonate-user", {"userId": str(new_user().pk)})
    assert response.status_code == 403
    assert response.json()["code"] == "YOU_ARE_NOT_ALLOWED_TO_IMPERSONATE_USERS"


def test_no_impersonation_from_an_impersonation_session() -> None:
    """Even when the user impersonated may impersonate: one level only, so the parked
    session is always the admin's own."""
    root = new_user(is_staff=True, is_superuser=True)
    deputy = impersonator()
    browser = browser_of(root)
    impersonate(browser, deputy)
    response = post(browser, "impersonate-user", {"userId": str(new_user().pk)})
    assert response.status_code == 403
    assert response.json()["code"] == "YOU_ARE_NOT_ALLOWED_TO_IMPERSONATE_USERS"
    stopped = post(browser, "stop-impersonating")
    assert stopped.json()["user"]["email"] == email_of(root)


def test_stop_without_impersonating_is_400_and_without_a_session_401() -> None:
    browser = browser_of(new_user())
    response = post(browser, "stop-impersonating")
    assert response.status_code == 400
    assert response.json() == {
        "message": "You are not impersonating anyone",
        "code": "NOT_IMPERSONATING",
    }
    assert who(browser) is not None  # nothing ended
    response = post(origin_client(), "stop-impersonating")
    assert response.status_code == 401


def test_stop_after_the_admins_session_was_revoked_signs_out() -> None:
    """The parked session is never brought back once revoked: the stop ends the impersonation
    and the browser is signed out."""
    admin = impersonator()
    browser = browser_of(admin)
    admin_session = Session.objects.get(user=admin)
    target = new_user()
    impersonate(browser, target)
    from django_authsession import sessions

    sessions.revoke_sessions([admin_session], reason="test")
    stopped = post(browser, "stop-impersonating")
    assert stopped.status_code == 200
    assert stopped.json() == NULL_ANSWER
    assert cleared(stopped, TOKEN_COOKIE)
    assert cleared(stopped, ADMIN_COOKIE)
    assert browser.get("/api/auth/get-session").content == b"null"
    assert not Session.objects.filter(user=target).exists()


def test_a_forged_or_foreign_admin_cookie_restores_nothing() -> None:
    admin = impersonator()
    browser = browser_of(admin)
    impersonate(browser, new_user())
    _, other_token = create_session(new_user(is_staff=True))
    browser.cookies[ADMIN_COOKIE] = sign_cookie_value(f"{other_token}:")  # someone else's
    assert post(browser, "stop-impersonating").json() == NULL_ANSWER
    impersonate(browser_of(admin), new_user())
    forged = browser_of(admin)
    impersonate(forged, new_user())
    forged.cookies[ADMIN_COOKIE] = f"{other_token}:.{'A' * 43}="
    assert post(forged, "stop-impersonating").json() == NULL_ANSWER


def test_ending_the_admins_sessions_ends_their_impersonations() -> None:
    """An admin banned, deactivated or signed out everywhere keeps no way in."""
    admin = impersonator()
    browser = browser_of(admin)
    impersonate(browser, new_user())
    assert who(browser) is not None
    admin.is_active = False
    admin.save()
    assert browser.get("/api/auth/get-session").content == b"null"  # warm cache too
    assert not Session.objects.filter(impersonated_by=admin).exists()


def test_an_admins_password_change_ends_their_impersonations() -> None:
    admin = impersonator()
    browser = browser_of(admin)
    impersonate(browser, new_user())
    bystander = browser_of(new_user())
    admin.set_password("another-password-42")
    admin.save()  # Django's own admin form does this
    assert browser.get("/api/auth/get-session").content == b"null"
    assert not Session.objects.filter(impersonated_by=admin).exists()
    assert who(bystander) is not None


def test_bearer_clients_get_the_new_token_to_switch_to() -> None:
    """Better Auth's bug #10819: a bearer client never saw its impersonation. Here the body's
    ``session.token`` and ``set-auth-token`` (signed, as the bearer plugin sends it) are the
    impersonation session's; the admin's token is left alone for the client to go back to."""
    admin = impersonator()
    browser = browser_of(admin)
    admin_token = unsign_cookie_value(browser.cookies[TOKEN_COOKIE].value)
    assert admin_token is not None
    target = new_user()
    started = impersonate(browser, target)
    token: str = started.json()["session"]["token"]
    assert unsign_cookie_value(started["set-auth-token"]) == token
    assert "set-auth-token" in started["Access-Control-Expose-Headers"]
    row = Session.objects.get(token=storage_key(token))
    assert (row.user_id, row.impersonated_by_id) == (target.pk, admin.pk)
    assert Session.objects.filter(token=storage_key(admin_token)).exists()


def test_impersonation_answers_show_no_admin_token() -> None:
    admin = impersonator()
    browser = browser_of(admin)
    admin_token = unsign_cookie_value(browser.cookies[TOKEN_COOKIE].value)
    started = impersonate(browser, new_user())
    assert admin_token not in started.content.decode()


def test_impersonation_is_logged(caplog) -> None:
    admin = impersonator()
    target = new_user()
    browser = browser_of(admin)
    with caplog.at_level("WARNING", logger="django_authsession.security"):
        impersonate(browser, target)
        post(browser, "stop-impersonating")
    events = [getattr(r, "event", None) for r in caplog.records]
    assert events == ["impersonation_started", "impersonation_stopped"]
    token = unsign_cookie_value(browser.cookies[TOKEN_COOKIE].value)
    assert token and token not in caplog.text


def test_cookie_cache_hit_of_an_impersonation_costs_no_query(django_assert_num_queries) -> None:
    browser = browser_of(impersonator())
    impersonate(browser, new_user())
    browser.get("/api/auth/get-session")
    with django_assert_num_queries(0):
        answer = browser.get("/api/auth/get-session").json()
    assert "impersonatedBy" in answer["session"]


# --- the Django admin's actions -------------------------------------------------------------


@pytest.fixture
def project_admin(settings: Any) -> None:
    settings.ROOT_URLCONF = "tests.project_admin"


def _action(client: Client, action: str, pks: list[Any]) -> Any:
    from django.urls import reverse

    opts = get_user_model()._meta
    url = reverse(f"project_admin:{opts.app_label}_{opts.model_name}_changelist")
    return client.post(
        url, {"action": action, "_selected_action": [str(pk) for pk in pks], "index": 0}
    )


def test_ban_action_bans_through_the_same_code(project_admin, admin_client) -> None:
    from django.contrib.messages import get_messages

    target = new_user()
    victim = browser_of(target)
    root = get_user_model()._default_manager.get(is_superuser=True)
    response = _action(admin_client, "ban_users", [target.pk, root.pk])
    assert response.status_code == 302
    assert Ban.objects.filter(user_id=target.pk).exists()
    assert not Ban.objects.filter(user_id=root.pk).exists()  # not yourself
    assert victim.get("/api/auth/get-session").content == b"null"
    texts = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("You cannot ban yourself" in t for t in texts)
    assert "1 user was banned." in texts


def test_impersonate_action_signs_this_browser_in_as_the_user(
    project_admin, admin_client, settings
) -> None:
    settings.LOGIN_REDIRECT_URL = "/welcome/"
    target = new_user()
    response = _action(admin_client, "impersonate_user", [target.pk])
    assert response.status_code == 302
    assert response["Location"] == "/welcome/"
    session = Session.objects.get(user=target)
    assert session.impersonated_by is not None and session.impersonated_by.is_superuser
    answer = admin_client.get("/api/auth/get-session").json()
    assert answer["user"]["email"] == email_of(target)


def test_impersonate_action_needs_the_permission_and_one_user(
    project_admin, client, settings
) -> None:
    from django.contrib.messages import get_messages

    viewer = staff(ban_permission().replace("change_", "view_"))
    client.force_login(viewer)
    response = _action(client, "impersonate_user", [new_user().pk])
    assert not Session.objects.filter(impersonated_by=viewer).exists()
    assert response.status_code in (200, 302)
    admin = impersonator(is_superuser=True)
    client.force_login(admin)
    response = _action(client, "impersonate_user", [new_user().pk, new_user().pk])
    texts = [str(m) for m in get_messages(response.wsgi_request)]
    assert "Select exactly one user to impersonate." in texts
    assert not Session.objects.exclude(impersonated_by=None).exists()


# --- settings checks ------------------------------------------------------------------------


def _ids() -> set[str]:
    return {m.id for m in run_checks() if m.id and m.id.startswith("django_authsession.")}


@pytest.mark.parametrize(
    ("setting", "value", "check_id"),
    [
        ("AUTHSESSION_IMPERSONATION_SESSION_DURATION", 0, "django_authsession.E036"),
        ("AUTHSESSION_IMPERSONATION_SESSION_DURATION", "1h", "django_authsession.E036"),
        ("AUTHSESSION_IMPERSONATION_SESSION_DURATION", 2 * 86400, "django_authsession.W023"),
        ("AUTHSESSION_IMPERSONATION_SESSION_DURATION", 7200, "django_authsession.W024"),
        ("AUTHSESSION_DEFAULT_BAN_EXPIRES_IN", -5, "django_authsession.E037"),
        ("AUTHSESSION_DEFAULT_BAN_EXPIRES_IN", "forever", "django_authsession.E037"),
    ],
)
def test_settings_checks(settings, setting: str, value: Any, check_id: str) -> None:
    assert check_id not in _ids()
    if check_id.endswith("W024"):
        settings.AUTHSESSION_EXPIRES_IN = 3600
    setattr(settings, setting, value)
    assert check_id in _ids()


def test_a_bearer_admin_impersonates_with_the_token_it_is_handed() -> None:
    """Better Auth's #10819: impersonation did nothing for bearer clients. Here an admin app
    without cookies gets the impersonation's token in ``set-auth-token``, reads the session
    as the user with it, and its own bearer session is left as it was."""
    admin = impersonator()
    target = new_user()
    signed_in = Client().post(
        "/api/auth/sign-in/email",
        {"email": email_of(admin), "password": DEFAULT_PASSWORD},
        content_type="application/json",
    )
    admin_bearer = signed_in["set-auth-token"]
    admin_app = Client(HTTP_AUTHORIZATION=f"Bearer {admin_bearer}")
    started = admin_app.post(
        f"{ADMIN}/impersonate-user", {"userId": str(target.pk)}, content_type="application/json"
    )
    assert started.status_code == 200, started.content
    assert "set-auth-token" in started["Access-Control-Expose-Headers"]
    as_user = Client(HTTP_AUTHORIZATION=f"Bearer {started['set-auth-token']}")
    answer = as_user.get("/api/auth/get-session").json()
    assert answer["user"]["email"] == email_of(target)
    assert answer["session"]["impersonatedBy"] == str(admin.pk)
    # The admin's own bearer session still answers the admin.
    assert admin_app.get("/api/auth/get-session").json()["user"]["email"] == email_of(admin)
    # Stopping from the impersonation's token ends it; the admin keeps its own token.
    stopped = as_user.post(f"{ADMIN}/stop-impersonating", content_type="application/json")
    assert stopped.status_code == 200, stopped.content
    assert as_user.get("/api/auth/get-session").json() is None
    assert not Session.objects.filter(user=target).exists()
    assert admin_app.get("/api/auth/get-session").json()["user"]["email"] == email_of(admin)


@pytest.mark.parametrize(
    ("path", "reason"), [("revoke-user-sessions", "admin"), ("ban-user", "banned")]
)
def test_the_security_history_names_the_administrator(path: str, reason: str) -> None:
    """Sessions an administrator ends through the admin API are the administrator's doing in
    the owner's security history, as in the Django admin."""
    from django_authsession.activity.models import Actor, EventType, SecurityEvent

    admin = staff("django_authsession.delete_session", ban_permission())
    owner = new_user()
    create_session(owner)
    response = post(browser_of(admin), path, {"userId": str(owner.pk)})
    assert response.status_code == 200, response.content
    (event,) = SecurityEvent.objects.filter(user_id=owner.pk, type=EventType.SESSION_REVOKED)
    assert (event.actor, event.actor_id, event.details["reason"]) == (
        Actor.ADMIN,
        str(admin.pk),
        reason,
    )
