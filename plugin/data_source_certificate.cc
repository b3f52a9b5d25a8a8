// data "ionos_certificate" (docs/data-sources/certificate.md): one certificate of the store by id.
// A thin view on core's CertificateManager: decode the id, ask the manager, encode its answer once.
#include "core/lifecycle/renewal_policy.h"
#include "plugin/auto_certificate_model.h"
#include "plugin/provider.h"

namespace ionos::tf {
namespace {

class CertificateDataSource final : public DataSource {
 public:
  CertificateDataSource(Provider* provider, Schema schema) : provider_(provider), schema_(std::move(schema)) {}

  const Schema& schema() const override { return schema_; }

  Value Read(const Value& config, Diagnostics& diags) override {
    ProviderContext* ctx = provider_->context();
    Result<CertificateView> view = ctx->certificates().ViewCertificate(GetString(config, "id").value_or(""));
    if (!view.ok()) {
      diags.AddStatus("Certificate not found", view.status(), AttributePath("id"));
      return Value::Null(schema_.type());
    }
    const CertificateRecord& c = view->certificate;
    // A data source's result is stored in the state: the key only when asked for.
    const Value include = config.GetAttr("include_private_key");
    std::map<std::string, Value> attrs = CertificateAttributes(c, include.is_known() && include.as_bool());
    attrs["id"] = Value::String(c.id);
    attrs["include_private_key"] = include;
    attrs["name"] = Value::String(c.name);
    attrs["status"] = Value::String(CertificateStatusName(view->status));
    if (!view->published_id.empty()) attrs["published_id"] = Value::String(view->published_id);
    return ObjectOf(schema_.block, std::move(attrs));
  }

 private:
  Provider* provider_;
  Schema schema_;
};

}  // namespace

std::unique_ptr<DataSource> NewCertificateDataSource(Provider* provider, Schema schema) {
  return std::make_unique<CertificateDataSource>(provider, std::move(schema));
}

}  // namespace ionos::tf
