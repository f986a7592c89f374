#!/usr/bin/env bash
# Grading benchmark (issue: grading pipeline). Grades N solutions of P problems with the five-stage workflow
# (approachability rubrics) using W real Worker processes against the fake model (bench/FakeModel) with a fixed latency,
# through a model profile limited to C concurrent requests. Each problem has 2 or 3 reference solutions, so clustering,
# step extraction, analysis and rubric derivation all run (the fake makes one cluster per reference).
# Texts: the Open Proof Corpus (../shared/corpora, never copied into the repository: real statements, human reference
# solutions and model-written proofs of a few KB); generated text of the same lengths when it is absent.
#
# Prints:
#   - wall time (run started -> run completed, the database's timestamps) vs the ideal (model calls x latency / C);
#   - LLM calls per solution vs the theoretical minimum (per solution: extract-steps when >1 cluster + grade; per
#     problem: one clustering call when >1 reference; per cluster: analysis + rubric), from succeeded stage calls
#     and from the requests the fake served; repeated calls (a call key that succeeded twice, or more requests than
#     stage-call attempts) must be zero;
#   - the share of grading-call input that sits in a prefix shared by all solutions of a problem (and of a cluster),
#     from the stored request messages, plus the fake's simulated prompt-cache hit share;
#   - peak RSS (VmHWM) of each Worker, the machine's load during the run, and slot occupancy over time.
# Targets: >= 90% of ideal throughput, zero repeated calls, >= 60% shared-prefix input.
# Reading a miss: "in flight" is the fake's requests in flight (16 = every slot busy); "jobs waiting" are Hangfire jobs
# queued but not yet fetched, "jobs executing" those fetched and not yet finished, "items running" the claimed
# solutions. Many jobs executing but few items running and few requests in flight means time goes to the job machinery
# (per-job database work in Hangfire's storage, CPU), not to the model slots.
#
# Usage: bench/grading.sh
#   BENCH_N=1000 BENCH_PROBLEMS=20 BENCH_LATENCY_MS=200 BENCH_CONCURRENCY=16 BENCH_WORKERS=2
#   BENCH_THREADS (Hangfire workers per Worker process, default concurrency + concurrency/2)
#   BENCH_POLL_SECONDS=1 (Worker__PollSeconds), BENCH_NO_BUILD=1 (skip the Release build), BENCH_KEEP=1 (keep the
#   work directory with logs and the database dump of stage calls), BENCH_TIMEOUT=900 (seconds to wait for the run).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
N=${BENCH_N:-1000}
PROBLEMS=${BENCH_PROBLEMS:-20}
LATENCY_MS=${BENCH_LATENCY_MS:-200}
CONCURRENCY=${BENCH_CONCURRENCY:-16}
WORKERS=${BENCH_WORKERS:-2}
THREADS=${BENCH_THREADS:-$(( CONCURRENCY + CONCURRENCY / 2 ))}
POLL_SECONDS=${BENCH_POLL_SECONDS:-1}
TIMEOUT=${BENCH_TIMEOUT:-900}
CORPORA="$ROOT/../shared/corpora"

WORK=$(mktemp -d /tmp/gp-grading-bench.XXXXXX)
PIDS=()
cleanup() {
  # Every process this script started: samplers, Workers, the fake model; then PostgreSQL.
  for pid in "${PIDS[@]:-}"; do [ -n "$pid" ] && kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]:-}"; do [ -n "$pid" ] && wait "$pid" 2>/dev/null || true; done
  if [ -f "$WORK/pg/data/postmaster.pid" ]; then kill -INT "$(head -1 "$WORK/pg/data/postmaster.pid")" 2>/dev/null || true; sleep 1; fi
  if [ "${BENCH_KEEP:-0}" = 1 ]; then echo "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT INT TERM

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

# The Worker is published as the Dockerfile and run.sh deploy it: not ReadyToRun, JIT-compiled once (ADR 013).
PUBLISHED="$ROOT/artifacts/bench-grading"
if [ "${BENCH_NO_BUILD:-0}" != 1 ]; then
  echo "== building migrator, fake model, seeder; publishing the Worker (Release)"
  for p in migrations bench/FakeModel bench/GradingBench; do
    dotnet build "$p" -c Release -v q -nologo >"$WORK/build.log" 2>&1 || { cat "$WORK/build.log"; exit 1; }
  done
  rm -rf "$PUBLISHED/Worker"
  dotnet publish src/Worker -c Release --self-contained false -o "$PUBLISHED/Worker" \
    -v q -nologo >"$WORK/build.log" 2>&1 || { cat "$WORK/build.log"; exit 1; }
