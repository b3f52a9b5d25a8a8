// In-process tests of data "ionos_served_certificate": the provider configured over a
// FakeWorld (scripted ACME CA, a real SQLite store, FakeClock), the endpoint a real TLS server on
// 127.0.0.1 (tests/fakes/tls_test_server.h) serving certificates the provider issued.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/lifecycle/account_manager.h"
#include "plugin/provider.h"
#include "tests/fakes/fake_services.h"
#include "tests/fakes/tls_test_server.h"

namespace ionos::tf {
namespace {

using fakes::FakeWorld;
using ::testing::HasSubstr;
using testing::TlsTestServer;

constexpr char kServed[] = "ionos_served_certificate";

class ServedCertificateDataSourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const Schema& s = provider_.schema();
    Value config = EmptyObject(s.block);
    config = WithAttr(config, "store", Value::String(world_.sqlite.url()));
    config = WithAttr(config, "token", Value::String("token"));
    config = WithAttr(config, "dns_api_url", Value::String("https://dns.test"));
    Diagnostics diags;
    provider_.Configure(config, diags);
    ASSERT_FALSE(diags.HasError());
    ProviderContext* ctx = provider_.context();
    ASSERT_NE(ctx, nullptr);
    AccountSpec spec{"acme", "admin@example.com", world_.ca.directory_url(), "ecdsa256", std::nullopt};
    Result<AccountRecord> account = ctx->accounts().Register(spec);
    ASSERT_TRUE(account.ok()) << account.status().ToString();
    AutoCertificateRecord r;
    r.provider_id = account->id;
    r.name = "www";
    r.common_name = "www.example.com";
    r.key_algorithm = "ecdsa256";
    r.renew_before_days = 30;
    r.grace_period_days = 30;
    r.settings.dns_api_url = "https://dns.test";
    Result<AutoCertificateView> view = ctx->certificates().Create(r);
    ASSERT_TRUE(view.ok()) << view.status().ToString();
    first_ = *view->newest;
    auto_id_ = view->record.id;
  }

  DataSource& Source() { return *provider_.data_source(kServed); }

  Value Config(const std::string& endpoint, std::map<std::string, Value> extra = {}) {
    Value v = EmptyObject(Source().schema().block);
    v = WithAttr(v, "endpoint", Value::String(endpoint));
    v = WithAttr(v, "server_name", Value::String("www.example.com"));
    v = WithAttr(v, "auto_certificate_id", Value::String(auto_id_));
    for (const auto& [k, x] : extra) v = WithAttr(v, k, x);
    return v;
  }

  std::unique_ptr<TlsTestServer> Serve(const CertificateRecord& c) {
    auto server = TlsTestServer::Start(TlsTestServer::Mode::kServe, c.certificate_pem + c.chain_pem, c.private_key_pem);
    EXPECT_TRUE(server.ok()) << server.status().ToString();
    return server.ok() ? std::move(server).value() : nullptr;
  }

  static std::string Endpoint(uint16_t port) { return "127.0.0.1:" + std::to_string(port); }

  FakeWorld world_;
  Provider provider_{world_.Factories(), &world_.clock, &world_.random, &world_.logger, &world_.cancel};
  CertificateRecord first_;
  std::string auto_id_;
};

TEST_F(ServedCertificateDataSourceTest, TellsTheNewestFromASupersededOne) {
  // Day 61 of 90: the renewal replaces the first certificate; the endpoint still serves it.
  world_.clock.Set(first_.not_before + std::chrono::hours(24 * 61));
  ASSERT_TRUE(provider_.context()->certificates().RenewIfDue(auto_id_).ok());
  const CertificateRecord newest = *provider_.context()->certificates().View(auto_id_)->newest;
  ASSERT_NE(newest.serial_number, first_.serial_number);

  struct Case {
    const char* name;
    const CertificateRecord* served;
    bool is_newest;
    int64_t days_remaining;
  } cases[] = {{"the superseded certificate", &first_, false, 29},
               {"the newest certificate", &newest, true, DaysUntil(newest.not_after, world_.clock.Now())}};
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    auto server = Serve(*c.served);
    ASSERT_NE(server, nullptr);
    Diagnostics diags;
    Value v = Source().Read(Config(Endpoint(server->port())), diags);
    ASSERT_FALSE(diags.HasError()) << (diags.items().empty() ? "" : diags.items()[0].detail);
    EXPECT_TRUE(diags.empty());
    EXPECT_EQ(GetString(v, "serial_number"), c.served->serial_number);
    EXPECT_EQ(GetString(v, "fingerprint_sha256"), c.served->fingerprint_sha256);
    EXPECT_EQ(GetString(v, "not_after"), FormatRfc3339(c.served->not_after));
    EXPECT_EQ(GetInt(v, "days_remaining"), c.days_remaining);
    EXPECT_EQ(GetStringList(v, "dns_names"), std::vector<std::string>{"www.example.com"});
    EXPECT_TRUE(v.GetAttr("reachable").as_bool());
    EXPECT_EQ(v.GetAttr("is_newest").as_bool(), c.is_newest);
    EXPECT_TRUE(v.GetAttr("is_known").as_bool());
    // The fake CA's root is in no trust store: described, not refused.
    EXPECT_FALSE(v.GetAttr("chain_verified").as_bool());
    EXPECT_FALSE(GetString(v, "verify_error").value_or("").empty());
  }
}

