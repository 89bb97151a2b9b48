# cmake -DCOMMAND=exe[;args] -DEXPECTED=file -P expect_output.cmake: run
# the command and fail unless it exits 0 with exactly the expected output,
# stdout and stderr together (QEMU's semihosting console is its stderr).
execute_process(COMMAND ${COMMAND} OUTPUT_VARIABLE out ERROR_VARIABLE out RESULT_VARIABLE rc)
file(READ ${EXPECTED} want)
if(NOT rc EQUAL 0 OR NOT out STREQUAL want)
    message(FATAL_ERROR "exit ${rc}; output:\n${out}\nexpected:\n${want}")
endif()
