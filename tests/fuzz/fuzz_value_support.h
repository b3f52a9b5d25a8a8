// Shared by the value fuzz targets (fuzz_msgpack_decode, fuzz_json_state_decode): the schema types
// an input is decoded against, and the round-trip comparison.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "plugin/value/type.h"
#include "plugin/value/value.h"

namespace ionos::tf::fuzz {

// The types a fuzz input can pick with its first byte (FuzzTypeFor). The first kFixedFuzzTypes are
// fixed (seed corpora rely on their order: see the table in fuzz_value_support.cc); after them
// come the object types of every schema in schemas/ (provider, resources, data sources), so that
// the state and configuration shapes the provider really decodes are fuzzed too.
inline constexpr std::size_t kFixedFuzzTypes = 20;
const std::vector<Type>& FuzzTypes();

// The type selected by `selector` (the input's first byte), modulo the number of types.
const Type& FuzzTypeFor(uint8_t selector);

// Whether `again` (a value decoded from the encoding of `first`, both against `schema`) is what
// the codec contracts promise: equal to `first`, except for what encoding normalizes on purpose —
//   * a null or unknown value in a dynamic slot is encoded without its type (`c0`, `d4 00 00`,
//     JSON `null`), so it comes back as Null(Dynamic) / Unknown(Dynamic);
//   * a set with dynamic elements may therefore lose elements that became duplicates.
// On a mismatch, `*why` names the path.
bool EquivalentAfterRoundTrip(const Value& first, const Value& again, const Type& schema, std::string* why);

// Whether every known string and map key inside `value` is well-formed UTF-8. (The JSON codec
// turns invalid UTF-8 into U+FFFD, as Go does, so only such values survive it unchanged.)
bool AllTextIsUtf8(const Value& value);

// Aborts with a message (a fuzzer finding) when `condition` is false.
void FuzzCheck(bool condition, const std::string& what);

}  // namespace ionos::tf::fuzz
