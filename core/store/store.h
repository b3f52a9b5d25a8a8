// The certificate store: where the certificate manager keeps ACME accounts and their keys, auto
// certificates, every issued certificate with its private key, and the DNS TXT records it is about
// to create (so that a later run can clean up leftovers of a crashed one).
//
// Callers program against the abstract Store and obtain one from OpenStore(url, options); the URL
// chooses the implementation (`sqlite:PATH` today, `postgres://...` later), so a new backend
// does not touch callers.
//
// Contract shared by every implementation and every method:
// - Thread-safety: all methods may be called concurrently from any thread on one Store, and
//   several Store instances (in one or several provider processes) may use the same backing
//   database at once. Waiting for another writer is the store's business; if it cannot get the
//   lock within its busy timeout it returns Unavailable naming the store.
// - Atomicity: every mutating method is one transaction: it happens completely or not at all.
// - NotFound: any method taking an id returns NotFoundError when no record of that kind has that
//   id, with a message that names the record kind, the id and Describe() (for example
//   "certificate \"3f0c...\" is not in the store sqlite:/home/u/.local/share/.../certificates.db").
//   Callers decide what that means (drift during refresh, an error on import).
// - Ids: Create/Add/Note assign a random UUID when the record's `id` is empty, otherwise they use
//   the given id; an id already used by a record of the same kind → AlreadyExistsError.
// - Time: the store sets created_at / updated_at / superseded_at from its Clock. All stored
//   timestamps are kept with whole-second precision; the records returned by mutating methods
//   are exactly what a later Get returns (times already truncated).
// - Private keys: the `private_key_pem` fields are always plaintext PEM in these structs. Whether
//   and how they are encrypted at rest is the store's internal business. A stored key that
//   cannot be decrypted (store_encryption_key missing or wrong) makes the read fail with
//   DataLossError; no record with a garbled key is ever returned.
// - Errors never contain private keys or encryption keys.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/base/clock.h"
#include "core/base/status.h"

namespace ionos {

// An ACME account (resource ionos_certificate_provider).
struct AccountRecord {
  std::string id;
  std::string name;           // display name; updatable in place
  std::string email;
  std::string server;         // ACME directory URL
  std::string key_algorithm;  // account key algorithm, e.g. "ecdsa256"
  std::string account_url;    // the account's URL at the CA (JWS "kid")
  std::string status;         // as reported by the CA: "valid", "deactivated", ...
  std::string private_key_pem;  // the account key, plaintext PEM (secret)
  std::string eab_key_id;     // external account binding key id; empty when none was used
  TimePoint created_at{};     // set by the store
  TimePoint updated_at{};     // set by the store
};

// An auto certificate (resource ionos_auto_certificate): what to issue and when to renew it.
struct AutoCertificateRecord {
  std::string id;
  std::string provider_id;  // AccountRecord::id; not checked against the accounts by the store
  std::string name;         // display name; updatable without re-issue
  std::string common_name;
  std::vector<std::string> subject_alternative_names;  // kept in the given order
  std::string key_algorithm;  // certificate key algorithm, e.g. "rsa2048"
  int64_t renew_before_days = 30;
  int64_t grace_period_days = 30;
  TimePoint created_at{};  // set by the store
  TimePoint updated_at{};  // set by the store
};

inline constexpr char kCertificateStatusActive[] = "active";
inline constexpr char kCertificateStatusSuperseded[] = "superseded";

// One issued certificate of an auto certificate. The store keeps only "active" and
// "superseded"; "expired" is computed by the lifecycle policy from not_after.
struct CertificateRecord {
  std::string id;
  std::string auto_certificate_id;
  std::string name;  // "<common_name>-<YYYYMMDDThhmmssZ>"
  std::string serial_number;
  TimePoint not_before{};
  TimePoint not_after{};
  std::string status;  // kCertificateStatusActive or kCertificateStatusSuperseded; set by the store
  std::string certificate_pem;  // the leaf
  std::string chain_pem;        // intermediates
  std::string private_key_pem;  // plaintext PEM (secret)
  std::string fingerprint_sha256;
  TimePoint issued_at{};  // set by the caller; when left at the epoch the store uses its Clock
  std::optional<TimePoint> superseded_at;  // set by the store when a newer certificate is added
};

// A DNS TXT record the manager is about to create (for a DNS-01 challenge). It is noted in the
// store *before* the DNS API call, gets its record_id once created, and is removed after the
// record was deleted again. Whatever is still listed at the start of a later run is a leftover.
struct PendingDnsRecord {
  std::string id;
  std::string zone_id;
  std::string zone_name;
  std::string record_name;  // zone-relative, e.g. "_acme-challenge.www"
  std::string fqdn;         // e.g. "_acme-challenge.www.example.com"
  std::string value;        // TXT content (the challenge digest; not a secret)
  std::optional<std::string> record_id;  // the DNS API's record id, once created
  TimePoint created_at{};  // set by the store
  std::string owner;       // the noting process (ProcessIdentity()), to recognise leftovers of dead ones
};

// How to open a store. Pointers are borrowed and must outlive the Store; null means the system
// clock / OpenSSL randomness.
struct StoreOptions {
  // Raw 32-byte AES-256-GCM key (see ParseStoreEncryptionKey), or empty for plaintext keys.
  std::string encryption_key;
  const Clock* clock = nullptr;
  Random* random = nullptr;
  // How long a write waits for another process or thread holding the database lock.
  std::chrono::milliseconds busy_timeout{10000};
  // Open an existing store only (readers such as the listing command): a store that does not
  // exist yet is kNotFound naming it, and nothing is created.
  bool must_exist = false;
};

class Store {
 public:
  virtual ~Store() = default;

