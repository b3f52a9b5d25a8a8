#include "core/store/postgres_url.h"

#include <algorithm>
#include <charconv>
#include <string_view>
#include <utility>
#include <vector>

#include "core/base/encoding.h"
#include "core/base/host_port.h"
#include "core/base/strings.h"

namespace ionos {
namespace {

// ================================================================ the URL

constexpr char kUrlForm[] = "postgres://USER:PASSWORD@HOST:PORT/DATABASE?sslmode=MODE";

enum class ParameterKind { kText, kSecret, kSeconds, kChoice };

struct KnownParameter {
  const char* name;
  ParameterKind kind;
  const char* choices;  // kChoice: the accepted values, ", "-separated
};

constexpr KnownParameter kKnownParameters[] = {
    {"sslmode", ParameterKind::kChoice, "disable, allow, prefer, require, verify-ca, verify-full"},
    {"sslrootcert", ParameterKind::kText, nullptr},
    {"sslcert", ParameterKind::kText, nullptr},
    {"sslkey", ParameterKind::kText, nullptr},
    {"sslpassword", ParameterKind::kSecret, nullptr},
    {"sslcrl", ParameterKind::kText, nullptr},
    {"sslcrldir", ParameterKind::kText, nullptr},
    {"sslsni", ParameterKind::kChoice, "0, 1"},
    {"channel_binding", ParameterKind::kChoice, "disable, prefer, require"},
    {"gssencmode", ParameterKind::kChoice, "disable, prefer, require"},
    {"target_session_attrs", ParameterKind::kChoice, "any, read-write, read-only, primary, standby, prefer-standby"},
    {"connect_timeout", ParameterKind::kSeconds, nullptr},
    {"keepalives", ParameterKind::kChoice, "0, 1"},
    {"keepalives_idle", ParameterKind::kSeconds, nullptr},
    {"keepalives_interval", ParameterKind::kSeconds, nullptr},
    {"keepalives_count", ParameterKind::kSeconds, nullptr},
    {"tcp_user_timeout", ParameterKind::kSeconds, nullptr},
    {"application_name", ParameterKind::kText, nullptr},
    {"options", ParameterKind::kText, nullptr},
    {"password", ParameterKind::kSecret, nullptr},
    // The store's own (not libpq's): the deadline of every round trip.
    {"round_trip_timeout", ParameterKind::kSeconds, nullptr},
};

// Parts of the connection that belong in the URL itself.
constexpr const char* kReservedParameters[] = {"host", "hostaddr", "port", "dbname", "user", "service"};

std::string KnownParameterNames() {
  std::vector<std::string> names;
  for (const KnownParameter& p : kKnownParameters) {
    names.emplace_back(p.name);
  }
  return Join(names, ", ");
}

// Only short tokens of a safe alphabet are ever echoed from a URL: what a user mistyped in a
// parameter name or an sslmode, never a piece of a password that spilled into the wrong part.
bool Echoable(std::string_view s) {
  if (s.empty() || s.size() > 32) {
    return false;
  }
  return std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
  });
}

Status UrlError(const std::string& problem) {
  return InvalidArgumentError("the postgres store URL " + problem + " (form: " + kUrlForm + ")");
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

Result<std::string> PercentDecode(std::string_view s, const char* part) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out.push_back(s[i]);
      continue;
    }
    const int hi = i + 2 < s.size() ? HexDigit(s[i + 1]) : -1;
    const int lo = i + 2 < s.size() ? HexDigit(s[i + 2]) : -1;
    if (hi < 0 || lo < 0) {
      return UrlError(std::string("has a bad percent-encoding in the ") + part);
    }
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  if (out.find('\0') != std::string::npos) {
    return UrlError(std::string("has a NUL character in the ") + part);
  }
  return out;
}

bool AllDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// `may_echo`: false once a secret parameter came before, whose value may have been cut at an
// unencoded "&" and spilled into what follows.
Status CheckParameter(const KnownParameter& known, const std::string& value, PostgresUrl& url, bool may_echo) {
  const std::string name = known.name;
  switch (known.kind) {
    case ParameterKind::kText:
    case ParameterKind::kSecret:
      return Status::Ok();
    case ParameterKind::kSeconds: {
      if (!AllDigits(value) || value.size() > 7) {
        return UrlError("has a " + name + " that is not a whole number of seconds");
      }
      if (name == "connect_timeout") {
        url.connect_timeout = std::chrono::seconds(std::stoi(value));
      }
      if (name == "round_trip_timeout") {
        if (std::stoi(value) < 1) {
          return UrlError("has a round_trip_timeout of 0; every round trip needs a deadline of at least 1 second");
        }
        url.round_trip_timeout = std::chrono::seconds(std::stoi(value));
      }
      return Status::Ok();
    }
    case ParameterKind::kChoice: {
      const std::string choices = known.choices;
      size_t start = 0;
      while (start <= choices.size()) {
        const size_t end = std::min(choices.find(", ", start), choices.size());
        if (choices.compare(start, end - start, value) == 0 && end - start == value.size()) {
          return Status::Ok();
        }
        start = end + 2;
      }
      return InvalidArgumentError("the postgres store URL has an unknown " + name +
                                  (may_echo && Echoable(value) ? " " + Quoted(value) : std::string()) + "; " + name +
                                  " must be one of " + choices);
    }
  }
  return Status::Ok();
}

