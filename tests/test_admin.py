"""The admin (DESIGN.md "admin.py"): sessions read-only and never showing the token; every way
of ending a session from the admin writes revocation marks; the user admin for the supplied
model, with its sessions inline and a "Revoke all sessions" action."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.messages import get_messages
from django.test import Client, RequestFactory
from django.urls import reverse

from django_authsession import cookies, revocation
from django_authsession.admin import SessionAdmin, UserAdmin
from django_authsession.models import Session
from django_authsession.tokens import sign_cookie_value
from tests.factories import DEFAULT_PASSWORD, create_session
from tests.helpers import NULL_ANSWER

pytestmark = pytest.mark.django_db

IP = "203.0.113.77"
USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) AdminTestBrowser/123.4 " + "x" * 80

SESSION_CHANGELIST = "admin:django_authsession_session_changelist"
USER_CHANGELIST = "admin:django_authsession_user_changelist"

_emails = itertools.count()


def _user(**fields: Any) -> Any:
    """A user made as sign-up makes one. (``UserFactory`` saves the password a second time,
    which the post_save receiver takes for a password change and marks all of the user's
    sessions revoked, so ``is_revoked(..., cached_at_ms=0)`` would be true for every session.)"""
    model: Any = get_user_model()
    number = next(_emails)
    email = f"person{number}@example.com"
    if model.USERNAME_FIELD == "email":
        fields.setdefault("name", "Admin Test")
        return model.objects.create_user(email, DEFAULT_PASSWORD, **fields)
    return model.objects.create_user(f"person{number}", email, DEFAULT_PASSWORD, **fields)


def _session(user: Any = None) -> tuple[Session, str]:
    """A session created from a request, so it has an IP address and a user agent."""
    request = RequestFactory().get("/", REMOTE_ADDR=IP, HTTP_USER_AGENT=USER_AGENT)
    return create_session(user or _user(), request=request)


def _assert_no_token(response: Any, session: Session, token: str) -> None:
    content = response.content.decode()
    assert token not in content
    assert session.token not in content  # the stored digest
    assert token != session.token  # (the default storage is a digest, so both were checked)


def _session_url(name: str, session: Session) -> str:
    return reverse(f"admin:django_authsession_session_{name}", args=[session.pk])


def _user_url(name: str, user: Any) -> str:
    return reverse(f"admin:django_authsession_user_{name}", args=[user.pk])


def _run_action(client: Client, url: str, action: str, pks: list[Any]) -> Any:
    return client.post(
        url, {"action": action, "_selected_action": [str(pk) for pk in pks], "index": 0}
    )


def _messages(response: Any) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


# --- registration -------------------------------------------------------------------------


@pytest.mark.supplied_user_model
def test_models_are_registered_with_our_admins() -> None:
    assert isinstance(admin.site._registry[Session], SessionAdmin)
    assert isinstance(admin.site._registry[get_user_model()], UserAdmin)


def test_admin_user_fixture_works_with_email_login(admin_user) -> None:
    assert admin_user.email == "admin@example.com"
    assert admin_user.is_superuser


def test_session_str_has_no_token() -> None:
    session, token = _session()
    assert token not in str(session)
    assert session.token not in str(session)


# --- session admin: read-only, no token ---------------------------------------------------


def test_session_changelist_shows_session_without_token(admin_client) -> None:
    session, token = _session()
    response = admin_client.get(reverse(SESSION_CHANGELIST))
    assert response.status_code == 200
    content = response.content.decode()
    assert IP in content
    assert session.user.email in content
    assert "AdminTestBrowser" in content
    assert USER_AGENT not in content  # shortened in the list
    _assert_no_token(response, session, token)


@pytest.mark.parametrize(
    "query", [{"status": "active"}, {"status": "expired"}, {"created_at__year": "2020"}]
)
def test_session_changelist_filters_render(admin_client, query) -> None:
    session, token = _session()
    response = admin_client.get(reverse(SESSION_CHANGELIST), query)
    assert response.status_code == 200
    _assert_no_token(response, session, token)


def test_session_search_by_email_and_ip_but_not_by_token(admin_client) -> None:
    session, token = _session()
    _session()  # another user's, from the same IP
    url = reverse(SESSION_CHANGELIST)
    assert admin_client.get(url, {"q": session.user.email}).context["cl"].result_count == 1
    assert admin_client.get(url, {"q": IP}).context["cl"].result_count == 2
    assert admin_client.get(url, {"q": token}).context["cl"].result_count == 0
    assert admin_client.get(url, {"q": session.token}).context["cl"].result_count == 0


def test_session_changelist_query_count_is_flat(admin_client, django_assert_max_num_queries):
    for _ in range(5):
        _session()
    admin_client.get(reverse(SESSION_CHANGELIST))  # warm up (content types, etc.)
    with django_assert_max_num_queries(12):
        response = admin_client.get(reverse(SESSION_CHANGELIST))
    assert response.status_code == 200
    for _ in range(10):
        _session()
    with django_assert_max_num_queries(12):
        admin_client.get(reverse(SESSION_CHANGELIST))


def test_session_detail_is_read_only_and_has_no_token(admin_client) -> None:
    session, token = _session()
    response = admin_client.get(_session_url("change", session))
    assert response.status_code == 200
    content = response.content.decode()
    assert IP in content
    assert str(session.user) in content  # the user as the model names it
    assert USER_AGENT in content  # in full on the detail page
    _assert_no_token(response, session, token)
    assert response.context["adminform"].form.fields == {}  # nothing editable
    assert 'name="_save"' not in content


def test_session_history_has_no_token(admin_client) -> None:
    session, token = _session()
    response = admin_client.get(_session_url("history", session))
    assert response.status_code == 200
    _assert_no_token(response, session, token)


def test_session_add_is_forbidden(admin_client) -> None:
    assert admin_client.get(reverse("admin:django_authsession_session_add")).status_code == 403
    response = admin_client.post(
        reverse("admin:django_authsession_session_add"),
        {"token": "chosen-by-attacker", "ip_address": "1.2.3.4"},
    )
    assert response.status_code == 403
    assert not Session.objects.filter(token="chosen-by-attacker").exists()


def test_session_change_post_changes_nothing(admin_client) -> None:
    session, _ = _session()
    before = Session.objects.values().get(pk=session.pk)
    response = admin_client.post(
        _session_url("change", session),
        {
            "token": "replaced",
            "ip_address": "198.51.100.1",
            "user_agent": "changed",
            "expires_at_0": "2099-01-01",
            "expires_at_1": "00:00:00",
        },
    )
    assert response.status_code == 403
    assert Session.objects.values().get(pk=session.pk) == before


# --- session admin: revocation ------------------------------------------------------------


def test_revoke_action_deletes_selected_rows_and_marks_them(admin_client) -> None:
    first, _ = _session()
    second, _ = _session()
    kept, _ = _session()
    response = _run_action(
        admin_client, reverse(SESSION_CHANGELIST), "revoke_selected", [first.pk, second.pk]
    )
    assert response.status_code == 302
    assert list(Session.objects.values_list("pk", flat=True)) == [kept.pk]
    for gone in (first, second):
        assert revocation.is_revoked(gone.token, gone.user_id, cached_at_ms=0)
    assert not revocation.is_revoked(kept.token, kept.user_id, cached_at_ms=0)
    assert "2 sessions were revoked." in _messages(response)


def test_revoke_action_ends_a_session_held_in_a_warm_cookie_cache(
    admin_client, make_client, django_assert_num_queries
) -> None:
    session, token = _session()
    browser = make_client()
    browser.cookies[cookies.token_cookie_name()] = sign_cookie_value(token)
    assert browser.get("/api/auth/session").json()["user"] is not None  # writes session_data
    with django_assert_num_queries(0):  # the cookie cache answers
        assert browser.get("/api/auth/session").json()["user"] is not None
    _run_action(admin_client, reverse(SESSION_CHANGELIST), "revoke_selected", [session.pk])
    assert browser.get("/api/auth/session").json() == NULL_ANSWER


def test_delete_view_revokes(admin_client) -> None:
    session, token = _session()
    kept, _ = _session()
    url = _session_url("delete", session)
    confirm = admin_client.get(url)
    assert confirm.status_code == 200
    _assert_no_token(confirm, session, token)
    response = admin_client.post(url, {"post": "yes"})
    assert response.status_code == 302
    assert list(Session.objects.values_list("pk", flat=True)) == [kept.pk]
    assert revocation.is_revoked(session.token, session.user_id, cached_at_ms=0)
    assert not revocation.is_revoked(kept.token, kept.user_id, cached_at_ms=0)


def test_delete_selected_action_revokes(admin_client) -> None:
    session, _ = _session()
    kept, _ = _session()
    response = admin_client.post(
        reverse(SESSION_CHANGELIST),
        {"action": "delete_selected", "_selected_action": [str(session.pk)], "post": "yes"},
    )
    assert response.status_code == 302
    assert list(Session.objects.values_list("pk", flat=True)) == [kept.pk]
    assert revocation.is_revoked(session.token, session.user_id, cached_at_ms=0)


def test_view_only_staff_cannot_revoke(client) -> None:
    from django.contrib.auth.models import Permission

    staff = _user(is_staff=True)
    staff.user_permissions.add(
        Permission.objects.get(
            codename="view_session", content_type__app_label="django_authsession"
        )
    )
    client.force_login(staff)
    session, token = _session()
    response = client.get(reverse(SESSION_CHANGELIST))
    assert response.status_code == 200
    assert "revoke_selected" not in response.content.decode()
    _assert_no_token(response, session, token)
    _run_action(client, reverse(SESSION_CHANGELIST), "revoke_selected", [session.pk])
    assert Session.objects.filter(pk=session.pk).exists()
    assert client.post(_session_url("delete", session), {"post": "yes"}).status_code == 403
    assert Session.objects.filter(pk=session.pk).exists()


# --- user admin ---------------------------------------------------------------------------


@pytest.mark.supplied_user_model
def test_user_changelist_renders(admin_client) -> None:
    user = _user(name="Ada Lovelace", type="employee")
    response = admin_client.get(reverse(USER_CHANGELIST))
    assert response.status_code == 200
    content = response.content.decode()
    assert user.email in content
    assert "Ada Lovelace" in content
    assert (
        admin_client.get(reverse(USER_CHANGELIST), {"q": "lovelace"}).context["cl"].result_count
        == 1
    )


@pytest.mark.supplied_user_model
def test_user_change_page_shows_sessions_inline_without_token(admin_client) -> None:
    user = _user()
    session, token = _session(user)
    other_user_session, _ = _session()
    Session.objects.filter(pk=other_user_session.pk).update(ip_address="198.51.100.99")
    response = admin_client.get(_user_url("change", user))
    assert response.status_code == 200
    content = response.content.decode()
    assert user.email in content
    assert IP in content
    assert "AdminTestBrowser" in content
    assert "198.51.100.99" not in content  # only this user's sessions
    _assert_no_token(response, session, token)
    (inline,) = response.context["inline_admin_formsets"]
    assert inline.formset.model is Session
    assert not inline.has_add_permission
    assert not inline.has_delete_permission


@pytest.mark.supplied_user_model
def test_user_change_post_keeps_sessions_intact(admin_client) -> None:
    """Saving the user form with the inline must not touch (or delete) session rows."""
    user = _user(name="Before")
    session, _ = _session(user)
    response = admin_client.get(_user_url("change", user))
    form = response.context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k != "password"}
    data.update(
        {
            "name": "After",
            "groups": [],
            "user_permissions": [],
            "last_login_0": "",
            "last_login_1": "",
        }
    )
    prefix = response.context["inline_admin_formsets"][0].formset.prefix
    data.update(
        {
            f"{prefix}-TOTAL_FORMS": "1",
            f"{prefix}-INITIAL_FORMS": "1",
            f"{prefix}-MIN_NUM_FORMS": "0",
            f"{prefix}-MAX_NUM_FORMS": "0",
            f"{prefix}-0-id": str(session.pk),
            f"{prefix}-0-user": str(user.pk),
            f"{prefix}-0-DELETE": "on",
        }
    )
    data = {k: ("on" if v is True else v) for k, v in data.items() if v is not False}
    response = admin_client.post(_user_url("change", user), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    user.refresh_from_db()
    assert user.name == "After"
    assert Session.objects.filter(pk=session.pk).exists()


@pytest.mark.supplied_user_model
def test_revoke_all_sessions_action_ends_only_that_users_sessions(admin_client) -> None:
    target = _user()
    first, _ = _session(target)
    second, _ = _session(target)
    bystander_session, _ = _session()
    response = _run_action(
        admin_client, reverse(USER_CHANGELIST), "revoke_all_sessions", [target.pk]
    )
    assert response.status_code == 302
    assert list(Session.objects.values_list("pk", flat=True)) == [bystander_session.pk]
    for gone in (first, second):
        assert revocation.is_revoked(gone.token, target.pk, cached_at_ms=0)
    assert not revocation.is_revoked(
        bystander_session.token, bystander_session.user_id, cached_at_ms=0
    )
    assert "2 sessions of 1 user(s) were revoked." in _messages(response)


@pytest.mark.supplied_user_model
def test_user_add_form_creates_user_with_email_and_password(admin_client) -> None:
    response = admin_client.get(reverse("admin:django_authsession_user_add"))
    assert response.status_code == 200
    assert 'name="username"' not in response.content.decode()
    response = admin_client.post(
        reverse("admin:django_authsession_user_add"),
        {
            "email": "New.Person@Example.com",
            "name": "New Person",
            "usable_password": "true",
            "password1": "a-long-enough-password-42",
            "password2": "a-long-enough-password-42",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    created = get_user_model().objects.get(email="new.person@example.com")
    assert created.name == "New Person"
    assert created.check_password("a-long-enough-password-42")
    assert not created.is_staff


@pytest.mark.supplied_user_model
def test_user_add_form_rejects_duplicate_email_in_other_case(admin_client) -> None:
    existing = _user()
    response = admin_client.post(
        reverse("admin:django_authsession_user_add"),
        {
            "email": existing.email.upper(),
            "usable_password": "true",
            "password1": DEFAULT_PASSWORD,
            "password2": DEFAULT_PASSWORD,
        },
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors
    assert get_user_model().objects.filter(email__iexact=existing.email).count() == 1


@pytest.mark.supplied_user_model
def test_deleting_a_user_in_the_admin_revokes_their_sessions(admin_client) -> None:
    user = _user()
    session, _ = _session(user)
    response = admin_client.post(_user_url("delete", user), {"post": "yes"})
    assert response.status_code == 302
    assert not Session.objects.filter(pk=session.pk).exists()
    assert revocation.is_revoked(session.token, user.pk, cached_at_ms=0)


@pytest.mark.parametrize(
    "lookup",
    ["token__startswith", "token", "token__in", "token__regex", "password_digest__startswith"],
)
def test_no_changelist_filter_through_the_token(admin_client, lookup: str) -> None:
    """``?token__startswith=57cc`` would be a prefix oracle on the stored token."""
    session, _ = create_session(_user())
    url = reverse(SESSION_CHANGELIST)
    response = admin_client.get(url, {lookup: session.token[:6]})
    assert response.status_code == 400
    assert admin_client.get(url, {"ip_address": session.ip_address}).status_code == 200
