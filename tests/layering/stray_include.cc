// Compiled with core/acme's include tree (cmake/core_layers.cmake) by the ctest test
// core_layering_compiler_refuses_a_stray_include: core/acme/README.md does not allow core/store, so
// this include must not compile. The test passes only on the compiler's "not found" for this header.
#include "core/store/store.h"
