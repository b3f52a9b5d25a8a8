// PostgreSQL-only store tests, against a real server (tests/fakes/postgres_server.h; one per test
// binary, TLS on, a fresh database per test): URL forms, the libpq error mapping (wrong password,
// unreachable or silent server, missing database, missing permissions), TLS with verify-full, an
// outage the same Store recovers from, replaced connections, lock_timeout, a database that belongs
// to something else, the connection pool's bound, and round trips per call. No message may ever
// contain a password. The contract every backend honours is in core_store_test.cc.
#include "core/store/postgres_store.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/store/store.h"
#include "tests/fakes/fake_clock.h"
#include "tests/fakes/postgres_server.h"
#include "tests/fakes/tcp_proxy.h"
#include "tests/unit/store_test_support.h"

namespace ionos {
namespace {

using store_test::Backend;
using store_test::SampleAccount;
using store_test::SampleAutoCertificate;
using store_test::StoreLocation;
using store_test::T;

constexpr char kSecret[] = "hunter2-Secret";

// ------------------------------------------------------------------ URLs (no server)

TEST(PostgresUrlTest, AcceptedFormsTable) {
  struct Case {
    std::string url;
    std::string describe;
    std::string user;
    std::string password;
    std::string database;
    int64_t connect_timeout;
  };
  const std::vector<Case> cases = {
      {"postgres://app:hunter2-Secret@db.example:5432/certs?sslmode=verify-full&sslrootcert=/etc/ca.pem",
       "postgres://app@db.example:5432/certs", "app", kSecret, "certs", 10},
      {"postgresql://app:hunter2-Secret@db.example/certs", "postgresql://app@db.example/certs", "app", kSecret,
       "certs", 10},
      {"postgres://db.example/certs", "postgres://db.example/certs", "", "", "certs", 10},
      {"postgres://app@127.0.0.1:6543/certs?connect_timeout=3", "postgres://app@127.0.0.1:6543/certs", "app", "",
       "certs", 3},
      {"postgres://app:p%40ss%2Fw%3Ard@[::1]:5432/my%20db?sslmode=disable", "postgres://app@[::1]:5432/my db", "app",
       "p@ss/w:rd", "my db", 10},
      {"postgres://app:hunter2-Secret@h1:5432,h2:5433/certs?target_session_attrs=read-write",
       "postgres://app@h1:5432,h2:5433/certs", "app", kSecret, "certs", 10},
      {"postgres://a%40b:x@db.example/certs?application_name=ci&options=-c%20search_path%3Dcerts&keepalives=1",
       "postgres://a@b@db.example/certs", "a@b", "x", "certs", 10},
      {"postgres://app:hunter2-Secret@db.example/certs?sslmode=require&sslpassword=hunter2-Secret&password=x",
       "postgres://app@db.example/certs", "app", kSecret, "certs", 10},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.describe);
    EXPECT_TRUE(ValidateStoreUrl(c.url).ok()) << ValidateStoreUrl(c.url).ToString();
    Result<PostgresUrl> parsed = ParsePostgresUrl(c.url);
    ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
    EXPECT_EQ(parsed->Describe(), c.describe);
    EXPECT_EQ(parsed->Describe().find(kSecret), std::string::npos);
    EXPECT_EQ(parsed->user, c.user);
    EXPECT_EQ(parsed->password, c.password);
    EXPECT_EQ(parsed->database, c.database);
    EXPECT_EQ(parsed->connect_timeout.count(), c.connect_timeout);
  }
}

TEST(PostgresUrlTest, RejectedFormsTableNeverEchoThePassword) {
  struct Case {
    std::string url;
    std::string message_part;
  };
  const std::vector<Case> cases = {
      {"postgres://", "has no host"},
      {"postgres://app:hunter2-Secret@/certs", "has no host"},
      {"postgres://app:hunter2-Secret@db.example", "names no database"},
      {"postgres://app:hunter2-Secret@db.example/", "names no database"},
      {"postgres://app:hunter2-Secret@db.example:port/certs", "port that is not a number from 1 to 65535"},
      {"postgres://app:hunter2-Secret@db.example:0/certs", "port that is not a number"},
      {"postgres://app:hunter2-Secret@db.example:65536/certs", "port that is not a number"},
      {"postgres://app:hunter2-Secret@db.example:/certs", "port that is not a number"},
      {"postgres://app:hunter2-Secret@[::1/certs", "IPv6 host without its closing"},
      {"postgres://app:hunter2-Secret@db.example/certs?sslmode=requre",
       "unknown sslmode \"requre\"; sslmode must be one of disable, allow, prefer, require, verify-ca, verify-full"},
      {"postgres://app:hunter2-Secret@db.example/certs?sslmode=", "sslmode must be one of"},
      {"postgres://app:hunter2-Secret@db.example/certs?sslmod=require", "unknown query parameter \"sslmod\"; accepted: "},
      {"postgres://app:hunter2-Secret@db.example/certs?sslmode", "without \"=VALUE\""},
      {"postgres://app:hunter2-Secret@db.example/certs?connect_timeout=ten", "connect_timeout that is not a whole"},
      {"postgres://app:hunter2-Secret@db.example/certs?host=other", "write it in the URL itself"},
      {"postgres://app:hunter2-Secret@db.example/certs?dbname=other", "write it in the URL itself"},
      // A password with unencoded "/", "?" or "#" spills into another part: that part is never echoed.
      {"postgres://app:hunter2/Secret@db.example/certs", "has an \"@\" after the host; percent-encode"},
      {"postgres://app:hunter2?Secret@db.example/certs", "has an \"@\" after the host"},
      {"postgres://app:hunter2#Secret@db.example/certs", "has a \"#\""},
      {"postgres://app:hunter2%zzSecret@db.example/certs", "bad percent-encoding in the password"},
      {"postgres://app:hunter2%00Secret@db.example/certs", "NUL character in the password"},
      {"postgres://app:x@db.example/certs?hunter2/Secret=1", "unknown query parameter; accepted"},
      // A ?password= value with an unencoded "&": what follows is a piece of the password, and
      // nothing after a password parameter is echoed (before: "hunter2Secret" was quoted).
      {"postgres://app@db.example/certs?password=abc&hunter2Secret", "without \"=VALUE\" after a password"},
      {"postgres://app@db.example/certs?password=abc&hunter2Secret=1", "unknown query parameter after a password"},
      {"postgres://app@db.example/certs?sslpassword=abc&sslmode=hunter2Secret", "unknown sslmode; sslmode must"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.url);
    Status validated = ValidateStoreUrl(c.url);
    EXPECT_EQ(validated.code(), StatusCode::kInvalidArgument) << validated.ToString();
    EXPECT_NE(validated.message().find(c.message_part), std::string::npos) << validated.message();
    EXPECT_EQ(validated.message().find("hunter2"), std::string::npos) << "password echoed: " << validated.message();
    EXPECT_EQ(validated.message().find("Secret"), std::string::npos) << "password echoed: " << validated.message();
    Result<std::unique_ptr<Store>> store = OpenStore(c.url, StoreOptions{});
    ASSERT_FALSE(store.ok());
    EXPECT_EQ(store.status(), validated) << "OpenStore checks the URL the same way, before connecting";
  }
}

TEST(PostgresUrlTest, ValidationDoesNotConnect) {
  // Nothing listens at this address and the name does not resolve: validation must not care.
  EXPECT_TRUE(ValidateStoreUrl("postgres://app:x@no-such-host.invalid:1/certs?sslmode=verify-full").ok());
}

// A store that is not on this machine is reached over verified TLS unless the URL says otherwise,
// and a weaker mode for such a store is used but named with what it risks. Before: libpq's
// default prefer, never verified and silently plaintext.
TEST(PostgresUrlTest, TlsDefaultsToVerifyFullForAStoreOnAnotherMachineTable) {
  struct Case {
    std::string url;
    std::string sslmode;  // the sslmode handed to libpq ("" when none)
    std::string warning;  // a part of the one warning, "" for none
  };
  const std::vector<Case> cases = {
      {"postgres://app:x@db.example/certs", "verify-full", ""},
      {"postgres://app:x@10.1.2.3:5432/certs", "verify-full", ""},
      {"postgres://app:x@127.0.0.1/certs", "", ""},
      {"postgres://app:x@127.9.9.9/certs", "", ""},
      {"postgres://app:x@localhost/certs", "", ""},
      {"postgres://app:x@[::1]/certs", "", ""},
      {"postgres://app:x@%2Fvar%2Frun%2Fpostgresql/certs", "", ""},
      {"postgres://app:x@127.0.0.1,db.example/certs", "verify-full", ""},
      {"postgres://app:x@db.example/certs?sslmode=verify-full", "verify-full", ""},
      {"postgres://app:x@db.example/certs?sslmode=verify-ca", "verify-ca", "not against the host name"},
      {"postgres://app:x@db.example/certs?sslmode=require", "require", "the server is not verified"},
      {"postgres://app:x@db.example/certs?sslmode=prefer", "prefer", "in clear"},
      {"postgres://app:x@db.example/certs?sslmode=disable", "disable", "in clear"},
      {"postgres://app:x@127.0.0.1/certs?sslmode=disable", "disable", ""},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.url);
    Result<PostgresUrl> parsed = ParsePostgresUrl(c.url);
    ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
    EXPECT_EQ(parsed->Parameter("sslmode"), c.sslmode);
    if (c.warning.empty()) {
      EXPECT_TRUE(parsed->warnings.empty()) << parsed->warnings.front();
    } else {
      ASSERT_EQ(parsed->warnings.size(), 1u);
      EXPECT_NE(parsed->warnings[0].find(c.warning), std::string::npos) << parsed->warnings[0];
      EXPECT_NE(parsed->warnings[0].find("sslmode=verify-full"), std::string::npos) << parsed->warnings[0];
      EXPECT_NE(parsed->warnings[0].find(parsed->Describe()), std::string::npos) << parsed->warnings[0];
    }
  }
}

