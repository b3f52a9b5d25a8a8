#include "plugin/schema.h"

#include "core/lifecycle/attribute_rules.h"

namespace ionos::tf {
namespace {

Result<AttributeSchema> ParseAttribute(const nlohmann::json& j) {
  AttributeSchema a;
  if (!j.contains("name") || !j["name"].is_string()) return InvalidArgumentError("attribute without a name");
  a.name = j["name"];
  if (!j.contains("type")) return InvalidArgumentError("attribute " + a.name + " has no type");
  IONOS_ASSIGN_OR_RETURN_CTX(a.type, Type::FromJson(j["type"]), "attribute " + a.name);
  a.required = j.value("required", false);
  a.optional = j.value("optional", false);
  a.computed = j.value("computed", false);
  a.sensitive = j.value("sensitive", false);
  a.write_only = j.value("write_only", false);
  a.deprecated = j.value("deprecated", false);
  a.requires_replace = j.value("requires_replace", false);
  a.stable = j.value("stable", false);
  a.env = j.value("env", "");
  a.validate = j.value("validate", "");
  a.validate_hint = j.value("validate_hint", "");
  if (!a.validate.empty() && !IsAttributeRule(a.validate)) {
    return InvalidArgumentError("attribute " + a.name + " names an unknown rule \"" + a.validate + "\"");
  }
  a.description = j.value("description", "");
  if (j.contains("default")) a.default_value = j["default"];
  if (!a.required && !a.optional && !a.computed) {
    return InvalidArgumentError("attribute " + a.name + " is neither required, optional nor computed");
  }
  if (a.required && (a.optional || a.computed)) {
    return InvalidArgumentError("attribute " + a.name + " is required and optional/computed");
  }
  // Terraform never shows a write-only value back to the provider (prior and planned are null),
  // so a computed value, a default or a replacement on change could never work.
  if (a.write_only && (a.computed || a.default_value || a.requires_replace)) {
    return InvalidArgumentError("write-only attribute " + a.name +
                                " cannot be computed, have a default or require replacement");
  }
  return a;
}

Result<BlockSchema> ParseBlock(const nlohmann::json& j, bool top_level) {
  BlockSchema b;
  if (!top_level) {
    if (!j.contains("name") || !j["name"].is_string()) return InvalidArgumentError("block without a name");
    b.name = j["name"];
    std::string nesting = j.value("nesting", "list");
    if (nesting == "single") {
      b.nesting = Nesting::kSingle;
    } else if (nesting == "list") {
      b.nesting = Nesting::kList;
    } else if (nesting == "set") {
      b.nesting = Nesting::kSet;
    } else {
      return InvalidArgumentError("block " + b.name + " has unknown nesting " + nesting);
    }
    b.min_items = j.value("min_items", 0);
    b.max_items = j.value("max_items", 0);
    b.requires_replace = j.value("requires_replace", false);
  }
  b.description = j.value("description", "");
  if (j.contains("attributes")) {
    for (const auto& a : j["attributes"]) {
      IONOS_ASSIGN_OR_RETURN(auto attr, ParseAttribute(a));
      b.attributes.push_back(std::move(attr));
    }
  }
  if (j.contains("blocks")) {
    for (const auto& nb : j["blocks"]) {
      IONOS_ASSIGN_OR_RETURN(auto block, ParseBlock(nb, false));
      b.blocks.push_back(std::move(block));
    }
  }
  return b;
}

}  // namespace

Type BlockSchema::ObjectType() const {
  std::map<std::string, Type> attrs;
  for (const auto& a : attributes) attrs.emplace(a.name, a.type);
  for (const auto& b : blocks) attrs.emplace(b.name, b.ValueType());
  return Type::Object(std::move(attrs));
}

Type BlockSchema::ValueType() const {
  switch (nesting) {
    case Nesting::kSingle: return ObjectType();
    case Nesting::kList: return Type::List(ObjectType());
    case Nesting::kSet: return Type::Set(ObjectType());
  }
  return ObjectType();
}

const AttributeSchema* BlockSchema::FindAttribute(const std::string& n) const {
  for (const auto& a : attributes) {
    if (a.name == n) return &a;
  }
  return nullptr;
}

const BlockSchema* BlockSchema::FindBlock(const std::string& n) const {
  for (const auto& b : blocks) {
    if (b.name == n) return &b;
  }
  return nullptr;
}

Result<Schema> ParseSchema(const std::string& json_text) {
  nlohmann::json j = nlohmann::json::parse(json_text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return InvalidArgumentError("schema is not a JSON object");
  Schema s;
  s.type_name = j.value("type_name", "");
  s.version = j.value("version", 0);
  s.import_doc = j.value("import", "");
  IONOS_ASSIGN_OR_RETURN_CTX(s.block, ParseBlock(j, true), "schema " + s.type_name);
  return s;
}

Result<Schema> LoadEmbeddedSchema(const std::string& relative_path) {
  const auto& files = EmbeddedSchemaFiles();
  auto it = files.find(relative_path);
  if (it == files.end()) return NotFoundError("no embedded schema " + relative_path);
  return ParseSchema(it->second).WithContext(relative_path);
}

}  // namespace ionos::tf
