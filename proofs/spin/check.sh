#!/usr/bin/env bash
# Model-checks the SPIN models of proofs/spin, exhaustively (full state
# space with partial-order reduction, never bitstate hashing).
#
# ring_spsc.pml, the two-sided lock-free protocol of the ring:
#   - the protocol as the C implements it, at each capacity in SPIN_CAPS
#     (default "2 3 4"): must give 0 errors, leave no model code unreached,
#     and not hit the search-depth limit;
#   - two deliberately broken variants (producer publishes head before its
#     copy; consumer publishes tail before its copy): each must give an error,
#     which shows the assertions can fail at all.
#
# kernel_wakeup.pml, the kernel's blocking protocol (a condition tested
# under the kernel lock, the wait, the wake by give, post, reset or timeout:
# no lost wake-up, no lost unit, wake order, event matching, wait results):
#   - the protocol as the kernel implements it, with 3 threads, in two
#     configurations (semaphore limit 2 and priorities 1,0,1, so two threads
#     tie and arrival order decides; limit 1 and priorities 2,1,0): must give
#     0 errors, not hit the depth limit, and leave no model code unreached
#     except the "-end-" of the processes that loop forever (thread, isr,
#     tick, monitor);
#   - eight deliberately broken variants (BROKEN_TAKE is the classic lost
#     wake-up: the count tested outside the lock): each must give an error,
#     and the assertion SPIN reports violated must carry the tag of the
#     property the variant breaks. That shows each of those assertions can
#     fail, and that it is the one that catches the bug.
#   The kernel runs are independent and run SPIN_JOBS at a time (default:
#   the number of processors); their lines are printed in a fixed order.
#
# gate.pml, the backpressure gate (BP04: callers tested and queued under the
# lock, enable/disable/inc/dec from threads and an interrupt, every waiter
# admitted in order when the gate opens, timeouts at any moment):
#   - the protocol as src/tasks/gate.c implements it, with 3 callers, in
#     two configurations (counter max 2 and priorities 1,0,1; counter max 1
#     and priorities 1,1,1, so arrival alone orders the waiters): 0 errors,
#     no depth limit hit, no model code unreached except the "-end-" of the
#     processes that loop forever (thread, isr, tick, monitor);
#   - five deliberately broken variants, each of which must violate the
#     assertion tagged with the property it breaks, as for kernel_wakeup.
#   These runs are small (a few thousand states) and run with the kernel's.
#
# waitable_set.pml and p3_entry.pml (entry into a P3 instance under
# backpressure, the exclusive lock and cancellation: no lost call, none
# entered twice, arrival order, each cancellation delivered once) run
# after them, one at a time; see their sections below.
#
# One line per run on stdout; exit status 1 if any expectation fails.
# Work files go to build/spin/<run>/ under the repository root.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
ring_model=$here/ring_spsc.pml
kernel_model=$here/kernel_wakeup.pml
gate_model=$here/gate.pml
out=$root/build/spin
caps=${SPIN_CAPS:-2 3 4}
jobs=${SPIN_JOBS:-$(nproc 2> /dev/null || echo 2)}
depth=1000000          # -m: DFS stack depth; ring CAP=5 reaches about 4100
kernel_depth=3000000   # the kernel model reaches about 1.1 million, the gate model 4100

for tool in spin gcc; do
    command -v "$tool" > /dev/null || { echo "check.sh: $tool not found" >&2; exit 2; }
done
mkdir -p "$out"
status=0

# verify <model> <dir name> <gcc optimisation> <depth> <spin -D options...>
# Generates, compiles and runs the verifier in $out/<dir name>. Exits with
# status 2 if spin or gcc fails, since then nothing was checked (in a
# background job, its wait reports that status).
verify() {
    local model=$1 name=$2 opt=$3 max=$4; shift 4
    local dir=$out/$name
    rm -rf "$dir"
    mkdir -p "$dir"
    cp "$model" "$dir/model.pml"
    if ! (cd "$dir" && spin "$@" -a model.pml > spin.log 2>&1); then
        echo "check.sh: spin failed for $name:" >&2; cat "$dir/spin.log" >&2; exit 2
    fi
    if ! (cd "$dir" && gcc "$opt" -DSAFETY -o pan pan.c > gcc.log 2>&1); then
        echo "check.sh: gcc failed for $name:" >&2; cat "$dir/gcc.log" >&2; exit 2
    fi
    # pan's exit status does not reflect whether errors were found; the log does.
    (cd "$dir" && ./pan -m"$max" > pan.log 2>&1) || true
}