TEST(PostgresUrlTest, RoundTripTimeoutTable) {
  struct Case {
    std::string query;
    int64_t seconds;  // -1: refused
  };
  const std::vector<Case> cases = {
      {"", 60}, {"round_trip_timeout=5", 5}, {"round_trip_timeout=3600", 3600},
      {"round_trip_timeout=0", -1}, {"round_trip_timeout=5s", -1}, {"round_trip_timeout=-1", -1},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.query);
    Result<PostgresUrl> parsed = ParsePostgresUrl("postgres://app:x@127.0.0.1/certs" + (c.query.empty() ? "" : "?" + c.query));
    if (c.seconds < 0) {
      ASSERT_FALSE(parsed.ok());
      EXPECT_NE(parsed.status().message().find("round_trip_timeout"), std::string::npos) << parsed.status().message();
    } else {
      ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
      EXPECT_EQ(parsed->round_trip_timeout.count(), c.seconds);
    }
  }
}

// ------------------------------------------------------------------ against a server

void ExpectNoSecrets(const Status& status, const std::vector<std::string>& secrets) {
  for (const std::string& secret : secrets) {
    EXPECT_EQ(status.message().find(secret), std::string::npos) << "a secret in: " << status.message();
  }
}

class PostgresStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    location_ = StoreLocation::Make(Backend::kPostgres);
    ASSERT_NE(location_, nullptr);
    server_ = location_->server();
    secrets_ = {server_->password(), "nopriv-" + std::string(kSecret), "wrong-" + std::string(kSecret)};
  }

  StoreOptions Options(const std::string& key = "") {
    StoreOptions options;
    options.encryption_key = key;
    options.clock = &clock_;
    options.random = &random_;
    return options;
  }
  Result<std::unique_ptr<Store>> Open(const std::string& url) { return OpenStore(url, Options()); }
  std::unique_ptr<PostgresStore> MustOpenPostgres(const std::string& query = "") {
    Result<std::unique_ptr<PostgresStore>> store = PostgresStore::Open(server_->Url(database(), query), Options());
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    return store.ok() ? std::move(store).value() : nullptr;
  }
  const std::string& database() const { return location_->database(); }
  std::string Describe(const std::string& database, const std::string& user = "", int port = 0) const {
    return "postgres://" + (user.empty() ? server_->user() : user) + "@127.0.0.1:" +
           std::to_string(port != 0 ? port : server_->port()) + "/" + database;
  }
  // This test's database through `proxy`, with the password in the URL and the query `query`.
  std::string ProxiedUrl(const fakes::TcpProxy& proxy, const std::string& query) const {
    return "postgres://" + server_->user() + ":" + server_->password() + "@127.0.0.1:" + std::to_string(proxy.port()) +
           "/" + database() + "?" + query;
  }
  // A role that may log in and nothing more (unique per test).
  std::string MakeUnprivilegedRole() {
    const std::string name = "nopriv_" + database();
    Status created = server_->CreateRole(name, "nopriv-" + std::string(kSecret));
    EXPECT_TRUE(created.ok()) << created.ToString();
    return name;
  }
  // Connections the server has for this test's database (the store's pool).
  std::string SessionsOfDatabase(const std::string& extra_condition = "") {
    return location_->Query("SELECT count(*) FROM pg_stat_activity WHERE datname = '" + database() +
                            "' AND pid <> pg_backend_pid()" + extra_condition);
  }

  std::unique_ptr<StoreLocation> location_;
  fakes::PostgresServer* server_ = nullptr;
  std::vector<std::string> secrets_;
  fakes::FakeClock clock_{T("2026-11-23T01:17:15Z")};
  SystemRandom random_;
};

