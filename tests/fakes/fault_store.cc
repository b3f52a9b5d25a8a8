#include "tests/fakes/fault_store.h"

#include <utility>

namespace ionos::fakes {

// ---------------------------------------------------------------- FaultStore

void FaultStore::FailNext(const std::string& method, Status status) {
  std::lock_guard<std::mutex> lock(mu_);
  next_[method].push_back(std::move(status));
}

void FaultStore::FailAlways(const std::string& method, Status status) {
  std::lock_guard<std::mutex> lock(mu_);
  always_[method] = std::move(status);
}

void FaultStore::Clear() {
  std::lock_guard<std::mutex> lock(mu_);
  next_.clear();
  always_.clear();
}

int FaultStore::calls(const std::string& method) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = calls_.find(method);
  return it == calls_.end() ? 0 : it->second;
}

Status FaultStore::Check(const std::string& method) {
  std::lock_guard<std::mutex> lock(mu_);
  ++calls_[method];
  if (auto it = next_.find(method); it != next_.end() && !it->second.empty()) {
    Status s = it->second.front();
    it->second.erase(it->second.begin());
    return s;
  }
  if (auto it = always_.find(method); it != always_.end()) {
    return it->second;
  }
  return Status::Ok();
}

#define IONOS_FAULT_FORWARD(method, call) \
  IONOS_RETURN_IF_ERROR(Check(#method));  \
  return base_->call

Result<AccountRecord> FaultStore::CreateAccount(const AccountRecord& a) {
  IONOS_FAULT_FORWARD(CreateAccount, CreateAccount(a));
}
Result<AccountRecord> FaultStore::GetAccount(const std::string& id) { IONOS_FAULT_FORWARD(GetAccount, GetAccount(id)); }
Result<AccountRecord> FaultStore::UpdateAccount(const AccountRecord& a) {
  IONOS_FAULT_FORWARD(UpdateAccount, UpdateAccount(a));
}
Status FaultStore::DeleteAccount(const std::string& id) { IONOS_FAULT_FORWARD(DeleteAccount, DeleteAccount(id)); }
Result<std::vector<AccountRecord>> FaultStore::ListAccounts() { IONOS_FAULT_FORWARD(ListAccounts, ListAccounts()); }
Result<AutoCertificateRecord> FaultStore::CreateAutoCertificate(const AutoCertificateRecord& a) {
  IONOS_FAULT_FORWARD(CreateAutoCertificate, CreateAutoCertificate(a));
}
Result<AutoCertificateSnapshot> FaultStore::GetAutoCertificateSnapshot(const std::string& id) {
  IONOS_RETURN_IF_ERROR(Check("GetAutoCertificateSnapshot"));
  if (auto* inner = dynamic_cast<FaultStore*>(base_); inner != nullptr) {
    return inner->GetAutoCertificateSnapshot(id);
  }
  return Store::GetAutoCertificateSnapshot(id);
}
Result<AutoCertificateRecord> FaultStore::GetAutoCertificate(const std::string& id) {
  IONOS_FAULT_FORWARD(GetAutoCertificate, GetAutoCertificate(id));
}
Result<AutoCertificateRecord> FaultStore::UpdateAutoCertificate(const AutoCertificateRecord& a) {
  IONOS_FAULT_FORWARD(UpdateAutoCertificate, UpdateAutoCertificate(a));
}
Status FaultStore::DeleteAutoCertificate(const std::string& id) {
  IONOS_FAULT_FORWARD(DeleteAutoCertificate, DeleteAutoCertificate(id));
}
Result<std::vector<AutoCertificateRecord>> FaultStore::ListAutoCertificates() {
  IONOS_FAULT_FORWARD(ListAutoCertificates, ListAutoCertificates());
}
Result<CertificateRecord> FaultStore::AddCertificate(const CertificateRecord& c) {
  IONOS_FAULT_FORWARD(AddCertificate, AddCertificate(c));
}
Result<CertificateRecord> FaultStore::GetCertificate(const std::string& id) {
  IONOS_FAULT_FORWARD(GetCertificate, GetCertificate(id));
}
Result<std::vector<CertificateSummary>> FaultStore::ListCertificates(const std::string& id) {
  IONOS_FAULT_FORWARD(ListCertificates, ListCertificates(id));
}
Result<std::vector<CertificateSummary>> FaultStore::ListAllCertificates() {
  IONOS_FAULT_FORWARD(ListAllCertificates, ListAllCertificates());
}
Status FaultStore::PutPublication(const PublicationRecord& record) {
  IONOS_FAULT_FORWARD(PutPublication, PutPublication(record));
}
Status FaultStore::RemovePublication(const std::string& certificate_id) {
  IONOS_FAULT_FORWARD(RemovePublication, RemovePublication(certificate_id));
}
Result<std::vector<PublicationRecord>> FaultStore::ListPublications(const std::string& auto_certificate_id) {
  IONOS_FAULT_FORWARD(ListPublications, ListPublications(auto_certificate_id));
}
Status FaultStore::DeleteCertificate(const std::string& id) {
  IONOS_FAULT_FORWARD(DeleteCertificate, DeleteCertificate(id));
}
Result<PendingDnsRecord> FaultStore::NotePendingDnsRecord(const PendingDnsRecord& r) {
  IONOS_FAULT_FORWARD(NotePendingDnsRecord, NotePendingDnsRecord(r));
}
Status FaultStore::SetPendingDnsRecordId(const std::string& id, const std::string& record_id) {
  IONOS_FAULT_FORWARD(SetPendingDnsRecordId, SetPendingDnsRecordId(id, record_id));
}
Status FaultStore::RemovePendingDnsRecord(const std::string& id) {
  IONOS_FAULT_FORWARD(RemovePendingDnsRecord, RemovePendingDnsRecord(id));
}
Result<std::vector<PendingDnsRecord>> FaultStore::ListPendingDnsRecords() {
  IONOS_FAULT_FORWARD(ListPendingDnsRecords, ListPendingDnsRecords());
}
Result<std::optional<RenewalInfoRecord>> FaultStore::GetRenewalInfo(const std::string& id) {
  IONOS_FAULT_FORWARD(GetRenewalInfo, GetRenewalInfo(id));
}
Status FaultStore::PutRenewalInfo(const RenewalInfoRecord& info) {
  IONOS_FAULT_FORWARD(PutRenewalInfo, PutRenewalInfo(info));
}
namespace {

// A held lock that says once that it was lost.
class LosingLock final : public StoreLock {
 public:
  LosingLock(std::unique_ptr<StoreLock> inner, std::function<void()> meanwhile)
      : inner_(std::move(inner)), meanwhile_(std::move(meanwhile)) {}
  Result<bool> StillHeld() override {
    if (lost_once_) {
      return inner_->StillHeld();
    }
    lost_once_ = true;
    inner_.reset();  // what another process sees: the lock is free
    if (meanwhile_) {
      meanwhile_();
    }
    return false;
  }

 private:
  std::unique_ptr<StoreLock> inner_;
  std::function<void()> meanwhile_;
  bool lost_once_ = false;
};

}  // namespace

void FaultStore::LoseNextLock(std::function<void()> meanwhile) {
  std::lock_guard<std::mutex> lock(mu_);
  lose_next_lock_ = true;
  meanwhile_ = std::move(meanwhile);
}

// A lock taken through a FaultStore: listed in its held_locks() until released.
class FaultStore::TrackedLock final : public StoreLock {
 public:
  TrackedLock(std::shared_ptr<HeldLocks> held, std::string name, std::unique_ptr<StoreLock> inner)
      : held_(std::move(held)), name_(std::move(name)), inner_(std::move(inner)) {
    std::lock_guard<std::mutex> lock(held_->mu);
    held_->names.insert(name_);
  }
  ~TrackedLock() override {
    inner_.reset();
    std::lock_guard<std::mutex> lock(held_->mu);
    held_->names.erase(held_->names.find(name_));
  }
  TrackedLock(const TrackedLock&) = delete;
  TrackedLock& operator=(const TrackedLock&) = delete;
  Result<bool> StillHeld() override { return inner_->StillHeld(); }

 private:
  std::shared_ptr<HeldLocks> held_;
  std::string name_;
  std::unique_ptr<StoreLock> inner_;
};

std::multiset<std::string> FaultStore::held_locks() const {
  std::lock_guard<std::mutex> lock(held_->mu);
  return held_->names;
}

Result<std::unique_ptr<StoreLock>> FaultStore::Lock(const std::string& name, const LockOptions& options) {
  if (Status s = Check("Lock"); !s.ok()) {
    return s;
  }
  IONOS_ASSIGN_OR_RETURN(std::unique_ptr<StoreLock> taken, base_->Lock(name, options));
  // Tracked inside a losing lock, so that a lost lock is no longer listed as held.
  std::unique_ptr<StoreLock> held = std::make_unique<TrackedLock>(held_, name, std::move(taken));
  std::lock_guard<std::mutex> lock(mu_);
  if (!lose_next_lock_) {
    return held;
  }
  lose_next_lock_ = false;
  return std::unique_ptr<StoreLock>(std::make_unique<LosingLock>(std::move(held), std::move(meanwhile_)));
}
Result<KeyCounts> FaultStore::CountKeys() { IONOS_FAULT_FORWARD(CountKeys, CountKeys()); }
Result<KeyCounts> FaultStore::Rekey(const std::string& new_key) { IONOS_FAULT_FORWARD(Rekey, Rekey(new_key)); }
Result<bool> FaultStore::WasDeleted(const std::string& kind, const std::string& id) {
  IONOS_FAULT_FORWARD(WasDeleted, WasDeleted(kind, id));
}

#undef IONOS_FAULT_FORWARD

}  // namespace ionos::fakes