Status ParseHosts(std::string_view text, PostgresUrl& url) {
  if (text.empty()) {
    return UrlError("has no host");
  }
  size_t start = 0;
  while (start <= text.size()) {
    const size_t end = std::min(text.find(',', start), text.size());
    std::string_view item = text.substr(start, end - start);
    std::string_view host;
    std::string_view port;
    bool has_port = false;
    if (!item.empty() && item.front() == '[') {
      const size_t close = item.find(']');
      if (close == std::string_view::npos) {
        return UrlError("has an IPv6 host without its closing \"]\"");
      }
      host = item.substr(1, close - 1);
      std::string_view after = item.substr(close + 1);
      if (!after.empty()) {
        if (after.front() != ':') {
          return UrlError("has something other than \":PORT\" after an IPv6 host");
        }
        has_port = true;
        port = after.substr(1);
      }
    } else {
      const size_t colon = item.find(':');
      host = item.substr(0, colon);
      if (colon != std::string_view::npos) {
        has_port = true;
        port = item.substr(colon + 1);
      }
    }
    if (host.empty()) {
      return UrlError("has no host");
    }
    if (has_port) {
      if (!AllDigits(port) || port.size() > 5 || std::stoi(std::string(port)) < 1 ||
          std::stoi(std::string(port)) > 65535) {
        return UrlError("has a port that is not a number from 1 to 65535");
      }
    }
    IONOS_ASSIGN_OR_RETURN(std::string decoded, PercentDecode(host, "host"));
    url.hosts.push_back(std::move(decoded));
    url.ports.emplace_back(port);
    start = end + 1;
  }
  return Status::Ok();
}

}  // namespace

bool IsOwnParameter(const std::string& name) { return name == "round_trip_timeout"; }

namespace {

// True for a host whose traffic never leaves this machine: a loopback address or name, or a Unix
// socket directory (libpq: a host starting with "/" or "@").
bool IsLocalHost(const std::string& host) {
  return host.empty() || host[0] == '/' || host[0] == '@' || IsLoopbackHost(host);
}

// sslmode verify-full unless every host is local; a weaker mode given for a remote host is kept,
// with a warning that says what it risks.
void ApplyTlsDefault(PostgresUrl& url) {
  const bool remote = std::any_of(url.hosts.begin(), url.hosts.end(), [](const std::string& h) { return !IsLocalHost(h); });
  if (!remote) {
    return;
  }
  const std::string mode = url.Parameter("sslmode");
  if (mode.empty()) {
    url.parameters.emplace_back("sslmode", "verify-full");
    return;
  }
  const std::string risk =
      mode == "verify-ca"
          ? "the server's certificate is checked against the CA but not against the host name, so any server "
            "holding a certificate of that CA can pose as the store"
          : mode == "require"
                ? "the connection is encrypted but the server is not verified, so anyone on the network path can "
                  "pose as the store and read what is sent: the password and, without a store_encryption_key, the "
                  "private keys"
                : "the connection may be unencrypted, so the password and, without a store_encryption_key, the "
                  "private keys can cross the network in clear";
  if (mode != "verify-full") {
    url.warnings.push_back("The store " + url.Describe() + " uses sslmode=" + mode + ": " + risk +
                           ". Use sslmode=verify-full with sslrootcert=<the server's CA> for a store that is not "
                           "on this machine.");
  }
}

}  // namespace

// ================================================================ PostgresUrl

