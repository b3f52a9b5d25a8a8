#include "tests/fakes/fake_acme_ca.h"

#include <openssl/obj_mac.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <ctime>

#include "core/crypto/crypto.h"
#include "core/base/encoding.h"

namespace ionos::fakes {

namespace {

using nlohmann::json;

constexpr char kErrorPrefix[] = "urn:ietf:params:acme:error:";

void FreeExtensionStack(STACK_OF(X509_EXTENSION) * s) { sk_X509_EXTENSION_pop_free(s, X509_EXTENSION_free); }
using ExtensionStackPtr =
    std::unique_ptr<STACK_OF(X509_EXTENSION), internal::OpenSslDeleter<STACK_OF(X509_EXTENSION), FreeExtensionStack>>;
using GeneralNamesPtr = std::unique_ptr<GENERAL_NAMES, internal::OpenSslDeleter<GENERAL_NAMES, GENERAL_NAMES_free>>;

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

std::string Suffix(const std::string& url, const std::string& prefix) {
  return url.rfind(prefix, 0) == 0 ? url.substr(prefix.size()) : std::string();
}

int ParseId(const std::string& s) {
  if (s.empty() || !std::all_of(s.begin(), s.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) {
    return -1;
  }
  return std::stoi(s);
}

// A certificate for `subject_key`, signed by `issuer_key` (self-signed when `issuer` is null).
Result<X509Ptr> MakeCertificate(const std::string& common_name, EVP_PKEY* subject_key, X509* issuer,
                                EVP_PKEY* issuer_key, bool is_ca, const std::vector<std::string>& dns_names,
                                std::time_t now = std::time(nullptr)) {
  X509Ptr cert(X509_new());
  if (!cert || X509_set_version(cert.get(), X509_VERSION_3) != 1) {
    return InternalError("X509_new failed");
  }
  unsigned char serial[16];
  if (RAND_bytes(serial, sizeof serial) != 1) {
    return InternalError("RAND_bytes failed");
  }
  serial[0] = static_cast<unsigned char>((serial[0] & 0x7f) | 0x01);
  BignumPtr bn(BN_bin2bn(serial, sizeof serial, nullptr));
  if (!bn || BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(cert.get())) == nullptr) {
    return InternalError("serial: " + TakeOpenSslError());
  }
  if (ASN1_TIME_set(X509_getm_notBefore(cert.get()), now - 3600) == nullptr ||
      ASN1_TIME_set(X509_getm_notAfter(cert.get()), now + 90L * 24 * 3600) == nullptr) {
    return InternalError("validity: " + TakeOpenSslError());
  }
  X509_NAME* name = X509_get_subject_name(cert.get());
  if (!common_name.empty() &&
      X509_NAME_add_entry_by_NID(name, NID_commonName, MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1, 0) != 1) {
    return InternalError("subject: " + TakeOpenSslError());
  }
  if (X509_set_issuer_name(cert.get(), issuer != nullptr ? X509_get_subject_name(issuer) : name) != 1 ||
      X509_set_pubkey(cert.get(), subject_key) != 1) {
    return InternalError("issuer/pubkey: " + TakeOpenSslError());
  }
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer != nullptr ? issuer : cert.get(), cert.get(), nullptr, nullptr, 0);
  std::vector<std::pair<int, std::string>> extensions = {
      {NID_basic_constraints, is_ca ? "critical,CA:TRUE" : "critical,CA:FALSE"},
      {NID_key_usage, is_ca ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature,keyEncipherment"},
      {NID_subject_key_identifier, "hash"},
  };
  if (issuer != nullptr) {
    // As a real CA's: the issuer's key id, which RFC 9773's certificate identifier starts with.
    extensions.emplace_back(NID_authority_key_identifier, "keyid:always");
  }
  if (!dns_names.empty()) {
    std::string san;
    for (const std::string& n : dns_names) {
      san += (san.empty() ? "DNS:" : ",DNS:") + n;
    }
    extensions.emplace_back(NID_subject_alt_name, san);
  }
  for (const auto& [nid, value] : extensions) {
    X509ExtensionPtr ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str()));
    if (!ext || X509_add_ext(cert.get(), ext.get(), -1) != 1) {
      return InternalError("extension: " + TakeOpenSslError());
    }
  }
  if (X509_sign(cert.get(), issuer_key, EVP_sha256()) <= 0) {
    return InternalError("sign: " + TakeOpenSslError());
  }
  return cert;
}

struct ParsedCsr {
  std::string common_name;
  std::vector<std::string> dns_names;
  EvpPkeyPtr public_key;
};

