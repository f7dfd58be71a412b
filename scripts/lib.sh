# Shared by render.sh and test.sh (sourced, not run).
# HH_SCRATCH: SwiftPM scratch path (default <repo>/.build). The release plugin is copied alone into
# $HH_SCRATCH/gst-plugin, which is what GST_PLUGIN_PATH points at; GST_REGISTRY is private to that folder.

HH_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
HH_SCRATCH="${HH_SCRATCH:-$HH_ROOT/.build}"
HH_PLUGIN_DIR="$HH_SCRATCH/gst-plugin"

hh_find_swift() {
  if ! command -v swift >/dev/null 2>&1; then
    if [ -x /opt/swift/usr/bin/swift ]; then
      export PATH="/opt/swift/usr/bin:$PATH"
    else
      echo "error: no Swift toolchain (swift not on PATH, nor at /opt/swift/usr/bin)" >&2
      return 1
    fi
  fi
}

# Builds the plugin in release mode with the Swift runtime linked statically and copies it to $HH_PLUGIN_DIR.
hh_build_plugin() {
  hh_find_swift || return 1
  mkdir -p "$HH_SCRATCH"
  local log="$HH_SCRATCH/build-release.log"
  echo "building the plugin (release, static Swift runtime) in $HH_SCRATCH ..."
  if ! (cd "$HH_ROOT" && swift build -c release --product gsthappyhorse --scratch-path "$HH_SCRATCH" \
        -Xswiftc -static-stdlib) >"$log" 2>&1; then
    grep -v "prohibited flag" "$log" | tail -40 >&2
    echo "error: release build failed (full log: $log)" >&2
    return 1
  fi
  local so="$HH_SCRATCH/release/libgsthappyhorse.so"
  mkdir -p "$HH_PLUGIN_DIR"
  cp -f "$so" "$HH_PLUGIN_DIR/libgsthappyhorse.so"
}

# Points GStreamer at the built plugin with a private registry.
hh_gst_env() {
  export GST_PLUGIN_PATH="$HH_PLUGIN_DIR"
  export GST_REGISTRY="$HH_SCRATCH/gst-registry.bin"
}
