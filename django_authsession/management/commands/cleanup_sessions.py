"""``manage.py cleanup_sessions``: delete expired sessions in batches sized by time (a thin
wrapper over :func:`django_authsession.sessions.cleanup_expired`)."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from django_authsession import sessions
from django_authsession.conf import ACTIVITY_APP

DEFAULT_MAX_BATCH_SECONDS = 0.5
# Seconds between progress lines: a run shorter than this prints only its final count.
PROGRESS_EVERY = 2.0


def _plural(count: int) -> str:
    return f"{count:,} expired session{'' if count == 1 else 's'}"


def _duration(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, seconds = divmod(round(seconds), 60)
    return f"{minutes} min {seconds:02d} s"


class Command(BaseCommand):
    # Cron mails whatever a job prints: a system check warning on every run would be noise, and
    # deleting rows needs no URL or admin check (``check --deploy`` is the place for those).
    requires_system_checks: list[str] = []
    help = (
        "Delete expired sessions in batches sized by time, each its own short transaction on "
        "the expires_at index; then sessions idle past AUTHSESSION_IDLE_TIMEOUT and security "
        "events past AUTHSESSION_EVENT_RETENTION days, in batches too. Safe to run repeatedly "
        "or twice at once; silent at -v 0."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--max-batch-seconds",
            type=float,
            default=DEFAULT_MAX_BATCH_SECONDS,
            metavar="SECONDS",
            help=(
                "Lock budget of one batch: batches grow while they take well under it and "
                f"shrink when they do not (default {DEFAULT_MAX_BATCH_SECONDS})."
            ),
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=None,
            metavar="N",
            help="A fixed number of rows per batch instead of sizing batches by time.",
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

    def _old_events(self, batch_size: int | None, dry_run: bool) -> int | None:
        """Security events past ``AUTHSESSION_EVENT_RETENTION`` days, when the history app is
        installed (``None`` when there is nothing to do)."""
        if not apps.is_installed(ACTIVITY_APP):
            return None
        from django_authsession.activity.conf import activity_settings
        from django_authsession.activity.events import delete_old_events

        days = activity_settings.EVENT_RETENTION
        if days is None:
            return None
        return delete_old_events(days=days, batch_size=batch_size or 5000, dry_run=dry_run)

    def handle(self, *args: Any, **options: Any) -> None:
        batch_size: int | None = options["batch_size"]
        max_batch_seconds: float = options["max_batch_seconds"]
        older_than: int = options["older_than"]
        dry_run: bool = options["dry_run"]
        verbose = options["verbosity"] >= 1
        if batch_size is not None and batch_size < 1:
            raise CommandError(f"--batch-size must be at least 1 (got {batch_size}).")
        if not max_batch_seconds > 0:
            raise CommandError(
                f"--max-batch-seconds must be more than 0 (got {max_batch_seconds})."
            )
        if older_than < 0:
            raise CommandError(f"--older-than must be 0 or more seconds (got {older_than}).")
        final: list[sessions.CleanupProgress] = []

        def report(progress: sessions.CleanupProgress) -> None:
            if progress.done:
                final.append(progress)
                return
            eta = "" if progress.eta is None else f", about {_duration(progress.eta)} to go"
            self.stdout.write(
                f"{progress.deleted:,} deleted in {_duration(progress.elapsed)} "
                f"({progress.rate:,.0f} rows/s{eta})"
            )

        try:
            count = sessions.cleanup_expired(
                older_than=older_than,
                dry_run=dry_run,
                batch_size=batch_size,
                max_batch_seconds=max_batch_seconds,
                progress=report if verbose else None,
                progress_every=PROGRESS_EVERY,
            )
            idle = sessions.cleanup_idle(batch_size=batch_size or 1000, dry_run=dry_run)
            old_events = self._old_events(batch_size, dry_run)
        except DatabaseError as exc:
            # Only the first line of the driver's message: enough to act on, and no SQL dump.
            reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
            raise CommandError(f"Could not clean up expired sessions: {reason}") from exc
        if not verbose:
            return
        extra = []  # said only when there were some
        if idle:
            extra.append(f"{idle:,} idle session{'' if idle == 1 else 's'}")
        if old_events:
            extra.append(f"{old_events:,} security event{'' if old_events == 1 else 's'}")
        if dry_run:
            self.stdout.write(f"Would delete {_plural(count)}.")
            for line in extra:
                self.stdout.write(f"Would delete {line}.")
            return
        summary = ""
        if final:
            done = final[0]
            summary = (
                f" in {_duration(done.elapsed)} ({done.rate:,.0f} rows/s, {done.batches} "
                f"batch{'' if done.batches == 1 else 'es'}, longest {done.longest_batch:.3f} s)"
            )
        self.stdout.write(self.style.SUCCESS(f"Deleted {_plural(count)}{summary}."))
        for line in extra:
            self.stdout.write(self.style.SUCCESS(f"Deleted {line}."))
