#include "core/dns/propagation.h"

#include <arpa/inet.h>
#include <ldns/ldns.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cstdio>
#include <memory>
#include <optional>
#include <system_error>
#include <thread>

#include "core/base/retry.h"
#include "core/base/strings.h"

namespace ionos {

namespace {

// ---------------------------------------------------------------- ldns RAII

struct LdnsResolverDeleter {
  void operator()(ldns_resolver* r) const { ldns_resolver_deep_free(r); }
};
struct LdnsPktDeleter {
  void operator()(ldns_pkt* p) const { ldns_pkt_free(p); }
};
struct LdnsRdfDeleter {
  void operator()(ldns_rdf* r) const { ldns_rdf_deep_free(r); }
};
using LdnsResolverPtr = std::unique_ptr<ldns_resolver, LdnsResolverDeleter>;
using LdnsPktPtr = std::unique_ptr<ldns_pkt, LdnsPktDeleter>;
using LdnsRdfPtr = std::unique_ptr<ldns_rdf, LdnsRdfDeleter>;

// Blocks SIGPIPE for the calling thread while ldns writes to a TCP socket (ldns sends without
// MSG_NOSIGNAL); a SIGPIPE raised meanwhile is consumed before the mask is restored.
class ScopedSigpipeBlock {
 public:
  ScopedSigpipeBlock() {
    sigemptyset(&pipe_set_);
    sigaddset(&pipe_set_, SIGPIPE);
    sigset_t pending;
    sigemptyset(&pending);
    if (sigpending(&pending) == 0) {
      was_pending_ = sigismember(&pending, SIGPIPE) == 1;
    }
    blocked_ = pthread_sigmask(SIG_BLOCK, &pipe_set_, &old_mask_) == 0;
  }
  ~ScopedSigpipeBlock() {
    if (!blocked_) {
      return;
    }
    if (!was_pending_) {
      sigset_t pending;
      sigemptyset(&pending);
      if (sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE) == 1) {
        const timespec zero{};
        sigtimedwait(&pipe_set_, nullptr, &zero);
      }
    }
    pthread_sigmask(SIG_SETMASK, &old_mask_, nullptr);
  }
  ScopedSigpipeBlock(const ScopedSigpipeBlock&) = delete;
  ScopedSigpipeBlock& operator=(const ScopedSigpipeBlock&) = delete;

 private:
  sigset_t pipe_set_;
  sigset_t old_mask_;
  bool was_pending_ = false;
  bool blocked_ = false;
};

// ---------------------------------------------------------------- small helpers

std::string StripTrailingDot(const std::string& name) {
  if (name.size() > 1 && name.back() == '.') {
    return name.substr(0, name.size() - 1);
  }
  return name;
}

// A TXT value as shown in messages: double-quoted, with quotes, backslashes and control
// characters escaped.
std::string Quote(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  out += '"';
  return out;
}

std::string QuoteList(const std::vector<std::string>& values) {
  std::string out = "[";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) {
      out += ", ";
    }
    out += Quote(values[i]);
  }
  out += "]";
  return out;
}

const char* RcodeName(ldns_pkt_rcode rcode) {
  switch (rcode) {
    case LDNS_RCODE_NOERROR:
      return "NOERROR";
    case LDNS_RCODE_FORMERR:
      return "FORMERR";
    case LDNS_RCODE_SERVFAIL:
      return "SERVFAIL";
    case LDNS_RCODE_NXDOMAIN:
      return "NXDOMAIN";
    case LDNS_RCODE_NOTIMPL:
      return "NOTIMP";
    case LDNS_RCODE_REFUSED:
      return "REFUSED";
    case LDNS_RCODE_YXDOMAIN:
      return "YXDOMAIN";
    case LDNS_RCODE_YXRRSET:
      return "YXRRSET";
    case LDNS_RCODE_NXRRSET:
      return "NXRRSET";
    case LDNS_RCODE_NOTAUTH:
      return "NOTAUTH";
    case LDNS_RCODE_NOTZONE:
      return "NOTZONE";
  }
  return "unknown rcode";
}

