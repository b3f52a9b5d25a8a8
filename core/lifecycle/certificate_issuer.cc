#include "core/lifecycle/certificate_issuer.h"

#include <algorithm>
#include <cctype>
#include <exception>
#include <future>
#include <optional>
#include <system_error>
#include <thread>
#include <utility>

#include "core/base/process_identity.h"
#include "core/base/strings.h"
#include "core/dns/dns_name.h"
#include "core/base/encoding.h"

namespace ionos {

namespace {

// "*.example.com" → "example.com"; other names unchanged.
std::string BaseName(const std::string& name) { return name.rfind("*.", 0) == 0 ? name.substr(2) : name; }

std::string Millis(TimePoint from, TimePoint to) {
  return std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(to - from).count());
}

// The error for the exception being handled (call it inside a catch block only): kInternal with
// its what(). Callers add what was being done, as for any other error.
Status CurrentExceptionStatus() {
  try {
    throw;
  } catch (const std::exception& e) {
    return InternalError(std::string("unexpected exception: ") + e.what());
  } catch (...) {
    return InternalError("unexpected exception (not a std::exception)");
  }
}

// Runs f(0) ... f(n-1) (each returning Status), each on its own thread when there is more than one,
// and returns their results in index order. Falls back to the calling thread when no thread can be
// started. Nothing escapes a worker (an exception leaving a thread ends the process,
// and the TXT records with it): an exception thrown by f(i) becomes kInternal for item i
// (CurrentExceptionStatus), so callers treat it like any other failure and their cleanup runs.
template <typename F>
std::vector<Status> ForEachInParallel(size_t n, const F& f) {
  std::vector<Status> results(n);
  std::vector<char> lost(n, 0);  // even the error could not be built (out of memory)
  auto run = [&results, &lost, &f](size_t i) noexcept {
    try {
      results[i] = f(i);
    } catch (...) {
      try {
        results[i] = CurrentExceptionStatus();
      } catch (...) {
        lost[i] = 1;
      }
    }
  };
  if (n == 1) {
    run(0);
  } else if (n > 1) {
    std::vector<std::thread> threads;
    threads.reserve(n);
    for (size_t i = 0; i < n; ++i) {
      try {
        threads.emplace_back(run, i);
      } catch (const std::system_error&) {
        run(i);
      }
    }
    for (std::thread& t : threads) {
      t.join();
    }
  }
  for (size_t i = 0; i < n; ++i) {
    if (lost[i] != 0) {
      results[i] = InternalError("unexpected exception");
    }
  }
  return results;
}

// Whether a failed ACME request was refused by the CA with a problem about the request or its
// object, as opposed to transport failures, rate limits, timeouts and cancellation.
bool IsCaAnswer(const Status& failure) {
  switch (failure.code()) {
    case StatusCode::kInvalidArgument:
    case StatusCode::kNotFound:
    case StatusCode::kPermissionDenied:
    case StatusCode::kFailedPrecondition:
      return true;
    default:
      return false;
  }
}

// After a request about `order` failed with a CA error: when the order itself has turned
// invalid meanwhile (it expired, or the CA gave up on it), that explains the failure better than
// the request's own problem (Boulder answers 404 for an expired authorization's challenge).
// Other failures are returned as they are.
Status ExplainByOrder(const AcmeAccountRef& account, const std::string& order_url, const Status& failure,
                      TimePoint now) {
  if (!IsCaAnswer(failure)) {
    return failure;
  }
  Result<AcmeOrder> current = GetOrder(account, order_url);
  if (current.ok() && current->status == "invalid") {
    return OrderFailure(account, *current, now);
  }
  if (!current.ok() && current.status().code() == StatusCode::kCancelled) {
    return current.status();  // interrupted meanwhile: that is what the user needs to hear
  }
  return failure;
}

// An order that moved past "ready" without our finalize: Boulder reuses ready orders for identical
// requests of one account, so another client finalized it; it holds no certificate for our key.
Status FinalizedElsewhere(const std::string& order_url, const std::string& status) {
  return FailedPreconditionError("order " + order_url + " is already " + status +
                                 ": another client of this ACME account finalized it (an identical certificate "
                                 "requested at the same time?); try again");
}

// The first non-OK status, in index order (deterministic errors for tests and users).
Status FirstError(const std::vector<Status>& statuses) {
  for (const Status& s : statuses) {
    if (!s.ok()) {
      return s;
    }
  }
  return Status::Ok();
}

}  // namespace

