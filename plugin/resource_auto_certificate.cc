// resource "ionos_auto_certificate", data "ionos_certificate" and ephemeral "ionos_certificate"
// (docs/resources, docs/data-sources, docs/ephemeral-resources).
//
// Thin views on core's CertificateManager: decode the Terraform value, call the manager, encode
// what it returns. Every lifecycle rule (re-issue, renewal window and ARI, statuses, naming,
// grace and pruning) lives in core/lifecycle.
#include <map>
#include <set>

#include "core/dns/dns_name.h"
#include "core/lifecycle/attribute_rules.h"
#include "core/lifecycle/renewal_policy.h"
#include "plugin/provider.h"

namespace ionos::tf {
namespace {

// Attributes that describe the newest certificate: unknown in a plan that issues a new one.
const char* const kCertificateAttributes[] = {
    "last_issued_certificate_id", "certificate_pem", "certificate_chain_pem", "private_key_pem", "not_before",
    "not_after", "serial_number", "fingerprint_sha256", "renew_at", "renewal_due", "certificates"};


// A bool attribute; nullopt when null or unknown.
std::optional<bool> BoolAttr(const Value& v, const std::string& attr) {
  if (!v.is_known()) return std::nullopt;
  Value b = v.GetAttr(attr);
  if (!b.is_known() || b.is_null()) return std::nullopt;
  return b.as_bool();
}

std::optional<TimePoint> TimeAttr(const Value& v, const std::string& attr) {
  auto s = GetString(v, attr);
  if (!s) return std::nullopt;
  auto t = ParseRfc3339(*s);
  if (!t.ok()) return std::nullopt;
  return *t;
}

class AutoCertificateResource final : public Resource {
 public:
  AutoCertificateResource(Provider* provider, Schema schema) : provider_(provider), schema_(std::move(schema)) {
    const AttributeSchema* certs = schema_.block.FindAttribute("certificates");
    cert_object_type_ = certs != nullptr ? certs->type.element() : Type::Dynamic();
  }

  const Schema& schema() const override { return schema_; }

  // Each attribute's own rule (a DNS name, a key algorithm, a day range) is the schema's
  // ("validate", applied by the framework); here only what involves several attributes.
  void ValidateConfig(const Value& config, Diagnostics& diags) override {
    auto cn = GetString(config, "common_name");
    auto sans = GetStringList(config, "subject_alternative_names");
    if (!cn || !sans || !CheckStringRule("dns_name", *cn).ok()) return;
    for (const auto& n : *sans) {
      if (!CheckStringRule("dns_name", n).ok()) return;  // reported by the rule already
    }
    if (Status s = ValidateCertificateNames(*cn, *sans); !s.ok()) {
      diags.AddAttributeError(AttributePath("subject_alternative_names"), "Invalid subject alternative names",
                              s.message());
    }
  }

  void ModifyPlan(const PlanRequest& req, PlanResponse& resp) override {
    PlanCertificate(req, resp);
    PlanPrivateKey(req, resp);
    PlanPublication(req, resp);
  }

