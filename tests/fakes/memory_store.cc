#include "tests/fakes/memory_store.h"

#include <algorithm>

#include "core/base/encoding.h"

namespace ionos::fakes {
namespace {

TimePoint Floor(TimePoint t) { return std::chrono::floor<std::chrono::seconds>(t); }

std::string Quoted(const std::string& s) { return "\"" + s + "\""; }

CertificateSummary SummaryOf(const CertificateRecord& c) { return static_cast<const CertificateSummary&>(c); }

}  // namespace

// ---------------------------------------------------------------- MemoryStore

class MemoryStore::HeldLock final : public StoreLock {
 public:
  HeldLock(MemoryStore* store, std::string name) : store_(store), name_(std::move(name)) {}
  ~HeldLock() override { store_->Release(name_); }

 private:
  MemoryStore* store_;
  std::string name_;
};

MemoryStore::MemoryStore(const Clock* clock, Random* random, std::string name)
    : clock_(clock), random_(random), name_(std::move(name)) {}

Status MemoryStore::NotFound(const char* kind, const std::string& id) const {
  return NotFoundError(std::string(kind) + " " + Quoted(id) + " is not in the store " + Describe());
}

Result<std::string> MemoryStore::IdFor(const std::string& given) {
  if (!given.empty()) {
    return given;
  }
  return NewUuid(*random_);
}

TimePoint MemoryStore::Now() const { return Floor(clock_->Now()); }

Result<AccountRecord> MemoryStore::CreateAccount(const AccountRecord& account) {
  std::lock_guard<std::mutex> lock(mu_);
  AccountRecord r = account;
  IONOS_ASSIGN_OR_RETURN(r.id, IdFor(account.id));
  if (accounts_.count(r.id) > 0) {
    return AlreadyExistsError("creating account " + Quoted(r.id) + ": already in the store " + Describe());
  }
  r.created_at = r.updated_at = Now();
  accounts_[r.id] = r;
  account_order_.push_back(r.id);
  return r;
}

Result<AccountRecord> MemoryStore::GetAccount(const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = accounts_.find(id);
  if (it == accounts_.end()) {
    return NotFound("account", id);
  }
  return it->second;
}

Result<AccountRecord> MemoryStore::UpdateAccount(const AccountRecord& account) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = accounts_.find(account.id);
  if (it == accounts_.end()) {
    return NotFound("account", account.id);
  }
  AccountRecord& r = it->second;
  if (r.server != account.server || r.eab_key_id != account.eab_key_id) {
    return InvalidArgumentError("updating account " + Quoted(account.id) +
                                ": server and external account binding cannot change in place");
  }
  r.name = account.name;
  r.email = account.email;
  r.account_url = account.account_url;
  r.status = account.status;
  if (!account.private_key_pem.empty()) {
    r.private_key_pem = account.private_key_pem;
    r.key_algorithm = account.key_algorithm;
  }
  r.updated_at = Now();
  return r;
}

Status MemoryStore::DeleteAccount(const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  if (accounts_.erase(id) == 0) {
    return NotFound("account", id);
  }
  std::erase(account_order_, id);
  deleted_.insert({"account", id});
  return Status::Ok();
}

Result<std::vector<AccountRecord>> MemoryStore::ListAccounts() {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<AccountRecord> out;
  for (const std::string& id : account_order_) {
    AccountRecord r = accounts_.at(id);
    r.private_key_pem.clear();
    out.push_back(std::move(r));
  }
  return out;
}

Result<AutoCertificateRecord> MemoryStore::CreateAutoCertificate(const AutoCertificateRecord& auto_certificate) {
  std::lock_guard<std::mutex> lock(mu_);
  AutoCertificateRecord r = auto_certificate;
  IONOS_ASSIGN_OR_RETURN(r.id, IdFor(auto_certificate.id));
  if (autos_.count(r.id) > 0) {
    return AlreadyExistsError("creating auto certificate " + Quoted(r.id) + ": already in the store " + Describe());
  }
  r.created_at = r.updated_at = Now();
  autos_[r.id] = r;
  auto_order_.push_back(r.id);
  return r;
}

Result<AutoCertificateRecord> MemoryStore::GetAutoCertificate(const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = autos_.find(id);
  if (it == autos_.end()) {
    return NotFound("auto certificate", id);
  }
  return it->second;
}

Result<AutoCertificateRecord> MemoryStore::UpdateAutoCertificate(const AutoCertificateRecord& auto_certificate) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = autos_.find(auto_certificate.id);
  if (it == autos_.end()) {
    return NotFound("auto certificate", auto_certificate.id);
  }
  if (it->second.common_name != auto_certificate.common_name) {
    return InvalidArgumentError("updating auto certificate " + Quoted(auto_certificate.id) +
                                ": common_name cannot change in place (it forces replacement)");
  }
  AutoCertificateRecord r = auto_certificate;
  r.created_at = it->second.created_at;
  r.updated_at = Now();
  it->second = r;
  return r;
}

