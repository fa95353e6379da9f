"""A single-page app on another origin than the API, in a real browser (Playwright driving
Debian's Chromium): the React app in tests/e2e/spa/app.jsx, written with Better Auth's React
client (``useSession``, ``signIn.email``, ``signOut``), bundled here with esbuild and served as
static files; the Django API runs under uvicorn with django-cors-headers allowing the app's
origin with credentials. Sign in, profile, reload, sign out, the protected page redirecting:

- same-site: the app on another port of 127.0.0.1, the default cookie settings (``SameSite=Lax``);
- cross-site: the app on ``localhost``, the API on ``127.0.0.1`` (two sites), over TLS with a
  throwaway certificate, ``AUTHSESSION_COOKIE_SAMESITE = "None"`` and Secure cookies.

docs/tutorial/spa-on-another-origin.md states what these tests show. Skipped without the
``chromium`` executable or npm (``npm ci`` in tests/e2e is run here when needed)."""

from __future__ import annotations

import json
import shutil
import ssl
import subprocess
import threading
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from tests.e2e.conftest import uvicorn_server

sync_api = pytest.importorskip("playwright.sync_api", reason="needs playwright (the e2e extra)")

pytestmark = [
    pytest.mark.skipif(shutil.which("chromium") is None, reason="needs Debian's chromium"),
    pytest.mark.skipif(shutil.which("npm") is None, reason="needs npm (Node.js)"),
]

HERE = Path(__file__).parent
SCREENSHOTS = HERE / "screenshots"
EMAIL = "spa-user@example.com"
NAME = "Spa User"
PASSWORD = "single-page-app-42"
INDEX_HTML = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="auth-api" content="{api}">
  <title>SPA on another origin</title>
</head>
<body><div id="root"></div><script src="/app.js"></script></body>
</html>
"""


@pytest.fixture(scope="module")
def spa_bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """app.jsx and its dependencies (React, Better Auth's client) in one script, by esbuild."""
    if not all((HERE / "node_modules" / name).is_dir() for name in ("better-auth", "esbuild")):
        subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund", "--silent"], cwd=HERE, check=True, timeout=300
        )
    bundle = tmp_path_factory.mktemp("spa-build") / "app.js"
    subprocess.run(
        [
            str(HERE / "node_modules" / ".bin" / "esbuild"),
            str(HERE / "spa" / "app.jsx"),
            "--bundle",
            "--jsx=automatic",
            "--define:process.env.NODE_ENV='production'",
            "--log-level=warning",
            f"--outfile={bundle}",
        ],
        cwd=HERE,
        check=True,
        timeout=120,
    )
    return bundle


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A throwaway self-signed certificate for localhost and 127.0.0.1: (key, certificate)."""
    if shutil.which("openssl") is None:
        pytest.skip("needs the openssl command to make a certificate")
    folder = tmp_path_factory.mktemp("tls")
    key, cert = folder / "key.pem", folder / "cert.pem"
    command = "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost"
    subprocess.run(
        [
            *command.split(),
            *("-keyout", str(key), "-out", str(cert)),
            *("-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return key, cert


class _SpaHandler(SimpleHTTPRequestHandler):
    """Static files; any other path is the app's index.html (client-side routes)."""

    def send_head(self) -> Any:
        if not (Path(self.directory) / self.path.split("?")[0].lstrip("/")).is_file():
            self.path = "/index.html"
        return super().send_head()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def static_server(
    root: Path, host: str, tls: tuple[Path, Path] | None = None
) -> Iterator[tuple[str, Callable[[str], None]]]:
    """Serves ``root`` on a free port of 127.0.0.1; yields the app's origin (named by ``host``)
    and a function writing its index.html for an API base URL (known only after this starts)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_SpaHandler, directory=str(root)))
    if tls:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(certfile=tls[1], keyfile=tls[0])
        server.socket = context.wrap_socket(server.socket, server_side=True)
    origin = f"{'https' if tls else 'http'}://{host}:{server.server_address[1]}"

    def write_index(api: str) -> None:
        (root / "index.html").write_text(INDEX_HTML.format(api=api), encoding="utf-8")

    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield origin, write_index
    finally:
        server.shutdown()
        server.server_close()


def sign_up(api: str, tls: bool) -> None:
    """The test's user, created through the API (as the app's own sign-up form would)."""
    request = urllib.request.Request(
        f"{api}/sign-up/email",
        data=json.dumps({"name": NAME, "email": EMAIL, "password": PASSWORD}).encode(),
        headers={"Content-Type": "application/json", "Origin": api.split("/api/")[0]},
    )
    context = ssl._create_unverified_context() if tls else None
    with urllib.request.urlopen(request, timeout=30, context=context) as response:
        assert response.status == 200


@contextmanager
def spa_and_api(
    tmp_path: Path,
    bundle: Path,
    spa_host: str,
    cookie_settings: dict[str, Any],
    tls: tuple[Path, Path] | None = None,
) -> Iterator[tuple[str, str]]:
    """The app's origin and the API's base URL, the app served from ``spa_host``."""
    root = tmp_path / "spa"
    root.mkdir()
    shutil.copy(bundle, root / "app.js")
    with static_server(root, spa_host, tls) as (spa, write_index):
        env = {
            "AUTHSESSION_E2E_SPA_ORIGIN": spa,
            "AUTHSESSION_E2E_SPA_SETTINGS": json.dumps(cookie_settings),
        }
        with uvicorn_server(tmp_path / "db.sqlite3", "tests.e2e.spa_settings", env, tls) as server:
            api = f"{server}/api/auth"
            write_index(api)
            sign_up(api, tls is not None)
            yield spa, api


@pytest.fixture
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as playwright:
        # The cross-site scenario's certificate is the test's own, signed by no authority.
        browser = playwright.chromium.launch(
            executable_path=shutil.which("chromium"), args=["--ignore-certificate-errors"]
        )
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def screenshot_on_failure(page: Any, name: str) -> Iterator[None]:
    try:
        yield
    except BaseException:
        SCREENSHOTS.mkdir(exist_ok=True)
        if not page.is_closed():
            page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
        raise


def session_reads(page: Any, api: str, times: int) -> list[tuple[int, Any]]:
    """(status, body) of ``times`` session reads made by the app's page, with its cookies."""
    result: list[tuple[int, Any]] = page.evaluate(
        """async ([url, times]) => {
            const answers = [];
            for (let i = 0; i < times; i++) {
                const response = await fetch(url, { credentials: "include" });
                answers.push([response.status, await response.json()]);
            }
            return answers;
        }""",
        [f"{api}/get-session", times],
    )
    return result