# result <dir name>
# Sets the globals errors, states, log from the run's pan log. Aborts the
# script if pan gave no result.
result() {
    log=$out/$1/pan.log
    errors=$(sed -n 's/.*errors: \([0-9][0-9]*\).*/\1/p' "$log" | tail -n 1)
    states=$(sed -n 's/^ *\([0-9][0-9.e+]*\) states, stored.*/\1/p' "$log" | tail -n 1)
    if [ -z "$errors" ] || [ -z "$states" ]; then
        echo "check.sh: no result from pan for $1 (see $log)" >&2; exit 2
    fi
}

# run <model> <dir name> <spin -D options...>
run() {
    verify "$1" "$2" -O2 "$depth" "${@:3}"
    result "$2"
}

# unreached [process names...]
# The unreached statements pan lists in $log, one per line, except the
# "-end-" of the named processes (those loop forever by design).
unreached() {
    awk -v allow=" $* " '
        /^unreached in / { proc = $NF; next }
        /^\t\([0-9]+ of [0-9]+ states\)$/ { next }
        /^\t/ && proc != "" {
            if (!(index(allow, " " proc " ") > 0 && $0 ~ /"-end-"$/)) print proc ": " $0
            next
        }
        { proc = "" }
    ' "$log"
}

# incomplete [process names that may leave their "-end-" unreached...]
# Problems that make a run's "0 errors" meaningless: the search was cut short
# by the depth limit, was not a full search, or left model code unexplored.
incomplete() {
    if grep -q "max search depth too small" "$log"; then
        echo "search depth too small"
    elif ! grep -q "Full statespace search" "$log"; then
        echo "not a full state-space search"
    elif [ -n "$(unreached "$@")" ]; then
        echo "model code unreached"
    fi
}

for cap in $caps; do
    run "$ring_model" "cap$cap" -DCAP="$cap"
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
    run "$ring_model" "$(echo "$label" | tr 'A-Z' 'a-z')-cap$cap" -DCAP="$cap" -D"$def"
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

# ---- kernel_wakeup.pml ------------------------------------------------------

# The correct configurations: <label>:<dir name>:<spin -D options>.
kernel_configs=(
    "NT=3 LIMIT=2 PRIO=1,0,1:kernel-limit2:-DNT=3 -DLIMIT=2 -DPRIO0=1 -DPRIO1=0 -DPRIO2=1"
    "NT=3 LIMIT=1 PRIO=2,1,0:kernel-limit1:-DNT=3 -DLIMIT=1 -DPRIO0=2 -DPRIO1=1 -DPRIO2=0"
)
# The broken variants, in the default configuration: <define>:<tag of the
# assertion it must violate>.
kernel_broken=(
    BROKEN_TAKE:no-lost-wakeup
    BROKEN_GIVE:unit-balance
    BROKEN_ORDER:wake-order
    BROKEN_POST:post-wakes-all
    BROKEN_MATCH:post-wakes-only-satisfied
    BROKEN_CLEAR:post-wakes-all
    BROKEN_DISARM:timeout-only-waiting
    BROKEN_RESET:result
)

broken_dir() { echo "kernel-$(echo "$1" | tr 'A-Z_' 'a-z-')"; }

# ---- gate.pml ---------------------------------------------------------------

gate_configs=(
    "NT=3 CMAX=2 PRIO=1,0,1:gate-cmax2:-DNT=3 -DCMAX=2 -DPRIO0=1 -DPRIO1=0 -DPRIO2=1"
    "NT=3 CMAX=1 PRIO=1,1,1:gate-cmax1:-DNT=3 -DCMAX=1 -DPRIO0=1 -DPRIO1=1 -DPRIO2=1"
)
gate_broken=(
    BROKEN_CHECK:admitted-open
    BROKEN_OPEN:no-lost
    BROKEN_DEC:admitted-open
    BROKEN_DISARM:once
    BROKEN_ORDER:order
)

