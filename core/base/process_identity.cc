#include "core/base/process_identity.h"

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace ionos {
namespace {

std::string HostName() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0) return "unknown-host";
  return buf;
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

}  // namespace

std::string ProcessIdentity() {
  const long pid = static_cast<long>(getpid());
  return HostName() + "/" + std::to_string(pid) + "/" + StartTime(pid);
}

bool ProcessIsGone(const std::string& identity) {
  auto first = identity.find('/');
  auto second = identity.find('/', first == std::string::npos ? first : first + 1);
  if (first == std::string::npos || second == std::string::npos) return false;
  if (identity.substr(0, first) != HostName()) return false;
  char* end = nullptr;
  const std::string pid_text = identity.substr(first + 1, second - first - 1);
  const long pid = std::strtol(pid_text.c_str(), &end, 10);
  if (pid <= 0 || end == nullptr || *end != '\0') return false;
  const std::string start = identity.substr(second + 1);
  const std::string now_start = StartTime(pid);
  if (now_start.empty()) return true;   // no such process
  return now_start != start;            // the pid was reused by another process
}

}  // namespace ionos
