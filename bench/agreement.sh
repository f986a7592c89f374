#!/usr/bin/env bash
# Agreement endpoint benchmark (issue: judge the judges). Seeds a project with 20 grading runs that each scored 2,500
# solutions (50 problems x 50) against one human grade per solution: 50,000 human-model pairs. Then times
# GET /api/projects/{id}/agreement (95% intervals, 1,000 resamples per grader) through HTTP:
#   cold       the first request after the Api started (JIT, load, compute);
#   recompute  after a grade changed (the cached result is stale: load and compute again, warm JIT);
#   warm       the cached result (reads the project's grades version, then serves from memory);
# the per-problem endpoint cold, and the review queue and partial-credit audit (uncached, every solution assessed).
# Prints each figure in seconds. Target: under 2 s on a 2-core machine.
# Usage: bench/agreement.sh [graders=20] [problems=50] [solutionsPerProblem=50] [warmRuns=10]
#   BENCH_NO_BUILD=1 skips the Release build.
set -euo pipefail
cd "$(dirname "$0")/.."
GRADERS=${1:-20}
PROBLEMS=${2:-50}
PER_PROBLEM=${3:-50}
WARM_RUNS=${4:-10}

WORK=$(mktemp -d /tmp/gp-agreement-bench.XXXXXX)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]:-}"; do [ -n "$pid" ] && kill "$pid" 2>/dev/null || true; done
  if [ -f "$WORK/pg/data/postmaster.pid" ]; then
    kill -INT "$(head -1 "$WORK/pg/data/postmaster.pid")" 2>/dev/null || true
    # A busy server can take longer than a second to stop; removing its files under it fails the script at the end.
    for _ in $(seq 1 30); do [ -f "$WORK/pg/data/postmaster.pid" ] || break; sleep 0.5; done
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

if [ "${BENCH_NO_BUILD:-0}" != 1 ]; then
  echo "== building Api and migrator (Release)"
  for project in src/Api/GradingPortal.Api.csproj migrations/GradingPortal.Migrations.csproj; do
    dotnet build "$project" -c Release -v q -nologo >"$WORK/build.log" 2>&1 || { cat "$WORK/build.log"; exit 1; }
  done
fi

echo "== starting PostgreSQL"
PG_PORT=$(free_port)
mkdir -p "$WORK/pg"
if [ "$(id -u)" = 0 ]; then chmod 755 "$WORK"; install -d -o postgres -g postgres -m 700 "$WORK/pg/data"; install -d -o postgres -g postgres "$WORK/pg/run"; else mkdir -p -m 700 "$WORK/pg/data" "$WORK/pg/run"; fi
as_pg initdb -D "$WORK/pg/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
as_pg pg_ctl -D "$WORK/pg/data" -l "$WORK/pg/run/pg.log" -w -o "-p $PG_PORT -k $WORK/pg/run -c listen_addresses=127.0.0.1 -c shared_buffers=256MB" start >/dev/null
psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -qc "CREATE DATABASE bench" >/dev/null
export ConnectionStrings__Db="Host=127.0.0.1;Port=$PG_PORT;Database=bench;Username=postgres;Maximum Pool Size=64"
export Admin__Email=bench@example.org Admin__Password=bench-password-1
dotnet migrations/bin/Release/net10.0/GradingPortal.Migrations.dll >"$WORK/migrate.log" 2>&1 || { cat "$WORK/migrate.log"; exit 1; }

start_api() {
  API_PORT=$(free_port)
  Logging__LogLevel__Default=Warning ASPNETCORE_URLS="http://127.0.0.1:$API_PORT" dotnet src/Api/bin/Release/net10.0/GradingPortal.Api.dll >>"$WORK/api.log" 2>&1 &
  API_PID=$!
  PIDS+=("$API_PID")
  for _ in $(seq 1 120); do curl -fs "http://127.0.0.1:$API_PORT/health" >/dev/null 2>&1 && return 0; sleep 0.5; done
  echo "the Api did not become healthy"; cat "$WORK/api.log"; exit 1
}
start_api

echo "== seeding $GRADERS runs x $((PROBLEMS * PER_PROBLEM)) solutions"
t0=$(date +%s)
python3 bench/seed_agreement.py "http://127.0.0.1:$API_PORT" "$Admin__Email" "$Admin__Password" \
  "postgresql://postgres@127.0.0.1:$PG_PORT/bench" "$GRADERS" "$PROBLEMS" "$PER_PROBLEM" >"$WORK/seed.out"