// ---------------------------------------------------------------- the cleanup guard

// The challenge TXT records of one Issue() call. Owns their lifetime: whatever was noted in the
// store is deleted from DNS and un-noted when the guard is destroyed (or earlier, in the
// background, through CleanUpInBackground()). Cleanup ignores the CancelToken.
class CertificateIssuer::ChallengeRecords {
 public:
  struct Record {
    std::string ordered_name;  // "*.example.com" or "example.com": the authorization's name
    DnsZone zone;
    std::string fqdn;           // _acme-challenge.example.com
    std::string relative_name;  // _acme-challenge (in zone example.com)
    std::string value;
    std::string record_id;  // the UUID we PUT the record under
    std::string note_id;    // the store's PendingDnsRecord id
    std::string challenge_url;
    bool attempted = false;  // EnsureTxtRecord was called (the record may exist)
  };

  explicit ChallengeRecords(CertificateIssuer* issuer) : issuer_(issuer) {}
  ChallengeRecords(const ChallengeRecords&) = delete;
  ChallengeRecords& operator=(const ChallengeRecords&) = delete;

  ~ChallengeRecords() {
    if (background_.joinable()) {
      background_.join();
    } else {
      CleanUpNow();
    }
  }

  const std::vector<Record>& records() const { return records_; }
  bool empty() const { return records_.empty(); }

  // Notes the record in the store (before anything is written to DNS) and takes charge of it.
  Status Note(Record record) {
    PendingDnsRecord note;
    note.zone_id = record.zone.id;
    note.zone_name = record.zone.name;
    note.record_name = record.relative_name;
    note.fqdn = record.fqdn;
    note.value = record.value;
    note.record_id = record.record_id;
    note.owner = ProcessIdentity();
    IONOS_ASSIGN_OR_RETURN_CTX(PendingDnsRecord noted, issuer_->store_->NotePendingDnsRecord(note),
                               "noting TXT record " + record.fqdn + " in the store " + issuer_->store_->Describe());
    record.note_id = noted.id;
    issuer_->TrackNote(record.note_id);
    records_.push_back(std::move(record));
    return Status::Ok();
  }

  // Creates every record in parallel and waits until each is live at the DNS API.
  Status CreateAll(int ttl, Duration timeout) {
    std::vector<Status> results = ForEachInParallel(records_.size(), [&](size_t i) -> Status {
      Record& r = records_[i];
      r.attempted = true;
      Result<DnsRecord> created = issuer_->dns_->EnsureTxtRecord(r.zone, r.record_id, r.relative_name, r.value, ttl);
      if (!created.ok()) {
        return created.status();
      }
      return issuer_->dns_->WaitRecordAvailable(r.zone.id, r.record_id, timeout);
    });
    for (size_t i = 0; i < results.size(); ++i) {
      results[i] =
          results[i].WithContext("writing TXT record " + records_[i].relative_name + " in zone " + records_[i].zone.name);
    }
    return FirstError(results);
  }

  // Starts the cleanup on a background thread; the destructor waits for it.
  void CleanUpInBackground() {
    if (cleaned_ || background_.joinable()) {
      return;
    }
    try {
      background_ = std::thread([this] { CleanUpNow(); });
    } catch (const std::system_error&) {
      CleanUpNow();
    }
  }