  // publish: published_certificate_id and each certificate's published_id say what
  // the apply leaves in the IONOS Certificate Manager. Turning publish on or off never issues.
  void PlanPublication(const PlanRequest& req, PlanResponse& resp) {
    if (!resp.planned.is_known() || resp.planned.is_null()) return;
    const std::optional<bool> publish = BoolAttr(resp.planned, "publish");
    ProviderContext* ctx = provider_->context();
    if (publish.value_or(false) && ctx != nullptr && ctx->config().token.empty()) {
      resp.diagnostics.AddAttributeError(
          AttributePath("publish"), "No API token to publish with",
          "publish = true uploads every certificate to the IONOS Certificate Manager at " +
              ctx->config().certificate_manager_url +
              ", which needs the IONOS Cloud API token: set `token` in the provider block or the IONOS_TOKEN "
              "environment variable.");
    }
    if (!publish) {
      resp.planned = WithAttr(resp.planned, "published_certificate_id", Value::Unknown(Type::String()));
      return;
    }
    if (!*publish) {
      resp.planned = WithAttr(resp.planned, "published_certificate_id", Value::Null(Type::String()));
    } else if (req.prior.is_null() || IsUnknown(resp.planned, "certificate_pem") ||
               !BoolAttr(req.prior, "publish").value_or(false) ||
               !GetString(req.prior, "published_certificate_id").has_value()) {
      resp.planned = WithAttr(resp.planned, "published_certificate_id", Value::Unknown(Type::String()));
    }
    Value certs = resp.planned.GetAttr("certificates");
    if (req.prior.is_null() || !certs.is_known()) return;
    // What the prior state says each certificate has, and whether a copy is pruned (a copy in use
    // is kept, with its certificate: the list after the apply cannot be known now).
    std::map<std::string, Value> prior_published;
    Value prior_certs = req.prior.GetAttr("certificates");
    std::set<std::string> kept;
    for (const Value& c : certs.elements()) kept.insert(GetString(c, "id").value_or(""));
    if (prior_certs.is_known()) {
      for (const Value& c : prior_certs.elements()) {
        const std::string id = GetString(c, "id").value_or("");
        prior_published[id] = c.GetAttr("published_id");
        if (kept.count(id) == 0 && GetString(c, "published_id").has_value()) {
          resp.planned = WithAttr(resp.planned, "certificates", Value::Unknown(certs.type()));
          return;
        }
      }
    }
    std::vector<Value> out;
    for (size_t i = 0; i < certs.elements().size(); ++i) {
      std::map<std::string, Value> attrs = certs.elements()[i].entries();
      Value published = Value::Null(Type::String());
      if (*publish) {
        auto it = prior_published.find(GetString(certs.elements()[i], "id").value_or(""));
        if (it != prior_published.end() && it->second.type() == Type::String()) published = it->second;
        if (i == 0) published = resp.planned.GetAttr("published_certificate_id");
      }
      attrs["published_id"] = published;
      out.push_back(Value::ObjectOfType(cert_object_type_, std::move(attrs)));
    }
    resp.planned = WithAttr(resp.planned, "certificates", Value::List(cert_object_type_, std::move(out)));
  }

  // private_key_pem follows private_key_in_state: null when it is false (also in the plan, so a
  // plan never shows a key coming), and the newest key when it is true. Only the state changes;
  // turning it on or off never issues a certificate.
  void PlanPrivateKey(const PlanRequest& req, PlanResponse& resp) {
    const Value flag = resp.planned.GetAttr("private_key_in_state");
    Value key = Value::Null(Type::String());
    if (flag.is_unknown()) {
      key = Value::Unknown(Type::String());
    } else if (flag.is_known() && flag.as_bool()) {
      const Value prior_key = req.prior.is_null() ? Value::Null(Type::String()) : req.prior.GetAttr("private_key_pem");
      const bool same_certificate = !resp.planned.GetAttr("certificate_pem").is_unknown() && !req.prior.is_null();
      key = same_certificate && prior_key.is_known() ? prior_key : Value::Unknown(Type::String());
    }
    resp.planned = WithAttr(resp.planned, "private_key_pem", key);
  }

