#!/usr/bin/env bash
# Rebuilds docs/PERFORMANCE.md (`make bench`):
#   1. instructions per element through a 1 KiB ring (host, callgrind, only
#      bench_loop counted), next to the memcpy floor (bench/ring_bench.c);
#   2. the kernel on Cortex-M3 and Cortex-M33: context switch, sem give ->
#      take wake latency (from a thread and from an interrupt), uncontended
#      give and take, in instructions per operation, under QEMU with
#      -icount shift=0 (bench/kernel_bench.c, bench/CMakeLists.txt);
#   3. the kernel's decisions on the host under callgrind, on a null port
#      without the host port's pthread switching (bench/kernel_host_bench.c,
#      bench/null_port.c);
#   4. the waitable set's poll, wait and post with 1, 64 and 1024 members
#      on the host under callgrind, on the null port
#      (bench/tasks_host_bench.c);
#   5. the Cortex-M3 code size of each object at -Os.
# Everything is measured first and the document replaced only at the end, so
# a failed step leaves the committed one alone. Build output goes to
# build/bench.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
out=build/bench
mkdir -p "$out"

# ---- 1. Ring: callgrind on the host ---------------------------------------
elements=65536
gcc -std=c11 -O2 -g -Iinclude -o "$out/ring_bench" bench/ring_bench.c \
    src/kernel/ring_core.c src/kernel/ring_buf.c src/kernel/typed_ring_buf.c

# instructions <mode> <size>: Ir per element of bench_loop and what it calls
instructions() {
    local file="$out/callgrind.$1.$2"
    valgrind --tool=callgrind --toggle-collect=bench_loop --callgrind-out-file="$file" \
        "$out/ring_bench" "$1" "$2" > /dev/null 2>&1
    local total
    total=$(sed -n 's/^totals: *\([0-9]*\).*/\1/p' "$file")
    awk -v t="$total" -v n="$elements" 'BEGIN { printf "%.1f", t / n }'
}

echo "bench: ring (callgrind)"
ring_rows=""
for size in 1 16 64; do
    floor=$(instructions memcpy "$size")
    element=$(instructions element "$size")
    batch=$(instructions batch "$size")
    zero=$(instructions zerocopy "$size")
    bytes=$(instructions bytes "$size")
    ratio=$(awk -v a="$element" -v b="$floor" 'BEGIN { printf "%.2f", a / b }')
    bratio=$(awk -v a="$batch" -v b="$floor" 'BEGIN { printf "%.2f", a / b }')
    ring_rows+="| $size B | $floor | $element | $batch | $zero | $bytes | ${ratio}x | ${bratio}x |"$'\n'
done

# ---- 2. Kernel on Cortex-M: QEMU with -icount -------------------------------
qemu_out() { echo "$out/kernel_bench.$1.out"; }
for core in m3 m33; do
    case "$core" in
        m3) machine=mps2-an385 ;;
        m33) machine=mps2-an505 ;;
    esac
    echo "bench: kernel on cortex-$core ($machine, QEMU -icount shift=0)"
    dir="$out/$core"
    cmake -S bench -B "$dir" -DCMAKE_TOOLCHAIN_FILE="$root/cmake/arm-none-eabi-cortex-$core.cmake" \
        -DCMAKE_BUILD_TYPE=MinSizeRel > /dev/null
    cmake --build "$dir" -j"$(nproc)" > "$dir/build.log" 2>&1 || { cat "$dir/build.log"; exit 1; }
    # Semihosting output arrives on QEMU's stderr.
    status=0
    timeout 300 qemu-system-arm -M "$machine" -nographic -monitor none -serial none \
        -semihosting-config enable=on,target=native -icount shift=0,sleep=off \
        -kernel "$dir/kernel_bench.elf" > "$(qemu_out "$core")" 2>&1 || status=$?
    if [ "$status" != 0 ] || ! grep -q '^DONE kernel_bench' "$(qemu_out "$core")" ||
        grep -q '^FAIL' "$(qemu_out "$core")"; then
        cat "$(qemu_out "$core")"
        echo "bench: kernel_bench failed on $machine (status $status)" >&2
        exit 1
    fi
done

# target <core> <name> <threads>: one result, one decimal
target() {
    awk -v n="$2" -v t="$3" '$1 == "BENCH" && $2 == n && $3 == t { printf "%.1f", $4; found = 1 }
        END { if (!found) { print "missing result " n " " t > "/dev/stderr"; exit 1 } }' \
        "$(qemu_out "$1")"
}
# qinfo <core> <key>: the first value of an INFO line
qinfo() {
    awk -v k="$2" '$1 == "INFO" && $2 == k { print $3; exit }' "$(qemu_out "$1")"
}

