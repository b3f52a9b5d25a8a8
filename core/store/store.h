// File: core/store/store.h
//
// The certificate store: where the certificate manager keeps ACME accounts and their keys, auto
// certificates, every issued certificate with its private key, the DNS TXT records it is about
// to create (so that a later run can clean up leftovers of a crashed one), the CA's renewal
// information, and the locks that keep two processes from issuing the same certificate.
//
// The store is a set of role interfaces (AccountStore, AutoCertificateStore, CertificateStore,
// PendingDnsRecordStore, RenewalInfoStore, Locker), so a caller can depend on just the role it
// uses; Store combines them with the store's identity. Callers obtain one from OpenStore(url,
// options); the URL chooses the backend (`sqlite:PATH`, `postgres://...`), so a new backend does
// not touch callers.
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
//   DataLossError; no record with a garbled key is ever returned. Listings (ListAccounts,
//   ListCertificates, ListAllCertificates) return no key material and never decrypt, so they
//   work without the store key.
// - Errors never contain private keys or encryption keys.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/clock.h"
#include "core/base/status.h"

namespace ionos {

// ================================================================ records

// An ACME account (resource ionos_certificate_provider).
struct AccountRecord {
  std::string id;
  std::string name;           // display name; updatable in place
  std::string email;          // the contact; updatable in place (RFC 8555 §7.3.2)
  std::string server;         // ACME directory URL
  std::string key_algorithm;  // account key algorithm, e.g. "ecdsa256"
  std::string account_url;    // the account's URL at the CA (JWS "kid")
  std::string status;         // as reported by the CA: "valid", "deactivated", ...
  std::string private_key_pem;  // the account key, plaintext PEM (secret); empty in listings
  std::string eab_key_id;     // external account binding key id; empty when none was used
  TimePoint created_at{};     // set by the store
  TimePoint updated_at{};     // set by the store
};

// The non-secret settings an auto certificate was last issued with, kept so that the `renew`
// command can renew it the same way without a Terraform configuration. Secrets (the API token,
// the store key) never go here.
struct IssuanceSettings {
  std::string dns_api_url;                 // the IONOS Cloud DNS API base URL
  std::vector<std::string> dns_resolvers;  // host:port; empty: the zones' name servers
  std::string ca_certificates_pem;         // extra trusted roots for the CA and the DNS API
  Duration propagation_timeout{0};         // 0: the default
  // Whether every certificate is also uploaded to the IONOS Certificate Manager.
  // Its URL is not kept here: the renew command takes it from its environment.
  bool publish = false;

