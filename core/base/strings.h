// File: core/base/strings.h
//
// Small ASCII string helpers shared by every layer: case folding and comparison (protocol tokens,
// host names and header names are ASCII and case-insensitive), joining, trimming and quoting for
// messages. Nothing here is locale-dependent.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace ionos {

// `s` with A-Z mapped to a-z; every other byte unchanged.
std::string AsciiLower(std::string_view s);

// Equal ignoring ASCII case.
bool EqualsIgnoreCase(std::string_view a, std::string_view b);

// True when `s` begins with `prefix` (case-sensitive).
inline bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

// `s` without leading and trailing ASCII whitespace.
std::string_view TrimSpace(std::string_view s);

// The parts separated by `separator`: Join({"a","b"}, ", ") == "a, b".
std::string Join(const std::vector<std::string>& parts, std::string_view separator);

// `s` in double quotes, for messages: Quoted("x") == "\"x\"". Does not escape.
std::string Quoted(std::string_view s);

// Text from elsewhere (a CA's problem detail, an explanation URL, an API's message) made safe to
// show on a terminal or in a log line: every C0 control character, DEL and every C1 control
// (U+0080..U+009F, two bytes in UTF-8) is written as a visible escape \xHH; tab becomes a space.
// Everything else, valid UTF-8 or not, is kept byte for byte. An escape sequence from a CA
// (ESC [ 2 J, a CSI, a carriage return that overwrites the line) can then not reach a terminal.
std::string TerminalSafe(std::string_view s);

}  // namespace ionos
