#include "plugin/rpc_timings.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include <nlohmann/json.hpp>

namespace ionos::tf {

namespace {

double Seconds(std::chrono::steady_clock::duration d) { return std::chrono::duration<double>(d).count(); }

}  // namespace

RpcTimings::SteadyClock::time_point RpcTimings::Begin() {
  const SteadyClock::time_point now = SteadyClock::now();
  std::lock_guard<std::mutex> lock(mu_);
  if (in_flight_++ == 0) busy_since_ = now;
  return now;
}

void RpcTimings::End(const char* rpc, SteadyClock::time_point start) {
  const SteadyClock::time_point now = SteadyClock::now();
  std::lock_guard<std::mutex> lock(mu_);
  if (--in_flight_ == 0) busy_ += now - busy_since_;
  Kind& k = kinds_[rpc];
  ++k.count;
  k.total += now - start;
  if (now - start > k.max) k.max = now - start;
}

std::string RpcTimings::Summary() const {
  const SteadyClock::time_point now = SteadyClock::now();
  std::lock_guard<std::mutex> lock(mu_);
  nlohmann::json rpcs = nlohmann::json::object();
  for (const auto& [name, k] : kinds_) {
    rpcs[name] = {{"count", k.count}, {"total_s", Seconds(k.total)}, {"max_s", Seconds(k.max)}};
  }
  const SteadyClock::duration busy = busy_ + (in_flight_ > 0 ? now - busy_since_ : SteadyClock::duration(0));
  const nlohmann::json j = {{"pid", static_cast<long>(getpid())},
                            {"wall_s", Seconds(now - started_)},
                            {"busy_s", Seconds(busy)},
                            {"rpcs", std::move(rpcs)}};
  return j.dump();
}

void RpcTimings::WriteIfRequested() const {
  const char* path = std::getenv("IONOS_PROVIDER_RPC_TIMINGS");
  if (path == nullptr || *path == '\0') return;
  const std::string line = Summary() + "\n";
  if (FILE* f = std::fopen(path, "a")) {
    std::fwrite(line.data(), 1, line.size(), f);
    std::fclose(f);
  }
}

}  // namespace ionos::tf
