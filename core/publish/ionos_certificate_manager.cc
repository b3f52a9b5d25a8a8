#include "core/publish/ionos_certificate_manager.h"

#include <cctype>
#include <utility>

#include <nlohmann/json.hpp>

#include "core/base/json.h"
#include "core/base/retry.h"
#include "core/base/strings.h"

namespace ionos {

namespace {

using nlohmann::json;

constexpr const char* kApiName = "the IONOS Certificate Manager API";

PublishedCopy CopyFromJson(const json& j, const IonosApiCaller& api) {
  PublishedCopy c;
  c.id = api.Scrub(JsonString(j, "id"));
  const json& metadata = JsonObject(j, "metadata");
  c.state = api.Scrub(JsonString(metadata, "state"));
  c.serial_number = NormalizeSerial(JsonString(metadata, "serialNumber"));
  c.name = api.Scrub(JsonString(JsonObject(j, "properties"), "name"));
  return c;
}

IonosCertificateManagerOptions WithDefaults(IonosCertificateManagerOptions o) {
  if (o.clock == nullptr) {
    o.clock = &DefaultClock();
  }
  if (o.logger == nullptr) {
    o.logger = &DiscardLogger();
  }
  return o;
}

}  // namespace

std::string NormalizeSerial(const std::string& serial) {
  std::string out;
  for (char ch : serial) {
    const auto c = static_cast<unsigned char>(ch);
    if (std::isxdigit(c)) {
      if (out.empty() && ch == '0') {
        continue;
      }
      out.push_back(static_cast<char>(std::tolower(c)));
    }
  }
  return out.empty() && !serial.empty() ? "0" : out;
}

Result<std::unique_ptr<IonosCertificateManagerClient>> IonosCertificateManagerClient::Create(
    IonosCertificateManagerOptions options) {
  if (options.http == nullptr) {
    return InvalidArgumentError("IONOS Certificate Manager client: no HTTP client given");
  }
  if (options.token.empty()) {
    return FailedPreconditionError(
        "no IONOS Cloud API token: set `token` in the provider block or the IONOS_TOKEN environment variable; "
        "the token is needed to publish certificates to the IONOS Certificate Manager");
  }
  IONOS_RETURN_IF_ERROR(NormalizeIonosApiBaseUrl(&options.base_url, "IONOS Certificate Manager API URL"));
  if (options.page_limit < 1 || options.page_limit > 1000) {
    return InvalidArgumentError("IONOS Certificate Manager client: page_limit must be 1..1000, not " +
                                std::to_string(options.page_limit));
  }
  if (options.max_retries < 0) {
    options.max_retries = 0;
  }
  return std::unique_ptr<IonosCertificateManagerClient>(new IonosCertificateManagerClient(std::move(options)));
}

IonosCertificateManagerClient::IonosCertificateManagerClient(IonosCertificateManagerOptions options)
    : options_(WithDefaults(std::move(options))), api_(IonosApiOptionsOf(options_, kApiName, "the Certificate Manager")) {}

std::string IonosCertificateManagerClient::Describe() const {
  return "the IONOS Certificate Manager at " + options_.base_url;
}

Result<PublishedCopy> IonosCertificateManagerClient::Publish(const CopyToPublish& copy) {
  const std::string context = "publishing " + copy.name + " to " + Describe();
  const json body = {{"properties",
                      {{"name", copy.name},
                       {"certificate", copy.certificate_pem},
                       {"certificateChain", copy.chain_pem},
                       {"privateKey", copy.private_key_pem}}}};
  Result<HttpResponse> response = api_.Call("POST", "/certificates", DumpJson(body));
  PublishedCopy made;
  if (!response.ok()) {
    const StatusCode code = response.status().code();
    if (code != StatusCode::kUnavailable && code != StatusCode::kDeadlineExceeded) {
      return response.status().WithContext(context);
    }
    // The request may have been carried out and only its answer lost: look, never post again.
    options_.logger->Warn("the answer to an upload was lost; looking for the copy",
                          {{"certificate", copy.name}, {"error", response.status().message()}});
    Result<std::optional<PublishedCopy>> found = FindCopy(copy.common_name, copy.name, copy.serial_number);
    if (!found.ok()) {
      return response.status().WithContext(context + " (and looking for the copy afterwards: " +
                                           found.status().message() + ")");
    }
    if (!found->has_value()) {
      return response.status().WithContext(context);
    }
    made = std::move(**found);
    options_.logger->Info("adopted the copy an upload with a lost answer made",
                          {{"certificate", copy.name}, {"published_id", made.id}});
  } else {
    IONOS_ASSIGN_OR_RETURN_CTX(json j, api_.ParseBody(*response), context);
    made = CopyFromJson(j, api_);
    if (made.id.empty()) {
      return UnavailableError(std::string(kApiName) + " answered the upload without an id").WithContext(context);
    }
  }
  IONOS_RETURN_IF_ERROR(WaitAvailable(made).WithContext(context));
  made.state = "AVAILABLE";
  return made;
}

Status IonosCertificateManagerClient::WaitAvailable(const PublishedCopy& copy) {
  if (copy.state == "AVAILABLE") {
    return Status::Ok();
  }
  PollOptions poll;
  poll.timeout = options_.available_timeout;
  poll.initial_interval = options_.poll_initial;
  poll.max_interval = options_.poll_max;
  return Poll(*options_.clock, options_.cancel, poll, "the copy " + copy.name + " to become AVAILABLE",
              PollProgress{false, " (state " + copy.state + ")", std::nullopt}, [&]() -> Result<PollProgress> {
                IONOS_ASSIGN_OR_RETURN(PublishedCopy now, GetCopy(copy.id));
                if (now.state == "AVAILABLE") {
                  return PollProgress{true, "", std::nullopt};
                }
                if (now.state == "FAILED") {
                  return UnavailableError(std::string(kApiName) + " reports the copy " + copy.name + " FAILED");
                }
                return PollProgress{false, " (state " + now.state + ")", std::nullopt};
              });
}

Result<std::optional<PublishedCopy>> IonosCertificateManagerClient::FindCopy(const std::string& common_name,
                                                                             const std::string& name,
                                                                             const std::string& serial_number) {
  const std::string wanted_serial = NormalizeSerial(serial_number);
  size_t offset = 0;
  const size_t limit = static_cast<size_t>(options_.page_limit);
  for (int page = 0; page < 100000; ++page) {
    const std::string path = "/certificates?filter.commonName=" + EscapeQueryValue(common_name) +
                             "&offset=" + std::to_string(offset) + "&limit=" + std::to_string(limit);
    IONOS_ASSIGN_OR_RETURN(HttpResponse response, api_.Call("GET", path, ""));
    IONOS_ASSIGN_OR_RETURN(json j, api_.ParseBody(response));
    const json* items = JsonMember(j, "items");
    if (items == nullptr || !items->is_array()) {
      return UnavailableError(std::string(kApiName) + " answered GET /certificates without an \"items\" list");
    }
    for (const json& item : *items) {
      PublishedCopy c = CopyFromJson(item, api_);
      if (!c.id.empty() && c.name == name && c.serial_number == wanted_serial && c.state != "DESTROYING") {
        return std::optional<PublishedCopy>(std::move(c));
      }
    }
    const size_t n = items->size();
    const json* links = JsonMember(j, "_links");
    const bool more = links != nullptr && links->is_object() ? !JsonString(*links, "next").empty() : n >= limit;
    if (!more || n == 0) {
      return std::optional<PublishedCopy>();
    }
    offset += n;
  }
  return UnavailableError(std::string(kApiName) + " keeps announcing further pages of certificates");
}

Result<PublishedCopy> IonosCertificateManagerClient::GetCopy(const std::string& id) {
  IONOS_ASSIGN_OR_RETURN(HttpResponse response, api_.Call("GET", "/certificates/" + EscapePathSegment(id), ""));
  IONOS_ASSIGN_OR_RETURN(json j, api_.ParseBody(response));
  PublishedCopy c = CopyFromJson(j, api_);
  if (c.id.empty()) {
    c.id = id;
  }
  return c;
}

Status IonosCertificateManagerClient::DeleteCopy(const std::string& id) {
  Result<HttpResponse> response =
      api_.Call("DELETE", "/certificates/" + EscapePathSegment(id), "", /*cancellable=*/false, {409, 422});
  if (!response.ok()) {
    if (response.status().code() == StatusCode::kNotFound) {
      return Status::Ok();  // gone already
    }
    return response.status();
  }
  if (response->status == 409 || response->status == 422) {
    const std::string message = api_.Scrub(IonosApiErrorMessage(response->body));
    return FailedPreconditionError(std::string(kApiName) + " refused to delete the copy " + id +
                                   " because it is in use (HTTP " + std::to_string(response->status) +
                                   (message.empty() ? "" : ": " + message) + ")");
  }
  return Status::Ok();
}

}  // namespace ionos
