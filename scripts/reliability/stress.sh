#!/usr/bin/env bash
# Long runs of the reliability checks (docs/reliability.md). Each runs the StressTests / BadInputTests of
# Tests/GstHappyHorseTests with bigger counts through environment variables and keeps the log in
# .build-rel/logs/NAME.log; the "stress: …" lines hold the figures.
#   scripts/reliability/stress.sh cycles [N] [MODEL_DIR]   N state cycles (default 500) with flushing seeks
#   scripts/reliability/stress.sh rss [N] [MODEL_DIR]       resident memory after 10 vs N generations (default 200)
#   scripts/reliability/stress.sh concurrency               4 sources in one pipeline + 2 pipelines at once
#   scripts/reliability/stress.sh eos                        EOS mid-generation into MP4
#   scripts/reliability/stress.sh asan                       bad-input + stress tests under AddressSanitizer/LeakSanitizer
#   scripts/reliability/stress.sh tsan                       concurrency + state tests under ThreadSanitizer
# Model: the tiny test model unless MODEL_DIR / HH_STRESS_MODEL names another (e.g. models/builtin).
# CONFIG=release builds the tests optimised (with -enable-testing) for cycles/rss/concurrency/eos; default debug.
# Scratch folders: .build-rel, .build-rel-asan, .build-rel-tsan (NICE, default 10, is the nice level).
set -uo pipefail
cd "$(dirname "$0")/../.."
# GLib 2.74 (Debian 12) hands out GstBuffer/GstEvent structs from its own slice magazines: the sanitizers see no
# malloc/free per object, so reused memory looks like a race between threads. Plain malloc makes them visible.
export G_SLICE=always-malloc
export PATH="$PATH:/opt/swift/usr/bin"
nice=${NICE:-10}
config=${CONFIG:-debug}
mkdir -p .build-rel/logs

run_tests() {  # scratch filter log [extra swift args...]
    local scratch=$1 filter=$2 log=$3; shift 3
    local build=(-c "$config") arg
    [[ $config == release ]] && build+=(-Xswiftc -enable-testing)  # the engine tests use @testable
    for arg in "$@"; do [[ $arg == --sanitize=* ]] && build+=("$arg"); done
    nice -n "$nice" swift build --build-tests --scratch-path "$scratch" "${build[@]}" 2>&1 | grep -E "error|Build" | tail -3
    nice -n "$nice" swift test --skip-build -c "$config" --scratch-path "$scratch" "$@" --filter "$filter" \
        > ".build-rel/logs/$log.log" 2>&1
    local rc=$?
    grep -E "stress:|✘|passed after|Test run|WARNING: ThreadSanitizer|ERROR: AddressSanitizer|ERROR: LeakSanitizer|SUMMARY" \
        ".build-rel/logs/$log.log" | grep -v "^✔ Test .*passed after" | head -60
    python3 scripts/reliability/sanitizer-summary.py ".build-rel/logs/$log.log"
    echo "exit $rc (log: .build-rel/logs/$log.log)"
    return $rc
}

case "${1:-}" in
    cycles)
        export HH_STRESS_CYCLES=${2:-500}
        [[ -n ${3:-} ]] && export HH_STRESS_MODEL=$3
        run_tests .build-rel "StressTests/stateCyclesWhileGenerating" "cycles-$HH_STRESS_CYCLES" ;;
    rss)
        export HH_STRESS_GENERATIONS=${2:-200} HH_RSS_TEST=1  # the test runs only when asked (a process of its own)
        [[ -n ${3:-} ]] && export HH_STRESS_MODEL=$3
        run_tests .build-rel "StressTests/residentMemoryStaysFlatOverGenerations" "rss-$HH_STRESS_GENERATIONS" ;;
    concurrency)
        run_tests .build-rel "StressTests/(fourSourcesInOnePipeline|twoPipelinesAtOnce)" concurrency ;;
    eos)
        run_tests .build-rel "StressTests/eosMidGenerationKeepsEveryFrame" eos ;;
    asan)
        # LeakSanitizer runs at exit; no suppressions: sanitizer-summary.py sorts the reports into ours / others.
        config=debug
        export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:halt_on_error=0:fast_unwind_on_malloc=0}
        export HH_STRESS_CYCLES=${HH_STRESS_CYCLES:-30} HH_STRESS_GENERATIONS=${HH_STRESS_GENERATIONS:-20}
        # (The resident-memory test is skipped: ASan's quarantine holds freed memory, RSS says nothing there.)
        run_tests .build-rel-asan "BadInputTests|StressTests|EngineLimitsTests" asan --sanitize=address \
            --skip residentMemoryStaysFlatOverGenerations ;;
    tsan)
        config=debug
        export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=0:second_deadlock_stack=1}
        export HH_STRESS_CYCLES=${HH_STRESS_CYCLES:-20}
        run_tests .build-rel-tsan "StressTests/(fourSourcesInOnePipeline|twoPipelinesAtOnce|stateCyclesWhileGenerating)" tsan --sanitize=thread ;;
    *) sed -n '2,15p' "$0"; exit 2 ;;
esac
