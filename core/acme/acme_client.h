// ACME (RFC 8555) client: directory, nonces, signed requests, problem documents, accounts.
//
// One AcmeClient per directory URL, shared by every concurrent caller (Terraform runs up to 10
// RPCs at once): it fetches the directory once, keeps a pool of unused Replay-Nonces (RFC 8555
// §6.5) fed by every response so a fresh nonce (HEAD newNonce) is fetched only when the pool is
// empty, and re-signs a request when the server answers badNonce (RFC 8555 §6.5). Errors carry
// the CA's problem document (RFC 7807, RFC 8555 §6.7) mapped to a StatusCode.
//
// Requests are kept to the minimum: registering an account on a fresh client costs three HTTP
// requests (GET directory, HEAD newNonce, POST newAccount); later calls reuse both.
//
// The order flow (newOrder, authorizations, challenges, finalize, certificate download) builds on
// Post()/PostAsGet()/Get(), AcmeResponse (Location, Retry-After, Link) and AcmeProblem.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/base/clock.h"
#include "core/crypto/crypto.h"
#include "core/http/http.h"
#include "core/http/retry_after.h"
#include "core/base/log.h"
#include "core/base/retry.h"
#include "core/base/status.h"

namespace ionos {

// RFC 8555 §7.1.1. Optional resources are empty when the server does not offer them.
struct AcmeDirectory {
  std::string new_nonce;
  std::string new_account;
  std::string new_order;
  std::string new_authz;
  std::string revoke_cert;
  std::string key_change;
  std::string renewal_info;  // ARI (RFC 9773)
  // draft-ietf-acme-profiles §3: meta.profiles, name → description (empty: none offered).
  std::map<std::string, std::string> profiles;
  // meta
  std::string terms_of_service;
  std::string website;
  std::vector<std::string> caa_identities;
  bool external_account_required = false;
};

// A problem document (RFC 7807; ACME types in RFC 8555 §6.7, subproblems in §6.7.1).
struct AcmeProblem {
  std::string type;        // e.g. "urn:ietf:params:acme:error:badNonce"; may be empty
  std::string detail;
  int status = 0;          // the "status" member, else the HTTP status
  std::string identifier;  // subproblems: "dns:www.example.com"
  std::string instance;    // userActionRequired: a page for the user
  std::vector<AcmeProblem> subproblems;

  // The type without the "urn:ietf:params:acme:error:" prefix ("badNonce"), else the whole type.
  std::string ShortType() const;
  // "<type>: <detail>" plus identifiers and subproblems; what error messages show.
  std::string ToString() const;

  // Reads a problem object; nullopt when `j` is not an object with "type" or "detail".
  static std::optional<AcmeProblem> FromJson(const nlohmann::json& j);
};

// The StatusCode for a problem (rateLimited → kResourceExhausted, unauthorized →
// kPermissionDenied, accountDoesNotExist → kNotFound, malformed & co. → kInvalidArgument,
// serverInternal/5xx → kUnavailable, ...); unknown types fall back to the HTTP status.
StatusCode AcmeProblemCode(const AcmeProblem& problem, int http_status);
// The Status for a problem; the message carries the CA's detail and, when known, the moment
// the server allows a retry (RFC 8555 §6.6 Retry-After).
Status AcmeProblemToStatus(const AcmeProblem& problem, int http_status, std::optional<TimePoint> retry_after);

// A successful (status < 400) ACME response.
struct AcmeResponse {
  int status = 0;
  HttpHeaders headers;
  std::string body;
  std::optional<TimePoint> retry_after;  // from Retry-After, if any (polling, RFC 8555 §7.5.1)

