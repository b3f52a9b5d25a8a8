// msgpack codec: implementation. See msgpack.h for the contract.
// Byte codes follow the msgpack specification (github.com/msgpack/msgpack/blob/master/spec.md).
#include "plugin/value/msgpack.h"

#include <cmath>
#include <cstdint>
#include <cstring>
#include <utility>
#include <vector>

namespace ionos::tf {
namespace {

// ---------------------------------------------------------------- reading

// Reader: bounds-checked cursor over the input.
class Reader {
 public:
  explicit Reader(std::string_view bytes) : bytes_(bytes) {}

  std::size_t remaining() const { return bytes_.size() - pos_; }
  bool AtEnd() const { return pos_ == bytes_.size(); }

  bool Peek(uint8_t* out) const {
    if (AtEnd()) {
      return false;
    }
    *out = static_cast<uint8_t>(bytes_[pos_]);
    return true;
  }

  bool ReadByte(uint8_t* out) {
    if (!Peek(out)) {
      return false;
    }
    ++pos_;
    return true;
  }

  // ReadBigEndian reads an n-byte (n <= 8) unsigned big-endian integer.
  bool ReadBigEndian(int n, uint64_t* out) {
    if (remaining() < static_cast<std::size_t>(n)) {
      return false;
    }
    uint64_t v = 0;
    for (int i = 0; i < n; ++i) {
      v = (v << 8) | static_cast<uint8_t>(bytes_[pos_++]);
    }
    *out = v;
    return true;
  }

  bool ReadBytes(uint64_t n, std::string_view* out) {
    if (n > remaining()) {
      return false;
    }
    *out = bytes_.substr(pos_, static_cast<std::size_t>(n));
    pos_ += static_cast<std::size_t>(n);
    return true;
  }

  bool Skip(uint64_t n) {
    std::string_view ignored;
    return ReadBytes(n, &ignored);
  }

 private:
  std::string_view bytes_;
  std::size_t pos_ = 0;
};

bool IsExt(uint8_t b) { return (b >= 0xd4 && b <= 0xd8) || (b >= 0xc7 && b <= 0xc9); }

bool IsStrOrBin(uint8_t b) { return (b >= 0xa0 && b <= 0xbf) || (b >= 0xd9 && b <= 0xdb) || (b >= 0xc4 && b <= 0xc6); }

bool IsArray(uint8_t b) { return (b >= 0x90 && b <= 0x9f) || b == 0xdc || b == 0xdd; }

bool IsMap(uint8_t b) { return (b >= 0x80 && b <= 0x8f) || b == 0xde || b == 0xdf; }

std::string Hex(uint8_t b) {
  static const char* kDigits = "0123456789abcdef";
  return std::string("0x") + kDigits[b >> 4] + kDigits[b & 0xf];
}

std::string QuoteName(std::string_view name) {
  constexpr std::size_t kMax = 64;
  std::string out = "\"" + std::string(name.substr(0, kMax));
  out += name.size() > kMax ? "...\"" : "\"";
  return out;
}

// NameList renders up to 10 quoted names separated by ", ".
std::string NameList(const std::vector<std::string>& names) {
  std::string out;
  for (std::size_t i = 0; i < names.size() && i < 10; ++i) {
    out += (i == 0 ? "" : ", ") + QuoteName(names[i]);
  }
  if (names.size() > 10) {
    out += ", ...";
  }
  return out;
}

// Decoder: recursive descent over a Reader, guided by the expected Type.
class Decoder {
 public:
  explicit Decoder(std::string_view bytes) : in_(bytes) {}

  Result<Value> DecodeTop(const Type& type) {
    IONOS_ASSIGN_OR_RETURN(Value v, Decode(type, 0));
    if (!in_.AtEnd()) {
      return Error(std::to_string(in_.remaining()) + " unexpected trailing bytes");
    }
    return v;
  }

 private:
  Status Error(const std::string& message) const {
    std::string path;
    for (const std::string& segment : path_) {
      path += segment;
    }
    return InvalidArgumentError("msgpack: " + (path.empty() ? message : path + ": " + message));
  }

  Status Truncated() const { return Error("unexpected end of data"); }

