"""Schemathesis hooks for the stateful pass of the fuzz run (``.ci/fuzz/run``): one browser.

Schemathesis follows the schema's links but does not carry cookies from one step to the next;
these hooks keep a cookie jar across calls, as a browser does, so sign-up -> list-sessions ->
revoke-session runs with the session the first step set.
"""

from __future__ import annotations

from http.cookies import SimpleCookie
from typing import Any

import schemathesis

JAR: dict[str, str] = {}


@schemathesis.hook
def before_call(context: Any, case: Any, kwargs: dict[str, Any]) -> None:
    # The jar wins over the random session cookie schemathesis draws for the security scheme.
    if JAR:
        case.cookies = {**(case.cookies or {}), **JAR}


@schemathesis.hook
def after_call(context: Any, case: Any, response: Any) -> None:
    for header in response.headers.get("set-cookie", []):
        for name, morsel in SimpleCookie(header).items():
            if morsel["max-age"] == "0" or not morsel.value:
                JAR.pop(name, None)
            else:
                JAR[name] = morsel.value
