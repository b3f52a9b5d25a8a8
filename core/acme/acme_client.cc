#include "core/acme/acme_client.h"

#include <strings.h>

#include <algorithm>
#include <cctype>
#include <ctime>

#include "core/acme/jws.h"
#include "core/base/json.h"
#include "core/base/retry.h"
#include "core/base/strings.h"

namespace ionos {

namespace {

constexpr std::string_view kAcmeErrorPrefix = "urn:ietf:params:acme:error:";
constexpr size_t kMaxPooledNonces = 32;
// With the pool empty, a new nonce is asked for (HEAD newNonce) only while fewer requests than
// this are on their way back, each with a nonce; otherwise the first of their answers is awaited.
// A burst of concurrent orders then costs a few newNonce requests, not one per order, and the
// wait is no longer than the newNonce request it saves.
constexpr int kNonceSourcesBeforeFetch = 3;
constexpr Duration kDefaultUnavailableWait{500};


// RFC 8555 §6.7.1 problems carry subproblems; nested ones deeper than this are ignored (a
// hostile answer could otherwise nest them until the recursion runs out of stack).
constexpr int kMaxSubproblemDepth = 3;

// RFC 8555 §6.5.1: a nonce is base64url without padding.
bool ValidNonce(std::string_view nonce) {
  if (nonce.empty() || nonce.size() > 512) {
    return false;
  }
  return std::all_of(nonce.begin(), nonce.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
  });
}

// A short, printable excerpt of a non-JSON error body (an HTML error page of a proxy, say).
std::string BodyExcerpt(std::string_view body) {
  std::string out;
  for (char c : body.substr(0, 200)) {
    out.push_back(std::isprint(static_cast<unsigned char>(c)) ? c : ' ');
  }
  out = std::string(TrimSpace(out));
  if (body.size() > 200 && !out.empty()) {
    out += "...";
  }
  return out;
}

AcmeProblem ProblemFromResponse(const HttpResponse& response) {
  if (const std::optional<nlohmann::json> j = ParseJson(response.body)) {
    if (auto p = AcmeProblem::FromJson(*j)) {
      if (p->status == 0) {
        p->status = response.status;
      }
      return *p;
    }
  }
  AcmeProblem p;
  p.status = response.status;
  const std::string excerpt = BodyExcerpt(response.body);
  p.detail = "HTTP " + std::to_string(response.status) + (excerpt.empty() ? "" : " (" + excerpt + ")");
  return p;
}

}  // namespace

// ---------------------------------------------------------------- problems

std::string AcmeProblem::ShortType() const {
  if (type.rfind(kAcmeErrorPrefix, 0) == 0) {
    return type.substr(kAcmeErrorPrefix.size());
  }
  return type;
}

std::string AcmeProblem::ToString() const {
  std::string out;
  if (!identifier.empty()) {
    out += identifier + ": ";
  }
  if (!type.empty()) {
    out += type;
    if (!detail.empty()) {
      out += ": ";
    }
  }
  out += detail;
  if (type.empty() && detail.empty()) {
    out += "HTTP " + std::to_string(status);
  }
  if (!instance.empty()) {
    out += " (see " + instance + ")";
  }
  if (!subproblems.empty()) {
    out += " [";
    for (size_t i = 0; i < subproblems.size(); ++i) {
      out += (i == 0 ? "" : "; ") + subproblems[i].ToString();
    }
    out += "]";
  }
  return out;
}

namespace {

std::optional<AcmeProblem> ProblemFromJson(const nlohmann::json& j, int depth) {
  if (JsonMember(j, "type") == nullptr && JsonMember(j, "detail") == nullptr) {
    return std::nullopt;  // also for anything that is not an object
  }
  // Every text of a problem document reaches a terminal or a log line: no control characters.
  AcmeProblem p;
  p.type = TerminalSafe(JsonString(j, "type"));
  p.detail = TerminalSafe(JsonString(j, "detail"));
  p.instance = TerminalSafe(JsonString(j, "instance"));
  // An HTTP status code; anything else (a string, a float, 2^40) is ignored.
  p.status = static_cast<int>(JsonInteger(j, "status", 0, 999).value_or(0));
  if (const nlohmann::json* id = JsonMember(j, "identifier"); id != nullptr && id->is_object()) {
    const std::string t = JsonString(*id, "type");
    const std::string v = JsonString(*id, "value");
    p.identifier = TerminalSafe(t.empty() ? v : t + ":" + v);
  }
  if (depth < kMaxSubproblemDepth) {
    for (const auto& sub : JsonArray(j, "subproblems")) {
      if (auto sp = ProblemFromJson(sub, depth + 1)) {
        p.subproblems.push_back(std::move(*sp));
      }
    }
  }
  return p;
}

}  // namespace

