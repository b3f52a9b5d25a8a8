#include "core/store/record_store.h"

#include <charconv>
#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>
#include <utility>

#include "core/base/encoding.h"
#include "core/base/json.h"
#include "core/base/retry.h"
#include "core/base/strings.h"
#include "core/crypto/aead.h"
#include "core/store/key_sealing.h"

namespace ionos {
namespace {

// The column lists. `p` is a table prefix such as "c." (or ""); `key` is "private_key", or "''" in
// listings (which never carry, or decrypt, a key). The certificate summary columns come first, so
// one reader serves both lists.
// clang-format off
#define IONOS_ACCOUNT_COLUMNS(key) \
  "id, name, email, server, key_algorithm, account_url, status, " key ", eab_key_id, created_at, updated_at"
#define IONOS_AUTO_CERTIFICATE_COLUMNS(p)                                                                   \
  p "id, " p "provider_id, " p "name, " p "common_name, " p "subject_alternative_names, " p "key_algorithm, " \
  p "renew_before_days, " p "grace_period_days, " p "created_at, " p "updated_at, " p "profile, " p "settings"
constexpr size_t kAutoCertificateColumns = 12;
#define IONOS_CERTIFICATE_SUMMARY_COLUMNS(p)                                                                    \
  p "id, " p "auto_certificate_id, " p "name, " p "serial_number, " p "not_before, " p "not_after, " p "status, " \
  p "fingerprint_sha256, " p "key_algorithm, " p "issued_at, " p "superseded_at"
constexpr size_t kCertificateColumns = 14;  // the 11 summary columns, then PEM, chain and key
#define IONOS_CERTIFICATE_COLUMNS IONOS_CERTIFICATE_SUMMARY_COLUMNS("") ", certificate_pem, chain_pem, private_key"
#define IONOS_RENEWAL_INFO_COLUMNS(p)                                                                        \
  p "certificate_id, " p "window_start, " p "window_end, " p "chosen_at, " p "explanation_url, " p "fetched_at, " \
  p "next_fetch_at"
#define IONOS_PENDING_DNS_COLUMNS "id, zone_id, zone_name, record_name, fqdn, value, record_id, created_at, owner"
// clang-format on

TimePoint FloorSeconds(TimePoint t) { return std::chrono::floor<std::chrono::seconds>(t); }

// One row of an answer, with the store's name for DataLoss messages. `first`: where the record
// starts, for a row that joins several records side by side (the codecs count from 0).
class Row {
 public:
  Row(const Rows& rows, size_t row, const std::string& store, size_t first = 0)
      : rows_(rows), row_(row), store_(store), first_(first) {}

  bool IsNull(size_t col) const { return !rows_.at(row_, first_ + col).has_value(); }
  std::string Text(size_t col) const { return rows_.at(row_, first_ + col).value_or(""); }
  Result<int64_t> Int(size_t col, const char* column) const {
    const std::string text = Text(col);
    int64_t value = 0;
    const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || ptr != text.data() + text.size()) {
      return DataLossError("the store " + store_ + " holds a corrupt number in column " + column);
    }
    return value;
  }
  Result<TimePoint> Time(size_t col, const char* column) const {
    Result<TimePoint> t = ParseRfc3339(Text(col));
    if (!t.ok()) {
      return DataLossError("the store " + store_ + " holds a corrupt timestamp in column " + column + ": " +
                           t.status().message());
    }
    return t;
  }

 private:
  const Rows& rows_;
  size_t row_;
  const std::string& store_;
  size_t first_;
};

template <typename T, typename Reader>
Result<std::vector<T>> Collect(const Rows& rows, const std::string& store, Reader&& read) {
  std::vector<T> out;
  out.reserve(rows.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    IONOS_ASSIGN_OR_RETURN(T record, read(Row(rows, i, store)));
    out.push_back(std::move(record));
  }
  return out;
}

}  // namespace

// Reads records out of rows; opens private keys with the store's key.
struct RecordStore::Codec {
  const std::string& store;
  const std::string& key;
  const std::string& key_source;

  Result<AccountRecord> Account(const Row& s, bool with_key) const {
    AccountRecord r;
    r.id = s.Text(0);
    r.name = s.Text(1);
    r.email = s.Text(2);
    r.server = s.Text(3);
    r.key_algorithm = s.Text(4);
    r.account_url = s.Text(5);
    r.status = s.Text(6);
    if (with_key) {
      IONOS_ASSIGN_OR_RETURN(r.private_key_pem, OpenPrivateKey(key, "account", r.id, s.Text(7), store, key_source));
    }
    r.eab_key_id = s.Text(8);
    IONOS_ASSIGN_OR_RETURN(r.created_at, s.Time(9, "accounts.created_at"));
    IONOS_ASSIGN_OR_RETURN(r.updated_at, s.Time(10, "accounts.updated_at"));
    return r;
  }