def session_cookie(context: Any, api: str) -> dict[str, Any] | None:
    found = [c for c in context.cookies(api) if c["name"].endswith(".session_token")]
    return found[0] if found else None


def sign_in_to_sign_out(browser: Any, spa: str, api: str, name: str) -> dict[str, Any]:
    """The scenario both tests run; returns the session cookie the browser held."""
    context = browser.new_context(viewport={"width": 1100, "height": 800})
    page = context.new_page()
    page.set_default_timeout(15_000)
    expect = sync_api.expect
    with screenshot_on_failure(page, name):
        # Signed out, the protected page sends the visitor to the login form.
        page.goto(f"{spa}/protected")
        page.wait_for_url(f"{spa}/login?next={quote('/protected', safe='')}")

        page.fill("#email", EMAIL)
        page.fill("#password", "not-the-password")
        page.click("#login-form button[type=submit]")
        expect(page.locator("#login-error")).to_have_text("Invalid email or password")

        page.fill("#password", PASSWORD)
        page.click("#login-form button[type=submit]")
        expect(page.locator("#protected-greeting")).to_contain_text(EMAIL)
        # Straight to the page asked for: no bounce through the login form (the refetch).
        assert page.evaluate("window.__routes") == [
            "/protected",
            f"/login?next={quote('/protected', safe='')}",
            "/protected",
        ]
        cookie = session_cookie(context, api)
        assert cookie is not None, "the browser kept no session cookie"

        page.get_by_role("link", name="Profile").click()
        expect(page.locator("#profile-email")).to_have_text(EMAIL)
        expect(page.locator("#profile-name")).to_have_text(NAME)

        # A reload starts the app afresh: the cookie alone keeps the user signed in.
        page.reload()
        expect(page.locator("#profile-email")).to_have_text(EMAIL)
        assert page.url == f"{spa}/profile"

        # useSession refetches on every focus: reads by a valid session are not rate limited.
        reads = session_reads(page, api, 15)
        assert [status for status, _ in reads] == [200] * 15
        assert all(body["user"]["email"] == EMAIL for _, body in reads)

        page.click("#sign-out")
        page.wait_for_url(f"{spa}/login")
        assert session_cookie(context, api) is None
        page.goto(f"{spa}/profile")
        page.wait_for_url(f"{spa}/login?next={quote('/profile', safe='')}")
        page.goto(f"{spa}/protected")
        page.wait_for_url(f"{spa}/login?next={quote('/protected', safe='')}")

        # Reads without a session are counted per address (10 a minute): polling while signed
        # out runs into 429, which the app's origin can read (CORS headers on errors too).
        reads = session_reads(page, api, 10)
        statuses = [status for status, _ in reads]
        assert statuses[0] == 200 and reads[0][1] is None
        assert 429 in statuses, statuses
        assert reads[statuses.index(429)][1]["code"] == "TOO_MANY_REQUESTS"
    context.close()
    return cookie


def test_spa_on_another_port_same_site_default_cookies(
    browser: Any, spa_bundle: Path, tmp_path: Path
) -> None:
    with spa_and_api(tmp_path, spa_bundle, "127.0.0.1", {}) as (spa, api):
        assert spa.split(":")[:2] == api.split(":")[:2] and spa != api.split("/api/")[0]
        cookie = sign_in_to_sign_out(browser, spa, api, "spa-same-site")
    assert cookie["sameSite"] == "Lax"
    assert cookie["httpOnly"] and not cookie["secure"]
    assert cookie["name"] == "better-auth.session_token"
