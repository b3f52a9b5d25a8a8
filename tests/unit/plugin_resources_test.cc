// In-process tests of the provider's RPC handlers (plugin/provider_service.h) with both
// resources, the data source and the provider block, against a whole fake world
// (tests/fakes/fake_services.h): a scripted ACME CA, in-memory DNS, the real SQLite store
// behind a FaultStore, a FakeClock. Requests and answers are the real tfplugin6 messages with msgpack
// values, as Terraform sends them; no gRPC server runs.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <iostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/crypto/crypto.h"
#include "core/crypto/x509.h"
#include "plugin/auto_certificate_model.h"
#include "plugin/provider.h"
#include "plugin/provider_service.h"
#include "plugin/value/json_codec.h"
#include "plugin/value/msgpack.h"
#include "tests/fakes/fake_services.h"

namespace ionos::tf {
namespace {

using fakes::FakeWorld;
using ::testing::HasSubstr;

constexpr char kAccount[] = "ionos_certificate_provider";
constexpr char kAuto[] = "ionos_auto_certificate";
constexpr char kData[] = "ionos_certificate";
// The ephemeral resource shares the data source's type name; this key only selects its schema here.
constexpr char kEphemeral[] = "ephemeral ionos_certificate";

struct Diag {
  bool error = false;
  std::string summary;
  std::string detail;
  std::string attribute;  // first step of the path, if any
  std::string path;       // the whole path, e.g. external_account_binding[0].key_id

  std::string Text() const { return (error ? "error: " : "warning: ") + summary + ": " + detail; }
};

std::vector<Diag> FromProto(const google::protobuf::RepeatedPtrField<tfplugin6::Diagnostic>& in) {
  std::vector<Diag> out;
  for (const auto& d : in) {
    Diag x;
    x.error = d.severity() == tfplugin6::Diagnostic::ERROR;
    x.summary = d.summary();
    x.detail = d.detail();
    if (d.has_attribute() && d.attribute().steps_size() > 0) x.attribute = d.attribute().steps(0).attribute_name();
    for (const auto& step : d.attribute().steps()) {
      if (step.has_element_key_int()) {
        x.path += "[" + std::to_string(step.element_key_int()) + "]";
      } else {
        x.path += (x.path.empty() ? "" : ".") + step.attribute_name();
      }
    }
    out.push_back(std::move(x));
  }
  return out;
}

bool HasError(const std::vector<Diag>& diags) {
  for (const Diag& d : diags) {
    if (d.error) return true;
  }
  return false;
}

std::string All(const std::vector<Diag>& diags) {
  std::string out;
  for (const Diag& d : diags) out += d.Text() + "\n";
  return out;
}

struct Answer {
  Value value;
  std::vector<Diag> diags;
  std::vector<std::string> replace;
  std::string planned_private;  // PlanResourceChange only
};

class PluginTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Configure({});
  }

  const Schema& SchemaOf(const std::string& type) {
    if (type == kData) return provider_.data_source(type)->schema();
    if (type == kEphemeral) return provider_.ephemeral_resource(kData)->schema();
    return provider_.resource(type)->schema();
  }

  std::vector<Diag> Configure(const std::map<std::string, Value>& extra) {
    const Schema& s = provider_.schema();
    Value config = EmptyObject(s.block);
    config = WithAttr(config, "store", Value::String(world_.sqlite.url()));
    config = WithAttr(config, "token", Value::String("token"));
    config = WithAttr(config, "dns_api_url", Value::String("https://dns.test"));
    for (const auto& [k, v] : extra) config = WithAttr(config, k, v);
    tfplugin6::ConfigureProvider::Request req;
    tfplugin6::ConfigureProvider::Response resp;
    EncodeDynamicValue(config, s.type(), req.mutable_config());
    EXPECT_TRUE(service_.ConfigureProvider(nullptr, &req, &resp).ok());
    return FromProto(resp.diagnostics());
  }

  // Terraform's proposed new state: the configuration, with the prior values of computed
  // attributes the configuration leaves null.
  Value Proposed(const std::string& type, const Value& prior, const Value& config) {
    const Schema& s = SchemaOf(type);
    Value v = config;
    for (const auto& a : s.block.attributes) {
      if (a.computed && config.GetAttr(a.name).is_null()) {
        v = WithAttr(v, a.name, prior.is_null() ? Value::Null(a.type) : prior.GetAttr(a.name));
      }
    }
    return v;
  }

  // `write_only_allowed`: the client capability Terraform 1.11 and later send.
  std::vector<Diag> Validate(const std::string& type, const Value& config, bool write_only_allowed = true) {
    tfplugin6::ValidateResourceConfig::Request req;
    tfplugin6::ValidateResourceConfig::Response resp;
    req.set_type_name(type);
    req.mutable_client_capabilities()->set_write_only_attributes_allowed(write_only_allowed);
    EncodeDynamicValue(config, SchemaOf(type).type(), req.mutable_config());
    EXPECT_TRUE(service_.ValidateResourceConfig(nullptr, &req, &resp).ok());
    return FromProto(resp.diagnostics());
  }

  Answer Plan(const std::string& type, const Value& prior, const Value& config) {
    const Type t = SchemaOf(type).type();
    tfplugin6::PlanResourceChange::Request req;
    tfplugin6::PlanResourceChange::Response resp;
    req.set_type_name(type);
    EncodeDynamicValue(prior, t, req.mutable_prior_state());
    EncodeDynamicValue(config.is_null() ? Value::Null(t) : Proposed(type, prior, config), t,
                       req.mutable_proposed_new_state());
    EncodeDynamicValue(config, t, req.mutable_config());
    EXPECT_TRUE(service_.PlanResourceChange(nullptr, &req, &resp).ok());
    Answer a;
    a.value = DecodeDynamicValue(resp.planned_state(), t).value();
    a.diags = FromProto(resp.diagnostics());
    for (const auto& p : resp.requires_replace()) a.replace.push_back(p.steps(0).attribute_name());
    a.planned_private = resp.planned_private();
    return a;
  }

  // `planned_private`: what the plan handed over; empty as from a plan by an older provider.
  Answer Apply(const std::string& type, const Value& prior, const Value& planned, const Value& config,
               const std::string& planned_private = "") {
    const Type t = SchemaOf(type).type();
    tfplugin6::ApplyResourceChange::Request req;
    tfplugin6::ApplyResourceChange::Response resp;
    req.set_type_name(type);
    req.set_planned_private(planned_private);
    EncodeDynamicValue(prior, t, req.mutable_prior_state());
    EncodeDynamicValue(planned, t, req.mutable_planned_state());
    EncodeDynamicValue(config, t, req.mutable_config());
    EXPECT_TRUE(service_.ApplyResourceChange(nullptr, &req, &resp).ok());
    return Answer{DecodeDynamicValue(resp.new_state(), t).value(), FromProto(resp.diagnostics()), {}};
  }

  Answer Read(const std::string& type, const Value& state) {
    const Type t = SchemaOf(type).type();
    tfplugin6::ReadResource::Request req;
    tfplugin6::ReadResource::Response resp;
    req.set_type_name(type);
    EncodeDynamicValue(state, t, req.mutable_current_state());
    EXPECT_TRUE(service_.ReadResource(nullptr, &req, &resp).ok());
    return Answer{DecodeDynamicValue(resp.new_state(), t).value(), FromProto(resp.diagnostics()), {}};
  }

  Answer Import(const std::string& type, const std::string& id) {
    tfplugin6::ImportResourceState::Request req;
    tfplugin6::ImportResourceState::Response resp;
    req.set_type_name(type);
    req.set_id(id);
    EXPECT_TRUE(service_.ImportResourceState(nullptr, &req, &resp).ok());
    Answer a;
    a.diags = FromProto(resp.diagnostics());
    a.value = resp.imported_resources_size() == 0
                  ? Value::Null(SchemaOf(type).type())
                  : DecodeDynamicValue(resp.imported_resources(0).state(), SchemaOf(type).type()).value();
    return a;
  }