  Result<AutoCertificateRecord> AutoCertificate(const Row& s) const {
    AutoCertificateRecord r;
    r.id = s.Text(0);
    r.provider_id = s.Text(1);
    r.name = s.Text(2);
    r.common_name = s.Text(3);
    const nlohmann::json sans = ParseJson(s.Text(4)).value_or(nlohmann::json());
    const Status corrupt = DataLossError(
        "the store " + store + " holds corrupt subject_alternative_names for auto certificate " + Quoted(r.id));
    if (!sans.is_array()) {
      return corrupt;
    }
    for (const auto& name : sans) {
      if (!name.is_string()) {
        return corrupt;
      }
      r.subject_alternative_names.push_back(name.get<std::string>());
    }
    r.key_algorithm = s.Text(5);
    IONOS_ASSIGN_OR_RETURN(r.renew_before_days, s.Int(6, "auto_certificates.renew_before_days"));
    IONOS_ASSIGN_OR_RETURN(r.grace_period_days, s.Int(7, "auto_certificates.grace_period_days"));
    IONOS_ASSIGN_OR_RETURN(r.created_at, s.Time(8, "auto_certificates.created_at"));
    IONOS_ASSIGN_OR_RETURN(r.updated_at, s.Time(9, "auto_certificates.updated_at"));
    r.profile = s.Text(10);
    IONOS_ASSIGN_OR_RETURN_CTX(r.settings, DecodeIssuanceSettings(s.Text(11)),
                               "the store " + store + " holds corrupt settings for auto certificate " + Quoted(r.id));
    return r;
  }

  Result<CertificateSummary> Summary(const Row& s) const {
    CertificateSummary r;
    r.id = s.Text(0);
    r.auto_certificate_id = s.Text(1);
    r.name = s.Text(2);
    r.serial_number = s.Text(3);
    IONOS_ASSIGN_OR_RETURN(r.not_before, s.Time(4, "certificates.not_before"));
    IONOS_ASSIGN_OR_RETURN(r.not_after, s.Time(5, "certificates.not_after"));
    r.status = s.Text(6);
    r.fingerprint_sha256 = s.Text(7);
    r.key_algorithm = s.Text(8);
    IONOS_ASSIGN_OR_RETURN(r.issued_at, s.Time(9, "certificates.issued_at"));
    if (!s.IsNull(10)) {
      IONOS_ASSIGN_OR_RETURN(TimePoint superseded, s.Time(10, "certificates.superseded_at"));
      r.superseded_at = superseded;
    }
    return r;
  }

  Result<CertificateRecord> Certificate(const Row& s) const {
    CertificateRecord r;
    IONOS_ASSIGN_OR_RETURN(static_cast<CertificateSummary&>(r), Summary(s));
    r.certificate_pem = s.Text(11);
    r.chain_pem = s.Text(12);
    IONOS_ASSIGN_OR_RETURN(r.private_key_pem, OpenPrivateKey(key, "certificate", r.id, s.Text(13), store, key_source));
    return r;
  }

  Result<RenewalInfoRecord> RenewalInfo(const Row& s) const {
    RenewalInfoRecord r;
    r.certificate_id = s.Text(0);
    IONOS_ASSIGN_OR_RETURN(r.window_start, s.Time(1, "renewal_info.window_start"));
    IONOS_ASSIGN_OR_RETURN(r.window_end, s.Time(2, "renewal_info.window_end"));
    IONOS_ASSIGN_OR_RETURN(r.chosen_at, s.Time(3, "renewal_info.chosen_at"));
    r.explanation_url = s.Text(4);
    IONOS_ASSIGN_OR_RETURN(r.fetched_at, s.Time(5, "renewal_info.fetched_at"));
    IONOS_ASSIGN_OR_RETURN(r.next_fetch_at, s.Time(6, "renewal_info.next_fetch_at"));
    return r;
  }

  Result<PendingDnsRecord> PendingDns(const Row& s) const {
    PendingDnsRecord r;
    r.id = s.Text(0);
    r.zone_id = s.Text(1);
    r.zone_name = s.Text(2);
    r.record_name = s.Text(3);
    r.fqdn = s.Text(4);
    r.value = s.Text(5);
    if (!s.IsNull(6)) {
      r.record_id = s.Text(6);
    }
    IONOS_ASSIGN_OR_RETURN(r.created_at, s.Time(7, "pending_dns_records.created_at"));
    r.owner = s.Text(8);
    return r;
  }

  Result<PublicationRecord> Publication(const Row& s) const {
    PublicationRecord r;
    r.certificate_id = s.Text(0);
    r.state = s.Text(1);
    r.remote_id = s.Text(2);
    IONOS_ASSIGN_OR_RETURN(r.updated_at, s.Time(3, "publications.updated_at"));
    return r;
  }
};

RecordStore::Codec RecordStore::codec() const { return Codec{describe_, key_, key_source_}; }

Status CheckStoreKey(const StoreOptions& options) {
  if (!options.encryption_key.empty() && options.encryption_key.size() != kAesGcmKeySize) {
    return InvalidArgumentError("store encryption key must be 32 bytes, got " +
                                std::to_string(options.encryption_key.size()));
  }
  return Status::Ok();
}