 private:
  // Runs on the background thread or in the destructor: nothing may escape it. A record whose
  // cleanup failed (an error or an exception) keeps its note for CleanUpLeftovers().
  void CleanUpNow() noexcept {
    if (cleaned_) {
      return;
    }
    cleaned_ = true;
    try {
      Logger& log = *issuer_->logger_;
      const std::vector<Status> results = ForEachInParallel(records_.size(), [&](size_t i) -> Status {
        const Record& r = records_[i];
        if (r.attempted) {
          IONOS_RETURN_IF_ERROR(issuer_->dns_->DeleteRecord(r.zone.id, r.record_id));
        }
        const Status removed = issuer_->store_->RemovePendingDnsRecord(r.note_id);
        if (!removed.ok() && removed.code() != StatusCode::kNotFound) {
          log.Warn("could not remove the note of a deleted TXT record from the store",
                   {{"fqdn", r.fqdn}, {"note_id", r.note_id}, {"error", removed.message()}});
        }
        log.Debug("removed ACME challenge TXT record", {{"fqdn", r.fqdn}, {"zone", r.zone.name}});
        return Status::Ok();
      });
      for (size_t i = 0; i < records_.size(); ++i) {
        const Record& r = records_[i];
        if (!results[i].ok()) {
          // The note stays: CleanUpLeftovers() retries later.
          log.Warn("could not delete ACME challenge TXT record; it stays noted for a later cleanup",
                   {{"fqdn", r.fqdn}, {"zone", r.zone.name}, {"record_id", r.record_id}, {"error", results[i].message()}});
        }
        issuer_->UntrackNote(r.note_id);
      }
    } catch (...) {
      // Out of memory while cleaning up: the notes stay in the store for CleanUpLeftovers().
    }
  }

  CertificateIssuer* issuer_;
  std::vector<Record> records_;
  bool cleaned_ = false;
  std::thread background_;
};

// ---------------------------------------------------------------- CertificateIssuer

CertificateIssuer::CertificateIssuer(DnsProvider* dns, PropagationChecker* checker, PendingDnsRecordStore* store,
                                     const Clock* clock, Random* random, Logger* logger, const CancelToken* cancel,
                                     IssuerOptions options)
    : dns_(dns),
      checker_(checker),
      store_(store),
      clock_(clock),
      random_(random),
      logger_(logger != nullptr ? logger : &DiscardLogger()),
      cancel_(cancel),
      options_(std::move(options)) {}

std::vector<std::string> CertificateIssuer::NormalizeNames(const CertificateRequest& request) {
  return CertificateNames(request.common_name, request.subject_alternative_names);
}

Status CertificateIssuer::CheckCancelled(const std::string& what) const {
  if (cancel_ != nullptr && cancel_->cancelled()) {
    return CancelledError("cancelled before " + what);
  }
  return Status::Ok();
}

Result<std::string> CertificateIssuer::NewRecordId() {
  std::lock_guard<std::mutex> lock(random_mu_);
  return NewUuid(*random_);
}

void CertificateIssuer::TrackNote(const std::string& note_id) {
  std::lock_guard<std::mutex> lock(notes_mu_);
  running_notes_.insert(note_id);
}

void CertificateIssuer::UntrackNote(const std::string& note_id) {
  std::lock_guard<std::mutex> lock(notes_mu_);
  running_notes_.erase(note_id);
}

bool CertificateIssuer::IsTracked(const std::string& note_id) const {
  std::lock_guard<std::mutex> lock(notes_mu_);
  return running_notes_.count(note_id) > 0;
}

Result<std::map<std::string, DnsZone>> CertificateIssuer::ZonesForNames(const std::vector<std::string>& names) {
  std::map<std::string, DnsZone> zones;
  for (const std::string& raw : names) {
    const std::string name = NormalizeDnsName(raw);
    const std::string base = BaseName(name);
    if (base.empty()) {
      return InvalidArgumentError("\"" + raw + "\" is not a DNS name");
    }
    if (zones.count(name) > 0) {
      continue;
    }
    Result<DnsZone> zone = dns_->FindZoneForName(base);
    if (!zone.ok()) {
      // "no DNS zone for ..." already names the name; only other failures need the context.
      return zone.status().code() == StatusCode::kNotFound
                 ? zone.status()
                 : zone.status().WithContext("finding the DNS zone of \"" + name + "\"");
    }
    zones.emplace(name, std::move(zone).value());
  }
  return zones;
}

