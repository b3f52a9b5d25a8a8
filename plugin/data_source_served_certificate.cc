// data "ionos_served_certificate" (docs/data-sources/served_certificate.md): what an endpoint really serves.
//
// Decodes the configuration, asks core/lifecycle to probe the endpoint and say what the served
// certificate is to the auto certificate, and encodes the answer. A probe that fails is an error
// on `endpoint`; Terraform itself turns it into a warning when the data source sits inside a
// `check` block (its rule for scoped data sources), so monitoring never blocks an apply. Terraform
// 1.11 also plans every such nested data source to be read again at apply, which makes
// `plan -detailed-exitcode` exit 2 (hashicorp/terraform#35226); warn_on_failure lets a top-level
// data source, read at plan only, report the failure as a warning instead.
#include <chrono>

#include "core/base/host_port.h"
#include "core/lifecycle/attribute_rules.h"
#include "core/lifecycle/monitoring.h"
#include "plugin/provider.h"

namespace ionos::tf {
namespace {

constexpr Duration kDefaultTimeout = std::chrono::seconds(10);
constexpr Duration kMinTimeout = std::chrono::milliseconds(100);
constexpr Duration kMaxTimeout = std::chrono::minutes(5);

// The probe request of a configuration; problems become attribute errors. Unknown values are
// left out (validation time).
std::optional<ProbeRequest> RequestFromConfig(const Value& config, Diagnostics& diags) {
  ProbeRequest request;
  request.timeout = kDefaultTimeout;
  const size_t before = diags.items().size();
  if (auto endpoint = GetString(config, "endpoint")) {
    Result<std::pair<std::string, uint16_t>> hp = SplitHostPort(*endpoint, 443);
    if (!hp.ok()) {
      diags.AddAttributeError(AttributePath("endpoint"), "Invalid endpoint",
                              hp.status().message() + ". Write the endpoint as host:port, e.g. www.example.com:443.");
    } else {
      request.host = hp->first;
      request.port = hp->second;
    }
  }
  if (auto name = GetString(config, "server_name")) {
    if (name->empty()) {
      diags.AddAttributeError(AttributePath("server_name"), "Invalid server name",
                              "server_name is empty; leave it out to use the host of endpoint.");
    }
    request.server_name = *name;
  }
  if (auto timeout = GetString(config, "timeout")) {
    Result<Duration> d = ParseDuration(*timeout);
    if (!d.ok()) {
      diags.AddAttributeError(AttributePath("timeout"), "Invalid timeout", d.status().message() + ".");
    } else if (*d < kMinTimeout || *d > kMaxTimeout) {
      diags.AddAttributeError(AttributePath("timeout"), "Invalid timeout",
                              "timeout must lie between 100ms and 5m, got \"" + *timeout + "\".");
    } else {
      request.timeout = *d;
    }
  }
  if (auto pem = GetString(config, "ca_certificates_pem")) {
    if (Status s = CheckStringRule("ca_bundle", *pem); !s.ok()) {
      diags.AddAttributeError(AttributePath("ca_certificates_pem"), "Invalid CA certificates", s.message());
    }
    request.ca_certificates_pem = *pem;
  }
  if (auto id = GetString(config, "auto_certificate_id"); id && id->empty()) {
    diags.AddAttributeError(AttributePath("auto_certificate_id"), "Invalid auto certificate id",
                            "auto_certificate_id is empty; leave it out to check the endpoint alone.");
  }
  for (size_t i = before; i < diags.items().size(); ++i) {
    if (diags.items()[i].severity == Diagnostic::Severity::kError) return std::nullopt;
  }
  return request;
}

class ServedCertificateDataSource final : public DataSource {
 public:
  ServedCertificateDataSource(Provider* provider, Schema schema) : provider_(provider), schema_(std::move(schema)) {}

  const Schema& schema() const override { return schema_; }

  void ValidateConfig(const Value& config, Diagnostics& diags) override { RequestFromConfig(config, diags); }

  Value Read(const Value& config, Diagnostics& diags) override {
    std::optional<ProbeRequest> request = RequestFromConfig(config, diags);
    if (!request) return Value::Null(schema_.type());
    ProviderContext* ctx = provider_->context();
    const std::optional<std::string> auto_id = GetString(config, "auto_certificate_id");
    std::optional<AutoCertificateView> view;
    if (auto_id) {
      // Reading only: the certificates the store keeps for the auto certificate.
      Result<AutoCertificateView> v = ctx->certificates().View(*auto_id);
      if (!v.ok()) {
        diags.AddStatus("Auto certificate not found", v.status(), AttributePath("auto_certificate_id"));
        return Value::Null(schema_.type());
      }
      view = std::move(v).value();
    }
    Result<ServedCertificateCheck> check =
        CheckServedCertificate(*request, ctx->clock(), view ? &view->certificates : nullptr);
    Value v = EmptyObject(schema_.block);
    for (const char* name :
         {"endpoint", "server_name", "auto_certificate_id", "ca_certificates_pem", "timeout", "warn_on_failure"}) {
      v = WithAttr(v, name, config.GetAttr(name));
    }
    if (!check.ok()) {
      const std::string summary = ProbeFailureSummary(check.status());
      const Value warn = config.GetAttr("warn_on_failure");
      if (!(warn.is_known() && warn.as_bool())) {
        diags.AddStatus(summary, check.status(), AttributePath("endpoint"));
        return Value::Null(schema_.type());
      }
      diags.AddAttributeWarning(AttributePath("endpoint"), summary, check.status().message());
      v = WithAttr(v, "reachable", Value::Bool(false));
      v = WithAttr(v, "chain_verified", Value::Bool(false));
      v = WithAttr(v, "verify_error", Value::String(check.status().message()));
      if (view) {
        v = WithAttr(v, "is_newest", Value::Bool(false));
        v = WithAttr(v, "is_known", Value::Bool(false));
      }
      return v;
    }
    const TimePoint now = ctx->clock().Now();
    const ServedCertificate* served = &check->served;
    v = WithAttr(v, "reachable", Value::Bool(true));
    v = WithAttr(v, "serial_number", Value::String(served->serial_number));
    v = WithAttr(v, "not_after", Value::String(FormatRfc3339(served->not_after)));
    v = WithAttr(v, "days_remaining", Value::Int(DaysUntil(served->not_after, now)));
    v = WithAttr(v, "fingerprint_sha256", Value::String(served->fingerprint_sha256));
    std::vector<Value> names;
    for (const std::string& n : served->dns_names) names.push_back(Value::String(n));
    v = WithAttr(v, "dns_names", Value::List(Type::String(), std::move(names)));
    v = WithAttr(v, "issuer", Value::String(served->issuer));
    v = WithAttr(v, "chain_verified", Value::Bool(served->chain_verified));
    v = WithAttr(v, "verify_error", Value::String(served->verify_error));
    if (check->match) {
      v = WithAttr(v, "is_newest", Value::Bool(check->match->is_newest));
      v = WithAttr(v, "is_known", Value::Bool(check->match->is_known));
    }
    return v;
  }

 private:
  Provider* provider_;
  Schema schema_;
};

}  // namespace

std::unique_ptr<DataSource> NewServedCertificateDataSource(Provider* provider, Schema schema) {
  return std::make_unique<ServedCertificateDataSource>(provider, std::move(schema));
}

}  // namespace ionos::tf
