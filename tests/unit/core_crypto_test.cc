// Tests for core/crypto: keys, JWK thumbprints, hashes, the self-signed gRPC certificate and CA
// bundle parsing. Certificate properties are checked with OpenSSL's own APIs.
#include "core/crypto/crypto.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <map>
#include <set>

#include "core/base/encoding.h"

namespace ionos {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

class FixedClock : public Clock {
 public:
  explicit FixedClock(TimePoint now) : now_(now) {}
  TimePoint Now() const override { return now_; }
  Status SleepFor(Duration, const CancelToken*) const override { return Status::Ok(); }

 private:
  TimePoint now_;
};

TimePoint At(const std::string& rfc3339) { return ParseRfc3339(rfc3339).value(); }

// ---------------------------------------------------------------- algorithms

TEST(CryptoKeyAlgorithmTest, NamesRoundTrip) {
  for (const char* name : {"rsa2048", "rsa3072", "rsa4096", "ecdsa256", "ecdsa384"}) {
    auto a = ParseKeyAlgorithm(name);
    ASSERT_TRUE(a.ok()) << name;
    EXPECT_STREQ(KeyAlgorithmName(*a), name);
  }
}

TEST(CryptoKeyAlgorithmTest, UnknownNameIsInvalidArgument) {
  for (const char* name : {"", "RSA2048", "ecdsa521", "ed25519"}) {
    auto a = ParseKeyAlgorithm(name);
    ASSERT_FALSE(a.ok()) << name;
    EXPECT_EQ(a.status().code(), StatusCode::kInvalidArgument);
    EXPECT_THAT(a.status().message(), HasSubstr("ecdsa256"));
  }
}

// ---------------------------------------------------------------- key generation, per algorithm

struct KeyCase {
  std::string name;
  KeyAlgorithm algorithm;
  int base_id;
  int bits;
  const char* jws_alg;
};

void PrintTo(const KeyCase& c, std::ostream* os) { *os << c.name; }

class CryptoPrivateKeyTest : public ::testing::TestWithParam<KeyCase> {};

// Test-only keys (made with `openssl genpkey` for this file): generating RSA 3072/4096 keys takes
// seconds, and ctest runs every test in its own process.
constexpr char kRsa3072Pem[] = R"(-----BEGIN PRIVATE KEY-----
MIIG/QIBADANBgkqhkiG9w0BAQEFAASCBucwggbjAgEAAoIBgQC/ZXoqlrbJroEI
3EVSCgplB4QqfCENhiOrEDTrKXcHT40GbOdTo6lKxfaBIlVbZ99PAoXosjg2OeRx
9wppwSnI+9/jVbV5sfBFKe1tQAw+9HKaPAW2wND/ccPib6+9Gkmb3ID2nXEeM+NK
KLPt7+1JcEXcGtY9nZF//YV7S6eQK0HqsbRlQDizPBivMsvJpKWWkEINsUxt9aGO
5jbDLA281V9IucbzoqMjFJ0hOtlk0Pg+aOaggZZ26MDNOtX33TMK55GDtpjlZkAh
mD97BF7oLqJMkGKCHVdXiLuFstFlgPLQL2m/o89RIn9YGNg+uCBs3QaAcAipYHxu
qIug2oFUTh7c08TLSNm1eULmtAWG4sGXGEr5IbcVKFqCl41MoIoB+RKojX5MlLse
++hkIzmDfDWUHkFnoD8u4bTRxVj27SoRPK/ftrciZ0Nm9e08xm1d6rHnI5/bQwxc
Ihp6YukSoo+BzhIt6Sx3Q3iGFwvfecXtpI0BO4iJxAdRVITh0tsCAwEAAQKCAYAR
Uay5cA2wEbcOzUvSh1XdQk31DQPUQvUB59BtQfSWeBE+6YAQ1lu3CFNstP9VuAA1
GJMNQhwKQB8KKi+wvFaiuRppA/QmqnGfXvj8+VFowvSGo1n+Njo5qAEKaBvWOBI8
5QbTo6rwPJ0oTg2WDfw1Uh0BzhKtdnW+x+Fm894aRbSY+Nj/joBy+F2tdAjy9EMH
OeklCKWg9gI9n/RVoRKVkBZ0Slp7G/zruDpNuJMIzeYHIIJTnm/paHKSpgYyZlTg
1e81ygnKDSjL2Q94mTzYY+qUZkABywo1jkTOBbzrhBSfTo0d48O8TXdrhDcxBjPg
FO+86WpNDzB5LTG8esr4iljgEfVfH37YhGErnObedriWyAhK1zImj1iiCQSLFp4A
NQ9eAmGm2XOo2LylWC8dQxKiPKSQw0nyP6EtlaZ4xgdrM2SZOG03j/np3QdFyRay
M+kNRTE7aeyYdO20TisppGeVnYW1Cj92JjJjgA2nqzVn4/9tA77hbuAjlmkhnGUC
gcEA+XFSK5gwDkctP2Z/aMq9vSnHajunzYDgcoktOzYbbBfDNFn2+HT2RKbSnsrd
ntCgqSCaAPH3I6T1aNuyb0vXmvQHfTrEciwtoMFEi6mAEsvkp46bofwcqNPyT+Va
CIDXYHrWtCWYuVmV9qjpBEkneW4I42/oUVKXj0Xaq5ykjA/fSINuZ0X5bKk6xFsO
eV090D6FjVBDBuJ5rgm0bOj5pq0pKA+Yx7/wqwvfmSHvLgUHGL07g4D6Vj3XguDn
YlTPAoHBAMRthWwe7bDSDRX1iML6By6I1ZHGDLo4lPc0Bio5y0i3DQ634ahwgE0B
pWLQ0j9se5zMQLKSLg/bp/Ppp2nIUyYeGZDMm2ipny+iCe8Dl/YNPi4yCZfcWgFY
pGJD46sJ0hUDQgaFe0kDDDpdRIAXw4pUfcf1VEp4PWBeVzlLUaBKDfjKdmybX05W
cJu1jh7NxuWeZEEj42tAc38ISSDnNCzV0jfepX4c2TyCB9IDsSA5BOOmUKYYs3k6
ylzonO58NQKBwGgmrMyPCuGrTnU+csxqerbVDvKIXhQsT4sDQ+OJQAHuGg9t0PUE
wR8BGMg8pDR/n9V+S09BuJMleWKC+QoHfMqyQb5EH2ockCCjEd/Osi8m+x4LKWiF
P+IuPOqnNOSAB229XJBzckVR5o/LDyA++0B0dTmhrDroZWfpHtiw2vOwXOaGGj78
tJxuPJ9n9a8vA3RD5reOX64sOeo1GySuUi8J9jlH6d7dgbuphX8G8Dsi1ke6G3NZ
Ey2XPLjk9zfTeQKBwFXorJzwHfbit3RuMcVMww1YLUgXPYPIsWY4q6WWJ1GDNcPF
Kn2XzpVfbez89adlk96s+nLfOiQXZqpn+59pTOxz56yLwECTRxr3HK8bfD/R5Osh
WU7AweCq2yJbHNy2a9pi1WKyyIvTOGriVc5MFmqOr4BfzODRG87lE/Lr/SREnz27
lvXDMni5l4CSdDkGuMG+d4yB3LoQszLQ9eLdG9WsIsfqqaixh1VObYstsC8uoPPL
zqQGU6Bm1RCzb8diLQKBwQCr0VT4jKPynC25SVKeyFToH451YJlfHmfFTdkUYWyg
noPtFrfeboYzdW+EmcNzl1YHfyohlWqvnySovgS2e4Zm0ghkKtOyq0SNUV/mdAuB
6Ost7A7uTH5iRpuJfda40kAFbc4CVJTidcOcXjNvlD+paUAaGxmPtCGaDciYebOA
PgKjMDEWtwVmpYtPsmlfZ0c3kbgjEVk8rg5ieoUAtCX5OVy3SPlAJBc8QckaDEwB
McqQqKiex40D171Mp3dL1wY=
-----END PRIVATE KEY-----
)";
constexpr char kRsa4096Pem[] = R"(-----BEGIN PRIVATE KEY-----
MIIJQwIBADANBgkqhkiG9w0BAQEFAASCCS0wggkpAgEAAoICAQCyIEXSzynuNn0O
QVgGHhMj+e7DRg0frlf7AofGnx4eq3Pk5+SNd33qZfVjPCYsPjAMTd90eWWIgR2o
p3REbKyv6MufrhsKqlXP+YKAy3OxVPaRMHGa9Uw/Etgs9y5BmXAtorrvFLlSxWT/
fhCq+nufBdTsZtdxHEimeC3VcFoat0aoRfsRVOEt4N2yNIie7srcVFjzNfS5BJ88
6zcDqmU8NlVfm7ZwE1+ayCg8V9JsUdtnM3oW4ooIZecjvbF1gX0qOaKXzzme4Imp
l5+9Hv18MH/M5sKKHIzLN5dijc9SUwSNZtooP5+r8efMtwV+O4AA+aIK9uBOuXDe
DZ/H8PupzxTzBrC6Swa1TwqPbOU9ulScS9WkGdb5qPnI3rdTVMpB/NsRL5Ug7Fcn
ak8U1TXFnM8xNxj+3z/e8DOGZvO7BxvweLwGB3EJzxd1BuyIBFQ97AuUqIu3qNDO
9m83x36efNdeeUvPb1ZpS8BG69hn+5dQvsibHfpWJ7HYAzg6qb+o6KzBHjqi/rn/
Yv88hWC7xndK9qv2eN3RwH41/wJEk1HxFDpW37ztFMSfHzJaA4qyjWskqzyXH9zP
dfySyuFFaL1Mpw8u0Iow6k7tUqU15VTTsV4YK6ZHPtD+/w2uqIJLTTNEWaJZHfhi
2IKyhAlLXglX2VzIG2lHbhQHcei44QIDAQABAoICAFDcOqYomfHD9YAfpKxeQbUe
s8cciT+c/t55Nxawy9UDYwCCTmvz1wqtjzglqXSDJH+paCtxImjVqBeUMMERDlFq
nekWebsdOQhIzXfXI+VX2vhs492CxkKJtO2wpeRsmZJ14WM/5qMO7brXyQw82hqF
5LMOOnXj74z2WGQgdR7UnTQtVHx5KiGQB0Pq+iwf3aIofhqmHzpQQVM/ucElvIAZ
cCcPQkHdYZSbkTxXZ7P5ct6F7UHvQ9btH4DHj4P2rNGayVcd4JvhdUyyAncxVsPm
JlXnWV+l9zoXOdco5fkKq7HfA2CrBTpifaYeXVWBACoxKGDO0mOaZgS/bY2vtSYO
c3aKuN/nxxlJaWqUKn/3Y9q5nYD2QU5p/MWLDuMyjbl02pRN98RcDyhVzFk/YSgJ
RGBhmd8ROBGCUUMb/SkNaUxwFkEsqhO08TRSdN1Y/7GOvquP4raImk7l572UzYeI
84X1dRQsqOAmHPT/TOkSm7vDpG1N5mdshiXhprUgG8lRZxmAyRjbwpztv4a07BXG
YVtfr2k5yJ4jdFSt9j/0vfPae9h/SXajKdr70Nx+/w1U7orqvZHDPdyGYinExq/G
OQhVq4ZJ4HHlxoRzm1e58Wep1hMp3rdu2q36tELZPGgn+tULdycy9xK1PH3sVHQG
OcG9hBHyszD+O5LA8QQDAoIBAQDXZEFHa0u7X1lEywIZ6SbmrMN2b5XJbDdQjPtA
dj/QyZVqe2ArVpxW90tGUbFjmXI0EExo0efIjBMY/ee+avAREV4DCQZKDWQjr6tq
6WxH0d+o5k/uSlTMs11mAlL06QITPr8YTBdk1YEa8acPE5JmQPzCTNwCF5nFMuoJ
+5p9oL+lMdKdUKayaGh0Fpa+Oq5lA7kNcH1Jc/72gAott2C3m5YLbxVnvSBQ5sHb
tshXo19RdM8k9QTQmm52Mofe7TMOxUKmLIu5+9dZfDFWtLFbPk8MrCQjlPbYCvzA
ajZ0P2LSybSb1dtsjHV+wi9eZNM6k7sAXvkkGKwk18yTvpBjAoIBAQDTtWshJN/I
d7EwkGmPvkQh7ExIDXn3v/ahazPR7EOgSaBX8jxeQU/KJeyPIdEfyH/xyKIcAgNP
PnMFms9HNNJSbLzyiq2xW4DzyUmQF76cbO/uSm0TUFD9MY/VmDpsek4DcDb50TeH
dYmKitnxduad2Eapo1ncY2tZR4PNxLbL1BIa6KhmhILUDF2pBSs8bBpg8DWwDfv+
xFWtcSuPqeFXZUZvTWngTuEoWbRpDqvezjNHs02giZwaheqcY10I0aSfYK7H/JOu
kFkf/gCIs0CWn8lu4Mf2RhOiEIY5KezHbcC5ek1W0oEgGYilEsCSAUdWrpTqdgTp
guwMSUVSmXrrAoIBAQCKDIOaVraPPSll4gdSvBBmwEv22MXT9zvssK9IPYHhO5I8
UR7uJ/DD/HOOekWLZInBvMB8XiyEaOLEndeuP7Pl/I+YumwBgluwU6M2Pq1byrPi
+No6DAIVwNAX1V1+AumFlC2+UOadhgndTwyXqR+n0fcuQTyxSpcPwPYnt87oveKW
6jvnAA4XQrvPy7qJ6epka+JrLrHeJi4/pwjfDC09AMdGRMgfWSQhNgUB4UC+isNI
3ej18uRHHvO1ZeWXh8e1q9Bv2RUk+rinbeXhgKY7qM/Ze2seMxeSmFguquSD1Sxt
lUHgr0yXYd7cg3EAuvZ3EMBGGJjt/bI3WuiPuQ+pAoIBAQCf7QT/ZZ6TDi/Q8tZ7
WoyXX6yEJYIEcIO7joL3ylWPqO6yYO/Pd+DxYNKhkTcrnkdge2JSbAbZ/t/e1QJN
1Q4oa7IUOkRZnTj9cAndCsLX4cchqCFbnKmBisYP4U4JEh8Ko+MztiMPde+vs5JN
wLcXeABxN0+zl3rJV6eucjJwKUSABU7pGqLF0o2SF7CAlV0b63lzBC1fWCssuTfh
77+lSID7pWwcoRmfZJxPXGDjD7tXJ5C1fB5rPsxq1Pi7p7qHFv8RXbCmBq785uC6
Y0agQhZlZvJHDMrZ+0eZuRz/zd3vfv8bXiti90btBAxqfwLH7Vva/cpaJ6du5I60
hfJ/AoIBAHvTQYOsqMh5bQ6YZVPJvcfFRMManXpRHI5hCocWUedjuHPupN+iBRqz
m48nKaEkESMxlDJkadIc3pmcldjZ8RvhZvXuizh73Xoc/bMgkPPn31Ectd1g+XaK
QStfg3lLToD5axwv3QHe/IuCFzWzgCZnICIiF7EIpMJnU/CZ4QUh+/1JrYsVaIJk
Uo/EVoBVpj+0vjoBbmKaaHbyKV3AZduDsvFCcqMsNdfmq/AFRN6RG6xvq12xuQZh
jwgK13CxvgmvJNrUKDSq0/gTRqmBwGfEbgZy9TGrs7Nc/36fgD88cCfy3O7+i1vD
m3QsGvoTC0KK1W+BCL4uBrr4/D3UTFw=
-----END PRIVATE KEY-----
)";

