// File: core/store/postgres_url.h
//
// The URL of a PostgreSQL store (postgres_store.h), parsed and checked without connecting.
//
// URL (ParsePostgresUrl; checked without connecting):
// - scheme postgres:// or postgresql://; a host (several as "h1:p1,h2:p2", IPv6 in brackets);
//   a numeric port 1-65535 when given (default: libpq's, 5432); a database (the path, required);
//   user and password optional (absent: libpq's defaults, e.g. PGUSER / PGPASSWORD / ~/.pgpass, so
//   the password need not appear in the URL at all). Percent-encoding (%40 for "@", %2F for "/",
//   %3F for "?") in every part.
// - query parameters (all optional, each checked): sslmode (disable, allow, prefer, require,
//   verify-ca, verify-full; libpq's default prefer), sslrootcert, sslcert, sslkey, sslpassword,
//   sslcrl, sslcrldir, sslsni, channel_binding, gssencmode, target_session_attrs, connect_timeout
//   (seconds, default 10; 0 = no limit), keepalives, keepalives_idle, keepalives_interval,
//   keepalives_count, tcp_user_timeout, application_name, options, password, and this store's own
//   round_trip_timeout (seconds, default 60; never passed to libpq). Anything else is an
//   InvalidArgumentError naming the parameter and the accepted ones. TLS is libpq's: sslmode and
//   sslrootcert are passed through as given.
// - sslmode defaults to verify-full for a host that is not loopback (127.0.0.0/8, ::1,
//   localhost) or a Unix socket directory: the store carries private keys (in clear without a
//   store key) and the password, so TLS is required and the server's certificate checked against
//   its name (sslrootcert, default ~/.postgresql/root.crt). A weaker sslmode given explicitly for
//   such a host is used, and PostgresUrl::warnings says what it risks (Store::Warnings()).
#pragma once

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "core/base/status.h"

namespace ionos {

// The parts of a postgres:// URL, percent-decoded.
struct PostgresUrl {
  std::string scheme;    // "postgres" or "postgresql", as written
  std::string user;      // empty: libpq's default
  std::string password;  // secret; empty: libpq's default (PGPASSWORD, ~/.pgpass)
  std::vector<std::string> hosts;  // at least one; IPv6 addresses without brackets
  std::vector<std::string> ports;  // one per host; "" where none was given
  std::string database;
  // Query parameters in the order given (a repeated one keeps its last value), decoded.
  std::vector<std::pair<std::string, std::string>> parameters;
  std::chrono::seconds connect_timeout{10};  // connect_timeout, or 10 s; 0: no limit
  std::chrono::seconds round_trip_timeout{60};  // round_trip_timeout, or 60 s; at least 1
  // What this URL's settings risk (an sslmode weaker than verify-full for a remote host), one
  // sentence each, for the user to see.
  std::vector<std::string> warnings;

  // "scheme://user@host:port/db" (no password, no query).
  std::string Describe() const;
  // The value of a query parameter, or "" when absent.
  std::string Parameter(const std::string& name) const;
};

// Parses and checks a postgres:// or postgresql:// URL without connecting.
// Errors: InvalidArgumentError naming the part that is wrong (never quoting the URL).
Result<PostgresUrl> ParsePostgresUrl(const std::string& url);

// Whether a query parameter is this store's own (round_trip_timeout), never passed to libpq.
bool IsOwnParameter(const std::string& name);

}  // namespace ionos
