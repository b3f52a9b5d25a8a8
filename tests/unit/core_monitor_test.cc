// Tests for independent monitoring: the served-certificate probe against a real TLS
// server on 127.0.0.1 (tests/fakes/tls_test_server.h), the OpenMetrics text format and atomic
// metrics files (core/monitor), and the lifecycle's view of both (core/lifecycle/monitoring.h).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "core/crypto/crypto.h"
#include "core/crypto/x509.h"
#include "core/lifecycle/monitoring.h"
#include "core/monitor/openmetrics.h"
#include "core/monitor/served_certificate.h"
#include "tests/fakes/fake_clock.h"
#include "tests/fakes/temp_dir.h"
#include "tests/fakes/tls_test_server.h"

namespace ionos {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using fakes::TempDir;
using testing::TlsTestServer;

constexpr auto kDay = std::chrono::hours(24);

SelfSignedCert MakeCert(const fakes::FakeClock& clock, std::vector<std::string> dns_names,
                        std::vector<std::string> ips = {}) {
  SelfSignedCertOptions o;
  o.common_name = dns_names.empty() ? "ip" : dns_names[0];
  o.dns_names = std::move(dns_names);
  o.ip_addresses = std::move(ips);
  o.validity = std::chrono::duration_cast<std::chrono::seconds>(90 * kDay);
  Result<SelfSignedCert> cert = GenerateSelfSignedCert(clock, o);
  EXPECT_TRUE(cert.ok()) << cert.status().ToString();
  return cert.ok() ? *cert : SelfSignedCert{};
}

std::unique_ptr<TlsTestServer> Serve(const SelfSignedCert& cert) {
  auto server = TlsTestServer::Start(TlsTestServer::Mode::kServe, cert.cert_pem, cert.key_pem);
  EXPECT_TRUE(server.ok()) << server.status().ToString();
  return server.ok() ? std::move(server).value() : nullptr;
}

ProbeRequest Request(uint16_t port, const std::string& server_name, const std::string& ca_pem) {
  ProbeRequest r;
  r.host = "127.0.0.1";
  r.port = port;
  r.server_name = server_name;
  r.ca_certificates_pem = ca_pem;
  r.timeout = std::chrono::seconds(10);
  return r;
}

// ---------------------------------------------------------------- the probe

TEST(ServedCertificateTest, DescribesTheServedCertificateAndSendsSni) {
  fakes::FakeClock clock;
  const SelfSignedCert cert = MakeCert(clock, {"probe.example.com", "www.probe.example.com"});
  auto server = Serve(cert);
  ASSERT_NE(server, nullptr);

  Result<ServedCertificate> served = ProbeServedCertificate(Request(server->port(), "probe.example.com", cert.cert_pem), clock);
  ASSERT_TRUE(served.ok()) << served.status().ToString();
  const CertificateInfo info = InspectCertificate(cert.cert_pem).value();
  EXPECT_EQ(served->serial_number, info.serial_number);
  EXPECT_EQ(served->fingerprint_sha256, info.fingerprint_sha256);
  EXPECT_EQ(served->not_after, info.not_after);
  EXPECT_THAT(served->dns_names, ElementsAre("probe.example.com", "www.probe.example.com"));
  EXPECT_EQ(served->issuer, "CN=probe.example.com");
  EXPECT_EQ(served->server_name, "probe.example.com");
  EXPECT_TRUE(served->chain_verified) << served->verify_error;
  EXPECT_EQ(served->verify_error, "");
  EXPECT_EQ(InspectCertificate(served->certificate_pem).value().fingerprint_sha256, info.fingerprint_sha256);
  EXPECT_THAT(server->server_names(), ElementsAre("probe.example.com"));
}

TEST(ServedCertificateTest, NamesAreCheckedAsTlsClientsCheckThem) {
  fakes::FakeClock clock;
  struct Case {
    const char* name;
    std::vector<std::string> dns_names;
    std::vector<std::string> ips;
    std::string server_name;
    bool matches;
    std::string sni_sent;
  } cases[] = {
      {"exact name", {"a.example.com"}, {}, "a.example.com", true, "a.example.com"},
      {"names compare without case", {"a.example.com"}, {}, "A.Example.COM", true, "A.Example.COM"},
      {"wildcard covers one label", {"*.example.com"}, {}, "b.example.com", true, "b.example.com"},
      {"wildcard covers no deeper label", {"*.example.com"}, {}, "x.b.example.com", false, "x.b.example.com"},
      {"another name", {"a.example.com"}, {}, "other.example.com", false, "other.example.com"},
      {"IP address: default server name, no SNI", {}, {"127.0.0.1"}, "", true, ""},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const SelfSignedCert cert = MakeCert(clock, c.dns_names, c.ips);
    auto server = Serve(cert);
    ASSERT_NE(server, nullptr);
    Result<ServedCertificate> served = ProbeServedCertificate(Request(server->port(), c.server_name, cert.cert_pem), clock);
    if (c.matches) {
      ASSERT_TRUE(served.ok()) << served.status().ToString();
      EXPECT_TRUE(served->chain_verified) << served->verify_error;
    } else {
      ASSERT_FALSE(served.ok());
      EXPECT_EQ(ProbeFailureKind(served.status()), ProbeFailure::kNameMismatch);
      EXPECT_THAT(served.status().message(), HasSubstr("not for " + c.server_name + " (name mismatch)"));
      EXPECT_THAT(served.status().message(), HasSubstr("127.0.0.1:" + std::to_string(server->port())));
    }
    EXPECT_THAT(server->server_names(), ElementsAre(c.sni_sent));
  }
}

TEST(ServedCertificateTest, AnUnverifiableChainIsDescribedNotRefused) {
  fakes::FakeClock clock;
  const SelfSignedCert cert = MakeCert(clock, {"probe.example.com"});
  const SelfSignedCert other_root = MakeCert(clock, {"root.example.com"});
  const TimePoint not_after = InspectCertificate(cert.cert_pem).value().not_after;
  struct Case {
    const char* name;
    std::string trusted;
    TimePoint now;
    bool verified;
    const char* error;
  } cases[] = {
      {"trusted root, valid now", cert.cert_pem, clock.Now(), true, ""},
      {"root not trusted", other_root.cert_pem, clock.Now(), false, "self-signed certificate"},
      {"expired at the clock's time", cert.cert_pem, not_after + kDay, false, "certificate has expired"},
      {"not yet valid at the clock's time", cert.cert_pem, clock.Now() - 2 * kDay, false, "certificate is not yet valid"},
  };
  auto server = Serve(cert);
  ASSERT_NE(server, nullptr);
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    fakes::FakeClock at(c.now);
    Result<ServedCertificate> served = ProbeServedCertificate(Request(server->port(), "probe.example.com", c.trusted), at);
    ASSERT_TRUE(served.ok()) << served.status().ToString();
    EXPECT_EQ(served->chain_verified, c.verified);
    EXPECT_THAT(served->verify_error, HasSubstr(c.error));
    EXPECT_EQ(served->verify_error.empty(), c.verified);
    EXPECT_EQ(served->serial_number, InspectCertificate(cert.cert_pem).value().serial_number);
  }
}