  void PlanCertificate(const PlanRequest& req, PlanResponse& resp) {
    ProviderContext* ctx = provider_->context();
    if (ctx == nullptr || !resp.requires_replace.empty()) return;
    const Value& planned = resp.planned;
    const bool creating = req.prior.is_null();
    AutoCertificateRecord desired = RecordFromValue(*ctx, planned);

    // A provider_id the store never knew fails now, not at apply.
    if (auto provider_id = GetString(planned, "provider_id")) {
      Result<std::string> account = ctx->certificates().AccountServer(*provider_id);
      if (!account.ok()) {
        const bool unknown = account.status().code() == StatusCode::kNotFound;
        diags(resp).AddAttributeError(
            AttributePath("provider_id"), unknown ? "Unknown certificate provider" : "Cannot read the certificate provider",
            unknown ? account.status().message() +
                          ". provider_id must be the id of an ionos_certificate_provider in this store, usually "
                          "ionos_certificate_provider.<name>.id."
                    : account.status().message());
      }
    }

    // Names outside every hosted zone fail now, before any order is placed.
    const bool names_known = GetString(planned, "common_name").has_value() &&
                             !IsUnknown(planned, "subject_alternative_names");
    bool names_changed = creating;
    if (!creating) {
      auto prior_sans = GetStringList(req.prior, "subject_alternative_names").value_or(std::vector<std::string>{});
      names_changed = !SameNames(desired.subject_alternative_names, prior_sans);
    }
    if (names_known && names_changed) {
      CheckZones(*ctx, desired, resp.diagnostics);
    }
    // A profile the CA does not offer fails now, listing the offered ones.
    const bool profile_changed = creating || GetString(req.prior, "profile") != GetString(planned, "profile");
    if (!IsUnknown(planned, "profile") && !IsUnknown(planned, "provider_id") && profile_changed) {
      if (Status s = ctx->certificates().CheckProfile(desired); !s.ok()) {
        resp.diagnostics.AddAttributeError(AttributePath("profile"), s.code() == StatusCode::kInvalidArgument
                                                                         ? "Profile not offered by the CA"
                                                                         : "Cannot check the ACME profile",
                                           s.message());
      }
    }
    if (creating) return;

    // An update: the manager decides whether a new certificate is needed and what is pruned.
    AutoCertificateRecord prior = RecordFromValue(*ctx, req.prior);
    UpdatePlan plan = ctx->certificates().PlanUpdate(prior, desired, CertificatesFromState(req.prior));
    if (plan.reissue != ReissueReason::kNone) {
      for (const char* attr : kCertificateAttributes) {
        resp.planned = WithAttr(resp.planned, attr, Value::Unknown(schema_.block.FindAttribute(attr)->type));
      }
      return;
    }
    if (plan.renewal) {
      resp.planned = WithAttr(resp.planned, "renew_at", Value::String(FormatRfc3339(plan.renewal->renew_at)));
      resp.planned = WithAttr(resp.planned, "renewal_due", Value::Bool(plan.renewal->due));
    }
    resp.planned = WithAttr(resp.planned, "certificates", CertificatesValue(plan.certificates));
  }

  Value Create(const Value& planned, const Value&, Diagnostics& diags) override {
    ProviderContext* ctx = provider_->context();
    const AutoCertificateRecord desired = RecordFromValue(*ctx, planned);
    // When the account was created in the same run, the plan could not ask its CA yet.
    if (Status s = ctx->certificates().CheckProfile(desired); !s.ok()) {
      diags.AddAttributeError(AttributePath("profile"), "Profile not offered by the CA", s.message());
      return Value::Null(schema_.type());
    }
    Result<AutoCertificateView> view = ctx->certificates().Create(desired);
    if (!view.ok()) {
      diags.AddStatus("Cannot issue the certificate for " + GetString(planned, "common_name").value_or(""),
                      view.status());
      return Value::Null(schema_.type());
    }
    if (!view->publish_status.ok()) {
      // A warning, not an error: an error here would taint the resource and replace it, issuing
      // another certificate. The next plan shows published_certificate_id coming.
      diags.AddWarning("Certificate issued but not published", view->publish_status.message() + ".");
    }
    return StateFromView(*view, planned, KeyInState(planned));
  }

  Value Read(const Value& state, Diagnostics& diags) override {
    ProviderContext* ctx = provider_->context();
    const std::string id = GetString(state, "id").value_or("");
    // ARI (RFC 9773): the CA's suggested window, where it offers one; a failure only warns.
    Status ari;
    Result<AutoCertificateView> view = ctx->certificates().Refresh(id, &ari);
    if (!ari.ok() && ari.code() != StatusCode::kNotFound) {
      diags.AddWarning("Could not get the CA's renewal information",
                       ari.message() + ". The renewal window (renew_before_days) decides until it can be asked.");
    }
    if (!view.ok()) {
      if (view.status().code() != StatusCode::kNotFound) {
        diags.AddStatus("Cannot read the auto certificate from the store", view.status());
        return state;
      }
      Result<bool> deleted = ctx->store().WasDeleted("auto_certificate", id);
      if (!deleted.ok()) {
        diags.AddStatus("Cannot read the auto certificate from the store", deleted.status());
        return state;
      }
      if (*deleted) {
        ctx->log().Warn("auto certificate was deleted from the store outside Terraform", {{"id", id}});
        return Value::Null(schema_.type());
      }
      diags.AddStatus("Auto certificate not in the store", UnknownIdStatus(*ctx, view.status()),
                      AttributePath("id"));
      return state;
    }
    WarnAboutLifecycle(*ctx, *view, diags);
    if (Status published = ctx->certificates().CheckPublished(&*view); !published.ok()) {
      diags.AddWarning(published.code() == StatusCode::kNotFound ? "Published copy gone"
                                                                 : "Cannot check the published copy",
                       published.message() + ".");
    }
    // A key already in the state (one written before private_key_in_state existed) stays until the
    // next apply, whose plan shows it going; a refresh never changes that on its own.
    const bool key = KeyInState(state) || (state.is_known() && state.GetAttr("private_key_pem").is_known());
    return StateFromView(*view, state, key);
  }

