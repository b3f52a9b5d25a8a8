#include "tests/dns_emulator/emulator.h"

#include <httplib.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <ctime>
#include <functional>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <utility>

#include "core/base/clock.h"
#include "core/base/encoding.h"
#include "core/base/host_port.h"
#include "core/http/http.h"
#include "core/dns/dns_name.h"
#include "core/dns/ionos_cloud_dns.h"
#include "tests/dns_emulator/api_support.h"
#include "tests/dns_emulator/test_http_server.h"

namespace ionos::testing {

namespace {

using json = nlohmann::json;

const char* const kDefaultNameservers[] = {"ns-ic.ui-dns.com", "ns-ic.ui-dns.de", "ns-ic.ui-dns.org",
                                           "ns-ic.ui-dns.biz"};

// The kinds of API request ("METHOD /path/template"): the keys of /_emulator/requests and of the
// bad_error_body_on fault filter.
const std::string kApiRequestKinds[] = {
    "GET /zones",
    "GET /zones/{zoneId}",
    "GET /zones/{zoneId}/records",
    "POST /zones/{zoneId}/records",
    "GET /zones/{zoneId}/records/{recordId}",
    "PUT /zones/{zoneId}/records/{recordId}",
    "DELETE /zones/{zoneId}/records/{recordId}",
    "GET /records",
};

// RecordType of the published API.
const std::set<std::string>& RecordTypes() {
  static const std::set<std::string> types = {"A",     "AAAA", "CNAME",  "ALIAS",      "MX",   "NS",  "SRV",
                                              "TXT",   "CAA",  "SSHFP",  "TLSA",       "SMIMEA", "DS", "HTTPS",
                                              "SVCB",  "OPENPGPKEY", "CERT", "URI", "RP", "LOC"};
  return types;
}


bool IsUuid(std::string_view s) {
  if (s.size() != 36) {
    return false;
  }
  for (size_t i = 0; i < s.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? s[i] != '-' : !std::isxdigit(static_cast<unsigned char>(s[i]))) {
      return false;
    }
  }
  return true;
}

// `fqdn` is `zone` or a name below it (both lower case, no trailing dot).
bool InZone(const std::string& fqdn, const std::string& zone) {
  if (fqdn == zone) {
    return true;
  }
  return fqdn.size() > zone.size() && fqdn[fqdn.size() - zone.size() - 1] == '.' &&
         fqdn.compare(fqdn.size() - zone.size(), zone.size(), zone) == 0;
}

bool ValidLabel(std::string_view label) {
  if (label.empty() || label.size() > 63) {
    return false;
  }
  for (char ch : label) {
    const auto c = static_cast<unsigned char>(ch);
    if (!std::isalnum(c) && c != '-' && c != '_') {
      return false;
    }
  }
  return true;
}

// A zone-relative record name: "" or "@" (apex), or dot-separated labels, "*" only leftmost.
bool ValidRelativeName(const std::string& name) {
  if (name.empty() || name == "@") {
    return true;
  }
  size_t start = 0;
  bool first = true;
  for (;;) {
    const size_t dot = name.find('.', start);
    const std::string_view label = std::string_view(name).substr(start, dot == std::string::npos ? std::string::npos
                                                                                                   : dot - start);
    if (!(first && label == "*") && !ValidLabel(label)) {
      return false;
    }
    if (dot == std::string::npos) {
      return true;
    }
    start = dot + 1;
    first = false;
  }
}

struct RecordInput {
  std::string name;
  std::string type;
  std::string content;
  int ttl = 3600;
  int priority = -1;
  bool enabled = true;
};

// Parses and validates {"properties":{name,type,content,ttl?,priority?,enabled?}}.
std::optional<RecordInput> ParseRecordBody(const std::string& body, std::string* error) {
  json j = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) {
    *error = "the request body is not valid JSON";
    return std::nullopt;
  }
  if (!j.is_object() || !j.contains("properties") || !j["properties"].is_object()) {
    *error = "properties: must be an object";
    return std::nullopt;
  }
  const json& p = j["properties"];
  RecordInput in;
  if (!p.contains("name") || !p["name"].is_string()) {
    *error = "properties.name: is required and must be a string";
    return std::nullopt;
  }
  in.name = p["name"].get<std::string>();
  if (!ValidRelativeName(in.name)) {
    *error = "properties.name: \"" + in.name + "\" is not a valid record name relative to the zone";
    return std::nullopt;
  }
  if (!p.contains("type") || !p["type"].is_string()) {
    *error = "properties.type: is required and must be a string";
    return std::nullopt;
  }
  in.type = p["type"].get<std::string>();
  if (RecordTypes().count(in.type) == 0) {
    *error = "properties.type: unknown record type \"" + in.type + "\"";
    return std::nullopt;
  }
  if (!p.contains("content") || !p["content"].is_string() || p["content"].get<std::string>().empty()) {
    *error = "properties.content: is required and must be a non-empty string";
    return std::nullopt;
  }
  in.content = p["content"].get<std::string>();
  if (p.contains("ttl")) {
    if (!p["ttl"].is_number_integer()) {
      *error = "properties.ttl: must be an integer";
      return std::nullopt;
    }
    const long long ttl = p["ttl"].get<long long>();
    if (ttl < 60 || ttl > 86400) {
      *error = "properties.ttl: must be between 60 and 86400, not " + std::to_string(ttl);
      return std::nullopt;
    }
    in.ttl = static_cast<int>(ttl);
  }
  if (p.contains("priority") && !p["priority"].is_null()) {
    if (!p["priority"].is_number_integer()) {
      *error = "properties.priority: must be an integer";
      return std::nullopt;
    }
    const long long priority = p["priority"].get<long long>();
    if (priority < 0 || priority > 65535) {
      *error = "properties.priority: must be between 0 and 65535";
      return std::nullopt;
    }
    in.priority = static_cast<int>(priority);
  }
  if ((in.type == "MX" || in.type == "SRV" || in.type == "URI") && in.priority < 0) {
    *error = "properties.priority: is required for " + in.type + " records";
    return std::nullopt;
  }
  if (p.contains("enabled")) {
    if (!p["enabled"].is_boolean()) {
      *error = "properties.enabled: must be a boolean";
      return std::nullopt;
    }
    in.enabled = p["enabled"].get<bool>();
  }
  return in;
}

}  // namespace