// One key per algorithm for the tests that do not test generation itself.
const PrivateKey& SharedKey(KeyAlgorithm algorithm) {
  static std::map<KeyAlgorithm, PrivateKey>* keys = new std::map<KeyAlgorithm, PrivateKey>();
  auto it = keys->find(algorithm);
  if (it == keys->end()) {
    Result<PrivateKey> key = algorithm == KeyAlgorithm::kRsa3072   ? PrivateKey::FromPem(kRsa3072Pem)
                             : algorithm == KeyAlgorithm::kRsa4096 ? PrivateKey::FromPem(kRsa4096Pem)
                                                                   : PrivateKey::Generate(algorithm);
    it = keys->emplace(algorithm, std::move(key).value()).first;
  }
  return it->second;
}

TEST_P(CryptoPrivateKeyTest, GenerateHasRequestedTypeAndSize) {
  const KeyCase& c = GetParam();
  auto key = PrivateKey::Generate(c.algorithm);
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  EXPECT_EQ(key->algorithm(), c.algorithm);
  EXPECT_EQ(EVP_PKEY_get_base_id(key->get()), c.base_id);
  EXPECT_EQ(EVP_PKEY_get_bits(key->get()), c.bits);
  EXPECT_STREQ(key->JwsAlgorithm(), c.jws_alg);
}

