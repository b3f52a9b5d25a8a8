// Test doubles for the certificate store (core/store/store.h):
//
// MemoryStore   the whole Store contract in memory (ids, NotFound messages naming the store,
//               whole-second times from the injected clock, supersede on add, unique certificate
//               names, tombstones, listings without keys, renewal information, locks that wait
//               through the clock). "memory:<name>" is what Describe() says. Thread-safe.
// FaultStore    forwards every call to another Store, except that a test can make any method
//               fail: FailNext("AddCertificate", status) fails its next call, FailAlways(...)
//               every call until Clear(). Method names are the Store's. Thread-safe.
#pragma once

#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "core/base/clock.h"
#include "core/store/store.h"

namespace ionos::fakes {

class MemoryStore final : public Store {
 public:
  // `clock` and `random` are borrowed; `name` appears in Describe() ("memory:<name>").
  MemoryStore(const Clock* clock, Random* random, std::string name = "test");

  Result<AccountRecord> CreateAccount(const AccountRecord& account) override;
  Result<AccountRecord> GetAccount(const std::string& id) override;
  Result<AccountRecord> UpdateAccount(const AccountRecord& account) override;
  Status DeleteAccount(const std::string& id) override;
  Result<std::vector<AccountRecord>> ListAccounts() override;

  Result<AutoCertificateRecord> CreateAutoCertificate(const AutoCertificateRecord& auto_certificate) override;
  Result<AutoCertificateRecord> GetAutoCertificate(const std::string& id) override;
  Result<AutoCertificateRecord> UpdateAutoCertificate(const AutoCertificateRecord& auto_certificate) override;
  Status DeleteAutoCertificate(const std::string& id) override;
  Result<std::vector<AutoCertificateRecord>> ListAutoCertificates() override;

  Result<CertificateRecord> AddCertificate(const CertificateRecord& certificate) override;
  Result<CertificateRecord> GetCertificate(const std::string& id) override;
  Result<std::vector<CertificateSummary>> ListCertificates(const std::string& auto_certificate_id) override;
  Result<std::vector<CertificateSummary>> ListAllCertificates() override;
  Status DeleteCertificate(const std::string& id) override;

  Result<PendingDnsRecord> NotePendingDnsRecord(const PendingDnsRecord& record) override;
  Status SetPendingDnsRecordId(const std::string& id, const std::string& record_id) override;
  Status RemovePendingDnsRecord(const std::string& id) override;
  Result<std::vector<PendingDnsRecord>> ListPendingDnsRecords() override;

  Result<std::optional<RenewalInfoRecord>> GetRenewalInfo(const std::string& certificate_id) override;
  Status PutRenewalInfo(const RenewalInfoRecord& info) override;

  Status PutPublication(const PublicationRecord& record) override;
  Status RemovePublication(const std::string& certificate_id) override;
  Result<std::vector<PublicationRecord>> ListPublications(const std::string& auto_certificate_id) override;

  Result<std::unique_ptr<StoreLock>> Lock(const std::string& name, const LockOptions& options) override;

  // Keys are held in memory, never sealed: all of them count as plaintext.
  Result<KeyCounts> CountKeys() override;
  Result<KeyCounts> Rekey(const std::string& new_key) override;

  Result<bool> WasDeleted(const std::string& kind, const std::string& id) override;
  std::string Describe() const override { return "memory:" + name_; }

  // ---- inspection
  size_t certificate_count() const;
  // Names of the locks held right now.
  std::set<std::string> held_locks() const;
  // How many Lock() calls found their lock busy (and waited).
  int lock_waits() const;

 private:
  class HeldLock;
  Status NotFound(const char* kind, const std::string& id) const;
  Result<std::string> IdFor(const std::string& given);
  TimePoint Now() const;
  void Release(const std::string& name);

  const Clock* clock_;
  Random* random_;
  const std::string name_;

