# Cortex-M4F (ARMv7E-M, single-precision FPU, hard-float ABI), tested on
# QEMU's mps2-an386.
set(SQUALL_CPU_FLAGS "-mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16")
set(SQUALL_QEMU_MACHINE mps2-an386)
include(${CMAKE_CURRENT_LIST_DIR}/arm-none-eabi.cmake)
