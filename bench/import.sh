#!/usr/bin/env bash
# Import benchmark (issue: data in and out). Generates N JSON Lines solutions of ~10 KB (default 50,000, about 500 MB)
# for one problem, uploads the file through the real Api (raw body, streamed into PostgreSQL) and times one Worker
# importing it (a Worker starts on the file while it still uploads). Prints the phases (upload, when the Worker started,
# processing, the tail after the upload), solutions/s (processing, and end to end), the Api's peak RSS, and the CPU
# seconds the Api, the Worker and PostgreSQL used (the machine is shared: CPU varies less than wall time).
# Target on a 2-core machine: import >= 5,000 solutions/s; Api peak memory < 400 MB whatever the file size.
# Usage: bench/import.sh [solutions=50000] [kilobytes-per-solution=10]
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
COUNT=${1:-50000}
KB=${2:-10}

WORK=$(mktemp -d /tmp/gp-import-bench.XXXXXX)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]:-}"; do [ -n "$pid" ] && kill "$pid" 2>/dev/null || true; done
  if [ -f "$WORK/pg/data/postmaster.pid" ]; then kill -INT "$(head -1 "$WORK/pg/data/postmaster.pid")" 2>/dev/null || true; sleep 1; fi
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

# Published as the Dockerfiles and run.sh deploy them: the Api ReadyToRun (ADR 012), the Worker not (ADR 013).
PUBLISHED="$ROOT/artifacts/bench-import"
if [ "${BENCH_NO_BUILD:-0}" != 1 ]; then
  echo "== building the migrator, publishing Api (Release, ReadyToRun) and Worker (Release)"
  dotnet build migrations -c Release -v q -nologo >"$WORK/build.log" 2>&1 || { cat "$WORK/build.log"; exit 1; }
  dotnet publish src/Api -c Release --use-current-runtime --self-contained false -p:PublishReadyToRun=true -o "$PUBLISHED/Api" \
    -v q -nologo >"$WORK/build.log" 2>&1 || { cat "$WORK/build.log"; exit 1; }
  rm -rf "$PUBLISHED/Worker"
  dotnet publish src/Worker -c Release --self-contained false -o "$PUBLISHED/Worker" \
    -v q -nologo >"$WORK/build.log" 2>&1 || { cat "$WORK/build.log"; exit 1; }
fi

echo "== starting PostgreSQL"
PG_PORT=$(free_port)
mkdir -p "$WORK/pg"
if [ "$(id -u)" = 0 ]; then chmod 755 "$WORK"; install -d -o postgres -g postgres -m 700 "$WORK/pg/data"; install -d -o postgres -g postgres "$WORK/pg/run"; else mkdir -p -m 700 "$WORK/pg/data" "$WORK/pg/run"; fi
as_pg initdb -D "$WORK/pg/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
as_pg pg_ctl -D "$WORK/pg/data" -l "$WORK/pg/run/pg.log" -w -o "-p $PG_PORT -k $WORK/pg/run -c listen_addresses=127.0.0.1 -c shared_buffers=256MB -c max_wal_size=4GB" start >/dev/null
psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -qc "CREATE DATABASE bench" >/dev/null
export ConnectionStrings__Db="Host=127.0.0.1;Port=$PG_PORT;Database=bench;Username=postgres"
export Admin__Email=bench@example.org Admin__Password=bench-password-1
dotnet migrations/bin/Release/net10.0/GradingPortal.Migrations.dll >/dev/null

echo "== generating $COUNT solutions of ~${KB} KB"
FILE="$WORK/solutions.jsonl"
python3 - "$FILE" "$COUNT" "$KB" <<'PY'
import json, random, sys
path, count, kb = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
random.seed(7)
words = ("Let $n$ be odd. Then $n^2 = 4k^2 + 4k + 1$, so the claim holds. By induction on $k$ we get "
         "\\[ \\sum_{i=1}^{k} (2i - 1) = k^2 \\] and the lemma follows. Suppose the contrary; ").split()
with open(path, "w") as f:
    f.write(json.dumps({"kind": "problem", "externalId": "bench-1", "title": "Benchmark problem",
                        "statement": "Prove that the square of an odd integer is odd."}) + "\n")
    target = kb * 1024
    for i in range(count):
        parts, size = [], 0
        while size < target:
            w = random.choice(words); parts.append(w); size += len(w) + 1
        f.write(json.dumps({"kind": "solution", "problemExternalId": "bench-1", "externalId": f"s{i:06d}",
                            "author": f"model-{i % 6}", "text": " ".join(parts)}) + "\n")
