// File: core/lifecycle/certificate_manager.h
//
// CertificateManager: the certificate lifecycle of the IONOS "Auto Certificate" model, the one
// place every caller goes through (the ionos_auto_certificate resource, the ionos_certificate data
// source, the `certificates` and `renew` commands). It owns:
//   - obtaining the first certificate of an auto certificate (Create),
//   - renewing and re-issuing (Update, RenewIfDue) under the store's lock for the auto
//     certificate, re-checking inside the lock: a certificate another process issued meanwhile
//     for the same request is adopted, not issued again,
//   - the plan of a change (Plan: the account, zone and profile problems of what changed, and
//     PlanUpdate: re-issue or not, renewal window or ARI, what the next apply prunes), a pure
//     function of what the caller passes and what the store holds,
//   - what a refresh warns about (RefreshNotices: renewal due, certificates past their grace),
//   - the status projection (View: active, superseded, expired; prune due),
//   - naming ("<common_name>-<timestamp>", unique),
//   - pruning as an explicit operation (Prune), never as a side effect of reading,
//   - cleanup of challenge records a crashed run left behind.
// Reading (View, ViewCertificate, List*, PlanUpdate) never changes the store or anything outside
// it. Changing operations are idempotent where Terraform may repeat them (Delete).
//
// Thread-safety: all methods may be called concurrently (Terraform runs up to 10 RPCs at once).
// Errors carry context naming the auto certificate; secrets never appear in them.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/base/clock.h"
#include "core/base/log.h"
#include "core/base/status.h"
#include "core/lifecycle/renewal_policy.h"
#include "core/lifecycle/services.h"
#include "core/store/store.h"

namespace ionos {

// An auto certificate as the lifecycle sees it.
struct AutoCertificateView {
  AutoCertificateRecord record;
  std::vector<CertificateState> certificates;  // newest first
  std::optional<CertificateRecord> newest;     // with PEM and key; nullopt without certificates
  std::optional<RenewalAssessment> renewal;    // of the newest; nullopt without certificates
  // certificate id → id of its copy in the IONOS Certificate Manager (published copies only).
  std::map<std::string, std::string> published_ids;
  // What an apply did that the user should hear about (a copy in use kept at pruning, ...).
  std::vector<std::string> warnings;
  // Not ok: the newest certificate was issued and kept but could not be published (the next
  // apply or renew publishes it).
  Status publish_status;

  // The published copy of the newest certificate; "" when none.
  std::string NewestPublishedId() const;