fi

echo "== starting PostgreSQL"
PG_PORT=$(free_port)
# BENCH_PG_STATS=1: pg_stat_statements on, and the statements that took most database time printed at the end.
PG_EXTRA=""
[ "${BENCH_PG_STATS:-0}" = 1 ] && PG_EXTRA="-c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track=all -c pg_stat_statements.track_planning=on"
mkdir -p "$WORK/pg"
if [ "$(id -u)" = 0 ]; then chmod 755 "$WORK"; install -d -o postgres -g postgres -m 700 "$WORK/pg/data"; install -d -o postgres -g postgres "$WORK/pg/run"; else mkdir -p -m 700 "$WORK/pg/data" "$WORK/pg/run"; fi
as_pg initdb -D "$WORK/pg/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
# Each Worker holds up to C slot connections of its own besides EF's and Hangfire's pools.
as_pg pg_ctl -D "$WORK/pg/data" -l "$WORK/pg/run/pg.log" -w -o "-p $PG_PORT -k $WORK/pg/run -c listen_addresses=127.0.0.1 -c shared_buffers=256MB -c max_connections=300 $PG_EXTRA" start >/dev/null
PSQL=(psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -d bench -v ON_ERROR_STOP=1 -qAt)
psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -qc "CREATE DATABASE bench" >/dev/null
[ "${BENCH_PG_STATS:-0}" = 1 ] && "${PSQL[@]}" -c "CREATE EXTENSION pg_stat_statements" >/dev/null
export ConnectionStrings__Db="Host=127.0.0.1;Port=$PG_PORT;Database=bench;Username=postgres"
dotnet migrations/bin/Release/net10.0/GradingPortal.Migrations.dll >"$WORK/migrate.log" 2>&1 || { cat "$WORK/migrate.log"; exit 1; }

echo "== starting the fake model (latency $LATENCY_MS ms)"
dotnet bench/FakeModel/bin/Release/net10.0/GradingPortal.Bench.FakeModel.dll --port 0 --latency-ms "$LATENCY_MS" >"$WORK/fake.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 120); do grep -q '^FAKE_MODEL_URL=' "$WORK/fake.log" 2>/dev/null && break; sleep 0.25; done
FAKE_URL=$(sed -n 's/^FAKE_MODEL_URL=//p' "$WORK/fake.log")
[ -n "$FAKE_URL" ] || { echo "the fake model did not start"; cat "$WORK/fake.log"; exit 1; }
STATS_URL="${FAKE_URL%/v1}/_fake/stats"

echo "== seeding $N solutions of $PROBLEMS problems (profile: $CONCURRENCY concurrent requests)"
SEED=(dotnet bench/GradingBench/bin/Release/net10.0/GradingPortal.Bench.Grading.dll)
"${SEED[@]}" seed "$FAKE_URL" "$N" "$PROBLEMS" "$CONCURRENCY" "$CORPORA" >"$WORK/seed.log" 2>&1 || { cat "$WORK/seed.log"; exit 1; }
RUN_ID=$(sed -n 's/^RUN_ID=//p' "$WORK/seed.log")
echo "   $(sed -n 's/^SEEDED=//p' "$WORK/seed.log")"

echo "== starting $WORKERS Workers ($THREADS Hangfire workers each, poll ${POLL_SECONDS} s)"
WORKER_PIDS=()
tw0=$(date +%s.%N)
for w in $(seq 1 "$WORKERS"); do
  # Warnings only, but how a run started (planning, and how long each problem's preparation waited for a thread).
  ConnectionStrings__Db="$ConnectionStrings__Db${BENCH_WORKER_DB_OPTIONS:-}" Worker__MaxConcurrency=$THREADS Worker__PollSeconds=$POLL_SECONDS Logging__LogLevel__Default=Warning \
    env "Logging__LogLevel__GradingPortal.Worker.Grading.StartRunJob=Information" "Logging__LogLevel__GradingPortal.Worker.Grading.PrepareProblemJob=Information" \
    "Logging__LogLevel__GradingPortal.Worker.Grading.GradeSliceJob=Information" "Logging__LogLevel__GradingPortal.Worker.Grading.SliceRunner=Information" \
    "Logging__LogLevel__GradingPortal.Worker.Grading.GradingWarmUp=Information" \
    dotnet "${BENCH_WORKER_DLL:-$PUBLISHED/Worker/GradingPortal.Worker.dll}" >"$WORK/worker$w.log" 2>&1 &
  WORKER_PIDS+=($!); PIDS+=($!)
