#!/usr/bin/env bash
# Export benchmark (issue: data in and out). Seeds N solutions of ~10 KB (default 50,000) into one project, then
# exports them through the real Api (Release build, Kestrel) with curl to /dev/null and prints solutions/s and the
# Api's peak resident memory (VmHWM from /proc). Targets on this 2-core machine: >= 20,000 solutions/s, peak < 400 MB.
#
# Seeding goes around the Api on purpose (this measures export, not import): the project, problem and rubric are
# created through the Api; the solutions are generated inside PostgreSQL by one INSERT ... SELECT from a pool of real
# proof text (../shared/corpora, never copied into the repository), each a different 10 KB slice so that TOAST
# compression sees realistic text. Every 10th solution also gets a human grade, every 50th an adjudication, so the
# per-page grade lookups do real work.
#
# Usage: bench/export.sh [solutions=50000] [runs=3]
#   BENCH_FORMATS="jsonl csv pairs" to also time CSV and the pairs flavor (default: jsonl only).
#   BENCH_TOAST=lz4 starts PostgreSQL with default_toast_compression=lz4 (default: pglz, PostgreSQL's own default).
#   BENCH_HOLD=1 keeps everything running after seeding, for poking at it by hand.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
COUNT=${1:-50000}
RUNS=${2:-3}
FORMATS=${BENCH_FORMATS:-jsonl}
CORPORA="$ROOT/../shared/corpora"

