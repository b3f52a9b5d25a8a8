// The generic plan rules, schema loading and protocol conversions.
#include <gtest/gtest.h>

#include <cstdlib>

#include "plugin/framework.h"
#include "plugin/provider.h"
#include "plugin/provider_service.h"
#include "plugin/schema.h"
#include "plugin/value/msgpack.h"

namespace ionos::tf {
namespace {

Schema AccountSchema() {
  auto s = LoadEmbeddedSchema("resources/ionos_certificate_provider.json");
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return *s;
}

Value Config(const Schema& s, const std::string& name, const std::string& email) {
  Value v = EmptyObject(s.block);
  v = WithAttr(v, "name", Value::String(name));
  v = WithAttr(v, "email", Value::String(email));
  v = WithAttr(v, "server", Value::String("https://ca.example/dir"));
  return v;
}

Value Applied(const Schema& s, const Value& config) {
  Value v = config;
  v = WithAttr(v, "id", Value::String("3f0c"));
  v = WithAttr(v, "key_algorithm", Value::String("ecdsa256"));
  v = WithAttr(v, "account_url", Value::String("https://ca.example/acct/1"));
  v = WithAttr(v, "status", Value::String("valid"));
  (void)s;
  return v;
}

// What Terraform proposes for an update: config values, prior values for
// computed attributes the configuration leaves null.
Value Proposed(const Schema& s, const Value& prior, const Value& config) {
  Value v = config;
  for (const auto& a : s.block.attributes) {
    if (a.computed && config.GetAttr(a.name).is_null()) v = WithAttr(v, a.name, prior.GetAttr(a.name));
  }
  return v;
}

// The rules an attribute's values follow are declared in the schema ("validate") and checked by
// the framework with core's own checks, each error on the attribute it is about.
TEST(AttributeRules, TheSchemaDeclaresThemAndTheFrameworkChecksThem) {
  auto schema = LoadEmbeddedSchema("resources/ionos_auto_certificate.json");
  ASSERT_TRUE(schema.ok()) << schema.status().ToString();
  const Type str = Type::String();
  struct Case {
    const char* name;
    const char* attribute;
    Value value;
    const char* summary;  // "" when the value is fine
    const char* detail;
  } cases[] = {
      {"a DNS name", "common_name", Value::String("www.example.com"), "", ""},
      {"a wildcard", "common_name", Value::String("*.example.com"), "", ""},
      {"not a DNS name", "common_name", Value::String("www example.com"), "Invalid DNS name", "www example.com"},
      {"one bad name in a set", "subject_alternative_names",
       Value::Set(str, {Value::String("a.example.com"), Value::String("b..example.com")}), "Invalid DNS name",
       "b..example.com"},
      {"an unknown value waits for apply", "common_name", Value::Unknown(str), "", ""},
      {"a key algorithm", "key_algorithm", Value::String("ecdsa384"), "", ""},
      {"not a key algorithm", "key_algorithm", Value::String("dsa1024"), "Unsupported key algorithm",
       "expected one of rsa2048, rsa3072, rsa4096, ecdsa256, ecdsa384"},
      {"a fraction of a day", "renew_before_days", Value::NumberV(Number::FromDouble(1.5)), "Invalid number of days",
       "renew_before_days must be a whole number of days, got 1.5"},
      {"no days before expiry", "renew_before_days", Value::Int(0), "Invalid number of days", "from 1 to 3650"},
      {"no grace period", "grace_period_days", Value::Int(0), "", ""},
      {"ten years and a day", "grace_period_days", Value::Int(3651), "Invalid number of days", "from 0 to 3650"},
      {"an empty name", "name", Value::String(""), "Empty value", "needs a display name"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    Diagnostics diags;
    CheckAttributeRules(schema->block, WithAttr(EmptyObject(schema->block), c.attribute, c.value), diags);
    if (std::string(c.summary).empty()) {
      EXPECT_FALSE(diags.HasError());
      continue;
    }
    ASSERT_EQ(diags.items().size(), 1u);
    const Diagnostic& d = diags.items()[0];
    EXPECT_EQ(d.summary, c.summary);
    EXPECT_NE(d.detail.find(c.detail), std::string::npos) << d.detail;
    ASSERT_TRUE(d.path.has_value());
    EXPECT_EQ(*d.path, AttributePath(c.attribute));
  }
}

TEST(AttributeRules, NestedBlocksAreCheckedAndAnUnknownRuleIsASchemaError) {
  auto s = ParseSchema(R"({"type_name": "t", "attributes": [{"name": "id", "type": "string", "computed": true}],
      "blocks": [{"name": "contact", "nesting": "list", "attributes": [
        {"name": "email", "type": "string", "required": true, "validate": "email"}]}]})");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  const Type contact = s->block.FindBlock("contact")->ObjectType();
  Value config = WithAttr(EmptyObject(s->block), "contact",
                          Value::List(contact, {Value::ObjectOfType(contact, {{"email", Value::String("a@example.com")}}),
                                                Value::ObjectOfType(contact, {{"email", Value::String("nobody")}})}));
  Diagnostics diags;
  CheckAttributeRules(s->block, config, diags);
  ASSERT_EQ(diags.items().size(), 1u);
  EXPECT_EQ(diags.items()[0].summary, "Invalid e-mail address");
  EXPECT_EQ(*diags.items()[0].path, AttributePath("contact").Index(1).Attr("email"));

  auto bad = ParseSchema(R"({"type_name": "t", "attributes": [
      {"name": "x", "type": "string", "optional": true, "validate": "shoe_size"}]})");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("unknown rule \"shoe_size\""), std::string::npos);
}

