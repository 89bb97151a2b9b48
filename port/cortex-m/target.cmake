# Cross build (a toolchain file from cmake/): every tests/test_*.c, and the
# isolated-pair and P3 demos, becomes a bare-metal image with the start-up
# code, and a CTest test that runs it on SQUALL_QEMU_MACHINE. An image
# passes when it exits 0 through semihosting and prints no failure.
set(SQUALL_PORT_DIR ${CMAKE_CURRENT_SOURCE_DIR}/port/cortex-m)
# SysTick's clock, SQ_PORT_CPU_HZ, is the board's: cmake/squall_config.cmake.
enable_testing()
# The board: the images' start-up sources and linker script, and where QEMU
# puts the board's console. The MPS2 boards' by default (startup.c alone,
# output through semihosting); a board of its own (SQUALL_BOARD, set by its
# toolchain file) changes them in port/cortex-m/boards/<board>/board.cmake
# and may add test sources (SQUALL_BOARD_TESTS).
set(SQUALL_BOARD_SOURCES ${SQUALL_PORT_DIR}/startup.c)
set(SQUALL_BOARD_LINKER_SCRIPT ${SQUALL_PORT_DIR}/${SQUALL_QEMU_MACHINE}.ld)
set(SQUALL_QEMU_SERIAL none)
set(SQUALL_BOARD_TESTS "")
set(SQUALL_BOARD_WASM_SENSOR ON)
if(SQUALL_BOARD)
    include(${SQUALL_PORT_DIR}/boards/${SQUALL_BOARD}/board.cmake)
endif()
set(SQUALL_QEMU_COMMAND qemu-system-arm -M ${SQUALL_QEMU_MACHINE} -nographic -monitor none
    -serial ${SQUALL_QEMU_SERIAL} -semihosting-config enable=on,target=native)
# One bare-metal image `name`.elf from `src` and the start-up code, and a
# CTest test running it on the board (unless NO_TEST: the caller adds its own).
function(squall_target_image name src)
    add_executable(${name}.elf ${src} ${SQUALL_BOARD_SOURCES})
    target_link_libraries(${name}.elf PRIVATE squall)
    set_target_properties(${name}.elf PROPERTIES C_STANDARD 11 C_STANDARD_REQUIRED ON C_EXTENSIONS OFF)
    target_compile_options(${name}.elf PRIVATE -Wall -Wextra -Werror -pedantic)
    target_link_options(${name}.elf PRIVATE
        -T${SQUALL_BOARD_LINKER_SCRIPT} -L${SQUALL_PORT_DIR}
        -nostartfiles --specs=nano.specs --specs=nosys.specs -Wl,--gc-sections)
    if("NO_TEST" IN_LIST ARGN)
        return()
    endif()
    # SQUALL_QEMU_ARGS_<name>: QEMU options of this image only (a board's).
    add_test(NAME ${name}
        COMMAND ${SQUALL_QEMU_COMMAND} ${SQUALL_QEMU_ARGS_${name}} -kernel $<TARGET_FILE:${name}.elf>)
    set_tests_properties(${name} PROPERTIES TIMEOUT 300
        FAIL_REGULAR_EXPRESSION "FAIL|[1-9][0-9]* failed")
endfunction()

# The application tick source (SQUALL_PORT_TICK_SOURCE=app) on an MPS2
# board: every image gets the CMSDK timer 0 tick source of the tests.
if(SQUALL_PORT_TICK_SOURCE STREQUAL "app" AND NOT SQUALL_BOARD)
    list(APPEND SQUALL_BOARD_SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/support/sq_app_tick.c)
endif()
file(GLOB SQUALL_TARGET_TESTS CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/tests/test_*.c)
list(APPEND SQUALL_TARGET_TESTS ${SQUALL_BOARD_TESTS})
# test_tickless runs under -icount (below).
list(REMOVE_ITEM SQUALL_TARGET_TESTS ${CMAKE_CURRENT_SOURCE_DIR}/tests/test_tickless.c)
foreach(src ${SQUALL_TARGET_TESTS})
    get_filename_component(name ${src} NAME_WE)
    squall_target_image(${name} ${src})
    target_compile_definitions(${name}.elf PRIVATE SQ_TEST_TARGET)
    target_include_directories(${name}.elf PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/tests/support)
