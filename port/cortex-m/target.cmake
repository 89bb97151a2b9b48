# Cross build (a toolchain file from cmake/): every tests/test_*.c, and the
# isolated-pair and P3 demos, becomes a bare-metal image with the start-up
# code, and a CTest test that runs it on SQUALL_QEMU_MACHINE. An image
# passes when it exits 0 through semihosting and prints no failure.
set(SQUALL_PORT_DIR ${CMAKE_CURRENT_SOURCE_DIR}/port/cortex-m)
# SysTick counts the core clock: 25 MHz on mps2-an385 (the port's default),
# 20 MHz on mps2-an505.
if(SQUALL_QEMU_MACHINE STREQUAL "mps2-an505")
    target_compile_definitions(squall PRIVATE SQ_PORT_CPU_HZ=20000000u)
endif()
enable_testing()
# One bare-metal image `name`.elf from `src` and the start-up code, and a
# CTest test running it on the board.
function(squall_target_image name src)
    add_executable(${name}.elf ${src} ${SQUALL_PORT_DIR}/startup.c)
    target_link_libraries(${name}.elf PRIVATE squall)
    set_target_properties(${name}.elf PROPERTIES C_STANDARD 11 C_STANDARD_REQUIRED ON C_EXTENSIONS OFF)
    target_compile_options(${name}.elf PRIVATE -Wall -Wextra -Werror -pedantic)
    target_link_options(${name}.elf PRIVATE
        -T${SQUALL_PORT_DIR}/${SQUALL_QEMU_MACHINE}.ld -L${SQUALL_PORT_DIR}
        -nostartfiles --specs=nano.specs --specs=nosys.specs -Wl,--gc-sections)
    add_test(NAME ${name}
        COMMAND qemu-system-arm -M ${SQUALL_QEMU_MACHINE} -nographic -monitor none -serial none
                -semihosting-config enable=on,target=native -kernel $<TARGET_FILE:${name}.elf>)
    set_tests_properties(${name} PROPERTIES TIMEOUT 300
        FAIL_REGULAR_EXPRESSION "FAIL|[1-9][0-9]* failed")
endfunction()

file(GLOB SQUALL_TARGET_TESTS CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/tests/test_*.c)
foreach(src ${SQUALL_TARGET_TESTS})
    get_filename_component(name ${src} NAME_WE)
    squall_target_image(${name} ${src})
    target_compile_definitions(${name}.elf PRIVATE SQ_TEST_TARGET)
    target_include_directories(${name}.elf PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/tests/support)
endforeach()
# The port's default fault hook: test_fault.c without a hook of its own.
# The report goes to the console and the board stops (a failed exit, which
# a pass expression makes CTest ignore): the first line must name the
# fault and the thread.
squall_target_image(fault_default_hook ${CMAKE_CURRENT_SOURCE_DIR}/tests/test_fault.c)
target_compile_definitions(fault_default_hook.elf PRIVATE SQ_TEST_TARGET SQ_FAULT_DEFAULT_HOOK)
set_tests_properties(fault_default_hook PROPERTIES
    PASS_REGULAR_EXPRESSION "(stack overflow|BusFault) in thread 0x[0-9a-f]+"
    FAIL_REGULAR_EXPRESSION "not reported")
# The isolated pair of `make demo` (examples/isolated_pair.c), also run as a
# test on both cores.
squall_target_image(isolated_pair ${CMAKE_CURRENT_SOURCE_DIR}/examples/isolated_pair.c)
# The P3 demo of `make demo` (examples/p3_pipe.c): two component instances
# on two kernel threads moving a stream through the P3 built-ins; memmove
# wrapped as on the host, to count the copies between the memories.
squall_target_image(p3_pipe ${CMAKE_CURRENT_SOURCE_DIR}/examples/p3_pipe.c)
target_link_options(p3_pipe.elf PRIVATE -Wl,--wrap=memmove)
