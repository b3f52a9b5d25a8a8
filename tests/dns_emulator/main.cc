// ionos-dns-emulator: the IONOS Cloud DNS API emulator (tests/dns_emulator/emulator.h) as a process,
// for end-to-end tests that run the real plugin.
//
//   ionos-dns-emulator [--listen 127.0.0.1:0] [--token T] [--zone example.com[=ID] ...]
//                      [--challtestsrv http://127.0.0.1:8055 | --rfc2136 127.0.0.1:53
//                       [--tsig-key [ALGORITHM:]NAME:SECRET]] [--nameserver HOST ...]
//                      [--provisioning-delay-ms N] [--faults JSON] [--unauthorized]
//                      [--rate-limit-next N] [--retry-after-seconds N] [--server-error always|N]
//                      [--server-error-status N] [--fail-provisioning-next N] [--log-requests]
//                      [--certificate-manager]
//
// --rfc2136 publishes the TXT records into an authoritative server (BIND) by TSIG-signed dynamic
// updates instead of into pebble-challtestsrv (tests/dns_emulator/rfc2136.h); --tsig-key takes the
// syntax of `nsupdate -y` (algorithm default hmac-sha256). --nameserver sets the zones'
// metadata.nameservers (every zone; default: IONOS's four ns-ic.ui-dns.* servers).
//
// The first line on stdout is "listening on http://127.0.0.1:PORT" (flushed), once the server
// accepts connections. --certificate-manager also starts the emulator of the IONOS Certificate
// Manager API (tests/dns_emulator/certificate_manager_emulator.h) on another free loopback port,
// with the same token, and prints "certificate manager listening on http://127.0.0.1:PORT" as the
// second line. The environment variable IONOS_DNS_EMULATOR_FAULTS may hold fault switches
// as JSON (the format of POST /_emulator/faults); flags are applied after it. Runs until SIGTERM
// or SIGINT, then exits 0. Errors in the arguments exit 2; failing to listen exits 1.
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/dns_emulator/certificate_manager_emulator.h"
#include "tests/dns_emulator/emulator.h"

namespace {

using ionos::testing::DnsApiEmulator;
using ionos::testing::DnsEmulatorOptions;
using ionos::testing::EmulatorZone;
using nlohmann::json;

const char kUsage[] =
    "usage: ionos-dns-emulator [--listen 127.0.0.1:PORT] [--token TOKEN] [--zone NAME[=ID] ...]\n"
    "         [--challtestsrv URL | --rfc2136 ADDRESS:PORT [--tsig-key [ALGORITHM:]NAME:SECRET]]\n"
    "         [--nameserver HOST ...] [--provisioning-delay-ms N]\n"
    "         [--faults JSON] [--unauthorized] [--rate-limit-next N] [--retry-after-seconds N]\n"
    "         [--server-error always|N] [--server-error-status N] [--fail-provisioning-next N]\n"
    "         [--log-requests] [--certificate-manager]\n"
    "Emulates the IONOS Cloud DNS API on loopback; see tests/dns_emulator/emulator.h.\n"
    "Defaults: --listen 127.0.0.1:0 (any free port), --token emulator-token.\n"
    "Environment: IONOS_DNS_EMULATOR_FAULTS='{\"rate_limit_next\":2}' sets fault switches at start.\n";

[[noreturn]] void Usage(const std::string& error) {
  std::fprintf(stderr, "ionos-dns-emulator: %s\n%s", error.c_str(), kUsage);
  std::exit(2);
}

bool ParseInt(const std::string& s, long long* out) {
  if (s.empty()) {
    return false;
  }
  char* end = nullptr;
  *out = std::strtoll(s.c_str(), &end, 10);
  return end != nullptr && *end == '\0';
}

}  // namespace