endforeach()
# Tickless idle (SQ_PORT_TICKLESS, docs/PORTING.md). tests/test_tickless.c
# runs under -icount with sleep=off, so that a WFI lets virtual time jump
# to the next timer and its 10-second sleeps take well under a second:
# as `test_tickless` with this build's port (ticking unless
# SQUALL_PORT_TICKLESS), and as `tickless_*` with the port compiled
# tickless (an object that takes the place of libsquall's port.c.obj: it
# defines every symbol that one does), as are the tick-driven suites.
function(squall_icount_test name)
    squall_target_image(${name} ${CMAKE_CURRENT_SOURCE_DIR}/tests/test_tickless.c NO_TEST)
    target_compile_definitions(${name}.elf PRIVATE SQ_TEST_TARGET ${ARGN})
    target_include_directories(${name}.elf PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/tests/support)
    add_test(NAME ${name}
        COMMAND qemu-system-arm -M ${SQUALL_QEMU_MACHINE} -nographic -monitor none -serial none
                -semihosting-config enable=on,target=native -icount shift=0,sleep=off
                -kernel $<TARGET_FILE:${name}.elf>)
    set_tests_properties(${name} PROPERTIES TIMEOUT 300
        FAIL_REGULAR_EXPRESSION "FAIL|[1-9][0-9]* failed")
endfunction()
# The port built with the application tick source (an object in place of
# libsquall's port.c.obj, as for tickless idle below), its ticks from CMSDK
# timer 0 (tests/support/sq_app_tick.c): tick_source_app checks that
# SysTick stays off, tick_app_kernel runs the kernel suite on those ticks.
# MPS2 boards only (the timer).
function(squall_port_variant name)
    add_library(${name} OBJECT ${SQUALL_PORT_DIR}/port.c)
    target_include_directories(${name} PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src
        $<TARGET_PROPERTY:squall,INCLUDE_DIRECTORIES>)
    target_compile_definitions(${name} PRIVATE ${ARGN} $<TARGET_PROPERTY:squall,COMPILE_DEFINITIONS>)
    set_target_properties(${name} PROPERTIES C_STANDARD 11 C_STANDARD_REQUIRED ON C_EXTENSIONS OFF)
    target_compile_options(${name} PRIVATE -Wall -Wextra -Werror -pedantic)
endfunction()
if(NOT SQUALL_BOARD AND NOT SQUALL_PORT_TICKLESS)
    if(NOT SQUALL_PORT_TICK_SOURCE STREQUAL "app")
        squall_port_variant(squall_port_tick_app SQ_PORT_TICK_SOURCE=1)
    endif()
    foreach(pair "tick_source_app|tests/tick_source_app.c" "tick_app_kernel|tests/test_kernel.c")
        string(REPLACE "|" ";" pair ${pair})
        list(GET pair 0 name)
        list(GET pair 1 src)
        squall_target_image(${name} ${CMAKE_CURRENT_SOURCE_DIR}/${src})
        target_compile_definitions(${name}.elf PRIVATE SQ_TEST_TARGET)
        target_include_directories(${name}.elf PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/tests/support)
        if(NOT SQUALL_PORT_TICK_SOURCE STREQUAL "app")
            target_sources(${name}.elf PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/tests/support/sq_app_tick.c)
            target_link_libraries(${name}.elf PRIVATE squall_port_tick_app)
        endif()
    endforeach()
endif()
# MPS2 boards only: the test's reference clock is a CMSDK timer, which a
# board of its own (SQUALL_BOARD) does not have; and SysTick the tick.
if(NOT SQUALL_BOARD AND NOT SQUALL_PORT_TICK_SOURCE STREQUAL "app")
    if(SQUALL_PORT_TICKLESS)
        squall_icount_test(test_tickless SQ_TEST_TICKLESS)
    else()
        squall_icount_test(test_tickless)
        squall_port_variant(squall_port_tickless SQ_PORT_TICKLESS=1)
        squall_icount_test(tickless_idle SQ_TEST_TICKLESS)
        target_link_libraries(tickless_idle.elf PRIVATE squall_port_tickless)
        foreach(suite kernel timeout tick)
            squall_target_image(tickless_${suite} ${CMAKE_CURRENT_SOURCE_DIR}/tests/test_${suite}.c)
            target_compile_definitions(tickless_${suite}.elf PRIVATE SQ_TEST_TARGET)
            target_include_directories(tickless_${suite}.elf PRIVATE
                ${CMAKE_CURRENT_SOURCE_DIR}/tests/support)
            target_link_libraries(tickless_${suite}.elf PRIVATE squall_port_tickless)
        endforeach()
    endif()
endif()
# The port's default fault hook: test_fault.c without a hook of its own.
# The report goes to the console and the board stops (a failed exit, which
# a pass expression makes CTest ignore): the first line must name the
# fault and the thread.
squall_target_image(fault_default_hook ${CMAKE_CURRENT_SOURCE_DIR}/tests/test_fault.c)
target_compile_definitions(fault_default_hook.elf PRIVATE SQ_TEST_TARGET SQ_FAULT_DEFAULT_HOOK)
set_tests_properties(fault_default_hook PROPERTIES
    PASS_REGULAR_EXPRESSION "(stack overflow|BusFault) in thread 0x[0-9a-f]+"
    FAIL_REGULAR_EXPRESSION "not reported")
