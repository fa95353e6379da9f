"""While the database is unreachable, the endpoints that need it answer the contract's JSON
503, never Django's HTML 500 page.

The outage is a database of the test's own: a subprocess whose ``DATABASE_URL`` points at a
loopback port where nothing listens (the shared database is never stopped)."""

from __future__ import annotations

import json
import os
import socket
from importlib.util import find_spec
from typing import Any

import pytest

from tests.helpers import run_python

SCRIPT = """
import json
import django

django.setup()
from django.test import Client
from django.test.utils import setup_test_environment

from django_authsession import cookies
from django_authsession.tokens import generate_token, sign_cookie_value

setup_test_environment()
answers = {}
for method, path in [
    ("get", "/api/auth/get-session"),
    ("get", "/api/auth/session"),
    ("post", "/api/auth/sign-out"),
    ("get", "/api/auth/list-sessions"),
]:
    client = Client(HTTP_ORIGIN="http://testserver", raise_request_exception=False)
    client.cookies[cookies.token_cookie_name()] = sign_cookie_value(generate_token())
    response = getattr(client, method)(path)
    answers[path] = {
        "status": response.status_code,
        "type": response.get("Content-Type", ""),
        "body": response.content.decode(errors="replace")[:500],
        "cleared": [name for name, morsel in response.cookies.items() if not morsel.value],
    }
print(json.dumps(answers))
"""


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def answers() -> dict[str, Any]:
    if find_spec("psycopg") is None:
        pytest.skip("needs psycopg (the postgres extra)")
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")}
    env.update(
        DJANGO_SETTINGS_MODULE=os.environ.get("DJANGO_SETTINGS_MODULE", "tests.settings"),
        DATABASE_URL=f"postgres://postgres@127.0.0.1:{_closed_port()}/unreachable",
    )
    done = run_python(["-c", SCRIPT], env=env)
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


@pytest.mark.parametrize(
    "path",
    ["/api/auth/get-session", "/api/auth/session", "/api/auth/sign-out", "/api/auth/list-sessions"],
)
def test_database_outage_answers_json_503(answers, path: str) -> None:
    answer = answers[path]
    assert answer["status"] == 503, answer
    assert answer["type"].startswith("application/json")
    assert json.loads(answer["body"]) == {
        "message": "This service is briefly unavailable. Please try again later.",
        "code": "SERVICE_UNAVAILABLE",
    }
    # Not an answer about the session: the browser keeps its cookies, and signs out again.
    assert answer["cleared"] == []


@pytest.mark.django_db
def test_the_schema_documents_the_503(client) -> None:
    schema = client.get("/api/auth/openapi.json").json()
    for path, method in [
        ("/api/auth/get-session", "get"),
        ("/api/auth/session", "get"),
        ("/api/auth/sign-out", "post"),
        ("/api/auth/revoke-session", "post"),
    ]:
        answer = schema["paths"][path][method]["responses"]["503"]
        codes = answer["content"]["application/json"]["schema"]["properties"]["code"]["enum"]
        assert "SERVICE_UNAVAILABLE" in codes, path
