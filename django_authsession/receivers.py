"""Signal receivers: deactivating, deleting or changing the password of a user ends its sessions,
including copies held in cookie caches (via revocation marks)."""

from __future__ import annotations

from typing import Any

from . import sessions


def end_sessions_on_deactivation_or_password_change(
    sender: Any, instance: Any, created: bool, **kwargs: Any
) -> None:
    if created:
        return
    # AbstractBaseUser keeps the new raw password in ``_password`` until after post_save.
    password_changed = getattr(instance, "_password", None) is not None
    if password_changed or not getattr(instance, "is_active", True):
        reason = "password-change" if password_changed else "deactivated"
        sessions.revoke_user_sessions(instance.pk, reason=reason)


def end_sessions_on_delete(sender: Any, instance: Any, **kwargs: Any) -> None:
    """The rows go by cascade; this also reaches the cookie caches."""
    sessions.revoke_user_sessions(instance.pk, reason="user-deleted")
