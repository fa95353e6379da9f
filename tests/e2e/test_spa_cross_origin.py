"""A single-page app on another origin than the API, in a real browser (Playwright driving
Debian's Chromium): the React app in tests/e2e/spa/app.jsx, written with Better Auth's React
client (``useSession``, ``signIn.email``, ``signOut``), bundled here with esbuild and served as
static files; the Django API runs under uvicorn with django-cors-headers allowing the app's
origin with credentials. Sign in, profile, reload, sign out, the protected page redirecting:

- same-site: the app on another port of 127.0.0.1, the default cookie settings (``SameSite=Lax``);
- another subdomain of the same site (app.example.test, api.example.test), with
  ``AUTHSESSION_CROSS_SUBDOMAIN_COOKIE_DOMAIN``;
- cross-site: the app on ``localhost``, the API on ``127.0.0.1`` (two sites), over TLS with a
  throwaway certificate, ``AUTHSESSION_COOKIE_SAMESITE = "None"``, Secure cookies and
  ``AUTHSESSION_COOKIE_PARTITIONED``; without Partitioned, Chromium keeps no cookie.

docs/tutorial/spa-on-another-origin.md states what these tests show. Skipped without the
``chromium`` executable or npm (``npm ci`` in tests/e2e is run here when needed)."""

from __future__ import annotations

import ipaddress
import json
import shutil
import ssl
import subprocess
import threading
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
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
VIEWPORT = {"width": 1100, "height": 800}
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


SPA_SOURCE = HERE / "spa" / "app.jsx"
NPM_PACKAGES = ("better-auth", "esbuild", "react", "react-dom")


def build_spa(source: str, bundle: Path) -> Path:
    """``source`` (app.jsx, or a variant of it) and its dependencies (React, Better Auth's
    client) in one script, by esbuild from npm."""
    if not all((HERE / "node_modules" / name).is_dir() for name in NPM_PACKAGES):
        subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund", "--silent"], cwd=HERE, check=True, timeout=300
        )
    subprocess.run(
        [
            str(HERE / "node_modules" / ".bin" / "esbuild"),
            "--bundle",
            "--loader=jsx",
            "--jsx=automatic",
            "--define:process.env.NODE_ENV='production'",
            "--log-level=warning",
            f"--outfile={bundle}",
        ],
        input=source,
        text=True,
        cwd=SPA_SOURCE.parent,  # imports resolve from here, as from app.jsx
        check=True,
        timeout=120,
    )
    return bundle


@pytest.fixture(scope="module")
def spa_bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The app, built once for the module's tests."""
    source = SPA_SOURCE.read_text(encoding="utf-8")
    return build_spa(source, tmp_path_factory.mktemp("spa-build") / "app.js")


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A throwaway self-signed certificate for localhost and 127.0.0.1: (key, certificate)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.now(timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    key_file, cert_file = folder / "key.pem", folder / "cert.pem"
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return key_file, cert_file


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
    settings: dict[str, Any],
    tls: tuple[Path, Path] | None = None,
    api_host: str = "127.0.0.1",
) -> Iterator[tuple[str, str]]:
    """The app's origin and the API's base URL, the app served from ``spa_host``, the API
    reached by the browser at ``api_host``, with ``settings`` added to the API's."""
    root = tmp_path / "spa"
    root.mkdir()
    shutil.copy(bundle, root / "app.js")
    with static_server(root, spa_host, tls) as (spa, write_index):
        env = {
            "AUTHSESSION_E2E_SPA_ORIGIN": spa,
            "AUTHSESSION_E2E_SPA_SETTINGS": json.dumps(settings),
        }
        with uvicorn_server(tmp_path / "db.sqlite3", "tests.e2e.spa_settings", env, tls) as server:
            sign_up(f"{server}/api/auth", tls is not None)
            api = f"{server.replace('127.0.0.1', api_host)}/api/auth"
            write_index(api)
            yield spa, api


