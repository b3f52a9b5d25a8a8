// Tests for core/dns/propagation: the waiting logic against a scripted resolver and a FakeClock,
// and LdnsResolver / PropagationChecker against a real pebble-challtestsrv on loopback (plus a
// tiny stub server for error codes, silence and truncation).
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "core/base/clock.h"
#include "core/dns/propagation.h"
#include "core/base/log.h"
#include "core/base/status.h"
#include "tests/fakes/challtestsrv.h"
#include "tests/fakes/fake_clock.h"
#include "tests/fakes/pebble.h"
#include "tests/fakes/require_all.h"

namespace ionos {
namespace {

using ionos::fakes::ChallTestSrv;
using ionos::fakes::FakeClock;
using std::chrono::milliseconds;

constexpr char kApex[] = "_acme-challenge.example.com";
constexpr char kOther[] = "_acme-challenge.b.example.com";

// ================================================================ scripted resolver

// One scripted answer: TXT strings (or addresses for a lookup), or an error when `code` is set.
struct Reply {
  std::vector<std::string> values;
  StatusCode code = StatusCode::kOk;
  std::string message;
};

Reply Txt(std::vector<std::string> values) { return Reply{std::move(values), StatusCode::kOk, ""}; }
Reply Err(StatusCode code, std::string message) { return Reply{{}, code, std::move(message)}; }

Result<std::vector<std::string>> ToResult(const Reply& r) {
  if (r.code != StatusCode::kOk) {
    return Status(r.code, r.message);
  }
  return r.values;
}

std::string Key(const std::string& server, const std::string& fqdn) { return server + "|" + fqdn; }

// Answers from a script: per "server|fqdn" a list of replies, one per call, the last one repeating;
// an unscripted pair has no TXT record. Lookups likewise per host name (unscripted: NotFound).
class ScriptedResolver : public DnsResolver {
 public:
  Result<std::vector<std::string>> QueryTxt(const std::string& server, const std::string& fqdn) override {
    std::lock_guard<std::mutex> lock(mu_);  // the checker queries from several threads
    const std::string key = Key(server, fqdn);
    queries.push_back(key);
    if (on_query) {
      on_query();
    }
    return Next(txt, key, Txt({}));
  }
  Result<std::vector<std::string>> ResolveAddresses(const std::string& hostname) override {
    std::lock_guard<std::mutex> lock(mu_);
    lookups.push_back(hostname);
    return Next(addresses, hostname, Err(StatusCode::kNotFound, "resolving " + hostname + ": unknown host"));
  }

  std::map<std::string, std::vector<Reply>> txt;
  std::map<std::string, std::vector<Reply>> addresses;
  std::function<void()> on_query;
  std::vector<std::string> queries;
  std::vector<std::string> lookups;

 private:
  Result<std::vector<std::string>> Next(const std::map<std::string, std::vector<Reply>>& script, const std::string& key,
                                        const Reply& fallback) {
    auto it = script.find(key);
    if (it == script.end() || it->second.empty()) {
      return ToResult(fallback);
    }
    const size_t n = calls_[key]++;
    return ToResult(it->second[std::min(n, it->second.size() - 1)]);
  }
  std::mutex mu_;
  std::map<std::string, size_t> calls_;
};

// ================================================================ waiting logic (fake resolver, fake clock)

struct FakeCase {
  std::string name;
  std::vector<TxtExpectation> expectations;
  std::vector<std::string> resolvers;
  std::vector<std::string> nameservers;
  std::map<std::string, std::vector<Reply>> txt;
  std::map<std::string, std::vector<Reply>> addresses;
  Duration timeout = std::chrono::minutes(5);
  Duration first_interval = milliseconds(50);
  Duration max_interval = std::chrono::seconds(2);
  bool cancel_before = false;
  int cancel_after_queries = -1;

