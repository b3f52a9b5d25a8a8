// resource "ionos_auto_certificate" (docs/resources/auto_certificate.md).
//
// A thin view on core's CertificateManager: decode the Terraform value into the typed model once
// (plugin/auto_certificate_model.h), call the manager, encode what it returns once. Every
// lifecycle rule (re-issue, renewal window and ARI, statuses, naming, grace and pruning) lives in
// core/lifecycle.
#include <map>
#include <set>

#include "core/lifecycle/attribute_rules.h"
#include "core/lifecycle/renewal_policy.h"
#include "plugin/auto_certificate_model.h"
#include "plugin/provider.h"

namespace ionos::tf {
namespace {

class AutoCertificateResource final : public Resource {
 public:
  AutoCertificateResource(Provider* provider, Schema schema) : provider_(provider), schema_(std::move(schema)) {}

  const Schema& schema() const override { return schema_; }

  // Each attribute's own rule (a DNS name, a key algorithm, a day range) is the schema's
  // ("validate", applied by the framework); here only what involves several attributes.
  void ValidateConfig(const Value& config, Diagnostics& diags) override {
    const AutoCertificateModel m = AutoCertificateModel::Decode(config);
    auto cn = m.common_name.get();
    auto sans = m.subject_alternative_names.get();
    if (!cn || !sans || !CheckStringRule("dns_name", *cn).ok()) return;
    for (const auto& n : *sans) {
      if (!CheckStringRule("dns_name", n).ok()) return;  // reported by the rule already
    }
    if (Status s = CheckCertificateNames(*cn, *sans); !s.ok()) {
      diags.AddAttributeError(AttributePath("subject_alternative_names"), "Invalid subject alternative names",
                              s.message());
    }
  }

  void ModifyPlan(const PlanRequest& req, PlanResponse& resp) override {
    const AutoCertificateModel prior = AutoCertificateModel::Decode(req.prior);
    AutoCertificateModel plan = AutoCertificateModel::Decode(resp.planned);
    const bool creating = req.prior.is_null();
    PlanCertificate(creating, prior, plan, resp);
    PlanPrivateKey(creating, prior, plan);
    PlanPublication(creating, prior, plan, resp.diagnostics);
    resp.planned = plan.EncodeComputed(resp.planned);
    // The apply of an update does what this plan decided (a plan never re-issues in secret).
    resp.planned_private = creating ? std::string() : EncodeIntent(IntentOf(prior, plan));
  }

  // publish: published_certificate_id and each certificate's published_id say what
  // the apply leaves in the IONOS Certificate Manager. Turning publish on or off never issues.
  void PlanPublication(bool creating, const AutoCertificateModel& prior, AutoCertificateModel& plan,
                       Diagnostics& diags) {
    const std::optional<bool> publish = plan.publish.get();
    ProviderContext* ctx = provider_->context();
    if (publish.value_or(false) && ctx != nullptr && ctx->config().token.empty()) {
      diags.AddAttributeError(
          AttributePath("publish"), "No API token to publish with",
          "publish = true uploads every certificate to the IONOS Certificate Manager at " +
              ctx->config().certificate_manager_url +
              ", which needs the IONOS Cloud API token: set `token` in the provider block or the IONOS_TOKEN "
              "environment variable.");
    }
    if (!publish) {
      plan.published_certificate_id = Attr<std::string>::Unknown();
      return;
    }
    if (!*publish) {
      plan.published_certificate_id = {};
    } else if (creating || plan.certificate_pem.is_unknown() || !prior.publish.value_or(false) ||
               !prior.published_certificate_id.is_known()) {
      plan.published_certificate_id = Attr<std::string>::Unknown();
    }
    if (creating || !plan.certificates.is_known()) return;
    // What the prior state says each certificate has, and whether a copy is pruned (a copy in use
    // is kept, with its certificate: the list after the apply cannot be known now).
    std::set<std::string> kept;
    for (const CertificateEntry& c : *plan.certificates) kept.insert(c.id);
    std::map<std::string, Attr<std::string>> prior_published;
    for (const CertificateEntry& c : prior.certificates.value_or({})) {
      prior_published[c.id] = c.published_id;
      if (kept.count(c.id) == 0 && c.published_id.is_known()) {
        plan.certificates = Attr<std::vector<CertificateEntry>>::Unknown();
        return;
      }
    }
    std::vector<CertificateEntry>& certs = *plan.certificates;
    for (size_t i = 0; i < certs.size(); ++i) {
      Attr<std::string> published;
      if (*publish) {
        if (auto it = prior_published.find(certs[i].id); it != prior_published.end()) published = it->second;
        if (i == 0) published = plan.published_certificate_id;
      }
      certs[i].published_id = published;
    }
  }