Status SchemaTooNewError(const std::string& store, int64_t version, int known) {
  return FailedPreconditionError("store at " + store + " was written by a newer version (schema " +
                                 std::to_string(version) + ", this provider knows " + std::to_string(known) +
                                 "); upgrade the provider");
}

RecordStore::RecordStore(std::unique_ptr<Database> db, const StoreOptions& options)
    : db_(std::move(db)),
      describe_(db_->Describe()),
      key_(options.encryption_key),
      key_source_(options.key_source),
      clock_(options.clock != nullptr ? options.clock : &DefaultClock()),
      random_(options.random != nullptr ? options.random : &own_random_) {}

TimePoint RecordStore::Now() const { return FloorSeconds(clock_->Now()); }

Result<std::string> RecordStore::IdFor(const std::string& given) {
  if (!given.empty()) {
    return given;
  }
  return NewUuid(*random_);
}

Status RecordStore::NotFound(const char* kind, const std::string& id) const {
  return NotFoundError(std::string(kind) + " " + Quoted(id) + " is not in the store " + describe_);
}

Status RecordStore::DeleteById(const char* sql, const char* kind, const std::string& id, const std::string& what) {
  IONOS_ASSIGN_OR_RETURN(Rows rows, db_->Run(what, sql, {id}, Mode::kWrite));
  return rows.changed == 0 ? NotFound(kind, id) : Status::Ok();
}

Result<bool> RecordStore::WasDeleted(const std::string& kind, const std::string& id) {
  const std::string what = "looking up deleted " + kind + " " + Quoted(id);
  IONOS_ASSIGN_OR_RETURN(
      Rows rows, db_->Run(what, "SELECT 1 FROM deleted_records WHERE kind = $1 AND id = $2", {kind, id}, Mode::kRead));
  return !rows.empty();
}

// ------------------------------------------------------------------ accounts

Result<AccountRecord> RecordStore::CreateAccount(const AccountRecord& account) {
  AccountRecord r = account;
  IONOS_ASSIGN_OR_RETURN(r.id, IdFor(account.id));
  r.created_at = r.updated_at = Now();
  const std::string what = "creating account " + Quoted(r.id);
  IONOS_ASSIGN_OR_RETURN(std::string stored_key, SealPrivateKey(key_, r.id, r.private_key_pem, *random_));
  IONOS_RETURN_IF_ERROR(db_->Run(what,
                                 "INSERT INTO accounts (" IONOS_ACCOUNT_COLUMNS(
                                     "private_key") ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                                 {r.id, r.name, r.email, r.server, r.key_algorithm, r.account_url, r.status, stored_key,
                                  r.eab_key_id, r.created_at, r.updated_at},
                                 Mode::kWrite)
                            .status());
  return r;
}

Result<AccountRecord> RecordStore::GetAccount(const std::string& id) {
  const std::string what = "reading account " + Quoted(id);
  IONOS_ASSIGN_OR_RETURN(
      Rows rows,
      db_->Run(what, "SELECT " IONOS_ACCOUNT_COLUMNS("private_key") " FROM accounts WHERE id = $1", {id}, Mode::kRead));
  if (rows.empty()) {
    return NotFound("account", id);
  }
  return codec().Account(Row(rows, 0, describe_), /*with_key=*/true);
}

Result<AccountRecord> RecordStore::UpdateAccount(const AccountRecord& account) {
  const std::string& id = account.id;
  const std::string what = "updating account " + Quoted(id);
  const bool new_key = !account.private_key_pem.empty();
  std::optional<std::string> stored_key;
  if (new_key) {
    IONOS_ASSIGN_OR_RETURN(stored_key, SealPrivateKey(key_, id, account.private_key_pem, *random_));
  }
  std::optional<AccountRecord> updated;
  // A transaction, so that a stored key this store cannot decrypt (DataLoss) leaves the record as it was.
  IONOS_RETURN_IF_ERROR(db_->Transaction(what, [&](Statements& tx) -> Status {
    IONOS_ASSIGN_OR_RETURN(
        Rows rows, tx.Run(what,
                          "UPDATE accounts SET name = $2, email = $3, account_url = $4, status = $5, "
                          "private_key = COALESCE($6, private_key), key_algorithm = COALESCE($7, key_algorithm), "
                          "updated_at = $8 WHERE id = $1 AND server = $9 AND eab_key_id = $10 "
                          "RETURNING " IONOS_ACCOUNT_COLUMNS("private_key"),
                          {id, account.name, account.email, account.account_url, account.status, stored_key,
                           new_key ? std::optional<std::string>(account.key_algorithm) : std::nullopt, Now(),
                           account.server, account.eab_key_id}));
    if (rows.empty()) {
      IONOS_ASSIGN_OR_RETURN(Rows exists, tx.Run(what, "SELECT 1 FROM accounts WHERE id = $1", {id}));
      if (exists.empty()) {
        return NotFound("account", id);
      }
      return InvalidArgumentError(what + ": server and external account binding cannot change in place");
    }
    IONOS_ASSIGN_OR_RETURN(updated, codec().Account(Row(rows, 0, describe_), true));
    return Status::Ok();
  }));
  return std::move(*updated);
}

