"""Settings of the uvicorn server the end-to-end tests start: the settings module of the test run
(``AUTHSESSION_E2E_BASE_SETTINGS``, so both user models are served), over plain http."""

from __future__ import annotations

import json
import os
from importlib import import_module

_base = import_module(os.environ.get("AUTHSESSION_E2E_BASE_SETTINGS", "tests.settings"))
globals().update({name: value for name, value in vars(_base).items() if name.isupper()})

AUTHSESSION_USE_SECURE_COOKIES = False  # plain http on 127.0.0.1, as a browser in development

# Extra settings of one test module's server, as JSON (AUTHSESSION_E2E_SETTINGS).
globals().update(json.loads(os.environ.get("AUTHSESSION_E2E_SETTINGS", "{}")))
