"""The test settings with an email-based user model that keeps the name in ``full_name``
(``tests.full_name_user``): tests marked ``full_name_user_model`` run under it, in a
subprocess started by ``tests/test_full_name_user.py``."""

from __future__ import annotations

from tests.settings import *  # noqa: F403

AUTH_USER_MODEL = "full_name_user.FullNameUser"
