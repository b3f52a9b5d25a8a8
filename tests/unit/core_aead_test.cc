// Tests for core/crypto/aead.h: AES-256-GCM sealing of private keys, and
// store_encryption_key parsing (core/store/key_sealing.h).
#include "core/crypto/aead.h"
#include "core/store/key_sealing.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "core/base/encoding.h"

namespace ionos {
namespace {

std::string Unhex(const std::string& hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  }
  return out;
}

// Hands out a fixed byte sequence (then zeros), so nonces are predictable in tests.
class FixedRandom : public Random {
 public:
  explicit FixedRandom(std::string bytes) : bytes_(std::move(bytes)) {}
  Status Fill(uint8_t* out, size_t n) override {
    for (size_t i = 0; i < n; ++i) {
      out[i] = pos_ < bytes_.size() ? static_cast<uint8_t>(bytes_[pos_]) : 0;
      ++pos_;
    }
    return Status::Ok();
  }

 private:
  std::string bytes_;
  size_t pos_ = 0;
};

class FailingRandom : public Random {
 public:
  Status Fill(uint8_t*, size_t) override { return InternalError("entropy source unavailable"); }
};

const std::string kKey(32, '\x42');

TEST(AeadTest, AesGcmKnownAnswerMatchesGcmSpecTestCase16) {
  // McGrew & Viega, "The Galois/Counter Mode of Operation", test case 16 (AES-256, 96-bit IV, AAD).
  const std::string key = Unhex("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308");
  const std::string iv = Unhex("cafebabefacedbaddecaf888");
  const std::string plaintext = Unhex(
      "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de65"
      "7ba637b39");
  const std::string aad = Unhex("feedfacedeadbeeffeedfacedeadbeefabaddad2");
  const std::string expected_ct = Unhex(
      "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0ab"
      "cc9f662");
  const std::string expected_tag = Unhex("76fc6ece0f4e1768cddf8853bb2d551b");

  FixedRandom random(iv);
  Result<std::string> sealed = AesGcmSeal(key, plaintext, aad, random);
  ASSERT_TRUE(sealed.ok()) << sealed.status().ToString();
  EXPECT_EQ(HexEncode(*sealed), HexEncode(iv + expected_ct + expected_tag));

  Result<std::string> opened = AesGcmOpen(key, *sealed, aad);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_EQ(*opened, plaintext);
}

TEST(AeadTest, AesGcmRoundTripTable) {
  struct Case {
    const char* name;
    std::string plaintext;
    std::string aad;
  };
  const std::vector<Case> cases = {
      {"empty plaintext, empty aad", "", ""},
      {"empty plaintext with aad", "", "record-id"},
      {"one byte", "x", "id"},
      {"pem-like", "-----BEGIN PRIVATE KEY-----\nMIIB...\n-----END PRIVATE KEY-----\n", "3f0c7a"},
      {"binary with NULs", std::string("\0\1\2\0\xff\xfe", 6), std::string("\0a\0", 3)},
      {"block boundary 16", std::string(16, 'a'), "aad"},
      {"not block aligned 17", std::string(17, 'b'), ""},
      {"one mebibyte", std::string(1 << 20, 'z'), "big"},
  };
  SystemRandom random;
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    Result<std::string> sealed = AesGcmSeal(kKey, c.plaintext, c.aad, random);
    ASSERT_TRUE(sealed.ok()) << sealed.status().ToString();
    EXPECT_EQ(sealed->size(), kAesGcmNonceSize + c.plaintext.size() + kAesGcmTagSize);
    if (c.plaintext.size() >= 8) {
      EXPECT_EQ(sealed->find(c.plaintext), std::string::npos) << "plaintext visible in sealed output";
    }
    Result<std::string> opened = AesGcmOpen(kKey, *sealed, c.aad);
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    EXPECT_EQ(*opened, c.plaintext);
  }
}

