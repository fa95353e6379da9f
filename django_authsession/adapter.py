"""The replaceable hooks between the app and the project's user model.

Nothing else in the app assumes which ``AUTH_USER_MODEL`` is installed: finding a user by email,
checking a password, creating a user at sign-up and turning a user into the documented user
object all go through the adapter named by ``AUTHSESSION_ADAPTER``. Override one method of
:class:`UserAdapter` (as allauth's ``get_adapter()`` allows) instead of forking a view::

    class MyAdapter(UserAdapter):
        def populate_user(self, request, user, data):
            super().populate_user(request, user, data)
            user.company = data.get("company", "")
"""

from __future__ import annotations

import hashlib
import inspect
import logging
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from functools import lru_cache
from typing import Any

from django.contrib.auth import authenticate, get_user_model, user_login_failed
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import IntegrityError, models, router, transaction
from django.db.models import Q, Value
from django.db.models.functions import Lower
from django.db.models.lookups import Exact
from django.http import HttpRequest
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from . import revocation
from .conf import app_settings
from .serializers import iso_ms

logger = logging.getLogger("django_authsession")

# Model attributes read for each documented key, first match wins (``name`` has its own rule).
USER_OBJECT_SOURCES: dict[str, tuple[str, ...]] = {
    "type": ("type",),
    "profession": ("profession",),
    "avatar": ("avatar", "image"),
    "organizationId": ("organization_id",),
    "isEmailVerified": ("is_email_verified", "email_verified"),
    "createdAt": ("created_at", "date_joined"),
    "updatedAt": ("updated_at",),
}
# Model fields that take the sign-up ``name``, first match wins (``first_name`` with
# ``last_name`` when the model has it).
NAME_FIELDS = ("name", "full_name", "first_name")
# Model fields that take the sign-up ``image``, first match wins.
AVATAR_FIELDS = ("avatar", "image")
USERNAME_ATTEMPTS = 3  # a concurrent sign-up can take a generated username first
SIGN_UP_LOCK_SECONDS = 10
_NOT_USERNAME = re.compile(r"[^\w.@+-]")  # what Django's UnicodeUsernameValidator refuses


# Where ``UserAdapter.lookup`` keeps the user it found for an email during one request.
_FOUND_ATTRIBUTE = "_authsession_found_user"


def email_lookup(model: type[models.Model], email: str) -> Q:
    """The users whose email is ``email`` in any letter case, compared as the database
    compares it: ``LOWER(email) = LOWER(%s)``, one normalisation on both sides, matching the
    supplied model's unique index on ``Lower("email")`` (so the lookup uses it). A project's
    own model gets the same lookup; an index on ``Lower(<email field>)`` makes it fast."""
    field = model.get_email_field_name()  # type: ignore[attr-defined]
    return Q(Exact(Lower(field), Lower(Value(email, output_field=models.CharField()))))


class EmailTaken(Exception):
    """Sign-up with an email that a user already has (in any letter case)."""


def _model_attribute(model: type[Any], name: str) -> bool:
    """Does the model have a field or property ``name`` (not a method)?"""
    try:
        value = inspect.getattr_static(model, name)
    except AttributeError:
        return False
    return not inspect.isfunction(value)


_SOURCES: dict[type[Any], dict[str, str | None]] = {}


def _sources(model: type[Any]) -> dict[str, str | None]:
    """The attribute behind each documented key, computed once per model."""
    try:
        return _SOURCES[model]
    except KeyError:
        sources = _SOURCES[model] = {
            key: next((name for name in names if _model_attribute(model, name)), None)
            for key, names in USER_OBJECT_SOURCES.items()
        }
        sources["name"] = next(
            (name for name in NAME_FIELDS[:2] if _model_attribute(model, name)), None
        )
        return sources


def _concrete_field(model: type[models.Model], name: str) -> models.Field[Any, Any] | None:
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    if not isinstance(field, models.Field) or not field.concrete or field.is_relation:
        return None
    return field


def name_field(model: type[models.Model]) -> models.Field[Any, Any] | None:
    """The field the sign-up ``name`` goes to: ``name``, ``full_name`` or ``first_name``."""
    return next((f for f in (_concrete_field(model, n) for n in NAME_FIELDS) if f), None)


def _fit(value: str, field: models.Field[Any, Any]) -> str:
    return value[: field.max_length] if field.max_length else value


def _iso_ms(value: Any) -> str | None:
    return iso_ms(value) if isinstance(value, datetime) else None


def _text(value: Any) -> str | None:
    """A URL or file field's value as a string (a file field's URL), or ``None``."""
    if value is None:
        return None
    if isinstance(value, models.fields.files.FieldFile):
        return value.url if value.name else None
    return str(value)


