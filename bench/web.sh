#!/usr/bin/env bash
# Web benchmark for the interactive solution page (issue 14). Measures and prints; asserts nothing.
# Starts its own password-protected PostgreSQL, the Api and the Web (Release), seeds like bench/run.sh (solutions of
# ~20 KB, 50 annotations and a grade on one of them, a project without blind grading) and prints:
#   1. requests/s of GET /api/solutions/{id} and of the prerendered GET /solutions/{id} (wrk, same run, each after a
#      warm-up of GP_WARMUP=15 s; issue 14's page figure is their ratio), after checking once that the GET really carries
#      the page (proof, annotations); then full page loads/s: PAGES headless Chromium pages loading the solution page
#      until it is interactive and fully rendered, for SECONDS (bench/WebBench).
#   2. server CPU: CPU seconds of the Api per GET /api/solutions/{id}, of the Web + Api per prerendered GET (both during
#      their wrk runs) and per full page load (during the Chromium run), and the ratios they imply.
#   3. memory per idle circuit: the Web's RSS and GC heap before and after CIRCUITS open solution pages; with
#      dotnet-gcdump, the live heap after a full collection; then a walk of the live objects (bench/WebBench/HeapWalk.cs,
#      ClrMD; the Web pauses for a few seconds) for exact bytes per type, per kind of component's render trees, and the
#      large strings (dotnet-gcdump's report gives one object's size per type, not the type's total). GP_HEAP_WALK=0
#      leaves the walk out.
#   4. fan-out: the grade revised through the Api; time until every one of the CIRCUITS open pages shows it (pushed by
#      the Api's change stream, ADR 022). Each page records when the grade's text changes (a MutationObserver and the
#      page's clock, the machine's), so the figure is what a person would see; until 2026-12 the bench polled every page
#      every 20 ms instead, which on two cores slowed what it measured. Then the same write's way through the servers,
#      from their Debug stamps: notice at the Api, event at the Web, each circuit's Api reads done and render batch sent.
# Usage: bench/web.sh [solutions=200] [seconds=30] [pages=8] [circuits=50] [phases=all|fanout|page|memory]
#   phases=fanout: only the fan-out (4), without the throughput, CPU and memory phases; circuits may then be a list
#   ("10,50": the fan-out to 10 pages, then to 50).
#   phases=page: only the wrk pair of 1 (Api GET, then prerendered page GET, the page checked before and after) and
#   their CPU figures of 2: no Chromium and no circuits, about two minutes. With GP_TRACE_DIR set, the page's wrk run is
#   also profiled into that folder (see profile_web below: GP_PROFILE=trace or perf). GP_NO_BUILD=1 skips the build
#   (runs what is built), for runs that compare runtime settings only.
#   phases=memory: only the memory per idle circuit (3, with the heap walk), without throughput, CPU and fan-out.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
COUNT=${1:-200}
SECONDS_RUN=${2:-30}
PAGES=${3:-8}
CIRCUITS=${4:-50}
PHASES=${5:-all}
CONNECTIONS=32
CORPORA="$ROOT/../shared/corpora"
export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1
for pgbin in /usr/lib/postgresql/*/bin; do [[ -d "$pgbin" ]] && PATH="$PATH:$pgbin"; done
as_root() { if [[ $EUID -eq 0 ]]; then "$@"; else sudo "$@"; fi; }
command -v wrk >/dev/null || { echo "installing wrk (apt)"; as_root apt-get update -qq; as_root apt-get install -y -qq wrk >/dev/null; }
[[ "$PHASES" == page || -x /usr/bin/chromium ]] || { echo "installing Chromium (apt)"; as_root apt-get update -qq; as_root apt-get install -y -qq chromium >/dev/null; }

WORK=$(mktemp -d /tmp/gp-web-bench.XXXXXX)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]:-}"; do [[ -n "$pid" ]] && kill "$pid" 2>/dev/null || true; done
  if [[ -f "$WORK/pg/data/postmaster.pid" ]]; then kill -INT "$(head -1 "$WORK/pg/data/postmaster.pid")" 2>/dev/null || true; sleep 1; fi
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
as_pg() { if [[ $EUID -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }

# dotnet-counters reads the Web's GC heap; without it only RSS is reported.
COUNTERS=$(command -v dotnet-counters || true)
if [[ -z "$COUNTERS" ]]; then
  dotnet tool install dotnet-counters --tool-path "$WORK/tools" >"$WORK/tools.log" 2>&1 && COUNTERS="$WORK/tools/dotnet-counters" \
    || echo "dotnet-counters could not be installed: GC heap figures are left out"
fi
# dotnet-gcdump forces a full collection and lists what is live: the honest heap per circuit, and what holds it.
GCDUMP=$(command -v dotnet-gcdump || true)
if [[ -z "$GCDUMP" ]]; then
  dotnet tool install dotnet-gcdump --version 10.0.750501 --tool-path "$WORK/tools" >>"$WORK/tools.log" 2>&1 && GCDUMP="$WORK/tools/dotnet-gcdump" \
    || echo "dotnet-gcdump could not be installed: live heap figures are left out"
fi

if [[ "${GP_NO_BUILD:-0}" == 1 ]]; then
  echo "== not building (GP_NO_BUILD=1): the Release build already in bin/ is measured"
else
  echo "== building (Release)"
  dotnet build GradingPortal.sln -c Release -v q -nologo --disable-build-servers >"$WORK/build.log" 2>&1 || { tail -40 "$WORK/build.log"; exit 1; }
fi

echo "== starting PostgreSQL (password required on TCP)"
PG_PORT=$(free_port)
if [[ $EUID -eq 0 ]]; then chmod 755 "$WORK"; install -d -o postgres -g postgres -m 700 "$WORK/pg/data"; install -d -o postgres -g postgres "$WORK/pg/run"
else mkdir -p -m 700 "$WORK/pg/data" "$WORK/pg/run"; fi
PG_PASSWORD=$(head -c 24 /dev/urandom | base64 | tr -d '/+=')
(umask 077; printf '%s\n' "$PG_PASSWORD" >"$WORK/pg/run/pw"); [[ $EUID -ne 0 ]] || chown postgres "$WORK/pg/run/pw"
as_pg initdb -D "$WORK/pg/data" -U postgres --auth-local=trust --auth-host=scram-sha-256 --pwfile="$WORK/pg/run/pw" -E UTF8 --locale=C.UTF-8 >/dev/null
rm -f "$WORK/pg/run/pw"
as_pg pg_ctl -D "$WORK/pg/data" -l "$WORK/pg/run/pg.log" -w -o "-p $PG_PORT -k $WORK/pg/run -c listen_addresses=127.0.0.1 -c shared_buffers=256MB -c max_connections=300" start >/dev/null
PGPASSWORD="$PG_PASSWORD" psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -qc "CREATE DATABASE bench" >/dev/null
export ConnectionStrings__Db="Host=127.0.0.1;Port=$PG_PORT;Database=bench;Username=postgres;Password=$PG_PASSWORD;Maximum Pool Size=64"
export Admin__Email=bench@example.org Admin__Password=bench-password-1
(cd migrations && dotnet bin/Release/net10.0/GradingPortal.Migrations.dll >/dev/null)

API_PORT=$(free_port); WEB_PORT=$(free_port)
API="http://127.0.0.1:$API_PORT"; WEB="http://127.0.0.1:$WEB_PORT"
export Logging__LogLevel__Default=Warning
# The fan-out's stages come from Debug stamps of these two categories only (a few lines per change).
(cd src/Api && exec env 'Logging__LogLevel__GradingPortal.Api.Infrastructure.SolutionChangeNotices=Debug' ASPNETCORE_URLS="$API" dotnet bin/Release/net10.0/GradingPortal.Api.dll) >"$WORK/api.log" 2>&1 & PIDS+=($!)
API_PID=$!
# The Web never opens the database; it gets no connection string. exec: the recorded pid is the Web itself (its
# /proc status is read for RSS).
# perf names JIT-compiled frames from the map the runtime writes when asked; with W^X on, that code runs from a
# double-mapped file perf cannot match with the map.
WEB_ENV=()
[[ "$PHASES" == page && -n "${GP_TRACE_DIR:-}" && "${GP_PROFILE:-}" == perf ]] && WEB_ENV+=(DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0)
# GP_WEB_ENV="NAME=value ...": settings for the Web alone, to compare runtime settings (say, GC modes) in the same bench.
WEB_EXTRA=(); [[ -z "${GP_WEB_ENV:-}" ]] || read -r -a WEB_EXTRA <<<"$GP_WEB_ENV"
WEB_ENV+=("${WEB_EXTRA[@]}")
(cd src/Web && exec env -u ConnectionStrings__Db "${WEB_ENV[@]}" 'Logging__LogLevel__GradingPortal.Web.Components.Pages.Solutions=Debug' ASPNETCORE_URLS="$WEB" Api__BaseUrl="$API" DataProtection__KeysPath="$WORK/web-keys" \
  dotnet bin/Release/net10.0/GradingPortal.Web.dll) >"$WORK/web.log" 2>&1 & PIDS+=($!)
WEB_PID=$!
for url in "$API/health" "$WEB/health"; do
  for _ in $(seq 1 120); do curl -fs "$url" >/dev/null 2>&1 && break; sleep 0.5; done
  curl -fs "$url" >/dev/null || { echo "not healthy: $url"; tail -20 "$WORK/api.log" "$WORK/web.log"; exit 1; }
done

echo "== seeding $COUNT solutions (~20 KB each) through the Api"
python3 bench/seed.py "$API" "$Admin__Email" "$Admin__Password" "$COUNT" "$CORPORA" >"$WORK/seed.out"
SOLUTION_ID=$(sed -n 's/^SOLUTION_ID=//p' "$WORK/seed.out")
TOKEN=$(sed -n 's/^TOKEN=//p' "$WORK/seed.out")
COOKIE=$(python3 bench/web_login.py "$WEB" "$Admin__Email" "$Admin__Password")

BENCH=(dotnet bench/WebBench/bin/Release/net10.0/GradingPortal.Bench.Web.dll)
export GP_API_LOG="$WORK/api.log" GP_WEB_LOG="$WORK/web.log"
if [[ "$PHASES" == fanout ]]; then
  echo "== 4. fan-out alone: $CIRCUITS open solution pages"
  "${BENCH[@]}" fanout "$WEB" "$COOKIE" "$SOLUTION_ID" 50 "$API" "$TOKEN" "$CIRCUITS" | sed 's/^RESULT //'
  echo "target: fan-out to all $CIRCUITS pages < 1 s (pushed; the pages' own poll is every 30 s)"
  echo "load average while measured: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
  exit 0
fi

if [[ "$PHASES" == memory ]]; then
  echo "== 3. memory alone: $CIRCUITS idle solution pages"
  GP_GCDUMP="$GCDUMP" GP_GCDUMP_DIR="$WORK" "${BENCH[@]}" memory "$WEB" "$COOKIE" "$SOLUTION_ID" 50 "$API" "$TOKEN" "$WEB_PID" "$CIRCUITS" ${COUNTERS:+"$COUNTERS"} | sed 's/^RESULT //'
  echo "target: memory < 1 MB per idle circuit"
  echo "load average while measured: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
  exit 0
fi

# CPU seconds (user + system) a process has used so far, from /proc (clock ticks).
cpu_seconds() { awk -v hz="$(getconf CLK_TCK)" '{ print ($14 + $15) / hz }' "/proc/$1/stat"; }
# Warm-up before each measured wrk run. A profile of the Web under wrk after the former 5 s warm-up still found a tenth
# of its CPU in the background JIT and hot request code still at tier 0: the runtime recompiles what is called often
# (tiered compilation, with an instrumented step for dynamic PGO), which takes a while for the thousands of methods a
# page render touches. GP_WARMUP (seconds) changes it; the Api gets the same warm-up. Since the Web runs without
# dynamic PGO (its project file; ADR 018), it settles within these 15 s: a 60 s warm-up gave the same figures.
WARMUP=${GP_WARMUP:-15}
wrk_rps() { # url header... -> requests/s, after the warm-up; CPU seconds of the measured run in $WORK/wrk.cpu (Api)
  local url=$1; shift                                                  # and $WORK/wrk.webcpu (Web)
  wrk -t2 -c"$CONNECTIONS" -d"${WARMUP}s" "$@" "$url" >/dev/null 2>&1 || true
  local before web_before; before=$(cpu_seconds "$API_PID"); web_before=$(cpu_seconds "$WEB_PID")
  [[ -z "${PROFILE_THIS:-}" ]] || profile_web &
  wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_RUN}s" "$@" -s bench/percentiles.lua "$url" | sed -n 's/^RESULT //p'
  python3 -c "import sys; print(float(sys.argv[2]) - float(sys.argv[1]))" "$before" "$(cpu_seconds "$API_PID")" >"$WORK/wrk.cpu"
  python3 -c "import sys; print(float(sys.argv[2]) - float(sys.argv[1]))" "$web_before" "$(cpu_seconds "$WEB_PID")" >"$WORK/wrk.webcpu"
  wait
}
# GP_TRACE_DIR: a profile of the Web while wrk loads it, 10 s from a third into the page's run. Sampling costs the Web
# CPU, so the figures of a profiled run are lower than an unprofiled one's; compare profiled runs with profiled runs only.
#   GP_PROFILE=trace (default): dotnet-trace's sampled managed stacks of every thread, GC events with the 100 KB
#     allocation ticks, loader and JIT events, into web.nettrace (open it with PerfView or TraceEvent).
#   GP_PROFILE=perf: perf's CPU samples of the Web with call graphs (perf.data) and its report (perf.txt); the Web then
#     writes a perf map (DOTNET_PerfMapEnabled) so JIT-compiled frames have names; perf-map-growth.txt lists the
#     methods compiled during the sampled 10 s (in a steady state: code made per request).
profile_web() {
  sleep $(( SECONDS_RUN / 3 ))
  if [[ "${GP_PROFILE:-trace}" == perf ]]; then
    local map=/tmp/perf-$WEB_PID.map before=0
    [[ -f $map ]] && before=$(wc -l <"$map")
    perf record -F 999 -g -p "$WEB_PID" -o "$GP_TRACE_DIR/perf.data" -- sleep 10 >"$WORK/trace.log" 2>&1 \
      || { echo "perf failed: $(tail -3 "$WORK/trace.log")" >&2; return; }
    [[ -f $map ]] && tail -n +$((before + 1)) "$map" >"$GP_TRACE_DIR/perf-map-growth.txt"
    perf report -i "$GP_TRACE_DIR/perf.data" --no-children --sort dso,symbol --stdio -g none >"$GP_TRACE_DIR/perf.txt" 2>/dev/null || true
    perf report -i "$GP_TRACE_DIR/perf.data" --children --sort symbol --stdio -g none >"$GP_TRACE_DIR/perf-inclusive.txt" 2>/dev/null || true
  else
    "$TRACE" collect -p "$WEB_PID" --profile dotnet-sampled-thread-time --providers 'Microsoft-Windows-DotNETRuntime:0x1000008019:5' \
      --duration 00:00:00:10 -o "$GP_TRACE_DIR/web.nettrace" >"$WORK/trace.log" 2>&1 \
      || echo "dotnet-trace failed: $(tail -3 "$WORK/trace.log")" >&2
  fi
}
# What one GET of the page returns: status, bytes, and the signs that it is the prerendered page and not a shell or a
# redirect to sign-in (wrk counts a 302 as a success).
page_check() {
  curl -s -o "$WORK/page.html" -w '%{http_code} %{size_download}' -H "Cookie: $COOKIE" "$WEB/solutions/$SOLUTION_ID"
  printf ' %s %s %s\n' "$(grep -o 'data-testid="annotation-item"' "$WORK/page.html" | wc -l)" \
    "$(grep -c 'id="gp-proof-markdown"' "$WORK/page.html")" "$(grep -c 'Blazor-Server-Component-State' "$WORK/page.html")"
}
describe_page() { # "status bytes annotations proof state" -> a sentence; non-zero when it is not the full page
  read -r code bytes anns proof state <<<"$1"
  echo "HTTP $code, $bytes bytes, $anns annotations listed, proof $([[ $proof -gt 0 ]] && echo present || echo MISSING), persisted state $([[ $state -gt 0 ]] && echo present || echo MISSING)"
  [[ $code == 200 && $anns -ge 50 && $proof -gt 0 && $state -gt 0 ]]
}
if [[ "$PHASES" == page && -n "${GP_TRACE_DIR:-}" ]]; then
  TRACE=$(command -v dotnet-trace || true)
  if [[ "${GP_PROFILE:-trace}" == perf ]]; then
    command -v perf >/dev/null || { echo "perf is not installed: no profile"; GP_TRACE_DIR=; }
  elif [[ -z "$TRACE" ]]; then
    dotnet tool install dotnet-trace --version 10.0.750501 --tool-path "$WORK/tools" >>"$WORK/tools.log" 2>&1 && TRACE="$WORK/tools/dotnet-trace" \
      || { echo "dotnet-trace could not be installed: no profile"; GP_TRACE_DIR=; }
  fi
  mkdir -p "${GP_TRACE_DIR:-.}"
fi
echo "== 1. throughput (wrk ${SECONDS_RUN}s, $CONNECTIONS connections; browser: $PAGES pages, ${SECONDS_RUN}s)"
API_LINE=$(wrk_rps "$API/api/solutions/$SOLUTION_ID" -H "Authorization: Bearer $TOKEN")
API_CPU=$(cat "$WORK/wrk.cpu")
echo "api  GET /api/solutions/{id}: $API_LINE"
CHECK=$(page_check)
echo "page GET /solutions/{id} checked once before the run: $(describe_page "$CHECK" || echo "NOT the prerendered page: its figure below is not the page's")"
PAGE_LINE=$(PROFILE_THIS=${GP_TRACE_DIR:-} wrk_rps "$WEB/solutions/$SOLUTION_ID" -H "Cookie: $COOKIE")
PAGE_API_CPU=$(cat "$WORK/wrk.cpu"); PAGE_WEB_CPU=$(cat "$WORK/wrk.webcpu")
echo "page GET /solutions/{id} (prerendered: proof, annotations, grades; no circuit): $PAGE_LINE"
CHECK=$(page_check)
echo "page GET /solutions/{id} checked once after the run: $(describe_page "$CHECK" || echo "NOT the prerendered page any more: the figure above is in doubt")"
python3 - "$API_LINE" "$PAGE_LINE" <<'PY'
import re, sys
try:
    api, page = (float(re.search(r"rps=([0-9.]+)", line).group(1)) for line in sys.argv[1:3])
    errors = int(re.search(r"errors=(\d+)", sys.argv[2]).group(1))
    print(f"prerendered page GETs/s are {100 * page / api:.1f} % of the Api's requests/s (issue 14's target: >= 40 %)"
          + (f"; {errors} page requests failed" if errors else ""))
except (AttributeError, ValueError):
    print("ratio not computed: a figure above is missing")
PY
WEB_CPU_0=$(cpu_seconds "$WEB_PID"); API_CPU_0=$(cpu_seconds "$API_PID")
if [[ "$PHASES" == page ]]; then LOADS_LINE="(page only: no Chromium loads)"; WEB_CPU_1=$WEB_CPU_0; API_CPU_1=$API_CPU_0; else
LOADS_LINE=$("${BENCH[@]}" loads "$WEB" "$COOKIE" "$SOLUTION_ID" 50 "$PAGES" "$SECONDS_RUN" | sed -n 's/^RESULT //p')
WEB_CPU_1=$(cpu_seconds "$WEB_PID"); API_CPU_1=$(cpu_seconds "$API_PID")
echo "page fully loaded in Chromium (prerendered GET, circuit, Api calls, KaTeX, 50 highlights, interactive): $LOADS_LINE"
echo "   (a full load also opens a circuit and calls the Api three more times, and the browser's rendering shares these cores)"
fi

echo "== 2. server CPU per request (what the two cores would allow without the browser)"
# The loads phase includes each page's warm-up load and its open circuits' idle cost; the count is the measured loads
# plus the warm-ups, so the figure is per load the servers actually served.
python3 - "$API_LINE" "$API_CPU" "$LOADS_LINE" "$PAGES" "$WEB_CPU_0" "$WEB_CPU_1" "$API_CPU_0" "$API_CPU_1" "$PAGE_LINE" "$PAGE_WEB_CPU" "$PAGE_API_CPU" <<'PY'
import re, sys
api_line, api_cpu, loads_line, pages = sys.argv[1], float(sys.argv[2]), sys.argv[3], int(sys.argv[4])
web0, web1, api0, api1 = map(float, sys.argv[5:9])
page_line, page_web_cpu, page_api_cpu = sys.argv[9], float(sys.argv[10]), float(sys.argv[11])
try:
    requests = int(re.search(r"requests=(\d+)", api_line).group(1))
    page_requests = int(re.search(r"requests=(\d+)", page_line).group(1))
except AttributeError:
    print("CPU figures not computed: a figure above is missing"); sys.exit()
per_get = api_cpu / requests
print(f"api:  {per_get * 1000:.2f} ms CPU per GET /api/solutions/{{id}} ({api_cpu:.1f} s of Api CPU for {requests} requests)")
per_page = (page_web_cpu + page_api_cpu) / page_requests
print(f"page: {per_page * 1000:.2f} ms CPU per prerendered GET, Web {page_web_cpu / page_requests * 1000:.2f} + Api "
      f"{page_api_cpu / page_requests * 1000:.2f} ({page_requests} requests)")
print(f"implied: with the same server CPU, prerendered page GETs/s would be {100 * per_get / per_page:.1f} % of the Api's "
      "requests/s (issue 14's target: >= 40 %)")
try:
    # The loads phase includes each page's warm-up load and its open circuits' idle cost; the count is the measured
    # loads plus the warm-ups, so the figure is per load the servers actually served.
    loads = int(re.search(r"\((\d+) in ", loads_line).group(1)) + pages
except AttributeError:
    if not loads_line.startswith("(page only"): print("full-load CPU not computed: the Chromium figure is missing")
    sys.exit()
web_cpu, api_side = web1 - web0, api1 - api0
per_load = (web_cpu + api_side) / loads
print(f"full load: {per_load * 1000:.2f} ms CPU per full page load in Chromium, Web {web_cpu / loads * 1000:.2f} + Api "
      f"{api_side / loads * 1000:.2f} ({loads} loads: prerendered GET, circuit start, Api calls, render, JS interop; the "
      "browser's own CPU not counted)")
PY

if [[ "$PHASES" == page ]]; then
  echo "load average while measured: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
  exit 0
fi
echo "== 3 and 4. $CIRCUITS circuits open on one solution page"
GP_GCDUMP="$GCDUMP" GP_GCDUMP_DIR="$WORK" "${BENCH[@]}" circuits "$WEB" "$COOKIE" "$SOLUTION_ID" 50 "$API" "$TOKEN" "$WEB_PID" "$CIRCUITS" ${COUNTERS:+"$COUNTERS"} | sed 's/^RESULT //'
echo "targets: memory < 1 MB per idle circuit; fan-out to all $CIRCUITS pages < 1 s (pushed; the pages' own poll is every 30 s)"
echo "load average while measured: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