TEST(AeadTest, AesGcmSealedLayoutStartsWithTheNonce) {
  const std::string nonce = "0123456789ab";
  FixedRandom random(nonce);
  Result<std::string> sealed = AesGcmSeal(kKey, "hello", "", random);
  ASSERT_TRUE(sealed.ok());
  EXPECT_EQ(sealed->substr(0, kAesGcmNonceSize), nonce);
  EXPECT_EQ(sealed->size(), 12u + 5u + 16u);
}

TEST(AeadTest, AesGcmEverySealUsesAFreshNonce) {
  SystemRandom random;
  Result<std::string> a = AesGcmSeal(kKey, "same plaintext", "same aad", random);
  Result<std::string> b = AesGcmSeal(kKey, "same plaintext", "same aad", random);
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(b.ok());
  EXPECT_NE(a->substr(0, kAesGcmNonceSize), b->substr(0, kAesGcmNonceSize));
  EXPECT_NE(*a, *b);
}

TEST(AeadTest, AesGcmTamperingIsDetectedTable) {
  SystemRandom random;
  const std::string plaintext = "-----BEGIN EC PRIVATE KEY-----\nsecret\n-----END EC PRIVATE KEY-----\n";
  Result<std::string> sealed_result = AesGcmSeal(kKey, plaintext, "cert-1", random);
  ASSERT_TRUE(sealed_result.ok());
  const std::string sealed = *sealed_result;

  auto flip = [&](size_t pos) {
    std::string s = sealed;
    s[pos] = static_cast<char>(s[pos] ^ 0x01);
    return s;
  };
  struct Case {
    const char* name;
    std::string sealed;
    std::string aad;
  };
  const std::vector<Case> cases = {
      {"flipped nonce byte", flip(0), "cert-1"},
      {"flipped last nonce byte", flip(kAesGcmNonceSize - 1), "cert-1"},
      {"flipped ciphertext byte", flip(kAesGcmNonceSize + 3), "cert-1"},
      {"flipped tag byte", flip(sealed.size() - 1), "cert-1"},
      {"truncated by one byte", sealed.substr(0, sealed.size() - 1), "cert-1"},
      {"extra trailing byte", sealed + "x", "cert-1"},
      {"different aad (record swapped)", sealed, "cert-2"},
      {"empty aad", sealed, ""},
      {"ciphertext removed", sealed.substr(0, kAesGcmNonceSize) + sealed.substr(sealed.size() - kAesGcmTagSize),
       "cert-1"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    Result<std::string> opened = AesGcmOpen(kKey, c.sealed, c.aad);
    ASSERT_FALSE(opened.ok());
    EXPECT_EQ(opened.status().code(), StatusCode::kDataLoss);
    EXPECT_NE(opened.status().message().find("the key is wrong or the data was altered"), std::string::npos)
        << opened.status().message();
  }
}

TEST(AeadTest, AesGcmWrongKeyIsDataLossWithoutKeyBytes) {
  SystemRandom random;
  Result<std::string> sealed = AesGcmSeal(kKey, "secret pem", "id", random);
  ASSERT_TRUE(sealed.ok());
  const std::string wrong_key(32, 'W');
  Result<std::string> opened = AesGcmOpen(wrong_key, *sealed, "id");
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().code(), StatusCode::kDataLoss);
  const std::string message = opened.status().message();
  EXPECT_NE(message.find("key is wrong"), std::string::npos);
  EXPECT_EQ(message.find(wrong_key), std::string::npos);
  EXPECT_EQ(message.find(kKey), std::string::npos);
  EXPECT_EQ(message.find(HexEncode(wrong_key)), std::string::npos);
  EXPECT_EQ(message.find(Base64Encode(wrong_key)), std::string::npos);
  EXPECT_EQ(message.find("secret pem"), std::string::npos);
}

