# cmake -DCOMMAND=exe -DEXPECTED=file -P expect_output.cmake: run the
# command and fail unless it exits 0 with exactly the expected output.
execute_process(COMMAND ${COMMAND} OUTPUT_VARIABLE out RESULT_VARIABLE rc)
file(READ ${EXPECTED} want)
if(NOT rc EQUAL 0 OR NOT out STREQUAL want)
    message(FATAL_ERROR "exit ${rc}; output:\n${out}\nexpected:\n${want}")
endif()
