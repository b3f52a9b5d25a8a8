// Tests for core/http/http.h: what the transport repeats after a kept-alive connection dies.
//
// A raw HTTP/1.1 server on 127.0.0.1 answers the first request of a connection with keep-alive,
// then reads the second request in full, counts it, and closes the connection without an answer:
// the answer is lost after the server acted. An idempotent request may be sent again on a fresh
// connection; a POST must not be (before the fix the POST reached the server twice,
// and the ACME client never learned that its first attempt may have been acted on).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include "core/http/http.h"

namespace ionos {
namespace {

using ::testing::HasSubstr;

class LosingServer {
 public:
  LosingServer() {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    EXPECT_EQ(bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    EXPECT_EQ(listen(fd_, 16), 0);
    socklen_t len = sizeof addr;
    getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { Serve(); });
  }
  ~LosingServer() {
    stopping_ = true;
    shutdown(fd_, SHUT_RDWR);
    close(fd_);
    thread_.join();
  }

  std::string url(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(port_) + path; }
  int received(const std::string& method) {
    std::lock_guard<std::mutex> lock(mu_);
    return received_[method];
  }
  int connections() const { return connections_; }

 private:
  // Reads one request (headers and Content-Length body); the method, or "" when the peer left.
  static std::string ReadRequest(int conn) {
    std::string data;
    char buf[4096];
    size_t header_end = std::string::npos;
    while ((header_end = data.find("\r\n\r\n")) == std::string::npos) {
      const ssize_t n = recv(conn, buf, sizeof buf, 0);
      if (n <= 0) return "";
      data.append(buf, static_cast<size_t>(n));
    }
    size_t length = 0;
    const size_t cl = data.find("Content-Length: ");
    if (cl != std::string::npos && cl < header_end) length = std::stoul(data.substr(cl + 16));
    while (data.size() < header_end + 4 + length) {
      const ssize_t n = recv(conn, buf, sizeof buf, 0);
      if (n <= 0) return "";
      data.append(buf, static_cast<size_t>(n));
    }
    return data.substr(0, data.find(' '));
  }

  void Serve() {
    while (!stopping_) {
      const int conn = accept(fd_, nullptr, nullptr);
      if (conn < 0) return;
      const int number = ++connections_;
      for (int request = 1;; ++request) {
        const std::string method = ReadRequest(conn);
        if (method.empty()) break;
        {
          std::lock_guard<std::mutex> lock(mu_);
          ++received_[method];
        }
        if (number == 1 && request == 2) break;  // acted on it; the answer is lost
        const std::string answer = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\nok";
        send(conn, answer.data(), answer.size(), MSG_NOSIGNAL);
      }
      close(conn);
    }
  }

