#include "plugin/diagnostics.h"

namespace ionos::tf {

std::string AttributePath::ToString() const {
  std::string out;
  for (const auto& s : steps) {
    switch (s.kind) {
      case PathStep::Kind::kAttribute:
        if (!out.empty()) out += ".";
        out += s.name;
        break;
      case PathStep::Kind::kKey:
        out += "[\"" + s.name + "\"]";
        break;
      case PathStep::Kind::kIndex:
        out += "[" + std::to_string(s.index) + "]";
        break;
    }
  }
  return out;
}

}  // namespace ionos::tf