TEST_F(PostgresStoreTest, DescribeNamesSchemeUserHostPortAndDatabaseButNoPassword) {
  Result<std::unique_ptr<Store>> store = Open(server_->Url(database(), "sslmode=require&application_name=t"));
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  EXPECT_EQ((*store)->Describe(), Describe(database()));
  EXPECT_NE(dynamic_cast<PostgresStore*>(store->get()), nullptr) << "OpenStore dispatches postgres:// here";
  Result<std::unique_ptr<Store>> long_scheme = Open(
      "postgresql" + server_->Url(database()).substr(std::string("postgres").size()));
  ASSERT_TRUE(long_scheme.ok()) << long_scheme.status().ToString();
  EXPECT_EQ((*long_scheme)->Describe(), "postgresql" + Describe(database()).substr(std::string("postgres").size()));
}

TEST_F(PostgresStoreTest, WrongPasswordIsUnauthenticatedWithoutEchoingIt) {
  for (const char* sslmode : {"disable", "prefer"}) {
    SCOPED_TRACE(sslmode);
    Result<std::unique_ptr<Store>> store =
        Open(server_->UrlFor(server_->user(), "wrong-" + std::string(kSecret), database(),
                             std::string("sslmode=") + sslmode));
    ASSERT_FALSE(store.ok());
    EXPECT_EQ(store.status().code(), StatusCode::kUnauthenticated) << store.status().ToString();
    EXPECT_NE(store.status().message().find("password authentication failed for user \"" + server_->user() + "\""),
              std::string::npos)
        << store.status().message();
    EXPECT_NE(store.status().message().find(Describe(database())), std::string::npos) << store.status().message();
    const std::string m = store.status().message();
    EXPECT_EQ(m.find("password authentication failed"), m.rfind("password authentication failed"))
        << "said once, although sslmode=prefer tried twice: " << m;
    ExpectNoSecrets(store.status(), secrets_);
  }
}

TEST_F(PostgresStoreTest, PasswordMayComeFromTheEnvironmentInsteadOfTheUrl) {
  const char* old = std::getenv("PGPASSWORD");
  const std::optional<std::string> saved = old != nullptr ? std::optional<std::string>(old) : std::nullopt;
  setenv("PGPASSWORD", server_->password().c_str(), 1);
  const std::string url = "postgres://" + server_->user() + "@127.0.0.1:" + std::to_string(server_->port()) + "/" +
                          database();
  Result<std::unique_ptr<Store>> store = Open(url);
  if (saved.has_value()) {
    setenv("PGPASSWORD", saved->c_str(), 1);
  } else {
    unsetenv("PGPASSWORD");
  }
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  EXPECT_TRUE((*store)->ListAccounts().ok());
}

TEST_F(PostgresStoreTest, UnreachableHostIsUnavailableNamingTheStore) {
  // A loopback port nothing listens on: connection refused.
  Result<int> port = [] () -> Result<int> {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      close(fd);
      return InternalError("no free port");
    }
    close(fd);
    return static_cast<int>(ntohs(addr.sin_port));
  }();
  ASSERT_TRUE(port.ok());
  const std::string url = "postgres://" + server_->user() + ":" + server_->password() + "@127.0.0.1:" +
                          std::to_string(*port) + "/" + database();
  Result<std::unique_ptr<Store>> store = Open(url);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), StatusCode::kUnavailable) << store.status().ToString();
  const std::string describe = "postgres://" + server_->user() + "@127.0.0.1:" + std::to_string(*port) + "/" +
                               database();
  EXPECT_NE(store.status().message().find("cannot connect to the store " + describe), std::string::npos)
      << store.status().message();
  EXPECT_NE(store.status().message().find("Connection refused"), std::string::npos) << store.status().message();
  ExpectNoSecrets(store.status(), secrets_);
}

TEST_F(PostgresStoreTest, ServerThatNeverAnswersTimesOutAfterConnectTimeout) {
  // Accepts TCP connections (the kernel's backlog) but never says a word.
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  ASSERT_EQ(listen(fd, 8), 0);
  const std::string url = "postgres://" + server_->user() + ":" + server_->password() + "@127.0.0.1:" +
                          std::to_string(ntohs(addr.sin_port)) + "/" + database() + "?connect_timeout=1";
  Result<std::unique_ptr<Store>> store = Open(url);
  close(fd);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), StatusCode::kUnavailable) << store.status().ToString();
  EXPECT_NE(store.status().message().find("no answer within 1 s (connect_timeout)"), std::string::npos)
      << store.status().message();
  ExpectNoSecrets(store.status(), secrets_);
}

