#include "core/lifecycle/certificate_manager.h"

#include <algorithm>
#include <map>

#include "core/acme/ari.h"
#include "core/base/strings.h"
#include "core/crypto/crypto.h"
#include "core/crypto/x509.h"
#include "core/dns/dns_name.h"

namespace ionos {
namespace {

// The lock that serialises the issuance of one auto certificate across processes.
std::string LockName(const std::string& auto_certificate_id) { return "auto_certificate/" + auto_certificate_id; }

// How many times a name collision is retried with the next suffix (four certificates for one
// common name in the same second need three).
constexpr int kMaxNameAttempts = 100;

// The renewal information of a snapshot's newest certificate. Not being able to read it only
// warns: the renewal window rule still applies; the CA's suggestion is an improvement.
std::optional<RenewalInfoRecord> KeptRenewalInfo(const AutoCertificateSnapshot& snapshot, Logger& logger) {
  if (!snapshot.renewal_info_status.ok()) {
    logger.Warn("cannot read the renewal information of a certificate; using the renewal window",
                {{"certificate", snapshot.newest ? snapshot.newest->id : std::string()},
                 {"error", snapshot.renewal_info_status.message()}});
  }
  return snapshot.renewal_info;
}

}  // namespace

std::string AutoCertificateView::NewestPublishedId() const {
  if (certificates.empty()) {
    return "";
  }
  auto it = published_ids.find(certificates.front().summary.id);
  return it == published_ids.end() ? std::string() : it->second;
}

std::vector<std::string> AutoCertificateView::PruneDue() const {
  std::vector<std::string> out;
  for (const CertificateState& c : certificates) {
    if (c.prune_due) {
      out.push_back(c.summary.id);
    }
  }
  return out;
}

CertificateManager::CertificateManager(Store* store, IssuerFactory* issuers, const Clock* clock, Logger* logger,
                                       const CancelToken* cancel, CertificateManagerOptions options)
    : store_(store),
      issuers_(issuers),
      clock_(clock),
      logger_(logger != nullptr ? logger : &DiscardLogger()),
      cancel_(cancel),
      options_(options) {}

// ---------------------------------------------------------------- reading

void CertificateManager::NoteRenewalInfo(const std::string& certificate_id,
                                         const std::optional<RenewalInfoRecord>& info) {
  std::lock_guard<std::mutex> lock(cache_mu_);
  renewal_info_seen_[certificate_id] = info;
}

Result<std::string> CertificateManager::AccountServer(const std::string& provider_id) {
  {
    std::lock_guard<std::mutex> lock(cache_mu_);
    if (auto it = account_servers_.find(provider_id); it != account_servers_.end()) {
      return it->second;
    }
  }
  IONOS_ASSIGN_OR_RETURN(AccountRecord account, store_->GetAccount(provider_id));
  std::lock_guard<std::mutex> lock(cache_mu_);
  account_servers_[provider_id] = account.server;
  return account.server;
}

std::optional<RenewalInfoRecord> CertificateManager::RenewalInfoOf(const std::string& certificate_id) {
  {
    std::lock_guard<std::mutex> lock(cache_mu_);
    if (auto it = renewal_info_seen_.find(certificate_id); it != renewal_info_seen_.end()) {
      return it->second;
    }
  }
  Result<std::optional<RenewalInfoRecord>> info = store_->GetRenewalInfo(certificate_id);
  if (!info.ok()) {
    // The window rule still applies; the CA's suggestion is an improvement, not a requirement.
    logger_->Warn("cannot read the renewal information of a certificate; using the renewal window",
                  {{"certificate", certificate_id}, {"error", info.status().message()}});
    return std::nullopt;
  }
  return *info;
}

Result<AutoCertificateView> CertificateManager::View(const std::string& auto_certificate_id) {
  // One read of the store (with PostgreSQL one round trip and one consistent snapshot).
  IONOS_ASSIGN_OR_RETURN(AutoCertificateSnapshot snapshot, store_->GetAutoCertificateSnapshot(auto_certificate_id));
  return ViewOf(std::move(snapshot));
}

Result<AutoCertificateView> CertificateManager::Refresh(const std::string& auto_certificate_id,
                                                        Status* renewal_info_status) {
  IONOS_ASSIGN_OR_RETURN(AutoCertificateSnapshot snapshot, store_->GetAutoCertificateSnapshot(auto_certificate_id));
  Status ari = RefreshRenewalInfoOf(&snapshot);
  if (renewal_info_status != nullptr) {
    *renewal_info_status = std::move(ari);
  }
  return ViewOf(std::move(snapshot));
}

AutoCertificateView CertificateManager::ViewOf(AutoCertificateSnapshot snapshot) {
  AutoCertificateView view;
  view.record = std::move(snapshot.record);
  const TimePoint now = clock_->Now();
  view.certificates = ProjectCertificates(snapshot.certificates, view.record.grace_period_days, now);
  if (!snapshot.certificates.empty()) {
    const CertificateSummary& newest = snapshot.certificates.front();
    if (snapshot.renewal_info_status.ok()) {
      NoteRenewalInfo(newest.id, snapshot.renewal_info);
    }
    view.renewal = AssessRenewal(newest.not_before, newest.not_after, view.record.renew_before_days,
                                 KeptRenewalInfo(snapshot, *logger_), now);
    view.newest = std::move(snapshot.newest);
  }
  // Copies are shown for auto certificates that publish (one more read only for those); the copies
  // of one that stopped publishing are deleted by the next apply, which reads the store itself.
  Result<std::vector<PublicationRecord>> publications =
      view.record.settings.publish ? store_->ListPublications(view.record.id)
                                   : Result<std::vector<PublicationRecord>>(std::vector<PublicationRecord>{});
  if (!publications.ok()) {
    logger_->Warn("cannot read which certificates are published",
                  {{"auto_certificate", view.record.id}, {"error", publications.status().message()}});
  } else {
    for (const PublicationRecord& p : *publications) {
      if (p.state == kPublicationPublished) {
        view.published_ids[p.certificate_id] = p.remote_id;
      }
    }
  }
  return view;
}

std::vector<Notice> CertificateManager::RefreshNotices(const AutoCertificateView& view) const {
  std::vector<Notice> notices;
  const TimePoint now = clock_->Now();
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
    notices.push_back({"Certificate renewal due: " + view.newest->name, detail});
  }
  std::string doomed;
  for (const CertificateState& c : view.certificates) {
    if (c.prune_due) {
      doomed += (doomed.empty() ? "" : ", ") + c.summary.name;
    }
  }
  if (!doomed.empty()) {
    notices.push_back({"Old certificates past their grace period: " + r.name,
                       "The next terraform apply deletes " + doomed + " of auto certificate \"" + r.name +
                           "\" from the store: " + std::to_string(r.grace_period_days) +
                           " days have passed since they expired. Nothing is deleted before that apply."});
  }
  return notices;
}