gate_broken_dir() { echo "gate-$(echo "$1" | tr 'A-Z_' 'a-z-')"; }

# start <model> <dir name> <gcc optimisation> <spin -D options...>
# verify in the background, with at most $jobs runs at once.
pids=()
start() {
    if [ "${#pids[@]}" -ge "$jobs" ]; then
        wait "${pids[0]}" || exit 2
        pids=("${pids[@]:1}")
    fi
    verify "$1" "$2" "$3" "$kernel_depth" "${@:4}" &
    pids+=("$!")
}

for c in "${kernel_configs[@]}"; do
    IFS=: read -r _ name defs <<< "$c"
    # shellcheck disable=SC2086 # defs is a list of options
    start "$kernel_model" "$name" -O2 $defs
done
# A broken variant stops at its first counterexample, after a few thousand
# states: compiling pan without optimisation is quicker than the search.
for b in "${kernel_broken[@]}"; do
    start "$kernel_model" "$(broken_dir "${b%%:*}")" -O0 -D"${b%%:*}"
done
for c in "${gate_configs[@]}"; do
    IFS=: read -r _ name defs <<< "$c"
    # shellcheck disable=SC2086 # defs is a list of options
    start "$gate_model" "$name" -O2 $defs
done
for b in "${gate_broken[@]}"; do
    start "$gate_model" "$(gate_broken_dir "${b%%:*}")" -O0 -D"${b%%:*}"
done
for p in "${pids[@]}"; do
    wait "$p" || exit 2
done

# correct <model name> <label> <dir name>
# A correct configuration: 0 errors over the whole state space.
correct() {
    result "$3"
    why=$(incomplete thread isr tick monitor)
    if [ "$errors" = 0 ] && [ -z "$why" ]; then
        echo "SPIN $1 $2: 0 errors, $states states (ok)"
    else
        echo "SPIN $1 $2: $errors errors, $states states${why:+, $why} (FAIL, see $log)"
        status=1
    fi
}

# tagged <model name> <define> <tag> <dir name>
# A broken variant must fail on an assertion whose line in the model carries
# its [tag]: SPIN replays the trail and names the line of the violated one.
tagged() {
    local def=$2 tag=$3 dir=$out/$4 line=""
    result "$4"
    if [ "$errors" -gt 0 ] && ls "$dir"/*.trail > /dev/null 2>&1; then
        line=$(cd "$dir" && { spin -D"$def" -t model.pml 2>&1 || true; } |
               sed -n 's/^spin: model\.pml:\([0-9][0-9]*\), Error: assertion violated.*/\1/p' |
               head -n 1)
    fi
    if [ "$errors" = 0 ]; then
        echo "SPIN $1 $def: no violation found (FAIL: the check cannot fail)"
        status=1
    elif [ -n "$line" ] && sed -n "${line}p" "$dir/model.pml" | grep -qF "[$tag]"; then
        echo "SPIN $1 $def: violation of [$tag] found (expected)"
    else
        echo "SPIN $1 $def: violation found${line:+ at model.pml:$line}, not of [$tag] (FAIL, see $log)"
        status=1
    fi
}

for c in "${kernel_configs[@]}"; do
    IFS=: read -r label name _ <<< "$c"
    correct kernel_wakeup "$label" "$name"
done
for b in "${kernel_broken[@]}"; do
    tagged kernel_wakeup "${b%%:*}" "${b#*:}" "$(broken_dir "${b%%:*}")"
done
for c in "${gate_configs[@]}"; do
    IFS=: read -r label name _ <<< "$c"
    correct gate "$label" "$name"
done
for b in "${gate_broken[@]}"; do
    tagged gate "${b%%:*}" "${b#*:}" "$(gate_broken_dir "${b%%:*}")"
done