Result<IssuedCertificate> CertificateIssuer::Issue(const AcmeAccountRef& account, const CertificateRequest& request) {
  const std::vector<std::string> names = NormalizeNames(request);
  const std::string context =
      "issuing certificate for " + (names.empty() ? std::string("(no name)") : names.front());
  if (names.empty()) {
    return InvalidArgumentError(context + ": no common name or subject alternative name given");
  }
  if (account.client == nullptr || account.key == nullptr || account.account_url.empty()) {
    return InvalidArgumentError(context + ": no ACME account (client, key and account URL are required)");
  }
  Result<IssuedCertificate> issued = IssueImpl(account, request, names);
  if (!issued.ok() && issued.status().code() == StatusCode::kAborted) {
    // The order expired under us (slow DNS, a reused authorization that ran out): nothing was
    // wrong with the request, so one fresh order is worth it. Its records are new as well; the
    // first order's are gone already.
    logger_->Warn("ACME order expired before it was finalized; placing a new order",
                  {{"names", Join(names, ",")}, {"error", issued.status().message()}});
    if (Status cancelled = CheckCancelled("placing a second ACME order"); !cancelled.ok()) {
      return cancelled.WithContext(context);
    }
    issued = IssueImpl(account, request, names);
    if (!issued.ok() && issued.status().code() == StatusCode::kAborted) {
      return issued.status().WithContext(context + ": placed a second order after the first expired");
    }
  }
  if (!issued.ok()) {
    return issued.status().WithContext(context);
  }
  return issued;
}

