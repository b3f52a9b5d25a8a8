// resource "ionos_auto_certificate" and data "ionos_certificate" (DESIGN.md §2).
//
// Issuance goes through core's CertificateIssuer (ACME order, DNS-01 records
// in the IONOS Cloud DNS zone, propagation wait); the lifecycle (renewal
// window, statuses, pruning after the grace period) through core's pure
// renewal policy with the provider's clock.
#include <algorithm>
#include <cctype>
#include <set>

#include "core/crypto/crypto.h"
#include "core/dns/dns_name.h"
#include "core/lifecycle/renewal_policy.h"
#include "plugin/provider.h"

namespace ionos::tf {
namespace {

constexpr int64_t kDefaultRenewBeforeDays = 30;
constexpr int64_t kDefaultGracePeriodDays = 30;

// Attributes that describe the newest certificate: unknown in a plan that issues a new one.
const char* const kCertificateAttributes[] = {
    "last_issued_certificate_id", "certificate_pem", "certificate_chain_pem", "private_key_pem", "not_before",
    "not_after", "serial_number", "fingerprint_sha256", "renew_at", "renewal_due", "certificates"};

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// Common name first, then the SANs, lower-cased and without duplicates.
std::vector<std::string> AllNames(const std::string& common_name, const std::vector<std::string>& sans) {
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (const auto& n : std::vector<std::string>{common_name}) {
    if (seen.insert(Lower(n)).second) out.push_back(Lower(n));
  }
  for (const auto& n : sans) {
    if (seen.insert(Lower(n)).second) out.push_back(Lower(n));
  }
  return out;
}

std::set<std::string> NameSet(const std::vector<std::string>& names) {
  std::set<std::string> out;
  for (const auto& n : names) out.insert(Lower(n));
  return out;
}

class AutoCertificateResource final : public Resource {
 public:
  AutoCertificateResource(Provider* provider, Schema schema) : provider_(provider), schema_(std::move(schema)) {
    const AttributeSchema* certs = schema_.block.FindAttribute("certificates");
    cert_object_type_ = certs != nullptr ? certs->type.element() : Type::Dynamic();
  }

  const Schema& schema() const override { return schema_; }

  void ValidateConfig(const Value& config, Diagnostics& diags) override {
    if (auto name = GetString(config, "name"); name && name->empty()) {
      diags.AddAttributeError(AttributePath("name"), "Empty name", "The auto certificate needs a display name.");
    }
    auto cn = GetString(config, "common_name");
    if (cn) {
      Status s = ValidateDnsName(*cn);
      if (!s.ok()) diags.AddAttributeError(AttributePath("common_name"), "Invalid common name", s.message());
    }
    auto sans = GetStringList(config, "subject_alternative_names");
    if (sans) {
      bool each_ok = true;
      for (const auto& n : *sans) {
        Status s = ValidateDnsName(n);
        if (!s.ok()) {
          each_ok = false;
          diags.AddAttributeError(AttributePath("subject_alternative_names"), "Invalid subject alternative name",
                                  s.message());
        }
      }
      if (each_ok && cn && ValidateDnsName(*cn).ok()) {
        Status s = ValidateCertificateNames(*cn, *sans);
        if (!s.ok()) {
          diags.AddAttributeError(AttributePath("subject_alternative_names"), "Invalid subject alternative names",
                                  s.message());
        }
      }
    }
    if (auto alg = GetString(config, "key_algorithm")) {
      if (!ParseKeyAlgorithm(*alg).ok()) {
        diags.AddAttributeError(AttributePath("key_algorithm"), "Unsupported key algorithm",
                                "\"" + *alg + "\" is not one of rsa2048, rsa3072, rsa4096, ecdsa256, ecdsa384.");
      }
    }
    if (auto days = GetInt(config, "renew_before_days"); days && *days < 1) {
      diags.AddAttributeError(AttributePath("renew_before_days"), "Invalid renew_before_days",
                              "renew_before_days must be at least 1, got " + std::to_string(*days) + ".");
    }
    if (auto days = GetInt(config, "grace_period_days"); days && *days < 0) {
      diags.AddAttributeError(AttributePath("grace_period_days"), "Invalid grace_period_days",
                              "grace_period_days must be 0 or more, got " + std::to_string(*days) + ".");
    }
  }