  bool operator==(const IssuanceSettings&) const = default;
};

// An auto certificate (resource ionos_auto_certificate): what to issue and when to renew it.
// Every field is given by the caller; the store knows no defaults.
struct AutoCertificateRecord {
  std::string id;
  std::string provider_id;  // AccountRecord::id; not checked against the accounts by the store
  std::string name;         // display name; updatable without re-issue
  std::string common_name;
  std::vector<std::string> subject_alternative_names;  // kept in the given order
  std::string key_algorithm;  // certificate key algorithm, e.g. "rsa2048"
  int64_t renew_before_days = 0;
  int64_t grace_period_days = 0;
  std::string profile;  // ACME profile (draft-aaron-acme-profiles); empty: the CA's default
  IssuanceSettings settings;
  TimePoint created_at{};  // set by the store
  TimePoint updated_at{};  // set by the store
};

inline constexpr char kCertificateStatusActive[] = "active";
inline constexpr char kCertificateStatusSuperseded[] = "superseded";

// What listings return of an issued certificate: no PEM, no key. The store keeps only "active"
// and "superseded"; "expired" is computed by the lifecycle policy from not_after.
struct CertificateSummary {
  std::string id;
  std::string auto_certificate_id;
  std::string name;  // "<common_name>-<YYYYMMDDThhmmssZ>", unique in the store
  std::string serial_number;
  TimePoint not_before{};
  TimePoint not_after{};
  std::string status;  // kCertificateStatusActive or kCertificateStatusSuperseded; set by the store
  std::string fingerprint_sha256;
  std::string key_algorithm;  // of the certificate's key, e.g. "ecdsa256"
  TimePoint issued_at{};  // set by the caller; when left at the epoch the store uses its Clock
  std::optional<TimePoint> superseded_at;  // set by the store when a newer certificate is added
};

// One issued certificate with its PEM and private key.
struct CertificateRecord : CertificateSummary {
  std::string certificate_pem;  // the leaf
  std::string chain_pem;        // intermediates
  std::string private_key_pem;  // plaintext PEM (secret)
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

// The CA's renewal information for one certificate (ARI, RFC 9773), kept so that every process
// sharing the store follows one chosen moment and honours the CA's Retry-After.
struct RenewalInfoRecord {
  std::string certificate_id;
  TimePoint window_start{};  // suggestedWindow.start
  TimePoint window_end{};    // suggestedWindow.end
  TimePoint chosen_at{};     // the renewal moment chosen inside the window (RFC 9773 §4.2)
  std::string explanation_url;
  TimePoint fetched_at{};
  TimePoint next_fetch_at{};  // not asked again before this (Retry-After)
};

// A certificate's copy in the IONOS Certificate Manager. Noted before the upload
// (state kPublicationUploading, no remote id) and completed after it (kPublicationPublished with the
// Certificate Manager's id), so that an upload whose answer was lost is found again, never made
// twice. Removed once the copy was deleted. Deleting the certificate deletes its publication.
inline constexpr char kPublicationUploading[] = "uploading";
inline constexpr char kPublicationPublished[] = "published";

struct PublicationRecord {
  std::string certificate_id;
  std::string state;      // kPublicationUploading or kPublicationPublished
  std::string remote_id;  // the Certificate Manager's id; empty while uploading
  TimePoint updated_at{};  // set by the store
};

// Everything a view of one auto certificate needs, read together (Store::GetAutoCertificateSnapshot).
struct AutoCertificateSnapshot {
  AutoCertificateRecord record;
  std::vector<CertificateSummary> certificates;  // newest first, as ListCertificates
  std::optional<CertificateRecord> newest;       // certificates.front() with PEM and key; nullopt without certificates
  std::optional<RenewalInfoRecord> renewal_info;  // of `newest`, when the store keeps some
  Status renewal_info_status;  // not ok: the renewal information could not be read (the rest could)
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
  // How messages name the key, by where it came from ("IONOS_CERT_STORE_KEY", "the key given by
  // --key"); empty: "store_encryption_key". Never the key itself.
  std::string key_source;
};

// ================================================================ roles

class AccountStore {
 public:
  virtual ~AccountStore() = default;
  // Inserts `account` (id assigned when empty; created_at = updated_at = now) and returns it.
  virtual Result<AccountRecord> CreateAccount(const AccountRecord& account) = 0;
  // The account with its key.
  virtual Result<AccountRecord> GetAccount(const std::string& id) = 0;
  // Replaces name, email, account_url and status of the record with `account.id` and, when
  // `account.private_key_pem` is not empty, its key and key_algorithm (an account registered
  // again with a new key); bumps updated_at. server and eab_key_id never change (a different
  // value → InvalidArgumentError). Returns the updated record.
  virtual Result<AccountRecord> UpdateAccount(const AccountRecord& account) = 0;
  // Removes the account and its key. Auto certificates that refer to it are left alone.
  virtual Status DeleteAccount(const std::string& id) = 0;
  // All accounts, oldest first, WITHOUT their keys (private_key_pem empty; nothing is decrypted).
  virtual Result<std::vector<AccountRecord>> ListAccounts() = 0;
};

class AutoCertificateStore {
 public:
  virtual ~AutoCertificateStore() = default;
  // Inserts `auto_certificate` (id assigned when empty) and returns it.
  virtual Result<AutoCertificateRecord> CreateAutoCertificate(const AutoCertificateRecord& auto_certificate) = 0;
  virtual Result<AutoCertificateRecord> GetAutoCertificate(const std::string& id) = 0;
  // Replaces every field but id, common_name and created_at of the record with
  // `auto_certificate.id` and bumps updated_at. common_name identifies what is certified and
  // forces a new auto certificate in Terraform: a different value → InvalidArgumentError.
  // Returns the updated record.
  virtual Result<AutoCertificateRecord> UpdateAutoCertificate(const AutoCertificateRecord& auto_certificate) = 0;
  // Deletes the auto certificate and, in the same transaction, all of its certificates.
  virtual Status DeleteAutoCertificate(const std::string& id) = 0;
  // All auto certificates, oldest first.
  virtual Result<std::vector<AutoCertificateRecord>> ListAutoCertificates() = 0;
};

class CertificateStore {
 public:
  virtual ~CertificateStore() = default;
  // In one transaction: marks the current active certificate of
  // `certificate.auto_certificate_id` (if any) superseded (superseded_at = now) and inserts
  // `certificate` as the active one. `certificate.status` and `superseded_at` are ignored.
  // Either both happen or neither; there is never more than one active certificate per auto
  // certificate. Unknown auto certificate → NotFoundError; a name another certificate already
  // has → AlreadyExistsError (names are unique). Returns the stored record.
  virtual Result<CertificateRecord> AddCertificate(const CertificateRecord& certificate) = 0;
  // One certificate with its PEM and key (the only read that decrypts a certificate key).
  virtual Result<CertificateRecord> GetCertificate(const std::string& id) = 0;
  // Every certificate still kept for the auto certificate, newest (the one added last) first, without
  // PEM or key. Unknown auto certificate → NotFoundError; one without certificates → empty list.
  virtual Result<std::vector<CertificateSummary>> ListCertificates(const std::string& auto_certificate_id) = 0;
  // Every certificate in the store, grouped by auto certificate, newest first within a group,
  // without PEM or key.
  virtual Result<std::vector<CertificateSummary>> ListAllCertificates() = 0;
  // Deletes one certificate (pruning) and its renewal information. Deleting the active one does
  // not promote another.
  virtual Status DeleteCertificate(const std::string& id) = 0;
};

class PendingDnsRecordStore {
 public:
  virtual ~PendingDnsRecordStore() = default;
  // Notes a TXT record before it is created (id assigned when empty; record_id normally empty).
  virtual Result<PendingDnsRecord> NotePendingDnsRecord(const PendingDnsRecord& record) = 0;
  // Records the DNS API's id of the created TXT record.
  virtual Status SetPendingDnsRecordId(const std::string& id, const std::string& record_id) = 0;
  // Forgets the record once it has been deleted from DNS (or was never created).
  virtual Status RemovePendingDnsRecord(const std::string& id) = 0;
  // Every noted record, oldest first.
  virtual Result<std::vector<PendingDnsRecord>> ListPendingDnsRecords() = 0;
  // The store, for messages (as Store::Describe()).
  virtual std::string Describe() const = 0;
};

class RenewalInfoStore {
 public:
  virtual ~RenewalInfoStore() = default;
  // The renewal information kept for a certificate; nullopt when there is none.
  virtual Result<std::optional<RenewalInfoRecord>> GetRenewalInfo(const std::string& certificate_id) = 0;
  // Inserts or replaces it. Unknown certificate → NotFoundError.
  virtual Status PutRenewalInfo(const RenewalInfoRecord& info) = 0;
};

class PublicationStore {
 public:
  virtual ~PublicationStore() = default;
  // Inserts or replaces the publication of `record.certificate_id` (updated_at = now). Unknown
  // certificate → NotFoundError.
  virtual Status PutPublication(const PublicationRecord& record) = 0;
  // Forgets the publication of a certificate (its copy was deleted); OK when there is none.
  virtual Status RemovePublication(const std::string& certificate_id) = 0;
  // The publications of every certificate of an auto certificate, in no particular order.
  virtual Result<std::vector<PublicationRecord>> ListPublications(const std::string& auto_certificate_id) = 0;
};

// A lock held in the store, released when the object is destroyed. A lock of a process that
// died (SIGKILL, a crashed CI runner) is released by the backend (the operating system for
// SQLite, the database session for PostgreSQL), never left to block others.
class StoreLock {
 public:
  virtual ~StoreLock() = default;
  // Whether this process still holds the lock. A lock can be lost without the holder noticing
  // when it lives in a database session (PostgreSQL: a server restart, idle_session_timeout, a
  // connection a NAT dropped): then another process may already have taken it. false means "lost"
  // (the caller takes it again and re-checks what it decided under it); an error means "cannot
  // tell" and is treated the same. Default true: a lock held by an open file (SQLite) or in memory
  // cannot be lost while its holder lives.
  virtual Result<bool> StillHeld() { return true; }
};

struct LockOptions {
  // Waiting is bounded: after this the lock is kDeadlineExceeded naming it.
  Duration timeout{std::chrono::minutes(10)};
  // How often a busy lock is tried again (through the store's Clock).
  Duration retry_interval{std::chrono::milliseconds(200)};
  // Called once, when the lock is found busy, before waiting (to log who is waited for).
  std::function<void()> on_wait;
  const CancelToken* cancel = nullptr;
};

class Locker {
 public:
  virtual ~Locker() = default;
  // Takes the exclusive lock `name` (any text, e.g. "auto_certificate/<id>") across every thread
  // and process that uses the same store. Not re-entrant: a second Lock of a held name waits.
  virtual Result<std::unique_ptr<StoreLock>> Lock(const std::string& name, const LockOptions& options) = 0;
};

// How the private keys of a store are kept at rest.
struct KeyCounts {
  int64_t encrypted = 0;  // sealed with a store key
  int64_t plaintext = 0;  // written while the store had no key
};

// Changing the store key (store_encryption_key).
class KeyRotation {
 public:
  virtual ~KeyRotation() = default;
  // How many private keys (accounts and certificates) are stored encrypted and how many in
  // plaintext. Decrypts nothing, so it works without the store key.
  virtual Result<KeyCounts> CountKeys() = 0;
  // Re-seals every private key with `new_key` (raw 32 bytes; empty: plaintext), opening each with
  // this Store's key (plaintext ones need none), in one transaction: all or nothing. A key that
  // cannot be opened (the store key missing or wrong) → DataLossError, nothing changed. This
  // Store object keeps its old key: open the store anew with `new_key` afterwards. Returns the
  // counts after the change.
  virtual Result<KeyCounts> Rekey(const std::string& new_key) = 0;
};

// The whole store: every role, plus identity.
class Store : public AccountStore,
              public AutoCertificateStore,
              public CertificateStore,
              public PendingDnsRecordStore,
              public RenewalInfoStore,
              public PublicationStore,
              public Locker,
              public KeyRotation {
 public:
  // True when a record of `kind` ("account", "auto_certificate", "certificate") with this id
  // existed in this store and was deleted. Distinguishes drift (deleted elsewhere) from an id
  // this store never knew (another or a lost store).
  virtual Result<bool> WasDeleted(const std::string& kind, const std::string& id) = 0;

  // The auto certificate, its certificates (newest first), the newest in full with its key, and
  // that one's renewal information: what a refresh reads. Unknown auto certificate →
  // NotFoundError. A failure to read the renewal information alone does not fail the read (the
  // renewal window rule applies without it): renewal_info is then empty and renewal_info_status
  // says why. The default is GetAutoCertificate, ListCertificates, GetCertificate and
  // GetRenewalInfo, four reads; RecordStore (both backends) answers with one statement (one round
  // trip, one consistent snapshot).
  virtual Result<AutoCertificateSnapshot> GetAutoCertificateSnapshot(const std::string& id);

  // Runs `body` with `tx`, a Store whose writes all go into one transaction of this store: they
  // are committed together when `body` returns OK, and none of them is kept when it fails, or when
  // the process dies or the connection breaks before the commit (what `store copy` needs). Reads
  // through `tx` see its own writes; nobody else sees them before the commit. `tx` lives for the
  // call only and is used from the calling thread; it takes no locks (Lock is not for use). Other
  // writers of the store wait for the commit as for any other writer (busy timeout / lock_timeout).
  // RecordStore (both backends) implements it on a connection of its own; the default is
  // UnimplementedError.
  virtual Status WriteInOneTransaction(const std::function<Status(Store& tx)>& body);

  // The store's URL without secrets (no passwords), e.g. "sqlite:/home/u/.../certificates.db".
  // Used in error messages and diagnostics.
  virtual std::string Describe() const = 0;

  // What the store's own settings risk, one sentence each (e.g. a PostgreSQL connection that is
  // not verified); shown to the user as warnings. Empty by default.
  virtual std::vector<std::string> Warnings() const { return {}; }
};

// The JSON form of IssuanceSettings kept by the backends ({"dns_api_url": ..., "dns_resolvers":
// [...], "ca_certificates_pem": ..., "propagation_timeout_ms": N, "publish": true}); members that are absent take
// their empty values, so "{}" decodes to empty settings. Decoding never throws.
std::string EncodeIssuanceSettings(const IssuanceSettings& settings);
Result<IssuanceSettings> DecodeIssuanceSettings(std::string_view json);

// What store URLs look like, for messages.
inline constexpr char kStoreUrlForms[] =
    "use sqlite:PATH (a relative PATH is resolved against the working directory), sqlite:///ABSOLUTE/PATH, "
    "or postgres://USER:PASSWORD@HOST:PORT/DATABASE?sslmode=MODE (also postgresql://)";

// Opens (creating when needed) the store named by `url`:
//   sqlite:PATH         embedded SQLite file; a relative PATH is resolved against the current
//                       directory, a leading "~/" against $HOME
//   sqlite:///ABS/PATH  the same with an absolute path
//   postgres://user:pass@host:port/db?sslmode=...   (and postgresql://) a PostgreSQL database
//                       shared by a team (core/store/postgres_store.h: URL parameters, TLS,
//                       connections); opening connects and migrates the schema
// Anything else → InvalidArgumentError naming the accepted forms. An encryption key that is
// neither empty nor 32 bytes → InvalidArgumentError. Opening is cheap (no scans).
Result<std::unique_ptr<Store>> OpenStore(const std::string& url, const StoreOptions& options);

// Checks the form of a store URL without opening anything (for config validation; nothing is
// connected to): OK or InvalidArgumentError exactly as OpenStore would. Messages never contain
// a password.
Status ValidateStoreUrl(const std::string& url);

// The store's URL as its Describe() gives it, without opening anything (no password); for an
// invalid URL a placeholder that quotes no part of it.
std::string DescribeStoreUrl(const std::string& url);

// What a store URL's settings risk, as Store::Warnings() of the store it opens says it, without
// opening anything (an sslmode weaker than verify-full for a PostgreSQL database on another
// machine). Empty for an invalid URL (ValidateStoreUrl says why) and for SQLite.
std::vector<std::string> StoreUrlWarnings(const std::string& url);

// "sqlite:$XDG_DATA_HOME/terraform-provider-ionos/certificates.db" when XDG_DATA_HOME is set
// to an absolute path, else "sqlite:$HOME/.local/share/terraform-provider-ionos/certificates.db"
// (HOME from the password database when unset).
std::string DefaultStoreUrl();

}  // namespace ionos
