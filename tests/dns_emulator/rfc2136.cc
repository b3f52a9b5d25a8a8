#include "tests/dns_emulator/rfc2136.h"

#include <ldns/ldns.h>
#include <sys/time.h>

#include <algorithm>
#include <cctype>
#include <memory>

#include "core/base/host_port.h"

namespace ionos::testing {

namespace {

struct ResolverDeleter {
  void operator()(ldns_resolver* r) const { ldns_resolver_deep_free(r); }
};
struct PktDeleter {
  void operator()(ldns_pkt* p) const { ldns_pkt_free(p); }
};
struct RdfDeleter {
  void operator()(ldns_rdf* r) const { ldns_rdf_deep_free(r); }
};
struct RrListDeleter {
  void operator()(ldns_rr_list* l) const { ldns_rr_list_deep_free(l); }
};
using ResolverPtr = std::unique_ptr<ldns_resolver, ResolverDeleter>;
using PktPtr = std::unique_ptr<ldns_pkt, PktDeleter>;
using RdfPtr = std::unique_ptr<ldns_rdf, RdfDeleter>;
using RrListPtr = std::unique_ptr<ldns_rr_list, RrListDeleter>;

const char* const kAlgorithms[] = {"hmac-sha1", "hmac-sha224", "hmac-sha256", "hmac-sha512"};

std::string Lower(std::string s) {
  for (char& c : s) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return s;
}

std::string Absolute(const std::string& name) {
  return !name.empty() && name.back() == '.' ? name : name + ".";
}

RdfPtr Dname(const std::string& name) { return RdfPtr(ldns_dname_new_frm_str(Absolute(name).c_str())); }

// An RR of `fqdn` for the update section; the caller sets the rest.
ldns_rr* NewRr(const ldns_rdf* owner, ldns_rr_class klass, uint32_t ttl) {
  ldns_rr* rr = ldns_rr_new();
  if (rr == nullptr) {
    return nullptr;
  }
  ldns_rr_set_owner(rr, ldns_rdf_clone(owner));
  ldns_rr_set_type(rr, LDNS_RR_TYPE_TXT);
  ldns_rr_set_class(rr, klass);
  ldns_rr_set_ttl(rr, ttl);
  return rr;
}

// TXT RDATA for one value: character-strings of at most 255 bytes (one empty string for "").
bool PushTxtRdata(ldns_rr* rr, const std::string& value) {
  size_t pos = 0;
  do {
    const size_t len = std::min<size_t>(255, value.size() - pos);
    std::string chunk(1, static_cast<char>(len));
    chunk.append(value, pos, len);
    ldns_rdf* rdf = ldns_rdf_new_frm_data(LDNS_RDF_TYPE_STR, chunk.size(), chunk.data());
    if (rdf == nullptr || !ldns_rr_push_rdf(rr, rdf)) {
      ldns_rdf_deep_free(rdf);
      return false;
    }
    pos += len;
  } while (pos < value.size());
  return true;
}

const char* RcodeName(ldns_pkt_rcode rcode) {
  switch (rcode) {
    case LDNS_RCODE_NOERROR:
      return "NOERROR";
    case LDNS_RCODE_FORMERR:
      return "FORMERR";
    case LDNS_RCODE_SERVFAIL:
      return "SERVFAIL";
    case LDNS_RCODE_NXDOMAIN:
      return "NXDOMAIN";
    case LDNS_RCODE_NOTIMPL:
      return "NOTIMP";
    case LDNS_RCODE_REFUSED:
      return "REFUSED";
    case LDNS_RCODE_YXDOMAIN:
      return "YXDOMAIN";
    case LDNS_RCODE_YXRRSET:
      return "YXRRSET";
    case LDNS_RCODE_NXRRSET:
      return "NXRRSET";
    case LDNS_RCODE_NOTAUTH:
      return "NOTAUTH";
    case LDNS_RCODE_NOTZONE:
      return "NOTZONE";
  }
  return "an unknown rcode";
}

}  // namespace

Result<TsigKey> ParseTsigKey(const std::string& spec) {
  TsigKey key;
  std::string rest = spec;
  const size_t first = rest.find(':');
  if (first == std::string::npos) {
    return InvalidArgumentError("TSIG key \"[algorithm:]name:secret\" expected, got no colon");
  }
  if (rest.find(':', first + 1) != std::string::npos) {
    key.algorithm = Lower(rest.substr(0, first));
    rest = rest.substr(first + 1);
  }
  const size_t colon = rest.find(':');
  key.name = rest.substr(0, colon);
  key.secret = rest.substr(colon + 1);
  if (key.name.empty() || key.secret.empty()) {
    return InvalidArgumentError("TSIG key \"[algorithm:]name:secret\" needs a name and a secret");
  }
  if (std::find(std::begin(kAlgorithms), std::end(kAlgorithms), key.algorithm) == std::end(kAlgorithms)) {
    return InvalidArgumentError("TSIG algorithm \"" + key.algorithm +
                                "\" is not one of hmac-sha1, hmac-sha224, hmac-sha256, hmac-sha512");
  }
  return key;
}

Status ReplaceTxtRrset(const TxtRrsetUpdate& update, const TsigKey& key) {
  const std::string context = "RFC 2136 update of " + update.fqdn + " TXT in zone " + update.zone + " at " +
                              update.server;
  IONOS_ASSIGN_OR_RETURN_CTX(auto host_port, SplitHostPort(update.server, 53), context);
  const auto& [host, port] = host_port;
  const IpFamily family = IpLiteralFamily(host);
  if (family == IpFamily::kNone || !IsLoopbackHost(host)) {
    return InvalidArgumentError(context + ": the server must be a loopback address literal");
  }

  RdfPtr zone = Dname(update.zone);
  RdfPtr owner = Dname(update.fqdn);
  if (zone == nullptr || owner == nullptr) {
    return InvalidArgumentError(context + ": not a valid domain name");
  }
  if (ldns_dname_compare(owner.get(), zone.get()) != 0 && !ldns_dname_is_subdomain(owner.get(), zone.get())) {
    return InvalidArgumentError(context + ": the name is not inside the zone");
  }

  // Update section: delete the TXT RRset (class ANY, TTL 0, no RDATA), then add each value.
  RrListPtr updates(ldns_rr_list_new());
  if (updates == nullptr) {
    return InternalError(context + ": out of memory");
  }
  ldns_rr* del = NewRr(owner.get(), LDNS_RR_CLASS_ANY, 0);
  if (del == nullptr || !ldns_rr_list_push_rr(updates.get(), del)) {
    ldns_rr_free(del);
    return InternalError(context + ": out of memory");
  }
  std::vector<std::string> added;
  for (const std::string& value : update.values) {
    if (std::find(added.begin(), added.end(), value) != added.end()) {
      continue;
    }
    added.push_back(value);
    ldns_rr* add = NewRr(owner.get(), LDNS_RR_CLASS_IN, static_cast<uint32_t>(std::max(update.ttl, 0)));
    if (add == nullptr || !PushTxtRdata(add, value) || !ldns_rr_list_push_rr(updates.get(), add)) {
      ldns_rr_free(add);
      return InternalError(context + ": building the TXT record failed");
    }
  }

  // ldns_update_pkt_new takes the zone name (it becomes the zone section) and copies the lists.
  PktPtr pkt(ldns_update_pkt_new(zone.release(), LDNS_RR_CLASS_IN, nullptr, updates.get(), nullptr));
  if (pkt == nullptr) {
    return InternalError(context + ": ldns_update_pkt_new failed");
  }
  ldns_pkt_set_rd(pkt.get(), false);  // RFC 2136 §2.2: the other header bits are zero
  ldns_pkt_set_random_id(pkt.get());

  ResolverPtr resolver(ldns_resolver_new());
  if (resolver == nullptr) {
    return InternalError(context + ": ldns_resolver_new failed");
  }
  RdfPtr address(ldns_rdf_new_frm_str(family == IpFamily::kV6 ? LDNS_RDF_TYPE_AAAA : LDNS_RDF_TYPE_A,
                                      host.c_str()));
  if (address == nullptr || ldns_resolver_push_nameserver(resolver.get(), address.get()) != LDNS_STATUS_OK) {
    return InvalidArgumentError(context + ": bad server address");
  }
  ldns_resolver_set_port(resolver.get(), port);
  ldns_resolver_set_recursive(resolver.get(), false);
  ldns_resolver_set_random(resolver.get(), false);
  ldns_resolver_set_retry(resolver.get(), 2);
  ldns_resolver_set_retrans(resolver.get(), 0);
  ldns_resolver_set_usevc(resolver.get(), false);
  ldns_resolver_set_fallback(resolver.get(), true);
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(update.timeout.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((update.timeout.count() % 1000) * 1000);
  ldns_resolver_set_timeout(resolver.get(), tv);
  if (!key.name.empty()) {
    ldns_resolver_set_tsig_keyname(resolver.get(), Absolute(key.name).c_str());
    ldns_resolver_set_tsig_keydata(resolver.get(), key.secret.c_str());
    ldns_resolver_set_tsig_algorithm(resolver.get(), Absolute(key.algorithm).c_str());
    const ldns_status signed_status = ldns_update_pkt_tsig_add(pkt.get(), resolver.get());
    if (signed_status != LDNS_STATUS_OK) {
      return InvalidArgumentError(context + ": signing with TSIG key " + key.name +
                                  " failed: " + ldns_get_errorstr_by_id(signed_status));
    }
  }

  ldns_pkt* raw = nullptr;
  const ldns_status sent = ldns_resolver_send_pkt(&raw, resolver.get(), pkt.get());
  PktPtr answer(raw);
  if (sent != LDNS_STATUS_OK || answer == nullptr) {
    std::string detail = ldns_get_errorstr_by_id(sent);
    if (answer != nullptr && ldns_pkt_get_rcode(answer.get()) != LDNS_RCODE_NOERROR) {
      detail += " (server answered " + std::string(RcodeName(ldns_pkt_get_rcode(answer.get()))) + ")";
    }
    return UnavailableError(context + ": " + detail);
  }
  const ldns_pkt_rcode rcode = ldns_pkt_get_rcode(answer.get());
  if (rcode != LDNS_RCODE_NOERROR) {
    return UnavailableError(context + ": server answered " + RcodeName(rcode));
  }
  return Status::Ok();
}

}  // namespace ionos::testing