Result<CertificateView> CertificateManager::ViewCertificate(const std::string& certificate_id) {
  CertificateView view;
  Result<CertificateRecord> certificate = store_->GetCertificate(certificate_id);
  if (!certificate.ok() && certificate.status().code() == StatusCode::kNotFound) {
    // A common mix-up: the id of the auto certificate instead of one of its certificates.
    if (Result<AutoCertificateRecord> auto_cert = store_->GetAutoCertificate(certificate_id); auto_cert.ok()) {
      return NotFoundError("\"" + certificate_id + "\" is the id of the auto certificate \"" + auto_cert->name +
                           "\", not of a certificate; use its last_issued_certificate_id (or an id from its "
                           "certificates list)");
    }
  }
  IONOS_ASSIGN_OR_RETURN(view.certificate, std::move(certificate));
  bool newest = true;
  Result<std::vector<CertificateSummary>> siblings = store_->ListCertificates(view.certificate.auto_certificate_id);
  if (siblings.ok() && !siblings->empty()) {
    newest = siblings->front().id == certificate_id;
  }
  view.status = ComputeCertificateStatus(newest, view.certificate.not_after, clock_->Now());
  if (Result<std::vector<PublicationRecord>> pubs = store_->ListPublications(view.certificate.auto_certificate_id);
      pubs.ok()) {
    for (const PublicationRecord& p : *pubs) {
      if (p.certificate_id == certificate_id && p.state == kPublicationPublished) {
        view.published_id = p.remote_id;
      }
    }
  }
  return view;
}

Result<std::vector<CertificateListing>> CertificateManager::ListCertificates() {
  IONOS_ASSIGN_OR_RETURN_CTX(std::vector<AutoCertificateRecord> autos, store_->ListAutoCertificates(),
                             "listing auto certificates");
  std::map<std::string, AutoCertificateRecord> by_id;
  for (AutoCertificateRecord& a : autos) {
    by_id.emplace(a.id, std::move(a));
  }
  IONOS_ASSIGN_OR_RETURN_CTX(std::vector<CertificateSummary> certs, store_->ListAllCertificates(),
                             "listing certificates");
  const TimePoint now = clock_->Now();
  std::vector<CertificateListing> rows;
  // ListAllCertificates groups by auto certificate, newest first within a group.
  size_t group_start = 0;
  while (group_start < certs.size()) {
    size_t group_end = group_start;
    while (group_end < certs.size() && certs[group_end].auto_certificate_id == certs[group_start].auto_certificate_id) {
      ++group_end;
    }
    const std::vector<CertificateSummary> group(certs.begin() + static_cast<std::ptrdiff_t>(group_start),
                                                certs.begin() + static_cast<std::ptrdiff_t>(group_end));
    auto owner = by_id.find(group.front().auto_certificate_id);
    const AutoCertificateRecord* auto_cert = owner == by_id.end() ? nullptr : &owner->second;
    // A certificate without its auto certificate (never written by the provider) is shown with
    // the policy's most conservative reading: kept, not renewed.
    const int64_t grace = auto_cert != nullptr ? auto_cert->grace_period_days : kMaxDays;
    const std::vector<CertificateState> states = ProjectCertificates(group, grace, now);
    std::map<std::string, std::string> published;
    if (Result<std::vector<PublicationRecord>> pubs =
            auto_cert != nullptr && auto_cert->settings.publish
                ? store_->ListPublications(group.front().auto_certificate_id)
                : Result<std::vector<PublicationRecord>>(std::vector<PublicationRecord>{});
        pubs.ok()) {
      for (const PublicationRecord& p : *pubs) {
        if (p.state == kPublicationPublished) {
          published[p.certificate_id] = p.remote_id;
        }
      }
    }
    for (size_t i = 0; i < states.size(); ++i) {
      CertificateListing row;
      row.state = states[i];
      if (auto it = published.find(states[i].summary.id); it != published.end()) {
        row.published_id = it->second;
      }
      const CertificateSummary& c = states[i].summary;
      const std::optional<RenewalInfoRecord> info = i == 0 ? RenewalInfoOf(c.id) : std::nullopt;
      if (auto_cert != nullptr) {
        row.auto_certificate_name = auto_cert->name;
        row.common_name = auto_cert->common_name;
        row.profile = auto_cert->profile;
        row.renewal = AssessRenewal(c.not_before, c.not_after, auto_cert->renew_before_days, info, now);
        row.renewal_due = i == 0 && row.renewal.due;
      } else {
        row.renewal = AssessRenewal(c.not_before, c.not_after, 1, info, now);
      }
      rows.push_back(std::move(row));
    }
    group_start = group_end;
  }
  return rows;
}

