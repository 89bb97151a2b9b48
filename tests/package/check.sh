#!/usr/bin/env bash
# squall as a user's project takes it (make package-check): a CMake install
# into a prefix of its own, then tests/package/consumer.c built against it
# with find_package and with pkg-config, and built with squall as an
# add_subdirectory on the host and for the Cortex-M33 (QEMU's mps2-an505).
# Each build chooses a tick rate and a thread limit other than the
# defaults, and the consumer checks that they reached it and the library;
# the M33 build leaves the core clock to the board's default (20 MHz, not
# the port's 25 MHz), and the image checks the SysTick reload the library
# programmed. Usage: tests/package/check.sh [build directory]
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
out=${1:-build/package}
[[ $out = /* ]] || out=$root/$out
jobs=${JOBS:-$(nproc)}
rm -rf "$out"
mkdir -p "$out"
config=(-DSQUALL_TICK_HZ=250 -DSQUALL_MAX_THREADS=8)
expect=(-DEXPECT_TICK_HZ=250 -DEXPECT_MAX_THREADS=8)
step() { echo "== package: $*"; }

step "cmake --install (host, ${config[*]})"
cmake -S . -B "$out/squall" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSQUALL_BUILD_TESTS=OFF \
    -DSQUALL_FFI=OFF "${config[@]}" >/dev/null
cmake --build "$out/squall" -j"$jobs" >/dev/null
# Installed elsewhere than the configured prefix: the package must not
# depend on where it was meant to go.
cmake --install "$out/squall" --prefix "$out/prefix" >/dev/null
pcdir=$(dirname "$(find "$out/prefix" -name squall.pc)")

step "find_package(squall COMPONENTS host)"
cmake -S tests/package -B "$out/find" -DCMAKE_PREFIX_PATH="$out/prefix" "${expect[@]}" >/dev/null
cmake --build "$out/find" -j"$jobs" >/dev/null
"$out/find/consumer"

step "pkg-config squall"
export PKG_CONFIG_PATH=$pcdir
[ "$(pkg-config --variable=port squall)" = host ]
mkdir -p "$out/pc"
# shellcheck disable=SC2046 # the flags are words
${CC:-cc} -std=c11 -Wall -Wextra -Werror -pedantic -DEXPECT_TICK_HZ=250 -DEXPECT_MAX_THREADS=8 \
    tests/package/consumer.c -o "$out/pc/consumer" $(pkg-config --cflags --libs squall)
"$out/pc/consumer"

step "add_subdirectory (host)"
cmake -S tests/package -B "$out/subdir" -DSQUALL_SOURCE_DIR="$root" "${config[@]}" "${expect[@]}" \
    >/dev/null
cmake --build "$out/subdir" -j"$jobs" >/dev/null
"$out/subdir/consumer"

step "add_subdirectory (Cortex-M33, mps2-an505, the board's clock by default)"
cmake -S tests/package -B "$out/m33" -DSQUALL_SOURCE_DIR="$root" -DCMAKE_BUILD_TYPE=MinSizeRel \
    -DCMAKE_TOOLCHAIN_FILE="$root/cmake/arm-none-eabi-cortex-m33.cmake" "${config[@]}" \
    "${expect[@]}" -DEXPECT_CPU_HZ=20000000 >/dev/null
cmake --build "$out/m33" -j"$jobs" >/dev/null
timeout 60 qemu-system-arm -M mps2-an505 -nographic -monitor none -serial none \
    -semihosting-config enable=on,target=native -kernel "$out/m33/consumer.elf" 2>&1 | tee "$out/m33.log"
grep -q "^package: ok" "$out/m33.log"
step "all passed"
