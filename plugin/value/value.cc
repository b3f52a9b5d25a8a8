// Number and Value: implementation. See value.h for the contract.
#include "plugin/value/value.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <unordered_map>
#include <utility>

namespace ionos::tf {

// ---------------------------------------------------------------- Number

namespace {

constexpr const char* kPosInf = "+Inf";
constexpr const char* kNegInf = "-Inf";

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

char ToLowerAscii(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) {
    return false;
  }
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (ToLowerAscii(a[i]) != ToLowerAscii(b[i])) {
      return false;
    }
  }
  return true;
}

// CanonicalFromDigits builds the canonical text of sign * 0.D * 10^point,
// i.e. the decimal point sits `point` digits into `digits`.
Result<std::string> CanonicalFromDigits(bool negative, std::string digits, int64_t point) {
  std::size_t lead = 0;
  while (lead < digits.size() && digits[lead] == '0') {
    ++lead;
  }
  digits.erase(0, lead);
  point -= static_cast<int64_t>(lead);
  while (!digits.empty() && digits.back() == '0') {
    digits.pop_back();
  }
  if (digits.empty()) {
    return std::string("0");
  }
  const auto n = static_cast<int64_t>(digits.size());
  int64_t length = point <= 0 ? 2 - point + n : (point >= n ? point : n + 1);
  if (length > static_cast<int64_t>(kMaxNumberDigits)) {
    return InvalidArgumentError("number has more than " + std::to_string(kMaxNumberDigits) + " digits");
  }
  std::string out = negative ? "-" : "";
  if (point <= 0) {
    out += "0.";
    out.append(static_cast<std::size_t>(-point), '0');
    out += digits;
  } else if (point >= n) {
    out += digits;
    out.append(static_cast<std::size_t>(point - n), '0');
  } else {
    out += digits.substr(0, static_cast<std::size_t>(point));
    out += '.';
    out += digits.substr(static_cast<std::size_t>(point));
  }
  return out;
}

// ParseExponent reads [+-]digits at text[*i], saturating at +-1e12.
Result<int64_t> ParseExponent(std::string_view text, std::size_t* i) {
  bool negative = false;
  if (*i < text.size() && (text[*i] == '+' || text[*i] == '-')) {
    negative = text[*i] == '-';
    ++*i;
  }
  if (*i >= text.size() || !IsDigit(text[*i])) {
    return InvalidArgumentError("exponent has no digits");
  }
  int64_t exp = 0;
  while (*i < text.size() && IsDigit(text[*i])) {
    if (exp < 1000000000000) {
      exp = exp * 10 + (text[*i] - '0');
    }
    ++*i;
  }
  return negative ? -exp : exp;
}

Result<std::string> CanonicalizeNumberText(std::string_view text) {
  std::size_t i = 0;
  bool negative = false;
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) {
    negative = text[i] == '-';
    ++i;
  }
  std::string_view rest = text.substr(i);
  if (EqualsIgnoreCase(rest, "inf") || EqualsIgnoreCase(rest, "infinity")) {
    return std::string(negative ? kNegInf : kPosInf);
  }
  std::string digits;
  int64_t int_len = 0;
  while (i < text.size() && IsDigit(text[i])) {
    digits += text[i++];
    ++int_len;
  }
  if (i < text.size() && text[i] == '.') {
    ++i;
    while (i < text.size() && IsDigit(text[i])) {
      digits += text[i++];
    }
  }
  if (digits.empty()) {
    return InvalidArgumentError("not a number");
  }
  int64_t exp = 0;
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    IONOS_ASSIGN_OR_RETURN(exp, ParseExponent(text, &i));
  }
  if (i != text.size()) {
    return InvalidArgumentError("not a number");
  }
  return CanonicalFromDigits(negative, std::move(digits), int_len + exp);
}

}  // namespace

Number Number::FromInt64(int64_t v) { return Number(std::to_string(v)); }

Number Number::FromUint64(uint64_t v) { return Number(std::to_string(v)); }

