#include "core/crypto/x509.h"

#include <openssl/asn1.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/obj_mac.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cctype>
#include <ctime>
#include <memory>
#include <set>

#include "core/base/encoding.h"
#include "core/base/strings.h"

namespace ionos {

namespace {

// RFC 5280 Appendix A: ub-common-name INTEGER ::= 64.
constexpr size_t kMaxCommonNameLength = 64;

void FreeOpenSslChars(char* p) { OPENSSL_free(p); }
void FreeOpenSslBytes(unsigned char* p) { OPENSSL_free(p); }
void FreeExtensionStack(STACK_OF(X509_EXTENSION) * s) { sk_X509_EXTENSION_pop_free(s, X509_EXTENSION_free); }

using GeneralNamesPtr = std::unique_ptr<GENERAL_NAMES, internal::OpenSslDeleter<GENERAL_NAMES, GENERAL_NAMES_free>>;
using ExtensionStackPtr =
    std::unique_ptr<STACK_OF(X509_EXTENSION), internal::OpenSslDeleter<STACK_OF(X509_EXTENSION), FreeExtensionStack>>;
using OpenSslCharsPtr = std::unique_ptr<char, internal::OpenSslDeleter<char, FreeOpenSslChars>>;
using OpenSslBytesPtr = std::unique_ptr<unsigned char, internal::OpenSslDeleter<unsigned char, FreeOpenSslBytes>>;

Status CheckName(const std::string& name) {
  if (name.empty()) {
    return InvalidArgumentError("empty DNS name");
  }
  for (char c : name) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f) {
      return InvalidArgumentError("\"" + name + "\" is not a valid DNS name (unexpected character)");
    }
  }
  return Status::Ok();
}

Status PushDnsName(GENERAL_NAMES* names, const std::string& dns) {
  ASN1_IA5STRING* ia5 = ASN1_IA5STRING_new();
  if (ia5 == nullptr || ASN1_STRING_set(ia5, dns.data(), static_cast<int>(dns.size())) != 1) {
    ASN1_IA5STRING_free(ia5);
    return InternalError("encoding DNS name: " + TakeOpenSslError());
  }
  GENERAL_NAME* gen = GENERAL_NAME_new();
  if (gen == nullptr) {
    ASN1_IA5STRING_free(ia5);
    return InternalError("GENERAL_NAME_new failed");
  }
  GENERAL_NAME_set0_value(gen, GEN_DNS, ia5);
  if (sk_GENERAL_NAME_push(names, gen) == 0) {
    GENERAL_NAME_free(gen);
    return InternalError("sk_GENERAL_NAME_push failed");
  }
  return Status::Ok();
}

Result<X509Ptr> FirstCertificate(std::string_view pem) {
  IONOS_ASSIGN_OR_RETURN(std::vector<X509Ptr> certs, ParseCertificatesPem(pem));
  return std::move(certs.front());
}

// The text of the first CN of `name` as UTF-8, or "" when there is none.
std::string CommonName(const X509_NAME* name) {
  if (name == nullptr) {
    return "";
  }
  const int index = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
  if (index < 0) {
    return "";
  }
  const X509_NAME_ENTRY* entry = X509_NAME_get_entry(name, index);
  const ASN1_STRING* data = entry != nullptr ? X509_NAME_ENTRY_get_data(entry) : nullptr;
  if (data == nullptr) {
    return "";
  }
  unsigned char* utf8 = nullptr;
  const int n = ASN1_STRING_to_UTF8(&utf8, data);
  OpenSslBytesPtr owner(utf8);
  if (n < 0 || utf8 == nullptr) {
    ERR_clear_error();
    return "";
  }
  return std::string(reinterpret_cast<const char*>(utf8), static_cast<size_t>(n));
}

Result<TimePoint> AsnTime(const ASN1_TIME* t, const char* what) {
  std::tm tm{};
  if (t == nullptr || ASN1_TIME_to_tm(t, &tm) != 1) {
    return InvalidArgumentError(std::string("the certificate's ") + what + " is not a valid time");
  }
  return TimePointFromTimeT(timegm(&tm));
}

