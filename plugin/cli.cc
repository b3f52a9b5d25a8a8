#include "plugin/cli.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include <nlohmann/json.hpp>

#include "core/crypto/aead.h"
#include "core/lifecycle/renewal_policy.h"
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
     "in the OpenMetrics text format, for Prometheus.\n"},
    {"renew", "renew [--store URL] [--json] [--dry-run] [--metrics-file PATH]",
     "Renews every auto certificate in the store whose renewal is due (by the renewal window, or by the\n"
     "CA's renewal information where it offers ARI), with the account and settings it was issued with,\n"
     "under the same locks and rules as terraform apply; deletes certificates past their grace period.\n"
     "Needs IONOS_TOKEN (the Cloud DNS API token) unless --dry-run. --dry-run changes nothing and\n"
     "reports what would be renewed. --json prints one object per auto certificate.\n"
     "--metrics-file PATH writes, atomically, ionos_renew_last_run_timestamp_seconds,\n"
     "ionos_renew_certificates{action=...} and the certificates' expiry gauges after the run, for the\n"
     "node exporter's textfile collector (a PATH ending in .prom in its directory).\n"
     "Exit codes: 0 nothing failed; 1 a renewal failed (or the metrics file could not be written);\n"
     "2 usage; 3 a certificate within 30 days of its expiry is due and was not renewed in this run.\n"},
    {"store", "store copy --from URL --to URL [--from-key KEY] [--to-key KEY] [--dry-run] | store rekey ...",
     "Maintenance of a store: copying it to another store, and changing its encryption key.\n"},
    {"help", "help [COMMAND]", "Prints this text, or a command's.\n"},
    {"version", "version", "Prints the provider's version.\n"},
};

constexpr char kEnvironment[] =
    "Environment:\n"
    "  IONOS_CERT_STORE      the store when --store is not given (sqlite:PATH or postgres://...)\n"
    "  IONOS_CERT_STORE_KEY  base64 of the store's 32-byte encryption key, when it has one\n"
    "  IONOS_TOKEN           the IONOS Cloud API token (renew)\n"
    "  IONOS_CERT_NOW        testing aid: move the clock (RFC 3339)\n";

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

int UsageError(CommandContext& ctx, const std::string& command, const std::string& message) {
  std::fprintf(ctx.err, "error: %s\n\n%s", message.c_str(), Usage(command).c_str());
  return 2;
}

// ---------------------------------------------------------------- stores

std::string StoreUrl(CommandContext& ctx, const Flags& flags, const std::string& flag = "--store") {
  if (auto it = flags.values.find(flag); it != flags.values.end()) return it->second;
  const std::string env = ctx.env("IONOS_CERT_STORE");
  return env.empty() ? DefaultStoreUrl() : env;
}

// Opens an existing store (commands never create one: a mistyped path must not leave an empty
// store behind). `key_base64` empty: no store key.
Result<std::unique_ptr<Store>> OpenExistingStore(CommandContext& ctx, const std::string& url,
                                                 const std::string& key_base64, const char* key_source) {
  StoreOptions opts;
  opts.clock = ctx.clock;
  opts.random = ctx.random;
  opts.must_exist = true;
  if (!key_base64.empty()) {
    IONOS_ASSIGN_OR_RETURN_CTX(opts.encryption_key, ParseStoreEncryptionKey(key_base64), key_source);
  }
  IONOS_RETURN_IF_ERROR(ValidateStoreUrl(url));
  return ctx.factories.open_store(url, opts);
}

// ---------------------------------------------------------------- certificates

