#include "plugin/provider_service.h"

#include <exception>

#include "core/base/json.h"
#include "plugin/value/json_codec.h"
#include "plugin/value/msgpack.h"

namespace ionos::tf {
namespace {

void AttributeToProto(const AttributeSchema& a, tfplugin6::Schema::Attribute* out) {
  out->set_name(a.name);
  out->set_type(a.type.ToJson());
  out->set_description(a.description);
  out->set_description_kind(tfplugin6::MARKDOWN);
  out->set_required(a.required);
  out->set_optional(a.optional);
  out->set_computed(a.computed);
  out->set_sensitive(a.sensitive);
  out->set_write_only(a.write_only);
  out->set_deprecated(a.deprecated);
}

void BlockToProto(const BlockSchema& b, tfplugin6::Schema::Block* out) {
  out->set_description(b.description);
  out->set_description_kind(tfplugin6::MARKDOWN);
  for (const auto& a : b.attributes) AttributeToProto(a, out->add_attributes());
  for (const auto& nb : b.blocks) {
    auto* n = out->add_block_types();
    n->set_type_name(nb.name);
    switch (nb.nesting) {
      case Nesting::kSingle: n->set_nesting(tfplugin6::Schema::NestedBlock::SINGLE); break;
      case Nesting::kList: n->set_nesting(tfplugin6::Schema::NestedBlock::LIST); break;
      case Nesting::kSet: n->set_nesting(tfplugin6::Schema::NestedBlock::SET); break;
    }
    n->set_min_items(nb.min_items);
    n->set_max_items(nb.max_items);
    BlockToProto(nb, n->mutable_block());
  }
}

// Runs a handler body; an exception becomes an error diagnostic instead of a crash.
template <typename Resp, typename F>
grpc::Status Guard(Resp* resp, Provider* provider, RpcTimings* timings, const char* rpc, F&& body) {
  RpcTimings::Scope timed(timings, rpc);
  Diagnostics diags;
  try {
    body(diags);
  } catch (const std::exception& e) {
    provider->log().Error("internal error", {{"rpc", rpc}, {"error", e.what()}});
    diags.AddError("Internal error in the ionos provider",
                   std::string(rpc) + " failed unexpectedly: " + e.what() + ". Please report this.");
  } catch (...) {
    provider->log().Error("internal error", {{"rpc", rpc}});
    diags.AddError("Internal error in the ionos provider", std::string(rpc) + " failed unexpectedly.");
  }
  DiagnosticsToProto(diags, resp->mutable_diagnostics());
  return grpc::Status::OK;
}

bool NotConfigured(Provider* provider, Diagnostics& diags) {
  if (provider->context() != nullptr) return false;
  diags.AddError("Provider not configured",
                 "The ionos provider was not configured before this operation (see earlier errors about the "
                 "provider block).");
  return true;
}

Resource* FindResource(Provider* provider, const std::string& type_name, Diagnostics& diags) {
  Resource* r = provider->resource(type_name);
  if (r == nullptr) diags.AddError("Unknown resource type", "The ionos provider has no resource type " + type_name + ".");
  return r;
}

EphemeralResource* FindEphemeralResource(Provider* provider, const std::string& type_name, Diagnostics& diags) {
  EphemeralResource* e = provider->ephemeral_resource(type_name);
  if (e == nullptr) {
    diags.AddError("Unknown ephemeral resource type",
                   "The ionos provider has no ephemeral resource type " + type_name + ".");
  }
  return e;
}

}  // namespace

void SchemaToProto(const Schema& schema, tfplugin6::Schema* out) {
  out->set_version(schema.version);
  BlockToProto(schema.block, out->mutable_block());
}

void PathToProto(const AttributePath& path, tfplugin6::AttributePath* out) {
  for (const auto& s : path.steps) {
    auto* step = out->add_steps();
    switch (s.kind) {
      case PathStep::Kind::kAttribute: step->set_attribute_name(s.name); break;
      case PathStep::Kind::kKey: step->set_element_key_string(s.name); break;
      case PathStep::Kind::kIndex: step->set_element_key_int(s.index); break;
    }
  }
}

void DiagnosticsToProto(const Diagnostics& diags, google::protobuf::RepeatedPtrField<tfplugin6::Diagnostic>* out) {
  for (const auto& d : diags.items()) {
    auto* p = out->Add();
    p->set_severity(d.severity == Diagnostic::Severity::kError ? tfplugin6::Diagnostic::ERROR
                                                               : tfplugin6::Diagnostic::WARNING);
    p->set_summary(d.summary);
    p->set_detail(d.detail);
    if (d.path && !d.path->steps.empty()) PathToProto(*d.path, p->mutable_attribute());
  }
}

Result<Value> DecodeDynamicValue(const tfplugin6::DynamicValue& dv, const Type& type) {
  if (!dv.msgpack().empty()) return DecodeMsgpack(dv.msgpack(), type);
  if (!dv.json().empty()) return DecodeJson(dv.json(), type);
  return Value::Null(type);
}

void EncodeDynamicValue(const Value& v, const Type& type, tfplugin6::DynamicValue* out) {
  out->set_msgpack(EncodeMsgpack(v, type));
}

grpc::Status ProviderService::GetMetadata(grpc::ServerContext*, const tfplugin6::ProviderMetadata::Request*,
                                          tfplugin6::ProviderMetadata::Response* resp) {
  return Guard(resp, provider_, &timings_, "GetMetadata", [&](Diagnostics&) {
    resp->mutable_server_capabilities()->set_get_provider_schema_optional(true);
    for (const auto& name : provider_->resource_types()) resp->add_resources()->set_type_name(name);
    for (const auto& name : provider_->data_source_types()) resp->add_data_sources()->set_type_name(name);
    for (const auto& name : provider_->ephemeral_resource_types()) {
      resp->add_ephemeral_resources()->set_type_name(name);
    }
  });
}

grpc::Status ProviderService::GetProviderSchema(grpc::ServerContext*, const tfplugin6::GetProviderSchema::Request*,
                                                tfplugin6::GetProviderSchema::Response* resp) {
  provider_->log().Trace("GetProviderSchema called");
  return Guard(resp, provider_, &timings_, "GetProviderSchema", [&](Diagnostics&) {
    SchemaToProto(provider_->schema(), resp->mutable_provider());
    for (const auto& name : provider_->resource_types()) {
      SchemaToProto(provider_->resource(name)->schema(), &(*resp->mutable_resource_schemas())[name]);
    }
    for (const auto& name : provider_->data_source_types()) {
      SchemaToProto(provider_->data_source(name)->schema(), &(*resp->mutable_data_source_schemas())[name]);
    }
    for (const auto& name : provider_->ephemeral_resource_types()) {
      SchemaToProto(provider_->ephemeral_resource(name)->schema(),
                    &(*resp->mutable_ephemeral_resource_schemas())[name]);
    }
    resp->mutable_server_capabilities()->set_get_provider_schema_optional(true);
  });
}

grpc::Status ProviderService::ValidateProviderConfig(grpc::ServerContext*,
                                                     const tfplugin6::ValidateProviderConfig::Request* req,
                                                     tfplugin6::ValidateProviderConfig::Response* resp) {
  return Guard(resp, provider_, &timings_, "ValidateProviderConfig", [&](Diagnostics& diags) {
    auto config = DecodeDynamicValue(req->config(), provider_->schema().type());
    if (!config.ok()) {
      diags.AddStatus("Cannot decode the provider configuration", config.status());
      return;
    }
    provider_->ValidateConfig(*config, diags);
  });
}

grpc::Status ProviderService::ConfigureProvider(grpc::ServerContext*, const tfplugin6::ConfigureProvider::Request* req,
                                                tfplugin6::ConfigureProvider::Response* resp) {
  return Guard(resp, provider_, &timings_, "ConfigureProvider", [&](Diagnostics& diags) {
    auto config = DecodeDynamicValue(req->config(), provider_->schema().type());
    if (!config.ok()) {
      diags.AddStatus("Cannot decode the provider configuration", config.status());
      return;
    }
    provider_->Configure(*config, diags);
  });
}

grpc::Status ProviderService::ValidateResourceConfig(grpc::ServerContext*,
                                                     const tfplugin6::ValidateResourceConfig::Request* req,
                                                     tfplugin6::ValidateResourceConfig::Response* resp) {
  return Guard(resp, provider_, &timings_, "ValidateResourceConfig", [&](Diagnostics& diags) {
    Resource* r = FindResource(provider_, req->type_name(), diags);
    if (r == nullptr) return;
    auto config = DecodeDynamicValue(req->config(), r->schema().type());
    if (!config.ok()) {
      diags.AddStatus("Cannot decode the configuration", config.status());
      return;
    }
    // Before Terraform 1.11 a write-only value would end up in the state: refuse it.
    CheckWriteOnlyAllowed(r->schema().block, *config, req->client_capabilities().write_only_attributes_allowed(),
                          diags);
    CheckAttributeRules(r->schema().block, *config, diags);
    r->ValidateConfig(*config, diags);
  });
}

grpc::Status ProviderService::ValidateDataResourceConfig(grpc::ServerContext*,
                                                         const tfplugin6::ValidateDataResourceConfig::Request* req,
                                                         tfplugin6::ValidateDataResourceConfig::Response* resp) {
  return Guard(resp, provider_, &timings_, "ValidateDataResourceConfig", [&](Diagnostics& diags) {
    DataSource* d = provider_->data_source(req->type_name());
    if (d == nullptr) {
      diags.AddError("Unknown data source", "The ionos provider has no data source " + req->type_name() + ".");
      return;
    }
    auto config = DecodeDynamicValue(req->config(), d->schema().type());
    if (!config.ok()) {
      diags.AddStatus("Cannot decode the configuration", config.status());
      return;
    }
    CheckAttributeRules(d->schema().block, *config, diags);
    d->ValidateConfig(*config, diags);
  });
}

grpc::Status ProviderService::UpgradeResourceState(grpc::ServerContext*,
                                                   const tfplugin6::UpgradeResourceState::Request* req,
                                                   tfplugin6::UpgradeResourceState::Response* resp) {
  return Guard(resp, provider_, &timings_, "UpgradeResourceState", [&](Diagnostics& diags) {
    Resource* r = FindResource(provider_, req->type_name(), diags);
    if (r == nullptr) return;
    const Type type = r->schema().type();
    if (req->version() > r->schema().version) {
      diags.AddError("State written by a newer provider",
                     "The state of this " + req->type_name() + " has schema version " +
                         std::to_string(req->version()) + "; this provider knows version " +
                         std::to_string(r->schema().version) + ". Upgrade the provider.");
      return;
    }
    // Each earlier schema version's state passes through the upgraders to the current one.
    // Read like any JSON from elsewhere: depth-limited, never throwing (core/base/json.h).
    nlohmann::json raw = ParseJson(req->raw_state().json()).value_or(nlohmann::json());
    if (!raw.is_object()) {
      diags.AddError("Cannot read the stored state of " + req->type_name(),
                     "The state (schema version " + std::to_string(req->version()) + ") is not a JSON object.");
      return;
    }
    const std::vector<StateUpgrader> upgraders = r->StateUpgraders();
    for (int64_t v = req->version(); v < r->schema().version; ++v) {
      if (v < 0 || static_cast<size_t>(v) >= upgraders.size()) {
        diags.AddError("Cannot upgrade the stored state of " + req->type_name(),
                       "This provider has no upgrade from schema version " + std::to_string(v) +
                           ". This is a bug in the provider; please report it.");
        return;
      }
      if (Status s = upgraders[static_cast<size_t>(v)](raw); !s.ok()) {
        diags.AddStatus("Cannot upgrade the stored state of " + req->type_name(),
                        s.WithContext("from schema version " + std::to_string(v)));
        return;
      }
    }
    auto state = DecodeJson(raw.dump(), type);
    if (!state.ok()) {
      diags.AddStatus("Cannot read the stored state of " + req->type_name(), state.status());
      return;
    }
    EncodeDynamicValue(NullWriteOnly(r->schema().block, *state), type, resp->mutable_upgraded_state());
  });
}

grpc::Status ProviderService::ReadResource(grpc::ServerContext*, const tfplugin6::ReadResource::Request* req,
                                           tfplugin6::ReadResource::Response* resp) {
  return Guard(resp, provider_, &timings_, "ReadResource", [&](Diagnostics& diags) {
    Resource* r = FindResource(provider_, req->type_name(), diags);
    if (r == nullptr) return;
    const Type type = r->schema().type();
    auto state = DecodeDynamicValue(req->current_state(), type);
    if (!state.ok()) {
      diags.AddStatus("Cannot decode the current state", state.status());
      return;
    }
    if (NotConfigured(provider_, diags)) {
      EncodeDynamicValue(*state, type, resp->mutable_new_state());
      return;
    }
    Value next = r->Read(*state, diags);
    if (diags.HasError()) {
      // Keep the state as it was: a failed refresh must not lose track of the object.
      EncodeDynamicValue(*state, type, resp->mutable_new_state());
      return;
    }
    next = NullWriteOnly(r->schema().block, next);
    if (!next.is_null()) CheckAppliedState(Value::Unknown(type), next, diags);
    EncodeDynamicValue(next, type, resp->mutable_new_state());
    resp->set_private_(req->private_());
  });
}

grpc::Status ProviderService::PlanResourceChange(grpc::ServerContext*,
                                                 const tfplugin6::PlanResourceChange::Request* req,
                                                 tfplugin6::PlanResourceChange::Response* resp) {
  return Guard(resp, provider_, &timings_, "PlanResourceChange", [&](Diagnostics& diags) {
    Resource* r = FindResource(provider_, req->type_name(), diags);
    if (r == nullptr) return;
    const Type type = r->schema().type();
    auto prior = DecodeDynamicValue(req->prior_state(), type);
    auto proposed = DecodeDynamicValue(req->proposed_new_state(), type);
    auto config = DecodeDynamicValue(req->config(), type);
    for (const auto* v : {&prior, &proposed, &config}) {
      if (!v->ok()) {
        diags.AddStatus("Cannot decode the plan request", v->status());
        return;
      }
    }
    PlanRequest plan_req{*prior, *proposed, *config};
    PlanResponse plan = GenericPlan(r->schema().block, plan_req);
    plan.planned_private = req->prior_private();
    if (!proposed->is_null()) r->ModifyPlan(plan_req, plan);
    plan.planned = NullWriteOnly(r->schema().block, plan.planned);
    diags.Append(plan.diagnostics);
    EncodeDynamicValue(plan.planned, type, resp->mutable_planned_state());
    for (const auto& p : plan.requires_replace) PathToProto(p, resp->add_requires_replace());
    resp->set_planned_private(plan.planned_private);
  });
}

grpc::Status ProviderService::ApplyResourceChange(grpc::ServerContext*,
                                                  const tfplugin6::ApplyResourceChange::Request* req,
                                                  tfplugin6::ApplyResourceChange::Response* resp) {
  return Guard(resp, provider_, &timings_, "ApplyResourceChange", [&](Diagnostics& diags) {
    Resource* r = FindResource(provider_, req->type_name(), diags);
    if (r == nullptr) return;
    const Type type = r->schema().type();
    auto prior = DecodeDynamicValue(req->prior_state(), type);
    auto planned = DecodeDynamicValue(req->planned_state(), type);
    auto config = DecodeDynamicValue(req->config(), type);
    for (const auto* v : {&prior, &planned, &config}) {
      if (!v->ok()) {
        diags.AddStatus("Cannot decode the apply request", v->status());
        EncodeDynamicValue(prior.ok() ? *prior : Value::Null(type), type, resp->mutable_new_state());
        return;
      }
    }
    if (NotConfigured(provider_, diags)) {
      EncodeDynamicValue(*prior, type, resp->mutable_new_state());
      return;
    }
    Value result;
    if (planned->is_null()) {
      r->Delete(*prior, diags);
      result = diags.HasError() ? *prior : Value::Null(type);
    } else if (prior->is_null()) {
      result = r->Create(*planned, *config, diags);
      result = NullWriteOnly(r->schema().block, result);
      if (!diags.HasError()) CheckAppliedState(*planned, result, diags);
    } else {
      result = r->Update(*prior, *planned, *config, req->planned_private(), diags);
      if (result.is_null()) result = *prior;
      result = NullWriteOnly(r->schema().block, result);
      if (!diags.HasError()) CheckAppliedState(*planned, result, diags);
    }
    EncodeDynamicValue(result, type, resp->mutable_new_state());
    resp->set_private_(req->planned_private());
  });
}

grpc::Status ProviderService::ImportResourceState(grpc::ServerContext*,
                                                  const tfplugin6::ImportResourceState::Request* req,
                                                  tfplugin6::ImportResourceState::Response* resp) {
  return Guard(resp, provider_, &timings_, "ImportResourceState", [&](Diagnostics& diags) {
    Resource* r = FindResource(provider_, req->type_name(), diags);
    if (r == nullptr) return;
    if (NotConfigured(provider_, diags)) return;
    Value state = r->Import(req->id(), diags);
    if (diags.HasError() || state.is_null()) return;
    auto* imported = resp->add_imported_resources();
    imported->set_type_name(req->type_name());
    EncodeDynamicValue(NullWriteOnly(r->schema().block, state), r->schema().type(), imported->mutable_state());
  });
}

grpc::Status ProviderService::ReadDataSource(grpc::ServerContext*, const tfplugin6::ReadDataSource::Request* req,
                                             tfplugin6::ReadDataSource::Response* resp) {
  return Guard(resp, provider_, &timings_, "ReadDataSource", [&](Diagnostics& diags) {
    DataSource* d = provider_->data_source(req->type_name());
    if (d == nullptr) {
      diags.AddError("Unknown data source", "The ionos provider has no data source " + req->type_name() + ".");
      return;
    }
    const Type type = d->schema().type();
    auto config = DecodeDynamicValue(req->config(), type);
    if (!config.ok()) {
      diags.AddStatus("Cannot decode the configuration", config.status());
      return;
    }
    if (NotConfigured(provider_, diags)) return;
    Value state = d->Read(*config, diags);
    if (diags.HasError()) return;
    CheckAppliedState(Value::Unknown(type), state, diags);
    EncodeDynamicValue(state, type, resp->mutable_state());
  });
}

grpc::Status ProviderService::ValidateEphemeralResourceConfig(
    grpc::ServerContext*, const tfplugin6::ValidateEphemeralResourceConfig::Request* req,
    tfplugin6::ValidateEphemeralResourceConfig::Response* resp) {
  return Guard(resp, provider_, &timings_, "ValidateEphemeralResourceConfig", [&](Diagnostics& diags) {
    EphemeralResource* e = FindEphemeralResource(provider_, req->type_name(), diags);
    if (e == nullptr) return;
    auto config = DecodeDynamicValue(req->config(), e->schema().type());
    if (!config.ok()) {
      diags.AddStatus("Cannot decode the configuration", config.status());
      return;
    }
    CheckAttributeRules(e->schema().block, *config, diags);
    e->ValidateConfig(*config, diags);
  });
}

grpc::Status ProviderService::OpenEphemeralResource(grpc::ServerContext*,
                                                    const tfplugin6::OpenEphemeralResource::Request* req,
                                                    tfplugin6::OpenEphemeralResource::Response* resp) {
  return Guard(resp, provider_, &timings_, "OpenEphemeralResource", [&](Diagnostics& diags) {
    EphemeralResource* e = FindEphemeralResource(provider_, req->type_name(), diags);
    if (e == nullptr) return;
    const Type type = e->schema().type();
    auto config = DecodeDynamicValue(req->config(), type);
    if (!config.ok()) {
      diags.AddStatus("Cannot decode the configuration", config.status());
      return;
    }
    e->ValidateConfig(*config, diags);
    if (diags.HasError() || NotConfigured(provider_, diags)) return;
    Value result = e->Open(*config, diags);
    if (diags.HasError()) return;
    // No renew_at (a certificate outlives any run) and no private data (nothing stays open).
    EncodeDynamicValue(result, type, resp->mutable_result());
  });
}

grpc::Status ProviderService::RenewEphemeralResource(grpc::ServerContext*,
                                                     const tfplugin6::RenewEphemeralResource::Request* req,
                                                     tfplugin6::RenewEphemeralResource::Response* resp) {
  // Never called: Open sets no renew_at. Nothing to extend either way.
  return Guard(resp, provider_, &timings_, "RenewEphemeralResource",
               [&](Diagnostics& diags) { FindEphemeralResource(provider_, req->type_name(), diags); });
}

grpc::Status ProviderService::CloseEphemeralResource(grpc::ServerContext*,
                                                     const tfplugin6::CloseEphemeralResource::Request* req,
                                                     tfplugin6::CloseEphemeralResource::Response* resp) {
  // Nothing is held open between RPCs.
  return Guard(resp, provider_, &timings_, "CloseEphemeralResource",
               [&](Diagnostics& diags) { FindEphemeralResource(provider_, req->type_name(), diags); });
}

grpc::Status ProviderService::StopProvider(grpc::ServerContext*, const tfplugin6::StopProvider::Request*,
                                           tfplugin6::StopProvider::Response*) {
  provider_->log().Info("StopProvider: cancelling in-flight work");
  cancel_->Cancel();
  return grpc::Status::OK;
}

}  // namespace ionos::tf