Result<PostgresUrl> ParsePostgresUrl(const std::string& text) {
  PostgresUrl url;
  std::string_view rest(text);
  if (rest.rfind("postgresql://", 0) == 0) {
    url.scheme = "postgresql";
  } else if (rest.rfind("postgres://", 0) == 0) {
    url.scheme = "postgres";
  } else {
    return InvalidArgumentError(std::string("not a postgres:// store URL (form: ") + kUrlForm + ")");
  }
  rest.remove_prefix(url.scheme.size() + 3);
  if (rest.find('#') != std::string_view::npos) {
    return UrlError("has a \"#\"; percent-encode it as %23 in a user name or password");
  }
  const size_t authority_end = std::min(rest.find_first_of("/?"), rest.size());
  std::string_view authority = rest.substr(0, authority_end);
  std::string_view after = rest.substr(authority_end);
  if (after.find('@') != std::string_view::npos) {
    return UrlError(
        "has an \"@\" after the host; percent-encode \"@\", \"/\", \"?\" and \":\" in the user name and password "
        "(%40, %2F, %3F, %3A)");
  }
  const size_t at = authority.rfind('@');
  std::string_view host_part = authority;
  if (at != std::string_view::npos) {
    std::string_view userinfo = authority.substr(0, at);
    host_part = authority.substr(at + 1);
    const size_t colon = userinfo.find(':');
    IONOS_ASSIGN_OR_RETURN(url.user, PercentDecode(userinfo.substr(0, colon), "user name"));
    if (colon != std::string_view::npos) {
      IONOS_ASSIGN_OR_RETURN(url.password, PercentDecode(userinfo.substr(colon + 1), "password"));
    }
  }
  IONOS_RETURN_IF_ERROR(ParseHosts(host_part, url));

  std::string_view path = after.substr(0, std::min(after.find('?'), after.size()));
  std::string_view query = after.size() > path.size() ? after.substr(path.size() + 1) : std::string_view();
  if (!path.empty()) {
    IONOS_ASSIGN_OR_RETURN(url.database, PercentDecode(path.substr(1), "database name"));
  }
  if (url.database.empty()) {
    return UrlError("names no database");
  }

  size_t start = 0;
  bool after_secret = false;  // nothing that follows a password parameter is echoed
  while (start < query.size()) {
    const size_t end = std::min(query.find('&', start), query.size());
    std::string_view item = query.substr(start, end - start);
    start = end + 1;
    if (item.empty()) {
      continue;
    }
    const size_t eq = item.find('=');
    IONOS_ASSIGN_OR_RETURN(std::string name, PercentDecode(item.substr(0, eq), "query"));
    if (eq == std::string_view::npos) {
      return UrlError("has a query parameter" +
                      (!after_secret && Echoable(name) ? " " + Quoted(name) : std::string()) +
                      " without \"=VALUE\"" +
                      (after_secret ? " after a password (percent-encode \"&\" in it as %26)" : ""));
    }
    IONOS_ASSIGN_OR_RETURN(std::string value, PercentDecode(item.substr(eq + 1), "query"));
    for (const char* reserved : kReservedParameters) {
      if (name == reserved) {
        return UrlError("gives " + name + " as a query parameter; write it in the URL itself");
      }
    }
    const KnownParameter* known = nullptr;
    for (const KnownParameter& p : kKnownParameters) {
      if (name == p.name) {
        known = &p;
      }
    }
    if (known == nullptr) {
      return InvalidArgumentError("the postgres store URL has an unknown query parameter" +
                                  (!after_secret && Echoable(name) ? " " + Quoted(name) : std::string()) +
                                  (after_secret ? " after a password (percent-encode \"&\" in it as %26)" : "") +
                                  "; accepted: " + KnownParameterNames());
    }
    IONOS_RETURN_IF_ERROR(CheckParameter(*known, value, url, !after_secret));
    after_secret = after_secret || known->kind == ParameterKind::kSecret;
    auto same = std::find_if(url.parameters.begin(), url.parameters.end(),
                             [&](const auto& p) { return p.first == name; });
    if (same != url.parameters.end()) {
      same->second = value;
    } else {
      url.parameters.emplace_back(name, value);
    }
  }
  ApplyTlsDefault(url);
  return url;
}

std::string PostgresUrl::Describe() const {
  std::string out = scheme + "://";
  if (!user.empty()) {
    out += user + "@";
  }
  for (size_t i = 0; i < hosts.size(); ++i) {
    if (i > 0) {
      out += ",";
    }
    out += hosts[i].find(':') != std::string::npos ? "[" + hosts[i] + "]" : hosts[i];
    if (!ports[i].empty()) {
      out += ":" + ports[i];
    }
  }
  return out + "/" + database;
}

std::string PostgresUrl::Parameter(const std::string& name) const {
  for (const auto& [k, v] : parameters) {
    if (k == name) {
      return v;
    }
  }
  return "";
}

}  // namespace ionos