@contextmanager
def _sign_up_lock(email: str) -> Iterator[None]:
    """One sign-up per email at a time, across workers (the revocation cache is shared).

    Models that do not make emails unique in the database (Django's ``AbstractUser``), and
    those that do but not case-insensitively, would otherwise let simultaneous sign-ups
    create several users with one email. A sign-up that finds the lock taken answers as if
    the email had an account, which it is about to have. Released once the user is committed
    (at the end of the request with ``ATOMIC_REQUESTS``) or at once when sign-up fails; the
    timeout bounds a crash."""
    cache = revocation.cache()
    key = "authsession:sign-up:" + hashlib.sha256(email.encode()).hexdigest()
    try:
        locked = cache.add(key, 1, timeout=SIGN_UP_LOCK_SECONDS)
    except Exception:  # a cache outage must not stop sign-ups; the database still decides
        logger.exception("Sign-up lock unavailable; continuing without it.")
        yield
        return
    if not locked:
        raise EmailTaken(email)
    try:
        yield
    except BaseException:
        cache.delete(key)  # nothing was saved
        raise
    transaction.on_commit(lambda: cache.delete(key), using=router.db_for_write(get_user_model()))


class UserAdapter:
    """The default adapter: works with any user model that has an email field."""

    # Finding and checking users.

    def normalize_email(self, email: str) -> str:
        """Emails are stored lower-cased, as Better Auth stores them."""
        return email.strip().lower()

    def find_user_by_email(self, email: str) -> Any | None:
        """The user whose ``EMAIL_FIELD`` is ``email`` in any letter case, or ``None``.

        When the model does not make emails unique and several users share one, none is
        returned: signing in to an arbitrary one of them would be worse than refusing."""
        model = get_user_model()
        lookup = email_lookup(model, self.normalize_email(email))
        found = list(model._default_manager.filter(lookup).order_by("pk")[:2])
        if len(found) > 1:
            logger.warning("Several users share one email address; sign-in refused.")
            return None
        return found[0] if found else None

    def lookup(self, request: HttpRequest, email: str) -> Any | None:
        """``find_user_by_email``, once per request and email: the sign-in endpoint finds the
        account to count a failure against before ``authenticate`` checks the password."""
        found: tuple[str, Any] | None = getattr(request, _FOUND_ATTRIBUTE, None)
        if found is not None and found[0] == email:
            return found[1]
        user = self.find_user_by_email(email)
        setattr(request, _FOUND_ATTRIBUTE, (email, user))
        return user

    def find_user_by_id(self, user_id: str) -> Any | None:
        """The user whose primary key is ``user_id`` (the ``id`` of the user object), or
        ``None``, also for a value the key's type cannot hold (the admin endpoints' ``userId``)."""
        model = get_user_model()
        try:
            # clean() also runs the range validators of integer keys: no query overflows.
            pk = model._meta.pk.clean(user_id, None)
        except (ValidationError, ValueError, TypeError, OverflowError):
            return None
        return model._default_manager.filter(pk=pk).first()

    def email_taken(self, email: str) -> bool:
        model = get_user_model()
        return model._default_manager.filter(
            email_lookup(model, self.normalize_email(email))
        ).exists()

    def authenticate(self, request: HttpRequest, email: str, password: str) -> Any | None:
        """The active user with this email and password, else ``None``.

        The password is checked by ``django.contrib.auth.authenticate()`` with the user's own
        username, so ``AUTHENTICATION_BACKENDS`` (lockouts, audit, ``user_can_authenticate``)
        decide. An unknown email costs one password hash as well, so neither the answer nor
        its timing tells whether the email has an account."""
        user = self.lookup(request, email)
        if user is None:
            make_password(password)
            user_login_failed.send(
                sender=__name__, credentials={"username": email}, request=request
            )
            return None
        authenticated = authenticate(request, username=user.get_username(), password=password)
        if authenticated is None or not getattr(authenticated, "is_active", True):
            return None
        return authenticated

    # Sign-up.

    def create_user(self, request: HttpRequest, data: Mapping[str, Any]) -> Any:
        """Create and save a user from the sign-up body (``email``, ``password``, ``name``,
        ``image`` and whatever else the client sent).

        Raises :class:`EmailTaken`, or Django's ``ValidationError`` (answered as 400
        ``VALIDATION_ERROR`` naming the field) for a bad value or a password the validators
        refuse. The user is built and validated (the password too) before anything looks at
        whether the email has an account, so a refused password answers the same whether or
        not it has."""
        email = self.normalize_email(data["email"])
        user = self.new_user(request, {**data, "email": email})
        with _sign_up_lock(email):
            if self.email_taken(email):
                raise EmailTaken(email)
            for attempt in range(USERNAME_ATTEMPTS):
                if attempt:
                    user = self.new_user(request, {**data, "email": email})
                try:
                    with transaction.atomic(using=user._state.db):
                        user.save()
                except IntegrityError as exc:
                    if self.email_taken(email):  # a concurrent sign-up with this email won
                        raise EmailTaken(email) from exc
                    if attempt + 1 < USERNAME_ATTEMPTS and self._generates_username():
                        continue  # the generated username was taken in the meantime
                    logger.exception("Sign-up could not save the user.")
                    raise ValidationError(_("The account could not be created.")) from exc
                return user
        raise AssertionError("unreachable")  # pragma: no cover

    def new_user(self, request: HttpRequest, data: Mapping[str, Any]) -> Any:
        """An unsaved user, populated, validated and with its password set."""
        user = get_user_model()()
        populated = self.populate_user(request, user, data)
        user.clean_fields(exclude=[f.name for f in user._meta.fields if f.name not in populated])
        user.clean()
        try:
            validate_password(data["password"], user)
        except ValidationError as exc:
            raise ValidationError({"password": exc.messages}) from exc
        user.set_password(data["password"])
        return user

    def populate_user(self, request: HttpRequest, user: Any, data: Mapping[str, Any]) -> set[str]:
        """Fill the new user's fields from the sign-up body; returns the names of the fields
        set, which are validated. Override it to add fields (call ``super()`` first)."""
        model = user.__class__
        email_field = model.get_email_field_name()
        setattr(user, email_field, data["email"])
        populated = {email_field}
        username_field = model.USERNAME_FIELD
        if username_field != email_field and self._generates_username():
            setattr(user, username_field, self.generate_username(data["email"]))
            populated.add(username_field)
        populated |= self.set_name(user, str(data.get("name") or ""))
        image = data.get("image") or ""
        avatar = next(
            (f for f in (_concrete_field(model, n) for n in AVATAR_FIELDS) if f is not None), None
        )
        if avatar is not None and isinstance(avatar, models.CharField | models.TextField):
            setattr(user, avatar.attname, str(image))
            populated.add(avatar.name)
        return populated

    def set_name(self, user: Any, name: str) -> set[str]:
        """``name`` into a ``name`` or ``full_name`` field, else split into ``first_name`` /
        ``last_name`` (first word, rest), else nowhere (check ``W012`` says so at start-up).
        Returns the fields set. Override it for a model that keeps names elsewhere."""
        model = user.__class__
        field = name_field(model)
        if field is None:
            return set()
        if field.name != "first_name":
            setattr(user, field.attname, _fit(name, field))
            return {field.name}
        first_field, last_field = field, _concrete_field(model, "last_name")
        first, _space, last = name.strip().partition(" ")
        if last_field is None:
            first, last = name.strip(), ""
        setattr(user, first_field.attname, _fit(first, first_field))
        populated = {first_field.name}
        if last_field is not None:
            setattr(user, last_field.attname, _fit(last.strip(), last_field))
            populated.add(last_field.name)
        return populated

    def _generates_username(self) -> bool:
        model = get_user_model()
        field = _concrete_field(model, model.USERNAME_FIELD)
        return isinstance(field, models.CharField)

    def generate_username(self, email: str) -> str:
        """A username for the field from the email's local part: characters Django's username
        validator refuses are dropped, then a number is added until no user has it."""
        model = get_user_model()
        field = _concrete_field(model, model.USERNAME_FIELD)
        max_length = (field.max_length if field is not None else None) or 150
        base = _NOT_USERNAME.sub("", email.split("@", 1)[0])[: max_length - 6]
        if not base or not self._valid_username(field, base):
            base = "user"
        lookup = {f"{model.USERNAME_FIELD}__istartswith": base}
        names = model._default_manager.filter(**lookup).values_list(model.USERNAME_FIELD, flat=True)
        taken = {str(name).lower() for name in names}
        candidate, number = base, 1
        while candidate.lower() in taken:
            number += 1
            candidate = f"{base}{number}"
        return candidate

    @staticmethod
    def _valid_username(field: Any, value: str) -> bool:
        try:
            field.run_validators(value)
        except ValidationError:
            return False
        return True

    # The user object.

    def user_data(self, user: Any) -> dict[str, Any]:
        """The documented user object: every key, each from the model's counterpart where it
        has one (docs/reference/user-object.md), else ``None``."""
        sources = _sources(user.__class__)

        def read(key: str) -> Any:
            name = sources[key]
            return None if name is None else getattr(user, name, None)

        organization = read("organizationId")
        verified = read("isEmailVerified")
        active = getattr(user, "is_active", None)
        return {
            "id": str(user.pk),
            "email": getattr(user, user.__class__.get_email_field_name(), None),
            "name": self.display_name(user),
            "type": read("type"),
            "profession": read("profession"),
            "avatar": _text(read("avatar")),
            "isActive": None if active is None else bool(active),
            "organizationId": None if organization is None else str(organization),
            "isEmailVerified": None if verified is None else bool(verified),
            "createdAt": _iso_ms(read("createdAt")),
            "updatedAt": _iso_ms(read("updatedAt")),
        }

    def display_name(self, user: Any) -> str:
        """``name`` (or ``full_name``), else ``get_full_name()``, else the username: the first
        that is not empty."""
        source = _sources(user.__class__)["name"]
        name = getattr(user, source, None) if source else None
        if isinstance(name, str) and name.strip():
            return name
        full_name = getattr(user, "get_full_name", None)
        if callable(full_name):
            value = full_name()
            if isinstance(value, str) and value.strip():
                return value
        return str(user.get_username())


@lru_cache(maxsize=8)
def _adapter(path: str) -> UserAdapter:
    adapter: UserAdapter = import_string(path)()
    return adapter


def get_adapter() -> UserAdapter:
    """The adapter named by ``AUTHSESSION_ADAPTER`` (one instance per class)."""
    return _adapter(app_settings.ADAPTER)
