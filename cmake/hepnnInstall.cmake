# Install rules and the CMake package: find_package(hepnn) gives hepnn::hepnn.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(HEPNN_CONFIG_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/hepnn)

install(TARGETS hepnn EXPORT hepnnTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/hepnn DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(FILES ${HEPNN_GENERATED_INCLUDE_DIR}/hepnn/version.hpp DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/hepnn)
install(EXPORT hepnnTargets NAMESPACE hepnn:: DESTINATION ${HEPNN_CONFIG_DIR})

configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/hepnnConfig.cmake.in
  ${PROJECT_BINARY_DIR}/hepnnConfig.cmake
  INSTALL_DESTINATION ${HEPNN_CONFIG_DIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/hepnnConfigVersion.cmake
  COMPATIBILITY SameMajorVersion)
install(FILES ${PROJECT_BINARY_DIR}/hepnnConfig.cmake ${PROJECT_BINARY_DIR}/hepnnConfigVersion.cmake
  DESTINATION ${HEPNN_CONFIG_DIR})