TEST(ServedCertificateTest, FailuresSayWhatFailedAndWhere) {
  fakes::FakeClock clock;
  struct Case {
    const char* name;
    TlsTestServer::Mode mode;
    ProbeFailure failure;
    const char* message;
  } cases[] = {
      {"nothing listens", TlsTestServer::Mode::kRefuse, ProbeFailure::kRefused, "connection refused"},
      {"no answer before the deadline", TlsTestServer::Mode::kSilent, ProbeFailure::kTimedOut,
       "timed out after 300ms while waiting for the TLS handshake"},
      {"connection closed in the handshake", TlsTestServer::Mode::kHangUp, ProbeFailure::kHandshake,
       "TLS handshake failed: "},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    auto server = TlsTestServer::Start(c.mode);
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    ProbeRequest r = Request((*server)->port(), "probe.example.com", "");
    r.timeout = std::chrono::milliseconds(300);
    Result<ServedCertificate> served = ProbeServedCertificate(r, clock);
    ASSERT_FALSE(served.ok());
    EXPECT_EQ(ProbeFailureKind(served.status()), c.failure) << served.status().ToString();
    EXPECT_THAT(served.status().message(),
                HasSubstr("127.0.0.1:" + std::to_string((*server)->port()) + " (server name probe.example.com): "));
    EXPECT_THAT(served.status().message(), HasSubstr(c.message));
  }
}

