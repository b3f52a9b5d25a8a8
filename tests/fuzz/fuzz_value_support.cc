#include "tests/fuzz/fuzz_value_support.h"

#include <cstdio>
#include <cstdlib>
#include <map>
#include <set>
#include <string_view>

#include <nlohmann/json.hpp>

namespace ionos::tf {
// Generated from schemas/**/*.json (cmake/embed_schemas.cmake, into the fuzz build directory).
const std::map<std::string, std::string>& EmbeddedSchemaFiles();
}  // namespace ionos::tf

namespace ionos::tf::fuzz {
namespace {

// The object type of a schema block (schemas/*.json): attributes by their type JSON, nested
// blocks as object (nesting "single"), list or set of objects. Mirrors plugin/schema.cc, which is
// part of the gRPC layer the fuzz build leaves out.
Type BlockType(const nlohmann::json& block) {
  std::map<std::string, Type> attrs;
  if (auto it = block.find("attributes"); it != block.end() && it->is_array()) {
    for (const auto& a : *it) {
      Result<Type> t = Type::FromJson(a.value("type", nlohmann::json("dynamic")));
      FuzzCheck(t.ok(), "schema attribute type: " + t.status().ToString());
      attrs.emplace(a.value("name", ""), *t);
    }
  }
  if (auto it = block.find("blocks"); it != block.end() && it->is_array()) {
    for (const auto& b : *it) {
      const Type object = BlockType(b);
      const std::string nesting = b.value("nesting", "list");
      attrs.emplace(b.value("name", ""), nesting == "single" ? object
                                         : nesting == "set" ? Type::Set(object)
                                                            : Type::List(object));
    }
  }
  return Type::Object(std::move(attrs));
}

std::vector<Type> MakeFuzzTypes() {
  const Type x_object = Type::Object({{"x", Type::Number()}});
  const Type nested = Type::Object({{"a", Type::String()}, {"b", Type::List(x_object)}});
  // The order is part of the seed corpora's format: append, never reorder.
  std::vector<Type> types = {
      /* 0 */ Type::String(),
      /* 1 */ Type::Number(),
      /* 2 */ Type::Bool(),
      /* 3 */ Type::Dynamic(),
      /* 4 */ Type::List(Type::String()),
      /* 5 */ Type::Set(Type::Number()),
      /* 6 */ Type::Map(Type::Bool()),
      /* 7 */ Type::Tuple({Type::String(), Type::Number(), Type::Dynamic()}),
      /* 8 */
      Type::Object({{"id", Type::String()},
                    {"count", Type::Number()},
                    {"enabled", Type::Bool()},
                    {"names", Type::List(Type::String())},
                    {"ports", Type::Set(Type::Number())},
                    {"labels", Type::Map(Type::String())},
                    {"nested", nested},
                    {"pair", Type::Tuple({Type::String(), Type::Number()})},
                    {"dyn", Type::Dynamic()}},
                   {"labels"}),
      /* 9 */ Type::List(Type::Dynamic()),
      /* 10 */ Type::Set(Type::Dynamic()),
      /* 11 */ Type::Map(Type::Dynamic()),
      /* 12 */
      Type::Set(Type::Object({{"a", Type::String()}, {"b", Type::Set(Type::String())}, {"d", Type::Dynamic()}})),
      /* 13 */ Type::Map(Type::List(Type::Set(Type::Number()))),
      /* 14 */ Type::List(Type::List(Type::List(Type::String()))),
      /* 15 */ Type::Object({}),
      /* 16 */ Type::Tuple({}),
      /* 17 */ Type::Map(nested),
      /* 18 */ Type::List(Type::Tuple({Type::Dynamic(), Type::Set(Type::Bool())})),
      /* 19 */ Type::Object({{"dyn", Type::Dynamic()}, {"list", Type::List(Type::Dynamic())}}),
  };
  FuzzCheck(types.size() == kFixedFuzzTypes, "kFixedFuzzTypes is out of date");
  for (const auto& [path, text] : EmbeddedSchemaFiles()) {
    nlohmann::json schema = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    FuzzCheck(schema.is_object(), "schema " + path + " is not a JSON object");
    types.push_back(BlockType(schema));
  }
  return types;
}

bool IsUtf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t n = 0;
    unsigned char lo = 0x80;
    unsigned char hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) {
      n = 1;
    } else if (c >= 0xe0 && c <= 0xef) {
      n = 2;
      lo = c == 0xe0 ? 0xa0 : 0x80;
      hi = c == 0xed ? 0x9f : 0xbf;
    } else if (c >= 0xf0 && c <= 0xf4) {
      n = 3;
      lo = c == 0xf0 ? 0x90 : 0x80;
      hi = c == 0xf4 ? 0x8f : 0xbf;
    } else {
      return false;
    }
    if (s.size() - i <= n) {
      return false;
    }
    for (std::size_t k = 1; k <= n; ++k) {
      const auto b = static_cast<unsigned char>(s[i + k]);
      if (b < (k == 1 ? lo : 0x80) || b > (k == 1 ? hi : 0xbf)) {
        return false;
      }
    }
    i += n + 1;
  }
  return true;
}

}  // namespace