// A server that stops answering mid-session (a half-open connection after a failover, a NAT that
// dropped the flow): the call ends at round_trip_timeout with an error that names the store and
// never the password, and the next call works on a fresh connection. Before: PQexecParams waited
// for as long as TCP kept trying (hours with the kernel's defaults).
TEST_F(PostgresStoreTest, AStoreThatStopsAnsweringEndsTheCallAtItsDeadline) {
  fakes::TcpProxy proxy(server_->port());
  const std::string url = ProxiedUrl(proxy, "round_trip_timeout=1");
  Result<std::unique_ptr<Store>> store = Open(url);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  ASSERT_TRUE((*store)->ListAccounts().ok());

  proxy.Freeze(true);
  Result<std::vector<AccountRecord>> hung = (*store)->ListAccounts();
  ASSERT_FALSE(hung.ok());
  EXPECT_EQ(hung.status().code(), StatusCode::kUnavailable) << hung.status().ToString();
  const std::string describe = Describe(database(), "", proxy.port());
  EXPECT_NE(hung.status().message().find("no answer from the store " + describe + " within 1 s (round_trip_timeout)"),
            std::string::npos)
      << hung.status().message();
  ExpectNoSecrets(hung.status(), secrets_);

  proxy.Freeze(false);
  Result<std::vector<AccountRecord>> again = (*store)->ListAccounts();
  EXPECT_TRUE(again.ok()) << again.status().ToString();
}

// The CA has issued; the write that keeps the certificate goes out on a pooled connection whose
// answer never comes back (a failover or a NAT dropped it after the server acted). The insert is
// sent again on a fresh connection, finds its own row, and the certificate is stored exactly once.
// Before: the call failed, and the certificate and its key, only in memory, were gone.
TEST_F(PostgresStoreTest, AnIssuedCertificateSurvivesAnAnswerLostWithItsConnection) {
  fakes::TcpProxy proxy(server_->port());
  const std::string url = ProxiedUrl(proxy, "round_trip_timeout=1");
  Result<std::unique_ptr<Store>> store = Open(url);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  Result<AccountRecord> account = (*store)->CreateAccount(SampleAccount("lost"));
  ASSERT_TRUE(account.ok()) << account.status().ToString();
  Result<AutoCertificateRecord> ac = (*store)->CreateAutoCertificate(SampleAutoCertificate(account->id));
  ASSERT_TRUE(ac.ok()) << ac.status().ToString();
  const int connections_before = proxy.accepted();

  proxy.DropAnswersOfOpenConnections();
  CertificateRecord cert = store_test::SampleCertificate(clock_, ac->id, "1");
  Result<CertificateRecord> added = (*store)->AddCertificate(cert);
  ASSERT_TRUE(added.ok()) << added.status().ToString();
  EXPECT_GT(proxy.accepted(), connections_before) << "the insert went out again on a fresh connection";

  EXPECT_EQ(location_->Query("SELECT count(*) FROM certificates"), "1") << "stored once";
  EXPECT_EQ(location_->Query("SELECT id || ' ' || serial_number || ' ' || status FROM certificates"),
            added->id + " " + cert.serial_number + " active");
}

// A plain write whose answer is lost is not sent twice: it fails, naming the store.
TEST_F(PostgresStoreTest, APlainWriteWhoseAnswerIsLostIsNotRepeated) {
  fakes::TcpProxy proxy(server_->port());
  const std::string url = ProxiedUrl(proxy, "round_trip_timeout=1");
  Result<std::unique_ptr<Store>> store = Open(url);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  Result<AccountRecord> account = (*store)->CreateAccount(SampleAccount("plain"));
  ASSERT_TRUE(account.ok()) << account.status().ToString();
  const int connections_before = proxy.accepted();
  proxy.DropAnswersOfOpenConnections();
  Status deleted = (*store)->DeleteAccount(account->id);
  ASSERT_FALSE(deleted.ok());
  EXPECT_EQ(deleted.code(), StatusCode::kUnavailable) << deleted.ToString();
  EXPECT_NE(deleted.message().find("within 1 s (round_trip_timeout)"), std::string::npos) << deleted.message();
  EXPECT_EQ(proxy.accepted(), connections_before) << "a plain write is never sent twice";
}

// A pooled connection left idle for longer than kPostgresIdleCheckAfter, whose flow a NAT or load balancer
// then forgot in silence (the socket looks healthy until something is sent): a plain write, which
// is never sent twice, goes out on a connection that was checked first, and succeeds. Before: it
// went into the void and failed at round_trip_timeout.
TEST_F(PostgresStoreTest, AConnectionIdleForLongIsCheckedBeforeItCarriesAWrite) {
  fakes::TcpProxy proxy(server_->port());
  const std::string url = ProxiedUrl(proxy, "round_trip_timeout=1");
  Result<std::unique_ptr<Store>> store = Open(url);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  Result<AccountRecord> account = (*store)->CreateAccount(SampleAccount("idle"));
  ASSERT_TRUE(account.ok()) << account.status().ToString();
  const int connections_before = proxy.accepted();

  proxy.SilenceOpenConnections();
  clock_.Advance(kPostgresIdleCheckAfter + std::chrono::seconds(1));
  AutoCertificateRecord ac = SampleAutoCertificate(account->id);
  Result<AutoCertificateRecord> created = (*store)->CreateAutoCertificate(ac);
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  EXPECT_EQ(proxy.accepted(), connections_before + 1) << "the silent connection was replaced by one new one";
  EXPECT_EQ(location_->Query("SELECT count(*) FROM auto_certificates"), "1");
  Status deleted = (*store)->DeleteAccount(account->id);
  EXPECT_TRUE(deleted.ok()) << deleted.ToString();
}

