"""The security history: every lifecycle change of an account is recorded once, with who did
it, from every path (endpoints, Django's login and authenticate, the admin, password changes,
deactivation, idle timeout, the session cap, lockout); the user reads their own, newest first."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.contrib.auth import authenticate, get_user_model
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from django_authsession.activity import events
from django_authsession.activity.models import Actor, EventType, KnownDevice, SecurityEvent
from django_authsession.models import Session
from tests.factories import DEFAULT_PASSWORD, UserFactory, create_session
from tests.helpers import origin_client, sign_in, sign_up, signed_in_token

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_limits(settings: Any) -> None:
    settings.AUTHSESSION_DEFAULT_RATE_LIMIT = None


def history(user: Any, *types: str) -> list[tuple[str, str, dict[str, Any]]]:
    rows = SecurityEvent.objects.filter(user_id=user.pk).order_by("created_at", "id")
    if types:
        rows = rows.filter(type__in=types)
    return [(row.type, row.actor, row.details) for row in rows]


def test_sign_in_through_the_endpoint_is_recorded_with_how_place_and_session(user) -> None:
    client = origin_client(REMOTE_ADDR="198.51.100.7")
    signed_in_token(client, user.email)
    session = Session.objects.get()
    (event,) = SecurityEvent.objects.filter(type=EventType.SIGN_IN)
    assert (event.user_id, event.actor, event.details) == (user.pk, Actor.USER, {"how": "email"})
    assert event.session_id == session.pk
    assert event.ip_address == "198.51.100.7"
    assert event.user_agent == "pytest-browser/1.0"


def test_sign_up_django_login_and_change_password_say_how(client, settings) -> None:
    assert sign_up(client, "new@example.com").status_code == 200
    user = get_user_model().objects.get()
    origin_client().post("/plain/project-login/", {"user": user.pk})  # auth.login()
    response = client.post(
        "/api/auth/change-password",
        {"currentPassword": DEFAULT_PASSWORD, "newPassword": "another-long-password-1"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert [d["how"] for _, _, d in history(user, EventType.SIGN_IN)] == [
        "sign-up",
        "login",
        "change-password",
    ]
    assert history(user, EventType.PASSWORD_CHANGED) == [
        (EventType.PASSWORD_CHANGED, Actor.USER, {})
    ]
    # Every other session ended with the password: the project-login one and the sign-up's.
    reasons = [d["reason"] for _, actor, d in history(user, EventType.SESSION_REVOKED)]
    assert reasons == ["password-change", "password-change"]


def test_failed_sign_in_is_recorded_for_an_account_that_exists_only(user) -> None:
    client = origin_client()
    assert sign_in(client, user.email, "wrong-password").status_code == 401
    assert sign_in(client, "nobody@example.com", "wrong-password").status_code == 401
    assert history(user) == [(EventType.SIGN_IN_FAILED, Actor.UNKNOWN, {})]
    assert SecurityEvent.objects.count() == 1


def test_failed_django_authenticate_is_recorded_too(user, rf) -> None:
    """The admin's login form, LoginView: anything calling ``authenticate()``."""
    username = user.get_username()
    assert authenticate(rf.post("/"), username=username, password="wrong") is None
    assert history(user) == [(EventType.SIGN_IN_FAILED, Actor.UNKNOWN, {})]


def test_sign_out_is_the_users_own(user) -> None:
    client = origin_client()
    signed_in_token(client, user.email)
    session = Session.objects.get()
    client.post("/api/auth/sign-out")
    (event,) = SecurityEvent.objects.filter(type=EventType.SIGN_OUT)
    assert (event.actor, event.session_id, event.details) == (Actor.USER, session.pk, {})