  StatusCode want_code = StatusCode::kOk;
  std::vector<std::string> want_message_contains;
  std::vector<std::string> want_message_lacks;
  std::optional<std::vector<Duration>> want_sleeps;
  int want_queries = -1;
  int want_lookups = -1;
  std::optional<std::set<std::string>> want_servers_queried;
};

// gtest prints a case by its name instead of its bytes.
void PrintTo(const FakeCase& c, std::ostream* os) { *os << c.name; }

std::vector<Duration> Ms(std::initializer_list<int> values) {
  std::vector<Duration> out;
  for (int v : values) {
    out.emplace_back(v);
  }
  return out;
}

std::vector<Reply> EmptyThen(int empty_polls, Reply last) {
  std::vector<Reply> out(static_cast<size_t>(empty_polls), Txt({}));
  out.push_back(std::move(last));
  return out;
}

std::vector<FakeCase> FakeCases() {
  std::vector<FakeCase> cases;
  {
    FakeCase c;
    c.name = "value_appears_after_three_polls_on_second_server";
    c.expectations = {{kApex, "v"}};
    c.resolvers = {"10.0.0.1:53", "10.0.0.2:53"};
    c.txt[Key("10.0.0.1:53", kApex)] = {Txt({"v"})};
    c.txt[Key("10.0.0.2:53", kApex)] = {Txt({}), Txt({"old"}), Txt({"v"})};
    c.want_sleeps = Ms({50, 100});
    c.want_queries = 4;  // the settled first server is not asked again
    cases.push_back(c);
  }
  {
    FakeCase c;
    c.name = "backoff_doubles_up_to_max_interval";
    c.expectations = {{kApex, "v"}};
    c.resolvers = {"10.0.0.1:53"};
    c.txt[Key("10.0.0.1:53", kApex)] = EmptyThen(8, Txt({"v"}));
    c.want_sleeps = Ms({50, 100, 200, 400, 800, 1600, 2000, 2000});
    c.want_queries = 9;
    cases.push_back(c);
  }
  {
    FakeCase c;
    c.name = "custom_intervals";
    c.expectations = {{kApex, "v"}};
    c.resolvers = {"10.0.0.1:53"};
    c.first_interval = milliseconds(10);
    c.max_interval = milliseconds(30);
    c.txt[Key("10.0.0.1:53", kApex)] = EmptyThen(4, Txt({"v"}));
    c.want_sleeps = Ms({10, 20, 30, 30});
    cases.push_back(c);
  }
  {
    FakeCase c;
    c.name = "visible_at_once_needs_no_sleep";
    c.expectations = {{kApex, "v"}};
    c.resolvers = {"10.0.0.1:53", "10.0.0.2:53"};
    c.txt[Key("10.0.0.1:53", kApex)] = {Txt({"v"})};
    c.txt[Key("10.0.0.2:53", kApex)] = {Txt({"v"})};
    c.want_sleeps = Ms({});
    c.want_queries = 2;
    cases.push_back(c);
  }
  {
    FakeCase c;
    c.name = "timeout_names_missing_pairs";
    c.expectations = {{kApex, "va"}, {kOther, "vb"}};
    c.resolvers = {"10.0.0.1:53", "10.0.0.2:53"};
    c.timeout = std::chrono::seconds(1);
    c.txt[Key("10.0.0.1:53", kApex)] = {Txt({"va"})};
    c.txt[Key("10.0.0.2:53", kApex)] = {Txt({"va"})};
    c.txt[Key("10.0.0.1:53", kOther)] = {Txt({"old"})};
    c.want_code = StatusCode::kDeadlineExceeded;
    c.want_message_contains = {
        "timed out after 1s",
        "still missing (2)",
        R"(_acme-challenge.b.example.com at 10.0.0.1:53: answered ["old"] (want "vb"))",
        R"(_acme-challenge.b.example.com at 10.0.0.2:53: no TXT record (want "vb"))",
    };
    c.want_message_lacks = {"_acme-challenge.example.com at"};
    // The last wait is cut short so that one final poll happens at the deadline.
    c.want_sleeps = Ms({50, 100, 200, 400, 250});
    c.want_queries = 4 + 5 * 2;
    cases.push_back(c);
  }
  {
    FakeCase c;
    c.name = "zero_timeout_polls_once";
    c.expectations = {{kApex, "v"}};
    c.resolvers = {"10.0.0.1:53"};
    c.timeout = Duration(0);
    c.want_code = StatusCode::kDeadlineExceeded;
    c.want_message_contains = {R"(_acme-challenge.example.com at 10.0.0.1:53: no TXT record (want "v"))"};
    c.want_sleeps = Ms({});
    c.want_queries = 1;
    cases.push_back(c);
  }
  {
    FakeCase c;
    c.name = "wildcard_and_apex_share_one_name";
    c.expectations = {{kApex, "for-apex"}, {kApex, "for-wildcard"}};
    c.resolvers = {"10.0.0.1:53"};
    c.txt[Key("10.0.0.1:53", kApex)] = {Txt({"for-apex"}), Txt({"for-wildcard", "unrelated", "for-apex"})};
    c.want_sleeps = Ms({50});
    c.want_queries = 2;  // one query per name and server, not one per value
    cases.push_back(c);
  }
  {
    FakeCase c;
    c.name = "wildcard_value_missing_times_out";
    c.expectations = {{kApex, "for-apex"}, {kApex, "for-wildcard"}};
    c.resolvers = {"10.0.0.1:53"};
    c.timeout = milliseconds(100);
    c.txt[Key("10.0.0.1:53", kApex)] = {Txt({"for-apex"})};
    c.want_code = StatusCode::kDeadlineExceeded;
    c.want_message_contains = {R"(at 10.0.0.1:53: answered ["for-apex"] (want "for-wildcard"))"};
    cases.push_back(c);
  }
  {
    FakeCase c;
    c.name = "transient_servfail_then_success";
    c.expectations = {{kApex, "v"}};
    c.resolvers = {"10.0.0.1:53"};
    c.txt[Key("10.0.0.1:53", kApex)] = {Err(StatusCode::kUnavailable, "10.0.0.1:53 answered SERVFAIL"),
                                        Err(StatusCode::kUnavailable, "10.0.0.1:53 answered REFUSED"), Txt({"v"})};
    c.want_sleeps = Ms({50, 100});
    c.want_queries = 3;
    cases.push_back(c);
  }
  {
    FakeCase c;
    c.name = "persistent_errors_report_the_last_one";
    c.expectations = {{kApex, "v"}};
    c.resolvers = {"10.0.0.1:53"};
    c.timeout = milliseconds(200);
    c.txt[Key("10.0.0.1:53", kApex)] = {Err(StatusCode::kUnavailable, "first: SERVFAIL"),
                                        Err(StatusCode::kUnavailable, "later: REFUSED")};
    c.want_code = StatusCode::kDeadlineExceeded;
    c.want_message_contains = {"_acme-challenge.example.com at 10.0.0.1:53: last error: later: REFUSED"};
    c.want_message_lacks = {"first: SERVFAIL"};
    cases.push_back(c);
  }
  {
    // A resolver where nothing answers is a configuration error, reported after 10 s
    // instead of after the whole timeout; a server that answers, even SERVFAIL, is waited for.
    FakeCase c;
    c.name = "no_resolver_answers_at_all_fails_fast_naming_it";
    c.expectations = {{kApex, "v"}};
    c.resolvers = {"127.0.0.1:1"};
    c.timeout = std::chrono::minutes(5);
    c.txt[Key("127.0.0.1:1", kApex)] = {Err(StatusCode::kDeadlineExceeded, "no answer (timeout 2s)")};
    c.want_code = StatusCode::kUnavailable;
    c.want_message_contains = {"none of the configured dns_resolvers (127.0.0.1:1) answered at all within 10s",
                               "no answer (timeout 2s)"};
    c.want_sleeps = Ms({50, 100, 200, 400, 800, 1600, 2000, 2000, 2000, 2000});
    cases.push_back(c);
  }
  {
    FakeCase c;
    c.name = "cancelled_while_polling";
    c.expectations = {{kApex, "v"}};
    c.resolvers = {"10.0.0.1:53"};
    c.cancel_after_queries = 3;
    c.want_code = StatusCode::kCancelled;
    c.want_sleeps = Ms({50, 100});
    c.want_queries = 3;
    cases.push_back(c);
  }
  {
    FakeCase c;
    c.name = "cancelled_before_start";
    c.expectations = {{kApex, "v"}};
    c.resolvers = {"10.0.0.1:53"};
    c.cancel_before = true;
    c.want_code = StatusCode::kCancelled;
    c.want_sleeps = Ms({});
    c.want_queries = 0;
    cases.push_back(c);
  }
  {
    FakeCase c;
    c.name = "authoritative_nameservers_resolved_once";
    c.expectations = {{kApex, "v"}, {kOther, "w"}};
    c.nameservers = {"ns1.example.net.", "ns2.example.net"};
    c.addresses["ns1.example.net."] = {Txt({"192.0.2.1"})};
    c.addresses["ns2.example.net"] = {Txt({"2001:db8::2"})};
    c.txt[Key("192.0.2.1:53", kApex)] = {Txt({}), Txt({"v"})};
    c.txt[Key("192.0.2.1:53", kOther)] = {Txt({"w"})};
    c.txt[Key("[2001:db8::2]:53", kApex)] = EmptyThen(2, Txt({"v"}));
    c.txt[Key("[2001:db8::2]:53", kOther)] = {Txt({"w"})};
    c.want_sleeps = Ms({50, 100});
    c.want_lookups = 2;
    c.want_servers_queried = std::set<std::string>{"192.0.2.1:53", "[2001:db8::2]:53"};
    cases.push_back(c);
  }
  {
    FakeCase c;
    c.name = "nameserver_address_failing_is_tolerated";
    c.expectations = {{kApex, "v"}};
    c.nameservers = {"ns1.example.net"};
    c.addresses["ns1.example.net"] = {Txt({"192.0.2.1", "2001:db8::1"})};
    c.txt[Key("192.0.2.1:53", kApex)] = {Txt({"v"})};
    c.txt[Key("[2001:db8::1]:53", kApex)] = {Err(StatusCode::kUnavailable, "network unreachable")};
    c.want_sleeps = Ms({});
    c.want_queries = 2;
    cases.push_back(c);
  }
  {
    FakeCase c;
    c.name = "nameserver_address_stale_times_out";
    c.expectations = {{kApex, "v"}};
    c.nameservers = {"ns1.example.net"};
    c.timeout = milliseconds(100);
    c.addresses["ns1.example.net"] = {Txt({"192.0.2.1", "2001:db8::1"})};
    c.txt[Key("192.0.2.1:53", kApex)] = {Txt({"v"})};
    c.txt[Key("[2001:db8::1]:53", kApex)] = {Txt({"old"})};
    c.want_code = StatusCode::kDeadlineExceeded;
    c.want_message_contains = {
        R"(_acme-challenge.example.com at ns1.example.net ([2001:db8::1]:53): answered ["old"] (want "v"))"};
    cases.push_back(c);
  }
  {
    FakeCase c;
    c.name = "nameserver_lookup_failure_is_retried";
    c.expectations = {{kApex, "v"}};
    c.nameservers = {"ns1.example.net"};
    c.addresses["ns1.example.net"] = {Err(StatusCode::kUnavailable, "resolving ns1.example.net: temporary failure"),
                                      Txt({"192.0.2.1"})};
    c.txt[Key("192.0.2.1:53", kApex)] = {Txt({"v"})};
    c.want_sleeps = Ms({50});
    c.want_lookups = 2;
    c.want_queries = 1;
    cases.push_back(c);
  }
  {
    FakeCase c;
    c.name = "nameserver_lookup_failing_times_out";
    c.expectations = {{kApex, "v"}};
    c.nameservers = {"ns1.example.net"};
    c.timeout = milliseconds(100);
    c.want_code = StatusCode::kDeadlineExceeded;
    c.want_message_contains = {
        "_acme-challenge.example.com at ns1.example.net: could not resolve the name server's address: resolving "
        "ns1.example.net: unknown host"};
    c.want_queries = 0;
    cases.push_back(c);
  }
  {
    FakeCase c;
    c.name = "resolvers_take_precedence_over_nameservers";
    c.expectations = {{kApex, "v"}};
    c.resolvers = {"10.0.0.53:5353"};
    c.nameservers = {"ns1.example.net"};
    c.txt[Key("10.0.0.53:5353", kApex)] = {Txt({"v"})};
    c.want_lookups = 0;
    c.want_servers_queried = std::set<std::string>{"10.0.0.53:5353"};
    cases.push_back(c);
  }
  {
    FakeCase c;
    c.name = "resolver_host_name_is_resolved_with_its_port";
    c.expectations = {{kApex, "v"}};
    c.resolvers = {"dns.example.net:5353"};
    c.addresses["dns.example.net"] = {Txt({"192.0.2.53"})};
    c.txt[Key("192.0.2.53:5353", kApex)] = {Txt({"v"})};
    c.want_lookups = 1;
    c.want_servers_queried = std::set<std::string>{"192.0.2.53:5353"};
    cases.push_back(c);
  }
  {
    FakeCase c;
    c.name = "ipv6_resolvers";
    c.expectations = {{kApex, "v"}};
    c.resolvers = {"[2001:db8::53]:5353", "2001:db8::54"};
    c.txt[Key("[2001:db8::53]:5353", kApex)] = {Txt({"v"})};
    c.txt[Key("[2001:db8::54]:53", kApex)] = {Txt({"v"})};
    c.want_lookups = 0;
    c.want_servers_queried = std::set<std::string>{"[2001:db8::53]:5353", "[2001:db8::54]:53"};
    cases.push_back(c);
  }
  {
    FakeCase c;
    c.name = "trailing_dot_and_case_are_one_name";
    c.expectations = {{"_acme-challenge.Example.com.", "v1"}, {"_acme-challenge.example.com", "v2"}};
    c.resolvers = {"10.0.0.1:53"};
    c.txt[Key("10.0.0.1:53", "_acme-challenge.Example.com")] = {Txt({"v1", "v2"})};
    c.want_queries = 1;
    cases.push_back(c);
  }
  {
    FakeCase c;
    c.name = "no_servers_is_invalid_argument";
    c.expectations = {{kApex, "v"}};
    c.want_code = StatusCode::kInvalidArgument;
    c.want_message_contains = {"dns_resolvers", "authoritative name servers"};
    c.want_queries = 0;
    cases.push_back(c);
  }
  {
    FakeCase c;
    c.name = "bad_resolver_port_is_invalid_argument";
    c.expectations = {{kApex, "v"}};
    c.resolvers = {"10.0.0.1:dns"};
    c.want_code = StatusCode::kInvalidArgument;
    c.want_message_contains = {"dns_resolvers", "\"10.0.0.1:dns\""};
    c.want_queries = 0;
    cases.push_back(c);
  }
  {
    FakeCase c;
    c.name = "malformed_name_fails_at_once";
    c.expectations = {{"_acme-challenge..example.com", "v"}};
    c.resolvers = {"10.0.0.1:53"};
    c.txt[Key("10.0.0.1:53", "_acme-challenge..example.com")] = {
        Err(StatusCode::kInvalidArgument, "TXT query for _acme-challenge..example.com: not a valid domain name")};
    c.want_code = StatusCode::kInvalidArgument;
    c.want_message_contains = {"not a valid domain name"};
    c.want_sleeps = Ms({});
    c.want_queries = 1;
    cases.push_back(c);
  }
  {
    FakeCase c;
    c.name = "empty_batch_succeeds_at_once";
    c.want_queries = 0;
    c.want_sleeps = Ms({});
    cases.push_back(c);
  }
  return cases;
}

class DnsPropagationFakeTest : public ::testing::TestWithParam<FakeCase> {};

TEST_P(DnsPropagationFakeTest, WaitForAll) {
  const FakeCase& c = GetParam();
  ScriptedResolver resolver;
  resolver.txt = c.txt;
  resolver.addresses = c.addresses;
  FakeClock clock;
  const TimePoint start = clock.Now();
  CancelToken cancel;
  if (c.cancel_before) {
    cancel.Cancel();
  }
  if (c.cancel_after_queries >= 0) {
    resolver.on_query = [&]() {
      if (resolver.queries.size() == static_cast<size_t>(c.cancel_after_queries)) {
        cancel.Cancel();
      }
    };
  }
  NullLogger logger;
  PropagationChecker checker(&resolver, &clock, &logger, &cancel);
  PropagationOptions options;
  options.resolvers = c.resolvers;
  options.authoritative_nameservers = c.nameservers;
  options.timeout = c.timeout;
  options.first_interval = c.first_interval;
  options.max_interval = c.max_interval;

  const Status status = checker.WaitForAll(c.expectations, options);

  EXPECT_EQ(status.code(), c.want_code) << status.ToString();
  for (const std::string& want : c.want_message_contains) {
    EXPECT_NE(status.message().find(want), std::string::npos) << "missing \"" << want << "\" in: " << status.message();
  }
  for (const std::string& unwanted : c.want_message_lacks) {
    EXPECT_EQ(status.message().find(unwanted), std::string::npos)
        << "unexpected \"" << unwanted << "\" in: " << status.message();
  }
  if (c.want_sleeps.has_value()) {
    EXPECT_EQ(clock.sleeps(), *c.want_sleeps);
  }
  // Never waits longer than the timeout in total.
  EXPECT_LE(clock.Now() - start, c.timeout);
  if (c.want_queries >= 0) {
    EXPECT_EQ(resolver.queries.size(), static_cast<size_t>(c.want_queries));
  }
  if (c.want_lookups >= 0) {
    EXPECT_EQ(resolver.lookups.size(), static_cast<size_t>(c.want_lookups));
  }
  if (c.want_servers_queried.has_value()) {
    std::set<std::string> servers;
    for (const std::string& q : resolver.queries) {
      servers.insert(q.substr(0, q.find('|')));
    }
    EXPECT_EQ(servers, *c.want_servers_queried);
  }
}

INSTANTIATE_TEST_SUITE_P(Cases, DnsPropagationFakeTest, ::testing::ValuesIn(FakeCases()),
                         [](const ::testing::TestParamInfo<FakeCase>& info) { return info.param.name; });

// Counts how many queries are in flight at once; each query waits (up to 2 s) until
// `rendezvous` queries have arrived, so full parallelism shows up as max_in_flight == rendezvous.
class ConcurrencyProbe : public DnsResolver {
 public:
  explicit ConcurrencyProbe(int rendezvous) : rendezvous_(rendezvous) {}
  Result<std::vector<std::string>> QueryTxt(const std::string&, const std::string&) override {
    std::unique_lock<std::mutex> lock(mu_);
    ++arrived_;
    ++in_flight_;
    max_in_flight_ = std::max(max_in_flight_, in_flight_);
    cv_.notify_all();
    cv_.wait_for(lock, std::chrono::seconds(2), [this] { return arrived_ >= rendezvous_; });
    --in_flight_;
    return std::vector<std::string>{"v"};
  }
  Result<std::vector<std::string>> ResolveAddresses(const std::string& hostname) override {
    return std::vector<std::string>{hostname};
  }
  int max_in_flight() {
    std::lock_guard<std::mutex> lock(mu_);
    return max_in_flight_;
  }