// A connection idle for less than kPostgresIdleCheckAfter carries a write at once (one round trip); after
// longer, the write costs one round trip more (the check); a read is never checked (a read whose
// connection died is repeated on a fresh one anyway).
TEST_F(PostgresStoreTest, OnlyAWriteOnAConnectionIdleForLongCostsTheCheck) {
  std::unique_ptr<PostgresStore> store = MustOpenPostgres();
  ASSERT_NE(store, nullptr);
  AccountRecord account = SampleAccount();
  account.id = "acct";
  ASSERT_TRUE(store->CreateAccount(account).ok());
  // A write of one round trip: deleting what is not there.
  auto delete_absent = [&] {
    return store->DeleteCertificate("none").code() == StatusCode::kNotFound ? Status::Ok() : InternalError("deleted");
  };
  struct Case {
    const char* name;
    std::chrono::seconds idle;
    std::function<Status()> call;
    uint64_t round_trips;
  };
  const std::vector<Case> cases = {
      {"write, idle 1 s", std::chrono::seconds(1), delete_absent, 1},
      {"write, idle 6 s", kPostgresIdleCheckAfter + std::chrono::seconds(1), delete_absent, 2},
      {"read, idle 6 s", kPostgresIdleCheckAfter + std::chrono::seconds(1), [&] { return store->ListAccounts().status(); }, 1},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    clock_.Advance(c.idle);
    const uint64_t before = store->round_trips();
    const Status s = c.call();
    EXPECT_TRUE(s.ok()) << s.ToString();
    EXPECT_EQ(store->round_trips() - before, c.round_trips);
  }
  EXPECT_EQ(store->connections_opened(), 1u) << "a connection that answers the check is kept";
}

// Waiting for a pooled connection is bounded like a round trip: while every connection of the pool
// hangs (here each is still connecting to a server that never answers, for up to connect_timeout
// = 4 s), a further caller gives up after round_trip_timeout (1 s), naming the store and never the
// password, instead of queueing for as long as they hang.
TEST_F(PostgresStoreTest, WaitingForAPooledConnectionEndsAtRoundTripTimeout) {
  fakes::TcpProxy proxy(server_->port());
  const std::string url = ProxiedUrl(proxy, "round_trip_timeout=1&connect_timeout=4");
  Result<std::unique_ptr<Store>> store = Open(url);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  proxy.CloseOpenConnections();  // the idle connection of the open is gone: every call connects anew
  proxy.Freeze(true);
  const int before = proxy.accepted();
  std::atomic<int> hung_failed{0};
  std::vector<std::thread> hung;
  for (size_t i = 0; i < kPostgresStorePoolSize; ++i) {
    hung.emplace_back([&] {
      if (!(*store)->ListAccounts().ok()) ++hung_failed;
    });
  }
  // The barrier: every connection of the pool has reached the proxy and is connecting.
  while (proxy.accepted() < before + static_cast<int>(kPostgresStorePoolSize)) {
    std::this_thread::yield();
  }
  Result<std::vector<AccountRecord>> waited = (*store)->ListAccounts();
  ASSERT_FALSE(waited.ok());
  EXPECT_EQ(waited.status().code(), StatusCode::kUnavailable) << waited.status().ToString();
  const std::string describe = Describe(database(), "", proxy.port());
  EXPECT_NE(waited.status().message().find("no connection to the store " + describe + " came free within 1 s"),
            std::string::npos)
      << waited.status().message();
  ExpectNoSecrets(waited.status(), secrets_);
  for (std::thread& t : hung) {
    t.join();
  }
  EXPECT_EQ(hung_failed.load(), static_cast<int>(kPostgresStorePoolSize)) << "they ended at connect_timeout";
}

// Every connection of the store carries TCP keepalives and a TCP user timeout, read back from the
// kernel (the store's sockets are the ones connected to the proxy's port): a peer that vanished is
// noticed between calls too, and data that is never acknowledged ends the connection. The URL's
// own values win over the defaults (idle 10 s, interval 5 s, 3 probes, round_trip_timeout).
TEST_F(PostgresStoreTest, ConnectionsCarryKeepalivesAndATcpUserTimeout) {
  struct Case {
    std::string query;
    int idle;
    int interval;
    int count;
    unsigned int user_timeout_ms;
  };
  const std::vector<Case> cases = {
      {"round_trip_timeout=7", 10, 5, 3, 7000},
      {"round_trip_timeout=7&keepalives_idle=30&keepalives_interval=2&keepalives_count=9&tcp_user_timeout=2500", 30,
       2, 9, 2500},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.query);
    fakes::TcpProxy proxy(server_->port());
    Result<std::unique_ptr<Store>> store = Open(ProxiedUrl(proxy, c.query));
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    ASSERT_TRUE((*store)->ListAccounts().ok());
    int sockets = 0;
    for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) {
      const int fd = std::atoi(entry.path().filename().c_str());
      sockaddr_in peer{};
      socklen_t len = sizeof peer;
      if (getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &len) != 0 || peer.sin_family != AF_INET ||
          ntohs(peer.sin_port) != proxy.port()) {
        continue;
      }
      ++sockets;
      auto option = [fd](int level, int name) {
        unsigned int value = 0;
        socklen_t size = sizeof value;
        EXPECT_EQ(getsockopt(fd, level, name, &value, &size), 0);
        return value;
      };
      EXPECT_EQ(option(SOL_SOCKET, SO_KEEPALIVE), 1u);
      EXPECT_EQ(option(IPPROTO_TCP, TCP_KEEPIDLE), static_cast<unsigned int>(c.idle));
      EXPECT_EQ(option(IPPROTO_TCP, TCP_KEEPINTVL), static_cast<unsigned int>(c.interval));
      EXPECT_EQ(option(IPPROTO_TCP, TCP_KEEPCNT), static_cast<unsigned int>(c.count));
      EXPECT_EQ(option(IPPROTO_TCP, TCP_USER_TIMEOUT), c.user_timeout_ms);
    }
    EXPECT_EQ(sockets, 1) << "the store's one pooled connection";
  }
}