  Value Update(const Value& prior, const Value& planned, const Value&, Diagnostics& diags) override {
    ProviderContext* ctx = provider_->context();
    AutoCertificateRecord desired = RecordFromValue(*ctx, planned);
    desired.id = GetString(prior, "id").value_or("");
    UpdateIntent intent;
    intent.reissue = planned.GetAttr("certificate_pem").is_unknown();
    intent.replaces_certificate_id = GetString(prior, "last_issued_certificate_id").value_or("");
    Value planned_certs = planned.GetAttr("certificates");
    if (planned_certs.is_known()) {
      // Delete exactly what the plan showed going away.
      std::set<std::string> kept;
      for (const auto& c : planned_certs.elements()) kept.insert(GetString(c, "id").value_or(""));
      std::set<std::string> prune;
      for (const auto& c : CertificatesFromState(prior)) {
        if (kept.count(c.id) == 0) prune.insert(c.id);
      }
      intent.prune = prune;
    }
    Result<AutoCertificateView> view = ctx->certificates().Update(desired, intent);
    if (!view.ok()) {
      diags.AddStatus(intent.reissue ? "Cannot issue the certificate for " + desired.common_name
                                     : "Cannot update the auto certificate " + desired.name,
                      view.status());
      return prior;
    }
    for (const std::string& w : view->warnings) diags.AddWarning("Published copy kept", w);
    const bool publish = desired.settings.publish;
    if (!view->publish_status.ok()) {
      diags.AddStatus(publish ? "Certificate not published" : "Published copies not deleted", view->publish_status);
    }
    Value state = StateFromView(*view, planned, KeyInState(planned));
    if (!view->publish_status.ok() && !publish) {
      // Copies are left: the state keeps publish = true, so the next plan turns it off again and
      // the next apply retries the deletion.
      state = WithAttr(state, "publish", Value::Bool(true));
    }
    // A plan that did not re-issue promised renewal_due and renew_at: keep them for this apply.
    for (const char* attr : {"renewal_due", "renew_at"}) {
      if (planned.GetAttr(attr).is_known()) state = WithAttr(state, attr, planned.GetAttr(attr));
    }
    return state;
  }

  void Delete(const Value& prior, Diagnostics& diags) override {
    ProviderContext* ctx = provider_->context();
    Status s = ctx->certificates().Delete(GetString(prior, "id").value_or(""));
    if (!s.ok()) diags.AddStatus("Cannot delete the auto certificate from the store", s);
  }

  std::vector<StateUpgrader> StateUpgraders() const override {
    return {
        // 0 → 1: `profile`; earlier certificates were issued under the CA's default.
        [](nlohmann::json& state) {
          if (!state.contains("profile")) state["profile"] = nullptr;
          return Status::Ok();
        },
        // 1 → 2: `private_key_in_state` (docs/guides/private-keys-out-of-state.md), false as its default. The key those states hold
        // stays: the next plan shows private_key_pem going to null and the apply takes it out, so
        // nobody loses a key without seeing it in a plan first.
        [](nlohmann::json& state) {
          if (!state.contains("private_key_in_state") || state["private_key_in_state"].is_null()) {
            state["private_key_in_state"] = false;
          }
          return Status::Ok();
        },
        // 2 → 3: `publish` (false), `published_certificate_id` and each certificate's
        // `published_id` (null: nothing was published before).
        [](nlohmann::json& state) {
          if (!state.contains("publish") || state["publish"].is_null()) state["publish"] = false;
          if (!state.contains("published_certificate_id")) state["published_certificate_id"] = nullptr;
          if (state.contains("certificates") && state["certificates"].is_array()) {
            for (auto& c : state["certificates"]) {
              if (c.is_object() && !c.contains("published_id")) c["published_id"] = nullptr;
            }
          }
          return Status::Ok();
        },
    };
  }

