"""The failure limits for every password check Django makes, not only the app's endpoints.

Django's ``authenticate()`` (the admin's login form, ``LoginView``, DRF's basic
authentication, a project's own form) is limited as ``POST /sign-in/email`` is, the way
django-axes does it: :class:`FailureLimitBackend`, placed first in ``AUTHENTICATION_BACKENDS``,
refuses a check while the client address or the account has used up its failures, by raising
``PermissionDenied`` (``authenticate()`` then stops, sends ``user_login_failed`` and returns
``None``: a login form shows its usual error, never a 500). The ``user_login_failed`` receiver
counts the failures. One settings line::

    AUTHENTICATION_BACKENDS = [
        "django_authsession.backends.FailureLimitBackend",
        "django.contrib.auth.backends.ModelBackend",
    ]

(system check ``django_authsession.E024`` says when it is missing or not first).

The same counters as the endpoint: the client address's sign-in bucket
(``AUTHSESSION_RATE_LIMITS["/sign-in/email"]``, failures only, so a basic-authenticated API is
not limited for succeeding) and the account's failure counter (reserved before the password is
checked, given back when it was right; a browser the account knows counts on its own, see
:mod:`.account_limit`). The app's own endpoints count their checks themselves and are not
counted twice.
"""

from __future__ import annotations

import contextlib
from typing import Any

from asgiref.sync import sync_to_async
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from . import account_limit, endpoints, ratelimit, security
from .auth import PENDING_CHECKS_ATTRIBUTE
from .client_ip import UnknownClientAddress

__all__ = ["BACKEND_PATH", "FailureLimitBackend", "FailureLimitReached"]

BACKEND_PATH = "django_authsession.backends.FailureLimitBackend"
ADDRESS_GROUP = f"authsession:{endpoints.SIGN_IN_EMAIL}"
_ATTEMPTS_ATTRIBUTE = PENDING_CHECKS_ATTRIBUTE
# Set on a request whose check the backend refused: that failure is not the account's.
_REFUSED_ATTRIBUTE = "_authsession_refused"


class FailureLimitReached(PermissionDenied):
    """The address or the account has used up its failed password checks for now."""

    def __init__(self, message: str, group: str) -> None:
        super().__init__(message)
        self.group = group


def _http_request(request: Any) -> HttpRequest | None:
    return getattr(request, "_request", request)  # type: ignore[no-any-return]


def _identifier(username: Any, credentials: dict[str, Any]) -> str | None:
    """The name the check was for (as the model's ``USERNAME_FIELD`` or an email)."""
    model = get_user_model()
    for value in (username, credentials.get(model.USERNAME_FIELD), credentials.get("email")):
        if value:
            return str(value)
    return None


def _account(identifier: str) -> Any | None:
    """The user ``identifier`` names, found as ``ModelBackend`` finds it, else ``None``."""
    model = get_user_model()
    try:
        return model._default_manager.get_by_natural_key(identifier)
    except (model.DoesNotExist, model.MultipleObjectsReturned, ValueError, TypeError):
        return None


def _counted_elsewhere(request: HttpRequest | None) -> bool:
    return request is not None and getattr(request, account_limit.COUNTED_ATTRIBUTE, False)


def _address_used_up(request: HttpRequest) -> bool:
    rate = ratelimit.rate_for(endpoints.SIGN_IN_EMAIL)
    if rate is None:
        return False
    found = ratelimit.usage(
        request, group=ADDRESS_GROUP, key=ratelimit.client_key, rate=rate, increment=False
    )
    return found is not None and found["count"] >= found["limit"]


class FailureLimitBackend:
    """Authenticates nobody: refuses checks over the failure limits and lets the next
    backends decide the others. Place it first in ``AUTHENTICATION_BACKENDS``.

    Standalone (no ``get_user``, no permissions), as django-axes' ``AxesStandaloneBackend``:
    it is never the backend a session is stored with, so ``Client.force_login`` and the like
    pick the next one."""

    async def aauthenticate(self, request: Any, **credentials: Any) -> None:
        await sync_to_async(self.authenticate)(request, **credentials)

    def authenticate(
        self, request: Any, username: Any = None, password: Any = None, **credentials: Any
    ) -> None:
        http_request = _http_request(request)
        if _counted_elsewhere(http_request):
            return None
        try:
            return self._reserve(http_request, username, credentials)
        except FailureLimitReached as exc:
            if http_request is not None:
                setattr(http_request, _REFUSED_ATTRIBUTE, True)
                security.log_event(security.RATE_LIMITED, http_request, group=exc.group)
            raise

    def _reserve(
        self, http_request: HttpRequest | None, username: Any, credentials: dict[str, Any]
    ) -> None:
        try:
            if http_request is not None and _address_used_up(http_request):
                raise FailureLimitReached(
                    "Too many failed sign-ins from this address.", ADDRESS_GROUP
                )
            identifier = _identifier(username, credentials)
            if identifier is None:
                return None
            attempt = account_limit.reserve(http_request, _account(identifier), identifier)
        except account_limit.Locked as exc:
            raise FailureLimitReached(
                "Too many failed sign-ins for this account.", exc.group
            ) from exc
        except (ratelimit.CounterStoreDown, UnknownClientAddress) as exc:
            # Guessing must not run uncounted: refused as the endpoint refuses (503/403).
            raise FailureLimitReached(
                "The failure counters cannot be read.", "unavailable"
            ) from exc
        if http_request is None:
            attempt.succeeded()  # nothing to settle it on: a check; a failure is counted below
        else:
            attempts: list[account_limit.Attempt] = getattr(http_request, _ATTEMPTS_ATTRIBUTE, [])
            attempts.append(attempt)
            setattr(http_request, _ATTEMPTS_ATTRIBUTE, attempts)
        return None


def count_failure(sender: Any, credentials: dict[str, Any], request: Any = None, **kw: Any) -> None:
    """``user_login_failed`` receiver: count a failed check made through ``authenticate()``
    against the client address and the account (unless an endpoint counted it)."""
    http_request = _http_request(request)
    if _counted_elsewhere(http_request):
        return
    if http_request is not None:
        rate = ratelimit.rate_for(endpoints.SIGN_IN_EMAIL)
        if rate is not None:
            with contextlib.suppress(ratelimit.CounterStoreDown, UnknownClientAddress):
                ratelimit.usage(
                    http_request,
                    group=ADDRESS_GROUP,
                    key=ratelimit.client_key,
                    rate=rate,
                    increment=True,
                )
        if getattr(http_request, _REFUSED_ATTRIBUTE, False):
            delattr(http_request, _REFUSED_ATTRIBUTE)
            return  # refused before any password was checked: not the account's failure
        pending = [a for a in getattr(http_request, _ATTEMPTS_ATTRIBUTE, []) if not a.settled]
        if pending:
            pending[-1].failed()  # reserved by the backend: the count stays
            return
    identifier = _identifier(credentials.get("username"), credentials)
    if identifier is None:
        return
    # Not reserved (no request, or the backend is not installed): count it now.
    with contextlib.suppress(account_limit.Locked, ratelimit.CounterStoreDown):
        account_limit.reserve(http_request, _account(identifier), identifier).failed()


def settle(request: Any, **kwargs: Any) -> None:
    """Give back the counts of this request's checks that did not fail (the password was
    right). Called when the response is written and by ``user_logged_in``."""
    http_request = _http_request(request)
    for attempt in getattr(http_request, _ATTEMPTS_ATTRIBUTE, ()):
        attempt.succeeded()
