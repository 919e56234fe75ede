# The libraries flipguard links, found the same way when flipguard is built and when an outside project uses
# the installed package (flipguardConfig.cmake includes this file), so the imported targets its libraries name
# exist in both.

include(CMakeFindDependencyMacro)
find_package(Threads REQUIRED)
find_package(ZLIB REQUIRED)
# SHA-256 of model and data files (src/hashing/): libcrypto only, not TLS.
find_package(OpenSSL REQUIRED COMPONENTS Crypto)
find_package(Protobuf REQUIRED)
find_package(OpenMP REQUIRED COMPONENTS CXX)
find_package(PkgConfig REQUIRED)
pkg_check_modules(TURBOJPEG REQUIRED IMPORTED_TARGET libturbojpeg)
# Debian's libonnx-dev: the generated protobuf classes (onnx/onnx_pb.h, ONNX_ML variant) in onnx_proto.
find_package(ONNX CONFIG REQUIRED)

# oneDNN. Its own CMake package (Debian's libdnnl-dev) insists on OpenCL, which flipguard does not use, so the
# library and headers are found directly. The operator code uses the 2.x API (operation descriptors such as
# convolution_forward::desc) that oneDNN 3 removed: any other major version is refused here, clearly, rather
# than failing deep inside src/engine/ (the one folder a port would touch).
if(NOT TARGET flipguard::dnnl)
  find_path(FLIPGUARD_DNNL_INCLUDE_DIR oneapi/dnnl/dnnl.hpp)
  find_library(FLIPGUARD_DNNL_LIBRARY dnnl)
  if(NOT FLIPGUARD_DNNL_INCLUDE_DIR OR NOT FLIPGUARD_DNNL_LIBRARY)
    message(FATAL_ERROR "flipguard needs oneDNN 2.x (Debian: apt install libdnnl-dev; scripts/setup does)")
  endif()
  file(STRINGS "${FLIPGUARD_DNNL_INCLUDE_DIR}/oneapi/dnnl/dnnl_version.h" _dnnl_major
       REGEX "#define DNNL_VERSION_MAJOR +[0-9]+")
  string(REGEX MATCH "[0-9]+$" FLIPGUARD_DNNL_VERSION_MAJOR "${_dnnl_major}")
  if(NOT FLIPGUARD_DNNL_VERSION_MAJOR STREQUAL "2")
    message(FATAL_ERROR
            "flipguard's engine is written for oneDNN 2.x, but ${FLIPGUARD_DNNL_INCLUDE_DIR} has oneDNN "
            "${FLIPGUARD_DNNL_VERSION_MAJOR}.x: oneDNN 3 removed the operation descriptors (e.g. "
            "convolution_forward::desc) that src/engine/ uses. Install oneDNN 2 (Debian 12: libdnnl-dev) or "
            "port src/engine/ to the 3.x primitive-descriptor API.")
  endif()
  add_library(flipguard::dnnl UNKNOWN IMPORTED)
  set_target_properties(flipguard::dnnl PROPERTIES IMPORTED_LOCATION "${FLIPGUARD_DNNL_LIBRARY}"
                                                   INTERFACE_INCLUDE_DIRECTORIES "${FLIPGUARD_DNNL_INCLUDE_DIR}")
endif()
