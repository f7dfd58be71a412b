#!/usr/bin/env bash
# The recorded fuzz campaign of docs/reliability.md: every target of Fuzz/FuzzEntry.swift in turn, nice'd, with
# its libFuzzer log in .build-fuzz/logs/TARGET.log; prints a summary table (executions, time, crashes).
#   scripts/reliability/fuzz-campaign.sh [SECONDS_PER_TARGET]   (default 600)
# Per-target times can be set with HH_FUZZ_SECONDS_<target>=N (e.g. HH_FUZZ_SECONDS_config=1200).
set -uo pipefail
cd "$(dirname "$0")/../.."
each=${1:-600}
mkdir -p .build-fuzz/logs
bash scripts/fuzz.sh build >/dev/null || exit 1
for t in safetensors index config tokenizer prompt; do
    var="HH_FUZZ_SECONDS_$t"; secs=${!var:-$each}
    bash scripts/fuzz.sh run "$t" "$secs" > ".build-fuzz/logs/$t.log" 2>&1
    echo "$t exit=$?" >> .build-fuzz/logs/status.txt
done
bash scripts/reliability/fuzz-summary.sh