  Result<uint8_t> NextByte() {
    uint8_t b = 0;
    if (!in_.ReadByte(&b)) {
      return Truncated();
    }
    return b;
  }

  Result<uint64_t> BigEndian(int n) {
    uint64_t v = 0;
    if (!in_.ReadBigEndian(n, &v)) {
      return Truncated();
    }
    return v;
  }

  Status SkipBytes(uint64_t n) { return in_.Skip(n) ? Status::Ok() : Truncated(); }

  Status CheckDepth(int depth) const {
    return depth > kMaxMsgpackDepth ? Error("nesting deeper than " + std::to_string(kMaxMsgpackDepth) + " levels")
                                    : Status::Ok();
  }

  // SkipExt consumes an ext value whose first byte `b` was already read.
  Status SkipExt(uint8_t b) {
    if (b >= 0xd4 && b <= 0xd8) {
      return SkipBytes(1 + (uint64_t{1} << (b - 0xd4)));  // type + 1/2/4/8/16 bytes
    }
    IONOS_ASSIGN_OR_RETURN(uint64_t len, BigEndian(1 << (b - 0xc7)));  // ext8/16/32 length
    return SkipBytes(1 + len);
  }

  // ReadLength reads the element count for array/map/str/bin code `b`.
  Result<uint64_t> StrOrBinLength(uint8_t b) {
    if (b >= 0xa0 && b <= 0xbf) {
      return uint64_t{b & 0x1fu};
    }
    if (b >= 0xd9 && b <= 0xdb) {
      return BigEndian(1 << (b - 0xd9));
    }
    return BigEndian(1 << (b - 0xc4));  // bin8/16/32
  }

  Result<std::string_view> ReadStrOrBin(const char* what) {
    IONOS_ASSIGN_OR_RETURN(uint8_t b, NextByte());
    if (!IsStrOrBin(b)) {
      return Error(std::string(what) + " required, found code " + Hex(b));
    }
    IONOS_ASSIGN_OR_RETURN(uint64_t len, StrOrBinLength(b));
    std::string_view out;
    if (!in_.ReadBytes(len, &out)) {
      return Truncated();
    }
    return out;
  }

  // ArrayHeader reads an array header and checks that `count` elements can fit.
  Result<uint64_t> ArrayHeader(const char* what) {
    IONOS_ASSIGN_OR_RETURN(uint8_t b, NextByte());
    uint64_t n = 0;
    if (b >= 0x90 && b <= 0x9f) {
      n = b & 0x0fu;
    } else if (b == 0xdc || b == 0xdd) {
      IONOS_ASSIGN_OR_RETURN(n, BigEndian(b == 0xdc ? 2 : 4));
    } else {
      return Error(std::string(what) + " required (msgpack array), found code " + Hex(b));
    }
    if (n > in_.remaining()) {
      return Truncated();
    }
    return n;
  }

  Result<uint64_t> MapHeader(const char* what) {
    IONOS_ASSIGN_OR_RETURN(uint8_t b, NextByte());
    uint64_t n = 0;
    if (b >= 0x80 && b <= 0x8f) {
      n = b & 0x0fu;
    } else if (b == 0xde || b == 0xdf) {
      IONOS_ASSIGN_OR_RETURN(n, BigEndian(b == 0xde ? 2 : 4));
    } else {
      return Error(std::string(what) + " required (msgpack map), found code " + Hex(b));
    }
    if (n > in_.remaining() / 2) {
      return Truncated();
    }
    return n;
  }

