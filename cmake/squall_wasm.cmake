# The wasm guests' build (docs/WASM.md), for the host (examples/wasm) and
# the Cortex-M images (port/cortex-m/target.cmake): each guest in C is
# compiled to a core module by clang --target=wasm32 and wasm-ld,
# translated to C by wasm2c, and linked with the glue tools/wasm_glue.py
# generates, the freestanding runtime (src/wasm/) and squall.
#
# SQUALL_WASM: AUTO builds them when the tools are there and says what is
# missing otherwise; ON (make build, so make test and make check) requires
# them; OFF leaves them out. Sets SQUALL_WASM_ENABLED.
set(SQUALL_WASM AUTO CACHE STRING "Build the wasm guests: AUTO, ON or OFF")
set(SQUALL_WASM_ENABLED OFF)
set(SQUALL_WASM_ROOT ${CMAKE_CURRENT_LIST_DIR}/..)
if(NOT SQUALL_WASM STREQUAL "OFF")
    find_program(SQUALL_WASM_CLANG NAMES clang clang-14)
    find_program(SQUALL_WASM_LD NAMES wasm-ld wasm-ld-14)
    find_program(SQUALL_WASM2C wasm2c)
    find_program(SQUALL_WASM_OBJDUMP wasm-objdump)
    find_program(SQUALL_WAT2WASM wat2wasm)
    find_package(Python3 COMPONENTS Interpreter)
    find_path(SQUALL_WASM_RT_INCLUDE wasm-rt.h HINTS /usr/src/wasm2c /usr/share/wabt/wasm2c
              NO_CMAKE_FIND_ROOT_PATH)
    set(missing "")
    foreach(tool SQUALL_WASM_CLANG SQUALL_WASM_LD SQUALL_WASM2C SQUALL_WASM_OBJDUMP
                 SQUALL_WAT2WASM SQUALL_WASM_RT_INCLUDE)
        if(NOT ${tool})
            list(APPEND missing ${tool})
        endif()
    endforeach()
    if(NOT Python3_Interpreter_FOUND)
        list(APPEND missing python3)
    endif()
    if(missing)
        set(msg "squall: the wasm guests need clang (--target=wasm32), wasm-ld (Debian lld) and wabt's wasm2c and wasm-rt.h (Debian wabt; make deps installs them); not found: ${missing}")
        if(SQUALL_WASM STREQUAL "ON")
            message(FATAL_ERROR "${msg}")
        endif()
        message(STATUS "${msg}: the wasm guests are not built")
    else()
        set(SQUALL_WASM_ENABLED ON)
        execute_process(COMMAND ${SQUALL_WASM2C} --version OUTPUT_VARIABLE wabt_version
                        OUTPUT_STRIP_TRAILING_WHITESPACE)
        message(STATUS "squall: wasm guests with ${SQUALL_WASM_CLANG}, ${SQUALL_WASM_LD} and wasm2c ${wabt_version}")
    endif()
endif()

if(SQUALL_WASM_ENABLED AND NOT TARGET squall_wasm_rt)
    # The runtime: freestanding, bounds checks instead of signals.
    add_library(squall_wasm_rt STATIC ${SQUALL_WASM_ROOT}/src/wasm/wasm_rt.c)
    target_include_directories(squall_wasm_rt PUBLIC ${SQUALL_WASM_ROOT}/src/wasm
                               ${SQUALL_WASM_RT_INCLUDE})
    target_compile_definitions(squall_wasm_rt PUBLIC WASM_RT_MEMCHECK_SIGNAL_HANDLER=0 NDEBUG)
    # libm: wasm2c's output calls floorf, sqrt, ... (inlined away at -O2,
    # not at -O0).
    target_link_libraries(squall_wasm_rt PUBLIC squall m)
    set_target_properties(squall_wasm_rt PROPERTIES C_STANDARD 11 C_STANDARD_REQUIRED ON
                          C_EXTENSIONS OFF)
    target_compile_options(squall_wasm_rt PRIVATE -Wall -Wextra -Werror -pedantic)
endif()

# squall_wasm_module(name source outdir): outdir/name.wasm. One page of
# linear memory, an 8 KiB shadow stack.
function(squall_wasm_module name source outdir)
    add_custom_command(
        OUTPUT ${outdir}/${name}.wasm
        COMMAND ${SQUALL_WASM_CLANG} --target=wasm32 -O2 -std=c11 -nostdlib -ffreestanding
                -Wall -Wextra -Werror -pedantic -I${SQUALL_WASM_ROOT}/include
                -Wl,--no-entry -Wl,-z,stack-size=8192
                -Wl,--initial-memory=65536 -Wl,--max-memory=65536
                -fuse-ld=${SQUALL_WASM_LD} -o ${outdir}/${name}.wasm ${source}
        DEPENDS ${source} ${SQUALL_WASM_ROOT}/include/squall/wasm_guest.h
        COMMENT "clang --target=wasm32 ${name}.wasm")