  mutable std::mutex mu_;
  std::map<std::string, AccountRecord> accounts_;
  std::vector<std::string> account_order_;
  std::map<std::string, AutoCertificateRecord> autos_;
  std::vector<std::string> auto_order_;
  std::vector<CertificateRecord> certificates_;  // in insertion order
  std::vector<PendingDnsRecord> pending_;
  std::map<std::string, RenewalInfoRecord> renewal_info_;
  std::map<std::string, PublicationRecord> publications_;  // by certificate id
  std::set<std::pair<std::string, std::string>> deleted_;  // (kind, id)
  std::set<std::string> locks_;
  int lock_waits_ = 0;
};

class FaultStore final : public Store {
 public:
  explicit FaultStore(Store* base) : base_(base) {}

  void FailNext(const std::string& method, Status status);
  void FailAlways(const std::string& method, Status status);
  void Clear();
  // Calls per method so far (forwarded or failed).
  int calls(const std::string& method) const;
  // The next lock taken reports itself lost (StillHeld() false) the first time it is asked, after
  // running `meanwhile` (what another process does while the lock is not held), as a PostgreSQL
  // session lock whose connection ended does.
  void LoseNextLock(std::function<void()> meanwhile = nullptr);

  Result<AccountRecord> CreateAccount(const AccountRecord& a) override;
  Result<AccountRecord> GetAccount(const std::string& id) override;
  Result<AccountRecord> UpdateAccount(const AccountRecord& a) override;
  Status DeleteAccount(const std::string& id) override;
  Result<std::vector<AccountRecord>> ListAccounts() override;
  Result<AutoCertificateRecord> CreateAutoCertificate(const AutoCertificateRecord& a) override;
  Result<AutoCertificateRecord> GetAutoCertificate(const std::string& id) override;
  Result<AutoCertificateRecord> UpdateAutoCertificate(const AutoCertificateRecord& a) override;
  Status DeleteAutoCertificate(const std::string& id) override;
  Result<std::vector<AutoCertificateRecord>> ListAutoCertificates() override;
  Result<CertificateRecord> AddCertificate(const CertificateRecord& c) override;
  Result<CertificateRecord> GetCertificate(const std::string& id) override;
  Result<std::vector<CertificateSummary>> ListCertificates(const std::string& id) override;
  Result<std::vector<CertificateSummary>> ListAllCertificates() override;
  Status DeleteCertificate(const std::string& id) override;
  Result<PendingDnsRecord> NotePendingDnsRecord(const PendingDnsRecord& r) override;
  Status SetPendingDnsRecordId(const std::string& id, const std::string& record_id) override;
  Status RemovePendingDnsRecord(const std::string& id) override;
  Result<std::vector<PendingDnsRecord>> ListPendingDnsRecords() override;
  Result<std::optional<RenewalInfoRecord>> GetRenewalInfo(const std::string& id) override;
  Status PutRenewalInfo(const RenewalInfoRecord& info) override;
  Status PutPublication(const PublicationRecord& record) override;
  Status RemovePublication(const std::string& certificate_id) override;
  Result<std::vector<PublicationRecord>> ListPublications(const std::string& auto_certificate_id) override;
  Result<std::unique_ptr<StoreLock>> Lock(const std::string& name, const LockOptions& options) override;
  Result<KeyCounts> CountKeys() override;
  Result<KeyCounts> Rekey(const std::string& new_key) override;
  Result<bool> WasDeleted(const std::string& kind, const std::string& id) override;
  // Counted as one snapshot read; its parts are read through this store (Store's composition),
  // so faults injected into them still apply. Over another FaultStore (the stores FakeWorld's
  // factories open), handed to that one, which counts and reads it the same way.
  Result<AutoCertificateSnapshot> GetAutoCertificateSnapshot(const std::string& id) override;
  std::string Describe() const override { return base_->Describe(); }
  std::vector<std::string> Warnings() const override { return base_->Warnings(); }

 private:
  // The injected failure for `method`, or OK (and counts the call).
  Status Check(const std::string& method);

  Store* base_;
  mutable std::mutex mu_;
  std::map<std::string, std::vector<Status>> next_;
  std::map<std::string, Status> always_;
  std::map<std::string, int> calls_;
  bool lose_next_lock_ = false;
  std::function<void()> meanwhile_;
};

}  // namespace ionos::fakes