Result<ParsedCsr> ParseCsr(const std::string& der) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  X509ReqPtr req(d2i_X509_REQ(nullptr, &p, static_cast<long>(der.size())));
  if (!req) {
    return InvalidArgumentError("CSR does not parse: " + TakeOpenSslError());
  }
  EVP_PKEY* pub = X509_REQ_get0_pubkey(req.get());
  if (pub == nullptr || X509_REQ_verify(req.get(), pub) != 1) {
    return InvalidArgumentError("CSR signature does not verify: " + TakeOpenSslError());
  }
  ParsedCsr out;
  EVP_PKEY_up_ref(pub);
  out.public_key.reset(pub);
  const X509_NAME* subject = X509_REQ_get_subject_name(req.get());
  const int cn = X509_NAME_get_index_by_NID(subject, NID_commonName, -1);
  if (cn >= 0) {
    const ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, cn));
    out.common_name.assign(reinterpret_cast<const char*>(ASN1_STRING_get0_data(data)),
                           static_cast<size_t>(ASN1_STRING_length(data)));
  }
  ExtensionStackPtr extensions(X509_REQ_get_extensions(req.get()));
  for (int i = 0; extensions && i < sk_X509_EXTENSION_num(extensions.get()); ++i) {
    X509_EXTENSION* ext = sk_X509_EXTENSION_value(extensions.get(), i);
    if (OBJ_obj2nid(X509_EXTENSION_get_object(ext)) != NID_subject_alt_name) {
      continue;
    }
    GeneralNamesPtr names(static_cast<GENERAL_NAMES*>(X509V3_EXT_d2i(ext)));
    for (int j = 0; names && j < sk_GENERAL_NAME_num(names.get()); ++j) {
      const GENERAL_NAME* gen = sk_GENERAL_NAME_value(names.get(), j);
      if (gen->type == GEN_DNS) {
        out.dns_names.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(gen->d.dNSName)),
                                   static_cast<size_t>(ASN1_STRING_length(gen->d.dNSName)));
      }
    }
  }
  return out;
}

}  // namespace

// ---------------------------------------------------------------- FakeAcmeCa

FakeAcmeCa::FakeAcmeCa(std::string account_thumbprint) {
  if (!account_thumbprint.empty()) {
    accounts_[next_account_++].thumbprint = std::move(account_thumbprint);
  }
  PrivateKey root_key = PrivateKey::Generate(KeyAlgorithm::kEcdsa256).value();
  PrivateKey intermediate_key = PrivateKey::Generate(KeyAlgorithm::kEcdsa256).value();
  X509Ptr root = MakeCertificate("Fake Root", root_key.get(), nullptr, root_key.get(), true, {}).value();
  X509Ptr intermediate =
      MakeCertificate("Fake Intermediate", intermediate_key.get(), root.get(), root_key.get(), true, {}).value();
  root_pem_ = CertificateToPem(root.get()).value();
  intermediate_pem_ = CertificateToPem(intermediate.get()).value();
  intermediate_key_pem_ = intermediate_key.ToPem().value();
}

void FakeAcmeCa::Install(FakeHttpClient* http) {
  http->SetHandler([this](const HttpRequest& request) { return Handle(request); });
}

int FakeAcmeCa::count(const std::string& endpoint) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = counts_.find(endpoint);
  return it == counts_.end() ? 0 : it->second;
}

std::vector<std::string> FakeAcmeCa::log() const {
  std::lock_guard<std::mutex> lock(mu_);
  return log_;
}

int FakeAcmeCa::order_flow_requests() const {
  std::lock_guard<std::mutex> lock(mu_);
  int n = 0;
  for (const auto& [endpoint, c] : counts_) {
    if (endpoint != "directory" && endpoint != "nonce") {
      n += c;
    }
  }
  return n;
}

int FakeAcmeCa::bad_nonces() const {
  std::lock_guard<std::mutex> lock(mu_);
  return bad_nonces_;
}

std::string FakeAcmeCa::last_csr_der() const {
  std::lock_guard<std::mutex> lock(mu_);
  return last_csr_der_;
}

std::map<std::string, std::string> FakeAcmeCa::tokens() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::map<std::string, std::string> out;
  for (const auto& [id, c] : challenges_) {
    out[c.name] = c.token;
  }
  return out;
}

std::string FakeAcmeCa::NewNonce() {
  std::string nonce = "nonce" + std::to_string(++nonce_);
  unused_nonces_.insert(nonce);
  return nonce;
}

HttpResponse FakeAcmeCa::Json(int status, const json& body, HttpHeaders headers) {
  headers.emplace_back("Replay-Nonce", NewNonce());
  return MakeJsonResponse(status, body, std::move(headers));
}

HttpResponse FakeAcmeCa::Problem(int status, const std::string& type, const std::string& detail) {
  return MakeProblemResponse(status, type, detail, {{"Replay-Nonce", NewNonce()}});
}

