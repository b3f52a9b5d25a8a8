// CertificateIssuer: obtains one certificate through ACME (RFC 8555) with DNS-01 challenges
// (RFC 8555 §8.4) written into the DNS zones of a DnsProvider. The "porcelain" over
// core/acme/acme_order.h (ACME), core/dns/dns_provider.h (zones, TXT records), core/dns/propagation.h
// (visibility of the records) and core/store/store.h (notes of records in flight).
//
// Issue(account, request):
//   1. names = common_name + subject_alternative_names, lower-cased, trailing dots dropped,
//      de-duplicated, order kept. Every name (a wildcard's base name) must lie in a zone of the
//      DnsProvider; the first that does not is kNotFound naming it, before any ACME request.
//   2. newOrder for all names (RFC 8555 §7.4). Each authorization is fetched (§7.5); those already
//      "valid" (reused by the CA) need nothing: no record, no challenge response. The ACME requests
//      of one order run one after the other, each reusing the nonce of the previous answer; a
//      single-name certificate costs 6-7 requests (newOrder, authz, challenge, order poll,
//      finalize, [order poll], download) once the directory and a nonce are known.
//   3. For each pending authorization: its dns-01 challenge, the TXT value
//      base64url(SHA-256(token "." thumbprint)) at `_acme-challenge.<identifier>`. A wildcard's
//      authorization carries the base name, so "*.example.com" + "example.com" put two values on
//      one name: they become two TXT records (two record ids).
//   4. Each record is noted in the Store (NotePendingDnsRecord, with its fresh UUID record id)
//      BEFORE the DNS API call, so a crashed run leaves a note that CleanUpLeftovers() acts on.
//      All records of the order are created in parallel (one thread each: EnsureTxtRecord, then
//      WaitRecordAvailable), then ONE PropagationChecker::WaitForAll covers the whole batch
//      (asking IssuerOptions::propagation.resolvers when set, else the zones' name servers).
//   5. Every challenge is answered (§7.5.1), and the order is polled until "ready" (Retry-After
//      honoured, short backoff otherwise; see core/acme/acme_order.h).
//   6. The TXT records are removed (in the background) as soon as the order is ready; the
//      certificate key (a fresh key of request.key_algorithm, generated in the background from
//      the start) goes into a CSR; finalize; poll until "valid"; download the chain.
//   7. The chain is split into leaf and intermediates, inspected, and checked: the key matches
//      the leaf, and the leaf's DNS names equal the requested set.
//   An order that expires on the way (RFC 8555 §7.1.6: an authorization "expired", so the order
//   turned "invalid"; noticed when polling, or when a request about the order is refused and the
//   order then shows it) is kAborted from the order layer; Issue() then cleans up and places ONE
//   new order, logging a warning. When the answer to finalize is lost and the transport retry
//   re-sends it, the CA refuses the repeat (orderNotReady) because the order went on with our
//   CSR; the issuer sees "processing"/"valid" and carries on. A CA that stays unreachable ends
//   the issuance with the transport error after AcmeClient's retries ("giving up after 4
//   attempts ...").
//   Records are always removed — on success, on every error and on cancellation: an RAII guard
//   deletes each record (DeleteRecord; gone already is fine) and then its store note. Cleanup
//   ignores the CancelToken. A record whose deletion fails keeps its note (logged as a warning)
//   for CleanUpLeftovers(); it does not fail an otherwise successful issuance.
//
// Errors carry context at each step ("issuing certificate for www.example.com: ...: <CA detail>").
// A failed challenge is kFailedPrecondition with the CA's problem detail and the identifier;
// timeouts are kDeadlineExceeded naming what was pending; cancellation is kCancelled; a second
// expired order is kAborted ("...: placed a second order after the first expired: order <url>
// expired before it was finalized: authorization for <name> expired at <time>").
//
// Thread-safety: Issue() may run concurrently (Terraform parallelism 10) on one issuer that
// shares one AcmeClient, DnsProvider, PropagationChecker and Store. Keys and the private key PEM
// never appear in logs or errors; progress is logged at DEBUG/INFO (names, order URL, timings).
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "core/acme/acme_client.h"
#include "core/acme/acme_order.h"
#include "core/base/clock.h"
#include "core/crypto/crypto.h"
#include "core/dns/propagation.h"
#include "core/dns/ionos_cloud_dns.h"
#include "core/base/log.h"
#include "core/base/status.h"
#include "core/store/store.h"
#include "core/crypto/x509.h"

