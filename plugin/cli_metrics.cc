#include "plugin/cli_metrics.h"

#include "core/lifecycle/monitoring.h"

namespace ionos::tf {

std::optional<ListingFormat> ParseListingFormat(const std::string* format_flag, bool json_switch, std::string* error) {
  if (format_flag == nullptr) return json_switch ? ListingFormat::kJson : ListingFormat::kText;
  std::optional<ListingFormat> format;
  if (*format_flag == "text") {
    format = ListingFormat::kText;
  } else if (*format_flag == "json") {
    format = ListingFormat::kJson;
  } else if (*format_flag == "openmetrics") {
    format = ListingFormat::kOpenMetrics;
  } else {
    *error = "--format must be text, json or openmetrics, not \"" + *format_flag + "\"";
    return std::nullopt;
  }
  if (json_switch && format != ListingFormat::kJson) {
    *error = "--json is --format json; it contradicts --format " + *format_flag;
    return std::nullopt;
  }
  return format;
}

void CountRenewOutcome(RenewTally& tally, const std::string& auto_certificate_id, const Result<RenewOutcome>& outcome) {
  if (!outcome.ok()) {
    ++tally.failed;
    return;
  }
  switch (outcome->action) {
    case RenewOutcome::Action::kRenewed:
      ++tally.renewed;
      tally.renewed_ids.insert(auto_certificate_id);
      break;
    case RenewOutcome::Action::kAdopted:
      ++tally.adopted;
      tally.renewed_ids.insert(auto_certificate_id);
      break;
    case RenewOutcome::Action::kNotDue: ++tally.not_due; break;
  }
}

int FinishRenewRun(CommandContext& ctx, CertificateManager& manager, const RenewTally& tally, bool failed,
                   const std::string& metrics_file) {
  int code = failed ? 1 : 0;
  Result<std::vector<CertificateListing>> rows = manager.ListCertificates();
  if (!rows.ok()) {
    std::fprintf(ctx.err, "error: reading the certificates after the run: %s\n", rows.status().message().c_str());
    return 1;
  }
  const TimePoint now = ctx.clock->Now();
  if (!metrics_file.empty()) {
    Result<std::string> text = RenewRunMetricsText(now, tally, *rows);
    Status written = text.ok() ? WriteFileAtomically(metrics_file, *text) : text.status();
    if (!written.ok()) {
      std::fprintf(ctx.err, "error: the metrics file: %s\n", written.message().c_str());
      code = 1;
    }
  }
  const std::vector<std::string> attention = CertificatesNeedingAttention(*rows, now, tally.renewed_ids);
  for (const CertificateListing& r : *rows) {
    for (const std::string& name : attention) {
      if (r.state.summary.name != name) continue;
      std::fprintf(ctx.err, "warning: %s (%s) %s and was not renewed in this run\n", name.c_str(),
                   r.auto_certificate_name.c_str(), DescribeExpiry(r.state.summary.not_after, now).c_str());
    }
  }
  return attention.empty() ? code : 3;
}

}  // namespace ionos::tf
