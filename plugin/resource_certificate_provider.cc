// resource "ionos_certificate_provider": an ACME account (DESIGN.md §2).
#include "core/crypto/crypto.h"
#include "core/base/encoding.h"
#include "core/acme/contact.h"
#include "core/http/url.h"
#include "plugin/provider.h"

namespace ionos::tf {
namespace {

constexpr char kEabBlock[] = "external_account_binding";

class CertificateProviderResource final : public Resource {
 public:
  CertificateProviderResource(Provider* provider, Schema schema) : provider_(provider), schema_(std::move(schema)) {}

  const Schema& schema() const override { return schema_; }

  void ValidateConfig(const Value& config, Diagnostics& diags) override {
    if (auto name = GetString(config, "name"); name && name->empty()) {
      diags.AddAttributeError(AttributePath("name"), "Empty name", "The certificate provider needs a display name.");
    }
    if (auto email = GetString(config, "email")) {
      Status s = ValidateEmail(*email);
      if (!s.ok()) diags.AddAttributeError(AttributePath("email"), "Invalid e-mail address", s.message());
    }
    if (auto server = GetString(config, "server")) {
      Status s = ValidateUrl(*server, UrlSchemePolicy::kHttpsOnly);
      if (!s.ok()) {
        diags.AddAttributeError(AttributePath("server"), "Invalid ACME server",
                                s.message() + ". The server is the ACME directory URL, for example "
                                              "https://acme-v02.api.letsencrypt.org/directory.");
      }
    }
    if (auto alg = GetString(config, "key_algorithm")) {
      if (!ParseKeyAlgorithm(*alg).ok()) {
        diags.AddAttributeError(AttributePath("key_algorithm"), "Unsupported key algorithm",
                                "\"" + *alg + "\" is not one of ecdsa256, ecdsa384, rsa2048, rsa3072, rsa4096.");
      }
    }
    Value eab = config.is_known() ? config.GetAttr(kEabBlock) : Value::Null(Type::Dynamic());
    if (eab.is_known()) {
      for (size_t i = 0; i < eab.elements().size(); ++i) {
        const Value& b = eab.elements()[i];
        AttributePath base = AttributePath(kEabBlock).Index(static_cast<int64_t>(i));
        if (auto kid = GetString(b, "key_id"); kid && kid->empty()) {
          diags.AddAttributeError(base.Attr("key_id"), "Empty key_id", "Give the key identifier from your CA.");
        }
        if (auto secret = GetString(b, "key_secret")) {
          if (secret->empty() || !Base64UrlDecode(*secret).ok()) {
            diags.AddAttributeError(base.Attr("key_secret"), "Invalid key_secret",
                                    "The HMAC key must be base64url-encoded, as your CA gives it.");
          }
        }
      }
    }
  }

  void ModifyPlan(const PlanRequest& req, PlanResponse& resp) override {
    // An imported account has no EAB secret in state (the store never keeps it):
    // the same key_id in the configuration is not a change.
    if (req.prior.is_null()) return;
    Value prior_eab = req.prior.GetAttr(kEabBlock);
    Value planned_eab = resp.planned.GetAttr(kEabBlock);
    if (!prior_eab.is_known() || !planned_eab.is_known() || prior_eab.elements().size() != 1 ||
        planned_eab.elements().size() != 1) {
      return;
    }
    const Value& p = prior_eab.elements()[0];
    const Value& n = planned_eab.elements()[0];
    if (p.GetAttr("key_secret").is_null() && p.GetAttr("key_id") == n.GetAttr("key_id")) {
      std::erase(resp.requires_replace, AttributePath(kEabBlock));
    }
  }

