"""``manage.py cleanup_sessions``: delete expired sessions in batches (a thin wrapper over
:func:`django_authsession.sessions.cleanup_expired`)."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from django_authsession import sessions

DEFAULT_BATCH_SIZE = 1000


def _plural(count: int) -> str:
    return f"{count} expired session{'' if count == 1 else 's'}"


class Command(BaseCommand):
    help = (
        "Delete expired sessions in primary-key batches, each in its own short transaction. "
        "Safe to run repeatedly or twice at once."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--batch-size",
            type=int,
            default=DEFAULT_BATCH_SIZE,
            metavar="N",
            help=f"Rows deleted per transaction (at least 1; default {DEFAULT_BATCH_SIZE}).",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Only count the sessions that would be deleted.",
        )
        parser.add_argument(
            "--older-than",
            type=int,
            default=0,
            metavar="SECONDS",
            help="Only delete sessions expired at least this many seconds ago (default 0).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        batch_size: int = options["batch_size"]
        older_than: int = options["older_than"]
        dry_run: bool = options["dry_run"]
        if batch_size < 1:
            raise CommandError(f"--batch-size must be at least 1 (got {batch_size}).")
        if older_than < 0:
            raise CommandError(f"--older-than must be 0 or more seconds (got {older_than}).")
        try:
            count = sessions.cleanup_expired(
                batch_size=batch_size, older_than=older_than, dry_run=dry_run
            )
        except DatabaseError as exc:
            # Only the first line of the driver's message: enough to act on, and no SQL dump.
            reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
            raise CommandError(f"Could not clean up expired sessions: {reason}") from exc
        if options["verbosity"] < 1:
            return
        if dry_run:
            self.stdout.write(f"Would delete {_plural(count)}.")
        else:
            self.stdout.write(self.style.SUCCESS(f"Deleted {_plural(count)}."))