std::optional<AcmeProblem> AcmeProblem::FromJson(const nlohmann::json& j) { return ProblemFromJson(j, 0); }

StatusCode AcmeProblemCode(const AcmeProblem& problem, int http_status) {
  const std::string t = problem.type.rfind(kAcmeErrorPrefix, 0) == 0 ? problem.ShortType() : std::string();
  if (t == "rateLimited") {
    return StatusCode::kResourceExhausted;
  }
  if (t == "unauthorized") {
    return StatusCode::kPermissionDenied;
  }
  if (t == "accountDoesNotExist") {
    return StatusCode::kNotFound;
  }
  if (t == "malformed" || t == "invalidContact" || t == "unsupportedContact" || t == "externalAccountRequired" ||
      t == "badCSR" || t == "badPublicKey" || t == "badSignatureAlgorithm" || t == "rejectedIdentifier" ||
      t == "unsupportedIdentifier" || t == "badRevocationReason" || t == "invalidProfile") {
    return StatusCode::kInvalidArgument;
  }
  if (t == "serverInternal" || t == "badNonce") {
    return StatusCode::kUnavailable;
  }
  if (t == "orderNotReady" || t == "userActionRequired" || t == "caa" || t == "dns" || t == "connection" ||
      t == "tls" || t == "incorrectResponse" || t == "compound" || t == "alreadyRevoked" ||
      t == "alreadyReplaced") {
    return StatusCode::kFailedPrecondition;
  }
  const int s = http_status != 0 ? http_status : problem.status;
  if (s >= 500) {
    return StatusCode::kUnavailable;
  }
  switch (s) {
    case 400: return StatusCode::kInvalidArgument;
    case 401: return StatusCode::kUnauthenticated;
    case 403: return StatusCode::kPermissionDenied;
    case 404: return StatusCode::kNotFound;
    case 429: return StatusCode::kResourceExhausted;
    default: return StatusCode::kFailedPrecondition;
  }
}

Status AcmeProblemToStatus(const AcmeProblem& problem, int http_status, std::optional<TimePoint> retry_after) {
  std::string message = problem.ToString();
  if (retry_after) {
    message += " (retry after " + FormatRfc3339(*retry_after) + ")";
  }
  return Status(AcmeProblemCode(problem, http_status), std::move(message));
}

// ---------------------------------------------------------------- responses

std::string AcmeResponse::Header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (k.size() == name.size() && strncasecmp(k.data(), name.data(), name.size()) == 0) {
      return v;
    }
  }
  return std::string();
}

std::vector<std::string> AcmeResponse::Links(std::string_view rel) const {
  std::vector<std::string> out;
  for (const auto& [name, header] : headers) {
    if (strcasecmp(name.c_str(), "Link") != 0) {
      continue;
    }
    // Link: <url>; rel="up", <url2>; rel=alternate   (RFC 8288 §3)
    size_t pos = 0;
    while (true) {
      const size_t lt = header.find('<', pos);
      if (lt == std::string::npos) {
        break;
      }
      const size_t gt = header.find('>', lt);
      if (gt == std::string::npos) {
        break;
      }
      const std::string target = header.substr(lt + 1, gt - lt - 1);
      size_t next = header.find('<', gt);
      // Parameters run up to the next link (a comma followed by '<').
      const std::string params = header.substr(gt + 1, next == std::string::npos ? std::string::npos : next - gt - 1);
      size_t r_pos = 0;
      while ((r_pos = params.find("rel", r_pos)) != std::string::npos) {
        size_t p = r_pos + 3;
        while (p < params.size() && params[p] == ' ') {
          ++p;
        }
        if (p >= params.size() || params[p] != '=') {
          r_pos = p;
          continue;
        }
        ++p;
        while (p < params.size() && params[p] == ' ') {
          ++p;
        }
        std::string value;
        if (p < params.size() && params[p] == '"') {
          const size_t q = params.find('"', p + 1);
          value = params.substr(p + 1, q == std::string::npos ? std::string::npos : q - p - 1);
        } else {
          const size_t q = params.find_first_of(";,", p);
          value = TrimSpace(params.substr(p, q == std::string::npos ? std::string::npos : q - p));
        }
        // rel may hold several space-separated relation types.
        size_t s = 0;
        while (s <= value.size()) {
          const size_t sp = value.find(' ', s);
          const std::string one = value.substr(s, sp == std::string::npos ? std::string::npos : sp - s);
          if (one == rel) {
            out.push_back(target);
            break;
          }
          if (sp == std::string::npos) {
            break;
          }
          s = sp + 1;
        }
        break;
      }
      if (next == std::string::npos) {
        break;
      }
      pos = next;
    }
  }
  return out;
}