TEST_P(CryptoPrivateKeyTest, PemRoundTripKeepsTheKey) {
  const KeyCase& c = GetParam();
  const PrivateKey* key = &SharedKey(c.algorithm);
  auto pem = key->ToPem();
  ASSERT_TRUE(pem.ok());
  EXPECT_THAT(*pem, StartsWith("-----BEGIN PRIVATE KEY-----\n"));  // PKCS#8
  auto back = PrivateKey::FromPem(*pem);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->algorithm(), c.algorithm);
  EXPECT_EQ(EVP_PKEY_eq(key->get(), back->get()), 1);
  EXPECT_EQ(back->ToPem().value(), *pem);
  EXPECT_EQ(back->JwkThumbprint().value(), key->JwkThumbprint().value());
}

TEST_P(CryptoPrivateKeyTest, TraditionalPemIsAccepted) {
  const KeyCase& c = GetParam();
  const PrivateKey* key = &SharedKey(c.algorithm);
  BioPtr bio(BIO_new(BIO_s_mem()));
  ASSERT_EQ(PEM_write_bio_PrivateKey_traditional(bio.get(), key->get(), nullptr, nullptr, 0, nullptr, nullptr), 1);
  char* data = nullptr;
  long n = BIO_get_mem_data(bio.get(), &data);
  const std::string pem(data, static_cast<size_t>(n));
  EXPECT_THAT(pem, StartsWith(c.base_id == EVP_PKEY_RSA ? "-----BEGIN RSA PRIVATE KEY-----"
                                                        : "-----BEGIN EC PRIVATE KEY-----"));
  auto back = PrivateKey::FromPem(pem);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->algorithm(), c.algorithm);
  EXPECT_EQ(EVP_PKEY_eq(key->get(), back->get()), 1);
}

