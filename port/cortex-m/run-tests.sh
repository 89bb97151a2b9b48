#!/usr/bin/env bash
# Build the unit tests for one core and run each image under qemu-system-arm.
# Usage: port/cortex-m/run-tests.sh m3|m33|m4f|m7|m33f|netduino
# (m4f, m7, m33f: hard-float builds with the FPU context switched;
# netduino: the M4F of an STM32F405 board, port/cortex-m/boards/netduinoplus2.)
set -euo pipefail
cd "$(dirname "$0")/../.."
core=${1:?usage: run-tests.sh m3|m33|m4f|m7|m33f|netduino}
toolchain=cmake/arm-none-eabi-cortex-$core.cmake
case "$core" in
    m3) machine=mps2-an385 ;;
    m33 | m33f) machine=mps2-an505 ;;
    m4f) machine=mps2-an386 ;;
    m7) machine=mps2-an500 ;;
    netduino) machine=netduinoplus2 toolchain=cmake/arm-none-eabi-netduinoplus2.cmake ;;
    *) echo "run-tests.sh: unknown core $core" >&2; exit 2 ;;
esac
dir=build/target-$core
cmake -S . -B "$dir" -DCMAKE_TOOLCHAIN_FILE="$toolchain" \
    -DCMAKE_BUILD_TYPE=MinSizeRel >/dev/null
cmake --build "$dir" -j"$(nproc)"
status=0
ctest --test-dir "$dir" -V > "$dir/ctest.log" 2>&1 || status=$?
# One line per image: the verdict its own test runner printed (or, for an
# image without one, such as the demo, CTest's).
sed -n 's/^ *Start *\([0-9]*\): \(.*\)$/\1 \2/p' "$dir/ctest.log" | while read -r num name; do
    counts=$(sed -n "s/^$num: \([0-9]* passed, [0-9]* failed\)$/\1/p" "$dir/ctest.log")
    [ -n "$counts" ] || counts=$(sed -n "s/^ *[0-9]*\/[0-9]* Test *#$num: $name \.* *\([A-Za-z*]*\).*/\1/p" "$dir/ctest.log")
    echo "QEMU $machine $name: $counts"
done
[ "$status" = 0 ] || { grep -E "FAIL|failed" "$dir/ctest.log"; echo "QEMU $machine: FAILED"; }
exit "$status"
