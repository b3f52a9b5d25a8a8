// In-process tests of the commands (plugin/cli.h) over a FakeWorld: the renew command's
// actions, output and exit codes where the end-to-end suite cannot make one
// renewal fail and another succeed in the same run.
#include "plugin/cli.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/lifecycle/account_manager.h"
#include "core/lifecycle/certificate_manager.h"
#include "tests/fakes/fake_services.h"
#include "plugin/cli_metrics.h"

namespace ionos::tf {
namespace {

using fakes::FakeWorld;
using fakes::TempDir;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::Not;

constexpr int64_t kDay = 24;

// What a command printed, through open_memstream.
class Captured {
 public:
  Captured() : file_(open_memstream(&data_, &size_)) {}
  ~Captured() {
    if (file_ != nullptr) std::fclose(file_);
    std::free(data_);
  }
  FILE* file() { return file_; }
  std::string text() {
    std::fflush(file_);
    return std::string(data_, size_);
  }

 private:
  char* data_ = nullptr;
  size_t size_ = 0;
  FILE* file_;
};

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    settings_.dns_api_url = "https://dns.test";
    lifecycle_ = std::make_unique<Lifecycle>(&world_.store, world_.Factories(), world_.LifecycleOptions(settings_));
    accounts_ = &lifecycle_->accounts();
    manager_ = &lifecycle_->certificates();
    AccountSpec spec{"acme", "admin@example.com", world_.ca.directory_url(), "ecdsa256", std::nullopt};
    Result<AccountRecord> account = accounts_->Register(spec);
    ASSERT_TRUE(account.ok()) << account.status().ToString();
    account_ = *account;
    env_ = {{"IONOS_CERT_STORE", "sqlite:/nonexistent/ignored-by-the-fake.db"}, {"IONOS_TOKEN", "token"}};
  }

  AutoCertificateView Create(const std::string& name, const std::string& cn, int64_t renew_before_days = 30) {
    AutoCertificateRecord r;
    r.provider_id = account_.id;
    r.name = name;
    r.common_name = cn;
    r.key_algorithm = "ecdsa256";
    r.renew_before_days = renew_before_days;
    r.grace_period_days = 30;
    r.settings = settings_;
    Result<AutoCertificateView> view = manager_->Create(r);
    EXPECT_TRUE(view.ok()) << view.status().ToString();
    return view.ok() ? *view : AutoCertificateView{};
  }

  void ExpectRenewalInterruptedBy(int signal, int exit_code);

  int Run(std::vector<std::string> args) {
    CommandContext ctx;
    ctx.clock = &world_.clock;
    ctx.random = &world_.random;
    ctx.log = &world_.logger;
    ctx.factories = world_.Factories();
    ctx.env = [this](const std::string& name) {
      auto it = env_.find(name);
      return it == env_.end() ? std::string() : it->second;
    };
    ctx.out = out_.file();
    ctx.err = err_.file();
    ctx.interruption = &interruption_;
    return RunCommand(args, ctx);
  }

  FakeWorld world_;
  IssuanceSettings settings_;
  std::unique_ptr<Lifecycle> lifecycle_;
  AccountManager* accounts_ = nullptr;
  CertificateManager* manager_ = nullptr;
  AccountRecord account_;
  std::map<std::string, std::string> env_;
  Captured out_;
  Captured err_;
  Interruption interruption_;
};