TEST_P(CryptoPrivateKeyTest, PublicJwkHasOnlyRequiredMembersInOrder) {
  const KeyCase& c = GetParam();
  const PrivateKey* key = &SharedKey(c.algorithm);
  auto jwk = key->PublicJwk();
  ASSERT_TRUE(jwk.ok());
  std::vector<std::string> members;
  for (const auto& [k, v] : jwk->items()) {
    members.push_back(k);
  }
  if (c.base_id == EVP_PKEY_EC) {
    EXPECT_EQ(members, (std::vector<std::string>{"crv", "kty", "x", "y"}));
    EXPECT_EQ((*jwk)["kty"], "EC");
    EXPECT_EQ((*jwk)["crv"], c.bits == 256 ? "P-256" : "P-384");
    // Coordinates are fixed-width (RFC 7518 §6.2.1.2): 32 or 48 bytes, even with leading zeros.
    const size_t width = c.bits == 256 ? 32 : 48;
    EXPECT_EQ(Base64UrlDecode((*jwk)["x"].get<std::string>()).value().size(), width);
    EXPECT_EQ(Base64UrlDecode((*jwk)["y"].get<std::string>()).value().size(), width);
  } else {
    EXPECT_EQ(members, (std::vector<std::string>{"e", "kty", "n"}));
    EXPECT_EQ((*jwk)["kty"], "RSA");
    EXPECT_EQ((*jwk)["e"], "AQAB");  // 65537
    EXPECT_EQ(Base64UrlDecode((*jwk)["n"].get<std::string>()).value().size(), static_cast<size_t>(c.bits / 8));
  }
  // The canonical serialization has no whitespace (RFC 7638 §3.3).
  EXPECT_EQ(jwk->dump().find(' '), std::string::npos);
  EXPECT_EQ(key->JwkThumbprint().value(), Base64UrlEncode(Sha256(jwk->dump())));
}

