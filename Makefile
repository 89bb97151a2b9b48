# Thin driver over CMake and the proof tools. `make demo` and `make check`
# are the two entry points; the rest are their parts.
.PHONY: all deps build demo test test-clang asan tsan fuzz fuzz-build fuzz-check prove prove-all \
        prove-replay spin coq ledger target target-m3 target-m33 target-m4f target-m7 target-m33f \
        target-netduino \
        bench check clean ffi-header

SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -c
JOBS ?= $(shell nproc)
BUILD := build
# Debian packages the targets below use; `make deps` installs what is missing
# (as root), so a fresh machine needs nothing else.
# (libclang-rt-dev: clang's sanitizer and libFuzzer runtimes; lld and wabt:
# the wasm guests, compiled by clang --target=wasm32 and translated by wasm2c;
# pkgconf: package-check's pkg-config consumer; gdb: the test of
# tools/squall.gdb.)
PACKAGES := cmake gcc clang lld libclang-rt-dev libcmocka-dev frama-c-base why3 z3 cvc4 \
            coq spin gcc-arm-none-eabi libnewlib-arm-none-eabi \
            qemu-system-arm valgrind binutils-arm-none-eabi python3 wabt pkgconf gdb

all: build

deps:
	@missing=$$(for p in $(PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	    if [ "$$(id -u)" != 0 ]; then echo "deps: missing $$missing (run as root to install)"; exit 1; fi; \
	    echo "deps: installing $$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	        apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi
	@[ -f $$HOME/.why3.conf ] && grep -q CVC4 $$HOME/.why3.conf || why3 config detect >/dev/null

# Host build with gcc: library, unit tests, stress test, demo, and the wasm
# guests (SQUALL_WASM=ON: missing clang/wasm-ld/wasm2c fail the build).
build:
	cmake -S . -B $(BUILD)/host -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSQUALL_WASM=ON >/dev/null
	cmake --build $(BUILD)/host -j$(JOBS)

# Regenerate include/squall/squall_ffi.h after a public header changed
# (the build fails until it matches them).
ffi-header:
	cmake -S . -B $(BUILD)/host -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build $(BUILD)/host --target squall_ffi_header

# The host demos (kernel objects, a P3 stream between two component
# instances, an async call, real wasm guests), then two isolated components
# on QEMU's Cortex-M3 (MPU).
demo: deps build
	$(BUILD)/host/examples/demo
	$(BUILD)/host/examples/p3_pipe
	$(BUILD)/host/examples/p3_call
	$(BUILD)/host/examples/wasm/sensor_sink
	$(BUILD)/host/examples/wasm/wasm_call
	$(BUILD)/host/examples/wasm/wasm_pipeline
	cmake -S . -B $(BUILD)/target-m3 -DCMAKE_TOOLCHAIN_FILE=cmake/arm-none-eabi-cortex-m3.cmake \
	    -DCMAKE_BUILD_TYPE=MinSizeRel >/dev/null
	cmake --build $(BUILD)/target-m3 -j$(JOBS) --target isolated_pair.elf wasm_pipeline.elf
	qemu-system-arm -M mps2-an385 -nographic -monitor none -serial none \
	    -semihosting-config enable=on,target=native -kernel $(BUILD)/target-m3/isolated_pair.elf
	qemu-system-arm -M mps2-an385 -nographic -monitor none -serial none \
	    -semihosting-config enable=on,target=native -kernel $(BUILD)/target-m3/wasm_pipeline.elf

test: build
	ctest --test-dir $(BUILD)/host --output-on-failure

test-clang:
	CC=clang cmake -S . -B $(BUILD)/clang -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build $(BUILD)/clang -j$(JOBS)
	ctest --test-dir $(BUILD)/clang --output-on-failure

asan:
	cmake -S . -B $(BUILD)/asan -DCMAKE_BUILD_TYPE=Debug \
	    -DCMAKE_C_FLAGS="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer" >/dev/null
	cmake --build $(BUILD)/asan -j$(JOBS)
	ctest --test-dir $(BUILD)/asan --output-on-failure

# Under ThreadSanitizer: two real threads, one producer and one consumer;
# then the suites that run kernel threads on the host port (kernel threads,
# the interrupt thread and preemption signals really running concurrently).
TSAN_SUITES := test_kernel test_gate test_callback_table test_waitable_set test_poll \
               test_mem_domain test_shared_stream test_isolation test_p3_stream test_p3_waitable \
               test_p3_conformance test_p3_rfc46 test_p3_host_stream host_p3_move test_irq \
               test_mem_slab test_work test_msgq
tsan:
	CC=clang cmake -S . -B $(BUILD)/tsan -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	    -DCMAKE_C_FLAGS="-fsanitize=thread" >/dev/null
	cmake --build $(BUILD)/tsan -j$(JOBS) --target stress_spsc $(TSAN_SUITES)
	$(BUILD)/tsan/tests/stress_spsc
	for t in $(TSAN_SUITES); do $(BUILD)/tsan/tests/$$t || exit 1; done

# libFuzzer harnesses (tests/fuzz), built with clang, ASan and UBSan in
# build/fuzz, run one after the other by tests/fuzz/run.sh, which writes
# build/fuzz/summary.txt (runs, coverage, crashes per harness; the ledger
# reads it). `make fuzz` runs each for FUZZ_SECONDS; make check's
# fuzz-check for FUZZ_CHECK_SECONDS. Either fails on any crash.
FUZZ_SECONDS ?= 600
FUZZ_CHECK_SECONDS ?= 45
fuzz-build:
	@rm -f $(BUILD)/fuzz/summary.txt
	CC=clang cmake -S . -B $(BUILD)/fuzz -DSQUALL_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build $(BUILD)/fuzz -j$(JOBS) --target squall_fuzz
fuzz: deps fuzz-build
	tests/fuzz/run.sh $(BUILD)/fuzz $(FUZZ_SECONDS)
fuzz-check: fuzz-build
	tests/fuzz/run.sh $(BUILD)/fuzz $(FUZZ_CHECK_SECONDS)

# squall as a project takes it: cmake --install, then a program built with
# find_package and with pkg-config, and with add_subdirectory on the host
# and for the Cortex-M33 under QEMU, checking that the configuration (tick
# rate, thread limit, the board's core clock) reached it and the library.
.PHONY: package-check
package-check: deps
	JOBS=$(JOBS) tests/package/check.sh $(BUILD)/package

# WP with the committed prover-result cache (proofs/wp/cache.txt): goals
# whose result is cached are not proven again. `prove` (after a change to a
# verified source) proves what is new and rewrites the cache: commit it with
# the change. `prove-replay` (make check) does the same without writing the
# cache. `prove-all` proves every goal afresh, lists each result that
# differs from the cache (build/prove/cache-diff.txt), then writes the fresh
# results as the cache.
prove: deps
	proofs/wp/prove.sh
prove-replay: deps
	SQ_WP_CACHE=replay proofs/wp/prove.sh
prove-all: deps
	SQ_WP_CACHE=rebuild proofs/wp/prove.sh

spin: deps
	@mkdir -p $(BUILD)
	proofs/spin/check.sh | tee $(BUILD)/spin.out

coq: deps
	@mkdir -p $(BUILD)
	proofs/coq/check.sh | tee $(BUILD)/coq.out

# Regenerate the ledger from the tools' output (after prove, spin, coq).
ledger:
	proofs/ledger.sh > docs/VERIFICATION.md

# Every test image on each core: the soft-float M3 and M33, and the
# hard-float M4F, M7 and M33 with its FPU (FP context per thread); then on
# a board of its own, the netduinoplus2.
target: target-m3 target-m33 target-m4f target-m7 target-m33f target-netduino
target-m3: deps
	port/cortex-m/run-tests.sh m3
target-m33: deps
	port/cortex-m/run-tests.sh m33
target-m4f: deps
	port/cortex-m/run-tests.sh m4f
target-m7: deps
	port/cortex-m/run-tests.sh m7
target-m33f: deps
	port/cortex-m/run-tests.sh m33f
# A real board's port under QEMU: the Netduino Plus 2 (STM32F405, M4F),
# with its own start-up, clock and USART console (docs/PORTING.md).
target-netduino: deps
	port/cortex-m/run-tests.sh netduino

bench: deps
	bench/run.sh

# Everything, each step's verdict kept, then one summary table. Fails if any
# step failed or if the committed ledger is not what the tools just printed
# (proofs/ledger-compare.sh: exact but for prover timing among the goals
# known-unproven.txt accepts).
CHECK_STEPS := test test-clang asan tsan fuzz-check demo prove-replay spin coq target-m3 target-m33 \
               target-m4f target-m7 target-m33f target-netduino package-check
check: deps
	@mkdir -p $(BUILD)/check; rm -f $(BUILD)/check/*; check_start=$$(date +%s); \
	for s in $(CHECK_STEPS); do \
	    start=$$(date +%s); \
	    if $(MAKE) --no-print-directory $$s > $(BUILD)/check/$$s.log 2>&1; then r=pass; else r=FAIL; fi; \
	    echo "$$s $$r $$(( $$(date +%s) - start ))" >> $(BUILD)/check/summary; \
	    echo "== $$s: $$r"; [ $$r = pass ] || tail -n 40 $(BUILD)/check/$$s.log; \
	done; \
	if proofs/ledger.sh > $(BUILD)/check/VERIFICATION.md 2> $(BUILD)/check/ledger.log && \
	   proofs/ledger-compare.sh docs/VERIFICATION.md $(BUILD)/check/VERIFICATION.md > $(BUILD)/check/ledger.diff; \
	then echo "ledger pass 0" >> $(BUILD)/check/summary; \
	else echo "ledger FAIL 0" >> $(BUILD)/check/summary; cat $(BUILD)/check/ledger.log $(BUILD)/check/ledger.diff | head -40; fi; \
	echo; echo "make check summary"; \
	printf '  %-16s %-6s %s\n' step result seconds; \
	while read s r t; do printf '  %-16s %-6s %s\n' $$s $$r $$t; done < $(BUILD)/check/summary; \
	printf '  %-16s %-6s %s\n' total "" $$(( $$(date +%s) - check_start )); \
	grep -hE '^(properties:|prover results)' $(BUILD)/prove/report.txt 2>/dev/null | sed 's/^/  WP /'; \
	grep -hE 'passed, [0-9]+ failed' $(BUILD)/check/target-*.log | sed 's/^/  /'; \
	sed 's/^/  /' $(BUILD)/fuzz/summary.txt 2>/dev/null; \
	! grep -q FAIL $(BUILD)/check/summary

clean:
	rm -rf $(BUILD)