  // SkipValue consumes any msgpack value (used for unexpected object keys).
  Status SkipValue(int depth) {
    IONOS_RETURN_IF_ERROR(CheckDepth(depth));
    uint8_t b = 0;
    if (!in_.Peek(&b)) {
      return Truncated();
    }
    if (IsArray(b) || IsMap(b)) {
      const bool is_map = IsMap(b);
      IONOS_ASSIGN_OR_RETURN(uint64_t n, is_map ? MapHeader("map") : ArrayHeader("array"));
      for (uint64_t i = 0; i < (is_map ? 2 * n : n); ++i) {
        IONOS_RETURN_IF_ERROR(SkipValue(depth + 1));
      }
      return Status::Ok();
    }
    in_.ReadByte(&b);
    if (b <= 0x7f || b >= 0xe0 || b == 0xc0 || b == 0xc2 || b == 0xc3) {
      return Status::Ok();
    }
    if (IsExt(b)) {
      return SkipExt(b);
    }
    if (IsStrOrBin(b)) {
      IONOS_ASSIGN_OR_RETURN(uint64_t len, StrOrBinLength(b));
      return SkipBytes(len);
    }
    switch (b) {
      case 0xcc:
      case 0xd0:
        return SkipBytes(1);
      case 0xcd:
      case 0xd1:
        return SkipBytes(2);
      case 0xce:
      case 0xd2:
      case 0xca:
        return SkipBytes(4);
      case 0xcf:
      case 0xd3:
      case 0xcb:
        return SkipBytes(8);
      default:
        return Error("invalid code " + Hex(b));
    }
  }

  Result<Value> Decode(const Type& type, int depth) {
    IONOS_RETURN_IF_ERROR(CheckDepth(depth));
    uint8_t b = 0;
    if (!in_.Peek(&b)) {
      return Truncated();
    }
    if (IsExt(b)) {
      in_.ReadByte(&b);
      IONOS_RETURN_IF_ERROR(SkipExt(b));
      return Value::Unknown(type);
    }
    if (b == 0xc0) {
      in_.ReadByte(&b);
      return Value::Null(type);
    }
    switch (type.kind()) {
      case TypeKind::kDynamic:
        return DecodeDynamic(depth);
      case TypeKind::kString: {
        IONOS_ASSIGN_OR_RETURN(std::string_view s, ReadStrOrBin("string"));
        return Value::String(std::string(s));
      }
      case TypeKind::kNumber:
        return DecodeNumber();
      case TypeKind::kBool:
        return DecodeBool();
      case TypeKind::kList:
      case TypeKind::kSet:
        return DecodeListOrSet(type, depth);
      case TypeKind::kMap:
        return DecodeMap(type, depth);
      case TypeKind::kObject:
        return DecodeObject(type, depth);
      case TypeKind::kTuple:
        return DecodeTuple(type, depth);
    }
    return Error("unsupported type");
  }

  Result<Value> DecodeBool() {
    IONOS_ASSIGN_OR_RETURN(uint8_t b, NextByte());
    if (b == 0xc2 || b == 0xc3) {
      return Value::Bool(b == 0xc3);
    }
    return Error("bool required, found code " + Hex(b));
  }

  Result<Value> DecodeFloat(int size) {
    IONOS_ASSIGN_OR_RETURN(uint64_t bits, BigEndian(size));
    double d = 0;
    if (size == 4) {
      float f = 0;
      const auto bits32 = static_cast<uint32_t>(bits);
      std::memcpy(&f, &bits32, sizeof(f));
      d = f;
    } else {
      std::memcpy(&d, &bits, sizeof(d));
    }
    if (std::isnan(d)) {
      return Error("NaN is not a valid number");
    }
    return Value::NumberV(Number::FromDouble(d));
  }

  Result<Value> DecodeSigned(int size) {
    IONOS_ASSIGN_OR_RETURN(uint64_t bits, BigEndian(size));
    const int shift = 64 - 8 * size;
    // Sign-extend via the unsigned representation (well defined in C++20).
    const auto v = static_cast<int64_t>(bits << shift) >> shift;
    return Value::NumberV(Number::FromInt64(v));
  }