bool AllTextIsUtf8(const Value& value) {
  if (!value.is_known()) {
    return true;
  }
  if (value.type().kind() == TypeKind::kString) {
    return IsUtf8(value.as_string());
  }
  for (const Value& element : value.elements()) {
    if (!AllTextIsUtf8(element)) {
      return false;
    }
  }
  for (const auto& [key, entry] : value.entries()) {
    if (!IsUtf8(key) || !AllTextIsUtf8(entry)) {
      return false;
    }
  }
  return true;
}

void FuzzCheck(bool condition, const std::string& what) {
  if (!condition) {
    std::fprintf(stderr, "fuzz check failed: %s\n", what.c_str());
    std::abort();
  }
}

const std::vector<Type>& FuzzTypes() {
  static const std::vector<Type> types = MakeFuzzTypes();
  return types;
}

const Type& FuzzTypeFor(uint8_t selector) {
  const std::vector<Type>& types = FuzzTypes();
  return types[selector % types.size()];
}

bool EquivalentAfterRoundTrip(const Value& first, const Value& again, const Type& schema, std::string* why) {
  auto fail = [&](const std::string& what) {
    *why = what + ": " + first.DebugString() + " vs " + again.DebugString();
    return false;
  };
  if (schema.is_dynamic()) {
    if (!first.is_known() || !again.is_known()) {
      return first.state() == again.state() ? true : fail("state in a dynamic slot");
    }
    if (first.type() != again.type()) {
      return fail("type in a dynamic slot");
    }
    return EquivalentAfterRoundTrip(first, again, first.type(), why);
  }
  if (first.state() != again.state()) {
    return fail("state");
  }
  if (first.type() != again.type()) {
    return fail("type");
  }
  if (!first.is_known() || schema.is_primitive()) {
    return first == again ? true : fail("value");
  }
  switch (schema.kind()) {
    case TypeKind::kList:
    case TypeKind::kTuple: {
      const auto& a = first.elements();
      const auto& b = again.elements();
      if (a.size() != b.size()) {
        return fail("length");
      }
      for (std::size_t i = 0; i < a.size(); ++i) {
        const Type& element_type = schema.is_tuple() ? schema.tuple_elements()[i] : schema.element();
        if (!EquivalentAfterRoundTrip(a[i], b[i], element_type, why)) {
          *why = "[" + std::to_string(i) + "]" + *why;
          return false;
        }
      }
      return true;
    }
    case TypeKind::kSet:
      if (!schema.element().ContainsDynamic()) {
        return first == again ? true : fail("set");
      }
      return again.size() <= first.size() ? true : fail("set grew");
    case TypeKind::kMap:
    case TypeKind::kObject: {
      const auto& a = first.entries();
      const auto& b = again.entries();
      if (a.size() != b.size()) {
        return fail("entry count");
      }
      for (const auto& [key, value] : a) {
        auto it = b.find(key);
        if (it == b.end()) {
          return fail("missing key \"" + key + "\"");
        }
        const Type* entry_type = schema.is_object() ? schema.AttributeType(key) : &schema.element();
        if (entry_type == nullptr) {
          return fail("attribute \"" + key + "\" not in the schema");
        }
        if (!EquivalentAfterRoundTrip(value, it->second, *entry_type, why)) {
          *why = "[\"" + key + "\"]" + *why;
          return false;
        }
      }
      return true;
    }
    default:
      return first == again ? true : fail("value");
  }
}

}  // namespace ionos::tf::fuzz