int CertificatesCommand(const std::vector<std::string>& args, CommandContext& ctx) {
  Result<Flags> flags = ParseFlags(args, 1, {"--store", "--format"}, {"--json"}, false);
  if (!flags.ok()) return UsageError(ctx, "certificates", flags.status().message());
  std::string format_error;
  const auto format_flag = flags->values.find("--format");
  const std::optional<ListingFormat> format =
      ParseListingFormat(format_flag == flags->values.end() ? nullptr : &format_flag->second,
                         flags->switches.count("--json") > 0, &format_error);
  if (!format) return UsageError(ctx, "certificates", format_error);
  Result<std::unique_ptr<Store>> store =
      OpenExistingStore(ctx, StoreUrl(ctx, *flags), ctx.env("IONOS_CERT_STORE_KEY"), "IONOS_CERT_STORE_KEY");
  if (!store.ok()) {
    std::fprintf(ctx.err, "error: %s\n", store.status().message().c_str());
    return 1;
  }
  // Listing issues nothing: the manager's issuers are never asked for a client.
  Issuers issuers(ServiceFactories{}, Issuers::Options{});
  CertificateManager manager(store->get(), &issuers, ctx.clock, ctx.random, ctx.log, nullptr);
  Result<std::vector<CertificateListing>> rows = manager.ListCertificates();
  Result<std::vector<AccountRecord>> accounts = (*store)->ListAccounts();
  if (!rows.ok() || !accounts.ok()) {
    std::fprintf(ctx.err, "error: %s\n", (!rows.ok() ? rows.status() : accounts.status()).message().c_str());
    return 1;
  }
  const TimePoint now = ctx.clock->Now();
  if (*format == ListingFormat::kOpenMetrics) {
    Result<std::string> metrics = FormatCertificateOpenMetrics(*rows);
    if (!metrics.ok()) {
      std::fprintf(ctx.err, "error: %s\n", metrics.status().message().c_str());
      return 1;
    }
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
  std::string action;  // renewed, not_due, failed; with --dry-run: due, not_due
  std::string certificate_name;
  std::string serial_number;
  std::string reason;
  std::string error;
  std::vector<std::string> pruned;
};

int RenewCommand(const std::vector<std::string>& args, CommandContext& ctx) {
  Result<Flags> flags = ParseFlags(args, 1, {"--store", "--metrics-file"}, {"--json", "--dry-run"}, false);
  if (!flags.ok()) return UsageError(ctx, "renew", flags.status().message());
  const bool dry_run = flags->switches.count("--dry-run") > 0;
  const std::string metrics_file = flags->values.count("--metrics-file") > 0 ? flags->values["--metrics-file"] : "";
  if (flags->values.count("--metrics-file") > 0 && (metrics_file.empty() || dry_run)) {
    return UsageError(ctx, "renew", metrics_file.empty() ? "--metrics-file needs a path"
                                                         : "--metrics-file records real runs; it cannot be combined with --dry-run");
  }
  const bool json = flags->switches.count("--json") > 0;
  const std::string token = ctx.env("IONOS_TOKEN");
  if (token.empty() && !dry_run) {
    return UsageError(ctx, "renew",
                      "IONOS_TOKEN is not set: renewing writes the DNS-01 challenge records through the IONOS Cloud "
                      "DNS API and needs its token");
  }
  const std::string url = StoreUrl(ctx, *flags);
  Result<std::unique_ptr<Store>> store = OpenExistingStore(ctx, url, ctx.env("IONOS_CERT_STORE_KEY"), "IONOS_CERT_STORE_KEY");
  if (!store.ok()) {
    std::fprintf(ctx.err, "error: %s\n", store.status().message().c_str());
    return 1;
  }
  Issuers::Options io;
  io.token = token;
  io.user_agent = std::string("terraform-provider-ionos/") + IONOS_PROVIDER_VERSION + " (renew)";
  io.store = store->get();
  io.clock = ctx.clock;
  io.random = ctx.random;
  io.logger = ctx.log;
  Issuers issuers(ctx.factories, io);
  CertificateManager manager(store->get(), &issuers, ctx.clock, ctx.random, ctx.log, nullptr);
  Result<std::vector<AutoCertificateRecord>> autos = (*store)->ListAutoCertificates();
  if (!autos.ok()) {
    std::fprintf(ctx.err, "error: %s\n", autos.status().message().c_str());
    return 1;
  }
  std::vector<RenewRow> rows;
  bool failed = false;
  RenewTally tally;
  for (const AutoCertificateRecord& a : *autos) {
    RenewRow row;
    row.id = a.id;
    row.name = a.name;
    row.common_name = a.common_name;
    if (dry_run) {
      Result<AutoCertificateView> view = manager.View(a.id);
      if (!view.ok()) {
        row.action = "failed";
        row.error = view.status().message();
        failed = true;
      } else {
        const bool due = !view->newest || view->renewal->due;
        row.action = due ? "due" : "not_due";
        if (view->newest) {
          row.certificate_name = view->newest->name;
          row.serial_number = view->newest->serial_number;
          row.reason = (due ? "renewal due since " : "renewal due from ") + FormatRfc3339(view->renewal->renew_at);
        }
        for (const auto& c : view->certificates) {
          if (c.prune_due) row.pruned.push_back(c.summary.name);
        }
      }
    } else {
      Result<RenewOutcome> outcome = manager.RenewIfDue(a.id);
      CountRenewOutcome(tally, a.id, outcome);
      if (!outcome.ok()) {
        row.action = "failed";
        row.error = outcome.status().message();
        failed = true;
      } else {
        row.action = outcome->action == RenewOutcome::Action::kNotDue ? "not_due" : "renewed";
        row.reason = outcome->reason;
        if (outcome->action == RenewOutcome::Action::kAdopted) {
          row.reason = "another process renewed it meanwhile";
        }
        if (outcome->view.newest) {
          row.certificate_name = outcome->view.newest->name;
          row.serial_number = outcome->view.newest->serial_number;
        }
        row.pruned = outcome->pruned;
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
      if (r.action == "failed") {
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
    if (rows.empty()) std::fprintf(ctx.out, "(no auto certificates in the store %s)\n", (*store)->Describe().c_str());
  }
  if (dry_run) return failed ? 1 : 0;
  return FinishRenewRun(ctx, manager, tally, failed, metrics_file);
}

// ---------------------------------------------------------------- store

// store rekey: re-encrypts every private key with a new store key.
int RekeyCommand(const std::vector<std::string>& args, CommandContext& ctx) {
  Result<Flags> flags = ParseFlags(args, 2, {"--store", "--key", "--new-key"}, {}, false);
  if (!flags.ok()) return UsageError(ctx, "store", flags.status().message());
  auto new_key = flags->values.find("--new-key");
  if (new_key == flags->values.end()) {
    return UsageError(ctx, "store", "store rekey needs --new-key (base64 of 32 bytes; \"\" stores the keys unencrypted)");
  }
  std::string raw_new_key;
  if (!new_key->second.empty()) {
    Result<std::string> parsed = ParseStoreEncryptionKey(new_key->second);
    if (!parsed.ok()) return UsageError(ctx, "store", "--new-key: " + parsed.status().message());
    raw_new_key = *parsed;
  }
  auto key = flags->values.find("--key");
  const std::string current = key != flags->values.end() ? key->second : ctx.env("IONOS_CERT_STORE_KEY");
  Result<std::unique_ptr<Store>> store =
      OpenExistingStore(ctx, StoreUrl(ctx, *flags), current, key != flags->values.end() ? "--key" : "IONOS_CERT_STORE_KEY");
  if (!store.ok()) {
    std::fprintf(ctx.err, "error: %s\n", store.status().message().c_str());
    return 1;
  }
  Result<KeyCounts> counts = (*store)->Rekey(raw_new_key);
  if (!counts.ok()) {
    std::fprintf(ctx.err, "error: %s\nnothing was changed.\n", counts.status().message().c_str());
    return 1;
  }
  std::fprintf(ctx.out, "re-encrypted the private keys of %s: %lld encrypted, %lld unencrypted.\n"
               "From now on use the new key: store_encryption_key / IONOS_CERT_STORE_KEY.\n",
               (*store)->Describe().c_str(), static_cast<long long>(counts->encrypted),
               static_cast<long long>(counts->plaintext));
  return 0;
}

int StoreCommand(const std::vector<std::string>& args, CommandContext& ctx) {
  const std::string sub = args.size() > 1 ? args[1] : "";
  if (sub == "rekey") return RekeyCommand(args, ctx);
  if (sub != "copy") {
    return UsageError(ctx, "store", sub.empty() ? "store needs a subcommand" : "unknown subcommand \"store " + sub + "\"");
  }
  Result<Flags> flags = ParseFlags(args, 2, {"--from", "--to", "--from-key", "--to-key"}, {"--dry-run"}, false);
  if (!flags.ok()) return UsageError(ctx, "store", flags.status().message());
  for (const char* required : {"--from", "--to"}) {
    if (flags->values.count(required) == 0) return UsageError(ctx, "store", std::string("store copy needs ") + required);
  }
  const std::string env_key = ctx.env("IONOS_CERT_STORE_KEY");
  auto key = [&](const char* flag) {
    auto it = flags->values.find(flag);
    return it != flags->values.end() ? it->second : env_key;
  };
  Result<std::unique_ptr<Store>> from = OpenExistingStore(ctx, flags->values["--from"], key("--from-key"), "--from-key");
  if (!from.ok()) {
    std::fprintf(ctx.err, "error: the source store: %s\n", from.status().message().c_str());
    return 1;
  }
  // The destination may be new (a fresh PostgreSQL database or SQLite file).
  StoreOptions to_options;
  to_options.clock = ctx.clock;
  to_options.random = ctx.random;
  if (const std::string k = key("--to-key"); !k.empty()) {
    Result<std::string> parsed = ParseStoreEncryptionKey(k);
    if (!parsed.ok()) return UsageError(ctx, "store", "--to-key: " + parsed.status().message());
    to_options.encryption_key = *parsed;
  }
  if (Status valid = ValidateStoreUrl(flags->values["--to"]); !valid.ok()) {
    return UsageError(ctx, "store", "--to: " + valid.message());
  }
  Result<std::unique_ptr<Store>> to = ctx.factories.open_store(flags->values["--to"], to_options);
  if (!to.ok()) {
    std::fprintf(ctx.err, "error: the destination store: %s\n", to.status().message().c_str());
    return 1;
  }
  StoreCopyOptions options;
  options.dry_run = flags->switches.count("--dry-run") > 0;
  Result<StoreCopyReport> report = CopyStore(**from, **to, options);
  if (!report.ok()) {
    std::fprintf(ctx.err, "error: %s\n", report.status().message().c_str());
    return 1;
  }
  std::fputs(FormatStoreCopyReport(*report).c_str(), ctx.out);
  return 0;
}

}  // namespace

// ---------------------------------------------------------------- public

std::string Usage(const std::string& command) {
  std::string out;
  for (const CommandHelp& c : kCommands) {
    if (command == c.name) {
      out = std::string("usage: terraform-provider-ionos ") + c.synopsis + "\n\n" + c.text;
      if (command == "store") {
        out +=
            "\n  store copy --from URL --to URL [--from-key KEY] [--to-key KEY]\n"
            "      Copies accounts, auto certificates, every certificate with its key, pending DNS records and\n"
            "      renewal information from one store to another (for example sqlite: to postgres://), keeping\n"
            "      every id, so existing Terraform state works against the new store. Keys are re-encrypted\n"
            "      with the destination's key. Refuses a destination that holds any of the ids. The keys:\n"
            "      --from-key/--to-key, else IONOS_CERT_STORE_KEY for both. --dry-run writes nothing.\n"
            "  store rekey [--store URL] [--key KEY] --new-key KEY\n"
            "      Re-encrypts every private key in the store with a new store key, in one transaction\n"
            "      (keys written while the store had no key are encrypted too). The current key: --key, else\n"
            "      IONOS_CERT_STORE_KEY. --new-key \"\" stores them unencrypted. Afterwards configure the new\n"
            "      key (store_encryption_key / IONOS_CERT_STORE_KEY) everywhere the store is used.\n";
      }
      return out + "\n" + kEnvironment;
    }
  }
  out = "usage: terraform-provider-ionos COMMAND [FLAGS]\n\n"
        "Terraform starts this program as its provider plugin. For people and schedulers:\n\n";
  for (const CommandHelp& c : kCommands) {
    out += std::string("  ") + c.synopsis + "\n";
  }
  out += "\nRun `terraform-provider-ionos help COMMAND` for details.\n\n";
  return out + kEnvironment;
}

int RunCommand(const std::vector<std::string>& args, CommandContext& ctx) {
  const std::string command = args.empty() ? "" : args[0];
  if (command == "help" || command == "--help" || command == "-h") {
    const std::string topic = args.size() > 1 ? args[1] : "";
    if (!topic.empty() && Usage(topic).rfind("usage: terraform-provider-ionos COMMAND", 0) == 0) {
      return UsageError(ctx, "", "unknown command \"" + topic + "\"");
    }
    std::fputs(Usage(topic).c_str(), ctx.out);
    return 0;
  }
  if (command == "version" || command == "--version") {
    std::fprintf(ctx.out, "terraform-provider-ionos %s\n", IONOS_PROVIDER_VERSION);
    return 0;
  }
  if (args.size() > 1 && (args[1] == "--help" || args[1] == "-h")) {
    std::fputs(Usage(command).c_str(), ctx.out);
    return 0;
  }
  if (command == "certificates") return CertificatesCommand(args, ctx);
  if (command == "renew") return RenewCommand(args, ctx);
  if (command == "store") return StoreCommand(args, ctx);
  return UsageError(ctx, "", "unknown command \"" + command + "\"");
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
                     FormatRfc3339(r.renewal.renew_at)});
  }
  out += Table({"NAME", "AUTO CERTIFICATE", "STATUS", "KEY", "PROFILE", "NOT AFTER", "DAYS LEFT", "RENEW AT"}, cells);
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
    arr.push_back(std::move(j));
  }
  return arr.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
}

}  // namespace ionos::tf