// The TXT strings of the answer section for `qname`, following CNAMEs inside the answer.
std::vector<std::string> ExtractTxt(const ldns_pkt* pkt, const ldns_rdf* qname) {
  const ldns_rr_list* answer = ldns_pkt_answer(pkt);
  std::vector<std::string> out;
  if (answer == nullptr) {
    return out;
  }
  const size_t count = ldns_rr_list_rr_count(answer);
  std::vector<const ldns_rdf*> owners = {qname};
  auto is_owner = [&owners](const ldns_rdf* name) {
    for (const ldns_rdf* o : owners) {
      if (ldns_dname_compare(o, name) == 0) {
        return true;
      }
    }
    return false;
  };
  // CNAME chains are short; repeat until no new alias appears (bounded by the answer size).
  for (size_t round = 0; round < count; ++round) {
    bool added = false;
    for (size_t i = 0; i < count; ++i) {
      const ldns_rr* rr = ldns_rr_list_rr(answer, i);
      if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_CNAME || ldns_rr_rd_count(rr) < 1) {
        continue;
      }
      const ldns_rdf* target = ldns_rr_rdf(rr, 0);
      if (is_owner(ldns_rr_owner(rr)) && !is_owner(target)) {
        owners.push_back(target);
        added = true;
      }
    }
    if (!added) {
      break;
    }
  }
  for (size_t i = 0; i < count; ++i) {
    const ldns_rr* rr = ldns_rr_list_rr(answer, i);
    if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_TXT || !is_owner(ldns_rr_owner(rr))) {
      continue;
    }
    std::string value;
    for (size_t j = 0; j < ldns_rr_rd_count(rr); ++j) {
      const ldns_rdf* rdf = ldns_rr_rdf(rr, j);
      const size_t size = ldns_rdf_size(rdf);
      const uint8_t* data = ldns_rdf_data(rdf);
      if (ldns_rdf_get_type(rdf) != LDNS_RDF_TYPE_STR || size < 1 || data == nullptr) {
        continue;
      }
      // A character-string: one length byte, then the bytes.
      const size_t len = std::min<size_t>(data[0], size - 1);
      value.append(reinterpret_cast<const char*>(data + 1), len);
    }
    out.push_back(std::move(value));
  }
  return out;
}

}  // namespace

// ---------------------------------------------------------------- LdnsResolver

Result<std::vector<std::string>> LdnsResolver::ResolveAddresses(const std::string& hostname) {
  if (hostname.empty()) {
    return InvalidArgumentError("resolving name server address: empty host name");
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_DGRAM;
  addrinfo* raw = nullptr;
  const int rc = getaddrinfo(hostname.c_str(), nullptr, &hints, &raw);
  std::unique_ptr<addrinfo, void (*)(addrinfo*)> list(raw, freeaddrinfo);
  if (rc != 0) {
    const std::string message = "resolving " + hostname + ": " + gai_strerror(rc);
    if (rc == EAI_NONAME
#ifdef EAI_NODATA
        || rc == EAI_NODATA
#endif
    ) {
      return NotFoundError(message);
    }
    return UnavailableError(message);
  }
  std::vector<std::string> out;
  for (const addrinfo* ai = list.get(); ai != nullptr; ai = ai->ai_next) {
    char buf[INET6_ADDRSTRLEN] = {};
    const char* text = nullptr;
    if (ai->ai_family == AF_INET) {
      text = inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(ai->ai_addr)->sin_addr, buf, sizeof buf);
    } else if (ai->ai_family == AF_INET6) {
      text = inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(ai->ai_addr)->sin6_addr, buf, sizeof buf);
    }
    if (text != nullptr && std::find(out.begin(), out.end(), text) == out.end()) {
      out.emplace_back(text);
    }
  }
  if (out.empty()) {
    return NotFoundError("resolving " + hostname + ": no IPv4 or IPv6 address");
  }
  return out;
}

