// JSON codec: implementation. See json_codec.h for the contract.
//
// Parsing uses a small RFC 8259 reader of our own rather than nlohmann/json:
// nlohmann turns numbers into int64/uint64/double and rejects numbers beyond
// the double range, while cty numbers are arbitrary-precision decimals.
#include "plugin/value/json_codec.h"

#include <cstdint>
#include <set>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace ionos::tf {
namespace {

// ---------------------------------------------------------------- parse tree

// JsonNode: one parsed JSON value; numbers keep their literal text.
struct JsonNode {
  enum class Kind { kNull, kBool, kNumber, kString, kArray, kObject };
  Kind kind = Kind::kNull;
  bool boolean = false;
  std::string text;               // string contents or number literal
  std::vector<JsonNode> items;    // array items, or object values
  std::vector<std::string> keys;  // object keys, parallel to items

  const JsonNode* Find(const std::string& key) const {
    for (std::size_t i = 0; i < keys.size(); ++i) {
      if (keys[i] == key) {
        return &items[i];
      }
    }
    return nullptr;
  }
};

const char* KindName(JsonNode::Kind kind) {
  switch (kind) {
    case JsonNode::Kind::kNull:
      return "null";
    case JsonNode::Kind::kBool:
      return "bool";
    case JsonNode::Kind::kNumber:
      return "number";
    case JsonNode::Kind::kString:
      return "string";
    case JsonNode::Kind::kArray:
      return "array";
    case JsonNode::Kind::kObject:
      return "object";
  }
  return "value";
}

// ---------------------------------------------------------------- reader

void AppendUtf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xc0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xe0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  } else {
    out->push_back(static_cast<char>(0xf0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3f)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  }
}

constexpr uint32_t kReplacementChar = 0xfffd;

