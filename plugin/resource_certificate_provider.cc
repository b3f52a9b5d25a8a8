// resource "ionos_certificate_provider": an ACME account (docs/resources/certificate_provider.md).
//
// A thin view on core's AccountManager: registration, the CA's word about the account on refresh
// (only its explicit word ends an account), contact updates and repairs in place, deactivation.
#include "core/base/encoding.h"
#include "plugin/provider.h"

namespace ionos::tf {
namespace {

constexpr char kEabBlock[] = "external_account_binding";

// The account status Read reports when the CA no longer knows the account; a plan then repairs it.
bool PlannedRepair(const Value& prior) {
  auto status = GetString(prior, "status");
  return status && *status != "valid";
}

class CertificateProviderResource final : public Resource {
 public:
  CertificateProviderResource(Provider* provider, Schema schema) : provider_(provider), schema_(std::move(schema)) {}

  const Schema& schema() const override { return schema_; }

  // Each attribute's own rule (e-mail, https URL, key algorithm) is the schema's ("validate",
  // applied by the framework); here the external account binding's rules.
  void ValidateConfig(const Value& config, Diagnostics& diags) override {
    Value eab = config.is_known() ? config.GetAttr(kEabBlock) : Value::Null(Type::Dynamic());
    if (eab.is_known()) {
      for (size_t i = 0; i < eab.elements().size(); ++i) {
        ValidateBinding(eab.elements()[i], AttributePath(kEabBlock).Index(static_cast<int64_t>(i)), diags);
      }
    }
  }

  void ModifyPlan(const PlanRequest& req, PlanResponse& resp) override {
    if (req.prior.is_null()) return;
    // Only key_id (and adding or removing the block) replaces the account (the schema says so); a
    // new secret, key_secret_wo_version, or moving from key_secret to key_secret_wo is an update
    // in place that only records it: the CA checked the binding when the account registered.
    //
    // An account the CA no longer knows (or ended) is registered again in place at apply: the
    // certificates that refer to it by id stay as they are.
    if (resp.requires_replace.empty() && PlannedRepair(req.prior)) {
      for (const char* attr : {"account_url", "status"}) {
        resp.planned = WithAttr(resp.planned, attr, Value::Unknown(Type::String()));
      }
    }
  }

  Value Create(const Value& planned, const Value& config, Diagnostics& diags) override {
    ProviderContext* ctx = provider_->context();
    const AccountSpec spec = SpecFromPlan(planned, config);
    AccountArgument blamed = AccountArgument::kNone;
    Result<AccountRecord> record = ctx->accounts().Register(spec, &blamed);
    if (!record.ok()) {
      diags.AddStatus("Cannot register the ACME account", record.status(), PathOf(blamed, config));
      return Value::Null(schema_.type());
    }
    return StateFromRecord(*record, record->status, planned);
  }

  Value Read(const Value& state, Diagnostics& diags) override {
    ProviderContext* ctx = provider_->context();
    const std::string id = GetString(state, "id").value_or("");
    Result<AccountCheck> check = ctx->accounts().Check(id);
    if (!check.ok()) {
      if (check.status().code() != StatusCode::kNotFound) {
        diags.AddStatus("Cannot read the certificate provider from the store", check.status());
        return state;
      }
      Result<bool> deleted = ctx->store().WasDeleted("account", id);
      if (!deleted.ok()) {
        diags.AddStatus("Cannot read the certificate provider from the store", deleted.status());
        return state;
      }
      if (*deleted) {
        ctx->log().Warn("certificate provider was deleted from the store outside Terraform", {{"id", id}});
        return Value::Null(schema_.type());
      }
      diags.AddStatus("Certificate provider not in the store", UnknownIdStatus(*ctx, check.status()),
                      AttributePath("id"));
      return state;
    }
    const AccountRecord& r = check->record;
    switch (check->standing) {
      case AccountStanding::kValid: break;
      case AccountStanding::kUnconfirmed:
        diags.AddWarning("Could not confirm the ACME account at the CA",
                         "The account " + r.account_url + " is kept as it is in the store: " + check->detail);
        break;
      case AccountStanding::kForgotten:
        diags.AddWarning("The CA no longer knows the ACME account \"" + r.name + "\"",
                         check->detail + ". The certificates issued under it stay valid and nothing else changes; "
                                         "the next terraform apply registers the account's key again in place.");
        break;
      case AccountStanding::kDeactivated:
      case AccountStanding::kRevoked:
        diags.AddWarning("The ACME account \"" + r.name + "\" is " + AccountStatusText(check->standing, r),
                         check->detail + ". The certificates issued under it stay valid and nothing else changes; "
                                         "the next terraform apply registers a new key for this certificate provider "
                                         "in place.");
        break;
    }
    return StateFromRecord(r, AccountStatusText(check->standing, r), state);
  }

