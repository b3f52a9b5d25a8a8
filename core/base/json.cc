#include "core/base/json.h"

namespace ionos {

namespace {

using nlohmann::json;

// Whether the arrays and objects of `text` nest deeper than `max_depth` (brackets inside strings
// do not count). Text that is not JSON may pass; the parser refuses it afterwards.
bool NestsDeeperThan(std::string_view text, size_t max_depth) {
  size_t depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (const char c : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    switch (c) {
      case '"':
        in_string = true;
        break;
      case '[':
      case '{':
        if (++depth > max_depth) {
          return true;
        }
        break;
      case ']':
      case '}':
        if (depth > 0) {
          --depth;
        }
        break;
      default:
        break;
    }
  }
  return false;
}

}  // namespace

std::optional<json> ParseJson(std::string_view text, size_t max_depth) {
  if (NestsDeeperThan(text, max_depth)) {
    return std::nullopt;
  }
  try {
    json j = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded()) {
      return std::nullopt;
    }
    return j;
  } catch (const json::exception&) {  // allow_exceptions=false should leave none; be sure
    return std::nullopt;
  }
}

const json* JsonMember(const json& j, std::string_view key) {
  if (!j.is_object()) {
    return nullptr;
  }
  const auto it = j.find(key);
  return it == j.end() ? nullptr : &*it;
}

std::optional<std::string> JsonOptionalString(const json& j, std::string_view key) {
  const json* m = JsonMember(j, key);
  if (m == nullptr || !m->is_string()) {
    return std::nullopt;
  }
  return m->get_ref<const std::string&>();
}

std::string JsonString(const json& j, std::string_view key) {
  const json* m = JsonMember(j, key);
  return m != nullptr && m->is_string() ? m->get_ref<const std::string&>() : std::string();
}

const json& JsonObject(const json& j, std::string_view key) {
  static const json kEmpty = json::object();
  const json* m = JsonMember(j, key);
  return m != nullptr && m->is_object() ? *m : kEmpty;
}

const json& JsonArray(const json& j, std::string_view key) {
  static const json kEmpty = json::array();
  const json* m = JsonMember(j, key);
  return m != nullptr && m->is_array() ? *m : kEmpty;
}

std::optional<int64_t> JsonIntegerValue(const json& v, int64_t min, int64_t max) {
  if (v.is_number_unsigned()) {
    const uint64_t u = v.get<uint64_t>();
    if (max < 0 || u > static_cast<uint64_t>(max) || (min > 0 && u < static_cast<uint64_t>(min))) {
      return std::nullopt;
    }
    return static_cast<int64_t>(u);
  }
  if (v.is_number_integer()) {
    const int64_t i = v.get<int64_t>();
    if (i < min || i > max) {
      return std::nullopt;
    }
    return i;
  }
  return std::nullopt;
}

std::optional<int64_t> JsonInteger(const json& j, std::string_view key, int64_t min, int64_t max) {
  const json* m = JsonMember(j, key);
  return m == nullptr ? std::nullopt : JsonIntegerValue(*m, min, max);
}

std::optional<bool> JsonBool(const json& j, std::string_view key) {
  const json* m = JsonMember(j, key);
  if (m == nullptr || !m->is_boolean()) {
    return std::nullopt;
  }
  return m->get<bool>();
}

std::vector<std::string> JsonStrings(const json& j, std::string_view key) {
  std::vector<std::string> out;
  for (const json& e : JsonArray(j, key)) {
    if (e.is_string()) {
      out.push_back(e.get_ref<const std::string&>());
    }
  }
  return out;
}

const char* JsonTypeName(const json& j) {
  switch (j.type()) {
    case json::value_t::object: return "an object";
    case json::value_t::array: return "an array";
    case json::value_t::string: return "a string";
    case json::value_t::boolean: return "a boolean";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
    case json::value_t::number_float: return "a number";
    case json::value_t::binary: return "binary data";
    case json::value_t::discarded: return "not JSON";
    case json::value_t::null: return "null";
  }
  return "unknown";
}

std::string DumpJson(const json& j) {
  return j.dump(-1, ' ', /*ensure_ascii=*/false, json::error_handler_t::replace);
}

}  // namespace ionos
