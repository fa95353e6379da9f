"""Cleanup benchmark: ``manage.py cleanup_sessions`` against one ``DELETE ... WHERE expires_at <
now()``, on PostgreSQL, each from a fresh process (so Django's start-up counts for both).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/authsession_bench \
        .venv/bin/python bench/cleanup.py

The database is created if missing, migrated, and its ``session`` table is emptied and refilled
before every measured run. The data: ``--expired`` sessions (1,000,000) and ``--live`` ones
(100,000, every eleventh row), written by ``INSERT ... SELECT generate_series`` in creation
order, as a real table is; an expired row expired two seconds after the one before it. Every
run is preceded by ``VACUUM ANALYZE`` and ``CHECKPOINT``, and the two contenders alternate for
``--rounds`` rounds. It prints each run, then the medians: rows/s of both (rows over the whole
process's wall time), their ratio, the cleanup's peak RSS and longest batch, and whether every
live session survived (compared by a digest of their ids). Exit status 1 when a live session
was lost or an expired one kept; the three targets (ratio >= 0.7, longest batch < 0.5 s, peak
RSS < 100 MB) are reported, not enforced. ``--pair`` then refills the table once more and starts
two ``cleanup_sessions`` at once: both must succeed and together delete each expired row once.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "example_project.settings")
os.environ.setdefault("DJANGO_DEBUG", "0")

import django  # noqa: E402

SINGLE_DELETE = """
import django
django.setup()
from django.db import connection, transaction
from django_authsession.models import Session
table = connection.ops.quote_name(Session._meta.db_table)
with transaction.atomic(), connection.cursor() as cursor:
    cursor.execute(f"DELETE FROM {table} WHERE expires_at < now()")
    print(f"Deleted {cursor.rowcount} expired sessions.")
"""

DELETED = re.compile(r"Deleted ([\d,]+) expired session")
LONGEST = re.compile(r"longest ([\d.]+) s")
TARGET_RATIO = 0.7
TARGET_BATCH_SECONDS = 0.5
TARGET_RSS_MB = 100


@dataclass
class Run:
    name: str
    rows: int
    seconds: float
    peak_rss_mb: float
    longest_batch: float | None
    survived: bool
    output: str

    @property
    def rate(self) -> float:
        return self.rows / self.seconds


def ensure_database() -> None:
    """Create the database named by DATABASE_URL when it does not exist yet."""
    import psycopg
    from django.db import connection

    params = connection.get_connection_params()
    name = connection.settings_dict["NAME"]
    params.pop("dbname", None)
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            admin.execute(f'CREATE DATABASE "{name}"')


def build(expired: int, live: int) -> str:
    """Refill the session table; return the digest of the live sessions' ids."""
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction

    from django_authsession import sessions
    from django_authsession.models import Session

    quote = connection.ops.quote_name
    table = Session._meta.db_table
    total = expired + live
    every = round(total / live) if live else total + 1
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {quote(table)}")
        user = get_user_model().objects.filter(email="cleanup-bench@example.com").first()
        if user is None:
            user = get_user_model().objects.create_user("cleanup-bench@example.com", None)
        # One row made by the app itself: every column the generated rows do not set (including
        # any added by later migrations) is copied from it.
        template, _ = sessions.create_session(user)
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending checks for ALTER TABLE
        generated = {
            "id": "gen_random_uuid()",
            "token": "md5(g::text) || md5((g * 7)::text)",
            "expires_at": (
                f"CASE WHEN g %% {every} = 0 "
                "THEN now() + interval '1 hour' + (g %% 7) * interval '1 day' "
                f"ELSE now() - interval '1 minute' - ({total} - g) * interval '2 second' END"
            ),
            "created_at": "now() - interval '40 days' + g * interval '2 second'",
            "updated_at": "now() - interval '40 days' + g * interval '2 second'",
        }
        columns = [str(f.column) for f in Session._meta.concrete_fields]
        select = [generated.get(c, f"t.{quote(c)}") for c in columns]
        with connection.cursor() as cursor:
            # Dropping the indexes and constraints and building them again afterwards is ten
            # times faster than maintaining five indexes row by row.
            cursor.execute(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = %s::regclass",
                [table],
            )
            constraints = cursor.fetchall()
            cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s AND indexname "
                "NOT IN (SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass)",
                [table, table],
            )
            indexes = cursor.fetchall()
            for name, _ in constraints:
                cursor.execute(f"ALTER TABLE {quote(table)} DROP CONSTRAINT {quote(name)}")
            for name, _ in indexes:
                cursor.execute(f"DROP INDEX {quote(name)}")
            cursor.execute(
                f"INSERT INTO {quote(table)} ({', '.join(quote(c) for c in columns)}) "
                f"SELECT {', '.join(select)} FROM generate_series(1, %s) AS g, "
                f"{quote(table)} AS t WHERE t.id = %s",
                [total, template.pk],
            )
            cursor.execute(f"DELETE FROM {quote(table)} WHERE id = %s", [template.pk])
            for name, definition in constraints:
                cursor.execute(
                    f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(name)} {definition}"
                )
            for _, definition in indexes:
                cursor.execute(definition)
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM ANALYZE {quote(table)}")
        cursor.execute(
            f"SELECT count(*) FILTER (WHERE expires_at < now()), count(*) FROM {quote(table)}"
        )
        n_expired, n_all = cursor.fetchone()
        if (n_expired, n_all - n_expired) != (expired, live):
            raise SystemExit(f"built {n_expired} expired + {n_all - n_expired} live: wrong data")
        digest = live_digest(cursor, "WHERE expires_at >= now()")
        cursor.execute("CHECKPOINT")
    connection.close()
    return digest