echo "   seeded in $(( $(date +%s) - t0 )) s"
PROJECT_ID=$(sed -n 's/^PROJECT_ID=//p' "$WORK/seed.out")
TOKEN=$(sed -n 's/^TOKEN=//p' "$WORK/seed.out")
SOLUTION_ID=$(sed -n 's/^SOLUTION_ID=//p' "$WORK/seed.out")

# A fresh Api process, so that "cold" includes what a first caller after a deployment pays.
kill "$API_PID"; wait "$API_PID" 2>/dev/null || true
start_api
URL="http://127.0.0.1:$API_PORT/api/projects/$PROJECT_ID/agreement"
timed() { curl -fs -o "$WORK/last.json" -w '%{time_total}' -H "Authorization: Bearer $TOKEN" "$1"; }

echo "== load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
cold=$(timed "$URL")
python3 - "$WORK/last.json" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
g = r["graders"]
m = g[0]["metrics"]["mae"]
print(f"   {len(g)} graders, n = {sum(x['n'] for x in g)} pairs; first grader mae {m['value']:.4f} [{m['low']:.4f}, {m['high']:.4f}] n {m['n']}")
EOF
warm=()
for _ in $(seq 1 "$WARM_RUNS"); do warm+=("$(timed "$URL")"); done
# A grade change (adjudicating one solution, then revising it) makes the cached figures stale each time.
recompute=()
for points in 3 4 5; do
  code=$(curl -s -o /dev/null -w '%{http_code}' -X PUT -H "Authorization: Bearer $TOKEN" -H "Content-Type: application/json" \
    -d "{\"points\": $points, \"rationale\": \"bench\", \"rowVersion\": ${ROW_VERSION:-null}}" "http://127.0.0.1:$API_PORT/api/solutions/$SOLUTION_ID/adjudication")
  case $code in 200|201) ;; *) echo "adjudication answered $code"; exit 1 ;; esac
  ROW_VERSION=$(curl -fs -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$API_PORT/api/solutions/$SOLUTION_ID" \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["adjudication"]["rowVersion"])')
  recompute+=("$(timed "$URL")")
done
problems_cold=$(timed "$URL/problems")
# The review queue assesses every solution of the project (all model grades, their provenance and findings) on each
# request, uncached; ask for two grades per solution so that every solution is still waiting for one.
PROJECT_URL="http://127.0.0.1:$API_PORT/api/projects/$PROJECT_ID"
PROJECT_ROW_VERSION=$(curl -fs -H "Authorization: Bearer $TOKEN" "$PROJECT_URL" | python3 -c 'import json,sys; print(json.load(sys.stdin)["rowVersion"])')
curl -fs -o /dev/null -X PATCH -H "Authorization: Bearer $TOKEN" -H "Content-Type: application/json" \
  -d "{\"requiredHumanGrades\": 2, \"rowVersion\": $PROJECT_ROW_VERSION}" "$PROJECT_URL"
queue=()
for _ in 1 2 3; do queue+=("$(timed "$PROJECT_URL/review-queue?pageSize=50")"); done
audit=()
for _ in 1 2 3; do audit+=("$(timed "$PROJECT_URL/audit/partial-credit?pageSize=50")"); done
echo "== load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

python3 - "$cold" "$problems_cold" "${recompute[*]}" "${queue[*]}" "${audit[*]}" "${warm[@]}" <<'EOF'
import statistics, sys
cold, problems = float(sys.argv[1]), float(sys.argv[2])
recompute = sorted(float(x) for x in sys.argv[3].split())
queue = sorted(float(x) for x in sys.argv[4].split())
audit = sorted(float(x) for x in sys.argv[5].split())
warm = sorted(float(x) for x in sys.argv[6:])
print(f"agreement cold (first request, fresh process): {cold:.3f} s")
print(f"agreement recompute (after a grade change), median / worst of {len(recompute)}: {statistics.median(recompute):.3f} / {recompute[-1]:.3f} s")
print(f"agreement warm (cached), median / worst:       {statistics.median(warm):.3f} / {warm[-1]:.3f} s")
print(f"agreement/problems cold:                       {problems:.3f} s")
print(f"review-queue (every solution assessed, uncached), median / worst of {len(queue)}: {statistics.median(queue):.3f} / {queue[-1]:.3f} s")
print(f"audit/partial-credit (uncached; the seed has no item awards, so reads only), median / worst of {len(audit)}: {statistics.median(audit):.3f} / {audit[-1]:.3f} s")
print("target: under 2 s (2-core machine)")
EOF
