#!/usr/bin/env bash
# The clang/libFuzzer side of the test suite (see tests/fuzz/CMakeLists.txt).
#   run_fuzz.sh build SOURCE_DIR BUILD_DIR
#       configures BUILD_DIR with clang-14 and NEWSWATCH_FUZZ=ON, builds `fuzz_all`.
#   run_fuzz.sh exec BUILD_DIR PROGRAM
#       runs a plain test program of the fuzz build (expected_compat_test).
#   run_fuzz.sh run BUILD_DIR NAME SECONDS [SEED_FILE_OR_DIR...]
#       runs BUILD_DIR/NAME_fuzz for SECONDS on a temp copy of the seeds; a crash,
#       sanitizer report, leak, timeout (>10 s per input) or OOM fails the run and
#       leaves the input in BUILD_DIR/fuzz-artifacts/.
# Missing clang-14 or libFuzzer is an error, never a skip (.ci/deps installs them).
set -euo pipefail

die() { echo "run_fuzz.sh: $*" >&2; exit 1; }

build() {
  local src=$1 dir=$2
  for tool in clang-14 clang++-14 cmake ninja; do
    command -v "$tool" >/dev/null || die "$tool not found; install it with .ci/deps (clang-14 libclang-rt-14-dev)"
  done
  local rt
  rt=$(clang++-14 -print-file-name=libclang_rt.fuzzer-x86_64.a 2>/dev/null || true)
  [[ -f $rt ]] || rt=$(find /usr/lib/llvm-14/lib/clang -name 'libclang_rt.fuzzer*.a' -print -quit 2>/dev/null || true)
  [[ -n $rt && -f $rt ]] || die "libFuzzer runtime not found; install libclang-rt-14-dev (.ci/deps)"
  # The `fuzz` preset (CMakePresets.json) holds the settings; -B puts it in $dir.
  cmake -S "$src" --preset fuzz -B "$dir" >/dev/null
  cmake --build "$dir" --target fuzz_all -j "${NEWSWATCH_FUZZ_JOBS:-2}"
}

run() {
  local dir=$1 name=$2 seconds=$3
  shift 3
  local bin="$dir/${name}_fuzz"
  [[ -x $bin ]] || die "$bin is missing: the fuzz_build test (run_fuzz.sh build) did not build it"
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

exec_program() {
  local bin="$1/$2"
  [[ -x $bin ]] || die "$bin is missing: the fuzz_build test (run_fuzz.sh build) did not build it"
  exec "$bin"
}

cmd=${1:-}
shift || true
case $cmd in
  build) (($# == 2)) || die "usage: run_fuzz.sh build SOURCE_DIR BUILD_DIR"; build "$@" ;;
  exec) (($# == 2)) || die "usage: run_fuzz.sh exec BUILD_DIR PROGRAM"; exec_program "$@" ;;
  run) (($# >= 3)) || die "usage: run_fuzz.sh run BUILD_DIR NAME SECONDS [SEEDS...]"; run "$@" ;;
  *) die "usage: run_fuzz.sh build|run ..." ;;
esac