Number Number::FromDouble(double v) {
  if (std::isnan(v)) {
    return Number();
  }
  if (std::isinf(v)) {
    return Number(v > 0 ? kPosInf : kNegInf);
  }
  // 1074 fraction digits represent every double exactly (2^-1074 is the
  // smallest subnormal); 309 integer digits cover DBL_MAX.
  char buf[1500];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v, std::chars_format::fixed, 1074);
  if (ec != std::errc()) {
    return Number();
  }
  Result<std::string> canonical = CanonicalizeNumberText(std::string_view(buf, static_cast<std::size_t>(end - buf)));
  return canonical.ok() ? Number(std::move(canonical).value()) : Number();
}

Result<Number> Number::FromText(std::string_view text) {
  Result<std::string> canonical = CanonicalizeNumberText(text);
  if (!canonical.ok()) {
    std::string shown(text.substr(0, 64));
    return canonical.status().WithContext("invalid number \"" + shown + (text.size() > 64 ? "...\"" : "\""));
  }
  return Number(std::move(canonical).value());
}

bool Number::is_infinite() const { return text_ == kPosInf || text_ == kNegInf; }

bool Number::is_integer() const { return !is_infinite() && text_.find('.') == std::string::npos; }

std::optional<int64_t> Number::ToInt64() const {
  if (!is_integer()) {
    return std::nullopt;
  }
  int64_t v = 0;
  auto [ptr, ec] = std::from_chars(text_.data(), text_.data() + text_.size(), v);
  if (ec != std::errc() || ptr != text_.data() + text_.size()) {
    return std::nullopt;
  }
  return v;
}

double Number::ToDouble() const {
  if (is_infinite()) {
    return is_negative() ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity();
  }
  double v = 0;
  auto [ptr, ec] = std::from_chars(text_.data(), text_.data() + text_.size(), v);
  if (ec == std::errc::result_out_of_range) {
    // Canonical text starts with "0." or "-0." exactly when |x| < 1: then the
    // range error is an underflow, otherwise an overflow.
    const std::string_view magnitude = std::string_view(text_).substr(is_negative() ? 1 : 0);
    const bool underflow = magnitude.size() >= 2 && magnitude[0] == '0' && magnitude[1] == '.';
    if (!underflow) {
      return is_negative() ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity();
    }
    return is_negative() ? -0.0 : 0.0;
  }
  (void)ptr;
  return v;
}

bool Number::IsExactDouble() const {
  if (is_infinite()) {
    return true;
  }
  double d = ToDouble();
  if (std::isinf(d)) {
    return false;
  }
  return FromDouble(d) == *this;
}

// ---------------------------------------------------------------- Value

struct Value::Payload {
  std::string str;
  bool boolean = false;
  Number number;
  std::vector<Value> elements;
  std::map<std::string, Value> entries;
};

namespace {

const std::vector<Value>& EmptyElements() {
  static const std::vector<Value> kEmpty;
  return kEmpty;
}

const std::map<std::string, Value>& EmptyEntries() {
  static const std::map<std::string, Value> kEmpty;
  return kEmpty;
}

// AppendKey writes a canonical key of v: a == b implies equal keys (sets are
// keyed order-insensitively). Different values may share a key, so callers
// confirm candidates with operator==. Used to keep set operations near-linear.
void AppendKey(const Value& v, std::string* out) {
  if (!v.is_known()) {
    *out += v.is_null() ? 'n' : 'u';
    return;
  }
  switch (v.type().kind()) {
    case TypeKind::kString:
      *out += 's' + std::to_string(v.as_string().size()) + ':' + v.as_string();
      return;
    case TypeKind::kNumber:
      *out += '#' + v.as_number().text() + ';';
      return;
    case TypeKind::kBool:
      *out += v.as_bool() ? 't' : 'f';
      return;
    case TypeKind::kList:
    case TypeKind::kTuple:
      *out += '[';
      for (const Value& e : v.elements()) {
        AppendKey(e, out);
      }
      *out += ']';
      return;
    case TypeKind::kSet: {
      std::vector<std::string> keys;
      for (const Value& e : v.elements()) {
        keys.emplace_back();
        AppendKey(e, &keys.back());
      }
      std::sort(keys.begin(), keys.end());
      *out += '{';
      for (const std::string& k : keys) {
        *out += std::to_string(k.size()) + ':' + k;
      }
      *out += '}';
      return;
    }
    case TypeKind::kMap:
    case TypeKind::kObject:
      *out += '<';
      for (const auto& [name, e] : v.entries()) {
        *out += std::to_string(name.size()) + ':' + name;
        AppendKey(e, out);
      }
      *out += '>';
      return;
    case TypeKind::kDynamic:
      return;
  }
}

std::string KeyOf(const Value& v) {
  std::string key;
  AppendKey(v, &key);
  return key;
}

}  // namespace

