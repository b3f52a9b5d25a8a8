// Tests for core/jws: every signature is verified independently with OpenSSL (ECDSA R||S is
// converted back to DER first), headers are checked member by member, and the EAB MAC is
// recomputed with OpenSSL's HMAC().
#include "core/acme/jws.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/hmac.h>

#include <map>

#include "core/base/encoding.h"

namespace ionos {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kNonce[] = "oFvnlFP1wIhRlYS2jTaXbA";
constexpr char kUrl[] = "https://ca.test/acme/new-order";
constexpr char kKid[] = "https://ca.test/acme/acct/42";

struct Parsed {
  nlohmann::json outer;
  nlohmann::json header;
  std::string protected_b64;
  std::string payload_b64;
  std::string payload;
  std::string signature;
};

Parsed Parse(const std::string& jws) {
  Parsed p;
  p.outer = nlohmann::json::parse(jws);
  p.protected_b64 = p.outer.at("protected").get<std::string>();
  p.payload_b64 = p.outer.at("payload").get<std::string>();
  p.header = nlohmann::json::parse(Base64UrlDecode(p.protected_b64).value());
  p.payload = Base64UrlDecode(p.payload_b64).value();
  p.signature = Base64UrlDecode(p.outer.at("signature").get<std::string>()).value();
  return p;
}

std::vector<std::string> Members(const nlohmann::json& j) {
  std::vector<std::string> out;
  for (const auto& [k, v] : j.items()) {
    out.push_back(k);
  }
  return out;
}

// The public key as OpenSSL sees it after a DER round trip: independent of the signing handle.
EvpPkeyPtr PublicKeyOf(const PrivateKey& key) {
  const std::string der = key.PublicKeyDer().value();
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  return EvpPkeyPtr(d2i_PUBKEY(nullptr, &p, static_cast<long>(der.size())));
}

// RFC 7518 §3.4: R || S, each `width` bytes → DER Ecdsa-Sig-Value.
std::string RawEcdsaToDer(const std::string& raw, size_t width) {
  EXPECT_EQ(raw.size(), 2 * width);
  const auto* p = reinterpret_cast<const unsigned char*>(raw.data());
  BIGNUM* r = BN_bin2bn(p, static_cast<int>(width), nullptr);
  BIGNUM* s = BN_bin2bn(p + width, static_cast<int>(width), nullptr);
  EcdsaSigPtr sig(ECDSA_SIG_new());
  ECDSA_SIG_set0(sig.get(), r, s);
  unsigned char* der = nullptr;
  int n = i2d_ECDSA_SIG(sig.get(), &der);
  std::string out(reinterpret_cast<char*>(der), static_cast<size_t>(n));
  OPENSSL_free(der);
  return out;
}

bool Verify(EVP_PKEY* pub, const EVP_MD* md, const std::string& data, const std::string& sig) {
  EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  if (EVP_DigestVerifyInit(ctx.get(), nullptr, md, nullptr, pub) != 1) {
    return false;
  }
  return EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(sig.data()), sig.size(),
                          reinterpret_cast<const unsigned char*>(data.data()), data.size()) == 1;
}

struct AlgCase {
  std::string name;
  KeyAlgorithm algorithm;
  std::string alg;
  size_t ec_width;  // 0 for RSA
  const EVP_MD* (*md)();
};

void PrintTo(const AlgCase& c, std::ostream* os) { *os << c.name; }

class JwsAlgTest : public ::testing::TestWithParam<AlgCase> {
 protected:
  static const PrivateKey& Key(KeyAlgorithm a) {
    static auto* keys = new std::map<KeyAlgorithm, PrivateKey>();
    auto it = keys->find(a);
    if (it == keys->end()) {
      it = keys->emplace(a, PrivateKey::Generate(a).value()).first;
    }
    return it->second;
  }

  // Verifies the JWS signature over "protected.payload" with OpenSSL.
  bool VerifyJws(const PrivateKey& key, const Parsed& p) {
    const AlgCase& c = GetParam();
    std::string sig = p.signature;
    if (c.ec_width != 0) {
      if (sig.size() != 2 * c.ec_width) {
        ADD_FAILURE() << "ECDSA JWS signature must be " << 2 * c.ec_width << " bytes, got " << sig.size();
        return false;
      }
      sig = RawEcdsaToDer(sig, c.ec_width);
    }
    EvpPkeyPtr pub = PublicKeyOf(key);
    return Verify(pub.get(), c.md(), p.protected_b64 + "." + p.payload_b64, sig);
  }
};

