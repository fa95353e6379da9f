"""``manage.py cleanup_sessions`` and ``sessions.cleanup_expired`` (DESIGN.md "Cleanup"): batches
sized by time, progress, dry run, ``--older-than``, clear errors, idempotence, two runs at once
(PostgreSQL), and the ``sessions_cleaned`` signal."""

from __future__ import annotations

import math
import re
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
import time_machine
from django.core.management import CommandError, ManagementUtility, call_command
from django.db import OperationalError, connection, connections, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from django_authsession import sessions, signals
from django_authsession.management.commands import cleanup_sessions
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


def _bulk_sessions(count: int, *, expired_for: timedelta | None = None) -> set[Any]:
    """``count`` sessions in one INSERT, copied from one made by the app (so every column is
    set as sign-in sets it); expired ``expired_for`` ago if given, else active."""
    template, _ = create_session(UserFactory())
    fields = {f.attname: getattr(template, f.attname) for f in Session._meta.concrete_fields}
    if expired_for is not None:
        fields["expires_at"] = timezone.now() - expired_for
    rows = [
        Session(**{**fields, "id": uuid.uuid4(), "token": uuid.uuid4().hex})
        for _ in range(count - 1)
    ]
    Session.objects.bulk_create(rows, batch_size=500)
    Session.objects.filter(pk=template.pk).update(expires_at=fields["expires_at"])
    return {template.pk} | {r.pk for r in rows}


DELETED = re.compile(
    r"Deleted ([\d,]+) expired sessions? in [\d.]+ s \([\d,]+ rows/s, (\d+) batch(?:es)?, "
    r"longest [\d.]+ s\)\."
)


def _deleted(output: str) -> int:
    """The count of the command's final line (which also gives the time, rate and batches)."""
    match = DELETED.search(output)
    assert match, output
    return int(match.group(1).replace(",", ""))


def _batch_limits(queries: CaptureQueriesContext) -> list[int]:
    """The size each batch asked for: on PostgreSQL the offset of the lookup of the slice's end,
    elsewhere the LIMIT of the DELETE."""
    sqls = [q["sql"] for q in queries.captured_queries]
    ends = [int(m.group(1)) for sql in sqls if (m := re.search(r"OFFSET (\d+) LIMIT 1\)", sql))]
    if ends:
        return ends
    deletes = [sql for sql in sqls if sql.startswith("DELETE")]
    return [int(m.group(1)) for sql in deletes if (m := re.search(r"LIMIT (\d+)", sql))]


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
    assert _deleted(output) == 3
    assert set(Session.objects.values_list("pk", flat=True)) == _pks(active)
    assert not Session.objects.filter(pk__in=_pks(expired)).exists()


def test_verbosity_zero_is_silent_but_still_deletes() -> None:
    _sessions(2, expired_for=timedelta(minutes=1))
    assert _run("--verbosity", "0") == ""
    assert not Session.objects.exists()


def test_singular_message() -> None:
    _sessions(1, expired_for=timedelta(seconds=1))
    output = _run()
    assert _deleted(output) == 1
    assert "Deleted 1 expired session in " in output
    assert ", 1 batch, " in output


def test_a_session_expiring_exactly_now_is_expired() -> None:
    with time_machine.travel(timezone.now(), tick=False):
        (row,) = _sessions(1)
        Session.objects.filter(pk=row.pk).update(expires_at=timezone.now())
        assert _deleted(_run()) == 1


@pytest.mark.parametrize(("expired", "batch_size"), [(5, 2), (4, 2), (5, 1), (3, 1000)])
def test_deletes_in_batches(expired: int, batch_size: int) -> None:
    _sessions(expired, expired_for=timedelta(hours=1))
    active = _sessions(2)
    with CaptureQueriesContext(connection) as queries:
        output = _run("--batch-size", str(batch_size))
    assert _deleted(output) == expired
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
    assert _deleted(_run("--older-than", "3600")) == 2
    assert set(Session.objects.values_list("pk", flat=True)) == _pks(recent) | _pks(active)
    assert not Session.objects.filter(pk__in=_pks(old)).exists()
    assert _deleted(_run()) == 3