Value::Value() : type_(Type::Dynamic()), state_(State::kNull) {}

Value::Value(Type type, State state, std::shared_ptr<const Payload> payload)
    : type_(std::move(type)), state_(state), payload_(std::move(payload)) {}

Value Value::Null(Type type) { return Value(std::move(type), State::kNull, nullptr); }

Value Value::Unknown(Type type) { return Value(std::move(type), State::kUnknown, nullptr); }

Value Value::String(std::string s) {
  auto p = std::make_shared<Payload>();
  p->str = std::move(s);
  return Value(Type::String(), State::kKnown, std::move(p));
}

Value Value::Bool(bool b) {
  auto p = std::make_shared<Payload>();
  p->boolean = b;
  return Value(Type::Bool(), State::kKnown, std::move(p));
}

Value Value::NumberV(Number n) {
  auto p = std::make_shared<Payload>();
  p->number = std::move(n);
  return Value(Type::Number(), State::kKnown, std::move(p));
}

Value Value::List(Type element_type, std::vector<Value> elements) {
  auto p = std::make_shared<Payload>();
  p->elements = std::move(elements);
  return Value(Type::List(std::move(element_type)), State::kKnown, std::move(p));
}

Value Value::Set(Type element_type, std::vector<Value> elements) {
  auto p = std::make_shared<Payload>();
  std::unordered_map<std::string, std::vector<std::size_t>> kept;  // key -> indices in p->elements
  for (Value& v : elements) {
    if (v.IsWhollyKnown()) {
      std::vector<std::size_t>& bucket = kept[KeyOf(v)];
      bool duplicate = false;
      for (std::size_t i : bucket) {
        duplicate = duplicate || p->elements[i] == v;
      }
      if (duplicate) {
        continue;
      }
      bucket.push_back(p->elements.size());
    }
    p->elements.push_back(std::move(v));
  }
  return Value(Type::Set(std::move(element_type)), State::kKnown, std::move(p));
}

Value Value::Map(Type element_type, std::map<std::string, Value> entries) {
  auto p = std::make_shared<Payload>();
  p->entries = std::move(entries);
  return Value(Type::Map(std::move(element_type)), State::kKnown, std::move(p));
}

Value Value::Object(std::map<std::string, Value> attrs) {
  std::map<std::string, Type> types;
  for (const auto& [name, v] : attrs) {
    types.emplace(name, v.type());
  }
  auto p = std::make_shared<Payload>();
  p->entries = std::move(attrs);
  return Value(Type::Object(std::move(types)), State::kKnown, std::move(p));
}

Value Value::ObjectOfType(Type type, std::map<std::string, Value> attrs) {
  if (!type.is_object()) {
    return Object(std::move(attrs));
  }
  auto p = std::make_shared<Payload>();
  for (const auto& [name, attr_type] : type.attributes()) {
    auto it = attrs.find(name);
    p->entries.emplace(name, it == attrs.end() ? Null(attr_type) : std::move(it->second));
  }
  return Value(std::move(type), State::kKnown, std::move(p));
}

Value Value::Tuple(std::vector<Value> elements) {
  std::vector<Type> types;
  types.reserve(elements.size());
  for (const Value& v : elements) {
    types.push_back(v.type());
  }
  auto p = std::make_shared<Payload>();
  p->elements = std::move(elements);
  return Value(Type::Tuple(std::move(types)), State::kKnown, std::move(p));
}

Value Value::TupleOfType(Type type, std::vector<Value> elements) {
  if (!type.is_tuple() || type.tuple_elements().size() != elements.size()) {
    return Tuple(std::move(elements));
  }
  auto p = std::make_shared<Payload>();
  p->elements = std::move(elements);
  return Value(std::move(type), State::kKnown, std::move(p));
}

