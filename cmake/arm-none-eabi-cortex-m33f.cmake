# Cortex-M33 with its single-precision FPU (ARMv8-M Mainline, hard-float
# ABI), tested on QEMU's mps2-an505.
set(SQUALL_CPU_FLAGS "-mcpu=cortex-m33 -mthumb -mfloat-abi=hard -mfpu=fpv5-sp-d16")
set(SQUALL_QEMU_MACHINE mps2-an505)
include(${CMAKE_CURRENT_LIST_DIR}/arm-none-eabi.cmake)