TEST(Schemas, EveryEmbeddedFileParses) {
  ASSERT_FALSE(EmbeddedSchemaFiles().empty());
  for (const auto& [path, text] : EmbeddedSchemaFiles()) {
    auto s = ParseSchema(text);
    EXPECT_TRUE(s.ok()) << path << ": " << s.status().ToString();
    if (!s.ok()) continue;
    for (const auto& a : s->block.attributes) {
      EXPECT_FALSE(a.description.empty()) << path << ": " << a.name << " has no description";
    }
  }
}

TEST(GenericPlan, CreateMarksComputedUnknownAndAppliesDefaults) {
  Schema s = AccountSchema();
  Value config = Config(s, "main", "a@example.com");
  PlanResponse r = GenericPlan(s.block, {Value::Null(s.type()), config, config});
  EXPECT_TRUE(r.requires_replace.empty());
  EXPECT_TRUE(r.planned.GetAttr("id").is_unknown());
  EXPECT_TRUE(r.planned.GetAttr("account_url").is_unknown());
  EXPECT_TRUE(r.planned.GetAttr("status").is_unknown());
  EXPECT_EQ(r.planned.GetAttr("key_algorithm"), Value::String("ecdsa256"));
  EXPECT_EQ(r.planned.GetAttr("name"), Value::String("main"));
}

TEST(GenericPlan, NoChangeKeepsPriorExactly) {
  Schema s = AccountSchema();
  Value config = Config(s, "main", "a@example.com");
  Value prior = Applied(s, config);
  PlanResponse r = GenericPlan(s.block, {prior, Proposed(s, prior, config), config});
  EXPECT_TRUE(r.requires_replace.empty());
  EXPECT_EQ(r.planned, prior);
}

TEST(GenericPlan, RenameKeepsStableComputedValues) {
  Schema s = AccountSchema();
  Value prior = Applied(s, Config(s, "main", "a@example.com"));
  Value config = Config(s, "renamed", "a@example.com");
  PlanResponse r = GenericPlan(s.block, {prior, Proposed(s, prior, config), config});
  EXPECT_TRUE(r.requires_replace.empty());
  EXPECT_EQ(r.planned.GetAttr("name"), Value::String("renamed"));
  EXPECT_EQ(r.planned.GetAttr("id"), prior.GetAttr("id"));
  EXPECT_EQ(r.planned.GetAttr("account_url"), prior.GetAttr("account_url"));
}

// The contact changes in place (RFC 8555 §7.3.2); it used to replace the account and, through
// provider_id, every certificate.
TEST(GenericPlan, EmailChangeIsAnUpdateInPlace) {
  Schema s = AccountSchema();
  Value prior = Applied(s, Config(s, "main", "a@example.com"));
  Value config = Config(s, "main", "b@example.com");
  PlanResponse r = GenericPlan(s.block, {prior, Proposed(s, prior, config), config});
  EXPECT_TRUE(r.requires_replace.empty());
  EXPECT_EQ(r.planned.GetAttr("id"), prior.GetAttr("id"));
  EXPECT_EQ(r.planned.GetAttr("account_url"), prior.GetAttr("account_url"));
  EXPECT_EQ(r.planned.GetAttr("email"), Value::String("b@example.com"));
}

