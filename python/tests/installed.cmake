# Installs the build into a fresh prefix and imports the installed package
# with a clean environment: it must be under <prefix>/lib/python3/dist-packages
# and find libhepnn through its RPATH, also after the prefix is moved.
# Arguments: -DBUILD_DIR=... -DWORK_DIR=... -DPYTHON=... -DPYDIR=... -DENV=... -DNETWORK=...
file(REMOVE_RECURSE "${WORK_DIR}")
execute_process(COMMAND ${CMAKE_COMMAND} --install "${BUILD_DIR}" --prefix "${WORK_DIR}/prefix"
                RESULT_VARIABLE rc OUTPUT_QUIET)
if(rc)
  message(FATAL_ERROR "install failed: ${rc}")
endif()
file(RENAME "${WORK_DIR}/prefix" "${WORK_DIR}/moved")
set(code "import hepnn; n = hepnn.Network('${NETWORK}'); print(hepnn.__file__, list(n.outputs))")
# run from WORK_DIR: python -c puts the current directory first on sys.path
execute_process(COMMAND "${ENV}" -i "PYTHONPATH=${WORK_DIR}/moved/${PYDIR}" "${PYTHON}" -c "${code}"
                WORKING_DIRECTORY "${WORK_DIR}" RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(rc OR NOT out MATCHES "^${WORK_DIR}/moved/${PYDIR}/hepnn/__init__.py \\['dense_6'\\]")
  message(FATAL_ERROR "import from the installed prefix: exit status ${rc}\nstdout: ${out}\nstderr: ${err}")
endif()
message(STATUS "ok: ${out}")
file(REMOVE_RECURSE "${WORK_DIR}")
