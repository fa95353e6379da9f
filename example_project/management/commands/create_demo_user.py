"""``python manage.py create_demo_user``: the demo account of the example project."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

EMAIL = "demo@example.com"
PASSWORD = "demo-password-123"
PROFILE = {
    "name": "Demo User",
    "type": "employee",
    "profession": "Biotechnology Engineer",
    "avatar": "https://example.com/avatar/demo.jpg",
    "is_active": True,
    "is_email_verified": True,
    "is_staff": True,
    "is_superuser": True,
}


class Command(BaseCommand):
    help = f"Create or update the demo user {EMAIL} (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        user_model = get_user_model()
        user = user_model.objects.filter(email__iexact=EMAIL).first()
        created = user is None
        if user is None:
            user = user_model(email=EMAIL)
        for field, value in PROFILE.items():
            setattr(user, field, value)
        # Setting the same password again would end the demo user's sessions: skip it.
        if created or not user.check_password(PASSWORD):
            user.set_password(PASSWORD)
        user.save()
        verb = "Created" if created else "Updated"
        self.stdout.write(self.style.SUCCESS(f"{verb} demo user {EMAIL} with password {PASSWORD}."))
        self.stdout.write(
            "It is staff and superuser, so it can also sign in to the admin at /admin/."
        )
