"""Signal receivers: deactivating, deleting or changing the password of a user ends its sessions,
including copies held in cookie caches (via revocation marks); Django's ``login()`` starts the
request's app session and Django's ``logout()`` ends it."""

from __future__ import annotations

from typing import Any

from django.utils.functional import SimpleLazyObject

from . import auth, device_cookie, sessions, signals
from .cookies import token_cookie_name
from .state import STATE_ATTRIBUTE, SessionState, get_state

# Set on a user instance by a view that saves it (change-password), so that what the save
# ends is recorded with the request that did it.
REQUEST_ATTRIBUTE = "_authsession_request"


def end_sessions_on_deactivation_or_password_change(
    sender: Any, instance: Any, created: bool, **kwargs: Any
) -> None:
    if created:
        return
    request = getattr(instance, REQUEST_ATTRIBUTE, None)
    if not getattr(instance, "is_active", True):
        sessions.revoke_user_sessions(instance.pk, reason="deactivated", request=request)
        return
    update_fields = kwargs.get("update_fields")
    if update_fields is None or "password" in update_fields:
        # AbstractBaseUser keeps the new raw password in ``_password`` until after post_save;
        # an assigned hash is caught by the sessions' password digests.
        password_set = getattr(instance, "_password", None) is not None
        sessions.revoke_sessions_of_other_passwords(
            instance, password_set=password_set, request=request
        )
        if password_set:
            signals.password_changed.send(sender=type(instance), user=instance, request=request)


def end_sessions_on_delete(sender: Any, instance: Any, **kwargs: Any) -> None:
    """The rows go by cascade; this also reaches the cookie caches."""
    sessions.revoke_user_sessions(instance.pk, reason="user-deleted")


def end_session_on_logout(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    """Django's own ``logout()`` (the admin's "Log out", ``LogoutView``, a project's view) ends
    the app session of that request and clears its cookies in the response."""
    if request is None:
        return
    request = getattr(request, "_request", request)
    if getattr(request, auth.LOGGED_OUT_ATTRIBUTE, False):
        return  # auth.logout() (our sign-out) sent this signal and has ended the session
    state: SessionState | None = getattr(request, STATE_ATTRIBUTE, None)
    if token_cookie_name() not in request.COOKIES and (
        state is None or not (state.resolved or state.pending_login is not None)
    ):
        if state is not None:
            state.adoptable = False
        return  # no app session came in or started: leave the cookies alone
    auth.end_session(request)


def remember_device_on_login(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    """Django's own ``login()`` (the admin's login form, ``LoginView``) marks the browser as
    one the user signs in from, as the app's sign-in does (once per request either way)."""
    if request is not None and user is not None and getattr(user, "pk", None) is not None:
        device_cookie.remember_device(request, None, user)


def start_session_on_login(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    """Django's own ``login()`` / ``alogin()`` (``LoginView``, the admin's login form,
    django-allauth, a project's ``authenticate()`` + ``login()``) starts an app session for
    that user on this request's response, as ``POST /sign-in/email`` does. Only for requests
    that pass through ``AuthSessionMiddleware`` (not the test client's ``force_login()``);
    ``auth.login()`` sends this signal after starting its own session, and is left alone."""
    if request is None:
        return
    request = getattr(request, "_request", request)
    if not hasattr(request, "auth_session") or getattr(request, auth.LOGGING_IN_ATTRIBUTE, False):
        return
    state = get_state(request)
    state.pending_login = user
    request.auth_session = SimpleLazyObject(state.get)  # started when read, or at the response
