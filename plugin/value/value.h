// Number and Value: Terraform (cty) values as the provider sees them.
//
// Number contract:
//   * Arbitrary precision, stored as canonical decimal text: optional "-",
//     integer digits without leading zeros, then "." and fraction digits without
//     trailing zeros if the number is not an integer. No exponent, no "+", no "-0".
//     Examples: "0", "-1", "1.5", "0.1", "100000000000000000000".
//     This is also the form Terraform uses for numbers it sends as msgpack
//     strings (0.1 -> "0.1", 1e20 -> "100000000000000000000").
//   * Infinities exist (cty allows them; msgpack carries them as float64):
//     text "+Inf" / "-Inf". They have no JSON form.
//   * FromText() accepts JSON-style numbers plus a leading "+", ".5", "5." and
//     "Inf"/"Infinity" (any case, optional sign). It rejects NaN, junk and
//     numbers whose canonical text would exceed kMaxNumberDigits characters
//     (e.g. "1e100000"), so hostile input cannot make us allocate without bound.
//   * FromDouble() is exact: 0.1 becomes the exact binary value
//     "0.1000000000000000055511151231257827021181583404541015625", as in cty.
//     NaN has no cty representation and becomes 0.
//
// Value contract:
//   * Every Value is null, unknown or known, and carries a Type.
//   * Known values always have a concrete outer type (never Dynamic): a value in
//     a Dynamic-typed attribute carries its concrete type, while the enclosing
//     object's type() keeps Dynamic for that attribute. Encoders therefore take
//     the schema type separately from the value.
//   * Values are immutable and cheap to copy (payload behind shared_ptr); they
//     can be shared between threads for reading.
//   * Factories do not validate element types against the declared element
//     type; use CheckConforms() when a value comes from untrusted code paths.
//     Set() drops duplicate wholly-known elements, as cty sets do.
//     ObjectOfType() fills attributes missing from `attrs` with null of the
//     attribute's type and ignores entries that are not attributes of the type.
//     ObjectOfType()/TupleOfType() keep the given type (Dynamic included), as
//     the decoders do; Object()/Tuple() infer it from the elements.
//   * Accessors of another kind's payload never crash: as_string() of a
//     non-string is "", as_bool() false, as_number() 0, elements()/entries() empty.
//   * GetAttr(name) on an object: a known object gives the attribute's value;
//     a null object gives null of the attribute's type; an unknown object gives
//     unknown of the attribute's type; a name that is not an attribute (or a
//     non-object value) gives Null(Dynamic).
//   * operator== is structural: state, type (exact, Dynamic is not a wildcard)
//     and payload; sets compare order-insensitively (near-linear time, as is
//     Set()'s de-duplication); Unknown(T) == Unknown(T).
//     (This is not cty's Equals, which yields unknown for unknown operands.)
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/status.h"
#include "plugin/value/type.h"

namespace ionos::tf {

// kMaxNumberDigits bounds the length of a Number's canonical text.
inline constexpr std::size_t kMaxNumberDigits = 4096;

class Number {
 public:
  // Number() is zero.
  Number() = default;

  static Number FromInt64(int64_t v);
  static Number FromUint64(uint64_t v);
  static Number FromDouble(double v);
  static Result<Number> FromText(std::string_view text);

  // text(): the canonical decimal text (see the header comment).
  const std::string& text() const { return text_; }
  bool is_integer() const;
  bool is_infinite() const;
  bool is_negative() const { return !text_.empty() && text_[0] == '-'; }

  // ToInt64(): the value if it is an integer in int64 range.
  std::optional<int64_t> ToInt64() const;
  // ToDouble(): the nearest double (infinite when out of range).
  double ToDouble() const;
  // IsExactDouble(): whether ToDouble() represents this number exactly.
  bool IsExactDouble() const;

  bool operator==(const Number& other) const { return text_ == other.text_; }
  bool operator!=(const Number& other) const { return text_ != other.text_; }

  friend void PrintTo(const Number& n, std::ostream* os) { *os << n.text_; }

 private:
  explicit Number(std::string canonical) : text_(std::move(canonical)) {}
  std::string text_ = "0";
};

class Value {
 public:
  enum class State { kNull, kUnknown, kKnown };

  // Value() is Null(Dynamic).
  Value();

  static Value Null(Type type);
  static Value Unknown(Type type);
  static Value String(std::string s);
  static Value Bool(bool b);
  static Value NumberV(Number n);
  static Value Int(int64_t v) { return NumberV(Number::FromInt64(v)); }
  static Value List(Type element_type, std::vector<Value> elements);
  static Value Set(Type element_type, std::vector<Value> elements);
  static Value Map(Type element_type, std::map<std::string, Value> entries);
  // Object(): the type is inferred from the attribute values' types.
  static Value Object(std::map<std::string, Value> attrs);
  // ObjectOfType(): `type` must be an object type; otherwise it behaves like Object(attrs).
  static Value ObjectOfType(Type type, std::map<std::string, Value> attrs);
  static Value Tuple(std::vector<Value> elements);
  // TupleOfType(): `type` must be a tuple type of the same length; otherwise it behaves like Tuple(elements).
  static Value TupleOfType(Type type, std::vector<Value> elements);

  const Type& type() const { return type_; }
  State state() const { return state_; }
  bool is_null() const { return state_ == State::kNull; }
  bool is_unknown() const { return state_ == State::kUnknown; }
  bool is_known() const { return state_ == State::kKnown; }
  // IsWhollyKnown(): no unknown value anywhere inside (null counts as known).
  bool IsWhollyKnown() const;

  const std::string& as_string() const;
  bool as_bool() const;
  const Number& as_number() const;
  // elements(): of a known list, set or tuple.
  const std::vector<Value>& elements() const;
  // entries(): of a known map or object.
  const std::map<std::string, Value>& entries() const;
  // GetAttr(): see the header comment for null/unknown objects and missing names.
  Value GetAttr(const std::string& name) const;
  // size(): number of elements or entries of a known collection/structure; 0 otherwise.
  std::size_t size() const;

  // CheckConforms(): InvalidArgument if this value does not fit `type`.
  // A Dynamic `type` accepts anything; null and unknown values fit any type
  // (they encode the same whatever their type); known objects must have
  // exactly the type's attributes. Messages name the path, e.g. ".a[1]".
  Status CheckConforms(const Type& type) const;

  // DebugString(): a readable rendering for logs and test failures.
  std::string DebugString() const;

  bool operator==(const Value& other) const;
  bool operator!=(const Value& other) const { return !(*this == other); }

  friend void PrintTo(const Value& v, std::ostream* os) { *os << v.DebugString(); }

 private:
  struct Payload;
  Value(Type type, State state, std::shared_ptr<const Payload> payload);

  Type type_;
  State state_ = State::kNull;
  std::shared_ptr<const Payload> payload_;  // only for known values
};

}  // namespace ionos::tf