done
# A Worker is up once its Hangfire server has announced itself in the storage.
for _ in $(seq 1 240); do
  UP=$("${PSQL[@]}" -c "SELECT count(*) FROM hangfire.server" 2>/dev/null || echo 0)
  [ "$UP" -ge "$WORKERS" ] && break
  sleep 0.25
done
[ "$UP" -ge "$WORKERS" ] || { echo "Workers did not check in ($UP of $WORKERS)"; tail -n 30 "$WORK"/worker*.log; exit 1; }
# Start-up includes each Worker's warm-up (Worker:WarmUpOnStart), which ends before its server announces itself.
echo "   all Workers checked in $(python3 -c "import time; print(f'{time.time() - $tw0:.1f}')") s after they were started"

# Samplers: machine load every 5 s; the fake's requests in flight every 0.25 s (slot occupancy over time); the job
# pipeline every 0.5 s. Each is one long-lived process (one psql session, one Python loop): spawning psql, curl and date
# for every sample cost about a tenth of the machine's CPU, which the run being measured needs.
( while true; do echo "$(date +%s) $(cut -d' ' -f1-3 /proc/loadavg)"; sleep 5; done ) >"$WORK/load.log" 2>/dev/null &
PIDS+=($!)
python3 - "$STATS_URL" >"$WORK/inflight.log" 2>/dev/null <<'PY' &
import sys, time, urllib.request
while True:
    try:
        with urllib.request.urlopen(sys.argv[1], timeout=2) as r:
            body = r.read().decode()
    except Exception:
        body = "{}"
    # The machine's busy CPU (jiffies, all cores) beside each sample: is a slow stretch of the run CPU-bound?
    with open("/proc/stat") as f:
        cpu = [int(x) for x in f.readline().split()[1:]]
    print("%.3f %d %d %s" % (time.time(), sum(cpu) - cpu[3] - cpu[4], sum(cpu), body), flush=True)
    time.sleep(0.25)
