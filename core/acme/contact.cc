#include "core/acme/contact.h"

#include <cctype>
#include <string>

namespace ionos {
namespace {

bool IsLabelChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-'; }

}  // namespace

Status ValidateEmail(std::string_view email) {
  const std::string shown = "\"" + std::string(email) + "\"";
  if (email.empty()) return InvalidArgumentError("the e-mail address is empty");
  if (email.size() > 254) return InvalidArgumentError("the e-mail address is longer than 254 characters");
  if (email.rfind("mailto:", 0) == 0) {
    return InvalidArgumentError(shown + " starts with mailto:; give the plain address (admin@example.com)");
  }
  auto at = email.find('@');
  if (at == std::string_view::npos || at == 0 || email.find('@', at + 1) != std::string_view::npos) {
    return InvalidArgumentError(shown + " is not an e-mail address (expected one @, as in admin@example.com)");
  }
  for (char c : email) {
    if (std::isspace(static_cast<unsigned char>(c)) || std::iscntrl(static_cast<unsigned char>(c)) || c == ',' ||
        c == '<' || c == '>' || c == '"') {
      return InvalidArgumentError(shown + " contains a character not allowed in an e-mail address");
    }
  }
  std::string_view domain = email.substr(at + 1);
  if (domain.empty() || domain.find('.') == std::string_view::npos || domain.front() == '.' ||
      domain.back() == '.' || domain.find("..") != std::string_view::npos) {
    return InvalidArgumentError(shown + " has no valid domain after the @ (expected a name like example.com)");
  }
  for (char c : domain) {
    if (!IsLabelChar(c) && c != '.') return InvalidArgumentError(shown + " has an invalid character in its domain");
  }
  return Status::Ok();
}

}  // namespace ionos