std::vector<CertificateManager::ZoneProblem> CertificateManager::CheckZones(const AutoCertificateRecord& desired) {
  std::vector<ZoneProblem> problems;
  Result<CertificateIssuer*> issuer = issuers_->IssuerFor(desired.settings);
  if (!issuer.ok()) {
    problems.push_back({"", issuer.status()});
    return problems;
  }
  for (const std::string& name : CertificateNames(desired.common_name, desired.subject_alternative_names)) {
    Status s = (*issuer)->ZonesForNames({name}).status();
    if (s.ok()) {
      continue;
    }
    if (s.code() != StatusCode::kNotFound) {
      return {{"", s}};  // the API itself failed: one problem is enough
    }
    problems.push_back({name, s, NormalizeDnsName(desired.common_name) == name});
  }
  return problems;
}

Status CertificateManager::CheckProfile(const AutoCertificateRecord& desired) {
  if (desired.profile.empty()) {
    return Status::Ok();
  }
  Result<std::string> server = AccountServer(desired.provider_id);
  if (!server.ok()) {
    return Status::Ok();  // the unknown account is the error to report
  }
  IONOS_ASSIGN_OR_RETURN(AcmeClient * acme, issuers_->AcmeClientFor(*server, desired.settings));
  IONOS_ASSIGN_OR_RETURN_CTX(AcmeDirectory dir, acme->Directory(), "checking the ACME profile");
  if (dir.profiles.count(desired.profile) > 0) {
    return Status::Ok();
  }
  if (dir.profiles.empty()) {
    return InvalidArgumentError("the CA at " + *server + " offers no ACME profiles; remove `profile` to get "
                                "its default certificates");
  }
  std::string offered;
  for (const auto& [name, description] : dir.profiles) {
    offered += (offered.empty() ? "" : ", ") + Quoted(name) + (description.empty() ? "" : " (" + description + ")");
  }
  return InvalidArgumentError(Quoted(desired.profile) + " is not a profile the CA at " + *server +
                              " offers; it offers " + offered);
}

Status CertificateManager::RefreshRenewalInfo(const std::string& auto_certificate_id) {
  IONOS_ASSIGN_OR_RETURN(AutoCertificateSnapshot snapshot, store_->GetAutoCertificateSnapshot(auto_certificate_id));
  return RefreshRenewalInfoOf(&snapshot);
}

Status CertificateManager::RefreshRenewalInfoOf(AutoCertificateSnapshot* snapshot_ptr, RenewalInfoUse use) {
  AutoCertificateSnapshot& snapshot = *snapshot_ptr;
  if (snapshot.certificates.empty() || !snapshot.newest) {
    return Status::Ok();
  }
  const AutoCertificateRecord& record = snapshot.record;
  const CertificateSummary& newest = snapshot.certificates.front();
  const std::optional<RenewalInfoRecord> kept = KeptRenewalInfo(snapshot, *logger_);
  const TimePoint now = clock_->Now();
  if (kept && now < kept->next_fetch_at) {
    return Status::Ok();  // the CA asked not to be asked again before then (RFC 9773 §4.3)
  }
  const std::string context = "asking the CA for the renewal information of " + newest.name;
  IONOS_ASSIGN_OR_RETURN_CTX(std::string server, AccountServer(record.provider_id), context);
  IONOS_ASSIGN_OR_RETURN_CTX(AcmeClient * acme, issuers_->AcmeClientFor(server, record.settings), context);
  IONOS_ASSIGN_OR_RETURN_CTX(AcmeDirectory dir, acme->Directory(), context);
  if (dir.renewal_info.empty()) {
    return Status::Ok();  // a CA without ARI: the renewal window rule alone decides
  }
  IONOS_ASSIGN_OR_RETURN_CTX(CertificateInfo info, InspectCertificate(snapshot.newest->certificate_pem), context);
  IONOS_ASSIGN_OR_RETURN_CTX(std::string cert_id, AriCertId(info), context);
  IONOS_ASSIGN_OR_RETURN(RenewalInfo fetched, FetchRenewalInfo(*acme, cert_id));
  RenewalInfoRecord r;
  r.certificate_id = newest.id;
  r.window_start = fetched.window_start;
  r.window_end = fetched.window_end;
  const bool same_window = kept && kept->window_start == std::chrono::floor<std::chrono::seconds>(fetched.window_start) &&
                           kept->window_end == std::chrono::floor<std::chrono::seconds>(fetched.window_end);
  // One moment per window, kept while the CA keeps the window; derived from the certificate, so
  // that every process, every run and a dry run agree on it even before it is stored.
  r.chosen_at = same_window ? kept->chosen_at : ChooseRenewalMoment(fetched, cert_id);
  r.explanation_url = fetched.explanation_url;
  r.fetched_at = now;
  r.next_fetch_at = NextRenewalInfoFetch(fetched.retry_after, now);
  logger_->Debug("renewal information", {{"certificate", newest.name},
                                         {"window_start", FormatRfc3339(r.window_start)},
                                         {"window_end", FormatRfc3339(r.window_end)},
                                         {"chosen", FormatRfc3339(r.chosen_at)},
                                         {"next_fetch", FormatRfc3339(r.next_fetch_at)}});
  if (use == RenewalInfoUse::kReadOnly) {
    // The same whole seconds the store would keep, so the decision is the one a real run makes.
    r.window_start = std::chrono::floor<std::chrono::seconds>(r.window_start);
    r.window_end = std::chrono::floor<std::chrono::seconds>(r.window_end);
    r.fetched_at = std::chrono::floor<std::chrono::seconds>(r.fetched_at);
    r.next_fetch_at = std::chrono::floor<std::chrono::seconds>(r.next_fetch_at);
    snapshot.renewal_info = std::move(r);
    snapshot.renewal_info_status = Status::Ok();
    return Status::Ok();
  }
  IONOS_RETURN_IF_ERROR(store_->PutRenewalInfo(r).WithContext(context));
  // What the store now holds (times at whole seconds, as it keeps them).
  IONOS_ASSIGN_OR_RETURN_CTX(snapshot.renewal_info, store_->GetRenewalInfo(newest.id), context);
  snapshot.renewal_info_status = Status::Ok();
  return Status::Ok();
}

