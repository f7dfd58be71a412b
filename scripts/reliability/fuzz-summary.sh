#!/usr/bin/env bash
# Summary of the libFuzzer logs in .build-fuzz/logs: target, executions, seconds, exec/s, coverage, crashes.
cd "$(dirname "$0")/../.."
total=0
printf '%-12s %12s %8s %8s %6s %8s\n' target executions seconds exec/s cov crashes
for log in .build-fuzz/logs/*.log; do
    t=$(basename "$log" .log)
    runs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$log" | tail -1 | awk '{print $2+0}')
    secs=$(grep -o 'Done [0-9]* runs in [0-9]* second' "$log" | awk '{s+=$5} END {print s+0}')
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | awk '{print $2}')
    crashes=$(grep -c 'ERROR: libFuzzer\|ERROR: AddressSanitizer\|ERROR: LeakSanitizer\|Fatal error\|==ERROR' "$log")
    rate=$(( secs > 0 ? runs / secs : 0 ))
    total=$((total + runs))
    printf '%-12s %12s %8s %8s %6s %8s\n' "$t" "$runs" "$secs" "$rate" "${cov:-?}" "$crashes"
done
echo "total executions: $total"
ls .build-fuzz/crashes 2>/dev/null | sed 's/^/artifact: /'
