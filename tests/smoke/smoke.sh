#!/usr/bin/env bash
# The newcomer smoke: does what a new user does on a fresh clone, end to end, against the real hosts.
#   - builds the fake OpenAI-compatible model (bench/FakeModel) and starts `./run.sh` with WORKERS=2 on free ports,
#     with the password-protected PostgreSQL cluster run.sh creates in .local/ (ConnectionStrings__Db is not passed on);
#   - drives the public REST API with a personal API token (tests/smoke/smoke_api.py): a model profile on the fake
#     model, the MathArena and Open Proof Corpus imports from ../shared/corpora, a five-stage and an absolute run,
#     a Worker SIGKILLed mid-run (run.sh must start it again, every solution is still graded exactly once), the JSONL
#     export;
#   - stops run.sh with SIGTERM and checks that nothing listens on its ports and no host or PostgreSQL process is left;
#   - starts it again: the token still works, the generated admin password is not printed again; stops and checks again.
# Prints `PASS: ...` / `FAIL: ...` per check and `smoke: N passed, N failed` at the end; exits 1 when a check failed.
# On failure it prints the tails of run.sh's logs (.local/logs). It always stops what it started.
#
#   tests/smoke/smoke.sh
#   SMOKE_KEEP=1 tests/smoke/smoke.sh      # keep the scratch folder (run.sh output, fake model log, API transcript)
#
# Settings: SMOKE_START_TIMEOUT (seconds for run.sh to build and start, default 1500), SMOKE_WAIT (seconds for any one
# wait on an import or run, default 300), SMOKE_LATENCY_MS (the fake model's latency per call, default 1000),
# SMOKE_CORPORA (default ../shared/corpora beside the repository).
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../.."
ROOT="$PWD"
CORPORA="${SMOKE_CORPORA:-$(cd "$ROOT/.." && pwd)/shared/corpora}"
START_TIMEOUT="${SMOKE_START_TIMEOUT:-1500}"
WAIT="${SMOKE_WAIT:-300}"
LATENCY_MS="${SMOKE_LATENCY_MS:-1000}"
WORKERS=2
LOCAL="$ROOT/.local"
CREDENTIALS="$LOCAL/admin-credentials.txt"
FAKE_DLL="$ROOT/bench/FakeModel/bin/Release/net10.0/GradingPortal.Bench.FakeModel.dll"

export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

WORK="$(mktemp -d "${TMPDIR:-/tmp}/gp-smoke.XXXXXX")"
RUN_OUT="$WORK/run-1.out"   # the output of the latest start of run.sh
T0=$SECONDS
PASSED=0
FAILED=0
RUN_PID=""
FAKE_PID=""
API_PID=""

stamp() { printf '[%5ds]' $((SECONDS - T0)); }
pass() { PASSED=$((PASSED + 1)); echo "PASS: $(stamp) $*"; }
fail() { FAILED=$((FAILED + 1)); echo "FAIL: $(stamp) $*"; }
info() { echo "      $(stamp) $*"; }
# A failed check that later steps depend on: cleanup prints the logs and stops everything.
fatal() { fail "$*"; exit 1; }

# A process that has exited but was not reaped yet (a zombie, e.g. a daemon's postmaster waiting for init) is not alive.
alive() {
    [[ -n "$1" ]] && kill -0 "$1" 2>/dev/null || return 1
    local state
    state="$(sed -E 's/^.*\) ([A-Za-z]).*$/\1/' "/proc/$1/stat" 2>/dev/null)" || return 1
    [[ -n "$state" && "$state" != Z && "$state" != X ]]
}
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
# Whether anything listens on a TCP port of this machine (any address, IPv4 or IPv6), from the kernel's tables.
listening() {
    python3 - "$1" <<'PY'
import sys
port = int(sys.argv[1])
for table in ("/proc/net/tcp", "/proc/net/tcp6"):
    try:
        rows = open(table).read().splitlines()[1:]
    except OSError:
        continue
    for row in rows:
        fields = row.split()
        if fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:
            sys.exit(0)
sys.exit(1)
PY
}
# Processes of this checkout's hosts or local PostgreSQL cluster, found by their command lines.
leftovers() {
    python3 - "$ROOT" <<'PY'
import os, sys
root = sys.argv[1]
marks = [f"{root}/.local/publish/", f"{root}/src/Web/bin/", f"{root}/migrations/bin/", f"{root}/.local/pg/"]
for pid in filter(str.isdigit, os.listdir("/proc")):
    try:
        cmd = open(f"/proc/{pid}/cmdline", "rb").read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        continue
    if any(m in cmd for m in marks) and int(pid) != os.getpid():
        print(pid, cmd[:160])
PY
}

