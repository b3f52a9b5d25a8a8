#include "plugin/cli.h"

#include <cstdlib>
#include <map>

#include <nlohmann/json.hpp>

#include "core/crypto/aead.h"
#include "core/lifecycle/renewal_policy.h"
#include "core/lifecycle/services.h"

namespace ionos::tf {

Result<std::vector<CertificateListing>> ListCertificates(Store& store, const Clock& clock) {
  // Listing issues nothing: the manager's issuers are never asked for a client.
  Issuers issuers(ServiceFactories{}, Issuers::Options{});
  CertificateManager manager(&store, &issuers, &clock, nullptr, nullptr);
  return manager.ListCertificates();
}

std::string FormatCertificateTable(const std::vector<CertificateListing>& rows, TimePoint now) {
  const std::vector<std::string> headers = {"NAME", "AUTO CERTIFICATE", "STATUS", "NOT AFTER", "DAYS LEFT", "RENEW AT"};
  std::vector<std::vector<std::string>> cells;
  for (const auto& r : rows) {
    const CertificateSummary& c = r.state.summary;
    cells.push_back({c.name, r.auto_certificate_name.empty() ? c.auto_certificate_id : r.auto_certificate_name,
                     std::string(CertificateStatusName(r.state.status)) + (r.renewal_due ? " (renewal due)" : ""),
                     FormatRfc3339(c.not_after), std::to_string(DaysUntil(c.not_after, now)),
                     FormatRfc3339(r.renewal.renew_at)});
  }
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
    j["not_after"] = FormatRfc3339(c.not_after);
    j["days_left"] = DaysUntil(c.not_after, now);
    j["renew_at"] = FormatRfc3339(r.renewal.renew_at);
    j["renewal_due"] = r.renewal_due;
    arr.push_back(std::move(j));
  }
  return arr.dump(2) + "\n";
}

namespace {

int CertificatesCommand(const std::vector<std::string>& args, const Clock& clock, FILE* out, FILE* err) {
  std::string store_url;
  bool json = false;
  for (size_t i = 1; i < args.size(); ++i) {
    if (args[i] == "--json") {
      json = true;
    } else if (args[i] == "--store" && i + 1 < args.size()) {
      store_url = args[++i];
    } else if (args[i].rfind("--store=", 0) == 0) {
      store_url = args[i].substr(8);
    } else {
      std::fprintf(err, "usage: terraform-provider-ionos certificates [--store URL] [--json]\n");
      return 2;
    }
  }
  if (store_url.empty()) {
    const char* env = std::getenv("IONOS_CERT_STORE");
    store_url = (env != nullptr && *env != '\0') ? env : DefaultStoreUrl();
  }
  StoreOptions opts;
  opts.clock = &clock;
  opts.must_exist = true;  // listing reads; a mistyped path must not leave an empty store behind
  if (const char* key = std::getenv("IONOS_CERT_STORE_KEY"); key != nullptr && *key != '\0') {
    auto parsed = ParseStoreEncryptionKey(key);
    if (!parsed.ok()) {
      std::fprintf(err, "error: IONOS_CERT_STORE_KEY: %s\n", parsed.status().message().c_str());
      return 1;
    }
    opts.encryption_key = *parsed;
  }
  auto store = OpenStore(store_url, opts);
  if (!store.ok()) {
    std::fprintf(err, "error: %s\n", store.status().message().c_str());
    return 1;
  }
  auto rows = ListCertificates(**store, clock);
  if (!rows.ok()) {
    std::fprintf(err, "error: %s\n", rows.status().message().c_str());
    return 1;
  }
  const TimePoint now = clock.Now();
  const std::string text = json ? FormatCertificateJson(*rows, now) : FormatCertificateTable(*rows, now);
  std::fputs(text.c_str(), out);
  return 0;
}

}  // namespace

int RunCommand(const std::vector<std::string>& args, const Clock& clock, FILE* out, FILE* err) {
  if (!args.empty() && args[0] == "certificates") return CertificatesCommand(args, clock, out, err);
  std::fprintf(err, "unknown command \"%s\"; commands: certificates [--store URL] [--json], --version\n",
               args.empty() ? "" : args[0].c_str());
  return 2;
}

}  // namespace ionos::tf
