// The plugin's own share of a Terraform run, for benchmarks (tests/bench/run.py B7).
//
// RpcTimings counts, per RPC kind, how many calls were served and how long they took, and the
// time during which at least one RPC was in flight ("busy"): with parallel RPCs that union, not
// the sum, is what the plugin adds to Terraform's wall time. When the environment variable
// IONOS_PROVIDER_RPC_TIMINGS names a file, the plugin appends one JSON line to it when Terraform
// shuts it down:
//   {"pid":123,"wall_s":4.2,"busy_s":1.3,"rpcs":{"ReadResource":{"count":1000,"total_s":0.9,"max_s":0.01}}}
// Without the variable nothing is written; counting costs a clock read and a mutex per RPC.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <string>

namespace ionos::tf {

class RpcTimings {
 public:
  using SteadyClock = std::chrono::steady_clock;

  RpcTimings() : started_(SteadyClock::now()) {}

  // Marks one RPC for its lifetime.
  class Scope {
   public:
    Scope(RpcTimings* timings, const char* rpc) : timings_(timings), rpc_(rpc) {
      if (timings_ != nullptr) start_ = timings_->Begin();
    }
    ~Scope() {
      if (timings_ != nullptr) timings_->End(rpc_, start_);
    }
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;

   private:
    RpcTimings* timings_;
    const char* rpc_;
    SteadyClock::time_point start_;
  };

  // The JSON line described above.
  std::string Summary() const;
  // Appends Summary() to the file named by IONOS_PROVIDER_RPC_TIMINGS, if set.
  void WriteIfRequested() const;

 private:
  struct Kind {
    long count = 0;
    SteadyClock::duration total{0};
    SteadyClock::duration max{0};
  };

  SteadyClock::time_point Begin();
  void End(const char* rpc, SteadyClock::time_point start);

  const SteadyClock::time_point started_;
  mutable std::mutex mu_;
  int in_flight_ = 0;
  SteadyClock::time_point busy_since_{};
  SteadyClock::duration busy_{0};
  std::map<std::string, Kind> kinds_;
};

}  // namespace ionos::tf
