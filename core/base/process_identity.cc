#include "core/base/process_identity.h"

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <vector>

namespace ionos {
namespace {

std::string HostName() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0) return "unknown-host";
  return buf;
}

// The kernel's random id of this boot; "unknown-boot" when /proc does not say.
std::string BootId() {
  std::ifstream f("/proc/sys/kernel/random/boot_id");
  std::string id;
  if (!(f >> id) || id.empty()) return "unknown-boot";
  return id;
}

// "pid:[4026531836]" → "4026531836", the inode of this process's PID namespace; "unknown-ns"
// when /proc does not say.
std::string PidNamespace() {
  char buf[64] = {};
  const ssize_t n = readlink("/proc/self/ns/pid", buf, sizeof buf - 1);
  if (n <= 0) return "unknown-ns";
  std::string link(buf, static_cast<size_t>(n));
  const auto open = link.find('[');
  const auto close = link.find(']');
  if (open == std::string::npos || close == std::string::npos || close <= open + 1) return "unknown-ns";
  return link.substr(open + 1, close - open - 1);
}

// Field 22 of /proc/<pid>/stat (starttime); empty when the process does not exist.
std::string StartTime(long pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  if (!f) return "";
  std::string content((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  // The command name (field 2) is in parentheses and may contain spaces.
  auto close = content.rfind(')');
  if (close == std::string::npos) return "";
  std::istringstream rest(content.substr(close + 2));
  std::string field;
  for (int i = 3; i <= 22; ++i) {
    if (!(rest >> field)) return "";
  }
  return field;
}

std::vector<std::string> SplitSlash(const std::string& s) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (;;) {
    const size_t slash = s.find('/', start);
    parts.push_back(s.substr(start, slash == std::string::npos ? std::string::npos : slash - start));
    if (slash == std::string::npos) return parts;
    start = slash + 1;
  }
}

}  // namespace

std::string ProcessIdentity() {
  const long pid = static_cast<long>(getpid());
  return HostName() + "/" + BootId() + "/" + PidNamespace() + "/" + std::to_string(pid) + "/" + StartTime(pid);
}

bool ProcessIsGone(const std::string& identity) {
  const std::vector<std::string> parts = SplitSlash(identity);
  if (parts.size() != 5) return false;  // malformed, or the earlier form without boot and namespace
  if (parts[0] != HostName() || parts[1] != BootId() || parts[2] != PidNamespace()) return false;
  if (parts[1] == "unknown-boot" || parts[2] == "unknown-ns") return false;  // cannot tell
  char* end = nullptr;
  const long pid = std::strtol(parts[3].c_str(), &end, 10);
  if (pid <= 0 || end == nullptr || *end != '\0' || parts[3].empty()) return false;
  const std::string now_start = StartTime(pid);
  if (now_start.empty()) return true;  // no such process
  return now_start != parts[4];        // the pid was reused by another process
}

}  // namespace ionos