CertificatePlan CertificateManager::Plan(const AutoCertificateRecord* prior, const AutoCertificateRecord& desired,
                                         const std::vector<CertificateSummary>& certificates_newest_first,
                                         KnownParts known) {
  using Kind = PlanProblem::Kind;
  CertificatePlan plan;
  if (known.provider_id) {
    if (Result<std::string> account = AccountServer(desired.provider_id); !account.ok()) {
      const bool unknown = account.status().code() == StatusCode::kNotFound;
      plan.problems.push_back({unknown ? Kind::kUnknownProvider : Kind::kProviderUnreadable, account.status()});
    }
  }
  if (known.names && (prior == nullptr ||
                      !SameNames(desired.subject_alternative_names, prior->subject_alternative_names))) {
    for (ZoneProblem& z : CheckZones(desired)) {
      plan.problems.push_back({z.name.empty() ? Kind::kZonesUnreadable : Kind::kNameOutsideZones, std::move(z.status),
                               z.name, z.common_name});
    }
  }
  if (known.profile && known.provider_id && (prior == nullptr || prior->profile != desired.profile)) {
    if (Status s = CheckProfile(desired); !s.ok()) {
      const bool offered = s.code() != StatusCode::kInvalidArgument;
      plan.problems.push_back({offered ? Kind::kProfileUnchecked : Kind::kProfileNotOffered, std::move(s)});
    }
  }
  if (prior != nullptr) {
    plan.update = PlanUpdate(*prior, desired, certificates_newest_first);
  }
  return plan;
}

UpdatePlan CertificateManager::PlanUpdate(const AutoCertificateRecord& prior, const AutoCertificateRecord& desired,
                                          const std::vector<CertificateSummary>& certificates_newest_first) {
  UpdatePlan plan;
  const TimePoint now = clock_->Now();
  bool due = false;
  if (!certificates_newest_first.empty()) {
    const CertificateSummary& newest = certificates_newest_first.front();
    plan.renewal = AssessRenewal(newest.not_before, newest.not_after, desired.renew_before_days,
                                 RenewalInfoOf(newest.id), now);
    due = plan.renewal->due;
  }
  plan.reissue = DecideReissue(prior, desired, !certificates_newest_first.empty(), due);
  for (const CertificateState& c : ProjectCertificates(certificates_newest_first, desired.grace_period_days, now)) {
    if (c.prune_due) {
      plan.prune.push_back(c.summary.id);
    } else {
      plan.certificates.push_back(c);
    }
  }
  return plan;
}

// ---------------------------------------------------------------- changing

void CertificateManager::CleanUpLeftovers(const IssuanceSettings& settings) {
  Result<CertificateIssuer*> issuer = issuers_->IssuerFor(settings);
  if (!issuer.ok()) {
    return;  // issuing will fail with the same error, which is then reported
  }
  if (Status s = (*issuer)->CleanUpLeftovers(); !s.ok()) {
    logger_->Warn("could not clean up leftover DNS records", {{"error", s.message()}});
  }
}

Result<CertificateRecord> CertificateManager::Issue(const AutoCertificateRecord& desired,
                                                    const std::string& replaces_certificate_id) {
  (void)replaces_certificate_id;  // ARI: the renewal order's `replaces` (RFC 9773 §5)
  const std::string context = "issuing the certificate for " + desired.common_name;
  IONOS_ASSIGN_OR_RETURN_CTX(AccountRecord account, store_->GetAccount(desired.provider_id), context);
  IONOS_ASSIGN_OR_RETURN_CTX(PrivateKey key, PrivateKey::FromPem(account.private_key_pem),
                             context + ": loading the ACME account key");
  IONOS_ASSIGN_OR_RETURN_CTX(AcmeClient * acme, issuers_->AcmeClientFor(account.server, desired.settings), context);
  IONOS_ASSIGN_OR_RETURN(CertificateIssuer * issuer, issuers_->IssuerFor(desired.settings));
  CleanUpLeftovers(desired.settings);
  IONOS_ASSIGN_OR_RETURN_CTX(KeyAlgorithm algorithm, ParseKeyAlgorithm(desired.key_algorithm), context);
  CertificateRequest request;
  request.common_name = desired.common_name;
  request.subject_alternative_names = desired.subject_alternative_names;
  request.key_algorithm = algorithm;
  request.profile = desired.profile;
  if (!replaces_certificate_id.empty()) {
    // RFC 9773 §5: a renewal order names the certificate it replaces, where the CA offers ARI
    // (such renewals are exempt from Let's Encrypt's rate limits).
    Result<AcmeDirectory> dir = acme->Directory();
    Result<CertificateRecord> old = store_->GetCertificate(replaces_certificate_id);
    if (dir.ok() && !dir->renewal_info.empty() && old.ok()) {
      Result<CertificateInfo> info = InspectCertificate(old->certificate_pem);
      Result<std::string> cert_id = info.ok() ? AriCertId(*info) : Result<std::string>(info.status());
      if (cert_id.ok()) {
        request.replaces = *cert_id;
      }
    }
  }
  const TimePoint started = clock_->Now();
  IONOS_ASSIGN_OR_RETURN(IssuedCertificate issued, issuer->Issue(AcmeAccountRef{acme, &key, account.account_url}, request));
  CertificateRecord cert;
  cert.auto_certificate_id = desired.id;
  cert.serial_number = issued.info.serial_number;
  cert.not_before = issued.info.not_before;
  cert.not_after = issued.info.not_after;
  cert.fingerprint_sha256 = issued.info.fingerprint_sha256;
  cert.key_algorithm = desired.key_algorithm;
  cert.issued_at = started;
  cert.certificate_pem = std::move(issued.certificate_pem);
  cert.chain_pem = std::move(issued.chain_pem);
  cert.private_key_pem = std::move(issued.private_key_pem);
  return cert;
}