HttpHeaders FakeAcmeCa::RetryAfterIf(bool pending) const {
  if (pending && !script.retry_after.empty()) {
    return {{"Retry-After", script.retry_after}};
  }
  return {};
}

std::string FakeAcmeCa::AuthzStatus(int id) const {
  const Authz& a = authzs_.at(id);
  if (a.expired) {
    return "expired";
  }
  if (a.reused) {
    return "valid";
  }
  const Challenge& c = challenges_.at(a.challenge);
  if (c.status == "valid" || c.status == "invalid") {
    return c.status;
  }
  return "pending";
}

std::string FakeAcmeCa::OrderStatus(const Order& order) const {
  if (order.invalid || order.expired) {
    return "invalid";
  }
  if (order.finalized) {
    return order.processing_left > 0 ? "processing" : "valid";
  }
  bool all_valid = true;
  for (int a : order.authzs) {
    const std::string s = AuthzStatus(a);
    if (s == "invalid") {
      return "invalid";
    }
    all_valid = all_valid && s == "valid";
  }
  return all_valid ? "ready" : "pending";
}

json FakeAcmeCa::ChallengeJson(int id) const {
  const Challenge& c = challenges_.at(id);
  json j = {{"type", script.offer_dns01 ? "dns-01" : "http-01"},
            {"url", std::string(kBase) + "/chall/" + std::to_string(id)},
            {"token", c.token},
            {"status", c.status}};
  if (c.error) {
    j["error"] = *c.error;
  }
  return j;
}

json FakeAcmeCa::AuthzJson(int id) const {
  const Authz& a = authzs_.at(id);
  json challenges = json::array();
  if (a.reused) {
    json c = ChallengeJson(a.challenge);
    c["status"] = "valid";
    challenges.push_back(c);
  } else {
    challenges.push_back(ChallengeJson(a.challenge));
  }
  json j = {{"status", AuthzStatus(id)},
            {"identifier", {{"type", "dns"}, {"value", a.base}}},
            {"expires", a.expired ? "2020-01-01T00:00:00Z" : "2030-01-01T00:00:00Z"},
            {"challenges", challenges}};
  if (a.wildcard) {
    j["wildcard"] = true;
  }
  return j;
}

json FakeAcmeCa::OrderJson(int id) const {
  const Order& o = orders_.at(id);
  json identifiers = json::array();
  for (const std::string& n : o.names) {
    identifiers.push_back({{"type", "dns"}, {"value", n}});
  }
  json authorizations = json::array();
  for (int a : o.authzs) {
    authorizations.push_back(std::string(kBase) + "/authz/" + std::to_string(a));
  }
  const std::string status = OrderStatus(o);
  json j = {{"status", status},
            {"expires", o.expired ? "2020-01-01T00:00:00Z" : "2030-01-01T00:00:00Z"},
            {"identifiers", identifiers},
            {"authorizations", authorizations},
            {"finalize", std::string(kBase) + "/finalize/" + std::to_string(id)}};
  if (status == "valid") {
    j["certificate"] = std::string(kBase) + "/cert/" + std::to_string(id);
  }
  if (o.error) {
    j["error"] = *o.error;
  }
  return j;
}

void FakeAcmeCa::Validate(Challenge& c) {
  if (auto it = script.rejected_challenges.find(c.name); it != script.rejected_challenges.end()) {
    c.status = "invalid";
    c.error = json{{"type", std::string(kErrorPrefix) + "unauthorized"}, {"detail", it->second}, {"status", 403}};
    return;
  }
  const std::string base = c.name.rfind("*.", 0) == 0 ? c.name.substr(2) : c.name;
  const std::string fqdn = "_acme-challenge." + base;
  const std::string expected = Base64UrlEncode(Sha256(c.token + "." + c.thumbprint));
  if (script.txt_visible && !script.txt_visible(fqdn, expected)) {
    c.status = "invalid";
    c.error = json{{"type", std::string(kErrorPrefix) + "unauthorized"},
                   {"detail", "No TXT record with the expected value found at " + fqdn},
                   {"status", 403}};
    return;
  }
  c.status = "valid";
}

void FakeAcmeCa::Tick() {
  for (auto& [id, c] : challenges_) {
    if (c.answered && c.status == "processing" && c.polls_left > 0) {
      if (--c.polls_left == 0) {
        Validate(c);
      }
    }
  }
}

bool FakeAcmeCa::AnyAnswered(const Order& order) const {
  for (int a : order.authzs) {
    if (challenges_.at(authzs_.at(a).challenge).answered) {
      return true;
    }
  }
  return false;
}