Result<IssuedCertificate> CertificateIssuer::IssueImpl(const AcmeAccountRef& account,
                                                       const CertificateRequest& request,
                                                       const std::vector<std::string>& names) {
  const TimePoint started = clock_->Now();
  const std::string joined_names = Join(names, ",");
  logger_->Info("issuing certificate", {{"names", joined_names},
                                        {"key_algorithm", KeyAlgorithmName(request.key_algorithm)},
                                        {"acme_server", account.client->directory_url()}});

  // 1. Every name must lie in a zone we can write to; fail before the CA hears of the order.
  IONOS_ASSIGN_OR_RETURN(auto zones_by_name, ZonesForNames(names));
  std::map<std::string, DnsZone> zone_by_base;
  for (const auto& [name, zone] : zones_by_name) {
    zone_by_base.emplace(BaseName(name), zone);
  }
  IONOS_RETURN_IF_ERROR(CheckCancelled("placing the ACME order"));
  IONOS_ASSIGN_OR_RETURN_CTX(std::string thumbprint, account.key->JwkThumbprint(), "account key thumbprint");

  // The certificate key: generated in the background (RSA 4096 takes a while) while the CA and
  // DNS do their part. The future's destructor waits for it on every path.
  const KeyAlgorithm algorithm = request.key_algorithm;
  std::future<Result<PrivateKey>> key_future;
  auto generate = [algorithm]() -> Result<PrivateKey> {
    try {
      return PrivateKey::Generate(algorithm);
    } catch (...) {  // a thread entry: nothing escapes
      return CurrentExceptionStatus();
    }
  };
  try {
    key_future = std::async(std::launch::async, generate);
  } catch (const std::system_error&) {  // no thread to be had: generate when needed
    key_future = std::async(std::launch::deferred, generate);
  }

  // 2. The order and its authorizations.
  std::vector<AcmeIdentifier> identifiers;
  identifiers.reserve(names.size());
  for (const std::string& name : names) {
    identifiers.push_back(AcmeIdentifier{"dns", name});
  }
  NewOrderOptions order_options{request.profile, request.replaces};
  Result<AcmeOrder> placed = NewOrder(account, identifiers, order_options);
  if (!placed.ok() && !order_options.replaces.empty() && IsCaAnswer(placed.status())) {
    // RFC 9773 §5: a CA may refuse `replaces` (alreadyReplaced, or a certificate it does not
    // know); the renewal goes ahead without it.
    logger_->Warn("the CA refused the renewal order's `replaces`; placing it once more without",
                  {{"names", joined_names}, {"error", placed.status().message()}});
    order_options.replaces.clear();
    placed = NewOrder(account, identifiers, order_options);
  }
  IONOS_ASSIGN_OR_RETURN(AcmeOrder order, std::move(placed));
  order.retry_after.reset();  // it was about newOrder, not about the first poll
  logger_->Info("placed ACME order", {{"names", joined_names}, {"order_url", order.url}, {"status", order.status}});
  if (order.status == "invalid") {
    return OrderFailure(account, order, clock_->Now());
  }
  auto explain = [&](const Status& failure) { return ExplainByOrder(account, order.url, failure, clock_->Now()); };

  // ACME requests of one order go one after the other: each answer brings the nonce for the next
  // (RFC 8555 §6.5), so no extra newNonce round trips; DNS is where the parallelism pays.
  std::vector<AcmeAuthorization> authorizations;
  for (const std::string& url : order.authorizations) {
    Result<AcmeAuthorization> authorization = GetAuthorization(account, url);
    if (!authorization.ok()) {
      return explain(authorization.status());
    }
    authorizations.push_back(std::move(authorization).value());
  }

  // 3. One TXT record per pending authorization; noted in the store before it exists.
  ChallengeRecords records(this);
  bool others_in_flight = false;  // challenges someone else already answered (shared pending authz)
  for (const AcmeAuthorization& authorization : authorizations) {
    const std::string name = authorization.OrderedName();
    if (authorization.status == "valid") {
      logger_->Debug("ACME authorization already valid (reused); no challenge needed",
                     {{"name", name}, {"authorization_url", authorization.url}});
      continue;
    }
    if (authorization.status != "pending") {
      return AuthorizationFailure(authorization);
    }
    const AcmeChallenge* challenge = authorization.FindChallenge("dns-01");
    if (challenge == nullptr) {
      std::vector<std::string> offered;
      for (const AcmeChallenge& c : authorization.challenges) {
        offered.push_back(c.type);
      }
      return FailedPreconditionError("the CA offers no dns-01 challenge for " + name + " (offered: " +
                                     (offered.empty() ? std::string("none") : Join(offered, ", ")) + ")");
    }
    if (challenge->status == "invalid") {
      return AuthorizationFailure(authorization);
    }
    if (challenge->status != "pending") {
      others_in_flight = true;  // already answered ("processing"/"valid"): just wait for it
      continue;
    }
    auto zone = zone_by_base.find(NormalizeDnsName(authorization.identifier.value));
    if (zone == zone_by_base.end()) {
      return FailedPreconditionError("the CA returned an authorization for " + name + ", which was not requested");
    }
    ChallengeRecords::Record record;
    record.ordered_name = name;
    record.zone = zone->second;
    record.fqdn = Dns01RecordFqdn(authorization.identifier.value);
    record.relative_name = RelativeName(record.fqdn, record.zone.name);
    record.value = Dns01TxtValue(challenge->token, thumbprint);
    record.challenge_url = challenge->url;
    IONOS_ASSIGN_OR_RETURN_CTX(record.record_id, NewRecordId(), "choosing a DNS record id");
    IONOS_RETURN_IF_ERROR(records.Note(std::move(record)));
  }

  bool ready_without_polling = false;
  if (!records.empty()) {
    // 4. Create all records at once, then one propagation wait for the whole batch.
    IONOS_RETURN_IF_ERROR(CheckCancelled("writing the challenge TXT records"));
    const TimePoint dns_started = clock_->Now();
    IONOS_RETURN_IF_ERROR(records.CreateAll(options_.record_ttl, options_.propagation.timeout));
    logger_->Debug("challenge TXT records created",
                   {{"names", joined_names},
                    {"records", std::to_string(records.records().size())},
                    {"elapsed_ms", Millis(dns_started, clock_->Now())}});

    const TimePoint propagation_started = clock_->Now();
    std::map<std::vector<std::string>, std::vector<TxtExpectation>> batches;
    for (const ChallengeRecords::Record& r : records.records()) {
      std::vector<std::string> servers;
      if (options_.propagation.resolvers.empty()) {
        servers = r.zone.nameservers;
        std::sort(servers.begin(), servers.end());
      }
      batches[servers].push_back(TxtExpectation{r.fqdn, r.value});
    }
    // Normally one batch (resolvers configured, or every zone on the same name servers); zones
    // served by different name servers get one wait each, side by side.
    std::vector<std::pair<std::vector<std::string>, std::vector<TxtExpectation>>> batch_list(batches.begin(),
                                                                                               batches.end());
    const std::vector<Status> propagated = ForEachInParallel(batch_list.size(), [&](size_t i) -> Status {
      PropagationOptions propagation = options_.propagation;
      if (propagation.resolvers.empty()) {
        propagation.authoritative_nameservers = batch_list[i].first;
      }
      return checker_->WaitForAll(batch_list[i].second, propagation);
    });
    IONOS_RETURN_IF_ERROR_CTX(FirstError(propagated), "waiting for the challenge TXT records to be visible");
    logger_->Info("challenge TXT records are visible",
                  {{"names", joined_names}, {"elapsed_ms", Millis(propagation_started, clock_->Now())}});

    // 5. Tell the CA to validate.
    IONOS_RETURN_IF_ERROR(CheckCancelled("answering the ACME challenges"));
    bool all_valid = true;
    for (const ChallengeRecords::Record& r : records.records()) {
      Result<AcmeChallenge> response = RespondToChallenge(account, r.challenge_url);
      if (!response.ok()) {
        return explain(response.status());
      }
      AcmeChallenge answered = std::move(response).value();
      if (answered.status == "invalid") {
        AcmeAuthorization failed;
        failed.identifier.value = BaseName(r.ordered_name);
        failed.wildcard = r.ordered_name != failed.identifier.value;
        failed.status = "invalid";
        failed.challenges.push_back(std::move(answered));
        return AuthorizationFailure(failed);
      }
      all_valid = all_valid && answered.status == "valid";
    }
    // RFC 8555 §7.1.6: an authorization is valid once one challenge is; an order is ready once all
    // authorizations are. When the CA validated synchronously, there is nothing to poll.
    ready_without_polling = all_valid && !others_in_flight;
    logger_->Debug("answered ACME challenges", {{"names", joined_names}, {"order_url", order.url}});
  }

  // 6. Wait until the CA has validated everything.
  PollOptions poll;
  poll.timeout = options_.order_timeout;
  poll.learned = &account.client->validation_wait();
  const TimePoint validation_started = clock_->Now();
  AcmeOrder ready = order;
  if (ready_without_polling) {
    ready.status = "ready";
  } else {
    // "processing"/"valid" here mean the CA handed out an order someone else finalized (Boulder
    // reuses ready orders for identical requests of one account); it holds no certificate for our
    // key, so stop instead of waiting for it.
    const std::vector<std::string> targets = {"ready", "processing", "valid"};
    IONOS_ASSIGN_OR_RETURN(ready, WaitForOrder(account, *clock_, cancel_, order, targets, poll));
    if (ready.status != "ready") {
      return FinalizedElsewhere(order.url, ready.status);
    }
  }
  logger_->Info("ACME order is ready", {{"order_url", order.url},
                                        {"elapsed_ms", Millis(validation_started, clock_->Now())}});
  records.CleanUpInBackground();  // the CA has what it needs; do not keep the records around

  // 7. Finalize with a CSR for the fresh key, wait, download.
  IONOS_ASSIGN_OR_RETURN_CTX(PrivateKey key, key_future.get(),
                             std::string("generating the certificate key (") + KeyAlgorithmName(algorithm) + ")");
  IONOS_ASSIGN_OR_RETURN(std::string csr, CreateCsrDer(key, names.front(), names));
  IONOS_RETURN_IF_ERROR(CheckCancelled("finalizing the ACME order"));
  bool resent = false;
  Result<AcmeOrder> finalize_result = Finalize(account, ready, csr, &resent);
  if (!finalize_result.ok() && IsCaAnswer(finalize_result.status())) {
    // When the answer to an earlier attempt of this finalize was lost on the way back (the
    // transport retry re-sent it), the CA refuses the repeat (orderNotReady) because the order
    // moved on with OUR CSR: carry on with it. Without a lost attempt, an order that moved on was
    // finalized by someone else. An order that turned invalid explains itself.
    Result<AcmeOrder> current = GetOrder(account, order.url);
    if (current.ok() && (current->status == "processing" || current->status == "valid")) {
      if (!resent) {
        return FinalizedElsewhere(order.url, current->status);
      }
      logger_->Debug("finalize was refused but the order is already " + current->status +
                         " after a lost answer; continuing",
                     {{"order_url", order.url}, {"error", finalize_result.status().message()}});
      finalize_result = std::move(current).value();
    } else if (current.ok() && current->status == "invalid") {
      return OrderFailure(account, *current, clock_->Now());
    } else {
      return finalize_result.status();
    }
  }
  AcmeOrder finalized = std::move(finalize_result).value();
  const std::vector<std::string> valid_target = {"valid"};
  poll.learned = &account.client->issuance_wait();
  IONOS_ASSIGN_OR_RETURN(AcmeOrder valid, WaitForOrder(account, *clock_, cancel_, finalized, valid_target, poll));
  IONOS_ASSIGN_OR_RETURN(std::string chain, DownloadCertificate(account, valid.certificate));

  // 8. Check what we got.
  IONOS_ASSIGN_OR_RETURN(SplitChain split, SplitPemChain(chain));
  IONOS_ASSIGN_OR_RETURN(CertificateInfo info, InspectCertificate(split.leaf_pem));
  IONOS_RETURN_IF_ERROR_CTX(VerifyKeyMatchesCertificate(key, split.leaf_pem), "checking the issued certificate");
  std::vector<std::string> got;
  for (const std::string& n : info.dns_names) {
    got.push_back(NormalizeDnsName(n));
  }
  std::sort(got.begin(), got.end());
  got.erase(std::unique(got.begin(), got.end()), got.end());
  std::vector<std::string> want = names;
  std::sort(want.begin(), want.end());
  if (got != want) {
    return FailedPreconditionError("checking the issued certificate: it names [" + Join(got, ", ") +
                                   "] but [" + Join(want, ", ") + "] were requested");
  }

  IssuedCertificate issued;
  issued.certificate_pem = std::move(split.leaf_pem);
  issued.chain_pem = std::move(split.intermediates_pem);
  IONOS_ASSIGN_OR_RETURN_CTX(issued.private_key_pem, key.ToPem(), "encoding the certificate key");
  issued.info = std::move(info);
  logger_->Info("issued certificate", {{"names", joined_names},
                                       {"order_url", order.url},
                                       {"serial_number", issued.info.serial_number},
                                       {"not_after", FormatRfc3339(issued.info.not_after)},
                                       {"elapsed_ms", Millis(started, clock_->Now())}});
  return issued;
}

