"""The admin (docs/howto/admin.md): sessions as a read-only device list that never shows the token;
every way of ending a session from the admin writes revocation marks; a project's own user admin,
for any ``AUTH_USER_MODEL``, gets the sessions inline, their count and "Revoke all sessions"."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.messages import get_messages
from django.db import connection
from django.test import Client, RequestFactory, override_settings
from django.urls import reverse
from django.utils import timezone

from django_authsession import cookies, revocation
from django_authsession.admin import SessionAdmin, UserSessionsAdminMixin
from django_authsession.models import Session, User
from django_authsession.tokens import sign_cookie_value
from tests.factories import DEFAULT_PASSWORD, UserFactory, create_session
from tests.helpers import NULL_ANSWER, unreachable_redis

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.project_admin")]

IP = "203.0.113.77"
USER_AGENT = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0 "
    "AdminTestBrowser/123.4"
)
DEVICE = "Firefox on Windows"

SESSION_CHANGELIST = "admin:django_authsession_session_changelist"
supplied_model_only = pytest.mark.skipif(
    get_user_model() is not User, reason="about the supplied user model's own admin"
)


def _user(**fields: Any) -> Any:
    return UserFactory(**fields)


def _email(user: Any) -> str:
    return str(getattr(user, user.get_email_field_name()))


def _session(user: Any = None, user_agent: str = USER_AGENT) -> tuple[Session, str]:
    """A session created from a request, so it has an IP address and a user agent."""
    request = RequestFactory().get("/", REMOTE_ADDR=IP, HTTP_USER_AGENT=user_agent)
    return create_session(user or _user(), request=request)


def _assert_no_token(response: Any, session: Session, token: str) -> None:
    content = response.content.decode()
    assert token not in content
    assert session.token not in content  # the stored digest
    assert token != session.token  # (the default storage is a digest, so both were checked)


def _session_url(name: str, session: Session) -> str:
    return reverse(f"admin:django_authsession_session_{name}", args=[session.pk])


def _user_url(name: str, user: Any = None) -> str:
    """A URL of the project's own user admin (tests/project_admin.py)."""
    opts = get_user_model()._meta
    args = [user.pk] if user is not None else []
    return reverse(f"project_admin:{opts.app_label}_{opts.model_name}_{name}", args=args)


def _run_action(client: Client, url: str, action: str, pks: list[Any]) -> Any:
    return client.post(
        url, {"action": action, "_selected_action": [str(pk) for pk in pks], "index": 0}
    )


def _messages(response: Any) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


# --- registration and titles --------------------------------------------------------------


def test_models_are_registered_with_our_admins() -> None:
    assert isinstance(admin.site._registry[Session], SessionAdmin)
    if get_user_model() is User:
        assert isinstance(admin.site._registry[User], UserSessionsAdminMixin)


def test_session_title_is_the_users_email_and_device(django_assert_num_queries) -> None:
    session, token = _session()
    loaded = Session.objects.select_related("user").get(pk=session.pk)
    assert str(loaded) == f"{_email(session.user)} ({DEVICE})"
    unloaded = Session.objects.get(pk=session.pk)
    with django_assert_num_queries(0):  # printing a session never queries
        assert str(unloaded) == f"{session.user_id} ({DEVICE})"
    for text in (str(loaded), str(unloaded)):
        assert token not in text
        assert session.token not in text


def test_session_change_page_title_names_user_and_device(admin_client) -> None:
    session, token = _session()
    response = admin_client.get(_session_url("change", session))
    assert response.status_code == 200
    title = f"{_email(session.user)} ({DEVICE})"
    assert response.context["subtitle"] == title
    assert f"<title>{title} |" in response.content.decode()
    _assert_no_token(response, session, token)


# --- session admin: a device list, read-only, no token -----------------------------------