# ---- waitable_set.pml -------------------------------------------------------
# A waitable set (src/tasks/waitable_set.c): two consumers waiting and
# polling with timeouts, an interrupt posting events and one cancellation,
# a thread leaving, joining and clearing. The model as the C does it must
# give 0 errors, not hit the depth limit, and leave nothing unreached but
# the "-end-" of the processes that loop for ever (consumer, tick,
# monitor); each broken variant must violate the assertion tagged [tag].
wset_model=$here/waitable_set.pml
wset_broken=(
    BROKEN_OVERWRITE:exactly-once
    BROKEN_CLEAR:exactly-once
    BROKEN_WAKE:no-lost-wakeup
    BROKEN_TEST:no-lost-wakeup
    BROKEN_LEAVE:member
    BROKEN_FIFO:fifo
)
verify "$wset_model" wset -O2 "$depth"
result wset
why=$(incomplete consumer tick monitor)
if [ "$errors" = 0 ] && [ -z "$why" ]; then
    echo "SPIN waitable_set: 0 errors, $states states (ok)"
else
    echo "SPIN waitable_set: $errors errors, $states states${why:+, $why} (FAIL, see $log)"
    status=1
fi
for b in "${wset_broken[@]}"; do
    def=${b%%:*} tag=${b#*:} name=wset-$(echo "${b%%:*}" | tr 'A-Z_' 'a-z-') line=""
    verify "$wset_model" "$name" -O0 "$depth" -D"$def"
    result "$name"
    if [ "$errors" -gt 0 ] && ls "$out/$name"/*.trail > /dev/null 2>&1; then
        line=$(cd "$out/$name" && { spin -D"$def" -t model.pml 2>&1 || true; } |
               sed -n 's/^spin: model\.pml:\([0-9][0-9]*\), Error: assertion violated.*/\1/p' |
               head -n 1)
    fi
    if [ "$errors" = 0 ]; then
        echo "SPIN waitable_set $def: no violation found (FAIL: the check cannot fail)"
        status=1
    elif [ -n "$line" ] && sed -n "${line}p" "$out/$name/model.pml" | grep -qF "[$tag]"; then
        echo "SPIN waitable_set $def: violation of [$tag] found (expected)"
    else
        echo "SPIN waitable_set $def: violation found${line:+ at model.pml:$line}, not of [$tag] (FAIL, see $log)"
        status=1
    fi
done

# ---- p3_entry.pml -----------------------------------------------------------
# Entry into a P3 instance (src/p3/control.c's decisions): three calls
# (callback, stackful and sync lifts) under backpressure toggled by the
# guest and the exclusive lock, each cancelled or not at any moment. The
# model as docs/P3.md describes it must give 0 errors, not hit the depth
# limit, and leave nothing unreached but the "-end-" of the monitor (it
# loops for ever); each broken variant must violate the assertion tagged
# [tag].
entry_model=$here/p3_entry.pml
entry_broken=(
    BROKEN_LOCK:gate
    BROKEN_OVERTAKE:order
    BROKEN_WAKE:no-lost
    BROKEN_ABORT:once
    BROKEN_PENDING:cancel-once
)
verify "$entry_model" p3-entry -O2 "$depth"
result p3-entry
why=$(incomplete monitor)
if [ "$errors" = 0 ] && [ -z "$why" ]; then
    echo "SPIN p3_entry: 0 errors, $states states (ok)"
else
    echo "SPIN p3_entry: $errors errors, $states states${why:+, $why} (FAIL, see $log)"
    status=1
fi
for b in "${entry_broken[@]}"; do
    def=${b%%:*} tag=${b#*:} name=p3-entry-$(echo "${b%%:*}" | tr 'A-Z_' 'a-z-') line=""
    verify "$entry_model" "$name" -O0 "$depth" -D"$def"
    result "$name"
    if [ "$errors" -gt 0 ] && ls "$out/$name"/*.trail > /dev/null 2>&1; then
        line=$(cd "$out/$name" && { spin -D"$def" -t model.pml 2>&1 || true; } |
               sed -n 's/^spin: model\.pml:\([0-9][0-9]*\), Error: assertion violated.*/\1/p' |
               head -n 1)
    fi
    if [ "$errors" = 0 ]; then
        echo "SPIN p3_entry $def: no violation found (FAIL: the check cannot fail)"
        status=1
    elif [ -n "$line" ] && sed -n "${line}p" "$out/$name/model.pml" | grep -qF "[$tag]"; then
        echo "SPIN p3_entry $def: violation of [$tag] found (expected)"
    else
        echo "SPIN p3_entry $def: violation found${line:+ at model.pml:$line}, not of [$tag] (FAIL, see $log)"
        status=1
    fi
done

exit "$status"
