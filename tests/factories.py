"""factory-boy factories for users and sessions (sessions through the real lifecycle).

``UserFactory`` builds whatever ``get_user_model()`` is: the supplied model's documented fields
where it has them, a username and first/last name where it has those instead."""

from __future__ import annotations

from typing import Any

import factory
from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist

from django_authsession import sessions

DEFAULT_PASSWORD = "correct-horse-battery"

USER_MODEL = get_user_model()
SUPPLIED_USER_MODEL = USER_MODEL._meta.label == "django_authsession.User"


def has_field(name: str) -> bool:
    """Does the installed user model have a field ``name``?"""
    try:
        USER_MODEL._meta.get_field(name)
    except FieldDoesNotExist:
        return False
    return True


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = USER_MODEL
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    if USER_MODEL.get_email_field_name() != USER_MODEL.USERNAME_FIELD:
        username = factory.Sequence(lambda n: f"user{n}")
    if has_field("name"):
        name = factory.Faker("name")
    elif has_field("first_name"):
        first_name = factory.Faker("first_name")
        last_name = factory.Faker("last_name")
    if has_field("type"):
        type = "employee"
    if has_field("profession"):
        profession = "Biotechnology Engineer"
    if has_field("avatar"):
        avatar = factory.Sequence(lambda n: f"https://example.com/avatar/{n}.jpg")
    if has_field("is_email_verified"):
        is_email_verified = True

    @factory.post_generation
    def password(obj: Any, create: bool, extracted: str | None, **kwargs: Any) -> None:
        obj.set_password(extracted or DEFAULT_PASSWORD)
        obj._password = None  # a new user's password is not a "password change"
        if create:
            obj.save(update_fields=["password"])


def create_session(user: Any = None, **kwargs: Any) -> tuple[Any, str]:
    """A session row and its raw token, made as sign-in makes them."""
    return sessions.create_session(user or UserFactory(), **kwargs)
