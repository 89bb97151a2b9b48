#!/usr/bin/env bash
# run.sh BUILD_DIR SECONDS: run each libFuzzer harness built in BUILD_DIR
# (cmake -DSQUALL_FUZZ=ON) for SECONDS, one after the other, starting from
# its committed seeds (tests/fuzz/corpus/<harness>, never written) and the
# inputs earlier runs found (BUILD_DIR/corpus/<harness>). Prints, and writes
# to BUILD_DIR/summary.txt, one line per harness:
#   <harness> <seconds> s: <runs> runs, cov <cov> ft <ft>, corpus <n>, crashes <0|1>
# (cov and ft are libFuzzer's final coverage counters: edges, features).
# Fails if any harness found a crash, a leak, a sanitizer error or a
# timeout; its input is kept in BUILD_DIR/artifacts/.
set -uo pipefail
cd "$(dirname "$0")/../.."
build=$1
seconds=$2
harnesses="fuzz_ring fuzz_p3 fuzz_mem_domain fuzz_syscall"
summary=$build/summary.txt
mkdir -p "$build/artifacts" "$build/logs"
: > "$summary.new"
failed=0
for h in $harnesses; do
    mkdir -p "$build/corpus/$h"
    log=$build/logs/$h.log
    # SIGUSR1 is the host port's preemption signal (fuzz_syscall runs kernel
    # threads): libFuzzer must not take it.
    nice -n 19 "$build/tests/fuzz/$h" -max_total_time="$seconds" -print_final_stats=1 \
        -timeout=20 -rss_limit_mb=2048 -handle_usr1=0 -handle_usr2=0 \
        -artifact_prefix="$build/artifacts/$h-" \
        "$build/corpus/$h" "tests/fuzz/corpus/$h" > "$log" 2>&1
    rc=$?
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    # The last status line (DONE, or the last before a crash) has the counters.
    status=$(grep -E '^#[0-9]+.*cov: [0-9]+ ft: [0-9]+' "$log" | tail -n 1)
    cov=$(sed -nE 's/.*cov: ([0-9]+).*/\1/p' <<<"$status")
    ft=$(sed -nE 's/.*ft: ([0-9]+).*/\1/p' <<<"$status")
    corpus=$(sed -nE 's/.*corp: ([0-9]+).*/\1/p' <<<"$status")
    crashes=0
    if [ $rc -ne 0 ]; then
        crashes=1
        failed=1
    fi
    line="$h $seconds s: ${runs:-0} runs, cov ${cov:-0} ft ${ft:-0}, corpus ${corpus:-0}, crashes $crashes"
    echo "$line" | tee -a "$summary.new"
    if [ $crashes -ne 0 ]; then
        grep -E 'ERROR|fuzz check failed|SUMMARY|Test unit written' "$log" | head -n 8 | sed 's/^/    /'
    fi
done
mv "$summary.new" "$summary"
exit $failed
