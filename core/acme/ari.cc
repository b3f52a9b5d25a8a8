#include "core/acme/ari.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "core/base/encoding.h"
#include "core/base/json.h"
#include "core/base/strings.h"
#include "core/crypto/crypto.h"

namespace ionos {

Result<std::string> AriCertId(const CertificateInfo& certificate) {
  if (certificate.authority_key_id.empty()) {
    return FailedPreconditionError("the certificate has no Authority Key Identifier, so it has no ARI certID");
  }
  if (certificate.serial_der.empty()) {
    return FailedPreconditionError("the certificate's serial number is unknown");
  }
  return Base64UrlEncode(certificate.authority_key_id) + "." + Base64UrlEncode(certificate.serial_der);
}

Result<RenewalInfo> FetchRenewalInfo(AcmeClient& client, const std::string& cert_id) {
  IONOS_ASSIGN_OR_RETURN(AcmeDirectory dir, client.Directory());
  if (dir.renewal_info.empty()) {
    return UnimplementedError("the ACME server " + client.directory_url() + " offers no renewalInfo (ARI)");
  }
  std::string url = dir.renewal_info;
  if (url.empty() || url.back() != '/') {
    url += '/';
  }
  url += cert_id;
  const std::string context = "fetching the renewal information " + url;
  IONOS_ASSIGN_OR_RETURN_CTX(AcmeResponse response, client.Get(url), context);
  // The CA's answer is read like every other document from the network: depth-limited, never
  // throwing, a member of the wrong type reading as absent.
  const std::optional<nlohmann::json> j = ParseJson(response.body);
  if (!j) {
    return UnavailableError(context + ": the answer is not a JSON document of at most " +
                            std::to_string(kMaxJsonDepth) + " levels");
  }
  const nlohmann::json& window = JsonObject(*j, "suggestedWindow");
  const std::optional<std::string> start = JsonOptionalString(window, "start");
  const std::optional<std::string> end = JsonOptionalString(window, "end");
  if (!start || !end) {
    return UnavailableError(context + ": the answer has no suggestedWindow with start and end");
  }
  Result<TimePoint> start_at = ParseRfc3339(*start);
  Result<TimePoint> end_at = ParseRfc3339(*end);
  if (!start_at.ok() || !end_at.ok()) {
    return UnavailableError(context + ": the suggestedWindow's times are not RFC 3339 timestamps");
  }
  if (*end_at <= *start_at) {
    // §4.2: a window whose end is not after its start is invalid.
    return UnavailableError(context + ": the suggestedWindow ends before it starts");
  }
  RenewalInfo info;
  info.window_start = *start_at;
  info.window_end = *end_at;
  info.explanation_url = TerminalSafe(JsonString(*j, "explanationURL"));
  info.retry_after = response.retry_after;
  return info;
}

TimePoint NextRenewalInfoFetch(std::optional<TimePoint> retry_after, TimePoint now) {
  if (!retry_after) {
    return now + kRenewalInfoDefaultInterval;
  }
  return std::clamp(*retry_after, now + kRenewalInfoMinInterval, now + kRenewalInfoMaxInterval);
}

TimePoint ChooseRenewalMoment(const RenewalInfo& info, std::string_view cert_id) {
  const TimePoint start = std::chrono::floor<std::chrono::seconds>(info.window_start);
  const auto span = std::chrono::duration_cast<std::chrono::seconds>(info.window_end - start).count();
  if (span <= 0) {
    return start;
  }
  const std::string digest = Sha256(std::string(cert_id) + "\n" + std::to_string(start.time_since_epoch().count()) +
                                    "\n" + std::to_string(info.window_end.time_since_epoch().count()));
  uint64_t r = 0;
  for (size_t i = 0; i < 8 && i < digest.size(); ++i) {
    r = (r << 8) | static_cast<unsigned char>(digest[i]);
  }
  return start + std::chrono::seconds(static_cast<int64_t>(r % static_cast<uint64_t>(span)));
}

}  // namespace ionos
