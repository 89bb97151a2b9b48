#!/usr/bin/env bash
# Instructions per 8-byte reading of a guest-to-guest stream copy: the real
# wasm guests (examples/wasm, clang --target=wasm32 + wasm2c + generated
# glue) next to C calling the same built-ins on the same instances
# (bench/wasm_host_bench.c): on the host with callgrind on the null port,
# only bench_loop counted, and as wasm_bench.elf under QEMU -icount on
# mps2-an385 (M3) and mps2-an505 (M33); the same transfer with each side
# on a kernel thread of its own (the images' `-threads` lines, and on the
# host wasm_host_threads_bench on the host port, callgrind counting both
# threads' side_round); and the text size of the wasm
# runtime and the glue on Cortex-M3 (arm-none-eabi-gcc -Os). Prints
# markdown tables and the images' lines; output in build/bench/wasm. Run
# from the top of the tree.
set -euo pipefail
out=build/bench/wasm
mkdir -p "$out"
guest_flags=(--target=wasm32 -O2 -std=c11 -nostdlib -ffreestanding -Iinclude -Wl,--no-entry
             -Wl,-z,stack-size=8192 -Wl,--initial-memory=65536 -Wl,--max-memory=65536)
for g in sensor sink; do
    clang "${guest_flags[@]}" -o "$out/$g.wasm" "examples/wasm/$g.c"
    wasm2c "$out/$g.wasm" -n "$g" -o "$out/${g}_w2c.c"
done
python3 tools/wasm_glue.py "$out/glue.c" "$out/sensor_w2c.h" "$out/sink_w2c.h" \
    --type open:0=reading_type --type consume:0=reading_type
rt_include=/usr/src/wasm2c
common=(-std=c11 -O2 -g -Iinclude -Isrc -Isrc/wasm -I"$out" -I"$rt_include"
        -DWASM_RT_MEMCHECK_SIGNAL_HANDLER=0 -DNDEBUG)
objs=()
for g in sensor sink; do
    gcc "${common[@]}" -Dwasm_rt_call_stack_depth=sq_wasm_depth_$g -c "$out/${g}_w2c.c" -o "$out/$g.o"
    objs+=("$out/$g.o")
done
gcc "${common[@]}" -Wall -Wextra -Werror -pedantic -o "$out/wasm_host_bench" \
    bench/wasm_host_bench.c bench/null_port.c "$out/glue.c" src/wasm/wasm_rt.c "${objs[@]}" \
    src/ring/*.c src/kernel/*.c src/tasks/*.c src/isolation/*.c src/p3/*.c
# The two sides on kernel threads of their own need a port that switches
# stacks: the host port, each kernel thread a pthread.
gcc "${common[@]}" -Wall -Wextra -Werror -pedantic -pthread -DSQ_WASM_BENCH_THREADS \
    -o "$out/wasm_host_threads_bench" bench/wasm_host_bench.c port/host/port.c "$out/glue.c" \
    src/wasm/wasm_rt.c "${objs[@]}" src/ring/*.c src/kernel/*.c src/tasks/*.c \
    src/isolation/*.c src/p3/*.c

# instructions <program> <counted function> <c|wasm> <batch>: per reading,
# summed over the program's threads.
instructions() {
    local file="$out/callgrind.$1.$3.$4"
    valgrind --tool=callgrind --toggle-collect="$2" --callgrind-out-file="$file" \
        "$out/$1" "$3" "$4" > /dev/null 2> "$file.log" || { cat "$file.log" >&2; exit 1; }
    awk '/^totals:/ { printf "%.1f", $2 / 65536 }' "$file"
}
# table <program> <counted function> <table's first column>
table() {
    echo "| $3 | C calling the built-ins | wasm guests | ratio |"
    echo "| --- | --- | --- | --- |"
    for batch in 1 16 256; do
        c=$(instructions "$1" "$2" c "$batch")
        w=$(instructions "$1" "$2" wasm "$batch")
        echo "| $batch | $c | $w | $(awk -v a="$w" -v b="$c" 'BEGIN { printf "%.2f", a / b }')x |"
    done
}
table wasm_host_bench bench_loop batch
echo
table wasm_host_threads_bench side_round "batch, two threads"

# Cortex-M3 text of the runtime and the glue (the guests' own code apart).
m3=(-mcpu=cortex-m3 -mthumb -Os -std=c11 -ffunction-sections -fdata-sections -Iinclude -Isrc
    -Isrc/wasm -I"$out" -I"$rt_include" -DWASM_RT_MEMCHECK_SIGNAL_HANDLER=0 -DNDEBUG)
arm-none-eabi-gcc "${m3[@]}" -c src/wasm/wasm_rt.c -o "$out/wasm_rt.m3.o"
arm-none-eabi-gcc "${m3[@]}" -c "$out/glue.c" -o "$out/glue.m3.o"
arm-none-eabi-size "$out/wasm_rt.m3.o" "$out/glue.m3.o"

# The same loops on Cortex-M under QEMU -icount (SysTick counts
# instructions; the image calibrates instructions per count).
for core in m3 m33; do
    case "$core" in
        m3) machine=mps2-an385 ;;
        m33) machine=mps2-an505 ;;
    esac
    dir="$out/target-$core"
    cmake -S . -B "$dir" -DCMAKE_TOOLCHAIN_FILE="cmake/arm-none-eabi-cortex-$core.cmake" \
        -DCMAKE_BUILD_TYPE=MinSizeRel > /dev/null
    cmake --build "$dir" --target wasm_bench.elf > "$dir/build.log" 2>&1 || { cat "$dir/build.log"; exit 1; }
    echo "cortex-$core ($machine, -icount shift=0):"
    timeout 300 qemu-system-arm -M "$machine" -nographic -monitor none -serial none \
        -semihosting-config enable=on,target=native -icount shift=0,sleep=off \
        -kernel "$dir/wasm_bench.elf" 2>&1 | tee "$out/target-$core.out"
    ! grep -q FAIL "$out/target-$core.out"
done
