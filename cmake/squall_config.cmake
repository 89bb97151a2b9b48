# squall's configuration macros as CMake cache variables (docs/PORTING.md,
# "Configuration"): SQUALL_<X> sets SQ_CONFIG_<X> and SQUALL_PORT_<X> sets
# SQ_PORT_<X>. Each is a PUBLIC compile definition of squall, so the
# library, whatever is built against it (the application, its vector table)
# and the installed package (squallConfig.cmake, squall.pc) see one value,
# whether squall is the top-level project or an add_subdirectory. Empty
# keeps the default of the header or port.c; a board the toolchain file
# names (SQUALL_QEMU_MACHINE) may give its own defaults (squall_board_defaults).
#
# Sets SQUALL_CONFIG_DEFINES (NAME=value, the ones set).

set(SQUALL_CONFIG_DEFINES "")

# Defaults of the boards the toolchain files name, board:variable=value:
# the SysTick clock of each QEMU board, so that a build for one never runs
# its tick at another board's rate; the netduinoplus2's soft interrupt on
# line 79 (CRYP on the F415/F417, no device on the F405).
set(squall_board_defaults
    mps2-an385:SQUALL_PORT_CPU_HZ=25000000 mps2-an386:SQUALL_PORT_CPU_HZ=25000000
    mps2-an500:SQUALL_PORT_CPU_HZ=25000000 mps2-an505:SQUALL_PORT_CPU_HZ=20000000
    netduinoplus2:SQUALL_PORT_CPU_HZ=168000000 netduinoplus2:SQUALL_PORT_SOFT_IRQ=79)

# squall_config(var macro pattern doc): the cache variable `var` (a value
# matching `pattern`, or empty) defining `macro`. Unless the user set it
# (cache or a variable of the including project), the board's default.
function(squall_config var macro pattern doc)
    if(NOT DEFINED ${var})
        set(${var} "")
        foreach(entry ${squall_board_defaults})
            if(entry MATCHES "^${SQUALL_QEMU_MACHINE}:${var}=(.*)$")
                set(${var} ${CMAKE_MATCH_1})
            endif()
        endforeach()
    endif()
    set(${var} "${${var}}" CACHE STRING "${doc}")
    if("${${var}}" STREQUAL "")
        return()
    endif()
    if(NOT "${${var}}" MATCHES "${pattern}")
        message(FATAL_ERROR "${var}=${${var}}: not a valid value for ${macro} (${doc})")
    endif()
    set(SQUALL_CONFIG_DEFINES ${SQUALL_CONFIG_DEFINES} ${macro}=${${var}} PARENT_SCOPE)
endfunction()

# Plain numbers, decimal or hex, without suffix: SQ_PORT_KERNEL_IRQ_PRIO is
# also used in assembly text.
set(squall_number "^([0-9]+|0[xX][0-9a-fA-F]+)$")

squall_config(SQUALL_MAX_THREADS SQ_CONFIG_MAX_THREADS "^([2-9]|[1-9][0-9]+)$"
    "Threads the kernel can know at once, the idle thread included (at least 2; default 16)")
squall_config(SQUALL_MAX_TIMEOUTS SQ_CONFIG_MAX_TIMEOUTS "${squall_number}"
    "Timeouts armed at once: thread waits and running timers (default 32)")
squall_config(SQUALL_TICK_HZ SQ_CONFIG_TICK_HZ "${squall_number}"
    "Kernel ticks per second (default 1000)")
squall_config(SQUALL_MAX_PARTITIONS SQ_CONFIG_MAX_PARTITIONS "${squall_number}"
    "Partitions per memory domain (default 6)")
squall_config(SQUALL_MAX_SHARED_STREAMS SQ_CONFIG_MAX_SHARED_STREAMS "${squall_number}"
    "Shared streams attached at once (default 4)")