PY
PIDS+=($!)
# Hangfire jobs waiting to be fetched, jobs executing, jobs scheduled for later, items by state.
( while true; do
    echo "SELECT extract(epoch FROM clock_timestamp()), (SELECT count(*) FROM hangfire.jobqueue WHERE fetchedat IS NULL),
      (SELECT count(*) FROM hangfire.jobqueue WHERE fetchedat IS NOT NULL), (SELECT count(*) FROM hangfire.job WHERE statename = 'Scheduled'),
      (SELECT count(*) FILTER (WHERE status = 'Running') FROM grading_run_items WHERE run_id = '$RUN_ID'),
      (SELECT count(*) FILTER (WHERE status IN ('Graded', 'NeedsAttention', 'Failed')) FROM grading_run_items WHERE run_id = '$RUN_ID'),
      (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'),
      (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' AND state = 'active'),
      (SELECT status FROM grading_runs WHERE id = '$RUN_ID');"
    sleep 0.5
  done ) | "${PSQL[@]}" -F ' ' >"$WORK/pipeline.log" 2>/dev/null &
PIDS+=($!)

# CPU seconds (user + system) of each Worker, the fake, and PostgreSQL (the postmaster with its ended children plus the
# backends alive), read when the run starts and when it ends. The machine is shared: CPU varies less than wall time.
cpu_of() { awk -v hz="$(getconf CLK_TCK)" '{printf "%.2f", ($14 + $15 + $16 + $17) / hz}' "/proc/$1/stat" 2>/dev/null || echo 0; }
cpu_snapshot() {
  local out="" pid pg_main total
  for pid in "${WORKER_PIDS[@]}"; do out="$out $(cpu_of "$pid")"; done
  out="$out $(cpu_of "${PIDS[0]}")"
  pg_main=$(head -1 "$WORK/pg/data/postmaster.pid")
  total=$( (cpu_of "$pg_main"; echo; for child in $(pgrep -P "$pg_main"); do cpu_of "$child"; echo; done) | awk '{s += $1} END {printf "%.2f", s}')
  echo "$out $total"
}
# BENCH_WARMUP=n (default 40; 0 = cold Workers): before the measured run, the Workers grade a separate run of n solutions of
# 2 other problems, so the figures are those of Workers in service rather than of processes that still compile their code
# (JIT of the grading path and EF Core's per-query and per-property delegates, a one-time cost of each new process).
WARMUP=${BENCH_WARMUP:-40}
if [ "$WARMUP" -gt 0 ]; then
  # Each warm-up run is planned by one Worker; another follows (up to 4 in all) until every Worker has planned one, so that
  # no Worker plans the measured run with cold code (planning took 0.5-0.6 s instead of 0.07 s on a Worker that had not).
  tw=$(date +%s.%N)
  for attempt in 1 2 3 4; do
    "${SEED[@]}" seed "$FAKE_URL" "$WARMUP" 2 "$CONCURRENCY" "$CORPORA" >"$WORK/warmup.log" 2>&1 || { cat "$WORK/warmup.log"; exit 1; }
    WARM_ID=$(sed -n 's/^RUN_ID=//p' "$WORK/warmup.log")
    "${SEED[@]}" start "$WARM_ID" >>"$WORK/warmup.log" 2>&1 || { cat "$WORK/warmup.log"; exit 1; }
    for _ in $(seq 1 600); do
      case "$("${PSQL[@]}" -c "SELECT status FROM grading_runs WHERE id = '$WARM_ID'")" in Completed|Failed|Cancelled) break ;; esac
      sleep 0.5
    done
    PLANNERS=$(grep -l "Run .*: planned" "$WORK"/worker*.log 2>/dev/null | wc -l)
    [ "$PLANNERS" -ge "$WORKERS" ] && break
  done
  echo "== warm-up: $attempt runs of $WARMUP solutions of 2 other problems graded in $(python3 -c "import time; print(f'{time.time() - $tw:.1f}')") s; $PLANNERS of $WORKERS Workers planned one"
fi

# The fake's counters before the measured run (the warm-up's requests are not the run's).
curl -fs "$STATS_URL" >"$WORK/fake-stats0.json" || echo "{}" >"$WORK/fake-stats0.json"
CPU0=$(cpu_snapshot)
echo "== grading (run $RUN_ID)"
"${SEED[@]}" start "$RUN_ID" >>"$WORK/seed.log" 2>&1 || { cat "$WORK/seed.log"; exit 1; }
t0=$(date +%s)
while true; do
  # The run's status from the pipeline sampler's session: a psql process per poll costs the machine a new PostgreSQL
  # backend each time, and the run being measured is CPU-bound.
  STATUS=$(tail -n 1 "$WORK/pipeline.log" | awk 'NF == 9 {print $9}')
  case "$STATUS" in Completed|Failed|Cancelled|3|4|5|6) break ;; esac
  if [ $(( $(date +%s) - t0 )) -gt "$TIMEOUT" ]; then echo "   timed out after $TIMEOUT s ($STATUS)"; break; fi
  if [ -n "${BENCH_VERBOSE:-}" ]; then
    echo "   $STATUS $("${PSQL[@]}" -c "SELECT string_agg(status || ':' || n, ' ') FROM (SELECT status, count(*) n FROM grading_run_items WHERE run_id = '$RUN_ID' GROUP BY 1) x")"
  fi
  sleep 0.5
done
echo "   run: $STATUS; items: $("${PSQL[@]}" -c "SELECT string_agg(status || ' ' || n, ', ') FROM (SELECT status, count(*) n FROM grading_run_items WHERE run_id = '$RUN_ID' GROUP BY 1) x")"
# Enqueue -> start of each run's first job (queued while every Worker was idle): Hangfire records it as the job's latency.
echo "   enqueue -> start of PlanRun jobs (warm-up runs first, the measured run last): $("${PSQL[@]}" -c "SELECT string_agg((s.data::jsonb ->> 'Latency') || ' ms', ', ' ORDER BY j.id)
  FROM hangfire.job j JOIN hangfire.state s ON s.jobid = j.id AND s.name = 'Succeeded' WHERE j.invocationdata::text LIKE '%PlanRun%'")"