def live_digest(cursor, where: str) -> str:
    from django.db import connection

    from django_authsession.models import Session

    table = connection.ops.quote_name(Session._meta.db_table)
    cursor.execute(
        f"SELECT count(*) || ':' || coalesce(md5(string_agg(id::text, ',' ORDER BY id)), '') "
        f"FROM {table} {where}"
    )
    return str(cursor.fetchone()[0])


def measure(name: str, argv: list[str], digest: str) -> Run:
    """Run ``argv`` in a fresh process; wall time and peak RSS of that process alone."""
    from django.db import connection

    with tempfile.TemporaryFile("w+") as out:
        started = time.perf_counter()
        process = subprocess.Popen(argv, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        output = out.read()
    if process.returncode != 0:
        raise SystemExit(f"{name} failed with exit code {process.returncode}:\n{output}")
    deleted = DELETED.search(output)
    longest = LONGEST.search(output)
    with connection.cursor() as cursor:
        survived = live_digest(cursor, "") == digest
    connection.close()
    return Run(
        name=name,
        rows=int(deleted.group(1).replace(",", "")) if deleted else 0,
        seconds=seconds,
        peak_rss_mb=usage.ru_maxrss / 1024,  # kilobytes on Linux
        longest_batch=float(longest.group(1)) if longest else None,
        survived=survived,
        output=output,
    )


def measure_pair(argv: list[str], digest: str) -> tuple[list[int], float, list[float], bool]:
    """Two runs of ``argv`` started at once: each one's count, the wall time until both ended,
    each one's longest batch, and whether the live sessions survived."""
    from django.db import connection

    with tempfile.TemporaryFile("w+") as first, tempfile.TemporaryFile("w+") as second:
        started = time.perf_counter()
        processes = [
            subprocess.Popen(argv, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
            for out in (first, second)
        ]
        codes = [process.wait() for process in processes]
        seconds = time.perf_counter() - started
        texts = []
        for out in (first, second):
            out.seek(0)
            texts.append(out.read())
    if any(codes):
        raise SystemExit(f"a run of the pair failed ({codes}):\n" + "\n".join(texts))
    counts = [int(m.group(1).replace(",", "")) for t in texts if (m := DELETED.search(t))]
    longest = [float(m.group(1)) for t in texts if (m := LONGEST.search(t))]
    with connection.cursor() as cursor:
        survived = live_digest(cursor, "") == digest
    connection.close()
    return counts, seconds, longest, survived


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--expired", type=int, default=1_000_000)
    parser.add_argument("--live", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=2, help="rounds of both contenders")
    parser.add_argument(
        "--pair",
        action="store_true",
        help="then start two cleanup_sessions at once and check they delete each row once",
    )
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        parser.error("set DATABASE_URL to a PostgreSQL database (it is emptied and refilled)")

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    ensure_database()
    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        print(cursor.fetchone()[0].split(" on ")[0], f"| Django {django.get_version()}")
    print(f"{args.expired:,} expired + {args.live:,} live sessions, {args.rounds} rounds\n")

    python = sys.executable
    contenders = {
        "single DELETE": [python, "-c", SINGLE_DELETE],
        "cleanup_sessions": [python, "manage.py", "cleanup_sessions"],
    }
    runs: dict[str, list[Run]] = {name: [] for name in contenders}
    for round_number in range(1, args.rounds + 1):
        order = list(contenders) if round_number % 2 else list(reversed(contenders))
        for name in order:
            started = time.perf_counter()
            digest = build(args.expired, args.live)
            built = time.perf_counter() - started
            run = measure(name, contenders[name], digest)
            runs[name].append(run)
            batch = "" if run.longest_batch is None else f", longest batch {run.longest_batch} s"
            print(
                f"round {round_number} {name:17} {run.rows:>9,} rows in {run.seconds:6.2f} s "
                f"= {run.rate:>11,.0f} rows/s, peak RSS {run.peak_rss_mb:5.1f} MB{batch}, "
                f"live kept: {'yes' if run.survived else 'NO'} (built in {built:.0f} s)",
                flush=True,
            )
            if run.rows != args.expired:
                print(f"  expected {args.expired:,} deleted rows; output:\n{run.output}")

    single = statistics.median(r.rate for r in runs["single DELETE"])
    cleanup_runs = runs["cleanup_sessions"]
    cleanup = statistics.median(r.rate for r in cleanup_runs)
    ratio = cleanup / single
    rss = max(r.peak_rss_mb for r in cleanup_runs)
    longest = max(r.longest_batch or 0.0 for r in cleanup_runs)
    survived = all(r.survived for rs in runs.values() for r in rs)
    complete = all(r.rows == args.expired for rs in runs.values() for r in rs)

    def verdict(ok: bool) -> str:
        return "met" if ok else "NOT met"

    print()
    print(f"single DELETE          {single:>11,.0f} rows/s (median, start-up included)")
    print(f"cleanup_sessions       {cleanup:>11,.0f} rows/s (median, start-up included)")
    ok = ratio >= TARGET_RATIO
    print(f"ratio                  {ratio:11.2f}   target >= {TARGET_RATIO}: {verdict(ok)}")
    by_round = [c.rate / d.rate for c, d in zip(cleanup_runs, runs["single DELETE"], strict=True)]
    print(f"ratio round by round   {', '.join(f'{r:.2f}' for r in by_round)}")
    print(
        f"longest batch          {longest:11.3f} s target < {TARGET_BATCH_SECONDS} s: "
        f"{verdict(longest < TARGET_BATCH_SECONDS)}"
    )
    print(
        f"cleanup peak RSS       {rss:11.1f} MB target < {TARGET_RSS_MB} MB: "
        f"{verdict(rss < TARGET_RSS_MB)}"
    )
    print(f"every live session kept and every expired one deleted: {survived and complete}")
    if args.pair:
        counts, seconds, longest_pair, pair_survived = measure_pair(
            contenders["cleanup_sessions"], build(args.expired, args.live)
        )
        pair_ok = len(counts) == 2 and sum(counts) == args.expired and pair_survived
        print(
            f"two cleanup_sessions at once: {' + '.join(f'{c:,}' for c in counts)} rows "
            f"in {seconds:.2f} s, longest batch {max(longest_pair, default=0):.3f} s, "
            f"each row deleted once and every live session kept: {pair_ok}"
        )
        complete = complete and pair_ok
    return 0 if survived and complete else 1


if __name__ == "__main__":
    sys.exit(main())
