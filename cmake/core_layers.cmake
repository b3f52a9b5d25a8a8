# One static library per core layer (core/<layer>/), named ionos_core_<layer>, so that the compiler
# itself refuses an include that the layer's README.md forbids.
#
# Each core/<layer>/README.md has a "May include:" line naming the other layers (core/<name>) its
# files may include; tools/check_layers.py reads the same line (ctest core_layering) and stays the
# readable check. Here the line becomes:
#   - the layer's link dependencies (ionos_core_<dep> for every allowed layer), and
#   - the layer's include tree: ${CMAKE_BINARY_DIR}/layer_include/<layer>/core/ holds a symbolic
#     link to this layer, to every allowed layer, and to every layer that the allowed layers'
#     headers include (a header must compile wherever it is included). The layer is compiled with
#     that tree as its only project include directory, never the source root, so `#include
#     "core/store/store.h"` in a layer that may not include core/store fails with "No such file".
# The layers carry no include directory of their own for their users: ionos_core (an interface
# target linking every layer, with the source root as include directory) is what plugin/ and
# tests/ link, as before.
#
# Inputs:  IONOS_CORE_EXTERNAL_LIBS  libraries every layer may use (OpenSSL, SQLite, ...)
#          IONOS_WARNINGS            compile options
# Outputs: IONOS_CORE_LAYERS         the layer names, and the targets named above.

function(_ionos_layer_readme_deps layer out)
  set(readme ${CMAKE_SOURCE_DIR}/core/${layer}/README.md)
  if(NOT EXISTS ${readme})
    message(FATAL_ERROR "core/${layer} has no README.md with a 'May include:' line")
  endif()
  file(STRINGS ${readme} line REGEX "^May include:")
  if(NOT line)
    message(FATAL_ERROR "core/${layer}/README.md has no 'May include:' line")
  endif()
  string(REGEX MATCHALL "core/[a-z_]+" refs "${line}")
  set(deps)
  foreach(ref ${refs})
    string(REPLACE "core/" "" dep "${ref}")
    if(NOT dep STREQUAL layer)
      list(APPEND deps ${dep})
    endif()
  endforeach()
  list(REMOVE_DUPLICATES deps)
  set(${out} ${deps} PARENT_SCOPE)
endfunction()

# The other layers that a layer's headers include (what its users must be able to see).
function(_ionos_layer_header_deps layer out)
  file(GLOB headers ${CMAKE_SOURCE_DIR}/core/${layer}/*.h)
  set(deps)
  foreach(h ${headers})
    file(STRINGS ${h} lines REGEX "^[ \t]*#[ \t]*include[ \t]+\"core/[a-z_]+/")
    foreach(l ${lines})
      string(REGEX REPLACE "^[ \t]*#[ \t]*include[ \t]+\"core/([a-z_]+)/.*" "\\1" dep "${l}")
      if(NOT dep STREQUAL layer)
        list(APPEND deps ${dep})
      endif()
    endforeach()
  endforeach()
  if(deps)
    list(REMOVE_DUPLICATES deps)
  endif()
  set(${out} ${deps} PARENT_SCOPE)
endfunction()

file(GLOB _ionos_core_entries LIST_DIRECTORIES true ${CMAKE_SOURCE_DIR}/core/*)
set(IONOS_CORE_LAYERS)
foreach(entry ${_ionos_core_entries})
  if(IS_DIRECTORY ${entry})
    get_filename_component(layer ${entry} NAME)
    list(APPEND IONOS_CORE_LAYERS ${layer})
    _ionos_layer_readme_deps(${layer} deps)
    set(_ionos_allowed_${layer} ${deps})
    _ionos_layer_header_deps(${layer} hdeps)
    set(_ionos_header_deps_${layer} ${hdeps})
  endif()
endforeach()
# Re-run the configuration when a README's "May include:" line or a header's includes change.
file(GLOB _ionos_layer_inputs CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/core/*/README.md ${CMAKE_SOURCE_DIR}/core/*/*.h)
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${_ionos_layer_inputs})

# What the headers of a layer drag in, transitively.
function(_ionos_header_closure layer out)
  set(seen)
  set(todo ${_ionos_header_deps_${layer}})
  while(todo)
    list(POP_FRONT todo next)
    if(NOT next IN_LIST seen)
      list(APPEND seen ${next})
      list(APPEND todo ${_ionos_header_deps_${next}})
    endif()
  endwhile()
  set(${out} ${seen} PARENT_SCOPE)
endfunction()

set(IONOS_LAYER_INCLUDE_ROOT ${CMAKE_BINARY_DIR}/layer_include)
foreach(layer ${IONOS_CORE_LAYERS})
  foreach(dep ${_ionos_allowed_${layer}})
    if(NOT dep IN_LIST IONOS_CORE_LAYERS)
      message(FATAL_ERROR "core/${layer}/README.md allows core/${dep}, which does not exist")
    endif()
  endforeach()
  set(visible ${layer} ${_ionos_allowed_${layer}})
  foreach(dep ${_ionos_allowed_${layer}})
    _ionos_header_closure(${dep} closure)
    list(APPEND visible ${closure})
  endforeach()
  list(REMOVE_DUPLICATES visible)

  set(tree ${IONOS_LAYER_INCLUDE_ROOT}/${layer})
  file(REMOVE_RECURSE ${tree})
  file(MAKE_DIRECTORY ${tree}/core)
  foreach(v ${visible})
    file(CREATE_LINK ${CMAKE_SOURCE_DIR}/core/${v} ${tree}/core/${v} SYMBOLIC)
  endforeach()

  file(GLOB sources CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/core/${layer}/*.cc)
  if(sources)
    add_library(ionos_core_${layer} STATIC ${sources})
    target_include_directories(ionos_core_${layer} PRIVATE ${tree})
    target_compile_options(ionos_core_${layer} PRIVATE ${IONOS_WARNINGS})
  else()
    add_library(ionos_core_${layer} INTERFACE)
  endif()
  set_property(TARGET ionos_core_${layer} PROPERTY IONOS_LAYER_INCLUDE_TREE ${tree})
endforeach()
# Link dependencies in a second pass, once every layer's target exists.
foreach(layer ${IONOS_CORE_LAYERS})
  get_target_property(kind ionos_core_${layer} TYPE)
  set(scope PUBLIC)
  if(kind STREQUAL "INTERFACE_LIBRARY")
    set(scope INTERFACE)
  endif()
  set(dep_targets)
  foreach(dep ${_ionos_allowed_${layer}})
    list(APPEND dep_targets ionos_core_${dep})
  endforeach()
  target_link_libraries(ionos_core_${layer} ${scope} ${dep_targets} ${IONOS_CORE_EXTERNAL_LIBS})
endforeach()

# What plugin/ and tests/ link: every layer, and the source root to include from.
add_library(ionos_core INTERFACE)
target_include_directories(ionos_core INTERFACE ${CMAKE_SOURCE_DIR})
foreach(layer ${IONOS_CORE_LAYERS})
  target_link_libraries(ionos_core INTERFACE ionos_core_${layer})
endforeach()
