#include "core/crypto/crypto.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <ctime>

#include "core/base/encoding.h"

namespace ionos {

namespace internal {
void FreeBio(BIO* b) { BIO_free(b); }
}  // namespace internal

using GeneralNamesPtr =
    std::unique_ptr<GENERAL_NAMES, internal::OpenSslDeleter<GENERAL_NAMES, GENERAL_NAMES_free>>;

std::string TakeOpenSslError(std::string_view fallback) {
  unsigned long code = ERR_peek_last_error();
  ERR_clear_error();
  if (code == 0) {
    return std::string(fallback);
  }
  const char* lib = ERR_lib_error_string(code);
  const char* reason = ERR_reason_error_string(code);
  if (reason == nullptr) {
    char buf[256];
    ERR_error_string_n(code, buf, sizeof buf);
    return buf;
  }
  return lib != nullptr ? std::string(lib) + ": " + reason : std::string(reason);
}

namespace {

struct AlgorithmInfo {
  KeyAlgorithm algorithm;
  const char* name;
};

constexpr std::array<AlgorithmInfo, 5> kAlgorithms = {{
    {KeyAlgorithm::kRsa2048, "rsa2048"},
    {KeyAlgorithm::kRsa3072, "rsa3072"},
    {KeyAlgorithm::kRsa4096, "rsa4096"},
    {KeyAlgorithm::kEcdsa256, "ecdsa256"},
    {KeyAlgorithm::kEcdsa384, "ecdsa384"},
}};

bool IsEc(KeyAlgorithm a) { return a == KeyAlgorithm::kEcdsa256 || a == KeyAlgorithm::kEcdsa384; }

// Field size in bytes of the curve, the width of each of R and S in a JWS signature (RFC 7518 §3.4).
size_t EcCoordinateSize(KeyAlgorithm a) { return a == KeyAlgorithm::kEcdsa384 ? 48 : 32; }

const EVP_MD* DigestFor(KeyAlgorithm a) { return a == KeyAlgorithm::kEcdsa384 ? EVP_sha384() : EVP_sha256(); }

int RsaBits(KeyAlgorithm a) {
  switch (a) {
    case KeyAlgorithm::kRsa2048: return 2048;
    case KeyAlgorithm::kRsa3072: return 3072;
    case KeyAlgorithm::kRsa4096: return 4096;
    default: return 0;
  }
}

// Never prompt for a pass phrase: encrypted PEM simply fails to load.
int NoPassphrase(char*, int, int, void*) { return 0; }

BioPtr MemBio(std::string_view data) {
  return BioPtr(BIO_new_mem_buf(data.data(), static_cast<int>(data.size())));
}

std::string BioContents(BIO* bio) {
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  if (n <= 0 || data == nullptr) {
    return std::string();
  }
  return std::string(data, static_cast<size_t>(n));
}

Result<std::string> BnToPaddedBytes(const BIGNUM* bn, size_t width) {
  std::string out(width, '\0');
  if (BN_bn2binpad(bn, reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(width)) < 0) {
    return InternalError("number does not fit into " + std::to_string(width) + " bytes");
  }
  return out;
}

std::string BnToBytes(const BIGNUM* bn) {
  std::string out(static_cast<size_t>(BN_num_bytes(bn)), '\0');
  BN_bn2bin(bn, reinterpret_cast<unsigned char*>(out.data()));
  return out;
}

Result<BignumPtr> GetBnParam(EVP_PKEY* pkey, const char* name) {
  BIGNUM* bn = nullptr;
  if (EVP_PKEY_get_bn_param(pkey, name, &bn) != 1 || bn == nullptr) {
    return InternalError(std::string("reading key parameter ") + name + ": " + TakeOpenSslError());
  }
  return BignumPtr(bn);
}

Result<KeyAlgorithm> DetectAlgorithm(EVP_PKEY* pkey) {
  const int id = EVP_PKEY_get_base_id(pkey);
  if (id == EVP_PKEY_RSA) {
    switch (EVP_PKEY_get_bits(pkey)) {
      case 2048: return KeyAlgorithm::kRsa2048;
      case 3072: return KeyAlgorithm::kRsa3072;
      case 4096: return KeyAlgorithm::kRsa4096;
      default:
        return InvalidArgumentError("unsupported RSA key size " + std::to_string(EVP_PKEY_get_bits(pkey)) +
                                    " bits (supported: 2048, 3072, 4096)");
    }
  }
  if (id == EVP_PKEY_EC) {
    char group[80] = {0};
    size_t len = 0;
    if (EVP_PKEY_get_group_name(pkey, group, sizeof group, &len) != 1) {
      return InvalidArgumentError("EC key without a named curve");
    }
    const std::string_view g(group, len);
    if (g == "prime256v1" || g == "P-256" || g == "secp256r1") {
      return KeyAlgorithm::kEcdsa256;
    }
    if (g == "secp384r1" || g == "P-384") {
      return KeyAlgorithm::kEcdsa384;
    }
    return InvalidArgumentError("unsupported EC curve " + std::string(g) + " (supported: P-256, P-384)");
  }
  return InvalidArgumentError("unsupported key type (supported: RSA, ECDSA P-256/P-384)");
}

}  // namespace

Result<KeyAlgorithm> ParseKeyAlgorithm(std::string_view name) {
  for (const auto& a : kAlgorithms) {
    if (name == a.name) {
      return a.algorithm;
    }
  }
  std::string expected;
  for (const auto& a : kAlgorithms) {
    expected += (expected.empty() ? "" : ", ") + std::string(a.name);
  }
  return InvalidArgumentError("unknown key algorithm \"" + std::string(name) + "\" (expected one of " + expected + ")");
}

const char* KeyAlgorithmName(KeyAlgorithm algorithm) {
  for (const auto& a : kAlgorithms) {
    if (a.algorithm == algorithm) {
      return a.name;
    }
  }
  return "unknown";
}

// ---------------------------------------------------------------- PrivateKey

Result<PrivateKey> PrivateKey::Generate(KeyAlgorithm algorithm) {
  EVP_PKEY* raw = nullptr;
  if (IsEc(algorithm)) {
    const char* curve = algorithm == KeyAlgorithm::kEcdsa384 ? "P-384" : "P-256";
    raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", curve);
  } else {
    raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(RsaBits(algorithm)));
  }
  if (raw == nullptr) {
    return InternalError(std::string("generating ") + KeyAlgorithmName(algorithm) + " key: " + TakeOpenSslError());
  }
  return PrivateKey(EvpPkeyPtr(raw), algorithm);
}