  // private_key_pem follows private_key_in_state: null when it is false (also in the plan, so a
  // plan never shows a key coming), and the newest key when it is true. Only the state changes;
  // turning it on or off never issues a certificate.
  static void PlanPrivateKey(bool creating, const AutoCertificateModel& prior, AutoCertificateModel& plan) {
    Attr<std::string> key;
    if (plan.private_key_in_state.is_unknown()) {
      key = Attr<std::string>::Unknown();
    } else if (plan.KeyInState()) {
      const bool same_certificate = !plan.certificate_pem.is_unknown() && !creating;
      key = same_certificate && prior.private_key_pem.is_known() ? prior.private_key_pem : Attr<std::string>::Unknown();
    }
    plan.private_key_pem = key;
  }

  void PlanCertificate(bool creating, const AutoCertificateModel& prior, AutoCertificateModel& plan,
                       PlanResponse& resp) {
    ProviderContext* ctx = provider_->context();
    if (ctx == nullptr || !resp.requires_replace.empty()) return;
    const AutoCertificateRecord desired = plan.Record(ctx->config().settings);
    const AutoCertificateRecord was = prior.Record(ctx->config().settings);
    KnownParts known;
    known.provider_id = plan.provider_id.is_known();
    known.names = plan.common_name.is_known() && !plan.subject_alternative_names.is_unknown();
    known.profile = !plan.profile.is_unknown();
    // Problems fail now, before any order is placed; an update also learns what the apply does.
    CertificatePlan answer = ctx->certificates().Plan(creating ? nullptr : &was, desired, prior.Summaries(), known);
    for (const PlanProblem& p : answer.problems) Report(p, desired, resp.diagnostics);
    if (!answer.update) return;
    const UpdatePlan& update = *answer.update;
    if (update.reissue != ReissueReason::kNone) {
      plan.ExpectNewCertificate();
      return;
    }
    if (update.renewal) {
      plan.renew_at = FormatRfc3339(update.renewal->renew_at);
      plan.renewal_due = update.renewal->due;
    }
    std::vector<CertificateEntry> entries;
    for (const CertificateState& c : update.certificates) entries.push_back(CertificateEntry::Of(c, ""));
    plan.certificates = std::move(entries);
  }

  Value Create(const Value& planned, const Value&, Diagnostics& diags) override {
    ProviderContext* ctx = provider_->context();
    const AutoCertificateModel plan = AutoCertificateModel::Decode(planned);
    const AutoCertificateRecord desired = plan.Record(ctx->config().settings);
    // When the account was created in the same run, the plan could not ask its CA yet.
    if (Status s = ctx->certificates().CheckProfile(desired); !s.ok()) {
      diags.AddAttributeError(AttributePath("profile"), "Profile not offered by the CA", s.message());
      return Value::Null(schema_.type());
    }
    Result<AutoCertificateView> view = ctx->certificates().Create(desired);
    if (!view.ok()) {
      diags.AddStatus("Cannot issue the certificate for " + desired.common_name, view.status());
      return Value::Null(schema_.type());
    }
    if (!view->publish_status.ok()) {
      // A warning, not an error: an error here would taint the resource and replace it, issuing
      // another certificate. The next plan shows published_certificate_id coming.
      diags.AddWarning("Certificate issued but not published", view->publish_status.message() + ".");
    }
    return AutoCertificateModel::FromView(*view, plan, plan.KeyInState()).Encode(schema_);
  }

  Value Read(const Value& state, Diagnostics& diags) override {
    ProviderContext* ctx = provider_->context();
    const AutoCertificateModel prior = AutoCertificateModel::Decode(state);
    const std::string id = prior.id.value_or("");
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
    for (const Notice& n : ctx->certificates().RefreshNotices(*view)) diags.AddWarning(n.summary, n.detail);
    if (Status published = ctx->certificates().CheckPublished(&*view); !published.ok()) {
      diags.AddWarning(published.code() == StatusCode::kNotFound ? "Published copy gone"
                                                                 : "Cannot check the published copy",
                       published.message() + ".");
    }
    // A key already in the state (one written before private_key_in_state existed) stays until the
    // next apply, whose plan shows it going; a refresh never changes that on its own.
    const bool key = prior.KeyInState() || prior.private_key_pem.is_known();
    return AutoCertificateModel::FromView(*view, prior, key).Encode(schema_);
  }

