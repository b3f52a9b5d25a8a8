// Test doubles for the certificate issuer: a scripted ACME CA (RFC 8555) behind FakeHttpClient, a
// DnsProvider that keeps TXT records in memory, and a DnsResolver that "sees" those records.
//
// FakeAcmeCa serves, under https://ca.test:
//   GET  /dir          directory          HEAD /nonce     Replay-Nonce
//   POST /new-account  newAccount (RFC 8555 §7.3: 201 new, 200 existing; onlyReturnExisting)
//   POST /acct/N       the account: POST-as-GET, {"contact":[...]}, {"status":"deactivated"}
//   POST /new-order    201 + Location     POST /order/N   the order (POST-as-GET)
//   POST /authz/N      the authorization  POST /chall/N   answer a challenge ({})
//   POST /finalize/N   CSR → certificate  POST /cert/N    PEM chain (leaf, intermediate)
//   GET  /renewal-info/ID  RFC 9773 renewal information, when script.renewal_window is set
// It checks every POST's JWS envelope (protected "url" equals the request URL; "kid" names a
// known, valid account, else accountDoesNotExist or unauthorized as Boulder answers; newAccount
// carries a "jwk") and answers malformed/unauthorized problems otherwise. Accounts are known by
// their key's thumbprint; the account a challenge's TXT value is computed for is the order's. Every answer carries a fresh
// Replay-Nonce. Certificates are real X.509 (leaf ← "Fake Intermediate" ← "Fake Root"), issued for
// the CSR's key and names after checking the CSR's signature and that its names equal the order's.
//
// Validation of an answered dns-01 challenge: the expected TXT value is computed from the token
// and the account thumbprint given to the constructor; the challenge turns valid when
// `script.txt_visible(fqdn, value)` says so (no function: always), invalid otherwise (or when the
// name is in `script.rejected_challenges`, with that detail). Thread-safe.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/dns/propagation.h"
#include "core/http/http.h"
#include "core/dns/ionos_cloud_dns.h"
#include "core/base/clock.h"
#include "core/base/status.h"
#include "tests/fakes/fake_http.h"

namespace ionos::fakes {

struct FakeAcmeCaScript {
  // Names as ordered ("example.com", "*.example.com") whose authorization is valid from the start
  // (authorization reuse, like PEBBLE_AUTHZREUSE).
  std::set<std::string> reused_authorizations;
  // Names as ordered whose dns-01 validation fails, with this problem detail (type "unauthorized").
  std::map<std::string, std::string> rejected_challenges;
  // When set, the order turns invalid at its first poll after the challenges were answered, with
  // this problem (the authorizations stay as they are).
  std::string order_error_type;  // e.g. "caa"
  std::string order_error_detail;
  // Order or authorization polls that still show the challenges unvalidated after they were
  // answered (0: validated at once).
  int validation_polls = 0;
  // Order polls answering "processing" after finalize.
  int processing_polls = 0;
  // Finalize answers "processing" even when the certificate is ready (like Pebble, which issues
  // asynchronously); implied by processing_polls > 0. Otherwise finalize answers "valid".
  bool finalize_answers_processing = false;
  // Retry-After header value on answers whose status is not final (pending, processing).
  std::string retry_after;
  // The challenge POST answers with the validation result ("valid") instead of "processing".
  bool challenge_valid_in_response = false;
  // Offer only http-01 (no dns-01).
  bool offer_dns01 = true;
  // Names put into the certificate on top of the requested ones.
  std::vector<std::string> extra_certificate_names;
  // Issue the certificate for another key than the CSR's.
  bool certificate_for_other_key = false;
  // Whether the CA's DNS lookup finds `value` at `fqdn` when validating. Null: always.
  std::function<bool(const std::string& fqdn, const std::string& value)> txt_visible;
  // Orders 1..expire_orders expire when the first of their challenges is answered: that POST is
  // refused (404 malformed "Expired authorization", as Boulder answers), the order is "invalid"
  // from then on and its authorizations "expired" (RFC 8555 §7.1.6); finalize answers 403
  // orderNotReady.
  int expire_orders = 0;
  // The first finalize is carried out, but its answer is lost on the way back (the request fails
  // in transport, like a connection reset after the CA acted).
  bool lose_finalize_answer = false;
  // Another client of the account finalizes the order just before our finalize arrives (Boulder
  // hands out one ready order for identical requests): ours is refused, 403 orderNotReady, and
  // the order reads "valid" (with a certificate that is not for our key).
  bool finalized_by_other_client = false;
  // External Account Binding (RFC 8555 §7.3.4): when not empty, newAccount requires a binding
  // whose "kid" is a key here (key id -> base64url HMAC key) and whose HS256 MAC verifies with it;
  // otherwise 403 externalAccountRequired, or 401 unauthorized for an unknown kid or a bad MAC.
  std::map<std::string, std::string> eab_keys;
  // ACME Renewal Information (RFC 9773): when set, the directory offers "renewalInfo" and
  // GET /renewal-info/<certID> answers this suggested window for every certificate.
  struct Window {
    TimePoint start;
    TimePoint end;
  };
  std::optional<Window> renewal_window;
  // RFC 8555 §6.5: a POST whose nonce this CA did not hand out, or that was used before, is
  // refused with 400 badNonce (the answer carries a fresh nonce).
  bool check_nonces = true;
  // The next N POSTs with a good nonce are refused with badNonce all the same (as Pebble's
  // PEBBLE_WFE_NONCEREJECT does at random); the nonce is spent.
  int reject_nonces = 0;
};

class FakeAcmeCa {
 public:
  static constexpr char kBase[] = "https://ca.test";
  static constexpr char kAccountUrl[] = "https://ca.test/acct/1";

