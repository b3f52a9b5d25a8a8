// RFC 2136 dynamic updates, signed with TSIG (RFC 8945), for the DNS API emulator: the way it
// publishes its TXT records into a real authoritative server (BIND 9 in the end-to-end tests).
//
// One call replaces the whole TXT RRset of one name in one UPDATE message: "delete the RRset"
// followed by one "add" per value (RFC 2136 §2.5.2, §2.5.1). The server applies the message
// atomically, so a name never shows a half-written set, and repeating a call is harmless. The call
// returns once the server answered NOERROR to a correctly signed request; the server has then
// committed the change and answers queries with it.
//
// Only loopback servers are accepted (IP literals in 127.0.0.0/8 or ::1): tests send no traffic
// elsewhere. Uses ldns, over UDP (an update is a few hundred bytes), with one retry.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "core/base/status.h"

namespace ionos::testing {

struct TsigKey {
  std::string name;                     // key name as the server knows it, e.g. "emulator-key"
  std::string secret;                   // base64, as in named.conf
  std::string algorithm = "hmac-sha256";  // hmac-sha1, hmac-sha224, hmac-sha256, hmac-sha512
};

// Parses "[algorithm:]name:secret", the syntax of `dig -y` and `nsupdate -y`.
// InvalidArgumentError for an empty name or secret, or an algorithm outside the list above.
Result<TsigKey> ParseTsigKey(const std::string& spec);

struct TxtRrsetUpdate {
  std::string server;  // "127.0.0.1:53", "[::1]:5353"; port 53 when omitted
  std::string zone;    // the zone the server is primary for, e.g. "example.com"
  std::string fqdn;    // the owner name, inside `zone`, e.g. "_acme-challenge.www.example.com"
  std::vector<std::string> values;  // the new TXT set; empty deletes every TXT record of fqdn
  int ttl = 60;
  std::chrono::milliseconds timeout{2000};  // per attempt
};

// Sends the update (see the top of this file), signed with `key` unless its name is empty.
// UnavailableError when the server does not answer or answers anything but NOERROR (REFUSED,
// NOTAUTH, NOTZONE, ... named in the message; a reply whose TSIG does not verify is reported as
// such); InvalidArgumentError for a server that is not a loopback address literal, a name outside
// the zone or a key ldns cannot sign with.
Status ReplaceTxtRrset(const TxtRrsetUpdate& update, const TsigKey& key);

}  // namespace ionos::testing
