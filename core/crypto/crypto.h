// Cryptography for the certificate manager, on OpenSSL 3.
//
// - RAII owners for every OpenSSL handle the core touches (no naked *_free calls elsewhere).
// - PrivateKey: account keys and certificate keys (RSA 2048/3072/4096, ECDSA P-256/P-384), PEM
//   (PKCS#8) round trip, JWK (RFC 7517/7518) and JWK thumbprints (RFC 7638), JWS signatures
//   (RFC 7515/7518) as ACME (RFC 8555 §6.2) needs them.
// - Hashes/MACs, the self-signed TLS certificate of the plugin's gRPC server, CA bundle parsing.
//
// Error messages never contain key material.
#pragma once

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/base/clock.h"
#include "core/base/status.h"

namespace ionos {

// ---------------------------------------------------------------- RAII for OpenSSL handles

namespace internal {
template <typename T, void (*F)(T*)>
struct OpenSslDeleter {
  void operator()(T* p) const {
    if (p != nullptr) {
      F(p);
    }
  }
};
void FreeBio(BIO* b);  // BIO_free returns int; adapt to void(*)(BIO*).
}  // namespace internal

using EvpPkeyPtr = std::unique_ptr<EVP_PKEY, internal::OpenSslDeleter<EVP_PKEY, EVP_PKEY_free>>;
using EvpPkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, internal::OpenSslDeleter<EVP_PKEY_CTX, EVP_PKEY_CTX_free>>;
using EvpMdCtxPtr = std::unique_ptr<EVP_MD_CTX, internal::OpenSslDeleter<EVP_MD_CTX, EVP_MD_CTX_free>>;
using X509Ptr = std::unique_ptr<X509, internal::OpenSslDeleter<X509, X509_free>>;
using X509ReqPtr = std::unique_ptr<X509_REQ, internal::OpenSslDeleter<X509_REQ, X509_REQ_free>>;
using X509StorePtr = std::unique_ptr<X509_STORE, internal::OpenSslDeleter<X509_STORE, X509_STORE_free>>;
using X509ExtensionPtr =
    std::unique_ptr<X509_EXTENSION, internal::OpenSslDeleter<X509_EXTENSION, X509_EXTENSION_free>>;
using X509NamePtr = std::unique_ptr<X509_NAME, internal::OpenSslDeleter<X509_NAME, X509_NAME_free>>;
using BioPtr = std::unique_ptr<BIO, internal::OpenSslDeleter<BIO, internal::FreeBio>>;
using BignumPtr = std::unique_ptr<BIGNUM, internal::OpenSslDeleter<BIGNUM, BN_free>>;
using EcdsaSigPtr = std::unique_ptr<ECDSA_SIG, internal::OpenSslDeleter<ECDSA_SIG, ECDSA_SIG_free>>;
using Asn1IntegerPtr = std::unique_ptr<ASN1_INTEGER, internal::OpenSslDeleter<ASN1_INTEGER, ASN1_INTEGER_free>>;

// The newest OpenSSL error of this thread as text (e.g. "error:...:bad decrypt"), and clears the
// queue. Returns `fallback` when the queue is empty.
std::string TakeOpenSslError(std::string_view fallback = "unknown OpenSSL error");

// ---------------------------------------------------------------- keys

enum class KeyAlgorithm { kRsa2048, kRsa3072, kRsa4096, kEcdsa256, kEcdsa384 };

// "rsa2048", "rsa3072", "rsa4096", "ecdsa256", "ecdsa384" (the Terraform attribute values).
Result<KeyAlgorithm> ParseKeyAlgorithm(std::string_view name);
const char* KeyAlgorithmName(KeyAlgorithm algorithm);

// An asymmetric private key. Movable, not copyable; owns its EVP_PKEY.
// Const methods are safe to call from several threads at once.
class PrivateKey {
 public:
  PrivateKey(PrivateKey&&) noexcept = default;
  PrivateKey& operator=(PrivateKey&&) noexcept = default;
  PrivateKey(const PrivateKey&) = delete;
  PrivateKey& operator=(const PrivateKey&) = delete;

  // A fresh key from OpenSSL's CSPRNG.
  static Result<PrivateKey> Generate(KeyAlgorithm algorithm);
  // PKCS#8 ("BEGIN PRIVATE KEY") or traditional ("BEGIN RSA/EC PRIVATE KEY") PEM, unencrypted.
  // Only the algorithms of KeyAlgorithm are accepted.
  static Result<PrivateKey> FromPem(std::string_view pem);

