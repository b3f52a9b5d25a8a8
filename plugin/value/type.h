// Type: a Terraform (cty) type, as carried in schemas and in dynamic values.
//
// Contract:
//   * Kinds: String, Number, Bool, Dynamic (cty's DynamicPseudoType), List(T),
//     Set(T), Map(T), Object({name: T}, optional names) and Tuple([T...]).
//   * A Type is immutable and cheap to copy: compound types share their
//     internals through a shared_ptr; primitive types allocate nothing.
//   * A default-constructed Type is Dynamic.
//   * Accessors for another kind's parts never crash: element() of a
//     non-collection is Dynamic, attributes() of a non-object is empty, and so on.
//   * ToJson()/FromJson() use cty's type JSON:
//       "string" "number" "bool" "dynamic"
//       ["list",T] ["set",T] ["map",T] ["tuple",[T1,T2]]
//       ["object",{"a":T}] or ["object",{"a":T},["a"]] (third element: optional attributes)
//     ToJson() is compact with object attributes sorted by name, which is what
//     Terraform itself emits (cty's msgpack encoding of dynamic values relies on it).
//   * FromJson() rejects nesting deeper than kMaxTypeDepth with InvalidArgument.
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <ostream>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/base/status.h"

namespace ionos::tf {

// TypeKind: the outer shape of a Type.
enum class TypeKind { kString, kNumber, kBool, kDynamic, kList, kSet, kMap, kObject, kTuple };

// kMaxTypeDepth bounds how deeply FromJson() accepts nested types.
inline constexpr int kMaxTypeDepth = 64;

class Type {
 public:
  // Type() is Dynamic.
  Type() = default;

  static Type String() { return Type(TypeKind::kString); }
  static Type Number() { return Type(TypeKind::kNumber); }
  static Type Bool() { return Type(TypeKind::kBool); }
  static Type Dynamic() { return Type(TypeKind::kDynamic); }
  static Type List(Type element);
  static Type Set(Type element);
  static Type Map(Type element);
  // Object: names in `optional` that are not attributes are ignored.
  static Type Object(std::map<std::string, Type> attributes, std::set<std::string> optional = {});
  static Type Tuple(std::vector<Type> elements);

  TypeKind kind() const { return kind_; }
  bool is_primitive() const;   // String, Number or Bool
  bool is_collection() const;  // List, Set or Map
  bool is_dynamic() const { return kind_ == TypeKind::kDynamic; }
  bool is_object() const { return kind_ == TypeKind::kObject; }
  bool is_tuple() const { return kind_ == TypeKind::kTuple; }

  // element(): the element type of List/Set/Map; Dynamic for other kinds.
  const Type& element() const;
  // attributes(): the attribute types of an Object; empty for other kinds.
  const std::map<std::string, Type>& attributes() const;
  // optional_attributes(): Object attributes marked optional (type JSON third element).
  const std::set<std::string>& optional_attributes() const;
  // tuple_elements(): the element types of a Tuple; empty for other kinds.
  const std::vector<Type>& tuple_elements() const;
  // HasAttribute(): whether an Object has an attribute called `name`.
  bool HasAttribute(const std::string& name) const;
  // AttributeType(): the type of attribute `name`, or nullptr when there is none.
  const Type* AttributeType(const std::string& name) const;

  // ContainsDynamic(): whether Dynamic occurs anywhere in this type.
  bool ContainsDynamic() const;

  // ToJson(): compact cty type JSON, e.g. ["list","string"].
  std::string ToJson() const;
  nlohmann::json ToJsonValue() const;
  static Result<Type> FromJson(const nlohmann::json& json);
  static Result<Type> FromJsonText(std::string_view text);

  // FriendlyName(): for messages, e.g. "list of string", "object".
  std::string FriendlyName() const;

  bool operator==(const Type& other) const;
  bool operator!=(const Type& other) const { return !(*this == other); }

  friend void PrintTo(const Type& type, std::ostream* os) { *os << type.ToJson(); }

 private:
  struct Rep;
  explicit Type(TypeKind kind) : kind_(kind) {}
  Type(TypeKind kind, std::shared_ptr<const Rep> rep) : kind_(kind), rep_(std::move(rep)) {}

  TypeKind kind_ = TypeKind::kDynamic;
  std::shared_ptr<const Rep> rep_;  // set for compound kinds only
};

}  // namespace ionos::tf
