"""``manage.py cleanup_sessions`` (DESIGN.md "Cleanup"): batches, dry run, ``--older-than``,
clear errors, idempotence, and the ``sessions_cleaned`` signal."""

from __future__ import annotations

import math
from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
import time_machine
from django.core.management import CommandError, ManagementUtility, call_command
from django.db import OperationalError, connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from django_authsession import sessions, signals
from django_authsession.models import Session
from tests.factories import UserFactory, create_session

pytestmark = pytest.mark.django_db


def _sessions(count: int, *, expired_for: timedelta | None = None) -> list[Any]:
    """``count`` sessions of one user; expired ``expired_for`` ago if given, else active."""
    user = UserFactory()
    rows = [create_session(user)[0] for _ in range(count)]
    if expired_for is not None:
        Session.objects.filter(pk__in=[r.pk for r in rows]).update(
            expires_at=timezone.now() - expired_for
        )
    return rows


def _run(*args: str) -> str:
    out = StringIO()
    call_command("cleanup_sessions", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def _pks(rows: list[Any]) -> set[Any]:
    return {r.pk for r in rows}


def test_deletes_only_expired_sessions_and_prints_the_count() -> None:
    expired = _sessions(3, expired_for=timedelta(minutes=1))
    active = _sessions(2)
    output = _run()
    assert "Deleted 3 expired sessions." in output
    assert set(Session.objects.values_list("pk", flat=True)) == _pks(active)
    assert not Session.objects.filter(pk__in=_pks(expired)).exists()


def test_verbosity_zero_is_silent_but_still_deletes() -> None:
    _sessions(2, expired_for=timedelta(minutes=1))
    assert _run("--verbosity", "0") == ""
    assert not Session.objects.exists()


def test_singular_message() -> None:
    _sessions(1, expired_for=timedelta(seconds=1))
    assert "Deleted 1 expired session." in _run()


def test_a_session_expiring_exactly_now_is_expired() -> None:
    with time_machine.travel(timezone.now(), tick=False):
        (row,) = _sessions(1)
        Session.objects.filter(pk=row.pk).update(expires_at=timezone.now())
        assert "Deleted 1 expired session." in _run()


@pytest.mark.parametrize(("expired", "batch_size"), [(5, 2), (4, 2), (5, 1), (3, 1000)])
def test_deletes_in_batches(expired: int, batch_size: int) -> None:
    _sessions(expired, expired_for=timedelta(hours=1))
    active = _sessions(2)
    with CaptureQueriesContext(connection) as queries:
        output = _run("--batch-size", str(batch_size))
    assert f"Deleted {expired} expired sessions." in output
    assert set(Session.objects.values_list("pk", flat=True)) == _pks(active)
    deletes = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("DELETE")]
    # One DELETE per batch, plus at most one that finds nothing left.
    assert math.ceil(expired / batch_size) <= len(deletes) <= math.ceil(expired / batch_size) + 1
    # Batches go by primary key, never by token.
    assert all('"token"' not in sql for sql in deletes)


def test_dry_run_deletes_nothing_and_prints_the_would_be_count() -> None:
    expired = _sessions(4, expired_for=timedelta(days=1))
    _sessions(1)
    with CaptureQueriesContext(connection) as queries:
        output = _run("--dry-run")
    assert "Would delete 4 expired sessions." in output
    assert "Deleted" not in output
    assert Session.objects.count() == 5
    assert Session.objects.filter(pk__in=_pks(expired)).count() == 4
    assert not any(q["sql"].startswith("DELETE") for q in queries.captured_queries)


def test_older_than_keeps_recently_expired_sessions() -> None:
    old = _sessions(2, expired_for=timedelta(hours=2))
    recent = _sessions(3, expired_for=timedelta(minutes=10))
    active = _sessions(1)
    assert "Would delete 2 expired sessions." in _run("--older-than", "3600", "--dry-run")
    assert "Deleted 2 expired sessions." in _run("--older-than", "3600")
    assert set(Session.objects.values_list("pk", flat=True)) == _pks(recent) | _pks(active)
    assert not Session.objects.filter(pk__in=_pks(old)).exists()
    assert "Deleted 3 expired sessions." in _run()