WORK=$(mktemp -d /tmp/gp-bench-export.XXXXXX)
API_PID=""
cleanup() {
  [ -n "$API_PID" ] && kill "$API_PID" 2>/dev/null || true
  if [ -f "$WORK/pg/data/postmaster.pid" ]; then kill -INT "$(head -1 "$WORK/pg/data/postmaster.pid")" 2>/dev/null || true; sleep 1; fi
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

echo "== building (Release)"
dotnet build src/Api/GradingPortal.Api.csproj -c Release -v q -nologo >"$WORK/build.log" 2>&1 || { cat "$WORK/build.log"; exit 1; }
dotnet build migrations/GradingPortal.Migrations.csproj -c Release -v q -nologo >>"$WORK/build.log" 2>&1 || { cat "$WORK/build.log"; exit 1; }

echo "== starting PostgreSQL"
PG_PORT=$(free_port)
mkdir -p "$WORK/pg"
if [ "$(id -u)" = 0 ]; then chmod 755 "$WORK"; install -d -o postgres -g postgres -m 700 "$WORK/pg/data"; install -d -o postgres -g postgres "$WORK/pg/run"; else mkdir -p -m 700 "$WORK/pg/data" "$WORK/pg/run"; fi
as_pg initdb -D "$WORK/pg/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
as_pg pg_ctl -D "$WORK/pg/data" -l "$WORK/pg/run/pg.log" -w -o "-p $PG_PORT -k $WORK/pg/run -c listen_addresses=127.0.0.1 -c shared_buffers=256MB -c default_toast_compression=${BENCH_TOAST:-pglz}" start >/dev/null
PSQL=(psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -v ON_ERROR_STOP=1 -q)
"${PSQL[@]}" -c "CREATE DATABASE bench" >/dev/null
export ConnectionStrings__Db="Host=127.0.0.1;Port=$PG_PORT;Database=bench;Username=postgres"
export Admin__Email=bench@example.org Admin__Password=bench-password-1
dotnet migrations/bin/Release/net10.0/GradingPortal.Migrations.dll >/dev/null

API_PORT=$(free_port)
API="http://127.0.0.1:$API_PORT"
Logging__LogLevel__Default=Warning ASPNETCORE_URLS="$API" dotnet src/Api/bin/Release/net10.0/GradingPortal.Api.dll >"$WORK/api.log" 2>&1 &
API_PID=$!
for _ in $(seq 1 60); do curl -fs "$API/health" >/dev/null 2>&1 && break; sleep 0.5; done
curl -fs "$API/health" >/dev/null || { echo "Api not healthy"; cat "$WORK/api.log"; exit 1; }

echo "== seeding $COUNT solutions of ~10 KB"
t0=$(date +%s.%N)
TOKEN=$(curl -fs -H 'Content-Type: application/json' -d "{\"email\":\"$Admin__Email\",\"password\":\"$Admin__Password\"}" "$API/api/auth/login" \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["accessToken"])')
AUTH=(-H "Authorization: Bearer $TOKEN")
PROJECT=$(curl -fs "${AUTH[@]}" -H 'Content-Type: application/json' -d '{"name":"Export benchmark"}' "$API/api/projects" \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
PROBLEM=$(curl -fs "${AUTH[@]}" -H 'Content-Type: application/json' -d '{"title":"Benchmark problem","statement":"Prove that $a^2+b^2 \\ge 2ab$.","maxPoints":7,"externalId":"bench","referenceSolutions":[{"text":"$(a-b)^2 \\ge 0$.","source":"bench"}],"rubric":{"items":[{"title":"Key idea","points":3},{"title":"Completion","points":4}],"zeroCredit":"Nothing"}}' \
  "$API/api/projects/$PROJECT/problems" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
ADMIN_ID=$(curl -fs "${AUTH[@]}" "$API/api/me" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')

# A pool of real proof text (tab/backslash/newline escaped for COPY's text format), loaded as one row.
python3 - "$CORPORA" >"$WORK/pool.tsv" <<'PY'
import glob, os, sys
root = sys.argv[1]
pool = ""
for pattern in ("matharena-usamo-2025/solutions/*.tex", "imo-proofbench/*.csv", "opc/*.json"):
    for path in sorted(glob.glob(os.path.join(root, pattern))):
        with open(path, encoding="utf-8", errors="replace") as f:
            pool += f.read() + "\n\n"
        if len(pool) > 400_000:
            break
while len(pool) < 40_000:
    pool += pool
print(pool.replace("\\", "\\\\").replace("\t", "\\t").replace("\r", "\\r").replace("\n", "\\n"))
PY
"${PSQL[@]}" -d bench <<SQL
CREATE TEMP TABLE pool (text text);
\copy pool FROM '$WORK/pool.tsv'
-- Time-ordered ids (a millisecond clock, then a counter, then hash bits) that sort like the Api's UUID v7 ones.
CREATE TEMP TABLE seeded AS
SELECT i,
       (lpad(to_hex((extract(epoch FROM now()) * 1000)::bigint * 1000 + i), 16, '0') || substr(md5(i::text), 1, 16))::uuid AS id,
       now() + make_interval(secs => i / 1000.0) AS at
FROM generate_series(1, $COUNT) AS i;
INSERT INTO solutions (id, project_id, problem_id, text, author, external_id, created_at, updated_at)
SELECT s.id, '$PROJECT', '$PROBLEM',
       'Solution ' || s.i || E'.\n\n' || substr(p.text, 1 + (s.i * 997) % (length(p.text) - 10000), 10000),
       'model-' || (s.i % 6), 'bench-' || s.i, s.at, s.at
FROM seeded s CROSS JOIN pool p;
INSERT INTO human_grades (id, project_id, solution_id, grader_id, rubric_id, points, comment, given_blind, created_at, updated_at)
SELECT gen_random_uuid(), '$PROJECT', s.id, '$ADMIN_ID', NULL, (s.i % 15) / 2.0, 'bench', true, s.at, s.at
FROM seeded s WHERE s.i % 10 = 0;
INSERT INTO adjudications (id, project_id, solution_id, points, rationale, adjudicator_id, based_on, created_at, updated_at)
SELECT gen_random_uuid(), '$PROJECT', s.id, (s.i % 15) / 2.0, 'bench', '$ADMIN_ID', '[]', s.at, s.at
FROM seeded s WHERE s.i % 50 = 0;
SQL
"${PSQL[@]}" -d bench -c "VACUUM ANALYZE" >/dev/null
SIZE=$("${PSQL[@]}" -d bench -Atc "SELECT pg_size_pretty(sum(length(text))::bigint) FROM solutions")
echo "   seeded in $(python3 -c "import time; print(round(time.time() - $t0, 1))") s ($SIZE of solution text)"

rss() { awk -v k="$1:" '$1 == k { printf "%d", $2 / 1024 }' "/proc/$API_PID/status"; }
cpu() { awk '{ printf "%d", $14 + $15 }' "/proc/$API_PID/stat"; }   # user + system clock ticks
TICKS=$(getconf CLK_TCK)
echo "== Api resident memory before exporting: $(rss VmRSS) MB (TOAST compression: ${BENCH_TOAST:-pglz}; load average: $(cut -d' ' -f1-3 /proc/loadavg))"

export_once() { # query-string -> prints seconds and bytes
  curl -fsS -o /dev/null -w '%{time_total} %{size_download}\n' "${AUTH[@]}" "$API/api/projects/$PROJECT/export?$1" \
    || { echo "export failed ($1); Api log:" >&2; tail -40 "$WORK/api.log" >&2; exit 1; }
}
if [ "${BENCH_HOLD:-0}" = 1 ]; then
  echo "holding: PG_PORT=$PG_PORT API=$API PROJECT=$PROJECT TOKEN=$TOKEN"; sleep "${BENCH_HOLD_SECONDS:-1800}"
fi
for format in $FORMATS; do
  case $format in
    jsonl) query="format=jsonl" ;;
    csv) query="format=csv" ;;
    pairs) query="format=jsonl&flavor=pairs" ;;
    *) echo "unknown format $format"; exit 1 ;;
  esac
  export_once "$query" >/dev/null   # warm-up: a whole export, so the JIT has optimised the hot path before timing
  best=""
  for run in $(seq 1 "$RUNS"); do
    before=$(cpu)
    read -r secs bytes < <(export_once "$query")
    used=$(python3 -c "print(round(($(cpu) - $before) / $TICKS, 2))")
    rate=$(python3 -c "print(round($COUNT / $secs))")
    echo "$format run $run: $COUNT solutions in ${secs}s = $rate solutions/s ($(python3 -c "print(round($bytes / 1048576))") MB, $(python3 -c "print(round($bytes / 1048576 / $secs))") MB/s; Api CPU ${used}s)"
    if [ -z "$best" ] || [ "$rate" -gt "$best" ]; then best=$rate; fi
  done
  echo "RESULT $format: best $best solutions/s"
done
echo "RESULT peak Api memory (VmHWM): $(rss VmHWM) MB; now (VmRSS): $(rss VmRSS) MB"
echo "targets: >= 20000 solutions/s, peak < 400 MB (2-core machine)"