// ---------------------------------------------------------------- OpenMetrics

TEST(OpenMetricsTest, WritesDescriptorsSamplesEscapedLabelsAndEof) {
  std::vector<MetricFamily> families = {
      {"x_expiration_timestamp_seconds", "When it expires.", "seconds",
       {{{{"name", "a"}, {"note", "back\\slash \"quoted\"\nnext"}}, 1767225600},
        {{{"name", "b"}, {"note", ""}}, 0.25}}},
      {"x_due", "", "", {{{}, 1}}},
      {"x_empty", "No samples.", "", {}},
  };
  Result<std::string> text = FormatOpenMetrics(families);
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  EXPECT_EQ(*text,
            "# HELP x_expiration_timestamp_seconds When it expires.\n"
            "# TYPE x_expiration_timestamp_seconds gauge\n"
            "# UNIT x_expiration_timestamp_seconds seconds\n"
            "x_expiration_timestamp_seconds{name=\"a\",note=\"back\\\\slash \\\"quoted\\\"\\nnext\"} 1767225600\n"
            "x_expiration_timestamp_seconds{name=\"b\",note=\"\"} 0.25\n"
            "# TYPE x_due gauge\n"
            "x_due 1\n"
            "# HELP x_empty No samples.\n"
            "# TYPE x_empty gauge\n"
            "# EOF\n");
}

TEST(OpenMetricsTest, RefusesWhatTheFormatForbids) {
  struct Case {
    const char* name;
    std::vector<MetricFamily> families;
    const char* error;
  } cases[] = {
      {"metric name with a dash", {{"x-y", "", "", {}}}, "is not valid"},
      {"metric name starting with a digit", {{"1x", "", "", {}}}, "is not valid"},
      {"family twice", {{"x", "", "", {}}, {"x", "", "", {}}}, "given twice"},
      {"double quote in HELP", {{"x", "say \"hi\"", "", {}}}, "HELP text with a double quote"},
      {"unit not at the end of the name", {{"x_bytes", "", "seconds", {}}}, "does not end in its unit"},
      {"label name with a colon", {{"x", "", "", {{{{"a:b", "v"}}, 1}}}}, "label name"},
      {"reserved label name", {{"x", "", "", {{{{"__name", "v"}}, 1}}}}, "label name"},
      {"label twice in a sample", {{"x", "", "", {{{{"a", "1"}, {"a", "2"}}, 1}}}}, "given twice in a sample"},
      {"the same series twice", {{"x", "", "", {{{{"a", "1"}, {"b", "2"}}, 1}, {{{"b", "2"}, {"a", "1"}}, 2}}}},
       "two samples with the labels"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    Result<std::string> text = FormatOpenMetrics(c.families);
    ASSERT_FALSE(text.ok());
    EXPECT_EQ(text.status().code(), StatusCode::kInvalidArgument);
    EXPECT_THAT(text.status().message(), HasSubstr(c.error));
  }
}

std::string ReadFile(const std::string& path) {
  std::ifstream f(path);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

TEST(MetricsFileTest, ReplacesTheFileAtomicallyReadableByTheExporter) {
  TempDir dir;
  const std::string path = dir.path() + "/ionos.prom";
  ASSERT_TRUE(WriteFileAtomically(path, "first\n").ok());
  ASSERT_TRUE(WriteFileAtomically(path, "second\n").ok());
  EXPECT_EQ(ReadFile(path), "second\n");
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0644u);
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(dir.path())) names.push_back(e.path().filename());
  EXPECT_THAT(names, ElementsAre("ionos.prom")) << "no temporary file is left";
}