  Value Import(const std::string& id, Diagnostics& diags) override {
    ProviderContext* ctx = provider_->context();
    Result<AutoCertificateView> view = ctx->certificates().View(id);
    if (!view.ok()) {
      diags.AddStatus("Cannot import the auto certificate",
                      view.status().code() == StatusCode::kNotFound ? UnknownIdStatus(*ctx, view.status())
                                                                    : view.status());
      return Value::Null(schema_.type());
    }
    return StateFromView(*view, Value::Null(schema_.type()), /*key=*/false);
  }

 private:
  // Whether the plan or state keeps the private key (private_key_in_state, default false).
  static bool KeyInState(const Value& v) {
    if (!v.is_known()) return false;
    Value flag = v.GetAttr("private_key_in_state");
    return flag.is_known() && flag.as_bool();
  }

  static Diagnostics& diags(PlanResponse& resp) { return resp.diagnostics; }

  // The desired auto certificate from a plan or a state (every attribute with a default is
  // planned, so none is missing).
  AutoCertificateRecord RecordFromValue(ProviderContext& ctx, const Value& v) {
    AutoCertificateRecord r;
    r.id = GetString(v, "id").value_or("");
    r.provider_id = GetString(v, "provider_id").value_or("");
    r.name = GetString(v, "name").value_or("");
    r.common_name = GetString(v, "common_name").value_or("");
    r.subject_alternative_names = GetStringList(v, "subject_alternative_names").value_or(std::vector<std::string>{});
    std::sort(r.subject_alternative_names.begin(), r.subject_alternative_names.end());
    r.key_algorithm = GetString(v, "key_algorithm").value_or("");
    r.renew_before_days = GetInt(v, "renew_before_days").value_or(0);
    r.grace_period_days = GetInt(v, "grace_period_days").value_or(0);
    r.profile = GetString(v, "profile").value_or("");
    r.settings = ctx.config().settings;
    r.settings.publish = BoolAttr(v, "publish").value_or(false);
    return r;
  }

  // The certificates a state lists, newest first.
  static std::vector<CertificateSummary> CertificatesFromState(const Value& state) {
    std::vector<CertificateSummary> out;
    Value list = state.is_known() ? state.GetAttr("certificates") : Value::Null(Type::Dynamic());
    if (!list.is_known()) return out;
    for (const Value& c : list.elements()) {
      CertificateSummary s;
      s.id = GetString(c, "id").value_or("");
      s.name = GetString(c, "name").value_or("");
      s.serial_number = GetString(c, "serial_number").value_or("");
      s.not_before = TimeAttr(c, "not_before").value_or(TimePoint{});
      s.not_after = TimeAttr(c, "not_after").value_or(TimePoint{});
      out.push_back(std::move(s));
    }
    return out;
  }

  void CheckZones(ProviderContext& ctx, const AutoCertificateRecord& desired, Diagnostics& diags) {
    for (const auto& problem : ctx.certificates().CheckZones(desired)) {
      if (problem.name.empty()) {
        diags.AddAttributeError(AttributePath("common_name"), "Cannot check the DNS zones", problem.status.message());
        return;
      }
      const bool is_cn = NormalizeDnsName(desired.common_name) == problem.name;
      diags.AddAttributeError(AttributePath(is_cn ? "common_name" : "subject_alternative_names"),
                              "Name outside every hosted DNS zone",
                              "The IONOS Cloud DNS API at " + desired.settings.dns_api_url + " has " +
                                  problem.status.message() +
                                  ". Only names in zones hosted there can be certified (DNS-01 writes the "
                                  "challenge record into the name's zone).");
    }
  }