PY
SIZE=$(stat -c %s "$FILE")
echo "   $(( SIZE / 1048576 )) MiB"

API_PORT=$(free_port)
export Logging__LogLevel__Default=Warning
ASPNETCORE_URLS="http://127.0.0.1:$API_PORT" dotnet "$PUBLISHED/Api/GradingPortal.Api.dll" >"$WORK/api.log" 2>&1 & API_PID=$!; PIDS+=($API_PID)
env Logging__LogLevel__GradingPortal.Worker.Imports=Information Worker__PollSeconds=1 dotnet "$PUBLISHED/Worker/GradingPortal.Worker.dll" >"$WORK/worker.log" 2>&1 & WORKER_PID=$!; PIDS+=($WORKER_PID)
for _ in $(seq 1 60); do curl -fs "http://127.0.0.1:$API_PORT/health" >/dev/null 2>&1 && break; sleep 0.5; done
API="http://127.0.0.1:$API_PORT"
TOKEN=$(curl -fs -H 'Content-Type: application/json' -d "{\"email\":\"$Admin__Email\",\"password\":\"$Admin__Password\"}" "$API/api/auth/login" | python3 -c 'import json,sys; print(json.load(sys.stdin)["accessToken"])')
PROJECT=$(curl -fs -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' -d '{"name":"Import benchmark"}' "$API/api/projects" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')

