# The Python module `hepnn` (python/), built with pybind11 against Debian's
# /usr/bin/python3 (the python3 first on PATH may be another installation
# without python3-numpy & co.). HEPNN_PYTHON defaults to ON when that Python
# with its headers, pybind11 and numpy are found (and, when the tests are
# built, pytest, h5py and dask.distributed, which the Python tests use).
#
# Off in the sanitizer and fuzzing builds: an extension module built with
# ASan can only be loaded into a python3 started with libasan in LD_PRELOAD
# (the interpreter itself is not instrumented), which the tests would then
# have to arrange; the C++ suite covers the same library code under ASan.
# The ThreadSanitizer build makes only the concurrency test.

if(HEPNN_SANITIZE OR HEPNN_FUZZ OR HEPNN_TSAN)
  set(HEPNN_PYTHON OFF CACHE BOOL "Build the Python module (python/)" FORCE)
  message(STATUS "hepnn: Python module off in the sanitizer/fuzzing/tsan build")
  return()
endif()

if(NOT DEFINED Python3_EXECUTABLE AND EXISTS /usr/bin/python3)
  set(Python3_EXECUTABLE /usr/bin/python3 CACHE FILEPATH "The Python the module is built for (Debian's by default)")
endif()

set(_hepnn_python_default OFF)
set(_hepnn_python_missing "")
find_package(Python3 3.8 QUIET COMPONENTS Interpreter Development.Module)
if(Python3_FOUND)
  set(PYBIND11_FINDPYTHON ON)
  find_package(pybind11 2.6 CONFIG QUIET)
  if(NOT pybind11_FOUND)
    list(APPEND _hepnn_python_missing "pybind11 (pybind11-dev)")
  endif()
  set(_hepnn_py_modules numpy)
  if(HEPNN_BUILD_TESTS)
    list(APPEND _hepnn_py_modules pytest h5py distributed)
  endif()
  foreach(mod IN LISTS _hepnn_py_modules)
    execute_process(COMMAND ${Python3_EXECUTABLE} -c "import ${mod}" RESULT_VARIABLE _rc OUTPUT_QUIET ERROR_QUIET)
    if(NOT _rc EQUAL 0)
      list(APPEND _hepnn_python_missing "the Python module ${mod} (python3-${mod})")
    endif()
  endforeach()
  if(NOT _hepnn_python_missing)
    set(_hepnn_python_default ON)
  endif()
else()
  list(APPEND _hepnn_python_missing "Python 3 with its headers (python3-dev)")
endif()

option(HEPNN_PYTHON "Build the Python module (python/)" ${_hepnn_python_default})
if(NOT HEPNN_PYTHON)
  if(_hepnn_python_missing)
    list(JOIN _hepnn_python_missing ", " _m)
    message(STATUS "hepnn: Python module off (missing: ${_m})")
  endif()
  return()
endif()
if(_hepnn_python_missing)
  list(JOIN _hepnn_python_missing ", " _m)
  message(FATAL_ERROR "HEPNN_PYTHON is ON but this is missing: ${_m}")
endif()
message(STATUS "hepnn: Python module for ${Python3_EXECUTABLE} (${Python3_VERSION}), pybind11 ${pybind11_VERSION}")

# Debian's layout: <prefix>/lib/python3/dist-packages (not the multiarch libdir)
set(HEPNN_PYTHON_INSTALL_DIR "lib/python3/dist-packages" CACHE PATH
    "Where cmake --install puts the Python package (relative to the prefix)")
add_subdirectory(python)
