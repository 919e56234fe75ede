# `cmake --install build --prefix P`: the flipguard CLI, the libraries with the public headers, a CMake package
# (find_package(flipguard CONFIG REQUIRED); target flipguard::flipguard, dependencies found for the user) and a
# pkg-config file. Only the public API is installed: the headers listed below and what they include.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

# The stable API (docs/api.md): models, the executor, formats, faults, protections, data, campaigns, reports.
set(FLIPGUARD_PUBLIC_HEADERS
    flipguard.hpp
    model/onnx_loader.hpp model/passes.hpp
    engine/executor.hpp
    memory/format.hpp memory/stored_tensor.hpp
    faults/sampler.hpp
    protect/protected_tensor.hpp
    data/loading/batch_loader.hpp data/datasets/dataset_registry.hpp data/manifest/manifest_lookup.hpp
    metrics/topk.hpp
    evaluation/evaluate_set.hpp
    campaign/running/campaign_runner.hpp campaign/settings/settings.hpp campaign/running/layer_campaign.hpp
    campaign/planning/cell_summary.hpp
    report/report_writer.hpp report/results_reader.hpp
    platform/interrupt.hpp)

# The public headers and every project header they include, transitively (a header they reach is public too).
set(_todo ${FLIPGUARD_PUBLIC_HEADERS})
set(FLIPGUARD_INSTALLED_HEADERS "")
while(_todo)
  list(POP_FRONT _todo _header)
  if(_header IN_LIST FLIPGUARD_INSTALLED_HEADERS)
    continue()
  endif()
  set(_path ${PROJECT_SOURCE_DIR}/src/${_header})
  if(NOT EXISTS ${_path})
    message(FATAL_ERROR "public header src/${_header} does not exist")
  endif()
  list(APPEND FLIPGUARD_INSTALLED_HEADERS ${_header})
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${_path})
  file(STRINGS ${_path} _includes REGEX "^#include \"")
  foreach(_line ${_includes})
    string(REGEX REPLACE "^#include \"([^\"]+)\".*" "\\1" _included "${_line}")
    list(APPEND _todo ${_included})
  endforeach()
endwhile()
foreach(_header ${FLIPGUARD_INSTALLED_HEADERS})
  get_filename_component(_dir ${_header} DIRECTORY)
  install(FILES src/${_header} DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/flipguard/${_dir})
endforeach()

# The libraries in link order (each before what it uses), behind one target.
set(FLIPGUARD_EXPORTED flipguard_report flipguard_campaign_running flipguard_campaign_recipe flipguard_campaign_planning
                       flipguard_campaign_records flipguard_campaign_settings flipguard_fault_sites flipguard_evaluation flipguard_engine flipguard_model
                       flipguard_data flipguard_metrics flipguard_stats flipguard_protect flipguard_faults
                       flipguard_memory flipguard_hashing flipguard_platform)
add_library(flipguard_library INTERFACE)
set_target_properties(flipguard_library PROPERTIES EXPORT_NAME flipguard)
target_link_libraries(flipguard_library INTERFACE ${FLIPGUARD_EXPORTED})
# <flipguard/flipguard.hpp> from include/, and the headers' own "area/file.hpp" includes from include/flipguard/.
target_include_directories(flipguard_library INTERFACE $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
add_library(flipguard::flipguard ALIAS flipguard_library)

install(TARGETS flipguard RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(TARGETS flipguard_library flipguard_core ${FLIPGUARD_EXPORTED} EXPORT flipguardTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
set(FLIPGUARD_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/flipguard)
install(EXPORT flipguardTargets NAMESPACE flipguard:: DESTINATION ${FLIPGUARD_CMAKE_DIR})
configure_package_config_file(cmake/flipguardConfig.cmake.in ${CMAKE_BINARY_DIR}/flipguardConfig.cmake
                              INSTALL_DESTINATION ${FLIPGUARD_CMAKE_DIR})
write_basic_package_version_file(${CMAKE_BINARY_DIR}/flipguardConfigVersion.cmake COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_BINARY_DIR}/flipguardConfig.cmake ${CMAKE_BINARY_DIR}/flipguardConfigVersion.cmake
              cmake/flipguard-dependencies.cmake
        DESTINATION ${FLIPGUARD_CMAKE_DIR})

# pkg-config: static libraries, so every dependency is in Libs/Requires, not in the .private fields.
list(TRANSFORM FLIPGUARD_EXPORTED PREPEND "-l" OUTPUT_VARIABLE FLIPGUARD_PC_LIBS)
list(JOIN FLIPGUARD_PC_LIBS " " FLIPGUARD_PC_LIBS)
get_filename_component(FLIPGUARD_PC_DNNL_DIR ${FLIPGUARD_DNNL_LIBRARY} DIRECTORY)
configure_file(cmake/flipguard.pc.in ${CMAKE_BINARY_DIR}/flipguard.pc @ONLY)
install(FILES ${CMAKE_BINARY_DIR}/flipguard.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
