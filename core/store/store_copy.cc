#include "core/store/store_copy.h"

#include <algorithm>
#include <map>
#include <set>
#include <utility>

#include "core/base/strings.h"

namespace ionos {
namespace {

// Everything read from the source, keys included, before anything is written.
struct Snapshot {
  std::vector<AccountRecord> accounts;
  std::vector<AutoCertificateRecord> auto_certificates;
  // Per auto certificate, in the order to add them (oldest first, the active one last).
  std::map<std::string, std::vector<CertificateRecord>> certificates;
  size_t certificate_count = 0;
  std::vector<PendingDnsRecord> pending_dns_records;
  std::vector<RenewalInfoRecord> renewal_info;
  // The copies in the IONOS Certificate Manager: without them the copy's next apply would upload
  // every published certificate a second time.
  std::vector<PublicationRecord> publications;
  std::vector<std::string> notes;
};

Result<Snapshot> ReadSource(Store& from) {
  Snapshot s;
  IONOS_ASSIGN_OR_RETURN(std::vector<AccountRecord> accounts, from.ListAccounts());
  for (const AccountRecord& listed : accounts) {
    IONOS_ASSIGN_OR_RETURN(AccountRecord account, from.GetAccount(listed.id));
    s.accounts.push_back(std::move(account));
  }
  IONOS_ASSIGN_OR_RETURN(s.auto_certificates, from.ListAutoCertificates());
  for (const AutoCertificateRecord& a : s.auto_certificates) {
    IONOS_ASSIGN_OR_RETURN(std::vector<PublicationRecord> publications, from.ListPublications(a.id));
    s.publications.insert(s.publications.end(), publications.begin(), publications.end());
  }
  IONOS_ASSIGN_OR_RETURN(std::vector<CertificateSummary> summaries, from.ListAllCertificates());
  // ListAllCertificates: newest first within a group; reversed, oldest first (ties in the order
  // they were added).
  std::map<std::string, std::vector<CertificateSummary>> groups;
  for (auto it = summaries.rbegin(); it != summaries.rend(); ++it) {
    groups[it->auto_certificate_id].push_back(*it);
  }
  for (auto& [auto_id, group] : groups) {
    // The active certificate goes last, so that adding them in order leaves it active.
    std::stable_partition(group.begin(), group.end(),
                          [](const CertificateSummary& c) { return c.status != kCertificateStatusActive; });
    if (group.back().status != kCertificateStatusActive) {
      s.notes.push_back("auto certificate " + Quoted(auto_id) + " has no active certificate in " + from.Describe() +
                        "; its newest one, " + Quoted(group.back().name) + ", is active in the copy");
    }
    for (const CertificateSummary& summary : group) {
      IONOS_ASSIGN_OR_RETURN(CertificateRecord certificate, from.GetCertificate(summary.id));
      IONOS_ASSIGN_OR_RETURN(std::optional<RenewalInfoRecord> info, from.GetRenewalInfo(summary.id));
      if (info.has_value()) {
        s.renewal_info.push_back(std::move(*info));
      }
      s.certificates[auto_id].push_back(std::move(certificate));
      ++s.certificate_count;
    }
  }
  IONOS_ASSIGN_OR_RETURN(s.pending_dns_records, from.ListPendingDnsRecords());
  return s;
}

// The ids (and certificate names) of `snapshot` that `to` already holds.
Result<std::vector<std::string>> Conflicts(Store& to, const Snapshot& snapshot) {
  std::vector<std::string> out;
  IONOS_ASSIGN_OR_RETURN(std::vector<AccountRecord> accounts, to.ListAccounts());
  IONOS_ASSIGN_OR_RETURN(std::vector<AutoCertificateRecord> autos, to.ListAutoCertificates());
  IONOS_ASSIGN_OR_RETURN(std::vector<CertificateSummary> certificates, to.ListAllCertificates());
  IONOS_ASSIGN_OR_RETURN(std::vector<PendingDnsRecord> pending, to.ListPendingDnsRecords());
  std::set<std::string> account_ids;
  std::set<std::string> auto_ids;
  std::set<std::string> certificate_ids;
  std::set<std::string> certificate_names;
  std::set<std::string> pending_ids;
  for (const auto& r : accounts) account_ids.insert(r.id);
  for (const auto& r : autos) auto_ids.insert(r.id);
  for (const auto& r : certificates) {
    certificate_ids.insert(r.id);
    certificate_names.insert(r.name);
  }
  for (const auto& r : pending) pending_ids.insert(r.id);

  for (const auto& r : snapshot.accounts) {
    if (account_ids.count(r.id) != 0) out.push_back("account " + Quoted(r.id));
  }
  for (const auto& r : snapshot.auto_certificates) {
    if (auto_ids.count(r.id) != 0) out.push_back("auto certificate " + Quoted(r.id));
  }
  for (const auto& [auto_id, group] : snapshot.certificates) {
    for (const auto& r : group) {
      if (certificate_ids.count(r.id) != 0) {
        out.push_back("certificate " + Quoted(r.id));
      } else if (certificate_names.count(r.name) != 0) {
        out.push_back("a certificate named " + Quoted(r.name));
      }
    }
  }
  for (const auto& r : snapshot.pending_dns_records) {
    if (pending_ids.count(r.id) != 0) out.push_back("pending DNS record " + Quoted(r.id));
  }
  return out;
}

std::string Names(const std::vector<CopiedRecord>& records) {
  std::vector<std::string> parts;
  for (const CopiedRecord& r : records) {
    parts.push_back(r.name.empty() ? r.id : r.name + " (" + r.id + ")");
  }
  return Join(parts, ", ");
}

std::string Count(size_t n, const std::string& singular, const std::string& plural) {
  return std::to_string(n) + " " + (n == 1 ? singular : plural);
}

}  // namespace

Result<StoreCopyReport> CopyStore(Store& from, Store& to, const StoreCopyOptions& options) {
  StoreCopyReport report;
  report.from = from.Describe();
  report.to = to.Describe();
  report.dry_run = options.dry_run;
  if (&from == &to || report.from == report.to) {
    return InvalidArgumentError("store copy: the source and the destination are the same store " + report.from);
  }
  IONOS_ASSIGN_OR_RETURN_CTX(Snapshot snapshot, ReadSource(from),
                             "store copy: reading " + report.from + " (nothing was copied)");
  IONOS_ASSIGN_OR_RETURN_CTX(std::vector<std::string> conflicts, Conflicts(to, snapshot),
                             "store copy: looking into " + report.to + " (nothing was copied)");
  // The destination's key must open the keys the destination already holds: a copy sealed with
  // another key would leave a store whose keys need two keys. Checked on one sealed row (an
  // account's key is decrypted) before anything is written, in a dry run too.
  IONOS_ASSIGN_OR_RETURN_CTX(std::vector<AccountRecord> present, to.ListAccounts(),
                             "store copy: looking into " + report.to + " (nothing was copied)");
  if (!present.empty()) {
    Result<AccountRecord> opened = to.GetAccount(present.front().id);
    if (!opened.ok()) {
      return Status(opened.status().code() == StatusCode::kDataLoss ? StatusCode::kFailedPrecondition
                                                                   : opened.status().code(),
                    "store copy: the destination key does not open the keys " + report.to +
                        " already holds (" + opened.status().message() + "); nothing was copied");
    }
  }
  if (!conflicts.empty()) {
    const size_t shown = std::min<size_t>(conflicts.size(), 10);
    std::vector<std::string> listed(conflicts.begin(), conflicts.begin() + static_cast<std::ptrdiff_t>(shown));
    return AlreadyExistsError("store copy: " + report.to + " already holds " + Join(listed, ", ") +
                              (conflicts.size() > shown ? " and " + std::to_string(conflicts.size() - shown) + " more"
                                                        : std::string()) +
                              "; nothing was copied (copy into a new, empty store)");
  }

  for (const auto& r : snapshot.accounts) report.accounts.push_back({r.id, r.name});
  for (const auto& r : snapshot.auto_certificates) report.auto_certificates.push_back({r.id, r.name});
  std::map<std::string, std::string> certificate_names;
  for (const auto& r : snapshot.auto_certificates) {
    auto it = snapshot.certificates.find(r.id);
    if (it == snapshot.certificates.end()) continue;
    for (const auto& c : it->second) {
      report.certificates.push_back({c.id, c.name});
      certificate_names[c.id] = c.name;
    }
  }
  for (const auto& r : snapshot.pending_dns_records) report.pending_dns_records.push_back({r.id, r.fqdn});
  for (const auto& r : snapshot.renewal_info) {
    report.renewal_info.push_back({r.certificate_id, certificate_names[r.certificate_id]});
  }
  for (const auto& r : snapshot.publications) {
    report.publications.push_back({r.certificate_id, certificate_names[r.certificate_id]});
  }
  report.notes = snapshot.notes;
  if (options.dry_run) {
    return report;
  }

  // Everything in one destination transaction: a copy that fails, is interrupted or is killed
  // halfway leaves the destination as it was.
  size_t rows = 0;
  auto between_rows = [&]() -> Status {
    if (options.cancel != nullptr && options.cancel->cancelled()) {
      return CancelledError("interrupted");
    }
    return options.after_each_write ? options.after_each_write(rows++) : Status::Ok();
  };
  const Status status = to.WriteInOneTransaction([&](Store& tx) -> Status {
    IONOS_RETURN_IF_ERROR(between_rows());
    for (const auto& r : snapshot.accounts) {
      IONOS_RETURN_IF_ERROR(tx.CreateAccount(r).status());
      IONOS_RETURN_IF_ERROR(between_rows());
    }
    for (const auto& r : snapshot.auto_certificates) {
      IONOS_RETURN_IF_ERROR(tx.CreateAutoCertificate(r).status());
      IONOS_RETURN_IF_ERROR(between_rows());
      auto it = snapshot.certificates.find(r.id);
      if (it == snapshot.certificates.end()) continue;
      for (const auto& c : it->second) {
        IONOS_RETURN_IF_ERROR(tx.AddCertificate(c).status());
        IONOS_RETURN_IF_ERROR(between_rows());
      }
    }
    for (const auto& r : snapshot.renewal_info) {
      IONOS_RETURN_IF_ERROR(tx.PutRenewalInfo(r));
      IONOS_RETURN_IF_ERROR(between_rows());
    }
    for (const auto& r : snapshot.pending_dns_records) {
      IONOS_RETURN_IF_ERROR(tx.NotePendingDnsRecord(r).status());
      IONOS_RETURN_IF_ERROR(between_rows());
    }
    for (const auto& r : snapshot.publications) {
      IONOS_RETURN_IF_ERROR(tx.PutPublication(r));
      IONOS_RETURN_IF_ERROR(between_rows());
    }
    return Status::Ok();
  });
  if (!status.ok()) {
    return status.WithContext("store copy: writing into " + report.to + " (nothing was kept: " + report.to +
                              " is as it was before the copy)");
  }
  return report;
}

std::string FormatStoreCopyReport(const StoreCopyReport& report) {
  std::string out = std::string(report.dry_run ? "would copy" : "copied") + " from " + report.from + " to " +
                    report.to + "\n";
  auto line = [&](size_t n, const std::string& singular, const std::string& plural,
                  const std::vector<CopiedRecord>& records) {
    out += "  " + Count(n, singular, plural) + (records.empty() ? "" : ": " + Names(records)) + "\n";
  };
  line(report.accounts.size(), "account", "accounts", report.accounts);
  line(report.auto_certificates.size(), "auto certificate", "auto certificates", report.auto_certificates);
  line(report.certificates.size(), "certificate with its key", "certificates with their keys", report.certificates);
  line(report.pending_dns_records.size(), "pending DNS record", "pending DNS records", report.pending_dns_records);
  out += "  " + Count(report.renewal_info.size(), "renewal information record", "renewal information records") + "\n";
  line(report.publications.size(), "published copy record", "published copy records", report.publications);
  for (const std::string& note : report.notes) {
    out += "note: " + note + "\n";
  }
  return out;
}

}  // namespace ionos