// ---------------------------------------------------------------- EmulatorFaults

Status EmulatorFaults::Merge(const json& j) {
  if (!j.is_object()) {
    return InvalidArgumentError("faults must be a JSON object");
  }
  EmulatorFaults next = *this;
  auto int_member = [&](const char* key, int* out, int min) -> Status {
    const json& v = j[key];
    if (v.is_boolean()) {
      *out = v.get<bool>() ? 1 : 0;
    } else if (v.is_number_integer() && v.get<long long>() >= min && v.get<long long>() <= 1000000000) {
      *out = static_cast<int>(v.get<long long>());
    } else {
      return InvalidArgumentError(std::string(key) + " must be an integer >= " + std::to_string(min));
    }
    return Status::Ok();
  };
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& key = it.key();
    if (key == "unauthorized") {
      if (!it->is_boolean()) {
        return InvalidArgumentError("unauthorized must be true or false");
      }
      next.unauthorized = it->get<bool>();
    } else if (key == "rate_limit_next") {
      IONOS_RETURN_IF_ERROR(int_member("rate_limit_next", &next.rate_limit_next, 0));
    } else if (key == "retry_after_seconds") {
      IONOS_RETURN_IF_ERROR(int_member("retry_after_seconds", &next.retry_after_seconds, 0));
    } else if (key == "server_error") {
      // "always" | N | "off" | false | 0
      if (it->is_string()) {
        const std::string v = it->get<std::string>();
        if (v == "always") {
          next.server_error_always = true;
        } else if (v == "off" || v == "never") {
          next.server_error_always = false;
          next.server_error_next = 0;
        } else if (std::optional<long long> n = ParseInteger(v); n && *n >= 0) {
          next.server_error_always = false;
          next.server_error_next = static_cast<int>(*n);
        } else {
          return InvalidArgumentError("server_error must be \"always\", \"off\" or a count");
        }
      } else if (it->is_boolean()) {
        next.server_error_always = it->get<bool>();
        if (!next.server_error_always) {
          next.server_error_next = 0;
        }
      } else if (it->is_number_integer() && it->get<long long>() >= 0) {
        next.server_error_always = false;
        next.server_error_next = static_cast<int>(it->get<long long>());
      } else {
        return InvalidArgumentError("server_error must be \"always\", \"off\" or a count");
      }
    } else if (key == "server_error_status") {
      IONOS_RETURN_IF_ERROR(int_member("server_error_status", &next.server_error_status, 500));
      if (next.server_error_status > 599) {
        return InvalidArgumentError("server_error_status must be 500..599");
      }
    } else if (key == "provisioning_delay_ms") {
      IONOS_RETURN_IF_ERROR(int_member("provisioning_delay_ms", &next.provisioning_delay_ms, 0));
    } else if (key == "fail_provisioning_next") {
      IONOS_RETURN_IF_ERROR(int_member("fail_provisioning_next", &next.fail_provisioning_next, 0));
    } else if (key == "hold_provisioning") {
      if (!it->is_boolean()) {
        return InvalidArgumentError("hold_provisioning must be true or false");
      }
      next.hold_provisioning = it->get<bool>();
    } else if (key == "bad_error_body_next") {
      // "always" | N | "off" | false | 0
      const Status bad = InvalidArgumentError("bad_error_body_next must be \"always\", \"off\" or a count");
      if (it->is_string()) {
        const std::string v = it->get<std::string>();
        if (v == "always") {
          next.bad_error_body_always = true;
        } else if (v == "off" || v == "never") {
          next.bad_error_body_always = false;
          next.bad_error_body_next = 0;
        } else {
          return bad;
        }
      } else if (it->is_boolean() && !it->get<bool>()) {
        next.bad_error_body_always = false;
        next.bad_error_body_next = 0;
      } else if (it->is_number_integer() && it->get<long long>() >= 0 && it->get<long long>() <= 1000000000) {
        next.bad_error_body_always = false;
        next.bad_error_body_next = static_cast<int>(it->get<long long>());
      } else {
        return bad;
      }
    } else if (key == "bad_error_body_on") {
      // A request kind, a list of them, or "" / [] for every API request.
      std::vector<std::string> kinds;
      const Status bad = InvalidArgumentError(
          "bad_error_body_on must be a request kind or a list of them, e.g. \"GET /zones/{zoneId}/records/{recordId}\"");
      if (it->is_string()) {
        if (!it->get<std::string>().empty()) {
          kinds.push_back(it->get<std::string>());
        }
      } else if (it->is_array()) {
        for (const json& k : *it) {
          if (!k.is_string()) {
            return bad;
          }
          kinds.push_back(k.get<std::string>());
        }
      } else {
        return bad;
      }
      for (const std::string& k : kinds) {
        if (std::find(std::begin(kApiRequestKinds), std::end(kApiRequestKinds), k) == std::end(kApiRequestKinds)) {
          return InvalidArgumentError("bad_error_body_on: unknown request kind \"" + k + "\"");
        }
      }
      next.bad_error_body_on = std::move(kinds);
    } else {
      return InvalidArgumentError("unknown fault switch \"" + key + "\"");
    }
  }
  *this = next;
  return Status::Ok();
}

