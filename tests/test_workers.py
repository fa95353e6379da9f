"""Several workers (docs/howto/production.md): the example project under gunicorn with three sync
workers, on the test's PostgreSQL database and Redis. Nothing may assume one process: the rate
limit is shared, a revocation on one worker ends the session on every worker (cookie cache
included), concurrent refreshes write once, and a sign-out racing a refresh stays signed out.

Requests are steered to chosen workers: a sync worker serves one request at a time, so a worker
is "held" by a POST sent with ``Expect: 100-continue`` whose body is withheld (gunicorn answers
``100 Continue`` once that worker runs the view, which then waits for the body). With two
workers held, the next request can only go to the third; rotating the held pair visits each
worker in turn. gunicorn's access log records the pid that served each request, so the tests
check which worker answered instead of trusting the steering.

Runs in CI's second pass (``DATABASE_URL`` and ``REDIS_URL``); listens on 127.0.0.1 only, every
loop is bounded, the server is stopped at the end of the module."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import dj_database_url
import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone
from django.utils.module_loading import import_string

from django_authsession import revocation
from django_authsession.models import Session
from django_authsession.tokens import sign_cookie_value, storage_key
from tests.factories import UserFactory, create_session
from tests.helpers import free_port

pytestmark = [
    pytest.mark.skipif(
        not (os.environ.get("REDIS_URL") and connection.vendor == "postgresql"),
        reason="needs PostgreSQL and Redis shared by the workers: run with DATABASE_URL and "
        "REDIS_URL (CI's second pass does)",
    ),
    pytest.mark.django_db(transaction=True),  # the workers must see the test's rows
]

WORKERS = 3
PORTS = range(8700, 8800)
START_TIMEOUT = 60.0
REQUEST_TIMEOUT = 30.0
# The example runs with DEBUG off, so the cookies carry the __Secure- prefix.
TOKEN_COOKIE = "__Secure-better-auth.session_token"
DATA_COOKIE = "__Secure-better-auth.session_data"
SECRET_KEY = "test-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"  # tests/settings.py


@dataclass
class Answer:
    status: int
    body: Any
    cookies: dict[str, str]  # Set-Cookie name -> value ("" for a deletion)
    pid: int = 0


@dataclass
class Server:
    """A gunicorn of the example project; ``pid_of`` maps a request id to the worker's pid."""

    port: int
    process: subprocess.Popen[bytes]
    access_log: Path
    error_log: Path
    _ids: Iterator[int] = field(default_factory=lambda: iter(range(10**9)))

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _headers(self, request_id: str, cookies: dict[str, str] | None) -> dict[str, str]:
        headers = {
            "Origin": self.origin,
            "User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0",
            "X-Test-Id": request_id,
        }
        if cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
        return headers

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        cookies: dict[str, str] | None = None,
    ) -> Answer:
        request_id = f"r{next(self._ids)}-{uuid.uuid4().hex[:8]}"
        headers = self._headers(request_id, cookies)
        payload = None
        if body is not None:
            payload = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=REQUEST_TIMEOUT)
        try:
            conn.request(method, path, body=payload, headers=headers)
            response = conn.getresponse()
            raw = response.read()
            set_cookies = response.headers.get_all("Set-Cookie") or []
        finally:
            conn.close()
        jar = {}
        for line in set_cookies:
            name, _, rest = line.partition("=")
            jar[name] = rest.split(";", 1)[0].strip('"')
        answer = Answer(response.status, json.loads(raw) if raw else None, jar)
        answer.pid = self.pid_of(request_id)
        return answer

    def pid_of(self, request_id: str) -> int:
        """The worker that served ``request_id`` (gunicorn logs it right after responding)."""
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            for line in self.access_log.read_text().splitlines():
                pid, _, logged_id = line.partition(" ")
                if logged_id == request_id:
                    return int(pid.strip("<>"))
            time.sleep(0.02)
        raise AssertionError(f"{request_id} not in gunicorn's access log")

    def hold_worker(self) -> socket.socket:
        """Occupy one idle worker until :meth:`release` (see the module docstring)."""
        body = b"{}"
        sock = socket.create_connection(("127.0.0.1", self.port), timeout=REQUEST_TIMEOUT)
        sock.sendall(
            (
                "POST /bench/peer-login HTTP/1.1\r\n"
                f"Host: 127.0.0.1:{self.port}\r\n"
                "Content-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\n"
                "Expect: 100-continue\r\n"
                "X-Test-Id: hold\r\n"
                "Connection: close\r\n\r\n"
            ).encode()
        )
        received = b""
        while b"\r\n\r\n" not in received:
            chunk = sock.recv(1024)
            assert chunk, "gunicorn closed a held connection"
            received += chunk
        assert received.startswith(b"HTTP/1.1 100 Continue"), received
        return sock

    def release(self, sock: socket.socket) -> None:
        """Send the held request's body and wait for its answer: the worker is free again."""
        try:
            sock.sendall(b"{}")
            while sock.recv(4096):
                pass
        finally:
            sock.close()

    def on_each_worker(self, work: Callable[[], Answer]) -> list[Answer]:
        """Run ``work`` once on each worker, one after the other: two workers are held while
        the third serves, and the held pair rotates."""
        held = [self.hold_worker() for _ in range(WORKERS - 1)]
        answers = []
        try:
            answers.append(work())
            for _ in range(WORKERS - 1):
                held.append(self.hold_worker())  # the worker that just served
                self.release(held.pop(0))  # frees the one held longest
                answers.append(work())
        finally:
            for sock in held:
                self.release(sock)
        assert len({a.pid for a in answers}) == WORKERS, [a.pid for a in answers]
        return answers

    def worker_pids(self) -> set[int]:
        text = self.error_log.read_text()
        return {
            int(line.rsplit("pid: ", 1)[1].split()[0])
            for line in text.splitlines()
            if "Booting worker with pid: " in line
        }


