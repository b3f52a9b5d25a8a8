// FaultStore: a Store (core/store/store.h) that forwards every call to another Store, except that
// a test can make any method fail: FailNext("AddCertificate", status) fails its next call,
// FailAlways(...) every call until Clear(). Method names are the Store's. It also counts the calls
// and knows which locks taken through it are still held. Thread-safe.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "core/store/store.h"

namespace ionos::fakes {

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
  // The names of the locks taken through this store and not released (nor lost) yet.
  std::multiset<std::string> held_locks() const;

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

  // What held_locks() says; shared with the locks handed out, which may outlive this store.
  struct HeldLocks {
    std::mutex mu;
    std::multiset<std::string> names;
  };
  class TrackedLock;

  Store* base_;
  mutable std::mutex mu_;
  std::map<std::string, std::vector<Status>> next_;
  std::map<std::string, Status> always_;
  std::map<std::string, int> calls_;
  bool lose_next_lock_ = false;
  std::function<void()> meanwhile_;
  std::shared_ptr<HeldLocks> held_ = std::make_shared<HeldLocks>();
};

}  // namespace ionos::fakes