  // Refresh warnings: renewal due, and certificates the next apply deletes.
  void WarnAboutLifecycle(ProviderContext& ctx, const AutoCertificateView& view, Diagnostics& diags) {
    const TimePoint now = ctx.clock().Now();
    const AutoCertificateRecord& r = view.record;
    if (view.newest && view.renewal && view.renewal->due) {
      std::string detail = "The certificate " + view.newest->name + " of auto certificate \"" + r.name + "\" (" +
                           r.common_name + ") " + DescribeExpiry(view.newest->not_after, now) +
                           "; renewal has been due since " + FormatRfc3339(view.renewal->renew_at);
      if (view.renewal->source == RenewalSource::kAri) {
        detail += ", the moment chosen inside the renewal window the CA suggests (ARI)";
        if (!view.renewal->explanation_url.empty()) {
          detail += "; the CA explains why at " + view.renewal->explanation_url;
        }
      }
      detail += ". The next terraform apply issues a new certificate; the current one stays available until " +
                std::to_string(r.grace_period_days) + " days after it expires.";
      diags.AddWarning("Certificate renewal due: " + view.newest->name, detail);
    }
    std::vector<std::string> doomed;
    for (const auto& c : view.certificates) {
      if (c.prune_due) doomed.push_back(c.summary.name);
    }
    if (!doomed.empty()) {
      std::string names;
      for (const auto& n : doomed) names += (names.empty() ? "" : ", ") + n;
      diags.AddWarning("Old certificates past their grace period: " + r.name,
                       "The next terraform apply deletes " + names + " of auto certificate \"" + r.name +
                           "\" from the store: " + std::to_string(r.grace_period_days) +
                           " days have passed since they expired. Nothing is deleted before that apply.");
    }
  }

  Value CertificatesValue(const std::vector<CertificateState>& certs,
                          const std::map<std::string, std::string>& published = {}) {
    std::vector<Value> list;
    for (const CertificateState& c : certs) {
      auto pub = published.find(c.summary.id);
      list.push_back(Value::ObjectOfType(cert_object_type_,
                                         {{"id", Value::String(c.summary.id)},
                                          {"name", Value::String(c.summary.name)},
                                          {"serial_number", Value::String(c.summary.serial_number)},
                                          {"not_before", Value::String(FormatRfc3339(c.summary.not_before))},
                                          {"not_after", Value::String(FormatRfc3339(c.summary.not_after))},
                                          {"status", Value::String(CertificateStatusName(c.status))},
                                          {"published_id", pub == published.end() ? Value::Null(Type::String())
                                                                                  : Value::String(pub->second)}}));
    }
    return Value::List(cert_object_type_, std::move(list));
  }