Result<nlohmann::json> AcmeResponse::Json() const {
  std::optional<nlohmann::json> j = ParseJson(body);
  if (!j) {
    return UnavailableError("the ACME server answered HTTP " + std::to_string(status) + " with a body that is not JSON");
  }
  return std::move(*j);
}

// ---------------------------------------------------------------- client

AcmeClient::AcmeClient(AcmeClientOptions options) : options_(std::move(options)) {}

// The transport failures of one logical request (see AcmeClientOptions::max_transport_retries).
class AcmeClient::TransportRetry {
 public:
  explicit TransportRetry(const AcmeClientOptions& options)
      : options_(options),
        budget_(*options.clock, RetryBudget::Limits{options.max_transport_retries,
                                                    BackoffPolicy{options.transport_retry_wait, Duration::max()},
                                                    options.max_transport_retry_time, Duration(0)}) {}

  // The server answered (any HTTP status): a later transport failure starts a new budget, so
  // waits the server asked for (503, badNonce) do not use it up.
  void Reset() { budget_.Reset(); }

  // After a failed attempt: OK when another attempt should follow (the wait is done); otherwise
  // the error to return, which says how often it was tried.
  Status Next(const Status& failure, std::string_view url) {
    if (failure.code() != StatusCode::kUnavailable) {
      return failure;
    }
    const std::optional<Duration> wait = budget_.NextWait();
    if (!wait) {
      return budget_.failures() == 1 ? failure : failure.WithContext(budget_.GiveUpText());
    }
    options_.logger->Debug("ACME request failed in transport, retrying",
                           {{"url", std::string(url)},
                            {"attempt", std::to_string(budget_.failures())},
                            {"wait_ms", std::to_string(wait->count())},
                            {"error", failure.message()}});
    return budget_.Wait(*wait, options_.cancel);
  }

 private:
  const AcmeClientOptions& options_;
  RetryBudget budget_;
};

Result<HttpResponse> AcmeClient::DoWithRetries(const HttpRequest& request) {
  TransportRetry retry(options_);
  while (true) {
    Result<HttpResponse> response = options_.http->Do(request, options_.cancel);
    if (response.ok()) {
      return response;
    }
    IONOS_RETURN_IF_ERROR(retry.Next(response.status(), request.url));
  }
}

Result<std::unique_ptr<AcmeClient>> AcmeClient::Create(AcmeClientOptions options) {
  if (options.http == nullptr) {
    return InvalidArgumentError("AcmeClient needs an HTTP client");
  }
  IONOS_ASSIGN_OR_RETURN_CTX(ParsedUrl url, ParseHttpUrl(options.directory_url), "ACME directory URL");
  (void)url;
  if (options.clock == nullptr) {
    options.clock = &DefaultClock();
  }
  if (options.logger == nullptr) {
    options.logger = &DiscardLogger();
  }
  options.max_bad_nonce_retries = std::max(0, options.max_bad_nonce_retries);
  options.max_unavailable_retries = std::max(0, options.max_unavailable_retries);
  options.max_transport_retries = std::max(0, options.max_transport_retries);
  return std::unique_ptr<AcmeClient>(new AcmeClient(std::move(options)));
}

size_t AcmeClient::pooled_nonces() const {
  std::lock_guard<std::mutex> lock(nonce_mu_);
  return nonces_.size();
}

void AcmeClient::KeepNonce(const HttpResponse& response) {
  std::string nonce = std::string(TrimSpace(response.Header("Replay-Nonce")));
  if (!ValidNonce(nonce)) {
    return;
  }
  {
    std::lock_guard<std::mutex> lock(nonce_mu_);
    if (nonces_.size() >= kMaxPooledNonces) {
      nonces_.erase(nonces_.begin());  // drop the oldest, the one most likely to have expired
    }
    nonces_.push_back(std::move(nonce));
  }
  nonce_cv_.notify_one();
}