// A failed renewal of a certificate within 30 days of its expiry exits 3 (the alert),
// not 1.
TEST_F(CliTest, RenewRenewsWhatIsDueReportsWhatFailedAndExitsThreeNearExpiry) {
  const AutoCertificateView ok = Create("ok", "ok.example.com");
  const AutoCertificateView bad = Create("bad", "bad.example.com");
  const AutoCertificateView late = Create("late", "late.example.com", /*renew_before_days=*/10);
  // Day 61 of 90: "ok" and "bad" are due (30 days before expiry), "late" is not.
  world_.clock.Set(ok.certificates[0].summary.not_before + std::chrono::hours(61 * kDay));
  world_.ca.script.rejected_challenges["bad.example.com"] = "No TXT record found at _acme-challenge.bad.example.com";

  EXPECT_EQ(Run({"renew", "--json"}), 3) << err_.text();
  EXPECT_THAT(err_.text(), MatchesRegex("(.|\n)*warning: bad\\.example\\.com-[0-9T]+Z \\(bad\\) expires on [^\n]*, in 29 "
                                        "days and was not renewed in this run\n(.|\n)*"));
  EXPECT_THAT(err_.text(), Not(HasSubstr("warning: ok")));
  const nlohmann::json rows = nlohmann::json::parse(out_.text());
  ASSERT_TRUE(rows.is_array());
  std::map<std::string, nlohmann::json> by_name;
  for (const auto& r : rows) by_name[r["name"].get<std::string>()] = r;
  ASSERT_EQ(by_name.size(), 3u) << rows.dump(2);

  EXPECT_EQ(by_name["ok"]["action"], "renewed");
  EXPECT_EQ(by_name["ok"]["common_name"], "ok.example.com");
  EXPECT_TRUE(by_name["ok"]["error"].is_null());
  EXPECT_NE(by_name["ok"]["serial_number"], ok.newest->serial_number);
  EXPECT_THAT(by_name["ok"]["certificate_name"].get<std::string>(), MatchesRegex("ok\\.example\\.com-[0-9]{8}T[0-9]{6}Z.*"));

  EXPECT_EQ(by_name["bad"]["action"], "failed");
  EXPECT_THAT(by_name["bad"]["error"].get<std::string>(), HasSubstr("No TXT record found"));

  EXPECT_EQ(by_name["late"]["action"], "not_due");
  EXPECT_EQ(by_name["late"]["serial_number"], late.newest->serial_number);

  // The failed one kept its certificate; nothing half-written is left.
  Result<AutoCertificateView> after = manager_->View(bad.record.id);
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->newest->serial_number, bad.newest->serial_number);
  EXPECT_EQ(after->certificates.size(), 1u);
}

TEST_F(CliTest, RenewPrintsOneLinePerAutoCertificate) {
  const AutoCertificateView ok = Create("ok", "ok.example.com");
  Create("late", "late.example.com", /*renew_before_days=*/10);
  world_.clock.Set(ok.certificates[0].summary.not_before + std::chrono::hours(61 * kDay));

  EXPECT_EQ(Run({"renew"}), 0) << err_.text();
  const std::string out = out_.text();
  EXPECT_THAT(out, MatchesRegex("(.|\n)*renewed: ok \\(ok\\.example\\.com\\), ok\\.example\\.com-[0-9T]+Z[^\n]* serial "
                                "[^,]+, the renewal window has opened\n(.|\n)*"));
  EXPECT_THAT(out, MatchesRegex("(.|\n)*not_due: late \\(late\\.example\\.com\\), [^\n]*renewal is due from [^\n]*\n(.|\n)*"));
}

TEST_F(CliTest, RenewDryRunChangesNothing) {
  const AutoCertificateView ok = Create("ok", "ok.example.com");
  world_.clock.Set(ok.certificates[0].summary.not_before + std::chrono::hours(61 * kDay));
  world_.store.FailAlways("AddCertificate", InternalError("a dry run wrote a certificate"));
  world_.store.FailAlways("Lock", InternalError("a dry run took a lock"));
  env_.erase("IONOS_TOKEN");  // a dry run asks no DNS API

  EXPECT_EQ(Run({"renew", "--dry-run", "--json"}), 0) << err_.text();
  const nlohmann::json rows = nlohmann::json::parse(out_.text());
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0]["action"], "due");
  EXPECT_EQ(rows[0]["serial_number"], ok.newest->serial_number);
  EXPECT_EQ(world_.ca.count("newOrder"), 1) << "only the order of Create";
}

TEST_F(CliTest, RenewUsageErrorsExitTwo) {
  struct Case {
    const char* name;
    std::vector<std::string> args;
    bool token;
    const char* message;
  } cases[] = {
      {"unknown flag", {"renew", "--bogus"}, true, "unknown flag --bogus"},
      {"missing token", {"renew"}, false, "IONOS_TOKEN is not set"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    if (c.token) {
      env_["IONOS_TOKEN"] = "token";
    } else {
      env_.erase("IONOS_TOKEN");
    }
    EXPECT_EQ(Run(c.args), 2);
    EXPECT_THAT(err_.text(), HasSubstr(c.message));
  }
  EXPECT_EQ(world_.ca.count("newOrder"), 0);
}

// ---------------------------------------------------------------- metrics and exit 3

int64_t Epoch(TimePoint t) { return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count(); }

// The samples of one metric family in OpenMetrics text: "{labels}" -> value.
std::map<std::string, std::string> Samples(const std::string& text, const std::string& family) {
  std::map<std::string, std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(family + "{", 0) != 0 && line.rfind(family + " ", 0) != 0) continue;
    const size_t space = line.rfind(' ');
    out[line.substr(family.size(), space - family.size())] = line.substr(space + 1);
  }
  return out;
}