  Value Update(const Value& prior, const Value& planned, const Value&, const std::string& planned_private,
               Diagnostics& diags) override {
    ProviderContext* ctx = provider_->context();
    const AutoCertificateModel was = AutoCertificateModel::Decode(prior);
    const AutoCertificateModel plan = AutoCertificateModel::Decode(planned);
    AutoCertificateRecord desired = plan.Record(ctx->config().settings);
    desired.id = was.id.value_or("");
    // What the plan decided; a plan by an older provider version left no decision: read it from
    // the planned values.
    const UpdateIntent intent = DecodeIntent(planned_private).value_or(IntentOf(was, plan));
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
    AutoCertificateModel state = AutoCertificateModel::FromView(*view, plan, plan.KeyInState());
    // Copies are left: the state keeps publish = true, so the next plan turns it off again and
    // the next apply retries the deletion.
    if (!view->publish_status.ok() && !publish) state.publish = true;
    // A plan that did not re-issue promised renewal_due and renew_at: keep them for this apply.
    if (plan.renewal_due.is_known()) state.renewal_due = plan.renewal_due;
    if (plan.renew_at.is_known()) state.renew_at = plan.renew_at;
    return state.Encode(schema_);
  }

  void Delete(const Value& prior, Diagnostics& diags) override {
    ProviderContext* ctx = provider_->context();
    Status s = ctx->certificates().Delete(AutoCertificateModel::Decode(prior).id.value_or(""));
    if (!s.ok()) diags.AddStatus("Cannot delete the auto certificate from the store", s);
  }

  std::vector<StateUpgrader> StateUpgraders() const override { return AutoCertificateStateUpgraders(); }

  Value Import(const std::string& id, Diagnostics& diags) override {
    ProviderContext* ctx = provider_->context();
    Result<AutoCertificateView> view = ctx->certificates().View(id);
    if (!view.ok()) {
      diags.AddStatus("Cannot import the auto certificate",
                      view.status().code() == StatusCode::kNotFound ? UnknownIdStatus(*ctx, view.status())
                                                                    : view.status());
      return Value::Null(schema_.type());
    }
    return AutoCertificateModel::FromView(*view, AutoCertificateModel{}, /*key=*/false).Encode(schema_);
  }

 private:
  static void Report(const PlanProblem& p, const AutoCertificateRecord& desired, Diagnostics& diags) {
    using Kind = PlanProblem::Kind;
    const std::string message = p.status.message();
    switch (p.kind) {
      case Kind::kUnknownProvider:
        diags.AddAttributeError(AttributePath("provider_id"), "Unknown certificate provider",
                                message + ". provider_id must be the id of an ionos_certificate_provider in this "
                                          "store, usually ionos_certificate_provider.<name>.id.");
        break;
      case Kind::kProviderUnreadable:
        diags.AddAttributeError(AttributePath("provider_id"), "Cannot read the certificate provider", message);
        break;
      case Kind::kZonesUnreadable:
        diags.AddAttributeError(AttributePath("common_name"), "Cannot check the DNS zones", message);
        break;
      case Kind::kNameOutsideZones:
        diags.AddAttributeError(AttributePath(p.common_name ? "common_name" : "subject_alternative_names"),
                                "Name outside every hosted DNS zone",
                                "The IONOS Cloud DNS API at " + desired.settings.dns_api_url + " has " + message +
                                    ". Only names in zones hosted there can be certified (DNS-01 writes the "
                                    "challenge record into the name's zone).");
        break;
      case Kind::kProfileNotOffered:
        diags.AddAttributeError(AttributePath("profile"), "Profile not offered by the CA", message);
        break;
      case Kind::kProfileUnchecked:
        diags.AddAttributeError(AttributePath("profile"), "Cannot check the ACME profile", message);
        break;
    }
  }

  Provider* provider_;
  Schema schema_;
};

}  // namespace

std::unique_ptr<Resource> NewAutoCertificateResource(Provider* provider, Schema schema) {
  return std::make_unique<AutoCertificateResource>(provider, std::move(schema));
}

}  // namespace ionos::tf
