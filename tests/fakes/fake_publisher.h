// A CertificatePublisher (core/publish/publisher.h) in memory, for the lifecycle's tests: the
// copies it holds, the calls it got, and switches for what the Certificate Manager may do (fail an
// upload, lose an upload's answer, refuse to delete a copy in use).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/lifecycle/services.h"
#include "core/publish/publisher.h"

namespace ionos::fakes {

class FakePublisher final : public CertificatePublisher {
 public:
  struct Held {
    PublishedCopy copy;
    std::string common_name;
    std::string certificate_pem;
    std::string private_key_pem;
    std::string in_use_by;  // not empty: DeleteCopy is refused
  };

  Result<PublishedCopy> Publish(const CopyToPublish& copy) override;
  Result<std::optional<PublishedCopy>> FindCopy(const std::string& common_name, const std::string& name,
                                                const std::string& serial_number) override;
  Result<PublishedCopy> GetCopy(const std::string& id) override;
  Status DeleteCopy(const std::string& id) override;
  std::string Describe() const override { return "the fake Certificate Manager"; }

  // ---- switches
  void FailNextPublish(Status status);  // the upload is refused, nothing is made
  void LoseNextAnswer();                // the upload makes the copy, then fails (as if unresolved)
  void SetInUse(const std::string& id, const std::string& by);
  void RemoveOutside(const std::string& id);  // deleted outside Terraform

  // ---- inspection
  std::vector<Held> copies() const;  // in upload order
  int publish_calls() const;
  int get_calls() const;
  int delete_calls() const;

 private:
  mutable std::mutex mu_;
  std::vector<Held> copies_;
  std::optional<Status> fail_next_;
  bool lose_next_ = false;
  int next_id_ = 1;
  int publish_calls_ = 0;
  int get_calls_ = 0;
  int delete_calls_ = 0;
};

// A ServiceFactories::new_publisher whose publishers all forward to `publisher` (not owned), so
// that a Lifecycle publishes into the test's FakePublisher.
std::function<Result<std::unique_ptr<CertificatePublisher>>(const PublisherConfig&)> ForwardTo(
    CertificatePublisher* publisher);

}  // namespace ionos::fakes
