# The oneDNN boundary: the engine's public API (executor, weight slots) and the code built on it (campaign,
# CLI, report, cluster) must not see oneDNN, so a port to another oneDNN version stays inside src/engine/.
# Each file is run through the preprocessor (-M lists every header it pulls in, directly or not); the test
# fails naming each file that reaches a oneDNN header.
#   cmake -DCXX=<c++ compiler> -DSOURCE_DIR=<project root> -P test_onednn_boundary.cmake
cmake_minimum_required(VERSION 3.22)

set(src ${SOURCE_DIR}/src)
file(GLOB_RECURSE files ${src}/campaign/*.hpp ${src}/campaign/*.cpp ${src}/cli/*.hpp ${src}/cli/*.cpp
     ${src}/report/*.hpp ${src}/report/*.cpp ${src}/cluster/*.hpp ${src}/cluster/*.cpp)
list(APPEND files ${src}/engine/executor.hpp ${src}/engine/weight_slot.hpp ${src}/engine/weight_selection.hpp)
list(LENGTH files count)
if(count LESS 10)
  message(FATAL_ERROR "only ${count} files found under ${src}: wrong SOURCE_DIR?")
endif()

set(offenders "")
foreach(f ${files})
  # -MG: a header this check cannot find (e.g. a generated one) is listed rather than an error.
  execute_process(COMMAND ${CXX} -std=c++20 -x c++ -M -MG -I${src} -DONNX_ML=1 -DONNX_NAMESPACE=onnx -DFLIPGUARD_VERSION="0" ${f}
                  OUTPUT_VARIABLE deps ERROR_VARIABLE err RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "preprocessing ${f} failed:\n${err}")
  endif()
  string(REGEX MATCH "[^ \n\\\\]*(dnnl|oneapi)[^ \n\\\\]*" hit "${deps}")
  if(hit)
    string(APPEND offenders "\n  ${f} reaches ${hit}")
  endif()
endforeach()
if(offenders)
  message(FATAL_ERROR "oneDNN is visible outside the engine:${offenders}")
endif()
message(STATUS "${count} files checked: none sees oneDNN")
