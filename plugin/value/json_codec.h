// JSON codec for Terraform values: RawState.json (UpgradeResourceState,
// MoveResourceState) and DynamicValue.json (cty's JSON encoding).
//
// DecodeJson(text, type) contract:
//   * Same shapes as msgpack: arrays for list/set/tuple, JSON objects for
//     map/object, `null` is Null(type) for any type.
//   * Numbers keep their exact decimal value (12345678901234567890123 and
//     0.1 stay exact; nothing goes through double). A JSON string holding a
//     decimal number is accepted for number types, as cty does.
//   * string accepts a JSON string, and also a number (its literal text) or a
//     bool ("true"/"false"); bool accepts true/false or the strings "true"/"false".
//   * object: attributes missing from the JSON are null; a key that is not an
//     attribute fails with "unsupported attribute \"x\"".
//   * dynamic: {"value": <v>, "type": <type JSON>} (both keys required), or
//     `null` for Null(Dynamic).
//   * Duplicate keys, trailing garbage, invalid JSON and nesting deeper than
//     kMaxJsonDepth give InvalidArgument. Messages start with "json: " and name
//     the path, e.g. "json: .dyn: missing \"type\" in dynamic value".
//
// EncodeJson(value, schema_type) contract:
//   * Compact JSON; object attributes and map keys sorted; every schema
//     attribute of an object is written (null when the value lacks it).
//   * Numbers as their canonical decimal text (exact); infinities are an error.
//   * dynamic schema slot: {"value":<v>,"type":<type JSON>}, except that
//     Null(Dynamic) is written as `null`.
//   * Unknown values anywhere, infinities, and values that do not conform to
//     schema_type (see Value::CheckConforms) give InvalidArgument.
#pragma once

#include <string>
#include <string_view>

#include "core/base/status.h"
#include "plugin/value/type.h"
#include "plugin/value/value.h"

namespace ionos::tf {

// kMaxJsonDepth bounds the nesting of JSON arrays/objects accepted by DecodeJson.
inline constexpr int kMaxJsonDepth = 64;

Result<Value> DecodeJson(std::string_view text, const Type& type);

Result<std::string> EncodeJson(const Value& value, const Type& schema_type);

}  // namespace ionos::tf
