#!/usr/bin/env bash
# Runs every example in examples/ as written, each under a time limit, and checks what it produced.
#   bash scripts/test-examples.sh            (called by scripts/test.sh after the release build)
# Model: the built-in one when models/builtin/config.json exists (or $HAPPYHORSE_MODEL_PATH), else the tiny committed
# test model Tests/HappyHorseTests/Fixtures/pipeline/tiny (64x32, random weights: fast, exercises the same code).
# Output: PASS/FAIL lines and a last line "N passed, M failed". Exit status non-zero if any failed.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$HH_ROOT"
export HH_SCRATCH
LIMIT="${HH_EXAMPLE_TIMEOUT:-240}"
work="$HH_SCRATCH/examples"; logs="$work/logs"; mkdir -p "$logs"
passed=0; failed=0
pass() { passed=$((passed + 1)); echo "PASS: $1"; }
fail() { failed=$((failed + 1)); echo "FAIL: $1${2:+ — $2}"; }

if [ -z "${HAPPYHORSE_MODEL_PATH:-}" ]; then
  if [ -f models/builtin/config.json ]; then
    export HAPPYHORSE_MODEL_PATH="$HH_ROOT/models/builtin"
    export HH_EXAMPLE_PROPS="${HH_EXAMPLE_PROPS:-num-inference-steps=2}"
  else
    export HAPPYHORSE_MODEL_PATH="$HH_ROOT/Tests/HappyHorseTests/Fixtures/pipeline/tiny"
  fi
fi
echo "examples: model $HAPPYHORSE_MODEL_PATH, limit ${LIMIT} s each"
[ -f "$HH_SCRATCH/release/libgsthappyhorse.so" ] || hh_build_plugin >"$logs/release-build.log" 2>&1

duration_of() {  # seconds, from gst-discoverer-1.0
  gst-discoverer-1.0 "$1" 2>/dev/null | sed -n 's/^ *Duration: \([0-9]*\):\([0-9]*\):\([0-9.]*\).*/\1 \2 \3/p' | head -1 \
    | awk '{ printf "%.2f", $1 * 3600 + $2 * 60 + $3 }'
}
# mp4_check NAME FILE MIN MAX
mp4_check() {
  local d; d=$(duration_of "$2")
  if [ -n "$d" ] && awk -v d="$d" -v lo="$3" -v hi="$4" 'BEGIN { exit !(d >= lo && d <= hi) }'; then
    pass "$1 ($2: ${d} s)"
  else
    fail "$1" "duration '${d}' of $2 not in [$3, $4]; see $logs"
  fi
}

rm -f "$work"/*.mp4
timeout "$LIMIT" bash examples/render-mp4.sh "a white horse trots on a beach" "$work/render.mp4" duration=1 \
  ${HH_EXAMPLE_PROPS:-} >"$logs/render-mp4.log" 2>&1 || true
mp4_check "examples/render-mp4.sh" "$work/render.mp4" 0.9 1.1

timeout "$LIMIT" bash examples/live-compositor.sh "$work/compositor.mp4" 3 >"$logs/live-compositor.log" 2>&1 || true
mp4_check "examples/live-compositor.sh (videotestsrc + happyhorsesrc in compositor, textoverlay)" "$work/compositor.mp4" 2.5 30

HH_RTP_PORT=$((20000 + RANDOM % 20000)) timeout "$LIMIT" bash examples/live-rtp.sh "$work/rtp.mp4" 3 \
  >"$logs/live-rtp.log" 2>&1 || true
mp4_check "examples/live-rtp.sh (RTP/UDP to a localhost receiver)" "$work/rtp.mp4" 1 30

if timeout "$LIMIT" bash examples/live-prompts.sh --seconds 6 --every 1.5 --props "${HH_EXAMPLE_PROPS:-}" \
    >"$logs/live-prompts.log" 2>&1 && grep -q "applied at running time" "$logs/live-prompts.log"; then
  pass "examples/live-prompts.py (PyGObject, prompt changes while PLAYING: $(grep -c "applied at" "$logs/live-prompts.log") applied)"
else
  fail "examples/live-prompts.py" "see $logs/live-prompts.log"
fi

if timeout "$LIMIT" bash examples/swift-appsink/run.sh 8 "a black horse walks in the snow" ${HH_EXAMPLE_PROPS:-} \
    >"$logs/swift-appsink.log" 2>&1 && grep -q "^8 frames" "$logs/swift-appsink.log"; then
  pass "examples/swift-appsink (SwiftPM program with appsink: 8 frames)"
else
  fail "examples/swift-appsink" "see $logs/swift-appsink.log"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