  void ModifyPlan(const PlanRequest& req, PlanResponse& resp) override {
    ProviderContext* ctx = provider_->context();
    const Value& planned = resp.planned;
    auto cn = GetString(planned, "common_name");
    auto sans = GetStringList(planned, "subject_alternative_names");
    const bool sans_known = !IsUnknown(planned, "subject_alternative_names");
    const bool creating = req.prior.is_null();

    // Names outside every hosted zone fail now, before any order is placed.
    bool names_changed = creating;
    if (!creating) {
      auto prior_sans = GetStringList(req.prior, "subject_alternative_names").value_or(std::vector<std::string>{});
      names_changed = NameSet(sans.value_or(std::vector<std::string>{})) != NameSet(prior_sans);
    }
    if (ctx != nullptr && cn && sans_known && names_changed && resp.requires_replace.empty()) {
      CheckZones(*ctx, *cn, sans.value_or(std::vector<std::string>{}), resp.diagnostics);
    }
    if (creating || !resp.requires_replace.empty()) return;

    // An update: re-issue when the names or the key algorithm change, or renewal is due.
    bool reissue = names_changed;
    if (GetString(planned, "key_algorithm") != GetString(req.prior, "key_algorithm")) reissue = true;
    if (req.prior.GetAttr("certificate_pem").is_null()) reissue = true;
    const TimePoint now = ctx != nullptr ? ctx->clock().Now() : std::chrono::system_clock::now();
    auto not_before = ParseTime(req.prior, "not_before");
    auto not_after = ParseTime(req.prior, "not_after");
    const int64_t renew_before = GetInt(planned, "renew_before_days").value_or(kDefaultRenewBeforeDays);
    if (!reissue && not_before && not_after) {
      RenewalWindow w = ComputeRenewalWindow(*not_before, *not_after, renew_before, now);
      if (w.due) {
        reissue = true;
      } else {
        resp.planned = WithAttr(resp.planned, "renew_at", Value::String(FormatRfc3339(w.renew_at)));
        resp.planned = WithAttr(resp.planned, "renewal_due", Value::Bool(false));
      }
    }
    if (reissue) {
      for (const char* attr : kCertificateAttributes) {
        const AttributeSchema* a = schema_.block.FindAttribute(attr);
        resp.planned = WithAttr(resp.planned, attr, Value::Unknown(a->type));
      }
    }
  }

  Value Create(const Value& planned, const Value&, Diagnostics& diags) override {
    ProviderContext* ctx = provider_->context();
    AutoCertificateRecord record = RecordFromPlan(planned);
    auto issued = IssueFor(*ctx, record, diags);
    if (!issued) return Value::Null(schema_.type());

    auto created = ctx->store().CreateAutoCertificate(record);
    if (!created.ok()) {
      diags.AddStatus("Cannot save the auto certificate in the certificate store", created.status());
      return Value::Null(schema_.type());
    }
    issued->auto_certificate_id = created->id;
    auto cert = ctx->store().AddCertificate(*issued);
    if (!cert.ok()) {
      (void)ctx->store().DeleteAutoCertificate(created->id);
      diags.AddStatus("Cannot save the certificate in the certificate store", cert.status());
      return Value::Null(schema_.type());
    }
    ctx->log().Info("certificate issued", {{"auto_certificate", created->id},
                                           {"certificate", cert->name},
                                           {"serial", cert->serial_number},
                                           {"not_after", FormatRfc3339(cert->not_after)}});
    return StateFor(*ctx, *created, planned, nullptr, diags);
  }

