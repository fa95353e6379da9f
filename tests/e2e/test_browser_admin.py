"""The admin's session list in a real browser (Playwright driving Debian's Chromium) at 1280x800
with the navigation sidebar open: the results table fits the viewport, and its Status column
and each user's email address are shown whole. Measured from the laid-out page, not by eye. On
failure a screenshot is saved in tests/e2e/screenshots/."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest

from django_authsession.models import Session
from tests.factories import DEFAULT_PASSWORD, UserFactory, create_session

sync_api = pytest.importorskip("playwright.sync_api", reason="needs playwright (the e2e extra)")

pytestmark = [
    pytest.mark.skipif(shutil.which("chromium") is None, reason="needs Debian's chromium"),
    pytest.mark.urls("example_project.urls"),
]

SCREENSHOTS = Path(__file__).parent / "screenshots"
VIEWPORT = {"width": 1280, "height": 800}
# Real-world lengths: a long personal address and a long company one.
EMAILS = ("margaret.hamilton@example.com", "grace.hopper@navy-research-lab.org")
USER_AGENTS = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
)
ADDRESSES = ("203.0.113.254", "2001:db8:85a3:8d3:1319:8a2e:370:7348")


@pytest.fixture
def launch_chromium() -> Iterator[Callable[[], Any]]:
    """Starts Chromium when called: Playwright's event loop in this thread would stop the ORM
    calls that prepare the data, so those come first."""
    with ExitStack() as stack:

        def launch() -> Any:
            playwright = stack.enter_context(sync_api.sync_playwright())
            browser = playwright.chromium.launch(executable_path=shutil.which("chromium"))
            stack.callback(browser.close)
            return browser

        yield launch


def sessions_of_long_addresses() -> list[str]:
    """Sessions from an IPv4 and an IPv6 address for users with long email addresses."""
    emails = []
    for email in EMAILS:
        user: Any = UserFactory(email=email)
        emails.append(getattr(user, user.get_email_field_name()))
        for user_agent, address in zip(USER_AGENTS, ADDRESSES, strict=True):
            session, _ = create_session(user)
            Session.objects.filter(pk=session.pk).update(user_agent=user_agent, ip_address=address)
    return emails


@pytest.mark.django_db(transaction=True)
def test_session_list_fits_1280_px_with_the_sidebar_open(
    launch_chromium: Callable[[], Any], live_server: Any
) -> None:
    admin_user: Any = UserFactory(is_staff=True, is_superuser=True)
    login = admin_user.get_username()
    emails = sessions_of_long_addresses()
    base = live_server.url

    page = launch_chromium().new_context(viewport=VIEWPORT).new_page()
    page.set_default_timeout(15_000)
    try:
        page.goto(f"{base}/admin/login/?next=/admin/django_authsession/session/")
        page.fill("#id_username", login)
        page.fill("#id_password", DEFAULT_PASSWORD)
        page.click("input[type=submit]")
        page.wait_for_url(f"{base}/admin/django_authsession/session/")
        sync_api.expect(page.locator("#nav-sidebar")).to_be_visible()
        sync_api.expect(page.locator("#changelist-filter")).to_be_visible()

        table = page.locator("#result_list").bounding_box()
        assert table is not None
        assert table["x"] + table["width"] <= VIEWPORT["width"], table
        assert page.evaluate("document.documentElement.scrollWidth") <= VIEWPORT["width"]

        status = page.locator("#result_list thead th.column-status")
        sync_api.expect(status).to_be_visible()
        box = status.bounding_box()
        assert box is not None and box["x"] + box["width"] <= VIEWPORT["width"], box
        for cell in page.locator("#result_list td.field-status").all():
            sync_api.expect(cell).to_have_text("Active")
            assert cell.evaluate("td => td.scrollWidth <= td.clientWidth")

        cells = page.locator("#result_list .field-user_email")
        # (The admin's own login is a session too.)
        admin_email = getattr(admin_user, admin_user.get_email_field_name())
        assert sorted(set(cells.all_inner_texts())) == sorted({*emails, admin_email})
        for cell in cells.all():
            # Whole, not cut with an ellipsis, and inside the viewport.
            assert cell.evaluate("td => td.scrollWidth <= td.clientWidth"), cell.inner_text()
            box = cell.bounding_box()
            assert box is not None and box["x"] + box["width"] <= VIEWPORT["width"]
    except BaseException:
        SCREENSHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "admin-session-list.png"), full_page=True)
        raise
