// Diagnostics: how every error and warning reaches the Terraform user.
//
// A diagnostic has a short summary (a title), an actionable detail, and for
// problems with an argument the attribute path, so Terraform underlines the
// offending line of configuration.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/base/status.h"

namespace ionos::tf {

// One step of an attribute path: an attribute name, a map key or a list index.
struct PathStep {
  enum class Kind { kAttribute, kKey, kIndex };
  Kind kind = Kind::kAttribute;
  std::string name;   // attribute name or map key
  int64_t index = 0;  // list index

  static PathStep Attr(std::string n) { return {Kind::kAttribute, std::move(n), 0}; }
  static PathStep Key(std::string k) { return {Kind::kKey, std::move(k), 0}; }
  static PathStep Index(int64_t i) { return {Kind::kIndex, {}, i}; }
  bool operator==(const PathStep&) const = default;
};

struct AttributePath {
  std::vector<PathStep> steps;

  AttributePath() = default;
  explicit AttributePath(std::string attribute) { steps.push_back(PathStep::Attr(std::move(attribute))); }
  AttributePath Attr(std::string n) const { auto p = *this; p.steps.push_back(PathStep::Attr(std::move(n))); return p; }
  AttributePath Index(int64_t i) const { auto p = *this; p.steps.push_back(PathStep::Index(i)); return p; }
  AttributePath Key(std::string k) const { auto p = *this; p.steps.push_back(PathStep::Key(std::move(k))); return p; }
  // Human form: external_account_binding[0].key_id
  std::string ToString() const;
  bool operator==(const AttributePath&) const = default;
};

struct Diagnostic {
  enum class Severity { kError, kWarning };
  Severity severity = Severity::kError;
  std::string summary;
  std::string detail;
  std::optional<AttributePath> path;
};

class Diagnostics {
 public:
  void AddError(std::string summary, std::string detail) {
    items_.push_back({Diagnostic::Severity::kError, std::move(summary), std::move(detail), std::nullopt});
  }
  void AddAttributeError(AttributePath path, std::string summary, std::string detail) {
    items_.push_back({Diagnostic::Severity::kError, std::move(summary), std::move(detail), std::move(path)});
  }
  void AddWarning(std::string summary, std::string detail) {
    items_.push_back({Diagnostic::Severity::kWarning, std::move(summary), std::move(detail), std::nullopt});
  }
  void AddAttributeWarning(AttributePath path, std::string summary, std::string detail) {
    items_.push_back({Diagnostic::Severity::kWarning, std::move(summary), std::move(detail), std::move(path)});
  }
  // Adds a core error: `summary` says what failed, the status message is the detail.
  void AddStatus(const std::string& summary, const Status& status,
                 std::optional<AttributePath> path = std::nullopt) {
    items_.push_back({Diagnostic::Severity::kError, summary, status.message(), std::move(path)});
  }
  void Append(const Diagnostics& other) { items_.insert(items_.end(), other.items_.begin(), other.items_.end()); }

  bool HasError() const {
    for (const auto& d : items_) {
      if (d.severity == Diagnostic::Severity::kError) return true;
    }
    return false;
  }
  const std::vector<Diagnostic>& items() const { return items_; }
  bool empty() const { return items_.empty(); }

 private:
  std::vector<Diagnostic> items_;
};

}  // namespace ionos::tf