  Result<Value> DecodeNumber() {
    uint8_t b = 0;
    in_.Peek(&b);
    if (IsStrOrBin(b)) {
      IONOS_ASSIGN_OR_RETURN(std::string_view text, ReadStrOrBin("number"));
      Result<Number> n = Number::FromText(text);
      if (!n.ok()) {
        return Error(n.status().message());
      }
      return Value::NumberV(std::move(n).value());
    }
    in_.ReadByte(&b);
    if (b <= 0x7f) {
      return Value::NumberV(Number::FromInt64(b));
    }
    if (b >= 0xe0) {
      return Value::NumberV(Number::FromInt64(static_cast<int8_t>(b)));
    }
    switch (b) {
      case 0xcc:
      case 0xcd:
      case 0xce:
      case 0xcf: {
        IONOS_ASSIGN_OR_RETURN(uint64_t v, BigEndian(1 << (b - 0xcc)));
        return Value::NumberV(Number::FromUint64(v));
      }
      case 0xd0:
      case 0xd1:
      case 0xd2:
      case 0xd3:
        return DecodeSigned(1 << (b - 0xd0));
      case 0xca:
        return DecodeFloat(4);
      case 0xcb:
        return DecodeFloat(8);
      default:
        return Error("number required, found code " + Hex(b));
    }
  }

  Result<Value> DecodeDynamic(int depth) {
    IONOS_ASSIGN_OR_RETURN(uint64_t n, ArrayHeader("dynamic value [type, value]"));
    if (n != 2) {
      return Error("dynamic value must be a 2-element array [type, value], got " + std::to_string(n) + " elements");
    }
    IONOS_ASSIGN_OR_RETURN(std::string_view type_json, ReadStrOrBin("dynamic value type JSON"));
    Result<Type> type = Type::FromJsonText(type_json);
    if (!type.ok()) {
      return Error("dynamic value: " + type.status().message());
    }
    return Decode(*type, depth + 1);
  }

  Result<Value> DecodeListOrSet(const Type& type, int depth) {
    IONOS_ASSIGN_OR_RETURN(uint64_t n, ArrayHeader(type.kind() == TypeKind::kList ? "list" : "set"));
    std::vector<Value> elems;
    elems.reserve(static_cast<std::size_t>(n));
    for (uint64_t i = 0; i < n; ++i) {
      path_.push_back("[" + std::to_string(i) + "]");
      IONOS_ASSIGN_OR_RETURN(Value e, Decode(type.element(), depth + 1));
      path_.pop_back();
      elems.push_back(std::move(e));
    }
    if (type.kind() == TypeKind::kList) {
      return Value::List(type.element(), std::move(elems));
    }
    return Value::Set(type.element(), std::move(elems));
  }

  Result<Value> DecodeTuple(const Type& type, int depth) {
    IONOS_ASSIGN_OR_RETURN(uint64_t n, ArrayHeader("tuple"));
    const auto& types = type.tuple_elements();
    if (n != types.size()) {
      return Error("a tuple of length " + std::to_string(types.size()) + " is required (" + std::to_string(n) +
                   " given)");
    }
    std::vector<Value> elems;
    elems.reserve(types.size());
    for (std::size_t i = 0; i < types.size(); ++i) {
      path_.push_back("[" + std::to_string(i) + "]");
      IONOS_ASSIGN_OR_RETURN(Value e, Decode(types[i], depth + 1));
      path_.pop_back();
      elems.push_back(std::move(e));
    }
    // Keep the schema's tuple type (it may say dynamic for some elements).
    return Value::TupleOfType(type, std::move(elems));
  }

  Result<Value> DecodeMap(const Type& type, int depth) {
    IONOS_ASSIGN_OR_RETURN(uint64_t n, MapHeader("map"));
    std::map<std::string, Value> entries;
    for (uint64_t i = 0; i < n; ++i) {
      IONOS_ASSIGN_OR_RETURN(std::string_view key, ReadStrOrBin("map key"));
      std::string k(key);
      if (entries.count(k) != 0) {
        return Error("duplicate map key " + QuoteName(k));
      }
      path_.push_back("[" + QuoteName(k) + "]");
      IONOS_ASSIGN_OR_RETURN(Value e, Decode(type.element(), depth + 1));
      path_.pop_back();
      entries.emplace(std::move(k), std::move(e));
    }
    return Value::Map(type.element(), std::move(entries));
  }

