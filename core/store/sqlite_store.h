// The embedded SQLite backend of Store (URL form `sqlite:PATH`). The records mean what RecordStore
// (record_store.h) makes them mean; this backend adds its database: one connection, the dialect,
// lock files and the migrations. It needs SQLite 3.35 or newer (RETURNING).
//
// On disk:
// - Parent directories are created with mode 0700, the database file with mode 0600 (SQLite's
//   -wal and -shm files inherit the database file's mode).
// - WAL journal, busy timeout (StoreOptions::busy_timeout), foreign keys on (deletes cascade),
//   secure_delete on.
// - One connection per Store guarded by a mutex; every write runs in BEGIN IMMEDIATE, so
//   concurrent threads and several provider processes on the same file are safe.
// - Schema versions are recorded in the table `schema_version` (one row per applied migration).
//   Opening applies missing migrations in one transaction; a file written by a newer provider
//   (higher version than kSqliteStoreSchemaVersion) is refused with FailedPreconditionError.
// - Private keys (accounts.private_key, certificates.private_key) are stored as
//   "enc:v1:" + base64(AesGcmSeal(key, pem, aad = record id)) when an encryption key is set,
//   as plaintext PEM otherwise (core/store/key_sealing.h, shared with the PostgreSQL backend).
//   Plaintext values written before a key was configured are still read; an encrypted value
//   without a key or with the wrong key → DataLossError that names store_encryption_key.
//
// OpenStore / DefaultStoreUrl / ValidateStoreUrl are declared in core/store/store.h (included here).
#pragma once

#include <memory>
#include <string>

#include "core/base/status.h"
#include "core/store/key_sealing.h"  // kEncryptedValuePrefix
#include "core/store/store.h"

namespace ionos {

// The schema version this binary writes (the highest migration it knows).
inline constexpr int kSqliteStoreSchemaVersion = 5;

// The absolute file path named by a `sqlite:` URL (see OpenStore for the forms).
// Errors: InvalidArgumentError for a URL that is not a usable sqlite: URL.
Result<std::string> SqliteStorePath(const std::string& url);

// Opens the SQLite store at the absolute path `path` (what OpenStore does for sqlite: URLs).
Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path, const StoreOptions& options);

}  // namespace ionos