TEST_P(CryptoPrivateKeyTest, PublicKeyDerMatchesOpenSsl) {
  const KeyCase& c = GetParam();
  const PrivateKey* key = &SharedKey(c.algorithm);
  auto der = key->PublicKeyDer();
  ASSERT_TRUE(der.ok());
  const auto* p = reinterpret_cast<const unsigned char*>(der->data());
  EvpPkeyPtr pub(d2i_PUBKEY(nullptr, &p, static_cast<long>(der->size())));
  ASSERT_TRUE(pub);
  EXPECT_EQ(EVP_PKEY_eq(pub.get(), key->get()), 1);
}

INSTANTIATE_TEST_SUITE_P(
    Algorithms, CryptoPrivateKeyTest,
    ::testing::Values(KeyCase{"rsa2048", KeyAlgorithm::kRsa2048, EVP_PKEY_RSA, 2048, "RS256"},
                      KeyCase{"rsa3072", KeyAlgorithm::kRsa3072, EVP_PKEY_RSA, 3072, "RS256"},
                      KeyCase{"rsa4096", KeyAlgorithm::kRsa4096, EVP_PKEY_RSA, 4096, "RS256"},
                      KeyCase{"ecdsa256", KeyAlgorithm::kEcdsa256, EVP_PKEY_EC, 256, "ES256"},
                      KeyCase{"ecdsa384", KeyAlgorithm::kEcdsa384, EVP_PKEY_EC, 384, "ES384"}),
    [](const ::testing::TestParamInfo<KeyCase>& info) { return info.param.name; });

TEST(CryptoKeyBasicsTest, GeneratedKeysDiffer) {
  auto a = PrivateKey::Generate(KeyAlgorithm::kEcdsa256);
  auto b = PrivateKey::Generate(KeyAlgorithm::kEcdsa256);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(a->JwkThumbprint().value(), b->JwkThumbprint().value());
}

TEST(CryptoKeyBasicsTest, MovedKeyStillWorks) {
  auto a = PrivateKey::Generate(KeyAlgorithm::kEcdsa256);
  ASSERT_TRUE(a.ok());
  const std::string thumb = a->JwkThumbprint().value();
  PrivateKey moved = std::move(a).value();
  EXPECT_EQ(moved.JwkThumbprint().value(), thumb);
}

// ---------------------------------------------------------------- FromPem failures

std::string PemOf(EVP_PKEY* pkey) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  EXPECT_EQ(PEM_write_bio_PKCS8PrivateKey(bio.get(), pkey, nullptr, nullptr, 0, nullptr, nullptr), 1);
  char* data = nullptr;
  long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(n));
}

