#!/usr/bin/env bash
# Builds and runs the Swift appsink example against this checkout's release plugin.
#   bash examples/swift-appsink/run.sh [frames] ["prompt"] [extra properties]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/../env.sh"
command -v swift >/dev/null || export PATH="/opt/swift/usr/bin:$PATH"
cd "$here"
swift build -c release --scratch-path "${HH_EXAMPLE_SCRATCH:-$hh_scratch/swift-appsink}" 2>&1 | grep -v "prohibited flag" | tail -3
"${HH_EXAMPLE_SCRATCH:-$hh_scratch/swift-appsink}/release/SwiftAppsink" "$@"