bool Value::IsWhollyKnown() const {
  if (is_unknown()) {
    return false;
  }
  if (is_null()) {
    return true;
  }
  for (const Value& v : elements()) {
    if (!v.IsWhollyKnown()) {
      return false;
    }
  }
  for (const auto& [name, v] : entries()) {
    if (!v.IsWhollyKnown()) {
      return false;
    }
  }
  return true;
}

const std::string& Value::as_string() const {
  static const std::string kEmpty;
  return (is_known() && type_.kind() == TypeKind::kString) ? payload_->str : kEmpty;
}

bool Value::as_bool() const { return is_known() && type_.kind() == TypeKind::kBool && payload_->boolean; }

const Number& Value::as_number() const {
  static const Number kZero;
  return (is_known() && type_.kind() == TypeKind::kNumber) ? payload_->number : kZero;
}

const std::vector<Value>& Value::elements() const {
  const TypeKind k = type_.kind();
  if (!is_known() || (k != TypeKind::kList && k != TypeKind::kSet && k != TypeKind::kTuple)) {
    return EmptyElements();
  }
  return payload_->elements;
}

const std::map<std::string, Value>& Value::entries() const {
  const TypeKind k = type_.kind();
  if (!is_known() || (k != TypeKind::kMap && k != TypeKind::kObject)) {
    return EmptyEntries();
  }
  return payload_->entries;
}

Value Value::GetAttr(const std::string& name) const {
  const Type* attr_type = type_.AttributeType(name);
  if (attr_type == nullptr) {
    return Null(Type::Dynamic());
  }
  if (is_null()) {
    return Null(*attr_type);
  }
  if (is_unknown()) {
    return Unknown(*attr_type);
  }
  auto it = payload_->entries.find(name);
  return it == payload_->entries.end() ? Null(*attr_type) : it->second;
}

std::size_t Value::size() const { return elements().size() + entries().size(); }

// ---------------------------------------------------------------- conformance

namespace {

std::string AttrPath(const std::string& path, const std::string& name) { return path + "." + name; }

std::string IndexPath(const std::string& path, std::size_t i) { return path + "[" + std::to_string(i) + "]"; }

std::string KeyPath(const std::string& path, const std::string& key) { return path + "[\"" + key + "\"]"; }

Status Mismatch(const std::string& path, const std::string& message) {
  return InvalidArgumentError((path.empty() ? std::string("value") : path) + ": " + message);
}

Status ConformsAt(const Value& v, const Type& t, const std::string& path);

Status ObjectConforms(const Value& v, const Type& t, const std::string& path) {
  for (const auto& [name, attr] : v.entries()) {
    const Type* attr_type = t.AttributeType(name);
    if (attr_type == nullptr) {
      return Mismatch(path, "unsupported attribute \"" + name + "\"");
    }
    IONOS_RETURN_IF_ERROR(ConformsAt(attr, *attr_type, AttrPath(path, name)));
  }
  for (const auto& [name, attr_type] : t.attributes()) {
    if (v.entries().count(name) == 0) {
      return Mismatch(path, "missing attribute \"" + name + "\"");
    }
  }
  return Status::Ok();
}

Status ConformsAt(const Value& v, const Type& t, const std::string& path) {
  if (t.is_dynamic() || !v.is_known()) {
    return Status::Ok();
  }
  if (v.type().kind() != t.kind()) {
    return Mismatch(path, t.FriendlyName() + " required, got " + v.type().FriendlyName());
  }
  switch (t.kind()) {
    case TypeKind::kList:
    case TypeKind::kSet:
      for (std::size_t i = 0; i < v.elements().size(); ++i) {
        IONOS_RETURN_IF_ERROR(ConformsAt(v.elements()[i], t.element(), IndexPath(path, i)));
      }
      return Status::Ok();
    case TypeKind::kMap:
      for (const auto& [key, e] : v.entries()) {
        IONOS_RETURN_IF_ERROR(ConformsAt(e, t.element(), KeyPath(path, key)));
      }
      return Status::Ok();
    case TypeKind::kObject:
      return ObjectConforms(v, t, path);
    case TypeKind::kTuple:
      if (v.elements().size() != t.tuple_elements().size()) {
        return Mismatch(path, "tuple with " + std::to_string(t.tuple_elements().size()) + " elements required, got " +
                                  std::to_string(v.elements().size()));
      }
      for (std::size_t i = 0; i < v.elements().size(); ++i) {
        IONOS_RETURN_IF_ERROR(ConformsAt(v.elements()[i], t.tuple_elements()[i], IndexPath(path, i)));
      }
      return Status::Ok();
    default:
      return Status::Ok();
  }
}

}  // namespace

