// Byte encodings used across the core: base64 (standard and URL-safe), hex, UUIDs.
#pragma once

#include <string>
#include <string_view>

#include "core/base/clock.h"
#include "core/base/status.h"

namespace ionos {

// Standard alphabet. `pad` adds '=' padding (go-plugin's handshake wants none).
std::string Base64Encode(std::string_view data, bool pad = true);
// Accepts input with or without padding; rejects other characters.
Result<std::string> Base64Decode(std::string_view text);

// RFC 4648 §5 URL-safe alphabet without padding (JWS, RFC 7515 §2).
std::string Base64UrlEncode(std::string_view data);
Result<std::string> Base64UrlDecode(std::string_view text);

std::string HexEncode(std::string_view data, bool upper = false);

// Random version-4 UUID, lower case.
Result<std::string> NewUuid(Random& random);

}  // namespace ionos
