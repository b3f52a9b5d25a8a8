#include "tests/fakes/fake_publisher.h"

#include <algorithm>

#include "core/crypto/x509.h"

namespace ionos::fakes {

Result<PublishedCopy> FakePublisher::Publish(const CopyToPublish& copy) {
  std::lock_guard<std::mutex> lock(mu_);
  ++publish_calls_;
  if (fail_next_) {
    Status s = *fail_next_;
    fail_next_.reset();
    return s;
  }
  Result<CertificateInfo> info = InspectCertificate(copy.certificate_pem);
  if (!info.ok()) {
    return InvalidArgumentError("the fake Certificate Manager cannot parse the certificate");
  }
  Held held;
  held.copy.id = "copy-" + std::to_string(next_id_++);
  held.copy.name = copy.name;
  held.copy.serial_number = NormalizeSerial(info->serial_number);
  held.copy.state = "AVAILABLE";
  held.common_name = copy.common_name;
  held.certificate_pem = copy.certificate_pem;
  held.private_key_pem = copy.private_key_pem;
  copies_.push_back(held);
  if (lose_next_) {
    lose_next_ = false;
    return UnavailableError("the answer to the upload was lost (fake)");
  }
  return held.copy;
}

Result<std::optional<PublishedCopy>> FakePublisher::FindCopy(const std::string& common_name, const std::string& name,
                                                             const std::string& serial_number) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const Held& h : copies_) {
    if (h.common_name == common_name && h.copy.name == name && h.copy.serial_number == NormalizeSerial(serial_number)) {
      return std::optional<PublishedCopy>(h.copy);
    }
  }
  return std::optional<PublishedCopy>();
}

Result<PublishedCopy> FakePublisher::GetCopy(const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  ++get_calls_;
  for (const Held& h : copies_) {
    if (h.copy.id == id) return h.copy;
  }
  return NotFoundError("copy " + id + " not found (fake)");
}

Status FakePublisher::DeleteCopy(const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  ++delete_calls_;
  auto it = std::find_if(copies_.begin(), copies_.end(), [&](const Held& h) { return h.copy.id == id; });
  if (it == copies_.end()) return Status::Ok();
  if (!it->in_use_by.empty()) {
    return FailedPreconditionError("the copy " + id + " is in use by " + it->in_use_by);
  }
  copies_.erase(it);
  return Status::Ok();
}

void FakePublisher::FailNextPublish(Status status) {
  std::lock_guard<std::mutex> lock(mu_);
  fail_next_ = std::move(status);
}

void FakePublisher::LoseNextAnswer() {
  std::lock_guard<std::mutex> lock(mu_);
  lose_next_ = true;
}

void FakePublisher::SetInUse(const std::string& id, const std::string& by) {
  std::lock_guard<std::mutex> lock(mu_);
  for (Held& h : copies_) {
    if (h.copy.id == id) h.in_use_by = by;
  }
}

void FakePublisher::RemoveOutside(const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  std::erase_if(copies_, [&](const Held& h) { return h.copy.id == id; });
}

std::vector<FakePublisher::Held> FakePublisher::copies() const {
  std::lock_guard<std::mutex> lock(mu_);
  return copies_;
}

int FakePublisher::publish_calls() const {
  std::lock_guard<std::mutex> lock(mu_);
  return publish_calls_;
}

int FakePublisher::get_calls() const {
  std::lock_guard<std::mutex> lock(mu_);
  return get_calls_;
}

int FakePublisher::delete_calls() const {
  std::lock_guard<std::mutex> lock(mu_);
  return delete_calls_;
}

namespace {

class ForwardingPublisher final : public CertificatePublisher {
 public:
  explicit ForwardingPublisher(CertificatePublisher* to) : to_(to) {}
  Result<PublishedCopy> Publish(const CopyToPublish& copy) override { return to_->Publish(copy); }
  Result<std::optional<PublishedCopy>> FindCopy(const std::string& common_name, const std::string& name,
                                                const std::string& serial_number) override {
    return to_->FindCopy(common_name, name, serial_number);
  }
  Result<PublishedCopy> GetCopy(const std::string& id) override { return to_->GetCopy(id); }
  Status DeleteCopy(const std::string& id) override { return to_->DeleteCopy(id); }
  std::string Describe() const override { return to_->Describe(); }

 private:
  CertificatePublisher* to_;
};

}  // namespace

std::function<Result<std::unique_ptr<CertificatePublisher>>(const PublisherConfig&)> ForwardTo(
    CertificatePublisher* publisher) {
  return [publisher](const PublisherConfig&) -> Result<std::unique_ptr<CertificatePublisher>> {
    return std::unique_ptr<CertificatePublisher>(std::make_unique<ForwardingPublisher>(publisher));
  };
}

}  // namespace ionos::fakes