Status Value::CheckConforms(const Type& type) const { return ConformsAt(*this, type, ""); }

// ---------------------------------------------------------------- debug string

namespace {

std::string Quote(const std::string& s) {
  return nlohmann::json(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void AppendDebug(const Value& v, std::string* out) {
  if (v.is_null()) {
    *out += "null(" + v.type().ToJson() + ")";
    return;
  }
  if (v.is_unknown()) {
    *out += "unknown(" + v.type().ToJson() + ")";
    return;
  }
  switch (v.type().kind()) {
    case TypeKind::kString:
      *out += Quote(v.as_string());
      return;
    case TypeKind::kNumber:
      *out += v.as_number().text();
      return;
    case TypeKind::kBool:
      *out += v.as_bool() ? "true" : "false";
      return;
    case TypeKind::kList:
    case TypeKind::kSet:
    case TypeKind::kTuple: {
      const TypeKind k = v.type().kind();
      *out += k == TypeKind::kList ? "list[" : (k == TypeKind::kSet ? "set[" : "tuple[");
      bool first = true;
      for (const Value& e : v.elements()) {
        *out += first ? "" : ", ";
        first = false;
        AppendDebug(e, out);
      }
      *out += "]";
      return;
    }
    case TypeKind::kMap:
    case TypeKind::kObject: {
      *out += v.type().kind() == TypeKind::kMap ? "map{" : "object{";
      bool first = true;
      for (const auto& [key, e] : v.entries()) {
        *out += first ? "" : ", ";
        first = false;
        *out += Quote(key) + ": ";
        AppendDebug(e, out);
      }
      *out += "}";
      return;
    }
    case TypeKind::kDynamic:
      *out += "?";
      return;
  }
}

bool SetElementsEqual(const std::vector<Value>& a, const std::vector<Value>& b) {
  if (a.size() != b.size()) {
    return false;
  }
  std::unordered_map<std::string, std::vector<std::size_t>> unmatched;  // key -> indices in b
  for (std::size_t j = 0; j < b.size(); ++j) {
    unmatched[KeyOf(b[j])].push_back(j);
  }
  for (const Value& x : a) {
    auto it = unmatched.find(KeyOf(x));
    if (it == unmatched.end()) {
      return false;
    }
    std::vector<std::size_t>& candidates = it->second;
    auto match = std::find_if(candidates.begin(), candidates.end(), [&](std::size_t j) { return x == b[j]; });
    if (match == candidates.end()) {
      return false;
    }
    candidates.erase(match);
  }
  return true;
}

}  // namespace

std::string Value::DebugString() const {
  std::string out;
  AppendDebug(*this, &out);
  return out;
}

bool Value::operator==(const Value& other) const {
  if (state_ != other.state_ || type_ != other.type_) {
    return false;
  }
  if (!is_known() || payload_ == other.payload_) {
    return true;
  }
  switch (type_.kind()) {
    case TypeKind::kString:
      return payload_->str == other.payload_->str;
    case TypeKind::kNumber:
      return payload_->number == other.payload_->number;
    case TypeKind::kBool:
      return payload_->boolean == other.payload_->boolean;
    case TypeKind::kList:
    case TypeKind::kTuple:
      return payload_->elements == other.payload_->elements;
    case TypeKind::kSet:
      return SetElementsEqual(payload_->elements, other.payload_->elements);
    case TypeKind::kMap:
    case TypeKind::kObject:
      return payload_->entries == other.payload_->entries;
    case TypeKind::kDynamic:
      return true;
  }
  return true;
}

}  // namespace ionos::tf