ipc_m3=$(qinfo m3 instructions_per_count)
ipc_m33=$(qinfo m33 instructions_per_count)

# One table row per measurement: name, threads in the small run, label.
target_rows=""
# (One assignment per value, so that set -e sees a failed one.)
while IFS='|' read -r name threads label; do
    m3=$(target m3 "$name" "$threads")
    m33=$(target m33 "$name" "$threads")
    m3_full=$(target m3 "$name" 16)
    m33_full=$(target m33 "$name" 16)
    target_rows+="| $label | $threads | $m3 | $m33 | $m3_full | $m33_full |"$'\n'
done <<'ROWS'
yield_switch|3|context switch: `sq_thread_yield` to the other of two equal-priority threads
sem_give_to_take|3|`sq_sem_give` in a thread -> the higher-priority taker it wakes returns from `sq_sem_take`
irq_give_to_take|3|`sq_kernel_soft_irq` whose handler gives -> the woken taker returns from `sq_sem_take`
sem_round_trip|3|give -> taker wakes, takes again and blocks -> giver resumes (two switches)
irq_round_trip|3|the same, the give made by a `sq_kernel_soft_irq` handler
sem_give_no_waiter|2|`sq_sem_give`, nobody waiting
sem_take_available|2|`sq_sem_take`, count > 0
soft_irq_empty|2|`sq_kernel_soft_irq` with an empty handler (no switch)
ROWS

# ---- 3. Kernel decisions on the host: callgrind, null port ----------------
host_ops=100000
gcc -std=c11 -O2 -g -Wall -Wextra -Werror -pedantic -Iinclude -Isrc/kernel \
    -o "$out/kernel_host_bench" bench/kernel_host_bench.c bench/null_port.c src/kernel/*.c

# per_call <bench> <mode> <function> <count>: Ir per call of <function> in
# one run of the null-port benchmark $out/<bench> (each of its modes makes
# exactly $host_ops calls of the function it measures)
per_call() {
    local file="$out/callgrind.$1.$2.$4"
    valgrind --tool=callgrind --toggle-collect="$3" --callgrind-out-file="$file" \
        "$out/$1" "$2" "$4" > /dev/null 2> "$file.log" ||
        { cat "$file.log"; exit 1; }
    local total
    total=$(sed -n 's/^totals: *\([0-9]*\).*/\1/p' "$file")
    awk -v t="$total" -v n="$host_ops" 'BEGIN { printf "%.1f", t / n }'
}

echo "bench: kernel decisions on the host (callgrind, null port)"
host_rows=""
while IFS='|' read -r mode fn threads label; do
    few=$(per_call kernel_host_bench "$mode" "$fn" "$threads")
    full=$(per_call kernel_host_bench "$mode" "$fn" 16)
    host_rows+="| $label | \`$fn\` | $threads | $few | $full |"$'\n'
done <<'ROWS'
give|sq_sem_give|2|give, nobody waiting
take|sq_sem_take|2|take, count > 0
give_wake|sq_sem_give|3|give that wakes a higher-priority taker and makes it current
take_block|sq_sem_take|3|take that blocks, and the choice of the next thread
irq_give|sq_kernel_soft_irq|3|soft interrupt whose handler gives to a blocked, higher-priority taker
yield|sq_thread_yield|3|yield to the other of two equal-priority threads
ROWS

