// libFuzzer target: PEM and certificate parsing (core/crypto.h, core/x509.h) — what the provider
// reads from the ACME CA (the issued chain), from configuration (ca_certificates_pem) and from its
// store (certificates and private keys).
//
// The whole input goes to ParseCertificatesPem, ValidateCaBundlePem, InspectCertificate,
// SplitPemChain and PrivateKey::FromPem. Checks, beyond "no crash, no sanitizer report":
//   * every failure is InvalidArgument (malformed input is never an internal error);
//   * the parsers agree: ValidateCaBundlePem, SplitPemChain and InspectCertificate succeed exactly
//     when ParseCertificatesPem does (InspectCertificate may still reject an unreadable time or
//     serial); the split leaf is the first certificate and re-inspects to the same fingerprint,
//     and the split keeps the number of certificates;
//   * a private key that parses re-encodes as PKCS#8 and parses back to the same public key, and
//     has a JWK thumbprint.
#include <openssl/err.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/crypto/crypto.h"
#include "core/crypto/x509.h"

namespace ionos {
namespace {

void Check(bool condition, const std::string& what) {
  if (!condition) {
    std::fprintf(stderr, "fuzz check failed: %s\n", what.c_str());
    std::abort();
  }
}

void CheckInvalidArgument(const Status& status, const char* what) {
  Check(status.ok() || status.code() == StatusCode::kInvalidArgument,
        std::string(what) + " failed with " + status.ToString());
}

size_t CountCertificates(std::string_view pem) {
  Result<std::vector<X509Ptr>> certs = ParseCertificatesPem(pem);
  return certs.ok() ? certs->size() : 0;
}

void FuzzCertificates(std::string_view input) {
  Result<std::vector<X509Ptr>> certs = ParseCertificatesPem(input);
  CheckInvalidArgument(certs.status(), "ParseCertificatesPem");
  const Status bundle = ValidateCaBundlePem(std::string(input));
  CheckInvalidArgument(bundle, "ValidateCaBundlePem");
  Check(bundle.ok() == certs.ok(), "ValidateCaBundlePem and ParseCertificatesPem disagree");

  Result<SplitChain> split = SplitPemChain(input);
  CheckInvalidArgument(split.status(), "SplitPemChain");
  Check(split.ok() == certs.ok(), "SplitPemChain and ParseCertificatesPem disagree");

  Result<CertificateInfo> info = InspectCertificate(input);
  CheckInvalidArgument(info.status(), "InspectCertificate");
  Check(certs.ok() || !info.ok(), "InspectCertificate accepted what ParseCertificatesPem rejects");

  if (split.ok()) {
    Check(CountCertificates(split->leaf_pem) == 1, "the split leaf is not one certificate");
    Check(1 + CountCertificates(split->intermediates_pem) == certs->size(), "the split lost or gained certificates");
    Result<std::string> first_pem = CertificateToPem(certs->front().get());
    Check(first_pem.ok() && *first_pem == split->leaf_pem, "the split leaf is not the first certificate");
    if (info.ok()) {
      Result<CertificateInfo> leaf_info = InspectCertificate(split->leaf_pem);
      Check(leaf_info.ok() && leaf_info->fingerprint_sha256 == info->fingerprint_sha256 &&
                leaf_info->not_after == info->not_after && leaf_info->dns_names == info->dns_names,
            "the re-encoded leaf inspects differently");
    }
  }
}

void FuzzPrivateKey(std::string_view input) {
  Result<PrivateKey> key = PrivateKey::FromPem(input);
  CheckInvalidArgument(key.status(), "PrivateKey::FromPem");
  if (!key.ok()) {
    return;
  }
  Result<std::string> pem = key->ToPem();
  Check(pem.ok(), "ToPem of a parsed key: " + pem.status().ToString());
  Result<PrivateKey> again = PrivateKey::FromPem(*pem);
  Check(again.ok(), "the PKCS#8 re-encoding does not parse: " + again.status().ToString());
  Check(again->algorithm() == key->algorithm(), "the re-encoded key changed its algorithm");
  Result<std::string> der = key->PublicKeyDer();
  Result<std::string> der_again = again->PublicKeyDer();
  Check(der.ok() && der_again.ok() && *der == *der_again, "the re-encoded key has another public key");
  Result<std::string> thumbprint = key->JwkThumbprint();
  Check(thumbprint.ok(), "JwkThumbprint of a parsed key: " + thumbprint.status().ToString());
  // The same text may also hold the key's certificate (a store entry, a combined PEM file).
  if (CountCertificates(input) > 0) {
    const Status match = VerifyKeyMatchesCertificate(*key, input);
    Check(match.ok() || match.code() == StatusCode::kFailedPrecondition ||
              match.code() == StatusCode::kInvalidArgument,
          "VerifyKeyMatchesCertificate: " + match.ToString());
  }
}

}  // namespace
}  // namespace ionos

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  ionos::FuzzCertificates(input);
  ionos::FuzzPrivateKey(input);
  ERR_clear_error();
  return 0;
}