Result<CertificateRecord> CertificateManager::AddIssued(const AutoCertificateRecord& desired, CertificateRecord issued) {
  issued.auto_certificate_id = desired.id;
  for (int attempt = 0;; ++attempt) {
    issued.name = CertificateName(desired.common_name, issued.issued_at, attempt);
    Result<CertificateRecord> added = store_->AddCertificate(issued);
    if (added.ok() || added.status().code() != StatusCode::kAlreadyExists || attempt + 1 >= kMaxNameAttempts) {
      if (added.ok()) {
        logger_->Info("certificate issued", {{"auto_certificate", desired.id},
                                             {"certificate", added->name},
                                             {"serial", added->serial_number},
                                             {"not_after", FormatRfc3339(added->not_after)}});
        return added;
      }
      return NotKept(desired.common_name, issued.serial_number, added.status());
    }
  }
}

Status CertificateManager::NotKept(const std::string& common_name, const std::string& serial,
                                   const Status& cause) const {
  logger_->Error("a certificate the CA issued could not be stored", {{"serial", serial}, {"error", cause.message()}});
  return Status(cause.code(), "the CA issued the certificate with serial " + serial + " for " + common_name +
                                  ", but it was not kept: the store " + store_->Describe() + " could not take it (" +
                                  cause.message() +
                                  "). It still counts against the CA's duplicate-certificate limit (Let's "
                                  "Encrypt: 5 certificates for the same names per 7 days); the next run issues "
                                  "another once the store works again");
}

Result<AutoCertificateView> CertificateManager::Create(const AutoCertificateRecord& desired) {
  AutoCertificateRecord record = desired;
  IONOS_ASSIGN_OR_RETURN(CertificateRecord issued, Issue(record, ""));
  Result<AutoCertificateRecord> created = store_->CreateAutoCertificate(record);
  if (!created.ok()) {
    return NotKept(record.common_name, issued.serial_number, created.status());
  }
  record = std::move(created).value();
  Result<CertificateRecord> stored = AddIssued(record, std::move(issued));
  if (!stored.ok()) {
    // Leave nothing half-written: the auto certificate goes with its certificate.
    if (Status undo = store_->DeleteAutoCertificate(record.id); !undo.ok()) {
      logger_->Error("cannot remove the auto certificate after its certificate could not be saved",
                     {{"auto_certificate", record.id}, {"error", undo.message()}});
    }
    return stored.status().WithContext("saving the certificate");
  }
  if (record.settings.publish) {
    Status published = PublishAfterIssuance(record.id, /*verify_newest=*/false);
    IONOS_ASSIGN_OR_RETURN(AutoCertificateView view, View(record.id));
    view.publish_status = std::move(published);
    return view;
  }
  return View(record.id);
}

Result<AutoCertificateView> CertificateManager::Reissue(const AutoCertificateRecord& desired,
                                                        const std::string& replaces_certificate_id, ReissueFor purpose,
                                                        bool* adopted) {
  *adopted = false;
  LockOptions lock;
  lock.timeout = options_.lock_timeout;
  lock.cancel = cancel_;
  // A warning: `renew` (whose output shows warnings) says why it takes longer than usual.
  lock.on_wait = [&] {
    logger_->Warn("waiting for another process that is renewing " + desired.common_name,
                  {{"auto_certificate", desired.id}});
  };
  IONOS_ASSIGN_OR_RETURN_CTX(std::unique_ptr<StoreLock> held, store_->Lock(LockName(desired.id), lock),
                             "renewing " + desired.common_name);
  // Inside the lock: has another process replaced the certificate this change meant to replace?
  IONOS_ASSIGN_OR_RETURN(AutoCertificateRecord stored, store_->GetAutoCertificate(desired.id));
  IONOS_ASSIGN_OR_RETURN(std::vector<CertificateSummary> certs, store_->ListCertificates(desired.id));
  const bool replaced_meanwhile = !certs.empty() && certs.front().id != replaces_certificate_id;
  // What to issue for: an apply's configuration, or for renew the one stored now (an apply may
  // have changed it while renew waited for the lock).
  const AutoCertificateRecord& request = purpose == ReissueFor::kRenew ? stored : desired;
  if (replaced_meanwhile && (purpose == ReissueFor::kRenew || SameCertificateRequest(stored, desired))) {
    logger_->Info("adopting the certificate another process issued meanwhile",
                  {{"auto_certificate", desired.id}, {"certificate", certs.front().name}});
    *adopted = true;
  } else {
    IONOS_ASSIGN_OR_RETURN(CertificateRecord issued, Issue(request, replaces_certificate_id));
    // The decision above was taken under the lock; a lock that lives in a database session can be
    // lost while the CA works (the connection ended), and another process may have taken it and
    // stored a certificate meanwhile. Before storing: still held? If not, take it again and
    // re-check; a certificate stored meanwhile wins, and ours is reported, not stored.
    Result<bool> still_held = held->StillHeld();
    if (!still_held.ok() || !*still_held) {
      logger_->Warn("the store lock was lost while the CA issued; taking it again before storing",
                    {{"auto_certificate", desired.id},
                     {"reason", still_held.ok() ? "the lock's session ended" : still_held.status().message()}});
      held.reset();
      IONOS_ASSIGN_OR_RETURN_CTX(held, store_->Lock(LockName(desired.id), lock),
                                 "taking the lock again to store the certificate for " + desired.common_name);
      IONOS_ASSIGN_OR_RETURN(AutoCertificateRecord stored_now, store_->GetAutoCertificate(desired.id));
      IONOS_ASSIGN_OR_RETURN(std::vector<CertificateSummary> now, store_->ListCertificates(desired.id));
      const std::string before = certs.empty() ? std::string() : certs.front().id;
      // The same rule as above: renew takes whatever was stored meanwhile, an apply only a
      // certificate for the same request (otherwise its own, for the newer request, goes in).
      if (!now.empty() && now.front().id != before &&
          (purpose == ReissueFor::kRenew || SameCertificateRequest(stored_now, desired))) {
        logger_->Warn("another process stored a certificate while the lock was lost; the one just issued is "
                      "not kept (it counts against the CA's duplicate-certificate limit)",
                      {{"auto_certificate", desired.id},
                       {"kept", now.front().name},
                       {"not_kept_serial", issued.serial_number}});
        *adopted = true;
        if (purpose == ReissueFor::kApply) {
          IONOS_RETURN_IF_ERROR(
              store_->UpdateAutoCertificate(desired).status().WithContext("saving the auto certificate"));
        }
        return View(desired.id);
      }
    }
    IONOS_RETURN_IF_ERROR(AddIssued(request, std::move(issued)).status().WithContext("saving the certificate"));
  }
  if (purpose == ReissueFor::kApply) {
    IONOS_RETURN_IF_ERROR(store_->UpdateAutoCertificate(desired).status().WithContext("saving the auto certificate"));
  }
  return View(desired.id);
}

