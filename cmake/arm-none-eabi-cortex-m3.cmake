# Cortex-M3 (ARMv7-M), tested on QEMU's mps2-an385.
set(SQUALL_CPU_FLAGS "-mcpu=cortex-m3 -mthumb")
set(SQUALL_QEMU_MACHINE mps2-an385)
include(${CMAKE_CURRENT_LIST_DIR}/arm-none-eabi.cmake)
