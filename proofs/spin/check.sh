#!/usr/bin/env bash
# Model-checks proofs/spin/ring_spsc.pml with SPIN, exhaustively (full state
# space with partial-order reduction, never bitstate hashing):
#   - the protocol as the C implements it, at each capacity in SPIN_CAPS
#     (default "2 3 4"): must give 0 errors, leave no model code unreached,
#     and not hit the search-depth limit;
#   - two deliberately broken variants (producer publishes head before its
#     copy; consumer publishes tail before its copy): each must give an error,
#     which shows the assertions can fail at all.
# One line per run on stdout; exit status 1 if any expectation fails.
# Work files go to build/spin/<run>/ under the repository root.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
model=$here/ring_spsc.pml
out=$root/build/spin
caps=${SPIN_CAPS:-2 3 4}
depth=1000000    # -m: DFS stack depth; CAP=5 reaches about 4100

for tool in spin gcc; do
    command -v "$tool" > /dev/null || { echo "check.sh: $tool not found" >&2; exit 2; }
done
mkdir -p "$out"
status=0

# run <dir name> <spin -D options...>
# Generates, compiles and runs the verifier in $out/<dir name>. Sets the
# globals errors, states, log. Aborts the script if spin or gcc fails, since
# then nothing was checked.
run() {
    local name=$1; shift
    local dir=$out/$name
    rm -rf "$dir"
    mkdir -p "$dir"
    cp "$model" "$dir/model.pml"
    if ! (cd "$dir" && spin "$@" -a model.pml > spin.log 2>&1); then
        echo "check.sh: spin failed for $name:" >&2; cat "$dir/spin.log" >&2; exit 2
    fi
    if ! (cd "$dir" && gcc -O2 -DSAFETY -o pan pan.c > gcc.log 2>&1); then
        echo "check.sh: gcc failed for $name:" >&2; cat "$dir/gcc.log" >&2; exit 2
    fi
    log=$dir/pan.log
    # pan's exit status does not reflect whether errors were found; the log does.
    (cd "$dir" && ./pan -m"$depth" > pan.log 2>&1) || true
    errors=$(sed -n 's/.*errors: \([0-9][0-9]*\).*/\1/p' "$log" | tail -n 1)
    states=$(sed -n 's/^ *\([0-9][0-9.e+]*\) states, stored.*/\1/p' "$log" | tail -n 1)
    if [ -z "$errors" ] || [ -z "$states" ]; then
        echo "check.sh: no result from pan for $name (see $log)" >&2; exit 2
    fi
}

# Problems that make a run's "0 errors" meaningless: the search was cut short
# by the depth limit, was not a full search, or left model code unexplored.
incomplete() {
    if grep -q "max search depth too small" "$log"; then
        echo "search depth too small"
    elif ! grep -q "Full statespace search" "$log"; then
        echo "not a full state-space search"
    elif grep -A1 "^unreached in" "$log" | grep -qv -e "^unreached in" -e "(0 of " -e "^--$"; then
        echo "model code unreached"
    fi
}

for cap in $caps; do
    run "cap$cap" -DCAP="$cap"
    why=$(incomplete)
    if [ "$errors" = 0 ] && [ -z "$why" ]; then
        echo "SPIN ring_spsc CAP=$cap: 0 errors, $states states (ok)"
    else
        echo "SPIN ring_spsc CAP=$cap: $errors errors, $states states${why:+, $why} (FAIL, see $log)"
        status=1
    fi
done

# broken <label> <cap> <define>
broken() {
    local label=$1 cap=$2 def=$3
    run "$(echo "$label" | tr 'A-Z' 'a-z')-cap$cap" -DCAP="$cap" -D"$def"
    if [ "$errors" -gt 0 ] && ls "$(dirname "$log")"/*.trail > /dev/null 2>&1; then
        echo "SPIN ring_spsc $label CAP=$cap: violation found (expected)"
    else
        echo "SPIN ring_spsc $label CAP=$cap: no violation found (FAIL: the check cannot fail)"
        status=1
    fi
}

broken BROKEN 2 BROKEN
broken BROKEN 3 BROKEN
broken BROKEN_CONSUMER 2 BROKEN_CONSUMER

exit "$status"