Result<AutoCertificateView> CertificateManager::Update(const AutoCertificateRecord& desired, const UpdateIntent& intent) {
  if (!intent.reissue) {
    // Every apply that changes an auto certificate removes what interrupted runs left behind
    // (an issuance does so before it writes its own records).
    CleanUpLeftovers(desired.settings);
  }
  // Two snapshot reads in all: the view after the change (which the pruning decides on) and the
  // view after pruning and publishing (what the caller reports).
  AutoCertificateView view;
  if (intent.reissue) {
    bool adopted = false;
    IONOS_ASSIGN_OR_RETURN(view, Reissue(desired, intent.replaces_certificate_id, ReissueFor::kApply, &adopted));
  } else {
    IONOS_RETURN_IF_ERROR(
        store_->UpdateAutoCertificate(desired).status().WithContext("saving the auto certificate"));
    IONOS_ASSIGN_OR_RETURN(view, View(desired.id));
  }
  std::set<std::string> prune;
  for (const std::string& id : view.PruneDue()) {
    if (!intent.prune || intent.prune->count(id) > 0) {
      prune.insert(id);
    }
  }
  std::vector<std::string> warnings;
  if (!prune.empty()) {
    IONOS_RETURN_IF_ERROR(PruneOf(view, prune, &warnings).status());
  }
  Status published = PublishAfterIssuance(desired.id, /*verify_newest=*/true);
  IONOS_ASSIGN_OR_RETURN(view, View(desired.id));
  view.warnings = std::move(warnings);
  view.publish_status = std::move(published);
  return view;
}

Result<RenewalPlan> CertificateManager::PlanRenewal(const std::string& auto_certificate_id, RenewalInfoUse use) {
  IONOS_ASSIGN_OR_RETURN(AutoCertificateSnapshot snapshot, store_->GetAutoCertificateSnapshot(auto_certificate_id));
  if (Status ari = RefreshRenewalInfoOf(&snapshot, use); !ari.ok()) {
    logger_->Warn("could not refresh the CA's renewal information; using the renewal window",
                  {{"auto_certificate", auto_certificate_id}, {"error", ari.message()}});
  }
  RenewalPlan plan;
  plan.view = ViewOf(std::move(snapshot));
  const AutoCertificateView& view = plan.view;
  plan.due = !view.newest.has_value() || (view.renewal && view.renewal->due);
  if (!view.newest) {
    plan.reason = "no certificate is kept";
  } else if (plan.due) {
    plan.reason = view.renewal->source == RenewalSource::kAri ? "the CA's renewal window has opened"
                                                              : "the renewal window has opened";
  } else {
    plan.reason = "renewal is due from " + FormatRfc3339(view.renewal->renew_at);
    if (view.renewal->source == RenewalSource::kAri) {
      plan.reason += ", a moment in the CA's renewal window";
    }
  }
  plan.prune_due = view.PruneDue();
  return plan;
}

Result<RenewOutcome> CertificateManager::RenewIfDue(const std::string& auto_certificate_id) {
  RenewOutcome out;
  IONOS_ASSIGN_OR_RETURN(RenewalPlan plan, PlanRenewal(auto_certificate_id, RenewalInfoUse::kStore));
  AutoCertificateView view = std::move(plan.view);
  out.reason = plan.reason;
  if (plan.due) {
    bool adopted = false;
    IONOS_ASSIGN_OR_RETURN(view, Reissue(view.record, view.newest ? view.newest->id : std::string(),
                                         ReissueFor::kRenew, &adopted));
    out.action = adopted ? RenewOutcome::Action::kAdopted : RenewOutcome::Action::kRenewed;
  }
  const std::vector<std::string> prune_due = view.PruneDue();
  if (!prune_due.empty()) {
    IONOS_ASSIGN_OR_RETURN(out.pruned, Prune(auto_certificate_id,
                                             std::set<std::string>(prune_due.begin(), prune_due.end()), &out.warnings));
  }
  out.publish_status = PublishAfterIssuance(auto_certificate_id, /*verify_newest=*/true);
  IONOS_ASSIGN_OR_RETURN(view, View(auto_certificate_id));
  out.view = std::move(view);
  return out;
}