json EmulatorFaults::ToJson() const {
  json server_error;
  if (server_error_always) {
    server_error = "always";
  } else {
    server_error = server_error_next;
  }
  return {{"unauthorized", unauthorized},
          {"rate_limit_next", rate_limit_next},
          {"retry_after_seconds", retry_after_seconds},
          {"server_error", server_error},
          {"server_error_status", server_error_status},
          {"provisioning_delay_ms", provisioning_delay_ms},
          {"fail_provisioning_next", fail_provisioning_next},
          {"hold_provisioning", hold_provisioning},
          {"bad_error_body_next", bad_error_body_always ? json("always") : json(bad_error_body_next)},
          {"bad_error_body_on", bad_error_body_on}};
}

// ---------------------------------------------------------------- state

struct DnsApiEmulator::Impl {
  struct Record : EmulatorRecord {
    uint64_t seq = 0;
    TimePoint available_at;
    bool fail = false;
    std::string created;
    std::string modified;
  };

  DnsEmulatorOptions* options = nullptr;
  std::string base_url;
  std::unique_ptr<httplib::Server> server;
  std::thread server_thread;
  std::thread provisioner;
  std::unique_ptr<HttpClient> http;  // to challtestsrv

  // Lock order: publish_mu before mu.
  mutable std::mutex mu;
  std::condition_variable cv;
  bool stopping = false;
  std::vector<EmulatorZone> zones;
  std::map<std::string, Record> records;  // by id
  uint64_t next_seq = 1;
  EmulatorFaults faults;
  std::map<std::string, int> counts;

  mutable std::mutex publish_mu;
  std::map<std::string, std::vector<std::string>> published;  // "<fqdn>." → values
  std::vector<std::string> publish_errors;

  // ---- helpers (mu held)

  const EmulatorZone* FindZone(const std::string& id) const {
    for (const EmulatorZone& z : zones) {
      if (z.id == id) {
        return &z;
      }
    }
    return nullptr;
  }

  std::vector<const Record*> SortedRecords() const {
    std::vector<const Record*> out;
    out.reserve(records.size());
    for (const auto& [id, r] : records) {
      out.push_back(&r);
    }
    std::sort(out.begin(), out.end(), [](const Record* a, const Record* b) { return a->seq < b->seq; });
    return out;
  }

  json ZoneJson(const EmulatorZone& z) const {
    const std::string date = "2026-01-01T00:00:00.000Z";
    return {{"id", z.id},
            {"type", "zone"},
            {"href", base_url + "/zones/" + z.id},
            {"metadata",
             {{"createdDate", date},
              {"createdBy", "emulator"},
              {"createdByUserId", "00000000-0000-4000-8000-000000000001"},
              {"lastModifiedDate", date},
              {"lastModifiedBy", "emulator"},
              {"lastModifiedByUserId", "00000000-0000-4000-8000-000000000001"},
              {"resourceURN", "ionos:dns:de/fra:emulator:zones/" + z.id},
              {"state", "AVAILABLE"},
              {"nameservers", z.nameservers}}},
            {"properties", {{"zoneName", z.name}, {"description", "emulated zone " + z.name}, {"enabled", true}}}};
  }

  json RecordJson(const Record& r) const {
    json properties = {{"name", r.name}, {"type", r.type}, {"content", r.content}, {"ttl", r.ttl},
                       {"enabled", r.enabled}};
    if (r.priority >= 0) {
      properties["priority"] = r.priority;
    }
    return {{"id", r.id},
            {"type", "record"},
            {"href", base_url + "/zones/" + r.zone_id + "/records/" + r.id},
            {"metadata",
             {{"createdDate", r.created},
              {"createdBy", "emulator"},
              {"createdByUserId", "00000000-0000-4000-8000-000000000001"},
              {"lastModifiedDate", r.modified},
              {"lastModifiedBy", "emulator"},
              {"lastModifiedByUserId", "00000000-0000-4000-8000-000000000001"},
              {"resourceURN", "ionos:dns:de/fra:emulator:zones/" + r.zone_id + "/records/" + r.id},
              {"state", r.state},
              {"fqdn", r.fqdn},
              {"zoneId", r.zone_id}}},
            {"properties", properties}};
  }

  template <typename T, typename Render>
  json Collection(const std::string& path, const std::vector<std::pair<std::string, std::string>>& filters,
                  const Paging& p, const std::vector<T>& all, Render render) const {
    return testing::Collection(base_url, path, filters, p, all, render);
  }

  // Creates or updates a record from `in` (mu held). Returns the fqdns whose DNS view may change.
  std::set<std::string> Write(Record& r, const EmulatorZone& zone, const RecordInput& in, bool is_new) {
    std::set<std::string> touched;
    if (!is_new) {
      touched.insert(r.fqdn);
    }
    const bool same = !is_new && r.name == in.name && r.type == in.type && r.content == in.content &&
                      r.ttl == in.ttl && r.priority == in.priority && r.enabled == in.enabled;
    if (same) {
      return touched;  // an ensure without change keeps the record as it is
    }
    const std::string now = NowIso();
    if (is_new) {
      r.seq = next_seq++;
      r.created = now;
    }
    r.zone_id = zone.id;
    r.zone_name = zone.name;
    r.name = in.name;
    const bool apex = in.name.empty() || in.name == "@";
    r.fqdn = apex ? zone.name : Lower(in.name) + "." + zone.name;
    r.type = in.type;
    r.content = in.content;
    r.ttl = in.ttl;
    r.priority = in.priority;
    r.enabled = in.enabled;
    r.modified = now;
    r.state = "PROVISIONING";
    r.available_at = Now() + std::chrono::milliseconds(faults.provisioning_delay_ms);
    r.fail = false;
    if (faults.fail_provisioning_next > 0) {
      --faults.fail_provisioning_next;
      r.fail = true;
    }
    touched.insert(r.fqdn);
    return touched;
  }

  // ---- publishing (publish_mu held)