Result<PrivateKey> PrivateKey::FromPem(std::string_view pem) {
  if (pem.find("-----BEGIN") == std::string_view::npos) {
    return InvalidArgumentError("private key is not PEM (no -----BEGIN line)");
  }
  if (pem.find("ENCRYPTED") != std::string_view::npos) {
    return InvalidArgumentError("encrypted private keys are not supported");
  }
  BioPtr bio = MemBio(pem);
  if (!bio) {
    return InternalError("BIO_new_mem_buf failed");
  }
  EvpPkeyPtr decoded(PEM_read_bio_PrivateKey(bio.get(), nullptr, NoPassphrase, nullptr));
  if (!decoded) {
    return InvalidArgumentError("private key PEM does not parse: " + TakeOpenSslError());
  }
  // The key is kept as decoded from its own PKCS#8 encoding. Some inputs (a key after a damaged
  // PEM block, found by fuzz_pem_certificate) decode through OpenSSL's legacy decoders into a key
  // object whose public parameters cannot be read (EVP_PKEY_get_bn_param "qx" fails, so it has no
  // JWK), while its PKCS#8 re-encoding decodes into an ordinary one.
  BioPtr pkcs8(BIO_new(BIO_s_mem()));
  if (!pkcs8 ||
      PEM_write_bio_PKCS8PrivateKey(pkcs8.get(), decoded.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return InvalidArgumentError("private key cannot be encoded as PKCS#8: " + TakeOpenSslError());
  }
  EvpPkeyPtr pkey(PEM_read_bio_PrivateKey(pkcs8.get(), nullptr, NoPassphrase, nullptr));
  if (!pkey) {
    return InvalidArgumentError("private key does not parse again from PKCS#8: " + TakeOpenSslError());
  }
  IONOS_ASSIGN_OR_RETURN(KeyAlgorithm algorithm, DetectAlgorithm(pkey.get()));
  return PrivateKey(std::move(pkey), algorithm);
}

Result<std::string> PrivateKey::ToPem() const {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PKCS8PrivateKey(bio.get(), pkey_.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return InternalError("encoding private key as PKCS#8 PEM: " + TakeOpenSslError());
  }
  return BioContents(bio.get());
}

Result<std::string> PrivateKey::PublicKeyDer() const {
  unsigned char* der = nullptr;
  int n = i2d_PUBKEY(pkey_.get(), &der);
  if (n <= 0 || der == nullptr) {
    return InternalError("encoding public key: " + TakeOpenSslError());
  }
  std::string out(reinterpret_cast<char*>(der), static_cast<size_t>(n));
  OPENSSL_free(der);
  return out;
}

Result<nlohmann::json> PrivateKey::PublicJwk() const {
  // nlohmann::json objects are std::map-backed, so members come out in lexicographic order,
  // which is exactly the RFC 7638 §3.3 canonical form when dumped without whitespace.
  nlohmann::json jwk = nlohmann::json::object();
  if (IsEc(algorithm_)) {
    IONOS_ASSIGN_OR_RETURN(BignumPtr x, GetBnParam(pkey_.get(), OSSL_PKEY_PARAM_EC_PUB_X));
    IONOS_ASSIGN_OR_RETURN(BignumPtr y, GetBnParam(pkey_.get(), OSSL_PKEY_PARAM_EC_PUB_Y));
    const size_t width = EcCoordinateSize(algorithm_);
    IONOS_ASSIGN_OR_RETURN(std::string xb, BnToPaddedBytes(x.get(), width));
    IONOS_ASSIGN_OR_RETURN(std::string yb, BnToPaddedBytes(y.get(), width));
    jwk["crv"] = algorithm_ == KeyAlgorithm::kEcdsa384 ? "P-384" : "P-256";
    jwk["kty"] = "EC";
    jwk["x"] = Base64UrlEncode(xb);
    jwk["y"] = Base64UrlEncode(yb);
  } else {
    IONOS_ASSIGN_OR_RETURN(BignumPtr n, GetBnParam(pkey_.get(), OSSL_PKEY_PARAM_RSA_N));
    IONOS_ASSIGN_OR_RETURN(BignumPtr e, GetBnParam(pkey_.get(), OSSL_PKEY_PARAM_RSA_E));
    jwk["e"] = Base64UrlEncode(BnToBytes(e.get()));
    jwk["kty"] = "RSA";
    jwk["n"] = Base64UrlEncode(BnToBytes(n.get()));
  }
  return jwk;
}

Result<std::string> PrivateKey::JwkThumbprint() const {
  IONOS_ASSIGN_OR_RETURN(nlohmann::json jwk, PublicJwk());
  return ::ionos::JwkThumbprint(jwk);
}

Result<std::string> JwkThumbprint(const nlohmann::json& jwk) {
  if (!jwk.is_object() || !jwk.contains("kty") || !jwk["kty"].is_string()) {
    return InvalidArgumentError("JWK thumbprint: not a JWK (no \"kty\")");
  }
  const std::string kty = jwk["kty"].get<std::string>();
  std::vector<const char*> members;
  if (kty == "EC") {
    members = {"crv", "kty", "x", "y"};
  } else if (kty == "RSA") {
    members = {"e", "kty", "n"};
  } else if (kty == "oct") {
    members = {"k", "kty"};
  } else {
    return InvalidArgumentError("JWK thumbprint: unsupported kty \"" + kty + "\"");
  }
  // RFC 7638 §3.3: required members only, lexicographic order, no whitespace. nlohmann::json
  // objects keep their members sorted, so dump() is the canonical form.
  nlohmann::json canonical = nlohmann::json::object();
  for (const char* m : members) {
    auto it = jwk.find(m);
    if (it == jwk.end() || !it->is_string()) {
      return InvalidArgumentError(std::string("JWK thumbprint: missing member \"") + m + "\"");
    }
    canonical[m] = *it;
  }
  return Base64UrlEncode(Sha256(canonical.dump()));
}

const char* PrivateKey::JwsAlgorithm() const {
  switch (algorithm_) {
    case KeyAlgorithm::kEcdsa256: return "ES256";
    case KeyAlgorithm::kEcdsa384: return "ES384";
    default: return "RS256";
  }
}

Result<std::string> PrivateKey::Sign(std::string_view data) const {
  EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, DigestFor(algorithm_), nullptr, pkey_.get()) != 1) {
    return InternalError("initialising signature: " + TakeOpenSslError());
  }
  const auto* in = reinterpret_cast<const unsigned char*>(data.data());
  size_t len = 0;
  if (EVP_DigestSign(ctx.get(), nullptr, &len, in, data.size()) != 1) {
    return InternalError("signing: " + TakeOpenSslError());
  }
  std::string sig(len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len, in, data.size()) != 1) {
    return InternalError("signing: " + TakeOpenSslError());
  }
  sig.resize(len);
  if (!IsEc(algorithm_)) {
    return sig;
  }
  // OpenSSL produces an ASN.1 DER Ecdsa-Sig-Value; JWS wants R || S (RFC 7518 §3.4).
  const auto* p = reinterpret_cast<const unsigned char*>(sig.data());
  EcdsaSigPtr ecdsa(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(sig.size())));
  if (!ecdsa) {
    return InternalError("decoding ECDSA signature: " + TakeOpenSslError());
  }
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(ecdsa.get(), &r, &s);
  const size_t width = EcCoordinateSize(algorithm_);
  IONOS_ASSIGN_OR_RETURN(std::string rb, BnToPaddedBytes(r, width));
  IONOS_ASSIGN_OR_RETURN(std::string sb, BnToPaddedBytes(s, width));
  return rb + sb;
}