# CI keeps what the smoke prints: the admin password run.sh printed stays out of it.
redact() {
    if [[ -n "${ADMIN_PASSWORD:-}" ]]; then
        python3 -c 'import sys; secret = sys.argv[1]; sys.stdout.write(sys.stdin.read().replace(secret, "<admin password>"))' "$ADMIN_PASSWORD"
    else
        cat
    fi
}
print_logs() {
    echo
    echo "==== run.sh output ($RUN_OUT) ===="
    tail -n 60 "$RUN_OUT" 2>/dev/null | redact
    local log
    for log in "$LOCAL"/logs/run.log "$LOCAL"/logs/migrator.log "$LOCAL"/logs/api.log "$LOCAL"/logs/web.log "$LOCAL"/logs/worker-*.log; do
        [[ -f "$log" ]] || continue
        echo "==== ${log#"$ROOT"/} (last 80 lines) ===="
        tail -n 80 "$log" | redact
    done
    if [[ -f "$LOCAL/logs/build.log" ]] && grep -q ': error ' "$LOCAL/logs/build.log"; then
        echo "==== build errors ===="
        grep ': error ' "$LOCAL/logs/build.log" | sort -u | tail -n 20
    fi
    if [[ -f "$WORK/fake.log" ]]; then
        echo "==== fake model ===="
        tail -n 20 "$WORK/fake.log"
    fi
    echo "==== end of logs ===="
}

# Stops run.sh the way a user does (SIGTERM), waits for it, and only then by force what it left behind.
stop_run_sh() {   # seconds to wait
    alive "$RUN_PID" || return 0
    kill -TERM "$RUN_PID" 2>/dev/null
    local deadline=$((SECONDS + $1))
    while alive "$RUN_PID" && ((SECONDS < deadline)); do sleep 0.5; done
    if alive "$RUN_PID"; then
        info "run.sh did not stop within $1 s; killing it and what it started"
        kill -KILL "$RUN_PID" 2>/dev/null
        local pid _
        while read -r pid _; do kill -KILL "$pid" 2>/dev/null; done <"$LOCAL/hosts.pid" 2>/dev/null
        [[ -f "$LOCAL/pg/data/postmaster.pid" ]] && kill -INT "$(head -1 "$LOCAL/pg/data/postmaster.pid")" 2>/dev/null
    fi
    wait "$RUN_PID" 2>/dev/null
}

