// Resource schemas as data.
//
// schemas/provider.json, schemas/resources/<type>.json, schemas/data-sources/<type>.json and
// schemas/ephemeral-resources/<type>.json describe every attribute once: name, type,
// flags, description, plus the plan behaviour this framework applies
// generically (requires_replace, default, stable) and the rule each value follows (validate). They are embedded into the
// binary at build time and drive both GetProviderSchema and the generated docs.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/base/status.h"
#include "plugin/value/type.h"

namespace ionos::tf {

struct AttributeSchema {
  std::string name;
  Type type = Type::String();
  bool required = false;
  bool optional = false;
  bool computed = false;
  bool sensitive = false;
  // Terraform 1.11+ (protocol 6.8): the value reaches the provider in the configuration only; it
  // is planned null and never stored in the plan or state (the framework nulls it everywhere).
  bool write_only = false;
  // Still accepted; the resource warns where it is used and names the replacement.
  bool deprecated = false;
  // A change of this attribute replaces the resource. Also allowed on an attribute of a list block
  // (then the element's attribute is compared; a block added or removed replaces too).
  bool requires_replace = false;
  // A computed attribute that keeps its prior value on in-place updates
  // (instead of becoming "known after apply").
  bool stable = false;
  // Value planned when the configuration leaves an optional+computed attribute null.
  std::optional<nlohmann::json> default_value;
  // Provider configuration only: environment variable read when the attribute is null.
  std::string env;
  // The rule every configured value follows ("dns_name", "key_algorithm", ...: the names of
  // core/lifecycle/attribute_rules.h), checked by the framework at validate time; for a set or
  // list, every element. `validate_hint` is added to the error's detail.
  std::string validate;
  std::string validate_hint;
  std::string description;
};

enum class Nesting { kSingle, kList, kSet };

struct BlockSchema {
  std::string name;  // empty for the top-level block
  Nesting nesting = Nesting::kSingle;
  int64_t min_items = 0;
  int64_t max_items = 0;
  bool requires_replace = false;
  std::string description;
  std::vector<AttributeSchema> attributes;
  std::vector<BlockSchema> blocks;

  // The cty object type of one instance of this block.
  Type ObjectType() const;
  // The type the block takes inside its parent (object, or list/set of objects).
  Type ValueType() const;
  const AttributeSchema* FindAttribute(const std::string& n) const;
  const BlockSchema* FindBlock(const std::string& n) const;
};

struct Schema {
  std::string type_name;
  int64_t version = 0;
  std::string import_doc;
  BlockSchema block;

  Type type() const { return block.ObjectType(); }
};

Result<Schema> ParseSchema(const std::string& json_text);
// Loads one of the embedded schema files, e.g. "resources/ionos_certificate_provider.json".
Result<Schema> LoadEmbeddedSchema(const std::string& relative_path);
// Every embedded schema file by relative path (generated at build time).
const std::map<std::string, std::string>& EmbeddedSchemaFiles();

}  // namespace ionos::tf
