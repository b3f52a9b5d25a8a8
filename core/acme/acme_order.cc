#include "core/acme/acme_order.h"

#include <algorithm>
#include <cctype>
#include <cstdio>

#include "core/base/encoding.h"
#include "core/base/json.h"
#include "core/base/strings.h"

namespace ionos {

namespace {

using nlohmann::json;

std::optional<TimePoint> JsonTime(const json& j, const char* key) {
  const std::string s = JsonString(j, key);
  if (s.empty()) {
    return std::nullopt;
  }
  Result<TimePoint> t = ParseRfc3339(s);
  if (!t.ok()) {
    return std::nullopt;  // informative only; a CA's odd format must not fail the order
  }
  return *t;
}

std::optional<AcmeProblem> JsonProblem(const json& j, const char* key) {
  const json* member = JsonMember(j, key);
  if (member == nullptr) {
    return std::nullopt;
  }
  return AcmeProblem::FromJson(*member);
}

AcmeIdentifier ParseIdentifier(const json& j) {
  AcmeIdentifier id;
  id.type = JsonString(j, "type");
  id.value = JsonString(j, "value");
  return id;
}

Status CheckAccount(const AcmeAccountRef& account) {
  if (account.client == nullptr || account.key == nullptr || account.account_url.empty()) {
    return InvalidArgumentError("no ACME account (client, key and account URL are required)");
  }
  return Status::Ok();
}

Result<json> ResponseObject(const AcmeResponse& response) {
  IONOS_ASSIGN_OR_RETURN(json j, response.Json());
  if (!j.is_object()) {
    return UnavailableError("the ACME server answered HTTP " + std::to_string(response.status) +
                            " with JSON that is not an object");
  }
  return j;
}

bool Contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

}  // namespace

// ---------------------------------------------------------------- objects

const AcmeChallenge* AcmeAuthorization::FindChallenge(std::string_view type) const {
  for (const AcmeChallenge& c : challenges) {
    if (c.type == type) {
      return &c;
    }
  }
  return nullptr;
}

std::string AcmeAuthorization::OrderedName() const {
  return wildcard ? "*." + identifier.value : identifier.value;
}

Result<AcmeChallenge> ParseAcmeChallenge(const json& j) {
  if (!j.is_object()) {
    return UnavailableError("the ACME challenge is not a JSON object");
  }
  AcmeChallenge c;
  c.type = JsonString(j, "type");
  c.url = JsonString(j, "url");
  c.token = JsonString(j, "token");
  c.status = JsonString(j, "status");
  c.error = JsonProblem(j, "error");
  if (c.status.empty()) {
    return UnavailableError("the ACME challenge has no status");
  }
  return c;
}

Result<AcmeAuthorization> ParseAcmeAuthorization(const json& j, std::string url) {
  if (!j.is_object()) {
    return UnavailableError("the ACME authorization " + url + " is not a JSON object");
  }
  AcmeAuthorization a;
  a.url = std::move(url);
  a.status = JsonString(j, "status");
  if (a.status.empty()) {
    return UnavailableError("the ACME authorization " + a.url + " has no status");
  }
  if (const json* id = JsonMember(j, "identifier"); id != nullptr && id->is_object()) {
    a.identifier = ParseIdentifier(*id);
  }
  a.expires = JsonTime(j, "expires");
  a.wildcard = JsonBool(j, "wildcard").value_or(false);
  // RFC 8555 §7.1.4: the identifier never carries the "*." prefix; tolerate CAs that add it.
  if (a.identifier.value.rfind("*.", 0) == 0) {
    a.identifier.value.erase(0, 2);
    a.wildcard = true;
  }
  for (const json& c : JsonArray(j, "challenges")) {
    Result<AcmeChallenge> challenge = ParseAcmeChallenge(c);
    if (challenge.ok()) {
      a.challenges.push_back(std::move(challenge).value());
    }
  }
  return a;
}

Result<AcmeOrder> ParseAcmeOrder(const json& j, std::string url) {
  if (!j.is_object()) {
    return UnavailableError("the ACME order " + url + " is not a JSON object");
  }
  AcmeOrder o;
  o.url = std::move(url);
  o.status = JsonString(j, "status");
  if (o.status.empty()) {
    return UnavailableError("the ACME order " + o.url + " has no status");
  }
  o.expires = JsonTime(j, "expires");
  for (const json& id : JsonArray(j, "identifiers")) {
    if (id.is_object()) {
      o.identifiers.push_back(ParseIdentifier(id));
    }
  }
  o.authorizations = JsonStrings(j, "authorizations");
  o.finalize = JsonString(j, "finalize");
  o.certificate = JsonString(j, "certificate");
  o.error = JsonProblem(j, "error");
  return o;
}

std::string Dns01TxtValue(std::string_view token, std::string_view account_key_thumbprint) {
  std::string key_authorization;
  key_authorization.reserve(token.size() + 1 + account_key_thumbprint.size());
  key_authorization.append(token);
  key_authorization.push_back('.');
  key_authorization.append(account_key_thumbprint);
  return Base64UrlEncode(Sha256(key_authorization));
}

std::string Dns01RecordFqdn(std::string_view identifier_value) {
  std::string_view base = identifier_value;
  if (base.substr(0, 2) == "*.") {
    base.remove_prefix(2);
  }
  while (!base.empty() && base.back() == '.') {
    base.remove_suffix(1);
  }
  return "_acme-challenge." + AsciiLower(base);
}

// ---------------------------------------------------------------- requests

Result<AcmeOrder> NewOrder(const AcmeAccountRef& account, const std::vector<AcmeIdentifier>& identifiers,
                           const NewOrderOptions& options) {
  IONOS_RETURN_IF_ERROR_CTX(CheckAccount(account), "newOrder");
  if (identifiers.empty()) {
    return InvalidArgumentError("newOrder: no identifiers");
  }
  IONOS_ASSIGN_OR_RETURN_CTX(AcmeDirectory dir, account.client->Directory(), "newOrder");
  json ids = json::array();
  for (const AcmeIdentifier& id : identifiers) {
    ids.push_back({{"type", id.type}, {"value", id.value}});
  }
  json payload = {{"identifiers", std::move(ids)}};
  if (!options.profile.empty()) {
    payload["profile"] = options.profile;
  }
  if (!options.replaces.empty()) {
    payload["replaces"] = options.replaces;
  }
  IONOS_ASSIGN_OR_RETURN_CTX(AcmeResponse response,
                             account.client->Post(*account.key, account.account_url, dir.new_order, DumpJson(payload)),
                             "newOrder");
  const std::string location = response.Location();
  if (location.empty()) {
    return UnavailableError("newOrder: the ACME server answered HTTP " + std::to_string(response.status) +
                            " without a Location header");
  }
  IONOS_ASSIGN_OR_RETURN_CTX(json j, ResponseObject(response), "newOrder");
  IONOS_ASSIGN_OR_RETURN_CTX(AcmeOrder order, ParseAcmeOrder(j, location), "newOrder");
  order.retry_after = response.retry_after;
  return order;
}

Result<AcmeOrder> GetOrder(const AcmeAccountRef& account, const std::string& order_url) {
  const std::string context = "fetching order " + order_url;
  IONOS_RETURN_IF_ERROR_CTX(CheckAccount(account), context);
  IONOS_ASSIGN_OR_RETURN_CTX(AcmeResponse response,
                             account.client->PostAsGet(*account.key, account.account_url, order_url), context);
  IONOS_ASSIGN_OR_RETURN_CTX(json j, ResponseObject(response), context);
  IONOS_ASSIGN_OR_RETURN_CTX(AcmeOrder order, ParseAcmeOrder(j, order_url), context);
  order.retry_after = response.retry_after;
  return order;
}

Result<AcmeAuthorization> GetAuthorization(const AcmeAccountRef& account, const std::string& authorization_url) {
  const std::string context = "fetching authorization " + authorization_url;
  IONOS_RETURN_IF_ERROR_CTX(CheckAccount(account), context);
  IONOS_ASSIGN_OR_RETURN_CTX(AcmeResponse response,
                             account.client->PostAsGet(*account.key, account.account_url, authorization_url), context);
  IONOS_ASSIGN_OR_RETURN_CTX(json j, ResponseObject(response), context);
  IONOS_ASSIGN_OR_RETURN_CTX(AcmeAuthorization authorization, ParseAcmeAuthorization(j, authorization_url), context);
  authorization.retry_after = response.retry_after;
  return authorization;
}

Result<AcmeChallenge> RespondToChallenge(const AcmeAccountRef& account, const std::string& challenge_url) {
  const std::string context = "responding to challenge " + challenge_url;
  IONOS_RETURN_IF_ERROR_CTX(CheckAccount(account), context);
  IONOS_ASSIGN_OR_RETURN_CTX(AcmeResponse response,
                             account.client->Post(*account.key, account.account_url, challenge_url, "{}"), context);
  IONOS_ASSIGN_OR_RETURN_CTX(json j, ResponseObject(response), context);
  IONOS_ASSIGN_OR_RETURN_CTX(AcmeChallenge challenge, ParseAcmeChallenge(j), context);
  if (challenge.url.empty()) {
    challenge.url = challenge_url;
  }
  return challenge;
}

Result<AcmeOrder> Finalize(const AcmeAccountRef& account, const AcmeOrder& order, std::string_view csr_der,
                           bool* resent) {
  const std::string context = "finalizing order " + order.url;
  IONOS_RETURN_IF_ERROR_CTX(CheckAccount(account), context);
  if (order.finalize.empty()) {
    return UnavailableError(context + ": the order has no finalize URL");
  }
  const json payload = {{"csr", Base64UrlEncode(csr_der)}};
  IONOS_ASSIGN_OR_RETURN_CTX(
      AcmeResponse response,
      account.client->Post(*account.key, account.account_url, order.finalize, DumpJson(payload), resent), context);
  IONOS_ASSIGN_OR_RETURN_CTX(json j, ResponseObject(response), context);
  IONOS_ASSIGN_OR_RETURN_CTX(AcmeOrder finalized, ParseAcmeOrder(j, order.url), context);
  finalized.retry_after = response.retry_after;
  return finalized;
}

Result<std::string> DownloadCertificate(const AcmeAccountRef& account, const std::string& certificate_url) {
  const std::string context = "downloading certificate " + certificate_url;
  IONOS_RETURN_IF_ERROR_CTX(CheckAccount(account), context);
  if (certificate_url.empty()) {
    return UnavailableError("downloading certificate: the order has no certificate URL");
  }
  IONOS_ASSIGN_OR_RETURN_CTX(AcmeResponse response,
                             account.client->PostAsGet(*account.key, account.account_url, certificate_url), context);
  if (response.body.find("-----BEGIN CERTIFICATE-----") == std::string::npos) {
    return UnavailableError(context + ": the answer (" + response.Header("Content-Type") +
                            ") holds no PEM certificate");
  }
  return std::move(response.body);
}

// ---------------------------------------------------------------- polling

namespace {

// How a polled object's status reads in the timeout error.
std::string LastStatus(const std::string& status) { return " (last status \"" + status + "\")"; }

}  // namespace

Status AuthorizationFailure(const AcmeAuthorization& authorization) {
  if (authorization.status == "expired") {
    return AbortedError("authorization for " + authorization.OrderedName() + " expired" +
                        (authorization.expires ? " at " + FormatRfc3339(*authorization.expires) : std::string()));
  }
  std::string message = "authorization for " + authorization.OrderedName() + " is " + authorization.status;
  // Prefer the challenge that carries an error; dns-01 first, as that is what we answer.
  const AcmeChallenge* failed = nullptr;
  for (const AcmeChallenge& c : authorization.challenges) {
    if (c.error && (failed == nullptr || c.type == "dns-01")) {
      failed = &c;
    }
  }
  if (failed != nullptr) {
    message += ": " + failed->type + " challenge failed: " + failed->error->ToString();
  } else if (authorization.status == "invalid") {
    message += " (the CA gave no reason)";
  }
  return FailedPreconditionError(message);
}

Status OrderFailure(const AcmeAccountRef& account, const AcmeOrder& order, std::optional<TimePoint> now) {
  std::vector<std::string> reasons;
  bool all_expired = true;
  for (const std::string& url : order.authorizations) {
    Result<AcmeAuthorization> authorization = GetAuthorization(account, url);
    if (!authorization.ok()) {
      continue;  // best effort: the order's own error below still says something
    }
    if (authorization->status != "valid" && authorization->status != "pending") {
      const Status failure = AuthorizationFailure(*authorization);
      all_expired = all_expired && failure.code() == StatusCode::kAborted;
      reasons.push_back(failure.message());
    }
  }
  const std::string expired = "order " + order.url + " expired before it was finalized";
  if (!reasons.empty() && all_expired && !order.error) {
    std::string message = expired;
    for (size_t i = 0; i < reasons.size(); ++i) {
      message += (i == 0 ? ": " : "; ") + reasons[i];
    }
    return AbortedError(message);
  }
  if (reasons.empty() && !order.error && order.expires && now && *order.expires <= *now) {
    return AbortedError(expired + " (it expired at " + FormatRfc3339(*order.expires) + ")");
  }
  std::string message = "order " + order.url + " is invalid";
  if (!reasons.empty()) {
    for (size_t i = 0; i < reasons.size(); ++i) {
      message += (i == 0 ? ": " : "; ") + reasons[i];
    }
    // Pebble and Boulder repeat the failed challenge's problem as the order's error; add it only
    // when it says something new.
    if (order.error && message.find(order.error->ToString()) == std::string::npos) {
      message += " (order error: " + order.error->ToString() + ")";
    }
    return FailedPreconditionError(message);
  }
  if (order.error) {
    const StatusCode code = AcmeProblemCode(*order.error, 0);
    return Status(code == StatusCode::kInvalidArgument || code == StatusCode::kResourceExhausted
                      ? code
                      : StatusCode::kFailedPrecondition,
                  message + ": " + order.error->ToString());
  }
  return FailedPreconditionError(message + " (the CA gave no reason)");
}

Result<AcmeOrder> WaitForOrder(const AcmeAccountRef& account, const Clock& clock, const CancelToken* cancel,
                               const AcmeOrder& order, const std::vector<std::string>& targets,
                               const PollOptions& options) {
  if (Contains(targets, order.status)) {
    return order;
  }
  if (order.status == "invalid") {
    return OrderFailure(account, order, clock.Now());
  }
  std::string wanted;
  for (size_t i = 0; i < targets.size(); ++i) {
    wanted += (i == 0 ? "" : i + 1 == targets.size() ? " or " : ", ") + targets[i];
  }
  AcmeOrder current = order;
  IONOS_RETURN_IF_ERROR(Poll(clock, cancel, options, "order " + order.url + " to become " + wanted,
                             PollProgress{false, LastStatus(order.status), order.retry_after},
                             [&]() -> Result<PollProgress> {
                               IONOS_ASSIGN_OR_RETURN(current, GetOrder(account, order.url));
                               if (current.status == "invalid") {
                                 return OrderFailure(account, current, clock.Now());
                               }
                               return PollProgress{Contains(targets, current.status), LastStatus(current.status),
                                                   current.retry_after};
                             }));
  return current;
}

Result<AcmeAuthorization> WaitForAuthorization(const AcmeAccountRef& account, const Clock& clock,
                                               const CancelToken* cancel, const AcmeAuthorization& authorization,
                                               const PollOptions& options) {
  auto final_failure = [](const AcmeAuthorization& a) {
    return a.status != "pending" && a.status != "valid";
  };
  if (authorization.status == "valid") {
    return authorization;
  }
  if (final_failure(authorization)) {
    return AuthorizationFailure(authorization);
  }
  AcmeAuthorization current = authorization;
  IONOS_RETURN_IF_ERROR(Poll(clock, cancel, options,
                             "authorization for " + authorization.OrderedName() + " to become valid",
                             PollProgress{false, LastStatus(authorization.status), authorization.retry_after},
                             [&]() -> Result<PollProgress> {
                               IONOS_ASSIGN_OR_RETURN(current, GetAuthorization(account, authorization.url));
                               if (final_failure(current)) {
                                 return AuthorizationFailure(current);
                               }
                               return PollProgress{current.status == "valid", LastStatus(current.status),
                                                   current.retry_after};
                             }));
  return current;
}

}  // namespace ionos
