"""A stateful test of the whole lifecycle: two browsers of one user sign in, read, let the clock
run (cache expiry, refresh, expiry), revoke each other, sign out and clean up, in any order.
A small model says what each browser must see; the database must agree with it."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.core.cache import caches
from django.db import transaction
from django.test import override_settings
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from django_authsession import sessions
from django_authsession.models import Session
from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.helpers import origin_client, sign_in

URL = "/api/auth/session"
WEEK = timedelta(days=7)
DAY = timedelta(days=1)
NAMES = ("a", "b")
START = datetime(2026, 3, 1, 12, 0, 0).astimezone()


class Lifecycle(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.atomic = transaction.atomic()
        self.atomic.__enter__()
        self.overrides = override_settings(AUTHSESSION_DEFAULT_RATE_LIMIT=None)
        self.overrides.enable()
        caches["default"].clear()
        self.traveller = time_machine.travel(START, tick=False)
        self.clock = self.traveller.start()
        self.now = START
        self.user = UserFactory()
        self.browsers = {n: origin_client() for n in NAMES}
        self.expires: dict[str, datetime | None] = dict.fromkeys(NAMES)

    def teardown(self) -> None:
        self.traveller.stop()
        self.overrides.disable()
        transaction.set_rollback(True)
        self.atomic.__exit__(None, None, None)

    def alive(self, name: str) -> bool:
        expires = self.expires[name]
        return expires is not None and self.now < expires

    @rule(name=st.sampled_from(NAMES))
    def sign_in(self, name: str) -> None:
        response = sign_in(self.browsers[name], str(self.user.email), DEFAULT_PASSWORD)
        assert response.status_code == 200
        self.expires[name] = self.now + WEEK

    @rule(name=st.sampled_from(NAMES), no_cache=st.booleans())
    def read(self, name: str, no_cache: bool) -> None:
        query = {"disableCookieCache": "true"} if no_cache else {}
        body = self.browsers[name].get(URL, query).json()
        if not self.alive(name):
            assert body == {"session": None, "user": None}
            self.expires[name] = None
            return
        assert body["user"]["email"] == self.user.email
        self.touched(name)

    def touched(self, name: str) -> None:
        """Any request carrying a live session slides it once it is a day old."""
        expires = self.expires[name]
        assert expires is not None
        if self.now >= expires - WEEK + DAY:
            self.expires[name] = self.now + WEEK

    @rule(
        delta=st.sampled_from(
            [
                timedelta(minutes=1),
                timedelta(minutes=6),
                23 * 3600,
                DAY,
                timedelta(days=3),
                timedelta(days=8),
            ]
        )
    )
    def time_passes(self, delta: Any) -> None:
        delta = delta if isinstance(delta, timedelta) else timedelta(seconds=delta)
        self.now += delta
        self.clock.shift(delta)

    @rule(name=st.sampled_from(NAMES))
    def sign_out(self, name: str) -> None:
        assert self.browsers[name].post("/api/auth/sign-out").json() == {"success": True}
        self.expires[name] = None

    @precondition(lambda self: any(self.alive(n) for n in NAMES))
    @rule(name=st.sampled_from(NAMES))
    def revoke_others(self, name: str) -> None:
        response = self.browsers[name].post("/api/auth/revoke-other-sessions")
        if not self.alive(name):
            assert response.status_code == 401
            self.expires[name] = None
            return
        assert response.json() == {"status": True}
        self.touched(name)
        for other in NAMES:
            if other != name:
                self.expires[other] = None

    @rule()
    def cleanup(self) -> None:
        sessions.cleanup_expired(batch_size=1)
        assert not Session.objects.expired().exists()

    @invariant()
    def database_agrees(self) -> None:
        live = sorted(e for n in NAMES if self.alive(n) for e in [self.expires[n]] if e)
        rows = sorted(Session.objects.active().values_list("expires_at", flat=True))
        assert rows == live


@pytest.mark.django_db
def test_lifecycle() -> None:
    Lifecycle.TestCase.settings = settings(
        max_examples=25,
        stateful_step_count=15,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    Lifecycle.TestCase().runTest()