# BENCH_WARMUP=n (default 2000; 0 = fresh processes): first import the file's first n solutions into another project,
# so that the figures are those of an Api and a Worker in service rather than of processes that still compile code (the
# Worker is JIT-compiled, ADR 013: a fresh one spent about 2 more CPU-s on its first 50,000 solutions).
WARMUP=${BENCH_WARMUP:-2000}
if [ "$WARMUP" -gt 0 ]; then
  WARM_PROJECT=$(curl -fs -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' -d '{"name":"Warm-up"}' "$API/api/projects" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
  head -n $(( WARMUP + 1 )) "$FILE" >"$WORK/warmup.jsonl"
  WARM_IMPORT=$(curl -fs -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/x-ndjson' -X POST -T "$WORK/warmup.jsonl" \
    "$API/api/projects/$WARM_PROJECT/imports?format=jsonl&fileName=warmup.jsonl" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
  python3 - "$API/api/imports/$WARM_IMPORT" "$TOKEN" <<'PY'
import json, sys, time, urllib.request
for _ in range(600):
    with urllib.request.urlopen(urllib.request.Request(sys.argv[1], headers={"Authorization": "Bearer " + sys.argv[2]})) as r:
        d = json.loads(r.read().decode())
    if d["status"] in ("succeeded", "failed"):
        print(f"== warm-up: {d['status']}, {d.get('createdRecords', d.get('created', '?'))} solutions imported into another project")
        break
    time.sleep(0.2)
PY
  rm -f "$WORK/warmup.jsonl"
fi

# Peak RSS of the Api process, sampled while the upload and the import run.
peak_rss() { awk '/VmHWM/ {print $2}' "/proc/$API_PID/status"; }
BASE_RSS=$(peak_rss)
# CPU seconds (user + system) a process has used so far; the machine is shared, so CPU shows the work where wall time varies.
cpu_s() { awk -v hz="$(getconf CLK_TCK)" '{print ($14 + $15) / hz}' "/proc/$1/stat"; }
# PostgreSQL's CPU: the postmaster with the children it reaped, plus the live backends and helpers.
pg_cpu() {
  local pm; pm=$(head -1 "$WORK/pg/data/postmaster.pid")
  { awk '{print $14 + $15 + $16 + $17}' "/proc/$pm/stat"
    for c in $(cat /proc/"$pm"/task/*/children 2>/dev/null); do awk '{print $14 + $15}' "/proc/$c/stat" 2>/dev/null || true; done
  } | awk -v hz="$(getconf CLK_TCK)" '{s += $1} END {print s / hz}'
}
API_CPU0=$(cpu_s $API_PID); WORKER_CPU0=$(cpu_s $WORKER_PID); PG_CPU0=$(pg_cpu)
echo "   load average before: $(cut -d' ' -f1-3 /proc/loadavg)"

echo "== uploading (raw body, streamed)"
t0=$(date +%s.%N)
# -T streams the file as it reads it; --data-binary @file would first load all of it into curl's memory (seconds for
# 500 MB, counted in "end to end" and in when the Worker started, although the server had received nothing yet).
RESPONSE=$(curl -fs -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/x-ndjson' -X POST -T "$FILE" \
  "$API/api/projects/$PROJECT/imports?format=jsonl&fileName=solutions.jsonl")
t1=$(date +%s.%N)
IMPORT=$(echo "$RESPONSE" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
echo "   uploaded in $(python3 -c "print(f'{$t1-$t0:.1f}')") s, Api CPU $(python3 -c "print(f'{$(cpu_s $API_PID) - $API_CPU0:.1f}')") s"

echo "== importing (one Worker)"
# One polling process (every 0.2 s) rather than curl + python each second, so noticing the end adds little to the figure.
STATUS_JSON=$(python3 - "$API/api/imports/$IMPORT" "$TOKEN" "${BENCH_VERBOSE:-}" <<'PY'
import json, sys, time, urllib.request
url, token, verbose = sys.argv[1:4]
while True:
    with urllib.request.urlopen(urllib.request.Request(url, headers={"Authorization": "Bearer " + token})) as r:
        body = r.read().decode()
    d = json.loads(body)
    if d["status"] in ("succeeded", "failed"):
        print("%.3f %s" % (time.time(), body))
        break
    if verbose:
        print("   %s %s" % (d["status"], d["processedRecords"]), file=sys.stderr)
    time.sleep(0.2)
PY
)
t2=${STATUS_JSON%% *}
STATUS_JSON=${STATUS_JSON#* }
read -r STATUS STARTED_AT FINISHED_AT <<<"$(echo "$STATUS_JSON" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["status"], d["startedAt"] or "-", d["finishedAt"] or "-")')"
echo "$STATUS_JSON" | python3 -c '
import json,sys
d=json.load(sys.stdin)
print("   %s: %s created, %s skipped, %s failed" % (d["status"], d["created"], d["skipped"], d["failed"]))'
python3 - "$STARTED_AT" "$FINISHED_AT" "$COUNT" "$t0" "$t1" "$t2" "$(peak_rss)" "$BASE_RSS" "$SIZE" \
  "$(cpu_s $API_PID)" "$API_CPU0" "$(cpu_s $WORKER_PID)" "$WORKER_CPU0" "$(pg_cpu)" "$PG_CPU0" <<'PY'
import sys
from datetime import datetime
started, finished = (datetime.fromisoformat(s.replace("Z", "+00:00")) for s in sys.argv[1:3])
count, t0, t1, t2 = int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5]), float(sys.argv[6])
peak, base, size = int(sys.argv[7]), int(sys.argv[8]), int(sys.argv[9])
api_cpu, worker_cpu = float(sys.argv[10]) - float(sys.argv[11]), float(sys.argv[12]) - float(sys.argv[13])
pg_cpu = float(sys.argv[14]) - float(sys.argv[15])
work = (finished - started).total_seconds()
print(f"upload:     {t1 - t0:6.1f} s  ({size / 1048576 / (t1 - t0):.0f} MiB/s)")
print(f"started:    {started.timestamp() - t0:6.1f} s  after the upload began (text files are imported while they upload)")
print(f"processing: {work:6.1f} s  -> {count / work:,.0f} solutions/s (Worker start to finish, overlapping the upload)")
print(f"after it:   {finished.timestamp() - t1:6.1f} s  from the upload's answer to the import finished")
print(f"noticed:    {t2 - finished.timestamp():6.1f} s  after it finished (status polling)")
print(f"end to end: {t2 - t0:6.1f} s  -> {count / (t2 - t0):,.0f} solutions/s (first byte of the upload -> client sees it finished)")
print(f"api peak RSS: {peak / 1024:.0f} MB (at start {base / 1024:.0f} MB)")
total = api_cpu + worker_cpu + pg_cpu
print(f"cpu:        Api {api_cpu:.1f} s, Worker {worker_cpu:.1f} s, PostgreSQL {pg_cpu:.1f} s = {total:.1f} s "
      f"({total / count * 1e6:.0f} us per solution; 2 cores give {count / (total / 2):,.0f} solutions/s at most)")
print(f"load average now {open('/proc/loadavg').read().split()[0]}")
print("targets: import >= 5,000 solutions/s; Api peak memory < 400 MB")
PY
# The Worker's own account: how long the import took and how much of it the writer waited for records to be read.
grep -ho "Succeeded: .*\|Failed: .*" "$WORK/worker.log" | sed 's/^/worker: /' || true