 private:
  const int rendezvous_;
  std::mutex mu_;
  std::condition_variable cv_;
  int arrived_ = 0;
  int in_flight_ = 0;
  int max_in_flight_ = 0;
};

struct ParallelCase {
  std::string name;
  size_t max_concurrent_queries;
  int want_max_in_flight;
};

void PrintTo(const ParallelCase& c, std::ostream* os) { *os << c.name; }

class DnsPropagationParallelTest : public ::testing::TestWithParam<ParallelCase> {};

TEST_P(DnsPropagationParallelTest, QueriesOfOnePollRunConcurrently) {
  const ParallelCase& c = GetParam();
  // 2 names x 2 servers = 4 queries in the first (and only) poll.
  ConcurrencyProbe resolver(c.want_max_in_flight);
  FakeClock clock;
  PropagationChecker checker(&resolver, &clock, nullptr, nullptr);
  PropagationOptions options;
  options.resolvers = {"10.0.0.1:53", "10.0.0.2:53"};
  options.max_concurrent_queries = c.max_concurrent_queries;
  const Status status = checker.WaitForAll({{kApex, "v"}, {kOther, "v"}}, options);
  EXPECT_TRUE(status.ok()) << status.ToString();
  EXPECT_EQ(resolver.max_in_flight(), c.want_max_in_flight);
  EXPECT_TRUE(clock.sleeps().empty());
}

INSTANTIATE_TEST_SUITE_P(Cases, DnsPropagationParallelTest,
                         ::testing::Values(ParallelCase{"default_runs_all_four_at_once", 8, 4},
                                           ParallelCase{"limited_to_two", 2, 2}, ParallelCase{"serial", 1, 1},
                                           ParallelCase{"zero_means_serial", 0, 1}),
                         [](const ::testing::TestParamInfo<ParallelCase>& info) { return info.param.name; });

// ================================================================ host:port parsing

struct HostPortCase {
  std::string name;
  std::string input;
  bool ok;
  std::string host;
  uint16_t port;
};

void PrintTo(const HostPortCase& c, std::ostream* os) { *os << c.name; }

class DnsPropagationSplitHostPortTest : public ::testing::TestWithParam<HostPortCase> {};

TEST_P(DnsPropagationSplitHostPortTest, Parses) {
  const HostPortCase& c = GetParam();
  auto result = SplitHostPort(c.input, 53);
  ASSERT_EQ(result.ok(), c.ok) << result.status().ToString();
  if (c.ok) {
    EXPECT_EQ(result->first, c.host);
    EXPECT_EQ(result->second, c.port);
    // Round trip through JoinHostPort.
    auto again = SplitHostPort(JoinHostPort(result->first, result->second), 1);
    ASSERT_TRUE(again.ok()) << again.status().ToString();
    EXPECT_EQ(*again, *result);
  } else {
    EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Cases, DnsPropagationSplitHostPortTest,
    ::testing::Values(HostPortCase{"ipv4_with_port", "127.0.0.1:8053", true, "127.0.0.1", 8053},
                      HostPortCase{"ipv4_default_port", "127.0.0.1", true, "127.0.0.1", 53},
                      HostPortCase{"ipv6_bracketed", "[2001:db8::1]:5353", true, "2001:db8::1", 5353},
                      HostPortCase{"ipv6_bracketed_no_port", "[::1]", true, "::1", 53},
                      HostPortCase{"ipv6_bare", "2001:db8::1", true, "2001:db8::1", 53},
                      HostPortCase{"hostname", "ns1.example.net", true, "ns1.example.net", 53},
                      HostPortCase{"hostname_with_port", "ns1.example.net:5353", true, "ns1.example.net", 5353},
                      HostPortCase{"empty", "", false, "", 0}, HostPortCase{"empty_host", ":53", false, "", 0},
                      HostPortCase{"empty_port", "host:", false, "", 0},
                      HostPortCase{"port_zero", "host:0", false, "", 0},
                      HostPortCase{"port_too_big", "host:65536", false, "", 0},
                      HostPortCase{"port_not_numeric", "host:dns", false, "", 0},
                      HostPortCase{"unclosed_bracket", "[::1:53", false, "", 0},
                      HostPortCase{"junk_after_bracket", "[::1]x53", false, "", 0},
                      HostPortCase{"colons_not_ipv6", "a:b:c", false, "", 0}),
    [](const ::testing::TestParamInfo<HostPortCase>& info) { return info.param.name; });

TEST(DnsPropagationJoinHostPortTest, BracketsIpv6) {
  EXPECT_EQ(JoinHostPort("192.0.2.1", 53), "192.0.2.1:53");
  EXPECT_EQ(JoinHostPort("2001:db8::1", 53), "[2001:db8::1]:53");
}

// ================================================================ real DNS: pebble-challtestsrv

class DnsPropagationChallTestSrvTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (fakes::FindOnPath("pebble-challtestsrv").empty()) {
      IONOS_SKIP_OR_FAIL("pebble-challtestsrv is not on PATH (Debian package pebble; scripts/install-deps)");
    }
    auto srv = ChallTestSrv::Start();
    ASSERT_TRUE(srv.ok()) << srv.status().ToString();
    srv_ = std::move(srv).value();
  }
  void TearDown() override { srv_.reset(); }