  Value Update(const Value& prior, const Value& planned, const Value& config, const std::string&,
               Diagnostics& diags) override {
    ProviderContext* ctx = provider_->context();
    const std::string id = GetString(prior, "id").value_or("");
    AccountStanding standing = AccountStanding::kValid;
    if (PlannedRepair(prior)) {
      auto status = GetString(prior, "status").value_or("");
      standing = status == "deactivated" ? AccountStanding::kDeactivated
                 : status == "revoked"   ? AccountStanding::kRevoked
                                         : AccountStanding::kForgotten;
    }
    AccountArgument blamed = AccountArgument::kNone;
    Result<AccountRecord> record = ctx->accounts().Update(id, SpecFromPlan(planned, config), standing, &blamed);
    if (!record.ok()) {
      diags.AddStatus("Cannot update the ACME account", record.status(), PathOf(blamed, config));
      return prior;
    }
    return StateFromRecord(*record, record->status, planned);
  }

  void Delete(const Value& prior, Diagnostics& diags) override {
    ProviderContext* ctx = provider_->context();
    Status s = ctx->accounts().Deactivate(GetString(prior, "id").value_or(""));
    if (!s.ok()) diags.AddStatus("Cannot deactivate the ACME account", s);
  }

  Value Import(const std::string& id, Diagnostics& diags) override {
    ProviderContext* ctx = provider_->context();
    auto record = ctx->store().GetAccount(id);
    if (!record.ok()) {
      diags.AddStatus("Cannot import the certificate provider",
                      record.status().code() == StatusCode::kNotFound ? UnknownIdStatus(*ctx, record.status())
                                                                      : record.status());
      return Value::Null(schema_.type());
    }
    return StateFromRecord(*record, record->status, Value::Null(schema_.type()));
  }

 private:
  // One external_account_binding block: a key id, and exactly one of key_secret_wo and the
  // deprecated key_secret, base64url-encoded. The conflict, the missing secret and the deprecation
  // point at the block, not at a secret attribute: Terraform prints the configuration line a
  // diagnostic points at, and a secret written there literally would appear in the output.
  static void ValidateBinding(const Value& b, const AttributePath& base, Diagnostics& diags) {
    if (!b.is_known()) return;
    if (auto kid = GetString(b, "key_id"); kid && kid->empty()) {
      diags.AddAttributeError(base.Attr("key_id"), "Empty key_id", "Give the key identifier from your CA.");
    }
    const Value secret = b.GetAttr("key_secret");
    const Value secret_wo = b.GetAttr("key_secret_wo");
    if (!secret.is_null() && !secret_wo.is_null()) {
      diags.AddAttributeError(base, "Conflicting key_secret and key_secret_wo",
                              "Set the HMAC key once: as key_secret_wo (write-only, kept out of the plan and the "
                              "state; Terraform 1.11 or later), or as the deprecated key_secret, not both.");
    } else if (secret.is_null() && secret_wo.is_null()) {
      diags.AddAttributeError(base, "Missing key_secret_wo",
                              "The external_account_binding needs the HMAC key your CA gave with the key id: set "
                              "key_secret_wo (write-only; Terraform 1.11 or later), or the deprecated key_secret.");
    }
    for (const char* attr : {"key_secret", "key_secret_wo"}) {
      if (auto value = GetString(b, attr)) {
        if (value->empty() || !Base64UrlDecode(*value).ok()) {
          diags.AddAttributeError(base.Attr(attr), std::string("Invalid ") + attr,
                                  "The HMAC key must be base64url-encoded, as your CA gives it.");
        }
      }
    }
    if (!secret.is_null()) {
      diags.AddAttributeWarning(base, "Deprecated attribute key_secret",
                                "key_secret keeps the HMAC key in the Terraform plan and state. Use key_secret_wo "
                                "instead (write-only, Terraform 1.11 or later; change key_secret_wo_version when the "
                                "key changes): switching keeps the account and only removes the key from the state.");
    }
  }