  Value Read(const Value& state, Diagnostics& diags) override {
    ProviderContext* ctx = provider_->context();
    const std::string id = GetString(state, "id").value_or("");
    auto record = ctx->store().GetAutoCertificate(id);
    if (!record.ok()) {
      if (record.status().code() == StatusCode::kNotFound) {
        auto deleted = ctx->store().WasDeleted("auto_certificate", id);
        if (deleted.ok() && *deleted) {
          ctx->log().Warn("auto certificate was deleted from the store outside Terraform", {{"id", id}});
          return Value::Null(schema_.type());
        }
        diags.AddStatus("Auto certificate not in the store",
                        record.status().WithContext("the store has never known this id; is `store` pointing at "
                                                    "the right place, or was the store file lost?"),
                        AttributePath("id"));
        return state;
      }
      diags.AddStatus("Cannot read the auto certificate from the store", record.status());
      return state;
    }
    return StateFor(*ctx, *record, state, &diags, diags);
  }

  Value Update(const Value& prior, const Value& planned, const Value&, Diagnostics& diags) override {
    ProviderContext* ctx = provider_->context();
    AutoCertificateRecord record = RecordFromPlan(planned);
    record.id = GetString(prior, "id").value_or("");
    if (planned.GetAttr("certificate_pem").is_unknown()) {
      auto issued = IssueFor(*ctx, record, diags);
      if (!issued) return prior;
      issued->auto_certificate_id = record.id;
      auto cert = ctx->store().AddCertificate(*issued);
      if (!cert.ok()) {
        diags.AddStatus("Cannot save the certificate in the certificate store", cert.status());
        return prior;
      }
      ctx->log().Info("certificate renewed", {{"auto_certificate", record.id},
                                              {"certificate", cert->name},
                                              {"serial", cert->serial_number}});
    }
    auto updated = ctx->store().UpdateAutoCertificate(record);
    if (!updated.ok()) {
      diags.AddStatus("Cannot update the auto certificate in the certificate store", updated.status());
      return prior;
    }
    Value state = StateFor(*ctx, *updated, planned, nullptr, diags);
    // A plan that did not re-issue promised renewal_due: keep that promise for this apply.
    if (!planned.GetAttr("renewal_due").is_unknown()) {
      state = WithAttr(state, "renewal_due", planned.GetAttr("renewal_due"));
    }
    return state;
  }

  void Delete(const Value& prior, Diagnostics& diags) override {
    ProviderContext* ctx = provider_->context();
    const std::string id = GetString(prior, "id").value_or("");
    Status s = ctx->store().DeleteAutoCertificate(id);
    if (!s.ok() && s.code() != StatusCode::kNotFound) {
      diags.AddStatus("Cannot delete the auto certificate from the store", s);
    }
  }

  Value Import(const std::string& id, Diagnostics& diags) override {
    ProviderContext* ctx = provider_->context();
    auto record = ctx->store().GetAutoCertificate(id);
    if (!record.ok()) {
      diags.AddStatus("Cannot import the auto certificate", record.status());
      return Value::Null(schema_.type());
    }
    return StateFor(*ctx, *record, Value::Null(schema_.type()), nullptr, diags);
  }

 private:
  static std::optional<TimePoint> ParseTime(const Value& v, const std::string& attr) {
    auto s = GetString(v, attr);
    if (!s) return std::nullopt;
    auto t = ParseRfc3339(*s);
    if (!t.ok()) return std::nullopt;
    return *t;
  }

  AutoCertificateRecord RecordFromPlan(const Value& planned) {
    AutoCertificateRecord r;
    r.provider_id = GetString(planned, "provider_id").value_or("");
    r.name = GetString(planned, "name").value_or("");
    r.common_name = GetString(planned, "common_name").value_or("");
    r.subject_alternative_names = GetStringList(planned, "subject_alternative_names").value_or(std::vector<std::string>{});
    std::sort(r.subject_alternative_names.begin(), r.subject_alternative_names.end());
    r.key_algorithm = GetString(planned, "key_algorithm").value_or("rsa2048");
    r.renew_before_days = GetInt(planned, "renew_before_days").value_or(kDefaultRenewBeforeDays);
    r.grace_period_days = GetInt(planned, "grace_period_days").value_or(kDefaultGracePeriodDays);
    return r;
  }