TEST_P(JwsAlgTest, JwkFormSignsAndVerifies) {
  const AlgCase& c = GetParam();
  const PrivateKey& key = Key(c.algorithm);
  const std::string payload = R"({"contact":["mailto:a@example.com"],"termsOfServiceAgreed":true})";
  auto jws = SignJws(key, "", kNonce, kUrl, payload);
  ASSERT_TRUE(jws.ok()) << jws.status().ToString();
  Parsed p = Parse(*jws);

  EXPECT_EQ(Members(p.outer), (std::vector<std::string>{"payload", "protected", "signature"}));
  EXPECT_EQ(Members(p.header), (std::vector<std::string>{"alg", "jwk", "nonce", "url"}));
  EXPECT_EQ(p.header["alg"], c.alg);
  EXPECT_EQ(p.header["jwk"], key.PublicJwk().value());
  EXPECT_EQ(p.header["nonce"], kNonce);
  EXPECT_EQ(p.header["url"], kUrl);
  EXPECT_EQ(p.payload, payload);
  // base64url without padding (RFC 7515 §2).
  for (const std::string* s : {&p.protected_b64, &p.payload_b64}) {
    EXPECT_EQ(s->find_first_of("+/="), std::string::npos);
  }
  EXPECT_TRUE(VerifyJws(key, p));
}

TEST_P(JwsAlgTest, KidFormSignsAndVerifies) {
  const AlgCase& c = GetParam();
  const PrivateKey& key = Key(c.algorithm);
  auto jws = SignJws(key, kKid, kNonce, kUrl, R"({"identifiers":[{"type":"dns","value":"example.com"}]})");
  ASSERT_TRUE(jws.ok());
  Parsed p = Parse(*jws);
  EXPECT_EQ(Members(p.header), (std::vector<std::string>{"alg", "kid", "nonce", "url"}));
  EXPECT_EQ(p.header["kid"], kKid);
  EXPECT_EQ(p.header["alg"], c.alg);
  EXPECT_TRUE(VerifyJws(key, p));
}

TEST_P(JwsAlgTest, PostAsGetHasEmptyPayload) {
  const PrivateKey& key = Key(GetParam().algorithm);
  auto jws = SignJws(key, kKid, kNonce, kUrl, "");
  ASSERT_TRUE(jws.ok());
  Parsed p = Parse(*jws);
  EXPECT_EQ(p.outer["payload"], "");  // RFC 8555 §6.3: the empty string, not "e30" ({})
  EXPECT_TRUE(VerifyJws(key, p));
}

TEST_P(JwsAlgTest, TamperedPayloadDoesNotVerify) {
  const PrivateKey& key = Key(GetParam().algorithm);
  Parsed p = Parse(SignJws(key, kKid, kNonce, kUrl, R"({"status":"deactivated"})").value());
  p.payload_b64 = Base64UrlEncode(R"({"status":"valid"})");
  EXPECT_FALSE(VerifyJws(key, p));
}

TEST_P(JwsAlgTest, SignaturesAreFreshEachTime) {
  const AlgCase& c = GetParam();
  const PrivateKey& key = Key(c.algorithm);
  Parsed a = Parse(SignJws(key, kKid, kNonce, kUrl, "{}").value());
  Parsed b = Parse(SignJws(key, kKid, kNonce, kUrl, "{}").value());
  if (c.ec_width != 0) {
    EXPECT_NE(a.signature, b.signature);  // ECDSA uses a random k
  } else {
    EXPECT_EQ(a.signature, b.signature);  // PKCS#1 v1.5 is deterministic
  }
  EXPECT_TRUE(VerifyJws(key, a));
  EXPECT_TRUE(VerifyJws(key, b));
}

TEST_P(JwsAlgTest, ExternalAccountBindingMacMatches) {
  const PrivateKey& key = Key(GetParam().algorithm);
  const std::string mac_key = "0123456789abcdef0123456789abcdef-secret!";
  const std::string new_account = "https://ca.test/acme/new-acct";
  auto eab = SignExternalAccountBinding(key, "kid-1", Base64UrlEncode(mac_key), new_account);
  ASSERT_TRUE(eab.ok()) << eab.status().ToString();
  Parsed p = Parse(eab->dump());

  // RFC 8555 §7.3.4: alg HS256, kid, url; no nonce, no jwk.
  EXPECT_EQ(Members(p.header), (std::vector<std::string>{"alg", "kid", "url"}));
  EXPECT_EQ(p.header["alg"], "HS256");
  EXPECT_EQ(p.header["kid"], "kid-1");
  EXPECT_EQ(p.header["url"], new_account);
  // The payload is the account key's JWK.
  EXPECT_EQ(nlohmann::json::parse(p.payload), key.PublicJwk().value());

  // Recompute the MAC with OpenSSL's HMAC().
  const std::string input = p.protected_b64 + "." + p.payload_b64;
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  ASSERT_NE(HMAC(EVP_sha256(), mac_key.data(), static_cast<int>(mac_key.size()),
                 reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac, &mac_len),
            nullptr);
  EXPECT_EQ(p.signature, std::string(reinterpret_cast<char*>(mac), mac_len));
}

