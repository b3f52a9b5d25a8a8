#include "core/store/deferred_store.h"

#include <mutex>


namespace ionos {
namespace {

class DeferredStore final : public Store {
 public:
  DeferredStore(StoreOpener open, std::string url, StoreOptions options, std::string missing)
      : open_(std::move(open)),
        url_(std::move(url)),
        options_(std::move(options)),
        describe_(DescribeStoreUrl(url_)),
        missing_(std::move(missing)) {}

  Result<AccountRecord> CreateAccount(const AccountRecord& a) override {
    IONOS_ASSIGN_OR_RETURN(Store * s, Writer());
    return s->CreateAccount(a);
  }
  Result<AccountRecord> GetAccount(const std::string& id) override {
    IONOS_ASSIGN_OR_RETURN(Store * s, Reader());
    return s != nullptr ? s->GetAccount(id) : Result<AccountRecord>(Missing("account", id));
  }
  Result<AccountRecord> UpdateAccount(const AccountRecord& a) override {
    IONOS_ASSIGN_OR_RETURN(Store * s, Reader());
    return s != nullptr ? s->UpdateAccount(a) : Result<AccountRecord>(Missing("account", a.id));
  }
  Status DeleteAccount(const std::string& id) override {
    IONOS_ASSIGN_OR_RETURN(Store * s, Reader());
    return s != nullptr ? s->DeleteAccount(id) : Missing("account", id);
  }
  Result<std::vector<AccountRecord>> ListAccounts() override {
    IONOS_ASSIGN_OR_RETURN(Store * s, Reader());
    return s != nullptr ? s->ListAccounts() : std::vector<AccountRecord>{};
  }

  Result<AutoCertificateRecord> CreateAutoCertificate(const AutoCertificateRecord& a) override {
    IONOS_ASSIGN_OR_RETURN(Store * s, Writer());
    return s->CreateAutoCertificate(a);
  }
  Result<AutoCertificateRecord> GetAutoCertificate(const std::string& id) override {
    IONOS_ASSIGN_OR_RETURN(Store * s, Reader());
    return s != nullptr ? s->GetAutoCertificate(id) : Result<AutoCertificateRecord>(Missing("auto certificate", id));
  }
  Result<AutoCertificateRecord> UpdateAutoCertificate(const AutoCertificateRecord& a) override {
    IONOS_ASSIGN_OR_RETURN(Store * s, Reader());
    return s != nullptr ? s->UpdateAutoCertificate(a)
                        : Result<AutoCertificateRecord>(Missing("auto certificate", a.id));
  }
  Status DeleteAutoCertificate(const std::string& id) override {
    IONOS_ASSIGN_OR_RETURN(Store * s, Reader());
    return s != nullptr ? s->DeleteAutoCertificate(id) : Missing("auto certificate", id);
  }
  Result<std::vector<AutoCertificateRecord>> ListAutoCertificates() override {
    IONOS_ASSIGN_OR_RETURN(Store * s, Reader());
    return s != nullptr ? s->ListAutoCertificates() : std::vector<AutoCertificateRecord>{};
  }

  Result<CertificateRecord> AddCertificate(const CertificateRecord& c) override {
    IONOS_ASSIGN_OR_RETURN(Store * s, Writer());
    return s->AddCertificate(c);
  }
  Result<CertificateRecord> GetCertificate(const std::string& id) override {
    IONOS_ASSIGN_OR_RETURN(Store * s, Reader());
    return s != nullptr ? s->GetCertificate(id) : Result<CertificateRecord>(Missing("certificate", id));
  }
  Result<std::vector<CertificateSummary>> ListCertificates(const std::string& id) override {
    IONOS_ASSIGN_OR_RETURN(Store * s, Reader());
    return s != nullptr ? s->ListCertificates(id)
                        : Result<std::vector<CertificateSummary>>(Missing("auto certificate", id));
  }
  Result<std::vector<CertificateSummary>> ListAllCertificates() override {
    IONOS_ASSIGN_OR_RETURN(Store * s, Reader());
    return s != nullptr ? s->ListAllCertificates() : std::vector<CertificateSummary>{};
  }
  Status DeleteCertificate(const std::string& id) override {
    IONOS_ASSIGN_OR_RETURN(Store * s, Reader());
    return s != nullptr ? s->DeleteCertificate(id) : Missing("certificate", id);
  }

  Result<PendingDnsRecord> NotePendingDnsRecord(const PendingDnsRecord& r) override {
    IONOS_ASSIGN_OR_RETURN(Store * s, Writer());
    return s->NotePendingDnsRecord(r);
  }
  Status SetPendingDnsRecordId(const std::string& id, const std::string& record_id) override {
    IONOS_ASSIGN_OR_RETURN(Store * s, Reader());
    return s != nullptr ? s->SetPendingDnsRecordId(id, record_id) : Missing("pending DNS record", id);
  }
  Status RemovePendingDnsRecord(const std::string& id) override {
    IONOS_ASSIGN_OR_RETURN(Store * s, Reader());
    return s != nullptr ? s->RemovePendingDnsRecord(id) : Missing("pending DNS record", id);
  }
  Result<std::vector<PendingDnsRecord>> ListPendingDnsRecords() override {
    IONOS_ASSIGN_OR_RETURN(Store * s, Reader());
    return s != nullptr ? s->ListPendingDnsRecords() : std::vector<PendingDnsRecord>{};
  }