  void CheckZones(ProviderContext& ctx, const std::string& cn, const std::vector<std::string>& sans,
                  Diagnostics& diags) {
    auto issuer = ctx.Issuer();
    if (!issuer.ok()) {
      diags.AddAttributeError(AttributePath("common_name"), "Cannot check the DNS zones", issuer.status().message());
      return;
    }
    for (const auto& name : AllNames(cn, sans)) {
      auto zones = (*issuer)->ZonesForNames({name});
      if (zones.ok()) continue;
      const bool is_cn = Lower(cn) == name;
      const AttributePath path(is_cn ? "common_name" : "subject_alternative_names");
      if (zones.status().code() == StatusCode::kNotFound) {
        diags.AddAttributeError(path, "Name outside every hosted DNS zone",
                                "\"" + name + "\" does not lie in any zone of the IONOS Cloud DNS API at " +
                                    ctx.config().dns_api_url + ": " + zones.status().message() +
                                    ". Only names in zones hosted there can be certified.");
      } else {
        diags.AddAttributeError(path, "Cannot check the DNS zones", zones.status().message());
        return;  // the API itself failed: one diagnostic is enough
      }
    }
  }

  // Issues a certificate for `record`; returns the store row to add.
  std::optional<CertificateRecord> IssueFor(ProviderContext& ctx, const AutoCertificateRecord& record,
                                            Diagnostics& diags) {
    auto account = ctx.store().GetAccount(record.provider_id);
    if (!account.ok()) {
      diags.AddStatus("Unknown certificate provider", account.status(), AttributePath("provider_id"));
      return std::nullopt;
    }
    auto key = PrivateKey::FromPem(account->private_key_pem);
    if (!key.ok()) {
      diags.AddStatus("Cannot load the ACME account key", key.status(), AttributePath("provider_id"));
      return std::nullopt;
    }
    auto acme = ctx.Acme(account->server);
    if (!acme.ok()) {
      diags.AddStatus("Cannot use the ACME server", acme.status(), AttributePath("provider_id"));
      return std::nullopt;
    }
    auto issuer = ctx.Issuer();
    if (!issuer.ok()) {
      diags.AddStatus("Cannot issue certificates", issuer.status());
      return std::nullopt;
    }
    // TXT records left by an interrupted earlier run (noted in the store) go first.
    if (Status s = (*issuer)->CleanUpLeftovers(); !s.ok()) {
      ctx.log().Warn("could not clean up leftover DNS records", {{"error", s.message()}});
    }
    auto alg = ParseKeyAlgorithm(record.key_algorithm);
    if (!alg.ok()) {
      diags.AddStatus("Unsupported key algorithm", alg.status(), AttributePath("key_algorithm"));
      return std::nullopt;
    }
    CertificateRequest request;
    request.common_name = record.common_name;
    request.subject_alternative_names = record.subject_alternative_names;
    request.key_algorithm = *alg;
    AcmeAccountRef ref{acme->get(), &*key, account->account_url};
    const TimePoint started = ctx.clock().Now();
    auto issued = (*issuer)->Issue(ref, request);
    if (!issued.ok()) {
      diags.AddStatus("Cannot issue the certificate for " + record.common_name, issued.status());
      return std::nullopt;
    }
    CertificateRecord cert;
    cert.auto_certificate_id = record.id;
    cert.name = record.common_name + "-" + FormatCompactUtc(started);
    cert.serial_number = issued->info.serial_number;
    cert.not_before = issued->info.not_before;
    cert.not_after = issued->info.not_after;
    cert.certificate_pem = issued->certificate_pem;
    cert.chain_pem = issued->chain_pem;
    cert.private_key_pem = issued->private_key_pem;
    cert.fingerprint_sha256 = issued->info.fingerprint_sha256;
    cert.issued_at = started;
    return cert;
  }

