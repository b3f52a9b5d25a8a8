// Tests for core/x509: CSR contents, certificate inspection, chain splitting, key matching.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/obj_mac.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include "core/base/clock.h"
#include "core/crypto/crypto.h"
#include "core/base/encoding.h"
#include "core/crypto/x509.h"

namespace ionos {
namespace {

using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
using ::testing::Not;

// ---------------------------------------------------------------- helpers (independent of x509.cc)

struct DecodedCsr {
  std::string common_name;
  bool has_common_name = false;
  std::vector<std::string> dns_names;
  int signature_nid = 0;
  bool signature_ok = false;
  EvpPkeyPtr public_key;
};

DecodedCsr DecodeCsr(const std::string& der) {
  DecodedCsr out;
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  X509ReqPtr req(d2i_X509_REQ(nullptr, &p, static_cast<long>(der.size())));
  if (!req) {
    ADD_FAILURE() << "CSR does not parse";
    return out;
  }
  EVP_PKEY* pub = X509_REQ_get0_pubkey(req.get());
  out.signature_ok = X509_REQ_verify(req.get(), pub) == 1;
  out.signature_nid = X509_REQ_get_signature_nid(req.get());
  EVP_PKEY_up_ref(pub);
  out.public_key.reset(pub);
  const X509_NAME* subject = X509_REQ_get_subject_name(req.get());
  const int cn = X509_NAME_get_index_by_NID(subject, NID_commonName, -1);
  if (cn >= 0) {
    out.has_common_name = true;
    const ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, cn));
    out.common_name.assign(reinterpret_cast<const char*>(ASN1_STRING_get0_data(data)),
                           static_cast<size_t>(ASN1_STRING_length(data)));
  }
  STACK_OF(X509_EXTENSION)* extensions = X509_REQ_get_extensions(req.get());
  for (int i = 0; extensions != nullptr && i < sk_X509_EXTENSION_num(extensions); ++i) {
    X509_EXTENSION* ext = sk_X509_EXTENSION_value(extensions, i);
    if (OBJ_obj2nid(X509_EXTENSION_get_object(ext)) != NID_subject_alt_name) {
      continue;
    }
    auto* names = static_cast<GENERAL_NAMES*>(X509V3_EXT_d2i(ext));
    for (int j = 0; names != nullptr && j < sk_GENERAL_NAME_num(names); ++j) {
      const GENERAL_NAME* gen = sk_GENERAL_NAME_value(names, j);
      if (gen->type == GEN_DNS) {
        out.dns_names.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(gen->d.dNSName)),
                                   static_cast<size_t>(ASN1_STRING_length(gen->d.dNSName)));
      }
    }
    GENERAL_NAMES_free(names);
  }
  sk_X509_EXTENSION_pop_free(extensions, X509_EXTENSION_free);
  return out;
}

// A minimal certificate with a chosen serial number, self-signed by `key`.
std::string CertWithSerial(const PrivateKey& key, uint64_t serial) {
  X509Ptr cert(X509_new());
  X509_set_version(cert.get(), X509_VERSION_3);
  ASN1_INTEGER_set_uint64(X509_get_serialNumber(cert.get()), serial);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), 0);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 3600);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>("serial test"), -1,
                             -1, 0);
  X509_set_issuer_name(cert.get(), name);
  X509_set_pubkey(cert.get(), key.get());
  X509_sign(cert.get(), key.get(), EVP_sha256());
  return CertificateToPem(cert.get()).value();
}

SelfSignedCert MakeCert(const std::string& cn, std::vector<std::string> names,
                        KeyAlgorithm algorithm = KeyAlgorithm::kEcdsa256) {
  SystemClock clock;
  SelfSignedCertOptions options;
  options.common_name = cn;
  options.dns_names = std::move(names);
  options.key_algorithm = algorithm;
  return GenerateSelfSignedCert(clock, options).value();
}

// ---------------------------------------------------------------- CreateCsrDer

struct CsrCase {
  std::string name;
  std::string common_name;
  std::vector<std::string> sans;
  KeyAlgorithm algorithm;
  bool want_cn;
  std::vector<std::string> want_dns_names;
};

void PrintTo(const CsrCase& c, std::ostream* os) { *os << c.name; }

class X509CsrTest : public ::testing::TestWithParam<CsrCase> {};

