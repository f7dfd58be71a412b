#!/usr/bin/env bash
# Runs examples/live-prompts.py with the plugin of this checkout (system Python, which has PyGObject).
#   bash examples/live-prompts.sh [--seconds 12] [--every 3] [--output out.mp4] [--props "..."]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
exec /usr/bin/python3 "$HH_EXAMPLES_ROOT/examples/live-prompts.py" "$@"
