#include "core/http/http.h"

#include <httplib.h>
#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <dirent.h>
#include <strings.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <map>
#include <mutex>

#include "core/base/strings.h"
#include "core/crypto/crypto.h"

namespace ionos {

bool IsIdempotentMethod(std::string_view method) {
  return method == "GET" || method == "HEAD" || method == "PUT" || method == "DELETE" || method == "OPTIONS" ||
         method == "TRACE";
}

// ---------------------------------------------------------------- HttpResponse

std::string HttpResponse::Header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (EqualsIgnoreCase(k, name)) {
      return v;
    }
  }
  return std::string();
}

std::vector<std::string> HttpResponse::Headers(std::string_view name) const {
  std::vector<std::string> out;
  for (const auto& [k, v] : headers) {
    if (EqualsIgnoreCase(k, name)) {
      out.push_back(v);
    }
  }
  return out;
}

// ---------------------------------------------------------------- cpp-httplib implementation

namespace {

// True when `dirs` (':'-separated) holds at least one OpenSSL hash link ("1a2b3c4d.0").
bool HasHashedCertificates(const std::string& dirs) {
  size_t start = 0;
  while (start <= dirs.size()) {
    const size_t end = std::min(dirs.find(':', start), dirs.size());
    const std::string dir = dirs.substr(start, end - start);
    if (DIR* d = dir.empty() ? nullptr : opendir(dir.c_str())) {
      bool found = false;
      while (dirent* e = readdir(d)) {
        const std::string_view n(e->d_name);
        if (n.size() >= 10 && n[8] == '.' &&
            std::all_of(n.begin(), n.begin() + 8, [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); }) &&
            std::isdigit(static_cast<unsigned char>(n[9]))) {
          found = true;
          break;
        }
      }
      closedir(d);
      if (found) {
        return true;
      }
    }
    start = end + 1;
  }
  return false;
}

// The directory cpp-httplib is pointed at (see NewClient) and the store's lookup for it.
std::string SystemCertDir() {
  const char* env = std::getenv(X509_get_default_cert_dir_env());  // SSL_CERT_DIR
  return env != nullptr && *env != '\0' ? std::string(env) : std::string(X509_get_default_cert_dir());
}

// Adds OpenSSL's system trust to `store`, honouring SSL_CERT_FILE / SSL_CERT_DIR. Reading the
// whole default bundle file costs tens of milliseconds (the provider starts once per Terraform
// phase), so when the default directory is hashed (c_rehash / update-ca-certificates), only the
// directory lookup is added: it loads just the issuers a handshake asks for.
void LoadSystemRoots(X509_STORE* store) {
  const char* file_env = std::getenv(X509_get_default_cert_file_env());  // SSL_CERT_FILE
  const std::string dir = SystemCertDir();
  const bool explicit_file = file_env != nullptr && *file_env != '\0';
  if (explicit_file || !HasHashedCertificates(dir)) {
    X509_STORE_load_file(store, explicit_file ? file_env : X509_get_default_cert_file());
  }
  X509_STORE_load_path(store, dir.c_str());
  ERR_clear_error();  // a missing default file or directory is not an error
}

class HttplibClient final : public HttpClient {
 public:
  HttplibClient(HttpClientOptions options, X509StorePtr store)
      : options_(std::move(options)), store_(std::move(store)) {
    if (options_.user_agent.empty()) {
      options_.user_agent = "terraform-provider-ionos";
    }
  }

  Result<HttpResponse> Do(const HttpRequest& request, const CancelToken* cancel) override;

 private:
  using ClientPtr = std::unique_ptr<httplib::Client>;
  struct Pool {
    std::mutex mu;
    std::vector<ClientPtr> idle;
  };

  Pool& PoolFor(const std::string& origin) {
    std::lock_guard<std::mutex> lock(mu_);
    auto& slot = pools_[origin];
    if (!slot) {
      slot = std::make_unique<Pool>();
    }
    return *slot;
  }

  ClientPtr Acquire(Pool& pool, const ParsedUrl& url) {
    {
      std::lock_guard<std::mutex> lock(pool.mu);
      if (!pool.idle.empty()) {
        ClientPtr c = std::move(pool.idle.back());
        pool.idle.pop_back();
        return c;
      }
    }
    return NewClient(url);
  }

  void Release(Pool& pool, ClientPtr client) {
    std::lock_guard<std::mutex> lock(pool.mu);
    if (pool.idle.size() < options_.max_idle_connections_per_host) {
      pool.idle.push_back(std::move(client));
    }
  }