TEST(MetricsFileTest, AFailedWriteLeavesTheOldFile) {
  TempDir dir;
  const std::string path = dir.path() + "/ionos.prom";
  ASSERT_TRUE(WriteFileAtomically(path, "old\n").ok());
  // The path names a directory now: the rename fails, the temporary file goes away.
  const std::string blocked = dir.path() + "/blocked.prom";
  std::filesystem::create_directory(blocked);
  std::filesystem::create_directory(blocked + "/inside");
  Status s = WriteFileAtomically(blocked, "new\n");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kUnavailable);
  EXPECT_THAT(s.message(), HasSubstr("writing " + blocked + ": rename"));
  Status missing = WriteFileAtomically(dir.path() + "/no/such/dir/ionos.prom", "x");
  EXPECT_EQ(missing.code(), StatusCode::kUnavailable);
  EXPECT_EQ(ReadFile(path), "old\n");
  size_t entries = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir.path())) ++entries;
  EXPECT_EQ(entries, 2u) << "ionos.prom and blocked.prom, no temporary file";
}

// ---------------------------------------------------------------- the lifecycle's view

CertificateState State(const std::string& id, const std::string& serial, const std::string& fingerprint,
                       CertificateStatus status = CertificateStatus::kActive) {
  CertificateState s;
  s.summary.id = id;
  s.summary.serial_number = serial;
  s.summary.fingerprint_sha256 = fingerprint;
  s.status = status;
  return s;
}

TEST(MonitoringTest, MatchesTheServedCertificateAgainstTheAutoCertificate) {
  const std::vector<CertificateState> certs = {State("new", "0a", "f1"),
                                               State("old", "0b", "f2", CertificateStatus::kSuperseded),
                                               State("legacy", "0c", "", CertificateStatus::kSuperseded)};
  struct Case {
    const char* name;
    std::string serial;
    std::string fingerprint;
    bool newest;
    bool known;
    const char* id;
  } cases[] = {
      {"the newest", "0a", "f1", true, true, "new"},
      {"fingerprints compare without case", "0a", "F1", true, true, "new"},
      {"a superseded one", "0b", "f2", false, true, "old"},
      {"a stored certificate without fingerprint, by serial", "0c", "ff", false, true, "legacy"},
      {"same serial, other certificate (another CA)", "0a", "f9", false, false, ""},
      {"a foreign one", "99", "f9", false, false, ""},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    ServedCertificate served;
    served.serial_number = c.serial;
    served.fingerprint_sha256 = c.fingerprint;
    const ServedMatch m = MatchServedCertificate(served, certs);
    EXPECT_EQ(m.is_newest, c.newest);
    EXPECT_EQ(m.is_known, c.known);
    EXPECT_EQ(m.certificate_id, c.id);
  }
  EXPECT_FALSE(MatchServedCertificate(ServedCertificate{}, {}).is_known);
}

CertificateListing Listing(const std::string& auto_id, const std::string& name, TimePoint not_after, bool due,
                           CertificateStatus status = CertificateStatus::kActive) {
  CertificateListing r;
  r.state.summary.auto_certificate_id = auto_id;
  r.state.summary.name = name;
  r.state.summary.not_after = not_after;
  r.state.status = status;
  r.auto_certificate_name = "auto " + auto_id;
  r.common_name = auto_id + ".example.com";
  r.renewal.renew_at = not_after - 30 * kDay;
  r.renewal_due = due;
  return r;
}

