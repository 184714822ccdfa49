#!/usr/bin/env bash
# The clang/libFuzzer side of testing (see tests/fuzz/CMakeLists.txt).
#   run_fuzz.sh [smoke [BUDGET_SECONDS]]
#       the step of .ci/run: configures the `fuzz` preset (clang-19, its own
#       folder build-fuzz-clang/, ccache when installed), builds `fuzz_all`,
#       then runs every target from its seeds so that the runs take about
#       BUDGET_SECONDS of wall time in all (default 60, or $NEWSWATCH_FUZZ_BUDGET).
#   run_fuzz.sh run BUILD_DIR NAME SECONDS [SEED_FILE_OR_DIR...]
#       runs BUILD_DIR/NAME_fuzz for SECONDS on a temp copy of the seeds; a crash,
#       sanitizer report, leak, timeout (>10 s per input) or OOM fails the run and
#       leaves the input in BUILD_DIR/fuzz-artifacts/. (ctest --preset fuzz calls this.)
# Missing clang-19 or libFuzzer is an error, never a skip (.ci/deps installs them).
set -euo pipefail

die() { echo "run_fuzz.sh: $*" >&2; exit 1; }

smoke() {
  local budget=${1:-${NEWSWATCH_FUZZ_BUDGET:-60}}
  local src
  src=$(cd "$(dirname "$0")/../.." && pwd)
  for tool in clang-19 clang++-19 cmake ninja ctest; do
    command -v "$tool" >/dev/null || die "$tool not found; install it with .ci/deps (clang-19 libclang-rt-19-dev)"
  done
  [[ -f $(clang++-19 -print-file-name=libclang_rt.fuzzer-x86_64.a) ]] ||
    die "libFuzzer runtime not found; install libclang-rt-19-dev (.ci/deps)"
  local jobs=${NEWSWATCH_FUZZ_JOBS:-2}
  local targets
  targets=$(find "$src/tests/fuzz" -maxdepth 1 -name '*_fuzz.cc' | wc -l)
  ((targets > 0)) || die "no fuzz targets under $src/tests/fuzz"
  # Targets run `jobs` at a time: each gets its share of the budget, at least 5 s.
  local rounds=$(((targets + jobs - 1) / jobs))
  local seconds=$((budget / rounds))
  ((seconds >= 5)) || seconds=5
  local start=$SECONDS
  cd "$src"
  cmake --preset fuzz -DNEWSWATCH_FUZZ_SECONDS="$seconds" >/dev/null
  cmake --build --preset fuzz -j "$jobs"
  local built=$SECONDS
  echo "run_fuzz.sh: fuzz build took $((built - start)) s; $targets targets, ${seconds} s each, $jobs at a time"
  ctest --preset fuzz -j "$jobs"
  echo "run_fuzz.sh: fuzz runs took $((SECONDS - built)) s (whole step $((SECONDS - start)) s)"
}

run() {
  local dir=$1 name=$2 seconds=$3
  shift 3
  local bin="$dir/${name}_fuzz"
  [[ -x $bin ]] || die "$bin is missing: build the fuzz_all target of the fuzz preset first"
  local corpus artifacts="$dir/fuzz-artifacts"
  corpus=$(mktemp -d "${TMPDIR:-/tmp}/nw-fuzz-$name.XXXXXX")
  trap "rm -rf $(printf %q "$corpus")" EXIT
  mkdir -p "$artifacts"
  local seed n=0
  for seed in "$@"; do
    [[ -e $seed ]] || die "seed $seed does not exist"
    while IFS= read -r -d '' f; do
      cp "$f" "$corpus/$n-$(basename "$f")"
      n=$((n + 1))
    done < <(find "$seed" -type f -size -1M -print0)
  done
  local args=(-max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -max_len=262144
              -print_final_stats=1 -artifact_prefix="$artifacts/$name-")
  local dict
  dict="$(dirname "$0")/$name.dict"
  [[ -f $dict ]] && args+=(-dict="$dict")
  echo "fuzzing $name for ${seconds}s from $n seed files"
  export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:suppressions=$(dirname "$0")/asan.supp}
  export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
  local rc=0 stamp="$corpus/.start"  # an empty input to libFuzzer, harmless
  touch "$stamp"
  "$bin" "${args[@]}" "$corpus" || rc=$?
  if ((rc != 0)); then
    echo "run_fuzz.sh: $name failed (exit $rc); reproduce with:" >&2
    find "$artifacts" -name "$name-*" -newer "$stamp" | sed "s|^|  $bin |" >&2
  fi
  exit "$rc"
}

cmd=${1:-smoke}
shift || true
case $cmd in
  smoke) (($# <= 1)) || die "usage: run_fuzz.sh smoke [BUDGET_SECONDS]"; smoke "$@" ;;
  run) (($# >= 3)) || die "usage: run_fuzz.sh run BUILD_DIR NAME SECONDS [SEEDS...]"; run "$@" ;;
  *) die "usage: run_fuzz.sh [smoke [BUDGET_SECONDS]] | run BUILD_DIR NAME SECONDS [SEEDS...]" ;;
esac