// "rsa2048", "ecdsa256", "ed25519", ... for a public key.
std::string KeyType(EVP_PKEY* pkey) {
  if (pkey == nullptr) {
    return "unknown";
  }
  const int bits = EVP_PKEY_get_bits(pkey);
  switch (EVP_PKEY_get_base_id(pkey)) {
    case EVP_PKEY_RSA:
    case EVP_PKEY_RSA_PSS:
      return "rsa" + std::to_string(bits);
    case EVP_PKEY_EC:
      return "ecdsa" + std::to_string(bits);
    case EVP_PKEY_ED25519:
      return "ed25519";
    case EVP_PKEY_ED448:
      return "ed448";
    default:
      return "unknown";
  }
}

}  // namespace

Result<std::string> CreateCsrDer(const PrivateKey& key, const std::string& common_name,
                                 const std::vector<std::string>& dns_names) {
  // Every name once, the CN first; compared case-insensitively (DNS names are).
  std::vector<std::string> names;
  std::set<std::string> seen;
  auto add = [&](const std::string& name) -> Status {
    IONOS_RETURN_IF_ERROR(CheckName(name));
    if (seen.insert(AsciiLower(name)).second) {
      names.push_back(name);
    }
    return Status::Ok();
  };
  if (!common_name.empty()) {
    IONOS_RETURN_IF_ERROR_CTX(add(common_name), "certificate request");
  }
  for (const std::string& name : dns_names) {
    IONOS_RETURN_IF_ERROR_CTX(add(name), "certificate request");
  }
  if (names.empty()) {
    return InvalidArgumentError("certificate request: no DNS name given");
  }

  X509ReqPtr req(X509_REQ_new());
  if (!req || X509_REQ_set_version(req.get(), X509_REQ_VERSION_1) != 1) {
    return InternalError("X509_REQ_new failed: " + TakeOpenSslError());
  }
  if (!common_name.empty() && common_name.size() <= kMaxCommonNameLength) {
    X509_NAME* subject = X509_REQ_get_subject_name(req.get());
    if (X509_NAME_add_entry_by_NID(subject, NID_commonName, MBSTRING_UTF8,
                                   reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1, 0) != 1) {
      return InternalError("setting the request's subject: " + TakeOpenSslError());
    }
  }
  if (X509_REQ_set_pubkey(req.get(), key.get()) != 1) {
    return InternalError("setting the request's public key: " + TakeOpenSslError());
  }

  GeneralNamesPtr san(GENERAL_NAMES_new());
  if (!san) {
    return InternalError("GENERAL_NAMES_new failed");
  }
  for (const std::string& name : names) {
    IONOS_RETURN_IF_ERROR(PushDnsName(san.get(), name));
  }
  X509ExtensionPtr san_ext(X509V3_EXT_i2d(NID_subject_alt_name, 0, san.get()));
  ExtensionStackPtr extensions(sk_X509_EXTENSION_new_null());
  if (!san_ext || !extensions || sk_X509_EXTENSION_push(extensions.get(), san_ext.get()) == 0) {
    return InternalError("building the subjectAltName extension: " + TakeOpenSslError());
  }
  san_ext.release();  // owned by the stack now
  if (X509_REQ_add_extensions(req.get(), extensions.get()) != 1) {
    return InternalError("adding the request's extensions: " + TakeOpenSslError());
  }

  if (X509_REQ_sign(req.get(), key.get(), EVP_sha256()) <= 0) {
    return InternalError("signing the certificate request: " + TakeOpenSslError());
  }
  unsigned char* der = nullptr;
  const int n = i2d_X509_REQ(req.get(), &der);
  OpenSslBytesPtr der_owner(der);
  if (n <= 0 || der == nullptr) {
    return InternalError("encoding the certificate request: " + TakeOpenSslError());
  }
  return std::string(reinterpret_cast<const char*>(der), static_cast<size_t>(n));
}