# Peak memory of each Worker, read before anything is stopped.
RSS=""
for pid in "${WORKER_PIDS[@]}"; do RSS="$RSS $(awk '/VmHWM/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)"; done
CPU=$(cpu_snapshot)
CPU=$(python3 -c "import sys; a, b = sys.argv[1].split(), sys.argv[2].split(); print(' '.join(f'{float(y) - float(x):.1f}' for x, y in zip(a, b)))" "$CPU0" "$CPU")
PG_CPU=${CPU##* }
curl -fs "$STATS_URL" >"$WORK/fake-stats.json"
kill "${PIDS[-1]}" "${PIDS[-2]}" "${PIDS[-3]}" 2>/dev/null || true

# What the run stored: the run's times, every stage call (with its request messages), clusters per problem.
if [ "${BENCH_PG_STATS:-0}" = 1 ]; then
  # CPU of the live PostgreSQL processes by who they serve (ended backends are only in the postmaster's total).
  "${PSQL[@]}" -F ' ' -c "SELECT pid, coalesce(nullif(application_name, ''), backend_type) FROM pg_stat_activity" | while read -r pid who; do
    echo "$(cpu_of "$pid") $who"; done | awk '{c[$2" "$3" "$4]+=$1} END {for (k in c) printf "%8.1f s  %s\n", c[k], k}' | sort -rn >"$WORK/pg-cpu.txt"
  "${PSQL[@]}" -F ' | ' -c "SELECT round(sum(total_exec_time))::int, sum(calls), round(sum(total_plan_time))::int,
      'all statements (exec ms | calls | plan ms)' FROM pg_stat_statements" >"$WORK/pg-stats.txt"
  "${PSQL[@]}" -F ' | ' -c "SELECT round(total_exec_time)::int AS ms, calls, round((total_exec_time / nullif(calls, 0))::numeric, 2) AS per_call,
      left(regexp_replace(query, '\s+', ' ', 'g'), 150) FROM pg_stat_statements ORDER BY total_exec_time DESC LIMIT 25" >>"$WORK/pg-stats.txt"
  "${PSQL[@]}" -F ' | ' -c "SELECT calls, round(total_exec_time)::int, round(total_plan_time)::int,
      left(regexp_replace(query, '\s+', ' ', 'g'), 150) FROM pg_stat_statements ORDER BY calls DESC LIMIT 40" >"$WORK/pg-calls.txt"
fi
"${PSQL[@]}" -c "SELECT json_build_object('started', started_at, 'finished', finished_at, 'status', status, 'error', error)
                 FROM grading_runs WHERE id = '$RUN_ID'" >"$WORK/run.json"
"${PSQL[@]}" -c "SELECT json_build_object('stage', stage, 'status', status, 'key', call_key, 'attempt', attempt,
                   'problem', problem_id, 'solution', solution_id, 'latency', latency_ms, 'input', input_tokens,
                   'cached', cached_input_tokens, 'started', extract(epoch FROM started_at),
                   'finished', extract(epoch FROM finished_at), 'messages', request_messages)
                 FROM stage_calls WHERE run_id = '$RUN_ID'" >"$WORK/calls.jsonl"
"${PSQL[@]}" -c "SELECT json_build_object('problem', i.problem_id, 'cluster', i.cluster_index, 'item', i.id,
                   'started', extract(epoch FROM i.started_at), 'finished', extract(epoch FROM i.finished_at))
                 FROM grading_run_items i WHERE i.run_id = '$RUN_ID'" >"$WORK/items.jsonl"

python3 - "$WORK" "$N" "$PROBLEMS" "$LATENCY_MS" "$CONCURRENCY" "$WORKERS" "$THREADS" "$RSS" "$CPU" <<'PY'
import json, os, sys
from collections import Counter, defaultdict
from datetime import datetime
work, n, problems, latency_ms, slots, workers, threads = sys.argv[1], *map(int, sys.argv[2:8])
rss = [int(x) for x in sys.argv[8].split()]
cpu = [float(x) for x in sys.argv[9].split()]

run = json.load(open(os.path.join(work, "run.json")))
calls = [json.loads(line) for line in open(os.path.join(work, "calls.jsonl"))]
items = [json.loads(line) for line in open(os.path.join(work, "items.jsonl"))]
fake = json.load(open(os.path.join(work, "fake-stats.json")))
fake0 = json.load(open(os.path.join(work, "fake-stats0.json")))
for counter in ("requests", "completions", "promptTokens", "cachedTokens"):
    if isinstance(fake.get(counter), (int, float)):
        fake[counter] -= fake0.get(counter, 0)
ts = lambda s: datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()
started, finished = ts(run["started"]), ts(run["finished"]) if run["finished"] else None