  // Unencrypted PKCS#8 PEM ("-----BEGIN PRIVATE KEY-----").
  Result<std::string> ToPem() const;

  KeyAlgorithm algorithm() const { return algorithm_; }

  // The public key as JWK (RFC 7517 §4, RFC 7518 §6.2.1/§6.3.1) with only the members RFC 7638
  // §3.2 requires, in lexicographic order: EC {crv,kty,x,y}, RSA {e,kty,n}.
  Result<nlohmann::json> PublicJwk() const;
  // RFC 7638 JWK thumbprint: base64url(SHA-256(canonical JWK)), as used in RFC 8555 §8.1.
  Result<std::string> JwkThumbprint() const;
  // JWS "alg" (RFC 7518 §3.1): "ES256" (P-256), "ES384" (P-384), "RS256" (every RSA size).
  const char* JwsAlgorithm() const;

  // Signs `data` for a JWS (RFC 7515 §5.1 step 5): ECDSA with SHA-256/384 returns the fixed-width
  // big-endian R || S of RFC 7518 §3.4 (64 or 96 bytes, NOT DER); RSA returns PKCS#1 v1.5 with
  // SHA-256 (RFC 7518 §3.3).
  Result<std::string> Sign(std::string_view data) const;

  // The DER SubjectPublicKeyInfo (RFC 5280 §4.1.2.7).
  Result<std::string> PublicKeyDer() const;

  // Borrowed handle for OpenSSL calls (CSR signing, TLS). Never null for a constructed key.
  EVP_PKEY* get() const { return pkey_.get(); }

 private:
  PrivateKey(EvpPkeyPtr pkey, KeyAlgorithm algorithm) : pkey_(std::move(pkey)), algorithm_(algorithm) {}
  EvpPkeyPtr pkey_;
  KeyAlgorithm algorithm_;
};

// RFC 7638 thumbprint of any public JWK: keeps only the required members (EC crv,kty,x,y;
// RSA e,kty,n; oct k,kty), serializes them in lexicographic order without whitespace, and
// returns base64url(SHA-256(...)).
Result<std::string> JwkThumbprint(const nlohmann::json& jwk);

// ---------------------------------------------------------------- hashes and MACs

// Raw 32-byte SHA-256 digest (FIPS 180-4).
std::string Sha256(std::string_view data);
// Raw 32-byte HMAC-SHA-256 (RFC 2104), as JWS "HS256" (RFC 7518 §3.2) uses it.
Result<std::string> HmacSha256(std::string_view key, std::string_view data);

// ---------------------------------------------------------------- certificates

struct SelfSignedCert {
  std::string key_pem;   // PKCS#8
  std::string cert_pem;
  std::string cert_der;
};

struct SelfSignedCertOptions {
  std::string common_name = "localhost";
  std::vector<std::string> dns_names = {"localhost"};
  std::vector<std::string> ip_addresses;  // textual IPv4/IPv6, e.g. "127.0.0.1"
  KeyAlgorithm key_algorithm = KeyAlgorithm::kEcdsa256;
  std::chrono::seconds backdate{30};
  std::chrono::seconds validity{std::chrono::hours(24 * 366)};
};

// A self-signed certificate that can serve TLS and act as its own trust anchor: SHA-256 signature,
// BasicConstraints CA:TRUE (critical), KeyUsage digitalSignature|keyEncipherment|keyAgreement|
// keyCertSign, ExtKeyUsage serverAuth+clientAuth, SAN from the options, subjectKeyIdentifier,
// random positive 127-bit serial, notBefore = now - backdate, notAfter = now + validity.
Result<SelfSignedCert> GenerateSelfSignedCert(const Clock& clock, const SelfSignedCertOptions& options);

// The plugin's gRPC server certificate (go-plugin AutoMTLS): EC P-256, CN=localhost,
// SAN DNS:localhost, valid from now-30s for about a year. Takes about a millisecond.
Result<SelfSignedCert> GenerateSelfSignedServerCert(const Clock& clock);

// Parses every "-----BEGIN CERTIFICATE-----" block of a PEM bundle. Fails (InvalidArgument) when
// there is none, when a block does not parse (the message names the block number), or when the
// bundle holds a block of another type (for instance a private key).
Result<std::vector<X509Ptr>> ParseCertificatesPem(std::string_view pem);
// ParseCertificatesPem() without keeping the result.
Status ValidateCaBundlePem(const std::string& pem);

// DER encoding of a certificate / PEM encoding of a certificate.
Result<std::string> CertificateToDer(X509* cert);
Result<std::string> CertificateToPem(X509* cert);

}  // namespace ionos
