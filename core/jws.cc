#include "core/jws.h"

#include "core/encoding.h"

namespace ionos {

Result<nlohmann::json> SignJwsObject(const PrivateKey& key, std::string_view kid, std::string_view nonce,
                                     std::string_view url, std::string_view payload) {
  if (url.empty()) {
    return InvalidArgumentError("JWS: the url header must not be empty");
  }
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