# --- calls -------------------------------------------------------------------------------------------------------
ok = [c for c in calls if c["status"] in ("Succeeded", 1, "1")]
by_stage = Counter(c["stage"] for c in ok)
attempts = len(calls)
repeated_keys = sum(v - 1 for v in Counter(c["key"] for c in ok).values() if v > 1)
requests = fake.get("requests", fake.get("Requests", 0))
completions = fake.get("completions", fake.get("Completions", 0))
# Theoretical minimum, from what the run really had (references per problem, clusters the fake made).
refs_by_problem = Counter()
clusters_by_problem = defaultdict(set)
solutions_by_problem = Counter(i["problem"] for i in items)
for c in ok:
    if c["stage"] == "analyse-reference":
        clusters_by_problem[c["problem"]].add(c["key"])
clustered = {c["problem"] for c in ok if c["stage"] == "cluster-references"}
minimum = 0
for p, count in solutions_by_problem.items():
    k = len(clusters_by_problem[p]) or 1
    minimum += (1 if p in clustered else 0) + 2 * k + count * (2 if k > 1 else 1)
total_ok = len(ok)
ideal = total_ok * latency_ms / 1000 / slots
wall = (finished - started) if finished else float("nan")

print()
print(f"run {run['status']}  {n} solutions, {problems} problems, {workers} Workers x {threads} threads, {slots} slots, {latency_ms} ms per call")
print(f"wall time:  {wall:7.1f} s  (run started -> completed)")
print(f"ideal:      {ideal:7.1f} s  ({total_ok} calls x {latency_ms} ms / {slots})")
print(f"throughput: {ideal / wall * 100:6.1f} % of ideal (target >= 90 %)")
busy = sum(c["latency"] or 0 for c in ok) / 1000
print(f"            slots inside stage calls {busy / (wall * slots) * 100:.1f} % of the time "
      f"(sum of stored call latencies {busy:.0f} s / {wall:.1f} s x {slots}); fake's max in flight {fake.get('maxInFlight')}")

print(f"calls:      {total_ok} succeeded stage calls = {total_ok / n:.3f} per solution; minimum {minimum} = {minimum / n:.3f} per solution")
print("            " + ", ".join(f"{s} {by_stage[s]}" for s in ("cluster-references", "extract-steps", "analyse-reference", "derive-rubric", "grade")))
print(f"            {attempts} stage-call attempts, fake served {requests} requests ({completions} completions)")
print(f"repeated:   {repeated_keys} call keys succeeded more than once; {max(0, requests - attempts)} requests beyond stage-call attempts; "
      f"{total_ok - minimum:+d} calls over the minimum  (target 0)")

# --- shared prefix -----------------------------------------------------------------------------------------------
def serialized(messages):
    # As the fake serialises a prompt for its cache: "<role>\n" + content + "\n" per message, in order.
    if isinstance(messages, dict):
        messages = messages.get("messages", [])
    return "".join(f"<{m.get('role', m.get('Role', ''))}>\n{m.get('content', m.get('Content', ''))}\n" for m in messages)
def lcp(texts):
    first, last = min(texts), max(texts)  # the common prefix of the extremes is the common prefix of all
    i = 0
    while i < len(first) and first[i] == last[i]:
        i += 1
    return i
cluster_of = {i["item"]: i["cluster"] for i in items}
grade = [c for c in ok if c["stage"] == "grade"]
# Grading calls per problem, and per (problem, cluster of the item): call keys are "item:<item id, 32 hex>:grade:<k>".
item_ids = {i["item"].replace("-", ""): i for i in items}
by_problem, by_cluster = defaultdict(list), defaultdict(list)
for c in grade:
    text = serialized(c["messages"])
    item = item_ids.get(c["key"].split(":")[1])
    by_problem[c["problem"]].append(text)
    by_cluster[(c["problem"], item["cluster"] if item else None)].append(text)
total_chars = sum(len(t) for ts_ in by_problem.values() for t in ts_)
shared_problem = sum(lcp(ts_) * len(ts_) for ts_ in by_problem.values())
shared_cluster = sum(lcp(ts_) * len(ts_) for ts_ in by_cluster.values())
all_chars = sum(len(serialized(c["messages"])) for c in ok)
print(f"prefix:     {shared_problem / total_chars * 100:5.1f} % of grading-call input characters sit in a prefix shared by all solutions of their problem (target >= 60 %)")
print(f"            {shared_cluster / total_chars * 100:5.1f} % in a prefix shared by all solutions of their cluster (same rubric)")
print(f"            grading calls {total_chars / 1e6:.1f} M characters of {all_chars / 1e6:.1f} M for all calls; "
      f"mean grading prompt {total_chars / max(1, len(grade)):,.0f} characters")
