"""The test settings with a project's own username-based user model (``accounts.User``, an
``AbstractUser`` subclass): CI runs the whole suite a second time with these, so the app is
tested with a model it does not supply."""

from __future__ import annotations

from tests.settings import *  # noqa: F403
from tests.settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "tests.custom_user"]
AUTH_USER_MODEL = "accounts.User"