  std::vector<std::string> DesiredValues(const std::string& fqdn) const {
    std::lock_guard<std::mutex> lock(mu);
    std::vector<std::string> values;
    for (const Record* r : SortedRecords()) {
      if (r->type == "TXT" && r->enabled && r->state == "AVAILABLE" && r->fqdn == fqdn &&
          std::find(values.begin(), values.end(), r->content) == values.end()) {
        values.push_back(r->content);
      }
    }
    return values;
  }

  Status Push(const std::string& endpoint, const json& body) {
    HttpRequest request;
    request.method = "POST";
    request.url = options->challtestsrv_url + endpoint;
    request.headers = {{"Content-Type", "application/json"}};
    request.body = body.dump();
    Result<HttpResponse> response = http->Do(request);
    if (!response.ok()) {
      return response.status().WithContext("pushing to pebble-challtestsrv " + endpoint);
    }
    if (response->status != 200) {
      return UnavailableError("pebble-challtestsrv " + endpoint + " answered HTTP " +
                              std::to_string(response->status));
    }
    return Status::Ok();
  }

  void PublishLocked(const std::string& fqdn) {
    if (!options->rfc2136_server.empty() && !fqdn.empty()) {
      PublishRfc2136Locked(fqdn);
      return;
    }
    if (http == nullptr || fqdn.empty()) {
      return;
    }
    const std::string host = fqdn + ".";
    const std::vector<std::string> desired = DesiredValues(fqdn);
    std::vector<std::string>& current = published[host];
    const bool only_additions = std::all_of(current.begin(), current.end(), [&](const std::string& v) {
      return std::find(desired.begin(), desired.end(), v) != desired.end();
    });
    Status st;
    if (only_additions) {
      for (const std::string& v : desired) {
        if (std::find(current.begin(), current.end(), v) == current.end()) {
          st = Push("/set-txt", {{"host", host}, {"value", v}});
          if (!st.ok()) {
            break;
          }
          current.push_back(v);
        }
      }
    } else {
      st = Push("/clear-txt", {{"host", host}});
      current.clear();
      for (const std::string& v : desired) {
        if (!st.ok()) {
          break;
        }
        st = Push("/set-txt", {{"host", host}, {"value", v}});
        if (st.ok()) {
          current.push_back(v);
        }
      }
    }
    if (current.empty()) {
      published.erase(host);
    }
    if (!st.ok()) {
      publish_errors.push_back(st.message());
      std::fprintf(stderr, "ionos-dns-emulator: %s\n", st.message().c_str());
    }
  }

  // RFC 2136 publishing (publish_mu held): the name's whole TXT set in one atomic update, sent only
  // when it differs from what the server was last given.
  void PublishRfc2136Locked(const std::string& fqdn) {
    const std::string host = fqdn + ".";
    TxtRrsetUpdate update;
    update.server = options->rfc2136_server;
    update.fqdn = fqdn;
    {
      std::lock_guard<std::mutex> lock(mu);
      for (const EmulatorZone& z : zones) {  // the longest zone name the fqdn lies in
        if (InZone(fqdn, z.name) && z.name.size() > update.zone.size()) {
          update.zone = z.name;
        }
      }
      int ttl = -1;
      for (const Record* r : SortedRecords()) {
        if (r->type == "TXT" && r->enabled && r->state == "AVAILABLE" && r->fqdn == fqdn) {
          ttl = ttl < 0 ? r->ttl : std::min(ttl, r->ttl);
          if (std::find(update.values.begin(), update.values.end(), r->content) == update.values.end()) {
            update.values.push_back(r->content);
          }
        }
      }
      update.ttl = ttl < 0 ? 60 : ttl;
    }
    auto current = published.find(host);
    const std::vector<std::string> empty;
    if (update.values == (current == published.end() ? empty : current->second)) {
      return;
    }
    Status st = update.zone.empty() ? FailedPreconditionError("RFC 2136 update of " + fqdn + ": in no emulated zone")
                                    : ReplaceTxtRrset(update, options->tsig_key);
    if (!st.ok()) {
      publish_errors.push_back(st.message());
      std::fprintf(stderr, "ionos-dns-emulator: %s\n", st.message().c_str());
      return;
    }
    if (update.values.empty()) {
      published.erase(host);
    } else {
      published[host] = update.values;
    }
  }

  // The provisioning clock: the injected one, else the system clock.
  TimePoint Now() const { return options->clock != nullptr ? options->clock->Now() : std::chrono::system_clock::now(); }

  // Finishes provisioning of every record whose time has come and publishes what changed.
  void Settle() {
    std::lock_guard<std::mutex> publish_lock(publish_mu);
    std::set<std::string> touched;
    {
      std::lock_guard<std::mutex> lock(mu);
      const TimePoint now = Now();
      for (auto& [id, r] : records) {
        if (r.state == "PROVISIONING" && r.available_at <= now && !faults.hold_provisioning) {
          r.state = r.fail ? "FAILED" : "AVAILABLE";
          touched.insert(r.fqdn);
        }
      }
    }
    for (const std::string& fqdn : touched) {
      PublishLocked(fqdn);
    }
  }

  void ProvisionerLoop() {
    std::unique_lock<std::mutex> lock(mu);
    while (!stopping) {
      std::optional<TimePoint> next;
      for (const auto& [id, r] : records) {
        if (r.state == "PROVISIONING" && (!next || r.available_at < *next)) {
          next = r.available_at;
        }
      }
      if (!next || faults.hold_provisioning) {
        cv.wait(lock);  // woken by a new record, a change of the fault switches, or stopping
      } else if (*next > Now()) {
        cv.wait_until(lock, *next);
      } else {
        lock.unlock();
        Settle();
        lock.lock();
      }
    }
  }

  // ---- request gate

  void Count(const std::string& key) {
    std::lock_guard<std::mutex> lock(mu);
    ++counts[key];
  }