endfunction()

# squall_wasm_guest(name source outdir): outdir/name.wasm (from C, or from
# WAT by wat2wasm when source ends in .wat) and its wasm2c translation
# outdir/name_w2c.c / .h.
function(squall_wasm_guest name source outdir)
    if(source MATCHES "\\.wat$")
        add_custom_command(
            OUTPUT ${outdir}/${name}.wasm
            COMMAND ${SQUALL_WAT2WASM} ${source} -o ${outdir}/${name}.wasm
            DEPENDS ${source}
            COMMENT "wat2wasm ${name}.wasm")
    else()
        squall_wasm_module(${name} ${source} ${outdir})
    endif()
    add_custom_command(
        OUTPUT ${outdir}/${name}_w2c.c ${outdir}/${name}_w2c.h
        COMMAND ${SQUALL_WASM2C} ${outdir}/${name}.wasm -n ${name} -o ${outdir}/${name}_w2c.c
        DEPENDS ${outdir}/${name}.wasm
        COMMENT "wasm2c ${name}.wasm")
    # Its own call-depth counter (src/wasm/wasm_host.h), and a depth that
    # fits the kernel threads' stacks.
    set_source_files_properties(${outdir}/${name}_w2c.c PROPERTIES
        COMPILE_DEFINITIONS "wasm_rt_call_stack_depth=sq_wasm_depth_${name};WASM_RT_MAX_CALL_STACK_DEPTH=200")
endfunction()

# squall_wasm_glue(outdir GUESTS g... TYPES fn:n=symbol... [CALLS ...]
# [RETURNS ...]): outdir/glue.c and glue.h for the guests linked into one
# image (CALLS and RETURNS: tools/wasm_glue.py's --call and --return).
function(squall_wasm_glue outdir)
    cmake_parse_arguments(arg "" "" "GUESTS;TYPES;CALLS;RETURNS" ${ARGN})
    set(headers "")
    foreach(g ${arg_GUESTS})
        list(APPEND headers ${outdir}/${g}_w2c.h)
    endforeach()
    set(types "")
    foreach(t ${arg_TYPES})
        list(APPEND types --type ${t})
    endforeach()
    foreach(c ${arg_CALLS})
        list(APPEND types --call ${c})
    endforeach()
    foreach(r ${arg_RETURNS})
        list(APPEND types --return ${r})
    endforeach()
    add_custom_command(
        OUTPUT ${outdir}/glue.c ${outdir}/glue.h
        COMMAND ${Python3_EXECUTABLE} ${SQUALL_WASM_ROOT}/tools/wasm_glue.py ${outdir}/glue.c
                ${headers} ${types}
        DEPENDS ${SQUALL_WASM_ROOT}/tools/wasm_glue.py ${headers}
        COMMENT "wasm_glue.py: glue for ${arg_GUESTS}")
endfunction()

# The examples' guests and glue in outdir (examples/wasm): sensor_sink's
# in outdir, wasm_call's in outdir/call.
function(squall_wasm_example_sources outdir)
    set(ex ${SQUALL_WASM_ROOT}/examples/wasm)
    foreach(g sensor sink rogue)
        squall_wasm_guest(${g} ${ex}/${g}.c ${outdir})
    endforeach()
    squall_wasm_glue(${outdir} GUESTS sensor sink rogue
                     TYPES open:0=reading_type consume:0=reading_type misbehave:0=reading_type)
    file(MAKE_DIRECTORY ${outdir}/call)
    squall_wasm_guest(squares ${ex}/squares.c ${outdir}/call)
    squall_wasm_glue(${outdir}/call GUESTS squares TYPES squares:0=u32_type)
    # wasm_pipeline's: tally calls filter (docs/WASM.md "Calls between guests").
    file(MAKE_DIRECTORY ${outdir}/pipe)
    foreach(g tally filter)
        squall_wasm_guest(${g} ${ex}/${g}.c ${outdir}/pipe)
    endforeach()
    squall_wasm_glue(${outdir}/pipe GUESTS tally filter
                     TYPES run:0=reading_type run:1=reading_type tally:0=summary_type
                     CALLS run=filter_run_export:ret:0=reading_type
                     RETURNS run=stream_result:0=reading_type tally=future_result:0=summary_type)
endfunction()

