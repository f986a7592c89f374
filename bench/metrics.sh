#!/usr/bin/env bash
# Agreement-metrics benchmark (issue: judge the judges). The evaluation page asks for 50,000 human-model pairs across
# 20 graders with 95% bootstrap intervals (1,000 stratified resamples each) in under 2 s on this 2-core machine. This
# times the Domain computation alone (no database, no HTTP) on synthetic grades: the first call in a fresh process
# (JIT included) and the median/worst of warm calls, for point estimates, full intervals, intervals with rubric items,
# and single-threaded intervals. Prints each figure and the first grader's metrics.
#
# Usage: bench/metrics.sh [graders=20] [pairsPerGrader=2500] [problems=50] [runs=5]
#   BENCH_NO_BUILD=1 skips the Release build.
set -euo pipefail
cd "$(dirname "$0")/.."
PROJECT=bench/MetricsBench/GradingPortal.Bench.Metrics.csproj
if [ "${BENCH_NO_BUILD:-0}" != 1 ]; then
  echo "== building (Release)"
  LOG=$(mktemp)
  dotnet build "$PROJECT" -c Release -v q -nologo >"$LOG" 2>&1 || { cat "$LOG"; rm -f "$LOG"; exit 1; }
  rm -f "$LOG"
fi
echo "== load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
dotnet bench/MetricsBench/bin/Release/net10.0/GradingPortal.Bench.Metrics.dll "$@"
echo "== load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