Result<std::string> FakeAcmeCa::Issue(Order& order, const std::string& csr_der) {
  IONOS_ASSIGN_OR_RETURN(ParsedCsr csr, ParseCsr(csr_der));
  std::vector<std::string> want = order.names;
  std::vector<std::string> got;
  for (const std::string& n : csr.dns_names) {
    got.push_back(Lower(n));
  }
  std::sort(want.begin(), want.end());
  std::sort(got.begin(), got.end());
  if (want != got) {
    return InvalidArgumentError("CSR names do not match the order's identifiers");
  }
  if (!csr.common_name.empty() && std::find(got.begin(), got.end(), Lower(csr.common_name)) == got.end()) {
    return InvalidArgumentError("CSR common name is not among its SANs");
  }
  std::vector<std::string> names = csr.dns_names;
  names.insert(names.end(), script.extra_certificate_names.begin(), script.extra_certificate_names.end());
  IONOS_ASSIGN_OR_RETURN(PrivateKey intermediate_key, PrivateKey::FromPem(intermediate_key_pem_));
  IONOS_ASSIGN_OR_RETURN(std::vector<X509Ptr> intermediate, ParseCertificatesPem(intermediate_pem_));
  std::optional<PrivateKey> other;
  EVP_PKEY* subject_key = csr.public_key.get();
  if (script.certificate_for_other_key) {
    IONOS_ASSIGN_OR_RETURN(PrivateKey k, PrivateKey::Generate(KeyAlgorithm::kEcdsa256));
    other.emplace(std::move(k));
    subject_key = other->get();
  }
  IONOS_ASSIGN_OR_RETURN(X509Ptr leaf,
                         MakeCertificate(csr.common_name.empty() ? names.front() : csr.common_name, subject_key,
                                         intermediate.front().get(), intermediate_key.get(), false, names,
                                         clock != nullptr ? std::chrono::system_clock::to_time_t(clock->Now())
                                                          : std::time(nullptr)));
  IONOS_ASSIGN_OR_RETURN(std::string leaf_pem, CertificateToPem(leaf.get()));
  return leaf_pem + intermediate_pem_;
}