  Answer ReadData(const std::string& id, Value include_private_key = Value::Null(Type::Bool())) {
    const Type t = SchemaOf(kData).type();
    tfplugin6::ReadDataSource::Request req;
    tfplugin6::ReadDataSource::Response resp;
    req.set_type_name(kData);
    Value config = WithAttr(EmptyObject(SchemaOf(kData).block), "id", Value::String(id));
    config = WithAttr(config, "include_private_key", include_private_key);
    EncodeDynamicValue(config, t, req.mutable_config());
    EXPECT_TRUE(service_.ReadDataSource(nullptr, &req, &resp).ok());
    Answer a;
    a.diags = FromProto(resp.diagnostics());
    a.value = resp.has_state() ? DecodeDynamicValue(resp.state(), t).value() : Value::Null(t);
    return a;
  }

  // ValidateEphemeralResourceConfig, then OpenEphemeralResource, as Terraform calls them.
  Answer OpenEphemeral(const Value& config) {
    const Type t = SchemaOf(kEphemeral).type();
    tfplugin6::ValidateEphemeralResourceConfig::Request vreq;
    tfplugin6::ValidateEphemeralResourceConfig::Response vresp;
    vreq.set_type_name(kData);
    EncodeDynamicValue(config, t, vreq.mutable_config());
    EXPECT_TRUE(service_.ValidateEphemeralResourceConfig(nullptr, &vreq, &vresp).ok());
    Answer a;
    a.diags = FromProto(vresp.diagnostics());
    if (HasError(a.diags)) return a;
    tfplugin6::OpenEphemeralResource::Request req;
    tfplugin6::OpenEphemeralResource::Response resp;
    req.set_type_name(kData);
    req.mutable_client_capabilities()->set_write_only_attributes_allowed(true);
    EncodeDynamicValue(config, t, req.mutable_config());
    EXPECT_TRUE(service_.OpenEphemeralResource(nullptr, &req, &resp).ok());
    a.diags = FromProto(resp.diagnostics());
    EXPECT_FALSE(resp.has_renew_at()) << "a certificate outlives the run: nothing to renew";
    EXPECT_FALSE(resp.has_private_()) << "nothing is held open";
    a.value = resp.has_result() ? DecodeDynamicValue(resp.result(), t).value() : Value::Null(t);
    return a;
  }

  Value EphemeralConfig(const std::map<std::string, Value>& attrs) {
    Value v = EmptyObject(SchemaOf(kEphemeral).block);
    for (const auto& [k, x] : attrs) v = WithAttr(v, k, x);
    return v;
  }

  // An account configuration with one external_account_binding block.
  Value EabAccountConfig(const std::map<std::string, Value>& binding) {
    const BlockSchema* b = SchemaOf(kAccount).block.FindBlock("external_account_binding");
    Value e = EmptyObject(*b);
    for (const auto& [k, x] : binding) e = WithAttr(e, k, x);
    return WithAttr(AccountConfig(), "external_account_binding", Value::List(b->ObjectType(), {e}));
  }

  // Plan and apply a configuration for a resource that does not exist yet.
  Value Create(const std::string& type, const Value& config) {
    Answer plan = Plan(type, Value::Null(SchemaOf(type).type()), config);
    EXPECT_FALSE(HasError(plan.diags)) << All(plan.diags);
    Answer applied = Apply(type, Value::Null(SchemaOf(type).type()), plan.value, config);
    EXPECT_FALSE(HasError(applied.diags)) << All(applied.diags);
    return applied.value;
  }

  Value AccountConfig(const std::string& name = "acme", const std::string& email = "admin@example.com") {
    Value v = EmptyObject(SchemaOf(kAccount).block);
    v = WithAttr(v, "name", Value::String(name));
    v = WithAttr(v, "email", Value::String(email));
    v = WithAttr(v, "server", Value::String(world_.ca.directory_url()));
    return v;
  }

  Value AutoConfig(const std::string& provider_id, const std::string& cn = "www.example.com",
                   const std::map<std::string, Value>& extra = {}) {
    Value v = EmptyObject(SchemaOf(kAuto).block);
    v = WithAttr(v, "provider_id", Value::String(provider_id));
    v = WithAttr(v, "name", Value::String("www"));
    v = WithAttr(v, "common_name", Value::String(cn));
    for (const auto& [k, x] : extra) v = WithAttr(v, k, x);
    return v;
  }

  static std::string Str(const Value& object, const std::string& attr) { return GetString(object, attr).value_or(""); }

  FakeWorld world_;
  Provider provider_{world_.Factories(), &world_.clock, &world_.random, &world_.logger, &world_.cancel};
  ProviderService service_{&provider_, &world_.cancel};
};

// ---------------------------------------------------------------- ionos_certificate_provider

TEST_F(PluginTest, AccountCreateReadRenameChangeEmailImportDelete) {
  Value state = Create(kAccount, AccountConfig());
  EXPECT_EQ(Str(state, "status"), "valid");
  const std::string url = Str(state, "account_url");
  EXPECT_EQ(world_.ca.AccountStatus(url), "valid");

  Answer read = Read(kAccount, state);
  EXPECT_TRUE(read.diags.empty()) << All(read.diags);
  EXPECT_EQ(read.value, state);

  // A rename and an e-mail change: one update in place, the contact changed at the CA.
  Value config = AccountConfig("renamed", "ops@example.com");
  Answer plan = Plan(kAccount, state, config);
  EXPECT_TRUE(plan.replace.empty());
  Answer applied = Apply(kAccount, state, plan.value, config);
  ASSERT_FALSE(HasError(applied.diags)) << All(applied.diags);
  EXPECT_EQ(Str(applied.value, "id"), Str(state, "id"));
  EXPECT_EQ(Str(applied.value, "account_url"), url);
  EXPECT_THAT(world_.ca.AccountContact(url), ::testing::ElementsAre("mailto:ops@example.com"));

  Answer imported = Import(kAccount, Str(state, "id"));
  ASSERT_FALSE(HasError(imported.diags)) << All(imported.diags);
  EXPECT_EQ(Str(imported.value, "email"), "ops@example.com");

  Answer deleted = Apply(kAccount, applied.value, Value::Null(SchemaOf(kAccount).type()),
                         Value::Null(SchemaOf(kAccount).type()));
  ASSERT_FALSE(HasError(deleted.diags)) << All(deleted.diags);
  EXPECT_TRUE(deleted.value.is_null());
  EXPECT_EQ(world_.ca.AccountStatus(url), "deactivated");
  EXPECT_TRUE(world_.sqlite->ListAccounts()->empty());
  // Deleting again is not an error.
  deleted = Apply(kAccount, applied.value, Value::Null(SchemaOf(kAccount).type()),
                  Value::Null(SchemaOf(kAccount).type()));
  EXPECT_FALSE(HasError(deleted.diags)) << All(deleted.diags);
}

// A CA that forgot the account keeps the resource, warns, and the plan
// repairs it in place.
TEST_F(PluginTest, AccountTheCaForgotIsKeptAndRepairedInPlace) {
  Value state = Create(kAccount, AccountConfig());
  world_.ca.ForgetAccounts();
  Answer read = Read(kAccount, state);
  ASSERT_FALSE(HasError(read.diags)) << All(read.diags);
  ASSERT_EQ(read.diags.size(), 1u);
  EXPECT_THAT(read.diags[0].summary, HasSubstr("The CA no longer knows the ACME account"));
  EXPECT_FALSE(read.value.is_null()) << "kept in state";
  EXPECT_EQ(Str(read.value, "status"), "unknown to the CA");

  Answer plan = Plan(kAccount, read.value, AccountConfig());
  EXPECT_TRUE(plan.replace.empty());
  EXPECT_TRUE(plan.value.GetAttr("account_url").is_unknown());
  Answer applied = Apply(kAccount, read.value, plan.value, AccountConfig());
  ASSERT_FALSE(HasError(applied.diags)) << All(applied.diags);
  EXPECT_EQ(Str(applied.value, "id"), Str(state, "id"));
  EXPECT_EQ(Str(applied.value, "status"), "valid");
  EXPECT_EQ(world_.ca.AccountStatus(Str(applied.value, "account_url")), "valid");
}