  // Applies authentication and fault switches to a request of kind `key` ("GET /zones"); false
  // when the request was answered.
  bool Gate(const std::string& key, const httplib::Request& req, httplib::Response& res) {
    std::lock_guard<std::mutex> lock(mu);
    if (!PassCommonFaults(req, res, options->token,
                          {faults.unauthorized, &faults.rate_limit_next, faults.retry_after_seconds,
                           faults.server_error_always, &faults.server_error_next, faults.server_error_status})) {
      return false;
    }
    const bool bad_body_kind = faults.bad_error_body_on.empty() ||
                               std::find(faults.bad_error_body_on.begin(), faults.bad_error_body_on.end(), key) !=
                                   faults.bad_error_body_on.end();
    if (bad_body_kind && (faults.bad_error_body_always || faults.bad_error_body_next > 0)) {
      if (!faults.bad_error_body_always) {
        --faults.bad_error_body_next;
      }
      // The documented shape, with members of the wrong JSON types.
      SendJson(res, 500, json::parse(R"({"httpStatus":500,"messages":[{"errorCode":1,"message":{"x":1}}]})"));
      return false;
    }
    return true;
  }

  // ---- API handlers

  void ListZones(const httplib::Request& req, httplib::Response& res) {
    std::optional<Paging> paging = ParsePaging(req, res);
    if (!paging) {
      return;
    }
    std::vector<std::pair<std::string, std::string>> filters;
    const std::string name_filter = req.get_param_value("filter.zoneName");
    const std::string state_filter = req.get_param_value("filter.state");
    if (req.has_param("filter.zoneName")) {
      filters.emplace_back("filter.zoneName", name_filter);
    }
    if (req.has_param("filter.state")) {
      filters.emplace_back("filter.state", state_filter);
    }
    json answer;
    {
      std::lock_guard<std::mutex> lock(mu);
      std::vector<const EmulatorZone*> all;
      for (const EmulatorZone& z : zones) {
        if (!name_filter.empty() && !ContainsIgnoreCase(z.name, name_filter)) {
          continue;
        }
        if (!state_filter.empty() && Upper(state_filter) != "AVAILABLE") {
          continue;  // every emulated zone is AVAILABLE
        }
        all.push_back(&z);
      }
      answer = Collection("/zones", filters, *paging, all, [this](const EmulatorZone* z) { return ZoneJson(*z); });
    }
    SendJson(res, 200, answer);
  }

  void GetZone(const httplib::Request& req, httplib::Response& res) {
    std::lock_guard<std::mutex> lock(mu);
    const EmulatorZone* z = FindZone(req.matches[1]);
    if (z == nullptr) {
      SendError(res, 404, "paas-resource-1", "zone " + std::string(req.matches[1]) + " not found");
      return;
    }
    SendJson(res, 200, ZoneJson(*z));
  }

  void ListZoneRecords(const httplib::Request& req, httplib::Response& res) {
    std::optional<Paging> paging = ParsePaging(req, res);
    if (!paging) {
      return;
    }
    const std::string zone_id = req.matches[1];
    json answer;
    {
      std::lock_guard<std::mutex> lock(mu);
      if (FindZone(zone_id) == nullptr) {
        SendError(res, 404, "paas-resource-1", "zone " + zone_id + " not found");
        return;
      }
      std::vector<const Record*> all;
      for (const Record* r : SortedRecords()) {
        if (r->zone_id == zone_id) {
          all.push_back(r);
        }
      }
      answer = Collection("/zones/" + zone_id + "/records", {}, *paging, all,
                          [this](const Record* r) { return RecordJson(*r); });
    }
    SendJson(res, 200, answer);
  }

  void ListAllRecords(const httplib::Request& req, httplib::Response& res) {
    std::optional<Paging> paging = ParsePaging(req, res);
    if (!paging) {
      return;
    }
    std::vector<std::pair<std::string, std::string>> filters;
    for (const char* key : {"filter.zoneId", "filter.name", "filter.state", "filter.type"}) {
      if (req.has_param(key)) {
        filters.emplace_back(key, req.get_param_value(key));
      }
    }
    const std::string zone_filter = req.get_param_value("filter.zoneId");
    const std::string name_filter = req.get_param_value("filter.name");
    const std::string state_filter = req.get_param_value("filter.state");
    const std::string type_filter = req.get_param_value("filter.type");
    if (!type_filter.empty() && RecordTypes().count(Upper(type_filter)) == 0) {
      SendValidationError(res, "filter.type: unknown record type \"" + type_filter + "\"");
      return;
    }
    json answer;
    {
      std::lock_guard<std::mutex> lock(mu);
      std::vector<const Record*> all;
      for (const Record* r : SortedRecords()) {
        if ((!zone_filter.empty() && !ContainsIgnoreCase(r->zone_id, zone_filter)) ||
            (!name_filter.empty() && !ContainsIgnoreCase(r->name, name_filter)) ||
            (!state_filter.empty() && Upper(state_filter) != r->state) ||
            (!type_filter.empty() && Upper(type_filter) != r->type)) {
          continue;
        }
        all.push_back(r);
      }
      answer = Collection("/records", filters, *paging, all, [this](const Record* r) { return RecordJson(*r); });
    }
    SendJson(res, 200, answer);
  }

  void CreateRecord(const httplib::Request& req, httplib::Response& res) {
    const std::string zone_id = req.matches[1];
    std::string error;
    std::optional<RecordInput> in = ParseRecordBody(req.body, &error);
    std::lock_guard<std::mutex> publish_lock(publish_mu);
    json answer;
    {
      std::lock_guard<std::mutex> lock(mu);
      const EmulatorZone* zone = FindZone(zone_id);
      if (zone == nullptr) {
        SendError(res, 404, "paas-resource-1", "zone " + zone_id + " not found");
        return;
      }
      if (!in) {
        SendValidationError(res, error);
        return;
      }
      Record r;
      r.id = NewId();
      Write(r, *zone, *in, /*is_new=*/true);
      answer = RecordJson(r);
      records[r.id] = r;
    }
    cv.notify_all();
    SendJson(res, 202, answer);
  }

