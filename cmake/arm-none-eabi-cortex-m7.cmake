# Cortex-M7 (ARMv7E-M, double-precision FPU, hard-float ABI), tested on
# QEMU's mps2-an500.
set(SQUALL_CPU_FLAGS "-mcpu=cortex-m7 -mthumb -mfloat-abi=hard -mfpu=fpv5-d16")
set(SQUALL_QEMU_MACHINE mps2-an500)
include(${CMAKE_CURRENT_LIST_DIR}/arm-none-eabi.cmake)