// A proxy's 404 or a CA that is down never ends an account.
TEST_F(PluginTest, AccountRefreshWhileTheCaIsDownKeepsItWithAWarning) {
  Value state = Create(kAccount, AccountConfig());
  world_.ca.SetUnreachable(true);
  Answer read = Read(kAccount, state);
  world_.ca.SetUnreachable(false);
  ASSERT_FALSE(HasError(read.diags)) << All(read.diags);
  ASSERT_EQ(read.diags.size(), 1u);
  EXPECT_EQ(read.diags[0].summary, "Could not confirm the ACME account at the CA");
  EXPECT_EQ(read.value, state);
  EXPECT_EQ(world_.sqlite->GetAccount(Str(state, "id"))->status, "valid") << "nothing written on refresh";
}

// ---------------------------------------------------------------- ionos_auto_certificate

TEST_F(PluginTest, AutoCertificateCreateRenameReissueImportDelete) {
  Value account = Create(kAccount, AccountConfig());
  Value config = AutoConfig(Str(account, "id"), "www.example.com",
                            {{"key_algorithm", Value::String("ecdsa384")}});
  Value state = Create(kAuto, config);
  ASSERT_FALSE(state.is_null());
  EXPECT_EQ(InspectCertificate(Str(state, "certificate_pem"))->key_type, "ecdsa384");
  const std::string serial = Str(state, "serial_number");
  EXPECT_EQ(GetInt(state, "renew_before_days"), 30) << "the schema default is planned and stored";

  // Refresh right after: nothing changes, no warnings.
  Answer read = Read(kAuto, state);
  EXPECT_TRUE(read.diags.empty()) << All(read.diags);
  EXPECT_EQ(read.value, state);

  // A rename alone keeps the certificate.
  Value renamed = WithAttr(config, "name", Value::String("renamed"));
  Answer plan = Plan(kAuto, state, renamed);
  ASSERT_FALSE(HasError(plan.diags)) << All(plan.diags);
  EXPECT_FALSE(plan.value.GetAttr("certificate_pem").is_unknown());
  Answer applied = Apply(kAuto, state, plan.value, renamed);
  ASSERT_FALSE(HasError(applied.diags)) << All(applied.diags);
  EXPECT_EQ(Str(applied.value, "serial_number"), serial);

  // Removing key_algorithm plans the default "rsa2048" and re-issues.
  Value without = renamed;
  without = WithAttr(without, "key_algorithm", Value::Null(Type::String()));
  plan = Plan(kAuto, applied.value, without);
  EXPECT_EQ(Str(plan.value, "key_algorithm"), "rsa2048");
  EXPECT_TRUE(plan.value.GetAttr("certificate_pem").is_unknown());
  Answer reissued = Apply(kAuto, applied.value, plan.value, without);
  ASSERT_FALSE(HasError(reissued.diags)) << All(reissued.diags);
  EXPECT_NE(Str(reissued.value, "serial_number"), serial);
  EXPECT_EQ(reissued.value.GetAttr("certificates").elements().size(), 2u);

  Answer imported = Import(kAuto, Str(state, "id"));
  ASSERT_FALSE(HasError(imported.diags)) << All(imported.diags);
  EXPECT_EQ(Str(imported.value, "serial_number"), Str(reissued.value, "serial_number"));

  Answer deleted = Apply(kAuto, reissued.value, Value::Null(SchemaOf(kAuto).type()),
                         Value::Null(SchemaOf(kAuto).type()));
  ASSERT_FALSE(HasError(deleted.diags)) << All(deleted.diags);
  EXPECT_EQ(world_.StoredCertificates(), 0u);
}

// The plan's decision travels to the apply in planned_private (tfplugin6: PlanResourceChange's
// planned_private comes back in ApplyResourceChange); an apply without it (a plan by an older
// provider version) reads the decision from the planned values, as those versions did.
TEST_F(PluginTest, ApplyDoesWhatThePlanDecidedInPlannedPrivate) {
  Value account = Create(kAccount, AccountConfig());
  Value config = AutoConfig(Str(account, "id"));
  Value state = Create(kAuto, config);
  const std::string serial = Str(state, "serial_number");

  // A rename: the plan decides to keep the certificate and says so.
  Value renamed = WithAttr(config, "name", Value::String("renamed"));
  Answer plan = Plan(kAuto, state, renamed);
  ASSERT_FALSE(HasError(plan.diags)) << All(plan.diags);
  std::optional<UpdateIntent> decided = DecodeIntent(plan.planned_private);
  ASSERT_TRUE(decided.has_value()) << plan.planned_private;
  EXPECT_FALSE(decided->reissue);
  EXPECT_EQ(decided->replaces_certificate_id, Str(state, "last_issued_certificate_id"));
  ASSERT_TRUE(decided->prune.has_value());
  EXPECT_TRUE(decided->prune->empty());

  // Planned values that leave the certificate unknown: the apply still does what planned_private
  // says, and only without it reads a new certificate from them.
  AutoCertificateModel unknown = AutoCertificateModel::Decode(plan.value);
  unknown.ExpectNewCertificate();
  const Value as_if_reissuing = unknown.Encode(SchemaOf(kAuto));
  Answer applied = Apply(kAuto, state, as_if_reissuing, renamed, plan.planned_private);
  ASSERT_FALSE(HasError(applied.diags)) << All(applied.diags);
  EXPECT_EQ(Str(applied.value, "serial_number"), serial);
  EXPECT_EQ(world_.StoredCertificates(), 1u);
  Answer older = Apply(kAuto, applied.value, as_if_reissuing, renamed, /*planned_private=*/"");
  ASSERT_FALSE(HasError(older.diags)) << All(older.diags);
  EXPECT_NE(Str(older.value, "serial_number"), serial);
  EXPECT_EQ(world_.StoredCertificates(), 2u);

  // A change that needs a new certificate plans one, replacing the newest.
  Value rekeyed = WithAttr(renamed, "key_algorithm", Value::String("ecdsa256"));
  plan = Plan(kAuto, older.value, rekeyed);
  ASSERT_FALSE(HasError(plan.diags)) << All(plan.diags);
  decided = DecodeIntent(plan.planned_private);
  ASSERT_TRUE(decided.has_value()) << plan.planned_private;
  EXPECT_TRUE(decided->reissue);
  EXPECT_EQ(decided->replaces_certificate_id, Str(older.value, "last_issued_certificate_id"));

  // Bytes that are not a decision of this format are no decision.
  for (const char* bytes : {"", "{}", "not json", R"({"update_intent":2,"reissue":true})"}) {
    EXPECT_FALSE(DecodeIntent(bytes).has_value()) << bytes;
  }
}

// The typed model holds every attribute of a state, and a plan's encoding replaces only the
// computed attributes: what the configuration owns (a set with a value unknown until apply)
// stays as Terraform sent it.
TEST_F(PluginTest, TheModelEncodesWhatItDecodesAndPlansTouchOnlyComputedAttributes) {
  Value account = Create(kAccount, AccountConfig());
  Value state = Create(kAuto, AutoConfig(Str(account, "id"), "www.example.com",
                                         {{"subject_alternative_names",
                                           Value::Set(Type::String(), {Value::String("example.com")})}}));
  ASSERT_FALSE(state.is_null());
  AutoCertificateModel m = AutoCertificateModel::Decode(state);
  EXPECT_EQ(m.Encode(SchemaOf(kAuto)), state);
  EXPECT_EQ(m.certificates.value_or({}).size(), 1u);

  Value partly_unknown = WithAttr(state, "subject_alternative_names",
                                  Value::Set(Type::String(), {Value::String("example.com"),
                                                              Value::Unknown(Type::String())}));
  m = AutoCertificateModel::Decode(partly_unknown);
  EXPECT_TRUE(m.subject_alternative_names.is_unknown());
  m.ExpectNewCertificate();
  Value planned = m.EncodeComputed(partly_unknown);
  EXPECT_EQ(planned.GetAttr("subject_alternative_names"), partly_unknown.GetAttr("subject_alternative_names"));
  EXPECT_EQ(planned.GetAttr("name"), state.GetAttr("name"));
  EXPECT_TRUE(planned.GetAttr("certificate_pem").is_unknown());
  EXPECT_TRUE(planned.GetAttr("certificates").is_unknown());
}