  Value Create(const Value& planned, const Value&, Diagnostics& diags) override {
    ProviderContext* ctx = provider_->context();
    const std::string server = GetString(planned, "server").value_or("");
    const std::string email = GetString(planned, "email").value_or("");
    const std::string alg_name = GetString(planned, "key_algorithm").value_or("ecdsa256");
    auto alg = ParseKeyAlgorithm(alg_name);
    if (!alg.ok()) {
      diags.AddAttributeError(AttributePath("key_algorithm"), "Unsupported key algorithm", alg.status().message());
      return Value::Null(schema_.type());
    }
    auto acme = ctx->Acme(server);
    if (!acme.ok()) {
      diags.AddAttributeError(AttributePath("server"), "Cannot use the ACME server", acme.status().message());
      return Value::Null(schema_.type());
    }
    if (auto dir = (*acme)->Directory(); !dir.ok()) {
      diags.AddAttributeError(AttributePath("server"), "Cannot use the ACME server", dir.status().message());
      return Value::Null(schema_.type());
    }
    auto key = PrivateKey::Generate(*alg);
    if (!key.ok()) {
      diags.AddStatus("Cannot generate the account key", key.status());
      return Value::Null(schema_.type());
    }

    NewAccountRequest request;
    request.contact_emails = {email};
    request.terms_of_service_agreed = true;
    std::string eab_key_id;
    Value eab = planned.GetAttr(kEabBlock);
    if (eab.is_known() && !eab.elements().empty()) {
      AcmeExternalAccountBinding binding;
      binding.key_id = GetString(eab.elements()[0], "key_id").value_or("");
      binding.hmac_key_b64url = GetString(eab.elements()[0], "key_secret").value_or("");
      eab_key_id = binding.key_id;
      request.external_account_binding = binding;
    }
    ctx->log().Info("registering ACME account", {{"server", server}, {"key_algorithm", alg_name}});
    auto account = (*acme)->NewAccount(*key, request);
    if (!account.ok()) {
      std::optional<AttributePath> path;
      if (request.external_account_binding) {
        path = AttributePath(kEabBlock);
      } else if (account.status().code() == StatusCode::kInvalidArgument) {
        path = AttributePath("email");
      }
      diags.AddStatus("Cannot register the ACME account", account.status().WithContext("registering at " + server),
                      path);
      return Value::Null(schema_.type());
    }

    AccountRecord record;
    record.name = GetString(planned, "name").value_or("");
    record.email = email;
    record.server = server;
    record.key_algorithm = alg_name;
    record.account_url = account->url;
    record.status = account->status.empty() ? "valid" : account->status;
    record.eab_key_id = eab_key_id;
    auto pem = key->ToPem();
    if (!pem.ok()) {
      diags.AddStatus("Cannot encode the account key", pem.status());
      return Value::Null(schema_.type());
    }
    record.private_key_pem = *pem;
    auto stored = ctx->store().CreateAccount(record);
    if (!stored.ok()) {
      // Do not leave an account at the CA that nothing knows about.
      (void)(*acme)->DeactivateAccount(*key, account->url);
      diags.AddStatus("Cannot save the account in the certificate store", stored.status());
      return Value::Null(schema_.type());
    }
    ctx->log().Info("ACME account registered", {{"id", stored->id}, {"account_url", stored->account_url}});
    return StateFromRecord(*stored, planned);
  }

  Value Read(const Value& state, Diagnostics& diags) override {
    ProviderContext* ctx = provider_->context();
    const std::string id = GetString(state, "id").value_or("");
    auto record = ctx->store().GetAccount(id);
    if (!record.ok()) {
      if (record.status().code() == StatusCode::kNotFound) {
        auto deleted = ctx->store().WasDeleted("account", id);
        if (deleted.ok() && *deleted) {
          ctx->log().Warn("certificate provider was deleted from the store outside Terraform", {{"id", id}});
          return Value::Null(schema_.type());
        }
        diags.AddStatus("Certificate provider not in the store",
                        record.status().WithContext("the store has never known this id; is `store` pointing at "
                                                    "the right place, or was the store file lost?"),
                        AttributePath("id"));
        return state;
      }
      diags.AddStatus("Cannot read the certificate provider from the store", record.status());
      return state;
    }
    if (record->status == "deactivated") return Value::Null(schema_.type());
    auto status = CheckAtCa(*ctx, *record);
    if (status.code() == StatusCode::kNotFound) {
      ctx->log().Warn("ACME account is gone at the CA; removing it from state", {{"id", id}});
      (void)ctx->store().UpdateAccountStatus(id, "deactivated");
      return Value::Null(schema_.type());
    }
    if (!status.ok()) {
      diags.AddWarning("Could not confirm the ACME account at the CA",
                       "The account " + record->account_url + " is kept as it is in the store: " + status.message());
    }
    return StateFromRecord(*record, state);
  }

