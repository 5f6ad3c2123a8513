# Packaging (issue 5): one library, libwrit, holding the C++ API
# (include/writ/*.h) and the C API (writ/writ.h), as a shared and a static
# library; the headers; the writ CLI; a CMake package
#   find_package(writ CONFIG REQUIRED)  ->  writ::writ (shared)
#                                           writ::writ_static
# and a pkg-config file (writ.pc, relocatable).
#
# libwrit is assembled from the objects of the pipeline stages, the Engine
# and the C API, so the stage libraries stay an internal build detail.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(writ_packaged_parts
  writ_internal writ_parse writ_check writ_io writ_compile writ_eval
  writ_explain writ_api writ_engine writ_capi)
set(writ_packaged_objects)
foreach(part ${writ_packaged_parts})
  if(TARGET ${part})
    get_target_property(part_type ${part} TYPE)
    if(part_type STREQUAL "STATIC_LIBRARY")
      list(APPEND writ_packaged_objects $<TARGET_OBJECTS:${part}>)
    endif()
  endif()
endforeach()

# What the public headers themselves need (absl::Status, string_view, ...).
set(writ_public_deps absl::status absl::statusor absl::strings
    absl::synchronization absl::time Threads::Threads)
# What only the implementation needs.
set(writ_private_deps PkgConfig::RE2 simdjson::simdjson OpenSSL::Crypto
    absl::flat_hash_map absl::flat_hash_set absl::str_format)

add_library(writ_shared SHARED ${writ_packaged_objects})
add_library(writ_static STATIC ${writ_packaged_objects})
foreach(library writ_shared writ_static)
  set_target_properties(${library} PROPERTIES OUTPUT_NAME writ)
  target_include_directories(${library} PUBLIC
    $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include>
    $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
  target_link_libraries(${library} PUBLIC ${writ_public_deps})
endforeach()
set_target_properties(writ_shared PROPERTIES
  EXPORT_NAME writ
  VERSION ${PROJECT_VERSION}
  SOVERSION ${PROJECT_VERSION_MAJOR}.${PROJECT_VERSION_MINOR})
target_link_libraries(writ_shared PRIVATE ${writ_private_deps})
set_target_properties(writ_static PROPERTIES EXPORT_NAME writ_static)
target_link_libraries(writ_static PUBLIC ${writ_private_deps})

install(TARGETS writ_shared writ_static EXPORT writTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(TARGETS writ_cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
foreach(header policy.h request.h decision.h diagnostic.h engine.h
               decision_log.h writ.h)
  install(FILES ${PROJECT_SOURCE_DIR}/include/writ/${header}
          DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/writ)
endforeach()

set(writ_cmake_dir ${CMAKE_INSTALL_LIBDIR}/cmake/writ)
install(EXPORT writTargets NAMESPACE writ:: DESTINATION ${writ_cmake_dir})
configure_package_config_file(
  ${PROJECT_SOURCE_DIR}/cmake/writConfig.cmake.in
  ${PROJECT_BINARY_DIR}/writConfig.cmake
  INSTALL_DESTINATION ${writ_cmake_dir})
write_basic_package_version_file(
  ${PROJECT_BINARY_DIR}/writConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/writConfig.cmake
              ${PROJECT_BINARY_DIR}/writConfigVersion.cmake
        DESTINATION ${writ_cmake_dir})

# The .pc file finds the prefix from its own location, so the installed
# tree can be moved (a temporary prefix, a container layer).
file(RELATIVE_PATH writ_pc_to_prefix
     /prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig /prefix)
configure_file(${PROJECT_SOURCE_DIR}/cmake/writ.pc.in
               ${PROJECT_BINARY_DIR}/writ.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/writ.pc
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