def test_session_changelist_is_a_device_list_without_token(admin_client) -> None:
    session, token = _session()
    response = admin_client.get(reverse(SESSION_CHANGELIST))
    assert response.status_code == 200
    content = response.content.decode()
    assert [str(h["text"]).lower() for h in response.context["result_headers"][1:]] == [
        "user",
        "device",
        "ip address",
        "created",
        "last active",
        "expires",
        "status",
    ]
    (row,) = response.context["results"]
    assert _email(session.user) in row[1].replace("<wbr>", "")  # may wrap after its "@"
    assert DEVICE in row[2]
    assert IP in row[3]
    assert "just now" in row[4]
    assert session.created_at.strftime("%Y-%m-%d %H:%M") in row[4]  # in the tooltip
    assert "just now" in row[5]
    assert "in 6\xa0days" in row[6]  # 6 days 23:59:59, rounded down as Django does
    assert session.expires_at.strftime("%Y-%m-%d %H:%M") in row[6]
    assert "Active" in row[7]
    with time_machine.travel(timedelta(days=2, hours=1)):
        (row,) = admin_client.get(reverse(SESSION_CHANGELIST)).context["results"]
    assert "2\xa0days ago" in row[4]
    assert "in 4\xa0days" in row[6]
    assert "AdminTestBrowser" not in content  # the raw user agent is for the detail page
    _assert_no_token(response, session, token)


def test_session_changelist_sorts_by_user_email(admin_client) -> None:
    sessions = [_session()[0] for _ in range(3)]
    emails = sorted(_email(s.user) for s in sessions)
    for order, expected in (("1", emails), ("-1", emails[::-1])):
        response = admin_client.get(reverse(SESSION_CHANGELIST), {"o": order})
        assert [_email(s.user) for s in response.context["cl"].result_list] == expected


def test_session_changelist_status_filter(admin_client) -> None:
    active, _ = _session()
    expired, _ = _session()
    Session.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(hours=1))
    url = reverse(SESSION_CHANGELIST)

    def listed(query: dict[str, str]) -> list[Any]:
        response = admin_client.get(url, query)
        assert response.status_code == 200
        return [s.pk for s in response.context["cl"].result_list]

    assert listed({"status": "active"}) == [active.pk]
    assert listed({"status": "expired"}) == [expired.pk]
    row = admin_client.get(url, {"status": "expired"}).context["results"][0]
    assert "Expired" in row[7]


def test_session_changelist_creation_date_filter(admin_client) -> None:
    old, _ = _session()
    new, _ = _session()
    Session.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=30))
    url = reverse(SESSION_CHANGELIST)
    cl = admin_client.get(url).context["cl"]
    created = next(s for s in cl.filter_specs if getattr(s, "field_path", "") == "created_at")
    past_week = next(c for c in created.choices(cl) if c["display"] == "Past 7 days")
    response = admin_client.get(url + past_week["query_string"])
    assert [s.pk for s in response.context["cl"].result_list] == [new.pk]


def test_session_search_by_email_and_ip_but_not_by_token(admin_client) -> None:
    session, token = _session()
    other, _ = _session()  # another user's, from the same IP
    Session.objects.filter(pk=other.pk).update(ip_address="198.51.100.8")
    url = reverse(SESSION_CHANGELIST)

    def found(q: str) -> int:
        return int(admin_client.get(url, {"q": q}).context["cl"].result_count)

    assert found(_email(session.user)) == 1
    assert found(_email(session.user).upper()) == 1
    assert found(IP) == 1
    assert found("198.51.100.8") == 1
    assert found(token) == 0
    assert found(session.token) == 0