  int fd_ = -1;
  int port_ = 0;
  std::thread thread_;
  std::atomic<bool> stopping_{false};
  std::atomic<int> connections_{0};
  std::mutex mu_;
  std::map<std::string, int> received_;
};

HttpRequest Req(const std::string& method, const std::string& url, const std::string& body = "") {
  HttpRequest r;
  r.method = method;
  r.url = url;
  r.body = body;
  return r;
}

TEST(HttpTransportTest, LostAnswerOfAPostIsReportedNotRepeated) {
  LosingServer server;
  auto http = NewHttpClient({}).value();
  ASSERT_TRUE(http->Do(Req("GET", server.url("/a"))).ok());
  Result<HttpResponse> post = http->Do(Req("POST", server.url("/finalize"), "{\"csr\":\"...\"}"));
  ASSERT_FALSE(post.ok());
  EXPECT_EQ(post.status().code(), StatusCode::kUnavailable);
  EXPECT_THAT(post.status().message(), HasSubstr("may have been sent"));
  EXPECT_EQ(server.received("POST"), 1) << "the transport must not send a POST twice";
}

TEST(HttpTransportTest, LostAnswerOfAnIdempotentRequestIsRepeatedOnAFreshConnection) {
  for (const char* method : {"GET", "PUT", "DELETE"}) {
    SCOPED_TRACE(method);
    LosingServer server;
    auto http = NewHttpClient({}).value();
    ASSERT_TRUE(http->Do(Req("GET", server.url("/a"))).ok());
    Result<HttpResponse> again = http->Do(Req(method, server.url("/record"), "{}"));
    ASSERT_TRUE(again.ok()) << again.status().ToString();
    EXPECT_EQ(again->status, 200);
    EXPECT_EQ(server.connections(), 2);
  }
}

TEST(HttpTransportTest, IdempotentMethodsTable) {
  for (const char* m : {"GET", "HEAD", "PUT", "DELETE", "OPTIONS", "TRACE"}) EXPECT_TRUE(IsIdempotentMethod(m)) << m;
  for (const char* m : {"POST", "PATCH", "get", ""}) EXPECT_FALSE(IsIdempotentMethod(m)) << m;
}

// A raw HTTP/1.1 server on 127.0.0.1 that reads each request's headers and then lets `answer`
// write to the connection, which it closes afterwards.
class RawServer {
 public:
  using Answer = std::function<void(int conn, const std::atomic<bool>& stopping)>;
  explicit RawServer(Answer answer) : answer_(std::move(answer)) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    EXPECT_EQ(listen(fd_, 16), 0);
    socklen_t len = sizeof addr;
    getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] {
      for (;;) {
        const int conn = accept(fd_, nullptr, nullptr);
        if (conn < 0) return;
        std::string data;
        char buf[4096];
        while (data.find("\r\n\r\n") == std::string::npos) {
          const ssize_t n = recv(conn, buf, sizeof buf, 0);
          if (n <= 0) break;
          data.append(buf, static_cast<size_t>(n));
        }
        answer_(conn, stopping_);
        close(conn);
      }
    });
  }
  ~RawServer() {
    stopping_ = true;
    shutdown(fd_, SHUT_RDWR);
    close(fd_);
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/"; }

 private:
  Answer answer_;
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

bool SendAll(int conn, const std::string& data) {
  return send(conn, data.data(), data.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(data.size());
}

// A body of `size` bytes, announced with Content-Length or sent in chunks of 1000 bytes.
RawServer::Answer BodyOf(size_t size, bool chunked) {
  return [size, chunked](int conn, const std::atomic<bool>& stopping) {
    if (!chunked) {
      if (!SendAll(conn, "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(size) + "\r\n\r\n")) return;
      for (size_t sent = 0; sent < size && !stopping;) {
        const size_t n = std::min<size_t>(64 * 1024, size - sent);
        if (!SendAll(conn, std::string(n, 'x'))) return;  // the client stopped reading
        sent += n;
      }
      return;
    }
    if (!SendAll(conn, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")) return;
    for (size_t sent = 0; sent < size && !stopping;) {
      const size_t n = std::min<size_t>(1000, size - sent);
      char head[32];
      snprintf(head, sizeof head, "%zx\r\n", n);
      if (!SendAll(conn, head + std::string(n, 'x') + "\r\n")) return;
      sent += n;
    }
    SendAll(conn, "0\r\n\r\n");
  };
}

// Bodies up to the cap arrive whole; one byte more fails the request with the cap named, whether
// the server announces the length or sends chunks (nothing beyond the cap is kept in memory).
TEST(HttpTransportTest, ResponseBodiesAreCapped) {
  struct Case {
    const char* name;
    size_t body;
    bool chunked;
    bool ok;
  };
  const Case cases[] = {
      {"exactly the cap, Content-Length", 10000, false, true},
      {"exactly the cap, chunked", 10000, true, true},
      {"one byte over, Content-Length", 10001, false, false},
      {"one byte over, chunked", 10001, true, false},
      {"a huge body, Content-Length", 64u << 20, false, false},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    RawServer server(BodyOf(c.body, c.chunked));
    HttpClientOptions options;
    options.max_response_bytes = 10000;
    auto http = NewHttpClient(options).value();
    Result<HttpResponse> r = http->Do(Req("GET", server.url()));
    if (c.ok) {
      ASSERT_TRUE(r.ok()) << r.status().ToString();
      EXPECT_EQ(r->body.size(), c.body);
    } else {
      ASSERT_FALSE(r.ok());
      EXPECT_EQ(r.status().code(), StatusCode::kResourceExhausted) << r.status().ToString();
      EXPECT_THAT(r.status().message(), HasSubstr("larger than 10000 bytes"));
    }
  }
}

// The default cap is a few MiB: far above any ACME or DNS API document, far below memory.
TEST(HttpTransportTest, DefaultCapIsAFewMebibytes) {
  HttpClientOptions options;
  EXPECT_GE(options.max_response_bytes, size_t{1} << 20);
  EXPECT_LE(options.max_response_bytes, size_t{16} << 20);
}

// A server that answers a byte at a time, each well within read_timeout, is cut off by the
// request's overall deadline instead of holding the caller for as long as it likes. (What is
// checked is the outcome; the server would drip for ten minutes.)
TEST(HttpTransportTest, ADrippingAnswerEndsAtTheRequestDeadline) {
  RawServer server([](int conn, const std::atomic<bool>& stopping) {
    if (!SendAll(conn, "HTTP/1.1 200 OK\r\nContent-Length: 12000\r\n\r\n")) return;
    for (int i = 0; i < 12000 && !stopping; ++i) {
      if (!SendAll(conn, "x")) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  });
  HttpClientOptions options;
  options.request_deadline = std::chrono::seconds(1);
  auto http = NewHttpClient(options).value();
  Result<HttpResponse> r = http->Do(Req("GET", server.url()));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  EXPECT_THAT(r.status().message(), HasSubstr("exceeded its deadline of 1s"));
}

}  // namespace
}  // namespace ionos
