#!/usr/bin/env bash
# Installs the Debian 12 packages that building, testing and rendering need — only those missing — and checks
# that a Swift 6 toolchain is available. Safe to run again: with everything installed it does nothing.
set -euo pipefail

PACKAGES=(
  libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev libglib2.0-dev libopenblas-dev
  gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-ugly
  gstreamer1.0-plugins-base-apps gstreamer1.0-x gstreamer1.0-libav meson ninja-build pkg-config
  python3-gi gir1.2-gstreamer-1.0 time
)

installed() { [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" = "install ok installed" ]; }

missing=()
for p in "${PACKAGES[@]}"; do installed "$p" || missing+=("$p"); done

if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  SUDO=""
  if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null || { echo "setup: need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
    SUDO="sudo"
  fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update
  # The image's apt hook can delete downloaded .debs between dpkg runs of one install; repair and retry once.
  if ! $SUDO apt-get install -y --no-install-recommends "${missing[@]}"; then
    echo "setup: apt-get install failed; repairing with apt-get -f install and retrying once" >&2
    $SUDO apt-get -f install -y || true
    $SUDO apt-get install -y --no-install-recommends "${missing[@]}"
  fi
else
  echo "setup: all system packages present"
fi

# Swift: on PATH, or the toolchain at /opt/swift.
if ! command -v swift >/dev/null 2>&1 && [ ! -x /opt/swift/usr/bin/swift ]; then
  echo "setup: no Swift toolchain found (not on PATH, not at /opt/swift/usr/bin). Install Swift 6.x for" \
       "Debian 12 from https://swift.org/install and put its usr/bin on PATH." >&2
  exit 1
fi