TEST_P(X509CsrTest, Contents) {
  const CsrCase& c = GetParam();
  PrivateKey key = PrivateKey::Generate(c.algorithm).value();
  Result<std::string> der = CreateCsrDer(key, c.common_name, c.sans);
  ASSERT_TRUE(der.ok()) << der.status().ToString();
  DecodedCsr csr = DecodeCsr(*der);
  EXPECT_TRUE(csr.signature_ok);
  const bool rsa = c.algorithm == KeyAlgorithm::kRsa2048 || c.algorithm == KeyAlgorithm::kRsa3072 ||
                   c.algorithm == KeyAlgorithm::kRsa4096;
  EXPECT_EQ(csr.signature_nid, rsa ? NID_sha256WithRSAEncryption : NID_ecdsa_with_SHA256);
  EXPECT_EQ(csr.has_common_name, c.want_cn);
  if (c.want_cn) {
    EXPECT_EQ(csr.common_name, c.common_name);
  }
  EXPECT_THAT(csr.dns_names, ElementsAreArray(c.want_dns_names));
  ASSERT_NE(csr.public_key, nullptr);
  EXPECT_EQ(EVP_PKEY_eq(csr.public_key.get(), key.get()), 1);
}

const std::string k64 = std::string(64 - std::string(".example.com").size(), 'a') + ".example.com";
const std::string k65 = std::string(65 - std::string(".example.com").size(), 'b') + ".example.com";

INSTANTIATE_TEST_SUITE_P(
    Cases, X509CsrTest,
    ::testing::Values(
        CsrCase{"single_name", "www.example.com", {}, KeyAlgorithm::kEcdsa256, true, {"www.example.com"}},
        CsrCase{"cn_repeated_in_sans",
                "www.example.com",
                {"example.com", "www.example.com", "api.example.com"},
                KeyAlgorithm::kEcdsa384,
                true,
                {"www.example.com", "example.com", "api.example.com"}},
        CsrCase{"wildcard_cn",
                "*.example.com",
                {"example.com"},
                KeyAlgorithm::kRsa2048,
                true,
                {"*.example.com", "example.com"}},
        CsrCase{"case_insensitive_duplicates",
                "www.example.com",
                {"WWW.EXAMPLE.COM", "Example.com", "example.com"},
                KeyAlgorithm::kEcdsa256,
                true,
                {"www.example.com", "Example.com"}},
        CsrCase{"cn_of_64_chars_kept", k64, {}, KeyAlgorithm::kEcdsa256, true, {k64}},
        CsrCase{"cn_over_64_chars_left_out", k65, {"example.com"}, KeyAlgorithm::kEcdsa256, false,
                {k65, "example.com"}},
        CsrCase{"no_cn_sans_only", "", {"a.example.com", "b.example.com"}, KeyAlgorithm::kEcdsa256, false,
                {"a.example.com", "b.example.com"}}),
    [](const ::testing::TestParamInfo<CsrCase>& info) { return info.param.name; });

TEST(X509CsrErrorsTest, RejectsMissingOrEmptyNames) {
  PrivateKey key = PrivateKey::Generate(KeyAlgorithm::kEcdsa256).value();
  struct Case {
    std::string name;
    std::string cn;
    std::vector<std::string> sans;
    std::string message;
  };
  for (const Case& c : {Case{"nothing", "", {}, "no DNS name given"},
                        Case{"empty_san", "www.example.com", {""}, "empty DNS name"},
                        Case{"space", "www example.com", {}, "is not a valid DNS name"}}) {
    SCOPED_TRACE(c.name);
    Result<std::string> der = CreateCsrDer(key, c.cn, c.sans);
    ASSERT_FALSE(der.ok());
    EXPECT_EQ(der.status().code(), StatusCode::kInvalidArgument);
    EXPECT_THAT(der.status().message(), HasSubstr(c.message));
  }
}

// ---------------------------------------------------------------- InspectCertificate

