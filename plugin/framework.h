// The small framework between the protocol and the resources.
//
// Resources implement Create/Read/Update/Delete/Import on decoded values;
// the framework owns the Terraform semantics that are the same for every
// resource: computed attributes unknown on create, defaults, requires-replace
// paths, computed attributes that keep their prior values, and the checks
// Terraform applies to what a provider returns.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "plugin/diagnostics.h"
#include "plugin/schema.h"
#include "plugin/value/value.h"

namespace ionos::tf {

// Upgrades the raw JSON state of a resource from one schema version to the next, in place.
using StateUpgrader = std::function<Status(nlohmann::json& state)>;

struct PlanRequest {
  Value prior;     // null on create
  Value proposed;  // null on destroy
  Value config;
};

struct PlanResponse {
  Value planned;
  std::vector<AttributePath> requires_replace;
  Diagnostics diagnostics;
  // The provider's own data about this plan (tfplugin6 PlanResourceChange.Response.planned_private),
  // which Terraform keeps with the plan and hands to the apply unchanged (Update's
  // `planned_private`). Starts as the prior state's private data; ModifyPlan may replace it.
  std::string planned_private;
};

class Resource {
 public:
  virtual ~Resource() = default;
  virtual const Schema& schema() const = 0;

  // Checks a configuration that may still contain unknown values.
  virtual void ValidateConfig(const Value& config, Diagnostics& diags) { (void)config; (void)diags; }
  // Runs after the generic plan rules (which already filled resp). May mark
  // more values unknown, change requires_replace, and add diagnostics.
  virtual void ModifyPlan(const PlanRequest& req, PlanResponse& resp) { (void)req; (void)resp; }

  // Returns the new state; a null value (with an error) means nothing was created.
  virtual Value Create(const Value& planned, const Value& config, Diagnostics& diags) = 0;
  // Returns the refreshed state, or null when the object is gone.
  virtual Value Read(const Value& state, Diagnostics& diags) = 0;
  // `planned_private`: what the plan left in PlanResponse::planned_private; empty for a plan made
  // by a provider version that left nothing there.
  virtual Value Update(const Value& prior, const Value& planned, const Value& config,
                       const std::string& planned_private, Diagnostics& diags) = 0;
  virtual void Delete(const Value& prior, Diagnostics& diags) = 0;
  // Returns the state of an existing object by id (Terraform reads it afterwards).
  virtual Value Import(const std::string& id, Diagnostics& diags) = 0;
  // StateUpgraders()[v] turns a state of schema version v into one of version v + 1; there is one
  // for every version below schema().version, so state written by any earlier provider reads.
  virtual std::vector<StateUpgrader> StateUpgraders() const { return {}; }
};

class DataSource {
 public:
  virtual ~DataSource() = default;
  virtual const Schema& schema() const = 0;
  virtual void ValidateConfig(const Value& config, Diagnostics& diags) { (void)config; (void)diags; }
  virtual Value Read(const Value& config, Diagnostics& diags) = 0;
};

// An ephemeral resource (Terraform 1.10+, protocol 6.7): opened when a run needs its value, which
// Terraform never writes to the plan or the state. Nothing is kept open between RPCs, so there is
// nothing to renew or close.
class EphemeralResource {
 public:
  virtual ~EphemeralResource() = default;
  virtual const Schema& schema() const = 0;
  virtual void ValidateConfig(const Value& config, Diagnostics& diags) { (void)config; (void)diags; }
  // The result: the configuration with every computed attribute filled in. `config` may hold
  // unknown values (a plan before the certificate exists); then the result leaves what depends on
  // them unknown. A null result with an error when it cannot be opened.
  virtual Value Open(const Value& config, Diagnostics& diags) = 0;
};

// The generic plan rules; exposed for tests.
PlanResponse GenericPlan(const BlockSchema& schema, const PlanRequest& req);

// A copy of `v` (an object of the block's type) with every write-only attribute null, also in
// nested blocks: what Terraform may see of it in a plan or a state.
Value NullWriteOnly(const BlockSchema& schema, const Value& v);

// The write-only attributes `config` sets (a value, or unknown), as paths for diagnostics.
std::vector<AttributePath> WriteOnlyPathsSet(const BlockSchema& schema, const Value& config);

// The error for a Terraform that cannot keep write-only values out of the plan and state (before
// 1.11: the client capability write_only_attributes_allowed is false): one per attribute set.
void CheckWriteOnlyAllowed(const BlockSchema& schema, const Value& config, bool write_only_allowed,
                           Diagnostics& diags);

// Applies the rule each attribute's schema declares (AttributeSchema::validate) to every known,
// non-null value of `config`, nested blocks included; each broken rule is an error on the
// attribute's path. A rule name core does not know is an error too (a schema's mistake).
void CheckAttributeRules(const BlockSchema& schema, const Value& config, Diagnostics& diags);

// Checks that an applied/read value is wholly known and, for apply, matches
// every known planned value; adds an error naming the attribute otherwise.
void CheckAppliedState(const Value& planned, const Value& applied, Diagnostics& diags);

// ---- helpers for reading and building object values --------------------------------

// The string value of an attribute, or nullopt when null or unknown.
std::optional<std::string> GetString(const Value& object, const std::string& name);
std::optional<int64_t> GetInt(const Value& object, const std::string& name);
std::optional<std::vector<std::string>> GetStringList(const Value& object, const std::string& name);
bool IsUnknown(const Value& object, const std::string& name);
// A copy of `object` with attribute `name` replaced.
Value WithAttr(const Value& object, const std::string& name, Value v);
// An object of the block's type with every attribute null and every nested block empty.
Value EmptyObject(const BlockSchema& schema);
// Converts a JSON default from a schema file into a value of `type`.
Value JsonToValue(const nlohmann::json& j, const Type& type);

}  // namespace ionos::tf
