// File: core/http/retry_after.h
//
// The Retry-After header (RFC 9110 §10.2.3), read once for every client that honours it (ACME
// polling and rate limits, RFC 8555 §6.6 and §7.5.1; the IONOS Cloud DNS API's 429 and 503).
#pragma once

#include <optional>
#include <string_view>

#include "core/base/clock.h"

namespace ionos {

// The moment a Retry-After value names: delay-seconds (at most 9 digits) from `now`, or an
// IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT"). A moment in the past yields `now`; an empty,
// negative, absurdly long or otherwise malformed value yields nullopt. Never earlier than `now`.
std::optional<TimePoint> ParseRetryAfter(std::string_view value, TimePoint now);

}  // namespace ionos