# A stack overflow caught by the switch, whose saved registers would land
# below the thread's floor (tests/test_stack_overflow.c).
squall_target_image(stack_overflow_switch ${CMAKE_CURRENT_SOURCE_DIR}/tests/test_stack_overflow.c)
target_compile_definitions(stack_overflow_switch.elf PRIVATE SQ_TEST_TARGET SQ_OVERFLOW_AT_SWITCH)
# The isolated pair of `make demo` (examples/isolated_pair.c), also run as a
# test on both cores.
squall_target_image(isolated_pair ${CMAKE_CURRENT_SOURCE_DIR}/examples/isolated_pair.c)
# The P3 demo of `make demo` (examples/p3_pipe.c): two component instances
# on two kernel threads moving a stream through the P3 built-ins; memmove
# wrapped as on the host, to count the copies between the memories.
squall_target_image(p3_pipe ${CMAKE_CURRENT_SOURCE_DIR}/examples/p3_pipe.c)
target_link_options(p3_pipe.elf PRIVATE -Wl,--wrap=memmove)
# The wasm guests (examples/wasm/sensor_sink.c, docs/WASM.md): clang
# --target=wasm32, wasm2c, the generated glue and the runtime, built with
# arm-none-eabi-gcc; the output checked exactly, as on the host.
include(${CMAKE_CURRENT_SOURCE_DIR}/cmake/squall_wasm.cmake)
if(SQUALL_WASM_ENABLED)
    set(wasm_gen ${CMAKE_CURRENT_BINARY_DIR}/wasm)
    file(MAKE_DIRECTORY ${wasm_gen})
    squall_wasm_example_sources(${wasm_gen})
    set(wasm_ex ${CMAKE_CURRENT_SOURCE_DIR}/examples/wasm)
    squall_target_image(wasm_call ${wasm_ex}/wasm_call.c NO_TEST)
    target_sources(wasm_call.elf PRIVATE ${wasm_gen}/call/glue.c ${wasm_gen}/call/squares_w2c.c)
    target_include_directories(wasm_call.elf PRIVATE ${wasm_gen}/call)
    target_link_libraries(wasm_call.elf PRIVATE squall_wasm_rt)
    # squall_target_image's warnings on the embedder and the glue only, not
    # on wasm2c's output.
    set_source_files_properties(${wasm_gen}/call/squares_w2c.c PROPERTIES COMPILE_OPTIONS "-w")
    add_test(NAME wasm_call
        COMMAND ${CMAKE_COMMAND}
                "-DCOMMAND=${SQUALL_QEMU_COMMAND};-kernel;$<TARGET_FILE:wasm_call.elf>"
                -DEXPECTED=${wasm_ex}/wasm_call.expected -P ${wasm_ex}/expect_output.cmake)
    set_tests_properties(wasm_call PROPERTIES TIMEOUT 300)
