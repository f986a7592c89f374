#!/usr/bin/env bash
# Read-path benchmark (issue: foundation). Seeds 1,000 solutions of ~20 KB and 50 annotations on one, then measures
# GET /api/solutions/{id} and the Web solution page with wrk (30 s, 32 connections, after a 5 s warm-up).
# Prints requests/s and p50/p95/p99 for both. Targets on a 2-core machine: API p99 < 25 ms, page p99 < 60 ms.
# Usage: bench/run.sh [solutions=1000] [seconds=30] [connections=32]
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
COUNT=${1:-1000}
SECONDS_RUN=${2:-30}
CONNECTIONS=${3:-32}
CORPORA="$ROOT/../shared/corpora"

command -v wrk >/dev/null || { echo "installing wrk (apt)"; { [ "$(id -u)" = 0 ] && apt-get update -qq && apt-get install -y -qq wrk; } || sudo apt-get install -y -qq wrk; }

WORK=$(mktemp -d /tmp/gp-bench.XXXXXX)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]:-}"; do [ -n "$pid" ] && kill "$pid" 2>/dev/null || true; done
  if [ -f "$WORK/pg/data/postmaster.pid" ]; then kill -INT "$(head -1 "$WORK/pg/data/postmaster.pid")" 2>/dev/null || true; sleep 1; fi
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

echo "== building (Release)"
dotnet build GradingPortal.sln -c Release -v q -nologo >"$WORK/build.log" 2>&1 || { cat "$WORK/build.log"; exit 1; }

echo "== starting PostgreSQL"
PG_PORT=$(free_port)
mkdir -p "$WORK/pg"
if [ "$(id -u)" = 0 ]; then chmod 755 "$WORK"; install -d -o postgres -g postgres -m 700 "$WORK/pg/data"; install -d -o postgres -g postgres "$WORK/pg/run"; else mkdir -p -m 700 "$WORK/pg/data" "$WORK/pg/run"; fi
as_pg initdb -D "$WORK/pg/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
as_pg pg_ctl -D "$WORK/pg/data" -l "$WORK/pg/run/pg.log" -w -o "-p $PG_PORT -k $WORK/pg/run -c listen_addresses=127.0.0.1 -c shared_buffers=256MB" start >/dev/null
psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -qc "CREATE DATABASE bench" >/dev/null
export ConnectionStrings__Db="Host=127.0.0.1;Port=$PG_PORT;Database=bench;Username=postgres;Maximum Pool Size=64"
export Admin__Email=bench@example.org Admin__Password=bench-password-1
dotnet migrations/bin/Release/net10.0/GradingPortal.Migrations.dll >/dev/null

API_PORT=$(free_port); WEB_PORT=$(free_port)
export Logging__LogLevel__Default=Warning
ASPNETCORE_URLS="http://127.0.0.1:$API_PORT" dotnet src/Api/bin/Release/net10.0/GradingPortal.Api.dll >"$WORK/api.log" 2>&1 & PIDS+=($!)
# An if block, not `[ ... ] || cmd &`: that would background a subshell, and killing it would leave the Web running.
if [ "${BENCH_API_ONLY:-0}" != 1 ]; then
  ASPNETCORE_URLS="http://127.0.0.1:$WEB_PORT" Api__BaseUrl="http://127.0.0.1:$API_PORT" DataProtection__KeysPath="$WORK/web-keys" \
    dotnet src/Web/bin/Release/net10.0/GradingPortal.Web.dll >"$WORK/web.log" 2>&1 &
  PIDS+=($!)
fi
URLS=("http://127.0.0.1:$API_PORT/health"); [ "${BENCH_API_ONLY:-0}" = 1 ] || URLS+=("http://127.0.0.1:$WEB_PORT/health")
for url in "${URLS[@]}"; do
  for _ in $(seq 1 60); do curl -fs "$url" >/dev/null 2>&1 && break; sleep 0.5; done
  curl -fs "$url" >/dev/null || { echo "not healthy: $url"; cat "$WORK/api.log" "$WORK/web.log"; exit 1; }
done

echo "== seeding $COUNT solutions (~20 KB each) through the Api"
t0=$(date +%s)
python3 bench/seed.py "http://127.0.0.1:$API_PORT" "$Admin__Email" "$Admin__Password" "$COUNT" "$CORPORA" >"$WORK/seed.out"
echo "   seeded in $(( $(date +%s) - t0 )) s"
SOLUTION_ID=$(sed -n 's/^SOLUTION_ID=//p' "$WORK/seed.out")
TOKEN=$(sed -n 's/^TOKEN=//p' "$WORK/seed.out")

if [ "${BENCH_HOLD:-0}" = 1 ]; then
  echo "holding for inspection: PG_PORT=$PG_PORT API_PORT=$API_PORT SOLUTION_ID=$SOLUTION_ID TOKEN=$TOKEN"; sleep "${BENCH_HOLD_SECONDS:-900}"
fi
measure() { # name url header...
  local name=$1 url=$2; shift 2
  wrk -t2 -c"$CONNECTIONS" -d5s "$@" -s bench/percentiles.lua "$url" >/dev/null 2>&1 || true   # warm-up
  local out; out=$(wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_RUN}s" "$@" -s bench/percentiles.lua "$url" | grep '^RESULT')
  echo "$name: ${out#RESULT }"
}

echo "== wrk: ${SECONDS_RUN}s, $CONNECTIONS connections, 2 threads"
if [ "${BENCH_EXTRA:-0}" = 1 ]; then
  measure "api  GET /health (floor)" "http://127.0.0.1:$API_PORT/health"
  measure "api  GET /api/me (auth floor)" "http://127.0.0.1:$API_PORT/api/me" -H "Authorization: Bearer $TOKEN"
fi
measure "api  GET /api/solutions/{id}" "http://127.0.0.1:$API_PORT/api/solutions/$SOLUTION_ID" -H "Authorization: Bearer $TOKEN"

[ "${BENCH_API_ONLY:-0}" = 1 ] && exit 0
# The Web page needs a signed-in cookie: sign in through the real form (antiforgery included).
COOKIE=$(python3 bench/web_login.py "http://127.0.0.1:$WEB_PORT" "$Admin__Email" "$Admin__Password")
curl -fs -o /dev/null -H "Cookie: $COOKIE" "http://127.0.0.1:$WEB_PORT/solutions/$SOLUTION_ID" || { echo "the Web solution page did not answer 200"; tail -20 "$WORK/web.log"; exit 1; }
measure "page GET /solutions/{id}    " "http://127.0.0.1:$WEB_PORT/solutions/$SOLUTION_ID" -H "Cookie: $COOKIE"

echo "targets: api p99 < 25 ms, page p99 < 60 ms (2-core machine)"