  std::string Header(std::string_view name) const;
  std::string Location() const { return Header("Location"); }
  // Targets of Link headers with the given relation (RFC 8288), e.g. "up", "alternate", "index".
  std::vector<std::string> Links(std::string_view rel) const;
  // The body as JSON; a body that is not JSON is kUnavailable (a broken server or proxy).
  Result<nlohmann::json> Json() const;
};

// RFC 8555 §7.3.4.
struct AcmeExternalAccountBinding {
  std::string key_id;
  std::string hmac_key_b64url;  // secret; never logged
};

// RFC 8555 §7.3.
struct NewAccountRequest {
  std::vector<std::string> contact_emails;  // "user@example.com" (a "mailto:" prefix is added) or a URI
  bool terms_of_service_agreed = true;
  std::optional<AcmeExternalAccountBinding> external_account_binding;
  bool only_return_existing = false;  // RFC 8555 §7.3.1: look the key's account up, create nothing
};

// RFC 8555 §7.1.2.
struct AcmeAccount {
  std::string url;  // the account URL (Location of newAccount; the "kid" of later requests)
  std::string status;  // "valid", "deactivated", "revoked"
  std::vector<std::string> contact;
  std::string orders_url;
  bool created = false;  // newAccount answered 201 (new) rather than 200 (existing, RFC 8555 §7.3.1)
};

struct AcmeClientOptions {
  std::string directory_url;
  HttpClient* http = nullptr;            // required, not owned, must outlive the client
  const Clock* clock = nullptr;          // default: the system clock
  Logger* logger = nullptr;              // default: discard
  const CancelToken* cancel = nullptr;   // optional: aborts waits and requests
  // badNonce answers re-signed with a fresh nonce before giving up (RFC 8555 §6.5).
  // Each retry costs one request and no wait; a CA rejecting half of all nonces
  // (Pebble's PEBBLE_WFE_NONCEREJECT=50) then fails a request with odds 2^-16.
  int max_bad_nonce_retries = 15;
  // 503 answers, and rateLimited/serverInternal problems carrying Retry-After, are retried
  // after their Retry-After when that is at most max_retry_wait away; then the CA's detail is
  // returned.
  int max_unavailable_retries = 2;
  Duration max_retry_wait{std::chrono::seconds(10)};
  // Requests that fail in transport (kUnavailable from the HttpClient: connection refused or
  // reset, no answer) are tried again up to max_transport_retries times, after
  // transport_retry_wait, doubling; only while the request's attempts and waits so far took less
  // than max_transport_retry_time, so a server that times out is not waited on again and again.
  // A CA that restarts or a load balancer that drops a connection is ridden through; one that is
  // down gives "giving up after 4 attempts in 1.75s: connecting to ...". Every attempt of a POST
  // is signed afresh with a new nonce. Untrusted server certificates are not retried.
  int max_transport_retries = 3;
  Duration transport_retry_wait{std::chrono::milliseconds(250)};
  Duration max_transport_retry_time{std::chrono::seconds(5)};
};

class AcmeClient {
 public:
  static Result<std::unique_ptr<AcmeClient>> Create(AcmeClientOptions options);

  AcmeClient(const AcmeClient&) = delete;
  AcmeClient& operator=(const AcmeClient&) = delete;

  const std::string& directory_url() const { return options_.directory_url; }

  // The directory, fetched on first use and cached for the client's lifetime. A URL that answers
  // but is not an ACME directory is kInvalidArgument ("... is not an ACME directory (missing
  // newNonce/newAccount/newOrder)"); unreachable servers are kUnavailable. Concurrent first
  // callers share one fetch; a fetch that failed in transport (after its retries) is the answer
  // for callers within max_transport_retry_time after it, so they do not queue up to repeat the
  // retries one after another; later callers fetch again.
  Result<AcmeDirectory> Directory();

  // A signed POST (RFC 8555 §6.2) of `payload` (serialized JSON) to `url`. `kid` is the account
  // URL; empty embeds the key's JWK (only for newAccount). Answers with status >= 400 become
  // errors from their problem document; badNonce is retried transparently. `resent`, when given,
  // is set when an attempt failed in transport: the CA may have acted on it although its answer
  // was lost, so the answer returned may be to a repeat.
  Result<AcmeResponse> Post(const PrivateKey& key, std::string_view kid, std::string_view url,
                            std::string_view payload, bool* resent = nullptr);
  // POST-as-GET (RFC 8555 §6.3): the payload is the empty string.
  Result<AcmeResponse> PostAsGet(const PrivateKey& key, std::string_view kid, std::string_view url);
  // An unauthenticated GET (directory, renewalInfo). Status >= 400 becomes an error.
  Result<AcmeResponse> Get(std::string_view url);

