// File: core/monitor/openmetrics.cc
//
// The OpenMetrics text format and atomic metrics files (see openmetrics.h).
#include "core/monitor/openmetrics.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <set>
#include <string>
#include <vector>

namespace ionos {
namespace {

bool IsNameChar(char c, bool first, bool allow_colon) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_') return true;
  if (c == ':') return allow_colon;
  return !first && c >= '0' && c <= '9';
}

// OpenMetrics: metricname = metricname-initial-char 0*metricname-char (letters, digits, _ and :);
// label-name the same without colons, and names beginning with "__" are reserved.
bool ValidName(const std::string& name, bool label) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    if (!IsNameChar(name[i], i == 0, !label)) return false;
  }
  return !(label && name.rfind("__", 0) == 0);
}

std::string FormatValue(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (v == std::floor(v) && std::fabs(v) <= 9007199254740992.0) {
    return std::to_string(static_cast<long long>(v));
  }
  char buf[40];
  std::snprintf(buf, sizeof(buf), "%.17g", v);
  return buf;
}

// Removes the temporary file unless it was renamed into place.
class TempFile {
 public:
  explicit TempFile(std::string path) : path_(std::move(path)) {}
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  ~TempFile() {
    if (fd_ >= 0) ::close(fd_);
    if (!kept_) ::unlink(path_.c_str());
  }
  int fd() const { return fd_; }
  void set_fd(int fd) { fd_ = fd; }
  Status Close() {
    const int fd = fd_;
    fd_ = -1;
    return ::close(fd) == 0 ? Status::Ok() : UnavailableError(std::string("closing: ") + std::strerror(errno));
  }
  void Keep() { kept_ = true; }

 private:
  std::string path_;
  int fd_ = -1;
  bool kept_ = false;
};

}  // namespace

std::string EscapeOpenMetricsValue(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

Result<std::string> FormatOpenMetrics(const std::vector<MetricFamily>& families) {
  std::string out;
  std::set<std::string> names;
  for (const MetricFamily& f : families) {
    if (!ValidName(f.name, false)) return InvalidArgumentError("metric family name \"" + f.name + "\" is not valid");
    if (!names.insert(f.name).second) return InvalidArgumentError("metric family " + f.name + " is given twice");
    if (!f.unit.empty() && (!ValidName(f.unit, true) || f.name.size() <= f.unit.size() + 1 ||
                            f.name.compare(f.name.size() - f.unit.size() - 1, std::string::npos, "_" + f.unit) != 0)) {
      return InvalidArgumentError("metric family " + f.name + " does not end in its unit \"_" + f.unit + "\"");
    }
    if (f.help.find('"') != std::string::npos) {
      // OpenMetrics escapes it (\"), the Prometheus text format that the textfile collector reads
      // refuses that escape in HELP: no form is valid in both.
      return InvalidArgumentError("metric family " + f.name + ": HELP text with a double quote");
    }
    if (!f.help.empty()) out += "# HELP " + f.name + " " + EscapeOpenMetricsValue(f.help) + "\n";
    out += "# TYPE " + f.name + " gauge\n";
    if (!f.unit.empty()) out += "# UNIT " + f.name + " " + f.unit + "\n";
    std::set<std::vector<std::pair<std::string, std::string>>> seen;
    for (const MetricSample& s : f.samples) {
      std::set<std::string> label_names;
      std::string line = f.name;
      if (!s.labels.empty()) {
        line += "{";
        for (size_t i = 0; i < s.labels.size(); ++i) {
          const auto& [name, value] = s.labels[i];
          if (!ValidName(name, true)) {
            return InvalidArgumentError("metric family " + f.name + ": label name \"" + name + "\" is not valid");
          }
          if (!label_names.insert(name).second) {
            return InvalidArgumentError("metric family " + f.name + ": label " + name + " is given twice in a sample");
          }
          if (i > 0) line += ",";
          line += name + "=\"" + EscapeOpenMetricsValue(value) + "\"";
        }
        line += "}";
      }
      std::vector<std::pair<std::string, std::string>> key = s.labels;
      std::sort(key.begin(), key.end());
      if (!seen.insert(key).second) {
        return InvalidArgumentError("metric family " + f.name + ": two samples with the labels " + line.substr(f.name.size()));
      }
      out += line + " " + FormatValue(s.value) + "\n";
    }
  }
  out += "# EOF\n";
  return out;
}

Status WriteFileAtomically(const std::string& path, const std::string& content) {
  if (path.empty()) return InvalidArgumentError("writing a file: the path is empty");
  const size_t slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
  const std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
  if (base.empty()) return InvalidArgumentError("writing " + path + ": the path names a directory");
  // A name the textfile collector ignores (it reads only *.prom) until the rename.
  std::string templ = (dir == "/" ? "" : dir) + "/." + base + ".tmp-XXXXXX";
  if (slash == std::string::npos) templ = "." + base + ".tmp-XXXXXX";
  std::vector<char> name(templ.begin(), templ.end());
  name.push_back('\0');
  const int fd = ::mkostemp(name.data(), O_CLOEXEC);
  if (fd < 0) return UnavailableError("writing " + path + ": creating a temporary file in " + dir + ": " + std::strerror(errno));
  TempFile tmp(name.data());
  tmp.set_fd(fd);
  const auto fail = [&](const char* step) {
    return UnavailableError("writing " + path + ": " + step + ": " + std::strerror(errno));
  };
  size_t written = 0;
  while (written < content.size()) {
    const ssize_t n = ::write(tmp.fd(), content.data() + written, content.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail("write");
    }
    written += static_cast<size_t>(n);
  }
  if (::fchmod(tmp.fd(), 0644) != 0) return fail("fchmod");
  if (::fsync(tmp.fd()) != 0) return fail("fsync");
  IONOS_RETURN_IF_ERROR_CTX(tmp.Close(), "writing " + path);
  if (::rename(name.data(), path.c_str()) != 0) return fail("rename");
  tmp.Keep();
  // The rename itself reaches the disk with the directory.
  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return Status::Ok();
}

}  // namespace ionos
