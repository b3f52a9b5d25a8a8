#include "plugin/auto_certificate_model.h"

#include <algorithm>
#include <set>

#include <nlohmann/json.hpp>

#include "core/lifecycle/renewal_policy.h"

namespace ionos::tf {
namespace {

// ---- decoding: one attribute of a known object

template <typename T, typename Get>
Attr<T> Decode(const Value& object, const char* name, Get get) {
  if (!object.is_known()) return {};
  const Value v = object.GetAttr(name);
  if (v.is_unknown()) return Attr<T>::Unknown();
  if (v.is_null()) return {};
  return get(v);
}

Attr<std::string> String(const Value& o, const char* name) {
  return Decode<std::string>(o, name, [](const Value& v) { return v.as_string(); });
}

Attr<bool> Bool(const Value& o, const char* name) {
  return Decode<bool>(o, name, [](const Value& v) { return v.as_bool(); });
}

Attr<int64_t> Int(const Value& o, const char* name) {
  return Decode<int64_t>(o, name, [](const Value& v) -> Attr<int64_t> {
    std::optional<int64_t> i = v.as_number().ToInt64();
    return i ? Attr<int64_t>(*i) : Attr<int64_t>::Unknown();  // not a whole number: the rules report it
  });
}

// A set or list of strings: unknown when any element is.
Attr<std::vector<std::string>> Strings(const Value& o, const char* name) {
  return Decode<std::vector<std::string>>(o, name, [](const Value& v) -> Attr<std::vector<std::string>> {
    std::vector<std::string> out;
    for (const Value& e : v.elements()) {
      if (!e.is_known()) return Attr<std::vector<std::string>>::Unknown();
      out.push_back(e.as_string());
    }
    return out;
  });
}

Attr<std::vector<CertificateEntry>> Entries(const Value& o, const char* name) {
  return Decode<std::vector<CertificateEntry>>(o, name, [](const Value& v) {
    std::vector<CertificateEntry> out;
    for (const Value& e : v.elements()) {
      CertificateEntry c;
      c.id = String(e, "id").value_or("");
      c.name = String(e, "name").value_or("");
      c.serial_number = String(e, "serial_number").value_or("");
      c.not_before = String(e, "not_before").value_or("");
      c.not_after = String(e, "not_after").value_or("");
      c.status = String(e, "status").value_or("");
      c.published_id = String(e, "published_id");
      out.push_back(std::move(c));
    }
    return out;
  });
}

// ---- encoding: one attribute

template <typename T, typename Make>
Value Encode(const Attr<T>& a, const Type& type, Make make) {
  if (a.is_unknown()) return Value::Unknown(type);
  if (a.is_null()) return Value::Null(type);
  return make(*a);
}

Value ToValue(const Attr<std::string>& a) { return Encode(a, Type::String(), Value::String); }
Value ToValue(const Attr<bool>& a) { return Encode(a, Type::Bool(), Value::Bool); }
Value ToValue(const Attr<int64_t>& a) { return Encode(a, Type::Number(), Value::Int); }

Value ToValue(const Attr<std::vector<std::string>>& a) {
  return Encode(a, Type::Set(Type::String()), [](const std::vector<std::string>& names) {
    std::vector<Value> out;
    for (const std::string& n : names) out.push_back(Value::String(n));
    return Value::Set(Type::String(), std::move(out));
  });
}

Value ToValue(const Attr<std::vector<CertificateEntry>>& a, const Type& list_type) {
  const Type element = list_type.element();
  return Encode(a, list_type, [&](const std::vector<CertificateEntry>& entries) {
    std::vector<Value> out;
    for (const CertificateEntry& c : entries) {
      out.push_back(Value::ObjectOfType(element, {{"id", Value::String(c.id)},
                                                  {"name", Value::String(c.name)},
                                                  {"serial_number", Value::String(c.serial_number)},
                                                  {"not_before", Value::String(c.not_before)},
                                                  {"not_after", Value::String(c.not_after)},
                                                  {"status", Value::String(c.status)},
                                                  {"published_id", ToValue(c.published_id)}}));
    }
    return Value::List(element, std::move(out));
  });
}

TimePoint TimeOrEpoch(const std::string& s) {
  Result<TimePoint> t = ParseRfc3339(s);
  return t.ok() ? *t : TimePoint{};
}

// The computed attributes of the model that describe the certificates, by name.
std::map<std::string, Value> ComputedAttributes(const AutoCertificateModel& m, const Type& certificates_type) {
  return {{"published_certificate_id", ToValue(m.published_certificate_id)},
          {"last_issued_certificate_id", ToValue(m.last_issued_certificate_id)},
          {"certificate_pem", ToValue(m.certificate_pem)},
          {"certificate_chain_pem", ToValue(m.certificate_chain_pem)},
          {"private_key_pem", ToValue(m.private_key_pem)},
          {"not_before", ToValue(m.not_before)},
          {"not_after", ToValue(m.not_after)},
          {"serial_number", ToValue(m.serial_number)},
          {"fingerprint_sha256", ToValue(m.fingerprint_sha256)},
          {"renew_at", ToValue(m.renew_at)},
          {"renewal_due", ToValue(m.renewal_due)},
          {"certificates", ToValue(m.certificates, certificates_type)}};
}

}  // namespace

CertificateSummary CertificateEntry::Summary() const {
  CertificateSummary s;
  s.id = id;
  s.name = name;
  s.serial_number = serial_number;
  s.not_before = TimeOrEpoch(not_before);
  s.not_after = TimeOrEpoch(not_after);
  return s;
}

CertificateEntry CertificateEntry::Of(const CertificateState& state, const std::string& published) {
  CertificateEntry c;
  c.id = state.summary.id;
  c.name = state.summary.name;
  c.serial_number = state.summary.serial_number;
  c.not_before = FormatRfc3339(state.summary.not_before);
  c.not_after = FormatRfc3339(state.summary.not_after);
  c.status = CertificateStatusName(state.status);
  if (!published.empty()) c.published_id = published;
  return c;
}

AutoCertificateModel AutoCertificateModel::Decode(const Value& v) {
  AutoCertificateModel m;
  m.id = String(v, "id");
  m.provider_id = String(v, "provider_id");
  m.name = String(v, "name");
  m.common_name = String(v, "common_name");
  m.subject_alternative_names = Strings(v, "subject_alternative_names");
  m.key_algorithm = String(v, "key_algorithm");
  m.renew_before_days = Int(v, "renew_before_days");
  m.grace_period_days = Int(v, "grace_period_days");
  m.profile = String(v, "profile");
  m.private_key_in_state = Bool(v, "private_key_in_state");
  m.publish = Bool(v, "publish");
  m.published_certificate_id = String(v, "published_certificate_id");
  m.last_issued_certificate_id = String(v, "last_issued_certificate_id");
  m.certificate_pem = String(v, "certificate_pem");
  m.certificate_chain_pem = String(v, "certificate_chain_pem");
  m.private_key_pem = String(v, "private_key_pem");
  m.not_before = String(v, "not_before");
  m.not_after = String(v, "not_after");
  m.serial_number = String(v, "serial_number");
  m.fingerprint_sha256 = String(v, "fingerprint_sha256");
  m.renew_at = String(v, "renew_at");
  m.renewal_due = Bool(v, "renewal_due");
  m.certificates = Entries(v, "certificates");
  return m;
}

Value AutoCertificateModel::Encode(const Schema& schema) const {
  const Type type = schema.type();
  std::map<std::string, Value> attrs = ComputedAttributes(*this, type.attributes().at("certificates"));
  attrs.insert({{"id", ToValue(id)},
                {"provider_id", ToValue(provider_id)},
                {"name", ToValue(name)},
                {"common_name", ToValue(common_name)},
                {"subject_alternative_names", ToValue(subject_alternative_names)},
                {"key_algorithm", ToValue(key_algorithm)},
                {"renew_before_days", ToValue(renew_before_days)},
                {"grace_period_days", ToValue(grace_period_days)},
                {"profile", ToValue(profile)},
                {"private_key_in_state", ToValue(private_key_in_state)},
                {"publish", ToValue(publish)}});
  return Value::ObjectOfType(type, std::move(attrs));
}

Value AutoCertificateModel::EncodeComputed(const Value& over) const {
  std::map<std::string, Value> attrs = over.entries();
  for (auto& [name, v] : ComputedAttributes(*this, over.type().attributes().at("certificates"))) {
    attrs[name] = std::move(v);
  }
  return Value::ObjectOfType(over.type(), std::move(attrs));
}

AutoCertificateModel AutoCertificateModel::FromView(const AutoCertificateView& view, const AutoCertificateModel& base,
                                                    bool key) {
  const AutoCertificateRecord& r = view.record;
  AutoCertificateModel m;
  m.id = r.id;
  m.provider_id = r.provider_id;
  m.name = r.name;
  m.common_name = r.common_name;
  // Keep the base's form of the SAN set (null or empty) when it holds the same names.
  const bool same_names = SameNames(base.subject_alternative_names.value_or({}), r.subject_alternative_names);
  if (same_names && (base.subject_alternative_names.is_known() || r.subject_alternative_names.empty())) {
    m.subject_alternative_names = base.subject_alternative_names;
  } else if (!r.subject_alternative_names.empty()) {
    m.subject_alternative_names = r.subject_alternative_names;
  }
  m.key_algorithm = r.key_algorithm;
  m.renew_before_days = r.renew_before_days;
  m.grace_period_days = r.grace_period_days;
  if (!r.profile.empty()) m.profile = r.profile;
  m.private_key_in_state = base.KeyInState();
  // What the configuration (or the state) says; the store's setting only for an import.
  m.publish = base.publish.value_or(r.settings.publish);
  if (std::string published = view.NewestPublishedId(); !published.empty()) m.published_certificate_id = published;
  std::vector<CertificateEntry> entries;
  for (const CertificateState& c : view.certificates) {
    auto published = view.published_ids.find(c.summary.id);
    entries.push_back(CertificateEntry::Of(c, published == view.published_ids.end() ? "" : published->second));
  }
  m.certificates = std::move(entries);
  if (!view.newest) {
    m.renewal_due = true;
    return m;
  }
  const CertificateRecord& newest = *view.newest;
  m.last_issued_certificate_id = newest.id;
  m.certificate_pem = newest.certificate_pem;
  m.certificate_chain_pem = newest.chain_pem;
  if (key) m.private_key_pem = newest.private_key_pem;
  m.not_before = FormatRfc3339(newest.not_before);
  m.not_after = FormatRfc3339(newest.not_after);
  m.serial_number = newest.serial_number;
  m.fingerprint_sha256 = newest.fingerprint_sha256;
  m.renew_at = FormatRfc3339(view.renewal->renew_at);
  m.renewal_due = view.renewal->due;
  return m;
}

AutoCertificateRecord AutoCertificateModel::Record(const IssuanceSettings& settings) const {
  AutoCertificateRecord r;
  r.id = id.value_or("");
  r.provider_id = provider_id.value_or("");
  r.name = name.value_or("");
  r.common_name = common_name.value_or("");
  r.subject_alternative_names = subject_alternative_names.value_or({});
  std::sort(r.subject_alternative_names.begin(), r.subject_alternative_names.end());
  r.key_algorithm = key_algorithm.value_or("");
  r.renew_before_days = renew_before_days.value_or(0);
  r.grace_period_days = grace_period_days.value_or(0);
  r.profile = profile.value_or("");
  r.settings = settings;
  r.settings.publish = publish.value_or(false);
  return r;
}

std::vector<CertificateSummary> AutoCertificateModel::Summaries() const {
  std::vector<CertificateSummary> out;
  for (const CertificateEntry& c : certificates.value_or({})) out.push_back(c.Summary());
  return out;
}

void AutoCertificateModel::ExpectNewCertificate() {
  for (Attr<std::string>* a : {&last_issued_certificate_id, &certificate_pem, &certificate_chain_pem, &private_key_pem,
                               &not_before, &not_after, &serial_number, &fingerprint_sha256, &renew_at}) {
    *a = Attr<std::string>::Unknown();
  }
  renewal_due = Attr<bool>::Unknown();
  certificates = Attr<std::vector<CertificateEntry>>::Unknown();
}

std::map<std::string, Value> CertificateAttributes(const CertificateRecord& c, bool with_key) {
  std::map<std::string, Value> attrs = {{"certificate_pem", Value::String(c.certificate_pem)},
                                        {"certificate_chain_pem", Value::String(c.chain_pem)},
                                        {"not_before", Value::String(FormatRfc3339(c.not_before))},
                                        {"not_after", Value::String(FormatRfc3339(c.not_after))},
                                        {"serial_number", Value::String(c.serial_number)},
                                        {"fingerprint_sha256", Value::String(c.fingerprint_sha256)}};
  if (with_key) attrs["private_key_pem"] = Value::String(c.private_key_pem);
  return attrs;
}

UpdateIntent IntentOf(const AutoCertificateModel& prior, const AutoCertificateModel& plan) {
  UpdateIntent intent;
  intent.reissue = plan.certificate_pem.is_unknown();
  intent.replaces_certificate_id = prior.last_issued_certificate_id.value_or("");
  if (plan.certificates.is_known()) {
    std::set<std::string> kept;
    for (const CertificateEntry& c : *plan.certificates) kept.insert(c.id);
    std::set<std::string> prune;
    for (const CertificateEntry& c : prior.certificates.value_or({})) {
      if (kept.count(c.id) == 0) prune.insert(c.id);
    }
    intent.prune = std::move(prune);
  }
  return intent;
}

namespace {
constexpr int kIntentFormat = 1;
}  // namespace

std::string EncodeIntent(const UpdateIntent& intent) {
  nlohmann::json j = {{"update_intent", kIntentFormat},
                      {"reissue", intent.reissue},
                      {"replaces_certificate_id", intent.replaces_certificate_id},
                      {"prune", nullptr}};
  if (intent.prune) j["prune"] = std::vector<std::string>(intent.prune->begin(), intent.prune->end());
  return j.dump();
}

std::optional<UpdateIntent> DecodeIntent(const std::string& bytes) {
  const nlohmann::json j = nlohmann::json::parse(bytes, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object() || !j.contains("update_intent") || j["update_intent"] != kIntentFormat || !j.contains("reissue") ||
      !j["reissue"].is_boolean() || !j.contains("replaces_certificate_id") ||
      !j["replaces_certificate_id"].is_string() || !j.contains("prune")) {
    return std::nullopt;
  }
  UpdateIntent intent;
  intent.reissue = j["reissue"].get<bool>();
  intent.replaces_certificate_id = j["replaces_certificate_id"].get<std::string>();
  if (j["prune"].is_array()) {
    std::set<std::string> prune;
    for (const auto& id : j["prune"]) {
      if (!id.is_string()) return std::nullopt;
      prune.insert(id.get<std::string>());
    }
    intent.prune = std::move(prune);
  } else if (!j["prune"].is_null()) {
    return std::nullopt;
  }
  return intent;
}

std::vector<StateUpgrader> AutoCertificateStateUpgraders() {
  return {
      // 0 → 1: `profile`; earlier certificates were issued under the CA's default.
      [](nlohmann::json& state) {
        if (!state.contains("profile")) state["profile"] = nullptr;
        return Status::Ok();
      },
      // 1 → 2: `private_key_in_state` (docs/guides/private-keys-out-of-state.md), false as its
      // default. The key those states hold stays: the next plan shows private_key_pem going to
      // null and the apply takes it out, so nobody loses a key without seeing it in a plan first.
      [](nlohmann::json& state) {
        if (!state.contains("private_key_in_state") || state["private_key_in_state"].is_null()) {
          state["private_key_in_state"] = false;
        }
        return Status::Ok();
      },
      // 2 → 3: `publish` (false), `published_certificate_id` and each certificate's
      // `published_id` (null: nothing was published before).
      [](nlohmann::json& state) {
        if (!state.contains("publish") || state["publish"].is_null()) state["publish"] = false;
        if (!state.contains("published_certificate_id")) state["published_certificate_id"] = nullptr;
        if (state.contains("certificates") && state["certificates"].is_array()) {
          for (auto& c : state["certificates"]) {
            if (c.is_object() && !c.contains("published_id")) c["published_id"] = nullptr;
          }
        }
        return Status::Ok();
      },
  };
}

Value ObjectOf(const BlockSchema& block, std::map<std::string, Value> attrs) {
  const Type type = block.ObjectType();
  for (auto it = attrs.begin(); it != attrs.end();) {
    it = type.attributes().count(it->first) == 0 ? attrs.erase(it) : std::next(it);
  }
  return Value::ObjectOfType(type, std::move(attrs));
}

}  // namespace ionos::tf