// An optional attribute with a default plans the default when it is removed from the
// configuration: before, the old value stayed and a later rename re-issued.
TEST(GenericPlan, RemovedOptionalAttributePlansItsDefault) {
  Schema s = AccountSchema();
  Value with_alg = WithAttr(Config(s, "main", "a@example.com"), "key_algorithm", Value::String("ecdsa384"));
  Value prior = WithAttr(Applied(s, with_alg), "key_algorithm", Value::String("ecdsa384"));
  ASSERT_EQ(prior.GetAttr("key_algorithm"), Value::String("ecdsa384"));
  Value config = Config(s, "main", "a@example.com");  // key_algorithm removed
  PlanResponse r = GenericPlan(s.block, {prior, Proposed(s, prior, config), config});
  EXPECT_EQ(r.planned.GetAttr("key_algorithm"), Value::String("ecdsa256"));
  ASSERT_EQ(r.requires_replace.size(), 1u);
  EXPECT_EQ(r.requires_replace[0].ToString(), "key_algorithm");
}

TEST(GenericPlan, ExplicitKeyAlgorithmChangeRequiresReplacement) {
  Schema s = AccountSchema();
  Value prior = Applied(s, Config(s, "main", "a@example.com"));
  Value config = WithAttr(Config(s, "main", "a@example.com"), "key_algorithm", Value::String("rsa2048"));
  PlanResponse r = GenericPlan(s.block, {prior, Proposed(s, prior, config), config});
  ASSERT_EQ(r.requires_replace.size(), 1u);
  EXPECT_EQ(r.requires_replace[0].ToString(), "key_algorithm");
}

TEST(GenericPlan, DestroyPlansNull) {
  Schema s = AccountSchema();
  Value prior = Applied(s, Config(s, "main", "a@example.com"));
  PlanResponse r = GenericPlan(s.block, {prior, Value::Null(s.type()), Value::Null(s.type())});
  EXPECT_TRUE(r.planned.is_null());
}

// An account configuration with one external_account_binding block.
Value WithBinding(const Schema& s, const Value& v, const std::map<std::string, Value>& attrs) {
  const BlockSchema* b = s.block.FindBlock("external_account_binding");
  Value e = EmptyObject(*b);
  for (const auto& [k, x] : attrs) e = WithAttr(e, k, x);
  return WithAttr(v, "external_account_binding", Value::List(b->ObjectType(), {e}));
}

Value Binding(const Value& v) { return v.GetAttr("external_account_binding").elements()[0]; }

// Write-only attributes (protocol 6.8) are planned null, also inside blocks, and so never count as
// a change; only key_id of the binding replaces, element by element.
TEST(GenericPlan, WriteOnlyIsPlannedNullAndNestedReplacementIsPerAttribute) {
  Schema s = AccountSchema();
  Value config = WithBinding(s, Config(s, "main", "a@example.com"),
                             {{"key_id", Value::String("kid-1")}, {"key_secret_wo", Value::String("c2VjcmV0")},
                              {"key_secret_wo_version", Value::Int(1)}});
  PlanResponse created = GenericPlan(s.block, {Value::Null(s.type()), config, config});
  EXPECT_TRUE(Binding(created.planned).GetAttr("key_secret_wo").is_null());
  EXPECT_EQ(Binding(created.planned).GetAttr("key_secret_wo_version"), Value::Int(1));

  Value prior = Applied(s, NullWriteOnly(s.block, config));
  PlanResponse same = GenericPlan(s.block, {prior, Proposed(s, prior, config), config});
  EXPECT_EQ(same.planned, prior) << "the write-only value is no change";
  EXPECT_TRUE(same.requires_replace.empty());

  Value new_secret = WithBinding(s, Config(s, "main", "a@example.com"),
                                 {{"key_id", Value::String("kid-1")}, {"key_secret_wo", Value::String("b3RoZXI")},
                                  {"key_secret_wo_version", Value::Int(2)}});
  PlanResponse recorded = GenericPlan(s.block, {prior, Proposed(s, prior, new_secret), new_secret});
  EXPECT_TRUE(recorded.requires_replace.empty());
  EXPECT_EQ(Binding(recorded.planned).GetAttr("key_secret_wo_version"), Value::Int(2));

  Value other_kid = WithBinding(s, Config(s, "main", "a@example.com"),
                                {{"key_id", Value::String("kid-2")}, {"key_secret_wo", Value::String("c2VjcmV0")}});
  PlanResponse replaced = GenericPlan(s.block, {prior, Proposed(s, prior, other_kid), other_kid});
  ASSERT_EQ(replaced.requires_replace.size(), 1u);
  EXPECT_EQ(replaced.requires_replace[0].ToString(), "external_account_binding[0].key_id");

  Value without = Config(s, "main", "a@example.com");
  PlanResponse removed = GenericPlan(s.block, {prior, Proposed(s, prior, without), without});
  ASSERT_EQ(removed.requires_replace.size(), 1u);
  EXPECT_EQ(removed.requires_replace[0].ToString(), "external_account_binding");
}

