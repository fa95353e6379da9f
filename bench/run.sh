#!/usr/bin/env bash
# Session benchmark of django_authsession, in one command, from anywhere in the repository:
#
#   bash bench/run.sh                       # SQLite in a temporary directory, local-memory cache
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/authsession_bench \
#   REDIS_URL=redis://127.0.0.1:6379/14 bash bench/run.sh      # PostgreSQL (created if missing) + Redis
#   bash bench/run.sh --profile             # then an in-process cProfile of each target
#   bash bench/run.sh --help                # --duration, --rounds, --connections, --threads, ...
#
# What it does: installs the project with its bench/example/postgres/redis extras into .venv
# (reused when present, else bench/.venv is created; BENCH_VENV=path overrides), installs wrk
# with apt-get when it is missing (as root, or through sudo), then runs bench/session_bench.py,
# which starts three gunicorn servers and one uvicorn server of the benchmark project (bench/,
# its own settings and URLconf) on 127.0.0.1 ports 8100-8199 (2 workers each, DEBUG off, rate
# limiting on with a raised limit), signs in over HTTP, checks every target, measures with wrk
# in alternating rounds and prints one table of medians and four ratios; then
# bench/inprocess_ratios.py prints the same ratios measured in CPU time without a server.
# About 5 minutes at the defaults; the servers are always stopped. Results are not written
# anywhere: copy the printed table.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

if [[ -n "${BENCH_VENV:-}" ]]; then
    venv="$BENCH_VENV"
elif [[ -x .venv/bin/python ]]; then
    venv=.venv
else
    venv=bench/.venv
fi
if [[ ! -x "$venv/bin/python" ]]; then
    python3 -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
    -e ".[bench,example,postgres,redis]"

if ! command -v wrk >/dev/null 2>&1; then
    if [[ "$(id -u)" -eq 0 ]]; then
        sudo=()
    elif command -v sudo >/dev/null 2>&1; then
        sudo=(sudo)
    else
        echo "wrk is missing and cannot be installed without root: apt-get install -y wrk" >&2
        exit 1
    fi
    "${sudo[@]}" apt-get update -qq
    "${sudo[@]}" apt-get install -y -qq wrk >/dev/null
fi

"$venv/bin/python" bench/session_bench.py "$@"
# The same ratios in CPU time, in-process: steadier on a machine shared with other work.
"$venv/bin/python" bench/inprocess_ratios.py