Status CertificateIssuer::CleanUpLeftovers() {
  IONOS_ASSIGN_OR_RETURN_CTX(std::vector<PendingDnsRecord> notes, store_->ListPendingDnsRecords(),
                             "listing leftover ACME challenge records in the store " + store_->Describe());
  const TimePoint now = clock_->Now();
  Status first_error;
  size_t removed = 0;
  for (const PendingDnsRecord& note : notes) {
    if (IsTracked(note.id)) {
      continue;  // an issuance in progress in this process still needs it
    }
    // Old notes are leftovers; so are younger ones whose process is gone
    // (killed on this host). Otherwise another process may still need it.
    if (now - note.created_at < options_.leftover_min_age && !ProcessIsGone(note.owner)) {
      continue;
    }
    const std::string what = "removing leftover TXT record " + note.fqdn + " (zone " + note.zone_name + ")";
    if (note.record_id && !note.record_id->empty()) {
      const Status deleted = dns_->DeleteRecord(note.zone_id, *note.record_id);
      if (!deleted.ok()) {
        logger_->Warn("could not delete leftover ACME challenge TXT record",
                      {{"fqdn", note.fqdn}, {"zone", note.zone_name}, {"error", deleted.message()}});
        if (first_error.ok()) {
          first_error = deleted.WithContext(what);
        }
        continue;
      }
    }
    const Status forgotten = store_->RemovePendingDnsRecord(note.id);
    if (!forgotten.ok() && forgotten.code() != StatusCode::kNotFound) {
      if (first_error.ok()) {
        first_error = forgotten.WithContext(what);
      }
      continue;
    }
    ++removed;
    logger_->Info("removed leftover ACME challenge TXT record", {{"fqdn", note.fqdn}, {"zone", note.zone_name}});
  }
  if (removed > 0) {
    logger_->Debug("leftover cleanup done", {{"removed", std::to_string(removed)}});
  }
  return first_error;
}

}  // namespace ionos