TEST(WriteOnly, PathsSetAndTheErrorForATerraformBefore111) {
  Schema s = AccountSchema();
  Value config = WithBinding(s, Config(s, "main", "a@example.com"),
                             {{"key_id", Value::String("kid-1")}, {"key_secret_wo", Value::Unknown(Type::String())}});
  std::vector<AttributePath> paths = WriteOnlyPathsSet(s.block, config);
  ASSERT_EQ(paths.size(), 1u) << "an unknown value is set too";
  EXPECT_EQ(paths[0].ToString(), "external_account_binding[0].key_secret_wo");
  EXPECT_TRUE(WriteOnlyPathsSet(s.block, Config(s, "main", "a@example.com")).empty());

  Diagnostics allowed;
  CheckWriteOnlyAllowed(s.block, config, /*write_only_allowed=*/true, allowed);
  EXPECT_TRUE(allowed.empty());
  Diagnostics old;
  CheckWriteOnlyAllowed(s.block, config, /*write_only_allowed=*/false, old);
  ASSERT_TRUE(old.HasError());
  EXPECT_EQ(old.items()[0].path->ToString(), "external_account_binding[0].key_secret_wo");
  EXPECT_NE(old.items()[0].summary.find("Terraform 1.11"), std::string::npos);

  EXPECT_TRUE(Binding(NullWriteOnly(s.block, config)).GetAttr("key_secret_wo").is_null());
}

TEST(Schemas, WriteOnlyCannotBeComputedOrDefaultedOrReplace) {
  for (const char* flag : {R"("computed": true, "optional": true)", R"("optional": true, "default": "x")",
                           R"("optional": true, "requires_replace": true)"}) {
    SCOPED_TRACE(flag);
    auto s = ParseSchema(std::string(R"({"type_name": "t", "attributes": [{"name": "secret_wo", "type": "string",
                                        "write_only": true, )") + flag + "}]}");
    ASSERT_FALSE(s.ok());
    EXPECT_NE(s.status().message().find("secret_wo"), std::string::npos);
  }
  auto ok = ParseSchema(R"({"type_name": "t", "attributes": [{"name": "secret_wo", "type": "string",
                            "write_only": true, "optional": true, "sensitive": true}]})");
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_TRUE(ok->block.attributes[0].write_only);
}

TEST(CheckAppliedState, FlagsUnknownAndInconsistentValues) {
  Schema s = AccountSchema();
  Value config = Config(s, "main", "a@example.com");
  Value planned = GenericPlan(s.block, {Value::Null(s.type()), config, config}).planned;
  Diagnostics ok;
  CheckAppliedState(planned, Applied(s, config), ok);
  EXPECT_FALSE(ok.HasError());

  Diagnostics unknown;
  CheckAppliedState(planned, planned, unknown);
  EXPECT_TRUE(unknown.HasError());

  Diagnostics changed;
  CheckAppliedState(planned, WithAttr(Applied(s, config), "name", Value::String("other")), changed);
  ASSERT_TRUE(changed.HasError());
  EXPECT_EQ(changed.items()[0].path->ToString(), "name");
}