  void EnsureRecord(const httplib::Request& req, httplib::Response& res) {
    const std::string zone_id = req.matches[1];
    const std::string record_id = req.matches[2];
    std::string error;
    std::optional<RecordInput> in = ParseRecordBody(req.body, &error);
    std::lock_guard<std::mutex> publish_lock(publish_mu);
    json answer;
    std::set<std::string> touched;
    {
      std::lock_guard<std::mutex> lock(mu);
      const EmulatorZone* zone = FindZone(zone_id);
      if (zone == nullptr) {
        SendError(res, 404, "paas-resource-1", "zone " + zone_id + " not found");
        return;
      }
      if (!IsUuid(record_id)) {
        SendValidationError(res, "recordId: \"" + record_id + "\" is not a UUID");
        return;
      }
      if (!in) {
        SendValidationError(res, error);
        return;
      }
      auto it = records.find(record_id);
      if (it != records.end() && it->second.zone_id != zone_id) {
        SendError(res, 409, "paas-conflict-1",
                  "record " + record_id + " already exists in another zone (" + it->second.zone_name + ")");
        return;
      }
      const bool is_new = it == records.end();
      Record& r = records[record_id];
      r.id = record_id;
      touched = Write(r, *zone, *in, is_new);
      answer = RecordJson(r);
    }
    for (const std::string& fqdn : touched) {
      PublishLocked(fqdn);  // an updated record leaves DNS until it is provisioned again
    }
    cv.notify_all();
    SendJson(res, 202, answer);
  }

  void GetRecord(const httplib::Request& req, httplib::Response& res) {
    const std::string zone_id = req.matches[1];
    const std::string record_id = req.matches[2];
    std::lock_guard<std::mutex> lock(mu);
    if (FindZone(zone_id) == nullptr) {
      SendError(res, 404, "paas-resource-1", "zone " + zone_id + " not found");
      return;
    }
    auto it = records.find(record_id);
    if (it == records.end() || it->second.zone_id != zone_id) {
      SendError(res, 404, "paas-resource-1", "record " + record_id + " not found in zone " + zone_id);
      return;
    }
    SendJson(res, 200, RecordJson(it->second));
  }

  void DeleteRecord(const httplib::Request& req, httplib::Response& res) {
    const std::string zone_id = req.matches[1];
    const std::string record_id = req.matches[2];
    std::lock_guard<std::mutex> publish_lock(publish_mu);
    std::string fqdn;
    {
      std::lock_guard<std::mutex> lock(mu);
      if (FindZone(zone_id) == nullptr) {
        SendError(res, 404, "paas-resource-1", "zone " + zone_id + " not found");
        return;
      }
      auto it = records.find(record_id);
      if (it == records.end() || it->second.zone_id != zone_id) {
        SendError(res, 404, "paas-resource-1", "record " + record_id + " not found in zone " + zone_id);
        return;
      }
      fqdn = it->second.fqdn;
      records.erase(it);
    }
    PublishLocked(fqdn);
    cv.notify_all();
    SendJson(res, 202, json::object());
  }

  // ---- control

  json RecordsJson() const {
    std::lock_guard<std::mutex> lock(mu);
    json out = json::array();
    for (const Record* r : SortedRecords()) {
      out.push_back({{"id", r->id},
                     {"zoneId", r->zone_id},
                     {"zoneName", r->zone_name},
                     {"name", r->name},
                     {"fqdn", r->fqdn},
                     {"type", r->type},
                     {"content", r->content},
                     {"ttl", r->ttl},
                     {"enabled", r->enabled},
                     {"state", r->state}});
    }
    return out;
  }

  void Reset() {
    std::lock_guard<std::mutex> publish_lock(publish_mu);
    std::set<std::string> touched;
    {
      std::lock_guard<std::mutex> lock(mu);
      for (const auto& [id, r] : records) {
        touched.insert(r.fqdn);
      }
      records.clear();
      counts.clear();
      faults = EmulatorFaults();
    }
    for (const std::string& fqdn : touched) {
      PublishLocked(fqdn);
    }
    publish_errors.clear();
    cv.notify_all();
  }
};

// ---------------------------------------------------------------- DnsApiEmulator

