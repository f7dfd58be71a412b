#!/bin/sh
# Called by meson: builds the gsthappyhorse product with SwiftPM and copies the .so to meson's output.
#   swift-build.sh SWIFT PACKAGE_DIR SCRATCH CONFIG OUTPUT [--static-stdlib]
set -eu
swift="$1"; package="$2"; scratch="$3"; config="$4"; output="$5"; shift 5
static=""
if [ "${1:-}" = "--static-stdlib" ]; then static="-Xswiftc -static-stdlib"; fi
# shellcheck disable=SC2086
"$swift" build --package-path "$package" --scratch-path "$scratch" -c "$config" --product gsthappyhorse $static
cp "$scratch/$config/libgsthappyhorse.so" "$output.tmp"
mv -f "$output.tmp" "$output"