Result<HttpResponse> FakeAcmeCa::Handle(const HttpRequest& request) {
  const std::string base = kBase;
  std::string endpoint;
  const std::string& url = request.url;
  if (url == base + "/dir") {
    endpoint = "directory";
  } else if (url == base + "/nonce") {
    endpoint = "nonce";
  } else if (url == base + "/new-order") {
    endpoint = "newOrder";
  } else if (url == base + "/new-account") {
    endpoint = "newAccount";
  } else if (!Suffix(url, base + "/acct/").empty()) {
    endpoint = "account";
  } else if (!Suffix(url, base + "/order/").empty()) {
    endpoint = "order";
  } else if (!Suffix(url, base + "/authz/").empty()) {
    endpoint = "authz";
  } else if (!Suffix(url, base + "/chall/").empty()) {
    endpoint = "challenge";
  } else if (!Suffix(url, base + "/finalize/").empty()) {
    endpoint = "finalize";
  } else if (!Suffix(url, base + "/cert/").empty()) {
    endpoint = "cert";
  } else if (!Suffix(url, base + "/renewal-info/").empty()) {
    endpoint = "renewalInfo";
  } else {
    endpoint = "unknown";
  }
  if (on_request) {
    on_request(endpoint);
  }
  int fail_next = fail_next_.load();
  while (fail_next > 0 && !fail_next_.compare_exchange_weak(fail_next, fail_next - 1)) {
  }
  if (unreachable_ || fail_next > 0) {
    ++transport_failures_;
    return UnavailableError("connecting to " + base + ":443: connection failed (refused, unreachable or name not resolvable)");
  }

  std::lock_guard<std::mutex> lock(mu_);
  ++counts_[endpoint];
  log_.push_back(endpoint + " " + url);

  if (endpoint == "directory") {
    // No Replay-Nonce here (RFC 8555 §6.5 asks for one on POST answers only), like Pebble.
    json dir = {{"newNonce", base + "/nonce"},
                {"newAccount", base + "/new-account"},
                {"newOrder", base + "/new-order"},
                {"revokeCert", base + "/revoke"},
                {"keyChange", base + "/key-change"},
                {"meta", {{"termsOfService", base + "/terms"}}}};
    if (script.renewal_window) {
      dir["renewalInfo"] = base + "/renewal-info";
    }
    return MakeJsonResponse(200, dir);
  }
  if (endpoint == "renewalInfo" && request.method == "GET" && script.renewal_window) {
    return MakeJsonResponse(200, {{"suggestedWindow",
                                   {{"start", FormatRfc3339(script.renewal_window->start)},
                                    {"end", FormatRfc3339(script.renewal_window->end)}}}});
  }
  if (endpoint == "nonce") {
    return MakeResponse(200, "", {{"Replay-Nonce", NewNonce()}, {"Cache-Control", "no-store"}});
  }
  if (endpoint == "unknown" || request.method != "POST") {
    return Problem(404, "malformed", "no such resource: " + request.method + " " + url);
  }

  // The JWS envelope (RFC 8555 §6.2-6.4).
  json jws = json::parse(request.body, nullptr, false);
  if (jws.is_discarded() || !jws.is_object() || !jws.contains("protected") || !jws.contains("payload")) {
    return Problem(400, "malformed", "the body is not a flattened JWS");
  }
  auto protected_raw = Base64UrlDecode(jws.value("protected", ""));
  auto payload_raw = Base64UrlDecode(jws.value("payload", ""));
  if (!protected_raw.ok() || !payload_raw.ok()) {
    return Problem(400, "malformed", "JWS members are not base64url");
  }
  json header = json::parse(*protected_raw, nullptr, false);
  if (header.is_discarded() || header.value("url", "") != url) {
    return Problem(400, "malformed", "JWS url does not match the request URL");
  }
  // RFC 8555 §6.5: a nonce is good for one request, and only one the server handed out.
  const std::string nonce = header.value("nonce", "");
  if (script.check_nonces && unused_nonces_.erase(nonce) == 0) {
    ++bad_nonces_;
    return Problem(400, "badNonce", "JWS has an invalid anti-replay nonce: \"" + nonce + "\"");
  }
  if (script.reject_nonces > 0) {
    --script.reject_nonces;
    ++bad_nonces_;
    return Problem(400, "badNonce", "JWS has an invalid anti-replay nonce: \"" + nonce + "\" (rejected on purpose)");
  }
  const std::string& payload = *payload_raw;
  if (endpoint == "newAccount") {
    return NewAccount(header, payload);
  }
  // RFC 8555 §6.2: every other request names its account by "kid".
  const std::string kid = header.value("kid", "");
  const int account_id = ParseId(Suffix(kid, base + "/acct/"));
  auto account = accounts_.find(account_id);
  if (account == accounts_.end()) {
    return Problem(400, "accountDoesNotExist", "No account at " + kid);
  }
  if (account->second.status != "valid") {
    return Problem(403, "unauthorized", "Account is not valid, has status \"" + account->second.status + "\"");
  }
  if (endpoint == "account") {
    const int id = ParseId(Suffix(url, base + "/acct/"));
    if (id != account_id) {
      return Problem(403, "unauthorized", "a request about another account");
    }
    return AccountRequest(id, payload);
  }

  if (endpoint == "newOrder") {
    json p = json::parse(payload, nullptr, false);
    if (p.is_discarded() || !p.contains("identifiers") || !p["identifiers"].is_array() || p["identifiers"].empty()) {
      return Problem(400, "malformed", "newOrder needs identifiers");
    }
    const int order_id = static_cast<int>(orders_.size()) + 1;
    Order order;
    order.account = account_id;
    for (const json& id : p["identifiers"]) {
      if (id.value("type", "") != "dns") {
        return Problem(400, "unsupportedIdentifier", "only dns identifiers");
      }
      const std::string name = Lower(id.value("value", ""));
      order.names.push_back(name);
      const int authz_id = static_cast<int>(authzs_.size()) + 1;
      const int challenge_id = static_cast<int>(challenges_.size()) + 1;
      Authz a;
      a.wildcard = name.rfind("*.", 0) == 0;
      a.base = a.wildcard ? name.substr(2) : name;
      a.reused = script.reused_authorizations.count(name) > 0;
      a.challenge = challenge_id;
      a.order = order_id;
      Challenge c;
      c.thumbprint = account->second.thumbprint;
      c.name = name;
      c.token = "token-" + std::to_string(challenge_id) + "-abcdefghijklmnopqrstuvwxyz";
      challenges_[challenge_id] = c;
      authzs_[authz_id] = a;
      order.authzs.push_back(authz_id);
    }
    orders_[order_id] = order;
    return Json(201, OrderJson(order_id), {{"Location", base + "/order/" + std::to_string(order_id)}});
  }

  if (endpoint == "order") {
    const int id = ParseId(Suffix(url, base + "/order/"));
    if (orders_.count(id) == 0 || !payload.empty()) {
      return Problem(404, "malformed", "no such order (or not POST-as-GET)");
    }
    Tick();
    Order& o = orders_.at(id);
    if (!script.order_error_type.empty() && !o.invalid && !o.finalized && AnyAnswered(o)) {
      o.invalid = true;
      o.error = json{{"type", std::string(kErrorPrefix) + script.order_error_type},
                     {"detail", script.order_error_detail},
                     {"status", 403}};
    }
    const json body = OrderJson(id);
    const std::string status = body["status"];
    HttpResponse r = Json(200, body, RetryAfterIf(status == "pending" || status == "processing"));
    if (o.finalized && o.processing_left > 0) {
      --o.processing_left;
    }
    return r;
  }

  if (endpoint == "authz") {
    const int id = ParseId(Suffix(url, base + "/authz/"));
    if (authzs_.count(id) == 0 || !payload.empty()) {
      return Problem(404, "malformed", "no such authorization (or not POST-as-GET)");
    }
    Tick();
    return Json(200, AuthzJson(id), RetryAfterIf(AuthzStatus(id) == "pending"));
  }

  if (endpoint == "challenge") {
    const int id = ParseId(Suffix(url, base + "/chall/"));
    if (challenges_.count(id) == 0 || payload != "{}") {
      return Problem(400, "malformed", "no such challenge (or payload is not {})");
    }
    Challenge& c = challenges_.at(id);
    const int order_id = authzs_.at(id).order;  // authorizations and challenges share ids
    Order& order = orders_.at(order_id);
    if (order_id <= script.expire_orders && !order.finalized) {
      order.expired = true;
      for (int a : order.authzs) {
        authzs_.at(a).expired = true;
      }
      return Problem(404, "malformed", "Expired authorization");
    }
    if (!c.answered && c.status == "pending") {
      c.answered = true;
      c.status = "processing";
      c.polls_left = script.validation_polls;
      if (c.polls_left == 0) {
        Validate(c);
      }
    }
    json body = ChallengeJson(id);
    if (!script.challenge_valid_in_response && c.status != "pending") {
      body["status"] = "processing";
      body.erase("error");
    }
    return Json(200, body, {{"Link", "<" + base + "/authz/" + std::to_string(id) + ">;rel=\"up\""}});
  }

  if (endpoint == "finalize") {
    const int id = ParseId(Suffix(url, base + "/finalize/"));
    if (orders_.count(id) == 0) {
      return Problem(404, "malformed", "no such order");
    }
    Order& o = orders_.at(id);
    if (script.finalized_by_other_client && OrderStatus(o) == "ready") {
      o.finalized = true;  // someone else's CSR; its certificate is never downloaded here
    }
    if (OrderStatus(o) != "ready") {
      return Problem(403, "orderNotReady", "order is " + OrderStatus(o));
    }
    json p = json::parse(payload, nullptr, false);
    auto der = Base64UrlDecode(p.is_object() ? p.value("csr", "") : "");
    if (!der.ok() || der->empty()) {
      return Problem(400, "badCSR", "csr is not base64url DER");
    }
    last_csr_der_ = *der;
    Result<std::string> chain = Issue(o, *der);
    if (!chain.ok()) {
      return Problem(400, "badCSR", chain.status().message());
    }
    o.chain_pem = *chain;
    o.finalized = true;
    o.processing_left = script.processing_polls;
    if (script.lose_finalize_answer && !finalize_answer_lost_) {
      finalize_answer_lost_ = true;
      ++transport_failures_;
      return UnavailableError("POST " + url + ": reading the response failed (connection closed)");
    }
    json body = OrderJson(id);
    if (script.finalize_answers_processing) {
      body["status"] = "processing";
      body.erase("certificate");
    }
    return Json(200, body, [&] {
      HttpHeaders h = RetryAfterIf(body["status"] == "processing");
      h.emplace_back("Location", base + "/order/" + std::to_string(id));
      return h;
    }());
  }

  if (endpoint == "cert") {
    const int id = ParseId(Suffix(url, base + "/cert/"));
    if (orders_.count(id) == 0 || OrderStatus(orders_.at(id)) != "valid" || !payload.empty()) {
      return Problem(404, "malformed", "no such certificate");
    }
    return MakeResponse(200, orders_.at(id).chain_pem,
                        {{"Content-Type", "application/pem-certificate-chain"},
                         {"Replay-Nonce", NewNonce()}});
  }
  return Problem(404, "malformed", "unhandled");
}

