"""Real concurrency, on PostgreSQL (CI's second pass): several requests at once must refresh a
session exactly once and create a user exactly once."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import MD5PasswordHasher
from django.db import connection, connections
from django.test import Client

from django_authsession import cookies, signals
from django_authsession.models import Session
from django_authsession.tokens import sign_cookie_value
from tests.factories import DEFAULT_PASSWORD, create_session
from tests.helpers import origin_client, sign_up

pytestmark = [
    pytest.mark.skipif(
        connection.vendor == "sqlite",
        reason="needs a database with real concurrent connections: run with DATABASE_URL",
    ),
    pytest.mark.django_db(transaction=True),
]
THREADS = 6


def run_at_once(work: Callable[[int], Any]) -> list[Any]:
    """Run ``work(i)`` in THREADS threads released together; each thread has its own
    database connection, closed at the end."""
    barrier = threading.Barrier(THREADS)
    results: list[Any] = [None] * THREADS
    errors: list[BaseException] = []

    def target(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[i] = work(i)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=target, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    return results


def test_simultaneous_requests_refresh_a_session_once(settings, user) -> None:
    settings.AUTHSESSION_COOKIE_CACHE = False
    settings.AUTHSESSION_DEFAULT_RATE_LIMIT = None
    session, token = create_session(user)
    refreshed: list[Any] = []
    lock = threading.Lock()

    def on_refresh(sender: Any, session: Any, **kwargs: Any) -> None:
        with lock:
            refreshed.append(session.pk)

    signals.session_refreshed.connect(on_refresh, dispatch_uid="concurrency-test")
    moment = session.created_at + timedelta(days=1, minutes=1)

    def request(i: int) -> Any:
        client = Client()
        client.cookies[cookies.token_cookie_name()] = sign_cookie_value(token)
        return client.get("/api/auth/session").json()["user"]["email"]

    try:
        with time_machine.travel(moment, tick=False):
            emails = run_at_once(request)
    finally:
        signals.session_refreshed.disconnect(dispatch_uid="concurrency-test")
    assert emails == [user.email] * THREADS  # every request saw the session
    assert refreshed == [session.pk]  # and exactly one wrote the refresh
    assert Session.objects.get(pk=session.pk).expires_at == moment + timedelta(days=7)


def test_simultaneous_sign_ups_with_one_email_create_one_user(settings, db) -> None:
    settings.AUTHSESSION_DEFAULT_RATE_LIMIT = None

    def attempt(i: int) -> int:
        response = sign_up(
            origin_client(None), "race@example.com", "long-enough-42", name=f"Racer {i}"
        )
        return response.status_code

    statuses = sorted(run_at_once(attempt))
    assert statuses == [200] + [422] * (THREADS - 1)
    assert get_user_model().objects.filter(email="race@example.com").count() == 1


def test_sign_ins_racing_a_password_change_leave_no_session_alive(settings, user) -> None:
    """Sign-ins with the old password race a password change: whichever way each interleaves,
    no session (row or cookie cache) survives the change."""
    settings.AUTHSESSION_DEFAULT_RATE_LIMIT = None
    settings.AUTHSESSION_ACCOUNT_FAILURE_LIMIT = None
    survivors: list[str] = []
    for round_ in range(8):

        def work(i: int, round_: int = round_) -> Client | None:
            if i == 0:
                changed = get_user_model().objects.get(pk=user.pk)
                changed.set_password(f"changed-in-round-{round_}")
                changed.save()
                return None
            client = Client(HTTP_ORIGIN="http://testserver")
            response = client.post(
                "/api/auth/sign-in/email",
                {"email": user.email, "password": DEFAULT_PASSWORD},
                content_type="application/json",
            )
            return client if response.status_code == 200 else None

        browsers = [c for c in run_at_once(work) if c is not None]
        for client in browsers:
            if client.get("/api/auth/get-session").json() is not None:
                survivors.append(f"round {round_}: cookie cache")
            if client.get("/api/auth/get-session?disableCookieCache=true").json() is not None:
                survivors.append(f"round {round_}: row")
        # The next round signs in with the default password again.
        reset = get_user_model().objects.get(pk=user.pk)
        reset.set_password(DEFAULT_PASSWORD)
        reset.save()
    assert survivors == []


class SlowHasher(MD5PasswordHasher):
    """The test hasher, as slow as a production hash (~0.2 s), counting its checks."""

    checks = 0
    lock = threading.Lock()

    def verify(self, password: str, encoded: str) -> bool:
        with SlowHasher.lock:
            SlowHasher.checks += 1
        time.sleep(0.2)
        return super().verify(password, encoded)


def test_concurrent_guesses_do_not_exceed_the_account_limit(settings, user) -> None:
    """The reproduction: the limit was checked, then the ~200 ms hash, then the failure
    counted, so guesses sent together all got their hash check. Counted first, atomically,
    at most ``limit`` passwords are checked."""
    settings.AUTHSESSION_DEFAULT_RATE_LIMIT = None
    settings.AUTHSESSION_ACCOUNT_FAILURE_LIMIT = "2/900s"
    settings.PASSWORD_HASHERS = ["tests.test_concurrency.SlowHasher"]
    SlowHasher.checks = 0

    def guess(i: int) -> int:
        response = Client(HTTP_ORIGIN="http://testserver").post(
            "/api/auth/sign-in/email",
            {"email": user.email, "password": f"guess-{i}"},
            content_type="application/json",
            REMOTE_ADDR=f"203.0.113.{i + 1}",
        )
        return response.status_code

    statuses = sorted(run_at_once(guess))
    assert statuses == [401, 401] + [429] * (THREADS - 2)
    assert SlowHasher.checks == 2