// A session advisory lock ends with its session (a server restart, idle_session_timeout, a
// terminated backend) and the holder is not told. StillHeld() asks the server about this
// session's lock. Before: nothing could tell, and the holder went on while another took the lock.
TEST_F(PostgresStoreTest, ALockWhoseSessionEndedIsNoLongerHeld) {
  std::unique_ptr<PostgresStore> first = MustOpenPostgres();
  std::unique_ptr<PostgresStore> second = MustOpenPostgres();
  ASSERT_NE(first, nullptr);
  ASSERT_NE(second, nullptr);
  Result<std::unique_ptr<StoreLock>> held = first->Lock("auto_certificate/x", LockOptions{});
  ASSERT_TRUE(held.ok()) << held.status().ToString();
  Result<bool> still = (*held)->StillHeld();
  ASSERT_TRUE(still.ok()) << still.status().ToString();
  EXPECT_TRUE(*still);
  Result<std::unique_ptr<StoreLock>> other_lock = first->Lock("auto_certificate/y", LockOptions{});
  ASSERT_TRUE(other_lock.ok());
  EXPECT_TRUE((*other_lock)->StillHeld().value()) << "each lock knows its own key";

  // The server ends the sessions holding advisory locks of this database.
  ASSERT_TRUE(location_->Query("SELECT count(pg_terminate_backend(pid)) FROM pg_locks WHERE locktype = 'advisory' "
                               "AND database = (SELECT oid FROM pg_database WHERE datname = '" +
                               database() + "')") != "0");
  still = (*held)->StillHeld();
  EXPECT_TRUE(!still.ok() || !*still) << "the lock ended with its session";

  LockOptions quick;
  quick.timeout = std::chrono::seconds(5);
  Result<std::unique_ptr<StoreLock>> taken = second->Lock("auto_certificate/x", quick);
  EXPECT_TRUE(taken.ok()) << "another process can take it now: " << taken.status().ToString();
}

TEST_F(PostgresStoreTest, MissingDatabaseIsNotFoundNamingIt) {
  Result<std::unique_ptr<Store>> store = Open(server_->Url("no_such_database"));
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), StatusCode::kNotFound) << store.status().ToString();
  EXPECT_NE(store.status().message().find("the database \"no_such_database\" does not exist"), std::string::npos)
      << store.status().message();
  EXPECT_NE(store.status().message().find(Describe("no_such_database")), std::string::npos);
  ExpectNoSecrets(store.status(), secrets_);
}