Status MemoryStore::DeleteAutoCertificate(const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  if (autos_.erase(id) == 0) {
    return NotFound("auto certificate", id);
  }
  std::erase(auto_order_, id);
  deleted_.insert({"auto_certificate", id});
  for (const CertificateRecord& c : certificates_) {
    if (c.auto_certificate_id == id) {
      deleted_.insert({"certificate", c.id});
      renewal_info_.erase(c.id);
      publications_.erase(c.id);
    }
  }
  std::erase_if(certificates_, [&](const CertificateRecord& c) { return c.auto_certificate_id == id; });
  return Status::Ok();
}

Result<std::vector<AutoCertificateRecord>> MemoryStore::ListAutoCertificates() {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<AutoCertificateRecord> out;
  for (const std::string& id : auto_order_) {
    out.push_back(autos_.at(id));
  }
  return out;
}

Result<CertificateRecord> MemoryStore::AddCertificate(const CertificateRecord& certificate) {
  std::lock_guard<std::mutex> lock(mu_);
  if (autos_.count(certificate.auto_certificate_id) == 0) {
    return NotFound("auto certificate", certificate.auto_certificate_id);
  }
  CertificateRecord r = certificate;
  IONOS_ASSIGN_OR_RETURN(r.id, IdFor(certificate.id));
  for (const CertificateRecord& c : certificates_) {
    if (c.id == r.id) {
      return AlreadyExistsError("adding certificate " + Quoted(r.id) + ": already in the store " + Describe());
    }
    if (c.name == r.name) {
      return AlreadyExistsError("adding certificate " + Quoted(r.name) + ": the name is taken in the store " +
                                Describe());
    }
  }
  const TimePoint now = Now();
  for (CertificateRecord& c : certificates_) {
    if (c.auto_certificate_id == r.auto_certificate_id && c.status == kCertificateStatusActive) {
      c.status = kCertificateStatusSuperseded;
      c.superseded_at = now;
    }
  }
  r.status = kCertificateStatusActive;
  r.superseded_at.reset();
  r.not_before = Floor(r.not_before);
  r.not_after = Floor(r.not_after);
  r.issued_at = r.issued_at == TimePoint{} ? now : Floor(r.issued_at);
  certificates_.push_back(r);
  return r;
}

Result<CertificateRecord> MemoryStore::GetCertificate(const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const CertificateRecord& c : certificates_) {
    if (c.id == id) {
      return c;
    }
  }
  return NotFound("certificate", id);
}

Result<std::vector<CertificateSummary>> MemoryStore::ListCertificates(const std::string& auto_certificate_id) {
  std::lock_guard<std::mutex> lock(mu_);
  if (autos_.count(auto_certificate_id) == 0) {
    return NotFound("auto certificate", auto_certificate_id);
  }
  std::vector<CertificateSummary> out;
  for (auto it = certificates_.rbegin(); it != certificates_.rend(); ++it) {
    if (it->auto_certificate_id == auto_certificate_id) {
      out.push_back(SummaryOf(*it));
    }
  }
  return out;  // newest (added last) first
}

Result<std::vector<CertificateSummary>> MemoryStore::ListAllCertificates() {
  std::vector<std::string> ids;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const CertificateRecord& c : certificates_) {
      if (std::find(ids.begin(), ids.end(), c.auto_certificate_id) == ids.end()) {
        ids.push_back(c.auto_certificate_id);
      }
    }
  }
  std::sort(ids.begin(), ids.end());
  std::vector<CertificateSummary> out;
  for (const std::string& id : ids) {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<CertificateSummary> group;
    for (auto it = certificates_.rbegin(); it != certificates_.rend(); ++it) {
      if (it->auto_certificate_id == id) {
        group.push_back(SummaryOf(*it));
      }
    }
    out.insert(out.end(), group.begin(), group.end());
  }
  return out;
}

Status MemoryStore::DeleteCertificate(const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  const size_t removed = std::erase_if(certificates_, [&](const CertificateRecord& c) { return c.id == id; });
  if (removed == 0) {
    return NotFound("certificate", id);
  }
  renewal_info_.erase(id);
  publications_.erase(id);
  deleted_.insert({"certificate", id});
  return Status::Ok();
}

Result<PendingDnsRecord> MemoryStore::NotePendingDnsRecord(const PendingDnsRecord& record) {
  std::lock_guard<std::mutex> lock(mu_);
  PendingDnsRecord r = record;
  IONOS_ASSIGN_OR_RETURN(r.id, IdFor(record.id));
  for (const PendingDnsRecord& p : pending_) {
    if (p.id == r.id) {
      return AlreadyExistsError("noting pending DNS record " + Quoted(r.id) + ": already in the store " + Describe());
    }
  }
  r.created_at = Now();
  pending_.push_back(r);
  return r;
}

Status MemoryStore::SetPendingDnsRecordId(const std::string& id, const std::string& record_id) {
  std::lock_guard<std::mutex> lock(mu_);
  for (PendingDnsRecord& p : pending_) {
    if (p.id == id) {
      p.record_id = record_id;
      return Status::Ok();
    }
  }
  return NotFound("pending DNS record", id);
}

