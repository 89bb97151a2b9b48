# cmake -DCOMMAND=exe[;args] -DEXPECTED=file[;file...] -P expect_output.cmake:
# run the command and fail unless it exits 0 with exactly the expected
# output (the files one after the other), stdout and stderr together
# (QEMU's semihosting console is its stderr).
execute_process(COMMAND ${COMMAND} OUTPUT_VARIABLE out ERROR_VARIABLE out RESULT_VARIABLE rc)
set(want "")
foreach(part ${EXPECTED})
    file(READ ${part} text)
    string(APPEND want "${text}")
endforeach()
if(NOT rc EQUAL 0 OR NOT out STREQUAL want)
    message(FATAL_ERROR "exit ${rc}; output:\n${out}\nexpected:\n${want}")
endif()