@pytest.fixture(scope="module")
def server(django_db_setup: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    logs = tmp_path_factory.mktemp("gunicorn")
    test_db = dj_database_url.parse(os.environ["DATABASE_URL"]) | {
        "NAME": connection.settings_dict["NAME"]
    }
    port = free_port(PORTS)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.workers_settings",
        "AUTHSESSION_TEST_SETTINGS": settings.SETTINGS_MODULE,  # the same user model
        "DATABASE_URL": "postgres://{USER}:{PASSWORD}@{HOST}:{PORT}/{NAME}".format(
            **{k: v or "" for k, v in test_db.items()}
        ),
        "REDIS_URL": os.environ["REDIS_URL"],
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": SECRET_KEY,  # the tests sign cookies with it
        "PYTHONPATH": str(Path(__file__).resolve().parent.parent),
    }
    env.pop("AUTHSESSION_DEFAULT_RATE_LIMIT", None)
    access_log, error_log = logs / "access.log", logs / "error.log"
    access_log.touch()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "example_project.wsgi:application",
            f"--bind=127.0.0.1:{port}",
            f"--workers={WORKERS}",
            "--worker-class=sync",
            "--timeout=60",
            f"--access-logfile={access_log}",
            "--access-logformat=%(p)s %({x-test-id}i)s",
            f"--error-logfile={error_log}",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    running = Server(port, process, access_log, error_log)
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            assert process.poll() is None, error_log.read_text()[-3000:]
            if error_log.exists() and len(running.worker_pids()) >= WORKERS:
                try:
                    if running.request("GET", "/bench/ok").status == 200:
                        break
                except OSError:
                    pass
            time.sleep(0.2)
        else:
            raise AssertionError("gunicorn did not start:\n" + error_log.read_text()[-3000:])
        yield running
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def _trust_the_workers_mark_store() -> None:
    """The workers' mark store (the example project's, on the database the suite's marks use,
    which each test's cache clearing flushes) holds its generation, as a store that has kept
    every mark does: otherwise the first hits find none and go to the database."""
    import example_project.settings as example  # reads the same REDIS_URL as the workers

    config = example.CACHES["authsession_revocation"]
    store = import_string(config["BACKEND"])(config["LOCATION"], config)
    store.set(revocation.GENERATION_KEY, 0, timeout=None)
    store.close()


def _browser(token: str) -> dict[str, str]:
    return {TOKEN_COOKIE: sign_cookie_value(token)}


def _user() -> Any:
    return UserFactory()


def _email(user: Any) -> str:
    return str(getattr(user, user.get_email_field_name()))


# --- the rate limit is shared ---------------------------------------------------------------


def test_the_eleventh_failed_sign_in_is_429_on_every_worker(server: Server) -> None:
    def fail() -> Answer:
        return server.request(
            "POST",
            "/api/auth/sign-in/email",
            {"email": f"nobody-{uuid.uuid4().hex}@example.com", "password": "wrong-password"},
        )

    first_ten = [fail() for _ in range(10)]
    assert [a.status for a in first_ten] == [401] * 10
    blocked = server.on_each_worker(fail)  # the 11th, 12th and 13th, one per worker
    assert [a.status for a in blocked] == [429] * WORKERS
    assert all(a.body["code"] == "TOO_MANY_REQUESTS" for a in blocked)


# --- revocation reaches every worker --------------------------------------------------------


