// File: core/store/store_copy.h
//
// Copying one certificate store into another (the core of `terraform-provider-ionos store copy
// --from URL --to URL`): how a team moves from a laptop's SQLite store to a shared PostgreSQL
// store, and back. Only the public Store API is used, so any two backends work.
//
// What is copied, ids unchanged (the Terraform state keeps working against the new store):
// - every account with its key;
// - every auto certificate;
// - every certificate with its key, per auto certificate oldest first and the active one last, so
//   the destination reproduces the active/superseded chain; issued_at, not_before and not_after are
//   kept;
// - every pending DNS record (with its record_id and owner, so a later run still cleans it up);
// - the renewal information (ARI) of every certificate;
// - which certificates have a copy in the IONOS Certificate Manager, and its id there (so the
//   destination's next apply neither uploads them again nor forgets to delete them).
// Keys arrive as plaintext PEM from the source (which needs its own store key to decrypt them)
// and are sealed by the destination with the destination's key (or kept as plaintext when it has
// none).
//
// What the destination cannot reproduce (the store sets these from its clock): created_at and
// updated_at of accounts, auto certificates and pending DNS records, and superseded_at of
// superseded certificates, become the time of the copy. An auto certificate whose newest
// certificate is not active in the source (its active one was pruned) gets that certificate active
// in the destination; the report notes it.
//
// Safety:
// - Everything is read from the source first; a source that cannot be read completely (a key
//   without the right store key → DataLoss) fails before anything is written.
// - A destination that already holds any of the ids (of the same kind), or a certificate of the
//   same name, is refused before anything is written: AlreadyExistsError listing (some of) them.
// - A destination whose store key does not open the keys it already holds (checked on one account's
//   key) is refused before anything is written, dry run or not: FailedPrecondition.
// - Everything is written in one transaction of the destination (Store::WriteInOneTransaction):
//   a write that fails, an interruption, or a process killed halfway leaves the destination as it
//   was (no rows, no tombstones), so running the copy again works.
// - The source is never written to. The copy takes no store locks: stop the runners that use the
//   source while copying.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "core/base/status.h"
#include "core/store/store.h"

namespace ionos {

struct StoreCopyOptions {
  // Read the source and check the destination, but write nothing; the report says what a copy
  // would copy.
  bool dry_run = false;
  // Checked before every write: once it fires, the copy stops, its transaction is rolled back
  // (as after a failed write) and the result is kCancelled. Null: not cancellable.
  const CancelToken* cancel = nullptr;
  // Called inside the destination's transaction after each written record (`rows` so far; 0 before
  // the first): an error ends the copy as a failed write does. How tests inject a fault (or a kill)
  // between rows. Empty: nothing.
  std::function<Status(size_t rows)> after_each_write;
};

// One copied record, for the report.
struct CopiedRecord {
  std::string id;
  // accounts and auto certificates: their name; certificates: their name; pending DNS records:
  // the fqdn; renewal information and publications: the certificate's name.
  std::string name;
};

struct StoreCopyReport {
  std::string from;  // Describe() of the source
  std::string to;    // Describe() of the destination
  bool dry_run = false;
  std::vector<CopiedRecord> accounts;
  std::vector<CopiedRecord> auto_certificates;
  std::vector<CopiedRecord> certificates;
  std::vector<CopiedRecord> pending_dns_records;
  std::vector<CopiedRecord> renewal_info;  // id: the certificate's id
  // Which certificates have a copy in the IONOS Certificate Manager (id: the certificate's id).
  std::vector<CopiedRecord> publications;
  // Where the destination differs from the source beyond the documented timestamps.
  std::vector<std::string> notes;
};

// Copies everything in `from` into `to` (see above). `from` and `to` must be different stores.
// Errors: InvalidArgument (the same store twice), AlreadyExists (the destination holds an id or a
// certificate name; nothing written), the source's read errors (nothing written), the
// destination's write errors (its transaction is rolled back: nothing written).
Result<StoreCopyReport> CopyStore(Store& from, Store& to, const StoreCopyOptions& options = {});

// The report as text for people, e.g.
//   copied from sqlite:/home/u/.../certificates.db to postgres://ci@db.example:5432/certs
//     2 accounts: Let's Encrypt (3f0c...), ZeroSSL (9a1b...)
//     ...
std::string FormatStoreCopyReport(const StoreCopyReport& report);

}  // namespace ionos