TEST(CryptoPrivateKeyFromPemTest, RejectsUnsupportedOrBrokenInput) {
  EvpPkeyPtr p521(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-521"));
  EvpPkeyPtr rsa1024(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(1024)));
  EvpPkeyPtr ed25519(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  ASSERT_TRUE(p521 && rsa1024 && ed25519);
  auto good = PrivateKey::Generate(KeyAlgorithm::kEcdsa256).value().ToPem().value();
  std::string corrupt = good;
  corrupt[40] = corrupt[40] == 'A' ? 'B' : 'A';
  corrupt[41] = '!';

  struct Case {
    std::string name;
    std::string pem;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"empty", "", "not PEM"},
      {"garbage", "hello world", "not PEM"},
      {"p521", PemOf(p521.get()), "unsupported EC curve"},
      {"rsa1024", PemOf(rsa1024.get()), "unsupported RSA key size 1024"},
      {"ed25519", PemOf(ed25519.get()), "unsupported key type"},
      {"corrupt", corrupt, "does not parse"},
      {"encrypted", "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIB\n-----END ENCRYPTED PRIVATE KEY-----\n",
       "encrypted"},
      {"certificate", GenerateSelfSignedServerCert(SystemClock()).value().cert_pem, "does not parse"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto key = PrivateKey::FromPem(c.pem);
    ASSERT_FALSE(key.ok());
    EXPECT_EQ(key.status().code(), StatusCode::kInvalidArgument);
    EXPECT_THAT(key.status().message(), HasSubstr(c.message));
    // Never echo key material.
    EXPECT_THAT(key.status().message(), Not(HasSubstr("MII")));
  }
  EXPECT_EQ(ERR_peek_error(), 0u) << "OpenSSL error queue left dirty";
}

// ---------------------------------------------------------------- JWK thumbprint (RFC 7638 §3.1)

TEST(CryptoJwkThumbprintTest, Rfc7638Example) {
  // The example key of RFC 7638 §3.1, including members that must be ignored.
  const nlohmann::json jwk = {
      {"kty", "RSA"},
      {"n",
       "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3"
       "oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zg"
       "dAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csF"
       "Cur-kEgU8awapJzKnqDKgw"},
      {"e", "AQAB"},
      {"alg", "RS256"},
      {"kid", "2011-04-29"},
  };
  auto thumbprint = JwkThumbprint(jwk);
  ASSERT_TRUE(thumbprint.ok()) << thumbprint.status().ToString();
  EXPECT_EQ(*thumbprint, "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
}

TEST(CryptoJwkThumbprintTest, RejectsIncompleteJwk) {
  EXPECT_EQ(JwkThumbprint(nlohmann::json::object()).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(JwkThumbprint({{"kty", "EC"}, {"crv", "P-256"}, {"x", "AA"}}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(JwkThumbprint({{"kty", "OKP"}}).status().code(), StatusCode::kInvalidArgument);
}

// ---------------------------------------------------------------- hashes

TEST(CryptoHashTest, Sha256KnownAnswer) {
  EXPECT_EQ(HexEncode(Sha256("abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(HexEncode(Sha256("")), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(CryptoHashTest, HmacSha256Rfc4231) {
  // RFC 4231 test case 2.
  EXPECT_EQ(HexEncode(HmacSha256("Jefe", "what do ya want for nothing?").value()),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  // Test case 1: key = 20 × 0x0b, "Hi There".
  EXPECT_EQ(HexEncode(HmacSha256(std::string(20, '\x0b'), "Hi There").value()),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  EXPECT_TRUE(HmacSha256("", "data").ok());
}

// ---------------------------------------------------------------- self-signed certificate

X509Ptr ParseDer(const std::string& der) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  return X509Ptr(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
}

bool ExtensionCritical(X509* cert, int nid) {
  int idx = X509_get_ext_by_NID(cert, nid, -1);
  return idx >= 0 && X509_EXTENSION_get_critical(X509_get_ext(cert, idx)) == 1;
}

TEST(CryptoSelfSignedCertTest, ServerCertHasTheRequiredProperties) {
  const TimePoint now = At("2030-06-01T12:00:00Z");
  FixedClock clock(now);
  auto cert = GenerateSelfSignedServerCert(clock);
  ASSERT_TRUE(cert.ok()) << cert.status().ToString();
  EXPECT_THAT(cert->cert_pem, StartsWith("-----BEGIN CERTIFICATE-----"));
  EXPECT_THAT(cert->key_pem, StartsWith("-----BEGIN PRIVATE KEY-----"));

  X509Ptr x = ParseDer(cert->cert_der);
  ASSERT_TRUE(x);
  // PEM and DER describe the same certificate.
  auto from_pem = ParseCertificatesPem(cert->cert_pem);
  ASSERT_TRUE(from_pem.ok());
  ASSERT_EQ(from_pem->size(), 1u);
  EXPECT_EQ(X509_cmp(x.get(), (*from_pem)[0].get()), 0);

  EXPECT_EQ(X509_get_version(x.get()), X509_VERSION_3);
  EXPECT_EQ(X509_get_signature_nid(x.get()), NID_ecdsa_with_SHA256);

  // Key: EC P-256, the one in key_pem.
  auto key = PrivateKey::FromPem(cert->key_pem);
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(key->algorithm(), KeyAlgorithm::kEcdsa256);
  EXPECT_EQ(X509_check_private_key(x.get(), key->get()), 1);
  EXPECT_EQ(X509_verify(x.get(), X509_get0_pubkey(x.get())), 1) << "self-signature must verify";

  // Names.
  char cn[64] = {0};
  X509_NAME_get_text_by_NID(X509_get_subject_name(x.get()), NID_commonName, cn, sizeof cn);
  EXPECT_STREQ(cn, "localhost");
  EXPECT_EQ(X509_NAME_cmp(X509_get_subject_name(x.get()), X509_get_issuer_name(x.get())), 0);
  EXPECT_EQ(X509_check_host(x.get(), "localhost", 0, 0, nullptr), 1);
  EXPECT_EQ(X509_check_host(x.get(), "example.com", 0, 0, nullptr), 0);

  // Extensions.
  const uint32_t flags = X509_get_extension_flags(x.get());
  EXPECT_TRUE(flags & EXFLAG_CA);
  EXPECT_TRUE(ExtensionCritical(x.get(), NID_basic_constraints));
  EXPECT_EQ(X509_get_key_usage(x.get()),
            static_cast<uint32_t>(KU_DIGITAL_SIGNATURE | KU_KEY_ENCIPHERMENT | KU_KEY_AGREEMENT | KU_KEY_CERT_SIGN));
  EXPECT_EQ(X509_get_extended_key_usage(x.get()), static_cast<uint32_t>(XKU_SSL_SERVER | XKU_SSL_CLIENT));
  EXPECT_NE(X509_get0_subject_key_id(x.get()), nullptr);

  // Validity: now - 30 s .. about a year.
  const std::time_t t_now = std::chrono::system_clock::to_time_t(now);
  int days = 0;
  int secs = 0;
  ASN1_TIME* now_asn1 = ASN1_TIME_set(nullptr, t_now);
  ASSERT_EQ(ASN1_TIME_diff(&days, &secs, now_asn1, X509_get0_notBefore(x.get())), 1);
  EXPECT_EQ(days, 0);
  EXPECT_EQ(secs, -30);
  ASSERT_EQ(ASN1_TIME_diff(&days, &secs, now_asn1, X509_get0_notAfter(x.get())), 1);
  EXPECT_GE(days, 365);
  EXPECT_LE(days, 367);
  ASN1_TIME_free(now_asn1);

  // Serial: positive, non-zero, at most 20 octets (RFC 5280 §4.1.2.2).
  BignumPtr serial(ASN1_INTEGER_to_BN(X509_get0_serialNumber(x.get()), nullptr));
  ASSERT_TRUE(serial);
  EXPECT_FALSE(BN_is_negative(serial.get()));
  EXPECT_FALSE(BN_is_zero(serial.get()));
  EXPECT_LE(BN_num_bytes(serial.get()), 20);
}

TEST(CryptoSelfSignedCertTest, VerifiesAsItsOwnTrustAnchorForTls) {
  SystemClock clock;
  auto cert = GenerateSelfSignedServerCert(clock);
  ASSERT_TRUE(cert.ok());
  X509Ptr x = ParseDer(cert->cert_der);
  X509StorePtr store(X509_STORE_new());
  ASSERT_EQ(X509_STORE_add_cert(store.get(), x.get()), 1);
  for (int purpose : {X509_PURPOSE_SSL_SERVER, X509_PURPOSE_SSL_CLIENT}) {
    std::unique_ptr<X509_STORE_CTX, void (*)(X509_STORE_CTX*)> ctx(X509_STORE_CTX_new(), X509_STORE_CTX_free);
    ASSERT_EQ(X509_STORE_CTX_init(ctx.get(), store.get(), x.get(), nullptr), 1);
    X509_STORE_CTX_set_purpose(ctx.get(), purpose);
    EXPECT_EQ(X509_verify_cert(ctx.get()), 1)
        << X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx.get()));
  }
}

TEST(CryptoSelfSignedCertTest, SerialsAreRandom) {
  SystemClock clock;
  std::set<std::string> serials;
  for (int i = 0; i < 5; ++i) {
    auto cert = GenerateSelfSignedServerCert(clock);
    ASSERT_TRUE(cert.ok());
    X509Ptr x = ParseDer(cert->cert_der);
    BignumPtr bn(ASN1_INTEGER_to_BN(X509_get0_serialNumber(x.get()), nullptr));
    char* hex = BN_bn2hex(bn.get());
    serials.insert(hex);
    OPENSSL_free(hex);
  }
  EXPECT_EQ(serials.size(), 5u);
}

TEST(CryptoSelfSignedCertTest, OptionsAddIpAddressesAndNames) {
  SystemClock clock;
  SelfSignedCertOptions options;
  options.common_name = "test server";
  options.dns_names = {"localhost", "ca.test"};
  options.ip_addresses = {"127.0.0.1", "::1"};
  options.key_algorithm = KeyAlgorithm::kRsa2048;
  auto cert = GenerateSelfSignedCert(clock, options);
  ASSERT_TRUE(cert.ok()) << cert.status().ToString();
  X509Ptr x = ParseDer(cert->cert_der);
  EXPECT_EQ(X509_check_ip_asc(x.get(), "127.0.0.1", 0), 1);
  EXPECT_EQ(X509_check_ip_asc(x.get(), "::1", 0), 1);
  EXPECT_EQ(X509_check_ip_asc(x.get(), "10.0.0.1", 0), 0);
  EXPECT_EQ(X509_check_host(x.get(), "ca.test", 0, 0, nullptr), 1);
  EXPECT_EQ(X509_get_signature_nid(x.get()), NID_sha256WithRSAEncryption);

  options.ip_addresses = {"not-an-ip"};
  auto bad = GenerateSelfSignedCert(clock, options);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
}

// ---------------------------------------------------------------- CA bundles

TEST(CryptoCaBundleTest, ValidationTable) {
  SystemClock clock;
  const std::string a = GenerateSelfSignedServerCert(clock).value().cert_pem;
  const std::string b = GenerateSelfSignedServerCert(clock).value().cert_pem;
  const std::string key = GenerateSelfSignedServerCert(clock).value().key_pem;
  std::string broken = b;
  broken.replace(100, 8, "!!!!!!!!");

  struct Case {
    std::string name;
    std::string pem;
    bool ok;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"one", a, true, ""},
      {"two with comments", "# root A\n" + a + "\n# root B\n" + b, true, ""},
      {"empty", "", false, "no PEM certificate found"},
      {"text", "just some text", false, "no PEM certificate found"},
      {"second broken", a + broken, false, "PEM block 2"},
      {"private key", a + key, false, "is a PRIVATE KEY, not a CERTIFICATE"},
      {"no end", "-----BEGIN CERTIFICATE-----\nMIIB\n", false, "has no \"-----END CERTIFICATE-----\" line"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    Status st = ValidateCaBundlePem(c.pem);
    EXPECT_EQ(st.ok(), c.ok) << st.ToString();
    if (!c.ok) {
      EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
      EXPECT_THAT(st.message(), HasSubstr(c.message));
      // The private key block's content never shows up in the error.
      EXPECT_THAT(st.message(), Not(HasSubstr(key.substr(28, 40))));
    }
  }
  auto parsed = ParseCertificatesPem("# root A\n" + a + "\n# root B\n" + b);
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->size(), 2u);
}

TEST(CryptoCaBundleTest, BrokenBlockLineNumberIsReported) {
  SystemClock clock;
  const std::string a = GenerateSelfSignedServerCert(clock).value().cert_pem;
  const size_t lines_a = static_cast<size_t>(std::count(a.begin(), a.end(), '\n'));
  const std::string bundle = a + "-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n";
  Status st = ValidateCaBundlePem(bundle);
  ASSERT_FALSE(st.ok());
  EXPECT_THAT(st.message(), HasSubstr("PEM block 2 (line " + std::to_string(lines_a + 1) + ")"));
  EXPECT_THAT(st.message(), HasSubstr("is not a valid certificate"));
}

// fuzz_pem_certificate found an input (a certificate with a damaged line, then a key; also kept as
// its seed regression_key_after_a_damaged_certificate) that OpenSSL decodes into a key object whose
// public parameters cannot be read: JwkThumbprint failed with "reading key parameter qx". FromPem
// keeps every key as decoded from its own PKCS#8 encoding, which has them.
TEST(PrivateKeyTest, AKeyAfterADamagedCertificateHasItsPublicParameters) {
  const std::string input(
    "-----BEGIN CERTIFICATE-----\n"
    "MIIB6DCCAY6gAwIBAgIUJu/XGHMEJnkRXeBILAMgJGHXXc4wCgYIKoZIzj0EAwIw\n"
    "KDEmMCQGA1UEAwwdUGViYmxlIEludGVybWVkaWF0ZSBDQSAxZDJlM2YwHhcNMjYx\n"
    "MTIzMDMwNjE2WhcNMjcwMjIxMDMwNjE2WjAWMRQwEgYDVQQDDAtleGFtcGxlLmNv\n"
    "bTBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABE9AiPS0qzSglljF+PtAH9MD9tda\n"
    "mnp6CqsfMZ8yKQXwFr6pGXNryKne7nDg+JJ9og0vfjLWFd0WfeaK4TuKjhGjgacw\n"
    "gaQwDAYDVR0TAQH/BAIwADAOBgNVHQ8BAf8EBAMCB4AwHQYDVR0lBBYwFAYIKwYB\n"
    "BQUHAwEGCCsGAQUFBwMCMCUGA1UdEQQeMBy-----BEGIN PR-\016\000BRYPTED\n"
    "----\n"
    "\n"
    "bGUuY29tMB8GA1UdIwQYMBaAFBTN1Ux4HpGKUBzXZhFY1LMNPakKMB0GA1UdDgQW\n"
    "BBT9Blgc1d+Vo1LMm/PbJgUXhR3FGjAKBggqhkjOPQQDAgNIADBFAiAqniRBZa4P\n"
    "ODxoZU8/C+iKGnAGUrfKuHWTpB49487/OAIhAPo/r+TIWB+83C5Y9wA2eEsqECzr\n"
    "Yf26BeCDE+13cdjb\n"
    "-----END CERTIFICATE-----\n"
    "-----BEGIN PRIVATE KEY-----\n"
    "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg5iy2N5VZ81i/NJ8P\n"
    "kQuLdofKnWsj7KO50rYexYcP6yWhRANCAARPQIj0tKs0oJZYxfj7QB/TA/bXWpp6\n"
    "egqrHzGfMikF8Ba+qRlza8ip3u5w4PiSfaINL34y1hXdFn3miuE7io4R\n"
    "-----END PRIVATE KEY-----\n",
      962);
  Result<PrivateKey> key = PrivateKey::FromPem(input);
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  Result<std::string> thumbprint = key->JwkThumbprint();
  ASSERT_TRUE(thumbprint.ok()) << thumbprint.status().ToString();
  EXPECT_EQ(*thumbprint, "WZBQLoLkFYA3uf8uKwsNEF1MwZWWsjEp7ofjzPc1dO4");
}

}  // namespace
}  // namespace ionos