  Result<Value> DecodeObject(const Type& type, int depth) {
    IONOS_ASSIGN_OR_RETURN(uint64_t n, MapHeader("object"));
    std::map<std::string, Value> attrs;
    std::vector<std::string> unexpected;
    for (uint64_t i = 0; i < n; ++i) {
      IONOS_ASSIGN_OR_RETURN(std::string_view key, ReadStrOrBin("object attribute name"));
      std::string name(key);
      const Type* attr_type = type.AttributeType(name);
      if (attr_type == nullptr) {
        unexpected.push_back(name);
        IONOS_RETURN_IF_ERROR(SkipValue(depth + 1));
        continue;
      }
      if (attrs.count(name) != 0) {
        return Error("duplicate attribute " + QuoteName(name));
      }
      path_.push_back("." + name);
      IONOS_ASSIGN_OR_RETURN(Value v, Decode(*attr_type, depth + 1));
      path_.pop_back();
      attrs.emplace(std::move(name), std::move(v));
    }
    IONOS_RETURN_IF_ERROR(CheckObjectKeys(type, attrs, unexpected, n));
    return Value::ObjectOfType(type, std::move(attrs));
  }

  Status CheckObjectKeys(const Type& type, const std::map<std::string, Value>& attrs,
                         const std::vector<std::string>& unexpected, uint64_t given) const {
    std::vector<std::string> missing;
    for (const auto& [name, attr_type] : type.attributes()) {
      if (attrs.count(name) == 0) {
        missing.push_back(name);
      }
    }
    if (missing.empty() && unexpected.empty()) {
      return Status::Ok();
    }
    std::string message;
    if (given != type.attributes().size()) {
      message = "an object with " + std::to_string(type.attributes().size()) + " attributes is required (" +
                std::to_string(given) + " given)";
    } else {
      message = "unsupported attribute " + QuoteName(unexpected.empty() ? std::string() : unexpected.front());
    }
    if (!missing.empty()) {
      message += "; missing: " + NameList(missing);
    }
    if (!unexpected.empty()) {
      message += "; unexpected: " + NameList(unexpected);
    }
    return Error(message);
  }

  Reader in_;
  std::vector<std::string> path_;
};

// ---------------------------------------------------------------- writing

// Writer: appends msgpack encodings to a string.
class Writer {
 public:
  std::string Take() { return std::move(out_); }

  void Byte(uint8_t b) { out_.push_back(static_cast<char>(b)); }

  void BigEndian(uint64_t v, int n) {
    for (int i = n - 1; i >= 0; --i) {
      Byte(static_cast<uint8_t>(v >> (8 * i)));
    }
  }

  void Nil() { Byte(0xc0); }

  void Unknown() {
    Byte(0xd4);
    Byte(0x00);
    Byte(0x00);
  }

  void Bool(bool b) { Byte(b ? 0xc3 : 0xc2); }

  void Uint(uint64_t v) {
    if (v <= 0x7f) {
      Byte(static_cast<uint8_t>(v));
    } else if (v <= 0xff) {
      Sized(0xcc, v, 1);
    } else if (v <= 0xffff) {
      Sized(0xcd, v, 2);
    } else if (v <= 0xffffffff) {
      Sized(0xce, v, 4);
    } else {
      Sized(0xcf, v, 8);
    }
  }

  void Int(int64_t v) {
    if (v >= 0) {
      Uint(static_cast<uint64_t>(v));
    } else if (v >= -32) {
      Byte(static_cast<uint8_t>(v));
    } else if (v >= INT8_MIN) {
      Sized(0xd0, static_cast<uint64_t>(v), 1);
    } else if (v >= INT16_MIN) {
      Sized(0xd1, static_cast<uint64_t>(v), 2);
    } else if (v >= INT32_MIN) {
      Sized(0xd2, static_cast<uint64_t>(v), 4);
    } else {
      Sized(0xd3, static_cast<uint64_t>(v), 8);
    }
  }

  void Float64(double d) {
    uint64_t bits = 0;
    std::memcpy(&bits, &d, sizeof(bits));
    Sized(0xcb, bits, 8);
  }

  void Str(std::string_view s) {
    if (s.size() < 32) {
      Byte(static_cast<uint8_t>(0xa0 | s.size()));
    } else if (s.size() <= 0xff) {
      Sized(0xd9, s.size(), 1);
    } else if (s.size() <= 0xffff) {
      Sized(0xda, s.size(), 2);
    } else {
      Sized(0xdb, s.size(), 4);
    }
    out_.append(s);
  }