INSTANTIATE_TEST_SUITE_P(Algorithms, JwsAlgTest,
                         ::testing::Values(AlgCase{"ES256", KeyAlgorithm::kEcdsa256, "ES256", 32, EVP_sha256},
                                           AlgCase{"ES384", KeyAlgorithm::kEcdsa384, "ES384", 48, EVP_sha384},
                                           AlgCase{"RS256", KeyAlgorithm::kRsa2048, "RS256", 0, EVP_sha256}),
                         [](const ::testing::TestParamInfo<AlgCase>& info) { return info.param.name; });

TEST(JwsTest, EmptyNonceIsOmitted) {
  auto key = PrivateKey::Generate(KeyAlgorithm::kEcdsa256).value();
  Parsed p = Parse(SignJws(key, "", "", kUrl, "{}").value());
  EXPECT_EQ(Members(p.header), (std::vector<std::string>{"alg", "jwk", "url"}));
}

TEST(JwsTest, EmptyUrlIsRejected) {
  auto key = PrivateKey::Generate(KeyAlgorithm::kEcdsa256).value();
  EXPECT_EQ(SignJws(key, kKid, kNonce, "", "{}").status().code(), StatusCode::kInvalidArgument);
}

// Found by fuzz_acme_json: a Location header that is not UTF-8 became the kid (or url) and
// nlohmann::json threw from dump(), terminating the provider. It is an error now.
TEST(JwsTest, HeaderTextThatIsNotUtf8IsRejected) {
  auto key = PrivateKey::Generate(KeyAlgorithm::kEcdsa256).value();
  for (const std::string bad : {"https://ca.test/acct/\xff", "https://ca.test/\xc0\xaf", "https://ca.test/\xed\xa0\x80",
                                "https://ca.test/\xf4\x90\x80\x80", "https://ca.test/\xe2\x82"}) {
    SCOPED_TRACE(bad);
    Result<std::string> with_kid = SignJws(key, bad, kNonce, kUrl, "{}");
    EXPECT_EQ(with_kid.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(with_kid.status().message().find("kid header is not valid UTF-8"), std::string::npos);
    EXPECT_EQ(SignJws(key, kKid, kNonce, bad, "").status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(SignExternalAccountBinding(key, "kid-1", "c2VjcmV0", bad).status().code(), StatusCode::kInvalidArgument);
  }
  // Well-formed UTF-8 of every length is fine.
  EXPECT_TRUE(SignJws(key, "https://ca.test/acct/\xc3\xa9\xe2\x9c\x93\xf0\x9f\x94\x92", kNonce, kUrl, "{}").ok());
}

TEST(JwsTest, SignJwsObjectMatchesSerializedForm) {
  auto key = PrivateKey::Generate(KeyAlgorithm::kRsa2048).value();
  auto obj = SignJwsObject(key, kKid, kNonce, kUrl, "{}");
  ASSERT_TRUE(obj.ok());
  EXPECT_EQ(obj->dump(), SignJws(key, kKid, kNonce, kUrl, "{}").value());  // RSA is deterministic
}

TEST(JwsTest, EabAcceptsStandardBase64Keys) {
  auto key = PrivateKey::Generate(KeyAlgorithm::kEcdsa256).value();
  const std::string mac_key = "\xfb\xff\xfe binary key with + and / in base64";
  const std::string std_b64 = Base64Encode(mac_key);
  ASSERT_NE(std_b64.find_first_of("+/"), std::string::npos);
  auto eab = SignExternalAccountBinding(key, "kid", std_b64, "https://ca.test/new-acct");
  ASSERT_TRUE(eab.ok()) << eab.status().ToString();
  Parsed p = Parse(eab->dump());
  EXPECT_EQ(p.signature, HmacSha256(mac_key, p.protected_b64 + "." + p.payload_b64).value());
}

TEST(JwsTest, EabRejectsBadInputWithoutEchoingTheSecret) {
  auto key = PrivateKey::Generate(KeyAlgorithm::kEcdsa256).value();
  struct Case {
    std::string name;
    std::string kid;
    std::string secret;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"not base64", "kid-1", "this is *not* base64 at all", "key_secret is not a base64url-encoded key"},
      {"empty secret", "kid-1", "", "key_secret is not a base64url-encoded key"},
      {"empty kid", "", "c2VjcmV0", "key_id must not be empty"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto eab = SignExternalAccountBinding(key, c.kid, c.secret, "https://ca.test/new-acct");
    ASSERT_FALSE(eab.ok());
    EXPECT_EQ(eab.status().code(), StatusCode::kInvalidArgument);
    EXPECT_THAT(eab.status().message(), HasSubstr(c.message));
    if (!c.secret.empty()) {
      EXPECT_THAT(eab.status().message(), Not(HasSubstr(c.secret)));
    }
  }
}

}  // namespace
}  // namespace ionos