TEST(MonitoringTest, CertificatesNeedingAttentionAreDueAndWithinThirtyDays) {
  const TimePoint now = ParseRfc3339("2026-06-01T00:00:00Z").value();
  struct Case {
    const char* name;
    std::vector<CertificateListing> rows;
    std::vector<std::string> expected;
    std::set<std::string> renewed_ids = {};
  } cases[] = {
      {"due, 20 days left (renewal failed)", {Listing("a", "a1", now + 20 * kDay, true)}, {"a1"}},
      {"due, expired", {Listing("a", "a1", now - kDay, true)}, {"a1"}},
      {"due, 29 days 23 hours left", {Listing("a", "a1", now + 30 * kDay - std::chrono::hours(1), true)}, {"a1"}},
      {"due by ARI, 40 days left", {Listing("a", "a1", now + 40 * kDay, true)}, {}},
      {"not due (renew_before_days 10), 20 days left", {Listing("a", "a1", now + 20 * kDay, false)}, {}},
      {"renewed: the old one is superseded",
       {Listing("a", "a2", now + 90 * kDay, false), Listing("a", "a1", now + 20 * kDay, false, CertificateStatus::kSuperseded)},
       {}},
      {"renewed in the run, yet due by the moved clock of a test",
       {Listing("a", "a2", now + 29 * kDay, true), Listing("a", "a1", now + 20 * kDay, false, CertificateStatus::kSuperseded)},
       {},
       {"a"}},
      {"one of two auto certificates",
       {Listing("a", "a1", now + 80 * kDay, false), Listing("b", "b1", now + 10 * kDay, true)},
       {"b1"}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(CertificatesNeedingAttention(c.rows, now, c.renewed_ids), c.expected);
  }
}

TEST(MonitoringTest, MetricFamiliesOfAStore) {
  const TimePoint t = ParseRfc3339("2026-06-01T00:00:00Z").value();  // 1780272000
  const std::vector<CertificateListing> rows = {
      Listing("a", "a2", t, true), Listing("a", "a1", t - kDay, false, CertificateStatus::kSuperseded),
      Listing("b", "b1", t + std::chrono::seconds(1), false)};
  Result<std::string> text = FormatOpenMetrics(CertificateMetricFamilies(rows));
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  EXPECT_THAT(*text, HasSubstr("# TYPE ionos_certificate_expiration_timestamp_seconds gauge\n"
                               "# UNIT ionos_certificate_expiration_timestamp_seconds seconds\n"
                               "ionos_certificate_expiration_timestamp_seconds{auto_certificate=\"auto a\","
                               "auto_certificate_id=\"a\",name=\"a2\",common_name=\"a.example.com\",status=\"active\"} "
                               "1780272000\n"
                               "ionos_certificate_expiration_timestamp_seconds{auto_certificate=\"auto a\","
                               "auto_certificate_id=\"a\",name=\"a1\",common_name=\"a.example.com\",status=\"superseded\"} "
                               "1780185600\n"
                               "ionos_certificate_expiration_timestamp_seconds{auto_certificate=\"auto b\","
                               "auto_certificate_id=\"b\",name=\"b1\",common_name=\"b.example.com\",status=\"active\"} "
                               "1780272001\n"));
  EXPECT_THAT(*text, HasSubstr("ionos_certificate_renewal_timestamp_seconds{auto_certificate=\"auto a\","
                               "auto_certificate_id=\"a\",name=\"a2\",common_name=\"a.example.com\",status=\"active\"} "
                               "1777680000\n"));
  EXPECT_THAT(*text, HasSubstr("# TYPE ionos_certificate_renewal_due gauge\n"
                               "ionos_certificate_renewal_due{auto_certificate=\"auto a\",auto_certificate_id=\"a\","
                               "common_name=\"a.example.com\"} 1\n"
                               "ionos_certificate_renewal_due{auto_certificate=\"auto b\",auto_certificate_id=\"b\","
                               "common_name=\"b.example.com\"} 0\n# EOF\n"));

  RenewTally tally;
  tally.renewed = 2;
  tally.failed = 1;
  Result<std::string> run = FormatOpenMetrics(RenewRunMetricFamilies(t, tally));
  ASSERT_TRUE(run.ok());
  EXPECT_THAT(*run, HasSubstr("ionos_renew_last_run_timestamp_seconds 1780272000\n"));
  EXPECT_THAT(*run, HasSubstr("ionos_renew_certificates{action=\"renewed\"} 2\n"
                              "ionos_renew_certificates{action=\"adopted\"} 0\n"
                              "ionos_renew_certificates{action=\"not_due\"} 0\n"
                              "ionos_renew_certificates{action=\"failed\"} 1\n"));
}

}  // namespace
}  // namespace ionos
