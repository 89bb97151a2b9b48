# cmake --install for squall (included by CMakeLists.txt when
# SQUALL_INSTALL): the public headers and the configured port's, libsquall.a,
# the CMake package (find_package(squall [COMPONENTS host|cortex-m]): the
# imported target squall::squall with its include directory, the
# configuration's compile definitions and, on the host, Threads) and a
# pkg-config file, squall.pc, saying the same. One prefix holds one build:
# one port, one configuration (a cross build installs into a prefix of its
# own).
include(CMakePackageConfigHelpers)

set(squall_cmake_dir ${CMAKE_INSTALL_LIBDIR}/cmake/squall)
install(TARGETS squall EXPORT squallTargets ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
# squall_ffi.h describes libsquall.so, which is not installed.
install(DIRECTORY include/squall DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
        PATTERN squall_ffi.h EXCLUDE)
if(IS_DIRECTORY ${CMAKE_CURRENT_SOURCE_DIR}/port/${SQUALL_PORT}/include)
    install(DIRECTORY port/${SQUALL_PORT}/include/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
endif()
install(EXPORT squallTargets NAMESPACE squall:: DESTINATION ${squall_cmake_dir})

configure_package_config_file(cmake/squallConfig.cmake.in
    ${CMAKE_CURRENT_BINARY_DIR}/squallConfig.cmake INSTALL_DESTINATION ${squall_cmake_dir})
# 0.x: a minor release may change the interface. The pointer size is
# checked too, so a host project does not take a Cortex-M install.
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/squallConfigVersion.cmake
    COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/squallConfig.cmake
              ${CMAKE_CURRENT_BINARY_DIR}/squallConfigVersion.cmake
        DESTINATION ${squall_cmake_dir})

# squall.pc, relocatable: its prefix is found from where it lies.
set(pc_dir ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
if(IS_ABSOLUTE "${pc_dir}")
    set(pc_prefix "${CMAKE_INSTALL_PREFIX}")
else()
    string(REGEX REPLACE "[^/]+" ".." pc_up "${pc_dir}")
    set(pc_prefix "\${pcfiledir}/${pc_up}")
endif()
foreach(dir LIBDIR INCLUDEDIR)
    if(IS_ABSOLUTE "${CMAKE_INSTALL_${dir}}")
        set(pc_${dir} "${CMAKE_INSTALL_${dir}}")
    else()
        set(pc_${dir} "\${prefix}/${CMAKE_INSTALL_${dir}}")
    endif()
endforeach()
list(TRANSFORM SQUALL_CONFIG_DEFINES PREPEND -D OUTPUT_VARIABLE pc_defines)
string(JOIN " " pc_cflags -I\${includedir} ${pc_defines})
set(pc_libs -L\${libdir} -lsquall)
if(SQUALL_PORT STREQUAL "host")
    list(APPEND pc_libs ${CMAKE_THREAD_LIBS_INIT})
endif()
string(JOIN " " pc_libs ${pc_libs})
configure_file(cmake/squall.pc.in ${CMAKE_CURRENT_BINARY_DIR}/squall.pc @ONLY)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/squall.pc DESTINATION ${pc_dir})
