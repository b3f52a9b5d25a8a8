// ephemeral "ionos_certificate" (docs/ephemeral-resources/certificate.md). A thin view on core's
// CertificateManager: decode the configuration, ask the manager, encode its answer once.
#include "plugin/auto_certificate_model.h"
#include "plugin/provider.h"

namespace ionos::tf {
namespace {

// ephemeral "ionos_certificate": a certificate with its key for one run, by certificate id or as
// the newest of an auto certificate. Terraform keeps the result out of the plan and the state.
class CertificateEphemeralResource final : public EphemeralResource {
 public:
  CertificateEphemeralResource(Provider* provider, Schema schema) : provider_(provider), schema_(std::move(schema)) {}

  const Schema& schema() const override { return schema_; }

  void ValidateConfig(const Value& config, Diagnostics& diags) override {
    if (!config.is_known()) return;
    const Value id = config.GetAttr("id");
    const Value auto_id = config.GetAttr("auto_certificate_id");
    if (!id.is_null() && !auto_id.is_null()) {
      diags.AddAttributeError(AttributePath("auto_certificate_id"), "Conflicting id and auto_certificate_id",
                              "Name the certificate once: by id (a certificate id, such as an auto certificate's "
                              "last_issued_certificate_id) or by auto_certificate_id (that auto certificate's "
                              "newest certificate), not both.");
    } else if (id.is_null() && auto_id.is_null()) {
      diags.AddAttributeError(AttributePath("id"), "Missing id or auto_certificate_id",
                              "Say which certificate to open: set id (a certificate id, such as an auto "
                              "certificate's last_issued_certificate_id) or auto_certificate_id (the id of an "
                              "ionos_auto_certificate: its newest certificate).");
    }
    for (const char* attr : {"id", "auto_certificate_id"}) {
      if (auto v = GetString(config, attr); v && v->empty()) {
        diags.AddAttributeError(AttributePath(attr), std::string("Empty ") + attr,
                                std::string(attr) + " is empty; reference the resource's attribute instead.");
      }
    }
  }

  Value Open(const Value& config, Diagnostics& diags) override {
    const Value id = config.GetAttr("id");
    const Value auto_id = config.GetAttr("auto_certificate_id");
    if (!id.is_known() && !auto_id.is_known()) {
      // Not known until the apply (the certificate does not exist yet): everything it would tell
      // is unknown, as Terraform plans a data source it cannot read yet.
      std::map<std::string, Value> attrs = config.entries();
      for (const auto& a : schema_.block.attributes) {
        if (a.computed && attrs[a.name].is_null()) attrs[a.name] = Value::Unknown(a.type);
      }
      return ObjectOf(schema_.block, std::move(attrs));
    }
    ProviderContext* ctx = provider_->context();
    CertificateRecord cert;
    std::string common_name;
    if (auto_id.is_known()) {
      const std::string auto_certificate_id = auto_id.as_string();
      Result<AutoCertificateView> view = ctx->certificates().View(auto_certificate_id);
      if (!view.ok()) {
        diags.AddStatus("Auto certificate not found", Explain(*ctx, "auto_certificate", auto_certificate_id,
                                                             view.status()),
                        AttributePath("auto_certificate_id"));
        return Value::Null(schema_.type());
      }
      if (!view->newest) {
        diags.AddAttributeError(AttributePath("auto_certificate_id"), "No certificate yet",
                                "The auto certificate \"" + view->record.name + "\" has no certificate yet.");
        return Value::Null(schema_.type());
      }
      cert = *view->newest;
      common_name = view->record.common_name;
    } else {
      const std::string certificate_id = id.as_string();
      Result<CertificateView> view = ctx->certificates().ViewCertificate(certificate_id);
      if (!view.ok()) {
        diags.AddStatus("Certificate not found", Explain(*ctx, "certificate", certificate_id, view.status()),
                        AttributePath("id"));
        return Value::Null(schema_.type());
      }
      cert = view->certificate;
      Result<AutoCertificateRecord> owner = ctx->store().GetAutoCertificate(cert.auto_certificate_id);
      if (!owner.ok()) {
        diags.AddStatus("Cannot read the certificate's auto certificate from the store", owner.status(),
                        AttributePath("id"));
        return Value::Null(schema_.type());
      }
      common_name = owner->common_name;
    }
    // Terraform keeps an ephemeral result out of the plan and the state: the key is always given.
    std::map<std::string, Value> attrs = CertificateAttributes(cert, /*with_key=*/true);
    attrs["id"] = Value::String(cert.id);
    attrs["auto_certificate_id"] = Value::String(cert.auto_certificate_id);
    attrs["name"] = Value::String(cert.name);
    attrs["common_name"] = Value::String(common_name);
    return ObjectOf(schema_.block, std::move(attrs));
  }

 private:
  // Why an id names nothing here: deleted from the store (pruned, or its auto certificate
  // destroyed), or never known to this store (another store, or a lost one).
  static Status Explain(ProviderContext& ctx, const std::string& kind, const std::string& id, const Status& status) {
    if (status.code() != StatusCode::kNotFound) return status;
    if (kind == "auto_certificate") {
      if (ctx.store().GetCertificate(id).ok()) {
        return NotFoundError("\"" + id + "\" is the id of a certificate, not of an auto certificate; set it as id "
                             "instead, or give the auto certificate's id (ionos_auto_certificate.<name>.id)");
      }
    } else if (status.message().find("is the id of the auto certificate") != std::string::npos) {
      return Status(status.code(), status.message() + ", or set it as auto_certificate_id for its newest certificate");
    }
    Result<bool> deleted = ctx.store().WasDeleted(kind, id);
    if (deleted.ok() && *deleted) {
      return NotFoundError("the " + std::string(kind == "certificate" ? "certificate" : "auto certificate") + " \"" +
                           id + "\" was deleted from the store " + ctx.store().Describe() +
                           (kind == "certificate" ? " (pruned after its grace period, or its auto certificate was "
                                                    "destroyed); open the newest one with auto_certificate_id"
                                                  : ""));
    }
    return UnknownIdStatus(ctx, status);
  }

  Provider* provider_;
  Schema schema_;
};

}  // namespace

std::unique_ptr<EphemeralResource> NewCertificateEphemeralResource(Provider* provider, Schema schema) {
  return std::make_unique<CertificateEphemeralResource>(provider, std::move(schema));
}

}  // namespace ionos::tf
