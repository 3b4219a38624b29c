# Installs the build into a fresh prefix and checks what a user gets there:
# the installed hepnn runs with a clean environment (its RPATH finds
# libhepnn), still runs after the prefix is moved, and a program built with
# pkg-config --cflags --libs hepnn compiles, links and runs.
# Arguments: -DBUILD_DIR=... -DSOURCE_DIR=... -DWORK_DIR=... -DBINDIR=... -DLIBDIR=...
#            -DVERSION=... -DCXX=... -DPKG_CONFIG=... -DENV=... -DSHARED=ON|OFF [-DLDD=...]
file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")
set(prefix "${WORK_DIR}/prefix")
set(moved "${WORK_DIR}/moved-prefix")

execute_process(COMMAND ${CMAKE_COMMAND} --install "${BUILD_DIR}" --prefix "${prefix}"
                RESULT_VARIABLE rc OUTPUT_QUIET)
if(rc)
  message(FATAL_ERROR "install failed: ${rc}")
endif()

# Runs a program with an empty environment (no LD_LIBRARY_PATH, no PATH).
function(run_clean expected)
  execute_process(COMMAND "${ENV}" -i ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  list(JOIN ARGN " " command)
  if(rc OR NOT out STREQUAL expected)
    message(FATAL_ERROR "${command}: exit status ${rc}\nstdout: ${out}\nstderr: ${err}\nexpected stdout: ${expected}")
  endif()
  message(STATUS "ok: ${command}: ${out}")
endfunction()

# libhepnn must come from the prefix the tool is in, not from the build tree.
function(check_library_from dir)
  if(NOT LDD OR NOT SHARED)
    return()
  endif()
  execute_process(COMMAND "${ENV}" -i "${LDD}" "${dir}/${BINDIR}/hepnn" RESULT_VARIABLE rc OUTPUT_VARIABLE out)
  string(REGEX MATCH "libhepnn\\.so[^\n]*=> ([^ \n]*)" line "${out}")
  file(REAL_PATH "${dir}/${LIBDIR}" want)
  set(got "")
  if(CMAKE_MATCH_1)
    file(REAL_PATH "${CMAKE_MATCH_1}" got)
    get_filename_component(got "${got}" DIRECTORY)
  endif()
  if(rc OR NOT got STREQUAL want)
    message(FATAL_ERROR "the installed hepnn does not load libhepnn from ${want}:\n${out}")
  endif()
endfunction()

run_clean("hepnn ${VERSION}\n" "${prefix}/${BINDIR}/hepnn" --version)
check_library_from("${prefix}")

file(RENAME "${prefix}" "${moved}")
run_clean("hepnn ${VERSION}\n" "${moved}/${BINDIR}/hepnn" --version)
check_library_from("${moved}")

# pkg-config from the moved prefix: the .pc file's paths follow it.
set(ENV{PKG_CONFIG_PATH} "${moved}/${LIBDIR}/pkgconfig")
set(pc_args --cflags --libs)
if(NOT SHARED)
  list(APPEND pc_args --static)
endif()
execute_process(COMMAND "${PKG_CONFIG}" --modversion hepnn RESULT_VARIABLE rc OUTPUT_VARIABLE modversion
                OUTPUT_STRIP_TRAILING_WHITESPACE)
if(rc OR NOT modversion STREQUAL VERSION)
  message(FATAL_ERROR "pkg-config --modversion hepnn: status ${rc}, '${modversion}', expected '${VERSION}'")
endif()
execute_process(COMMAND "${PKG_CONFIG}" ${pc_args} hepnn RESULT_VARIABLE rc OUTPUT_VARIABLE flags
                OUTPUT_STRIP_TRAILING_WHITESPACE)
if(rc)
  message(FATAL_ERROR "pkg-config ${pc_args} hepnn failed: ${rc}")
endif()
list(JOIN pc_args " " pc_args_text)
message(STATUS "pkg-config ${pc_args_text} hepnn: ${flags}")
separate_arguments(flags UNIX_COMMAND "${flags}")
execute_process(COMMAND "${CXX}" -std=c++20 -Wall -Wextra -o "${WORK_DIR}/pkgconfig-consumer"
                        "${SOURCE_DIR}/pkgconfig/main.cpp" ${flags} "-Wl,-rpath,${moved}/${LIBDIR}"
                RESULT_VARIABLE rc)
if(rc)
  message(FATAL_ERROR "building the pkg-config consumer failed: ${rc}")
endif()
execute_process(COMMAND "${ENV}" -i "${WORK_DIR}/pkgconfig-consumer" RESULT_VARIABLE rc OUTPUT_VARIABLE out)
if(rc OR NOT out MATCHES "^pkg-config consumer: hepnn ${VERSION}, .*: ok\n$")
  message(FATAL_ERROR "the pkg-config consumer failed: ${rc}\n${out}")
endif()
message(STATUS "${out}")