def test_older_than_follows_the_clock() -> None:
    (row,) = _sessions(1, expired_for=timedelta(minutes=10))
    assert _deleted(_run("--older-than", "3600")) == 0
    with time_machine.travel(timezone.now() + timedelta(hours=1)):
        assert _deleted(_run("--older-than", "3600")) == 1
    assert not Session.objects.filter(pk=row.pk).exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--batch-size", "0"), "--batch-size must be at least 1"),
        (("--batch-size", "-5"), "--batch-size must be at least 1"),
        (("--older-than", "-1"), "--older-than must be 0 or more"),
        (("--max-batch-seconds", "0"), "--max-batch-seconds must be more than 0"),
        (("--max-batch-seconds", "nan"), "--max-batch-seconds must be more than 0"),
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
    assert _deleted(_run()) == 3
    assert _deleted(_run()) == 0
    assert set(Session.objects.values_list("pk", flat=True)) == _pks(active)


def test_nothing_to_do() -> None:
    assert _deleted(_run()) == 0
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
    assert _deleted(_run("--batch-size", "2")) == 5
    assert set(Session.objects.values_list("pk", flat=True)) == _pks(active)


def test_batches_grow_while_they_stay_well_under_the_budget() -> None:
    expired = _bulk_sessions(7500, expired_for=timedelta(hours=1))
    live = _bulk_sessions(3)
    with CaptureQueriesContext(connection) as queries:
        # A minute's budget: batches of a few thousand rows stay far under it even on a loaded
        # machine, so each doubles (the default half second is a timing bet under load).
        assert sessions.cleanup_expired(max_batch_seconds=60) == len(expired)
    assert _batch_limits(queries) == [1000, 2000, 4000, 8000]
    assert set(Session.objects.values_list("pk", flat=True)) == live


def test_batches_shrink_when_they_take_longer_than_the_budget_allows() -> None:
    _bulk_sessions(1004, expired_for=timedelta(hours=1))
    with CaptureQueriesContext(connection) as queries:
        # A budget no batch can keep: after the first, every batch shrinks to one row.
        assert sessions.cleanup_expired(max_batch_seconds=1e-9) == 1004
    limits = _batch_limits(queries)
    # PostgreSQL knows the last batch is the last; elsewhere one more finds nothing left.
    assert limits in ([1000, 1, 1, 1, 1], [1000, 1, 1, 1, 1, 1])
    assert not Session.objects.exists()


@pytest.mark.parametrize(
    ("size", "seconds", "expected"),
    [
        (1000, 0.001, 2000),  # far under the target: at most doubles
        (1000, 0.15, 1333),  # under the 0.2 s target: grows in proportion
        (1000, 0.2, 1000),  # on target: stays
        (1000, 0.8, 250),  # four times too slow: a quarter of the size
        (10, 100.0, 1),  # never below one row
        (sessions.CLEANUP_MAX_BATCH, 0.001, sessions.CLEANUP_MAX_BATCH),  # capped
    ],
)
def test_next_batch_size_follows_the_time_of_the_last_batch(
    size: int, seconds: float, expected: int
) -> None:
    assert sessions._next_batch_size(size, seconds, target=0.2) == expected


def test_progress_reports_rows_so_far_rate_and_estimate() -> None:
    _bulk_sessions(3500, expired_for=timedelta(hours=1))
    reports: list[sessions.CleanupProgress] = []
    total = sessions.cleanup_expired(batch_size=1000, progress=reports.append, progress_every=0)
    assert total == 3500
    assert [(r.deleted, r.remaining, r.batches, r.done) for r in reports] == [
        (1000, 2500, 1, False),
        (2000, 1500, 2, False),
        (3000, 500, 3, False),
        (3500, 0, 4, True),
    ]
    assert all(r.rate > 0 and r.eta is not None for r in reports[:-1])
    assert reports[-1].eta == 0
    assert all(0 <= r.longest_batch <= r.elapsed for r in reports)


