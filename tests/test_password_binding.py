"""A session is valid only while its user's password is what it was when the session started
(CONTRACT.md §4), however the password changes."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.test import Client

from django_authsession import sessions
from django_authsession.models import Session
from tests.factories import DEFAULT_PASSWORD, UserFactory, create_session

pytestmark = pytest.mark.django_db


def alive(token: str) -> bool:
    return sessions.resolve_from_db(token) is not None


def fresh(user):
    return get_user_model().objects.get(pk=user.pk)


def test_a_new_session_is_bound_and_resolves(user) -> None:
    session, token = create_session(user)
    assert len(session.password_digest) == 64
    assert user.password not in session.password_digest
    assert alive(token)


def test_set_password_and_save_ends_older_sessions(user) -> None:
    _, token = create_session(user)
    changed = fresh(user)
    changed.set_password("a-new-password-1")
    changed.save()
    assert not alive(token)


def test_assigned_hash_and_save_ends_older_sessions(user) -> None:
    _, token = create_session(user)
    changed = fresh(user)
    changed.password = make_password("a-new-password-2")
    changed.save()
    assert not alive(token)


def test_queryset_update_ends_older_sessions(user) -> None:
    """No signal is sent: the digest on the row, checked against the joined user, catches it."""
    _, token = create_session(user)
    get_user_model().objects.filter(pk=user.pk).update(password=make_password("new-pass-3"))
    assert not alive(token)
    assert not Session.objects.filter(user_id=user.pk).exists()  # and the dead row is gone


def test_sign_in_racing_a_password_change_keeps_no_session(user) -> None:
    """The sign-in checked the old password, then the password changed, then the session was
    about to be created: it must not outlive the change."""
    read_before_change = fresh(user)
    get_user_model().objects.filter(pk=user.pk).update(password=make_password("new-pass-4"))
    with pytest.raises(sessions.StalePassword):
        create_session(read_before_change)
    assert not Session.objects.filter(user_id=user.pk).exists()


def test_profile_saves_keep_sessions(user) -> None:
    _, token = create_session(user)
    same = fresh(user)
    same.name = "Renamed"
    same.save()
    assert alive(token)


def test_other_users_sessions_are_untouched(user) -> None:
    other = UserFactory()
    _, token = create_session(other)
    get_user_model().objects.filter(pk=user.pk).update(password=make_password("new-pass-5"))
    assert alive(token)


def test_rotating_the_secret_keeps_sessions(settings, user) -> None:
    _, token = create_session(user)
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-brand-new-secret-key-0123456789-abcdefghijklmnop"
    assert alive(token)


def test_unbound_rows_are_honoured(user) -> None:
    """Rows written before the column existed, or by a Better Auth server sharing the table."""
    session, token = create_session(user)
    Session.objects.filter(pk=session.pk).update(password_digest="")
    assert alive(token)
    changed = fresh(user)
    changed.set_password("a-new-password-6")
    changed.save()  # set_password is seen: unbound sessions end too
    assert not alive(token)


def test_the_database_check_costs_no_extra_query(user, django_assert_num_queries) -> None:
    _, token = create_session(user)
    with django_assert_num_queries(1):
        assert alive(token)


def test_signed_in_browser_is_signed_out_after_a_queryset_update(user) -> None:
    client = Client(HTTP_ORIGIN="http://testserver")
    response = client.post(
        "/api/auth/sign-in/email",
        {"email": user.email, "password": DEFAULT_PASSWORD},
        content_type="application/json",
    )
    assert response.status_code == 200
    get_user_model().objects.filter(pk=user.pk).update(password=make_password("new-pass-7"))
    answer = client.get("/api/auth/get-session", {"disableCookieCache": "true"})
    assert answer.json() is None