// ---------------------------------------------------------------- FakeDnsProvider

FakeDnsProvider::FakeDnsProvider(std::vector<DnsZone> zones) : zones_(std::move(zones)) {}

Result<std::vector<DnsZone>> FakeDnsProvider::ListZones() { return zones_; }

Result<DnsRecord> FakeDnsProvider::EnsureTxtRecord(const DnsZone& zone, const std::string& record_id,
                                                   const std::string& relative_name, const std::string& value,
                                                   int ttl) {
  const std::string fqdn = Lower(relative_name.empty() ? zone.name : relative_name + "." + zone.name);
  std::unique_lock<std::mutex> lock(mu_);
  ++ensure_calls_;
  ++in_flight_;
  max_in_flight_ = std::max(max_in_flight_, in_flight_);
  cv_.notify_all();
  if (barrier_ > 0) {
    cv_.wait_for(lock, std::chrono::seconds(5), [&] { return in_flight_ >= barrier_ || max_in_flight_ >= barrier_; });
  }
  --in_flight_;
  if (auto it = ensure_failures_.find(fqdn); it != ensure_failures_.end()) {
    return it->second;
  }
  DnsRecord record;
  record.id = record_id;
  record.zone_id = zone.id;
  record.name = relative_name;
  record.type = "TXT";
  record.content = value;
  record.ttl = ttl;
  record.state = "AVAILABLE";
  record.fqdn = fqdn;
  const bool is_new = records_.count(record_id) == 0;
  records_[record_id] = record;
  if (is_new) {
    created_.push_back(record);
  }
  return record;
}