  // ---------------------------------------------------------------- accounts
  // Inserts `account` (id assigned when empty; created_at = updated_at = now) and returns it.
  virtual Result<AccountRecord> CreateAccount(const AccountRecord& account) = 0;
  virtual Result<AccountRecord> GetAccount(const std::string& id) = 0;
  // Change one field and updated_at; return the updated record.
  virtual Result<AccountRecord> UpdateAccountName(const std::string& id, const std::string& name) = 0;
  virtual Result<AccountRecord> UpdateAccountStatus(const std::string& id, const std::string& status) = 0;
  // Removes the account and its key. Auto certificates that refer to it are left alone.
  virtual Status DeleteAccount(const std::string& id) = 0;
  // All accounts, oldest first.
  virtual Result<std::vector<AccountRecord>> ListAccounts() = 0;

  // ---------------------------------------------------------------- auto certificates
  // Inserts `auto_certificate` (id assigned when empty) and returns it.
  virtual Result<AutoCertificateRecord> CreateAutoCertificate(const AutoCertificateRecord& auto_certificate) = 0;
  virtual Result<AutoCertificateRecord> GetAutoCertificate(const std::string& id) = 0;
  // Replaces the in-place updatable fields (name, subject_alternative_names, key_algorithm,
  // renew_before_days, grace_period_days) of the record with `auto_certificate.id` and bumps
  // updated_at. provider_id and common_name force replacement in Terraform and cannot change
  // here: a different value → InvalidArgumentError. Returns the updated record.
  virtual Result<AutoCertificateRecord> UpdateAutoCertificate(const AutoCertificateRecord& auto_certificate) = 0;
  // Deletes the auto certificate and, in the same transaction, all of its certificates.
  virtual Status DeleteAutoCertificate(const std::string& id) = 0;
  // All auto certificates, oldest first.
  virtual Result<std::vector<AutoCertificateRecord>> ListAutoCertificates() = 0;

  // ---------------------------------------------------------------- certificates
  // In one transaction: marks the current active certificate of
  // `certificate.auto_certificate_id` (if any) superseded (superseded_at = now) and inserts
  // `certificate` as the active one. `certificate.status` and `superseded_at` are ignored.
  // Either both happen or neither; there is never more than one active certificate per auto
  // certificate. Unknown auto certificate → NotFoundError. Returns the stored record.
  virtual Result<CertificateRecord> AddCertificate(const CertificateRecord& certificate) = 0;
  virtual Result<CertificateRecord> GetCertificate(const std::string& id) = 0;
  // Every certificate still kept for the auto certificate, newest (issued_at) first.
  // Unknown auto certificate → NotFoundError; one without certificates → empty list.
  virtual Result<std::vector<CertificateRecord>> ListCertificatesForAutoCertificate(
      const std::string& auto_certificate_id) = 0;
  // Deletes one certificate (pruning). Deleting the active one does not promote another.
  virtual Status DeleteCertificate(const std::string& id) = 0;
  // Every certificate in the store, grouped by auto certificate, newest first within a group.
  virtual Result<std::vector<CertificateRecord>> ListAllCertificates() = 0;

  // ---------------------------------------------------------------- pending DNS records
  // Notes a TXT record before it is created (id assigned when empty; record_id normally empty).
  virtual Result<PendingDnsRecord> NotePendingDnsRecord(const PendingDnsRecord& record) = 0;
  // Records the DNS API's id of the created TXT record.
  virtual Status SetPendingDnsRecordId(const std::string& id, const std::string& record_id) = 0;
  // Forgets the record once it has been deleted from DNS (or was never created).
  virtual Status RemovePendingDnsRecord(const std::string& id) = 0;
  // Every noted record, oldest first.
  virtual Result<std::vector<PendingDnsRecord>> ListPendingDnsRecords() = 0;

  // ---------------------------------------------------------------- identity
  // The store's URL without secrets (no passwords), e.g. "sqlite:/home/u/.../certificates.db".
  // Used in error messages and diagnostics.
  // True when a record of `kind` ("account", "auto_certificate", "certificate") with this id
  // existed in this store and was deleted. Distinguishes drift (deleted elsewhere) from an id
  // this store never knew (another or a lost store).
  virtual Result<bool> WasDeleted(const std::string& kind, const std::string& id) = 0;

  virtual std::string Describe() const = 0;
};

// Opens (creating when needed) the store named by `url`:
//   sqlite:PATH         embedded SQLite file; a relative PATH is resolved against the current
//                       directory, a leading "~/" against $HOME
//   sqlite:///ABS/PATH  the same with an absolute path
//   postgres://...      (and postgresql://) UnimplementedError for now
// Anything else → InvalidArgumentError naming the accepted forms. An encryption key that is
// neither empty nor 32 bytes → InvalidArgumentError. Opening is cheap (no scans).
Result<std::unique_ptr<Store>> OpenStore(const std::string& url, const StoreOptions& options);

// Checks the form of a store URL without opening anything (for config validation):
// OK, InvalidArgumentError or UnimplementedError exactly as OpenStore would.
Status ValidateStoreUrl(const std::string& url);

// "sqlite:$XDG_DATA_HOME/terraform-provider-ionos/certificates.db" when XDG_DATA_HOME is set
// to an absolute path, else "sqlite:$HOME/.local/share/terraform-provider-ionos/certificates.db"
// (HOME from the password database when unset).
std::string DefaultStoreUrl();

}  // namespace ionos