Result<std::unique_ptr<DnsApiEmulator>> DnsApiEmulator::Start(DnsEmulatorOptions options) {
  if (options.host != "127.0.0.1" && options.host != "::1" && options.host != "localhost") {
    return InvalidArgumentError("the DNS API emulator binds loopback only, not \"" + options.host + "\"");
  }
  if (options.token.empty()) {
    return InvalidArgumentError("the DNS API emulator needs a token");
  }
  std::unique_ptr<DnsApiEmulator> emu(new DnsApiEmulator());
  emu->options_ = std::move(options);
  emu->impl_ = std::make_unique<Impl>();
  Impl& impl = *emu->impl_;
  impl.options = &emu->options_;
  impl.faults = emu->options_.faults;
  for (const EmulatorZone& zone : emu->options_.zones) {
    IONOS_RETURN_IF_ERROR(emu->AddZone(zone).status());
  }
  std::string& cts = emu->options_.challtestsrv_url;
  while (!cts.empty() && cts.back() == '/') {
    cts.pop_back();
  }
  if (const std::string& server = emu->options_.rfc2136_server; !server.empty()) {
    if (!cts.empty()) {
      return InvalidArgumentError("the DNS API emulator publishes to challtestsrv or to an RFC 2136 server, not both");
    }
    IONOS_ASSIGN_OR_RETURN_CTX(auto host_port, SplitHostPort(server, 53), "RFC 2136 server");
    if (IpLiteralFamily(host_port.first) == IpFamily::kNone || !IsLoopbackHost(host_port.first)) {
      return InvalidArgumentError("RFC 2136 server \"" + server + "\": a loopback address literal is required");
    }
  }
  if (!cts.empty()) {
    IONOS_RETURN_IF_ERROR(ParseHttpUrl(cts).status().WithContext("challtestsrv management URL"));
    HttpClientOptions http_options;
    http_options.connect_timeout = std::chrono::seconds(5);
    http_options.read_timeout = std::chrono::seconds(10);
    IONOS_ASSIGN_OR_RETURN(impl.http, NewHttpClient(http_options));
  }

  impl.server = std::make_unique<httplib::Server>();
  httplib::Server& svr = *impl.server;
  // One request per connection ("Connection: close" on every answer): cpp-httplib's stop() would
  // otherwise wait out the keep-alive timeout of every idle pooled client connection.
  svr.set_keep_alive_max_count(1);
  svr.set_tcp_nodelay(true);  // else Nagle + delayed ACK add ~40 ms to every answer
  Impl* p = &impl;
  using Handler = std::function<void(const httplib::Request&, httplib::Response&)>;
  auto api = [p](const std::string& method, const std::string& tmpl, void (Impl::*fn)(const httplib::Request&,
                                                                                        httplib::Response&)) {
    return Handler([p, key = method + " " + tmpl, fn](const httplib::Request& req, httplib::Response& res) {
      p->Count(key);
      if (!p->Gate(key, req, res)) {
        return;
      }
      p->Settle();
      (p->*fn)(req, res);
    });
  };
  const std::string zone = R"(/zones/([^/]+))";
  const std::string record = R"(/zones/([^/]+)/records/([^/]+))";
  svr.Get("/zones", api("GET", "/zones", &Impl::ListZones));
  svr.Get(zone, api("GET", "/zones/{zoneId}", &Impl::GetZone));
  svr.Get(zone + "/records", api("GET", "/zones/{zoneId}/records", &Impl::ListZoneRecords));
  svr.Post(zone + "/records", api("POST", "/zones/{zoneId}/records", &Impl::CreateRecord));
  svr.Get(record, api("GET", "/zones/{zoneId}/records/{recordId}", &Impl::GetRecord));
  svr.Put(record, api("PUT", "/zones/{zoneId}/records/{recordId}", &Impl::EnsureRecord));
  svr.Delete(record, api("DELETE", "/zones/{zoneId}/records/{recordId}", &Impl::DeleteRecord));
  svr.Get("/records", api("GET", "/records", &Impl::ListAllRecords));

  DnsApiEmulator* self = emu.get();
  svr.Get("/_emulator/faults", [self](const httplib::Request&, httplib::Response& res) {
    SendJson(res, 200, self->faults().ToJson());
  });
  svr.Post("/_emulator/faults", [self](const httplib::Request& req, httplib::Response& res) {
    json j = json::parse(req.body, nullptr, /*allow_exceptions=*/false);
    Status st = self->MergeFaults(j);
    if (!st.ok()) {
      SendValidationError(res, st.message());
      return;
    }
    SendJson(res, 200, self->faults().ToJson());
  });
  svr.Get("/_emulator/records", [p](const httplib::Request&, httplib::Response& res) {
    p->Settle();
    SendJson(res, 200, {{"records", p->RecordsJson()}});
  });
  svr.Get("/_emulator/requests", [self](const httplib::Request&, httplib::Response& res) {
    SendJson(res, 200, json(self->request_counts()));
  });
  svr.Get("/_emulator/zones", [self](const httplib::Request&, httplib::Response& res) {
    json zones = json::array();
    for (const EmulatorZone& z : self->zones()) {
      zones.push_back({{"id", z.id}, {"name", z.name}, {"nameservers", z.nameservers}});
    }
    SendJson(res, 200, {{"zones", zones}});
  });
  svr.Post("/_emulator/zones", [self](const httplib::Request& req, httplib::Response& res) {
    json j = json::parse(req.body, nullptr, /*allow_exceptions=*/false);
    if (!j.is_object() || !j.contains("name") || !j["name"].is_string()) {
      SendValidationError(res, "expected {\"name\":\"example.org\", \"id\":\"optional\"}");
      return;
    }
    EmulatorZone z;
    z.name = j["name"].get<std::string>();
    if (j.contains("id") && j["id"].is_string()) {
      z.id = j["id"].get<std::string>();
    }
    if (j.contains("nameservers") && j["nameservers"].is_array()) {
      for (const json& n : j["nameservers"]) {
        if (n.is_string()) {
          z.nameservers.push_back(n.get<std::string>());
        }
      }
    }
    Result<EmulatorZone> added = self->AddZone(z);
    if (!added.ok()) {
      SendError(res, added.status().code() == StatusCode::kAlreadyExists ? 409 : 400, "paas-validation-1",
                added.status().message());
      return;
    }
    SendJson(res, 201, {{"id", added->id}, {"name", added->name}, {"nameservers", added->nameservers}});
  });
  svr.Get("/_emulator/published", [self](const httplib::Request&, httplib::Response& res) {
    json out = json(self->published());
    out["errors"] = self->publish_errors();
    SendJson(res, 200, out);
  });
  svr.Post("/_emulator/reset", [p](const httplib::Request&, httplib::Response& res) {
    p->Reset();
    SendJson(res, 200, json::object());
  });
  svr.set_error_handler(httplib::Server::HandlerWithResponse([](const httplib::Request& req,
                                                                 httplib::Response& res) {
    if (!res.body.empty()) {
      return httplib::Server::HandlerResponse::Unhandled;
    }
    const int status = res.status;
    SendError(res, status, status == 404 ? "paas-resource-1" : "paas-request-1",
              status == 404 ? "no such resource: " + req.method + " " + req.path
                            : "the request could not be processed (HTTP " + std::to_string(status) + ")");
    return httplib::Server::HandlerResponse::Handled;
  }));
  if (emu->options_.log_requests) {
    svr.set_logger([](const httplib::Request& req, const httplib::Response& res) {
      std::fprintf(stderr, "ionos-dns-emulator: %s %s -> %d\n", req.method.c_str(), req.path.c_str(), res.status);
    });
  }

  const std::string& host = emu->options_.host;
  if (emu->options_.port == 0) {
    emu->port_ = svr.bind_to_any_port(host);
  } else {
    emu->port_ = svr.bind_to_port(host, emu->options_.port) ? emu->options_.port : -1;
  }
  if (emu->port_ <= 0) {
    return UnavailableError("the DNS API emulator cannot listen on " + host + ":" +
                            std::to_string(emu->options_.port));
  }
  const bool v6 = host.find(':') != std::string::npos;
  impl.base_url = "http://" + (v6 ? "[" + host + "]" : host) + ":" + std::to_string(emu->port_);
  // Through ServeHttpForTests, whose frame tests/tsan.supp keys on (test_http_server.h).
  impl.server_thread = std::thread([p] { ServeHttpForTests(*p->server); });
  for (int i = 0; i < 500 && !svr.is_running(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  if (impl.options->clock == nullptr) {
    impl.provisioner = std::thread([p] { p->ProvisionerLoop(); });
  }
  return emu;
}

DnsApiEmulator::~DnsApiEmulator() { Stop(); }

void DnsApiEmulator::Stop() {
  if (impl_ == nullptr) {
    return;
  }
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    impl_->stopping = true;
  }
  impl_->cv.notify_all();
  if (impl_->server != nullptr) {
    impl_->server->stop();
  }
  if (impl_->server_thread.joinable()) {
    impl_->server_thread.join();
  }
  if (impl_->provisioner.joinable()) {
    impl_->provisioner.join();
  }
}

std::string DnsApiEmulator::base_url() const { return impl_->base_url; }

EmulatorFaults DnsApiEmulator::faults() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->faults;
}