Result<CertificateInfo> InspectCertificate(std::string_view leaf_pem) {
  IONOS_ASSIGN_OR_RETURN_CTX(X509Ptr cert, FirstCertificate(leaf_pem), "reading the certificate");
  CertificateInfo info;

  BignumPtr serial(ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert.get()), nullptr));
  if (!serial) {
    return InvalidArgumentError("the certificate's serial number is unreadable: " + TakeOpenSslError());
  }
  OpenSslCharsPtr hex(BN_bn2hex(serial.get()));
  if (!hex) {
    return InternalError("formatting the serial number: " + TakeOpenSslError());
  }
  // BN_bn2hex prints whole bytes without leading zero bytes; it only needs lower-casing.
  info.serial_number = AsciiLower(hex.get());
  {
    unsigned char* der = nullptr;
    const int len = i2d_ASN1_INTEGER(X509_get0_serialNumber(cert.get()), &der);
    if (len <= 2 || der == nullptr) {
      OPENSSL_free(der);
      return InvalidArgumentError("the certificate's serial number cannot be encoded: " + TakeOpenSslError());
    }
    // Tag 0x02, then a short or long form length, then the content octets.
    size_t header = 2;
    if (der[1] & 0x80) {
      header += der[1] & 0x7f;
    }
    if (header < static_cast<size_t>(len)) {
      info.serial_der.assign(reinterpret_cast<const char*>(der) + header, static_cast<size_t>(len) - header);
    }
    OPENSSL_free(der);
  }
  if (const ASN1_OCTET_STRING* aki = X509_get0_authority_key_id(cert.get()); aki != nullptr) {
    info.authority_key_id.assign(reinterpret_cast<const char*>(ASN1_STRING_get0_data(aki)),
                                 static_cast<size_t>(ASN1_STRING_length(aki)));
  }
  ERR_clear_error();

  IONOS_ASSIGN_OR_RETURN(info.not_before, AsnTime(X509_get0_notBefore(cert.get()), "notBefore"));
  IONOS_ASSIGN_OR_RETURN(info.not_after, AsnTime(X509_get0_notAfter(cert.get()), "notAfter"));

  GeneralNamesPtr san(
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert.get(), NID_subject_alt_name, nullptr, nullptr)));
  if (san) {
    for (int i = 0; i < sk_GENERAL_NAME_num(san.get()); ++i) {
      const GENERAL_NAME* gen = sk_GENERAL_NAME_value(san.get(), i);
      if (gen != nullptr && gen->type == GEN_DNS) {
        const ASN1_IA5STRING* dns = gen->d.dNSName;
        info.dns_names.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(dns)),
                                    static_cast<size_t>(ASN1_STRING_length(dns)));
      }
    }
  }
  ERR_clear_error();  // X509_get_ext_d2i leaves an entry when the extension is absent

  IONOS_ASSIGN_OR_RETURN(std::string der, CertificateToDer(cert.get()));
  info.fingerprint_sha256 = HexEncode(Sha256(der));
  info.key_type = KeyType(X509_get0_pubkey(cert.get()));
  info.subject_cn = CommonName(X509_get_subject_name(cert.get()));
  info.issuer_cn = CommonName(X509_get_issuer_name(cert.get()));
  return info;
}

Result<SplitChain> SplitPemChain(std::string_view pem_chain) {
  IONOS_ASSIGN_OR_RETURN_CTX(std::vector<X509Ptr> certs, ParseCertificatesPem(pem_chain),
                             "reading the certificate chain");
  SplitChain out;
  IONOS_ASSIGN_OR_RETURN(out.leaf_pem, CertificateToPem(certs.front().get()));
  for (size_t i = 1; i < certs.size(); ++i) {
    IONOS_ASSIGN_OR_RETURN(std::string pem, CertificateToPem(certs[i].get()));
    out.intermediates_pem += pem;
  }
  return out;
}

Status VerifyKeyMatchesCertificate(const PrivateKey& key, std::string_view leaf_pem) {
  IONOS_ASSIGN_OR_RETURN_CTX(X509Ptr cert, FirstCertificate(leaf_pem), "reading the certificate");
  EVP_PKEY* public_key = X509_get0_pubkey(cert.get());
  if (public_key == nullptr) {
    return InvalidArgumentError("the certificate's public key is unreadable: " + TakeOpenSslError());
  }
  if (EVP_PKEY_eq(public_key, key.get()) != 1) {
    ERR_clear_error();
    return FailedPreconditionError(std::string("the certificate's public key (") + KeyType(public_key) +
                                   ") does not belong to the private key (" + KeyAlgorithmName(key.algorithm()) +
                                   ")");
  }
  return Status::Ok();
}

}  // namespace ionos