  // `account_thumbprint`: the RFC 7638 thumbprint of an account key registered from the start as
  // kAccountUrl (what tests that sign orders themselves use). Empty: no account yet; accounts come
  // from newAccount as /acct/1, /acct/2, ...
  explicit FakeAcmeCa(std::string account_thumbprint = "");

  // Makes this CA the handler of `http` (FakeHttpClient::SetHandler).
  void Install(FakeHttpClient* http);
  Result<HttpResponse> Handle(const HttpRequest& request);

  std::string directory_url() const { return std::string(kBase) + "/dir"; }

  // Set before the test issues (not synchronised against requests in flight).
  FakeAcmeCaScript script;
  // When set, certificates are valid from this clock's now - 1 h for 90 days; else from the
  // real time.
  const Clock* clock = nullptr;
  // Called (without the CA's lock) before each request with its endpoint: "directory", "nonce",
  // "newOrder", "order", "authz", "challenge", "finalize", "cert", "renewalInfo".
  std::function<void(const std::string& endpoint)> on_request;

  // Transport faults; thread-safe, may be switched while requests run (from on_request, say).
  // While unreachable, every request fails as a refused connection would, without reaching the
  // CA; FailNextRequests(n) does that to the next n requests.
  void SetUnreachable(bool unreachable) { unreachable_ = unreachable; }
  void FailNextRequests(int n) { fail_next_ = n; }
  // Requests that failed in transport so far (not counted by count() or log()).
  int transport_failures() const { return transport_failures_; }

  // Requests per endpoint so far.
  int count(const std::string& endpoint) const;
  // Every request so far as "<endpoint> <url>".
  std::vector<std::string> log() const;
  // Every ACME request except directory and nonce.
  int order_flow_requests() const;
  // POSTs refused with badNonce so far.
  int bad_nonces() const;
  // The CSR of the last finalize (DER), for inspection.
  std::string last_csr_der() const;
  // The CA certificates (PEM).
  const std::string& root_pem() const { return root_pem_; }
  const std::string& intermediate_pem() const { return intermediate_pem_; }
  // Challenge tokens handed out, by name as ordered.
  std::map<std::string, std::string> tokens() const;

  // Forgets every account, as a CA that was reset (a restarted Pebble, a wiped staging): their
  // URLs and keys are unknown from now on (accountDoesNotExist).
  void ForgetAccounts();
  // The status of the account at `url` ("valid", "deactivated"; "" when unknown), and its contact.
  std::string AccountStatus(const std::string& url) const;
  std::vector<std::string> AccountContact(const std::string& url) const;
  // Accounts known so far (including deactivated ones).
  int account_count() const;
  // Key ids of the bindings newAccount accepted, in order.
  std::vector<std::string> eab_registrations() const;

 private:
  struct Challenge {
    std::string thumbprint;  // of the ordering account's key
    std::string name;  // as ordered
    std::string token;
    std::string status = "pending";
    std::optional<nlohmann::json> error;
    bool answered = false;
    int polls_left = 0;
  };
  struct Authz {
    std::string base;
    bool wildcard = false;
    bool reused = false;
    bool expired = false;
    int challenge = 0;
    int order = 0;
  };
  struct Account {
    std::string thumbprint;
    std::string status = "valid";
    nlohmann::json contact = nlohmann::json::array();
  };
  struct Order {
    int account = 0;
    std::vector<std::string> names;  // as ordered
    std::vector<int> authzs;
    bool finalized = false;
    int processing_left = 0;
    bool invalid = false;
    bool expired = false;
    std::optional<nlohmann::json> error;
    std::string chain_pem;
  };