  void Bin(std::string_view s) {
    if (s.size() <= 0xff) {
      Sized(0xc4, s.size(), 1);
    } else if (s.size() <= 0xffff) {
      Sized(0xc5, s.size(), 2);
    } else {
      Sized(0xc6, s.size(), 4);
    }
    out_.append(s);
  }

  void ArrayHeader(std::size_t n) { Header(0x90, 0xdc, n); }
  void MapHeader(std::size_t n) { Header(0x80, 0xde, n); }

 private:
  void Sized(uint8_t code, uint64_t v, int n) {
    Byte(code);
    BigEndian(v, n);
  }

  // Header: fix form for n < 16, else 16- or 32-bit form (code16, code16 + 1).
  void Header(uint8_t fix, uint8_t code16, std::size_t n) {
    if (n < 16) {
      Byte(static_cast<uint8_t>(fix | n));
    } else if (n <= 0xffff) {
      Sized(code16, n, 2);
    } else {
      Sized(static_cast<uint8_t>(code16 + 1), n, 4);
    }
  }

  std::string out_;
};

void EncodeValue(const Value& v, const Type& schema, Writer* w);

void EncodeNumber(const Number& n, Writer* w) {
  if (std::optional<int64_t> i = n.ToInt64()) {
    w->Int(*i);
  } else if (!n.is_integer() && n.IsExactDouble()) {
    w->Float64(n.ToDouble());
  } else {
    w->Str(n.text());
  }
}

void EncodeObject(const Value& v, const Type& schema, Writer* w) {
  w->MapHeader(schema.attributes().size());
  for (const auto& [name, attr_type] : schema.attributes()) {
    w->Str(name);
    auto it = v.entries().find(name);
    if (it == v.entries().end()) {
      w->Nil();
    } else {
      EncodeValue(it->second, attr_type, w);
    }
  }
}

void EncodeKnown(const Value& v, const Type& schema, Writer* w) {
  switch (schema.kind()) {
    case TypeKind::kString:
      w->Str(v.as_string());
      return;
    case TypeKind::kNumber:
      EncodeNumber(v.as_number(), w);
      return;
    case TypeKind::kBool:
      w->Bool(v.as_bool());
      return;
    case TypeKind::kList:
    case TypeKind::kSet:
      w->ArrayHeader(v.elements().size());
      for (const Value& e : v.elements()) {
        EncodeValue(e, schema.element(), w);
      }
      return;
    case TypeKind::kTuple: {
      const auto& types = schema.tuple_elements();
      w->ArrayHeader(v.elements().size());
      for (std::size_t i = 0; i < v.elements().size(); ++i) {
        const Value& e = v.elements()[i];
        EncodeValue(e, i < types.size() ? types[i] : e.type(), w);
      }
      return;
    }
    case TypeKind::kMap:
      w->MapHeader(v.entries().size());
      for (const auto& [key, e] : v.entries()) {
        w->Str(key);
        EncodeValue(e, schema.element(), w);
      }
      return;
    case TypeKind::kObject:
      EncodeObject(v, schema, w);
      return;
    case TypeKind::kDynamic:
      w->Nil();  // unreachable: known values never have a Dynamic outer type
      return;
  }
}

void EncodeValue(const Value& v, const Type& schema, Writer* w) {
  if (v.is_unknown()) {
    w->Unknown();
    return;
  }
  if (v.is_null()) {
    w->Nil();
    return;
  }
  if (schema.is_dynamic()) {
    w->ArrayHeader(2);
    w->Bin(v.type().ToJson());
    EncodeKnown(v, v.type(), w);
    return;
  }
  EncodeKnown(v, v.type().kind() == schema.kind() ? schema : v.type(), w);
}

}  // namespace

Result<Value> DecodeMsgpack(std::string_view bytes, const Type& type) {
  Decoder decoder(bytes);
  return decoder.DecodeTop(type);
}

std::string EncodeMsgpack(const Value& value, const Type& schema_type) {
  Writer w;
  EncodeValue(value, schema_type, &w);
  return w.Take();
}

}  // namespace ionos::tf