TEST_F(PostgresStoreTest, DatabaseWithoutPermissionsIsPermissionDeniedTable) {
  const std::string role = MakeUnprivilegedRole();
  const std::string role_password = "nopriv-" + std::string(kSecret);
  // A store made by its owner, which the role may connect to but not read.
  ASSERT_TRUE(Open(server_->Url(database())).ok());
  Result<std::string> empty = server_->CreateDatabase("empty");
  Result<std::string> closed = server_->CreateDatabase("closed");
  ASSERT_TRUE(empty.ok());
  ASSERT_TRUE(closed.ok());
  ASSERT_TRUE(server_->Exec("postgres", "REVOKE CONNECT ON DATABASE " + *closed + " FROM PUBLIC").ok());
  struct Case {
    const char* name;
    std::string database;
    std::string message_part;
  };
  const std::vector<Case> cases = {
      {"no CONNECT on the database", *closed, "permission denied for database \"" + *closed + "\""},
      {"no CREATE in the schema of a new store", *empty, "permission denied for schema public"},
      {"no privileges on an existing store", database(), "permission denied for table"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    Result<std::unique_ptr<Store>> store = Open(server_->UrlFor(role, role_password, c.database));
    ASSERT_FALSE(store.ok());
    EXPECT_EQ(store.status().code(), StatusCode::kPermissionDenied) << store.status().ToString();
    EXPECT_NE(store.status().message().find(c.message_part), std::string::npos) << store.status().message();
    EXPECT_NE(store.status().message().find(Describe(c.database, role)), std::string::npos)
        << store.status().message();
    ExpectNoSecrets(store.status(), secrets_);
  }
  EXPECT_EQ(location_->Query("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"), "8");
  EXPECT_EQ(*server_->Query(*empty, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"), "0")
      << "a refused migration leaves nothing behind";
}

TEST_F(PostgresStoreTest, TlsAsSslmodeSays) {
  const std::string ca = "sslrootcert=" + server_->ca_cert_path();
  struct Case {
    std::string query;
    bool ok;
    bool ssl;
    std::string message_part;
  };
  const std::vector<Case> cases = {
      {"sslmode=verify-full&" + ca, true, true, ""},
      {"sslmode=verify-ca&" + ca, true, true, ""},
      {"sslmode=require", true, true, ""},
      {"sslmode=prefer", true, true, ""},
      {"sslmode=disable", true, false, ""},
      {"sslmode=verify-full&sslrootcert=" + server_->other_ca_cert_path(), false, false, "certificate verify failed"},
      {"sslmode=verify-full&sslrootcert=" + location_->dir() + "/missing.pem", false, false, "root certificate file"},
  };
  int round = 0;
  for (const Case& c : cases) {
    SCOPED_TRACE(c.query);
    // Each case's sessions are told apart by application_name (a closed store's may linger a moment).
    const std::string application = "tls_case_" + std::to_string(round++);
    Result<std::unique_ptr<Store>> store = Open(server_->Url(database(), c.query + "&application_name=" + application));
    if (!c.ok) {
      ASSERT_FALSE(store.ok());
      EXPECT_EQ(store.status().code(), StatusCode::kFailedPrecondition) << store.status().ToString();
      EXPECT_NE(store.status().message().find(c.message_part), std::string::npos) << store.status().message();
      EXPECT_NE(store.status().message().find("sslmode and sslrootcert"), std::string::npos);
      ExpectNoSecrets(store.status(), secrets_);
      continue;
    }
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    ASSERT_TRUE((*store)->ListAccounts().ok());
    // The store keeps its connection open: the server tells whether it is encrypted.
    const std::string ssl_sessions = location_->Query(
        "SELECT count(*) FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) WHERE a.application_name = '" +
        application + "' AND s.ssl");
    EXPECT_EQ(ssl_sessions != "0", c.ssl) << ssl_sessions;
  }
}

TEST_F(PostgresStoreTest, OutageIsUnavailableAndTheSameStoreRecovers) {
  Result<std::unique_ptr<Store>> opened = Open(server_->Url(database()));
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  Store& store = **opened;
  auto account = store.CreateAccount(SampleAccount("outage"));
  ASSERT_TRUE(account.ok());

  ASSERT_TRUE(server_->Stop().ok());
  struct Restarter {  // the server is shared by the whole binary: always bring it back
    fakes::PostgresServer* server;
    ~Restarter() { EXPECT_TRUE(server->Restart().ok()); }
  } restarter{server_};

  const std::vector<std::pair<std::string, std::function<Status()>>> calls = {
      {"GetAccount", [&] { return store.GetAccount(account->id).status(); }},
      {"ListAccounts", [&] { return store.ListAccounts().status(); }},
      {"CreateAccount", [&] { return store.CreateAccount(SampleAccount("down")).status(); }},
      {"Lock", [&] { return store.Lock("auto_certificate/x", LockOptions{}).status(); }},
      {"OpenStore", [&] { return Open(server_->Url(database())).status(); }},
  };
  for (const auto& [name, call] : calls) {
    SCOPED_TRACE(name);
    const Status s = call();
    EXPECT_EQ(s.code(), StatusCode::kUnavailable) << s.ToString();
    EXPECT_NE(s.message().find(Describe(database())), std::string::npos) << s.message();
    ExpectNoSecrets(s, secrets_);
  }

  ASSERT_TRUE(server_->Restart().ok());
  auto got = store.GetAccount(account->id);
  EXPECT_TRUE(got.ok()) << "the same Store works again: " << got.status().ToString();
  EXPECT_TRUE(store.CreateAccount(SampleAccount("back")).ok());
  EXPECT_EQ(store.ListAccounts()->size(), 2u) << "nothing was written during the outage";
  EXPECT_TRUE(store.Lock("auto_certificate/x", LockOptions{}).ok());
}

TEST_F(PostgresStoreTest, ConnectionsEndedByTheServerAreReplaced) {
  std::unique_ptr<PostgresStore> store = MustOpenPostgres();
  ASSERT_NE(store, nullptr);
  auto account = store->CreateAccount(SampleAccount("replaced"));
  ASSERT_TRUE(account.ok());
  const uint64_t opened = store->connections_opened();
  // An administrator (or an idle timeout) ends every session of the store; wait for them to end.
  ASSERT_EQ(location_->Query("SELECT bool_and(pg_terminate_backend(pid, 10000)) FROM pg_stat_activity WHERE datname = '" +
                             database() + "' AND pid <> pg_backend_pid()"),
            "t");
  EXPECT_TRUE(store->CreateAccount(SampleAccount("write after")).ok()) << "a write goes to a new connection";
  EXPECT_TRUE(store->GetAccount(account->id).ok());
  EXPECT_GT(store->connections_opened(), opened);
}

TEST_F(PostgresStoreTest, WaitingForAnotherWritersTableLockIsBoundedByBusyTimeout) {
  StoreOptions options = Options();
  options.busy_timeout = std::chrono::milliseconds(200);
  Result<std::unique_ptr<Store>> store = OpenStore(server_->Url(database()), options);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  Result<std::unique_ptr<fakes::PostgresServer::Session>> holder = server_->Connect(database());
  ASSERT_TRUE(holder.ok()) << holder.status().ToString();
  ASSERT_TRUE((*holder)->Exec("BEGIN; LOCK TABLE accounts IN ACCESS EXCLUSIVE MODE").ok());
  Result<AccountRecord> created = (*store)->CreateAccount(SampleAccount());
  ASSERT_FALSE(created.ok());
  EXPECT_EQ(created.status().code(), StatusCode::kUnavailable) << created.status().ToString();
  EXPECT_NE(created.status().message().find("is locked by another process or thread (gave up after 200 ms)"),
            std::string::npos)
      << created.status().message();
  EXPECT_NE(created.status().message().find(Describe(database())), std::string::npos);
  ASSERT_TRUE((*holder)->Exec("ROLLBACK").ok());
  EXPECT_TRUE((*store)->CreateAccount(SampleAccount()).ok()) << "usable again once the lock is gone";
}

TEST_F(PostgresStoreTest, DatabaseOfSomethingElseIsRefusedAndLeftAlone) {
  location_->Exec("CREATE TABLE accounts (id integer PRIMARY KEY, owner text); INSERT INTO accounts VALUES (1, 'x')");
  Result<std::unique_ptr<Store>> store = Open(server_->Url(database()));
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), StatusCode::kFailedPrecondition) << store.status().ToString();
  EXPECT_NE(store.status().message().find("give the store a database of its own"), std::string::npos)
      << store.status().message();
  EXPECT_EQ(location_->Query("SELECT owner FROM accounts"), "x");
  EXPECT_EQ(location_->Query("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"), "1") << "nothing created";
}

TEST_F(PostgresStoreTest, PoolKeepsAtMostItsSizeOfConnections) {
  std::unique_ptr<PostgresStore> store = MustOpenPostgres();
  ASSERT_NE(store, nullptr);
  auto ac = store->CreateAutoCertificate(SampleAutoCertificate());
  ASSERT_TRUE(ac.ok());
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 16; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 25; ++i) {
        if (!store->GetAutoCertificate(ac->id).ok() || !store->ListCertificates(ac->id).ok()) {
          ++failures;
        }
      }
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  EXPECT_EQ(failures.load(), 0);
  EXPECT_LE(store->connections_opened(), kPostgresStorePoolSize);
  EXPECT_LE(std::stoul(SessionsOfDatabase()), kPostgresStorePoolSize);
}

