"""factory-boy factories for users and sessions (sessions through the real lifecycle)."""

from __future__ import annotations

from typing import Any

import factory
from django.contrib.auth import get_user_model

from django_authsession import sessions

DEFAULT_PASSWORD = "correct-horse-battery"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    name = factory.Faker("name")
    type = "employee"
    profession = "Biotechnology Engineer"
    avatar = factory.Sequence(lambda n: f"https://example.com/avatar/{n}.jpg")
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