// An apply of one auto certificate reads its snapshot from the store (one consistent read, with
// PostgreSQL one round trip) at most twice: what it starts from and what it reports.
TEST_F(PluginTest, AnApplyReadsTheSnapshotAtMostTwice) {
  Value account = Create(kAccount, AccountConfig());
  auto reads = [&] { return world_.store.calls("GetAutoCertificateSnapshot"); };
  // Plans and applies `config` over `state`; the snapshot reads of the apply alone.
  auto apply = [&](Value& state, const Value& config) {
    Answer plan = Plan(kAuto, state, config);
    EXPECT_FALSE(HasError(plan.diags)) << All(plan.diags);
    const int before = reads();
    Answer applied = Apply(kAuto, state, plan.value, config, plan.planned_private);
    EXPECT_FALSE(HasError(applied.diags)) << All(applied.diags);
    state = applied.value;
    return reads() - before;
  };
  Value config = AutoConfig(Str(account, "id"));
  Value state = Value::Null(SchemaOf(kAuto).type());
  const int create = apply(state, config);
  const TimePoint nb = ParseRfc3339(Str(state, "not_before")).value();
  world_.clock.Set(nb + std::chrono::hours(24 * 61));  // renewal due
  const int renewal = apply(state, config);
  world_.clock.Set(nb + std::chrono::hours(24 * 120 + 12));  // the first one's grace period is over
  config = WithAttr(config, "key_algorithm", Value::String("ecdsa256"));
  const int reissue_and_prune = apply(state, config);
  EXPECT_EQ(state.GetAttr("certificates").elements().size(), 2u) << "the first one was pruned";
  config = WithAttr(config, "name", Value::String("renamed"));
  const int rename = apply(state, config);
  std::cout << "snapshot reads per apply: create " << create << ", renewal " << renewal
            << ", re-issue and prune " << reissue_and_prune << ", rename " << rename << "\n";
  for (int n : {create, renewal, reissue_and_prune, rename}) EXPECT_LE(n, 2);
}

// Another account re-issues in place; the history stays.
TEST_F(PluginTest, ProviderIdChangeReissuesInPlace) {
  Value a = Create(kAccount, AccountConfig("a"));
  Value b = Create(kAccount, AccountConfig("b", "b@example.com"));
  Value state = Create(kAuto, AutoConfig(Str(a, "id")));
  Value moved = AutoConfig(Str(b, "id"));
  Answer plan = Plan(kAuto, state, moved);
  EXPECT_TRUE(plan.replace.empty()) << "no replacement";
  EXPECT_TRUE(plan.value.GetAttr("certificate_pem").is_unknown());
  Answer applied = Apply(kAuto, state, plan.value, moved);
  ASSERT_FALSE(HasError(applied.diags)) << All(applied.diags);
  EXPECT_EQ(Str(applied.value, "id"), Str(state, "id"));
  EXPECT_EQ(applied.value.GetAttr("certificates").elements().size(), 2u);
}

// An id the store never knew fails at plan, naming provider_id.
TEST_F(PluginTest, UnknownProviderIdIsAPlanError) {
  Answer plan = Plan(kAuto, Value::Null(SchemaOf(kAuto).type()), AutoConfig("no-such-account"));
  ASSERT_TRUE(HasError(plan.diags));
  EXPECT_EQ(plan.diags[0].attribute, "provider_id");
  EXPECT_EQ(world_.ca.count("newOrder"), 0);
}

// Day counts are whole numbers within bounds, checked at validate.
TEST_F(PluginTest, DayCountsAreValidatedNamingTheAttribute) {
  struct Case {
    const char* name;
    const char* attribute;
    Value value;
    bool ok;
  };
  const Case cases[] = {
      {"fraction", "renew_before_days", Value::NumberV(Number::FromDouble(2.5)), false},
      {"zero renew", "renew_before_days", Value::Int(0), false},
      {"too large renew", "renew_before_days", Value::Int(3651), false},
      {"huge grace", "grace_period_days", Value::Int(1000000000000), false},
      {"negative grace", "grace_period_days", Value::Int(-1), false},
      {"zero grace", "grace_period_days", Value::Int(0), true},
      {"ten years", "grace_period_days", Value::Int(3650), true},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    std::vector<Diag> diags = Validate(kAuto, AutoConfig("x", "www.example.com", {{c.attribute, c.value}}));
    EXPECT_EQ(HasError(diags), !c.ok) << All(diags);
    if (!c.ok) {
      EXPECT_EQ(diags[0].attribute, c.attribute);
    }
  }
}

TEST_F(PluginTest, NameOutsideEveryZoneIsAPlanErrorOnItsAttribute) {
  Value account = Create(kAccount, AccountConfig());
  Answer plan = Plan(kAuto, Value::Null(SchemaOf(kAuto).type()),
                     AutoConfig(Str(account, "id"), "www.example.net"));
  ASSERT_TRUE(HasError(plan.diags));
  EXPECT_EQ(plan.diags[0].attribute, "common_name");
  EXPECT_THAT(plan.diags[0].detail, HasSubstr("www.example.net"));
}

// Refresh reports, apply prunes.
TEST_F(PluginTest, RefreshWarnsAboutPruningAndTheApplyPrunes) {
  Value account = Create(kAccount, AccountConfig());
  Value config = AutoConfig(Str(account, "id"));
  Value state = Create(kAuto, config);
  const TimePoint nb = ParseRfc3339(Str(state, "not_before")).value();
  // Renew at day 61.
  world_.clock.Set(nb + std::chrono::hours(24 * 61));
  Answer read = Read(kAuto, state);
  ASSERT_EQ(read.diags.size(), 1u) << All(read.diags);
  EXPECT_THAT(read.diags[0].summary, HasSubstr("Certificate renewal due"));
  Answer plan = Plan(kAuto, read.value, config);
  Answer renewed = Apply(kAuto, read.value, plan.value, config);
  ASSERT_FALSE(HasError(renewed.diags)) << All(renewed.diags);
  const std::string first_id = Str(state, "last_issued_certificate_id");
  // Day 120.5: the first one's grace period (30 days after its expiry at day 90) is over, and the
  // renewed one (issued at day 61) is not due yet. A refresh warns and deletes nothing.
  world_.clock.Set(nb + std::chrono::hours(24 * 120 + 12));
  read = Read(kAuto, renewed.value);
  ASSERT_FALSE(HasError(read.diags)) << All(read.diags);
  EXPECT_THAT(All(read.diags), HasSubstr("Old certificates past their grace period"));
  EXPECT_EQ(world_.StoredCertificates(), 2u);
  EXPECT_TRUE(world_.sqlite->GetCertificate(first_id).ok());
  // The plan shows it leaving the list; the apply deletes exactly that.
  plan = Plan(kAuto, read.value, config);
  ASSERT_FALSE(HasError(plan.diags)) << All(plan.diags);
  ASSERT_TRUE(plan.value.GetAttr("certificates").is_known());
  EXPECT_EQ(plan.value.GetAttr("certificates").elements().size(), 1u);
  EXPECT_EQ(world_.StoredCertificates(), 2u) << "a plan never deletes";
  Answer applied = Apply(kAuto, read.value, plan.value, config);
  ASSERT_FALSE(HasError(applied.diags)) << All(applied.diags);
  EXPECT_EQ(world_.StoredCertificates(), 1u);
  EXPECT_EQ(world_.sqlite->GetCertificate(first_id).status().code(), StatusCode::kNotFound);
}

