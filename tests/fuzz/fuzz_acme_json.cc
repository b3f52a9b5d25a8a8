// libFuzzer target: what the core reads from an ACME server (RFC 8555) — problem documents, the
// order, authorization and challenge objects, Retry-After and the RFC 3339 times in them, Link
// headers, and whole request/response conversations through AcmeClient and the order flow.
//
// Input: byte 0 picks the mode (modulo kModes); the rest is
//   0 problem        JSON text → AcmeProblem::FromJson, ToString, AcmeProblemCode, AcmeProblemToStatus
//   1 order          JSON text → ParseAcmeOrder
//   2 authorization  JSON text → ParseAcmeAuthorization, FindChallenge, Dns01*, AuthorizationFailure
//   3 challenge      JSON text → ParseAcmeChallenge
//   4 retry-after    header value → ParseRetryAfter (never earlier than now)
//   5 timestamp      text → ParseRfc3339, FormatRfc3339
//   6 headers        "Name: value" lines, blank line, body → AcmeResponse Header/Links/Json
//   7 conversation   responses separated by "\n--\n", each "STATUS\nName: value\n...\n\nbody";
//                    a scripted HttpClient answers AcmeClient's requests with them, in order,
//                    while the target runs: directory, newAccount, account, newOrder,
//                    authorizations, challenge, polling, finalize, certificate download, deactivation.
// Nothing is checked beyond "no crash, no sanitizer report, no exception" except where noted.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/acme/acme_client.h"
#include "core/acme/acme_order.h"
#include "core/base/clock.h"
#include "core/crypto/crypto.h"
#include "core/http/http.h"
#include "core/base/log.h"
#include "tests/fuzz/fuzz_http_support.h"

namespace ionos {
namespace {

using fuzz::Check;
using fuzz::FormattingLogger;
using fuzz::FuzzClock;
using fuzz::ParseScriptedResponse;

constexpr uint8_t kModes = 8;
const TimePoint kNow = fuzz::kFuzzNow;

nlohmann::json ParseJson(std::string_view text) {
  return nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
}

// Answers requests from a script; a transport error once the script is used up.
class ScriptedHttp : public HttpClient {
 public:
  explicit ScriptedHttp(std::string_view script) {
    size_t start = 0;
    while (start <= script.size() && responses_.size() < 64) {
      size_t sep = script.find("\n--\n", start);
      responses_.push_back(ParseScriptedResponse(script.substr(start, sep == std::string_view::npos ? script.npos : sep - start)));
      if (sep == std::string_view::npos) {
        break;
      }
      start = sep + 4;
    }
  }

  Result<HttpResponse> Do(const HttpRequest& request, const CancelToken*) override {
    Check(!request.url.empty(), "request without a URL");
    if (next_ >= responses_.size()) {
      return UnavailableError("connecting to " + request.url + ": script exhausted");
    }
    return responses_[next_++];
  }