pt, ct = fake.get("promptTokens", 0), fake.get("cachedTokens", 0)
if pt:
    print(f"            fake's simulated prompt cache (256-character blocks, every call): {ct / pt * 100:.1f} % of {pt:,} prompt tokens cached")

# --- where an item's time goes (Worker clock): before its first call, in stage calls (in HTTP / around it), between
# calls, after its last call. Slot waits and stage-call bookkeeping are "around".
spans = defaultdict(list)
for c in ok:
    if c["stage"] in ("extract-steps", "grade"):
        spans[c["key"].split(":")[1]].append(c)
pre, post, inside, http, between, whole = [], [], [], [], [], []
for i in items:
    cs_ = sorted(spans.get(i["item"].replace("-", ""), []), key=lambda c: c["started"])
    if not cs_ or not i["started"] or not i["finished"]:
        continue
    pre.append(cs_[0]["started"] - i["started"]); post.append(i["finished"] - cs_[-1]["finished"])
    inside.append(sum(c["finished"] - c["started"] for c in cs_)); http.append(sum(c["latency"] / 1000 for c in cs_))
    between.append(sum(b["started"] - a["finished"] for a, b in zip(cs_, cs_[1:]))); whole.append(i["finished"] - i["started"])
if whole:
    m = lambda xs: sum(xs) / len(xs) * 1000
    print(f"per item:   mean {m(whole):.0f} ms claimed -> finished: {m(pre):.0f} before the first call, {m(inside):.0f} in stage calls "
          f"({m(http):.0f} in HTTP, {m(inside) - m(http):.0f} slot wait + bookkeeping), {m(between):.0f} between calls, {m(post):.0f} after the last")
    lat = sorted(c["latency"] for c in ok)
    print(f"            HTTP latency seen by the Worker: median {lat[len(lat) // 2]} ms, p90 {lat[int(len(lat) * 0.9)]} ms (the fake waits {latency_ms} ms)")

# --- memory and load ---------------------------------------------------------------------------------------------
print("memory:     " + ", ".join(f"Worker {i + 1} peak RSS {kb / 1024:.0f} MB" for i, kb in enumerate(rss)))
if len(cpu) == workers + 2:
    print(f"cpu:        during the run: " + ", ".join(f"Worker {i + 1} {c:.1f} s" for i, c in enumerate(cpu[:workers]))
          + f", fake {cpu[-2]:.1f} s, PostgreSQL {cpu[-1]:.1f} s: {sum(cpu) / n * 1000:.1f} ms per solution "
          f"({sum(cpu[:workers]) / n * 1000:.1f} in Workers); {sum(cpu):.0f} CPU-s over {wall:.1f} s on {os.cpu_count()} CPUs")
loads = []
for line in open(os.path.join(work, "load.log")):
    parts = line.split()
    if len(parts) >= 2 and started - 5 <= float(parts[0]) <= (finished or 1e18) + 5:
        loads.append(float(parts[1]))
if loads:
    print(f"load:       1-minute load average during the run {min(loads):.1f} .. {max(loads):.1f} (mean {sum(loads) / len(loads):.1f}) on {os.cpu_count()} CPUs")

# --- occupancy over time: where are slots idle? -------------------------------------------------------------------
samples = []
jiffies = []
for line in open(os.path.join(work, "inflight.log")):
    parts = line.split(" ", 3)
    try:
        samples.append((float(parts[0]), json.loads(parts[3]).get("inFlight", 0)))
        jiffies.append((float(parts[0]), int(parts[1]), int(parts[2])))
    except (ValueError, IndexError, json.JSONDecodeError):
        pass