  std::unique_ptr<ChallTestSrv> srv_;
};

struct QueryCase {
  std::string name;
  std::vector<std::pair<std::string, std::string>> records;  // host (with trailing dot), value
  std::string query;
  std::vector<std::string> want;  // sorted
};

void PrintTo(const QueryCase& c, std::ostream* os) { *os << c.name; }

class DnsPropagationLdnsQueryTxtTest : public DnsPropagationChallTestSrvTest,
                                       public ::testing::WithParamInterface<QueryCase> {};

TEST_P(DnsPropagationLdnsQueryTxtTest, Answers) {
  const QueryCase& c = GetParam();
  for (const auto& [host, value] : c.records) {
    ASSERT_TRUE(srv_->SetTxt(host, value).ok());
  }
  LdnsResolver resolver;
  auto answer = resolver.QueryTxt(srv_->dns_address(), c.query);
  ASSERT_TRUE(answer.ok()) << answer.status().ToString() << "\nlog: " << srv_->log();
  std::vector<std::string> got = *answer;
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got, c.want);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, DnsPropagationLdnsQueryTxtTest,
    ::testing::Values(
        QueryCase{"one_value", {{"_acme-challenge.example.com.", "v"}}, "_acme-challenge.example.com", {"v"}},
        QueryCase{
            "query_with_trailing_dot", {{"_acme-challenge.example.com.", "v"}}, "_acme-challenge.example.com.", {"v"}},
        QueryCase{"two_values_on_one_name",
                  {{"_acme-challenge.example.com.", "wild"}, {"_acme-challenge.example.com.", "apex"}},
                  "_acme-challenge.example.com",
                  {"apex", "wild"}},
        QueryCase{"record_only_on_another_name",
                  {{"_acme-challenge.other.example.com.", "v"}},
                  "_acme-challenge.example.com",
                  {}},
        QueryCase{"no_record", {}, "_acme-challenge.example.com", {}}),
    [](const ::testing::TestParamInfo<QueryCase>& info) { return info.param.name; });