if(SQUALL_PORT STREQUAL "cortex-m")
    squall_config(SQUALL_PORT_CPU_HZ SQ_PORT_CPU_HZ "${squall_number}"
        "Core clock feeding SysTick, in Hz (default: the board's, else 25000000)")
    if("${SQUALL_PORT_CPU_HZ}" STREQUAL "")
        message(WARNING "squall: SQUALL_PORT_CPU_HZ is not set and the board is not one squall "
            "knows (SQUALL_QEMU_MACHINE '${SQUALL_QEMU_MACHINE}'): the port assumes a 25 MHz "
            "core clock until the board calls sq_port_set_cpu_hz; set -DSQUALL_PORT_CPU_HZ=<Hz> "
            "or the tick runs at the wrong rate")
    endif()
    squall_config(SQUALL_PORT_KERNEL_IRQ_PRIO SQ_PORT_KERNEL_IRQ_PRIO "${squall_number}"
        "BASEPRI of the kernel lock: interrupts numerically below it never call the kernel (default 0x40)")
    squall_config(SQUALL_PORT_ISR_STACK_SIZE SQ_PORT_ISR_STACK_SIZE "${squall_number}"
        "Bytes of the interrupt stack (MSP), a multiple of 8 (default 2048)")
    squall_config(SQUALL_PORT_SYSCALL_STACK SQ_PORT_SYSCALL_STACK "${squall_number}"
        "Bytes a kernel call needs below a user thread's supervisor-call frame (default 384)")
    squall_config(SQUALL_PORT_MPU_VIEWS SQ_PORT_MPU_VIEWS "${squall_number}"
        "Encoded MPU views kept, at least 1 (default 4)")
    squall_config(SQUALL_PORT_SOFT_IRQ SQ_PORT_SOFT_IRQ "${squall_number}"
        "External interrupt line of the soft interrupt; the vector table names SquallSoft_IRQHandler at 16 + it (default 31)")
    squall_config(SQUALL_PORT_TICKLESS SQ_PORT_TICKLESS "^[01]$"
        "1: stop the tick while every thread waits (tickless idle, docs/PORTING.md; default 0)")
    squall_config(SQUALL_PORT_TICKLESS_STOPPED SQ_PORT_TICKLESS_STOPPED "${squall_number}"
        "Tickless idle: SysTick counts lost per stop of the counter, added back at each restart (default 0)")
    # The tick source, by name: SQ_PORT_TICK_SOURCE is 0 (SysTick) or 1 (the
    # application's timer; squall/port_board.h).
    set(SQUALL_PORT_TICK_SOURCE systick CACHE STRING
        "Tick source: systick (default) or app (the board's timer calls sq_port_tick_isr; docs/PORTING.md)")
    set_property(CACHE SQUALL_PORT_TICK_SOURCE PROPERTY STRINGS systick app)
    if(SQUALL_PORT_TICK_SOURCE STREQUAL "app")
        if(SQUALL_PORT_TICKLESS)
            message(FATAL_ERROR "SQUALL_PORT_TICKLESS needs SQUALL_PORT_TICK_SOURCE=systick")
        endif()
        list(APPEND SQUALL_CONFIG_DEFINES SQ_PORT_TICK_SOURCE=1)
    elseif(NOT SQUALL_PORT_TICK_SOURCE STREQUAL "systick")
        message(FATAL_ERROR "SQUALL_PORT_TICK_SOURCE=${SQUALL_PORT_TICK_SOURCE}: systick or app")
    endif()
    squall_config(SQUALL_PORT_STACK_GUARD SQ_PORT_STACK_GUARD "${squall_number}"
        "ARMv7-M: bytes of the MPU guard at the bottom of each privileged thread's stack, 0 (none) or a power of two from 32 (default 32)")
elseif(SQUALL_PORT STREQUAL "host")
    squall_config(SQUALL_PORT_HOST_SIGNAL SQ_PORT_HOST_SIGNAL "^([0-9]+|SIG[A-Z0-9+]+)$"
        "Signal that preempts the host port's threads (default SIGUSR1)")
    squall_config(SQUALL_PORT_HOST_STACK_SIZE SQ_PORT_HOST_STACK_SIZE "${squall_number}"
        "Bytes of each kernel thread's pthread stack (default 262144)")
endif()
