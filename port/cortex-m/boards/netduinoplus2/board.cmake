# Netduino Plus 2 (STM32F405RG, Cortex-M4F) on QEMU's netduinoplus2,
# included by port/cortex-m/target.cmake when SQUALL_BOARD is netduinoplus2
# (cmake/arm-none-eabi-netduinoplus2.cmake). Its images: the shared
# start-up code with the F405's 82 interrupt lines, board.c (clock and
# USART1 console) and netduinoplus2.ld; QEMU's first -serial (USART1) on
# stdout; exit through semihosting. Its own test: test_board.c.
set(SQUALL_BOARD_DIR ${CMAKE_CURRENT_LIST_DIR})
list(APPEND SQUALL_BOARD_SOURCES ${SQUALL_BOARD_DIR}/board.c)
set(SQUALL_BOARD_LINKER_SCRIPT ${SQUALL_BOARD_DIR}/netduinoplus2.ld)
set(SQUALL_QEMU_SERIAL stdio)
# 128 KiB of RAM: no room for the wasm sensor_sink example's memories
# (wasm_call fits).
set(SQUALL_BOARD_WASM_SENSOR OFF)
list(APPEND SQUALL_BOARD_TESTS ${SQUALL_BOARD_DIR}/test_board.c)
# Virtual time that follows the instructions executed, not the host's
# clock: test_board measures the tick exactly (2.5 s of it: about 160
# million instructions).
set(SQUALL_QEMU_ARGS_test_board -icount shift=4,sleep=off)
set_source_files_properties(${SQUALL_PORT_DIR}/startup.c PROPERTIES COMPILE_DEFINITIONS SQ_BOARD_IRQS=82)
# The soft interrupt's line 79 and the 168 MHz clock are the board's
# defaults in cmake/squall_config.cmake (public definitions of squall, so
# the port and the vector table agree, in a subproject build too).
