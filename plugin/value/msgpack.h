// msgpack codec for Terraform's DynamicValue.msgpack (cty's msgpack encoding).
//
// DecodeMsgpack(bytes, type) contract:
//   * Any ext value (fixext1..16, ext8/16/32) is Unknown(type): plain unknown
//     `d4 00 00` and refined unknown ext 12 alike; refinements are skipped.
//   * nil is Null(type) for every type, including dynamic.
//   * number: positive/negative fixint, int8..64, uint8..64, float32/64 (NaN is
//     rejected), or str holding a decimal number (arbitrary precision).
//   * string: str or bin. bool: true/false.
//   * list/set/tuple: array (a tuple must have exactly its length); map: map
//     with str (or bin) keys; object: map whose keys are exactly the schema's
//     attributes, any order. A wrong key set fails with
//     "an object with N attributes is required (M given)" naming the missing
//     and unexpected keys, or "unsupported attribute \"x\"" when counts match.
//   * dynamic: a 2-element array [bin-or-str type JSON, value encoded per that
//     type]; the resulting Value carries the concrete type.
//   * A decoded object's or tuple's type() is the schema type (Dynamic kept
//     where the schema says dynamic); a set drops duplicate known elements.
//   * The whole input must be consumed; empty input is an error (callers
//     handle Terraform's "empty msgpack means look at json" rule).
//   * Malformed input (truncation, lengths beyond the input, bad codes, nesting
//     deeper than kMaxMsgpackDepth) gives InvalidArgument, never a crash or an
//     out-of-bounds read. Messages start with "msgpack: " and name the path,
//     e.g. "msgpack: .tags[\"a\"]: string required".
//
// EncodeMsgpack(value, schema_type) contract (Terraform's own encoder rules):
//   * unknown: `d4 00 00` (never refined); null: `c0` (also in dynamic slots).
//   * number: an integer in int64 range as the most compact int (positive
//     fixint, uint8/16/32/64 for >= 0; negative fixint, int8/16/32/64 for < 0);
//     else a non-integer exactly representable as a double (and +-Inf) as
//     float64 `cb`; else its canonical decimal text as str (0.1 -> "0.1",
//     1e20 -> "100000000000000000000").
//   * dynamic schema slot with a known value: [bin(type JSON), value per its type].
//   * object: a map with every schema attribute in sorted order; attributes the
//     value lacks are nil; entries that are not schema attributes are dropped.
//   * If a known value's kind does not match schema_type, the value is encoded
//     by its own type (best effort: Terraform will report the mismatch). Use
//     Value::CheckConforms() first when that matters.
#pragma once

#include <string>
#include <string_view>

#include "core/base/status.h"
#include "plugin/value/type.h"
#include "plugin/value/value.h"

namespace ionos::tf {

// kMaxMsgpackDepth bounds the nesting of arrays/maps/dynamic wrappers accepted by DecodeMsgpack.
inline constexpr int kMaxMsgpackDepth = 64;

Result<Value> DecodeMsgpack(std::string_view bytes, const Type& type);

std::string EncodeMsgpack(const Value& value, const Type& schema_type);

}  // namespace ionos::tf
