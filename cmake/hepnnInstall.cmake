# Install rules and the CMake package: find_package(hepnn) gives hepnn::hepnn.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(HEPNN_CONFIG_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/hepnn)

install(TARGETS hepnn_core hepnn_root hepnn EXPORT hepnnTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/hepnn DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(FILES ${HEPNN_GENERATED_INCLUDE_DIR}/hepnn/version.hpp DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/hepnn)
install(FILES ${PROJECT_SOURCE_DIR}/LICENSE ${PROJECT_SOURCE_DIR}/CHANGELOG.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(EXPORT hepnnTargets NAMESPACE hepnn:: DESTINATION ${HEPNN_CONFIG_DIR})

configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/hepnnConfig.cmake.in
  ${PROJECT_BINARY_DIR}/hepnnConfig.cmake
  INSTALL_DESTINATION ${HEPNN_CONFIG_DIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/hepnnConfigVersion.cmake
  COMPATIBILITY SameMajorVersion)
install(FILES ${PROJECT_BINARY_DIR}/hepnnConfig.cmake ${PROJECT_BINARY_DIR}/hepnnConfigVersion.cmake
  DESTINATION ${HEPNN_CONFIG_DIR})

# pkg-config: pkg-config --cflags --libs hepnn. With relative install
# directories the paths are written relative to ${pcfiledir}, so they follow
# the prefix given to cmake --install and a prefix that is moved later.
set(HEPNN_PKGCONFIG_DIR ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}" OR IS_ABSOLUTE "${CMAKE_INSTALL_INCLUDEDIR}")
  set(HEPNN_PC_PREFIX "${CMAKE_INSTALL_PREFIX}")
  set(HEPNN_PC_LIBDIR "${CMAKE_INSTALL_FULL_LIBDIR}")
  set(HEPNN_PC_INCLUDEDIR "${CMAKE_INSTALL_FULL_INCLUDEDIR}")
else()
  file(RELATIVE_PATH _hepnn_pc_to_prefix "${CMAKE_INSTALL_PREFIX}/${HEPNN_PKGCONFIG_DIR}" "${CMAKE_INSTALL_PREFIX}")
  string(REGEX REPLACE "/$" "" _hepnn_pc_to_prefix "${_hepnn_pc_to_prefix}")
  set(HEPNN_PC_PREFIX "\${pcfiledir}/${_hepnn_pc_to_prefix}")
  set(HEPNN_PC_LIBDIR "\${prefix}/${CMAKE_INSTALL_LIBDIR}")
  set(HEPNN_PC_INCLUDEDIR "\${prefix}/${CMAKE_INSTALL_INCLUDEDIR}")
endif()
# A static libhepnn needs its private dependencies on the link line.
if(HEPNN_SHARED)
  set(HEPNN_PC_REQUIRES_PRIVATE "")
else()
  set(HEPNN_PC_REQUIRES_PRIVATE "Requires.private: simdjson hdf5 libzip libdeflate yaml-cpp cairo zlib liblz4 libxxhash liblzma libzstd")
endif()
# hepnn.pc: everything; hepnn-core.pc: network files and the engine only
set(HEPNN_PC_NAME hepnn)
set(HEPNN_PC_LIBS "-lhepnn -lhepnn_root -lhepnn_core")
configure_file(${PROJECT_SOURCE_DIR}/cmake/hepnn.pc.in ${PROJECT_BINARY_DIR}/hepnn.pc @ONLY)
set(HEPNN_PC_NAME hepnn-core)
set(HEPNN_PC_LIBS "-lhepnn_core")
set(_hepnn_requires_private "${HEPNN_PC_REQUIRES_PRIVATE}")
if(NOT HEPNN_SHARED)
  set(HEPNN_PC_REQUIRES_PRIVATE "Requires.private: simdjson")
endif()
configure_file(${PROJECT_SOURCE_DIR}/cmake/hepnn.pc.in ${PROJECT_BINARY_DIR}/hepnn-core.pc @ONLY)
set(HEPNN_PC_REQUIRES_PRIVATE "${_hepnn_requires_private}")
install(FILES ${PROJECT_BINARY_DIR}/hepnn.pc ${PROJECT_BINARY_DIR}/hepnn-core.pc DESTINATION ${HEPNN_PKGCONFIG_DIR})