TEST(ProtoConversion, SchemaCarriesFlagsAndDescriptions) {
  Schema s = AccountSchema();
  tfplugin6::Schema proto;
  SchemaToProto(s, &proto);
  bool saw_email = false;
  for (const auto& a : proto.block().attributes()) {
    EXPECT_FALSE(a.description().empty()) << a.name();
    if (a.name() == "email") {
      saw_email = true;
      EXPECT_TRUE(a.required());
      EXPECT_EQ(a.type(), "\"string\"");
    }
  }
  EXPECT_TRUE(saw_email);
  ASSERT_EQ(proto.block().block_types_size(), 1);
  const auto& eab = proto.block().block_types(0);
  EXPECT_EQ(eab.type_name(), "external_account_binding");
  EXPECT_EQ(eab.nesting(), tfplugin6::Schema::NestedBlock::LIST);
  EXPECT_EQ(eab.max_items(), 1);
  int seen = 0;
  for (const auto& a : eab.block().attributes()) {
    if (a.name() == "key_secret") {
      ++seen;
      EXPECT_TRUE(a.sensitive());
      EXPECT_TRUE(a.deprecated());
      EXPECT_FALSE(a.write_only());
    }
    if (a.name() == "key_secret_wo") {
      ++seen;
      EXPECT_TRUE(a.sensitive());
      EXPECT_TRUE(a.write_only());
      EXPECT_TRUE(a.optional());
      EXPECT_FALSE(a.computed());
    }
  }
  EXPECT_EQ(seen, 2);
}

TEST(ProtoConversion, DiagnosticPathSteps) {
  Diagnostics d;
  d.AddAttributeError(AttributePath("external_account_binding").Index(0).Attr("key_id"), "s", "d");
  google::protobuf::RepeatedPtrField<tfplugin6::Diagnostic> out;
  DiagnosticsToProto(d, &out);
  ASSERT_EQ(out.size(), 1);
  ASSERT_EQ(out[0].attribute().steps_size(), 3);
  EXPECT_EQ(out[0].attribute().steps(0).attribute_name(), "external_account_binding");
  EXPECT_EQ(out[0].attribute().steps(1).element_key_int(), 0);
  EXPECT_EQ(out[0].attribute().steps(2).attribute_name(), "key_id");
  EXPECT_EQ(out[0].severity(), tfplugin6::Diagnostic::ERROR);
}

TEST(ProtoConversion, DynamicValueRoundTripAndEmptyIsNull) {
  Schema s = AccountSchema();
  Value v = Applied(s, Config(s, "main", "a@example.com"));
  tfplugin6::DynamicValue dv;
  EncodeDynamicValue(v, s.type(), &dv);
  auto back = DecodeDynamicValue(dv, s.type());
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, v);
  auto empty = DecodeDynamicValue(tfplugin6::DynamicValue(), s.type());
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->is_null());
}

class ProviderConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* v : {"IONOS_CERT_STORE", "IONOS_CERT_STORE_KEY", "IONOS_TOKEN", "IONOS_API_URL_DNS"}) unsetenv(v);
    auto s = LoadEmbeddedSchema("provider.json");
    ASSERT_TRUE(s.ok());
    schema_ = *s;
  }
  Schema schema_;
};

TEST_F(ProviderConfigTest, DefaultsAndEnvironmentFallbacks) {
  setenv("IONOS_TOKEN", "tok", 1);
  setenv("IONOS_CERT_STORE", "sqlite:/tmp/x.db", 1);
  Diagnostics d;
  auto cfg = ParseProviderConfig(schema_, EmptyObject(schema_.block), false, d);
  ASSERT_TRUE(cfg.has_value());
  EXPECT_EQ(cfg->token, "tok");
  EXPECT_EQ(cfg->store_url, "sqlite:/tmp/x.db");
  EXPECT_EQ(cfg->settings.dns_api_url, "https://dns.de-fra.ionos.com");
  unsetenv("IONOS_TOKEN");
  unsetenv("IONOS_CERT_STORE");
}

TEST_F(ProviderConfigTest, ConfigurationBeatsEnvironment) {
  setenv("IONOS_API_URL_DNS", "https://env.example", 1);
  Diagnostics d;
  Value v = WithAttr(EmptyObject(schema_.block), "dns_api_url", Value::String("http://127.0.0.1:9/"));
  auto cfg = ParseProviderConfig(schema_, v, false, d);
  ASSERT_TRUE(cfg.has_value());
  EXPECT_EQ(cfg->settings.dns_api_url, "http://127.0.0.1:9");
  unsetenv("IONOS_API_URL_DNS");
}