// Utf8SequenceLength: length of the valid UTF-8 sequence at s[i], or 0 if invalid.
std::size_t Utf8SequenceLength(std::string_view s, std::size_t i) {
  const auto b0 = static_cast<uint8_t>(s[i]);
  std::size_t len = 0;
  uint32_t cp = 0;
  if (b0 < 0x80) {
    return 1;
  } else if ((b0 & 0xe0) == 0xc0) {
    len = 2;
    cp = b0 & 0x1f;
  } else if ((b0 & 0xf0) == 0xe0) {
    len = 3;
    cp = b0 & 0x0f;
  } else if ((b0 & 0xf8) == 0xf0) {
    len = 4;
    cp = b0 & 0x07;
  } else {
    return 0;
  }
  if (i + len > s.size()) {
    return 0;
  }
  for (std::size_t k = 1; k < len; ++k) {
    const auto b = static_cast<uint8_t>(s[i + k]);
    if ((b & 0xc0) != 0x80) {
      return 0;
    }
    cp = (cp << 6) | (b & 0x3f);
  }
  const uint32_t min[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < min[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
    return 0;
  }
  return len;
}

// JsonReader: recursive-descent RFC 8259 parser producing a JsonNode tree.
class JsonReader {
 public:
  explicit JsonReader(std::string_view text) : s_(text) {}

  Result<JsonNode> ParseDocument() {
    JsonNode root;
    IONOS_RETURN_IF_ERROR(ParseValue(0, &root));
    SkipSpace();
    if (pos_ != s_.size()) {
      return Error("unexpected data after the JSON value");
    }
    return root;
  }

 private:
  Status Error(const std::string& message) const {
    return InvalidArgumentError("json: syntax error at offset " + std::to_string(pos_) + ": " + message);
  }

  void SkipSpace() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r')) {
      ++pos_;
    }
  }

  bool Consume(char c) {
    if (pos_ < s_.size() && s_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }

  bool ConsumeWord(std::string_view word) {
    if (s_.substr(pos_, word.size()) == word) {
      pos_ += word.size();
      return true;
    }
    return false;
  }

  Status ParseValue(int depth, JsonNode* out) {
    SkipSpace();
    if (pos_ >= s_.size()) {
      return Error("unexpected end of input");
    }
    const char c = s_[pos_];
    if (c == '{' || c == '[') {
      if (depth >= kMaxJsonDepth) {
        return Error("nesting deeper than " + std::to_string(kMaxJsonDepth) + " levels");
      }
      return c == '{' ? ParseObject(depth, out) : ParseArray(depth, out);
    }
    if (c == '"') {
      out->kind = JsonNode::Kind::kString;
      return ParseString(&out->text);
    }
    if (c == '-' || (c >= '0' && c <= '9')) {
      return ParseNumber(out);
    }
    if (ConsumeWord("true") || ConsumeWord("false")) {
      out->kind = JsonNode::Kind::kBool;
      out->boolean = c == 't';
      return Status::Ok();
    }
    if (ConsumeWord("null")) {
      out->kind = JsonNode::Kind::kNull;
      return Status::Ok();
    }
    return Error("unexpected character");
  }

  Status ParseObject(int depth, JsonNode* out) {
    out->kind = JsonNode::Kind::kObject;
    ++pos_;  // '{'
    SkipSpace();
    if (Consume('}')) {
      return Status::Ok();
    }
    std::set<std::string> seen;
    while (true) {
      SkipSpace();
      if (pos_ >= s_.size() || s_[pos_] != '"') {
        return Error("object key must be a string");
      }
      std::string key;
      IONOS_RETURN_IF_ERROR(ParseString(&key));
      if (!seen.insert(key).second) {
        return Error("duplicate object key \"" + key.substr(0, 64) + "\"");
      }
      SkipSpace();
      if (!Consume(':')) {
        return Error("expected ':' after object key");
      }
      out->keys.push_back(std::move(key));
      out->items.emplace_back();
      IONOS_RETURN_IF_ERROR(ParseValue(depth + 1, &out->items.back()));
      SkipSpace();
      if (Consume('}')) {
        return Status::Ok();
      }
      if (!Consume(',')) {
        return Error("expected ',' or '}' in object");
      }
    }
  }

  Status ParseArray(int depth, JsonNode* out) {
    out->kind = JsonNode::Kind::kArray;
    ++pos_;  // '['
    SkipSpace();
    if (Consume(']')) {
      return Status::Ok();
    }
    while (true) {
      out->items.emplace_back();
      IONOS_RETURN_IF_ERROR(ParseValue(depth + 1, &out->items.back()));
      SkipSpace();
      if (Consume(']')) {
        return Status::Ok();
      }
      if (!Consume(',')) {
        return Error("expected ',' or ']' in array");
      }
    }
  }

  bool ScanDigits() {
    const std::size_t start = pos_;
    while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') {
      ++pos_;
    }
    return pos_ > start;
  }

  Status ParseNumber(JsonNode* out) {
    const std::size_t start = pos_;
    Consume('-');
    if (Consume('0')) {
      // RFC 8259: no leading zeros.
    } else if (!ScanDigits()) {
      return Error("invalid number");
    }
    if (Consume('.') && !ScanDigits()) {
      return Error("invalid number: digits required after '.'");
    }
    if (Consume('e') || Consume('E')) {
      if (!Consume('+')) {
        Consume('-');
      }
      if (!ScanDigits()) {
        return Error("invalid number: digits required in exponent");
      }
    }
    out->kind = JsonNode::Kind::kNumber;
    out->text = std::string(s_.substr(start, pos_ - start));
    return Status::Ok();
  }

  Result<uint32_t> ParseHex4() {
    if (s_.size() - pos_ < 4) {
      return Error("truncated \\u escape");
    }
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) {
      const char c = s_[pos_++];
      v <<= 4;
      if (c >= '0' && c <= '9') {
        v |= static_cast<uint32_t>(c - '0');
      } else if (c >= 'a' && c <= 'f') {
        v |= static_cast<uint32_t>(c - 'a' + 10);
      } else if (c >= 'A' && c <= 'F') {
        v |= static_cast<uint32_t>(c - 'A' + 10);
      } else {
        return Error("invalid \\u escape");
      }
    }
    return v;
  }

  // ParseUnicodeEscape handles \uXXXX (after the 'u'), joining surrogate
  // pairs; lone surrogates become U+FFFD as in Go's encoding/json.
  Status ParseUnicodeEscape(std::string* out) {
    IONOS_ASSIGN_OR_RETURN(uint32_t cp, ParseHex4());
    if (cp >= 0xd800 && cp <= 0xdbff && s_.substr(pos_, 2) == "\\u") {
      const std::size_t save = pos_;
      pos_ += 2;
      IONOS_ASSIGN_OR_RETURN(uint32_t low, ParseHex4());
      if (low >= 0xdc00 && low <= 0xdfff) {
        AppendUtf8(0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00), out);
        return Status::Ok();
      }
      pos_ = save;
    }
    AppendUtf8((cp >= 0xd800 && cp <= 0xdfff) ? kReplacementChar : cp, out);
    return Status::Ok();
  }

  Status ParseEscape(std::string* out) {
    if (pos_ >= s_.size()) {
      return Error("unterminated string");
    }
    const char c = s_[pos_++];
    switch (c) {
      case '"':
      case '\\':
      case '/':
        out->push_back(c);
        return Status::Ok();
      case 'b':
        out->push_back('\b');
        return Status::Ok();
      case 'f':
        out->push_back('\f');
        return Status::Ok();
      case 'n':
        out->push_back('\n');
        return Status::Ok();
      case 'r':
        out->push_back('\r');
        return Status::Ok();
      case 't':
        out->push_back('\t');
        return Status::Ok();
      case 'u':
        return ParseUnicodeEscape(out);
      default:
        return Error("invalid escape sequence");
    }
  }

  // ParseString reads a string literal; invalid UTF-8 becomes U+FFFD (as in Go).
  Status ParseString(std::string* out) {
    ++pos_;  // opening quote
    while (true) {
      if (pos_ >= s_.size()) {
        return Error("unterminated string");
      }
      const auto c = static_cast<uint8_t>(s_[pos_]);
      if (c == '"') {
        ++pos_;
        return Status::Ok();
      }
      if (c == '\\') {
        ++pos_;
        IONOS_RETURN_IF_ERROR(ParseEscape(out));
        continue;
      }
      if (c < 0x20) {
        return Error("control character in string");
      }
      const std::size_t len = Utf8SequenceLength(s_, pos_);
      if (len == 0) {
        AppendUtf8(kReplacementChar, out);
        ++pos_;
        continue;
      }
      out->append(s_.substr(pos_, len));
      pos_ += len;
    }
  }

  std::string_view s_;
  std::size_t pos_ = 0;
};