// ---------------------------------------------------------------- hashes

std::string Sha256(std::string_view data) {
  std::string out(32, '\0');
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), reinterpret_cast<unsigned char*>(out.data()), &len, EVP_sha256(), nullptr);
  return out;
}

Result<std::string> HmacSha256(std::string_view key, std::string_view data) {
  std::string out(32, '\0');
  size_t len = 0;
  // EVP_Q_mac rejects a NULL key pointer even for length 0.
  static const unsigned char kEmpty = 0;
  const void* k = key.empty() ? static_cast<const void*>(&kEmpty) : key.data();
  if (EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, k, key.size(),
                reinterpret_cast<const unsigned char*>(data.data()), data.size(),
                reinterpret_cast<unsigned char*>(out.data()), out.size(), &len) == nullptr ||
      len != 32) {
    return InternalError("HMAC-SHA256: " + TakeOpenSslError());
  }
  return out;
}

// ---------------------------------------------------------------- certificates

namespace {

Status AddExtension(X509* cert, X509V3_CTX* ctx, int nid, const char* value) {
  X509ExtensionPtr ext(X509V3_EXT_conf_nid(nullptr, ctx, nid, value));
  if (!ext || X509_add_ext(cert, ext.get(), -1) != 1) {
    return InternalError(std::string("adding certificate extension ") + OBJ_nid2sn(nid) + ": " + TakeOpenSslError());
  }
  return Status::Ok();
}

Status AddSubjectAltNames(X509* cert, const std::vector<std::string>& dns_names,
                          const std::vector<std::string>& ips) {
  if (dns_names.empty() && ips.empty()) {
    return Status::Ok();
  }
  GeneralNamesPtr names(GENERAL_NAMES_new());
  if (!names) {
    return InternalError("GENERAL_NAMES_new failed");
  }
  for (const auto& dns : dns_names) {
    ASN1_IA5STRING* ia5 = ASN1_IA5STRING_new();
    if (ia5 == nullptr || ASN1_STRING_set(ia5, dns.data(), static_cast<int>(dns.size())) != 1) {
      ASN1_IA5STRING_free(ia5);
      return InternalError("encoding DNS name");
    }
    GENERAL_NAME* gen = GENERAL_NAME_new();
    if (gen == nullptr) {
      ASN1_IA5STRING_free(ia5);
      return InternalError("GENERAL_NAME_new failed");
    }
    GENERAL_NAME_set0_value(gen, GEN_DNS, ia5);
    if (sk_GENERAL_NAME_push(names.get(), gen) == 0) {
      GENERAL_NAME_free(gen);
      return InternalError("sk_GENERAL_NAME_push failed");
    }
  }
  for (const auto& ip : ips) {
    ASN1_OCTET_STRING* octets = a2i_IPADDRESS(ip.c_str());
    if (octets == nullptr) {
      ERR_clear_error();
      return InvalidArgumentError("\"" + ip + "\" is not an IP address");
    }
    GENERAL_NAME* gen = GENERAL_NAME_new();
    if (gen == nullptr) {
      ASN1_OCTET_STRING_free(octets);
      return InternalError("GENERAL_NAME_new failed");
    }
    GENERAL_NAME_set0_value(gen, GEN_IPADD, octets);
    if (sk_GENERAL_NAME_push(names.get(), gen) == 0) {
      GENERAL_NAME_free(gen);
      return InternalError("sk_GENERAL_NAME_push failed");
    }
  }
  if (X509_add1_ext_i2d(cert, NID_subject_alt_name, names.get(), 0, X509V3_ADD_DEFAULT) != 1) {
    return InternalError("adding subjectAltName: " + TakeOpenSslError());
  }
  return Status::Ok();
}

}  // namespace