Status FakeDnsProvider::WaitRecordAvailable(const std::string& zone_id, const std::string& record_id, Duration) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = records_.find(record_id);
  if (it == records_.end() || it->second.zone_id != zone_id) {
    return NotFoundError("record " + record_id + " not found in zone " + zone_id);
  }
  return Status::Ok();
}

Status FakeDnsProvider::DeleteRecord(const std::string& zone_id, const std::string& record_id) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!delete_failure_.ok()) {
    return delete_failure_;
  }
  deleted_ids_.push_back(record_id);
  auto it = records_.find(record_id);
  if (it != records_.end() && it->second.zone_id == zone_id) {
    records_.erase(it);
  }
  return Status::Ok();
}

void FakeDnsProvider::FailEnsure(const std::string& fqdn, Status status) {
  std::lock_guard<std::mutex> lock(mu_);
  ensure_failures_[Lower(fqdn)] = std::move(status);
}

void FakeDnsProvider::FailDeletes(Status status) {
  std::lock_guard<std::mutex> lock(mu_);
  delete_failure_ = std::move(status);
}

void FakeDnsProvider::SetEnsureBarrier(size_t n) {
  std::lock_guard<std::mutex> lock(mu_);
  barrier_ = n;
}

void FakeDnsProvider::AddRecord(const DnsRecord& record) {
  std::lock_guard<std::mutex> lock(mu_);
  records_[record.id] = record;
}

std::vector<DnsRecord> FakeDnsProvider::records() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<DnsRecord> out;
  for (const auto& [id, r] : records_) {
    out.push_back(r);
  }
  return out;
}

std::vector<std::string> FakeDnsProvider::TxtValues(const std::string& fqdn) const {
  std::string want = Lower(fqdn);
  while (!want.empty() && want.back() == '.') {
    want.pop_back();
  }
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::string> out;
  for (const auto& [id, r] : records_) {
    if (r.type == "TXT" && Lower(r.fqdn) == want) {
      out.push_back(r.content);
    }
  }
  return out;
}

std::vector<DnsRecord> FakeDnsProvider::created() const {
  std::lock_guard<std::mutex> lock(mu_);
  return created_;
}

std::vector<std::string> FakeDnsProvider::deleted_ids() const {
  std::lock_guard<std::mutex> lock(mu_);
  return deleted_ids_;
}

size_t FakeDnsProvider::ensure_calls() const {
  std::lock_guard<std::mutex> lock(mu_);
  return ensure_calls_;
}

size_t FakeDnsProvider::max_in_flight() const {
  std::lock_guard<std::mutex> lock(mu_);
  return max_in_flight_;
}

// ---------------------------------------------------------------- FakeDnsResolver

Result<std::vector<std::string>> FakeDnsResolver::QueryTxt(const std::string& server_host_port,
                                                           const std::string& fqdn) {
  std::string name = Lower(fqdn);
  while (!name.empty() && name.back() == '.') {
    name.pop_back();
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++queries_;
    servers_.insert(server_host_port);
    if (hidden_.count(name) > 0) {
      return std::vector<std::string>{};
    }
  }
  return dns_->TxtValues(name);
}

Result<std::vector<std::string>> FakeDnsResolver::ResolveAddresses(const std::string& hostname) {
  if (hostname.find_first_not_of("0123456789.") == std::string::npos || hostname.find(':') != std::string::npos) {
    return std::vector<std::string>{hostname};
  }
  return std::vector<std::string>{"192.0.2.53"};
}

void FakeDnsResolver::Hide(const std::string& fqdn) {
  std::lock_guard<std::mutex> lock(mu_);
  hidden_.insert(Lower(fqdn));
}

size_t FakeDnsResolver::queries() const {
  std::lock_guard<std::mutex> lock(mu_);
  return queries_;
}

std::set<std::string> FakeDnsResolver::servers_asked() const {
  std::lock_guard<std::mutex> lock(mu_);
  return servers_;
}

// ---------------------------------------------------------------- accounts

json FakeAcmeCa::AccountJson(int id) const {
  const Account& a = accounts_.at(id);
  return json{{"status", a.status}, {"contact", a.contact}, {"orders", std::string(kBase) + "/orders/" + std::to_string(id)}};
}

