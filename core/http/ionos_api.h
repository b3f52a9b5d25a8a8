// File: core/http/ionos_api.h
//
// What every IONOS Cloud API client of the core shares (the Cloud DNS API and the Certificate Manager API,
// as their published API descriptions define them): one call with the Bearer token and the retry rules, the
// error body {"httpStatus":..,"messages":[{"errorCode","message"}]} turned into a Status, and the
// token scrubbed from everything an answer echoes.
//
//   - 401 → kUnauthenticated "<api> rejected the token (401 Unauthorized: <message>); check ...",
//     403 → kPermissionDenied, 404 → kNotFound, other 4xx → kInvalidArgument, 429 → kResourceExhausted (after retries), 5xx and transport errors →
//     kUnavailable. The message is the API's own (ApiErrorMessage), never the token.
//   - Retries: 429 and 503 after Retry-After (delay-seconds or HTTP-date; without it, exponential
//     backoff), at most `max_retries` times, each wait capped at `max_retry_wait`; 500/502/504 and
//     transport errors the same way but only for idempotent methods (GET, PUT, DELETE): a POST
//     whose answer was lost is reported, never repeated (RFC 9110 §9.2.2). Waits go through
//     Clock::SleepFor and end early with kCancelled when the CancelToken fires.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/base/clock.h"
#include "core/base/log.h"
#include "core/base/status.h"
#include "core/http/http.h"

namespace ionos {

struct IonosApiOptions {
  std::string api_name;  // "the IONOS Cloud DNS API": how messages name the API
  std::string product;   // "Cloud DNS": what a 403 says the token lacks permission for
  std::string base_url;  // without trailing "/"
  std::string token;     // secret
  HttpClient* http = nullptr;          // required, not owned
  const Clock* clock = nullptr;        // required
  Logger* logger = nullptr;            // required
  const CancelToken* cancel = nullptr; // optional
  int max_retries = 5;
  Duration max_retry_wait{std::chrono::seconds(30)};
  Duration initial_backoff{std::chrono::milliseconds(200)};
};

// The IonosApiOptions of a client whose own options carry the same members (base_url, token,
// http, clock, logger, cancel, max_retries, max_retry_wait, initial_backoff).
template <typename ClientOptions>
IonosApiOptions IonosApiOptionsOf(const ClientOptions& o, std::string api_name, std::string product) {
  IonosApiOptions api;
  api.api_name = std::move(api_name);
  api.product = std::move(product);
  api.base_url = o.base_url;
  api.token = o.token;
  api.http = o.http;
  api.clock = o.clock;
  api.logger = o.logger;
  api.cancel = o.cancel;
  api.max_retries = o.max_retries;
  api.max_retry_wait = o.max_retry_wait;
  api.initial_backoff = o.initial_backoff;
  return api;
}

// Drops the trailing "/" of `*base_url` and checks that it is an http(s) URL without a query (a
// path prefix is allowed: a proxy). `what` names it in messages ("IONOS Cloud DNS API URL").
Status NormalizeIonosApiBaseUrl(std::string* base_url, const std::string& what);

class IonosApiCaller {
 public:
  explicit IonosApiCaller(IonosApiOptions options) : options_(std::move(options)) {}

  // One API call with retries; returns any response below 400 (others become errors with the
  // context "METHOD URL" without the query). `path` starts with "/" and may carry a query; `body`
  // is sent as JSON when not empty. `cancellable` false: the call ignores the CancelToken
  // (cleanup that must run also after StopProvider). A status listed in `answered` is returned
  // as a response, not turned into an error (a caller that tells 409 from 422 by itself).
  Result<HttpResponse> Call(const std::string& method, const std::string& path, const std::string& body,
                            bool cancellable = true, const std::vector<int>& answered = {}) const;

  // The body of a successful answer as a JSON object (kUnavailable otherwise).
  Result<nlohmann::json> ParseBody(const HttpResponse& response) const;

  // `text` with the token replaced by "[redacted]".
  std::string Scrub(std::string text) const;

  const IonosApiOptions& options() const { return options_; }

 private:
  IonosApiOptions options_;
};

// The human-readable part of an IONOS API error body ("Unauthorized, ... [paas-auth-1]"); a body
// of another shape says what was wrong, with an excerpt; a body that is not JSON yields a short
// printable excerpt of itself ("" when empty). Never throws.
std::string IonosApiErrorMessage(const std::string& body);

// Percent-encodes one path segment (RFC 3986 §3.3: unreserved characters stay).
std::string EscapePathSegment(std::string_view s);

// Percent-encodes a query value (RFC 3986 §3.4: unreserved characters stay).
inline std::string EscapeQueryValue(std::string_view s) { return EscapePathSegment(s); }

// `text` with every occurrence of `token` replaced by "[redacted]" (tokens under 4 characters
// are left, they cannot be told from ordinary text).
std::string ScrubToken(std::string text, const std::string& token);

}  // namespace ionos
