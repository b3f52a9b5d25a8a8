#include "core/acme/jws.h"

#include "core/base/encoding.h"

namespace ionos {

namespace {

// RFC 3629 well-formed UTF-8 (no overlong forms, no surrogates, nothing above U+10FFFF): what
// nlohmann::json can serialize. It throws on anything else, and the kid and url come from
// response headers (Location) of the CA.
bool IsUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    size_t n = 0;
    unsigned char lo = 0x80;
    unsigned char hi = 0xbf;
    if (c < 0x80) {
      ++i;
      continue;
    } else if (c >= 0xc2 && c <= 0xdf) {
      n = 1;
    } else if (c >= 0xe0 && c <= 0xef) {
      n = 2;
      lo = c == 0xe0 ? 0xa0 : 0x80;
      hi = c == 0xed ? 0x9f : 0xbf;
    } else if (c >= 0xf0 && c <= 0xf4) {
      n = 3;
      lo = c == 0xf0 ? 0x90 : 0x80;
      hi = c == 0xf4 ? 0x8f : 0xbf;
    } else {
      return false;
    }
    if (s.size() - i <= n) {
      return false;
    }
    for (size_t k = 1; k <= n; ++k) {
      const auto b = static_cast<unsigned char>(s[i + k]);
      if (b < (k == 1 ? lo : 0x80) || b > (k == 1 ? hi : 0xbf)) {
        return false;
      }
    }
    i += n + 1;
  }
  return true;
}

Status CheckHeaderText(std::string_view value, const char* member) {
  if (!IsUtf8(value)) {
    return InvalidArgumentError(std::string("JWS: the ") + member + " header is not valid UTF-8");
  }
  return Status::Ok();
}

}  // namespace

Result<nlohmann::json> SignJwsObject(const PrivateKey& key, std::string_view kid, std::string_view nonce,
                                     std::string_view url, std::string_view payload) {
  if (url.empty()) {
    return InvalidArgumentError("JWS: the url header must not be empty");
  }
  IONOS_RETURN_IF_ERROR(CheckHeaderText(url, "url"));
  IONOS_RETURN_IF_ERROR(CheckHeaderText(kid, "kid"));
  IONOS_RETURN_IF_ERROR(CheckHeaderText(nonce, "nonce"));
  nlohmann::json header = nlohmann::json::object();
  header["alg"] = key.JwsAlgorithm();
  if (kid.empty()) {
    IONOS_ASSIGN_OR_RETURN_CTX(header["jwk"], key.PublicJwk(), "JWS");
  } else {
    header["kid"] = std::string(kid);
  }
  if (!nonce.empty()) {
    header["nonce"] = std::string(nonce);
  }
  header["url"] = std::string(url);

  const std::string protected_b64 = Base64UrlEncode(header.dump());
  const std::string payload_b64 = payload.empty() ? std::string() : Base64UrlEncode(payload);
  IONOS_ASSIGN_OR_RETURN_CTX(std::string signature, key.Sign(protected_b64 + "." + payload_b64), "JWS");

  nlohmann::json jws = nlohmann::json::object();
  jws["protected"] = protected_b64;
  jws["payload"] = payload_b64;
  jws["signature"] = Base64UrlEncode(signature);
  return jws;
}

Result<std::string> SignJws(const PrivateKey& key, std::string_view kid, std::string_view nonce,
                            std::string_view url, std::string_view payload) {
  IONOS_ASSIGN_OR_RETURN(nlohmann::json jws, SignJwsObject(key, kid, nonce, url, payload));
  return jws.dump();
}

Result<nlohmann::json> SignExternalAccountBinding(const PrivateKey& account_key, std::string_view eab_key_id,
                                                  std::string_view hmac_key_b64url,
                                                  std::string_view new_account_url) {
  if (eab_key_id.empty()) {
    return InvalidArgumentError("external account binding: key_id must not be empty");
  }
  IONOS_RETURN_IF_ERROR_CTX(CheckHeaderText(eab_key_id, "kid"), "external account binding");
  IONOS_RETURN_IF_ERROR_CTX(CheckHeaderText(new_account_url, "url"), "external account binding");
  Result<std::string> mac_key = Base64UrlDecode(hmac_key_b64url);
  if (!mac_key.ok()) {
    mac_key = Base64Decode(hmac_key_b64url);
  }
  if (!mac_key.ok() || mac_key->empty()) {
    return InvalidArgumentError("external account binding: key_secret is not a base64url-encoded key");
  }
  IONOS_ASSIGN_OR_RETURN_CTX(nlohmann::json jwk, account_key.PublicJwk(), "external account binding");

  nlohmann::json header = nlohmann::json::object();
  header["alg"] = "HS256";
  header["kid"] = std::string(eab_key_id);
  header["url"] = std::string(new_account_url);
  const std::string protected_b64 = Base64UrlEncode(header.dump());
  const std::string payload_b64 = Base64UrlEncode(jwk.dump());
  IONOS_ASSIGN_OR_RETURN_CTX(std::string mac, HmacSha256(*mac_key, protected_b64 + "." + payload_b64),
                             "external account binding");

  nlohmann::json jws = nlohmann::json::object();
  jws["protected"] = protected_b64;
  jws["payload"] = payload_b64;
  jws["signature"] = Base64UrlEncode(mac);
  return jws;
}

}  // namespace ionos
