# Netduino Plus 2 (STM32F405RG: Cortex-M4F, ARMv7E-M, single-precision
# FPU, hard-float ABI), tested on QEMU's netduinoplus2: the board's own
# start-up, linker script and console (port/cortex-m/boards/netduinoplus2).
set(SQUALL_CPU_FLAGS "-mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16")
set(SQUALL_QEMU_MACHINE netduinoplus2)
set(SQUALL_BOARD netduinoplus2)
include(${CMAKE_CURRENT_LIST_DIR}/arm-none-eabi.cmake)