// The real clock, recording what it was asked to sleep.
class RecordingSystemClock : public SystemClock {
 public:
  // Runs once, before the first sleep: the caller has looked and not found what it waits for.
  std::function<void()> on_first_sleep;

  Status SleepFor(Duration d, const CancelToken* cancel) const override {
    bool first = false;
    {
      std::lock_guard<std::mutex> lock(mu_);
      sleeps_.push_back(d);
      first = sleeps_.size() == 1;
    }
    if (first && on_first_sleep) {
      on_first_sleep();
    }
    return SystemClock::SleepFor(d, cancel);
  }
  std::vector<Duration> sleeps() const {
    std::lock_guard<std::mutex> lock(mu_);
    return sleeps_;
  }

 private:
  mutable std::mutex mu_;
  mutable std::vector<Duration> sleeps_;
};

// A resolver that cancels the wait after `n` queries.
class CancellingResolver : public DnsResolver {
 public:
  CancellingResolver(DnsResolver* target, CancelToken* cancel, int n) : target_(target), cancel_(cancel), n_(n) {}
  Result<std::vector<std::string>> QueryTxt(const std::string& server, const std::string& fqdn) override {
    if (++queries_ >= n_) cancel_->Cancel();
    return target_->QueryTxt(server, fqdn);
  }
  Result<std::vector<std::string>> ResolveAddresses(const std::string& hostname) override {
    return target_->ResolveAddresses(hostname);
  }