Result<std::string> CertificateToDer(X509* cert) {
  unsigned char* der = nullptr;
  int n = i2d_X509(cert, &der);
  if (n <= 0 || der == nullptr) {
    return InternalError("encoding certificate as DER: " + TakeOpenSslError());
  }
  std::string out(reinterpret_cast<char*>(der), static_cast<size_t>(n));
  OPENSSL_free(der);
  return out;
}

Result<std::string> CertificateToPem(X509* cert) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_X509(bio.get(), cert) != 1) {
    return InternalError("encoding certificate as PEM: " + TakeOpenSslError());
  }
  return BioContents(bio.get());
}

Result<SelfSignedCert> GenerateSelfSignedCert(const Clock& clock, const SelfSignedCertOptions& options) {
  IONOS_ASSIGN_OR_RETURN(PrivateKey key, PrivateKey::Generate(options.key_algorithm));
  X509Ptr cert(X509_new());
  if (!cert || X509_set_version(cert.get(), X509_VERSION_3) != 1) {
    return InternalError("X509_new failed");
  }

  // Random positive serial (RFC 5280 §4.1.2.2: at most 20 octets, positive): 127 bits, top bit
  // of the first byte cleared and the next one set so the DER length is always 16 bytes.
  unsigned char serial_bytes[16];
  if (RAND_bytes(serial_bytes, sizeof serial_bytes) != 1) {
    return InternalError("RAND_bytes failed");
  }
  serial_bytes[0] = static_cast<unsigned char>((serial_bytes[0] & 0x7f) | 0x40);
  BignumPtr serial(BN_bin2bn(serial_bytes, sizeof serial_bytes, nullptr));
  if (!serial || BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert.get())) == nullptr) {
    return InternalError("setting serial number: " + TakeOpenSslError());
  }

  const TimePoint now = clock.Now();
  const std::time_t not_before = std::chrono::system_clock::to_time_t(now - options.backdate);
  const std::time_t not_after = std::chrono::system_clock::to_time_t(now + options.validity);
  if (ASN1_TIME_set(X509_getm_notBefore(cert.get()), not_before) == nullptr ||
      ASN1_TIME_set(X509_getm_notAfter(cert.get()), not_after) == nullptr) {
    return InternalError("setting validity: " + TakeOpenSslError());
  }

  X509_NAME* name = X509_get_subject_name(cert.get());
  if (X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>(options.common_name.c_str()), -1, -1,
                                 0) != 1 ||
      X509_set_issuer_name(cert.get(), name) != 1) {
    return InternalError("setting subject: " + TakeOpenSslError());
  }
  if (X509_set_pubkey(cert.get(), key.get()) != 1) {
    return InternalError("setting public key: " + TakeOpenSslError());
  }

  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert.get(), cert.get(), nullptr, nullptr, 0);
  IONOS_RETURN_IF_ERROR(AddExtension(cert.get(), &ctx, NID_basic_constraints, "critical,CA:TRUE"));
  IONOS_RETURN_IF_ERROR(AddExtension(cert.get(), &ctx, NID_key_usage,
                                     "critical,digitalSignature,keyEncipherment,keyAgreement,keyCertSign"));
  IONOS_RETURN_IF_ERROR(AddExtension(cert.get(), &ctx, NID_ext_key_usage, "serverAuth,clientAuth"));
  IONOS_RETURN_IF_ERROR(AddExtension(cert.get(), &ctx, NID_subject_key_identifier, "hash"));
  IONOS_RETURN_IF_ERROR(AddSubjectAltNames(cert.get(), options.dns_names, options.ip_addresses));

  if (X509_sign(cert.get(), key.get(), EVP_sha256()) <= 0) {
    return InternalError("signing certificate: " + TakeOpenSslError());
  }

  SelfSignedCert out;
  IONOS_ASSIGN_OR_RETURN(out.key_pem, key.ToPem());
  IONOS_ASSIGN_OR_RETURN(out.cert_pem, CertificateToPem(cert.get()));
  IONOS_ASSIGN_OR_RETURN(out.cert_der, CertificateToDer(cert.get()));
  return out;
}

