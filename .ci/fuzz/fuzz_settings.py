"""Settings of the example project for the fuzz run (``.ci/fuzz/run``).

Rate limits are raised so fuzzing reaches the views (the 429 answer stays in the schema and is
tested in tests/test_openapi.py), and passwords are hashed fast, since every case that needs a
session signs in first.
"""

from example_project.settings import *  # noqa: F403

AUTHSESSION_DEFAULT_RATE_LIMIT = "1000000/60s"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Fuzzed sign-ins fail by the thousand against a handful of generated emails: the per-account
# limit (tested in tests/test_account_limit.py) would answer 429 to most of them.
AUTHSESSION_ACCOUNT_FAILURE_LIMIT = None
# Session fields, so /update-session has something to set and something to refuse.
AUTHSESSION_SESSION_FIELDS = {
    "activeOrganizationId": {"type": "string", "default": None, "input": True},
    "role": {"type": "string", "default": "member", "input": False},
}
