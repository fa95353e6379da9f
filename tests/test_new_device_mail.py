"""New-device alerts: a sign-in from a browser the account has not used mails its owner once
(through Django's email framework, text and HTML), not for a known browser, and again once the
browser is forgotten."""

from __future__ import annotations

from typing import Any

import django
import pytest
from django.core import mail

from django_authsession.activity.events import new_device_sign_in
from django_authsession.activity.models import KnownDevice
from tests.helpers import origin_client, sign_up, signed_in_token

pytestmark = pytest.mark.django_db

FIREFOX_WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0"


@pytest.fixture(autouse=True)
def _notify(settings: Any) -> None:
    settings.AUTHSESSION_NOTIFY_NEW_DEVICE = True
    settings.AUTHSESSION_DEVICE_PAGE_URL = "/profile"
    settings.AUTHSESSION_DEFAULT_RATE_LIMIT = None
    # Django's test environment already sends mail to the local-memory outbox.


def browser() -> Any:
    return origin_client(HTTP_USER_AGENT=FIREFOX_WINDOWS, REMOTE_ADDR="198.51.100.7")


def _email(user: Any) -> str:
    return str(getattr(user, user.get_email_field_name()))


def test_a_new_browser_mails_the_owner_once(user) -> None:
    laptop = browser()
    signed_in_token(laptop, user.email)
    assert len(mail.outbox) == 1
    message: Any = mail.outbox[0]
    assert message.to == [_email(user)]
    assert message.subject == "New sign-in to your account from Firefox on Windows"
    assert "Firefox on Windows" in message.body
    assert "198.51.100.7" in message.body
    assert "http://testserver/profile" in message.body
    ((html, mimetype),) = message.alternatives
    assert mimetype == "text/html" and '<a href="http://testserver/profile">' in html

    signed_in_token(laptop, user.email)  # the same browser again: known
    laptop.post("/api/auth/sign-out")
    signed_in_token(laptop, user.email)
    assert len(mail.outbox) == 1


def test_forgetting_the_browser_makes_its_next_sign_in_new_again(user) -> None:
    laptop = browser()
    signed_in_token(laptop, user.email)
    (device,) = laptop.get("/api/auth/known-devices").json()
    assert device["current"] is True and device["name"] == "Firefox on Windows"
    response = laptop.post(
        "/api/auth/forget-device", {"id": device["id"]}, content_type="application/json"
    )
    assert response.json() == {"status": True}
    assert not KnownDevice.objects.exists()
    signed_in_token(laptop, user.email)
    assert len(mail.outbox) == 2


def test_forget_device_is_limited_to_ones_own_devices(user) -> None:
    from tests.factories import UserFactory

    other: Any = UserFactory()
    signed_in_token(browser(), other.email)
    theirs = KnownDevice.objects.get(user=other)
    mine = browser()
    signed_in_token(mine, user.email)
    response = mine.post(
        "/api/auth/forget-device", {"id": theirs.pk}, content_type="application/json"
    )
    assert response.status_code == 404
    assert response.json()["code"] == "DEVICE_NOT_FOUND"
    assert KnownDevice.objects.filter(pk=theirs.pk).exists()


def test_the_signal_is_sent_without_the_mail_setting(user, settings) -> None:
    settings.AUTHSESSION_NOTIFY_NEW_DEVICE = False
    seen: list[Any] = []
    new_device_sign_in.connect(lambda **kw: seen.append(kw), weak=False, dispatch_uid="t")
    try:
        signed_in_token(browser(), user.email)
    finally:
        new_device_sign_in.disconnect(dispatch_uid="t")
    assert [kw["user"] for kw in seen] == [user]
    assert seen[0]["device"].name == "Firefox on Windows"
    assert mail.outbox == []


def test_signing_up_is_not_a_new_device_alert(client) -> None:
    assert sign_up(client, "fresh@example.com").status_code == 200
    assert mail.outbox == []
    assert KnownDevice.objects.count() == 1  # but the browser is known from now on


def test_a_mail_server_failure_does_not_fail_the_sign_in(user, settings, caplog) -> None:
    broken = "tests.test_new_device_mail.BrokenBackend"
    if django.VERSION >= (6, 1):  # MAILERS; EMAIL_BACKEND is deprecated there
        settings.MAILERS = {"default": {"BACKEND": broken}}
    else:
        settings.EMAIL_BACKEND = broken
    assert signed_in_token(browser(), user.email)
    assert "The new-device mail could not be sent." in caplog.text  # the broken backend ran


class BrokenBackend:
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pass

    def send_messages(self, messages: Any) -> int:
        raise OSError("mail server down")


def test_templates_can_be_overridden(user, settings, tmp_path) -> None:
    folder = tmp_path / "django_authsession" / "activity"
    folder.mkdir(parents=True)
    (folder / "new_device_subject.txt").write_text("Hej {{ device }}")
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [str(tmp_path)]},
    ]
    signed_in_token(browser(), user.email)
    assert mail.outbox[0].subject == "Hej Firefox on Windows"