  ClientPtr NewClient(const ParsedUrl& url) {
    auto client = std::make_unique<httplib::Client>(url.Origin());
    client->set_keep_alive(true);
    // Headers and body go out in separate writes; without TCP_NODELAY, Nagle's algorithm and the
    // peer's delayed ACK stall every request with a body by ~40 ms.
    client->set_tcp_nodelay(true);
    client->set_follow_location(false);
    client->set_url_encode(false);
    client->set_connection_timeout(options_.connect_timeout);
    client->set_read_timeout(options_.read_timeout);
    client->set_write_timeout(options_.read_timeout);
    if (url.scheme == "https") {
      std::call_once(system_roots_once_, [this] { LoadSystemRoots(store_.get()); });
      client->enable_server_certificate_verification(true);
      // set_ca_cert_store() hands the store to the client's SSL_CTX, which frees it with the
      // client (cpp-httplib 0.11: SSL_CTX_set_cert_store). Each client gets its own reference.
      X509_STORE_up_ref(store_.get());
      client->set_ca_cert_store(store_.get());
      // The store already holds the system roots (LoadSystemRoots above). Pointing httplib at the
      // hash directory keeps it from re-reading the whole default bundle file for every new
      // connection (its fallback is SSL_CTX_set_default_verify_paths); the directory is already
      // a lookup of the store, so this adds nothing new.
      client->set_ca_cert_path(std::string(), SystemCertDir());
    }
    return client;
  }

  Status TransportError(httplib::Error error, const httplib::Client& client, const ParsedUrl& url,
                        const std::string& method) const;

  HttpClientOptions options_;
  X509StorePtr store_;
  std::once_flag system_roots_once_;
  std::mutex mu_;
  std::map<std::string, std::unique_ptr<Pool>> pools_;
};

Status HttplibClient::TransportError(httplib::Error error, const httplib::Client& client, const ParsedUrl& url,
                                     const std::string& method) const {
  const std::string connecting = "connecting to " + url.Origin();
  const std::string requesting = method + " " + url.RedactedUrl();
  switch (error) {
    case httplib::Error::Connection:
      ERR_clear_error();
      return UnavailableError(connecting + ": connection failed (refused, unreachable or name not resolvable)");
    case httplib::Error::ConnectionTimeout:
      return UnavailableError(connecting + ": connection timed out after " +
                              std::to_string(options_.connect_timeout.count()) + "s");
    case httplib::Error::BindIPAddress:
      return UnavailableError(connecting + ": cannot bind local address");
    case httplib::Error::SSLConnection: {
      const std::string why = TakeOpenSslError("");
      return UnavailableError(connecting + ": TLS handshake failed" + (why.empty() ? "" : ": " + why));
    }
    case httplib::Error::SSLLoadingCerts:
      ERR_clear_error();
      return FailedPreconditionError(connecting + ": loading the trusted CA certificates failed");
    case httplib::Error::SSLServerVerification: {
      ERR_clear_error();
      const long v = client.get_openssl_verify_result();
      if (v != X509_V_OK) {
        return FailedPreconditionError(connecting + ": certificate verify failed: " + X509_verify_cert_error_string(v) +
                                " (if the server's certificate comes from a private or test CA, add that CA's root certificate "
                                "to the provider's ca_certificates_pem)");
      }
      return FailedPreconditionError(connecting + ": certificate verify failed: the certificate does not match host \"" +
                              url.host + "\"");
    }
    case httplib::Error::Read:
      return UnavailableError(requesting + ": reading the response failed (connection closed or no answer within " +
                              std::to_string(options_.read_timeout.count()) + "s)");
    case httplib::Error::Write:
      return UnavailableError(requesting + ": sending the request failed (connection closed)");
    case httplib::Error::Canceled:
      return CancelledError(requesting + ": cancelled");
    default:
      return UnavailableError(requesting + ": " + httplib::to_string(error));
  }
}