def test_a_long_run_prints_progress_at_normal_verbosity(monkeypatch: Any) -> None:
    monkeypatch.setattr(cleanup_sessions, "PROGRESS_EVERY", 0)
    _bulk_sessions(2500, expired_for=timedelta(hours=1))
    output = _run("--batch-size", "1000")
    lines = output.splitlines()
    assert re.fullmatch(
        r"1,000 deleted in [\d.]+ s \([\d,]+ rows/s, about [\d.]+ s to go\)", lines[0]
    ), lines
    assert lines[1].startswith("2,000 deleted in ")
    assert _deleted(lines[2]) == 2500
    assert ", 3 batches, " in lines[2]
    assert len(lines) == 3


def test_a_long_run_is_silent_at_verbosity_zero(monkeypatch: Any) -> None:
    monkeypatch.setattr(cleanup_sessions, "PROGRESS_EVERY", 0)
    _bulk_sessions(2500, expired_for=timedelta(hours=1))
    assert _run("--batch-size", "1000", "--verbosity", "0") == ""
    assert not Session.objects.exists()


def test_a_real_database_error_exits_non_zero_with_the_reason(capsys: Any) -> None:
    _sessions(1, expired_for=timedelta(hours=1))
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending checks block the DROP
        # Dropped inside the test's transaction: the rollback at its end brings the table back.
        cursor.execute(f"DROP TABLE {connection.ops.quote_name(Session._meta.db_table)}")
    with pytest.raises(SystemExit) as exited:
        ManagementUtility(["manage.py", "cleanup_sessions"]).execute()
    assert exited.value.code != 0
    err = capsys.readouterr().err
    assert err.startswith("CommandError: Could not clean up expired sessions: ")
    assert "session" in err
    assert "Traceback" not in err


postgres_only = pytest.mark.skipif(
    connection.vendor == "sqlite",
    reason="needs a database with real concurrent connections: run with DATABASE_URL",
)


@pytest.fixture(params=["one statement", "orm"])
def delete_path(request: Any, monkeypatch: Any) -> str:
    """PostgreSQL's one-statement batches, or the ORM path other databases with SKIP LOCKED
    (MySQL 8, Oracle) take: select and lock the primary keys, then delete them."""
    if request.param == "orm":
        # On the class, so that every thread's connection takes the other path.
        monkeypatch.setattr(type(connections["default"]), "vendor", "postgresql-via-orm")
    return str(request.param)