def test_revocations_by_the_user_name_the_session_that_did_it(user) -> None:
    first, second, third = origin_client(), origin_client(), origin_client()
    for client in (first, second, third):
        signed_in_token(client, user.email)
    acting: Any = Session.objects.order_by("created_at").first()
    target = Session.objects.order_by("created_at")[1]
    first.post("/api/auth/revoke-session", {"id": str(target.pk)}, content_type="application/json")
    first.post("/api/auth/revoke-other-sessions", content_type="application/json")
    first.post("/api/auth/revoke-sessions", content_type="application/json")
    revoked = SecurityEvent.objects.filter(type=EventType.SESSION_REVOKED).order_by("id")
    assert [(e.details["reason"], e.actor) for e in revoked] == [
        ("revoke-session", Actor.USER),
        ("revoke-other-sessions", Actor.USER),
        ("revoke-sessions", Actor.USER),
    ]
    assert all(e.details["by_session"] == str(acting.pk) for e in revoked)
    assert revoked[0].session_id == target.pk
    assert revoked[2].session_id == acting.pk


def test_an_administrator_ending_sessions_is_named(admin_client, admin_user) -> None:
    owner: Any = UserFactory()
    session, _ = create_session(owner)
    response = admin_client.post(
        reverse("admin:django_authsession_session_changelist"),
        {"action": "revoke_selected", "_selected_action": [str(session.pk)]},
    )
    assert response.status_code == 302
    (event,) = SecurityEvent.objects.filter(type=EventType.SESSION_REVOKED)
    assert (event.user_id, event.actor, event.actor_id) == (
        owner.pk,
        Actor.ADMIN,
        str(admin_user.pk),
    )
    assert event.details == {"reason": "admin"}


