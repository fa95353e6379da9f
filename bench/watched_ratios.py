"""What watched sessions cost on the request path, in-process CPU time, all features on vs off,
in one run.

    .venv/bin/python bench/watched_ratios.py [--rounds 10] [--requests 200]

Calls Django's ``WSGIHandler`` directly as ``bench/inprocess_ratios.py`` does (benchmark
settings, which install ``django_authsession.activity``; ``DEBUG`` off). Each target runs twice
per round, in alternating order:

- **off**: what a project without the activity app runs: no activity interval, idle timeout,
  session cap or place resolver, and the app's signal receivers disconnected;
- **on**: every feature: activity written every 300 s, a 30-minute idle timeout, a cap of 20
  sessions per user ending the least recently active, places from a GeoIP2 file (written with
  mmdb-writer when it is installed), the security history and new-device mails (to Django's
  local-memory mail backend).

Targets: a cookie-cache hit of ``/api/auth/session`` (the interval not passed: the usual hit),
the same hit with ``AUTHSESSION_ACTIVITY_INTERVAL = 0`` on the "on" side (every hit pays the
activity write and a new cookie: the hit once in a while), the database path (cookie cache off),
and ``POST /sign-in/email`` from a new browser each time (a new device: two events, a known-device
row and the mail) and from a browser the account knows (its device cookie), with a fast password
hasher so that the app's own work is what shows; the cap is reached, so each sign-in "on" also
ends one session. Prints CPU time per request and the throughput ratio on/off
(1.00 = no cost; 0.50 = half the requests per CPU second).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench import profile_session as ps  # the same environment and WSGI caller

FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL = "watched@example.com"
SIGN_IN_EMAIL = "signs-in@example.com"  # another user: the cap ends its sessions, not EMAIL's
PASSWORD = "watched-password-123"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=10, help="rounds (10)")
    parser.add_argument("--requests", type=int, default=200, help="requests per target (200)")
    args = parser.parse_args(argv)
    scratch = ps.configure_environment(setup=True)
    places_dir = Path(tempfile.mkdtemp(prefix="watched-bench-"))
    try:
        import django

        django.setup()
        from django.contrib.auth import get_user_model
        from django.core.management import call_command
        from django.test import override_settings

        from django_authsession import cookies, sessions, signals
        from django_authsession.activity import places, receivers

        if scratch is not None:
            call_command("migrate", verbosity=0)
        geoip = _geoip_file(places_dir)
        on_settings = {
            "AUTHSESSION_ACTIVITY_INTERVAL": 300,
            "AUTHSESSION_IDLE_TIMEOUT": 1800,
            "AUTHSESSION_MAX_SESSIONS_PER_USER": 20,
            "AUTHSESSION_NOTIFY_NEW_DEVICE": True,
            "AUTHSESSION_GEOIP_PATH": geoip,
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
            "PASSWORD_HASHERS": FAST_HASHER,
        }
        off_settings = {
            "AUTHSESSION_ACTIVITY_INTERVAL": None,
            "AUTHSESSION_IDLE_TIMEOUT": None,
            "AUTHSESSION_MAX_SESSIONS_PER_USER": None,
            "AUTHSESSION_NOTIFY_NEW_DEVICE": False,
            "AUTHSESSION_GEOIP_PATH": None,
            "PASSWORD_HASHERS": FAST_HASHER,
        }

        @contextmanager
        def features(on: bool, **extra: object) -> Iterator[None]:
            with override_settings(**{**(on_settings if on else off_settings), **extra}):
                if on:
                    yield
                    return
                sessions.set_locator(None)
                _disconnect(signals, receivers)
                try:
                    yield
                finally:
                    receivers.connect()
                    sessions.set_locator(places.locate)

        with override_settings(PASSWORD_HASHERS=FAST_HASHER):
            for email in (EMAIL, SIGN_IN_EMAIL):
                get_user_model().objects.filter(email=email).delete()
                get_user_model().objects.create_user(email=email, password=PASSWORD)
        call = ps.Caller()
        with features(True):
            reply = call(
                "POST", "/api/auth/sign-in/email", body={"email": EMAIL, "password": PASSWORD}
            )
        if reply.status != 200:
            raise SystemExit(f"sign-in: HTTP {reply.status} {reply.body[:300]!r}")
        jar = reply.set_cookies
        token = {cookies.token_cookie_name(): jar[cookies.token_cookie_name()]}
        data = {k: v for k, v in jar.items() if k.startswith(cookies.data_cookie_name()) and v}
        hit_cookie = ps.cookie_header({**token, **data})
        db_cookie = ps.cookie_header(token)

        def timed(on: bool, work: Callable[[], None], **extra: object) -> Callable[[], float]:
            def run() -> float:
                with features(on, **extra):
                    started = time.process_time()
                    for _ in range(args.requests):
                        work()
                    return (time.process_time() - started) / args.requests * 1e6

            return run

        def get(cookie: str) -> Callable[[], None]:
            def work() -> None:
                reply = call("GET", "/api/auth/session", cookie)
                assert reply.status == 200 and b'"user":{' in reply.body, reply.body[:200]

            return work

        def sign_in(cookie: str = "") -> Callable[[], None]:
            def work() -> None:
                reply = call(
                    "POST",
                    "/api/auth/sign-in/email",
                    cookie,
                    body={"email": SIGN_IN_EMAIL, "password": PASSWORD},
                )
                assert reply.status == 200, reply.body[:200]

            return work

        with features(True):  # a browser the account knows: its device cookie only
            first = call(
                "POST",
                "/api/auth/sign-in/email",
                body={"email": SIGN_IN_EMAIL, "password": PASSWORD},
            )
        device = {k: v for k, v in first.set_cookies.items() if k.endswith(".device")}
        known_browser = ps.cookie_header(device)

        targets: dict[str, Callable[[], float]] = {}
        cases: list[tuple[str, Callable[[], None], dict[str, object], dict[str, object]]] = [
            ("hit", get(hit_cookie), {}, {}),
            ("hit+write", get(hit_cookie), {"AUTHSESSION_ACTIVITY_INTERVAL": 0}, {}),
            (
                "db",
                get(db_cookie),
                {"AUTHSESSION_COOKIE_CACHE": False},
                {"AUTHSESSION_COOKIE_CACHE": False},
            ),
            ("sign-in new", sign_in(), {}, {}),
            ("sign-in known", sign_in(known_browser), {}, {}),
        ]
        for name, work, extra_on, extra_off in cases:
            targets[f"{name} on"] = timed(True, work, **extra_on)
            targets[f"{name} off"] = timed(False, work, **extra_off)
        for run in targets.values():  # warm up every path once
            run()
        results: dict[str, list[float]] = {key: [] for key in targets}
        order = list(targets)
        for number in range(args.rounds):
            for key in order if number % 2 == 0 else order[::-1]:
                results[key].append(targets[key]())
        print(
            f"In-process CPU time per request, median of {args.rounds} rounds (us), places: "
            f"{'GeoIP2 file' if geoip else 'none (mmdb-writer not installed)'}:"
        )
        for key in targets:
            print(f"  {key:<18} {statistics.median(results[key]):9.1f}")
        print("Throughput ratio on/off (median of per-round ratios; 1.00 = no cost):")
        for name in ("hit", "hit+write", "db", "sign-in new", "sign-in known"):
            ratio = statistics.median(
                off / on
                for on, off in zip(results[f"{name} on"], results[f"{name} off"], strict=True)
            )
            print(f"  {name:<14} {ratio:5.2f}")
    finally:
        shutil.rmtree(places_dir, ignore_errors=True)
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)
    return 0


def _disconnect(signals: object, receivers: object) -> None:
    """The activity app's receivers, as if it were not installed."""
    from django.contrib.auth import user_logged_in, user_login_failed

    uid = receivers.UID  # type: ignore[attr-defined]
    for signal, name in [
        (signals.session_created, "created"),  # type: ignore[attr-defined]
        (signals.session_revoked, "revoked"),  # type: ignore[attr-defined]
        (signals.session_refused, "refused"),  # type: ignore[attr-defined]
        (signals.password_changed, "password"),  # type: ignore[attr-defined]
        (signals.account_locked_out, "lockout"),  # type: ignore[attr-defined]
        (user_login_failed, "failed"),
        (user_logged_in, "logged_in"),
    ]:
        signal.disconnect(dispatch_uid=uid + name)


def _geoip_file(folder: Path) -> str | None:
    """A GeoIP2 City file placing 127.0.0.1 (the benchmark's client) in Berlin."""
    try:
        from tests.helpers import geoip_record, write_geoip_database

        path = write_geoip_database(
            folder / "GeoLite2-City.mmdb", {"127.0.0.0/8": geoip_record("DE", "Germany", "Berlin")}
        )
    except ImportError:
        return None
    return str(path)


if __name__ == "__main__":
    sys.exit(main())