# ---- 4. Waitable set: callgrind, null port ----------------------------------
gcc -std=c11 -O2 -g -Wall -Wextra -Werror -pedantic -Iinclude -Isrc/kernel \
    -o "$out/tasks_host_bench" bench/tasks_host_bench.c bench/null_port.c src/kernel/*.c

echo "bench: waitable set on the host (callgrind, null port)"
tasks_rows=""
while IFS='|' read -r mode fn label; do
    one=$(per_call tasks_host_bench "$mode" "$fn" 1)
    mid=$(per_call tasks_host_bench "$mode" "$fn" 64)
    big=$(per_call tasks_host_bench "$mode" "$fn" 1024)
    tasks_rows+="| $label | \`$fn\` | $one | $mid | $big |"$'\n'
done <<'ROWS'
poll|sq_waitable_set_poll|poll, one event pending
wait|sq_waitable_set_wait|wait, one event pending (returns at once)
post|sq_waitable_post|post on a member, nobody waiting
ROWS

# ---- 5. Code size, Cortex-M3, -Os -------------------------------------------
echo "bench: code size"
size_rows=""
total_text=0 total_data=0 total_bss=0
for src in src/kernel/*.c port/cortex-m/port.c; do
    obj="$out/$(basename "$src" .c).o"
    arm-none-eabi-gcc -mcpu=cortex-m3 -mthumb -Os -std=c11 -ffunction-sections \
        -Wall -Wextra -Werror -pedantic -Iinclude -Isrc/kernel -c "$src" -o "$obj"
    read -r text data bss < <(arm-none-eabi-size "$obj" | awk 'NR == 2 { print $1, $2, $3 }')
    size_rows+="| $(basename "$obj") | $text | $data | $bss |"$'\n'
    total_text=$((total_text + text)) total_data=$((total_data + data)) total_bss=$((total_bss + bss))
done
size_rows+="| total | $total_text | $total_data | $total_bss |"$'\n'

# ---- The document -----------------------------------------------------------
doc="$out/PERFORMANCE.md"
{
cat <<'HEAD'
# Performance

Generated by `make bench` (bench/run.sh); do not edit by hand.

## Instructions per element through a 1 KiB ring

x86-64 host, `gcc -O2`, counted by `valgrind --tool=callgrind` over the
benchmark loop only (bench/ring_bench.c): 65536 elements written into the
ring and read back out, half a ring at a time so the indices wrap.
Instruction counts do not depend on the machine's load, so they repeat
exactly for the same binary. `memcpy` is the floor: the same bytes copied in
and out with two `memcpy` calls of a run-time size and nothing else.

| element size | memcpy floor | write/read_element | batch write/read | claim/borrow (zero-copy) | byte ring put/get | element / floor | batch / floor |
| --- | --- | --- | --- | --- | --- | --- | --- |
HEAD
printf '%s' "$ring_rows"
cat <<'MID'

Batch calls move half a ring per call, so their fixed cost (about 70
instructions a call on each side: argument and claim checks, the two index
loads, the wrap split) is shared and the copy itself dominates; one-element
calls pay that fixed cost for every element, which is what the
element / floor column shows. The zero-copy column includes the caller's own
`memcpy` into and out of the slot.

## Kernel on Cortex-M: instructions per operation

MID
cat <<EOF
bench/kernel_bench.c, built like the test images (the library and the image
at \`-Os\`, \`arm-none-eabi-gcc\`, the port/cortex-m start-up code and linker
scripts) and run under \`qemu-system-arm -icount shift=0,sleep=off\` on
\`mps2-an385\` (Cortex-M3) and \`mps2-an505\` (Cortex-M33, Secure state, soft
float). "threads" is how many threads the kernel knows while measuring, the
idle thread included; the last two columns repeat every measurement with the
table full (16, the others blocked on a semaphore of their own), because the
scheduler and the wait queues find their first thread by scanning the thread
table.

| operation | threads | Cortex-M3 | Cortex-M33 | Cortex-M3, 16 threads | Cortex-M33, 16 threads |
| --- | --- | --- | --- | --- | --- |
EOF
printf '%s' "$target_rows"
cat <<EOF

How it is counted:

- With \`-icount shift=0\`, QEMU advances its virtual clock by exactly 1 ns
  per guest instruction executed, and its timers run on that clock. The
  port clocks SysTick from the core clock, so it steps once every
  $ipc_m3 instructions on the an385 ($((1000 / ipc_m3)) MHz) and every
  $ipc_m33 on the an505 ($((1000 / ipc_m33)) MHz). The image does not assume
  this: it first times a loop of 2,000,000 known instructions and stops
  unless SysTick counts a whole number of instructions per step. The kernel's tick count and SysTick's
  value together make a clock that does not wrap within a run.
- Amortised rows (switch, round trips, uncontended calls):
  $(qinfo m3 iterations) operations in a loop between two clock readings,
  minus the same loop calling an empty function of the same signature
  through the same pointer. So a row is what the call costs beyond a call to
  an empty function: the loop, the call instruction and the empty body
  (one or two instructions) are not counted; everything the callee does is,
  PendSV and any interrupt it raises included. For the switch, the window
  holds both threads' loops: 2 x $(qinfo m3 iterations) yields, each one switch.
- Latency rows (\`->\`): one SysTick reading just before the give (or the
  \`sq_kernel_soft_irq\` call), one as soon as the taker's \`sq_sem_take\`
  has returned, averaged over $(qinfo m3 samples) wake-ups, minus the same two
  readings around an empty call. A single reading is only good to one
  SysTick step, so before each sample a pseudo-random delay (a multiple of 3
  instructions, 3 being coprime with the step) puts the start at a
  uniformly distributed point of the step; the average of the quantised
  differences is then an unbiased estimate, with a standard error of about
  0.2 instructions. Samples during which the kernel tick fired are dropped.
  When this benchmark was written, the method was checked against QEMU's
  single-step execution trace (\`-singlestep -d exec,nochain\`), in which
  every wake-up of a run took the same number of instructions: the
  estimates were within 0.3 of it.
- A round trip is the give -> take latency plus the return path: the
  taker's next \`sq_sem_take\` blocks, and PendSV switches back to the
  giver, whose give returns.

What these numbers are not:

- Instructions, not cycles. QEMU does not model the pipeline, the bus or
  wait states. On a Cortex-M3, loads and stores usually take 2 cycles,
  taken branches 2 to 4 (pipeline refill), \`LDM\`/\`STM\` one more than their
  register count, \`DSB\`/\`ISB\` drain the pipeline, and flash wait states add
  more at higher clocks; a cycle count will be higher than the instruction
  count by an amount that depends on the part.
- Exception entry and return are not instructions, so QEMU charges nothing
  for them. Every switch is one PendSV entry and return, and an interrupt
  round trip also enters and leaves the soft interrupt (tail-chained into
  PendSV); ARM gives 12 cycles to enter an exception on a Cortex-M3 with
  zero-wait-state memory, 6 when tail-chained, and a similar cost to return.
- The 1 kHz SysTick interrupt keeps running during amortised windows: it is
  where the fractional parts come from (0.2 instructions per operation at
  most). The two cores run the same Thumb-2 code; the Cortex-M33 port
  also writes PSPLIM at each switch.

## Kernel decisions on the host

bench/kernel_host_bench.c, x86-64, \`gcc -O2\`, on bench/null_port.c, under
\`valgrind --tool=callgrind --toggle-collect=<function>\`: instructions
executed inside the named kernel function, and everything it calls, per
call, over $host_ops calls (each mode calls that function exactly that many
times). The null port implements src/kernel/port.h with a lock that is a
nesting counter and a switch that is the call to \`sq_sched_switch()\` (the
scheduler's choice of the next thread) at the outermost unlock, where
PendSV would run on Cortex-M; no register, stack or thread is switched, and
the benchmark then calls the kernel as the thread it made current.

So these rows count the kernel's whole decision (argument checks, the wait
queue and ready queue scans, the wake, the choice of the next thread) and
nothing of how a port switches. The host port (port/host/port.c: a mutex,
signal masks and a semaphore hand-over between pthreads, with system calls
on every switch) is not measured: it exists to test the kernel under real
preemption, and its switch costs nothing like a Cortex-M one.

| operation | function counted | threads | instructions per call | with 16 threads |
| --- | --- | --- | --- | --- |
EOF
printf '%s' "$host_rows"
cat <<EOF

## Waitable set: cost against the number of members

bench/tasks_host_bench.c, on the null port like the previous table,
\`gcc -O2\`, callgrind counting only the named function, $host_ops calls:
a set with 1, 64 or 1024 joined waitables, one of which (a different one
each time) has an event posted before the call, so exactly one event is
pending. A set keeps its pending members in delivery order, so taking the
oldest costs the same whatever the number of members.

| operation | function counted | 1 member | 64 members | 1024 members |
| --- | --- | --- | --- | --- |
EOF
printf '%s' "$tasks_rows"
cat <<'MID'

## Code size, Cortex-M3, `-Os`

`arm-none-eabi-gcc -mcpu=cortex-m3 -mthumb -Os -std=c11 -ffunction-sections`,
sizes from `arm-none-eabi-size` in bytes, one object per source file of
src/kernel and the Cortex-M port (port.o: interrupt lock, PendSV, SysTick,
soft interrupt; its bss is the 2 KiB interrupt stack). An application links
only the sections it uses (`-Wl,--gc-sections`).

| object | text | data | bss |
| --- | --- | --- | --- |
MID
printf '%s' "$size_rows"
cat <<EOF

## Tools

- host: $(uname -m), $(gcc --version | head -n 1), $(valgrind --version)
- target: $(arm-none-eabi-gcc --version | head -n 1)
- $(qemu-system-arm --version | head -n 1)

Instruction counts depend on the compiler, the flags and the source, not on
the speed or load of the machine: the same tools give the same numbers.
EOF
} > "$doc"
mv "$doc" docs/PERFORMANCE.md
cat docs/PERFORMANCE.md