  Result<std::optional<RenewalInfoRecord>> GetRenewalInfo(const std::string& id) override {
    IONOS_ASSIGN_OR_RETURN(Store * s, Reader());
    return s != nullptr ? s->GetRenewalInfo(id) : std::optional<RenewalInfoRecord>();
  }
  Status PutRenewalInfo(const RenewalInfoRecord& info) override {
    IONOS_ASSIGN_OR_RETURN(Store * s, Reader());
    return s != nullptr ? s->PutRenewalInfo(info) : Missing("certificate", info.certificate_id);
  }

  Status PutPublication(const PublicationRecord& record) override {
    IONOS_ASSIGN_OR_RETURN(Store * s, Reader());
    return s != nullptr ? s->PutPublication(record) : Missing("certificate", record.certificate_id);
  }
  Status RemovePublication(const std::string& id) override {
    IONOS_ASSIGN_OR_RETURN(Store * s, Reader());
    return s != nullptr ? s->RemovePublication(id) : Status::Ok();
  }
  Result<std::vector<PublicationRecord>> ListPublications(const std::string& id) override {
    IONOS_ASSIGN_OR_RETURN(Store * s, Reader());
    return s != nullptr ? s->ListPublications(id) : std::vector<PublicationRecord>{};
  }

  Result<std::unique_ptr<StoreLock>> Lock(const std::string& name, const LockOptions& options) override {
    IONOS_ASSIGN_OR_RETURN(Store * s, Writer());
    return s->Lock(name, options);
  }

  Result<KeyCounts> CountKeys() override {
    IONOS_ASSIGN_OR_RETURN(Store * s, Reader());
    return s != nullptr ? s->CountKeys() : KeyCounts{};
  }
  Result<KeyCounts> Rekey(const std::string& new_key) override {
    IONOS_ASSIGN_OR_RETURN(Store * s, Reader());
    return s != nullptr ? s->Rekey(new_key) : Result<KeyCounts>(NotFoundError(missing_));
  }

  Result<bool> WasDeleted(const std::string& kind, const std::string& id) override {
    IONOS_ASSIGN_OR_RETURN(Store * s, Reader());
    return s != nullptr ? s->WasDeleted(kind, id) : false;
  }
  Result<AutoCertificateSnapshot> GetAutoCertificateSnapshot(const std::string& id) override {
    IONOS_ASSIGN_OR_RETURN(Store * s, Reader());
    return s != nullptr ? s->GetAutoCertificateSnapshot(id)
                        : Result<AutoCertificateSnapshot>(Missing("auto certificate", id));
  }

  Status WriteInOneTransaction(const std::function<Status(Store& tx)>& body) override {
    IONOS_ASSIGN_OR_RETURN(Store * s, Writer());
    return s->WriteInOneTransaction(body);
  }

  std::string Describe() const override { return describe_; }
  // What the URL's settings risk is known without connecting (a PostgreSQL sslmode weaker than
  // verify-full for a remote host), so a plan warns even before the store exists.
  std::vector<std::string> Warnings() const override { return StoreUrlWarnings(url_); }

 private:
  // The store when it exists (opened on the first call that finds it), null when it does not.
  Result<Store*> Reader() {
    std::lock_guard<std::mutex> lock(mu_);
    if (inner_ == nullptr) {
      StoreOptions options = options_;
      options.must_exist = true;
      Result<std::unique_ptr<Store>> opened = open_(url_, options);
      if (!opened.ok()) {
        if (opened.status().code() == StatusCode::kNotFound) return static_cast<Store*>(nullptr);
        return opened.status();
      }
      inner_ = std::move(opened).value();
    }
    return inner_.get();
  }

  // The store, created when it does not exist yet.
  Result<Store*> Writer() {
    std::lock_guard<std::mutex> lock(mu_);
    if (inner_ == nullptr) {
      StoreOptions options = options_;
      options.must_exist = false;
      IONOS_ASSIGN_OR_RETURN(inner_, open_(url_, options));
    }
    return inner_.get();
  }

  Status Missing(const char* kind, const std::string& id) const {
    return NotFoundError(std::string(kind) + " \"" + id + "\" is not in the store " + describe_ +
                         ", which does not exist");
  }

  const StoreOpener open_;
  const std::string url_;
  const StoreOptions options_;
  const std::string describe_;
  const std::string missing_;  // why it does not exist: "there is no store at URL (...)"
  std::mutex mu_;
  std::unique_ptr<Store> inner_;
};

}  // namespace

Result<std::unique_ptr<Store>> OpenDeferredStore(StoreOpener open, const std::string& url,
                                                 const StoreOptions& options) {
  StoreOptions existing = options;
  existing.must_exist = true;
  Result<std::unique_ptr<Store>> opened = open(url, existing);
  if (opened.ok() || opened.status().code() != StatusCode::kNotFound) {
    return opened;
  }
  return std::unique_ptr<Store>(new DeferredStore(std::move(open), url, options, opened.status().message()));
}

}  // namespace ionos