 private:
  std::vector<HttpResponse> responses_;
  size_t next_ = 0;
};

const PrivateKey& AccountKey() {
  static const PrivateKey key = [] {
    Result<PrivateKey> k = PrivateKey::Generate(KeyAlgorithm::kEcdsa256);
    Check(k.ok(), "key generation");
    return std::move(k).value();
  }();
  return key;
}

void FuzzProblem(std::string_view text) {
  const std::optional<AcmeProblem> problem = AcmeProblem::FromJson(ParseJson(text));
  if (problem) {
    (void)problem->ShortType();
    (void)problem->ToString();
    (void)AcmeProblemCode(*problem, 0);
    (void)AcmeProblemCode(*problem, 503);
    const Status s = AcmeProblemToStatus(*problem, problem->status, kNow);
    Check(!s.ok(), "a problem became OK");
  }
}

void FuzzOrder(std::string_view text) {
  Result<AcmeOrder> order = ParseAcmeOrder(ParseJson(text), "https://ca.test/order/1");
  if (order.ok()) {
    Check(!order->status.empty(), "order without status");
    if (order->error) {
      (void)order->error->ToString();
    }
  }
}

void FuzzAuthorization(std::string_view text) {
  Result<AcmeAuthorization> a = ParseAcmeAuthorization(ParseJson(text), "https://ca.test/authz/1");
  if (!a.ok()) {
    return;
  }
  Check(a->identifier.value.rfind("*.", 0) != 0, "authorization identifier keeps the wildcard prefix");
  (void)a->OrderedName();
  (void)Dns01RecordFqdn(a->OrderedName());
  if (const AcmeChallenge* c = a->FindChallenge("dns-01")) {
    (void)Dns01TxtValue(c->token, "thumbprint");
  }
  Check(!AuthorizationFailure(*a).ok(), "AuthorizationFailure is OK");
}

void FuzzChallenge(std::string_view text) {
  Result<AcmeChallenge> c = ParseAcmeChallenge(ParseJson(text));
  if (c.ok() && c->error) {
    (void)c->error->ToString();
  }
}

void FuzzRetryAfter(std::string_view text) {
  const std::optional<TimePoint> t = ParseRetryAfter(text, kNow);
  if (t) {
    Check(*t >= kNow, "Retry-After earlier than now");
    (void)FormatRfc3339(*t);
  }
}

void FuzzTimestamp(std::string_view text) {
  Result<TimePoint> t = ParseRfc3339(std::string(text));
  if (t.ok()) {
    (void)FormatRfc3339(*t);
  }
}

void FuzzHeaders(std::string_view text) {
  HttpResponse http = ParseScriptedResponse("200\n" + std::string(text));
  AcmeResponse response;
  response.status = http.status;
  response.headers = http.headers;
  response.body = http.body;
  (void)response.Location();
  (void)response.Header("Retry-After");
  for (const char* rel : {"up", "alternate", "index", ""}) {
    for (const std::string& link : response.Links(rel)) {
      Check(link.find('>') == std::string::npos, "a link target holds '>'");
    }
  }
  (void)response.Json();
}

template <typename T>
void Trace(const char* step, const T& result) {
  if constexpr (std::is_same_v<T, Status>) {
    fuzz::TraceStep(step, result);
  } else {
    fuzz::TraceStep(step, result.status());
  }
}

void FuzzConversation(std::string_view script) {
  ScriptedHttp http(script);
  FuzzClock clock;
  FormattingLogger logger;
  AcmeClientOptions options;
  options.directory_url = "https://ca.test/dir";
  options.http = &http;
  options.clock = &clock;
  options.logger = &logger;
  options.max_bad_nonce_retries = 3;
  Result<std::unique_ptr<AcmeClient>> created = AcmeClient::Create(options);
  Check(created.ok(), "AcmeClient::Create");
  AcmeClient& client = **created;
  const PrivateKey& key = AccountKey();

  Trace("directory", client.Directory());
  NewAccountRequest new_account;
  new_account.contact_emails = {"admin@example.com"};
  Result<AcmeAccount> account = client.NewAccount(key, new_account);
  Trace("newAccount", account);
  AcmeAccountRef ref{&client, &key, account.ok() ? account->url : "https://ca.test/acct/1"};
  Trace("account", client.GetAccount(key, ref.account_url));

  PollOptions poll;
  poll.timeout = std::chrono::seconds(30);
  Result<AcmeOrder> order = NewOrder(ref, {{"dns", "example.com"}, {"dns", "*.example.com"}});
  Trace("newOrder", order);
  AcmeOrder current;
  if (order.ok()) {
    current = *order;
  } else {
    current.url = "https://ca.test/order/1";
    current.status = "pending";
    current.authorizations = {"https://ca.test/authz/1"};
    current.finalize = "https://ca.test/order/1/finalize";
  }
  size_t authorizations = 0;
  for (const std::string& url : current.authorizations) {
    if (++authorizations > 3) {
      break;
    }
    Result<AcmeAuthorization> authorization = GetAuthorization(ref, url);
    Trace("authorization", authorization);
    if (!authorization.ok()) {
      continue;
    }
    const AcmeChallenge* challenge = authorization->FindChallenge("dns-01");
    if (challenge != nullptr) {
      (void)Dns01TxtValue(challenge->token, "thumbprint");
      Trace("challenge", RespondToChallenge(ref, challenge->url.empty() ? url + "/dns-01" : challenge->url));
    }
    Trace("wait for authorization", WaitForAuthorization(ref, clock, nullptr, *authorization, poll));
  }
  Result<AcmeOrder> ready = WaitForOrder(ref, clock, nullptr, current, {"ready", "valid"}, poll);
  Trace("wait for order", ready);
  if (ready.ok()) {
    current = *ready;
  }
  Result<AcmeOrder> finalized = Finalize(ref, current, "csr");
  Trace("finalize", finalized);
  if (finalized.ok()) {
    Result<AcmeOrder> valid = WaitForOrder(ref, clock, nullptr, *finalized, {"valid"}, poll);
    Trace("wait for certificate", valid);
    if (valid.ok()) {
      current = *valid;
    }
  }
  Trace("certificate", DownloadCertificate(ref, current.certificate.empty() ? "https://ca.test/cert/1" : current.certificate));
  Trace("deactivate", client.DeactivateAccount(key, ref.account_url));
}

}  // namespace
}  // namespace ionos

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) {
    return 0;
  }
  const std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % ionos::kModes) {
    case 0: ionos::FuzzProblem(rest); break;
    case 1: ionos::FuzzOrder(rest); break;
    case 2: ionos::FuzzAuthorization(rest); break;
    case 3: ionos::FuzzChallenge(rest); break;
    case 4: ionos::FuzzRetryAfter(rest); break;
    case 5: ionos::FuzzTimestamp(rest); break;
    case 6: ionos::FuzzHeaders(rest); break;
    default: ionos::FuzzConversation(rest); break;
  }
  return 0;
}