 private:
  DnsResolver* target_;
  CancelToken* cancel_;
  int n_;
  std::atomic<int> queries_{0};
};

TEST_F(DnsPropagationChallTestSrvTest, WaitForAllSucceedsOnceTheValuesAreSet) {
  LdnsResolver resolver;
  RecordingSystemClock clock;
  CancelToken cancel;
  PropagationChecker checker(&resolver, &clock, nullptr, &cancel);
  PropagationOptions options;
  options.resolvers = {srv_->dns_address()};
  options.timeout = std::chrono::seconds(20);

  // The values appear once the checker has looked, found nothing and gone to sleep (no timing).
  Status set_status;
  clock.on_first_sleep = [&]() {
    set_status = srv_->SetTxt("_acme-challenge.example.com.", "apex");
    if (set_status.ok()) {
      set_status = srv_->SetTxt("_acme-challenge.example.com.", "wild");
    }
    if (set_status.ok()) {
      set_status = srv_->SetTxt("_acme-challenge.www.example.com.", "www");
    }
  };
  const Status status = checker.WaitForAll({{"_acme-challenge.example.com", "apex"},
                                            {"_acme-challenge.example.com", "wild"},
                                            {"_acme-challenge.www.example.com", "www"}},
                                           options);
  ASSERT_TRUE(set_status.ok()) << set_status.ToString();
  EXPECT_TRUE(status.ok()) << status.ToString();
  // Short waits from 50 ms, doubling, never a multi-second one (whatever the machine's speed).
  const std::vector<Duration> sleeps = clock.sleeps();
  ASSERT_FALSE(sleeps.empty());
  EXPECT_EQ(sleeps.front(), milliseconds(50));
  for (size_t i = 0; i < sleeps.size(); ++i) {
    EXPECT_LE(sleeps[i], options.max_interval) << "wait " << i;
  }
}

TEST_F(DnsPropagationChallTestSrvTest, WaitForAllTimesOutNamingTheServer) {
  ASSERT_TRUE(srv_->SetTxt("_acme-challenge.example.com.", "old").ok());
  LdnsResolver resolver;
  SystemClock clock;
  PropagationChecker checker(&resolver, &clock, nullptr, nullptr);
  PropagationOptions options;
  options.resolvers = {srv_->dns_address()};
  options.timeout = milliseconds(300);
  const Status status =
      checker.WaitForAll({{"_acme-challenge.example.com", "new"}, {"_acme-challenge.www.example.com", "www"}}, options);
  EXPECT_EQ(status.code(), StatusCode::kDeadlineExceeded) << status.ToString();
  const std::string at = " at " + srv_->dns_address() + ": ";
  EXPECT_NE(status.message().find("_acme-challenge.example.com" + at + R"(answered ["old"] (want "new"))"),
            std::string::npos)
      << status.message();
  EXPECT_NE(status.message().find("_acme-challenge.www.example.com" + at + R"(no TXT record (want "www"))"),
            std::string::npos)
      << status.message();
}