// ---------------------------------------------------------------- decode

nlohmann::json ToNlohmann(const JsonNode& node) {
  switch (node.kind) {
    case JsonNode::Kind::kNull:
      return nullptr;
    case JsonNode::Kind::kBool:
      return node.boolean;
    case JsonNode::Kind::kNumber:
    case JsonNode::Kind::kString:
      return node.text;  // type JSON has no numbers; keep the literal as text
    case JsonNode::Kind::kArray: {
      nlohmann::json out = nlohmann::json::array();
      for (const JsonNode& item : node.items) {
        out.push_back(ToNlohmann(item));
      }
      return out;
    }
    case JsonNode::Kind::kObject: {
      nlohmann::json out = nlohmann::json::object();
      for (std::size_t i = 0; i < node.keys.size(); ++i) {
        out[node.keys[i]] = ToNlohmann(node.items[i]);
      }
      return out;
    }
  }
  return nullptr;
}

// JsonDecoder: converts a JsonNode tree into a Value of the expected Type.
class JsonDecoder {
 public:
  Result<Value> Decode(const JsonNode& node, const Type& type) {
    if (node.kind == JsonNode::Kind::kNull) {
      return Value::Null(type);
    }
    switch (type.kind()) {
      case TypeKind::kDynamic:
        return DecodeDynamic(node);
      case TypeKind::kString:
        return DecodeString(node);
      case TypeKind::kNumber:
        return DecodeNumber(node);
      case TypeKind::kBool:
        return DecodeBool(node);
      case TypeKind::kList:
      case TypeKind::kSet:
        return DecodeListOrSet(node, type);
      case TypeKind::kMap:
        return DecodeMap(node, type);
      case TypeKind::kObject:
        return DecodeObject(node, type);
      case TypeKind::kTuple:
        return DecodeTuple(node, type);
    }
    return Error("unsupported type");
  }