  // Ids of the certificates whose grace period is over (the next apply deletes them).
  std::vector<std::string> PruneDue() const;
};

// Something a refresh tells the user (a warning): a headline and what it means.
struct Notice {
  std::string summary;
  std::string detail;
};

// One certificate as the data source shows it.
struct CertificateView {
  CertificateRecord certificate;
  CertificateStatus status = CertificateStatus::kActive;
  std::string published_id;  // its copy in the IONOS Certificate Manager; "" when none
};

// One row of the listing command.
struct CertificateListing {
  CertificateState state;
  std::string auto_certificate_name;  // "" for a certificate whose auto certificate is gone
  std::string common_name;
  std::string profile;
  RenewalAssessment renewal;  // of this certificate by its auto certificate's rules
  bool renewal_due = false;   // only ever true for the newest of an auto certificate
  std::string published_id;   // its copy in the IONOS Certificate Manager; "" when none
};

// What a plan of an existing auto certificate says the next apply does.
struct UpdatePlan {
  ReissueReason reissue = ReissueReason::kNone;
  std::optional<RenewalAssessment> renewal;   // of the newest certificate, at `now`
  std::vector<CertificateState> certificates;  // after the apply when nothing is re-issued
  std::vector<std::string> prune;              // ids the apply deletes (grace period over)
};

// A problem a plan finds with the inputs of an auto certificate, before any order is placed.
struct PlanProblem {
  enum class Kind {
    kUnknownProvider,     // provider_id names no account of the store (status: kNotFound)
    kProviderUnreadable,  // the store could not be asked about the account
    kNameOutsideZones,    // `name` lies in no zone of the DNS API
    kZonesUnreadable,     // the DNS API could not be asked
    kProfileNotOffered,   // the CA does not offer the profile (status lists the offered ones)
    kProfileUnchecked,    // the CA's directory could not be asked
  };
  Kind kind;
  Status status;
  std::string name;          // kNameOutsideZones: the name
  bool common_name = false;  // kNameOutsideZones: `name` is the common name
};

// Which parts of a desired auto certificate a plan knows (in Terraform some are known only at
// apply, such as the id of an account created in the same run): only known parts are checked.
struct KnownParts {
  bool provider_id = true;
  bool names = true;  // common name and alternative names
  bool profile = true;
};

// What a plan says: the problems it found and, for an existing auto certificate, the update.
struct CertificatePlan {
  std::vector<PlanProblem> problems;
  std::optional<UpdatePlan> update;  // nullopt when creating
};

// What the apply of an update does (from its plan).
struct UpdateIntent {
  bool reissue = false;
  // The newest certificate the plan saw: if the store's newest differs when the lock is held,
  // another process renewed meanwhile and its certificate is adopted.
  std::string replaces_certificate_id;
  // Certificates to delete; nullopt: every one whose grace period is over at apply time.
  std::optional<std::set<std::string>> prune;
};

// Whether asking the CA for renewal information may store its answer (renew, a refresh) or only
// use it for this decision (renew --dry-run, which changes nothing).
enum class RenewalInfoUse { kStore, kReadOnly };

// What the renew command would do for one auto certificate now (PlanRenewal).
struct RenewalPlan {
  AutoCertificateView view;
  bool due = false;                    // no certificate kept, or the window (or the CA's ARI window) open
  std::string reason;                  // why renewal is due, or from when it will be
  std::vector<std::string> prune_due;  // ids whose grace period is over
};

// What RenewIfDue did.
struct RenewOutcome {
  enum class Action { kRenewed, kNotDue, kAdopted } action = Action::kNotDue;
  AutoCertificateView view;           // after the action
  std::string reason;                 // why renewal was due, or why not
  std::vector<std::string> pruned;    // names of the certificates deleted after their grace period
  std::vector<std::string> warnings;  // copies in use kept at pruning
  Status publish_status;              // not ok: the newest certificate could not be published
};

struct CertificateManagerOptions {
  // How long to wait for another process that holds an auto certificate's lock.
  Duration lock_timeout{std::chrono::minutes(10)};
};

class CertificateManager {
 public:
  // Pointers are borrowed and must outlive the manager; `logger` and `cancel` may be null.
  CertificateManager(Store* store, IssuerFactory* issuers, const Clock* clock, Logger* logger,
                     const CancelToken* cancel, CertificateManagerOptions options = {});

  CertificateManager(const CertificateManager&) = delete;
  CertificateManager& operator=(const CertificateManager&) = delete;

  // ---------------------------------------------------------------- reading

  // The auto certificate with its certificates, statuses and renewal at the manager's clock.
  // kNotFound from the store when the id is unknown (see WasDeleted to tell drift from a lost
  // store).
  Result<AutoCertificateView> View(const std::string& auto_certificate_id);

  // View after RefreshRenewalInfo, from one read of the store (a refresh: Terraform's Read).
  // `renewal_info_status` receives the outcome of asking the CA; its failure only warns, the
  // renewal window rule still applies.
  Result<AutoCertificateView> Refresh(const std::string& auto_certificate_id, Status* renewal_info_status);

  // What a refresh of `view` should warn about, at the manager's clock: renewal due (with the
  // CA's ARI window and explanation where it chose the moment), and the certificates past their
  // grace period that the next apply deletes. Empty when all is well.
  std::vector<Notice> RefreshNotices(const AutoCertificateView& view) const;

  // The ACME server of the account `provider_id`; kNotFound when the store does not know the id.
  // An account's server never changes (a new server is a new account), so the store is read once
  // per account and process.
  Result<std::string> AccountServer(const std::string& provider_id);

  // One certificate with its status (active only when it is the newest of its auto certificate).
  Result<CertificateView> ViewCertificate(const std::string& certificate_id);

  // Every certificate in the store (listing command), grouped by auto certificate, newest first.
  // Never decrypts a key.
  Result<std::vector<CertificateListing>> ListCertificates();