TEST_F(DnsPropagationChallTestSrvTest, WaitForAllAsksNameServersByHostName) {
  // "localhost" goes through getaddrinfo; an IPv6 ::1 it may also yield has no server
  // listening, which the checker tolerates as long as 127.0.0.1 answers.
  ASSERT_TRUE(srv_->SetTxt("_acme-challenge.example.com.", "v").ok());
  LdnsResolver resolver(milliseconds(300));
  SystemClock clock;
  PropagationChecker checker(&resolver, &clock, nullptr, nullptr);
  PropagationOptions options;
  options.authoritative_nameservers = {"localhost:" + std::to_string(srv_->dns_port())};
  options.timeout = std::chrono::seconds(10);
  const Status status = checker.WaitForAll({{"_acme-challenge.example.com", "v"}}, options);
  EXPECT_TRUE(status.ok()) << status.ToString();
}

TEST_F(DnsPropagationChallTestSrvTest, WaitForAllStopsWhenCancelled) {
  LdnsResolver ldns;
  CancelToken cancel;
  CancellingResolver resolver(&ldns, &cancel, 3);  // StopProvider arrives during the third poll
  RecordingSystemClock clock;
  PropagationChecker checker(&resolver, &clock, nullptr, &cancel);
  PropagationOptions options;
  options.resolvers = {srv_->dns_address()};
  options.timeout = std::chrono::seconds(30);
  const Status status = checker.WaitForAll({{"_acme-challenge.example.com", "never"}}, options);
  EXPECT_EQ(status.code(), StatusCode::kCancelled) << status.ToString();
  // Two waits between the three polls, then none: the cancellation ended the wait at once.
  EXPECT_EQ(clock.sleeps().size(), 2u);
}

TEST(DnsPropagationLdnsResolverTest, MalformedNameIsInvalidArgument) {
  LdnsResolver resolver(milliseconds(200));
  auto answer = resolver.QueryTxt("127.0.0.1:9", "_acme-challenge..example.com");
  EXPECT_EQ(answer.status().code(), StatusCode::kInvalidArgument) << answer.status().ToString();
}

TEST(DnsPropagationLdnsResolverTest, ResolveAddressesOfLocalhostAndLiterals) {
  LdnsResolver resolver;
  auto localhost = resolver.ResolveAddresses("localhost");
  ASSERT_TRUE(localhost.ok()) << localhost.status().ToString();
  const bool has_loopback = std::find(localhost->begin(), localhost->end(), "127.0.0.1") != localhost->end() ||
                            std::find(localhost->begin(), localhost->end(), "::1") != localhost->end();
  EXPECT_TRUE(has_loopback);
  auto literal = resolver.ResolveAddresses("192.0.2.1");
  ASSERT_TRUE(literal.ok()) << literal.status().ToString();
  EXPECT_EQ(*literal, std::vector<std::string>{"192.0.2.1"});
  auto literal6 = resolver.ResolveAddresses("2001:db8::1");
  ASSERT_TRUE(literal6.ok()) << literal6.status().ToString();
  EXPECT_EQ(*literal6, std::vector<std::string>{"2001:db8::1"});
}

// ================================================================ stub DNS server: error codes, silence, truncation

// A loopback DNS stub (UDP and TCP on one port) that answers every query the same way without
// parsing it: by echoing the query with QR and an error code set, by staying silent, or by
// answering truncated over UDP and forwarding TCP queries to an upstream server over UDP.
class StubDnsServer {
 public:
  enum class Mode { kRcode, kSilent, kTruncateUdpForwardTcp };

  static Result<std::unique_ptr<StubDnsServer>> Start(Mode mode, int rcode = 0, int upstream_port = 0) {
    std::unique_ptr<StubDnsServer> stub(new StubDnsServer(mode, rcode, upstream_port));
    for (int attempt = 0; attempt < 5; ++attempt) {
      Status s = stub->Bind();
      if (s.ok()) {
        stub->thread_ = std::thread([p = stub.get()]() { p->Serve(); });
        return stub;
      }
    }
    return InternalError("could not bind a UDP and TCP port pair on 127.0.0.1");
  }

  ~StubDnsServer() {
    stop_ = true;
    if (thread_.joinable()) {
      thread_.join();
    }
    CloseFds();
  }

  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  int udp_queries() const { return udp_queries_; }
  int tcp_queries() const { return tcp_queries_; }

 private:
  StubDnsServer(Mode mode, int rcode, int upstream_port) : mode_(mode), rcode_(rcode), upstream_port_(upstream_port) {}

  void CloseFds() {
    if (udp_fd_ >= 0) {
      close(udp_fd_);
      udp_fd_ = -1;
    }
    if (tcp_fd_ >= 0) {
      close(tcp_fd_);
      tcp_fd_ = -1;
    }
  }