// ---------------------------------------------------------------- error paths

TEST_F(PluginTest, ReadKeepsTheStateWhenTheStoreFails) {
  Value account = Create(kAccount, AccountConfig());
  Value state = Create(kAuto, AutoConfig(Str(account, "id")));
  world_.store.FailAlways("GetAutoCertificate", UnavailableError("the store " + world_.store.Describe() + " is locked"));
  Answer read = Read(kAuto, state);
  world_.store.Clear();
  ASSERT_TRUE(HasError(read.diags));
  EXPECT_THAT(read.diags[0].detail, HasSubstr("locked"));
  EXPECT_EQ(read.value, state) << "a failed refresh must not lose track of the object";
}

TEST_F(PluginTest, ReadOfAnIdTheStoreNeverKnewNamesTheStoreAndSaysWhatToDo) {
  Value account = Create(kAccount, AccountConfig());
  Value state = Create(kAuto, AutoConfig(Str(account, "id")));
  Value foreign = WithAttr(state, "id", Value::String("never-known"));
  Answer read = Read(kAuto, foreign);
  ASSERT_TRUE(HasError(read.diags));
  EXPECT_EQ(read.diags[0].summary, "Auto certificate not in the store");
  EXPECT_THAT(read.diags[0].detail, HasSubstr(world_.store.Describe()));
  EXPECT_EQ(read.value, foreign);
  // Deleted from the store outside Terraform: gone from state (drift), no error.
  ASSERT_TRUE(world_.sqlite->DeleteAutoCertificate(Str(state, "id")).ok());
  read = Read(kAuto, state);
  EXPECT_FALSE(HasError(read.diags)) << All(read.diags);
  EXPECT_TRUE(read.value.is_null());
  // A store that cannot tell whether it ever knew the id: that failure is the error.
  world_.store.FailNext("WasDeleted", UnavailableError("database down"));
  read = Read(kAuto, foreign);
  ASSERT_TRUE(HasError(read.diags));
  EXPECT_THAT(read.diags[0].detail, HasSubstr("database down"));
  EXPECT_THAT(read.diags[0].detail, ::testing::Not(HasSubstr("never known")));
}

TEST_F(PluginTest, FailedIssuanceIsAnErrorAndLeavesNothing) {
  Value account = Create(kAccount, AccountConfig());
  world_.ca.script.rejected_challenges["www.example.com"] = "CAA record forbids issuance";
  Value config = AutoConfig(Str(account, "id"));
  Answer plan = Plan(kAuto, Value::Null(SchemaOf(kAuto).type()), config);
  Answer applied = Apply(kAuto, Value::Null(SchemaOf(kAuto).type()), plan.value, config);
  ASSERT_TRUE(HasError(applied.diags));
  EXPECT_THAT(applied.diags[0].summary, HasSubstr("Cannot issue the certificate for www.example.com"));
  EXPECT_THAT(applied.diags[0].detail, HasSubstr("CAA record forbids issuance"));
  EXPECT_TRUE(applied.value.is_null());
  EXPECT_TRUE(world_.sqlite->ListAutoCertificates()->empty());
  EXPECT_TRUE(world_.dns.records().empty());
}

TEST_F(PluginTest, FailedUpdateKeepsThePriorState) {
  Value account = Create(kAccount, AccountConfig());
  Value config = AutoConfig(Str(account, "id"));
  Value state = Create(kAuto, config);
  Value renamed = WithAttr(config, "name", Value::String("renamed"));
  Answer plan = Plan(kAuto, state, renamed);
  world_.store.FailNext("UpdateAutoCertificate", UnavailableError("database down"));
  Answer applied = Apply(kAuto, state, plan.value, renamed);
  ASSERT_TRUE(HasError(applied.diags));
  EXPECT_EQ(applied.value, state);
}

TEST_F(PluginTest, ApplyWithAnUndecodableValueIsAnErrorNotACrash) {
  tfplugin6::ApplyResourceChange::Request req;
  tfplugin6::ApplyResourceChange::Response resp;
  req.set_type_name(kAuto);
  req.mutable_prior_state()->set_msgpack(std::string("\xc1\xff\x00", 3));
  req.mutable_planned_state()->set_msgpack(std::string("\x93", 1));
  EXPECT_TRUE(service_.ApplyResourceChange(nullptr, &req, &resp).ok());
  std::vector<Diag> diags = FromProto(resp.diagnostics());
  ASSERT_TRUE(HasError(diags));
  EXPECT_THAT(diags[0].summary, HasSubstr("Cannot decode"));
}

TEST_F(PluginTest, UnconfiguredProviderIsAnError) {
  FakeWorld other;
  Provider unconfigured(other.Factories(), &other.clock, &other.random, &other.logger, &other.cancel);
  ProviderService service(&unconfigured, &other.cancel);
  const Type t = SchemaOf(kAuto).type();
  tfplugin6::ReadResource::Request req;
  tfplugin6::ReadResource::Response resp;
  req.set_type_name(kAuto);
  EncodeDynamicValue(WithAttr(EmptyObject(SchemaOf(kAuto).block), "id", Value::String("x")), t,
                     req.mutable_current_state());
  EXPECT_TRUE(service.ReadResource(nullptr, &req, &resp).ok());
  std::vector<Diag> diags = FromProto(resp.diagnostics());
  ASSERT_TRUE(HasError(diags));
  EXPECT_EQ(diags[0].summary, "Provider not configured");
}

// ---------------------------------------------------------------- data source

TEST_F(PluginTest, DataSourceReadsACertificateAndExplainsAnAutoCertificateId) {
  Value account = Create(kAccount, AccountConfig());
  Value state = Create(kAuto, AutoConfig(Str(account, "id")));
  Answer data = ReadData(Str(state, "last_issued_certificate_id"));
  ASSERT_FALSE(HasError(data.diags)) << All(data.diags);
  EXPECT_EQ(Str(data.value, "certificate_pem"), Str(state, "certificate_pem"));
  EXPECT_EQ(Str(data.value, "status"), "active");
  data = ReadData(Str(state, "id"));
  ASSERT_TRUE(HasError(data.diags));
  EXPECT_EQ(data.diags[0].attribute, "id");
  EXPECT_THAT(data.diags[0].detail, HasSubstr("last_issued_certificate_id"));
}

// ---------------------------------------------------------------- provider block

TEST_F(PluginTest, ProviderSettingsErrorsNameTheirAttribute) {
  struct Case {
    const char* attribute;
    Value value;
  };
  const Case cases[] = {
      {"dns_api_url", Value::String("http://dns.example.com")},
      {"certificate_manager_url", Value::String("http://cm.example.com")},
      {"propagation_timeout", Value::String("soon")},
      {"propagation_timeout", Value::String("5h")},
      {"ca_certificates_pem", Value::String("not a certificate")},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.attribute);
    std::vector<Diag> diags = Configure({{c.attribute, c.value}});
    ASSERT_TRUE(HasError(diags));
    EXPECT_EQ(diags[0].attribute, c.attribute);
  }
}

// ---------------------------------------------------------------- state upgrades