  // Builds the state from the store: prunes certificates past their grace
  // period, computes statuses and the renewal window with the provider's clock.
  // `warnings` (refresh only) receives the renewal-due warning.
  Value StateFor(ProviderContext& ctx, const AutoCertificateRecord& r, const Value& base, Diagnostics* warnings,
                 Diagnostics& diags) {
    const TimePoint now = ctx.clock().Now();
    std::vector<CertificateRecord> certs;
    auto listed = ctx.store().ListCertificatesForAutoCertificate(r.id);
    if (!listed.ok()) {
      diags.AddStatus("Cannot list the certificates of " + r.name, listed.status());
    } else {
      for (size_t i = 0; i < listed->size(); ++i) {
        const CertificateRecord& c = (*listed)[i];
        if (ShouldPrune(i == 0, c.not_after, r.grace_period_days, now)) {
          Status s = ctx.store().DeleteCertificate(c.id);
          if (s.ok() || s.code() == StatusCode::kNotFound) {
            ctx.log().Info("deleted certificate after its grace period",
                           {{"certificate", c.name}, {"not_after", FormatRfc3339(c.not_after)}});
            continue;
          }
          diags.AddWarning("Cannot delete an old certificate", s.message());
        }
        certs.push_back(c);
      }
    }

    Value v = EmptyObject(schema_.block);
    v = WithAttr(v, "id", Value::String(r.id));
    v = WithAttr(v, "provider_id", Value::String(r.provider_id));
    v = WithAttr(v, "name", Value::String(r.name));
    v = WithAttr(v, "common_name", Value::String(r.common_name));
    v = WithAttr(v, "key_algorithm", Value::String(r.key_algorithm));
    v = WithAttr(v, "renew_before_days", Value::Int(r.renew_before_days));
    v = WithAttr(v, "grace_period_days", Value::Int(r.grace_period_days));
    // Keep the configuration's form of the SAN set (null vs empty) when it holds the same names.
    Value base_sans = base.is_known() ? base.GetAttr("subject_alternative_names") : Value::Null(Type::Dynamic());
    auto base_list = GetStringList(base, "subject_alternative_names");
    if (base_sans.type() == Type::Set(Type::String()) &&
        NameSet(base_list.value_or(std::vector<std::string>{})) == NameSet(r.subject_alternative_names) &&
        (base_sans.is_known() || r.subject_alternative_names.empty())) {
      v = WithAttr(v, "subject_alternative_names", base_sans);
    } else if (!r.subject_alternative_names.empty()) {
      std::vector<Value> names;
      for (const auto& n : r.subject_alternative_names) names.push_back(Value::String(n));
      v = WithAttr(v, "subject_alternative_names", Value::Set(Type::String(), std::move(names)));
    }

    std::vector<Value> list;
    for (size_t i = 0; i < certs.size(); ++i) {
      const CertificateRecord& c = certs[i];
      list.push_back(Value::ObjectOfType(
          cert_object_type_,
          {{"id", Value::String(c.id)},
           {"name", Value::String(c.name)},
           {"serial_number", Value::String(c.serial_number)},
           {"not_before", Value::String(FormatRfc3339(c.not_before))},
           {"not_after", Value::String(FormatRfc3339(c.not_after))},
           {"status", Value::String(CertificateStatusName(ComputeCertificateStatus(i == 0, c.not_after, now)))}}));
    }
    v = WithAttr(v, "certificates", Value::List(cert_object_type_, std::move(list)));
    if (certs.empty()) {
      v = WithAttr(v, "renewal_due", Value::Bool(true));
      return v;
    }
    const CertificateRecord& newest = certs.front();
    const RenewalWindow w = ComputeRenewalWindow(newest.not_before, newest.not_after, r.renew_before_days, now);
    v = WithAttr(v, "last_issued_certificate_id", Value::String(newest.id));
    v = WithAttr(v, "certificate_pem", Value::String(newest.certificate_pem));
    v = WithAttr(v, "certificate_chain_pem", Value::String(newest.chain_pem));
    v = WithAttr(v, "private_key_pem", Value::String(newest.private_key_pem));
    v = WithAttr(v, "not_before", Value::String(FormatRfc3339(newest.not_before)));
    v = WithAttr(v, "not_after", Value::String(FormatRfc3339(newest.not_after)));
    v = WithAttr(v, "serial_number", Value::String(newest.serial_number));
    v = WithAttr(v, "fingerprint_sha256", Value::String(newest.fingerprint_sha256));
    v = WithAttr(v, "renew_at", Value::String(FormatRfc3339(w.renew_at)));
    v = WithAttr(v, "renewal_due", Value::Bool(w.due));
    if (w.due && warnings != nullptr) {
      const int64_t days_left = DaysUntil(newest.not_after, now);
      warnings->AddWarning(
          "Certificate renewal due: " + newest.name,
          "The certificate " + newest.name + " of auto certificate \"" + r.name + "\" (" + r.common_name +
              ") expires on " + FormatRfc3339(newest.not_after) + ", in " + std::to_string(days_left) +
              " days; renewal has been due since " + FormatRfc3339(w.renew_at) +
              ". The next terraform apply issues a new certificate; the current one stays available until " +
              std::to_string(r.grace_period_days) + " days after it expires.");
    }
    return v;
  }

