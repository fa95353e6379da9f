"""User serializers a project might configure: the cookie cache must carry what they return."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib.auth import get_user_model
from rest_framework import serializers


class IntegerIdAndNestedSerializer(serializers.BaseSerializer[Any]):
    """Integer ids and nested objects, as a project with its own numbering might return."""

    def to_representation(self, user: Any) -> dict[str, Any]:
        return {
            "id": 12345,
            "email": getattr(user, user.get_email_field_name()),
            "name": None,
            "profile": {"teamId": 7, "roles": ["admin", {"scope": "billing", "level": 2}]},
            "score": 0.5,
        }


class UserModelSerializer(serializers.ModelSerializer[Any]):
    """A plain ModelSerializer over whichever user model is installed."""

    team = serializers.SerializerMethodField()

    class Meta:
        model = get_user_model()
        fields = ("id", get_user_model().EMAIL_FIELD, "is_active", "last_login", "team")

    def get_team(self, user: Any) -> dict[str, Any]:
        return {"id": 1, "members": [1, 2, 3]}


class RawUUIDSerializer(serializers.BaseSerializer[Any]):
    """Returns a UUID object as the id (the supplied model's primary key is one, whatever the
    model here): JSON cannot carry a UUID."""

    def to_representation(self, user: Any) -> dict[str, Any]:
        pk = user.pk if isinstance(user.pk, uuid.UUID) else uuid.UUID(int=user.pk or 0)
        return {"id": pk, "email": getattr(user, user.get_email_field_name())}


class BrokenSerializer(serializers.BaseSerializer[Any]):
    """Reads a field the model does not have, as a serializer written for another model does."""

    def to_representation(self, user: Any) -> dict[str, Any]:
        return {"id": str(user.pk), "organization": user.no_such_field}
