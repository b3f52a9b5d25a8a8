// The monitoring side of the commands (docs/guides/monitoring.md): `certificates --format openmetrics` and what
// `renew --metrics-file PATH` writes and exits with. Thin: the metrics, the alert rule and the
// file writing live in core (core/lifecycle/monitoring.h); this
// decodes flags and prints.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/lifecycle/monitoring.h"
#include "plugin/cli.h"

namespace ionos::tf {

// How `certificates` prints: --format text|json|openmetrics; --json is kept as the alias of
// --format json. nullopt (with `error` set) for an unknown format or a --json that contradicts
// --format.
enum class ListingFormat { kText, kJson, kOpenMetrics };
std::optional<ListingFormat> ParseListingFormat(const std::string* format_flag, bool json_switch, std::string* error);

// Counts what the run did with the auto certificate `auto_certificate_id`.
void CountRenewOutcome(RenewTally& tally, const std::string& auto_certificate_id, const Result<RenewOutcome>& outcome);

// The end of a renew run (not a dry run): reads the store's certificates again, writes
// `metrics_file` when it is not empty (the ionos_renew_* families and the expiry gauges,
// atomically), warns on ctx.err about every certificate that needs attention, and returns the
// exit code: 3 when some certificate is within 30 days of expiry, due and was not renewed in
// the run (CertificatesNeedingAttention), else 1
// when a renewal failed (`failed`) or the metrics could not be written, else 0.
int FinishRenewRun(CommandContext& ctx, CertificateManager& manager, const RenewTally& tally, bool failed,
                   const std::string& metrics_file);

}  // namespace ionos::tf