Status RecordStore::DeleteAccount(const std::string& id) {
  return DeleteById("DELETE FROM accounts WHERE id = $1", "account", id, "deleting account " + Quoted(id));
}

Result<std::vector<AccountRecord>> RecordStore::ListAccounts() {
  const std::string what = "listing accounts";
  const std::string sql = std::string("SELECT " IONOS_ACCOUNT_COLUMNS("''") " FROM accounts ORDER BY created_at, ") +
                          db_->dialect().insertion_order;
  IONOS_ASSIGN_OR_RETURN(Rows rows, db_->Run(what, sql, Params(), Mode::kRead));
  return Collect<AccountRecord>(rows, describe_, [&](const Row& s) { return codec().Account(s, false); });
}

// ------------------------------------------------------------------ auto certificates

Result<AutoCertificateRecord> RecordStore::CreateAutoCertificate(const AutoCertificateRecord& auto_certificate) {
  AutoCertificateRecord r = auto_certificate;
  IONOS_ASSIGN_OR_RETURN(r.id, IdFor(auto_certificate.id));
  r.created_at = r.updated_at = Now();
  const std::string what = "creating auto certificate " + Quoted(r.id);
  IONOS_RETURN_IF_ERROR(
      db_->Run(what,
               "INSERT INTO auto_certificates (" IONOS_AUTO_CERTIFICATE_COLUMNS(
                   "") ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
               {r.id, r.provider_id, r.name, r.common_name, nlohmann::json(r.subject_alternative_names).dump(),
                r.key_algorithm, r.renew_before_days, r.grace_period_days, r.created_at, r.updated_at, r.profile,
                EncodeIssuanceSettings(r.settings)},
               Mode::kWrite)
          .status());
  return r;
}

Result<AutoCertificateRecord> RecordStore::GetAutoCertificate(const std::string& id) {
  const std::string what = "reading auto certificate " + Quoted(id);
  IONOS_ASSIGN_OR_RETURN(Rows rows, db_->Run(what,
                                             "SELECT " IONOS_AUTO_CERTIFICATE_COLUMNS("") " FROM auto_certificates "
                                                                                          "WHERE id = $1",
                                             {id}, Mode::kRead));
  if (rows.empty()) {
    return NotFound("auto certificate", id);
  }
  return codec().AutoCertificate(Row(rows, 0, describe_));
}

Result<AutoCertificateRecord> RecordStore::UpdateAutoCertificate(const AutoCertificateRecord& auto_certificate) {
  const std::string& id = auto_certificate.id;
  const std::string what = "updating auto certificate " + Quoted(id);
  IONOS_ASSIGN_OR_RETURN(
      Rows rows,
      db_->Run(what,
               "UPDATE auto_certificates SET name = $2, subject_alternative_names = $3, "
               "key_algorithm = $4, renew_before_days = $5, grace_period_days = $6, "
               "updated_at = $7, provider_id = $8, profile = $9, settings = $10 "
               "WHERE id = $1 AND common_name = $11 RETURNING " IONOS_AUTO_CERTIFICATE_COLUMNS(""),
               {id, auto_certificate.name, nlohmann::json(auto_certificate.subject_alternative_names).dump(),
                auto_certificate.key_algorithm, auto_certificate.renew_before_days, auto_certificate.grace_period_days,
                Now(), auto_certificate.provider_id, auto_certificate.profile,
                EncodeIssuanceSettings(auto_certificate.settings), auto_certificate.common_name},
               Mode::kWrite));
  if (rows.empty()) {
    IONOS_ASSIGN_OR_RETURN(Rows exists,
                           db_->Run(what, "SELECT 1 FROM auto_certificates WHERE id = $1", {id}, Mode::kRead));
    if (exists.empty()) {
      return NotFound("auto certificate", id);
    }
    return InvalidArgumentError(what + ": common_name cannot change in place (it forces replacement)");
  }
  return codec().AutoCertificate(Row(rows, 0, describe_));
}

Status RecordStore::DeleteAutoCertificate(const std::string& id) {
  // Its certificates, their renewal information and publications go with it (ON DELETE CASCADE;
  // both backends enforce foreign keys), tombstones included.
  return DeleteById("DELETE FROM auto_certificates WHERE id = $1", "auto certificate", id,
                    "deleting auto certificate " + Quoted(id));
}

Result<std::vector<AutoCertificateRecord>> RecordStore::ListAutoCertificates() {
  const std::string what = "listing auto certificates";
  const std::string sql =
      std::string("SELECT " IONOS_AUTO_CERTIFICATE_COLUMNS("") " FROM auto_certificates ORDER BY created_at, ") +
      db_->dialect().insertion_order;
  IONOS_ASSIGN_OR_RETURN(Rows rows, db_->Run(what, sql, Params(), Mode::kRead));
  return Collect<AutoCertificateRecord>(rows, describe_, [&](const Row& s) { return codec().AutoCertificate(s); });
}

