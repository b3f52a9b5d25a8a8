#include "core/http/ionos_api.h"

#include <algorithm>
#include <cctype>
#include <optional>
#include <utility>

#include "core/base/json.h"
#include "core/base/retry.h"
#include "core/base/strings.h"
#include "core/http/retry_after.h"
#include "core/http/url.h"

namespace ionos {

namespace {

using nlohmann::json;

const char* ReasonPhrase(int status) {
  switch (status) {
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 415: return "Unsupported Media Type";
    case 422: return "Unprocessable Entity";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "";
  }
}

// "401 Unauthorized" or "HTTP 418".
std::string StatusLabel(int status) {
  const char* reason = ReasonPhrase(status);
  if (*reason == '\0') {
    return "HTTP " + std::to_string(status);
  }
  return std::to_string(status) + " " + reason;
}

// A short, printable excerpt of an answer's body for an error message ("" when empty).
std::string PrintableExcerpt(const std::string& body) {
  std::string excerpt;
  for (char ch : body) {
    if (excerpt.size() >= 200) {
      excerpt += "...";
      break;
    }
    const auto c = static_cast<unsigned char>(ch);
    excerpt.push_back(std::isprint(c) ? ch : ' ');
  }
  while (!excerpt.empty() && excerpt.back() == ' ') {
    excerpt.pop_back();
  }
  return excerpt;
}

// Maps a final (not retried, or out of retries) HTTP error status to a Status.
Status ApiErrorStatus(const IonosApiOptions& o, int status, const std::string& message) {
  const std::string detail = StatusLabel(status) + (message.empty() ? "" : ": " + message);
  if (status == 401) {
    return UnauthenticatedError(o.api_name + " rejected the token (" + detail +
                                "); check the provider's token argument or IONOS_TOKEN");
  }
  if (status == 403) {
    return PermissionDeniedError(o.api_name + " denied access (" + detail + "); the token lacks permission for " +
                                 o.product);
  }
  if (status == 404) {
    return NotFoundError(o.api_name + " found no such resource (" + detail + ")");
  }
  if (status == 429) {
    return ResourceExhaustedError(o.api_name + " is rate limiting requests (" + detail + ")");
  }
  if (status >= 400 && status < 500) {
    return InvalidArgumentError(o.api_name + " refused the request (" + detail + ")");
  }
  return UnavailableError(o.api_name + " failed (" + detail + ")");
}

}  // namespace

Status NormalizeIonosApiBaseUrl(std::string* base_url, const std::string& what) {
  *base_url = WithoutTrailingSlashes(std::move(*base_url));
  Result<ParsedUrl> url = ParseHttpUrl(*base_url);
  if (!url.ok()) {
    return url.status().WithContext(what);
  }
  if (base_url->find('?') != std::string::npos) {
    return InvalidArgumentError(what + " must not have a query: " + url->RedactedUrl());
  }
  return Status::Ok();
}

std::string EscapePathSegment(std::string_view s) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xF]);
    }
  }
  return out;
}

// The human-readable part of an API error body:
//   {"httpStatus":401,"messages":[{"errorCode":"paas-auth-1","message":"Unauthorized, ..."}]}
// becomes "Unauthorized, ... [paas-auth-1]". JSON of another shape (a member of another type, no
// "messages" list) says what was wrong, with an excerpt:
//   "an error body of the wrong shape (messages[0].message is an object, not a string): {...}"
std::string IonosApiErrorMessage(const std::string& body) {
  const std::optional<json> parsed = ParseJson(body);
  if (!parsed) {
    return PrintableExcerpt(body);
  }
  const json& j = *parsed;
  std::string wrong;  // the first deviation from the documented shape
  auto note = [&wrong](std::string what) {
    if (wrong.empty()) {
      wrong = std::move(what);
    }
  };
  std::string out;
  const json* messages = JsonMember(j, "messages");
  if (!j.is_object()) {
    note(std::string("the body is ") + JsonTypeName(j) + ", not an object");
  } else if (messages == nullptr) {
    note("no \"messages\" list");
  } else if (!messages->is_array()) {
    note(std::string("\"messages\" is ") + JsonTypeName(*messages) + ", not a list");
  } else {
    size_t index = 0;
    for (const json& m : *messages) {
      const std::string at = "messages[" + std::to_string(index++) + "]";
      if (!m.is_object()) {
        note(at + " is " + JsonTypeName(m) + ", not an object");
        continue;
      }
      std::string text;
      std::string code;
      for (const auto& [key, target] : {std::pair<const char*, std::string*>{"message", &text},
                                        std::pair<const char*, std::string*>{"errorCode", &code}}) {
        const json* member = JsonMember(m, key);
        if (member == nullptr) {
          continue;
        }
        if (member->is_string()) {
          *target = member->get_ref<const std::string&>();
        } else {
          note(at + "." + key + " is " + JsonTypeName(*member) + ", not a string");
        }
      }
      if (text.empty() && code.empty()) {
        continue;
      }
      if (!code.empty()) {
        text += (text.empty() ? "" : " ") + std::string("[") + code + "]";
      }
      out += (out.empty() ? "" : "; ") + text;
    }
  }
  if (!out.empty()) {
    return TerminalSafe(out);  // what the API meant to say, even when some other entry is malformed
  }
  const std::string excerpt = PrintableExcerpt(body);
  if (wrong.empty()) {
    return excerpt;  // the documented shape, with nothing in it
  }
  return "an error body of the wrong shape (" + wrong + ")" + (excerpt.empty() ? "" : ": " + excerpt);
}