// A state of every earlier schema version reads; newer ones are refused; garbage is an
// error, never a crash.
TEST_F(PluginTest, UpgradeResourceStateReadsEveryEarlierVersion) {
  Value account = Create(kAccount, AccountConfig());
  Value state = Create(kAuto, AutoConfig(Str(account, "id")));
  const Type t = SchemaOf(kAuto).type();
  ASSERT_EQ(SchemaOf(kAuto).version, 3);
  auto upgrade = [&](int64_t version, const std::string& raw) {
    tfplugin6::UpgradeResourceState::Request req;
    tfplugin6::UpgradeResourceState::Response resp;
    req.set_type_name(kAuto);
    req.set_version(version);
    req.mutable_raw_state()->set_json(raw);
    EXPECT_TRUE(service_.UpgradeResourceState(nullptr, &req, &resp).ok());
    Answer a;
    a.diags = FromProto(resp.diagnostics());
    if (!HasError(a.diags)) a.value = DecodeDynamicValue(resp.upgraded_state(), t).value();
    return a;
  };
  const std::string current = EncodeJson(state, t).value();
  // Version 2: before `publish`, `published_certificate_id` and each certificate's `published_id`.
  nlohmann::json v2 = nlohmann::json::parse(current);
  v2.erase("publish");
  v2.erase("published_certificate_id");
  for (auto& c : v2["certificates"]) c.erase("published_id");
  // Version 1: the state as the provider wrote it before `private_key_in_state` existed.
  nlohmann::json v1 = v2;
  v1.erase("private_key_in_state");
  // Version 0: before `profile` existed too.
  nlohmann::json v0 = v1;
  v0.erase("profile");
  Answer from0 = upgrade(0, v0.dump());
  ASSERT_FALSE(HasError(from0.diags)) << All(from0.diags);
  EXPECT_EQ(from0.value, state);
  EXPECT_TRUE(from0.value.GetAttr("profile").is_null());

  Answer from1 = upgrade(1, v1.dump());
  ASSERT_FALSE(HasError(from1.diags)) << All(from1.diags);
  EXPECT_EQ(from1.value, state);
  EXPECT_EQ(from1.value.GetAttr("private_key_in_state"), Value::Bool(false));

  Answer from2 = upgrade(2, v2.dump());
  ASSERT_FALSE(HasError(from2.diags)) << All(from2.diags);
  EXPECT_EQ(from2.value, state);
  EXPECT_EQ(from2.value.GetAttr("publish"), Value::Bool(false));

  Answer from3 = upgrade(3, current);
  ASSERT_FALSE(HasError(from3.diags)) << All(from3.diags);
  EXPECT_EQ(from3.value, state);

  Answer newer = upgrade(4, current);
  ASSERT_TRUE(HasError(newer.diags));
  EXPECT_EQ(newer.diags[0].summary, "State written by a newer provider");

  EXPECT_TRUE(HasError(upgrade(0, "{\"id\": [1, 2").diags));
  EXPECT_TRUE(HasError(upgrade(0, "[1, 2]").diags));
  // A stored state nested 200000 deep (a state file is data from elsewhere) is an error through
  // the depth-limited reader, not a stack overflow of the parser.
  const std::string deep = "{\"id\": " + std::string(200000, '[') + std::string(200000, ']') + "}";
  Answer too_deep = upgrade(0, deep);
  ASSERT_TRUE(HasError(too_deep.diags));
  EXPECT_EQ(too_deep.diags[0].summary, "Cannot read the stored state of " + std::string(kAuto));

  // The account resource is still at version 0.
  tfplugin6::UpgradeResourceState::Request req;
  tfplugin6::UpgradeResourceState::Response resp;
  req.set_type_name(kAccount);
  req.set_version(0);
  req.mutable_raw_state()->set_json(EncodeJson(account, SchemaOf(kAccount).type()).value());
  EXPECT_TRUE(service_.UpgradeResourceState(nullptr, &req, &resp).ok());
  EXPECT_FALSE(HasError(FromProto(resp.diagnostics())));

  // An account state from before key_secret_wo: its binding lacks the new attributes,
  // which read as null; the key_secret it holds stays until the configuration moves on.
  const Type at = SchemaOf(kAccount).type();
  Value eab_account = Create(kAccount, EabAccountConfig({{"key_id", Value::String("kid-1")},
                                                         {"key_secret", Value::String("c2VjcmV0")}}));
  nlohmann::json old_eab = nlohmann::json::parse(EncodeJson(eab_account, at).value());
  for (auto& binding : old_eab["external_account_binding"]) {
    binding.erase("key_secret_wo");
    binding.erase("key_secret_wo_version");
  }
  tfplugin6::UpgradeResourceState::Request eab_req;
  tfplugin6::UpgradeResourceState::Response eab_resp;
  eab_req.set_type_name(kAccount);
  eab_req.set_version(0);
  eab_req.mutable_raw_state()->set_json(old_eab.dump());
  ASSERT_TRUE(service_.UpgradeResourceState(nullptr, &eab_req, &eab_resp).ok());
  ASSERT_FALSE(HasError(FromProto(eab_resp.diagnostics()))) << All(FromProto(eab_resp.diagnostics()));
  EXPECT_EQ(DecodeDynamicValue(eab_resp.upgraded_state(), at).value(), eab_account);
}

// ---------------------------------------------------------------- secrets out of state

constexpr char kEabKey[] = "zWNDZM6eQGHWpSRTPal5eIUYFTu7EajVIoguysqZ9wG44nMEtx3MUAsUDkMTQ12W";

// The private key stays out of the state by default; private_key_in_state puts it there and takes
// it out again, changing only the state: no order is placed.
TEST_F(PluginTest, PrivateKeyInStateTogglesOnlyTheState) {
  Value account = Create(kAccount, AccountConfig());
  Value config = AutoConfig(Str(account, "id"));
  Value state = Create(kAuto, config);
  EXPECT_TRUE(state.GetAttr("private_key_pem").is_null()) << "no key in state by default";
  EXPECT_EQ(state.GetAttr("private_key_in_state"), Value::Bool(false));
  const std::string serial = Str(state, "serial_number");
  const int orders = world_.ca.count("newOrder");

  Value with_key = WithAttr(config, "private_key_in_state", Value::Bool(true));
  Answer plan = Plan(kAuto, state, with_key);
  ASSERT_FALSE(HasError(plan.diags)) << All(plan.diags);
  EXPECT_TRUE(plan.replace.empty());
  EXPECT_EQ(plan.value.GetAttr("certificate_pem"), state.GetAttr("certificate_pem")) << "no new certificate";
  EXPECT_TRUE(plan.value.GetAttr("private_key_pem").is_unknown());
  Answer applied = Apply(kAuto, state, plan.value, with_key);
  ASSERT_FALSE(HasError(applied.diags)) << All(applied.diags);
  EXPECT_EQ(Str(applied.value, "serial_number"), serial);
  const std::string key_pem = Str(applied.value, "private_key_pem");
  ASSERT_FALSE(key_pem.empty());
  EXPECT_TRUE(VerifyKeyMatchesCertificate(PrivateKey::FromPem(key_pem).value(), Str(applied.value, "certificate_pem"))
                  .ok());
  // A refresh keeps it; a plan without changes keeps it.
  Answer read = Read(kAuto, applied.value);
  EXPECT_EQ(read.value, applied.value);
  plan = Plan(kAuto, read.value, with_key);
  EXPECT_EQ(plan.value.GetAttr("private_key_pem"), applied.value.GetAttr("private_key_pem"));

  // Removing the argument plans the default, false: the key goes, nothing else.
  plan = Plan(kAuto, applied.value, config);
  ASSERT_FALSE(HasError(plan.diags)) << All(plan.diags);
  EXPECT_TRUE(plan.value.GetAttr("private_key_pem").is_null());
  EXPECT_EQ(plan.value.GetAttr("certificate_pem"), applied.value.GetAttr("certificate_pem"));
  Answer removed = Apply(kAuto, applied.value, plan.value, config);
  ASSERT_FALSE(HasError(removed.diags)) << All(removed.diags);
  EXPECT_TRUE(removed.value.GetAttr("private_key_pem").is_null());
  EXPECT_EQ(Str(removed.value, "serial_number"), serial);
  EXPECT_EQ(world_.ca.count("newOrder"), orders) << "toggling never issues";

  // A re-issue with the key in state plans it unknown, without it null.
  Value reissue = WithAttr(with_key, "key_algorithm", Value::String("ecdsa256"));
  plan = Plan(kAuto, removed.value, reissue);
  EXPECT_TRUE(plan.value.GetAttr("certificate_pem").is_unknown());
  EXPECT_TRUE(plan.value.GetAttr("private_key_pem").is_unknown());
  plan = Plan(kAuto, removed.value, WithAttr(config, "key_algorithm", Value::String("ecdsa256")));
  EXPECT_TRUE(plan.value.GetAttr("certificate_pem").is_unknown());
  EXPECT_TRUE(plan.value.GetAttr("private_key_pem").is_null()) << "a plan never shows a key coming";
  // Create with the key in state.
  Value second = Create(kAuto, AutoConfig(Str(account, "id"), "api.example.com",
                                          {{"private_key_in_state", Value::Bool(true)}}));
  EXPECT_FALSE(Str(second, "private_key_pem").empty());
}