  // Encodes the manager's view; `base` keeps the configuration's form of the SAN set and gives
  // private_key_in_state; `key`: private_key_pem holds the newest key (else null).
  Value StateFromView(const AutoCertificateView& view, const Value& base, bool key) {
    const AutoCertificateRecord& r = view.record;
    Value v = EmptyObject(schema_.block);
    v = WithAttr(v, "id", Value::String(r.id));
    v = WithAttr(v, "provider_id", Value::String(r.provider_id));
    v = WithAttr(v, "name", Value::String(r.name));
    v = WithAttr(v, "common_name", Value::String(r.common_name));
    v = WithAttr(v, "key_algorithm", Value::String(r.key_algorithm));
    v = WithAttr(v, "renew_before_days", Value::Int(r.renew_before_days));
    v = WithAttr(v, "grace_period_days", Value::Int(r.grace_period_days));
    if (!r.profile.empty()) v = WithAttr(v, "profile", Value::String(r.profile));
    v = WithAttr(v, "private_key_in_state", Value::Bool(KeyInState(base)));
    // Keep the configuration's form of the SAN set (null vs empty) when it holds the same names.
    Value base_sans = base.is_known() ? base.GetAttr("subject_alternative_names") : Value::Null(Type::Dynamic());
    auto base_list = GetStringList(base, "subject_alternative_names");
    if (base_sans.type() == Type::Set(Type::String()) &&
        SameNames(base_list.value_or(std::vector<std::string>{}), r.subject_alternative_names) &&
        (base_sans.is_known() || r.subject_alternative_names.empty())) {
      v = WithAttr(v, "subject_alternative_names", base_sans);
    } else if (!r.subject_alternative_names.empty()) {
      std::vector<Value> names;
      for (const auto& n : r.subject_alternative_names) names.push_back(Value::String(n));
      v = WithAttr(v, "subject_alternative_names", Value::Set(Type::String(), std::move(names)));
    }
    v = WithAttr(v, "certificates", CertificatesValue(view.certificates, view.published_ids));
    // What the configuration (or the state) says; the store's setting only for an import.
    v = WithAttr(v, "publish", Value::Bool(BoolAttr(base, "publish").value_or(r.settings.publish)));
    if (const std::string published = view.NewestPublishedId(); !published.empty()) {
      v = WithAttr(v, "published_certificate_id", Value::String(published));
    }
    if (!view.newest) {
      v = WithAttr(v, "renewal_due", Value::Bool(true));
      return v;
    }
    const CertificateRecord& newest = *view.newest;
    v = WithAttr(v, "last_issued_certificate_id", Value::String(newest.id));
    v = WithAttr(v, "certificate_pem", Value::String(newest.certificate_pem));
    v = WithAttr(v, "certificate_chain_pem", Value::String(newest.chain_pem));
    if (key) v = WithAttr(v, "private_key_pem", Value::String(newest.private_key_pem));
    v = WithAttr(v, "not_before", Value::String(FormatRfc3339(newest.not_before)));
    v = WithAttr(v, "not_after", Value::String(FormatRfc3339(newest.not_after)));
    v = WithAttr(v, "serial_number", Value::String(newest.serial_number));
    v = WithAttr(v, "fingerprint_sha256", Value::String(newest.fingerprint_sha256));
    v = WithAttr(v, "renew_at", Value::String(FormatRfc3339(view.renewal->renew_at)));
    v = WithAttr(v, "renewal_due", Value::Bool(view.renewal->due));
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
    Result<CertificateView> view = ctx->certificates().ViewCertificate(GetString(config, "id").value_or(""));
    if (!view.ok()) {
      diags.AddStatus("Certificate not found", view.status(), AttributePath("id"));
      return Value::Null(schema_.type());
    }
    const CertificateRecord& c = view->certificate;
    // A data source's result is stored in the state: the key only when asked for.
    const Value include = config.GetAttr("include_private_key");
    Value v = EmptyObject(schema_.block);
    v = WithAttr(v, "id", Value::String(c.id));
    v = WithAttr(v, "include_private_key", include);
    v = WithAttr(v, "name", Value::String(c.name));
    v = WithAttr(v, "certificate_pem", Value::String(c.certificate_pem));
    v = WithAttr(v, "certificate_chain_pem", Value::String(c.chain_pem));
    if (include.is_known() && include.as_bool()) {
      v = WithAttr(v, "private_key_pem", Value::String(c.private_key_pem));
    }
    v = WithAttr(v, "not_before", Value::String(FormatRfc3339(c.not_before)));
    v = WithAttr(v, "not_after", Value::String(FormatRfc3339(c.not_after)));
    v = WithAttr(v, "status", Value::String(CertificateStatusName(view->status)));
    if (!view->published_id.empty()) v = WithAttr(v, "published_id", Value::String(view->published_id));
    return v;
  }

 private:
  Provider* provider_;
  Schema schema_;
};

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
      Value v = config;
      for (const auto& a : schema_.block.attributes) {
        if (a.computed && config.GetAttr(a.name).is_null()) v = WithAttr(v, a.name, Value::Unknown(a.type));
      }
      return v;
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
    Value v = EmptyObject(schema_.block);
    v = WithAttr(v, "id", Value::String(cert.id));
    v = WithAttr(v, "auto_certificate_id", Value::String(cert.auto_certificate_id));
    v = WithAttr(v, "name", Value::String(cert.name));
    v = WithAttr(v, "common_name", Value::String(common_name));
    v = WithAttr(v, "certificate_pem", Value::String(cert.certificate_pem));
    v = WithAttr(v, "certificate_chain_pem", Value::String(cert.chain_pem));
    v = WithAttr(v, "private_key_pem", Value::String(cert.private_key_pem));
    v = WithAttr(v, "not_after", Value::String(FormatRfc3339(cert.not_after)));
    v = WithAttr(v, "serial_number", Value::String(cert.serial_number));
    return v;
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

std::unique_ptr<Resource> NewAutoCertificateResource(Provider* provider, Schema schema) {
  return std::make_unique<AutoCertificateResource>(provider, std::move(schema));
}

std::unique_ptr<DataSource> NewCertificateDataSource(Provider* provider, Schema schema) {
  return std::make_unique<CertificateDataSource>(provider, std::move(schema));
}

}  // namespace ionos::tf