int main(int argc, char** argv) {
  DnsEmulatorOptions options;
  std::vector<std::string> nameservers;
  json fault_flags = json::object();
  std::string faults_json;
  bool certificate_manager = false;

  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> std::string {
      const size_t eq = arg.find('=');
      if (arg.rfind("--", 0) == 0 && eq != std::string::npos && arg.compare(0, 7, "--zone=") != 0) {
        return arg.substr(eq + 1);
      }
      if (i + 1 >= argc) {
        Usage(arg + " needs a value");
      }
      return argv[++i];
    };
    auto int_value = [&](const char* name) -> long long {
      const std::string v = value();
      long long n = 0;
      if (!ParseInt(v, &n) || n < 0) {
        Usage(std::string(name) + " needs a non-negative integer, not \"" + v + "\"");
      }
      return n;
    };
    const std::string flag = arg.substr(0, arg.find('='));
    if (flag == "-h" || flag == "--help") {
      std::fputs(kUsage, stdout);
      return 0;
    } else if (flag == "--listen") {
      const std::string v = value();
      const size_t colon = v.rfind(':');
      long long port = 0;
      if (colon == std::string::npos || !ParseInt(v.substr(colon + 1), &port) || port < 0 || port > 65535) {
        Usage("--listen needs HOST:PORT, not \"" + v + "\"");
      }
      std::string host = v.substr(0, colon);
      if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
        host = host.substr(1, host.size() - 2);
      }
      options.host = host;
      options.port = static_cast<int>(port);
    } else if (flag == "--token") {
      options.token = value();
    } else if (flag == "--zone") {
      std::string v = arg.rfind("--zone=", 0) == 0 ? arg.substr(7) : value();
      EmulatorZone zone;
      const size_t eq = v.find('=');
      zone.name = v.substr(0, eq);
      if (eq != std::string::npos) {
        zone.id = v.substr(eq + 1);
      }
      options.zones.push_back(zone);
    } else if (flag == "--challtestsrv") {
      options.challtestsrv_url = value();
    } else if (flag == "--rfc2136") {
      options.rfc2136_server = value();
    } else if (flag == "--tsig-key") {
      ionos::Result<ionos::testing::TsigKey> key = ionos::testing::ParseTsigKey(value());
      if (!key.ok()) {
        Usage("--tsig-key: " + key.status().message());
      }
      options.tsig_key = *key;
    } else if (flag == "--nameserver") {
      nameservers.push_back(value());
    } else if (flag == "--provisioning-delay-ms") {
      fault_flags["provisioning_delay_ms"] = int_value("--provisioning-delay-ms");
    } else if (flag == "--faults") {
      faults_json = value();
    } else if (flag == "--unauthorized") {
      fault_flags["unauthorized"] = true;
    } else if (flag == "--rate-limit-next") {
      fault_flags["rate_limit_next"] = int_value("--rate-limit-next");
    } else if (flag == "--retry-after-seconds") {
      fault_flags["retry_after_seconds"] = int_value("--retry-after-seconds");
    } else if (flag == "--server-error") {
      fault_flags["server_error"] = value();
    } else if (flag == "--server-error-status") {
      fault_flags["server_error_status"] = int_value("--server-error-status");
    } else if (flag == "--fail-provisioning-next") {
      fault_flags["fail_provisioning_next"] = int_value("--fail-provisioning-next");
    } else if (flag == "--log-requests") {
      options.log_requests = true;
    } else if (flag == "--certificate-manager") {
      certificate_manager = true;
    } else {
      Usage("unknown argument \"" + arg + "\"");
    }
  }
  if (options.zones.empty()) {
    std::fprintf(stderr, "ionos-dns-emulator: no --zone given; add zones with POST /_emulator/zones\n");
  }
  for (EmulatorZone& zone : options.zones) {
    zone.nameservers = nameservers;
  }
  // Fault switches: environment first, then --faults, then the single flags.
  for (const std::string& source : {std::string(std::getenv("IONOS_DNS_EMULATOR_FAULTS") != nullptr
                                                    ? std::getenv("IONOS_DNS_EMULATOR_FAULTS")
                                                    : ""),
                                    faults_json}) {
    if (source.empty()) {
      continue;
    }
    json j = json::parse(source, nullptr, /*allow_exceptions=*/false);
    ionos::Status st = options.faults.Merge(j);
    if (!st.ok()) {
      Usage("fault switches: " + st.message());
    }
  }
  if (ionos::Status st = options.faults.Merge(fault_flags); !st.ok()) {
    Usage("fault switches: " + st.message());
  }

  // Block the stop signals in every thread; the main thread collects them with sigwait.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  ionos::Result<std::unique_ptr<DnsApiEmulator>> emulator = DnsApiEmulator::Start(options);
  if (!emulator.ok()) {
    std::fprintf(stderr, "ionos-dns-emulator: %s\n", emulator.status().ToString().c_str());
    return 1;
  }
  std::printf("listening on %s\n", (*emulator)->base_url().c_str());
  std::unique_ptr<ionos::testing::CertificateManagerEmulator> cm;
  if (certificate_manager) {
    ionos::testing::CmEmulatorOptions cm_options;
    cm_options.host = options.host;
    cm_options.token = options.token;
    cm_options.log_requests = options.log_requests;
    auto started = ionos::testing::CertificateManagerEmulator::Start(cm_options);
    if (!started.ok()) {
      std::fprintf(stderr, "ionos-dns-emulator: %s\n", started.status().ToString().c_str());
      return 1;
    }
    cm = std::move(started).value();
    std::printf("certificate manager listening on %s\n", cm->base_url().c_str());
  }
  std::fflush(stdout);
  for (const EmulatorZone& zone : (*emulator)->zones()) {
    std::fprintf(stderr, "ionos-dns-emulator: zone %s id %s\n", zone.name.c_str(), zone.id.c_str());
  }

  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  std::fprintf(stderr, "ionos-dns-emulator: %s, stopping\n", signal_number == SIGINT ? "SIGINT" : "SIGTERM");
  if (cm) {
    cm->Stop();
  }
  (*emulator)->Stop();
  return 0;
}