 private:
  Status Error(const std::string& message) const {
    std::string path;
    for (const std::string& segment : path_) {
      path += segment;
    }
    return InvalidArgumentError("json: " + (path.empty() ? message : path + ": " + message));
  }

  Status WrongKind(const Type& type, const JsonNode& node) const {
    return Error(type.FriendlyName() + " required, found JSON " + KindName(node.kind));
  }

  Result<Value> DecodeString(const JsonNode& node) {
    switch (node.kind) {
      case JsonNode::Kind::kString:
      case JsonNode::Kind::kNumber:
        return Value::String(node.text);
      case JsonNode::Kind::kBool:
        return Value::String(node.boolean ? "true" : "false");
      default:
        return WrongKind(Type::String(), node);
    }
  }

  Result<Value> DecodeNumber(const JsonNode& node) {
    if (node.kind != JsonNode::Kind::kNumber && node.kind != JsonNode::Kind::kString) {
      return WrongKind(Type::Number(), node);
    }
    Result<Number> n = Number::FromText(node.text);
    if (!n.ok()) {
      return Error(n.status().message());
    }
    return Value::NumberV(std::move(n).value());
  }

  Result<Value> DecodeBool(const JsonNode& node) {
    if (node.kind == JsonNode::Kind::kBool) {
      return Value::Bool(node.boolean);
    }
    if (node.kind == JsonNode::Kind::kString && (node.text == "true" || node.text == "false")) {
      return Value::Bool(node.text == "true");
    }
    return WrongKind(Type::Bool(), node);
  }

  Result<Value> DecodeDynamic(const JsonNode& node) {
    if (node.kind != JsonNode::Kind::kObject) {
      return Error("dynamic value must be a JSON object {\"value\": ..., \"type\": ...}");
    }
    for (const std::string& key : node.keys) {
      if (key != "value" && key != "type") {
        return Error("unsupported key \"" + key.substr(0, 64) + "\" in dynamic value");
      }
    }
    const JsonNode* type_node = node.Find("type");
    const JsonNode* value_node = node.Find("value");
    if (type_node == nullptr) {
      return Error("missing \"type\" in dynamic value");
    }
    if (value_node == nullptr) {
      return Error("missing \"value\" in dynamic value");
    }
    Result<Type> type = Type::FromJson(ToNlohmann(*type_node));
    if (!type.ok()) {
      return Error("dynamic value: " + type.status().message());
    }
    return Decode(*value_node, *type);
  }

  Result<std::vector<Value>> DecodeElements(const JsonNode& node, const std::vector<const Type*>& types) {
    std::vector<Value> elems;
    elems.reserve(node.items.size());
    for (std::size_t i = 0; i < node.items.size(); ++i) {
      path_.push_back("[" + std::to_string(i) + "]");
      IONOS_ASSIGN_OR_RETURN(Value e, Decode(node.items[i], *types[i]));
      path_.pop_back();
      elems.push_back(std::move(e));
    }
    return elems;
  }

