// File: core/publish/publisher.h
//
// CertificatePublisher: where issued certificates are published for other products to use by id
// (the IONOS Cloud Certificate Manager). core/lifecycle decides what to publish and
// when; implementations only speak the API.
#pragma once

#include <optional>
#include <string>

#include "core/base/status.h"

namespace ionos {

// A certificate to upload: all four parts are sent.
struct CopyToPublish {
  std::string name;           // the store's "<common_name>-<timestamp>" name
  std::string common_name;    // to find the copy again (filter.commonName)
  std::string serial_number;  // lower-case hex, as the store keeps it
  std::string certificate_pem;  // the leaf
  std::string chain_pem;        // the issuer chain
  std::string private_key_pem;  // secret
};

// A published copy as the API reports it (never its key).
struct PublishedCopy {
  std::string id;
  std::string name;
  std::string serial_number;  // lower-case hex without separators or leading zeros
  std::string state;          // PROVISIONING, AVAILABLE, FAILED, DESTROYING
};

class CertificatePublisher {
 public:
  virtual ~CertificatePublisher() = default;

  // Uploads `copy` and waits until it is AVAILABLE. The upload is sent once: when its answer is
  // lost (a transport failure or a 5xx after the request went out) the copies are listed and one
  // with the same name and serial is adopted; if there is none the error is returned (nothing was
  // made). A refusal (a key that does not match, a PEM the API cannot parse) is kInvalidArgument
  // with the API's message.
  virtual Result<PublishedCopy> Publish(const CopyToPublish& copy) = 0;

  // The copy named `name` with serial `serial_number` among the copies of `common_name`
  // (all pages); nullopt when there is none.
  virtual Result<std::optional<PublishedCopy>> FindCopy(const std::string& common_name, const std::string& name,
                                                        const std::string& serial_number) = 0;

  // One copy by id; kNotFound when it is gone.
  virtual Result<PublishedCopy> GetCopy(const std::string& id) = 0;

  // Deletes a copy. OK when it is gone already (404). kFailedPrecondition when the API refuses
  // because the copy is in use (409 or 422), with the API's message (what uses it, when it says).
  virtual Status DeleteCopy(const std::string& id) = 0;

  // How messages name the place ("the IONOS Certificate Manager at https://...").
  virtual std::string Describe() const = 0;
};

// "01:AB:cd" and "01abcd" both become "1abcd": how serials are compared.
std::string NormalizeSerial(const std::string& serial);

}  // namespace ionos
