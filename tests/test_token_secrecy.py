"""The raw token reaches the browser and the session endpoints' bodies, nowhere else: not the
database, not SQL or request logs, not reprs that error reporters capture."""

from __future__ import annotations

import logging

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from django_authsession import sessions
from django_authsession.tokens import storage_key
from tests.factories import DEFAULT_PASSWORD
from tests.helpers import sign_in

pytestmark = pytest.mark.django_db


def test_token_stays_out_of_logs_and_sql(settings, client, user, caplog) -> None:
    settings.DEBUG = True  # Django logs every SQL statement with its parameters
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="django")
    with CaptureQueriesContext(connection) as queries:
        response = sign_in(client, user.email, DEFAULT_PASSWORD)
        token = response.json()["token"]
        client.get("/api/auth/session", {"disableCookieCache": "true"})
        client.post(
            "/api/auth/revoke-session", {"token": "x" * 32}, content_type="application/json"
        )
        client.post("/api/auth/sign-out")
    assert storage_key(token) in caplog.text  # the SQL log was captured, with the digest
    assert token not in caplog.text
    assert all(token not in q["sql"] for q in queries.captured_queries)


def test_reprs_do_not_show_the_token(user) -> None:
    session, token = sessions.create_session(user)
    resolved = sessions.resolve_from_db(token)
    assert resolved is not None
    assert token not in repr(resolved)
    assert token not in repr(session) and token not in str(session)