void AcmeClient::NonceSourceDone() {
  {
    std::lock_guard<std::mutex> lock(nonce_mu_);
    --nonce_sources_;
  }
  nonce_cv_.notify_all();  // a waiter may now ask for a nonce itself
}

Result<std::string> AcmeClient::TakeNonce(const std::string& new_nonce_url, TransportRetry& retry) {
  {
    std::unique_lock<std::mutex> lock(nonce_mu_);
    while (nonces_.empty() && nonce_sources_ >= kNonceSourcesBeforeFetch) {
      if (options_.cancel != nullptr && options_.cancel->cancelled()) {
        return CancelledError("ACME request cancelled");
      }
      // Woken by a pooled nonce or a finished request; the timeout only re-checks the cancel token.
      nonce_cv_.wait_for(lock, std::chrono::milliseconds(50));
    }
    ++nonce_sources_;  // the caller's POST, or the HEAD below on its behalf
    if (!nonces_.empty()) {
      std::string nonce = std::move(nonces_.back());
      nonces_.pop_back();
      return nonce;
    }
  }
  // From here the HEAD is the source; on failure it ends without a POST to follow.
  Result<std::string> fetched = FetchNonce(new_nonce_url, retry);
  if (!fetched.ok()) {
    NonceSourceDone();
  }
  return fetched;
}

Result<std::string> AcmeClient::FetchNonce(const std::string& new_nonce_url, TransportRetry& retry) {
  // RFC 8555 §7.2: HEAD newNonce answers 200 with a Replay-Nonce header.
  HttpRequest request;
  request.method = "HEAD";
  request.url = new_nonce_url;
  Result<HttpResponse> answered = options_.http->Do(request, options_.cancel);
  while (!answered.ok()) {
    IONOS_RETURN_IF_ERROR_CTX(retry.Next(answered.status(), new_nonce_url), "newNonce");
    answered = options_.http->Do(request, options_.cancel);
  }
  HttpResponse response = std::move(answered).value();
  if (response.status >= 400) {
    return AcmeProblemToStatus(ProblemFromResponse(response), response.status, std::nullopt)
        .WithContext("newNonce " + new_nonce_url);
  }
  std::string nonce = std::string(TrimSpace(response.Header("Replay-Nonce")));
  if (!ValidNonce(nonce)) {
    return UnavailableError("newNonce " + new_nonce_url + ": the response carries no valid Replay-Nonce header");
  }
  return nonce;
}

AcmeResponse AcmeClient::ToAcmeResponse(HttpResponse&& response) const {
  AcmeResponse out;
  out.status = response.status;
  const std::string retry_after = response.Header("Retry-After");
  if (!retry_after.empty()) {
    out.retry_after = ParseRetryAfter(retry_after, options_.clock->Now());
  }
  out.headers = std::move(response.headers);
  out.body = std::move(response.body);
  return out;
}

