// The typed model of resource "ionos_auto_certificate" (docs/resources/auto_certificate.md) and
// the certificate attributes the data source and the ephemeral resource "ionos_certificate" share
// with it. A view decodes the Terraform value into the model once, works on the model and encodes
// it once: one object built per answer, never an attribute-by-attribute copy of the whole object.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/lifecycle/certificate_manager.h"
#include "plugin/framework.h"
#include "plugin/schema.h"
#include "plugin/value/value.h"

namespace ionos::tf {

// One attribute of a Terraform value: null, unknown (a plan that cannot know it yet) or known.
template <typename T>
class Attr {
 public:
  Attr() = default;
  Attr(T value) : state_(Value::State::kKnown), value_(std::move(value)) {}  // NOLINT: implicit, a known value
  static Attr Unknown() {
    Attr a;
    a.state_ = Value::State::kUnknown;
    return a;
  }

  bool is_null() const { return state_ == Value::State::kNull; }
  bool is_unknown() const { return state_ == Value::State::kUnknown; }
  bool is_known() const { return state_ == Value::State::kKnown; }
  // The value when known.
  std::optional<T> get() const { return is_known() ? std::optional<T>(value_) : std::nullopt; }
  T value_or(T fallback) const { return is_known() ? value_ : std::move(fallback); }
  // The value; only meaningful when known.
  const T& operator*() const { return value_; }
  T& operator*() { return value_; }

 private:
  Value::State state_ = Value::State::kNull;
  T value_{};
};

// One element of the resource's `certificates` list. Times stay as written (RFC 3339), so that
// what a plan takes over from the state is what the state said.
struct CertificateEntry {
  std::string id;
  std::string name;
  std::string serial_number;
  std::string not_before;
  std::string not_after;
  std::string status;
  Attr<std::string> published_id;

  // The summary the lifecycle plans with (a time that does not parse is the epoch).
  CertificateSummary Summary() const;
  // The entry of a certificate as the lifecycle projects it; `published_id` "" when none.
  static CertificateEntry Of(const CertificateState& state, const std::string& published_id);
};

// The configuration, plan or state of one auto certificate.
struct AutoCertificateModel {
  // Configured (or defaulted by the schema).
  Attr<std::string> id;
  Attr<std::string> provider_id;
  Attr<std::string> name;
  Attr<std::string> common_name;
  Attr<std::vector<std::string>> subject_alternative_names;  // a set: known only when every name is
  Attr<std::string> key_algorithm;
  Attr<int64_t> renew_before_days;
  Attr<int64_t> grace_period_days;
  Attr<std::string> profile;
  Attr<bool> private_key_in_state;
  Attr<bool> publish;
  // Computed: the newest certificate, its copy in the IONOS Certificate Manager, every certificate.
  Attr<std::string> published_certificate_id;
  Attr<std::string> last_issued_certificate_id;
  Attr<std::string> certificate_pem;
  Attr<std::string> certificate_chain_pem;
  Attr<std::string> private_key_pem;
  Attr<std::string> not_before;
  Attr<std::string> not_after;
  Attr<std::string> serial_number;
  Attr<std::string> fingerprint_sha256;
  Attr<std::string> renew_at;
  Attr<bool> renewal_due;
  Attr<std::vector<CertificateEntry>> certificates;

  // A null value decodes to a model whose every attribute is null.
  static AutoCertificateModel Decode(const Value& v);
  // The whole object of the resource's type (`schema` of ionos_auto_certificate).
  Value Encode(const Schema& schema) const;
  // `over` (a plan of the resource) with its computed attributes replaced by the model's: the
  // attributes the configuration owns stay exactly as Terraform sent them. One copy.
  Value EncodeComputed(const Value& over) const;

  // The model of what the manager answered. `base` (the configuration, plan or state the answer
  // is for) gives private_key_in_state and publish, and its form of the SAN set (null or empty)
  // when it names the same names; `key`: private_key_pem holds the newest key (else null).
  static AutoCertificateModel FromView(const AutoCertificateView& view, const AutoCertificateModel& base, bool key);

  // The auto certificate the lifecycle works with (names sorted); `settings` are the provider's.
  AutoCertificateRecord Record(const IssuanceSettings& settings) const;
  // The certificates the model lists, newest first (none when the list is unknown).
  std::vector<CertificateSummary> Summaries() const;
  // Whether private_key_pem holds the newest key (private_key_in_state, default false).
  bool KeyInState() const { return private_key_in_state.value_or(false); }
  // A plan that issues a new certificate: everything that describes the newest one is unknown.
  void ExpectNewCertificate();
};

// What the apply of an update of `prior` into `plan` does, read from the plan: a new certificate
// when the plan left certificate_pem unknown (replacing prior's newest), and the deletion of
// exactly the certificates the plan's list no longer holds (whatever is due at apply when the
// plan could not know the list).
UpdateIntent IntentOf(const AutoCertificateModel& prior, const AutoCertificateModel& plan);

// The update decision as the plan hands it to the apply in the RPC's planned_private bytes (JSON
// with a format version), and back: nullopt for empty bytes (a plan made by a provider version
// that sent none) or bytes of another format.
std::string EncodeIntent(const UpdateIntent& intent);
std::optional<UpdateIntent> DecodeIntent(const std::string& bytes);

// StateUpgraders of the resource: [v] turns a state of schema version v into one of version v + 1.
std::vector<StateUpgrader> AutoCertificateStateUpgraders();

// The attributes a certificate gives every view that shows one (certificate_pem,
// certificate_chain_pem, not_before, not_after, serial_number, fingerprint_sha256, and
// private_key_pem when `with_key`). Each view adds its own and builds its object with
// ObjectOf, which keeps only the attributes its schema declares.
std::map<std::string, Value> CertificateAttributes(const CertificateRecord& c, bool with_key);

// One object of `block`'s type from `attrs`: attributes the block does not declare are left out,
// those `attrs` does not name are null.
Value ObjectOf(const BlockSchema& block, std::map<std::string, Value> attrs);

}  // namespace ionos::tf
