#include "tests/fakes/fake_http.h"

#include <gtest/gtest.h>

namespace ionos::fakes {

void FakeHttpClient::Expect(std::string method, std::string url, Result<HttpResponse> response) {
  std::lock_guard<std::mutex> lock(mu_);
  script_.push_back(Expectation{std::move(method), std::move(url), std::move(response)});
}

void FakeHttpClient::SetHandler(Handler handler) {
  std::lock_guard<std::mutex> lock(mu_);
  handler_ = std::move(handler);
}

Result<HttpResponse> FakeHttpClient::Do(const HttpRequest& request, const CancelToken* cancel) {
  Handler handler;
  {
    std::lock_guard<std::mutex> lock(mu_);
    requests_.push_back(request);
    if (cancel != nullptr && cancel->cancelled()) {
      return CancelledError(request.method + " " + request.url + ": cancelled");
    }
    if (!script_.empty()) {
      Expectation e = std::move(script_.front());
      script_.pop_front();
      if (e.method != request.method || e.url != request.url) {
        ADD_FAILURE() << "unexpected HTTP request " << request.method << " " << request.url << "; expected "
                      << e.method << " " << e.url;
        return InternalError("unexpected request " + request.method + " " + request.url);
      }
      return std::move(e.response);
    }
    handler = handler_;
  }
  if (handler) {
    return handler(request);
  }
  ADD_FAILURE() << "unscripted HTTP request " << request.method << " " << request.url;
  return InternalError("unscripted request " + request.method + " " + request.url);
}

std::vector<HttpRequest> FakeHttpClient::requests() const {
  std::lock_guard<std::mutex> lock(mu_);
  return requests_;
}

size_t FakeHttpClient::request_count() const {
  std::lock_guard<std::mutex> lock(mu_);
  return requests_.size();
}

size_t FakeHttpClient::CountRequests(const std::string& method, const std::string& url) const {
  std::lock_guard<std::mutex> lock(mu_);
  size_t n = 0;
  for (const auto& r : requests_) {
    if (r.method == method && (url.empty() || r.url == url)) {
      ++n;
    }
  }
  return n;
}

size_t FakeHttpClient::remaining() const {
  std::lock_guard<std::mutex> lock(mu_);
  return script_.size();
}

HttpResponse MakeResponse(int status, std::string body, HttpHeaders headers) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  r.headers = std::move(headers);
  return r;
}

HttpResponse MakeJsonResponse(int status, const nlohmann::json& body, HttpHeaders headers) {
  headers.emplace_back("Content-Type", "application/json");
  return MakeResponse(status, body.dump(), std::move(headers));
}

HttpResponse MakeProblemResponse(int status, const std::string& type, const std::string& detail,
                                 HttpHeaders headers) {
  nlohmann::json p = {{"type", type.find(':') == std::string::npos ? "urn:ietf:params:acme:error:" + type : type},
                      {"detail", detail},
                      {"status", status}};
  headers.emplace_back("Content-Type", "application/problem+json");
  return MakeResponse(status, p.dump(), std::move(headers));
}

}  // namespace ionos::fakes