HttpResponse FakeAcmeCa::NewAccount(const json& header, const std::string& payload) {
  if (!header.contains("jwk") || header.contains("kid")) {
    return Problem(400, "malformed", "newAccount must carry a jwk and no kid");
  }
  Result<std::string> thumbprint = JwkThumbprint(header["jwk"]);
  if (!thumbprint.ok()) {
    return Problem(400, "badPublicKey", "unusable jwk");
  }
  json p = json::parse(payload, nullptr, false);
  if (p.is_discarded() || !p.is_object()) {
    return Problem(400, "malformed", "newAccount payload is not an object");
  }
  for (auto& [id, a] : accounts_) {
    if (a.thumbprint == *thumbprint) {
      if (a.status != "valid") {
        return Problem(403, "unauthorized", "An account with the provided public key exists but is " + a.status);
      }
      const std::string location = std::string(kBase) + "/acct/" + std::to_string(id);
      return Json(200, AccountJson(id), {{"Location", location}});
    }
  }
  if (p.value("onlyReturnExisting", false)) {
    return Problem(400, "accountDoesNotExist", "No account exists with the provided key");
  }
  if (!p.value("termsOfServiceAgreed", false)) {
    return Problem(400, "malformed", "must agree to the terms of service");
  }
  std::string eab_kid;
  if (!script.eab_keys.empty()) {
    if (!p.contains("externalAccountBinding") || !p["externalAccountBinding"].is_object()) {
      return Problem(403, "externalAccountRequired", "newAccount must include an externalAccountBinding");
    }
    const json& binding = p["externalAccountBinding"];
    const std::string protected_b64 = binding.value("protected", "");
    const std::string payload_b64 = binding.value("payload", "");
    Result<std::string> protected_json = Base64UrlDecode(protected_b64);
    json eab_header = protected_json.ok() ? json::parse(*protected_json, nullptr, false) : json();
    eab_kid = eab_header.is_object() ? eab_header.value("kid", "") : "";
    auto key = script.eab_keys.find(eab_kid);
    Result<std::string> hmac_key = key == script.eab_keys.end() ? Result<std::string>(NotFoundError("kid"))
                                                                 : Base64UrlDecode(key->second);
    Result<std::string> mac = hmac_key.ok() ? HmacSha256(*hmac_key, protected_b64 + "." + payload_b64)
                                            : Result<std::string>(hmac_key.status());
    if (!mac.ok() || Base64UrlEncode(*mac) != binding.value("signature", "")) {
      return Problem(401, "unauthorized", "the external account binding does not verify");
    }
  }
  if (!eab_kid.empty()) eab_registrations_.push_back(eab_kid);
  const int id = next_account_++;
  Account a;
  a.thumbprint = *thumbprint;
  if (p.contains("contact") && p["contact"].is_array()) {
    a.contact = p["contact"];
  }
  accounts_[id] = a;
  return Json(201, AccountJson(id), {{"Location", std::string(kBase) + "/acct/" + std::to_string(id)}});
}

HttpResponse FakeAcmeCa::AccountRequest(int id, const std::string& payload) {
  Account& a = accounts_.at(id);
  if (!payload.empty()) {
    json p = json::parse(payload, nullptr, false);
    if (p.is_discarded() || !p.is_object()) {
      return Problem(400, "malformed", "account update is not an object");
    }
    if (p.value("status", "") == "deactivated") {
      a.status = "deactivated";
    }
    if (p.contains("contact")) {
      if (!p["contact"].is_array()) {
        return Problem(400, "invalidContact", "contact must be a list");
      }
      a.contact = p["contact"];
    }
  }
  return Json(200, AccountJson(id));
}

void FakeAcmeCa::ForgetAccounts() {
  std::lock_guard<std::mutex> lock(mu_);
  accounts_.clear();  // numbering goes on: a forgotten URL is never handed out again
}

std::string FakeAcmeCa::AccountStatus(const std::string& url) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = accounts_.find(ParseId(Suffix(url, std::string(kBase) + "/acct/")));
  return it == accounts_.end() ? "" : it->second.status;
}

std::vector<std::string> FakeAcmeCa::AccountContact(const std::string& url) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::string> out;
  auto it = accounts_.find(ParseId(Suffix(url, std::string(kBase) + "/acct/")));
  if (it != accounts_.end()) {
    for (const json& c : it->second.contact) {
      out.push_back(c.get<std::string>());
    }
  }
  return out;
}

std::vector<std::string> FakeAcmeCa::eab_registrations() const {
  std::lock_guard<std::mutex> lock(mu_);
  return eab_registrations_;
}

int FakeAcmeCa::account_count() const {
  std::lock_guard<std::mutex> lock(mu_);
  return static_cast<int>(accounts_.size());
}

}  // namespace ionos::fakes