@postgres_only
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("batch_size", [200, None], ids=["fixed batches", "sized by time"])
def test_two_runs_at_once_both_succeed_and_delete_each_row_once(
    delete_path: str, batch_size: int | None
) -> None:
    expired = _bulk_sessions(6000, expired_for=timedelta(hours=1))
    live = _bulk_sessions(50)
    barrier = threading.Barrier(2)
    counts: list[int] = []
    errors: list[BaseException] = []
    cleaned: list[int] = []

    def on_cleaned(sender: Any, count: int, **kwargs: Any) -> None:
        cleaned.append(count)

    def run() -> None:
        try:
            barrier.wait(timeout=30)
            counts.append(sessions.cleanup_expired(batch_size=batch_size))
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    signals.sessions_cleaned.connect(on_cleaned)
    try:
        threads = [threading.Thread(target=run) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        signals.sessions_cleaned.disconnect(on_cleaned)
    assert not errors, errors
    assert len(counts) == 2
    assert sum(counts) == len(expired)  # together, each row once
    assert sorted(cleaned) == sorted(counts)
    assert set(Session.objects.values_list("pk", flat=True)) == live


def _deletes(queries: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if q["sql"].startswith("DELETE")]


@contextmanager
def _held_elsewhere(sql: str, params: list[Any]) -> Iterator[None]:
    """Run ``sql`` in a transaction of another connection, kept open for the ``with`` block."""
    locked = threading.Event()
    release = threading.Event()

    def hold() -> None:
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(sql, params)
                locked.set()
                release.wait(timeout=30)
        finally:
            connections.close_all()

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert locked.wait(timeout=30)
        yield
    finally:
        release.set()
        holder.join(timeout=30)


def _spread_expiry(pks: set[Any], *, over: timedelta) -> None:
    """Give the rows ``pks`` distinct expiry times spread evenly over ``over``, oldest first."""
    start = timezone.now() - timedelta(hours=1) - over
    step = over / len(pks)
    for n, pk in enumerate(sorted(pks)):
        Session.objects.filter(pk=pk).update(expires_at=start + n * step)


@postgres_only
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("distinct", [True, False], ids=["distinct expiry", "one instant"])
def test_a_lone_run_deletes_slices_of_the_index_without_row_locks(distinct: bool) -> None:
    """The fast path: a run alone takes the advisory lock and deletes each batch with a plain
    DELETE, locking no row before deleting it, on the next slice of expires_at; where more
    rows than a batch expire at one instant, a batch still takes no more than its size."""
    expired = _bulk_sessions(2500, expired_for=timedelta(hours=1))
    if distinct:
        _spread_expiry(expired, over=timedelta(minutes=30))
    live = _bulk_sessions(5)
    reports: list[sessions.CleanupProgress] = []
    with CaptureQueriesContext(connection) as queries:
        total = sessions.cleanup_expired(batch_size=1000, progress=reports.append, progress_every=0)
    assert total == len(expired)
    assert [r.deleted for r in reports] == [1000, 2000, 2500]
    deletes = _deletes(queries)
    assert len(deletes) == 3
    assert not any("FOR UPDATE" in sql or "DESC" in sql for sql in deletes)
    # By ranges of expires_at (no row picked one by one) unless the rows share one instant.
    assert all(("LIMIT" in sql) != distinct for sql in deletes[:2])
    assert sum("pg_try_advisory_xact_lock" in q["sql"] for q in queries.captured_queries) == 3
    assert set(Session.objects.values_list("pk", flat=True)) == live


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_run_beside_another_skips_its_rows_from_the_newest_end_without_waiting() -> None:
    """Another run is in its batch (it holds the advisory lock): this run neither waits for it
    nor deletes lock-free, it locks what it deletes, SKIP LOCKED, from the other end."""
    _bulk_sessions(30, expired_for=timedelta(hours=1))
    live = _bulk_sessions(2)
    with _held_elsewhere("SELECT pg_advisory_xact_lock(%s, %s)", list(sessions.CLEANUP_LOCK)):
        started = time.monotonic()
        with CaptureQueriesContext(connection) as queries:
            assert sessions.cleanup_expired(batch_size=7) == 30
        assert time.monotonic() - started < 3
    deletes = _deletes(queries)
    assert len(deletes) == 5
    assert all("DESC LIMIT" in sql and "FOR UPDATE SKIP LOCKED" in sql for sql in deletes)
    assert set(Session.objects.values_list("pk", flat=True)) == live


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_rows_another_transaction_holds_are_skipped_not_waited_for(delete_path: str) -> None:
    """A request holding an expired row (deleting or refreshing it) delays a batch by at most a
    tenth of the batch budget: the lock-free DELETE gives up and the batch is redone with SKIP
    LOCKED; the held row is left for the next run."""
    expired = _bulk_sessions(30, expired_for=timedelta(hours=1))
    held = next(iter(expired))
    with connection.cursor() as cursor:
        cursor.execute("SET lock_timeout = '10s'")  # a wait this long fails the timing below
    try:
        with _held_elsewhere(
            f"SELECT 1 FROM {connection.ops.quote_name(Session._meta.db_table)} "
            "WHERE id = %s FOR UPDATE",
            [held],
        ):
            started = time.monotonic()
            with CaptureQueriesContext(connection) as queries:
                assert sessions.cleanup_expired(batch_size=7, max_batch_seconds=0.5) == 29
            assert time.monotonic() - started < 3
            assert list(Session.objects.values_list("pk", flat=True)) == [held]
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET lock_timeout")
    locking = [q["sql"] for q in queries.captured_queries if "SKIP LOCKED" in q["sql"]]
    assert locking[0].startswith("DELETE" if delete_path == "one statement" else "SELECT")
    if delete_path == "one statement":
        assert any("FOR UPDATE" not in sql for sql in _deletes(queries))  # tried lock-free first
    assert sessions.cleanup_expired() == 1  # the next run takes it
    assert not Session.objects.exists()