// ------------------------------------------------------------------ certificates

Result<CertificateRecord> RecordStore::AddCertificate(const CertificateRecord& certificate) {
  CertificateRecord r = certificate;
  IONOS_ASSIGN_OR_RETURN(r.id, IdFor(certificate.id));
  const TimePoint now = Now();
  r.status = kCertificateStatusActive;
  r.superseded_at.reset();
  r.not_before = FloorSeconds(r.not_before);
  r.not_after = FloorSeconds(r.not_after);
  r.issued_at = r.issued_at == TimePoint{} ? now : FloorSeconds(r.issued_at);
  const std::string what =
      "adding certificate " + Quoted(r.id) + " to auto certificate " + Quoted(r.auto_certificate_id);
  IONOS_ASSIGN_OR_RETURN(std::string stored_key, SealPrivateKey(key_, r.id, r.private_key_pem, *random_));
  // clang-format off
  const Params row{r.id, r.auto_certificate_id, r.name, r.serial_number, r.not_before, r.not_after,
                   r.fingerprint_sha256, r.key_algorithm, r.issued_at, r.certificate_pem, r.chain_pem, stored_key, now};
  // clang-format on
  if (!db_->dialect().add_certificate_function) {
    // Supersede and insert in one transaction; the one-active index keeps concurrent adders honest.
    IONOS_RETURN_IF_ERROR(db_->Transaction(what, [&](Statements& tx) -> Status {
      IONOS_ASSIGN_OR_RETURN(Rows parent, tx.Run(what, "SELECT 1 FROM auto_certificates WHERE id = $2", row));
      if (parent.empty()) {
        return NotFound("auto certificate", r.auto_certificate_id);
      }
      IONOS_RETURN_IF_ERROR(tx.Run(what,
                                   "UPDATE certificates SET status = 'superseded', superseded_at = $13 "
                                   "WHERE auto_certificate_id = $2 AND status = 'active'",
                                   row)
                                .status());
      return tx
          .Run(what,
               "INSERT INTO certificates (id, auto_certificate_id, name, serial_number, not_before, not_after, "
               "status, fingerprint_sha256, key_algorithm, issued_at, certificate_pem, chain_pem, private_key) "
               "VALUES ($1, $2, $3, $4, $5, $6, 'active', $7, $8, $9, $10, $11, $12)",
               row)
          .status();
    }));
    return r;
  }
  // A certificate the CA already issued must not be lost to a connection that broke while the CA
  // worked: the call is sent again on a fresh connection (kWriteKeyed), and when the first one had
  // arrived after all, the second finds the same id with the same serial: stored once, done.
  Outcome outcome;
  Result<Rows> added =
      db_->Run(what, "SELECT ionos_add_certificate($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)", row,
               Mode::kWriteKeyed, &outcome);
  if (!added.ok() && outcome.repeated && outcome.duplicate) {
    Result<Rows> kept = db_->Run(what, "SELECT serial_number FROM certificates WHERE id = $1", {r.id}, Mode::kRead);
    if (kept.ok() && kept->size() == 1 && kept->at(0, 0) == r.serial_number) {
      return r;
    }
  }
  IONOS_RETURN_IF_ERROR(added.status());
  if (added->empty() || added->at(0, 0) != "t") {
    return NotFound("auto certificate", r.auto_certificate_id);
  }
  return r;
}

Result<CertificateRecord> RecordStore::GetCertificate(const std::string& id) {
  const std::string what = "reading certificate " + Quoted(id);
  IONOS_ASSIGN_OR_RETURN(
      Rows rows,
      db_->Run(what, "SELECT " IONOS_CERTIFICATE_COLUMNS " FROM certificates WHERE id = $1", {id}, Mode::kRead));
  if (rows.empty()) {
    return NotFound("certificate", id);
  }
  return codec().Certificate(Row(rows, 0, describe_));
}

Result<std::vector<CertificateSummary>> RecordStore::ListCertificates(const std::string& auto_certificate_id) {
  const std::string what = "listing the certificates of auto certificate " + Quoted(auto_certificate_id);
  // One statement: no row → no such auto certificate; one row of NULLs → it has no certificates.
  IONOS_ASSIGN_OR_RETURN(Rows rows,
                         db_->Run(what,
                                  "SELECT " IONOS_CERTIFICATE_SUMMARY_COLUMNS(
                                      "c.") " FROM auto_certificates a "
                                            "LEFT JOIN certificates c ON c.auto_certificate_id = a.id WHERE a.id = $1 "
                                            "ORDER BY c.seq DESC",
                                  {auto_certificate_id}, Mode::kRead));
  if (rows.empty()) {
    return NotFound("auto certificate", auto_certificate_id);
  }
  if (rows.size() == 1 && !rows.at(0, 0).has_value()) {
    return std::vector<CertificateSummary>();
  }
  return Collect<CertificateSummary>(rows, describe_, [&](const Row& s) { return codec().Summary(s); });
}

