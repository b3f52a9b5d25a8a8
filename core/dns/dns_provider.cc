#include "core/dns/dns_provider.h"

#include <set>

#include "core/dns/dns_name.h"

namespace ionos {
namespace {

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

}  // namespace

std::string RelativeName(const std::string& fqdn, const std::string& zone_name) {
  const std::string name = NormalizeDnsName(fqdn);
  const std::string zone = NormalizeDnsName(zone_name);
  if (name == zone) {
    return "";
  }
  if (zone.empty()) {
    return name;
  }
  if (EndsWith(name, "." + zone)) {
    return name.substr(0, name.size() - zone.size() - 1);
  }
  return name;
}

Result<DnsZone> SelectZoneForName(const std::vector<DnsZone>& zones, const std::string& fqdn) {
  const std::string name = NormalizeDnsName(fqdn);
  if (name.empty()) {
    return InvalidArgumentError("empty DNS name");
  }
  if (name.front() == '.' || name.find("..") != std::string::npos) {
    return InvalidArgumentError("\"" + fqdn + "\" is not a valid DNS name (empty label)");
  }
  const DnsZone* best = nullptr;
  for (const DnsZone& zone : zones) {
    const std::string zone_name = NormalizeDnsName(zone.name);
    if (zone_name.empty()) {
      continue;
    }
    if (name == zone_name || EndsWith(name, "." + zone_name)) {
      if (best == nullptr || zone_name.size() > NormalizeDnsName(best->name).size()) {
        best = &zone;
      }
    }
  }
  if (best != nullptr) {
    return *best;
  }
  std::set<std::string> names;
  for (const DnsZone& zone : zones) {
    names.insert(NormalizeDnsName(zone.name));
  }
  std::string searched;
  size_t shown = 0;
  for (const std::string& n : names) {
    if (shown == 25) {
      searched += ", and " + std::to_string(names.size() - shown) + " more";
      break;
    }
    searched += (shown == 0 ? "" : ", ") + n;
    ++shown;
  }
  if (names.empty()) {
    searched = "none: the account has no zones";
  }
  return NotFoundError("no DNS zone for \"" + name + "\": neither the name nor a parent domain is a zone (zones: " +
                       searched + ")");
}

Result<DnsZone> DnsProvider::FindZoneForName(const std::string& fqdn) {
  IONOS_ASSIGN_OR_RETURN(std::vector<DnsZone> zones, ListZones());
  return SelectZoneForName(zones, fqdn);
}

}  // namespace ionos
