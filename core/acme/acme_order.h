// ACME order flow primitives (RFC 8555 §7.1.3-§7.1.5, §7.4, §7.5, §8.4) over AcmeClient.
//
// This is the "plumbing" layer: one function per request, the parsers of the order,
// authorization and challenge objects, the DNS-01 digest, and the polling loop. The porcelain that
// ties ACME, DNS and the store together is CertificateIssuer (core/lifecycle/certificate_issuer.h).
//
// Contracts:
//   - Every request goes through the shared AcmeClient (nonce pool, badNonce retry, problem
//     documents). Errors keep the CA's problem detail and gain context naming the request and URL:
//       "newOrder: urn:ietf:params:acme:error:rejectedIdentifier: ..."
//       "fetching order https://ca/order/1: ..."
//   - Objects are parsed leniently: unknown members are ignored, missing optional members stay
//     empty; a body that is not a JSON object, or lacks "status", is kUnavailable (a broken CA or
//     proxy).
//   - Polling (the Wait* helpers, through core/base/retry.h Poll) never sleeps a fixed multi-second interval: each
//     wait is the server's Retry-After (RFC 8555 §7.5.1, capped at PollOptions::max_retry_after),
//     otherwise a short interval (PollOptions::initial_interval, 50 ms) doubling up to
//     PollOptions::max_interval (1 s). The last wait is cut so that one final poll happens at the
//     deadline. Waits go through Clock::SleepFor and end with kCancelled when the CancelToken
//     fires. After PollOptions::timeout the result is kDeadlineExceeded naming what was awaited
//     and its last status.
//   - An authorization or order that turns "invalid" is kFailedPrecondition carrying the CA's
//     reason: the failed challenge's error (type, detail, identifier) or the order's "error".
//     One that expired (RFC 8555 §7.1.6: an authorization "expired", hence its order "invalid")
//     is kAborted instead: nothing was wrong with it, and a new order may well succeed.
//   - Thread-safe: the functions keep no state; concurrent orders may share one AcmeClient.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/acme/acme_client.h"
#include "core/base/clock.h"
#include "core/base/retry.h"
#include "core/crypto/crypto.h"
#include "core/base/status.h"

namespace ionos {

// The account an order is placed for. Pointers are borrowed.
struct AcmeAccountRef {
  AcmeClient* client = nullptr;
  const PrivateKey* key = nullptr;
  std::string account_url;  // the JWS "kid"
};

// RFC 8555 §9.7.7: identifier types. Wildcard names are dns identifiers "*.example.com" in
// newOrder (§7.1.3); their authorization carries the base name and "wildcard": true (§7.1.4).
struct AcmeIdentifier {
  std::string type = "dns";
  std::string value;

  bool operator==(const AcmeIdentifier& other) const = default;
};

// RFC 8555 §7.1.5 (and §8).
struct AcmeChallenge {
  std::string type;    // "dns-01", "http-01", ...
  std::string url;
  std::string token;   // §8.1: base64url, at least 128 bits of entropy
  std::string status;  // "pending" | "processing" | "valid" | "invalid"
  std::optional<AcmeProblem> error;
};

// RFC 8555 §7.1.4.
struct AcmeAuthorization {
  std::string url;
  AcmeIdentifier identifier;  // never with a "*." prefix; see `wildcard`
  std::string status;  // "pending" | "valid" | "invalid" | "deactivated" | "expired" | "revoked"
  std::optional<TimePoint> expires;
  bool wildcard = false;
  std::vector<AcmeChallenge> challenges;
  std::optional<TimePoint> retry_after;  // of the response this was read from