cleanup() {
    local status=$?
    trap - EXIT INT TERM
    alive "$API_PID" && kill -TERM "$API_PID" 2>/dev/null
    if alive "$RUN_PID"; then
        info "stopping run.sh..."
        stop_run_sh 60
    fi
    if alive "$FAKE_PID"; then
        kill -TERM "$FAKE_PID" 2>/dev/null
        for _ in $(seq 1 20); do alive "$FAKE_PID" || break; sleep 0.25; done
        kill -KILL "$FAKE_PID" 2>/dev/null
    fi
    if ((FAILED > 0 || status != 0)); then
        ((FAILED > 0)) || fail "the smoke stopped early (exit $status)"
        print_logs
    fi
    if [[ "${SMOKE_KEEP:-0}" == 1 ]]; then
        echo "smoke: kept $WORK"
    else
        rm -rf "$WORK"
    fi
    echo "smoke: $PASSED passed, $FAILED failed in $((SECONDS - T0)) s"
    ((FAILED == 0 && status == 0)) || exit 1
    exit 0
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- before anything starts -----------------------------------------------------------------------------------------
[[ -d "$CORPORA/matharena-usamo-2025" && -d "$CORPORA/opc/BMOSL" ]] || fatal "the corpora are at $CORPORA (set SMOKE_CORPORA)"
for tool in dotnet python3; do
    command -v "$tool" >/dev/null || fatal "'$tool' is installed"
done

info "building the fake model (bench/FakeModel, Release)..."
if dotnet build bench/FakeModel/GradingPortal.Bench.FakeModel.csproj -c Release --nologo --disable-build-servers -v q \
    >"$WORK/fake-build.log" 2>&1 && [[ -f "$FAKE_DLL" ]]; then
    pass "built the fake model"
else
    grep ': error ' "$WORK/fake-build.log" | sort -u | tail -n 20
    fatal "build the fake model (bench/FakeModel)"
fi

WEB_PORT="$(free_port)"
API_PORT="$(free_port)"
PG_PORT="$(free_port)"
while [[ "$API_PORT" == "$WEB_PORT" ]]; do API_PORT="$(free_port)"; done
while [[ "$PG_PORT" == "$WEB_PORT" || "$PG_PORT" == "$API_PORT" ]]; do PG_PORT="$(free_port)"; done
FRESH=0
[[ -f "$LOCAL/pg/data/PG_VERSION" ]] || FRESH=1

# --- run.sh --------------------------------------------------------------------------------------------------------
# Starts ./run.sh in the background as a newcomer would (no ConnectionStrings__Db, no Admin__* settings), with its
# output in $1, and waits for its banner.
start_run_sh() {
    RUN_OUT="$1"
    local started=$SECONDS deadline=$((SECONDS + START_TIMEOUT))
    env -u ConnectionStrings__Db -u Admin__Email -u Admin__Password \
        WEB_PORT="$WEB_PORT" API_PORT="$API_PORT" PG_PORT="$PG_PORT" WORKERS="$WORKERS" ./run.sh >"$RUN_OUT" 2>&1 &
    RUN_PID=$!
    until grep -q '^GradingPortal is running at' "$RUN_OUT"; do
        alive "$RUN_PID" || fatal "run.sh starts (it exited: $(grep 'run.sh: error' "$RUN_OUT" | tail -n 1))"
        ((SECONDS < deadline)) || fatal "run.sh starts within ${START_TIMEOUT} s"
        sleep 1
    done
    pass "run.sh started Api, Web and $WORKERS Workers in $((SECONDS - started)) s"
}

# Stops run.sh with SIGTERM and checks that it leaves nothing behind: no listener on its ports, no host or
# PostgreSQL process of this checkout, no pid files.
stop_and_check() {
    local host_pids pg_pid stop_started=$SECONDS deadline=$((SECONDS + 90)) run_status=0 busy="" left="" others port pid
    host_pids="$(cut -d' ' -f1 "$LOCAL/hosts.pid" 2>/dev/null | tr '\n' ' ')"
    pg_pid="$(head -1 "$LOCAL/pg/data/postmaster.pid" 2>/dev/null)"
    kill -TERM "$RUN_PID" 2>/dev/null
    while alive "$RUN_PID" && ((SECONDS < deadline)); do sleep 0.5; done
    if alive "$RUN_PID"; then
        fail "run.sh stops within 90 s of SIGTERM"
        stop_run_sh 5
    else
        wait "$RUN_PID" || run_status=$?
        if grep -q '^run.sh: stopped.' "$RUN_OUT"; then
            pass "run.sh stopped on SIGTERM in $((SECONDS - stop_started)) s (exit $run_status, \"stopped.\")"
        else
            fail "run.sh stopped cleanly on SIGTERM (exit $run_status; last line: $(tail -n 1 "$RUN_OUT"))"
        fi
    fi
    RUN_PID=""
    sleep 1
    for port in "$WEB_PORT" "$API_PORT" "$PG_PORT"; do
        listening "$port" && busy+=" $port"
    done
    if [[ -z "$busy" ]]; then
        pass "nothing listens on run.sh's ports any more (Web $WEB_PORT, Api $API_PORT, PostgreSQL $PG_PORT)"
    else
        fail "nothing listens on run.sh's ports any more: still listening on$busy"
    fi
    # run.sh has returned; what it stopped gets a few seconds to be gone from the process table.
    for _ in $(seq 1 10); do
        left=""
        for pid in $host_pids $pg_pid; do
            alive "$pid" && left+=" $pid"
        done
        others="$(leftovers)"
        [[ -n "$left" || -n "$others" ]] || break
        sleep 0.5
    done
    if [[ -z "$left" && -z "$others" ]]; then
        pass "no host or PostgreSQL process is left (hosts were: ${host_pids% }, postmaster $pg_pid)"
    else
        fail "no host or PostgreSQL process is left: still alive:$left $others"
    fi
    if [[ ! -e "$LOCAL/hosts.pid" && ! -e "$LOCAL/run.pid" ]]; then
        pass "run.sh removed its pid files"
    else
        fail "run.sh removed its pid files ($(ls "$LOCAL"/*.pid 2>/dev/null | tr '\n' ' '))"
    fi
}

info "starting ./run.sh (WORKERS=$WORKERS, Web $WEB_PORT, Api $API_PORT, PostgreSQL $PG_PORT; a first start builds and publishes)..."
start_run_sh "$WORK/run-1.out"
# run.sh moves its cluster to another port when the one asked for is busy: take the one it used.
PG_PORT="$(sed -n 's/^run.sh: starting PostgreSQL on 127.0.0.1:\([0-9]*\).*/\1/p' "$RUN_OUT" | tail -n 1)"
grep -q 'Database:  local cluster' "$RUN_OUT" && [[ -n "$PG_PORT" ]] \
    || fatal "run.sh uses its own local PostgreSQL cluster ($(grep 'Database:' "$RUN_OUT"))"
pass "run.sh uses its own password-protected PostgreSQL cluster on port $PG_PORT"

[[ -f "$CREDENTIALS" ]] || fatal "run.sh kept the admin credentials in ${CREDENTIALS#"$ROOT"/}"
ADMIN_EMAIL="$(sed -n 's/^email=//p' "$CREDENTIALS")"
ADMIN_PASSWORD="$(sed -n 's/^password=//p' "$CREDENTIALS")"
if [[ $FRESH -eq 1 ]]; then
    if grep -qF -- "$ADMIN_PASSWORD" "$RUN_OUT"; then
        pass "run.sh printed the generated admin password on the start that created it"
    else
        fail "run.sh printed the generated admin password on the start that created it"
    fi
else
    info "not a fresh .local: the admin password was generated by an earlier start"
fi
for url in "http://127.0.0.1:$API_PORT/health" "http://127.0.0.1:$WEB_PORT/health"; do
    if curl -fsS -o /dev/null --max-time 10 "$url"; then pass "$url answers 200"; else fail "$url answers 200"; fi
done

# --- the fake model ----------------------------------------------------------------------------------------------------
dotnet "$FAKE_DLL" --port 0 --latency-ms "$LATENCY_MS" >"$WORK/fake.log" 2>&1 &
FAKE_PID=$!
for _ in $(seq 1 120); do
    grep -q '^FAKE_MODEL_URL=' "$WORK/fake.log" && break
    alive "$FAKE_PID" || break
    sleep 0.5
done
FAKE_URL="$(sed -n 's/^FAKE_MODEL_URL=//p' "$WORK/fake.log")"
[[ -n "$FAKE_URL" ]] || fatal "the fake model starts and prints FAKE_MODEL_URL"
pass "the fake model listens at $FAKE_URL ($LATENCY_MS ms per call)"

# --- the REST API ---------------------------------------------------------------------------------------------------
# In the background, so that a signal to this script is handled at once.
SMOKE_API="http://127.0.0.1:$API_PORT" SMOKE_FAKE_URL="$FAKE_URL" SMOKE_ROOT="$ROOT" SMOKE_CORPORA="$CORPORA" \
    SMOKE_ADMIN_EMAIL="$ADMIN_EMAIL" SMOKE_ADMIN_PASSWORD="$ADMIN_PASSWORD" SMOKE_RUN_OUTPUT="$RUN_OUT" SMOKE_WAIT="$WAIT" \
    SMOKE_WORKERS="$WORKERS" SMOKE_OFFSET=$((SECONDS - T0)) SMOKE_TOKEN_FILE="$WORK/token" \
    python3 -u tests/smoke/smoke_api.py > >(tee "$WORK/api.out") 2>&1 &
API_PID=$!
api_status=0
wait "$API_PID" || api_status=$?
API_PID=""
sleep 0.2   # let tee write the last lines
PASSED=$((PASSED + $(grep -c '^PASS:' "$WORK/api.out")))
FAILED=$((FAILED + $(grep -c '^FAIL:' "$WORK/api.out")))
if [[ $api_status -ne 0 ]] && ! grep -q '^FAIL:' "$WORK/api.out"; then
    fail "the API checks ended with exit status $api_status"
fi

# --- stop, start again, stop ---------------------------------------------------------------------------------------
if alive "$RUN_PID"; then
    pass "run.sh is still running after the API checks"
else
    fail "run.sh is still running after the API checks"
fi
stop_and_check

# A later start: the data is still there, and the generated password is not shown again.
info "starting ./run.sh again on the same ports..."
start_run_sh "$WORK/run-2.out"
if [[ -n "$ADMIN_PASSWORD" ]] && ! grep -qF -- "$ADMIN_PASSWORD" "$RUN_OUT" && grep -q 'password in .local/admin-credentials.txt' "$RUN_OUT"; then
    pass "a later start does not print the admin password; it says where it is kept"
else
    fail "a later start does not print the admin password; it says where it is kept ($(grep 'Admin:' "$RUN_OUT" | redact))"
fi
# The header from a private file: a token on the command line would be visible to every process list.
[[ -s "$WORK/token" ]] && (umask 077; printf 'Authorization: Bearer %s\n' "$(cat "$WORK/token")" >"$WORK/auth-header")
if [[ -s "$WORK/auth-header" ]] && curl -fsS -o /dev/null --max-time 10 -H @"$WORK/auth-header" "http://127.0.0.1:$API_PORT/api/me"; then
    pass "the API token made before still works after the restart"
else
    fail "the API token made before still works after the restart"
fi
stop_and_check
exit $((FAILED > 0 ? 1 : 0))