def test_a_revocation_on_one_worker_ends_the_session_on_all_cookie_cache_included(
    server: Server,
) -> None:
    _trust_the_workers_mark_store()
    user = _user()
    _, token_a = create_session(user)
    _, token_b = create_session(user)
    b = _browser(token_b)
    warm = server.request("GET", "/api/auth/session", cookies=b)
    assert warm.body["user"]["email"] == _email(user)
    b[DATA_COOKIE] = warm.cookies[DATA_COOKIE]  # B's cookie cache

    # The cookie cache really answers on every worker: a row deleted behind the app's back
    # (no revocation mark) is still served from the cookie.
    _, token_c = create_session(user)
    c = _browser(token_c)
    c[DATA_COOKIE] = server.request("GET", "/api/auth/session", cookies=c).cookies[DATA_COOKIE]
    Session.objects.filter(token=storage_key(token_c)).delete()
    served = server.on_each_worker(lambda: server.request("GET", "/api/auth/session", cookies=c))
    assert all(a.body["user"]["email"] == _email(user) for a in served)

    revoke = server.request(
        "POST", "/api/auth/revoke-session", {"token": token_b}, cookies=_browser(token_a)
    )
    assert revoke.body == {"status": True}
    after = server.on_each_worker(lambda: server.request("GET", "/api/auth/session", cookies=b))
    assert [a.body for a in after] == [{"session": None, "user": None}] * WORKERS
    assert {a.pid for a in after} - {revoke.pid}  # other workers than the one that revoked
    assert all(a.cookies.get(DATA_COOKIE) == "" for a in after)  # and the cookie is cleared


# --- refresh under concurrency --------------------------------------------------------------


def _due_for_refresh(token: str) -> Any:
    """Make the session two days old (due: older than the one-day update age)."""
    now = timezone.now()
    Session.objects.filter(token=storage_key(token)).update(
        expires_at=now + timedelta(days=5), updated_at=now - timedelta(days=2)
    )
    return Session.objects.get(token=storage_key(token)).expires_at


def _at_once(count: int, work: Callable[[int], Answer]) -> list[Answer]:
    barrier = threading.Barrier(count)
    answers: list[Any] = [None] * count
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=REQUEST_TIMEOUT)
            answers[i] = work(i)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=2 * REQUEST_TIMEOUT)
    assert not errors, errors
    return answers


def test_twenty_concurrent_requests_due_for_refresh_extend_it_once(server: Server) -> None:
    user = _user()
    _, token = create_session(user)
    old_expiry = _due_for_refresh(token)
    answers = _at_once(
        20, lambda i: server.request("GET", "/api/auth/session", cookies=_browser(token))
    )
    assert [a.status for a in answers] == [200] * 20
    assert all(a.body["user"]["email"] == _email(user) for a in answers)
    assert len({a.pid for a in answers}) > 1  # served by several workers at once
    new_expiry = Session.objects.get(token=storage_key(token)).expires_at
    assert new_expiry > old_expiry + timedelta(days=1)
    # One extension: every answer shows it, and only the one request that wrote it re-set
    # the token cookie.
    assert {a.body["session"]["expires_at"] for a in answers} == {
        new_expiry.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    }
    assert sum(1 for a in answers if a.cookies.get(TOKEN_COOKIE)) == 1


@pytest.mark.parametrize("round_", range(3))
def test_sign_out_racing_refreshes_never_brings_the_session_back(
    server: Server, round_: int
) -> None:
    user = _user()
    _, token = create_session(user)
    _due_for_refresh(token)

    def work(i: int) -> Answer:
        if i == 0:
            return server.request("POST", "/api/auth/sign-out", {}, cookies=_browser(token))
        return server.request("GET", "/api/auth/session", cookies=_browser(token))

    answers = _at_once(8, work)
    assert answers[0].body == {"success": True}
    assert all(a.status == 200 for a in answers)
    assert not Session.objects.filter(token=storage_key(token)).exists()
    # A browser that got a refreshed cookie during the race is signed out too, on every worker.
    late = [a.cookies for a in answers[1:] if a.cookies.get(TOKEN_COOKIE)]
    cookies = {TOKEN_COOKIE: late[0][TOKEN_COOKIE]} if late else _browser(token)
    if late and late[0].get(DATA_COOKIE):
        cookies[DATA_COOKIE] = late[0][DATA_COOKIE]
    after = server.on_each_worker(
        lambda: server.request("GET", "/api/auth/session", cookies=cookies)
    )
    assert [a.body for a in after] == [{"session": None, "user": None}] * WORKERS


def test_every_worker_is_a_separate_process(server: Server) -> None:
    """What the tests above rely on: three workers, each its own process."""
    pids = server.worker_pids()
    assert len(pids) >= WORKERS
    served = server.on_each_worker(lambda: server.request("GET", "/bench/ok"))
    assert {a.pid for a in served} <= pids
    assert server.process.pid not in {a.pid for a in served}
