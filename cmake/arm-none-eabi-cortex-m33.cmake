# Cortex-M33 (ARMv8-M Mainline, soft float), tested on QEMU's mps2-an505.
set(SQUALL_CPU_FLAGS "-mcpu=cortex-m33 -mthumb -mfloat-abi=soft")
set(SQUALL_QEMU_MACHINE mps2-an505)
include(${CMAKE_CURRENT_LIST_DIR}/arm-none-eabi.cmake)