  Status Bind() {
    CloseFds();
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    udp_fd_ = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (udp_fd_ < 0 || bind(udp_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      return InternalError("udp bind");
    }
    socklen_t len = sizeof addr;
    getsockname(udp_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    tcp_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const int one = 1;
    setsockopt(tcp_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (tcp_fd_ < 0 || bind(tcp_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || listen(tcp_fd_, 8) != 0) {
      return InternalError("tcp bind");
    }
    return Status::Ok();
  }

  void Serve() {
    while (!stop_) {
      pollfd fds[2] = {{udp_fd_, POLLIN, 0}, {tcp_fd_, POLLIN, 0}};
      if (poll(fds, 2, 20) <= 0) {
        continue;
      }
      if ((fds[0].revents & POLLIN) != 0) {
        ServeUdp();
      }
      if ((fds[1].revents & POLLIN) != 0) {
        ServeTcp();
      }
    }
  }

  void ServeUdp() {
    uint8_t buf[4096];
    sockaddr_storage from{};
    socklen_t from_len = sizeof from;
    const ssize_t n = recvfrom(udp_fd_, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &from_len);
    if (n < 12) {
      return;
    }
    ++udp_queries_;
    switch (mode_) {
      case Mode::kSilent:
        return;
      case Mode::kRcode:
        buf[2] |= 0x80;  // QR
        buf[3] = static_cast<uint8_t>((buf[3] & 0xf0) | (rcode_ & 0x0f));
        break;
      case Mode::kTruncateUdpForwardTcp:
        buf[2] |= 0x80 | 0x02;  // QR, TC
        break;
    }
    sendto(udp_fd_, buf, static_cast<size_t>(n), 0, reinterpret_cast<sockaddr*>(&from), from_len);
  }

  static bool ReadFull(int fd, uint8_t* out, size_t n) {
    size_t got = 0;
    while (got < n) {
      pollfd p = {fd, POLLIN, 0};
      if (poll(&p, 1, 2000) <= 0) {
        return false;
      }
      const ssize_t r = read(fd, out + got, n - got);
      if (r <= 0) {
        return false;
      }
      got += static_cast<size_t>(r);
    }
    return true;
  }

  void ServeTcp() {
    const int conn = accept4(tcp_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (conn < 0) {
      return;
    }
    ++tcp_queries_;
    uint8_t len_bytes[2];
    uint8_t query[65535];
    if (mode_ == Mode::kTruncateUdpForwardTcp && ReadFull(conn, len_bytes, 2)) {
      const size_t len = (static_cast<size_t>(len_bytes[0]) << 8) | len_bytes[1];
      if (ReadFull(conn, query, len)) {
        std::vector<uint8_t> answer = ForwardUdp(query, len);
        if (!answer.empty()) {
          uint8_t out_len[2] = {static_cast<uint8_t>(answer.size() >> 8), static_cast<uint8_t>(answer.size())};
          send(conn, out_len, 2, MSG_NOSIGNAL);
          send(conn, answer.data(), answer.size(), MSG_NOSIGNAL);
        }
      }
    }
    close(conn);
  }

  std::vector<uint8_t> ForwardUdp(const uint8_t* query, size_t len) {
    const int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_in up{};
    up.sin_family = AF_INET;
    up.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    up.sin_port = htons(static_cast<uint16_t>(upstream_port_));
    std::vector<uint8_t> answer(65535);
    ssize_t n = -1;
    if (fd >= 0 && connect(fd, reinterpret_cast<sockaddr*>(&up), sizeof up) == 0 && send(fd, query, len, 0) >= 0) {
      pollfd p = {fd, POLLIN, 0};
      if (poll(&p, 1, 2000) > 0) {
        n = recv(fd, answer.data(), answer.size(), 0);
      }
    }
    if (fd >= 0) {
      close(fd);
    }
    answer.resize(n > 0 ? static_cast<size_t>(n) : 0);
    return answer;
  }

  Mode mode_;
  int rcode_;
  int upstream_port_;
  int udp_fd_ = -1;
  int tcp_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> udp_queries_{0};
  std::atomic<int> tcp_queries_{0};
  std::thread thread_;
};

struct StubCase {
  std::string name;
  StubDnsServer::Mode mode;
  int rcode;
  StatusCode want_code;
  std::string want_message;  // besides the server and the name
};

void PrintTo(const StubCase& c, std::ostream* os) { *os << c.name; }

class DnsPropagationLdnsStubTest : public ::testing::TestWithParam<StubCase> {};

TEST_P(DnsPropagationLdnsStubTest, MapsAnswers) {
  const StubCase& c = GetParam();
  auto stub = StubDnsServer::Start(c.mode, c.rcode);
  ASSERT_TRUE(stub.ok()) << stub.status().ToString();
  LdnsResolver resolver(milliseconds(300));
  auto answer = resolver.QueryTxt((*stub)->address(), kApex);
  EXPECT_EQ(answer.status().code(), c.want_code) << answer.status().ToString();
  if (c.want_code == StatusCode::kOk) {
    ASSERT_TRUE(answer.ok());
    EXPECT_TRUE(answer->empty());
  } else {
    EXPECT_NE(answer.status().message().find((*stub)->address()), std::string::npos) << answer.status().message();
    EXPECT_NE(answer.status().message().find(kApex), std::string::npos) << answer.status().message();
    EXPECT_NE(answer.status().message().find(c.want_message), std::string::npos) << answer.status().message();
  }
  // One attempt (the configured timeout bounds it), no retries: one UDP query reached the server.
  EXPECT_EQ((*stub)->udp_queries(), 1);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, DnsPropagationLdnsStubTest,
    ::testing::Values(StubCase{"servfail", StubDnsServer::Mode::kRcode, 2, StatusCode::kUnavailable, "SERVFAIL"},
                      StubCase{"refused", StubDnsServer::Mode::kRcode, 5, StatusCode::kUnavailable, "REFUSED"},
                      StubCase{"nxdomain_is_no_record", StubDnsServer::Mode::kRcode, 3, StatusCode::kOk, ""},
                      StubCase{"nodata_is_no_record", StubDnsServer::Mode::kRcode, 0, StatusCode::kOk, ""},
                      StubCase{"silent_server_times_out", StubDnsServer::Mode::kSilent, 0, StatusCode::kDeadlineExceeded,
                               "no answer (timeout 300ms)"}),
    [](const ::testing::TestParamInfo<StubCase>& info) { return info.param.name; });

TEST_F(DnsPropagationChallTestSrvTest, TruncatedUdpAnswerFallsBackToTcp) {
  ASSERT_TRUE(srv_->SetTxt("_acme-challenge.example.com.", "via-tcp").ok());
  auto stub = StubDnsServer::Start(StubDnsServer::Mode::kTruncateUdpForwardTcp, 0, srv_->dns_port());
  ASSERT_TRUE(stub.ok()) << stub.status().ToString();
  LdnsResolver resolver;
  auto answer = resolver.QueryTxt((*stub)->address(), kApex);
  ASSERT_TRUE(answer.ok()) << answer.status().ToString();
  EXPECT_EQ(*answer, std::vector<std::string>{"via-tcp"});
  EXPECT_GE((*stub)->udp_queries(), 1);
  EXPECT_EQ((*stub)->tcp_queries(), 1);
}

}  // namespace
}  // namespace ionos