// A state written by the previous schema version holds the key: after the upgrade and a refresh
// it is still there, and the plan takes it out and changes nothing else.
TEST_F(PluginTest, UpgradedStateWithAKeyPlansOnlyTheKeyAway) {
  Value account = Create(kAccount, AccountConfig());
  Value config = AutoConfig(Str(account, "id"));
  Value state = Create(kAuto, WithAttr(config, "private_key_in_state", Value::Bool(true)));
  const Type t = SchemaOf(kAuto).type();
  nlohmann::json v1 = nlohmann::json::parse(EncodeJson(state, t).value());
  v1.erase("private_key_in_state");
  ASSERT_TRUE(v1["private_key_pem"].is_string());
  tfplugin6::UpgradeResourceState::Request req;
  tfplugin6::UpgradeResourceState::Response resp;
  req.set_type_name(kAuto);
  req.set_version(1);
  req.mutable_raw_state()->set_json(v1.dump());
  ASSERT_TRUE(service_.UpgradeResourceState(nullptr, &req, &resp).ok());
  ASSERT_FALSE(HasError(FromProto(resp.diagnostics())));
  Value upgraded = DecodeDynamicValue(resp.upgraded_state(), t).value();
  EXPECT_EQ(upgraded.GetAttr("private_key_in_state"), Value::Bool(false));
  EXPECT_EQ(upgraded.GetAttr("private_key_pem"), state.GetAttr("private_key_pem")) << "kept until the apply";

  Answer read = Read(kAuto, upgraded);
  ASSERT_FALSE(HasError(read.diags)) << All(read.diags);
  EXPECT_EQ(read.value, upgraded) << "a refresh alone never drops the key";
  Answer plan = Plan(kAuto, read.value, config);
  ASSERT_FALSE(HasError(plan.diags)) << All(plan.diags);
  EXPECT_TRUE(plan.replace.empty());
  EXPECT_EQ(plan.value, WithAttr(read.value, "private_key_pem", Value::Null(Type::String())))
      << "only private_key_pem changes";
  const int orders = world_.ca.count("newOrder");
  Answer applied = Apply(kAuto, read.value, plan.value, config);
  ASSERT_FALSE(HasError(applied.diags)) << All(applied.diags);
  EXPECT_EQ(applied.value, plan.value);
  EXPECT_EQ(world_.ca.count("newOrder"), orders);
}

TEST_F(PluginTest, DataSourceGivesTheKeyOnlyWhenAsked) {
  Value account = Create(kAccount, AccountConfig());
  Value state = Create(kAuto, AutoConfig(Str(account, "id")));
  const std::string id = Str(state, "last_issued_certificate_id");
  const std::string key = world_.sqlite->GetCertificate(id)->private_key_pem;
  Answer data = ReadData(id);
  ASSERT_FALSE(HasError(data.diags)) << All(data.diags);
  EXPECT_TRUE(data.value.GetAttr("private_key_pem").is_null());
  EXPECT_TRUE(data.value.GetAttr("include_private_key").is_null()) << "the configuration's value";
  data = ReadData(id, Value::Bool(false));
  EXPECT_TRUE(data.value.GetAttr("private_key_pem").is_null());
  data = ReadData(id, Value::Bool(true));
  ASSERT_FALSE(HasError(data.diags)) << All(data.diags);
  EXPECT_EQ(Str(data.value, "private_key_pem"), key);
}

TEST_F(PluginTest, EphemeralCertificateOpensByAutoCertificateOrById) {
  // Declared in the schema and the metadata.
  tfplugin6::GetProviderSchema::Request sreq;
  tfplugin6::GetProviderSchema::Response sresp;
  ASSERT_TRUE(service_.GetProviderSchema(nullptr, &sreq, &sresp).ok());
  ASSERT_EQ(sresp.ephemeral_resource_schemas().count(kData), 1u);
  bool key_sensitive = false;
  for (const auto& a : sresp.ephemeral_resource_schemas().at(kData).block().attributes()) {
    if (a.name() == "private_key_pem") key_sensitive = a.sensitive();
  }
  EXPECT_TRUE(key_sensitive);
  tfplugin6::ProviderMetadata::Request mreq;
  tfplugin6::ProviderMetadata::Response mresp;
  ASSERT_TRUE(service_.GetMetadata(nullptr, &mreq, &mresp).ok());
  ASSERT_EQ(mresp.ephemeral_resources_size(), 1);
  EXPECT_EQ(mresp.ephemeral_resources(0).type_name(), kData);

  Value account = Create(kAccount, AccountConfig());
  Value state = Create(kAuto, AutoConfig(Str(account, "id"), "www.example.com",
                                         {{"subject_alternative_names",
                                           Value::Set(Type::String(), {Value::String("example.com")})}}));
  Answer opened = OpenEphemeral(EphemeralConfig({{"auto_certificate_id", state.GetAttr("id")}}));
  ASSERT_FALSE(HasError(opened.diags)) << All(opened.diags);
  EXPECT_TRUE(opened.value.IsWhollyKnown());
  EXPECT_EQ(Str(opened.value, "id"), Str(state, "last_issued_certificate_id"));
  EXPECT_EQ(Str(opened.value, "common_name"), "www.example.com");
  EXPECT_EQ(Str(opened.value, "serial_number"), Str(state, "serial_number"));
  EXPECT_EQ(Str(opened.value, "certificate_pem"), Str(state, "certificate_pem"));
  EXPECT_EQ(Str(opened.value, "certificate_chain_pem"), Str(state, "certificate_chain_pem"));
  EXPECT_EQ(Str(opened.value, "not_after"), Str(state, "not_after"));
  EXPECT_EQ(Str(opened.value, "name"), Str(state.GetAttr("certificates").elements()[0], "name"));
  EXPECT_TRUE(VerifyKeyMatchesCertificate(PrivateKey::FromPem(Str(opened.value, "private_key_pem")).value(),
                                          Str(opened.value, "certificate_pem"))
                  .ok());

  Answer by_id = OpenEphemeral(EphemeralConfig({{"id", state.GetAttr("last_issued_certificate_id")}}));
  ASSERT_FALSE(HasError(by_id.diags)) << All(by_id.diags);
  EXPECT_EQ(by_id.value, opened.value) << "the same certificate either way";
  EXPECT_EQ(Str(by_id.value, "auto_certificate_id"), Str(state, "id"));

  // Before the certificate exists (a plan that creates it) the id is unknown: so is the result.
  Answer planned = OpenEphemeral(EphemeralConfig({{"auto_certificate_id", Value::Unknown(Type::String())}}));
  ASSERT_FALSE(HasError(planned.diags)) << All(planned.diags);
  EXPECT_TRUE(planned.value.GetAttr("private_key_pem").is_unknown());
  EXPECT_TRUE(planned.value.GetAttr("id").is_unknown());
}