  // Every name the certificate for `desired` covers must lie in a zone of its DNS API. Returns
  // one problem per name outside every zone (kNotFound naming it), or a single problem with an
  // empty name when the DNS API itself cannot be asked. Empty: all names are served.
  struct ZoneProblem {
    std::string name;
    Status status;
    bool common_name = false;  // `name` is the common name (else one of the alternative names)
  };
  std::vector<ZoneProblem> CheckZones(const AutoCertificateRecord& desired);

  // An ACME profile the CA of the auto certificate's account does not offer (its directory's
  // meta.profiles) is kInvalidArgument listing the offered ones; no profile, or an account the
  // store does not know, is OK here (reported elsewhere). Asks the CA's directory.
  Status CheckProfile(const AutoCertificateRecord& desired);

  // The plan of `desired`: `prior` is the auto certificate as the caller knows it (null when
  // creating) with its certificates newest first. Checks what changed and is known (the account
  // for provider_id, the names against the DNS zones, the profile against the CA's directory),
  // and for an existing auto certificate decides the update (PlanUpdate). No side effects.
  CertificatePlan Plan(const AutoCertificateRecord* prior, const AutoCertificateRecord& desired,
                       const std::vector<CertificateSummary>& certificates_newest_first, KnownParts known);

  // The plan for changing the stored auto certificate `prior` into `desired` at the manager's
  // clock: `newest` and `certificates` are those the caller knows (Terraform: from the refreshed
  // state); the CA's renewal information comes from the store. No side effects.
  UpdatePlan PlanUpdate(const AutoCertificateRecord& prior, const AutoCertificateRecord& desired,
                        const std::vector<CertificateSummary>& certificates_newest_first);

  // ---------------------------------------------------------------- the CA's renewal information

  // ARI (RFC 9773): where the account's CA offers renewalInfo, fetches the renewal information of
  // the newest certificate and keeps the suggested window and one moment chosen inside it in the
  // store (the moment stays while the window does). The CA's Retry-After is honoured across
  // processes: before the stored next-fetch time nothing is asked. A CA without ARI, or an auto
  // certificate without certificates, is OK and asks nothing. Writes only renewal information.
  Status RefreshRenewalInfo(const std::string& auto_certificate_id);

  // ---------------------------------------------------------------- changing

  // Obtains the first certificate for `desired` (id empty: a new one is assigned), then stores
  // the auto certificate and the certificate. Nothing is stored when issuance fails.
  Result<AutoCertificateView> Create(const AutoCertificateRecord& desired);

  // Stores `desired` over the auto certificate `desired.id`; when `intent.reissue`, first obtains
  // a new certificate under the auto certificate's lock (or adopts one another process issued
  // meanwhile); then prunes as `intent` says.
  Result<AutoCertificateView> Update(const AutoCertificateRecord& desired, const UpdateIntent& intent);

  // Whether the auto certificate is due for renewal at the manager's clock, by the renewal window
  // and the CA's renewal information (asked for when the CA offers ARI and the last answer's
  // Retry-After has passed), and what a prune would delete: the decision RenewIfDue acts on and
  // `renew --dry-run` reports, so the two always agree. With kReadOnly nothing is written.
  Result<RenewalPlan> PlanRenewal(const std::string& auto_certificate_id, RenewalInfoUse use);

  // Renews the auto certificate when renewal is due (window or ARI) at the manager's clock, with
  // the account and settings it is stored with, under its lock, re-checking inside it; prunes the
  // certificates whose grace period is over either way. The `renew` command.
  Result<RenewOutcome> RenewIfDue(const std::string& auto_certificate_id);

  // Deletes the certificates in `ids` (all of whose grace periods must be over; the newest is
  // never deleted), and first their copies in the IONOS Certificate Manager: a copy the API
  // refuses to delete because it is in use keeps itself and its certificate (a warning in
  // `warnings` names both; a later prune tries again). Returns the names of those deleted.
  Result<std::vector<std::string>> Prune(const std::string& auto_certificate_id, const std::set<std::string>& ids,
                                         std::vector<std::string>* warnings = nullptr);

  // Deletes the auto certificate and every certificate of it, and first every copy of them in the
  // IONOS Certificate Manager (a copy the API refuses to delete fails the deletion, naming the
  // certificate and what uses it when the API says). Deleting one that is gone is OK.
  Status Delete(const std::string& auto_certificate_id);

