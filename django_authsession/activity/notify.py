"""The new-device mail, through Django's email framework (the default mailer of ``MAILERS``
on Django 6.1 and later, ``EMAIL_BACKEND`` before; ``DEFAULT_FROM_EMAIL``). A project overrides
the templates ``django_authsession/activity/new_device_subject.txt``, ``new_device_email.txt``
and ``new_device_email.html`` like any other."""

from __future__ import annotations

import logging
from typing import Any

from django.core.mail import EmailMultiAlternatives
from django.http import HttpRequest
from django.template.loader import render_to_string

from ..devices import describe_location
from .conf import activity_settings
from .models import KnownDevice, SecurityEvent

logger = logging.getLogger(__name__)

TEMPLATES = "django_authsession/activity/"


def _device_page(request: HttpRequest | None) -> str | None:
    url = activity_settings.DEVICE_PAGE_URL
    if url and request is not None and url.startswith("/"):
        return request.build_absolute_uri(url)
    return url


def new_device_mail(
    user: Any, device: KnownDevice, event: SecurityEvent, request: HttpRequest | None
) -> bool:
    """Mail ``user`` that their account was signed in to from ``device``. A failure to send is
    logged, never raised: the sign-in has happened either way."""
    address = getattr(user, user.get_email_field_name(), "") or ""
    if not address:
        return False
    context = {
        "user": user,
        "device": device.name,
        "place": describe_location(event.location),
        "ip_address": event.ip_address,
        "time": event.created_at,
        "device_page_url": _device_page(request),
    }
    subject = " ".join(render_to_string(TEMPLATES + "new_device_subject.txt", context).split())
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(TEMPLATES + "new_device_email.txt", context),
        to=[address],
    )
    message.attach_alternative(
        render_to_string(TEMPLATES + "new_device_email.html", context), "text/html"
    )
    try:
        message.send()
    except Exception:
        logger.exception("The new-device mail could not be sent.")
        return False
    return True