void DnsApiEmulator::SetFaults(const EmulatorFaults& faults) {
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    impl_->faults = faults;
  }
  impl_->cv.notify_all();  // the provisioner re-reads hold_provisioning
}

Status DnsApiEmulator::MergeFaults(const json& j) {
  Status merged;
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    merged = impl_->faults.Merge(j);
  }
  impl_->cv.notify_all();  // the provisioner re-reads hold_provisioning
  return merged;
}

Result<EmulatorZone> DnsApiEmulator::AddZone(EmulatorZone zone) {
  zone.name = NormalizeDnsName(zone.name);
  if (zone.name.empty() || zone.name.find("..") != std::string::npos || zone.name.front() == '.') {
    return InvalidArgumentError("invalid zone name \"" + zone.name + "\"");
  }
  if (zone.id.empty()) {
    zone.id = NewId();
  }
  if (zone.nameservers.empty()) {
    zone.nameservers.assign(std::begin(kDefaultNameservers), std::end(kDefaultNameservers));
  }
  std::lock_guard<std::mutex> lock(impl_->mu);
  for (const EmulatorZone& z : impl_->zones) {
    if (z.name == zone.name || z.id == zone.id) {
      return AlreadyExistsError("zone " + zone.name + " (" + zone.id + ") exists already");
    }
  }
  impl_->zones.push_back(zone);
  return zone;
}

std::vector<EmulatorZone> DnsApiEmulator::zones() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->zones;
}

Result<EmulatorRecord> DnsApiEmulator::AddRecord(const std::string& zone_id, const std::string& name,
                                                 const std::string& type, const std::string& content, int ttl) {
  json body = {{"properties", {{"name", name}, {"type", type}, {"content", content}, {"ttl", ttl}}}};
  std::string error;
  std::optional<RecordInput> in = ParseRecordBody(body.dump(), &error);
  if (!in) {
    return InvalidArgumentError(error);
  }
  std::lock_guard<std::mutex> publish_lock(impl_->publish_mu);
  Impl::Record copy;
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    const EmulatorZone* zone = impl_->FindZone(zone_id);
    if (zone == nullptr) {
      return NotFoundError("zone " + zone_id + " not found");
    }
    Impl::Record r;
    r.id = NewId();
    const int saved_delay = impl_->faults.provisioning_delay_ms;
    const int saved_fail = impl_->faults.fail_provisioning_next;
    impl_->Write(r, *zone, *in, /*is_new=*/true);
    impl_->faults.provisioning_delay_ms = saved_delay;
    impl_->faults.fail_provisioning_next = saved_fail;
    r.fail = false;
    r.state = "AVAILABLE";
    impl_->records[r.id] = r;
    copy = r;
  }
  impl_->PublishLocked(copy.fqdn);
  return static_cast<EmulatorRecord>(copy);
}

void DnsApiEmulator::SettleNow() { impl_->Settle(); }

std::vector<EmulatorRecord> DnsApiEmulator::records() const {
  impl_->Settle();
  std::lock_guard<std::mutex> lock(impl_->mu);
  std::vector<EmulatorRecord> out;
  for (const Impl::Record* r : impl_->SortedRecords()) {
    out.push_back(*r);
  }
  return out;
}

std::map<std::string, int> DnsApiEmulator::request_counts() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->counts;
}

int DnsApiEmulator::request_count(const std::string& key) const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  auto it = impl_->counts.find(key);
  return it == impl_->counts.end() ? 0 : it->second;
}

void DnsApiEmulator::ResetRequestCounts() {
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->counts.clear();
}

std::map<std::string, std::vector<std::string>> DnsApiEmulator::published() const {
  std::lock_guard<std::mutex> lock(impl_->publish_mu);
  return impl_->published;
}

std::vector<std::string> DnsApiEmulator::publish_errors() const {
  std::lock_guard<std::mutex> lock(impl_->publish_mu);
  return impl_->publish_errors;
}

}  // namespace ionos::testing