std::string ScrubToken(std::string text, const std::string& token) {
  if (token.size() < 4) {
    return text;  // too short to scrub without mangling ordinary text
  }
  for (size_t pos = text.find(token); pos != std::string::npos; pos = text.find(token, pos)) {
    text.replace(pos, token.size(), "[redacted]");
    pos += 10;
  }
  return text;
}

std::string IonosApiCaller::Scrub(std::string text) const { return ScrubToken(std::move(text), options_.token); }

Result<json> IonosApiCaller::ParseBody(const HttpResponse& response) const {
  std::optional<json> j = ParseJson(response.body);
  if (!j || !j->is_object()) {
    return UnavailableError(options_.api_name + " answered HTTP " + std::to_string(response.status) +
                            " with a body that is not a JSON object");
  }
  return std::move(*j);
}

Result<HttpResponse> IonosApiCaller::Call(const std::string& method, const std::string& path, const std::string& body,
                                          bool cancellable, const std::vector<int>& answered) const {
  const CancelToken* cancel = cancellable ? options_.cancel : nullptr;
  HttpRequest request;
  request.method = method;
  request.url = options_.base_url + path;
  request.headers = {{"Authorization", "Bearer " + options_.token}, {"Accept", "application/json"}};
  if (!body.empty()) {
    request.headers.emplace_back("Content-Type", "application/json");
    request.body = body;
  }
  const std::string shown_url = options_.base_url + path.substr(0, path.find('?'));
  const std::string what = method + " " + shown_url;
  const bool idempotent = IsIdempotentMethod(method);
  Logger& log = *options_.logger;
  // "the IONOS Cloud DNS API" → "IONOS Cloud DNS API request"
  const std::string log_name = options_.api_name.rfind("the ", 0) == 0 ? options_.api_name.substr(4) : options_.api_name;

  RetryBudget budget(*options_.clock,
                     RetryBudget::Limits{options_.max_retries,
                                         BackoffPolicy{options_.initial_backoff, options_.max_retry_wait},
                                         Duration::max(), Duration::max()});
  while (true) {
    Result<HttpResponse> result = options_.http->Do(request, cancel);
    std::optional<TimePoint> server_retry_at;
    Status failure;
    bool retryable = false;
    if (!result.ok()) {
      failure = Status(result.status().code(), Scrub(result.status().message()));
      // A transport failure of a POST may have reached the API: only idempotent calls repeat.
      retryable = failure.code() == StatusCode::kUnavailable && idempotent;
    } else {
      const HttpResponse& response = result.value();
      if (log.Enabled(LogLevel::kDebug)) {
        log.Debug(log_name + " request", {{"method", method},
                                          {"url", shown_url},
                                          {"status", std::to_string(response.status)},
                                          {"attempt", std::to_string(budget.attempts())}});
      }
      const int status = response.status;
      if (status < 400 || std::find(answered.begin(), answered.end(), status) != answered.end()) {
        return result;
      }
      failure = ApiErrorStatus(options_, status, Scrub(IonosApiErrorMessage(response.body)));
      const bool throttled = status == 429 || status == 503;
      const bool transient = status == 500 || status == 502 || status == 504;
      retryable = throttled || (transient && idempotent);
      if (throttled) {
        server_retry_at = ParseRetryAfter(response.Header("Retry-After"), options_.clock->Now());
      }
    }
    std::optional<Duration> wait = retryable ? budget.NextWait() : std::nullopt;
    if (wait && server_retry_at) {
      // The API said when to come back: that replaces the backoff, within the cap on one wait.
      *wait = std::min(std::chrono::duration_cast<Duration>(*server_retry_at - options_.clock->Now()),
                       options_.max_retry_wait);
      *wait = std::max(*wait, Duration(0));
    }
    if (!wait) {
      if (retryable && budget.failures() > 1) {
        failure = failure.WithContext("giving up after " + std::to_string(budget.failures()) + " attempts");
      }
      return failure.WithContext(what);
    }
    log.Warn("retrying " + log_name + " request",
             {{"method", method}, {"url", shown_url}, {"reason", failure.message()},
              {"wait", FormatDuration(*wait)}, {"attempt", std::to_string(budget.failures())}});
    Status slept = budget.Wait(*wait, cancel);
    if (!slept.ok()) {
      return slept.WithContext(what + " (waiting to retry after: " + failure.message() + ")");
    }
  }
}

}  // namespace ionos
