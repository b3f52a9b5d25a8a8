// A small HTTP/1.1 client interface for the core (ACME, IONOS Cloud DNS API).
//
// The interface is abstract so tests can script responses (tests/fakes/fake_http.h). The real
// implementation (NewHttpClient) runs on cpp-httplib with OpenSSL:
//   - TLS server verification is always on: OpenSSL's default roots plus `extra_ca_pem`, and the
//     host name (or IP address) must match the certificate (RFC 6125).
//   - plain http:// URLs are allowed as well (loopback test servers).
//   - connections are kept alive and reused; a small pool per scheme://host:port makes the
//     client safe and efficient under concurrent calls.
// Bodies are never logged: they may carry keys, tokens or certificates.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/base/clock.h"
#include "core/base/log.h"
#include "core/base/status.h"
#include "core/http/url.h"

namespace ionos {

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

struct HttpRequest {
  std::string method = "GET";  // GET, HEAD, POST, PUT, PATCH, DELETE
  std::string url;             // absolute: http(s)://host[:port]/path[?query]
  HttpHeaders headers;
  std::string body;
};

struct HttpResponse {
  int status = 0;
  HttpHeaders headers;
  std::string body;

  // The first value of header `name` (case-insensitive, RFC 9110 §5.1), or "" when absent.
  std::string Header(std::string_view name) const;
  // Every value of header `name` in order (e.g. several Link headers, RFC 8288).
  std::vector<std::string> Headers(std::string_view name) const;
};

// RFC 9110 §9.2.2: GET, HEAD, PUT, DELETE (and OPTIONS, TRACE) may be repeated without changing
// the outcome. Only these are ever sent twice by the transport; a POST whose answer was lost is
// reported to the caller, which decides (ACME signs it afresh, with a new nonce).
bool IsIdempotentMethod(std::string_view method);

class HttpClient {
 public:
  virtual ~HttpClient() = default;
  // Performs one request. A response with any HTTP status (also 4xx/5xx) is a success here;
  // errors are transport failures: UnavailableError for connection, TLS handshake and I/O
  // problems, which may pass ("connecting to https://host:port: connection failed ..."),
  // FailedPreconditionError when the server's certificate is not trusted or does not match the
  // host, which retrying cannot fix ("...: certificate verify failed: ..."), CancelledError when
  // `cancel` fires, ResourceExhaustedError for a body over max_response_bytes, UnavailableError
  // past request_deadline, InvalidArgumentError for a malformed URL. Thread-safe.
  virtual Result<HttpResponse> Do(const HttpRequest& request, const CancelToken* cancel = nullptr) = 0;
};

struct HttpClientOptions {
  // Additional trusted roots (PEM), on top of the system roots.
  std::string extra_ca_pem;
  std::chrono::seconds connect_timeout{10};
  std::chrono::seconds read_timeout{30};
  std::string user_agent;  // default "terraform-provider-ionos"
  // Optional: request lines (method, URL without query, status, duration) at trace level.
  Logger* logger = nullptr;
  // Idle keep-alive connections kept per scheme://host:port.
  size_t max_idle_connections_per_host = 8;
  // The largest response body accepted (after decompression); a longer one fails the request
  // (ResourceExhaustedError) instead of filling memory. The documents this client reads are a few
  // kilobytes (ACME objects, certificate chains) up to a few hundred (a zone's record list).
  size_t max_response_bytes = 8 << 20;
  // The whole request, from sending to the body's last byte, must end within this; a server that
  // drips its answer a byte at a time (each within read_timeout) is cut off here
  // (UnavailableError, "exceeded its deadline"). Checked whenever bytes arrive, so a silent
  // server is cut off by read_timeout first.
  std::chrono::seconds request_deadline{120};
};

Result<std::unique_ptr<HttpClient>> NewHttpClient(const HttpClientOptions& options);

}  // namespace ionos
