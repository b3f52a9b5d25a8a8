// How the store backends keep private keys at rest (shared by SQLite and PostgreSQL, so a key
// written by one backend reads the same way through the other and `store copy` is a plain
// read-and-write through the Store API).
//
// Format of a stored private key column:
// - with a store key (StoreOptions::encryption_key, 32 bytes):
//     "enc:v1:" + base64(AesGcmSeal(key, pem, aad = the record's id))
//   The record id as associated data binds a sealed key to its row: a value copied onto another
//   row fails authentication instead of handing out the wrong key.
// - without a store key: the plaintext PEM. Plaintext values written before a key was configured
//   stay readable after it is set (new writes are then encrypted).
// Reading an encrypted value without a key or with the wrong key → DataLossError naming the
// record, the store (Describe()) and store_encryption_key. Messages never contain key bytes,
// plaintext or ciphertext.
#pragma once

#include <string>
#include <string_view>

#include "core/base/clock.h"
#include "core/base/status.h"

namespace ionos {

// Prefix of an encrypted private key value in the database.
inline constexpr char kEncryptedValuePrefix[] = "enc:v1:";

// The value to store for `pem` of the record `id`: sealed when `key` is not empty, the PEM itself
// otherwise. An empty PEM stays empty.
Result<std::string> SealPrivateKey(std::string_view key, const std::string& id, const std::string& pem,
                                   Random& random);

// The PEM of a stored value written by SealPrivateKey. `kind` ("account", "certificate") and
// `store` (Describe()) only name the record in errors; `key_source` names where the key came from
// (StoreOptions::key_source; empty: store_encryption_key).
Result<std::string> OpenPrivateKey(std::string_view key, std::string_view kind, const std::string& id,
                                   const std::string& stored, const std::string& store,
                                   const std::string& key_source = "");

// Decodes the provider argument `store_encryption_key` (env IONOS_CERT_STORE_KEY): standard
// base64 (padding optional; URL-safe alphabet also accepted; surrounding whitespace such as a
// trailing newline from a file is ignored) of exactly 32 bytes. Returns the raw key.
// Errors: InvalidArgument "must be base64 of exactly 32 bytes, got N" (N = decoded length) or
// "is not valid base64". The message never echoes the input.
Result<std::string> ParseStoreEncryptionKey(std::string_view base64);

}  // namespace ionos
