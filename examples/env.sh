# Sourced by the examples: points GStreamer at the plugin of this checkout's release build, with a private registry.
#   HH_SCRATCH   SwiftPM scratch folder holding release/libgsthappyhorse.so (default <repo>/.build)
# Build it first: bash scripts/render.sh (or swift build -c release --product gsthappyhorse -Xswiftc -static-stdlib).
# The model: the built-in one (models/builtin, or $HAPPYHORSE_MODEL_PATH). The element finds it by itself.
HH_EXAMPLES_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
hh_scratch="${HH_SCRATCH:-$HH_EXAMPLES_ROOT/.build}"
hh_so="$hh_scratch/release/libgsthappyhorse.so"
[ -f "$hh_so" ] || { echo "no release build at $hh_so: run bash scripts/render.sh first" >&2; exit 1; }
mkdir -p "$hh_scratch/gst-plugin"
cp -f "$hh_so" "$hh_scratch/gst-plugin/"
export GST_PLUGIN_PATH="$hh_scratch/gst-plugin" GST_REGISTRY="$hh_scratch/gst-registry.bin"
