// X.509 helpers for issued certificates: the CSR sent to the ACME CA (RFC 8555 §7.4, RFC 2986),
// and reading back what the CA issued (RFC 5280).
//
// Contracts:
//   - CreateCsrDer() builds a PKCS#10 request (RFC 2986) signed with SHA-256 (ECDSA with SHA-256
//     or RSA PKCS#1 v1.5 with SHA-256, whatever the key is). It carries one subjectAltName
//     extension (RFC 5280 §4.2.1.6) listing every name: the common name first (when given), then
//     `dns_names`, de-duplicated case-insensitively, order kept. Wildcards ("*.example.com") are
//     allowed anywhere. The subject holds CN=<common_name> unless the common name is empty or
//     longer than 64 characters (ub-common-name, RFC 5280 Appendix A), in which case the subject is
//     empty and the name lives in the SAN only (RFC 8555 §7.4 lets CAs take names from the SAN).
//   - InspectCertificate() reads the first certificate of a PEM text; it never needs the key.
//   - SplitPemChain() splits "leaf, then intermediates" (application/pem-certificate-chain,
//     RFC 8555 §9.1) into the leaf and the rest, both re-encoded as canonical PEM.
//   - VerifyKeyMatchesCertificate() checks that the certificate's public key is the key's.
//   - Errors never contain key material. Malformed input is kInvalidArgument; a key that does not
//     match is kFailedPrecondition.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/base/clock.h"
#include "core/crypto/crypto.h"
#include "core/base/status.h"

namespace ionos {

// The DER encoding of a PKCS#10 certificate request for `key` (see the contract above).
// kInvalidArgument when there is no name at all or a name is empty.
Result<std::string> CreateCsrDer(const PrivateKey& key, const std::string& common_name,
                                 const std::vector<std::string>& dns_names);

// What the certificate manager needs to know about an issued certificate.
struct CertificateInfo {
  std::string serial_number;  // lower-case hex, no colons, no leading zero bytes
  TimePoint not_before{};
  TimePoint not_after{};
  std::vector<std::string> dns_names;  // subjectAltName dNSName entries, in certificate order
  std::string fingerprint_sha256;      // lower-case hex of SHA-256 over the DER encoding
  std::string key_type;                // "rsa2048", "rsa3072", "rsa4096", "ecdsa256", "ecdsa384", ...
  std::string subject_cn;              // "" when the subject has no CN
  std::string issuer_cn;
  // Raw bytes, for the ARI certID (RFC 9773 §4.1): the keyIdentifier of the Authority Key
  // Identifier extension ("" when absent), and the content octets of the DER serial number
  // INTEGER (with its leading 0x00 when the high bit is set).
  std::string authority_key_id;
  std::string serial_der;
};

// Reads the first certificate of `leaf_pem` (further certificates are ignored).
Result<CertificateInfo> InspectCertificate(std::string_view leaf_pem);

struct SplitChain {
  std::string leaf_pem;           // one certificate
  std::string intermediates_pem;  // zero or more certificates, in the order received
};

// Splits a PEM chain whose first certificate is the leaf. kInvalidArgument when the text holds no
// certificate or a block that is not one.
Result<SplitChain> SplitPemChain(std::string_view pem_chain);

// OK when the public key of the first certificate in `leaf_pem` belongs to `key`; otherwise
// kFailedPrecondition naming both key types (never the keys).
Status VerifyKeyMatchesCertificate(const PrivateKey& key, std::string_view leaf_pem);

}  // namespace ionos