  std::string NewNonce();  // with mu_ held
  HttpResponse Json(int status, const nlohmann::json& body, HttpHeaders headers = {});
  HttpResponse Problem(int status, const std::string& type, const std::string& detail);
  std::string AuthzStatus(int id) const;
  std::string OrderStatus(const Order& order) const;
  nlohmann::json OrderJson(int id) const;
  nlohmann::json AuthzJson(int id) const;
  nlohmann::json ChallengeJson(int id) const;
  void Validate(Challenge& c);
  HttpResponse NewAccount(const nlohmann::json& header, const std::string& payload);
  HttpResponse AccountRequest(int id, const std::string& payload);
  nlohmann::json AccountJson(int id) const;
  void Tick();  // one poll passes for deferred validations
  bool AnyAnswered(const Order& order) const;
  Result<std::string> Issue(Order& order, const std::string& csr_der);
  HttpHeaders RetryAfterIf(bool pending) const;

  std::map<int, Account> accounts_;  // by the number in /acct/N; 1 is kAccountUrl
  int next_account_ = 1;
  std::vector<std::string> eab_registrations_;
  std::string root_pem_;
  std::string intermediate_pem_;
  std::string intermediate_key_pem_;

  mutable std::mutex mu_;
  int nonce_ = 0;
  std::set<std::string> unused_nonces_;
  int bad_nonces_ = 0;
  std::map<int, Order> orders_;
  std::map<int, Authz> authzs_;
  std::map<int, Challenge> challenges_;
  std::map<std::string, int> counts_;
  std::vector<std::string> log_;
  std::string last_csr_der_;
  bool finalize_answer_lost_ = false;

  std::atomic<bool> unreachable_{false};
  std::atomic<int> fail_next_{0};
  std::atomic<int> transport_failures_{0};
};

// ---------------------------------------------------------------- DNS

// A DnsProvider over an in-memory record set. Records are AVAILABLE at once. Thread-safe.
class FakeDnsProvider : public DnsProvider {
 public:
  explicit FakeDnsProvider(std::vector<DnsZone> zones);

  Result<std::vector<DnsZone>> ListZones() override;
  Result<DnsRecord> EnsureTxtRecord(const DnsZone& zone, const std::string& record_id,
                                    const std::string& relative_name, const std::string& value, int ttl) override;
  Status WaitRecordAvailable(const std::string& zone_id, const std::string& record_id, Duration timeout) override;
  Status DeleteRecord(const std::string& zone_id, const std::string& record_id) override;

  // ---- scripting
  // EnsureTxtRecord for this fqdn fails with `status` (the record is not created).
  void FailEnsure(const std::string& fqdn, Status status);
  // Every DeleteRecord fails with `status` (OK again with Status::Ok()).
  void FailDeletes(Status status);
  // Each EnsureTxtRecord waits (real time, at most 5 s) until `n` calls are in flight at once.
  void SetEnsureBarrier(size_t n);
  // Puts a record in place as if created earlier (for leftovers).
  void AddRecord(const DnsRecord& record);

  // ---- inspection
  std::vector<DnsRecord> records() const;  // live records
  std::vector<std::string> TxtValues(const std::string& fqdn) const;
  std::vector<DnsRecord> created() const;  // every EnsureTxtRecord that created a record, in order
  std::vector<std::string> deleted_ids() const;
  size_t ensure_calls() const;
  size_t max_in_flight() const;

 private:
  std::vector<DnsZone> zones_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, DnsRecord> records_;  // by record id
  std::map<std::string, Status> ensure_failures_;
  Status delete_failure_;
  size_t barrier_ = 0;
  size_t in_flight_ = 0;
  size_t max_in_flight_ = 0;
  size_t ensure_calls_ = 0;
  std::vector<DnsRecord> created_;
  std::vector<std::string> deleted_ids_;
};

// A DnsResolver that answers from a FakeDnsProvider's live records, whatever server is asked.
// Names in `hidden` never show up (propagation that never completes). Thread-safe.
class FakeDnsResolver : public DnsResolver {
 public:
  explicit FakeDnsResolver(FakeDnsProvider* dns) : dns_(dns) {}

  Result<std::vector<std::string>> QueryTxt(const std::string& server_host_port, const std::string& fqdn) override;
  Result<std::vector<std::string>> ResolveAddresses(const std::string& hostname) override;

  void Hide(const std::string& fqdn);
  size_t queries() const;
  std::set<std::string> servers_asked() const;

 private:
  FakeDnsProvider* dns_;
  mutable std::mutex mu_;
  std::set<std::string> hidden_;
  size_t queries_ = 0;
  std::set<std::string> servers_;
};

}  // namespace ionos::fakes