Result<AutoCertificateSnapshot> RecordStore::GetAutoCertificateSnapshot(const std::string& id) {
  const std::string what = "reading auto certificate " + Quoted(id) + " with its certificates";
  // One row per certificate, newest first (the order of ListCertificates), each carrying the auto
  // certificate; the newest row (rn = 1) also carries the PEM, the key and the renewal
  // information. No row: no such auto certificate; one row of NULL certificate columns: it has
  // no certificates. One statement, so one consistent snapshot.
  IONOS_ASSIGN_OR_RETURN(
      Rows rows,
      db_->Run(
          what,
          "SELECT " IONOS_AUTO_CERTIFICATE_COLUMNS("a.") ", " IONOS_CERTIFICATE_SUMMARY_COLUMNS(
              "c.") ", CASE WHEN c.rn = 1 THEN c.certificate_pem END, CASE WHEN c.rn = 1 THEN c.chain_pem END, "
                    "CASE WHEN c.rn = 1 THEN c.private_key END, " IONOS_RENEWAL_INFO_COLUMNS(
                        "r.") " FROM auto_certificates a LEFT JOIN (SELECT x.*, row_number() OVER (ORDER BY x.seq "
                              "DESC) AS rn "
                              "FROM certificates x WHERE x.auto_certificate_id = $1) c ON c.auto_certificate_id = a.id "
                              "LEFT JOIN renewal_info r ON c.rn = 1 AND r.certificate_id = c.id WHERE a.id = $1 ORDER "
                              "BY c.rn",
          {id}, Mode::kRead));
  if (rows.empty()) {
    return NotFound("auto certificate", id);
  }
  const Codec codec = this->codec();
  constexpr size_t kCertificateAt = kAutoCertificateColumns;
  constexpr size_t kRenewalInfoAt = kCertificateAt + kCertificateColumns;
  AutoCertificateSnapshot snapshot;
  IONOS_ASSIGN_OR_RETURN(snapshot.record, codec.AutoCertificate(Row(rows, 0, describe_)));
  if (!rows.at(0, kCertificateAt).has_value()) {
    return snapshot;
  }
  for (size_t i = 0; i < rows.size(); ++i) {
    IONOS_ASSIGN_OR_RETURN(CertificateSummary summary, codec.Summary(Row(rows, i, describe_, kCertificateAt)));
    snapshot.certificates.push_back(std::move(summary));
  }
  IONOS_ASSIGN_OR_RETURN(snapshot.newest, codec.Certificate(Row(rows, 0, describe_, kCertificateAt)));
  if (rows.at(0, kRenewalInfoAt).has_value()) {
    // Renewal information that cannot be read does not fail the read (Store's contract).
    Result<RenewalInfoRecord> info = codec.RenewalInfo(Row(rows, 0, describe_, kRenewalInfoAt));
    if (info.ok()) {
      snapshot.renewal_info = std::move(info).value();
    } else {
      snapshot.renewal_info_status = info.status();
    }
  }
  return snapshot;
}

Result<std::vector<CertificateSummary>> RecordStore::ListAllCertificates() {
  const std::string what = "listing all certificates";
  const std::string sql =
      std::string("SELECT " IONOS_CERTIFICATE_SUMMARY_COLUMNS("") " FROM certificates ORDER BY auto_certificate_id") +
      db_->dialect().bytewise + ", seq DESC";
  IONOS_ASSIGN_OR_RETURN(Rows rows, db_->Run(what, sql, Params(), Mode::kRead));
  return Collect<CertificateSummary>(rows, describe_, [&](const Row& s) { return codec().Summary(s); });
}

Status RecordStore::DeleteCertificate(const std::string& id) {
  // Its renewal information and publication go with it (ON DELETE CASCADE).
  return DeleteById("DELETE FROM certificates WHERE id = $1", "certificate", id, "deleting certificate " + Quoted(id));
}

// ------------------------------------------------------------------ pending DNS records

Result<PendingDnsRecord> RecordStore::NotePendingDnsRecord(const PendingDnsRecord& record) {
  PendingDnsRecord r = record;
  IONOS_ASSIGN_OR_RETURN(r.id, IdFor(record.id));
  r.created_at = Now();
  const std::string what = "noting pending DNS record " + Quoted(r.fqdn);
  IONOS_RETURN_IF_ERROR(
      db_->Run(what,
               "INSERT INTO pending_dns_records (" IONOS_PENDING_DNS_COLUMNS
               ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
               {r.id, r.zone_id, r.zone_name, r.record_name, r.fqdn, r.value, r.record_id, r.created_at, r.owner},
               Mode::kWrite)
          .status());
  return r;
}

