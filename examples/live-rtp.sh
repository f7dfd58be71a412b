#!/usr/bin/env bash
# A live generated stream sent over RTP/UDP (H.264) to a receiver on this machine that records it to MP4.
#   bash examples/live-rtp.sh [output.mp4] [seconds] ["prompt"]
# Sender:   happyhorsesrc is-live=true ! x264enc tune=zerolatency ! rtph264pay ! udpsink host=127.0.0.1
# Receiver: udpsrc ! rtpjitterbuffer ! rtph264depay ! avdec_h264 ! x264enc ! mp4mux ! filesink
#           (decoded and re-encoded: Debian 12's base/good/ugly sets have no h264parse to remux the received stream;
#            stopped with SIGINT, -e finalises the MP4)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
out="${1:-$HH_EXAMPLES_ROOT/out/live-rtp.mp4}"
seconds="${2:-4}"
prompt="${3:-a white horse trots on a beach}"
port="${HH_RTP_PORT:-5600}"
mkdir -p "$(dirname "$out")"
rm -f "$out"

gst-launch-1.0 -e udpsrc address=127.0.0.1 port="$port" \
    caps="application/x-rtp,media=video,clock-rate=90000,encoding-name=H264,payload=96" \
  ! rtpjitterbuffer latency=200 ! rtph264depay ! avdec_h264 ! videoconvert ! x264enc speed-preset=ultrafast \
  ! mp4mux ! filesink location="$out" &
receiver=$!
trap 'kill -INT $receiver 2>/dev/null || true' EXIT
sleep 1

gst-launch-1.0 -e happyhorsesrc is-live=true prompt="$prompt" num-buffers=$((seconds * 25)) ${HH_EXAMPLE_PROPS:-} \
  ! video/x-raw,format=I420 ! x264enc tune=zerolatency speed-preset=ultrafast key-int-max=25 \
  ! rtph264pay config-interval=1 pt=96 ! udpsink host=127.0.0.1 port="$port"

sleep 1
kill -INT $receiver
wait $receiver || true
trap - EXIT
gst-discoverer-1.0 "$out" | grep -E "Duration|video" || true
echo "wrote $out"
