#!/usr/bin/env bash
# Renders one clip to MP4 with the plugin from this checkout's build folder, then prints what
# gst-discoverer-1.0 sees (duration, caps, tags).
#   bash examples/render-mp4.sh ["prompt"] [output.mp4] [extra happyhorsesrc properties...]
# e.g. bash examples/render-mp4.sh "a white horse trots on a beach" /tmp/white.mp4 seed=7 duration=2
# Needs a release build first (bash scripts/render.sh does one, or see README "Using the plugin from the build folder").
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
scratch="${HH_SCRATCH:-$root/.build}"
prompt="${1:-a brown horse gallops across a green meadow}"
out="${2:-$root/out/example.mp4}"
shift $(( $# > 2 ? 2 : $# ))

so="$scratch/release/libgsthappyhorse.so"
[ -f "$so" ] || { echo "no release build at $so: run bash scripts/render.sh first" >&2; exit 1; }
mkdir -p "$scratch/gst-plugin" "$(dirname "$out")"
cp -f "$so" "$scratch/gst-plugin/"
export GST_PLUGIN_PATH="$scratch/gst-plugin" GST_REGISTRY="$scratch/gst-registry.bin"

gst-launch-1.0 -e happyhorsesrc prompt="$prompt" "$@" ! x264enc ! mp4mux ! filesink location="$out"
gst-discoverer-1.0 -v "$out" | grep -E "Duration|video/x-h264|description|comment|keywords|application" || true
echo "wrote $out"