Status RecordStore::SetPendingDnsRecordId(const std::string& id, const std::string& record_id) {
  const std::string what = "recording the DNS record id of pending DNS record " + Quoted(id);
  IONOS_ASSIGN_OR_RETURN(Rows rows, db_->Run(what, "UPDATE pending_dns_records SET record_id = $2 WHERE id = $1",
                                             {id, record_id}, Mode::kWrite));
  return rows.changed == 0 ? NotFound("pending DNS record", id) : Status::Ok();
}

Status RecordStore::RemovePendingDnsRecord(const std::string& id) {
  return DeleteById("DELETE FROM pending_dns_records WHERE id = $1", "pending DNS record", id,
                    "removing pending DNS record " + Quoted(id));
}

Result<std::vector<PendingDnsRecord>> RecordStore::ListPendingDnsRecords() {
  const std::string what = "listing pending DNS records";
  IONOS_ASSIGN_OR_RETURN(
      Rows rows, db_->Run(what, "SELECT " IONOS_PENDING_DNS_COLUMNS " FROM pending_dns_records ORDER BY seq", Params(),
                          Mode::kRead));
  return Collect<PendingDnsRecord>(rows, describe_, [&](const Row& s) { return codec().PendingDns(s); });
}

// ------------------------------------------------------------------ renewal information and publications

Result<std::optional<RenewalInfoRecord>> RecordStore::GetRenewalInfo(const std::string& certificate_id) {
  const std::string what = "reading the renewal information of certificate " + Quoted(certificate_id);
  IONOS_ASSIGN_OR_RETURN(Rows rows, db_->Run(what,
                                             "SELECT " IONOS_RENEWAL_INFO_COLUMNS("") " FROM renewal_info "
                                                                                      "WHERE certificate_id = $1",
                                             {certificate_id}, Mode::kRead));
  if (rows.empty()) {
    return std::optional<RenewalInfoRecord>();
  }
  IONOS_ASSIGN_OR_RETURN(RenewalInfoRecord info, codec().RenewalInfo(Row(rows, 0, describe_)));
  return std::optional<RenewalInfoRecord>(std::move(info));
}

Status RecordStore::PutForCertificate(const std::string& sql, const Params& params, const std::string& certificate_id,
                                      const std::string& what) {
  // One statement: nothing is inserted when the certificate does not exist.
  Outcome outcome;
  Result<Rows> rows = db_->Run(what, sql, params, Mode::kWrite, &outcome);
  if (!rows.ok()) {
    // The certificate was deleted between the SELECT and the INSERT.
    return outcome.missing_parent ? NotFound("certificate", certificate_id) : rows.status();
  }
  return rows->changed == 0 ? NotFound("certificate", certificate_id) : Status::Ok();
}

Status RecordStore::PutRenewalInfo(const RenewalInfoRecord& info) {
  return PutForCertificate(
      "INSERT INTO renewal_info (" IONOS_RENEWAL_INFO_COLUMNS("") ") SELECT id, $2::timestamptz, $3::timestamptz, "
      "$4::timestamptz, $5, $6::timestamptz, $7::timestamptz FROM certificates WHERE id = $1 "
      "ON CONFLICT (certificate_id) DO UPDATE SET window_start = EXCLUDED.window_start, "
      "window_end = EXCLUDED.window_end, chosen_at = EXCLUDED.chosen_at, explanation_url = EXCLUDED.explanation_url, "
      "fetched_at = EXCLUDED.fetched_at, next_fetch_at = EXCLUDED.next_fetch_at",
      {info.certificate_id, info.window_start, info.window_end, info.chosen_at, info.explanation_url, info.fetched_at, info.next_fetch_at},
      info.certificate_id, "keeping the renewal information of certificate " + Quoted(info.certificate_id));
}

Status RecordStore::PutPublication(const PublicationRecord& record) {
  return PutForCertificate(
      "INSERT INTO publications (certificate_id, state, remote_id, updated_at) "
      "SELECT id, $2, $3, $4::timestamptz FROM certificates WHERE id = $1 "
      "ON CONFLICT (certificate_id) DO UPDATE SET state = EXCLUDED.state, remote_id = EXCLUDED.remote_id, "
      "updated_at = EXCLUDED.updated_at",
      {record.certificate_id, record.state, record.remote_id, Now()}, record.certificate_id,
      "noting the publication of certificate " + Quoted(record.certificate_id));
}

Status RecordStore::RemovePublication(const std::string& certificate_id) {
  const std::string what = "forgetting the publication of certificate " + Quoted(certificate_id);
  return db_->Run(what, "DELETE FROM publications WHERE certificate_id = $1", {certificate_id}, Mode::kWrite).status();
}

Result<std::vector<PublicationRecord>> RecordStore::ListPublications(const std::string& auto_certificate_id) {
  const std::string what = "listing the publications of auto certificate " + Quoted(auto_certificate_id);
  IONOS_ASSIGN_OR_RETURN(Rows rows, db_->Run(what,
                                             "SELECT p.certificate_id, p.state, p.remote_id, p.updated_at "
                                             "FROM publications p JOIN certificates c ON c.id = p.certificate_id "
                                             "WHERE c.auto_certificate_id = $1",
                                             {auto_certificate_id}, Mode::kRead));
  return Collect<PublicationRecord>(rows, describe_, [&](const Row& s) { return codec().Publication(s); });
}