Status MemoryStore::RemovePendingDnsRecord(const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  if (std::erase_if(pending_, [&](const PendingDnsRecord& p) { return p.id == id; }) == 0) {
    return NotFound("pending DNS record", id);
  }
  return Status::Ok();
}

Result<std::vector<PendingDnsRecord>> MemoryStore::ListPendingDnsRecords() {
  std::lock_guard<std::mutex> lock(mu_);
  return pending_;
}

Result<std::optional<RenewalInfoRecord>> MemoryStore::GetRenewalInfo(const std::string& certificate_id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = renewal_info_.find(certificate_id);
  if (it == renewal_info_.end()) {
    return std::optional<RenewalInfoRecord>();
  }
  return std::optional<RenewalInfoRecord>(it->second);
}

Status MemoryStore::PutRenewalInfo(const RenewalInfoRecord& info) {
  std::lock_guard<std::mutex> lock(mu_);
  const bool known = std::any_of(certificates_.begin(), certificates_.end(),
                                 [&](const CertificateRecord& c) { return c.id == info.certificate_id; });
  if (!known) {
    return NotFound("certificate", info.certificate_id);
  }
  RenewalInfoRecord r = info;
  r.window_start = Floor(r.window_start);
  r.window_end = Floor(r.window_end);
  r.chosen_at = Floor(r.chosen_at);
  r.fetched_at = Floor(r.fetched_at);
  r.next_fetch_at = Floor(r.next_fetch_at);
  renewal_info_[info.certificate_id] = r;
  return Status::Ok();
}

Status MemoryStore::PutPublication(const PublicationRecord& record) {
  std::lock_guard<std::mutex> lock(mu_);
  const bool known = std::any_of(certificates_.begin(), certificates_.end(),
                                 [&](const CertificateRecord& c) { return c.id == record.certificate_id; });
  if (!known) {
    return NotFound("certificate", record.certificate_id);
  }
  PublicationRecord r = record;
  r.updated_at = Now();
  publications_[record.certificate_id] = r;
  return Status::Ok();
}

Status MemoryStore::RemovePublication(const std::string& certificate_id) {
  std::lock_guard<std::mutex> lock(mu_);
  publications_.erase(certificate_id);
  return Status::Ok();
}

Result<std::vector<PublicationRecord>> MemoryStore::ListPublications(const std::string& auto_certificate_id) {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<PublicationRecord> out;
  for (const CertificateRecord& c : certificates_) {
    auto it = publications_.find(c.id);
    if (c.auto_certificate_id == auto_certificate_id && it != publications_.end()) {
      out.push_back(it->second);
    }
  }
  return out;
}

Result<std::unique_ptr<StoreLock>> MemoryStore::Lock(const std::string& name, const LockOptions& options) {
  const TimePoint deadline = clock_->Now() + options.timeout;
  bool announced = false;
  while (true) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (locks_.insert(name).second) {
        return std::unique_ptr<StoreLock>(std::make_unique<HeldLock>(this, name));
      }
      if (!announced) {
        ++lock_waits_;
      }
    }
    if (!announced && options.on_wait) {
      options.on_wait();
    }
    announced = true;
    const TimePoint now = clock_->Now();
    if (now >= deadline) {
      return DeadlineExceededError("taking the lock " + Quoted(name) + " in the store " + Describe() +
                                   ": another process held it for " + FormatDuration(options.timeout) +
                                   " and did not let go");
    }
    IONOS_RETURN_IF_ERROR(clock_->SleepFor(std::max(options.retry_interval, Duration(1)), options.cancel));
  }
}

void MemoryStore::Release(const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  locks_.erase(name);
}

Result<KeyCounts> MemoryStore::CountKeys() {
  std::lock_guard<std::mutex> lock(mu_);
  return KeyCounts{0, static_cast<int64_t>(accounts_.size() + certificates_.size())};
}

Result<KeyCounts> MemoryStore::Rekey(const std::string&) { return CountKeys(); }

Result<bool> MemoryStore::WasDeleted(const std::string& kind, const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  return deleted_.count({kind, id}) > 0;
}

size_t MemoryStore::certificate_count() const {
  std::lock_guard<std::mutex> lock(mu_);
  return certificates_.size();
}

std::set<std::string> MemoryStore::held_locks() const {
  std::lock_guard<std::mutex> lock(mu_);
  return locks_;
}

int MemoryStore::lock_waits() const {
  std::lock_guard<std::mutex> lock(mu_);
  return lock_waits_;
}

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

Result<std::unique_ptr<StoreLock>> FaultStore::Lock(const std::string& name, const LockOptions& options) {
  if (Status s = Check("Lock"); !s.ok()) {
    return s;
  }
  IONOS_ASSIGN_OR_RETURN(std::unique_ptr<StoreLock> held, base_->Lock(name, options));
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
