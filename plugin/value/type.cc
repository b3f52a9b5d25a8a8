// Type: implementation. See type.h for the contract.
#include "plugin/value/type.h"

#include <utility>

namespace ionos::tf {

// Rep: the immutable parts of a compound type.
//   List/Set/Map: elements[0] is the element type.
//   Tuple: elements are the element types.
//   Object: attributes and optional.
struct Type::Rep {
  std::vector<Type> elements;
  std::map<std::string, Type> attributes;
  std::set<std::string> optional;
};

namespace {

const Type& DynamicSingleton() {
  static const Type kDynamic = Type::Dynamic();
  return kDynamic;
}

const char* CollectionKeyword(TypeKind kind) {
  switch (kind) {
    case TypeKind::kList:
      return "list";
    case TypeKind::kSet:
      return "set";
    case TypeKind::kMap:
      return "map";
    default:
      return "";
  }
}

}  // namespace

Type Type::List(Type element) {
  auto rep = std::make_shared<Rep>();
  rep->elements.push_back(std::move(element));
  return Type(TypeKind::kList, std::move(rep));
}

Type Type::Set(Type element) {
  auto rep = std::make_shared<Rep>();
  rep->elements.push_back(std::move(element));
  return Type(TypeKind::kSet, std::move(rep));
}

Type Type::Map(Type element) {
  auto rep = std::make_shared<Rep>();
  rep->elements.push_back(std::move(element));
  return Type(TypeKind::kMap, std::move(rep));
}

Type Type::Object(std::map<std::string, Type> attributes, std::set<std::string> optional) {
  auto rep = std::make_shared<Rep>();
  for (const std::string& name : optional) {
    if (attributes.count(name) != 0) {
      rep->optional.insert(name);
    }
  }
  rep->attributes = std::move(attributes);
  return Type(TypeKind::kObject, std::move(rep));
}

Type Type::Tuple(std::vector<Type> elements) {
  auto rep = std::make_shared<Rep>();
  rep->elements = std::move(elements);
  return Type(TypeKind::kTuple, std::move(rep));
}

bool Type::is_primitive() const {
  return kind_ == TypeKind::kString || kind_ == TypeKind::kNumber || kind_ == TypeKind::kBool;
}

bool Type::is_collection() const {
  return kind_ == TypeKind::kList || kind_ == TypeKind::kSet || kind_ == TypeKind::kMap;
}

const Type& Type::element() const {
  if (!is_collection() || !rep_ || rep_->elements.empty()) {
    return DynamicSingleton();
  }
  return rep_->elements[0];
}

const std::map<std::string, Type>& Type::attributes() const {
  static const std::map<std::string, Type> kEmpty;
  if (kind_ != TypeKind::kObject || !rep_) {
    return kEmpty;
  }
  return rep_->attributes;
}

const std::set<std::string>& Type::optional_attributes() const {
  static const std::set<std::string> kEmpty;
  if (kind_ != TypeKind::kObject || !rep_) {
    return kEmpty;
  }
  return rep_->optional;
}

const std::vector<Type>& Type::tuple_elements() const {
  static const std::vector<Type> kEmpty;
  if (kind_ != TypeKind::kTuple || !rep_) {
    return kEmpty;
  }
  return rep_->elements;
}

bool Type::HasAttribute(const std::string& name) const { return AttributeType(name) != nullptr; }

const Type* Type::AttributeType(const std::string& name) const {
  const auto& attrs = attributes();
  auto it = attrs.find(name);
  return it == attrs.end() ? nullptr : &it->second;
}

bool Type::ContainsDynamic() const {
  switch (kind_) {
    case TypeKind::kDynamic:
      return true;
    case TypeKind::kList:
    case TypeKind::kSet:
    case TypeKind::kMap:
      return element().ContainsDynamic();
    case TypeKind::kObject:
      for (const auto& [name, type] : attributes()) {
        if (type.ContainsDynamic()) {
          return true;
        }
      }
      return false;
    case TypeKind::kTuple:
      for (const Type& type : tuple_elements()) {
        if (type.ContainsDynamic()) {
          return true;
        }
      }
      return false;
    default:
      return false;
  }
}

nlohmann::json Type::ToJsonValue() const {
  switch (kind_) {
    case TypeKind::kString:
      return "string";
    case TypeKind::kNumber:
      return "number";
    case TypeKind::kBool:
      return "bool";
    case TypeKind::kDynamic:
      return "dynamic";
    case TypeKind::kList:
    case TypeKind::kSet:
    case TypeKind::kMap:
      return nlohmann::json::array({CollectionKeyword(kind_), element().ToJsonValue()});
    case TypeKind::kObject: {
      nlohmann::json attrs = nlohmann::json::object();
      for (const auto& [name, type] : attributes()) {
        attrs[name] = type.ToJsonValue();
      }
      nlohmann::json out = nlohmann::json::array({"object", std::move(attrs)});
      if (!optional_attributes().empty()) {
        nlohmann::json names = nlohmann::json::array();
        for (const std::string& name : optional_attributes()) {
          names.push_back(name);
        }
        out.push_back(std::move(names));
      }
      return out;
    }
    case TypeKind::kTuple: {
      nlohmann::json elems = nlohmann::json::array();
      for (const Type& type : tuple_elements()) {
        elems.push_back(type.ToJsonValue());
      }
      return nlohmann::json::array({"tuple", std::move(elems)});
    }
  }
  return "dynamic";
}

std::string Type::ToJson() const {
  // Replace invalid UTF-8 in attribute names rather than throwing.
  return ToJsonValue().dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

namespace {

Result<Type> TypeFromJsonAt(const nlohmann::json& json, int depth);

Result<Type> PrimitiveFromJson(const std::string& name) {
  if (name == "string") {
    return Type::String();
  }
  if (name == "number") {
    return Type::Number();
  }
  if (name == "bool") {
    return Type::Bool();
  }
  if (name == "dynamic") {
    return Type::Dynamic();
  }
  return InvalidArgumentError("invalid primitive type name \"" + name + "\"");
}

Result<Type> ObjectFromJson(const nlohmann::json& json, int depth) {
  if (json.size() != 2 && json.size() != 3) {
    return InvalidArgumentError("object type must have 2 or 3 elements");
  }
  if (!json[1].is_object()) {
    return InvalidArgumentError("object type attributes must be a JSON object");
  }
  std::map<std::string, Type> attrs;
  for (const auto& [name, sub] : json[1].items()) {
    IONOS_ASSIGN_OR_RETURN_CTX(Type type, TypeFromJsonAt(sub, depth + 1), "attribute \"" + name + "\"");
    attrs.emplace(name, std::move(type));
  }
  std::set<std::string> optional;
  if (json.size() == 3) {
    if (!json[2].is_array()) {
      return InvalidArgumentError("object type optional attributes must be a JSON array");
    }
    for (const auto& name : json[2]) {
      if (!name.is_string()) {
        return InvalidArgumentError("object type optional attribute names must be strings");
      }
      const std::string& n = name.get_ref<const std::string&>();
      if (attrs.count(n) == 0) {
        return InvalidArgumentError("optional attribute \"" + n + "\" is not an attribute of the object type");
      }
      optional.insert(n);
    }
  }
  return Type::Object(std::move(attrs), std::move(optional));
}

Result<Type> TupleFromJson(const nlohmann::json& json, int depth) {
  if (json.size() != 2 || !json[1].is_array()) {
    return InvalidArgumentError("tuple type must be [\"tuple\", [element types]]");
  }
  std::vector<Type> elems;
  for (std::size_t i = 0; i < json[1].size(); ++i) {
    IONOS_ASSIGN_OR_RETURN_CTX(Type type, TypeFromJsonAt(json[1][i], depth + 1),
                               "tuple element " + std::to_string(i));
    elems.push_back(std::move(type));
  }
  return Type::Tuple(std::move(elems));
}

Result<Type> CompoundFromJson(const nlohmann::json& json, int depth) {
  if (json.empty() || !json[0].is_string()) {
    return InvalidArgumentError("compound type must start with its kind name");
  }
  const std::string& kind = json[0].get_ref<const std::string&>();
  if (kind == "list" || kind == "set" || kind == "map") {
    if (json.size() != 2) {
      return InvalidArgumentError(kind + " type must have exactly 2 elements");
    }
    IONOS_ASSIGN_OR_RETURN_CTX(Type elem, TypeFromJsonAt(json[1], depth + 1), kind + " element");
    if (kind == "list") {
      return Type::List(std::move(elem));
    }
    return kind == "set" ? Type::Set(std::move(elem)) : Type::Map(std::move(elem));
  }
  if (kind == "object") {
    return ObjectFromJson(json, depth);
  }
  if (kind == "tuple") {
    return TupleFromJson(json, depth);
  }
  return InvalidArgumentError("invalid complex type kind \"" + kind + "\"");
}

Result<Type> TypeFromJsonAt(const nlohmann::json& json, int depth) {
  if (depth > kMaxTypeDepth) {
    return InvalidArgumentError("type is nested too deeply");
  }
  if (json.is_string()) {
    return PrimitiveFromJson(json.get_ref<const std::string&>());
  }
  if (json.is_array()) {
    return CompoundFromJson(json, depth);
  }
  return InvalidArgumentError("type must be a JSON string or array");
}

}  // namespace

Result<Type> Type::FromJson(const nlohmann::json& json) {
  return TypeFromJsonAt(json, 0).WithContext("invalid type JSON");
}

Result<Type> Type::FromJsonText(std::string_view text) {
  nlohmann::json json = nlohmann::json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) {
    return InvalidArgumentError("invalid type JSON: not valid JSON");
  }
  return FromJson(json);
}

std::string Type::FriendlyName() const {
  switch (kind_) {
    case TypeKind::kString:
      return "string";
    case TypeKind::kNumber:
      return "number";
    case TypeKind::kBool:
      return "bool";
    case TypeKind::kDynamic:
      return "dynamic";
    case TypeKind::kList:
    case TypeKind::kSet:
    case TypeKind::kMap:
      return std::string(CollectionKeyword(kind_)) + " of " + element().FriendlyName();
    case TypeKind::kObject:
      return "object";
    case TypeKind::kTuple:
      return "tuple";
  }
  return "dynamic";
}

bool Type::operator==(const Type& other) const {
  if (kind_ != other.kind_) {
    return false;
  }
  if (rep_ == other.rep_) {
    return true;
  }
  switch (kind_) {
    case TypeKind::kList:
    case TypeKind::kSet:
    case TypeKind::kMap:
      return element() == other.element();
    case TypeKind::kObject:
      return attributes() == other.attributes() && optional_attributes() == other.optional_attributes();
    case TypeKind::kTuple:
      return tuple_elements() == other.tuple_elements();
    default:
      return true;
  }
}

}  // namespace ionos::tf