  Value Update(const Value& prior, const Value& planned, const Value&, Diagnostics& diags) override {
    ProviderContext* ctx = provider_->context();
    const std::string id = GetString(prior, "id").value_or("");
    auto record = ctx->store().UpdateAccountName(id, GetString(planned, "name").value_or(""));
    if (!record.ok()) {
      diags.AddStatus("Cannot rename the certificate provider", record.status());
      return prior;
    }
    return StateFromRecord(*record, planned);
  }

  void Delete(const Value& prior, Diagnostics& diags) override {
    ProviderContext* ctx = provider_->context();
    const std::string id = GetString(prior, "id").value_or("");
    auto record = ctx->store().GetAccount(id);
    if (!record.ok() && record.status().code() == StatusCode::kNotFound) return;  // already gone: idempotent
    if (!record.ok()) {
      diags.AddStatus("Cannot read the certificate provider from the store", record.status());
      return;
    }
    if (record->status != "deactivated") {
      auto key = PrivateKey::FromPem(record->private_key_pem);
      if (!key.ok()) {
        diags.AddStatus("Cannot load the account key", key.status());
        return;
      }
      auto acme = ctx->Acme(record->server);
      Status s = acme.ok() ? (*acme)->DeactivateAccount(*key, record->account_url) : acme.status();
      if (!s.ok()) {
        diags.AddStatus("Cannot deactivate the ACME account", s.WithContext(record->account_url));
        return;
      }
    }
    Status s = ctx->store().DeleteAccount(id);
    if (!s.ok() && s.code() != StatusCode::kNotFound) {
      diags.AddStatus("Cannot remove the certificate provider from the store", s);
    }
  }

  Value Import(const std::string& id, Diagnostics& diags) override {
    ProviderContext* ctx = provider_->context();
    auto record = ctx->store().GetAccount(id);
    if (!record.ok()) {
      diags.AddStatus("Cannot import the certificate provider", record.status());
      return Value::Null(schema_.type());
    }
    return StateFromRecord(*record, Value::Null(schema_.type()));
  }

 private:
  // Confirms the account at the CA; NotFound means deactivated or unknown there.
  Status CheckAtCa(ProviderContext& ctx, const AccountRecord& record) {
    auto key = PrivateKey::FromPem(record.private_key_pem);
    if (!key.ok()) return key.status();
    IONOS_ASSIGN_OR_RETURN(auto acme, ctx.Acme(record.server));
    IONOS_ASSIGN_OR_RETURN(auto account, acme->GetAccount(*key, record.account_url));
    if (account.status == "deactivated" || account.status == "revoked") {
      return NotFoundError("account is " + account.status);
    }
    return Status::Ok();
  }

  // Builds the state from the store; the EAB block keeps what the
  // configuration/state had (the secret is never stored).
  Value StateFromRecord(const AccountRecord& r, const Value& base) {
    Value v = EmptyObject(schema_.block);
    v = WithAttr(v, "id", Value::String(r.id));
    v = WithAttr(v, "name", Value::String(r.name));
    v = WithAttr(v, "email", Value::String(r.email));
    v = WithAttr(v, "server", Value::String(r.server));
    v = WithAttr(v, "key_algorithm", Value::String(r.key_algorithm));
    v = WithAttr(v, "account_url", Value::String(r.account_url));
    v = WithAttr(v, "status", Value::String(r.status));
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