// Times travel as RFC 3339 text and come back from timestamptz columns as the session prints them:
// the store's own session settings (UTC, ISO) win over a URL's options, so every record reads back
// exactly as it was written.
// What a session prints for a timestamptz when a connection pooler dropped the store's TimeZone
// setting: still read as the instant it is.
TEST(PostgresTimestampTest, IsoTextInAnyTimeZoneTable) {
  struct Case {
    const char* printed;
    const char* rfc3339;
  };
  for (const Case& c : std::vector<Case>{
           {"2026-01-02 03:04:05+00", "2026-01-02T03:04:05Z"},
           {"2026-01-02 04:04:05+01", "2026-01-02T04:04:05+01:00"},
           {"2026-01-01 22:04:05-05", "2026-01-01T22:04:05-05:00"},
           {"2026-01-02 08:34:05+05:30", "2026-01-02T08:34:05+05:30"},
           {"2026-01-02 03:04:05.25+00", "2026-01-02T03:04:05.25Z"},
           {"02.01.2026 03:04:05 UTC", "02.01.2026 03:04:05 UTC"},  // German DateStyle: left as it is
       }) {
    const std::string got = Rfc3339FromPostgresTimestamp(c.printed);
    EXPECT_EQ(got, c.rfc3339) << c.printed;
    if (got.find("UTC") == std::string::npos) {
      Result<TimePoint> t = ParseRfc3339(got);
      ASSERT_TRUE(t.ok()) << t.status().ToString();
      EXPECT_EQ(std::chrono::floor<std::chrono::seconds>(*t), T("2026-01-02T03:04:05Z")) << c.printed;
    }
  }
}

TEST_F(PostgresStoreTest, TimesReadBackTheSameWhateverTimeZoneAndDateStyleTheUrlAsksFor) {
  std::unique_ptr<PostgresStore> store =
      MustOpenPostgres("options=-c%20TimeZone%3DAmerica%2FNew_York%20-c%20DateStyle%3DGerman%2CDMY");
  ASSERT_NE(store, nullptr);
  Result<AccountRecord> created = store->CreateAccount(SampleAccount());
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  EXPECT_EQ(created->created_at, T("2026-11-23T01:17:15Z"));
  Result<AccountRecord> read = store->GetAccount(created->id);
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_EQ(read->created_at, created->created_at);
  EXPECT_EQ(read->updated_at, created->updated_at);
  EXPECT_EQ(location_->Query("SELECT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') FROM accounts"),
            "2026-11-23 01:17:15")
      << "kept as the instant it is";
}

TEST_F(PostgresStoreTest, RoundTripsPerCallTable) {
  std::unique_ptr<PostgresStore> first = MustOpenPostgres();  // migrates
  ASSERT_NE(first, nullptr);
  first.reset();
  std::unique_ptr<PostgresStore> store = MustOpenPostgres();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->round_trips(), 1u) << "opening a current store: one schema check";
  EXPECT_EQ(store->connections_opened(), 1u);

  AccountRecord account = SampleAccount();
  account.id = "acct";
  AutoCertificateRecord ac = SampleAutoCertificate("acct");
  ac.id = "ac";
  CertificateRecord cert = store_test::SampleCertificate(clock_, "ac", "1");
  cert.id = "cert";
  PendingDnsRecord pending;
  pending.id = "pending";
  std::unique_ptr<StoreLock> lock;
  struct Case {
    const char* name;
    std::function<Status()> call;
    uint64_t round_trips;
  };
  const std::vector<Case> cases = {
      {"CreateAccount", [&] { return store->CreateAccount(account).status(); }, 1},
      {"GetAccount", [&] { return store->GetAccount("acct").status(); }, 1},
      {"UpdateAccount (in a transaction: it decrypts)", [&] { return store->UpdateAccount(account).status(); }, 3},
      {"ListAccounts", [&] { return store->ListAccounts().status(); }, 1},
      {"CreateAutoCertificate", [&] { return store->CreateAutoCertificate(ac).status(); }, 1},
      {"UpdateAutoCertificate", [&] { return store->UpdateAutoCertificate(ac).status(); }, 1},
      {"ListAutoCertificates", [&] { return store->ListAutoCertificates().status(); }, 1},
      {"AddCertificate", [&] { return store->AddCertificate(cert).status(); }, 1},
      {"PutRenewalInfo", [&] { return store->PutRenewalInfo(store_test::SampleRenewalInfo("cert", clock_.Now())); }, 1},
      {"View: GetAutoCertificate + ListCertificates + GetCertificate + GetRenewalInfo",
       [&]() -> Status {
         IONOS_RETURN_IF_ERROR(store->GetAutoCertificate("ac").status());
         IONOS_RETURN_IF_ERROR(store->ListCertificates("ac").status());
         IONOS_RETURN_IF_ERROR(store->GetCertificate("cert").status());
         return store->GetRenewalInfo("cert").status();
       },
       4},
      {"GetAutoCertificateSnapshot (the same in one)",
       [&] { return store->GetAutoCertificateSnapshot("ac").status(); }, 1},
      {"ListAllCertificates", [&] { return store->ListAllCertificates().status(); }, 1},
      {"NotePendingDnsRecord", [&] { return store->NotePendingDnsRecord(pending).status(); }, 1},
      {"SetPendingDnsRecordId", [&] { return store->SetPendingDnsRecordId("pending", "r"); }, 1},
      {"ListPendingDnsRecords", [&] { return store->ListPendingDnsRecords().status(); }, 1},
      {"RemovePendingDnsRecord", [&] { return store->RemovePendingDnsRecord("pending"); }, 1},
      {"Lock (free)",
       [&]() -> Status {
         IONOS_ASSIGN_OR_RETURN(lock, store->Lock("auto_certificate/ac", LockOptions{}));
         return Status::Ok();
       },
       1},
      {"unlock", [&] { lock.reset(); return Status::Ok(); }, 1},
      {"DeleteCertificate", [&] { return store->DeleteCertificate("cert"); }, 1},
      {"WasDeleted", [&] { return store->WasDeleted("certificate", "cert").status(); }, 1},
      {"DeleteAutoCertificate", [&] { return store->DeleteAutoCertificate("ac"); }, 1},
      {"DeleteAccount", [&] { return store->DeleteAccount("acct"); }, 1},
      {"GetAccount (not found)", [&] { return store->GetAccount("acct").ok() ? InternalError("found") : Status::Ok(); },
       1},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const uint64_t before = store->round_trips();
    const Status s = c.call();
    EXPECT_TRUE(s.ok()) << s.ToString();
    EXPECT_EQ(store->round_trips() - before, c.round_trips);
  }
  EXPECT_EQ(store->connections_opened(), 1u) << "one connection serves calls made one after another, locks included";
}

}  // namespace
}  // namespace ionos