  // newAccount (RFC 8555 §7.3). Agreeing to the terms is required by most CAs. When the directory
  // says externalAccountRequired and no binding is given, fails before any request.
  // only_return_existing with no account for the key → kNotFound.
  // `problem_out`, when given, receives the CA's problem document of a refused request.
  Result<AcmeAccount> NewAccount(const PrivateKey& key, const NewAccountRequest& request,
                                 AcmeProblem* problem_out = nullptr);
  // The account object at `account_url` (POST-as-GET, RFC 8555 §6.3/§7.3). Only the CA's own
  // problem documents speak about the account: accountDoesNotExist is kNotFound, unauthorized
  // (Boulder's answer for a deactivated account) kPermissionDenied; anything else, a bare HTTP
  // 404 included, is an error that says nothing about the account's existence.
  Result<AcmeAccount> GetAccount(const PrivateKey& key, std::string_view account_url);
  // Replaces the account's contact (RFC 8555 §7.3.2).
  Result<AcmeAccount> UpdateAccountContact(const PrivateKey& key, std::string_view account_url,
                                           const std::vector<std::string>& contact_emails);
  // Deactivates the account (RFC 8555 §7.3.6). Idempotent: an already deactivated or unknown
  // account is OK.
  Status DeactivateAccount(const PrivateKey& key, std::string_view account_url);

  // Unused nonces currently pooled (for tests and benchmarks).
  size_t pooled_nonces() const;

  // How long this CA took lately to validate answered challenges (order "ready") and to issue
  // after finalize (order "valid"): the order polls of every order placed through this client
  // ask first about then (core/base/retry.h LearnedWait); a Retry-After of the CA comes first.
  LearnedWait& validation_wait() { return validation_wait_; }
  LearnedWait& issuance_wait() { return issuance_wait_; }

 private:
  explicit AcmeClient(AcmeClientOptions options);

  // Post() that also hands back the problem document of a failed answer, if there was one.
  class TransportRetry;
  Result<AcmeResponse> PostImpl(const PrivateKey& key, std::string_view kid, std::string_view url,
                                std::string_view payload, AcmeProblem* problem_out, bool* resent = nullptr);
  // A pooled nonce, or a fresh one from HEAD newNonce; that request's transport failures count
  // against `retry`, the budget of the POST that needs the nonce. With the pool empty and
  // kNonceSourcesBeforeFetch requests on their way back (each answer carries a nonce), it waits
  // for one of those instead of asking for a new one: concurrent orders live on each other's
  // answers. The caller's POST counts as a source until NonceSourceDone().
  Result<std::string> TakeNonce(const std::string& new_nonce_url, TransportRetry& retry);
  void NonceSourceDone();
  // HEAD newNonce (RFC 8555 §7.2).
  Result<std::string> FetchNonce(const std::string& new_nonce_url, TransportRetry& retry);
  // One HTTP request with the transport retries described at AcmeClientOptions.
  Result<HttpResponse> DoWithRetries(const HttpRequest& request);
  void KeepNonce(const HttpResponse& response);
  AcmeResponse ToAcmeResponse(HttpResponse&& response) const;
  Result<AcmeAccount> ParseAccount(const AcmeResponse& response, std::string account_url) const;

  AcmeClientOptions options_;

  std::mutex directory_mu_;  // held while fetching, so concurrent first callers share one GET
  std::optional<AcmeDirectory> directory_;
  Status directory_failure_;  // the last transport failure of the fetch, and when it ended
  TimePoint directory_failed_at_{};

  mutable std::mutex nonce_mu_;
  std::condition_variable nonce_cv_;  // a nonce was pooled, or a request on its way back ended
  std::vector<std::string> nonces_;  // newest last
  // Requests in flight that bring a Replay-Nonce back (HEAD newNonce, and every POST).
  int nonce_sources_ = 0;

  LearnedWait validation_wait_;
  LearnedWait issuance_wait_;
};

}  // namespace ionos
