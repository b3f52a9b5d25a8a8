// File: core/base/json.h
//
// Reading JSON that comes from elsewhere (an API's answer, a CA's object, a store row) without
// exceptions. nlohmann::json throws (or has undefined behaviour) on the common shortcuts:
//   j.value("k", std::string())   type_error when "k" holds another type ({"k": {"x": 1}})
//   j.at("k"), j.get<T>()          out_of_range / type_error on a missing key or another type
//   j["k"] on a const object       undefined behaviour when "k" is missing
//   for (auto& e : j["k"])         iterates the members of an object, or the one value of a scalar
//   json::parse(text)              parse_error unless allow_exceptions=false
//   j.dump()                       type_error 316 on a string that is not UTF-8
// A thrown exception in a worker thread ends the process. The rule in core: JSON from
// the network or the store is parsed with ParseJson and read with the accessors below (or with an
// is_*() check right before get<T>()); a member of the wrong type reads as absent, and the caller
// decides whether that is an error. JSON written by core is serialised with DumpJson.
//
// Every function here is noexcept apart from std::bad_alloc.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace ionos {

// Deeper nesting is refused by ParseJson. The documents core reads nest at most 5 levels; the
// limit keeps the recursive parts of nlohmann::json (copy, comparison, dump) and of our own
// readers (ACME subproblems) far from the end of a thread's stack.
inline constexpr size_t kMaxJsonDepth = 64;

// The JSON value of `text`, or nullopt when it is not JSON (one value, optionally surrounded by
// whitespace) or nests arrays/objects deeper than `max_depth`. Never throws.
std::optional<nlohmann::json> ParseJson(std::string_view text, size_t max_depth = kMaxJsonDepth);

// The member `key` of `j` when `j` is an object holding it; nullptr otherwise (also for a `j` that
// is not an object).
const nlohmann::json* JsonMember(const nlohmann::json& j, std::string_view key);

// The string member `key`; nullopt when absent, or not a string.
std::optional<std::string> JsonOptionalString(const nlohmann::json& j, std::string_view key);
// The string member `key`; "" when absent, or not a string.
std::string JsonString(const nlohmann::json& j, std::string_view key);

// The member `key` when it is an object; otherwise a (static) empty object.
const nlohmann::json& JsonObject(const nlohmann::json& j, std::string_view key);
// The member `key` when it is an array; otherwise a (static) empty array.
const nlohmann::json& JsonArray(const nlohmann::json& j, std::string_view key);

// The integer member `key` when it is an integer (not a float, not a numeric string) within
// [min, max]; nullopt otherwise.
std::optional<int64_t> JsonInteger(const nlohmann::json& j, std::string_view key,
                                   int64_t min = std::numeric_limits<int64_t>::min(),
                                   int64_t max = std::numeric_limits<int64_t>::max());
// The integer value `v` itself, with the same rules.
std::optional<int64_t> JsonIntegerValue(const nlohmann::json& v,
                                        int64_t min = std::numeric_limits<int64_t>::min(),
                                        int64_t max = std::numeric_limits<int64_t>::max());

// The boolean member `key`; nullopt when absent or not true/false.
std::optional<bool> JsonBool(const nlohmann::json& j, std::string_view key);

// The strings of the array member `key`, in order; elements of other types are skipped. Empty when
// the member is absent or not an array.
std::vector<std::string> JsonStrings(const nlohmann::json& j, std::string_view key);

// "an object", "an array", "a string", "a number", "a boolean", "null": for messages that say
// what was found instead of what was expected.
const char* JsonTypeName(const nlohmann::json& j);

// Compact serialisation that never throws on strings that are not UTF-8 (invalid bytes become
// U+FFFD). For JSON that core builds from values it was given.
std::string DumpJson(const nlohmann::json& j);

}  // namespace ionos
