#!/usr/bin/env bash
# tools/squall.gdb under `gdb -batch` (a CTest test of the host build): the
# demo stopped where both of its threads exist (the consumer raising
# backpressure, sq_gate_inc), then `squall-threads`. The listing must name
# the idle thread, the producer and the consumer, with the consumer current
# and READY, and stack sizes of 4096.
# Usage: gdb_threads.sh <gdb> <demo> <tools/squall.gdb>
set -euo pipefail
gdb=$1 demo=$2 script=$3
out=$("$gdb" -batch -nx -ex "set pagination off" -ex "set confirm off" \
    -ex "handle SIGUSR1 nostop noprint pass" -ex "break sq_gate_inc" -ex run \
    -ex "source $script" -ex squall-threads -ex kill "$demo" 2>&1)
echo "$out" | sed -n '/thread *name/,/threads$/p'
status=0
expect() {
    if ! grep -Eq "$1" <<< "$out"; then
        echo "FAIL: no line matches: $1"
        status=1
    fi
}
expect '^ +thread +name +state +prio +stack +used +run_time$'
expect '^ +0x[0-9a-f]+ +[^ ]+ +READY +31 +- +- +'
expect '^ +0x[0-9a-f]+ +(producer|<producer>) +[A-Z]+ +[0-9]+ +4096 +[0-9]+ +'
expect '^\* +0x[0-9a-f]+ +(consumer|<consumer>) +READY +[0-9]+ +4096 +[0-9]+ +'
expect '^3 threads$'
exit $status
