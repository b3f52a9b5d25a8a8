#include "core/crypto/aead.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <climits>
#include <memory>

#include "core/base/encoding.h"

namespace ionos {
namespace {

struct CipherCtxDeleter {
  void operator()(EVP_CIPHER_CTX* ctx) const { EVP_CIPHER_CTX_free(ctx); }
};
using CipherCtxPtr = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxDeleter>;


const unsigned char* Bytes(std::string_view s) {
  // OpenSSL wants a non-null pointer even for zero-length input.
  static const unsigned char kEmpty = 0;
  return s.empty() ? &kEmpty : reinterpret_cast<const unsigned char*>(s.data());
}

Status CheckKey(std::string_view key) {
  if (key.size() != kAesGcmKeySize) {
    return InvalidArgumentError("AES-256-GCM key must be 32 bytes, got " + std::to_string(key.size()));
  }
  return Status::Ok();
}

Status CheckLength(std::string_view data, const char* what) {
  if (data.size() > static_cast<size_t>(INT_MAX) - 64) {
    return InvalidArgumentError(std::string("AES-256-GCM ") + what + " is too large");
  }
  return Status::Ok();
}

std::string_view TrimSpace(std::string_view s) {
  auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; };
  while (!s.empty() && is_space(s.front())) {
    s.remove_prefix(1);
  }
  while (!s.empty() && is_space(s.back())) {
    s.remove_suffix(1);
  }
  return s;
}

}  // namespace

Result<std::string> AesGcmSeal(std::string_view key32, std::string_view plaintext, std::string_view aad,
                               Random& random) {
  IONOS_RETURN_IF_ERROR(CheckKey(key32));
  IONOS_RETURN_IF_ERROR(CheckLength(plaintext, "plaintext"));
  IONOS_RETURN_IF_ERROR(CheckLength(aad, "associated data"));

  std::string out(kAesGcmNonceSize + plaintext.size() + kAesGcmTagSize, '\0');
  auto* nonce = reinterpret_cast<unsigned char*>(out.data());
  IONOS_RETURN_IF_ERROR_CTX(random.Fill(nonce, kAesGcmNonceSize), "drawing an AES-GCM nonce");
  unsigned char* ciphertext = nonce + kAesGcmNonceSize;
  unsigned char* tag = ciphertext + plaintext.size();

  CipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  if (!ctx) {
    return InternalError("EVP_CIPHER_CTX_new failed");
  }
  int len = 0;
  if (EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(kAesGcmNonceSize), nullptr) != 1 ||
      EVP_EncryptInit_ex(ctx.get(), nullptr, nullptr, Bytes(key32), nonce) != 1) {
    return InternalError("AES-256-GCM: initialising the cipher failed");
  }
  if (!aad.empty() &&
      EVP_EncryptUpdate(ctx.get(), nullptr, &len, Bytes(aad), static_cast<int>(aad.size())) != 1) {
    return InternalError("AES-256-GCM: processing associated data failed");
  }
  int written = 0;
  if (!plaintext.empty()) {
    if (EVP_EncryptUpdate(ctx.get(), ciphertext, &len, Bytes(plaintext), static_cast<int>(plaintext.size())) != 1) {
      return InternalError("AES-256-GCM: encryption failed");
    }
    written = len;
  }
  if (EVP_EncryptFinal_ex(ctx.get(), ciphertext + written, &len) != 1) {
    return InternalError("AES-256-GCM: finishing encryption failed");
  }
  written += len;
  if (static_cast<size_t>(written) != plaintext.size()) {
    return InternalError("AES-256-GCM: unexpected ciphertext length");
  }
  if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, static_cast<int>(kAesGcmTagSize), tag) != 1) {
    return InternalError("AES-256-GCM: reading the tag failed");
  }
  return out;
}

Result<std::string> AesGcmOpen(std::string_view key32, std::string_view sealed, std::string_view aad) {
  IONOS_RETURN_IF_ERROR(CheckKey(key32));
  IONOS_RETURN_IF_ERROR(CheckLength(sealed, "sealed data"));
  IONOS_RETURN_IF_ERROR(CheckLength(aad, "associated data"));
  if (sealed.size() < kAesGcmNonceSize + kAesGcmTagSize) {
    return DataLossError("AES-256-GCM sealed data is too short (" + std::to_string(sealed.size()) +
                         " bytes, need at least " + std::to_string(kAesGcmNonceSize + kAesGcmTagSize) + ")");
  }
  std::string_view nonce = sealed.substr(0, kAesGcmNonceSize);
  std::string_view ciphertext = sealed.substr(kAesGcmNonceSize, sealed.size() - kAesGcmNonceSize - kAesGcmTagSize);
  std::string tag(sealed.substr(sealed.size() - kAesGcmTagSize));

  CipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  if (!ctx) {
    return InternalError("EVP_CIPHER_CTX_new failed");
  }
  int len = 0;
  if (EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(kAesGcmNonceSize), nullptr) != 1 ||
      EVP_DecryptInit_ex(ctx.get(), nullptr, nullptr, Bytes(key32), Bytes(nonce)) != 1) {
    return InternalError("AES-256-GCM: initialising the cipher failed");
  }
  if (!aad.empty() &&
      EVP_DecryptUpdate(ctx.get(), nullptr, &len, Bytes(aad), static_cast<int>(aad.size())) != 1) {
    return InternalError("AES-256-GCM: processing associated data failed");
  }
  // One spare block: EVP may in principle write on Final even for a stream mode.
  std::string plaintext(ciphertext.size() + 16, '\0');
  auto* out = reinterpret_cast<unsigned char*>(plaintext.data());
  int written = 0;
  if (!ciphertext.empty()) {
    if (EVP_DecryptUpdate(ctx.get(), out, &len, Bytes(ciphertext), static_cast<int>(ciphertext.size())) != 1) {
      WipeSecret(plaintext);
      return InternalError("AES-256-GCM: decryption failed");
    }
    written = len;
  }
  if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, static_cast<int>(kAesGcmTagSize), tag.data()) != 1) {
    WipeSecret(plaintext);
    return InternalError("AES-256-GCM: setting the tag failed");
  }
  if (EVP_DecryptFinal_ex(ctx.get(), out + written, &len) != 1) {
    WipeSecret(plaintext);
    return DataLossError(
        "AES-256-GCM authentication failed: the key is wrong or the data was altered");
  }
  written += len;
  plaintext.resize(static_cast<size_t>(written));
  return plaintext;
}

void WipeSecret(std::string& s) {
  if (!s.empty()) {
    OPENSSL_cleanse(s.data(), s.size());
  }
  s.clear();
}

}  // namespace ionos
