#include "core/store/key_sealing.h"

#include "core/base/encoding.h"
#include "core/base/strings.h"
#include "core/crypto/aead.h"

namespace ionos {

Result<std::string> SealPrivateKey(std::string_view key, const std::string& id, const std::string& pem,
                                   Random& random) {
  if (key.empty() || pem.empty()) {
    return pem;
  }
  IONOS_ASSIGN_OR_RETURN_CTX(std::string sealed, AesGcmSeal(key, pem, id, random), "encrypting a private key");
  return std::string(kEncryptedValuePrefix) + Base64Encode(sealed);
}

Result<std::string> OpenPrivateKey(std::string_view key, std::string_view kind, const std::string& id,
                                   const std::string& stored, const std::string& store,
                                   const std::string& key_source) {
  const std::string_view prefix = kEncryptedValuePrefix;
  if (stored.compare(0, prefix.size(), prefix) != 0) {
    return stored;  // plaintext (written without store_encryption_key)
  }
  const std::string whose = std::string(kind) + " \"" + id + "\" in the store " + store;
  if (key.empty()) {
    return DataLossError("the private key of " + whose +
                         " is encrypted, but store_encryption_key is missing; set it (or IONOS_CERT_STORE_KEY) to "
                         "the key the store was written with");
  }
  Result<std::string> sealed = Base64Decode(std::string_view(stored).substr(prefix.size()));
  if (!sealed.ok()) {
    return DataLossError("the encrypted private key of " + whose + " is corrupt (not base64)");
  }
  Result<std::string> pem = AesGcmOpen(key, *sealed, id);
  if (!pem.ok()) {
    if (pem.status().code() == StatusCode::kDataLoss) {
      return DataLossError("cannot decrypt the private key of " + whose + ": " +
                           (key_source.empty() ? std::string("store_encryption_key") : key_source) +
                           " is wrong (not the key the store was written with) or the stored data was altered");
    }
    return pem.status().WithContext("decrypting the private key of " + whose);
  }
  return pem;
}

Result<std::string> ParseStoreEncryptionKey(std::string_view base64) {
  std::string_view text = TrimSpace(base64);
  Result<std::string> decoded = Base64Decode(text);
  if (!decoded.ok()) {
    decoded = Base64UrlDecode(text);
  }
  if (!decoded.ok()) {
    return InvalidArgumentError("store_encryption_key is not valid base64 (it must be base64 of exactly 32 bytes, "
                                "for example the output of `openssl rand -base64 32`)");
  }
  std::string key = std::move(decoded).value();
  if (key.size() != kAesGcmKeySize) {
    const size_t n = key.size();
    WipeSecret(key);
    return InvalidArgumentError("store_encryption_key must be base64 of exactly 32 bytes, got " + std::to_string(n));
  }
  return key;
}

}  // namespace ionos