TEST(AeadTest, AesGcmTooShortSealedDataIsDataLoss) {
  for (size_t n : {size_t{0}, size_t{1}, kAesGcmNonceSize, kAesGcmNonceSize + kAesGcmTagSize - 1}) {
    SCOPED_TRACE(n);
    Result<std::string> opened = AesGcmOpen(kKey, std::string(n, 'a'), "");
    ASSERT_FALSE(opened.ok());
    EXPECT_EQ(opened.status().code(), StatusCode::kDataLoss);
  }
}

TEST(AeadTest, AesGcmKeyMustBe32BytesTable) {
  SystemRandom random;
  for (size_t n : {size_t{0}, size_t{16}, size_t{24}, size_t{31}, size_t{33}, size_t{64}}) {
    SCOPED_TRACE(n);
    const std::string key(n, 'k');
    Result<std::string> sealed = AesGcmSeal(key, "x", "", random);
    ASSERT_FALSE(sealed.ok());
    EXPECT_EQ(sealed.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(sealed.status().message().find("got " + std::to_string(n)), std::string::npos);
    Result<std::string> opened = AesGcmOpen(key, std::string(40, 'a'), "");
    ASSERT_FALSE(opened.ok());
    EXPECT_EQ(opened.status().code(), StatusCode::kInvalidArgument);
  }
}

TEST(AeadTest, AesGcmRandomFailureIsPropagated) {
  FailingRandom random;
  Result<std::string> sealed = AesGcmSeal(kKey, "x", "", random);
  ASSERT_FALSE(sealed.ok());
  EXPECT_EQ(sealed.status().code(), StatusCode::kInternal);
  EXPECT_NE(sealed.status().message().find("nonce"), std::string::npos);
}

TEST(ParseStoreEncryptionKeyTest, Table) {
  const std::string raw32 = Unhex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
  const std::string raw_url_safe = std::string(32, '\xfb');  // encodes to '+'/'/' or '-'/'_'
  struct Case {
    const char* name;
    std::string input;
    bool ok;
    std::string expected_key;   // when ok
    std::string message_part;   // when not ok
  };
  const std::vector<Case> cases = {
      {"standard base64 with padding", Base64Encode(raw32), true, raw32, ""},
      {"without padding", Base64Encode(raw32, /*pad=*/false), true, raw32, ""},
      {"trailing newline (from a file)", Base64Encode(raw32) + "\n", true, raw32, ""},
      {"surrounding spaces", "  " + Base64Encode(raw32) + "  ", true, raw32, ""},
      {"standard alphabet +/", Base64Encode(raw_url_safe), true, raw_url_safe, ""},
      {"url-safe alphabet -_", Base64UrlEncode(raw_url_safe), true, raw_url_safe, ""},
      {"empty", "", false, "", "got 0"},
      {"16 bytes", Base64Encode(std::string(16, 'a')), false, "", "must be base64 of exactly 32 bytes, got 16"},
      {"31 bytes", Base64Encode(std::string(31, 'a')), false, "", "got 31"},
      {"33 bytes", Base64Encode(std::string(33, 'a')), false, "", "got 33"},
      {"64 bytes (hex of a key?)", HexEncode(raw32), false, "", "got 48"},
      {"not base64", "this is not base64!!", false, "", "not valid base64"},
      {"inner whitespace", Base64Encode(raw32).insert(10, " "), false, "", "not valid base64"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    Result<std::string> key = ParseStoreEncryptionKey(c.input);
    ASSERT_EQ(key.ok(), c.ok) << key.status().ToString();
    if (c.ok) {
      EXPECT_EQ(*key, c.expected_key);
    } else {
      EXPECT_EQ(key.status().code(), StatusCode::kInvalidArgument);
      EXPECT_NE(key.status().message().find(c.message_part), std::string::npos) << key.status().message();
      EXPECT_NE(key.status().message().find("store_encryption_key"), std::string::npos);
      if (!c.input.empty()) {
        EXPECT_EQ(key.status().message().find(c.input), std::string::npos) << "input echoed in error";
      }
    }
  }
}

}  // namespace
}  // namespace ionos
