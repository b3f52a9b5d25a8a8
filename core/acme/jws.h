// JSON Web Signatures for ACME requests.
//
// Every ACME POST body is a JWS in the flattened JSON serialization (RFC 7515 §7.2.2) whose
// protected header carries "alg", "nonce", "url" and either "jwk" (newAccount, revocation by
// certificate key) or "kid" (the account URL, everything else) — RFC 8555 §6.2. The unprotected
// header is never used.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/crypto/crypto.h"
#include "core/base/status.h"

namespace ionos {

// Signs an ACME request (RFC 8555 §6.2).
//  - kid: the account URL; empty means "embed the public key as jwk" (newAccount, RFC 8555 §7.3).
//  - nonce: the Replay-Nonce (RFC 8555 §6.5); empty omits the member (only for the inner JWS of
//    a key change, RFC 8555 §7.3.5).
//  - url: the exact request URL (RFC 8555 §6.4).
//  - payload: the serialized JSON payload; empty makes a POST-as-GET (RFC 8555 §6.3), whose
//    "payload" member is the empty string.
// Returns the serialized JSON object {"payload","protected","signature"}.
Result<std::string> SignJws(const PrivateKey& key, std::string_view kid, std::string_view nonce,
                            std::string_view url, std::string_view payload);

// The same as SignJws() but as a JSON object (to embed it in another payload).
Result<nlohmann::json> SignJwsObject(const PrivateKey& key, std::string_view kid, std::string_view nonce,
                                     std::string_view url, std::string_view payload);

// The "externalAccountBinding" member of a newAccount payload (RFC 8555 §7.3.4): a JWS with
// protected header {alg: "HS256", kid: eab_key_id, url: new_account_url} over the account's
// public JWK, MACed with the base64url-decoded `hmac_key_b64url` (standard base64 is accepted
// too, as some CAs hand keys out that way). Errors never contain the key.
Result<nlohmann::json> SignExternalAccountBinding(const PrivateKey& account_key, std::string_view eab_key_id,
                                                  std::string_view hmac_key_b64url,
                                                  std::string_view new_account_url);

}  // namespace ionos
