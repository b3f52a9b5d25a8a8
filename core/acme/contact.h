// File: core/acme/contact.h
//
// The account contact of RFC 8555 §7.3 as users give it: a plain e-mail address, which the ACME
// client sends as a "mailto:" URI (RFC 6068).
#pragma once

#include <string_view>

#include "core/base/status.h"

namespace ionos {

// A plain e-mail address: local@domain.tld, no spaces, no "mailto:". InvalidArgumentError saying
// what is wrong and quoting the input otherwise.
Status ValidateEmail(std::string_view email);

}  // namespace ionos
