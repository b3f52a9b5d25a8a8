// The tfplugin6.Provider gRPC service: decode the request, call the framework
// and the resource, encode the response. Errors travel only as diagnostics;
// every RPC returns gRPC OK unless the request itself is unusable.
#pragma once

#include "plugin/provider.h"
#include "plugin/rpc_timings.h"
#include "tfplugin6.grpc.pb.h"

namespace ionos::tf {

class ProviderService final : public tfplugin6::Provider::Service {
 public:
  ProviderService(Provider* provider, CancelToken* cancel) : provider_(provider), cancel_(cancel) {}

  grpc::Status GetMetadata(grpc::ServerContext*, const tfplugin6::ProviderMetadata::Request*,
                           tfplugin6::ProviderMetadata::Response*) override;
  grpc::Status GetProviderSchema(grpc::ServerContext*, const tfplugin6::GetProviderSchema::Request*,
                                 tfplugin6::GetProviderSchema::Response*) override;
  grpc::Status ValidateProviderConfig(grpc::ServerContext*, const tfplugin6::ValidateProviderConfig::Request*,
                                      tfplugin6::ValidateProviderConfig::Response*) override;
  grpc::Status ValidateResourceConfig(grpc::ServerContext*, const tfplugin6::ValidateResourceConfig::Request*,
                                      tfplugin6::ValidateResourceConfig::Response*) override;
  grpc::Status ValidateDataResourceConfig(grpc::ServerContext*, const tfplugin6::ValidateDataResourceConfig::Request*,
                                          tfplugin6::ValidateDataResourceConfig::Response*) override;
  grpc::Status UpgradeResourceState(grpc::ServerContext*, const tfplugin6::UpgradeResourceState::Request*,
                                    tfplugin6::UpgradeResourceState::Response*) override;
  grpc::Status ConfigureProvider(grpc::ServerContext*, const tfplugin6::ConfigureProvider::Request*,
                                 tfplugin6::ConfigureProvider::Response*) override;
  grpc::Status ReadResource(grpc::ServerContext*, const tfplugin6::ReadResource::Request*,
                            tfplugin6::ReadResource::Response*) override;
  grpc::Status PlanResourceChange(grpc::ServerContext*, const tfplugin6::PlanResourceChange::Request*,
                                  tfplugin6::PlanResourceChange::Response*) override;
  grpc::Status ApplyResourceChange(grpc::ServerContext*, const tfplugin6::ApplyResourceChange::Request*,
                                   tfplugin6::ApplyResourceChange::Response*) override;
  grpc::Status ImportResourceState(grpc::ServerContext*, const tfplugin6::ImportResourceState::Request*,
                                   tfplugin6::ImportResourceState::Response*) override;
  grpc::Status ReadDataSource(grpc::ServerContext*, const tfplugin6::ReadDataSource::Request*,
                              tfplugin6::ReadDataSource::Response*) override;
  grpc::Status ValidateEphemeralResourceConfig(grpc::ServerContext*,
                                               const tfplugin6::ValidateEphemeralResourceConfig::Request*,
                                               tfplugin6::ValidateEphemeralResourceConfig::Response*) override;
  grpc::Status OpenEphemeralResource(grpc::ServerContext*, const tfplugin6::OpenEphemeralResource::Request*,
                                     tfplugin6::OpenEphemeralResource::Response*) override;
  grpc::Status RenewEphemeralResource(grpc::ServerContext*, const tfplugin6::RenewEphemeralResource::Request*,
                                      tfplugin6::RenewEphemeralResource::Response*) override;
  grpc::Status CloseEphemeralResource(grpc::ServerContext*, const tfplugin6::CloseEphemeralResource::Request*,
                                      tfplugin6::CloseEphemeralResource::Response*) override;
  grpc::Status StopProvider(grpc::ServerContext*, const tfplugin6::StopProvider::Request*,
                            tfplugin6::StopProvider::Response*) override;

  const RpcTimings& timings() const { return timings_; }

 private:
  Provider* provider_;
  CancelToken* cancel_;
  RpcTimings timings_;
};

// Conversions, exposed for tests.
void SchemaToProto(const Schema& schema, tfplugin6::Schema* out);
void DiagnosticsToProto(const Diagnostics& diags,
                        google::protobuf::RepeatedPtrField<tfplugin6::Diagnostic>* out);
void PathToProto(const AttributePath& path, tfplugin6::AttributePath* out);
Result<Value> DecodeDynamicValue(const tfplugin6::DynamicValue& dv, const Type& type);
void EncodeDynamicValue(const Value& v, const Type& type, tfplugin6::DynamicValue* out);

}  // namespace ionos::tf