namespace ionos {

struct CertificateRequest {
  std::string common_name;                             // "*." wildcards allowed
  std::vector<std::string> subject_alternative_names;  // may repeat the common name
  KeyAlgorithm key_algorithm = KeyAlgorithm::kRsa2048;
  std::string profile;   // ACME profile for newOrder ("" for the CA's default)
  // ARI certID of the certificate this one replaces (RFC 9773 §5), "" for none. When the CA
  // refuses the order because of it, the order is placed once more without it.
  std::string replaces;
};

struct IssuedCertificate {
  std::string certificate_pem;  // the leaf
  std::string chain_pem;        // the intermediates (may be empty)
  std::string private_key_pem;  // PKCS#8, secret
  CertificateInfo info;
};

struct IssuerOptions {
  // Where and how long to wait for the TXT records; also bounds WaitRecordAvailable.
  PropagationOptions propagation;
  // Bounds each ACME polling phase (until "ready", until "valid").
  Duration order_timeout{std::chrono::minutes(5)};
  // TTL of the challenge TXT records, seconds (IONOS: 60..86400).
  int record_ttl = 60;
  // CleanUpLeftovers() only touches notes at least this old (or whose process is certainly gone,
  // ProcessIsGone), so that it never removes the records of an issuance still running in another
  // process that shares the store, whatever that process's propagation_timeout: an issuance keeps
  // its records for at most about 2 × its propagation timeout + order_timeout, so the default is
  // twice the longest propagation_timeout a configuration may set, plus half an hour. Records of
  // this issuer's own running Issue() calls are always skipped, whatever their age.
  Duration leftover_min_age{2 * kMaxPropagationTimeout + std::chrono::minutes(30)};
};

class CertificateIssuer {
 public:
  // All pointers are borrowed and must outlive the issuer; `logger` and `cancel` may be null.
  // `checker` should share `cancel` so that propagation waits end on cancellation too.
  CertificateIssuer(DnsProvider* dns, PropagationChecker* checker, PendingDnsRecordStore* store, const Clock* clock,
                    Random* random, Logger* logger, const CancelToken* cancel, IssuerOptions options);

  CertificateIssuer(const CertificateIssuer&) = delete;
  CertificateIssuer& operator=(const CertificateIssuer&) = delete;

  // See the contract at the top of this file.
  Result<IssuedCertificate> Issue(const AcmeAccountRef& account, const CertificateRequest& request);

  // Every name → the zone that serves it (for "*.example.com" the zone of example.com). Keys are
  // the names as given, normalised (lower case, no trailing dot). The first name outside every
  // zone → kNotFound naming it; an empty or malformed name → kInvalidArgument.
  Result<std::map<std::string, DnsZone>> ZonesForNames(const std::vector<std::string>& names);

  // Deletes the TXT records still noted in the store from interrupted runs (DeleteRecord; a record
  // already gone is fine) and removes their notes. Notes younger than
  // IssuerOptions::leftover_min_age and those of this issuer's running Issue() calls are left
  // alone. Goes through every note; returns the first failure (the other notes are still tried),
  // with context. Ignores the CancelToken (cleanup always runs).
  Status CleanUpLeftovers();

  // Names as Issue() sees them: lower case, no trailing dot, de-duplicated, order kept, CN first.
  static std::vector<std::string> NormalizeNames(const CertificateRequest& request);

 private:
  class ChallengeRecords;  // the RAII cleanup guard (certificate_issuer.cc)

  Result<IssuedCertificate> IssueImpl(const AcmeAccountRef& account, const CertificateRequest& request,
                                      const std::vector<std::string>& names);
  Status CheckCancelled(const std::string& what) const;
  Result<std::string> NewRecordId();
  void TrackNote(const std::string& note_id);
  void UntrackNote(const std::string& note_id);
  bool IsTracked(const std::string& note_id) const;

  DnsProvider* dns_;
  PropagationChecker* checker_;
  PendingDnsRecordStore* store_;
  const Clock* clock_;
  Random* random_;
  Logger* logger_;
  const CancelToken* cancel_;
  IssuerOptions options_;

  std::mutex random_mu_;  // Random is not promised to be thread-safe
  mutable std::mutex notes_mu_;
  std::set<std::string> running_notes_;  // store note ids of records of running Issue() calls
};

}  // namespace ionos