  Provider* provider_;
  Schema schema_;
  Type cert_object_type_;
};

class CertificateDataSource final : public DataSource {
 public:
  CertificateDataSource(Provider* provider, Schema schema) : provider_(provider), schema_(std::move(schema)) {}

  const Schema& schema() const override { return schema_; }

  Value Read(const Value& config, Diagnostics& diags) override {
    ProviderContext* ctx = provider_->context();
    const std::string id = GetString(config, "id").value_or("");
    auto cert = ctx->store().GetCertificate(id);
    if (!cert.ok()) {
      diags.AddStatus("Certificate not found", cert.status(), AttributePath("id"));
      return Value::Null(schema_.type());
    }
    bool newest = true;
    auto siblings = ctx->store().ListCertificatesForAutoCertificate(cert->auto_certificate_id);
    if (siblings.ok() && !siblings->empty()) newest = siblings->front().id == cert->id;
    const TimePoint now = ctx->clock().Now();
    Value v = EmptyObject(schema_.block);
    v = WithAttr(v, "id", Value::String(cert->id));
    v = WithAttr(v, "name", Value::String(cert->name));
    v = WithAttr(v, "certificate_pem", Value::String(cert->certificate_pem));
    v = WithAttr(v, "certificate_chain_pem", Value::String(cert->chain_pem));
    v = WithAttr(v, "private_key_pem", Value::String(cert->private_key_pem));
    v = WithAttr(v, "not_before", Value::String(FormatRfc3339(cert->not_before)));
    v = WithAttr(v, "not_after", Value::String(FormatRfc3339(cert->not_after)));
    v = WithAttr(v, "status",
                 Value::String(CertificateStatusName(ComputeCertificateStatus(newest, cert->not_after, now))));
    return v;
  }

 private:
  Provider* provider_;
  Schema schema_;
};

}  // namespace

std::unique_ptr<Resource> NewAutoCertificateResource(Provider* provider, Schema schema) {
  return std::make_unique<AutoCertificateResource>(provider, std::move(schema));
}

std::unique_ptr<DataSource> NewCertificateDataSource(Provider* provider, Schema schema) {
  return std::make_unique<CertificateDataSource>(provider, std::move(schema));
}

}  // namespace ionos::tf
