# Fails when a file of a lower layer of core/ includes a layer above it. The layers, bottom up:
# util/, parallel/ and kernels/; tensor/ (data, storage, shape: the Tensor header declares the
# op and autograd methods, whose definitions live in the layers above); autograd/ (the graph
# every op family records its history with); then ops/, nn/ and the rest. An include upwards
# would close a circle.
# Run by ctest: cmake -DCORE=<source>/core -P check_layering.cmake
cmake_minimum_required(VERSION 3.20)
set(violations "")
function(check_layer layer)
  set(allowed ${ARGN})
  file(GLOB files ${CORE}/${layer}/*)
  if(NOT files)
    message(FATAL_ERROR "no files under ${CORE}/${layer}")
  endif()
  foreach(file ${files})
    file(STRINGS ${file} includes REGEX "^[ \t]*#[ \t]*include[ \t]*\"")
    foreach(line ${includes})
      string(REGEX REPLACE "^[ \t]*#[ \t]*include[ \t]*\"([^\"/]*)/?.*$" "\\1" top "${line}")
      if(NOT top IN_LIST allowed)
        file(RELATIVE_PATH name ${CORE} ${file})
        string(APPEND violations "\n  core/${name}: ${line} (core/${layer}/ may include only ${allowed})")
      endif()
    endforeach()
  endforeach()
  set(violations "${violations}" PARENT_SCOPE)
  message(STATUS "core/${layer}/ includes only: ${allowed}")
endfunction()
check_layer(tensor tensor kernels parallel util)
check_layer(autograd autograd tensor kernels parallel util)
if(violations)
  message(FATAL_ERROR "a layer of core/ includes a layer above it:${violations}")
endif()