  // What to register: the plan, with the EAB secret from key_secret there or from the write-only
  // key_secret_wo, which only the configuration carries.
  AccountSpec SpecFromPlan(const Value& planned, const Value& config) {
    AccountSpec spec;
    spec.name = GetString(planned, "name").value_or("");
    spec.email = GetString(planned, "email").value_or("");
    spec.server = GetString(planned, "server").value_or("");
    spec.key_algorithm = GetString(planned, "key_algorithm").value_or("");
    Value eab = planned.GetAttr(kEabBlock);
    if (eab.is_known() && !eab.elements().empty()) {
      AcmeExternalAccountBinding binding;
      binding.key_id = GetString(eab.elements()[0], "key_id").value_or("");
      binding.hmac_key_b64url = GetString(eab.elements()[0], "key_secret").value_or("");
      Value config_eab = config.is_known() ? config.GetAttr(kEabBlock) : Value::Null(Type::Dynamic());
      if (binding.hmac_key_b64url.empty() && config_eab.is_known() && !config_eab.elements().empty()) {
        binding.hmac_key_b64url = GetString(config_eab.elements()[0], "key_secret_wo").value_or("");
      }
      if (!binding.hmac_key_b64url.empty()) spec.external_account_binding = binding;
    }
    return spec;
  }

  // The attribute a refused registration points at; none when it is not the user's input.
  std::optional<AttributePath> PathOf(AccountArgument blamed, const Value& config) {
    switch (blamed) {
      case AccountArgument::kEmail: return AttributePath("email");
      case AccountArgument::kServer: return AttributePath("server");
      case AccountArgument::kExternalAccountBinding: {
        Value eab = config.is_known() ? config.GetAttr(kEabBlock) : Value::Null(Type::Dynamic());
        if (eab.is_known() && !eab.elements().empty()) return AttributePath(kEabBlock);
        return std::nullopt;  // the block is missing: nothing to underline
      }
      case AccountArgument::kNone: return std::nullopt;
    }
    return std::nullopt;
  }

  // Builds the state from the store; the EAB block keeps what the plan/state had (the store never
  // keeps the secret; key_secret_wo is null there, the framework sees to that).
  Value StateFromRecord(const AccountRecord& r, const std::string& status, const Value& base) {
    Value v = EmptyObject(schema_.block);
    v = WithAttr(v, "id", Value::String(r.id));
    v = WithAttr(v, "name", Value::String(r.name));
    v = WithAttr(v, "email", Value::String(r.email));
    v = WithAttr(v, "server", Value::String(r.server));
    v = WithAttr(v, "key_algorithm", Value::String(r.key_algorithm));
    v = WithAttr(v, "account_url", Value::String(r.account_url));
    v = WithAttr(v, "status", Value::String(status));
    const BlockSchema* eab_schema = schema_.block.FindBlock(kEabBlock);
    Value base_eab = base.is_known() ? base.GetAttr(kEabBlock) : Value::Null(Type::Dynamic());
    if (base_eab.is_known() && !base_eab.elements().empty()) {
      v = WithAttr(v, kEabBlock, base_eab);
    } else if (!r.eab_key_id.empty() && eab_schema != nullptr) {
      Value b = EmptyObject(*eab_schema);
      b = WithAttr(b, "key_id", Value::String(r.eab_key_id));
      v = WithAttr(v, kEabBlock, Value::List(eab_schema->ObjectType(), {b}));
    }
    return v;
  }

  Provider* provider_;
  Schema schema_;
};

}  // namespace

std::unique_ptr<Resource> NewCertificateProviderResource(Provider* provider, Schema schema) {
  return std::make_unique<CertificateProviderResource>(provider, std::move(schema));
}

}  // namespace ionos::tf