CHROMIUM_ARGS = [
    "--ignore-certificate-errors",  # the cross-site tests' certificate is the test's own
    # app.example.test and api.example.test: two hosts of one site, on this machine.
    "--host-resolver-rules=MAP *.example.test 127.0.0.1",
]


@pytest.fixture
def playwright() -> Iterator[Any]:
    with sync_api.sync_playwright() as playwright:
        yield playwright


@contextmanager
def browser_context(playwright: Any, tmp_path: Path, profile: bool = False) -> Iterator[Any]:
    """A private browsing context (Playwright's default, like an incognito window), or with
    ``profile`` a browser on a profile directory of its own, like an ordinary window."""
    executable = shutil.which("chromium")
    if profile:
        context = playwright.chromium.launch_persistent_context(
            tmp_path / "profile", executable_path=executable, args=CHROMIUM_ARGS, viewport=VIEWPORT
        )
        try:
            yield context
        finally:
            context.close()
        return
    browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
    try:
        yield browser.new_context(viewport=VIEWPORT)
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


def sign_in_to_sign_out(
    context: Any, spa: str, api: str, name: str
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The scenario the tests run; returns the cookies the browser held once signed in: all of
    them, and those it would send to the app's own host."""
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
        page.wait_for_load_state("networkidle")  # a late bounce would show in the routes
        cookies, at_app = context.cookies(), context.cookies(spa)
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
        page.wait_for_url(f"{spa}/login?next={quote('/profile', safe='')}")
        page.wait_for_load_state("networkidle")  # the client's own refetch
        # Straight to the login form, and it stays there.
        assert page.evaluate("window.__routes") == [
            "/profile",
            f"/login?next={quote('/profile', safe='')}",
        ]
        # Deleted with the attributes they were set with: none is left, on any domain.
        assert not [c for c in context.cookies() if ".session_" in c["name"]]
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
    return cookies, at_app


def session_token_cookie(cookies: list[dict[str, Any]]) -> dict[str, Any]:
    (cookie,) = [c for c in cookies if c["name"].endswith(".session_token")]
    return cookie


def test_spa_on_another_port_same_site_default_cookies(
    playwright: Any, spa_bundle: Path, tmp_path: Path
) -> None:
    with (
        spa_and_api(tmp_path, spa_bundle, "127.0.0.1", {}) as (spa, api),
        browser_context(playwright, tmp_path) as context,
    ):
        assert spa.split(":")[:2] == api.split(":")[:2] and spa != api.split("/api/")[0]
        cookies, _ = sign_in_to_sign_out(context, spa, api, "spa-same-site")
    cookie = session_token_cookie(cookies)
    assert cookie["name"] == "better-auth.session_token"
    assert cookie["sameSite"] == "Lax" and cookie["httpOnly"] and not cookie["secure"]
    assert cookie["domain"] == "127.0.0.1"  # host-only


@pytest.mark.parametrize("domain", [None, "example.test"], ids=["host-only", "shared"])
def test_spa_on_another_subdomain(
    playwright: Any, spa_bundle: Path, tmp_path: Path, domain: str | None
) -> None:
    settings = {
        "ALLOWED_HOSTS": ["127.0.0.1", "api.example.test"],
        "AUTHSESSION_CROSS_SUBDOMAIN_COOKIE_DOMAIN": domain,
    }
    with (
        spa_and_api(
            tmp_path, spa_bundle, "app.example.test", settings, api_host="api.example.test"
        ) as (spa, api),
        browser_context(playwright, tmp_path) as context,
    ):
        assert spa.startswith("http://app.example.test:") and "//api.example.test:" in api
        cookies, at_app = sign_in_to_sign_out(context, spa, api, f"spa-subdomain-{domain}")
    cookie = session_token_cookie(cookies)
    assert cookie["sameSite"] == "Lax" and not cookie["secure"]
    if domain:  # Domain=example.test: sent to app.example.test (so its own server) too
        assert cookie["domain"] == ".example.test"
        assert session_token_cookie(at_app) == cookie
    else:  # the defaults already work between subdomains: the cookie stays on the API's host
        assert cookie["domain"] == "api.example.test"
        assert not [c for c in at_app if ".session_" in c["name"]]


CROSS_SITE = {"AUTHSESSION_COOKIE_SAMESITE": "None", "AUTHSESSION_USE_SECURE_COOKIES": True}


@pytest.mark.parametrize("profile", [False, True], ids=["private-window", "profile"])
def test_spa_on_another_site_over_tls_with_partitioned_samesite_none(
    playwright: Any,
    spa_bundle: Path,
    certificate: tuple[Path, Path],
    tmp_path: Path,
    profile: bool,
) -> None:
    settings = {**CROSS_SITE, "AUTHSESSION_COOKIE_PARTITIONED": True}
    with (
        spa_and_api(tmp_path, spa_bundle, "localhost", settings, certificate) as (spa, api),
        browser_context(playwright, tmp_path, profile=profile) as context,
    ):
        assert spa.startswith("https://localhost:") and api.startswith("https://127.0.0.1:")
        cookies, _ = sign_in_to_sign_out(context, spa, api, f"spa-cross-site-{profile}")
    cookie = session_token_cookie(cookies)
    assert cookie["name"] == "__Secure-better-auth.session_token"
    assert cookie["sameSite"] == "None" and cookie["secure"] and cookie["httpOnly"]
    assert cookie["partitionKey"] == "https://localhost"  # kept per top-level site: the app's


@pytest.mark.parametrize("profile", [False, True], ids=["private-window", "profile"])
def test_cross_site_cookie_without_partitioned_is_refused(
    playwright: Any,
    spa_bundle: Path,
    certificate: tuple[Path, Path],
    tmp_path: Path,
    profile: bool,
) -> None:
    """SameSite=None and Secure without Partitioned: sign-in answers 200, yet Chromium keeps
    no cookie (it blocks third-party cookies that are not partitioned), so the app stays
    signed out."""
    with (
        spa_and_api(tmp_path, spa_bundle, "localhost", CROSS_SITE, certificate) as (spa, api),
        browser_context(playwright, tmp_path, profile=profile) as context,
    ):
        page = context.new_page()
        page.goto(f"{spa}/login")
        page.fill("#email", EMAIL)
        page.fill("#password", PASSWORD)
        with page.expect_response(f"{api}/sign-in/email") as answer:
            page.click("#login-form button[type=submit]")
        assert answer.value.status == 200
        page.wait_for_timeout(500)
        sync_api.expect(page.locator("#login-form")).to_be_visible()
        assert page.url.startswith(f"{spa}/login")
        assert not [c for c in context.cookies() if ".session_" in c["name"]]


def test_without_the_refetch_after_sign_in_the_app_bounces_through_the_login_page(
    playwright: Any, tmp_path: Path
) -> None:
    """Why app.jsx awaits ``refetch()`` after ``signIn.email``: the same app without it (the
    call as the client's examples write it) renders the protected page with the old
    signed-out value of ``useSession``, which sends it back to the login form until the
    client's own refetch lands."""
    source = SPA_SOURCE.read_text(encoding="utf-8")
    naive = source
    for line, instead in (("    await refetch();\n", ""), ("{ disableSignal: true }", "{}")):
        assert source.count(line) == 1
        naive = naive.replace(line, instead)
    bundle = build_spa(naive, tmp_path / "app.js")
    with (
        spa_and_api(tmp_path, bundle, "127.0.0.1", {}) as (spa, _api),
        browser_context(playwright, tmp_path) as context,
    ):
        page = context.new_page()
        page.goto(f"{spa}/protected")
        page.wait_for_url(f"{spa}/login?next=%2Fprotected")
        page.fill("#email", EMAIL)
        page.fill("#password", PASSWORD)
        page.click("#login-form button[type=submit]")
        sync_api.expect(page.locator("#protected-greeting")).to_contain_text(EMAIL)
        page.wait_for_load_state("networkidle")
        assert page.evaluate("window.__routes") == [
            "/protected",
            "/login?next=%2Fprotected",
            "/protected",
            "/login?next=%2Fprotected",  # the protected page saw "signed out"
            "/protected",
        ]
