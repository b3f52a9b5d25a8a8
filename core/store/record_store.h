// File: core/store/record_store.h
//
// The one implementation of Store (core/store/store.h) over a Database (database.h): ids, whole-
// second times, the fields that never change in place, supersede-on-add, tombstones, key sealing
// (key_sealing.h), the row codecs, the one-read snapshot, renewal information, publications,
// pending DNS records, key rotation and locks mean the same in every backend because they are
// written here once. A backend (sqlite_store.h, postgres_store.h) opens its Database and hands it
// over.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/base/clock.h"
#include "core/base/status.h"
#include "core/store/database.h"
#include "core/store/store.h"

namespace ionos {

// InvalidArgument unless `options.encryption_key` is empty or 32 bytes.
Status CheckStoreKey(const StoreOptions& options);

class RecordStore : public Store {
 public:
  // `db` is open and its schema current. The clock and randomness of `options` must outlive the store.
  RecordStore(std::unique_ptr<Database> db, const StoreOptions& options);
  RecordStore(const RecordStore&) = delete;
  RecordStore& operator=(const RecordStore&) = delete;

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

  // Tried through Poll (core/base/retry.h) every LockOptions::retry_interval by the store's Clock.
  Result<std::unique_ptr<StoreLock>> Lock(const std::string& name, const LockOptions& options) override;

  Result<KeyCounts> CountKeys() override;
  Result<KeyCounts> Rekey(const std::string& new_key) override;

  Result<bool> WasDeleted(const std::string& kind, const std::string& id) override;
  // One statement: the auto certificate joined with its certificates and the newest one's renewal
  // information (one round trip, one consistent snapshot).
  Result<AutoCertificateSnapshot> GetAutoCertificateSnapshot(const std::string& id) override;
  // On a connection of its own (Database::OpenOneTransaction); each method's own transaction
  // becomes a savepoint inside, and nothing is repeated on another connection.
  Status WriteInOneTransaction(const std::function<Status(Store& tx)>& body) override;
  std::string Describe() const override { return describe_; }
  std::vector<std::string> Warnings() const override { return db_->Warnings(); }

 private:
  struct Codec;  // reads records out of rows (record_store.cc)
  Codec codec() const;
  TimePoint Now() const;
  Result<std::string> IdFor(const std::string& given);
  Status NotFound(const char* kind, const std::string& id) const;
  Status DeleteById(const char* sql, const char* kind, const std::string& id, const std::string& what);
  // Inserts or replaces a row keyed by a certificate's id; NotFound when there is no such certificate.
  Status PutForCertificate(const std::string& sql, const Params& params, const std::string& certificate_id,
                           const std::string& what);

  const std::unique_ptr<Database> db_;
  const std::string describe_;
  const std::string key_;
  const std::string key_source_;
  SystemRandom own_random_;
  const Clock* clock_;
  Random* random_;
};

}  // namespace ionos