window = [(t, f) for t, f in samples if started <= t <= (finished or 1e18)]
if window and finished:
    buckets = 10
    span = (finished - started) / buckets
    row = []
    for b in range(buckets):
        vals = [f for t, f in window if started + b * span <= t < started + (b + 1) * span]
        row.append(f"{sum(vals) / len(vals):4.1f}" if vals else "   -")
    print(f"in flight:  mean requests in flight per tenth of the run: {' '.join(row)}")
    row = []
    for b in range(buckets):
        inside = [j for j in jiffies if started + b * span <= j[0] < started + (b + 1) * span]
        if len(inside) >= 2:
            busy, total = inside[-1][1] - inside[0][1], inside[-1][2] - inside[0][2]
            row.append(f"{100 * busy / max(total, 1):4.0f}")
        else:
            row.append("   -")
    print(f"            machine CPU busy % {' '.join(row)}")
    # The start, second by second: the slots fill only once the problems' first calls are answered.
    first, cpu_first = [], []
    for sec in range(8):
        vals = [f for t, f in window if started + sec <= t < started + sec + 1]
        first.append(f"{sum(vals) / len(vals):4.1f}" if vals else "   -")
        inside = [j for j in jiffies if started + sec <= j[0] < started + sec + 1]
        cpu_first.append(f"{100 * (inside[-1][1] - inside[0][1]) / max(inside[-1][2] - inside[0][2], 1):4.0f}" if len(inside) >= 2 else "   -")
    print(f"start:      in flight per second of the first 8: {' '.join(first)}")
    print(f"            machine CPU busy %                 {' '.join(cpu_first)}")
    pipe = []
    for line in open(os.path.join(work, "pipeline.log")):
        parts = line.split()
        if len(parts) == 9 and started <= float(parts[0]) <= finished:
            pipe.append([float(parts[0])] + [int(x) for x in parts[1:8]])
    for col, label in ((1, "jobs waiting"), (2, "jobs executing"), (4, "items running"), (5, "items finished"),
                       (6, "db sessions"), (7, "db sessions active")):
        row = []
        for b in range(buckets):
            vals = [r[col] for r in pipe if started + b * span <= r[0] < started + (b + 1) * span]
            row.append(f"{sum(vals) / len(vals):4.0f}" if vals else "   -")
        print(f"            {label:17} {' '.join(row)}")
    stages_first = {s: min(c["started"] for c in ok if c["stage"] == s) - started for s in by_stage}
    stages_last = {s: max(c["finished"] for c in ok if c["stage"] == s) - started for s in by_stage}
    print("phases:     " + "; ".join(f"{s} {stages_first[s]:.1f}..{stages_last[s]:.1f} s" for s in sorted(by_stage, key=lambda s: stages_first[s])))
    # When each problem's first call started (its preparation job ran): a late problem holds its solutions back.
    firsts = sorted(min(c["started"] for c in ok if c["problem"] == p) - started for p in {c["problem"] for c in ok})
    if firsts:
        print(f"            first call of each problem: {' '.join(f'{f:.1f}' for f in firsts)} s")
PY
# The run's start as the Workers logged it: planning, and each problem's preparation job's wait for a thread.
python3 - "$WORK" "$RUN_ID" "$WORKERS" <<'PY'
import glob, re, sys
work, run_id, workers = sys.argv[1], sys.argv[2], int(sys.argv[3])
planned, delays = None, []
for w in range(1, workers + 1):
    for line in open(f"{work}/worker{w}.log", errors="replace"):
        if f"Run {run_id}: planned" in line:
            planned = f"Worker {w}: " + line.strip().split(": ", 1)[1]
        elif m := re.search(rf"Preparing problem \S+ of run {run_id}, (\d+) ms after its trigger was due", line):
            delays.append((int(m.group(1)), w))
if planned:
    print(f"start:      {planned}")
for w in range(1, workers + 1):
    for line in open(f"{work}/worker{w}.log", errors="replace"):
        if "Warm-up " in line and ("done" in line or "failed" in line or " off " in line):
            print(f"warm-up:    Worker {w}: " + line.strip().split("Warm-up ", 1)[1])
if delays:
    print("            preparation jobs fired " + ", ".join(f"{sum(1 for _, x in delays if x == w)} on Worker {w}" for w in range(1, workers + 1))
          + f"; waited for a thread {' '.join(str(d) for d, _ in sorted(delays))} ms")
PY
if [ -f "$WORK/pg-cpu.txt" ]; then
  echo "PostgreSQL CPU of live processes by application (postmaster total $PG_CPU s):"; sed 's/^/   /' "$WORK/pg-cpu.txt"
fi
if [ -f "$WORK/pg-stats.txt" ]; then
  echo "database time by statement (pg_stat_statements; ms total | calls | ms per call | statement):"
  sed 's/^/   /' "$WORK/pg-stats.txt"
fi