  Result<Value> DecodeListOrSet(const JsonNode& node, const Type& type) {
    if (node.kind != JsonNode::Kind::kArray) {
      return WrongKind(type, node);
    }
    std::vector<const Type*> types(node.items.size(), &type.element());
    IONOS_ASSIGN_OR_RETURN(std::vector<Value> elems, DecodeElements(node, types));
    if (type.kind() == TypeKind::kList) {
      return Value::List(type.element(), std::move(elems));
    }
    return Value::Set(type.element(), std::move(elems));
  }

  Result<Value> DecodeTuple(const JsonNode& node, const Type& type) {
    if (node.kind != JsonNode::Kind::kArray) {
      return WrongKind(type, node);
    }
    const auto& tuple_types = type.tuple_elements();
    if (node.items.size() != tuple_types.size()) {
      return Error("a tuple of length " + std::to_string(tuple_types.size()) + " is required (" +
                   std::to_string(node.items.size()) + " given)");
    }
    std::vector<const Type*> types;
    for (const Type& t : tuple_types) {
      types.push_back(&t);
    }
    IONOS_ASSIGN_OR_RETURN(std::vector<Value> elems, DecodeElements(node, types));
    return Value::TupleOfType(type, std::move(elems));
  }

  Result<Value> DecodeMap(const JsonNode& node, const Type& type) {
    if (node.kind != JsonNode::Kind::kObject) {
      return WrongKind(type, node);
    }
    std::map<std::string, Value> entries;
    for (std::size_t i = 0; i < node.keys.size(); ++i) {
      path_.push_back("[\"" + node.keys[i].substr(0, 64) + "\"]");
      IONOS_ASSIGN_OR_RETURN(Value e, Decode(node.items[i], type.element()));
      path_.pop_back();
      entries.emplace(node.keys[i], std::move(e));
    }
    return Value::Map(type.element(), std::move(entries));
  }

  Result<Value> DecodeObject(const JsonNode& node, const Type& type) {
    if (node.kind != JsonNode::Kind::kObject) {
      return WrongKind(type, node);
    }
    std::map<std::string, Value> attrs;
    for (std::size_t i = 0; i < node.keys.size(); ++i) {
      const std::string& name = node.keys[i];
      const Type* attr_type = type.AttributeType(name);
      if (attr_type == nullptr) {
        return Error("unsupported attribute \"" + name.substr(0, 64) + "\"");
      }
      path_.push_back("." + name);
      IONOS_ASSIGN_OR_RETURN(Value v, Decode(node.items[i], *attr_type));
      path_.pop_back();
      attrs.emplace(name, std::move(v));
    }
    return Value::ObjectOfType(type, std::move(attrs));  // missing attributes become null
  }

  std::vector<std::string> path_;
};

// ---------------------------------------------------------------- encode

// JsonEncoder: writes compact JSON for a Value against a schema type.
class JsonEncoder {
 public:
  std::string Take() { return std::move(out_); }

  Status Encode(const Value& v, const Type& schema) {
    if (v.is_unknown()) {
      return Error("value is not known; unknown values have no JSON form");
    }
    if (schema.is_dynamic()) {
      return EncodeDynamic(v);
    }
    if (v.is_null()) {
      out_ += "null";
      return Status::Ok();
    }
    if (v.type().kind() != schema.kind()) {
      return Error(schema.FriendlyName() + " required, got " + v.type().FriendlyName());
    }
    return EncodeKnown(v, schema);
  }

 private:
  Status Error(const std::string& message) const {
    std::string path;
    for (const std::string& segment : path_) {
      path += segment;
    }
    return InvalidArgumentError("json: " + (path.empty() ? message : path + ": " + message));
  }

