// File: core/monitor/openmetrics.h
//
// The OpenMetrics text format (OpenMetrics 1.0, "Text format"), for the metrics the commands
// export (`certificates --format openmetrics`, `renew --metrics-file`), and writing such a file
// atomically for the node exporter's textfile collector.
//
// FormatOpenMetrics writes, per family and in the order given:
//   # HELP <name> <help>
//   # TYPE <name> gauge
//   # UNIT <name> <unit>          (only when a unit is set; the name must end in "_<unit>")
//   <name>{<label>="<value>",...} <value>
// and finally "# EOF\n". A family's samples stay together; a family without samples still gets
// its descriptor lines. Label values are escaped as the format says (backslash, double quote and
// line feed become \\, \" and \n); HELP text the same way (it may hold no double quote). Values are written as integers when
// they are whole numbers of at most 2^53, otherwise with 17 significant digits; NaN and
// infinities as NaN, +Inf, -Inf.
// The output is also valid Prometheus text format 0.0.4 (what the textfile collector reads): the
// UNIT and EOF lines are comments there, and the escapes are the same.
//
// Errors (kInvalidArgument, naming the family): a metric or label name outside
// [a-zA-Z_:][a-zA-Z0-9_:]* (labels: no colon, no leading "__"), a family name given twice, a unit
// the name does not end with, a label given twice in one sample, two samples of a family with the
// same label set, a HELP text with a double quote (OpenMetrics escapes it, the Prometheus text
// format refuses that escape in HELP). Nothing is written then.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "core/base/status.h"

namespace ionos {

struct MetricSample {
  std::vector<std::pair<std::string, std::string>> labels;  // in output order
  double value = 0;
};

// A gauge family (the only type the commands export: every value is a current state).
struct MetricFamily {
  std::string name;
  std::string help;
  std::string unit;  // "" for none; otherwise the name ends in "_<unit>"
  std::vector<MetricSample> samples;
};

Result<std::string> FormatOpenMetrics(const std::vector<MetricFamily>& families);

// The label value / HELP text escaped as the format says (see above).
std::string EscapeOpenMetricsValue(const std::string& text);

// Replaces the file `path` with `content` atomically: a temporary file in the same directory is
// written, flushed to disk (fsync), made readable by everyone (0644: the exporter usually runs as
// another user) and renamed over `path`; then the directory is synced. Readers see the old or the
// new file, never a partial one. On failure the temporary file is removed and `path` is
// unchanged. kInvalidArgument for an empty path, kUnavailable for an I/O error (with errno text).
Status WriteFileAtomically(const std::string& path, const std::string& content);

}  // namespace ionos