std::string ReadFile(const std::string& path) {
  std::ifstream f(path);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

TEST_F(CliTest, CertificatesInOpenMetricsGiveOneExpirationGaugePerCertificate) {
  const AutoCertificateView a = Create("alpha", "a.example.com");
  const AutoCertificateView b = Create("beta", "b.example.com", /*renew_before_days=*/10);
  world_.clock.Set(a.certificates[0].summary.not_before + std::chrono::hours(61 * kDay));
  ASSERT_TRUE(manager_->RenewIfDue(a.record.id).ok());
  const AutoCertificateView renewed = manager_->View(a.record.id).value();
  ASSERT_EQ(renewed.certificates.size(), 2u);

  EXPECT_EQ(Run({"certificates", "--format", "openmetrics"}), 0) << err_.text();
  const std::string text = out_.text();
  ASSERT_GE(text.size(), 6u);
  EXPECT_EQ(text.substr(text.size() - 6), "# EOF\n");
  auto labels = [](const AutoCertificateView& v, size_t i, const char* status) {
    return "{auto_certificate=\"" + v.record.name + "\",auto_certificate_id=\"" + v.record.id + "\",name=\"" +
           v.certificates[i].summary.name + "\",common_name=\"" + v.record.common_name + "\",status=\"" + status + "\"}";
  };
  const std::map<std::string, std::string> expected = {
      {labels(renewed, 0, "active"), std::to_string(Epoch(renewed.certificates[0].summary.not_after))},
      {labels(renewed, 1, "superseded"), std::to_string(Epoch(renewed.certificates[1].summary.not_after))},
      {labels(b, 0, "active"), std::to_string(Epoch(b.certificates[0].summary.not_after))},
  };
  EXPECT_EQ(Samples(text, "ionos_certificate_expiration_timestamp_seconds"), expected) << text;
  EXPECT_EQ(Samples(text, "ionos_certificate_renewal_due").size(), 2u) << text;
}

TEST_F(CliTest, CertificatesFormatFlags) {
  Create("alpha", "a.example.com");
  EXPECT_EQ(Run({"certificates", "--json"}), 0);
  const std::string json_alias = out_.text();
  EXPECT_EQ(Run({"certificates", "--format=json"}), 0);
  EXPECT_EQ(out_.text(), json_alias + json_alias) << "--format json prints what --json prints";
  // With --json (or --format json) the error is a JSON object on stdout, as for every command.
  struct Case {
    const char* name;
    std::vector<std::string> args;
    bool json_error;
    const char* message;
  } cases[] = {
      {"unknown format", {"certificates", "--format", "xml"}, false,
       "--format must be text, json or openmetrics, not \"xml\""},
      {"--json against another format", {"certificates", "--json", "--format", "openmetrics"}, true,
       "--json is --format json"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const size_t out_before = out_.text().size();
    EXPECT_EQ(Run(c.args), 2);
    if (c.json_error) {
      const nlohmann::json error = nlohmann::json::parse(out_.text().substr(out_before));
      EXPECT_THAT(error["error"].get<std::string>(), HasSubstr(c.message));
      EXPECT_EQ(error["exit_code"], 2);
    } else {
      EXPECT_THAT(err_.text(), HasSubstr(c.message));
    }
  }
}

TEST_F(CliTest, RenewWritesTheMetricsFileAndExitsThreeForACertificateItCouldNotRenew) {
  TempDir dir;
  const std::string path = dir.path() + "/ionos.prom";
  const AutoCertificateView ok = Create("ok", "ok.example.com");
  const AutoCertificateView bad = Create("bad", "bad.example.com");
  const AutoCertificateView late = Create("late", "late.example.com", /*renew_before_days=*/10);
  // Day 70 of 90: 20 days left. "late" (renewal due at 10 days) is on schedule.
  world_.clock.Set(ok.certificates[0].summary.not_before + std::chrono::hours(70 * kDay));
  world_.ca.script.rejected_challenges["bad.example.com"] = "No TXT record found at _acme-challenge.bad.example.com";

  EXPECT_EQ(Run({"renew", "--metrics-file", path}), 3) << err_.text();
  EXPECT_THAT(err_.text(), HasSubstr("warning: " + bad.newest->name + " (bad) expires on "));
  EXPECT_THAT(err_.text(), Not(HasSubstr("warning: " + late.newest->name)));
  const std::string text = ReadFile(path);
  EXPECT_EQ(Samples(text, "ionos_renew_certificates"),
            (std::map<std::string, std::string>{{"{action=\"renewed\"}", "1"},
                                                {"{action=\"adopted\"}", "0"},
                                                {"{action=\"not_due\"}", "1"},
                                                {"{action=\"failed\"}", "1"}}))
      << text;
  EXPECT_EQ(Samples(text, "ionos_renew_last_run_timestamp_seconds"),
            (std::map<std::string, std::string>{{"", std::to_string(Epoch(world_.clock.Now()))}}));
  EXPECT_EQ(Samples(text, "ionos_certificate_expiration_timestamp_seconds").size(), 4u)
      << "ok twice (renewed), bad and late once";
  EXPECT_EQ(text.substr(text.size() - 6), "# EOF\n");

  // Once every due certificate is renewed, nothing needs attention.
  world_.ca.script.rejected_challenges.clear();
  EXPECT_EQ(Run({"renew", "--metrics-file", path}), 0) << err_.text();
  EXPECT_EQ(Samples(ReadFile(path), "ionos_renew_certificates")["{action=\"renewed\"}"], "1");
}

TEST_F(CliTest, RenewMetricsFileProblems) {
  Create("ok", "ok.example.com");
  struct Case {
    const char* name;
    std::vector<std::string> args;
    int code;
    const char* message;
  } cases[] = {
      {"with --dry-run", {"renew", "--dry-run", "--metrics-file", "/tmp/x.prom"}, 2, "cannot be combined with --dry-run"},
      {"without a path", {"renew", "--metrics-file="}, 2, "--metrics-file needs a path"},
      {"a directory that does not exist", {"renew", "--metrics-file", "/nonexistent-dir/ionos.prom"}, 1,
       "error: the metrics file: writing /nonexistent-dir/ionos.prom: creating a temporary file in /nonexistent-dir"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(Run(c.args), c.code);
    EXPECT_THAT(err_.text(), HasSubstr(c.message));
  }
  EXPECT_FALSE(std::filesystem::exists("/tmp/x.prom"));
}

TEST_F(CliTest, EveryCommandAndSubcommandPrintsItsHelpAndExitsZero) {
  // Every way of asking, for every command in the top-level usage.
  std::vector<std::vector<std::string>> asks = {{"--help"}, {"-h"}, {"help"}, {"store", "--help"}};
  for (const std::string& name : CommandNames()) {
    std::vector<std::string> words;
    for (size_t pos = 0; pos <= name.size();) {
      const size_t space = name.find(' ', pos);
      words.push_back(name.substr(pos, space == std::string::npos ? std::string::npos : space - pos));
      if (space == std::string::npos) break;
      pos = space + 1;
    }
    for (const char* flag : {"--help", "-h"}) {
      std::vector<std::string> ask = words;
      ask.push_back(flag);
      asks.push_back(ask);
    }
    std::vector<std::string> help = {"help"};
    help.insert(help.end(), words.begin(), words.end());
    asks.push_back(help);
  }
  // --help among other flags, even invalid ones, still only prints the help.
  asks.push_back({"store", "copy", "--from", "sqlite:/x", "--help"});
  asks.push_back({"renew", "--bogus", "-h"});
  for (const auto& ask : asks) {
    std::string joined;
    for (const std::string& a : ask) joined += a + " ";
    SCOPED_TRACE(joined);
    Captured out;
    Captured err;
    CommandContext ctx;
    ctx.env = [](const std::string&) { return std::string(); };
    ctx.out = out.file();
    ctx.err = err.file();
    EXPECT_EQ(RunCommand(ask, ctx), 0) << err.text();
    EXPECT_THAT(out.text(), HasSubstr("usage: terraform-provider-ionos "));
    EXPECT_EQ(err.text(), "");
  }
  EXPECT_EQ(world_.ca.count("newOrder"), 0);
}

TEST_F(CliTest, TopLevelUsageListsEveryCommandAndSubcommandWithItsFlags) {
  const std::string usage = Usage();
  for (const std::string& name : CommandNames()) {
    EXPECT_THAT(usage, HasSubstr("  " + name)) << name;
  }
  EXPECT_THAT(usage,
              HasSubstr("store copy --from URL --to URL [--from-key-file PATH] [--to-key-file PATH] [--dry-run]"));
  EXPECT_THAT(usage, HasSubstr("store rekey [--store URL] [--key-file PATH] [--new-key-file PATH | --new-key \"\"]"));
  EXPECT_THAT(Usage("store copy"), HasSubstr("--dry-run writes nothing"));
}

TEST_F(CliTest, WithJsonErrorsAreJsonObjectsOnStdout) {
  struct Case {
    const char* name;
    std::vector<std::string> args;
    bool token;
    int exit_code;
    const char* message;
  } cases[] = {
      {"unknown flag", {"renew", "--json", "--bogus"}, true, 2, "unknown flag --bogus"},
      {"missing token", {"renew", "--json"}, false, 2, "IONOS_TOKEN is not set"},
      {"unknown flag of certificates", {"certificates", "--json", "--bogus"}, true, 2, "unknown flag --bogus"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    if (c.token) {
      env_["IONOS_TOKEN"] = "token";
    } else {
      env_.erase("IONOS_TOKEN");
    }
    Captured out;
    CommandContext ctx;
    ctx.env = [this](const std::string& name) {
      auto it = env_.find(name);
      return it == env_.end() ? std::string() : it->second;
    };
    ctx.factories = world_.Factories();
    ctx.out = out.file();
    ctx.err = err_.file();
    EXPECT_EQ(RunCommand(c.args, ctx), c.exit_code);
    const nlohmann::json j = nlohmann::json::parse(out.text());
    ASSERT_TRUE(j.is_object()) << out.text();
    EXPECT_THAT(j["error"].get<std::string>(), HasSubstr(c.message));
    EXPECT_EQ(j["exit_code"], c.exit_code);
  }
}

// The signal arrives once the challenge TXT record is live and the CA is asked to validate it.
void CliTest::ExpectRenewalInterruptedBy(int signal, int exit_code) {
  const AutoCertificateView cert = Create("www", "www.example.com");
  world_.clock.Set(cert.certificates[0].summary.not_before + std::chrono::hours(61 * kDay));
  world_.ca.on_request = [&](const std::string& endpoint) {
    if (endpoint == "challenge") interruption_.Trip(signal);
  };
  const int finalized = world_.ca.count("finalize");
  EXPECT_EQ(Run({"renew", "--json"}), exit_code) << err_.text();
  world_.ca.on_request = nullptr;
  const nlohmann::json rows = nlohmann::json::parse(out_.text());
  ASSERT_EQ(rows.size(), 1u) << rows.dump(2);
  EXPECT_EQ(rows[0]["action"], "interrupted");
  EXPECT_THAT(rows[0]["error"].get<std::string>(), HasSubstr("cancel"));
  EXPECT_THAT(err_.text(), HasSubstr("interrupted by"));
  EXPECT_EQ(world_.ca.count("finalize"), finalized) << "nothing was finalized after the signal";
  EXPECT_TRUE(world_.dns.records().empty()) << "the challenge TXT record was removed";
  Result<std::vector<PendingDnsRecord>> pending = world_.sqlite->ListPendingDnsRecords();
  ASSERT_TRUE(pending.ok());
  EXPECT_TRUE(pending->empty()) << "its note in the store was removed";
  Result<AutoCertificateView> after = manager_->View(cert.record.id);
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->newest->serial_number, cert.newest->serial_number) << "the certificate kept is unchanged";
}

TEST_F(CliTest, RenewInterruptedBySigtermMidIssuanceRemovesItsRecordsAndExits143) {
  ExpectRenewalInterruptedBy(SIGTERM, 143);
}

TEST_F(CliTest, RenewInterruptedBySigintMidIssuanceRemovesItsRecordsAndExits130) {
  ExpectRenewalInterruptedBy(SIGINT, 130);
}

TEST(InterruptionTest, OnlyTheFirstSignalTrips) {
  Interruption interruption;
  EXPECT_TRUE(interruption.Trip(SIGTERM));
  EXPECT_FALSE(interruption.Trip(SIGINT)) << "main() exits at once on the second";
  EXPECT_EQ(interruption.signal.load(), SIGTERM);
  EXPECT_TRUE(interruption.cancel.cancelled());
  EXPECT_EQ(InterruptedExitCode(SIGTERM), 143);
  EXPECT_EQ(InterruptedExitCode(SIGINT), 130);
}

}  // namespace
}  // namespace ionos::tf