TEST_F(ProviderConfigTest, EachBadSettingNamesItsAttribute) {
  struct Case {
    const char* name;
    const char* attribute;
    Value value;
  };
  const Case cases[] = {
      {"store scheme", "store", Value::String("mysql://x")},
      {"short key", "store_encryption_key", Value::String("c2hvcnQ=")},
      {"dns url", "dns_api_url", Value::String("ftp://x")},
      {"ca pem", "ca_certificates_pem", Value::String("not a certificate")},
      {"dns url plain http to a remote host", "dns_api_url", Value::String("http://dns.example.com")},
      {"resolver", "dns_resolvers", Value::List(Type::String(), {Value::String("127.0.0.1:")})},
  };
  for (const auto& c : cases) {
    Diagnostics d;
    auto cfg = ParseProviderConfig(schema_, WithAttr(EmptyObject(schema_.block), c.attribute, c.value), false, d);
    EXPECT_FALSE(cfg.has_value()) << c.name;
    ASSERT_TRUE(d.HasError()) << c.name;
    ASSERT_TRUE(d.items()[0].path.has_value()) << c.name;
    EXPECT_EQ(d.items()[0].path->steps[0].name, c.attribute) << c.name;
  }
}

// A bad value taken from the environment is reported by the variable it came from,
// not against an attribute line the configuration does not have.
TEST_F(ProviderConfigTest, EachBadSettingFromTheEnvironmentNamesItsVariable) {
  struct Case {
    const char* variable;
    const char* value;
    const char* named;
  };
  const Case cases[] = {
      {"IONOS_CERT_STORE", "mysql://x", "IONOS_CERT_STORE (used because store is not set): "},
      {"IONOS_CERT_STORE_KEY", "c2hvcnQ=", "IONOS_CERT_STORE_KEY (used because store_encryption_key is not set): "},
      {"IONOS_API_URL_DNS", "http://dns.example.com", "IONOS_API_URL_DNS (used because dns_api_url is not set): "},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.variable);
    setenv(c.variable, c.value, 1);
    Diagnostics d;
    auto cfg = ParseProviderConfig(schema_, EmptyObject(schema_.block), false, d);
    unsetenv(c.variable);
    EXPECT_FALSE(cfg.has_value());
    ASSERT_TRUE(d.HasError());
    EXPECT_FALSE(d.items()[0].path.has_value()) << "no attribute to point at";
    EXPECT_EQ(d.items()[0].detail.rfind(c.named, 0), 0u) << d.items()[0].detail;
  }
}

TEST_F(ProviderConfigTest, TheStoreAndItsKeyAreNamedByWhereTheyCameFrom) {
  Diagnostics d;
  auto from_default = ParseProviderConfig(schema_, EmptyObject(schema_.block), false, d);
  ASSERT_TRUE(from_default.has_value());
  EXPECT_EQ(from_default->store_named_by, "the default store path (neither store nor IONOS_CERT_STORE is set)");
  setenv("IONOS_CERT_STORE", "sqlite:/tmp/x.db", 1);
  setenv("IONOS_CERT_STORE_KEY", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", 1);
  auto from_env = ParseProviderConfig(schema_, EmptyObject(schema_.block), false, d);
  unsetenv("IONOS_CERT_STORE");
  unsetenv("IONOS_CERT_STORE_KEY");
  ASSERT_TRUE(from_env.has_value());
  EXPECT_EQ(from_env->store_named_by, "IONOS_CERT_STORE (used because store is not set)");
  EXPECT_EQ(from_env->key_source, "IONOS_CERT_STORE_KEY (used because store_encryption_key is not set)");
  auto from_config =
      ParseProviderConfig(schema_, WithAttr(EmptyObject(schema_.block), "store", Value::String("sqlite:/tmp/y.db")),
                          false, d);
  ASSERT_TRUE(from_config.has_value());
  EXPECT_EQ(from_config->store_named_by, "the store argument");
  EXPECT_EQ(from_config->key_source, "");
}

TEST_F(ProviderConfigTest, UnknownValuesAreSkippedAtValidation) {
  Diagnostics d;
  Value v = WithAttr(EmptyObject(schema_.block), "store", Value::Unknown(Type::String()));
  auto cfg = ParseProviderConfig(schema_, v, true, d);
  EXPECT_TRUE(cfg.has_value());
  EXPECT_FALSE(d.HasError());
}

}  // namespace
}  // namespace ionos::tf
