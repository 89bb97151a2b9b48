# Shared part of the arm-none-eabi toolchain files: a bare-metal GCC build
# for the core named by SQUALL_CPU_FLAGS, tested on SQUALL_QEMU_MACHINE.
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR arm)
set(CMAKE_C_COMPILER arm-none-eabi-gcc)
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)
set(CMAKE_C_FLAGS_INIT "${SQUALL_CPU_FLAGS}")
set(CMAKE_EXE_LINKER_FLAGS_INIT "${SQUALL_CPU_FLAGS}")
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