# The WAT scenarios (examples/wasm/wat; docs/WASM.md "WAT guests"), for the
# host and the Cortex-M images: each guest through wat2wasm, wasm2c and
# the glue, in outdir/<name> (one guest, run by wat_runner.c) or
# outdir/pair/<name> (a caller and a callee, run by wat_pair.c). Sets, in
# the caller's scope, SQUALL_WAT_SCENARIOS (wat_<name>, wat_pair_<name>)
# and for each scenario s: SQUALL_WAT_RUNNER_s, SQUALL_WAT_SOURCES_s (the
# glue and wasm2c's C), SQUALL_WAT_DIR_s (their include directory),
# SQUALL_WAT_DEFS_s (compile definitions) and SQUALL_WAT_PASS_s (the
# regular expression its output matches when it passes).
function(squall_wasm_wat_sources outdir)
    set(ex ${SQUALL_WASM_ROOT}/examples/wasm)
    # One guest: its export `run` checks the scenario and returns 0; the
    # glue's element types (--type) and, for a scenario that ends in a
    # trap of the built-ins, its reason.
    set(types_handles f:0=elem_unit g:0=elem_u32)
    set(types_accumulate f:0=elem_u8)
    set(types_cancel f:0=elem_u8)
    set(types_dropped f:0=elem_u8)
    set(types_future g:0=elem_u32)
    set(types_poll f:0=elem_u8)
    set(types_trap_done g:0=elem_u32)
    set(trap_trap_done SQ_P3_TRAP_DONE)
    set(types_drop_busy f:0=elem_u8)
    set(trap_drop_busy SQ_P3_TRAP_BUSY)
    set(types_sync_in_set f:0=elem_u8)
    set(trap_sync_in_set SQ_P3_TRAP_SYNC_IN_SET)
    set(types_unwritten g:0=elem_u32)
    set(trap_unwritten SQ_P3_TRAP_FUTURE_UNWRITTEN)
    set(types_same_instance f:0=elem_record)
    set(trap_same_instance SQ_P3_TRAP_SAME_INSTANCE)
    set(scenarios "")
    foreach(wat handles accumulate cancel dropped future poll trap_done drop_busy sync_in_set
            unwritten same_instance)
        set(dir ${outdir}/${wat})
        file(MAKE_DIRECTORY ${dir})
        squall_wasm_guest(${wat} ${ex}/wat/${wat}.wat ${dir})
        squall_wasm_glue(${dir} GUESTS ${wat} TYPES ${types_${wat}})
        set(s wat_${wat})
        list(APPEND scenarios ${s})
        set(SQUALL_WAT_RUNNER_${s} ${ex}/wat_runner.c PARENT_SCOPE)
        set(SQUALL_WAT_SOURCES_${s} ${dir}/glue.c ${dir}/${wat}_w2c.c PARENT_SCOPE)
        set(SQUALL_WAT_DIR_${s} ${dir} PARENT_SCOPE)
        set(defs WAT_MODULE=${wat})
        if(trap_${wat})
            list(APPEND defs WAT_EXPECT_TRAP=${trap_${wat}})
        endif()
        set(SQUALL_WAT_DEFS_${s} ${defs} PARENT_SCOPE)
        set(SQUALL_WAT_PASS_${s} "^${wat}: (ok|trapped [0-9]+ as expected)\n$" PARENT_SCOPE)
    endforeach()
    # Two guests: wat/pair/<name>_caller.wat calls <name>_callee.wat's f
    # through the control plane; `stream`'s f takes a stream<u8> (its end
    # moved by the glue).
    set(flags_stream TYPES f:0=elem_u8 CALLS f=callee_f:ret:0=elem_u8)
    set(defs_stream WAT_PAIR_STREAM)
    foreach(pair cancel event queued stream)
        set(dir ${outdir}/pair/${pair})
        file(MAKE_DIRECTORY ${dir})
        foreach(side caller callee)
            squall_wasm_guest(${side} ${ex}/wat/pair/${pair}_${side}.wat ${dir})
        endforeach()
        if(NOT flags_${pair})
            set(flags_${pair} CALLS f=callee_f:ret)
        endif()
        squall_wasm_glue(${dir} GUESTS caller callee ${flags_${pair}} RETURNS f=callee_result)
        set(s wat_pair_${pair})
        list(APPEND scenarios ${s})
        set(SQUALL_WAT_RUNNER_${s} ${ex}/wat_pair.c PARENT_SCOPE)
        set(SQUALL_WAT_SOURCES_${s} ${dir}/glue.c ${dir}/caller_w2c.c ${dir}/callee_w2c.c
            PARENT_SCOPE)
        set(SQUALL_WAT_DIR_${s} ${dir} PARENT_SCOPE)
        set(SQUALL_WAT_DEFS_${s} WAT_PAIR=${pair} ${defs_${pair}} PARENT_SCOPE)
        set(SQUALL_WAT_PASS_${s} "^${pair}: ok\n$" PARENT_SCOPE)
    endforeach()
    set(SQUALL_WAT_SCENARIOS ${scenarios} PARENT_SCOPE)
endfunction()