Result<std::vector<std::string>> LdnsResolver::QueryTxt(const std::string& server_host_port, const std::string& fqdn) {
  const std::string context = "TXT query for " + StripTrailingDot(fqdn) + " at " + server_host_port;
  IONOS_ASSIGN_OR_RETURN_CTX(auto host_port, SplitHostPort(server_host_port, 53), context);
  const auto& [host, port] = host_port;

  std::vector<std::string> addresses;
  if (IpLiteralFamily(host) != IpFamily::kNone) {
    addresses.push_back(host);
  } else {
    IONOS_ASSIGN_OR_RETURN_CTX(addresses, ResolveAddresses(host), context);
  }

  LdnsResolverPtr resolver(ldns_resolver_new());
  if (resolver == nullptr) {
    return InternalError(context + ": ldns_resolver_new failed");
  }
  for (const std::string& address : addresses) {
    const ldns_rdf_type type = IpLiteralFamily(address) == IpFamily::kV6 ? LDNS_RDF_TYPE_AAAA : LDNS_RDF_TYPE_A;
    LdnsRdfPtr rdf(ldns_rdf_new_frm_str(type, address.c_str()));
    if (rdf == nullptr) {
      return InvalidArgumentError(context + ": bad address " + address);
    }
    if (ldns_resolver_push_nameserver(resolver.get(), rdf.get()) != LDNS_STATUS_OK) {
      return InternalError(context + ": ldns_resolver_push_nameserver failed");
    }
  }
  ldns_resolver_set_port(resolver.get(), port);
  ldns_resolver_set_recursive(resolver.get(), true);
  ldns_resolver_set_random(resolver.get(), false);
  ldns_resolver_set_retry(resolver.get(), 1);
  ldns_resolver_set_retrans(resolver.get(), 0);
  ldns_resolver_set_fallback(resolver.get(), true);
  ldns_resolver_set_usevc(resolver.get(), false);
  ldns_resolver_set_defnames(resolver.get(), false);
  ldns_resolver_set_dnsrch(resolver.get(), false);
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(timeout_.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((timeout_.count() % 1000) * 1000);
  ldns_resolver_set_timeout(resolver.get(), tv);

  const std::string absolute = fqdn.empty() || fqdn.back() != '.' ? fqdn + "." : fqdn;
  LdnsRdfPtr qname(ldns_dname_new_frm_str(absolute.c_str()));
  if (qname == nullptr) {
    return InvalidArgumentError(context + ": not a valid domain name");
  }

  ldns_pkt* raw = nullptr;
  ldns_status status;
  {
    ScopedSigpipeBlock no_sigpipe;
    status = ldns_resolver_send(&raw, resolver.get(), qname.get(), LDNS_RR_TYPE_TXT, LDNS_RR_CLASS_IN, LDNS_RD);
  }
  LdnsPktPtr pkt(raw);
  if (status != LDNS_STATUS_OK || pkt == nullptr) {
    return DeadlineExceededError(context + ": no answer (timeout " + FormatDuration(timeout_) +
                                 "): " + ldns_get_errorstr_by_id(status));
  }
  const ldns_pkt_rcode rcode = ldns_pkt_get_rcode(pkt.get());
  if (rcode == LDNS_RCODE_NXDOMAIN) {
    return std::vector<std::string>{};
  }
  if (rcode != LDNS_RCODE_NOERROR) {
    return UnavailableError(context + ": server answered " + RcodeName(rcode));
  }
  return ExtractTxt(pkt.get(), qname.get());
}

// ---------------------------------------------------------------- PropagationChecker

namespace {

struct Server {
  std::string label;  // as configured / as named by the zone metadata
  std::string host;
  uint16_t port = 53;
  bool resolved = false;
  std::vector<std::string> addresses;  // host:port, ready for QueryTxt
  Status resolve_error;
};

struct Name {
  std::string display;  // without trailing dot
  std::vector<std::string> values;
};

struct PairState {
  bool settled = false;
  std::string problem;  // why not settled, as of the last poll
};

// One TXT query of a poll and, once run, its answer.
struct QueryTask {
  size_t name;
  size_t server;
  std::string address;  // host:port
  std::optional<Result<std::vector<std::string>>> answer;
};

// One query; an exception from the resolver becomes kInternal for this query: the workers below
// are thread entries, and nothing may escape them.
Result<std::vector<std::string>> QueryCatching(DnsResolver* resolver, const std::string& address,
                                               const std::string& name) {
  try {
    return resolver->QueryTxt(address, name);
  } catch (const std::exception& e) {
    return InternalError("querying " + address + " for TXT " + name + ": unexpected exception: " + e.what());
  } catch (...) {
    return InternalError("querying " + address + " for TXT " + name + ": unexpected exception");
  }
}

// Runs the queries on up to `max_concurrent` threads (the calling one included). A query not yet
// started when `cancel` fires is skipped (its answer stays empty).
void RunQueries(DnsResolver* resolver, const CancelToken* cancel, std::vector<QueryTask>& tasks,
                const std::vector<Name>& names, size_t max_concurrent) {
  std::atomic<size_t> next{0};
  auto work = [&]() {
    for (;;) {
      const size_t i = next.fetch_add(1);
      if (i >= tasks.size() || (cancel != nullptr && cancel->cancelled())) {
        return;
      }
      tasks[i].answer = QueryCatching(resolver, tasks[i].address, names[tasks[i].name].display);
    }
  };
  // Out of memory in a worker: its remaining queries stay unanswered, like cancelled ones.
  auto guarded = [&work]() noexcept {
    try {
      work();
    } catch (...) {
    }
  };
  const size_t workers = std::min(tasks.size(), max_concurrent);
  std::vector<std::thread> threads;
  for (size_t i = 1; i < workers; ++i) {
    try {
      threads.emplace_back(guarded);
    } catch (const std::system_error&) {
      break;  // out of threads: the ones we have (at least this one) do the rest
    }
  }
  work();
  for (std::thread& t : threads) {
    t.join();
  }
}

std::string MissingValues(const std::vector<std::string>& want, const std::vector<std::string>& have) {
  std::vector<std::string> missing;
  for (const std::string& v : want) {
    if (std::find(have.begin(), have.end(), v) == have.end()) {
      missing.push_back(v);
    }
  }
  if (missing.empty()) {
    return "";
  }
  std::string out;
  for (size_t i = 0; i < missing.size(); ++i) {
    out += (i == 0 ? "" : ", ") + Quote(missing[i]);
  }
  return out;
}

}  // namespace

PropagationChecker::PropagationChecker(DnsResolver* resolver, const Clock* clock, Logger* logger,
                                       const CancelToken* cancel)
    : resolver_(resolver), clock_(clock), logger_(logger), cancel_(cancel) {}

Status PropagationChecker::WaitForAll(const std::vector<TxtExpectation>& expectations,
                                      const PropagationOptions& options) {
  Logger* log = logger_ != nullptr ? logger_ : &DiscardLogger();
  if (expectations.empty()) {
    return Status::Ok();
  }

  // The servers to ask.
  std::vector<Server> servers;
  auto add_server = [&servers](Server s) {
    for (const Server& existing : servers) {
      if (existing.label == s.label) {
        return;
      }
    }
    servers.push_back(std::move(s));
  };
  if (!options.resolvers.empty()) {
    for (const std::string& r : options.resolvers) {
      IONOS_ASSIGN_OR_RETURN_CTX(auto host_port, SplitHostPort(r, 53), "dns_resolvers");
      Server s;
      s.label = r;
      s.host = host_port.first;
      s.port = host_port.second;
      add_server(std::move(s));
    }
  } else {
    for (const std::string& ns : options.authoritative_nameservers) {
      IONOS_ASSIGN_OR_RETURN_CTX(auto host_port, SplitHostPort(ns, 53), "authoritative name server");
      Server s;
      s.label = StripTrailingDot(ns);
      s.host = host_port.first;
      s.port = host_port.second;
      add_server(std::move(s));
    }
  }
  if (servers.empty()) {
    return InvalidArgumentError(
        "DNS propagation check: no servers to ask (neither dns_resolvers nor the zone's authoritative name "
        "servers are known)");
  }
  for (Server& s : servers) {
    if (IpLiteralFamily(s.host) != IpFamily::kNone) {
      s.addresses = {JoinHostPort(s.host, s.port)};
      s.resolved = true;
    }
  }

  // The names, each with all its expected values (a wildcard and its apex share one name).
  std::vector<Name> names;
  std::vector<std::string> keys;
  for (const TxtExpectation& e : expectations) {
    const std::string display = StripTrailingDot(e.fqdn);
    if (display.empty() || display == ".") {
      return InvalidArgumentError("DNS propagation check: empty record name");
    }
    const std::string key = AsciiLower(display);
    auto it = std::find(keys.begin(), keys.end(), key);
    size_t index = static_cast<size_t>(it - keys.begin());
    if (it == keys.end()) {
      keys.push_back(key);
      names.push_back(Name{display, {}});
    }
    std::vector<std::string>& values = names[index].values;
    if (std::find(values.begin(), values.end(), e.value) == values.end()) {
      values.push_back(e.value);
    }
  }

  std::vector<std::vector<PairState>> pairs(names.size(), std::vector<PairState>(servers.size()));
  const TimePoint start = clock_->Now();
  const std::string what = std::to_string(expectations.size()) + " TXT record(s) on " + std::to_string(names.size()) +
                           " name(s) at " + std::to_string(servers.size()) + " server(s) to propagate";
  auto cancelled = [this]() { return cancel_ != nullptr && cancel_->cancelled(); };
  auto cancelled_error = [&what]() { return CancelledError("waiting for " + what + ": cancelled"); };

  {
    std::string server_list;
    for (const Server& s : servers) {
      server_list += (server_list.empty() ? "" : ",") + s.label;
    }
    log->Debug("waiting for DNS propagation", {{"records", std::to_string(expectations.size())},
                                               {"servers", server_list},
                                               {"timeout_ms", std::to_string(options.timeout.count())}});
  }

  bool any_answer = false;
  const Duration fail_fast = std::min(options.fail_fast_after, options.timeout / 2);
  PollOptions poll_options;
  poll_options.timeout = options.timeout;
  poll_options.initial_interval = options.first_interval;
  poll_options.max_interval = options.max_interval;
  poll_options.poll_first = true;
  int poll = 0;
  return Poll(*clock_, cancel_, poll_options, what, PollProgress{}, [&]() -> Result<PollProgress> {
    ++poll;
    if (cancelled()) {
      return cancelled_error();
    }
    // Name servers: resolved once per call; a failed lookup is retried on the next poll.
    for (Server& s : servers) {
      if (s.resolved) {
        continue;
      }
      Result<std::vector<std::string>> addresses = resolver_->ResolveAddresses(s.host);
      if (!addresses.ok()) {
        s.resolve_error = addresses.status();
        log->Debug("resolving name server failed", {{"server", s.label}, {"error", s.resolve_error.message()}});
        continue;
      }
      s.addresses.clear();
      for (const std::string& a : *addresses) {
        const std::string hp = JoinHostPort(a, s.port);
        if (std::find(s.addresses.begin(), s.addresses.end(), hp) == s.addresses.end()) {
          s.addresses.push_back(hp);
        }
      }
      s.resolved = !s.addresses.empty();
      if (!s.resolved) {
        s.resolve_error = NotFoundError("resolving " + s.host + ": no addresses");
      }
    }

    // This poll's queries: every address of every server, for every name not yet settled there.
    std::vector<QueryTask> tasks;
    for (size_t n = 0; n < names.size(); ++n) {
      for (size_t si = 0; si < servers.size(); ++si) {
        if (pairs[n][si].settled || !servers[si].resolved) {
          continue;
        }
        for (const std::string& address : servers[si].addresses) {
          tasks.push_back(QueryTask{n, si, address, std::nullopt});
        }
      }
    }
    RunQueries(resolver_, cancel_, tasks, names, std::max<size_t>(options.max_concurrent_queries, 1));
    if (cancelled()) {
      return cancelled_error();
    }
    std::string last_failure;
    for (const QueryTask& task : tasks) {
      if (!task.answer.has_value()) {
        continue;
      }
      // An answer, even an error code (SERVFAIL, REFUSED), shows that the server is there.
      if (task.answer->status().code() != StatusCode::kDeadlineExceeded) {
        any_answer = true;
      } else if (last_failure.empty()) {
        last_failure = task.answer->status().message();
      }
    }
    if (!any_answer && !tasks.empty() && clock_->Now() - start >= fail_fast) {
      std::string asked;
      for (const Server& s : servers) {
        asked += (asked.empty() ? "" : ", ") + s.label;
      }
      return UnavailableError(std::string(options.resolvers.empty() ? "none of the zones' name servers"
                                                                     : "none of the configured dns_resolvers") +
                              " (" + asked + ") answered at all within " + FormatDuration(fail_fast) +
                              "; last error: " + last_failure);
    }

    size_t pending = 0;
    size_t next_task = 0;
    for (size_t n = 0; n < names.size(); ++n) {
      for (size_t si = 0; si < servers.size(); ++si) {
        PairState& pair = pairs[n][si];
        if (pair.settled) {
          continue;
        }
        const Server& s = servers[si];
        if (!s.resolved) {
          pair.problem =
              "at " + s.label + ": could not resolve the name server's address: " + s.resolve_error.message();
          ++pending;
          continue;
        }
        bool any_complete = false;
        bool any_incomplete = false;
        std::string incomplete_problem;
        std::string error_problem;
        for (; next_task < tasks.size() && tasks[next_task].name == n && tasks[next_task].server == si; ++next_task) {
          const QueryTask& task = tasks[next_task];
          const std::string where =
              s.addresses.size() == 1 && task.address == s.label ? s.label : s.label + " (" + task.address + ")";
          if (!task.answer.has_value()) {  // not run: cancelled meanwhile
            continue;
          }
          const Result<std::vector<std::string>>& txt = *task.answer;
          if (!txt.ok() && txt.status().code() == StatusCode::kInvalidArgument) {
            // A malformed name or address does not get better by waiting.
            return txt.status().WithContext("DNS propagation check");
          }
          if (!txt.ok()) {
            error_problem = "at " + where + ": last error: " + txt.status().message();
            log->Trace("TXT query failed",
                       {{"name", names[n].display}, {"server", where}, {"error", txt.status().message()}});
            continue;
          }
          const std::string missing = MissingValues(names[n].values, *txt);
          log->Trace("TXT query", {{"name", names[n].display}, {"server", where}, {"answer", QuoteList(*txt)}});
          if (missing.empty()) {
            any_complete = true;
          } else if (!any_incomplete) {
            any_incomplete = true;
            incomplete_problem = "at " + where + ": " +
                                 (txt->empty() ? std::string("no TXT record") : "answered " + QuoteList(*txt)) +
                                 " (want " + missing + ")";
          }
        }
        if (any_complete && !any_incomplete) {
          pair.settled = true;
          pair.problem.clear();
          continue;
        }
        pair.problem = any_incomplete ? incomplete_problem : error_problem;
        ++pending;
      }
    }

    if (pending == 0) {
      const auto elapsed = std::chrono::duration_cast<Duration>(clock_->Now() - start);
      log->Debug("TXT records visible at every server", {{"records", std::to_string(expectations.size())},
                                                         {"polls", std::to_string(poll)},
                                                         {"elapsed_ms", std::to_string(elapsed.count())}});
      return PollProgress{true, "", std::nullopt};
    }
    std::string missing = "; still missing (" + std::to_string(pending) + "): ";
    bool first = true;
    for (size_t n = 0; n < names.size(); ++n) {
      for (size_t si = 0; si < servers.size(); ++si) {
        const PairState& pair = pairs[n][si];
        if (pair.settled) {
          continue;
        }
        missing += (first ? "" : "; ") + names[n].display + " " + pair.problem;
        first = false;
      }
    }
    log->Debug("TXT records not yet visible everywhere", {{"pending", std::to_string(pending)},
                                                          {"poll", std::to_string(poll)}});
    return PollProgress{false, std::move(missing), std::nullopt};
  });
}

}  // namespace ionos