Result<HttpResponse> HttplibClient::Do(const HttpRequest& request, const CancelToken* cancel) {
  IONOS_ASSIGN_OR_RETURN(ParsedUrl url, ParseHttpUrl(request.url));
  if (cancel != nullptr && cancel->cancelled()) {
    return CancelledError(request.method + " " + url.RedactedUrl() + ": cancelled");
  }
  Pool& pool = PoolFor(url.Origin());
  const auto start = std::chrono::steady_clock::now();

  for (int attempt = 0;; ++attempt) {
    // The retry after a stale pooled connection always dials afresh: when the server restarted,
    // every idle connection of the pool is dead.
    ClientPtr client = attempt == 0 ? Acquire(pool, url) : NewClient(url);
    if (!client->is_valid()) {
      return InternalError(std::string("creating HTTP client for ") + url.Origin() + " failed");
    }
    const bool reused = client->is_socket_open() != 0;

    httplib::Request req;
    req.method = request.method;
    req.path = url.target;
    bool has_user_agent = false;
    for (const auto& [k, v] : request.headers) {
      has_user_agent = has_user_agent || EqualsIgnoreCase(k, "User-Agent");
      req.headers.emplace(k, v);
    }
    if (!has_user_agent) {
      req.headers.emplace("User-Agent", options_.user_agent);
    }
    req.body = request.body;
    // The body arrives here chunk by chunk (decompressed, chunked or not): the size cap, the
    // overall deadline and the cancel token are checked as it comes. Returning false ends the
    // request (httplib reports Error::Canceled; `stopped` says why).
    enum class Stop { kNone, kCancelled, kTooLarge, kDeadline };
    Stop stopped = Stop::kNone;
    std::string body;
    const auto deadline = start + options_.request_deadline;
    req.content_receiver = [&](const char* data, size_t n, uint64_t, uint64_t) {
      if (cancel != nullptr && cancel->cancelled()) {
        stopped = Stop::kCancelled;
      } else if (n > options_.max_response_bytes - std::min(body.size(), options_.max_response_bytes)) {
        stopped = Stop::kTooLarge;
      } else if (std::chrono::steady_clock::now() > deadline) {
        stopped = Stop::kDeadline;
      } else {
        body.append(data, n);
        return true;
      }
      return false;
    };
    if (cancel != nullptr) {
      req.progress = [cancel, &stopped](uint64_t, uint64_t) {
        if (cancel->cancelled()) {
          stopped = Stop::kCancelled;
          return false;
        }
        return true;
      };
    }

    httplib::Response res;
    httplib::Error error = httplib::Error::Success;
    const bool ok = client->send(req, res, error);
    if (!ok && stopped == Stop::kTooLarge) {
      client.reset();  // the rest of the body is unread: the connection cannot be reused
      return ResourceExhaustedError(request.method + " " + url.RedactedUrl() + ": the answer is larger than " +
                                    std::to_string(options_.max_response_bytes) + " bytes; not read further");
    }
    if (!ok && stopped == Stop::kDeadline) {
      client.reset();
      return UnavailableError(request.method + " " + url.RedactedUrl() + ": the answer exceeded its deadline of " +
                              std::to_string(options_.request_deadline.count()) + "s (it kept arriving too slowly)");
    }
    if (!ok) {
      Status st = TransportError(error, *client, url, request.method);
      // A kept-alive connection the server closed while idle fails on first use; one retry on
      // a fresh connection is what every keep-alive client does. But the server may just as well
      // have read the request and lost its answer, so only an idempotent request is sent again
      // (RFC 9110 §9.2.2). A POST is reported as possibly sent; the caller decides (ACME signs
      // it afresh with a new nonce, and finalize looks at the order first).
      const bool stale = reused && (error == httplib::Error::Read || error == httplib::Error::Write ||
                                    error == httplib::Error::SSLConnection);
      client.reset();
      if (stale && attempt == 0 && !(cancel != nullptr && cancel->cancelled())) {
        if (IsIdempotentMethod(request.method)) {
          continue;
        }
        st = UnavailableError(request.method + " " + url.RedactedUrl() +
                              ": the kept-alive connection closed before an answer came; the request may have "
                              "been sent, and a " + request.method + " is not repeated by the transport");
      }
      if (options_.logger != nullptr && options_.logger->Enabled(LogLevel::kDebug)) {
        options_.logger->Debug("HTTP request failed", {{"method", request.method},
                                                       {"url", url.RedactedUrl()},
                                                       {"error", st.message()}});
      }
      return st;
    }
    Release(pool, std::move(client));

    HttpResponse out;
    out.status = res.status;
    out.headers.reserve(res.headers.size());
    for (auto& [k, v] : res.headers) {
      out.headers.emplace_back(k, v);
    }
    out.body = std::move(body);
    if (options_.logger != nullptr && options_.logger->Enabled(LogLevel::kTrace)) {
      const auto ms =
          std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
      options_.logger->Trace("HTTP request", {{"method", request.method},
                                              {"url", url.RedactedUrl()},
                                              {"status", std::to_string(out.status)},
                                              {"duration_ms", std::to_string(ms)}});
    }
    return out;
  }
}

}  // namespace

Result<std::unique_ptr<HttpClient>> NewHttpClient(const HttpClientOptions& options) {
  X509StorePtr store(X509_STORE_new());
  if (!store) {
    return InternalError("X509_STORE_new failed");
  }
  // The system roots are added on first HTTPS use (LoadSystemRoots can take tens of ms).
  if (!options.extra_ca_pem.empty()) {
    IONOS_ASSIGN_OR_RETURN_CTX(std::vector<X509Ptr> certs, ParseCertificatesPem(options.extra_ca_pem),
                           "extra CA certificates");
    for (const auto& cert : certs) {
      // Fails only for an exact duplicate, which is harmless.
      X509_STORE_add_cert(store.get(), cert.get());
    }
    ERR_clear_error();
  }
  return std::unique_ptr<HttpClient>(std::make_unique<HttplibClient>(options, std::move(store)));
}

}  // namespace ionos
