#!/usr/bin/env bash
# A live "AI channel" picture-in-picture: happyhorsesrc (live) over a videotestsrc background in a compositor, with a
# textoverlay caption, encoded to MP4 (swap the filesink for autovideosink to watch it).
#   bash examples/live-compositor.sh [output.mp4] [seconds] ["prompt"]
# The compositor is a live aggregator: it waits for each input up to the latency the sources report, so the generated
# picture stays in step with the background as long as generation keeps up (see docs/live.md for QoS when it does not).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
out="${1:-$HH_EXAMPLES_ROOT/out/live-compositor.mp4}"
seconds="${2:-4}"
prompt="${3:-a brown horse gallops across a green meadow}"
frames=$((seconds * 25))
mkdir -p "$(dirname "$out")"

gst-launch-1.0 -e \
  compositor name=mix background=black sink_1::xpos=352 sink_1::ypos=32 \
    ! video/x-raw,width=640,height=360,framerate=25/1 \
    ! textoverlay text="AI channel: $prompt" valignment=bottom halignment=left font-desc="Sans 14" \
    ! videoconvert ! video/x-raw,format=I420 ! x264enc tune=zerolatency speed-preset=ultrafast ! mp4mux \
    ! filesink location="$out" \
  videotestsrc is-live=true pattern=smpte num-buffers="$frames" ! video/x-raw,width=640,height=360,framerate=25/1 ! mix.sink_0 \
  happyhorsesrc is-live=true prompt="$prompt" num-buffers="$frames" ${HH_EXAMPLE_PROPS:-} \
    ! video/x-raw,width=256,height=256 ! mix.sink_1
gst-discoverer-1.0 "$out" | grep -E "Duration|video" || true
echo "wrote $out"
