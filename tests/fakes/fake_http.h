// A scripted HttpClient for unit tests.
//
// Tests queue the answers they expect, in order, with the method and URL each answer is for;
// Do() pops the next one and fails the test (ADD_FAILURE) when the request does not match or the
// script is exhausted. A fallback handler can answer instead (for servers simulated in code).
// Every request is recorded for later inspection. Thread-safe.
#pragma once

#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/http/http.h"

namespace ionos::fakes {

class FakeHttpClient : public HttpClient {
 public:
  using Handler = std::function<Result<HttpResponse>(const HttpRequest&)>;

  // Queues `response` (or a transport error) for the next request, which must be `method url`.
  void Expect(std::string method, std::string url, Result<HttpResponse> response);
  // Answers requests when the script is empty. Without one, an unexpected request fails the test.
  void SetHandler(Handler handler);

  Result<HttpResponse> Do(const HttpRequest& request, const CancelToken* cancel = nullptr) override;

  std::vector<HttpRequest> requests() const;
  size_t request_count() const;
  // Requests with this method (and URL, when not empty).
  size_t CountRequests(const std::string& method, const std::string& url = "") const;
  // Scripted answers not consumed yet.
  size_t remaining() const;

 private:
  struct Expectation {
    std::string method;
    std::string url;
    Result<HttpResponse> response;
  };
  mutable std::mutex mu_;
  std::deque<Expectation> script_;
  Handler handler_;
  std::vector<HttpRequest> requests_;
};

HttpResponse MakeResponse(int status, std::string body = "", HttpHeaders headers = {});
// Content-Type application/json.
HttpResponse MakeJsonResponse(int status, const nlohmann::json& body, HttpHeaders headers = {});
// An RFC 7807 problem document (application/problem+json). `type` may be short ("badNonce"):
// it is prefixed with "urn:ietf:params:acme:error:" unless it already contains ':'.
HttpResponse MakeProblemResponse(int status, const std::string& type, const std::string& detail,
                                 HttpHeaders headers = {});

}  // namespace ionos::fakes
