// Compiled with core/acme's include tree (cmake/core_layers.cmake) by the ctest test
// core_layering_compiler_allows_a_permitted_include: core/acme/README.md allows core/http, so this
// compiles. It shows that the refusal of stray_include.cc comes from the layering, not from a
// broken include tree.
#include "core/http/http.h"

namespace ionos::layering_probe {
int Probe() { return 0; }
}  // namespace ionos::layering_probe