  void AppendString(const std::string& s) {
    out_ += nlohmann::json(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }

  Status EncodeDynamic(const Value& v) {
    if (v.is_null() && v.type().is_dynamic()) {
      out_ += "null";
      return Status::Ok();
    }
    out_ += "{\"value\":";
    if (v.is_null()) {
      out_ += "null";
    } else {
      IONOS_RETURN_IF_ERROR(EncodeKnown(v, v.type()));
    }
    out_ += ",\"type\":" + v.type().ToJson() + "}";
    return Status::Ok();
  }

  Status EncodeElement(const Value& e, const Type& type, std::string segment) {
    path_.push_back(std::move(segment));
    IONOS_RETURN_IF_ERROR(Encode(e, type));
    path_.pop_back();
    return Status::Ok();
  }

  Status EncodeArray(const Value& v, const Type& schema) {
    const bool tuple = schema.is_tuple();
    if (tuple && v.elements().size() != schema.tuple_elements().size()) {
      return Error("a tuple of length " + std::to_string(schema.tuple_elements().size()) + " is required (" +
                   std::to_string(v.elements().size()) + " given)");
    }
    out_ += "[";
    for (std::size_t i = 0; i < v.elements().size(); ++i) {
      out_ += i == 0 ? "" : ",";
      const Type& t = tuple ? schema.tuple_elements()[i] : schema.element();
      IONOS_RETURN_IF_ERROR(EncodeElement(v.elements()[i], t, "[" + std::to_string(i) + "]"));
    }
    out_ += "]";
    return Status::Ok();
  }

  Status EncodeMap(const Value& v, const Type& schema) {
    out_ += "{";
    bool first = true;
    for (const auto& [key, e] : v.entries()) {
      out_ += first ? "" : ",";
      first = false;
      AppendString(key);
      out_ += ":";
      IONOS_RETURN_IF_ERROR(EncodeElement(e, schema.element(), "[\"" + key.substr(0, 64) + "\"]"));
    }
    out_ += "}";
    return Status::Ok();
  }

  Status EncodeObject(const Value& v, const Type& schema) {
    for (const auto& [name, e] : v.entries()) {
      if (!schema.HasAttribute(name)) {
        return Error("unsupported attribute \"" + name.substr(0, 64) + "\"");
      }
    }
    out_ += "{";
    bool first = true;
    for (const auto& [name, attr_type] : schema.attributes()) {
      out_ += first ? "" : ",";
      first = false;
      AppendString(name);
      out_ += ":";
      auto it = v.entries().find(name);
      const Value attr = it == v.entries().end() ? Value::Null(attr_type) : it->second;
      IONOS_RETURN_IF_ERROR(EncodeElement(attr, attr_type, "." + name));
    }
    out_ += "}";
    return Status::Ok();
  }

  Status EncodeKnown(const Value& v, const Type& schema) {
    switch (schema.kind()) {
      case TypeKind::kString:
        AppendString(v.as_string());
        return Status::Ok();
      case TypeKind::kNumber:
        if (v.as_number().is_infinite()) {
          return Error("infinity cannot be represented in JSON");
        }
        out_ += v.as_number().text();
        return Status::Ok();
      case TypeKind::kBool:
        out_ += v.as_bool() ? "true" : "false";
        return Status::Ok();
      case TypeKind::kList:
      case TypeKind::kSet:
      case TypeKind::kTuple:
        return EncodeArray(v, schema);
      case TypeKind::kMap:
        return EncodeMap(v, schema);
      case TypeKind::kObject:
        return EncodeObject(v, schema);
      case TypeKind::kDynamic:
        return Error("known value without a concrete type");
    }
    return Error("unsupported type");
  }

  std::string out_;
  std::vector<std::string> path_;
};

}  // namespace

Result<Value> DecodeJson(std::string_view text, const Type& type) {
  JsonReader reader(text);
  IONOS_ASSIGN_OR_RETURN(JsonNode root, reader.ParseDocument());
  JsonDecoder decoder;
  return decoder.Decode(root, type);
}

Result<std::string> EncodeJson(const Value& value, const Type& schema_type) {
  JsonEncoder encoder;
  IONOS_RETURN_IF_ERROR(encoder.Encode(value, schema_type));
  return encoder.Take();
}

}  // namespace ionos::tf