TEST(X509InspectTest, ReadsEveryField) {
  SystemClock clock;
  SelfSignedCertOptions options;
  options.common_name = "www.example.com";
  options.dns_names = {"www.example.com", "*.example.com", "example.com"};
  options.backdate = std::chrono::seconds(60);
  options.validity = std::chrono::hours(24 * 90);
  const TimePoint before = std::chrono::time_point_cast<std::chrono::seconds>(clock.Now());
  SelfSignedCert cert = GenerateSelfSignedCert(clock, options).value();
  Result<CertificateInfo> info = InspectCertificate(cert.cert_pem);
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_THAT(info->dns_names, ElementsAreArray(options.dns_names));
  EXPECT_EQ(info->subject_cn, "www.example.com");
  EXPECT_EQ(info->issuer_cn, "www.example.com");
  EXPECT_EQ(info->key_type, "ecdsa256");
  EXPECT_EQ(info->fingerprint_sha256, HexEncode(Sha256(cert.cert_der)));
  EXPECT_EQ(info->fingerprint_sha256.size(), 64u);
  EXPECT_NEAR(std::chrono::duration_cast<std::chrono::seconds>(info->not_before - before).count(), -60, 2);
  EXPECT_NEAR(std::chrono::duration_cast<std::chrono::seconds>(info->not_after - info->not_before).count(),
              90 * 24 * 3600 + 60, 2);
  // 127-bit random serial: 16 bytes, no leading zero byte, lower case.
  EXPECT_EQ(info->serial_number.size(), 32u);
  EXPECT_EQ(info->serial_number.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_NE(info->serial_number.substr(0, 2), "00");
}

// RFC 5280 §4.1.2.5: notAfter 99991231235959Z means "no well-defined expiration date". Found by
// fuzz_pem_certificate: reading it overflowed TimePoint (undefined behaviour); it is clamped now.
TEST(X509InspectTest, NotAfterInTheYear9999IsClamped) {
  const PrivateKey key = PrivateKey::Generate(KeyAlgorithm::kEcdsa256).value();
  X509Ptr cert(X509_new());
  X509_set_version(cert.get(), X509_VERSION_3);
  ASN1_INTEGER_set_uint64(X509_get_serialNumber(cert.get()), 9999);
  ASSERT_EQ(ASN1_TIME_set_string(X509_getm_notBefore(cert.get()), "20260101000000Z"), 1);
  ASSERT_EQ(ASN1_TIME_set_string(X509_getm_notAfter(cert.get()), "99991231235959Z"), 1);
  X509_set_pubkey(cert.get(), key.get());
  ASSERT_GT(X509_sign(cert.get(), key.get(), EVP_sha256()), 0);
  Result<CertificateInfo> info = InspectCertificate(CertificateToPem(cert.get()).value());
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(FormatRfc3339(info->not_before), "2026-01-01T00:00:00Z");
  EXPECT_EQ(info->not_after, TimePointFromTimeT(kLatestTime));
}

TEST(X509InspectTest, SerialNumberFormat) {
  PrivateKey key = PrivateKey::Generate(KeyAlgorithm::kEcdsa256).value();
  struct Case {
    std::string name;
    uint64_t serial;
    std::string want;
  };
  // DER adds a 0x00 byte before a high bit (0x80 → 00 80); the text form never shows it.
  for (const Case& c : {Case{"one", 1, "01"}, Case{"ff_needs_der_padding", 0xff, "ff"},
                        Case{"high_bit", 0x8000, "8000"}, Case{"five_bytes", 0x123456789aULL, "123456789a"},
                        Case{"upper_case_digits", 0xabcdefULL, "abcdef"}}) {
    SCOPED_TRACE(c.name);
    Result<CertificateInfo> info = InspectCertificate(CertWithSerial(key, c.serial));
    ASSERT_TRUE(info.ok()) << info.status().ToString();
    EXPECT_EQ(info->serial_number, c.want);
  }
}

TEST(X509InspectTest, KeyTypes) {
  struct Case {
    KeyAlgorithm algorithm;
    std::string want;
  };
  for (const Case& c : {Case{KeyAlgorithm::kRsa2048, "rsa2048"}, Case{KeyAlgorithm::kRsa3072, "rsa3072"},
                        Case{KeyAlgorithm::kEcdsa256, "ecdsa256"}, Case{KeyAlgorithm::kEcdsa384, "ecdsa384"}}) {
    SCOPED_TRACE(c.want);
    SelfSignedCert cert = MakeCert("k.example.com", {"k.example.com"}, c.algorithm);
    Result<CertificateInfo> info = InspectCertificate(cert.cert_pem);
    ASSERT_TRUE(info.ok()) << info.status().ToString();
    EXPECT_EQ(info->key_type, c.want);
    EXPECT_EQ(KeyAlgorithmName(c.algorithm), c.want);  // the same words as the Terraform attribute
  }
}

TEST(X509InspectTest, CertificateWithoutSanOrCn) {
  PrivateKey key = PrivateKey::Generate(KeyAlgorithm::kEcdsa256).value();
  Result<CertificateInfo> info = InspectCertificate(CertWithSerial(key, 7));
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_TRUE(info->dns_names.empty());
  EXPECT_EQ(info->subject_cn, "serial test");
}

TEST(X509InspectTest, RejectsGarbage) {
  for (const std::string& text : {std::string(""), std::string("hello"),
                                  std::string("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")}) {
    Result<CertificateInfo> info = InspectCertificate(text);
    ASSERT_FALSE(info.ok());
    EXPECT_EQ(info.status().code(), StatusCode::kInvalidArgument);
  }
}

// ---------------------------------------------------------------- SplitPemChain

TEST(X509SplitChainTest, Cases) {
  const SelfSignedCert leaf = MakeCert("leaf.example.com", {"leaf.example.com"});
  const SelfSignedCert intermediate1 = MakeCert("Intermediate 1", {});
  const SelfSignedCert intermediate2 = MakeCert("Intermediate 2", {});
  struct Case {
    std::string name;
    std::string input;
    std::vector<std::string> want_intermediate_cns;
  };
  const std::vector<Case> cases = {
      {"leaf_only", leaf.cert_pem, {}},
      {"leaf_and_one", leaf.cert_pem + intermediate1.cert_pem, {"Intermediate 1"}},
      {"leaf_and_two_in_order", leaf.cert_pem + intermediate1.cert_pem + intermediate2.cert_pem,
       {"Intermediate 1", "Intermediate 2"}},
      {"blank_lines_and_crlf", "\r\n" + leaf.cert_pem + "\n\n" + intermediate2.cert_pem + "\n",
       {"Intermediate 2"}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    Result<SplitChain> split = SplitPemChain(c.input);
    ASSERT_TRUE(split.ok()) << split.status().ToString();
    EXPECT_EQ(split->leaf_pem, leaf.cert_pem);
    EXPECT_EQ(InspectCertificate(split->leaf_pem)->subject_cn, "leaf.example.com");
    std::vector<std::string> cns;
    if (!split->intermediates_pem.empty()) {
      auto certs = ParseCertificatesPem(split->intermediates_pem);
      ASSERT_TRUE(certs.ok());
      for (const X509Ptr& cert : *certs) {
        cns.push_back(InspectCertificate(CertificateToPem(cert.get()).value())->subject_cn);
      }
    }
    EXPECT_THAT(cns, ElementsAreArray(c.want_intermediate_cns));
  }
}

TEST(X509SplitChainTest, RejectsNonCertificates) {
  const SelfSignedCert leaf = MakeCert("leaf.example.com", {"leaf.example.com"});
  struct Case {
    std::string name;
    std::string input;
    std::string message;
  };
  for (const Case& c : {Case{"empty", "", "no PEM certificate found"},
                        Case{"key_in_chain", leaf.cert_pem + leaf.key_pem, "not a CERTIFICATE"}}) {
    SCOPED_TRACE(c.name);
    Result<SplitChain> split = SplitPemChain(c.input);
    ASSERT_FALSE(split.ok());
    EXPECT_EQ(split.status().code(), StatusCode::kInvalidArgument);
    EXPECT_THAT(split.status().message(), HasSubstr(c.message));
    EXPECT_THAT(split.status().message(), Not(HasSubstr("PRIVATE KEY-----\n")));
  }
}

// ---------------------------------------------------------------- VerifyKeyMatchesCertificate

TEST(X509KeyMatchTest, Cases) {
  const SelfSignedCert ec = MakeCert("ec.example.com", {"ec.example.com"}, KeyAlgorithm::kEcdsa256);
  const SelfSignedCert rsa = MakeCert("rsa.example.com", {"rsa.example.com"}, KeyAlgorithm::kRsa2048);
  const PrivateKey ec_key = PrivateKey::FromPem(ec.key_pem).value();
  const PrivateKey rsa_key = PrivateKey::FromPem(rsa.key_pem).value();
  const PrivateKey other_ec = PrivateKey::Generate(KeyAlgorithm::kEcdsa256).value();
  struct Case {
    std::string name;
    const PrivateKey* key;
    std::string cert_pem;
    StatusCode want;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"ec_matches", &ec_key, ec.cert_pem, StatusCode::kOk, ""},
      {"rsa_matches", &rsa_key, rsa.cert_pem, StatusCode::kOk, ""},
      {"other_ec_key", &other_ec, ec.cert_pem, StatusCode::kFailedPrecondition,
       "the certificate's public key (ecdsa256) does not belong to the private key (ecdsa256)"},
      {"rsa_key_ec_cert", &rsa_key, ec.cert_pem, StatusCode::kFailedPrecondition,
       "the certificate's public key (ecdsa256) does not belong to the private key (rsa2048)"},
      {"not_a_certificate", &ec_key, "nope", StatusCode::kInvalidArgument, "reading the certificate"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const Status st = VerifyKeyMatchesCertificate(*c.key, c.cert_pem);
    EXPECT_EQ(st.code(), c.want) << st.ToString();
    EXPECT_THAT(st.message(), HasSubstr(c.message));
    EXPECT_THAT(st.message(), Not(HasSubstr("PRIVATE KEY")));
  }
}

}  // namespace
}  // namespace ionos