Result<SelfSignedCert> GenerateSelfSignedServerCert(const Clock& clock) {
  return GenerateSelfSignedCert(clock, SelfSignedCertOptions{});
}

Result<std::vector<X509Ptr>> ParseCertificatesPem(std::string_view pem) {
  static constexpr std::string_view kBegin = "-----BEGIN ";
  static constexpr std::string_view kDashes = "-----";
  std::vector<X509Ptr> certs;
  size_t pos = 0;
  int block = 0;
  while (true) {
    const size_t begin = pem.find(kBegin, pos);
    if (begin == std::string_view::npos) {
      break;
    }
    ++block;
    const size_t line = 1 + static_cast<size_t>(std::count(pem.begin(), pem.begin() + static_cast<long>(begin), '\n'));
    const std::string where = "PEM block " + std::to_string(block) + " (line " + std::to_string(line) + ")";
    const size_t type_start = begin + kBegin.size();
    const size_t type_end = pem.find(kDashes, type_start);
    if (type_end == std::string_view::npos || pem.substr(type_start, type_end - type_start).find('\n') !=
                                                  std::string_view::npos) {
      return InvalidArgumentError(where + " has a malformed BEGIN line");
    }
    const std::string type(pem.substr(type_start, type_end - type_start));
    const std::string end_marker = "-----END " + type + "-----";
    const size_t end = pem.find(end_marker, type_end);
    if (end == std::string_view::npos) {
      return InvalidArgumentError(where + " (" + type + ") has no \"" + end_marker + "\" line");
    }
    pos = end + end_marker.size();
    if (type != "CERTIFICATE" && type != "TRUSTED CERTIFICATE") {
      return InvalidArgumentError(where + " is a " + type + ", not a CERTIFICATE");
    }
    BioPtr bio = MemBio(pem.substr(begin, pos - begin));
    X509* x = type == "CERTIFICATE" ? PEM_read_bio_X509(bio.get(), nullptr, NoPassphrase, nullptr)
                                    : PEM_read_bio_X509_AUX(bio.get(), nullptr, NoPassphrase, nullptr);
    if (x == nullptr) {
      return InvalidArgumentError(where + " is not a valid certificate: " + TakeOpenSslError());
    }
    certs.emplace_back(x);
  }
  if (certs.empty()) {
    return InvalidArgumentError("no PEM certificate found (expected \"-----BEGIN CERTIFICATE-----\")");
  }
  return certs;
}

Status ValidateCaBundlePem(const std::string& pem) { return ParseCertificatesPem(pem).status(); }

}  // namespace ionos