// ------------------------------------------------------------------ keys

Result<KeyCounts> RecordStore::CountKeys() {
  const std::string what = "counting the private keys";
  IONOS_ASSIGN_OR_RETURN(Rows rows,
                         db_->Run(what,
                                  "SELECT (SELECT count(*) FROM accounts WHERE private_key LIKE 'enc:v1:%') + "
                                  "(SELECT count(*) FROM certificates WHERE private_key LIKE 'enc:v1:%'), "
                                  "(SELECT count(*) FROM accounts WHERE private_key NOT LIKE 'enc:v1:%') + "
                                  "(SELECT count(*) FROM certificates WHERE private_key NOT LIKE 'enc:v1:%')",
                                  Params(), Mode::kRead));
  if (rows.size() != 1) {
    return InternalError(what + ": no row");
  }
  const Row row(rows, 0, describe_);
  IONOS_ASSIGN_OR_RETURN(int64_t encrypted, row.Int(0, "count"));
  IONOS_ASSIGN_OR_RETURN(int64_t plaintext, row.Int(1, "count"));
  return KeyCounts{encrypted, plaintext};
}

Result<KeyCounts> RecordStore::Rekey(const std::string& new_key) {
  if (!new_key.empty() && new_key.size() != kAesGcmKeySize) {
    return InvalidArgumentError("a store key must be 32 bytes, got " + std::to_string(new_key.size()));
  }
  const std::string what = "re-encrypting the private keys of the store " + describe_;
  IONOS_RETURN_IF_ERROR(db_->Transaction(what, [&](Statements& tx) -> Status {
    for (const std::string table : {"accounts", "certificates"}) {
      const char* kind = table == "accounts" ? "account" : "certificate";
      IONOS_ASSIGN_OR_RETURN(Rows rows,
                             tx.Run(what, "SELECT id, private_key FROM " + table + db_->dialect().lock_rows, Params()));
      for (size_t i = 0; i < rows.size(); ++i) {
        const Row row(rows, i, describe_);
        const std::string id = row.Text(0);
        IONOS_ASSIGN_OR_RETURN(std::string pem, OpenPrivateKey(key_, kind, id, row.Text(1), describe_, key_source_));
        IONOS_ASSIGN_OR_RETURN(std::string sealed, SealPrivateKey(new_key, id, pem, *random_));
        IONOS_RETURN_IF_ERROR(
            tx.Run(what, "UPDATE " + table + " SET private_key = $2 WHERE id = $1", {id, sealed}).status());
      }
    }
    return Status::Ok();
  }));
  return CountKeys();
}

// ------------------------------------------------------------------ locks and one transaction

Result<std::unique_ptr<StoreLock>> RecordStore::Lock(const std::string& name, const LockOptions& options) {
  const std::string lock = "the lock " + Quoted(name) + " in the store " + describe_;
  const std::string what = "taking " + lock;
  IONOS_ASSIGN_OR_RETURN(std::unique_ptr<LockAttempt> attempt, db_->StartLock(name, what));
  std::unique_ptr<StoreLock> held;
  Status failed;  // of a try, as opposed to the wait
  bool announced = false;
  const PollOptions poll{.timeout = options.timeout,
                         .initial_interval = options.retry_interval,
                         .max_interval = options.retry_interval,
                         .poll_first = true};
  const Status waited = Poll(*clock_, options.cancel, poll, lock, PollProgress{}, [&]() -> Result<PollProgress> {
    Result<std::unique_ptr<StoreLock>> tried = attempt->Try();
    if (!tried.ok()) {
      failed = tried.status();
      return failed;
    }
    held = std::move(tried).value();
    if (held == nullptr && !announced && options.on_wait) {
      options.on_wait();
      announced = true;
    }
    return PollProgress{.done = held != nullptr};
  });
  if (waited.code() == StatusCode::kDeadlineExceeded && failed.ok()) {
    return DeadlineExceededError(what + ": another process held it for " + FormatDuration(options.timeout) +
                                 " and did not let go");
  }
  IONOS_RETURN_IF_ERROR(waited);
  return held;
}

Status RecordStore::WriteInOneTransaction(const std::function<Status(Store& tx)>& body) {
  const std::string what = "writing into the store " + describe_ + " in one transaction";
  IONOS_ASSIGN_OR_RETURN(std::unique_ptr<Database> pinned, db_->OpenOneTransaction(what));
  Database* database = pinned.get();
  const StoreOptions options{.encryption_key = key_, .clock = clock_, .random = random_, .key_source = key_source_};
  RecordStore tx(std::move(pinned), options);
  Status status = body(tx);
  return database->EndOneTransaction(std::move(status), what);
}

}  // namespace ionos
