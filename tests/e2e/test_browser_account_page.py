"""The example project's pages in a real browser (Playwright driving Debian's Chromium): sign in,
the account page, a second browser revoked from the first, sign-out; and sign-up from the login
page. Skipped without the `chromium` executable or the `playwright` package (`.ci/run` installs
both). On failure a screenshot of every open page is saved in tests/e2e/screenshots/."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest

from tests.factories import DEFAULT_PASSWORD, UserFactory

sync_api = pytest.importorskip("playwright.sync_api", reason="needs playwright (the e2e extra)")

pytestmark = [
    pytest.mark.skipif(shutil.which("chromium") is None, reason="needs Debian's chromium"),
    pytest.mark.urls("example_project.urls"),
]

SCREENSHOTS = Path(__file__).parent / "screenshots"
MAC_CHROME = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36"
)
WINDOWS_FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0"
# The smallest valid PNG (1x1), served in place of a reachable avatar.
PNG_1X1 = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


@pytest.fixture
def launch_browser() -> Iterator[Callable[[], Any]]:
    """Starts Chromium when called. Playwright's sync API runs an event loop in this thread, in
    which Django refuses ORM calls: a test prepares its data first, then calls this."""
    with ExitStack() as stack:

        def launch() -> Any:
            playwright = stack.enter_context(sync_api.sync_playwright())
            browser = playwright.chromium.launch(executable_path=shutil.which("chromium"))
            stack.callback(browser.close)
            return browser

        yield launch


@contextmanager
def screenshots_on_failure(name: str, pages: list[Any]) -> Iterator[None]:
    try:
        yield
    except BaseException:
        SCREENSHOTS.mkdir(exist_ok=True)
        for number, page in enumerate(pages, start=1):
            if not page.is_closed():
                page.screenshot(path=str(SCREENSHOTS / f"{name}-{number}.png"), full_page=True)
        raise


def new_page(browser: Any, user_agent: str, avatar: Callable[[Any], None]) -> Any:
    context = browser.new_context(user_agent=user_agent, viewport={"width": 1100, "height": 800})
    context.route(re.compile(r"^https?://(?!localhost|127\.0\.0\.1)"), avatar)
    page = context.new_page()
    page.set_default_timeout(15_000)
    return page


def avatar_loads(route: Any) -> None:
    route.fulfill(status=200, content_type="image/png", body=PNG_1X1)


def avatar_fails(route: Any) -> None:
    route.abort()


def sign_in(page: Any, base: str, email: str) -> str:
    """Sign in through the login form; returns the raw session token the browser now holds."""
    page.goto(f"{base}/")
    page.fill("#email", email)
    page.fill("#password", DEFAULT_PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_url(f"{base}/profile")
    cookies = page.context.cookies()
    (value,) = [c["value"] for c in cookies if c["name"].endswith(".session_token")]
    return unquote(value).rpartition(".")[0]  # "<token>.<signature>", URL-encoded


def devices(page: Any) -> list[tuple[str, bool]]:
    """(text of the device line, marked as this device) for each listed device."""
    rows = page.locator("#devices > li")
    listed = [rows.nth(i) for i in range(rows.count())]
    return [
        (row.locator(".what").inner_text(), row.get_attribute("data-current") == "true")
        for row in listed
    ]


def test_account_page_devices_revocation_and_sign_out(
    launch_browser: Callable[[], Any], live_server, settings
) -> None:
    settings.AUTHSESSION_USE_SECURE_COOKIES = False  # plain http on localhost
    user: Any = UserFactory()
    email = user.email
    name = getattr(user, "name", None) or user.get_full_name() or user.get_username()
    has_avatar = bool(getattr(user, "avatar", None))
    base = live_server.url
    browser = launch_browser()

    first = new_page(browser, MAC_CHROME, avatar_loads)
    second = new_page(browser, WINDOWS_FIREFOX, avatar_fails)
    with screenshots_on_failure("account-page", [first, second]):
        token = sign_in(first, base, email)
        sync_api.expect(first.locator("#profile-email")).to_have_text(email)
        sync_api.expect(first.locator("#profile-name")).to_have_text(name)
        sync_api.expect(first.locator("#staff-hint")).to_have_count(0)  # not staff
        favicon = first.request.get(base + first.get_attribute("link[rel=icon]", "href"))
        assert favicon.ok and favicon.headers["content-type"] == "image/svg+xml"
        if has_avatar:  # the image loaded: it covers the initials
            sync_api.expect(first.locator("#avatar")).to_be_visible()
            assert first.eval_on_selector("#avatar", "img => img.naturalWidth") == 1
        assert devices(first) == [("Chrome on macOSThis device", True)]
        assert token not in first.content()

        first.reload()
        assert first.url == f"{base}/profile"
        assert devices(first) == [("Chrome on macOSThis device", True)]

        second_token = sign_in(second, base, email)
        assert second_token != token
        if has_avatar:  # the image failed: the initials show instead
            sync_api.expect(second.locator("#avatar")).to_have_count(0)
            sync_api.expect(second.locator("#avatar-initials")).to_be_visible()
        assert devices(second) == [
            ("Firefox on WindowsThis device", True),
            ("Chrome on macOS", False),
        ]

        first.reload()
        assert devices(first) == [
            ("Chrome on macOSThis device", True),
            ("Firefox on Windows", False),
        ]
        assert token not in first.content() and second_token not in first.content()
        other = first.locator("#devices > li", has_text="Firefox on Windows")
        with first.expect_navigation():
            other.get_by_role("button", name="Revoke").click()
        assert devices(first) == [("Chrome on macOSThis device", True)]

        second.reload()
        second.wait_for_url(f"{base}/")
        sync_api.expect(second.locator("h1")).to_have_text("Sign in")

        first.get_by_role("button", name="Sign out").click()
        first.wait_for_url(f"{base}/")
        sync_api.expect(first.locator("h1")).to_have_text("Sign in")
        first.goto(f"{base}/profile")
        first.wait_for_url(f"{base}/")


def test_sign_up_from_the_login_page(
    launch_browser: Callable[[], Any], live_server, settings
) -> None:
    settings.AUTHSESSION_USE_SECURE_COOKIES = False
    base = live_server.url
    browser = launch_browser()
    page = new_page(browser, MAC_CHROME, avatar_fails)
    with screenshots_on_failure("sign-up", [page]):
        page.goto(f"{base}/")
        page.get_by_role("link", name="Create an account").click()
        page.wait_for_url(f"{base}/signup")
        page.fill("#name", "Ada Lovelace")
        page.fill("#email", "Ada@Example.com")
        page.fill("#password", "analytical-engine-1843")
        page.click("#signup-form button[type=submit]")
        page.wait_for_url(f"{base}/profile")
        sync_api.expect(page.locator("#profile-email")).to_have_text(
            re.compile("ada@example.com", re.IGNORECASE)
        )
        sync_api.expect(page.locator("#profile-name")).to_have_text("Ada Lovelace")
        sync_api.expect(page.locator("#avatar-initials")).to_have_text("AL")
        assert devices(page) == [("Chrome on macOSThis device", True)]

        # The same address again: a clear error on the form, no page change.
        other = new_page(browser, WINDOWS_FIREFOX, avatar_fails)
        other.goto(f"{base}/signup")
        other.fill("#name", "Someone Else")
        other.fill("#email", "ada@example.com")
        other.fill("#password", "another-long-password-1")
        other.click("#signup-form button[type=submit]")
        sync_api.expect(other.locator("#email-error")).to_have_text(
            "An account with this email already exists. Sign in instead, or use another email."
        )
        sync_api.expect(other.locator("#email")).to_have_attribute("aria-invalid", "true")
        sync_api.expect(other.locator("#error")).to_be_hidden()
        assert "USER_ALREADY_EXISTS" not in other.locator("body").inner_text()
        assert other.url == f"{base}/signup"


def test_errors_are_sentences_under_their_field_and_the_staff_hint_is_for_staff(
    launch_browser: Callable[[], Any], live_server, settings
) -> None:
    settings.AUTHSESSION_USE_SECURE_COOKIES = False
    settings.AUTH_PASSWORD_VALIDATORS = [
        {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"}
    ]
    staff: Any = UserFactory(is_staff=True)
    email = staff.email
    base = live_server.url
    browser = launch_browser()
    page = new_page(browser, MAC_CHROME, avatar_fails)
    with screenshots_on_failure("errors", [page]):
        # A wrong password: a sentence under the password field, no code.
        page.goto(f"{base}/")
        page.fill("#email", email)
        page.fill("#password", "not-the-password")
        page.click("#login-form button[type=submit]")
        sync_api.expect(page.locator("#password-error")).to_have_text(
            "That email and password do not match an account. Check both and try again."
        )
        sync_api.expect(page.locator("#password")).to_have_attribute("aria-invalid", "true")
        sync_api.expect(page.locator("#error")).to_be_hidden()
        assert "INVALID_EMAIL_OR_PASSWORD" not in page.locator("body").inner_text()

        # The right one: the error goes, the staff member is told about the admin.
        page.fill("#password", DEFAULT_PASSWORD)
        page.click("#login-form button[type=submit]")
        page.wait_for_url(f"{base}/profile")
        sync_api.expect(page.locator("#staff-hint")).to_contain_text("You are staff")
        sync_api.expect(page.locator("#staff-hint a")).to_have_attribute("href", "/admin/")
        page.get_by_role("button", name="Sign out").click()
        page.wait_for_url(f"{base}/")

        # A password validator's own sentence, under the password field.
        page.goto(f"{base}/signup")
        page.fill("#name", "Common Password")
        page.fill("#email", "common@example.com")
        page.fill("#password", "password123")
        page.click("#signup-form button[type=submit]")
        sync_api.expect(page.locator("#password-error")).to_have_text(
            "This password is too common."
        )
        sync_api.expect(page.locator("#name-error")).to_be_hidden()
        sync_api.expect(page.locator("#error")).to_be_hidden()
        body = page.locator("body").inner_text()
        assert "VALIDATION_ERROR" not in body and "password:" not in body

        # Another field's error: under that field; the password error is gone.
        page.fill("#email", "not-an-address")
        page.fill("#password", "a-far-less-common-password-1")
        page.click("#signup-form button[type=submit]")
        sync_api.expect(page.locator("#email-error")).to_have_text("Enter a valid email address.")
        sync_api.expect(page.locator("#password-error")).to_be_hidden()
        assert page.url == f"{base}/signup"


def test_account_page_shows_place_last_activity_and_recent_activity(
    launch_browser: Callable[[], Any], live_server, settings, tmp_path
) -> None:
    """Watched sessions on the account page: each device with its place and when it was last
    active, the account's recent security activity, and its known devices with "Forget"."""
    pytest.importorskip("mmdb_writer", reason="needs mmdb-writer (the test extra)")
    from datetime import timedelta

    from django.utils import timezone

    from django_authsession.models import Session
    from tests.helpers import geoip_record, write_geoip_database

    settings.AUTHSESSION_USE_SECURE_COOKIES = False
    settings.AUTHSESSION_NOTIFY_NEW_DEVICE = True  # to Django's test outbox
    # The browsers connect from 127.0.0.1, which this database places in Berlin.
    settings.AUTHSESSION_GEOIP_PATH = str(
        write_geoip_database(
            tmp_path / "GeoLite2-City.mmdb",
            {"127.0.0.0/8": geoip_record("DE", "Germany", "Berlin")},
        )
    )
    user: Any = UserFactory()
    base = live_server.url
    browser = launch_browser()
    mac = new_page(browser, MAC_CHROME, avatar_fails)
    windows = new_page(browser, WINDOWS_FIREFOX, avatar_fails)
    with screenshots_on_failure("watched-sessions", [mac, windows]):
        sign_in(mac, base, user.email)
        sign_in(windows, base, user.email)
        assert devices(windows) == [
            ("Firefox on Windows · Berlin, GermanyThis device", True),
            ("Chrome on macOS · Berlin, Germany", False),
        ]
        meta = windows.locator("#devices > li").first.locator(".meta")
        sync_api.expect(meta).to_contain_text("last active just now")

        # The Mac session was last active two hours ago (as if its browser slept since).
        _set_last_active(Session, "Macintosh", timezone.now() - timedelta(hours=2))
        windows.reload()
        other = windows.locator("#devices > li", has_text="Chrome on macOS")
        sync_api.expect(other.locator(".meta")).to_contain_text("last active 2\xa0hours ago")

        activity = windows.locator("#activity > li .what")
        sync_api.expect(activity.first).to_have_text("New device")
        texts = activity.all_inner_texts()
        assert texts.count("Signed in with email and password") == 2
        assert "New device" in texts

        known = windows.locator("#known-devices > li")
        sync_api.expect(known).to_have_count(2)
        forget = windows.locator("#known-devices > li", has_text="Chrome on macOS")
        with windows.expect_navigation():
            forget.get_by_role("button", name="Forget").click()
        sync_api.expect(windows.locator("#known-devices > li")).to_have_count(1)


def _set_last_active(model: Any, agent_part: str, moment: Any) -> None:
    """Move one session's last activity (the test's stand-in for time passing); runs the ORM
    in a thread of its own, outside Playwright's event loop."""
    import threading

    def work() -> None:
        from django.db import connection

        model.objects.filter(user_agent__contains=agent_part).update(last_active_at=moment)
        connection.close()

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
