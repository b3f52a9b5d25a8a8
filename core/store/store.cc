#include "core/store/store.h"

#include <cctype>

#include <nlohmann/json.hpp>

#include "core/base/json.h"
#include "core/store/postgres_store.h"
#include "core/store/sqlite_store.h"

namespace ionos {
namespace {

// Only the scheme of an unrecognised URL is echoed: the rest may hold a password.
std::string SchemeOf(const std::string& url) {
  const size_t colon = url.find(':');
  if (colon == std::string::npos || colon == 0 || colon > 20) {
    return "";
  }
  for (size_t i = 0; i < colon; ++i) {
    const char c = url[i];
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '-' || c == '.')) {
      return "";
    }
  }
  return url.substr(0, colon);
}

bool IsPostgresUrl(const std::string& url) {
  return url.rfind("postgres://", 0) == 0 || url.rfind("postgresql://", 0) == 0;
}

}  // namespace

Result<AutoCertificateSnapshot> Store::GetAutoCertificateSnapshot(const std::string& id) {
  AutoCertificateSnapshot snapshot;
  IONOS_ASSIGN_OR_RETURN(snapshot.record, GetAutoCertificate(id));
  IONOS_ASSIGN_OR_RETURN_CTX(snapshot.certificates, ListCertificates(id),
                             "listing the certificates of " + snapshot.record.name);
  if (snapshot.certificates.empty()) {
    return snapshot;
  }
  IONOS_ASSIGN_OR_RETURN_CTX(snapshot.newest, GetCertificate(snapshot.certificates.front().id),
                             "reading the newest certificate of " + snapshot.record.name);
  Result<std::optional<RenewalInfoRecord>> info = GetRenewalInfo(snapshot.newest->id);
  if (info.ok()) {
    snapshot.renewal_info = std::move(info).value();
  } else {
    snapshot.renewal_info_status = info.status();
  }
  return snapshot;
}

Status Store::WriteInOneTransaction(const std::function<Status(Store& tx)>& /*body*/) {
  return UnimplementedError("the store " + Describe() + " cannot write several records in one transaction");
}

std::string EncodeIssuanceSettings(const IssuanceSettings& settings) {
  nlohmann::json j = nlohmann::json::object();
  if (!settings.dns_api_url.empty()) {
    j["dns_api_url"] = settings.dns_api_url;
  }
  if (!settings.dns_resolvers.empty()) {
    j["dns_resolvers"] = settings.dns_resolvers;
  }
  if (!settings.ca_certificates_pem.empty()) {
    j["ca_certificates_pem"] = settings.ca_certificates_pem;
  }
  if (settings.propagation_timeout.count() > 0) {
    j["propagation_timeout_ms"] = settings.propagation_timeout.count();
  }
  if (settings.publish) {
    j["publish"] = true;
  }
  return j.dump();
}

Result<IssuanceSettings> DecodeIssuanceSettings(std::string_view json) {
  const nlohmann::json j = ParseJson(json).value_or(nlohmann::json());
  if (!j.is_object()) {
    return DataLossError("issuance settings are not a JSON object");
  }
  IssuanceSettings out;
  auto text = [&](const char* key, std::string* field) -> Status {
    auto it = j.find(key);
    if (it == j.end()) {
      return Status::Ok();
    }
    if (!it->is_string()) {
      return DataLossError(std::string("issuance setting ") + key + " is not a string");
    }
    *field = it->get<std::string>();
    return Status::Ok();
  };
  IONOS_RETURN_IF_ERROR(text("dns_api_url", &out.dns_api_url));
  IONOS_RETURN_IF_ERROR(text("ca_certificates_pem", &out.ca_certificates_pem));
  if (auto it = j.find("dns_resolvers"); it != j.end()) {
    if (!it->is_array()) {
      return DataLossError("issuance setting dns_resolvers is not a list");
    }
    for (const auto& r : *it) {
      if (!r.is_string()) {
        return DataLossError("issuance setting dns_resolvers holds a non-string");
      }
      out.dns_resolvers.push_back(r.get<std::string>());
    }
  }
  if (auto it = j.find("propagation_timeout_ms"); it != j.end()) {
    if (!it->is_number_integer() || it->get<int64_t>() < 0) {
      return DataLossError("issuance setting propagation_timeout_ms is not a non-negative integer");
    }
    out.propagation_timeout = Duration(it->get<int64_t>());
  }
  if (auto it = j.find("publish"); it != j.end()) {
    if (!it->is_boolean()) {
      return DataLossError("issuance setting publish is not a boolean");
    }
    out.publish = it->get<bool>();
  }
  return out;
}

Status ValidateStoreUrl(const std::string& url) {
  if (IsPostgresUrl(url)) {
    return ParsePostgresUrl(url).status();
  }
  if (url.rfind("sqlite:", 0) == 0) {
    Result<std::string> path = SqliteStorePath(url);
    return path.status();
  }
  const std::string scheme = SchemeOf(url);
  return InvalidArgumentError("unsupported store URL" + (scheme.empty() ? std::string() : " scheme \"" + scheme + ":\"") +
                              "; " + kStoreUrlForms);
}

std::string DescribeStoreUrl(const std::string& url) {
  if (IsPostgresUrl(url)) {
    Result<PostgresUrl> parsed = ParsePostgresUrl(url);
    return parsed.ok() ? parsed->Describe() : "(an invalid postgres:// URL)";
  }
  Result<std::string> path = SqliteStorePath(url);
  return path.ok() ? "sqlite:" + *path : "(an invalid store URL)";
}

std::vector<std::string> StoreUrlWarnings(const std::string& url) {
  if (!IsPostgresUrl(url)) {
    return {};
  }
  Result<PostgresUrl> parsed = ParsePostgresUrl(url);
  return parsed.ok() ? parsed->warnings : std::vector<std::string>{};
}

Result<std::unique_ptr<Store>> OpenStore(const std::string& url, const StoreOptions& options) {
  IONOS_RETURN_IF_ERROR(ValidateStoreUrl(url));
  if (IsPostgresUrl(url)) {
    return OpenPostgresStore(url, options);
  }
  IONOS_ASSIGN_OR_RETURN(std::string path, SqliteStorePath(url));
  return OpenSqliteStore(path, options);
}

}  // namespace ionos