TEST_F(ServedCertificateDataSourceTest, WithoutAnAutoCertificateIsNewestAndIsKnownAreNull) {
  auto server = Serve(first_);
  ASSERT_NE(server, nullptr);
  Value config = WithAttr(Config(Endpoint(server->port())), "auto_certificate_id", Value::Null(Type::String()));
  Diagnostics diags;
  Value v = Source().Read(config, diags);
  ASSERT_FALSE(diags.HasError());
  EXPECT_TRUE(v.GetAttr("is_newest").is_null());
  EXPECT_TRUE(v.GetAttr("is_known").is_null());
  EXPECT_EQ(GetString(v, "serial_number"), first_.serial_number);
}

TEST_F(ServedCertificateDataSourceTest, AFailureIsAnErrorOnEndpointOrWithWarnOnFailureAWarning) {
  auto closed = TlsTestServer::Start(TlsTestServer::Mode::kRefuse);
  ASSERT_TRUE(closed.ok());
  const std::string endpoint = Endpoint((*closed)->port());
  {
    Diagnostics diags;
    Value v = Source().Read(Config(endpoint), diags);
    ASSERT_EQ(diags.items().size(), 1u);
    const Diagnostic& d = diags.items()[0];
    EXPECT_EQ(d.severity, Diagnostic::Severity::kError);
    EXPECT_EQ(d.summary, "Endpoint refused the connection");
    EXPECT_EQ(d.detail, endpoint + " (server name www.example.com): connection refused");
    ASSERT_TRUE(d.path.has_value());
    EXPECT_EQ(d.path->ToString(), "endpoint");
    EXPECT_TRUE(v.is_null());
  }
  {
    Diagnostics diags;
    Value v = Source().Read(Config(endpoint, {{"warn_on_failure", Value::Bool(true)}}), diags);
    ASSERT_EQ(diags.items().size(), 1u);
    EXPECT_EQ(diags.items()[0].severity, Diagnostic::Severity::kWarning);
    EXPECT_EQ(diags.items()[0].path->ToString(), "endpoint");
    EXPECT_FALSE(v.GetAttr("reachable").as_bool());
    EXPECT_FALSE(v.GetAttr("is_newest").as_bool());
    EXPECT_FALSE(v.GetAttr("is_known").as_bool());
    EXPECT_FALSE(v.GetAttr("chain_verified").as_bool());
    EXPECT_TRUE(v.GetAttr("serial_number").is_null());
    EXPECT_THAT(GetString(v, "verify_error").value_or(""), HasSubstr("connection refused"));
  }
}

TEST_F(ServedCertificateDataSourceTest, BadArgumentsNameTheirAttribute) {
  struct Case {
    const char* name;
    std::string attribute;
    Value value;
    const char* detail;
  } cases[] = {
      {"port out of range", "endpoint", Value::String("www.example.com:99999"), "host:port"},
      {"empty server name", "server_name", Value::String(""), "server_name is empty"},
      {"timeout not a duration", "timeout", Value::String("soon"), "soon"},
      {"timeout too long", "timeout", Value::String("1h"), "between 100ms and 5m"},
      {"not a certificate", "ca_certificates_pem", Value::String("-----BEGIN PRIVATE KEY-----\n"), ""},
      {"empty auto certificate id", "auto_certificate_id", Value::String(""), "leave it out"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    Value config = WithAttr(Config("127.0.0.1:1"), c.attribute, c.value);
    Diagnostics validated;
    Source().ValidateConfig(config, validated);
    ASSERT_TRUE(validated.HasError());
    EXPECT_EQ(validated.items()[0].path->ToString(), c.attribute);
    EXPECT_THAT(validated.items()[0].detail, HasSubstr(c.detail));
    Diagnostics read;
    EXPECT_TRUE(Source().Read(config, read).is_null());
    EXPECT_TRUE(read.HasError());
  }
  Diagnostics unknown_id;
  Source().Read(WithAttr(Config("127.0.0.1:1"), "auto_certificate_id", Value::String("no-such-id")), unknown_id);
  ASSERT_TRUE(unknown_id.HasError());
  EXPECT_EQ(unknown_id.items()[0].path->ToString(), "auto_certificate_id");
}

}  // namespace
}  // namespace ionos::tf