@pytest.mark.supplied_user_model
def test_deactivation_in_the_admin_is_the_administrators(admin_client, admin_user) -> None:
    owner: Any = UserFactory()
    create_session(owner)
    change = reverse("admin:django_authsession_user_change", args=[owner.pk])
    response = admin_client.get(change)
    form = response.context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k != "password"}
    data.update({"groups": [], "user_permissions": [], "last_login_0": "", "last_login_1": ""})
    prefix = response.context["inline_admin_formsets"][0].formset.prefix
    data.update(
        {
            f"{prefix}-TOTAL_FORMS": "0",
            f"{prefix}-INITIAL_FORMS": "0",
            f"{prefix}-MIN_NUM_FORMS": "0",
            f"{prefix}-MAX_NUM_FORMS": "0",
        }
    )
    data["is_active"] = False
    data = {k: ("on" if v is True else v) for k, v in data.items() if v is not False}
    response = admin_client.post(change, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    owner.refresh_from_db()
    assert not owner.is_active
    (event,) = SecurityEvent.objects.filter(type=EventType.SESSION_REVOKED)
    assert (event.actor, event.actor_id, event.details) == (
        Actor.ADMIN,
        str(admin_user.pk),
        {"reason": "deactivated"},
    )


def test_deactivation_elsewhere_is_the_systems(user) -> None:
    create_session(user)
    user.is_active = False
    user.save()
    assert history(user, EventType.SESSION_REVOKED) == [
        (EventType.SESSION_REVOKED, Actor.SYSTEM, {"reason": "deactivated"})
    ]


def test_idle_timeout_is_the_systems(user, settings) -> None:
    settings.AUTHSESSION_IDLE_TIMEOUT = 1800
    client = origin_client()
    signed_in_token(client, user.email)
    with time_machine.travel(timedelta(hours=1)):
        assert client.get("/api/auth/get-session").content == b"null"
    assert history(user, EventType.SESSION_REVOKED) == [
        (EventType.SESSION_REVOKED, Actor.SYSTEM, {"reason": "idle-timeout"})
    ]


def test_the_session_cap_ends_the_least_recently_active_and_says_so(user, settings) -> None:
    settings.AUTHSESSION_MAX_SESSIONS_PER_USER = 2
    clients = [origin_client() for _ in range(3)]
    start = timezone.now()
    for i, client in enumerate(clients[:2]):
        with time_machine.travel(start + timedelta(minutes=i), tick=False):
            signed_in_token(client, user.email)
    oldest, newer = Session.objects.order_by("created_at")
    with time_machine.travel(start + timedelta(minutes=10), tick=False):
        clients[0].get("/api/auth/get-session?disableCookieCache=true")  # the oldest, now active
    with time_machine.travel(start + timedelta(minutes=20), tick=False):
        signed_in_token(clients[2], user.email)
    assert set(Session.objects.values_list("pk", flat=True)) >= {oldest.pk}
    assert not Session.objects.filter(pk=newer.pk).exists()
    assert Session.objects.count() == 2
    (event,) = SecurityEvent.objects.filter(type=EventType.SESSION_REVOKED)
    assert (event.actor, event.session_id, event.details) == (
        Actor.SYSTEM,
        newer.pk,
        {"reason": "session-cap"},
    )


def test_the_refusing_cap_answers_a_clear_error_and_records_it(user, settings) -> None:
    settings.AUTHSESSION_MAX_SESSIONS_PER_USER = 1
    settings.AUTHSESSION_SESSION_LIMIT_POLICY = "refuse"
    signed_in_token(origin_client(), user.email)
    response = sign_in(origin_client(), user.email)
    assert response.status_code == 403
    assert response.json() == {
        "message": "Too many active sessions: sign out on another device first",
        "code": "SESSION_LIMIT_REACHED",
    }
    assert Session.objects.count() == 1
    assert history(user, EventType.SIGN_IN_REFUSED) == [
        (EventType.SIGN_IN_REFUSED, Actor.USER, {"reason": "session-cap"})
    ]


def test_a_new_device_is_recorded_once(user) -> None:
    browser = origin_client()
    signed_in_token(browser, user.email)  # the account's first device: an event, no alert
    signed_in_token(browser, user.email)  # the same browser: nothing new
    other = origin_client()
    signed_in_token(other, user.email)
    assert len(history(user, EventType.NEW_DEVICE)) == 2
    assert KnownDevice.objects.filter(user=user).count() == 2


def test_lockout_is_recorded_once_when_the_allowance_is_used_up(user, settings) -> None:
    settings.AUTHSESSION_ACCOUNT_FAILURE_LIMIT = "3/900s"
    for _ in range(5):
        sign_in(origin_client(), user.email, "wrong-password")
    assert history(user, EventType.LOCKOUT) == [(EventType.LOCKOUT, Actor.SYSTEM, {})]


def test_every_event_is_sent_as_a_signal(user) -> None:
    seen: list[str] = []
    events.security_event.connect(
        lambda event, **kw: seen.append(event.type), weak=False, dispatch_uid="siem"
    )
    try:
        client = origin_client()
        signed_in_token(client, user.email)
        client.post("/api/auth/sign-out")
    finally:
        events.security_event.disconnect(dispatch_uid="siem")
    assert seen == [EventType.SIGN_IN, EventType.NEW_DEVICE, EventType.SIGN_OUT]


def test_no_event_holds_a_token(user) -> None:
    client = origin_client()
    token = signed_in_token(client, user.email)
    client.post("/api/auth/sign-out")
    for row in SecurityEvent.objects.values():
        assert token not in repr(row)


# -- GET /security-events ----------------------------------------------------------------------


def test_the_user_reads_their_own_history_newest_first_in_pages(user) -> None:
    someone_else: Any = UserFactory()
    create_session(someone_else)
    client = origin_client()
    start = timezone.now()
    for minute in range(3):
        with time_machine.travel(start + timedelta(minutes=minute), tick=False):
            signed_in_token(client, user.email)
    page = client.get("/api/auth/security-events", {"limit": 2}).json()
    assert page["limit"] == 2 and page["offset"] == 0 and page["hasMore"] is True
    times = [event["createdAt"] for event in page["events"]]
    assert times == sorted(times, reverse=True)
    rest = client.get("/api/auth/security-events", {"limit": 2, "offset": 2}).json()
    everything = page["events"] + rest["events"]
    ids = {e["id"] for e in everything}
    mine = SecurityEvent.objects.filter(user=user).count()
    assert len(ids) == min(4, mine)
    assert not SecurityEvent.objects.filter(pk__in=ids, user=someone_else).exists()
    first = page["events"][0]
    assert set(first) == {
        "id",
        "type",
        "createdAt",
        "actor",
        "sessionId",
        "ipAddress",
        "userAgent",
        "device",
        "location",
        "details",
    }


@pytest.mark.parametrize(
    "query", [{"limit": "0"}, {"limit": "101"}, {"offset": "-1"}, {"limit": "x"}]
)
def test_bad_paging_is_a_validation_error(user, query) -> None:
    client = origin_client()
    signed_in_token(client, user.email)
    response = client.get("/api/auth/security-events", query)
    assert response.status_code == 400
    assert response.json()["code"] == "VALIDATION_ERROR"


def test_the_history_needs_a_session(client) -> None:
    response = client.get("/api/auth/security-events")
    assert response.status_code == 401
    assert response.json()["code"] == "UNAUTHORIZED"


# -- Retention -------------------------------------------------------------------------------


def test_cleanup_deletes_events_past_their_retention_in_batches(user, settings) -> None:
    settings.AUTHSESSION_EVENT_RETENTION = 30
    now = timezone.now()
    old = [
        SecurityEvent(
            user=user,
            type=EventType.SIGN_IN,
            actor=Actor.USER,
            created_at=now - timedelta(days=31, minutes=i),
        )
        for i in range(25)
    ]
    SecurityEvent.objects.bulk_create(old)
    recent = SecurityEvent.objects.create(
        user=user, type=EventType.SIGN_IN, actor=Actor.USER, created_at=now - timedelta(days=29)
    )
    call_command("cleanup_sessions", "--batch-size", "10", verbosity=0)
    assert list(SecurityEvent.objects.values_list("pk", flat=True)) == [recent.pk]


def test_events_are_kept_forever_without_a_retention(user, settings) -> None:
    settings.AUTHSESSION_EVENT_RETENTION = None
    SecurityEvent.objects.create(
        user=user,
        type=EventType.SIGN_IN,
        actor=Actor.USER,
        created_at=timezone.now() - timedelta(days=3650),
    )
    call_command("cleanup_sessions", verbosity=0)
    assert SecurityEvent.objects.count() == 1


# -- Admin -----------------------------------------------------------------------------------


def test_the_admin_lists_and_filters_events_read_only(admin_client, user) -> None:
    sign_in(origin_client(), user.email, "wrong-password")
    signed_in_token(origin_client(), user.email)
    url = reverse("admin:authsession_activity_securityevent_changelist")
    response = admin_client.get(url, {"type__exact": EventType.SIGN_IN_FAILED})
    assert response.status_code == 200
    assert [e.type for e in response.context["cl"].result_list] == [EventType.SIGN_IN_FAILED]
    event = SecurityEvent.objects.first()
    assert event is not None
    detail = admin_client.get(
        reverse("admin:authsession_activity_securityevent_change", args=[event.pk])
    )
    assert detail.status_code == 200
    assert b'name="_save"' not in detail.content
    add = admin_client.get(reverse("admin:authsession_activity_securityevent_add"))
    assert add.status_code == 403


# -- OpenAPI -----------------------------------------------------------------------------------


def test_the_watched_endpoints_answer_as_their_schema_says(user) -> None:
    pytest.importorskip("drf_spectacular")
    from tests.test_openapi import SCHEMA_URL, assert_conforms

    described = origin_client().get(SCHEMA_URL).json()
    client = origin_client(REMOTE_ADDR="198.51.100.7")
    for path in ["/api/auth/security-events", "/api/auth/known-devices"]:
        assert_conforms(described, "get", path, client.get(path))  # 401
    signed_in_token(client, user.email)
    sign_in(origin_client(), user.email, "wrong-password")
    for path in ["/api/auth/security-events", "/api/auth/known-devices", "/api/auth/list-sessions"]:
        assert_conforms(described, "get", path, client.get(path))
    bad = client.get("/api/auth/security-events", {"limit": "0"})
    assert_conforms(described, "get", "/api/auth/security-events", bad)
    forget = "/api/auth/forget-device"
    assert_conforms(
        described, "post", forget, client.post(forget, {"id": 1}, content_type="application/json")
    )
    unknown = client.post(forget, {"id": 999999}, content_type="application/json")
    assert_conforms(described, "post", forget, unknown)
