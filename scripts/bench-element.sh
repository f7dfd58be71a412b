#!/usr/bin/env bash
# Element-level benchmark: frames per second, real-time factor, time to first frame and peak memory of happyhorsesrc
# through gst-launch-1.0 with a fakesink, non-live and live. Prints a Markdown table (append it to
# docs/benchmarks-element.md).
#   bash scripts/bench-element.sh [frames] [steps]        (defaults: 50 frames, the model's default steps)
# Model: the built-in one (models/builtin) or $HAPPYHORSE_MODEL_PATH. Plugin: the release build in $HH_SCRATCH
# (default .build; built when missing). HH_BENCH_THREADS sets n-threads (default 0 = all cores).
# HH_BENCH_PROPS: extra happyhorsesrc properties appended to both runs, e.g. HH_BENCH_PROPS="guidance-scale=1"
# (no classifier-free guidance; the default guidance-scale=0 means the model's pipeline.guidance_scale).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$HH_ROOT"
frames="${1:-50}"
steps="${2:-0}"
threads="${HH_BENCH_THREADS:-0}"
extra_props="${HH_BENCH_PROPS:-}"
[ -f "$HH_SCRATCH/release/libgsthappyhorse.so" ] || hh_build_plugin >/dev/null
mkdir -p "$HH_PLUGIN_DIR" && cp -f "$HH_SCRATCH/release/libgsthappyhorse.so" "$HH_PLUGIN_DIR/"
hh_gst_env
model="${HAPPYHORSE_MODEL_PATH:-$HH_ROOT/models/builtin}"
[ -f "$model/config.json" ] || { echo "no model at $model (set HAPPYHORSE_MODEL_PATH)" >&2; exit 1; }
model_name=$(/usr/bin/python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['name'])" "$model/config.json")
fps=$(/usr/bin/python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['pipeline']['fps'])" "$model/config.json")
work="$HH_SCRATCH/bench-element"; mkdir -p "$work"

# run NAME PROPS SYNC: one gst-launch run; every output line is stamped with the wall time (s since launch).
run() {
  local name="$1" props="$2" sync="$3" log="$work/$1.log" tv="$work/$1.time"
  local t0; t0=$(date +%s.%N)
  HAPPYHORSE_MODEL_PATH="$model" /usr/bin/time -v -o "$tv" stdbuf -oL gst-launch-1.0 -m \
      happyhorsesrc $props num-buffers="$frames" n-threads="$threads" num-inference-steps="$steps" $extra_props \
      ! fakesink silent=false sync="$sync" -v 2>&1 \
    | while IFS= read -r line; do printf '%s %s\n' "$(date +%s.%N)" "$line"; done \
    | awk -v t0="$t0" '{ $1 = sprintf("%.3f", $1 - t0); print }' >"$log"
  local first last n rss wall qos steps_end
  first=$(grep -m1 "last-message = chain" "$log" | awk '{print $1}')
  last=$(grep "last-message = chain" "$log" | tail -1 | awk '{print $1}')
  n=$(grep -c "last-message = chain" "$log" || true)
  rss=$(awk -F': ' '/Maximum resident set size/ {printf "%.0f", $2 / 1024}' "$tv")
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n = split($2, a, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + a[i]; printf "%.2f", s}' "$tv")
  qos=$(grep -c "happyhorsesrc-qos" "$log" || true)
  steps_end=$( (grep "happyhorsesrc-chunk" "$log" || true) | tail -1 | sed -n 's/.*steps=(int)\([0-9]*\).*/\1/p')
  awk -v name="$name" -v n="$n" -v first="$first" -v last="$last" -v fps="$fps" -v rss="$rss" -v wall="$wall" \
      -v qos="$qos" -v steps_end="${steps_end:--}" 'BEGIN {
    gen = last - 0; steady = (n > 1 && last > first) ? (n - 1) / (last - first) : 0
    printf "| %s | %d | %.2f | %.2f | %.2f | %.3f | %.2f | %.0f | %.2f | %s | %s |\n", name, n, first, n / gen, steady,
      (n / fps) / gen, gen / (n / fps), rss, wall, qos, steps_end }'
}

echo "model: $model_name ($model); frames: $frames; steps: ${steps/#0/model default}; n-threads: $threads${extra_props:+; extra properties: $extra_props}"
echo "date: $(date -u '+%Y-%m-%d %H:%M UTC'); machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(sed -n 's/^model name\t: //p' /proc/cpuinfo | head -1); loadavg before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| run | frames | first frame (s) | fps (incl. load) | fps after first | speed (video s / wall s) | real-time factor (wall s / video s) | peak RSS (MiB) | wall (s) | QoS msgs | steps at end |"
echo "|---|---|---|---|---|---|---|---|---|---|---|"
run non-live "" false
run live "is-live=true latency=500" true
echo
echo "loadavg after: $(cut -d' ' -f1-3 /proc/loadavg); logs: $work"