  // The first challenge of that type, or nullptr.
  const AcmeChallenge* FindChallenge(std::string_view type) const;
  // The name as ordered: "*.example.com" for a wildcard authorization, else the identifier value.
  std::string OrderedName() const;
};

// RFC 8555 §7.1.3.
struct AcmeOrder {
  std::string url;     // the order URL (Location of newOrder)
  std::string status;  // "pending" | "ready" | "processing" | "valid" | "invalid"
  std::optional<TimePoint> expires;
  std::vector<AcmeIdentifier> identifiers;
  std::vector<std::string> authorizations;  // URLs
  std::string finalize;                     // URL
  std::string certificate;                  // URL, once valid
  std::optional<AcmeProblem> error;
  std::optional<TimePoint> retry_after;  // of the response this was read from
};

// Parsers for the objects above. `url` is where the object lives (not part of the JSON).
Result<AcmeOrder> ParseAcmeOrder(const nlohmann::json& j, std::string url);
Result<AcmeAuthorization> ParseAcmeAuthorization(const nlohmann::json& j, std::string url);
Result<AcmeChallenge> ParseAcmeChallenge(const nlohmann::json& j);

// RFC 8555 §8.4: the TXT value for a dns-01 challenge,
// base64url(SHA-256(token || "." || base64url(JWK thumbprint))).
std::string Dns01TxtValue(std::string_view token, std::string_view account_key_thumbprint);
// RFC 8555 §8.4: "_acme-challenge." + the identifier's base name (a leading "*." is dropped, so a
// wildcard and its apex share one name). Lower case, no trailing dot.
std::string Dns01RecordFqdn(std::string_view identifier_value);

// ---------------------------------------------------------------- requests (one each)

// POST newOrder {"identifiers": [...]} (§7.4). The order URL is the Location header.
// What else a newOrder may carry.
struct NewOrderOptions {
  // draft-ietf-acme-profiles §4: the profile the certificate is issued under ("" for the CA's
  // default). A CA that does not advertise it refuses the order (invalidProfile).
  std::string profile;
  // RFC 9773 §5: the ARI certID of the certificate this order replaces ("" for none).
  std::string replaces;
};
Result<AcmeOrder> NewOrder(const AcmeAccountRef& account, const std::vector<AcmeIdentifier>& identifiers,
                           const NewOrderOptions& options = {});
// POST-as-GET the order (§7.1.3).
Result<AcmeOrder> GetOrder(const AcmeAccountRef& account, const std::string& order_url);
// POST-as-GET an authorization (§7.5).
Result<AcmeAuthorization> GetAuthorization(const AcmeAccountRef& account, const std::string& authorization_url);
// POST {} to the challenge URL (§7.5.1): "I am ready, validate now". Returns the challenge.
Result<AcmeChallenge> RespondToChallenge(const AcmeAccountRef& account, const std::string& challenge_url);
// POST {"csr": base64url(DER)} to the order's finalize URL (§7.4). Returns the order (usually
// "processing" or "valid"); its url is kept from `order`. `resent`: see AcmeClient::Post.
Result<AcmeOrder> Finalize(const AcmeAccountRef& account, const AcmeOrder& order, std::string_view csr_der,
                           bool* resent = nullptr);
// POST-as-GET the certificate URL (§7.4.2): the PEM chain, leaf first
// (application/pem-certificate-chain, the default format of §9.1).
Result<std::string> DownloadCertificate(const AcmeAccountRef& account, const std::string& certificate_url);

// ---------------------------------------------------------------- polling

// The error for an authorization that is not (and will not become) valid: kFailedPrecondition
// "authorization for <name> is invalid: dns-01 challenge failed: <type>: <detail>"; for an
// "expired" one kAborted "authorization for <name> expired at <time>".
Status AuthorizationFailure(const AcmeAuthorization& authorization);

// The error for an invalid order. Fetches the order's authorizations to name the one that failed
// and the CA's detail (extra requests on this failure path only); falls back to the order's own
// "error" member. When the order expired, kAborted "order <url> expired before it was finalized:
// ...": because an authorization is "expired", or, when the CA gives no other reason, because the
// order's "expires" lies before `now`.
Status OrderFailure(const AcmeAccountRef& account, const AcmeOrder& order,
                    std::optional<TimePoint> now = std::nullopt);

// Polls the order until its status is one of `targets` (e.g. {"ready", "valid"} after the
// challenges, {"valid"} after finalize) and returns it. Returns at once, without a request, when
// `order` already has a target status. "invalid" → OrderFailure().
Result<AcmeOrder> WaitForOrder(const AcmeAccountRef& account, const Clock& clock, const CancelToken* cancel,
                               const AcmeOrder& order, const std::vector<std::string>& targets,
                               const PollOptions& options);

// Polls an authorization until it is "valid"; any other final status → AuthorizationFailure().
Result<AcmeAuthorization> WaitForAuthorization(const AcmeAccountRef& account, const Clock& clock,
                                               const CancelToken* cancel, const AcmeAuthorization& authorization,
                                               const PollOptions& options);


}  // namespace ionos
