#include "plugin/cli.h"

#include <algorithm>
#include <cctype>
#include <csignal>
#include <fstream>
#include <iterator>
#include <map>
#include <optional>
#include <set>

#include <nlohmann/json.hpp>

#include "core/base/strings.h"
#include "core/lifecycle/lifecycle.h"
#include "core/lifecycle/renewal_policy.h"
#include "core/store/deferred_store.h"
#include "core/store/key_sealing.h"
#include "core/store/postgres_url.h"
#include "core/store/store_copy.h"
#include "plugin/cli_metrics.h"

namespace ionos::tf {
namespace {

// ---------------------------------------------------------------- usage

struct CommandHelp {
  const char* name;
  const char* synopsis;
  const char* text;
};

const CommandHelp kCommands[] = {
    {"certificates", "certificates [--store URL] [--format text|json|openmetrics]",
     "Lists the accounts and every certificate in a store: name, auto certificate, status, key algorithm,\n"
     "expiry, days left and renewal date. --format json (or --json) prints the certificates as a JSON\n"
     "array; --format openmetrics prints ionos_certificate_expiration_timestamp_seconds and friends\n"
     "in the OpenMetrics text format, for Prometheus. Reads only: a store that does not exist is an\n"
     "error, never created.\n"},
    {"renew", "renew [--store URL] [--json] [--dry-run] [--metrics-file PATH]",
     "Renews every auto certificate in the store whose renewal is due (by the renewal window, or by the\n"
     "CA's renewal information where it offers ARI), with the account and settings it was issued with,\n"
     "under the same locks and rules as terraform apply; deletes certificates past their grace period;\n"
     "first removes challenge TXT records that interrupted runs left behind. Needs IONOS_TOKEN (the\n"
     "Cloud DNS API token) unless --dry-run. --dry-run changes nothing and reports what would be renewed.\n"
     "One line per auto certificate: ACTION: NAME (COMMON NAME), CERTIFICATE serial SERIAL, REASON, with\n"
     "ACTION renewed, adopted (another process renewed it meanwhile), not_due, failed or interrupted;\n"
     "with --dry-run due or not_due. --json prints one object per auto certificate (id, name,\n"
     "common_name, action, certificate_name, serial_number, reason, error, pruned).\n"
     "--metrics-file PATH writes, atomically, ionos_renew_last_run_timestamp_seconds,\n"
     "ionos_renew_certificates{action=...} and the certificates' expiry gauges after the run, for the\n"
     "node exporter's textfile collector (a PATH ending in .prom in its directory).\n"
     "Exit codes: 0 done; 1 a renewal failed (or the metrics file could not be written); 2 usage error;\n"
     "3 a certificate within 30 days of its expiry is due and was not renewed in this run; 130/143\n"
     "interrupted by SIGINT/SIGTERM (the renewal in flight stops and removes its challenge records; a\n"
     "second signal exits at once).\n"},
    {"store copy", "store copy --from URL --to URL [--from-key-file PATH] [--to-key-file PATH] [--dry-run]",
     "Copies accounts, auto certificates, every certificate with its key, pending DNS records and\n"
     "renewal information from one store to another (for example sqlite: to postgres://), keeping\n"
     "every id, so existing Terraform state works against the new store. Keys are re-encrypted\n"
     "with the destination's key. Refuses a destination that holds any of the ids.\n"
     "--dry-run writes nothing. Secrets never need the command line: the URLs from --from/--to, or\n"
     "--from-file/--to-file PATH, or IONOS_CERT_STORE_FROM/IONOS_CERT_STORE_TO; the keys from\n"
     "--from-key-file/--to-key-file PATH, or IONOS_CERT_STORE_FROM_KEY/IONOS_CERT_STORE_TO_KEY, else\n"
     "IONOS_CERT_STORE_KEY for both (--from-key/--to-key KEY work too, with a warning: command lines\n"
     "are visible to every user of the machine). Interrupted (SIGINT/SIGTERM), it removes what it\n"
     "had copied and exits 130/143.\n"},
    {"store rekey", "store rekey [--store URL] [--key-file PATH] [--new-key-file PATH | --new-key \"\"]",
     "Re-encrypts every private key in the store with a new store key, in one transaction\n"
     "(keys written while the store had no key are encrypted too). The current key: --key-file\n"
     "PATH, else IONOS_CERT_STORE_KEY. The new key: --new-key-file PATH, else\n"
     "IONOS_CERT_STORE_NEW_KEY; --new-key \"\" stores them unencrypted (--key/--new-key KEY work too,\n"
     "with a warning). Afterwards configure the new key (store_encryption_key /\n"
     "IONOS_CERT_STORE_KEY) everywhere the store is used.\n"},
    {"help", "help [COMMAND]", "Prints this text, or a command's (also COMMAND --help or -h).\n"},
    {"version", "version", "Prints the provider's version.\n"},
};

constexpr char kEnvironment[] =
    "Environment:\n"
    "  IONOS_CERT_STORE      the store when --store is not given (sqlite:PATH or postgres://...)\n"
    "  IONOS_CERT_STORE_KEY  base64 of the store's 32-byte encryption key, when it has one\n"
    "  IONOS_TOKEN           the IONOS Cloud API token (renew)\n"
    "  IONOS_CERT_NOW        testing aid: move the clock (RFC 3339); warned about on stderr\n";

bool IsHelpFlag(const std::string& a) { return a == "--help" || a == "-h"; }

// ---------------------------------------------------------------- flags

struct Flags {
  std::map<std::string, std::string> values;
  std::set<std::string> switches;
  std::vector<std::string> positional;
};

// Parses `args` from index `start`: value flags ("--store URL" or "--store=URL") and switches.
// An unknown flag or a missing value is a usage error naming it.
Result<Flags> ParseFlags(const std::vector<std::string>& args, size_t start, const std::set<std::string>& value_flags,
                         const std::set<std::string>& switches, bool allow_positional) {
  Flags out;
  for (size_t i = start; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a.rfind("--", 0) != 0) {
      if (!allow_positional) return InvalidArgumentError("unexpected argument \"" + a + "\"");
      out.positional.push_back(a);
      continue;
    }
    const size_t eq = a.find('=');
    const std::string name = a.substr(0, eq);
    if (value_flags.count(name) > 0) {
      if (eq != std::string::npos) {
        out.values[name] = a.substr(eq + 1);
      } else if (i + 1 < args.size()) {
        out.values[name] = args[++i];
      } else {
        return InvalidArgumentError("the flag " + name + " needs a value");
      }
    } else if (switches.count(name) > 0 && eq == std::string::npos) {
      out.switches.insert(name);
    } else {
      return InvalidArgumentError("unknown flag " + name);
    }
  }
  return out;
}

// An error: with --json one JSON object on stdout ({"error": ..., "exit_code": ...}), so that a
// job parsing the output gets an object in every case; otherwise "error: ..." on stderr, followed
// by the usage of `usage_of` for usage errors.
int Fail(CommandContext& ctx, bool json, int exit_code, const std::string& message,
         const std::optional<std::string>& usage_of = std::nullopt) {
  if (json) {
    nlohmann::ordered_json j;
    j["error"] = message;
    j["exit_code"] = exit_code;
    std::fputs((j.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n").c_str(), ctx.out);
    return exit_code;
  }
  std::fprintf(ctx.err, "error: %s\n", message.c_str());
  if (usage_of) std::fprintf(ctx.err, "\n%s", Usage(*usage_of).c_str());
  return exit_code;
}

int UsageError(CommandContext& ctx, bool json, const std::string& command, const std::string& message) {
  return Fail(ctx, json, 2, message, command);
}

bool Interrupted(const CommandContext& ctx) {
  return ctx.interruption != nullptr && ctx.interruption->cancel.cancelled();
}

const CancelToken* CancelOf(const CommandContext& ctx) {
  return ctx.interruption != nullptr ? &ctx.interruption->cancel : nullptr;
}

// What every command's Lifecycle is built with: the command's clock, randomness, log and
// interruption, its name in the user agent. Token and endpoints are the command's to add.
LifecycleOptions CommandLifecycleOptions(const CommandContext& ctx, const std::string& command) {
  LifecycleOptions o;
  o.version = IONOS_PROVIDER_VERSION;
  o.purpose = command;
  o.clock = ctx.clock;
  o.random = ctx.random;
  o.logger = ctx.log;
  o.cancel = CancelOf(ctx);
  return o;
}

// ---------------------------------------------------------------- stores

// A store URL and where it came from, for messages.
struct StoreSetting {
  std::string url;
  std::string named_by;
};

StoreSetting StoreUrl(CommandContext& ctx, const Flags& flags, const std::string& flag = "--store") {
  if (auto it = flags.values.find(flag); it != flags.values.end()) return {it->second, flag};
  const std::string env = ctx.env("IONOS_CERT_STORE");
  if (!env.empty()) return {env, "IONOS_CERT_STORE"};
  return {DefaultStoreUrl(), "the default store path (neither " + flag + " nor IONOS_CERT_STORE is set)"};
}

// A secret of a command (a store key, a store URL with a password) and where it came from. Each
// can be given as --FLAG-file PATH (the file's content, without trailing whitespace), in an
// environment variable, or as --FLAG VALUE; the last is accepted for scripts that already do so,
// with a warning: every user of the machine sees command lines (ps, /proc/PID/cmdline).
struct SecretSetting {
  std::string value;
  std::string source;  // "the file given by --key-file", "IONOS_CERT_STORE_KEY", "--key" (the flag itself)
  bool given = false;  // false: none of the ways was used
};

Result<SecretSetting> SecretOf(CommandContext& ctx, const Flags& flags, const std::string& flag,
                               const std::vector<std::string>& env_names, bool secret_on_command_line) {
  if (auto it = flags.values.find(flag + "-file"); it != flags.values.end()) {
    std::ifstream in(it->second);
    if (!in) {
      return InvalidArgumentError(flag + "-file: cannot read " + Quoted(it->second));
    }
    std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    while (!content.empty() && std::isspace(static_cast<unsigned char>(content.back()))) content.pop_back();
    return SecretSetting{content, "the file given by " + flag + "-file", true};
  }
  if (auto it = flags.values.find(flag); it != flags.values.end()) {
    if (secret_on_command_line) {
      std::fprintf(ctx.err,
                   "warning: %s puts a secret on the command line, where every user of this machine can read it "
                   "(ps); use %s-file PATH or %s instead\n",
                   flag.c_str(), flag.c_str(), env_names.empty() ? "the environment" : env_names.front().c_str());
    }
    return SecretSetting{it->second, flag, true};
  }
  for (const std::string& name : env_names) {
    const std::string value = ctx.env(name);
    if (!value.empty()) return SecretSetting{value, name, true};
  }
  return SecretSetting{"", env_names.empty() ? flag : env_names.back(), false};
}

// A store key and where it came from ("the key given by --key", "IONOS_CERT_STORE_KEY").
struct KeySetting {
  std::string base64;
  std::string source;
};

// The key of `flag` ("--key", "--from-key", "--to-key"): --FLAG-file, --FLAG (warned), the
// environment variables `env_names` in order, else IONOS_CERT_STORE_KEY.
Result<KeySetting> StoreKey(CommandContext& ctx, const Flags& flags, const std::string& flag,
                            std::vector<std::string> env_names = {}) {
  env_names.push_back("IONOS_CERT_STORE_KEY");
  const bool on_command_line = flags.values.count(flag) > 0 && !flags.values.at(flag).empty();
  IONOS_ASSIGN_OR_RETURN(SecretSetting key, SecretOf(ctx, flags, flag, env_names, on_command_line));
  return KeySetting{key.value, key.source == flag ? "the key given by " + flag : key.source};
}

// Opens an existing store (commands never create one: a mistyped path must not leave an empty
// store behind). An empty key: no store key.
Result<std::unique_ptr<Store>> OpenExistingStore(CommandContext& ctx, const StoreSetting& store,
                                                 const KeySetting& key) {
  StoreOptions opts;
  opts.clock = ctx.clock;
  opts.random = ctx.random;
  opts.must_exist = true;
  opts.key_source = key.source;
  if (!key.base64.empty()) {
    IONOS_ASSIGN_OR_RETURN_CTX(opts.encryption_key, ParseStoreEncryptionKey(key.base64), key.source);
  }
  IONOS_RETURN_IF_ERROR(ValidateStoreUrl(store.url).WithContext("the store named by " + store.named_by));
  Result<std::unique_ptr<Store>> opened = ctx.factories.open_store(store.url, opts);
  if (!opened.ok()) {
    return Status(opened.status().code(), opened.status().message() + "; the store is named by " + store.named_by);
  }
  for (const std::string& warning : (*opened)->Warnings()) {
    std::fprintf(ctx.err, "warning: %s\n", warning.c_str());
  }
  return opened;
}

// ---------------------------------------------------------------- certificates

int CertificatesCommand(const std::vector<std::string>& args, CommandContext& ctx) {
  Result<Flags> flags = ParseFlags(args, 1, {"--store", "--format", "--key-file"}, {"--json"}, false);
  // Errors are JSON objects when the output is JSON (--json, or --format json).
  bool json = std::find(args.begin(), args.end(), "--json") != args.end();
  for (size_t i = 1; i < args.size(); ++i) {
    json = json || args[i] == "--format=json" || (args[i] == "--format" && i + 1 < args.size() && args[i + 1] == "json");
  }
  if (!flags.ok()) return UsageError(ctx, json, "certificates", flags.status().message());
  std::string format_error;
  const auto format_flag = flags->values.find("--format");
  const std::optional<ListingFormat> format =
      ParseListingFormat(format_flag == flags->values.end() ? nullptr : &format_flag->second,
                         flags->switches.count("--json") > 0, &format_error);
  if (!format) return UsageError(ctx, json, "certificates", format_error);
  Result<KeySetting> key = StoreKey(ctx, *flags, "--key");
  if (!key.ok()) return UsageError(ctx, json, "certificates", key.status().message());
  Result<std::unique_ptr<Store>> store = OpenExistingStore(ctx, StoreUrl(ctx, *flags), *key);
  if (!store.ok()) return Fail(ctx, json, 1, store.status().message());
  // Listing issues nothing: the issuers are never asked for a client.
  Lifecycle lifecycle(store->get(), ctx.factories, CommandLifecycleOptions(ctx, "certificates"));
  Result<std::vector<CertificateListing>> rows = lifecycle.certificates().ListCertificates();
  Result<std::vector<AccountRecord>> accounts = (*store)->ListAccounts();
  if (!rows.ok() || !accounts.ok()) {
    return Fail(ctx, json, 1, (!rows.ok() ? rows.status() : accounts.status()).message());
  }
  if (Interrupted(ctx)) return 1;  // RunCommand turns it into 128 + the signal
  const TimePoint now = ctx.clock->Now();
  if (*format == ListingFormat::kOpenMetrics) {
    Result<std::string> metrics = CertificateMetricsText(*rows);
    if (!metrics.ok()) return Fail(ctx, json, 1, metrics.status().message());
    std::fputs(metrics->c_str(), ctx.out);
    return 0;
  }
  const std::string text = *format == ListingFormat::kJson ? FormatCertificateJson(*rows, now)
                                                           : FormatCertificateTable(*accounts, *rows, now);
  std::fputs(text.c_str(), ctx.out);
  return 0;
}

std::string Table(const std::vector<std::string>& headers, const std::vector<std::vector<std::string>>& cells) {
  std::vector<size_t> width(headers.size());
  for (size_t i = 0; i < headers.size(); ++i) width[i] = headers[i].size();
  for (const auto& row : cells) {
    for (size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], row[i].size());
  }
  auto line = [&](const std::vector<std::string>& row) {
    std::string out;
    for (size_t i = 0; i < row.size(); ++i) {
      out += row[i];
      if (i + 1 < row.size()) out += std::string(width[i] - row[i].size() + 2, ' ');
    }
    return out + "\n";
  };
  std::string out = line(headers);
  for (const auto& row : cells) out += line(row);
  return out;
}

// ---------------------------------------------------------------- renew

struct RenewRow {
  std::string id;
  std::string name;
  std::string common_name;
  // renewed, adopted, not_due, failed, interrupted; with --dry-run: due, not_due, failed
  std::string action;
  std::string certificate_name;
  std::string serial_number;
  std::string reason;
  std::string error;
  std::vector<std::string> pruned;
};

const char* ActionName(RenewOutcome::Action action) {
  switch (action) {
    case RenewOutcome::Action::kRenewed:
      return "renewed";
    case RenewOutcome::Action::kAdopted:
      return "adopted";
    case RenewOutcome::Action::kNotDue:
      return "not_due";
  }
  return "not_due";
}

int RenewCommand(const std::vector<std::string>& args, CommandContext& ctx) {
  Result<Flags> flags = ParseFlags(args, 1, {"--store", "--metrics-file", "--key-file"}, {"--json", "--dry-run"}, false);
  const bool json = std::find(args.begin(), args.end(), "--json") != args.end();
  if (!flags.ok()) return UsageError(ctx, json, "renew", flags.status().message());
  const bool dry_run = flags->switches.count("--dry-run") > 0;
  const std::string metrics_file = flags->values.count("--metrics-file") > 0 ? flags->values["--metrics-file"] : "";
  if (flags->values.count("--metrics-file") > 0 && (metrics_file.empty() || dry_run)) {
    return UsageError(ctx, json, "renew",
                      metrics_file.empty() ? "--metrics-file needs a path"
                                           : "--metrics-file records real runs; it cannot be combined with --dry-run");
  }
  const std::string token = ctx.env("IONOS_TOKEN");
  if (token.empty() && !dry_run) {
    return UsageError(ctx, json, "renew",
                      "IONOS_TOKEN is not set: renewing writes the DNS-01 challenge records through the IONOS Cloud "
                      "DNS API and needs its token");
  }
  // The DNS API comes from the environment like the token: never from the store's settings.
  Result<std::string> dns_api_url = CommandDnsApiUrl(ctx.env("IONOS_API_URL_DNS"));
  if (!dns_api_url.ok()) {
    return UsageError(ctx, json, "renew", "IONOS_API_URL_DNS: " + dns_api_url.status().message());
  }
  // So does the Certificate Manager API that auto certificates with publish = true upload to.
  Result<std::string> certificate_manager_url = CommandCertificateManagerUrl(ctx.env("IONOS_API_URL_CERT"));
  if (!certificate_manager_url.ok()) {
    return UsageError(ctx, json, "renew", "IONOS_API_URL_CERT: " + certificate_manager_url.status().message());
  }
  Result<KeySetting> key = StoreKey(ctx, *flags, "--key");
  if (!key.ok()) return UsageError(ctx, json, "renew", key.status().message());
  Result<std::unique_ptr<Store>> store = OpenExistingStore(ctx, StoreUrl(ctx, *flags), *key);
  if (!store.ok()) return Fail(ctx, json, 1, store.status().message());
  LifecycleOptions lo = CommandLifecycleOptions(ctx, "renew");
  lo.token = token;
  lo.dns_api_url = *dns_api_url;
  lo.certificate_manager_url = *certificate_manager_url;
  Lifecycle lifecycle(store->get(), ctx.factories, lo);
  CertificateManager& manager = lifecycle.certificates();
  Result<std::vector<AutoCertificateRecord>> autos = (*store)->ListAutoCertificates();
  if (!autos.ok()) return Fail(ctx, json, 1, autos.status().message());
  for (const std::string& url : OtherDnsApis(*autos, *dns_api_url)) {
    std::fprintf(ctx.err,
                 "warning: the store names the DNS API %s for some auto certificates; renew uses %s (%s) and "
                 "never sends the token to a URL read from the store\n",
                 url.c_str(), dns_api_url->c_str(),
                 ctx.env("IONOS_API_URL_DNS").empty() ? "the default; set IONOS_API_URL_DNS to change it"
                                                      : "IONOS_API_URL_DNS");
  }
  if (!dry_run) {
    // Whether anything is due or not: the challenge records of runs that were killed go first,
    // through each DNS API the store's auto certificates use.
    std::vector<IssuanceSettings> cleaned;
    for (const AutoCertificateRecord& a : *autos) {
      if (std::find(cleaned.begin(), cleaned.end(), a.settings) != cleaned.end()) continue;
      cleaned.push_back(a.settings);
      manager.CleanUpLeftovers(a.settings);
    }
  }
  std::vector<RenewRow> rows;
  bool failed = false;
  RenewTally tally;
  for (const AutoCertificateRecord& a : *autos) {
    if (Interrupted(ctx)) break;  // what is not started is not reported
    RenewRow row;
    row.id = a.id;
    row.name = a.name;
    row.common_name = a.common_name;
    if (dry_run) {
      // The decision the real run acts on (RenewIfDue), with the CA's renewal information asked for
      // but not stored.
      Result<RenewalPlan> plan = manager.PlanRenewal(a.id, RenewalInfoUse::kReadOnly);
      if (!plan.ok()) {
        row.action = "failed";
        row.error = plan.status().message();
        failed = true;
      } else {
        row.action = plan->due ? "due" : "not_due";
        row.reason = plan->reason;
        if (plan->view.newest) {
          row.certificate_name = plan->view.newest->name;
          row.serial_number = plan->view.newest->serial_number;
        }
        for (const CertificateState& c : plan->view.certificates) {
          if (c.prune_due) row.pruned.push_back(c.summary.name);
        }
      }
    } else {
      Result<RenewOutcome> outcome = manager.RenewIfDue(a.id);
      CountRenewOutcome(tally, a.id, outcome);
      if (!outcome.ok()) {
        const bool interrupted = Interrupted(ctx);
        row.action = interrupted ? "interrupted" : "failed";
        row.error = outcome.status().message();
        failed = failed || !interrupted;
      } else {
        row.action = ActionName(outcome->action);
        row.reason = outcome->reason;
        if (outcome->action == RenewOutcome::Action::kAdopted) {
          row.reason = "another process renewed it meanwhile";
        }
        if (outcome->view.newest) {
          row.certificate_name = outcome->view.newest->name;
          row.serial_number = outcome->view.newest->serial_number;
        }
        row.pruned = outcome->pruned;
        for (const std::string& w : outcome->warnings) std::fprintf(ctx.err, "warning: %s\n", w.c_str());
        if (!outcome->publish_status.ok()) {
          row.action = "failed";
          row.error = outcome->publish_status.message();
          failed = true;
        }
      }
    }
    rows.push_back(std::move(row));
  }
  if (json) {
    nlohmann::ordered_json arr = nlohmann::ordered_json::array();
    for (const RenewRow& r : rows) {
      nlohmann::ordered_json j;
      j["id"] = r.id;
      j["name"] = r.name;
      j["common_name"] = r.common_name;
      j["action"] = r.action;
      j["certificate_name"] = r.certificate_name;
      j["serial_number"] = r.serial_number;
      j["reason"] = r.reason;
      j["error"] = r.error.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(r.error);
      j["pruned"] = r.pruned;
      arr.push_back(std::move(j));
    }
    // Names, messages and serials may hold bytes that are not UTF-8 (a CA's answer in an error):
    // replaced, never a type_error that ends the command.
    std::fputs((arr.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n").c_str(), ctx.out);
  } else {
    for (const RenewRow& r : rows) {
      std::string line = r.action + ": " + r.name + " (" + r.common_name + ")";
      if (!r.error.empty()) {
        line += ": " + r.error;
      } else {
        if (!r.certificate_name.empty()) line += ", " + r.certificate_name + " serial " + r.serial_number;
        if (!r.reason.empty()) line += ", " + r.reason;
      }
      for (const std::string& p : r.pruned) {
        line += std::string(dry_run ? ", would delete " : ", deleted ") + p;
      }
      std::fprintf(ctx.out, "%s\n", line.c_str());
    }
    if (rows.empty() && !Interrupted(ctx)) {
      std::fprintf(ctx.out, "(no auto certificates in the store %s)\n", (*store)->Describe().c_str());
    }
  }
  if (dry_run) return failed ? 1 : 0;
  return FinishRenewRun(ctx, manager, tally, failed, metrics_file);
}

// ---------------------------------------------------------------- store

// store rekey: re-encrypts every private key with a new store key.
int RekeyCommand(const std::vector<std::string>& args, CommandContext& ctx) {
  Result<Flags> flags =
      ParseFlags(args, 2, {"--store", "--key", "--key-file", "--new-key", "--new-key-file"}, {}, false);
  if (!flags.ok()) return UsageError(ctx, false, "store rekey", flags.status().message());
  // The new key: --new-key-file, IONOS_CERT_STORE_NEW_KEY, or --new-key (warned); --new-key ""
  // (no secret) stores the keys unencrypted.
  const bool new_key_on_command_line = flags->values.count("--new-key") > 0 && !flags->values["--new-key"].empty();
  Result<SecretSetting> new_key =
      SecretOf(ctx, *flags, "--new-key", {"IONOS_CERT_STORE_NEW_KEY"}, new_key_on_command_line);
  if (!new_key.ok()) return UsageError(ctx, false, "store rekey", new_key.status().message());
  if (!new_key->given && flags->values.count("--new-key") == 0) {
    return UsageError(ctx, false, "store rekey",
                      "store rekey needs the new key (base64 of 32 bytes) in --new-key-file PATH or "
                      "IONOS_CERT_STORE_NEW_KEY; --new-key \"\" stores the keys unencrypted");
  }
  std::string raw_new_key;
  if (!new_key->value.empty()) {
    Result<std::string> parsed = ParseStoreEncryptionKey(new_key->value);
    if (!parsed.ok()) return UsageError(ctx, false, "store rekey", new_key->source + ": " + parsed.status().message());
    raw_new_key = *parsed;
  }
  Result<KeySetting> key = StoreKey(ctx, *flags, "--key");
  if (!key.ok()) return UsageError(ctx, false, "store rekey", key.status().message());
  Result<std::unique_ptr<Store>> store = OpenExistingStore(ctx, StoreUrl(ctx, *flags), *key);
  if (!store.ok()) return Fail(ctx, false, 1, store.status().message());
  // One transaction: interrupted before it starts nothing changes; once started it completes.
  if (Interrupted(ctx)) return 1;
  Result<KeyCounts> counts = (*store)->Rekey(raw_new_key);
  if (!counts.ok()) return Fail(ctx, false, 1, counts.status().message() + "\nnothing was changed.");
  std::fprintf(ctx.out, "re-encrypted the private keys of %s: %lld encrypted, %lld unencrypted.\n"
               "From now on use the new key: store_encryption_key / IONOS_CERT_STORE_KEY.\n",
               (*store)->Describe().c_str(), static_cast<long long>(counts->encrypted),
               static_cast<long long>(counts->plaintext));
  return 0;
}

// A store URL of store copy: --FLAG-file PATH, the environment variable `env_name`, or --FLAG (warned
// when the URL carries a password).
Result<StoreSetting> CopyStoreUrl(CommandContext& ctx, const Flags& flags, const std::string& flag,
                                  const std::string& env_name) {
  bool password_on_command_line = false;
  if (auto it = flags.values.find(flag); it != flags.values.end()) {
    Result<PostgresUrl> parsed = ParsePostgresUrl(it->second);  // an error for sqlite: URLs
    password_on_command_line = parsed.ok() && (!parsed->password.empty() || !parsed->Parameter("password").empty());
  }
  IONOS_ASSIGN_OR_RETURN(SecretSetting url, SecretOf(ctx, flags, flag, {env_name}, password_on_command_line));
  if (!url.given) {
    return InvalidArgumentError("store copy needs " + flag + " URL (or " + flag + "-file PATH, or " + env_name + ")");
  }
  return StoreSetting{url.value, url.source};
}

int CopyCommand(const std::vector<std::string>& args, CommandContext& ctx) {
  Result<Flags> flags = ParseFlags(args, 2,
                                   {"--from", "--from-file", "--to", "--to-file", "--from-key", "--from-key-file",
                                    "--to-key", "--to-key-file"},
                                   {"--dry-run"}, false);
  if (!flags.ok()) return UsageError(ctx, false, "store copy", flags.status().message());
  Result<StoreSetting> from_url = CopyStoreUrl(ctx, *flags, "--from", "IONOS_CERT_STORE_FROM");
  if (!from_url.ok()) return UsageError(ctx, false, "store copy", from_url.status().message());
  Result<StoreSetting> to_url = CopyStoreUrl(ctx, *flags, "--to", "IONOS_CERT_STORE_TO");
  if (!to_url.ok()) return UsageError(ctx, false, "store copy", to_url.status().message());
  Result<KeySetting> from_key = StoreKey(ctx, *flags, "--from-key", {"IONOS_CERT_STORE_FROM_KEY"});
  if (!from_key.ok()) return UsageError(ctx, false, "store copy", from_key.status().message());
  Result<KeySetting> to_key = StoreKey(ctx, *flags, "--to-key", {"IONOS_CERT_STORE_TO_KEY"});
  if (!to_key.ok()) return UsageError(ctx, false, "store copy", to_key.status().message());
  Result<std::unique_ptr<Store>> from = OpenExistingStore(ctx, *from_url, *from_key);
  if (!from.ok()) return Fail(ctx, false, 1, "the source store: " + from.status().message());
  // The destination may be new (a fresh PostgreSQL database or SQLite file).
  StoreOptions to_options;
  to_options.clock = ctx.clock;
  to_options.random = ctx.random;
  to_options.key_source = to_key->source;
  if (!to_key->base64.empty()) {
    Result<std::string> parsed = ParseStoreEncryptionKey(to_key->base64);
    if (!parsed.ok()) return UsageError(ctx, false, "store copy", to_key->source + ": " + parsed.status().message());
    to_options.encryption_key = *parsed;
  }
  if (Status valid = ValidateStoreUrl(to_url->url); !valid.ok()) {
    return UsageError(ctx, false, "store copy", to_url->named_by + ": " + valid.message());
  }
  if (Interrupted(ctx)) return 1;
  // A dry run creates nothing: a destination that does not exist yet reads as an empty store.
  const bool dry_run = flags->switches.count("--dry-run") > 0;
  Result<std::unique_ptr<Store>> to = dry_run ? OpenDeferredStore(ctx.factories.open_store, to_url->url, to_options)
                                              : ctx.factories.open_store(to_url->url, to_options);
  if (!to.ok()) return Fail(ctx, false, 1, "the destination store: " + to.status().message());
  StoreCopyOptions options;
  options.dry_run = dry_run;
  options.cancel = CancelOf(ctx);
  Result<StoreCopyReport> report = CopyStore(**from, **to, options);
  if (!report.ok()) return Fail(ctx, false, 1, report.status().message());
  std::fputs(FormatStoreCopyReport(*report).c_str(), ctx.out);
  return 0;
}

int StoreCommand(const std::vector<std::string>& args, CommandContext& ctx) {
  const std::string sub = args.size() > 1 ? args[1] : "";
  if (sub == "rekey") return RekeyCommand(args, ctx);
  if (sub == "copy") return CopyCommand(args, ctx);
  return UsageError(ctx, false, "store",
                    sub.empty() ? "store needs a subcommand (copy or rekey)"
                                : "unknown subcommand \"store " + sub + "\"");
}

// The command whose usage `args` asks for with --help/-h anywhere: "store copy" for
// `store copy --from x --help`.
std::string HelpTopic(const std::vector<std::string>& args) {
  if (args.size() > 1 && args[0] == "store" && (args[1] == "copy" || args[1] == "rekey")) {
    return "store " + args[1];
  }
  return args[0];
}

bool KnownTopic(const std::string& topic) {
  if (topic == "store") return true;
  for (const CommandHelp& c : kCommands) {
    if (topic == c.name) return true;
  }
  return false;
}

}  // namespace

// ---------------------------------------------------------------- public

bool Interruption::Trip(int signal_number) {
  int expected = 0;
  if (!signal.compare_exchange_strong(expected, signal_number)) return false;
  cancel.Cancel();
  return true;
}

int InterruptedExitCode(int signal_number) { return 128 + signal_number; }

std::vector<std::string> CommandNames() {
  std::vector<std::string> out;
  for (const CommandHelp& c : kCommands) out.push_back(c.name);
  return out;
}

std::string Usage(const std::string& command) {
  std::string out;
  if (command == "store") {
    out = "usage: terraform-provider-ionos store copy|rekey ...\n\n"
          "Maintenance of a store: copying it to another store, and changing its encryption key.\n";
    for (const CommandHelp& c : kCommands) {
      if (std::string(c.name).rfind("store ", 0) == 0) {
        out += std::string("\n  ") + c.synopsis + "\n";
        std::string text = c.text;
        for (size_t pos = 0; pos < text.size();) {
          const size_t nl = text.find('\n', pos);
          out += "      " + text.substr(pos, nl - pos) + "\n";
          pos = nl == std::string::npos ? text.size() : nl + 1;
        }
      }
    }
    return out + "\n" + kEnvironment;
  }
  for (const CommandHelp& c : kCommands) {
    if (command == c.name) {
      out = std::string("usage: terraform-provider-ionos ") + c.synopsis + "\n\n" + c.text;
      return out + "\n" + kEnvironment;
    }
  }
  out = "usage: terraform-provider-ionos COMMAND [FLAGS]\n\n"
        "Terraform starts this program as its provider plugin. For people and schedulers:\n\n";
  for (const CommandHelp& c : kCommands) {
    out += std::string("  ") + c.synopsis + "\n";
  }
  out += "\nRun `terraform-provider-ionos help COMMAND` (or COMMAND --help) for details.\n"
         "Exit codes: 0 success, 1 the work failed, 2 usage error, 130/143 interrupted (SIGINT/SIGTERM).\n\n";
  return out + kEnvironment;
}

namespace {

int Dispatch(const std::vector<std::string>& args, CommandContext& ctx) {
  const std::string command = args.empty() ? "" : args[0];
  if (command.empty()) {
    std::fputs(Usage().c_str(), ctx.err);
    return 2;
  }
  if (command == "help" || IsHelpFlag(command)) {
    std::string topic;
    for (size_t i = 1; i < args.size(); ++i) {
      if (IsHelpFlag(args[i])) continue;
      topic += (topic.empty() ? "" : " ") + args[i];
    }
    if (!topic.empty() && !KnownTopic(topic)) return UsageError(ctx, false, "", "unknown command \"" + topic + "\"");
    if (topic.empty() && command == "help" && std::any_of(args.begin() + 1, args.end(), IsHelpFlag)) topic = "help";
    std::fputs(Usage(topic).c_str(), ctx.out);
    return 0;
  }
  if (command == "--version") {
    std::fprintf(ctx.out, "terraform-provider-ionos %s\n", IONOS_PROVIDER_VERSION);
    return 0;
  }
  if (!KnownTopic(command)) return UsageError(ctx, false, "", "unknown command \"" + command + "\"");
  if (std::any_of(args.begin() + 1, args.end(), IsHelpFlag)) {
    std::fputs(Usage(HelpTopic(args)).c_str(), ctx.out);
    return 0;
  }
  if (command == "version") {
    std::fprintf(ctx.out, "terraform-provider-ionos %s\n", IONOS_PROVIDER_VERSION);
    return 0;
  }
  if (command == "certificates") return CertificatesCommand(args, ctx);
  if (command == "renew") return RenewCommand(args, ctx);
  if (command == "store") return StoreCommand(args, ctx);
  return UsageError(ctx, false, "", "unknown command \"" + command + "\"");
}

}  // namespace

int RunCommand(const std::vector<std::string>& args, CommandContext& ctx) {
  const int code = Dispatch(args, ctx);
  if (ctx.interruption != nullptr) {
    if (const int sig = ctx.interruption->signal.load(); sig != 0) {
      std::fprintf(ctx.err, "interrupted by %s (exit code %d): stopped, and what was in flight was undone\n",
                   sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : "a signal", InterruptedExitCode(sig));
      return InterruptedExitCode(sig);
    }
  }
  return code;
}

std::string FormatCertificateTable(const std::vector<AccountRecord>& accounts,
                                   const std::vector<CertificateListing>& rows, TimePoint now) {
  std::string out = "ACCOUNTS (certificate providers; import with terraform import ionos_certificate_provider.NAME ID)\n";
  if (accounts.empty()) {
    out += "(no accounts in the store)\n";
  } else {
    std::vector<std::vector<std::string>> cells;
    for (const AccountRecord& a : accounts) cells.push_back({a.id, a.name, a.email, a.server, a.status});
    out += Table({"ID", "NAME", "EMAIL", "SERVER", "STATUS"}, cells);
  }
  out += "\nCERTIFICATES\n";
  std::vector<std::vector<std::string>> cells;
  for (const auto& r : rows) {
    const CertificateSummary& c = r.state.summary;
    cells.push_back({c.name, r.auto_certificate_name.empty() ? c.auto_certificate_id : r.auto_certificate_name,
                     std::string(CertificateStatusName(r.state.status)) + (r.renewal_due ? " (renewal due)" : "") +
                         (r.state.prune_due ? " (deleted at the next apply)" : ""),
                     c.key_algorithm.empty() ? "-" : c.key_algorithm, r.profile.empty() ? "-" : r.profile,
                     FormatRfc3339(c.not_after), std::to_string(DaysUntil(c.not_after, now)),
                     FormatRfc3339(r.renewal.renew_at), r.published_id.empty() ? "-" : r.published_id});
  }
  out += Table({"NAME", "AUTO CERTIFICATE", "STATUS", "KEY", "PROFILE", "NOT AFTER", "DAYS LEFT", "RENEW AT", "PUBLISHED"},
               cells);
  if (rows.empty()) out += "(no certificates in the store)\n";
  return out;
}

std::string FormatCertificateJson(const std::vector<CertificateListing>& rows, TimePoint now) {
  nlohmann::ordered_json arr = nlohmann::ordered_json::array();
  for (const auto& r : rows) {
    const CertificateSummary& c = r.state.summary;
    nlohmann::ordered_json j;
    j["id"] = c.id;
    j["name"] = c.name;
    j["auto_certificate_id"] = c.auto_certificate_id;
    j["auto_certificate_name"] = r.auto_certificate_name;
    j["common_name"] = r.common_name;
    j["status"] = CertificateStatusName(r.state.status);
    j["key_algorithm"] = c.key_algorithm;
    j["profile"] = r.profile;
    j["serial_number"] = c.serial_number;
    j["not_after"] = FormatRfc3339(c.not_after);
    j["days_left"] = DaysUntil(c.not_after, now);
    j["renew_at"] = FormatRfc3339(r.renewal.renew_at);
    j["renewal_due"] = r.renewal_due;
    j["prune_due"] = r.state.prune_due;
    j["published_id"] = r.published_id.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(r.published_id);
    arr.push_back(std::move(j));
  }
  return arr.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
}

}  // namespace ionos::tf
