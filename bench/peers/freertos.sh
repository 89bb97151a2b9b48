#!/usr/bin/env bash
# Measures FreeRTOS-Kernel on the boards and with the method of squall's
# kernel benchmark (bench/kernel_bench.c, bench/icount_bench.h), and writes
# the results to bench/peers/freertos-results.txt, from which bench/run.sh
# (`make bench`) makes the section "FreeRTOS on the same boards" of
# docs/PERFORMANCE.md. Run by hand, not by `make check`:
#
#   FREERTOS_DIR=/path/to/FreeRTOS-Kernel bench/peers/freertos.sh
#
# FREERTOS_DIR is a checkout of FreeRTOS-Kernel (measured: V11.1.0). Each
# image is freertos_bench.c with FreeRTOSConfig.h, the kernel's tasks.c,
# queue.c and list.c and its GCC port (ARM_CM3 on mps2-an385, ARM_CM33_NTZ
# on mps2-an505), linked like squall's bench image: -Os, squall's start-up
# code and linker scripts (port/cortex-m), newlib nano with semihosting.
# Build output goes to build/bench/freertos.
set -euo pipefail
cd "$(dirname "$0")/../.."
freertos=${FREERTOS_DIR:?set FREERTOS_DIR to a FreeRTOS-Kernel checkout}
[ -f "$freertos/tasks.c" ] || { echo "freertos.sh: no tasks.c in $freertos" >&2; exit 1; }
out=build/bench/freertos
results=bench/peers/freertos-results.txt
mkdir -p "$out"

version=$(sed -n 's/^#define tskKERNEL_VERSION_NUMBER *"\(.*\)"/\1/p' "$freertos/include/task.h")
for core in m3 m33; do
    case $core in
        m3) cpu=(-mcpu=cortex-m3 -mthumb) port=ARM_CM3 port_sources=(port.c)
            machine=mps2-an385 hz=25000000 ;;
        m33) cpu=(-mcpu=cortex-m33 -mthumb -mfloat-abi=soft) port=ARM_CM33_NTZ/non_secure
            port_sources=(port.c portasm.c) machine=mps2-an505 hz=20000000 ;;
    esac
    echo "freertos: $version on cortex-$core ($machine, QEMU -icount shift=0)"
    dir="$out/$core"
    mkdir -p "$dir"
    flags=("${cpu[@]}" -Os -DNDEBUG -DBENCH_CPU_HZ="$hz" -Ibench/peers -I"$freertos/include"
        -I"$freertos/portable/GCC/$port" -Iinclude -Iport/cortex-m/include)
    objects=()
    # The kernel as it is; the benchmark and the start-up code as squall's.
    for src in "$freertos"/{tasks,queue,list}.c "${port_sources[@]/#/$freertos/portable/GCC/$port/}"; do
        obj="$dir/$(basename "$src" .c).o"
        arm-none-eabi-gcc "${flags[@]}" -std=gnu11 -c "$src" -o "$obj"
        objects+=("$obj")
    done
    for src in bench/peers/freertos_bench.c port/cortex-m/startup.c; do
        obj="$dir/$(basename "$src" .c).o"
        arm-none-eabi-gcc "${flags[@]}" -std=c11 -Wall -Wextra -Werror -c "$src" -o "$obj"
        objects+=("$obj")
    done
    arm-none-eabi-gcc "${cpu[@]}" -o "$dir/freertos_bench.elf" "${objects[@]}" \
        -Tport/cortex-m/"$machine".ld -Lport/cortex-m -nostartfiles --specs=nano.specs \
        --specs=nosys.specs -Wl,--gc-sections
    status=0
    timeout 300 qemu-system-arm -M "$machine" -nographic -monitor none -serial none \
        -semihosting-config enable=on,target=native -icount shift=0,sleep=off \
        -kernel "$dir/freertos_bench.elf" > "$dir/run.out" 2>&1 || status=$?
    if [ "$status" != 0 ] || ! grep -q '^DONE freertos_bench' "$dir/run.out"; then
        cat "$dir/run.out"
        echo "freertos: the benchmark failed on $machine (status $status)" >&2
        exit 1
    fi
done

# Kept: one "<core> <name> <threads> <instructions>" line per result, and
# what made them.
{
    echo "# FreeRTOS-Kernel $version measured by bench/peers/freertos.sh; do not edit."
    echo "# $(arm-none-eabi-gcc --version | head -n 1)"
    echo "# $(qemu-system-arm --version | head -n 1)"
    for core in m3 m33; do
        awk -v c="$core" '$1 == "BENCH" { print c, $2, $3, $4 }' "$out/$core/run.out"
    done
} > "$results"
cat "$results"
