#!/usr/bin/env bash
# LaTeX delimiter bench: times the Markdown + LaTeX renderer (the one behind the Web's preview and solution pages) on
# pathological delimiter runs (\( $ \[ $$ repeated, mixed) and on an ordinary proof, at sizes doubling up to the
# preview's 200,000 characters, and prints milliseconds, milliseconds per 1,000 characters and the ratio to the previous
# size (about 2 when the work is linear in the input, about 4 when it is quadratic). No database, no hosts.
#
# Usage: bench/latex.sh [maxChars=200000] [budgetSeconds=60]
#   BENCH_BASE=<commit> also runs the same bench against the renderer of that commit (built in a temporary git worktree
#   that is removed afterwards), for a before/after comparison.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
MAX=${1:-200000}
BUDGET=${2:-60}

run_bench() { # <repository folder> <label>
  local tree=$1 label=$2
  echo "== $label"
  dotnet build "$tree/bench/LatexBench/GradingPortal.Bench.Latex.csproj" -c Release -v q -nologo >"$WORK/build.log" 2>&1 \
    || { cat "$WORK/build.log"; exit 1; }
  dotnet "$tree/bench/LatexBench/bin/Release/net10.0/GradingPortal.Bench.Latex.dll" "$MAX" "$BUDGET"
}

WORK=$(mktemp -d /tmp/gp-bench-latex.XXXXXX)
BASE_TREE=""
cleanup() {
  if [ -n "$BASE_TREE" ]; then git -C "$ROOT" worktree remove --force "$BASE_TREE" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

if [ -n "${BENCH_BASE:-}" ]; then
  BASE_TREE="$WORK/base"
  git -C "$ROOT" worktree add --detach "$BASE_TREE" "$BENCH_BASE" >/dev/null 2>&1
  # The bench program is the same for both; only the renderer under test differs.
  rm -rf "$BASE_TREE/bench/LatexBench"
  mkdir -p "$BASE_TREE/bench/LatexBench"
  cp "$ROOT/bench/LatexBench/Program.cs" "$ROOT/bench/LatexBench/GradingPortal.Bench.Latex.csproj" "$BASE_TREE/bench/LatexBench/"
  # Reuse the npm packages instead of installing them again (the Web build needs them for its static assets).
  [ -d "$ROOT/src/Web/node_modules" ] && ln -s "$ROOT/src/Web/node_modules" "$BASE_TREE/src/Web/node_modules"
  run_bench "$BASE_TREE" "renderer of $(git -C "$ROOT" rev-parse --short "$BENCH_BASE") (BENCH_BASE)"
fi
run_bench "$ROOT" "renderer of this tree ($(git -C "$ROOT" rev-parse --short HEAD)$(git -C "$ROOT" diff --quiet HEAD -- src/Web || echo ', with changes'))"