TEST_F(PluginTest, EphemeralCertificateBadInputNamesTheAttribute) {
  Value account = Create(kAccount, AccountConfig());
  Value state = Create(kAuto, AutoConfig(Str(account, "id")));
  struct Case {
    const char* name;
    Value config;
    const char* attribute;
    const char* says;
  };
  const Case cases[] = {
      {"both", EphemeralConfig({{"id", state.GetAttr("last_issued_certificate_id")},
                                {"auto_certificate_id", state.GetAttr("id")}}),
       "auto_certificate_id", "not both"},
      {"neither", EphemeralConfig({}), "id", "auto_certificate_id"},
      {"unknown certificate id", EphemeralConfig({{"id", Value::String("no-such-certificate")}}), "id",
       "never known"},
      {"unknown auto certificate id", EphemeralConfig({{"auto_certificate_id", Value::String("no-such-auto")}}),
       "auto_certificate_id", "never known"},
      {"auto certificate id as id", EphemeralConfig({{"id", state.GetAttr("id")}}), "id",
       "set it as auto_certificate_id"},
      {"certificate id as auto_certificate_id",
       EphemeralConfig({{"auto_certificate_id", state.GetAttr("last_issued_certificate_id")}}), "auto_certificate_id",
       "is the id of a certificate"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    Answer a = OpenEphemeral(c.config);
    ASSERT_TRUE(HasError(a.diags));
    EXPECT_EQ(a.diags[0].attribute, c.attribute);
    EXPECT_THAT(a.diags[0].detail, HasSubstr(c.says));
  }
}

// key_secret_wo registers the account from the configuration at apply; it is planned null and
// never stored; key_secret_wo_version changes are recorded, only key_id replaces.
TEST_F(PluginTest, WriteOnlyEabSecretRegistersAndStaysOutOfPlanAndState) {
  world_.ca.script.eab_keys = {{"kid-1", kEabKey}};
  const Type t = SchemaOf(kAccount).type();
  Value config = EabAccountConfig({{"key_id", Value::String("kid-1")},
                                   {"key_secret_wo", Value::String(kEabKey)},
                                   {"key_secret_wo_version", Value::Int(1)}});
  std::vector<Diag> valid = Validate(kAccount, config);
  EXPECT_TRUE(valid.empty()) << All(valid);
  Answer plan = Plan(kAccount, Value::Null(t), config);
  ASSERT_FALSE(HasError(plan.diags)) << All(plan.diags);
  EXPECT_THAT(EncodeMsgpack(plan.value, t), ::testing::Not(HasSubstr(kEabKey)));
  const Value planned_eab = plan.value.GetAttr("external_account_binding").elements()[0];
  EXPECT_TRUE(planned_eab.GetAttr("key_secret_wo").is_null()) << "write-only values are planned null";
  Answer applied = Apply(kAccount, Value::Null(t), plan.value, config);
  ASSERT_FALSE(HasError(applied.diags)) << All(applied.diags);
  Value state = applied.value;
  EXPECT_EQ(Str(state, "status"), "valid");
  EXPECT_THAT(EncodeJson(state, t).value(), ::testing::Not(HasSubstr(kEabKey)));
  EXPECT_THAT(world_.ca.eab_registrations(), ::testing::ElementsAre("kid-1"));
  EXPECT_EQ(GetInt(state.GetAttr("external_account_binding").elements()[0], "key_secret_wo_version"), 1);

  // Unchanged configuration: no change planned (the write-only value never compares).
  plan = Plan(kAccount, state, config);
  EXPECT_EQ(plan.value, state);

  // A new version with a new secret is recorded in place; the CA is not asked again.
  const int registrations = world_.ca.count("newAccount");
  Value rotated = EabAccountConfig({{"key_id", Value::String("kid-1")},
                                    {"key_secret_wo", Value::String("c2Vjb25kLXNlY3JldA")},
                                    {"key_secret_wo_version", Value::Int(2)}});
  plan = Plan(kAccount, state, rotated);
  ASSERT_FALSE(HasError(plan.diags)) << All(plan.diags);
  EXPECT_TRUE(plan.replace.empty());
  applied = Apply(kAccount, state, plan.value, rotated);
  ASSERT_FALSE(HasError(applied.diags)) << All(applied.diags);
  EXPECT_EQ(GetInt(applied.value.GetAttr("external_account_binding").elements()[0], "key_secret_wo_version"), 2);
  EXPECT_EQ(Str(applied.value, "account_url"), Str(state, "account_url"));
  EXPECT_EQ(world_.ca.count("newAccount"), registrations);

  // Moving to (or from) the deprecated key_secret with the same key id keeps the account too.
  Value legacy = EabAccountConfig({{"key_id", Value::String("kid-1")}, {"key_secret", Value::String(kEabKey)}});
  EXPECT_TRUE(Plan(kAccount, applied.value, legacy).replace.empty());
  // Another key id is another binding: a new account.
  Value other = EabAccountConfig({{"key_id", Value::String("kid-2")}, {"key_secret_wo", Value::String(kEabKey)}});
  plan = Plan(kAccount, applied.value, other);
  ASSERT_EQ(plan.replace.size(), 1u);
  EXPECT_EQ(plan.replace[0], "external_account_binding");
  // So is removing the block.
  EXPECT_EQ(Plan(kAccount, applied.value, AccountConfig()).replace.size(), 1u);
}

// An account the CA no longer knows is registered again in place: with the write-only secret from
// the configuration, as only the configuration has it.
TEST_F(PluginTest, RepairRegistersWithTheWriteOnlySecretFromTheConfiguration) {
  world_.ca.script.eab_keys = {{"kid-1", kEabKey}};
  Value config = EabAccountConfig({{"key_id", Value::String("kid-1")}, {"key_secret_wo", Value::String(kEabKey)}});
  Value state = Create(kAccount, config);
  world_.ca.ForgetAccounts();
  Answer read = Read(kAccount, state);
  ASSERT_EQ(Str(read.value, "status"), "unknown to the CA");
  Answer plan = Plan(kAccount, read.value, config);
  ASSERT_TRUE(plan.replace.empty());
  Answer applied = Apply(kAccount, read.value, plan.value, config);
  ASSERT_FALSE(HasError(applied.diags)) << All(applied.diags);
  EXPECT_EQ(Str(applied.value, "status"), "valid");
  EXPECT_THAT(world_.ca.eab_registrations(), ::testing::ElementsAre("kid-1", "kid-1"));
}

TEST_F(PluginTest, EabSecretRulesNameTheAttribute) {
  struct Case {
    const char* name;
    std::map<std::string, Value> binding;
    bool write_only_allowed;
    bool error;
    const char* path;
    const char* says;
  };
  const Case cases[] = {
      {"both", {{"key_id", Value::String("kid-1")}, {"key_secret", Value::String(kEabKey)},
                {"key_secret_wo", Value::String(kEabKey)}},
       true, true, "external_account_binding[0]", "not both"},
      {"neither", {{"key_id", Value::String("kid-1")}}, true, true, "external_account_binding[0]", "key_secret_wo"},
      {"write-only secret not base64url", {{"key_id", Value::String("kid-1")},
                                           {"key_secret_wo", Value::String("not base64!!")}},
       true, true, "external_account_binding[0].key_secret_wo", "base64url"},
      {"Terraform before 1.11", {{"key_id", Value::String("kid-1")}, {"key_secret_wo", Value::String(kEabKey)}},
       false, true, "external_account_binding[0].key_secret_wo", "Terraform 1.11"},
      {"deprecated key_secret", {{"key_id", Value::String("kid-1")}, {"key_secret", Value::String(kEabKey)}},
       true, false, "external_account_binding[0]", "key_secret_wo"},
      {"key_secret with Terraform before 1.11", {{"key_id", Value::String("kid-1")},
                                                 {"key_secret", Value::String(kEabKey)}},
       false, false, "external_account_binding[0]", "key_secret_wo"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    std::vector<Diag> diags = Validate(kAccount, EabAccountConfig(c.binding), c.write_only_allowed);
    ASSERT_FALSE(diags.empty());
    EXPECT_EQ(HasError(diags), c.error) << All(diags);
    EXPECT_EQ(diags[0].path, c.path) << All(diags);
    EXPECT_THAT(diags[0].detail, HasSubstr(c.says));
  }
}

}  // namespace
}  // namespace ionos::tf
