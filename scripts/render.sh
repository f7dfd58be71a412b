#!/usr/bin/env bash
# Renders a clip with the built-in model:
#   bash scripts/render.sh ["prompt"] [output.mp4]
# Installs missing system packages, builds the plugin (release), then runs
#   gst-launch-1.0 -e happyhorsesrc prompt="..." ! x264enc ! mp4mux ! filesink location=<output>
# with GST_PLUGIN_PATH pointing at the build output and a private registry.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

prompt="${1:-a brown horse gallops across a green meadow}"
out="${2:-$HH_ROOT/out/horse.mp4}"
case "$out" in /*) ;; *) out="$PWD/$out" ;; esac
mkdir -p "$(dirname "$out")"

bash "$HH_ROOT/scripts/setup.sh"
hh_build_plugin
hh_gst_env

echo "rendering \"$prompt\" to $out"
start=$(date +%s)
gst-launch-1.0 -e happyhorsesrc prompt="$prompt" ! x264enc ! mp4mux ! filesink location="$out"
[ -s "$out" ] || { echo "error: $out was not written" >&2; exit 1; }
echo "rendered in $(( $(date +%s) - start )) s: $out"
