"""One comparison of emails for the lookup and the failed sign-in limit.

The per-account limit is keyed on the account itself once the lookup finds it, so no
spelling of an email that the database's case mapping resolves to the account (a dotless i,
a long s, the Kelvin sign) reaches it with a fresh counter. The lookup is
``LOWER(email) = LOWER(%s)``, which the supplied model's unique index on ``Lower("email")``
serves (no sequential scan of the user table per sign-in)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from django_authsession.adapter import get_adapter
from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.helpers import origin_client, sign_in, sign_up

pytestmark = pytest.mark.django_db
postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="about PostgreSQL's case mapping and planner: run with DATABASE_URL (CI does)",
)
URL = "/api/auth/sign-in/email"


@pytest.fixture(autouse=True)
def _limits(settings) -> None:
    settings.AUTHSESSION_ACCOUNT_FAILURE_LIMIT = "3/900s"
    settings.AUTHSESSION_DEFAULT_RATE_LIMIT = "100/60s"


def attempt(email: str, password: str, address: str) -> Any:
    return Client(HTTP_ORIGIN="http://testserver").post(
        URL,
        {"email": email, "password": password},
        content_type="application/json",
        REMOTE_ADDR=address,
    )


VARIANTS = [
    ("victim2@example.com", "v\u0131ct\u0131m2@example.com"),  # dotless i: UPPER = "I"
    ("alice.smith@example.com", "alice.\u017fmith@example.com"),  # long s: UPPER = "S"
    ("kelvin@example.com", "\u212aelvin@example.com"),  # Kelvin sign: LOWER = "k"
    ("mixed@example.com", "MiXeD@Example.COM"),
]


@postgresql
@pytest.mark.parametrize(("email", "variant"), VARIANTS)
def test_no_spelling_reaches_a_locked_account_with_a_fresh_counter(email, variant) -> None:
    """The reproduction: the account is locked, then another spelling of its email with the
    right password signed in (PostgreSQL matched it, the limit keyed on Python's lower())."""
    user = UserFactory(email=email)
    for i in range(3):
        assert attempt(email, "wrong-guess", f"203.0.113.{i + 1}").status_code == 401
    response = attempt(variant, DEFAULT_PASSWORD, "198.51.100.7")
    assert response.status_code != 200, response.content
    if get_adapter().find_user_by_email(variant) == user:
        assert response.status_code == 429  # the lookup finds the account: its own counter
    else:
        assert response.status_code == 401  # another address altogether: no account


@postgresql
def test_failures_under_spellings_of_the_account_lock_it() -> None:
    UserFactory(email="kelvin@example.com")
    spellings = ["KELVIN@example.com", "\u212aelvin@example.com", "Kelvin@EXAMPLE.com"]
    for i, spelling in enumerate(spellings):
        assert attempt(spelling, "wrong-guess", f"203.0.113.{i + 1}").status_code == 401
    assert attempt("kelvin@example.com", DEFAULT_PASSWORD, "198.51.100.7").status_code == 429


def test_the_lookup_ignores_letter_case(db) -> None:
    user = UserFactory(email="case.test@example.com")
    adapter = get_adapter()
    assert adapter.find_user_by_email("Case.Test@EXAMPLE.com") == user
    assert adapter.email_taken("CASE.TEST@example.com")
    assert not adapter.email_taken("case.test2@example.com")


def _plan(sql: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # a small table: ask for the index
        cursor.execute(f"EXPLAIN {sql}")
        return "\n".join(row[0] for row in cursor.fetchall())


def _user_lookups(queries: list[dict[str, str]]) -> list[str]:
    table = get_user_model()._meta.db_table
    pattern = rf'FROM "{table}"\s+WHERE .*"{table}"\."email"'
    return [q["sql"] for q in queries if re.search(pattern, q["sql"])]


@postgresql
@pytest.mark.supplied_user_model
def test_sign_in_and_sign_up_lookups_use_the_email_index(user) -> None:
    with CaptureQueriesContext(connection) as signing_in:
        assert sign_in(origin_client(), user.email).status_code == 200
    with CaptureQueriesContext(connection) as signing_up:
        assert sign_up(origin_client(), "index.check@example.com").status_code == 200
    lookups = _user_lookups(signing_in.captured_queries) + _user_lookups(
        signing_up.captured_queries
    )
    assert len(lookups) >= 2, lookups  # the endpoint's, ModelBackend's, sign-up's
    for sql in lookups:
        plan = _plan(sql)
        assert "user_email_ci_unique" in plan, plan
        assert "Seq Scan" not in plan, plan