def test_older_than_follows_the_clock() -> None:
    (row,) = _sessions(1, expired_for=timedelta(minutes=10))
    assert "Deleted 0 expired sessions." in _run("--older-than", "3600")
    with time_machine.travel(timezone.now() + timedelta(hours=1)):
        assert "Deleted 1 expired session." in _run("--older-than", "3600")
    assert not Session.objects.filter(pk=row.pk).exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--batch-size", "0"), "--batch-size must be at least 1"),
        (("--batch-size", "-5"), "--batch-size must be at least 1"),
        (("--older-than", "-1"), "--older-than must be 0 or more"),
    ],
)
def test_invalid_options_raise_command_error(args: tuple[str, ...], message: str) -> None:
    _sessions(1, expired_for=timedelta(hours=1))
    with pytest.raises(CommandError, match=message):
        _run(*args)
    assert Session.objects.count() == 1


def test_non_integer_batch_size_is_rejected() -> None:
    with pytest.raises(CommandError):
        _run("--batch-size", "lots")


def test_invalid_option_exits_non_zero_with_a_message(capsys: Any) -> None:
    with pytest.raises(SystemExit) as exited:
        ManagementUtility(["manage.py", "cleanup_sessions", "--batch-size", "0"]).execute()
    assert exited.value.code != 0
    err = capsys.readouterr().err
    assert "--batch-size must be at least 1" in err
    assert "Traceback" not in err


def test_database_errors_become_a_clear_command_error(monkeypatch: Any, capsys: Any) -> None:
    def broken(**kwargs: Any) -> int:
        raise OperationalError("could not connect to server: Connection refused\nDETAIL: x")

    monkeypatch.setattr(sessions, "cleanup_expired", broken)
    with pytest.raises(CommandError, match="Could not clean up expired sessions: could not"):
        _run()
    with pytest.raises(SystemExit) as exited:
        ManagementUtility(["manage.py", "cleanup_sessions"]).execute()
    assert exited.value.code != 0
    err = capsys.readouterr().err
    assert "Could not clean up expired sessions" in err
    assert "Traceback" not in err
    assert "DETAIL" not in err


def test_running_twice_is_harmless() -> None:
    _sessions(3, expired_for=timedelta(hours=1))
    active = _sessions(1)
    assert "Deleted 3 expired sessions." in _run()
    assert "Deleted 0 expired sessions." in _run()
    assert set(Session.objects.values_list("pk", flat=True)) == _pks(active)


def test_nothing_to_do() -> None:
    assert "Deleted 0 expired sessions." in _run()
    assert "Would delete 0 expired sessions." in _run("--dry-run")


def test_sessions_cleaned_signal_fires_with_the_count() -> None:
    received: list[dict[str, Any]] = []

    def receiver(sender: Any, **kwargs: Any) -> None:
        received.append({"sender": sender, "count": kwargs["count"]})

    signals.sessions_cleaned.connect(receiver)
    try:
        _sessions(5, expired_for=timedelta(hours=1))
        _run("--dry-run")
        assert received == []  # a dry run cleans nothing
        _run("--batch-size", "2")
        assert received == [{"sender": Session, "count": 5}]
        _run()
        assert received[-1] == {"sender": Session, "count": 0}
    finally:
        signals.sessions_cleaned.disconnect(receiver)


@pytest.mark.django_db(transaction=True)
def test_batches_commit_outside_a_test_transaction() -> None:
    """With real transactions (no wrapping test transaction), each batch commits on its own."""
    _sessions(5, expired_for=timedelta(hours=1))
    active = _sessions(1)
    assert "Deleted 5 expired sessions." in _run("--batch-size", "2")
    assert set(Session.objects.values_list("pk", flat=True)) == _pks(active)