endif()
# The sensor, sink and rogue guests' linear memories (about 560 KiB), and
# wasm_pipeline's two (128 KiB), fit the MPS2 boards' RAM, not a board that
# sets SQUALL_BOARD_WASM_SENSOR off.
if(SQUALL_WASM_ENABLED AND SQUALL_BOARD_WASM_SENSOR)
    squall_target_image(wasm_sensor_sink ${wasm_ex}/sensor_sink.c NO_TEST)
    target_sources(wasm_sensor_sink.elf PRIVATE ${wasm_gen}/glue.c ${wasm_gen}/sensor_w2c.c
                   ${wasm_gen}/sink_w2c.c ${wasm_gen}/rogue_w2c.c ${wasm_ex}/linear_mpu.c)
    target_include_directories(wasm_sensor_sink.elf PRIVATE ${wasm_gen})
    target_link_libraries(wasm_sensor_sink.elf PRIVATE squall_wasm_rt)
    # The eight guests' memories as MPU partitions, as wasm_pipeline's below
    # (sensor_sink_mpu.expected after the host's output).
    target_compile_definitions(wasm_sensor_sink.elf PRIVATE SQ_WASM_MPU)
    target_compile_options(wasm_sensor_sink.elf PRIVATE -fdata-sections)
    target_link_options(wasm_sensor_sink.elf PRIVATE -Wl,--sort-section=alignment)
    set_source_files_properties(${wasm_gen}/sensor_w2c.c ${wasm_gen}/sink_w2c.c
        ${wasm_gen}/rogue_w2c.c PROPERTIES COMPILE_OPTIONS "-w")
    add_test(NAME wasm_sensor_sink
        COMMAND ${CMAKE_COMMAND}
                "-DCOMMAND=${SQUALL_QEMU_COMMAND};-kernel;$<TARGET_FILE:wasm_sensor_sink.elf>"
                "-DEXPECTED=${wasm_ex}/sensor_sink.expected;${wasm_ex}/sensor_sink_mpu.expected"
                -P ${wasm_ex}/expect_output.cmake)
    set_tests_properties(wasm_sensor_sink PROPERTIES TIMEOUT 300)
    # Guest-to-guest calls (two 64 KiB linear memories: not on the small boards).
    squall_target_image(wasm_pipeline ${wasm_ex}/wasm_pipeline.c NO_TEST)
    target_sources(wasm_pipeline.elf PRIVATE ${wasm_gen}/pipe/glue.c ${wasm_gen}/pipe/tally_w2c.c
                   ${wasm_gen}/pipe/filter_w2c.c ${wasm_ex}/linear_mpu.c)
    target_include_directories(wasm_pipeline.elf PRIVATE ${wasm_gen}/pipe)
    target_link_libraries(wasm_pipeline.elf PRIVATE squall_wasm_rt)
    # Each guest's linear memory in its own MPU partition, and the stray
    # stores the MPU stops (wasm_pipeline_mpu.expected, after the host's).
    target_compile_definitions(wasm_pipeline.elf PRIVATE SQ_WASM_MPU)
    # The two 64 KiB-aligned memories (M3, PMSAv7) first in .bss, each
    # variable its own section sorted by alignment: no hole between them.
    target_compile_options(wasm_pipeline.elf PRIVATE -fdata-sections)
    target_link_options(wasm_pipeline.elf PRIVATE -Wl,--sort-section=alignment)
    set_source_files_properties(${wasm_gen}/pipe/tally_w2c.c ${wasm_gen}/pipe/filter_w2c.c
        PROPERTIES COMPILE_OPTIONS "-w")
    add_test(NAME wasm_pipeline
        COMMAND ${CMAKE_COMMAND}
                "-DCOMMAND=${SQUALL_QEMU_COMMAND};-kernel;$<TARGET_FILE:wasm_pipeline.elf>"
                "-DEXPECTED=${wasm_ex}/wasm_pipeline.expected;${wasm_ex}/wasm_pipeline_mpu.expected" -P ${wasm_ex}/expect_output.cmake)
    set_tests_properties(wasm_pipeline PROPERTIES TIMEOUT 300)
    # The per-reading cost under -icount (bench/wasm_bench.sh runs it).
    squall_target_image(wasm_bench ${CMAKE_CURRENT_SOURCE_DIR}/bench/wasm_host_bench.c NO_TEST)
    target_sources(wasm_bench.elf PRIVATE ${wasm_gen}/glue.c ${wasm_gen}/sensor_w2c.c
                   ${wasm_gen}/sink_w2c.c ${wasm_gen}/rogue_w2c.c)
    target_include_directories(wasm_bench.elf PRIVATE ${wasm_gen})
    target_compile_definitions(wasm_bench.elf PRIVATE SQ_WASM_BENCH_TARGET)
    target_link_libraries(wasm_bench.elf PRIVATE squall_wasm_rt)
    # The WAT scenarios, as on the host (examples/wasm/CMakeLists.txt): one
    # image each, its output matched by the same expression.
    squall_wasm_wat_sources(${wasm_gen}/wat)
    foreach(scenario ${SQUALL_WAT_SCENARIOS})
        squall_target_image(${scenario} ${SQUALL_WAT_RUNNER_${scenario}} NO_TEST)
        target_sources(${scenario}.elf PRIVATE ${SQUALL_WAT_SOURCES_${scenario}})
        target_include_directories(${scenario}.elf PRIVATE ${SQUALL_WAT_DIR_${scenario}})
        target_compile_definitions(${scenario}.elf PRIVATE ${SQUALL_WAT_DEFS_${scenario}})
        target_link_libraries(${scenario}.elf PRIVATE squall_wasm_rt)
        list(FILTER SQUALL_WAT_SOURCES_${scenario} EXCLUDE REGEX "glue\\.c$")
        set_source_files_properties(${SQUALL_WAT_SOURCES_${scenario}} PROPERTIES
            COMPILE_OPTIONS "-w")
        add_test(NAME wasm_${scenario}
            COMMAND ${SQUALL_QEMU_COMMAND} -kernel $<TARGET_FILE:${scenario}.elf>)
        set_tests_properties(wasm_${scenario} PROPERTIES TIMEOUT 300
            PASS_REGULAR_EXPRESSION "${SQUALL_WAT_PASS_${scenario}}")
    endforeach()
endif()