Result<std::vector<std::string>> CertificateManager::Prune(const std::string& auto_certificate_id,
                                                           const std::set<std::string>& ids,
                                                           std::vector<std::string>* warnings) {
  IONOS_ASSIGN_OR_RETURN(AutoCertificateView view, View(auto_certificate_id));
  return PruneOf(view, ids, warnings);
}

Result<std::vector<std::string>> CertificateManager::PruneOf(const AutoCertificateView& view,
                                                             const std::set<std::string>& ids,
                                                             std::vector<std::string>* warnings) {
  const std::string& auto_certificate_id = view.record.id;
  IONOS_ASSIGN_OR_RETURN(std::vector<PublicationRecord> publications, store_->ListPublications(auto_certificate_id));
  std::vector<std::string> pruned;
  for (const CertificateState& c : view.certificates) {
    if (ids.count(c.summary.id) == 0) {
      continue;
    }
    if (!c.prune_due) {
      // The rules decide, not the caller: a certificate within its grace period (or the newest)
      // is never deleted.
      continue;
    }
    auto publication = std::find_if(publications.begin(), publications.end(),
                                    [&](const PublicationRecord& p) { return p.certificate_id == c.summary.id; });
    if (publication != publications.end()) {
      // Its copy goes first: a copy a CDN or load balancer still uses keeps its certificate.
      IONOS_ASSIGN_OR_RETURN_CTX(CertificatePublisher * publisher, issuers_->PublisherFor(view.record.settings),
                                 "deleting the published copy of " + c.summary.name);
      Status deleted = DeleteCopy(*publisher, c.summary, view.record.common_name, *publication);
      if (deleted.code() == StatusCode::kFailedPrecondition) {
        const std::string warning = "The copy of " + c.summary.name + " in " + publisher->Describe() +
                                    " is still in use, so it and the certificate are kept; the next prune "
                                    "tries again (" + deleted.message() + ").";
        logger_->Warn("a published copy is in use; kept", {{"certificate", c.summary.name}, {"error", deleted.message()}});
        if (warnings != nullptr) {
          warnings->push_back(warning);
        }
        continue;
      }
      IONOS_RETURN_IF_ERROR(deleted.WithContext("deleting " + c.summary.name + " after its grace period"));
    }
    Status s = store_->DeleteCertificate(c.summary.id);
    if (!s.ok() && s.code() != StatusCode::kNotFound) {
      return s.WithContext("deleting " + c.summary.name + " after its grace period");
    }
    logger_->Info("deleted certificate after its grace period",
                  {{"certificate", c.summary.name}, {"not_after", FormatRfc3339(c.summary.not_after)}});
    pruned.push_back(c.summary.name);
  }
  return pruned;
}

Status CertificateManager::Delete(const std::string& auto_certificate_id) {
  Result<std::vector<PublicationRecord>> publications = store_->ListPublications(auto_certificate_id);
  if (!publications.ok() && publications.status().code() != StatusCode::kNotFound) {
    return publications.status();
  }
  if (publications.ok() && !publications->empty()) {
    IONOS_ASSIGN_OR_RETURN(AutoCertificateRecord record, store_->GetAutoCertificate(auto_certificate_id));
    IONOS_ASSIGN_OR_RETURN(std::vector<CertificateSummary> certificates, store_->ListCertificates(auto_certificate_id));
    IONOS_ASSIGN_OR_RETURN_CTX(CertificatePublisher * publisher, issuers_->PublisherFor(record.settings),
                               "deleting the published copies of " + record.common_name);
    for (const CertificateSummary& c : certificates) {
      for (const PublicationRecord& p : *publications) {
        if (p.certificate_id == c.id) {
          IONOS_RETURN_IF_ERROR(DeleteCopy(*publisher, c, record.common_name, p)
                                    .WithContext("deleting the copy of " + c.name + " from " + publisher->Describe()));
        }
      }
    }
  }
  Status s = store_->DeleteAutoCertificate(auto_certificate_id);
  if (!s.ok() && s.code() != StatusCode::kNotFound) {
    return s;
  }
  return Status::Ok();
}

// ---------------------------------------------------------------- publishing

Status CertificateManager::DeleteCopy(CertificatePublisher& publisher, const CertificateSummary& certificate,
                                      const std::string& common_name, const PublicationRecord& publication) {
  std::string remote_id = publication.remote_id;
  if (publication.state != kPublicationPublished) {
    // An upload whose answer never came: is there a copy?
    IONOS_ASSIGN_OR_RETURN(std::optional<PublishedCopy> found,
                           publisher.FindCopy(common_name, certificate.name, certificate.serial_number));
    if (!found) {
      return store_->RemovePublication(certificate.id);
    }
    remote_id = found->id;
  }
  IONOS_RETURN_IF_ERROR(publisher.DeleteCopy(remote_id));
  logger_->Info("deleted the published copy", {{"certificate", certificate.name}, {"published_id", remote_id}});
  return store_->RemovePublication(certificate.id);
}