Result<AcmeDirectory> AcmeClient::Directory() {
  std::lock_guard<std::mutex> lock(directory_mu_);
  if (directory_) {
    return *directory_;
  }
  if (!directory_failure_.ok() &&
      options_.clock->Now() - directory_failed_at_ < options_.max_transport_retry_time) {
    return directory_failure_;  // the fetch just failed after its retries; do not queue up to repeat them
  }
  const std::string& url = options_.directory_url;
  HttpRequest request;
  request.method = "GET";
  request.url = url;
  request.headers = {{"Accept", "application/json"}};
  Result<HttpResponse> fetched = DoWithRetries(request);
  if (!fetched.ok()) {
    Status failure = fetched.status().WithContext("ACME directory " + url);
    if (failure.code() == StatusCode::kUnavailable) {
      directory_failure_ = failure;
      directory_failed_at_ = options_.clock->Now();
    }
    return failure;
  }
  directory_failure_ = Status::Ok();
  HttpResponse response = std::move(fetched).value();
  KeepNonce(response);
  if (response.status >= 500 || response.status == 429) {
    return AcmeProblemToStatus(ProblemFromResponse(response), response.status, std::nullopt)
        .WithContext("ACME directory " + url);
  }
  const std::string not_directory = url + " is not an ACME directory";
  if (response.status != 200) {
    return InvalidArgumentError(not_directory + " (HTTP " + std::to_string(response.status) + ")");
  }
  const nlohmann::json j = ParseJson(response.body).value_or(nlohmann::json());
  if (!j.is_object()) {
    return InvalidArgumentError(not_directory + " (the response is not a JSON object)");
  }
  AcmeDirectory dir;
  dir.new_nonce = JsonString(j, "newNonce");
  dir.new_account = JsonString(j, "newAccount");
  dir.new_order = JsonString(j, "newOrder");
  if (dir.new_nonce.empty() || dir.new_account.empty() || dir.new_order.empty()) {
    return InvalidArgumentError(not_directory + " (missing newNonce/newAccount/newOrder)");
  }
  dir.new_authz = JsonString(j, "newAuthz");
  dir.revoke_cert = JsonString(j, "revokeCert");
  dir.key_change = JsonString(j, "keyChange");
  dir.renewal_info = JsonString(j, "renewalInfo");
  if (auto meta = j.find("meta"); meta != j.end() && meta->is_object()) {
    dir.terms_of_service = JsonString(*meta, "termsOfService");
    dir.website = JsonString(*meta, "website");
    if (auto caa = meta->find("caaIdentities"); caa != meta->end() && caa->is_array()) {
      for (const auto& c : *caa) {
        if (c.is_string()) {
          dir.caa_identities.push_back(c.get<std::string>());
        }
      }
    }
    if (auto ear = meta->find("externalAccountRequired"); ear != meta->end() && ear->is_boolean()) {
      dir.external_account_required = ear->get<bool>();
    }
    if (auto profiles = meta->find("profiles"); profiles != meta->end() && profiles->is_object()) {
      for (const auto& [name, description] : profiles->items()) {
        dir.profiles[name] = description.is_string() ? description.get<std::string>() : std::string();
      }
    }
  }
  options_.logger->Debug("fetched ACME directory", {{"url", url}});
  directory_ = dir;
  return dir;
}

Result<AcmeResponse> AcmeClient::Get(std::string_view url) {
  HttpRequest request;
  request.method = "GET";
  request.url = std::string(url);
  IONOS_ASSIGN_OR_RETURN(HttpResponse response, DoWithRetries(request));
  KeepNonce(response);
  if (response.status >= 400) {
    const auto retry_after = ParseRetryAfter(response.Header("Retry-After"), options_.clock->Now());
    return AcmeProblemToStatus(ProblemFromResponse(response), response.status, retry_after);
  }
  return ToAcmeResponse(std::move(response));
}

Result<AcmeResponse> AcmeClient::Post(const PrivateKey& key, std::string_view kid, std::string_view url,
                                      std::string_view payload, bool* resent) {
  return PostImpl(key, kid, url, payload, nullptr, resent);
}

Result<AcmeResponse> AcmeClient::PostAsGet(const PrivateKey& key, std::string_view kid, std::string_view url) {
  return PostImpl(key, kid, url, std::string_view(), nullptr);
}