  // ---------------------------------------------------------------- publishing

  // Brings the copies in the IONOS Certificate Manager in line with the auto certificate's
  // `publish` setting: with it, the newest certificate has a copy (uploaded once: the store notes
  // the upload before it is made and completes the note after; a noted upload whose answer was
  // lost is found by name and serial, never uploaded again); without it, every copy is deleted.
  // Older certificates keep their copies until they are pruned. `verify_newest`: ask whether the
  // newest copy still exists and upload it again when it was deleted outside.
  Status SyncPublication(const std::string& auto_certificate_id, bool verify_newest);

  // A refresh's check of the newest certificate's copy: kNotFound (with a message naming the
  // certificate) when it was deleted outside, after removing it from `view->published_ids` (the
  // store is not changed); other errors when the API cannot be asked. OK without a copy.
  Status CheckPublished(AutoCertificateView* view);

  // Removes the challenge TXT records that interrupted earlier runs left behind (noted in the
  // store), through the DNS API of `settings`. Logs, never fails the caller's operation.
  void CleanUpLeftovers(const IssuanceSettings& settings);

 private:
  Result<CertificateRecord> Issue(const AutoCertificateRecord& desired, const std::string& replaces_certificate_id);
  Result<CertificateRecord> AddIssued(const AutoCertificateRecord& desired, CertificateRecord issued);
  // The error for a certificate the CA issued that the store could not take (`cause`): names its
  // serial and what the loss costs (it counts against the CA's duplicate-certificate limit).
  Status NotKept(const std::string& common_name, const std::string& serial, const Status& cause) const;
  // Issues a certificate for `desired` under the auto certificate's store lock, re-checking inside
  // it. An apply (kApply) brings a configuration: it adopts what another process issued meanwhile
  // only for the same request, and writes `desired` to the store. A renewal without a new
  // configuration (kRenew: the renew command) only knows what it read before the lock: inside the
  // lock it re-reads the auto certificate, adopts whatever newest certificate another process
  // stored since (an apply's newer names win), otherwise issues for the configuration stored now,
  // and never writes the configuration back.
  enum class ReissueFor { kApply, kRenew };
  Result<AutoCertificateView> Reissue(const AutoCertificateRecord& desired, const std::string& replaces_certificate_id,
                                      ReissueFor purpose, bool* adopted);
  std::optional<RenewalInfoRecord> RenewalInfoOf(const std::string& certificate_id);
  // RefreshRenewalInfo on a snapshot already read; updates snapshot->renewal_info when it fetched
  // (and stores the answer only with kStore).
  Status RefreshRenewalInfoOf(AutoCertificateSnapshot* snapshot, RenewalInfoUse use = RenewalInfoUse::kStore);
  AutoCertificateView ViewOf(AutoCertificateSnapshot snapshot);
  // Prune on a view just read (no read of the snapshot of its own).
  Result<std::vector<std::string>> PruneOf(const AutoCertificateView& view, const std::set<std::string>& ids,
                                           std::vector<std::string>* warnings);
  // Deletes the copy `publication` of `certificate` and forgets it.
  Status DeleteCopy(CertificatePublisher& publisher, const CertificateSummary& certificate,
                    const std::string& common_name, const PublicationRecord& publication);
  // SyncPublication and, when it fails, the error that says what was kept.
  Status PublishAfterIssuance(const std::string& auto_certificate_id, bool verify_newest);
  // Remembers the renewal information a read or a write of this process saw, so that the plan
  // after a refresh decides on what the refresh read without asking the store again.
  void NoteRenewalInfo(const std::string& certificate_id, const std::optional<RenewalInfoRecord>& info);

  Store* store_;
  IssuerFactory* issuers_;
  const Clock* clock_;
  Logger* logger_;
  const CancelToken* cancel_;
  CertificateManagerOptions options_;

  std::mutex cache_mu_;
  std::map<std::string, std::string> account_servers_;  // provider_id -> server (immutable per account)
  std::map<std::string, std::optional<RenewalInfoRecord>> renewal_info_seen_;  // certificate id -> as last read
};

}  // namespace ionos