Status CertificateManager::SyncPublication(const std::string& auto_certificate_id, bool verify_newest) {
  {
    // Nothing to do for an auto certificate that does not publish and has no copies (most of
    // them): no lock, two reads.
    IONOS_ASSIGN_OR_RETURN(AutoCertificateRecord record, store_->GetAutoCertificate(auto_certificate_id));
    if (!record.settings.publish) {
      IONOS_ASSIGN_OR_RETURN(std::vector<PublicationRecord> publications,
                             store_->ListPublications(auto_certificate_id));
      if (publications.empty()) {
        return Status::Ok();
      }
    }
  }
  // One process at a time decides and uploads (an apply and a renew may finish together): the
  // second one finds the first one's note or copy, never uploads again.
  LockOptions lock;
  lock.timeout = options_.lock_timeout;
  lock.cancel = cancel_;
  IONOS_ASSIGN_OR_RETURN_CTX(std::unique_ptr<StoreLock> held, store_->Lock("publication/" + auto_certificate_id, lock),
                             "publishing the certificate of auto certificate " + auto_certificate_id);
  IONOS_ASSIGN_OR_RETURN(AutoCertificateRecord record, store_->GetAutoCertificate(auto_certificate_id));
  IONOS_ASSIGN_OR_RETURN(std::vector<CertificateSummary> certificates, store_->ListCertificates(auto_certificate_id));
  IONOS_ASSIGN_OR_RETURN(std::vector<PublicationRecord> publications, store_->ListPublications(auto_certificate_id));
  if (!record.settings.publish) {
    if (publications.empty()) {
      return Status::Ok();
    }
    // publish turned off: every copy goes, the certificates stay.
    IONOS_ASSIGN_OR_RETURN(CertificatePublisher * publisher, issuers_->PublisherFor(record.settings));
    for (const CertificateSummary& c : certificates) {
      for (const PublicationRecord& p : publications) {
        if (p.certificate_id == c.id) {
          IONOS_RETURN_IF_ERROR(DeleteCopy(*publisher, c, record.common_name, p)
                                    .WithContext("deleting the copy of " + c.name + " from " + publisher->Describe()));
        }
      }
    }
    return Status::Ok();
  }
  if (certificates.empty()) {
    return Status::Ok();
  }
  const CertificateSummary& newest = certificates.front();
  IONOS_ASSIGN_OR_RETURN(CertificatePublisher * publisher, issuers_->PublisherFor(record.settings));
  auto publication = std::find_if(publications.begin(), publications.end(),
                                  [&](const PublicationRecord& p) { return p.certificate_id == newest.id; });
  if (publication != publications.end() && publication->state == kPublicationPublished) {
    if (!verify_newest) {
      return Status::Ok();
    }
    Result<PublishedCopy> copy = publisher->GetCopy(publication->remote_id);
    if (copy.ok() && copy->state != "DESTROYING") {
      return Status::Ok();
    }
    if (copy.ok() || copy.status().code() == StatusCode::kNotFound) {
      logger_->Warn("the published copy was deleted outside Terraform; publishing it again",
                    {{"certificate", newest.name}, {"published_id", publication->remote_id}});
      IONOS_RETURN_IF_ERROR(store_->RemovePublication(newest.id));
    } else {
      return copy.status();
    }
  } else if (publication != publications.end()) {
    // Noted, but the answer never came: adopt the copy it made, if any (never upload twice).
    IONOS_ASSIGN_OR_RETURN(std::optional<PublishedCopy> found,
                           publisher->FindCopy(record.common_name, newest.name, newest.serial_number));
    if (found) {
      logger_->Info("adopted the copy an earlier upload made", {{"certificate", newest.name}, {"published_id", found->id}});
      return store_->PutPublication(PublicationRecord{newest.id, kPublicationPublished, found->id, {}});
    }
  }
  IONOS_ASSIGN_OR_RETURN(CertificateRecord full, store_->GetCertificate(newest.id));
  IONOS_RETURN_IF_ERROR(store_->PutPublication(PublicationRecord{newest.id, kPublicationUploading, "", {}}));
  CopyToPublish copy;
  copy.name = full.name;
  copy.common_name = record.common_name;
  copy.serial_number = full.serial_number;
  copy.certificate_pem = full.certificate_pem;
  copy.chain_pem = full.chain_pem;
  copy.private_key_pem = full.private_key_pem;
  IONOS_ASSIGN_OR_RETURN(PublishedCopy made, publisher->Publish(copy));
  logger_->Info("published the certificate", {{"certificate", newest.name}, {"published_id", made.id}});
  return store_->PutPublication(PublicationRecord{newest.id, kPublicationPublished, made.id, {}});
}

Status CertificateManager::PublishAfterIssuance(const std::string& auto_certificate_id, bool verify_newest) {
  Status s = SyncPublication(auto_certificate_id, verify_newest);
  if (s.ok()) {
    return s;
  }
  Result<AutoCertificateRecord> record = store_->GetAutoCertificate(auto_certificate_id);
  if (!record.ok() || !record->settings.publish) {
    return s;
  }
  Result<std::vector<CertificateSummary>> certificates = store_->ListCertificates(auto_certificate_id);
  const std::string name =
      certificates.ok() && !certificates->empty() ? certificates->front().name : record->common_name;
  return Status(s.code(), "the certificate " + name + " was issued and kept in the store " + store_->Describe() +
                              " but not published to the IONOS Certificate Manager (" + s.message() +
                              "); the next apply or renew publishes it");
}

Status CertificateManager::CheckPublished(AutoCertificateView* view) {
  const std::string published_id = view->NewestPublishedId();
  if (published_id.empty()) {
    return Status::Ok();
  }
  IONOS_ASSIGN_OR_RETURN(CertificatePublisher * publisher, issuers_->PublisherFor(view->record.settings));
  Result<PublishedCopy> copy = publisher->GetCopy(published_id);
  if (copy.ok() && copy->state != "DESTROYING") {
    return Status::Ok();
  }
  if (!copy.ok() && copy.status().code() != StatusCode::kNotFound) {
    return copy.status();
  }
  const std::string name = view->certificates.front().summary.name;
  view->published_ids.erase(view->certificates.front().summary.id);
  return NotFoundError("the copy " + published_id + " of " + name + " is gone from " + publisher->Describe() +
                       " (deleted outside Terraform); the next apply publishes it again");
}

}  // namespace ionos