Result<AcmeResponse> AcmeClient::PostImpl(const PrivateKey& key, std::string_view kid, std::string_view url,
                                          std::string_view payload, AcmeProblem* problem_out, bool* resent) {
  IONOS_ASSIGN_OR_RETURN(AcmeDirectory dir, Directory());
  int bad_nonces = 0;
  RetryBudget unavailable(*options_.clock,
                          RetryBudget::Limits{options_.max_unavailable_retries,
                                              BackoffPolicy{kDefaultUnavailableWait, kDefaultUnavailableWait},
                                              Duration::max(), options_.max_retry_wait});
  TransportRetry transport(options_);
  while (true) {
    if (options_.cancel != nullptr && options_.cancel->cancelled()) {
      return CancelledError("ACME request cancelled");
    }
    // After a transport failure the POST is signed afresh: its nonce may have been spent.
    IONOS_ASSIGN_OR_RETURN(std::string nonce, TakeNonce(dir.new_nonce, transport));
    // This POST brings a nonce back (or fails): either way it stops being awaited when it ends.
    struct SourceDone {
      AcmeClient* client;
      bool done = false;
      void Now() {
        if (!done) client->NonceSourceDone();
        done = true;
      }
      ~SourceDone() { Now(); }
    } source_done{this};
    IONOS_ASSIGN_OR_RETURN(std::string jws, SignJws(key, kid, nonce, url, payload));
    HttpRequest request;
    request.method = "POST";
    request.url = std::string(url);
    request.headers = {{"Content-Type", "application/jose+json"}};
    request.body = std::move(jws);
    Result<HttpResponse> sent = options_.http->Do(request, options_.cancel);
    if (!sent.ok()) {
      source_done.Now();
      if (resent != nullptr) {
        *resent = true;  // whatever follows: this attempt may have reached the CA
      }
      IONOS_RETURN_IF_ERROR(transport.Next(sent.status(), url));
      continue;
    }
    transport.Reset();
    HttpResponse response = std::move(sent).value();
    KeepNonce(response);
    source_done.Now();
    if (response.status < 400) {
      if (options_.logger->Enabled(LogLevel::kDebug)) {
        options_.logger->Debug("ACME request", {{"url", std::string(url)}, {"status", std::to_string(response.status)}});
      }
      return ToAcmeResponse(std::move(response));
    }

    AcmeProblem problem = ProblemFromResponse(response);
    const std::string short_type = problem.ShortType();
    const std::optional<TimePoint> retry_after =
        ParseRetryAfter(response.Header("Retry-After"), options_.clock->Now());
    if (short_type == "badNonce" && bad_nonces < options_.max_bad_nonce_retries) {
      // The error answer carries a fresh nonce (kept above); sign again with it (RFC 8555 §6.5).
      ++bad_nonces;
      options_.logger->Debug("ACME badNonce, retrying", {{"url", std::string(url)},
                                                          {"attempt", std::to_string(bad_nonces)}});
      continue;
    }
    // 503, and rateLimited/serverInternal answers that say when to come back,
    // are retried a bounded number of times when the wait is short.
    const bool retryable = response.status == 503 ||
                           ((short_type == "rateLimited" || short_type == "serverInternal") && retry_after);
    if (retryable) {
      if (std::optional<Duration> wait = unavailable.NextWait(retry_after)) {
        options_.logger->Debug("ACME server unavailable, retrying", {{"url", std::string(url)},
                                                                     {"wait_ms", std::to_string(wait->count())}});
        IONOS_RETURN_IF_ERROR(unavailable.Wait(*wait, options_.cancel));
        continue;
      }
    }
    options_.logger->Debug("ACME request failed", {{"url", std::string(url)},
                                                   {"status", std::to_string(response.status)},
                                                   {"problem", problem.type}});
    Status status = AcmeProblemToStatus(problem, response.status, retry_after);
    if (problem_out != nullptr) {
      *problem_out = std::move(problem);
    }
    return status;
  }
}

Result<AcmeAccount> AcmeClient::ParseAccount(const AcmeResponse& response, std::string account_url) const {
  AcmeAccount account;
  account.url = std::move(account_url);
  account.created = response.status == 201;
  const nlohmann::json j = ParseJson(response.body).value_or(nlohmann::json());
  if (!j.is_object()) {
    // The account object is informative only; the Location is what matters.
    return account;
  }
  account.status = JsonString(j, "status");
  account.orders_url = JsonString(j, "orders");
  if (auto c = j.find("contact"); c != j.end() && c->is_array()) {
    for (const auto& v : *c) {
      if (v.is_string()) {
        account.contact.push_back(v.get<std::string>());
      }
    }
  }
  return account;
}

