#!/usr/bin/env bash
# Runs every test project against one throwaway PostgreSQL cluster and prints `N passed, N failed, N skipped`.
#
#   ./test.sh                      # everything
#   ./test.sh --filter Rubric      # extra arguments go to `dotnet test`
#
# Installs what is missing first (Chromium for the browser tests, the local dotnet tools). The cluster lives in a
# temp folder on a free port and is removed on exit, whatever happens. Exits non-zero when the build fails, any
# test fails, or no test ran.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")"
ROOT="$PWD"
RESULTS_DIR="$ROOT/TestResults"

export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
# The PostgreSQL server binaries are not always on PATH (Debian keeps them in a versioned folder).
for pgbin in /usr/lib/postgresql/*/bin; do
    [[ -d "$pgbin" ]] && PATH="$PATH:$pgbin"
done
export PATH

say() { printf 'test.sh: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }
as_root() { if [[ $EUID -eq 0 ]]; then "$@"; else sudo "$@"; fi; }

for tool in dotnet node npm initdb pg_ctl python3; do
    command -v "$tool" >/dev/null || die "'$tool' is not installed (see README.md, Development)."
done

# --- what may be missing ------------------------------------------------------------------------------------------
if [[ ! -x /usr/bin/chromium ]]; then
    say "installing Chromium for the browser tests (apt, about a minute)..."
    export DEBIAN_FRONTEND=noninteractive
    as_root apt-get update -qq
    as_root apt-get install -y -qq chromium >/dev/null
fi
dotnet tool restore >/dev/null
# npm packages: the Web project runs `npm ci` for its static assets during `dotnet build`.

# --- one throwaway PostgreSQL cluster ------------------------------------------------------------------------------
PG_TMP="$(mktemp -d "${TMPDIR:-/tmp}/gp-test-pg.XXXXXX")"
PG_DATA="$PG_TMP/data"
PG_RUN="$PG_TMP/run"
PG_STARTED=0
CHILD=""

cleanup() {
    local status=$?
    trap - EXIT INT TERM
    if [[ -n "$CHILD" ]] && kill -0 "$CHILD" 2>/dev/null; then
        kill -TERM -- "-$CHILD" 2>/dev/null || true
        for _ in $(seq 1 50); do kill -0 "$CHILD" 2>/dev/null || break; sleep 0.1; done
        kill -KILL -- "-$CHILD" 2>/dev/null || true
    fi
    if [[ $PG_STARTED -eq 1 && -f "$PG_DATA/postmaster.pid" ]]; then
        local pid
        pid="$(head -1 "$PG_DATA/postmaster.pid")"
        kill -INT "$pid" 2>/dev/null || true   # fast shutdown
        for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -rf "$PG_TMP"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Runs a long command in its own process group and waits for it, so that a signal to this script takes effect at
# once (bash defers traps until a foreground command ends) and the trap can stop the command's whole tree.
run_child() {
    setsid "$@" &
    CHILD=$!
    local status=0
    wait "$CHILD" || status=$?
    CHILD=""
    return "$status"
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# initdb refuses to run as root: as root the cluster belongs to the postgres user.
pg_as_owner() { if [[ $EUID -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }

if [[ $EUID -eq 0 ]]; then
    chmod 755 "$PG_TMP"
    install -d -o postgres -g postgres -m 700 "$PG_DATA"
    install -d -o postgres -g postgres -m 755 "$PG_RUN"
else
    install -d -m 700 "$PG_DATA"
    install -d -m 755 "$PG_RUN"
fi
PG_PORT="$(free_port)"
# As on every real server, TCP connections need a password (scram-sha-256): a host that drops the password on the way
# to PostgreSQL fails here as it would in a deployment. Only the owner's Unix socket (used by nobody but this script)
# is trusted.
PG_PASSWORD="$(head -c 24 /dev/urandom | base64 | tr -d '/+=')"
pwfile="$PG_RUN/initdb-password"
(umask 077; printf '%s\n' "$PG_PASSWORD" >"$pwfile")
[[ $EUID -ne 0 ]] || chown postgres:postgres "$pwfile"
pg_as_owner initdb -D "$PG_DATA" -U postgres --auth-local=trust --auth-host=scram-sha-256 --pwfile="$pwfile" \
    -E UTF8 --locale=C.UTF-8 --no-sync >"$PG_TMP/initdb.log" 2>&1 \
    || { rm -f "$pwfile"; cat "$PG_TMP/initdb.log" >&2; die "initdb failed"; }
rm -f "$pwfile"
# Durability is worthless for a throwaway cluster; speed is not. Many test classes open pools at once.
PG_STARTED=1
pg_as_owner pg_ctl -D "$PG_DATA" -l "$PG_RUN/pg.log" -w -t 60 \
    -o "-p $PG_PORT -k $PG_RUN -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" \
    start >/dev/null \
    || { cat "$PG_RUN/pg.log" >&2 || true; die "PostgreSQL did not start"; }
export GP_TEST_PG="Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Password=$PG_PASSWORD;Database=postgres"
say "PostgreSQL for tests on 127.0.0.1:$PG_PORT"

# --- build, test, count ---------------------------------------------------------------------------------------------
rm -rf "$RESULTS_DIR"
mkdir -p "$RESULTS_DIR"

# No build servers (compiler server, MSBuild nodes): nothing started by this script outlives it.
if ! run_child dotnet build GradingPortal.sln --nologo --disable-build-servers; then
    say "the build failed"
    echo "0 passed, 0 failed, 0 skipped"
    exit 1
fi

test_status=0
# The default TRX names are unique per test project (LogFileName would be overwritten per project, and
# LogFilePrefix names collide when two projects finish within the same second).
run_child dotnet test GradingPortal.sln --no-build --nologo --logger trx --results-directory "$RESULTS_DIR" "$@" \
    || test_status=$?

# Totals from every TRX file: <Counters total= executed= passed= failed= error= timeout= aborted= .../>
summary="$(python3 - "$RESULTS_DIR" <<'PY'
import glob, os, sys
import xml.etree.ElementTree as ET

ns = "{http://microsoft.com/schemas/VisualStudio/TeamTest/2010}"
passed = failed = skipped = 0
files = sorted(glob.glob(os.path.join(sys.argv[1], "**", "*.trx"), recursive=True))
for path in files:
    counters = ET.parse(path).getroot().find(f"{ns}ResultSummary/{ns}Counters")
    if counters is None:
        continue
    c = {k: int(v) for k, v in counters.attrib.items() if v.isdigit()}
    p = c.get("passed", 0)
    f = sum(c.get(k, 0) for k in ("failed", "error", "timeout", "aborted"))
    passed += p
    failed += f
    skipped += max(c.get("total", 0) - p - f, 0)
print(f"{passed} {failed} {skipped} {len(files)}")
PY
)"
read -r passed failed skipped trx_files <<<"$summary"

echo "$passed passed, $failed failed, $skipped skipped"

if [[ $failed -gt 0 ]]; then
    say "$failed test(s) failed; TRX files in $RESULTS_DIR"
    exit 1
fi
if [[ $test_status -ne 0 ]]; then
    say "dotnet test exited with $test_status (a test host may have crashed; see the output above)"
    exit 1
fi
if [[ $passed -eq 0 ]]; then
    say "no test ran ($trx_files TRX file(s) in $RESULTS_DIR)"
    exit 1
fi
