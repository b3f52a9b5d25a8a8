#include "plugin/provider.h"

#include <cstdlib>

#include "core/base/host_port.h"
#include "core/lifecycle/attribute_rules.h"
#include "core/store/key_sealing.h"
#include "core/store/deferred_store.h"

namespace ionos::tf {
namespace {

// Where a setting's value came from.
enum class Source { kArgument, kEnvironment, kDefault };

// The configured string, else the environment variable, else the schema default; `from` (when
// not null) says which, and `env_name` the variable.
std::optional<std::string> StringSetting(const Schema& schema, const Value& config, const std::string& name,
                                         bool allow_unknown, bool* unknown, Source* from = nullptr,
                                         std::string* env_name = nullptr) {
  const AttributeSchema* a = schema.block.FindAttribute(name);
  if (env_name != nullptr && a != nullptr) *env_name = a->env;
  Value v = config.is_known() ? config.GetAttr(name) : Value::Null(Type::String());
  if (from != nullptr) *from = Source::kArgument;
  if (v.is_unknown()) {
    if (allow_unknown) *unknown = true;
    return std::nullopt;
  }
  if (v.is_known()) return v.as_string();
  if (a != nullptr && !a->env.empty()) {
    const char* env = std::getenv(a->env.c_str());
    if (from != nullptr) *from = Source::kEnvironment;
    if (env != nullptr && *env != '\0') return std::string(env);
  }
  if (from != nullptr) *from = Source::kDefault;
  if (a != nullptr && a->default_value && a->default_value->is_string()) return a->default_value->get<std::string>();
  return std::nullopt;
}

// How messages name a value that came from the environment: "IONOS_API_URL_DNS (used because
// dns_api_url is not set)".
std::string FromEnvironment(const std::string& env_name, const std::string& attribute) {
  return env_name + " (used because " + attribute + " is not set)";
}

// An invalid setting: an error on the attribute when the configuration set it, otherwise an error
// that names the environment variable the value came from.
void AddSettingError(Diagnostics& diags, const std::string& attribute, Source from, const std::string& env_name,
                     const std::string& summary, const std::string& detail) {
  if (from == Source::kEnvironment) {
    diags.AddError(summary, FromEnvironment(env_name, attribute) + ": " + detail);
  } else {
    diags.AddAttributeError(AttributePath(attribute), summary, detail);
  }
}

}  // namespace

std::optional<ProviderConfig> ParseProviderConfig(const Schema& schema, const Value& config, bool allow_unknown,
                                                  Diagnostics& diags) {
  ProviderConfig out;
  bool unknown = false;
  size_t errors_before = diags.items().size();

  Source from = Source::kDefault;
  std::string env_name;
  auto store = StringSetting(schema, config, "store", allow_unknown, &unknown, &from, &env_name);
  out.store_url = store.value_or(DefaultStoreUrl());
  out.store_from_environment = store && from == Source::kEnvironment;
  out.store_named_by = !store ? "the default store path (neither store nor " + env_name + " is set)"
                       : from == Source::kEnvironment ? FromEnvironment(env_name, "store")
                                                      : std::string("the store argument");
  if (store) {
    Status s = ValidateStoreUrl(*store);
    if (!s.ok()) AddSettingError(diags, "store", from, env_name, "Invalid certificate store", s.message());
  }

  if (auto key = StringSetting(schema, config, "store_encryption_key", allow_unknown, &unknown, &from, &env_name)) {
    auto parsed = ParseStoreEncryptionKey(*key);
    if (!parsed.ok()) {
      AddSettingError(diags, "store_encryption_key", from, env_name, "Invalid store encryption key",
                      parsed.status().message() + ". Generate one with: openssl rand -base64 32");
    } else {
      out.encryption_key = *parsed;
      if (from == Source::kEnvironment) out.key_source = FromEnvironment(env_name, "store_encryption_key");
    }
  }

  out.token = StringSetting(schema, config, "token", allow_unknown, &unknown).value_or("");

  if (auto url = StringSetting(schema, config, "dns_api_url", allow_unknown, &unknown, &from, &env_name)) {
    Result<std::string> checked = CheckedApiUrl(*url);
    if (!checked.ok()) {
      AddSettingError(diags, "dns_api_url", from, env_name, "Invalid DNS API URL", checked.status().message());
    }
    out.settings.dns_api_url = checked.value_or(*url);
  }

  if (auto url = StringSetting(schema, config, "certificate_manager_url", allow_unknown, &unknown, &from, &env_name)) {
    Result<std::string> checked = CheckedApiUrl(*url);
    if (!checked.ok()) {
      AddSettingError(diags, "certificate_manager_url", from, env_name, "Invalid Certificate Manager API URL",
                      checked.status().message());
    }
    out.certificate_manager_url = checked.value_or(*url);
  }

  if (auto timeout = StringSetting(schema, config, "propagation_timeout", allow_unknown, &unknown)) {
    Result<Duration> d = ParseDuration(*timeout);
    if (!d.ok()) {
      diags.AddAttributeError(AttributePath("propagation_timeout"), "Invalid propagation timeout",
                              d.status().message() + ".");
    } else if (*d < kMinPropagationTimeout || *d > kMaxPropagationTimeout) {
      diags.AddAttributeError(AttributePath("propagation_timeout"), "Invalid propagation timeout",
                              "propagation_timeout must lie between 1s and 2h, got \"" + *timeout + "\".");
    } else {
      out.settings.propagation_timeout = *d;
    }
  }

  Value resolvers = config.is_known() ? config.GetAttr("dns_resolvers") : Value::Null(Type::List(Type::String()));
  if (resolvers.is_known()) {
    for (size_t i = 0; i < resolvers.elements().size(); ++i) {
      const Value& r = resolvers.elements()[i];
      if (!r.is_known()) continue;
      Status s = SplitHostPort(r.as_string(), 53).status();
      if (!s.ok()) {
        diags.AddAttributeError(AttributePath("dns_resolvers").Index(static_cast<int64_t>(i)), "Invalid DNS resolver",
                                s.message());
      }
      out.settings.dns_resolvers.push_back(r.as_string());
    }
  }

  if (auto pem = StringSetting(schema, config, "ca_certificates_pem", allow_unknown, &unknown)) {
    Status s = CheckStringRule("ca_bundle", *pem);
    if (!s.ok()) {
      diags.AddAttributeError(AttributePath("ca_certificates_pem"), "Invalid CA certificates", s.message());
    }
    out.settings.ca_certificates_pem = *pem;
  }

  for (size_t i = errors_before; i < diags.items().size(); ++i) {
    if (diags.items()[i].severity == Diagnostic::Severity::kError) return std::nullopt;
  }
  return out;
}

namespace {

LifecycleOptions LifecycleOptionsOf(const ProviderConfig& config, const Clock* clock, Random* random, Logger* log,
                                    const CancelToken* cancel) {
  LifecycleOptions o;
  o.version = IONOS_PROVIDER_VERSION;
  o.token = config.token;
  o.certificate_manager_url = config.certificate_manager_url;
  o.account_settings = config.settings;
  o.clock = clock;
  o.random = random;
  o.logger = log;
  o.cancel = cancel;
  return o;
}

}  // namespace

ProviderContext::ProviderContext(ProviderConfig config, std::unique_ptr<Store> store,
                                 const ServiceFactories& factories, const Clock* clock, Random* random, Logger* log,
                                 const CancelToken* cancel)
    : config_(std::move(config)),
      store_(std::move(store)),
      clock_(clock),
      log_(log),
      lifecycle_(store_.get(), factories, LifecycleOptionsOf(config_, clock, random, log, cancel)) {}

Provider::Provider(ServiceFactories factories, const Clock* clock, Random* random, Logger* log,
                   const CancelToken* cancel)
    : factories_(std::move(factories)), clock_(clock), random_(random), log_(log), cancel_(cancel) {}

void Provider::LoadSchemas() {
  std::call_once(schemas_once_, [this] {
    auto provider = LoadEmbeddedSchema("provider.json");
    if (provider.ok()) {
      schema_ = std::move(provider).value();
    } else {
      log_->Error("cannot load the provider schema", {{"error", provider.status().message()}});
    }
    auto cp = LoadEmbeddedSchema("resources/ionos_certificate_provider.json");
    if (cp.ok()) {
      resources_.emplace("ionos_certificate_provider", NewCertificateProviderResource(this, std::move(cp).value()));
    } else {
      log_->Error("cannot load a resource schema", {{"error", cp.status().message()}});
    }
    auto ac = LoadEmbeddedSchema("resources/ionos_auto_certificate.json");
    if (ac.ok()) {
      resources_.emplace("ionos_auto_certificate", NewAutoCertificateResource(this, std::move(ac).value()));
    } else {
      log_->Error("cannot load a resource schema", {{"error", ac.status().message()}});
    }
    auto ds = LoadEmbeddedSchema("data-sources/ionos_certificate.json");
    if (ds.ok()) {
      data_sources_.emplace("ionos_certificate", NewCertificateDataSource(this, std::move(ds).value()));
    } else {
      log_->Error("cannot load a data source schema", {{"error", ds.status().message()}});
    }
    auto served = LoadEmbeddedSchema("data-sources/ionos_served_certificate.json");
    if (served.ok()) {
      data_sources_.emplace("ionos_served_certificate", NewServedCertificateDataSource(this, std::move(served).value()));
    } else {
      log_->Error("cannot load a data source schema", {{"error", served.status().message()}});
    }
    auto er = LoadEmbeddedSchema("ephemeral-resources/ionos_certificate.json");
    if (er.ok()) {
      ephemeral_resources_.emplace("ionos_certificate", NewCertificateEphemeralResource(this, std::move(er).value()));
    } else {
      log_->Error("cannot load an ephemeral resource schema", {{"error", er.status().message()}});
    }
  });
}

const Schema& Provider::schema() {
  LoadSchemas();
  return schema_;
}

void Provider::ValidateConfig(const Value& config, Diagnostics& diags) {
  ParseProviderConfig(schema(), config, /*allow_unknown=*/true, diags);
}

void Provider::SetConfigurationError(std::string summary, std::string detail) {
  configuration_error_.emplace(std::move(summary), std::move(detail));
}

void Provider::SetConfigurationWarning(std::string summary, std::string detail) {
  configuration_warning_.emplace(std::move(summary), std::move(detail));
}

void Provider::Configure(const Value& config, Diagnostics& diags) {
  if (configuration_error_) {
    diags.AddError(configuration_error_->first, configuration_error_->second);
    return;
  }
  if (configuration_warning_) {
    diags.AddWarning(configuration_warning_->first, configuration_warning_->second);
  }
  auto parsed = ParseProviderConfig(schema(), config, /*allow_unknown=*/false, diags);
  if (!parsed) return;
  StoreOptions store_opts;
  store_opts.encryption_key = parsed->encryption_key;
  store_opts.key_source = parsed->key_source;
  store_opts.clock = clock_;
  store_opts.random = random_;
  // Created at the first write (an apply), never by validate, plan, refresh or import.
  auto store = OpenDeferredStore(factories_.open_store, parsed->store_url, store_opts);
  if (!store.ok()) {
    const std::string detail = store.status().message() + "; the store is named by " + parsed->store_named_by;
    if (parsed->store_from_environment) {
      diags.AddError("Cannot open the certificate store", detail);
    } else {
      diags.AddAttributeError(AttributePath("store"), "Cannot open the certificate store", detail);
    }
    return;
  }
  // The extra roots are checked here, once, rather than at the first request.
  HttpClientOptions http_opts;
  http_opts.extra_ca_pem = parsed->settings.ca_certificates_pem;
  if (auto http = factories_.new_http_client(http_opts); !http.ok()) {
    diags.AddAttributeError(AttributePath("ca_certificates_pem"), "Cannot set up TLS", http.status().message());
    return;
  }
  log_->Debug("provider configured", {{"store", (*store)->Describe()}});
  for (const std::string& warning : (*store)->Warnings()) {
    diags.AddAttributeWarning(AttributePath("store"), "The certificate store's connection is not verified", warning);
  }
  if (!parsed->encryption_key.empty()) {
    // A store key set on a store that has keys from before: say how to encrypt those too.
    if (Result<KeyCounts> keys = (*store)->CountKeys(); keys.ok() && keys->plaintext > 0) {
      diags.AddWarning("Private keys stored unencrypted",
                       std::to_string(keys->plaintext) + " private key(s) in the store " + (*store)->Describe() +
                           " were written before store_encryption_key was set and are not encrypted; new ones are. "
                           "Encrypt them with (the key stays off the command line): "
                           "IONOS_CERT_STORE_NEW_KEY=\"$IONOS_CERT_STORE_KEY\" IONOS_CERT_STORE_KEY= "
                           "terraform-provider-ionos store rekey --store '" +
                           (*store)->Describe() + "'");
    }
  }
  std::lock_guard<std::mutex> lock(mu_);
  context_ = std::make_unique<ProviderContext>(std::move(*parsed), std::move(store).value(), factories_, clock_,
                                               random_, log_, cancel_);
}

Status UnknownIdStatus(ProviderContext& ctx, const Status& not_found) {
  const std::string described = ctx.store().Describe();
  std::string hint = "the store " + described + " has never known this id: is " + ctx.config().store_named_by +
                     " pointing at the right place, or was the store lost?";
  if (described.rfind("sqlite:", 0) == 0) {
    hint += " A sqlite: store lives on one machine's disk; runners and teammates that share the Terraform "
            "state must also share the store: use a postgres:// store (see \"Teams and CI\" in the docs).";
  }
  return Status(not_found.code(), not_found.message() + "; " + hint);
}

ProviderContext* Provider::context() {
  std::lock_guard<std::mutex> lock(mu_);
  return context_.get();
}

Resource* Provider::resource(const std::string& type_name) {
  LoadSchemas();
  auto it = resources_.find(type_name);
  return it == resources_.end() ? nullptr : it->second.get();
}

DataSource* Provider::data_source(const std::string& type_name) {
  LoadSchemas();
  auto it = data_sources_.find(type_name);
  return it == data_sources_.end() ? nullptr : it->second.get();
}

EphemeralResource* Provider::ephemeral_resource(const std::string& type_name) {
  LoadSchemas();
  auto it = ephemeral_resources_.find(type_name);
  return it == ephemeral_resources_.end() ? nullptr : it->second.get();
}

std::vector<std::string> Provider::ephemeral_resource_types() {
  LoadSchemas();
  std::vector<std::string> out;
  for (const auto& [name, e] : ephemeral_resources_) out.push_back(name);
  return out;
}

std::vector<std::string> Provider::resource_types() {
  LoadSchemas();
  std::vector<std::string> out;
  for (const auto& [name, r] : resources_) out.push_back(name);
  return out;
}

std::vector<std::string> Provider::data_source_types() {
  LoadSchemas();
  std::vector<std::string> out;
  for (const auto& [name, d] : data_sources_) out.push_back(name);
  return out;
}

}  // namespace ionos::tf