Result<AcmeAccount> AcmeClient::NewAccount(const PrivateKey& key, const NewAccountRequest& request,
                                           AcmeProblem* problem_out) {
  IONOS_ASSIGN_OR_RETURN(AcmeDirectory dir, Directory());
  nlohmann::json payload = nlohmann::json::object();
  if (request.only_return_existing) {
    payload["onlyReturnExisting"] = true;
  } else {
    if (dir.external_account_required && !request.external_account_binding) {
      return InvalidArgumentError("the ACME server " + options_.directory_url +
                                  " requires an external account binding (key_id and key_secret from the CA)");
    }
    if (request.terms_of_service_agreed) {
      payload["termsOfServiceAgreed"] = true;
    }
    if (!request.contact_emails.empty()) {
      nlohmann::json contact = nlohmann::json::array();
      for (const std::string& c : request.contact_emails) {
        const std::string v(TrimSpace(c));
        if (v.empty()) {
          continue;
        }
        contact.push_back(v.find(':') == std::string::npos ? "mailto:" + v : v);
      }
      if (!contact.empty()) {
        payload["contact"] = std::move(contact);
      }
    }
    if (request.external_account_binding) {
      IONOS_ASSIGN_OR_RETURN(payload["externalAccountBinding"],
                             SignExternalAccountBinding(key, request.external_account_binding->key_id,
                                                        request.external_account_binding->hmac_key_b64url,
                                                        dir.new_account));
    }
  }
  AcmeProblem problem;
  Result<AcmeResponse> response = PostImpl(key, "", dir.new_account, DumpJson(payload), &problem);
  if (!response.ok()) {
    if (problem_out != nullptr) {
      *problem_out = problem;
    }
    if (request.only_return_existing && problem.ShortType() == "accountDoesNotExist") {
      return NotFoundError("newAccount: no account exists for this key: " + response.status().message());
    }
    return response.status().WithContext("newAccount");
  }
  std::string location = response->Location();
  if (location.empty()) {
    return UnavailableError("newAccount: the ACME server answered HTTP " + std::to_string(response->status) +
                            " without a Location header");
  }
  IONOS_ASSIGN_OR_RETURN(AcmeAccount account, ParseAccount(*response, std::move(location)));
  options_.logger->Debug(account.created ? "registered ACME account" : "found existing ACME account",
                         {{"account_url", account.url}, {"status", account.status}});
  return account;
}

Result<AcmeAccount> AcmeClient::GetAccount(const PrivateKey& key, std::string_view account_url) {
  AcmeProblem problem;
  // POST-as-GET (RFC 8555 §6.3, §7.3). Pebble refuses the older "empty update" ({}) with
  // "Use POST-as-GET to retrieve account data instead of doing an empty update".
  Result<AcmeResponse> response = PostImpl(key, account_url, account_url, std::string_view(), &problem);
  if (!response.ok()) {
    const std::string context = "fetching ACME account " + std::string(account_url);
    const std::string t = problem.ShortType();
    if (t == "accountDoesNotExist") {
      return NotFoundError(context + ": the CA does not know this account: " + response.status().message());
    }
    if (t == "unauthorized") {
      return PermissionDeniedError(context + ": the CA refuses requests of this account: " +
                                   response.status().message());
    }
    if (problem.type.empty() && response.status().code() == StatusCode::kNotFound) {
      // Only the CA's own problem document says an account is gone; a bare 404 is a proxy, a
      // load balancer or a wrong URL answering.
      return UnavailableError(context + ": " + response.status().message() +
                              " (an HTTP 404 without an ACME problem document: not the CA's answer about the account)");
    }
    return response.status().WithContext(context);
  }
  return ParseAccount(*response, std::string(account_url));
}

Result<AcmeAccount> AcmeClient::UpdateAccountContact(const PrivateKey& key, std::string_view account_url,
                                                     const std::vector<std::string>& contact_emails) {
  nlohmann::json contact = nlohmann::json::array();
  for (const std::string& c : contact_emails) {
    const std::string v(TrimSpace(c));
    if (!v.empty()) {
      contact.push_back(v.find(':') == std::string::npos ? "mailto:" + v : v);
    }
  }
  nlohmann::json payload = {{"contact", std::move(contact)}};
  IONOS_ASSIGN_OR_RETURN_CTX(AcmeResponse response, Post(key, account_url, account_url, DumpJson(payload)),
                             "updating the contact of ACME account " + std::string(account_url));
  return ParseAccount(response, std::string(account_url));
}

Status AcmeClient::DeactivateAccount(const PrivateKey& key, std::string_view account_url) {
  AcmeProblem problem;
  Result<AcmeResponse> response = PostImpl(key, account_url, account_url, R"({"status":"deactivated"})", &problem);
  if (response.ok()) {
    options_.logger->Debug("deactivated ACME account", {{"account_url", std::string(account_url)}});
    return Status::Ok();
  }
  const std::string t = problem.ShortType();
  if (t == "accountDoesNotExist" || t == "unauthorized") {
    // Already deactivated (the CA refuses requests of a non-valid account) or never known.
    options_.logger->Debug("ACME account already deactivated or unknown",
                           {{"account_url", std::string(account_url)}, {"problem", problem.type}});
    return Status::Ok();
  }
  return response.status().WithContext("deactivating ACME account " + std::string(account_url));
}

}  // namespace ionos
