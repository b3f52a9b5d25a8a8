// Status and Result<T>: the one error convention of the core library.
//
// Every fallible core function returns Status or Result<T>. Each layer that
// passes an error upwards adds what it was doing with WithContext(), so the
// message that reaches the user reads like a path:
//   "registering ACME account at https://ca/dir: newAccount: urn:...:malformed: bad contact"
// Messages must never contain secrets (keys, tokens, EAB secrets).
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace ionos {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,     // the caller's input is wrong (maps to an attribute diagnostic)
  kNotFound,            // the thing asked for does not exist
  kAlreadyExists,
  kPermissionDenied,    // authenticated but not allowed (HTTP 403)
  kUnauthenticated,     // credentials missing or wrong (HTTP 401)
  kFailedPrecondition,  // the system is not in a state that allows this
  kResourceExhausted,   // rate limited
  kUnavailable,         // transient: network, 5xx; may be retried
  kDeadlineExceeded,
  kCancelled,           // StopProvider / interrupt
  kAborted,             // the other side gave up on the operation (an expired ACME order); starting over may work
  kDataLoss,            // corrupt store, undecryptable key
  kUnimplemented,
  kInternal,
};

const char* StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // Returns a copy whose message is "context: message". OK stays OK.
  Status WithContext(const std::string& context) const {
    if (ok()) return *this;
    return Status(code_, context + ": " + message_);
  }

  std::string ToString() const {
    if (ok()) return "OK";
    return std::string(StatusCodeName(code_)) + ": " + message_;
  }

  bool operator==(const Status& other) const = default;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

inline Status InvalidArgumentError(std::string m) { return {StatusCode::kInvalidArgument, std::move(m)}; }
inline Status NotFoundError(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
inline Status AlreadyExistsError(std::string m) { return {StatusCode::kAlreadyExists, std::move(m)}; }
inline Status PermissionDeniedError(std::string m) { return {StatusCode::kPermissionDenied, std::move(m)}; }
inline Status UnauthenticatedError(std::string m) { return {StatusCode::kUnauthenticated, std::move(m)}; }
inline Status FailedPreconditionError(std::string m) { return {StatusCode::kFailedPrecondition, std::move(m)}; }
inline Status ResourceExhaustedError(std::string m) { return {StatusCode::kResourceExhausted, std::move(m)}; }
inline Status UnavailableError(std::string m) { return {StatusCode::kUnavailable, std::move(m)}; }
inline Status DeadlineExceededError(std::string m) { return {StatusCode::kDeadlineExceeded, std::move(m)}; }
inline Status CancelledError(std::string m) { return {StatusCode::kCancelled, std::move(m)}; }
inline Status AbortedError(std::string m) { return {StatusCode::kAborted, std::move(m)}; }
inline Status DataLossError(std::string m) { return {StatusCode::kDataLoss, std::move(m)}; }
inline Status UnimplementedError(std::string m) { return {StatusCode::kUnimplemented, std::move(m)}; }
inline Status InternalError(std::string m) { return {StatusCode::kInternal, std::move(m)}; }

// Result<T> holds either a value or a non-OK Status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {  // NOLINT: implicit by design
    assert(!std::get<Status>(v_).ok() && "Result constructed from OK status");
    if (std::get<Status>(v_).ok()) v_ = Status(StatusCode::kInternal, "Result constructed from OK status");
  }

  bool ok() const { return std::holds_alternative<T>(v_); }
  Status status() const { return ok() ? Status::Ok() : std::get<Status>(v_); }

  T& value() & { assert(ok()); return std::get<T>(v_); }
  const T& value() const& { assert(ok()); return std::get<T>(v_); }
  T&& value() && { assert(ok()); return std::get<T>(std::move(v_)); }

  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  T value_or(T fallback) const { return ok() ? std::get<T>(v_) : std::move(fallback); }

  Result WithContext(const std::string& context) && {
    if (ok()) return std::move(*this);
    return std::get<Status>(v_).WithContext(context);
  }

 private:
  std::variant<T, Status> v_;
};

}  // namespace ionos

#define IONOS_STATUS_CONCAT_INNER(a, b) a##b
#define IONOS_STATUS_CONCAT(a, b) IONOS_STATUS_CONCAT_INNER(a, b)

// Returns the Status of `expr` from the enclosing function if it is not OK.
#define IONOS_RETURN_IF_ERROR(expr)                 \
  do {                                              \
    ::ionos::Status ionos_status_tmp_ = (expr);     \
    if (!ionos_status_tmp_.ok()) return ionos_status_tmp_; \
  } while (0)

// Like IONOS_RETURN_IF_ERROR but adds context to the error first.
#define IONOS_RETURN_IF_ERROR_CTX(expr, context)                          \
  do {                                                                    \
    ::ionos::Status ionos_status_tmp_ = (expr);                           \
    if (!ionos_status_tmp_.ok()) return ionos_status_tmp_.WithContext(context); \
  } while (0)

// IONOS_ASSIGN_OR_RETURN(auto x, Compute()); declares/assigns x or returns the error.
#define IONOS_ASSIGN_OR_RETURN(lhs, expr) \
  IONOS_ASSIGN_OR_RETURN_IMPL(IONOS_STATUS_CONCAT(ionos_result_, __LINE__), lhs, expr, "")
#define IONOS_ASSIGN_OR_RETURN_CTX(lhs, expr, context) \
  IONOS_ASSIGN_OR_RETURN_IMPL(IONOS_STATUS_CONCAT(ionos_result_, __LINE__), lhs, expr, context)
#define IONOS_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr, context)                          \
  auto tmp = (expr);                                                                  \
  if (!tmp.ok()) {                                                                    \
    const std::string ionos_ctx_ = (context);                                         \
    return ionos_ctx_.empty() ? tmp.status() : tmp.status().WithContext(ionos_ctx_);  \
  }                                                                                   \
  lhs = std::move(tmp).value()
