#!/usr/bin/env bash
# List endpoints on a big problem: seeds N solutions of ~20 KB (bench/seed.py), grades every 3rd and adjudicates every
# 21st (bench/seed_lists.py), then measures GET /api/problems/{id}/solutions with wrk for a few pages a grader asks for:
# creation order by keyset (what the list served before sorting existed), a deep page sorted by final grade, sorted by
# length, filtered by state, and searched. Prints requests/s and p50/p95/p99 for each. Api only; no Web.
# Usage: bench/lists.sh [solutions=5000] [seconds=15] [connections=8]
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
COUNT=${1:-5000}
SECONDS_RUN=${2:-15}
CONNECTIONS=${3:-8}
CONFIG=${BENCH_CONFIG:-Release}   # Debug only for a quick look: its figures are not comparable
CORPORA=${BENCH_CORPORA:-"$ROOT/../shared/corpora"}

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

if [ "${BENCH_NO_BUILD:-0}" != 1 ]; then
  echo "== building ($CONFIG)"
  dotnet build src/Api -c "$CONFIG" -v q -nologo >"$WORK/build.log" 2>&1 || { cat "$WORK/build.log"; exit 1; }
  dotnet build migrations -c "$CONFIG" -v q -nologo >>"$WORK/build.log" 2>&1 || { cat "$WORK/build.log"; exit 1; }
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
dotnet migrations/bin/$CONFIG/net10.0/GradingPortal.Migrations.dll >/dev/null

API_PORT=$(free_port)
API="http://127.0.0.1:$API_PORT"
Logging__LogLevel__Default=Warning ASPNETCORE_URLS="$API" dotnet src/Api/bin/$CONFIG/net10.0/GradingPortal.Api.dll >"$WORK/api.log" 2>&1 & PIDS+=($!)
for _ in $(seq 1 60); do curl -fs "$API/health" >/dev/null 2>&1 && break; sleep 0.5; done
curl -fs "$API/health" >/dev/null || { echo "not healthy: $API"; cat "$WORK/api.log"; exit 1; }

echo "== seeding $COUNT solutions (~20 KB each) and their grades through the Api"
t0=$(date +%s)
python3 bench/seed.py "$API" "$Admin__Email" "$Admin__Password" "$COUNT" "$CORPORA" >"$WORK/seed.out"
SOLUTION_ID=$(sed -n 's/^SOLUTION_ID=//p' "$WORK/seed.out")
TOKEN=$(sed -n 's/^TOKEN=//p' "$WORK/seed.out")
PROBLEM_ID=$(curl -fs -H "Authorization: Bearer $TOKEN" "$API/api/solutions/$SOLUTION_ID" | python3 -c 'import json,sys; print(json.load(sys.stdin)["problemId"])')
echo "   $(python3 bench/seed_lists.py "$API" "$TOKEN" "$PROBLEM_ID"), seeded in $(( $(date +%s) - t0 )) s"
psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -d bench -qc "VACUUM ANALYZE" >/dev/null

if [ "${BENCH_HOLD:-0}" = 1 ]; then
  echo "holding for inspection: PG_PORT=$PG_PORT API=$API PROBLEM_ID=$PROBLEM_ID TOKEN=$TOKEN"; sleep "${BENCH_HOLD_SECONDS:-900}"
fi
measure() { # name url
  local name=$1 url=$2
  curl -fs -o /dev/null -H "Authorization: Bearer $TOKEN" "$url" || { echo "$name: did not answer 200 ($url)"; tail -20 "$WORK/api.log"; exit 1; }
  wrk -t2 -c"$CONNECTIONS" -d3s -H "Authorization: Bearer $TOKEN" -s bench/percentiles.lua "$url" >/dev/null 2>&1 || true   # warm-up
  local out; out=$(wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_RUN}s" -H "Authorization: Bearer $TOKEN" -s bench/percentiles.lua "$url" | grep '^RESULT')
  echo "$name: ${out#RESULT }"
}

LIST="$API/api/problems/$PROBLEM_ID/solutions"
# The id half-way down the creation order, walked by keyset (every build has that).
MIDDLE=$(python3 - "$LIST" "$TOKEN" "$(( COUNT / 2 ))" <<'PY'
import json, sys, urllib.request
url, token, want = sys.argv[1], sys.argv[2], int(sys.argv[3])
seen, after = 0, None
while True:
    req = urllib.request.Request(url + "?limit=500" + (f"&after={after}" if after else ""), headers={"Authorization": "Bearer " + token})
    items = json.load(urllib.request.urlopen(req))["items"]
    if not items or seen + len(items) >= want:
        print(items[max(0, want - seen - 1)]["id"] if items else after)
        break
    seen += len(items)
    after = items[-1]["id"]
PY
)
echo "== wrk: ${SECONDS_RUN}s, $CONNECTIONS connections, 2 threads, load $(cut -d' ' -f1 /proc/loadavg)"
measure "keyset, creation order, mid-list  ?after=&limit=50    " "$LIST?after=$MIDDLE&limit=50"
# A build from before sorting existed ignores the parameters below and would be timed on the wrong work.
if ! curl -fs -H "Authorization: Bearer $TOKEN" "$LIST?sort=-final&page=2&pageSize=1" | grep -q '"total"'; then
  echo "this build has no sorting or filtering: the other figures do not apply"; exit 0
fi
measure "page 100 by final, descending     ?sort=-final&page=100" "$LIST?sort=-final&page=100&pageSize=50"
measure "page 50 by length                 ?sort=length&page=50 " "$LIST?sort=length&page=50&pageSize=50"
measure "ungraded, page 20                 ?state=ungraded      " "$LIST?state=ungraded&page=20&pageSize=50"
measure "search, by external id or author  ?search=bench-42     " "$LIST?search=bench-42&pageSize=50"
# What the stored length column saves: the same page of ids by length, computed from the text or read from the column.
explain() { psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -d bench -At -c "EXPLAIN (ANALYZE, FORMAT JSON) $1" \
  | python3 -c 'import json,sys; print(round(json.load(sys.stdin)[0]["Execution Time"], 1))'; }
BY="FROM solutions WHERE problem_id = '$PROBLEM_ID' ORDER BY"
echo "SQL, 51 ids by length at offset $(( COUNT / 2 )): char_length(text) $(explain "SELECT id $BY char_length(text), id OFFSET $(( COUNT / 2 )) LIMIT 51") ms," \
  "stored text_length $(explain "SELECT id $BY text_length, id OFFSET $(( COUNT / 2 )) LIMIT 51") ms"
echo "load after: $(cut -d' ' -f1 /proc/loadavg)"
