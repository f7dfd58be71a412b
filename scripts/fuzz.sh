#!/usr/bin/env bash
# libFuzzer runs of the engine's file parsers (Fuzz/FuzzEntry.swift; see docs/reliability.md).
#   scripts/fuzz.sh build                      build .build-fuzz/hh-fuzz (engine sources + entry, -sanitize=fuzzer,address)
#   scripts/fuzz.sh run TARGET [SECONDS] [libFuzzer args...]
#                                              fuzz one target (safetensors|index|config|tokenizer|prompt) from its
#                                              committed seed corpus Fuzz/corpus/TARGET; new inputs go to
#                                              .build-fuzz/corpus/TARGET, crashes to .build-fuzz/crashes/
#   scripts/fuzz.sh all [SECONDS_EACH]          every target in turn (default 60 s each)
#   scripts/fuzz.sh replay TARGET FILE...       run inputs once (a crash reproducer, a corpus)
# Environment: HH_FUZZ_JOBS (parallel libFuzzer workers per target, default 1), NICE (default 10).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=$ROOT/.build-fuzz
BIN=$OUT/hh-fuzz
TARGETS=(safetensors index config tokenizer prompt)
export PATH="$PATH:/opt/swift/usr/bin"

build() {
    mkdir -p "$OUT"
    local blas_cflags blas_libs
    blas_cflags=$(pkg-config --cflags openblas)
    blas_libs=$(pkg-config --libs openblas)
    # shellcheck disable=SC2046
    nice -n "${NICE:-10}" swiftc -sanitize=fuzzer,address -parse-as-library -O -g -module-name HHFuzz \
        -I Sources/COpenBLAS -Xcc ${blas_cflags} ${blas_libs} \
        $(find Sources/HappyHorse -name '*.swift' | sort) Fuzz/FuzzEntry.swift -o "$BIN"
    echo "built $BIN"
}

run() {
    local target=$1 seconds=${2:-60}
    shift 2 || shift $#
    [[ -x $BIN ]] || build
    mkdir -p "$OUT/corpus/$target" "$OUT/crashes"
    LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$ROOT/Fuzz/lsan.supp} HH_FUZZ_TARGET=$target nice -n "${NICE:-10}" "$BIN" "$OUT/corpus/$target" "Fuzz/corpus/$target" \
        -dict=Fuzz/json.dict -max_total_time="$seconds" -max_len=8192 -timeout=10 -rss_limit_mb=2048 \
        -artifact_prefix="$OUT/crashes/$target-" -print_final_stats=1 ${HH_FUZZ_JOBS:+-jobs=$HH_FUZZ_JOBS -workers=$HH_FUZZ_JOBS} "$@"
}

case "${1:-}" in
    build) build ;;
    run) shift; run "$@" ;;
    all) for t in "${TARGETS[@]}"; do run "$t" "${2:-60}"; done ;;
    replay) shift; t=$1; shift; [[ -x $BIN ]] || build; HH_FUZZ_TARGET=$t "$BIN" "$@" ;;
    *) sed -n '2,11p' "$0"; exit 2 ;;
esac
