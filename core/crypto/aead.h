// AES-256-GCM authenticated encryption, used to keep private keys encrypted at rest in the
// certificate store (provider argument `store_encryption_key`).
//
// Sealed format: nonce (12 bytes) || ciphertext (same length as the plaintext) || tag (16 bytes).
// Every call to AesGcmSeal draws a fresh random 96-bit nonce, so one key may seal many values
// (the NIST SP 800-38D limit of 2^32 random nonces per key is far beyond what a store holds).
//
// Error messages never contain key bytes, plaintext or ciphertext.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "core/base/clock.h"
#include "core/base/status.h"

namespace ionos {

inline constexpr size_t kAesGcmKeySize = 32;
inline constexpr size_t kAesGcmNonceSize = 12;
inline constexpr size_t kAesGcmTagSize = 16;

// Encrypts `plaintext` under the 32-byte `key32`, authenticating `aad` as well (aad is not
// part of the output; the same aad must be passed to AesGcmOpen). Returns
// nonce || ciphertext || tag. Errors: InvalidArgument for a key that is not 32 bytes or an
// input too large for OpenSSL's int lengths; the Random's error if it cannot fill the nonce;
// Internal when OpenSSL fails.
Result<std::string> AesGcmSeal(std::string_view key32, std::string_view plaintext, std::string_view aad,
                               Random& random);

// Decrypts and verifies the output of AesGcmSeal. Errors: InvalidArgument for a key that is not
// 32 bytes; DataLoss when `sealed` is too short or fails authentication (the key is wrong, the
// aad differs, or the data was altered). No partial plaintext is ever returned.
Result<std::string> AesGcmOpen(std::string_view key32, std::string_view sealed, std::string_view aad);

// Overwrites a string that held secret material, then empties it.
void WipeSecret(std::string& s);

}  // namespace ionos