def _insert_sessions(count: int, users: list[Any]) -> None:
    """``count`` session rows in one ``executemany``. Each distinct value is prepared once by its
    model field (so this works on any database); ``bulk_create`` prepares all 800,000 values one
    by one, which takes several times longer than the insert itself."""
    fields: list[Any] = [
        Session._meta.get_field(name)
        for name in (
            "id",
            "token",
            "user",
            "expires_at",
            "ip_address",
            "user_agent",
            "created_at",
            "updated_at",
        )
    ]
    id_field, _, user_field, expires_field, _, _, created_field, _ = fields

    def prep(field: Any, value: Any) -> Any:
        return field.get_db_prep_save(value, connection)

    now = timezone.now()
    user_ids = [prep(user_field, user.pk) for user in users]
    minutes = range(count // 1000 + 1)  # a thousand sessions a minute, newest first
    created = [prep(created_field, now - timedelta(minutes=m)) for m in minutes]
    expires = [prep(expires_field, now + timedelta(days=7, minutes=-m)) for m in minutes]
    agents = [USER_AGENT, "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) Version/17.5 Safari/605"]
    rows = [
        (
            prep(id_field, uuid.UUID(int=i + 1)),
            f"{i:064x}",
            user_ids[i % len(user_ids)],
            expires[i // 1000],
            f"10.0.{i // 256 % 256}.{i % 256}",
            agents[i % 2],
            created[i // 1000],
            created[i // 1000],
        )
        for i in range(count)
    ]
    quote = connection.ops.quote_name
    sql = "INSERT INTO {} ({}) VALUES ({})".format(
        quote(Session._meta.db_table),
        ", ".join(quote(field.column) for field in fields),
        ", ".join(["%s"] * len(fields)),
    )
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def test_session_changelist_of_100000_sessions_in_a_fixed_number_of_queries(
    admin_client, django_assert_num_queries
) -> None:
    """The list is paged: rows joined to their users, no count of every row for the title,
    nothing per row."""
    _insert_sessions(100_000, UserFactory.create_batch(20))
    url = reverse(SESSION_CHANGELIST)
    admin_client.get(url)  # warm up: the admin's own login session, content types
    with django_assert_num_queries(4):  # admin session, admin user, COUNT(*), one page of rows
        response = admin_client.get(url)
    assert response.status_code == 200
    assert response.context["cl"].result_count == 100_000
    assert len(response.context["results"]) == 100
    with django_assert_num_queries(4):
        response = admin_client.get(url, {"status": "active", "p": "3"})
    assert len(response.context["results"]) == 100


def test_session_detail_is_read_only_and_has_no_token(admin_client) -> None:
    session, token = _session()
    response = admin_client.get(_session_url("change", session))
    assert response.status_code == 200
    content = response.content.decode()
    assert IP in content
    assert _email(session.user) in content
    assert DEVICE in content
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


# --- a project's user admin (any user model) ---------------------------------------------


def test_user_list_shows_each_users_active_session_count(admin_client) -> None:
    busy, idle, gone = _user(), _user(), _user()
    for _ in range(3):
        _session(busy)
    expired, _ = _session(gone)
    Session.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(hours=1))
    response = admin_client.get(_user_url("changelist"))
    assert response.status_code == 200
    cl = response.context["cl"]
    assert "session_count" in cl.list_display
    counts = {u.pk: u.active_session_count for u in cl.result_list}
    assert counts[busy.pk] == 3
    assert counts[idle.pk] == 0
    assert counts[gone.pk] == 0  # expired sessions are not counted
    column = list(cl.list_display).index("session_count")
    (busy_row,) = [
        row
        for user, row in zip(cl.result_list, response.context["results"], strict=True)
        if user == busy
    ]
    assert ">3<" in busy_row[column]


def test_user_list_query_count_does_not_grow_with_users(
    admin_client, django_assert_num_queries
) -> None:
    def page_queries() -> int:
        admin_client.get(_user_url("changelist"))
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            assert admin_client.get(_user_url("changelist")).status_code == 200
        return len(captured)

    for _ in range(3):
        _session(_user())
    few = page_queries()
    for _ in range(30):
        _session(_user())
    assert page_queries() == few


def test_user_change_page_shows_sessions_as_devices_without_token(admin_client) -> None:
    user = _user()
    session, token = _session(user)
    _session(
        user, user_agent="Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) Version/17.5 Safari/605"
    )
    other_user_session, _ = _session()
    Session.objects.filter(pk=other_user_session.pk).update(ip_address="198.51.100.99")
    response = admin_client.get(_user_url("change", user))
    assert response.status_code == 200
    content = response.content.decode()
    assert IP in content
    assert DEVICE in content
    assert "Safari on macOS" in content
    assert "198.51.100.99" not in content  # only this user's sessions
    _assert_no_token(response, session, token)
    (inline,) = response.context["inline_admin_formsets"]
    assert inline.formset.model is Session
    assert not inline.has_add_permission
    assert not inline.has_delete_permission


def test_user_add_page_has_no_sessions_inline(admin_client) -> None:
    response = admin_client.get(_user_url("add"))
    assert response.status_code == 200
    assert response.context["inline_admin_formsets"] == []


def test_revoke_all_sessions_action_ends_only_that_users_sessions(
    admin_client, make_client
) -> None:
    target = _user()
    first, first_token = _session(target)
    second, _ = _session(target)
    bystander_session, _ = _session()
    browser = make_client()
    browser.cookies[cookies.token_cookie_name()] = sign_cookie_value(first_token)
    assert browser.get("/api/auth/session").json()["user"] is not None  # warm cookie cache
    response = _run_action(
        admin_client, _user_url("changelist"), "revoke_all_sessions", [target.pk]
    )
    assert response.status_code == 302
    assert list(Session.objects.values_list("pk", flat=True)) == [bystander_session.pk]
    assert browser.get("/api/auth/session").json() == NULL_ANSWER
    for gone in (first, second):
        assert revocation.is_revoked(gone.token, target.pk, cached_at_ms=0)
    assert not revocation.is_revoked(
        bystander_session.token, bystander_session.user_id, cached_at_ms=0
    )
    assert "2 sessions of 1 user(s) were revoked." in _messages(response)


def test_deleting_a_user_in_the_admin_revokes_their_sessions(admin_client) -> None:
    user = _user()
    session, _ = _session(user)
    response = admin_client.post(_user_url("delete", user), {"post": "yes"})
    assert response.status_code == 302
    assert not Session.objects.filter(pk=session.pk).exists()
    assert revocation.is_revoked(session.token, user.pk, cached_at_ms=0)


def test_delete_selected_users_revokes_their_sessions(admin_client) -> None:
    """The bulk delete runs on the list's annotated queryset (the session count)."""
    gone, kept = _user(), _user()
    session, _ = _session(gone)
    kept_session, _ = _session(kept)
    response = admin_client.post(
        _user_url("changelist"),
        {"action": "delete_selected", "_selected_action": [str(gone.pk)], "post": "yes"},
    )
    assert response.status_code == 302
    assert not get_user_model().objects.filter(pk=gone.pk).exists()
    assert list(Session.objects.values_list("pk", flat=True)) == [kept_session.pk]
    assert revocation.is_revoked(session.token, gone.pk, cached_at_ms=0)


# --- the supplied user model's admin ------------------------------------------------------

USER_CHANGELIST = "admin:django_authsession_user_changelist"


@supplied_model_only
def test_admin_user_fixture_works_with_email_login(admin_user) -> None:
    assert admin_user.email == "admin@example.com"
    assert admin_user.is_superuser


@supplied_model_only
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


@supplied_model_only
def test_user_change_post_keeps_sessions_intact(admin_client) -> None:
    """Saving the user form with the inline must not touch (or delete) session rows."""
    user = _user(name="Before")
    session, _ = _session(user)
    url = reverse("admin:django_authsession_user_change", args=[user.pk])
    response = admin_client.get(url)
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
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    user.refresh_from_db()
    assert user.name == "After"
    assert Session.objects.filter(pk=session.pk).exists()


@supplied_model_only
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


@supplied_model_only
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


def test_revoke_action_with_the_mark_store_down_says_so(settings, admin_client) -> None:
    """Not "revoked": the rows are gone, but copies in cookie caches may still be honoured."""
    pytest.importorskip("redis")
    session, _ = _session()
    with override_settings(
        CACHES={**settings.CACHES, "marks-down": unreachable_redis()},
        AUTHSESSION_REVOCATION_CACHE="marks-down",
    ):
        response = _run_action(
            admin_client, reverse(SESSION_CHANGELIST), "revoke_selected", [session.pk]
        )
    assert not Session.objects.filter(pk=session.pk).exists()
    text = " ".join(_messages(response))
    assert "revocation store" in text and "unavailable" in text
    assert "revoked." not in text
