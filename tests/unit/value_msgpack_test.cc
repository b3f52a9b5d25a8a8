// Unit tests for plugin/value/msgpack.h: hex examples of cty's msgpack encoding,
// Terraform's number encoding rules, object key checks, round trips and
// malformed input (truncation, huge lengths, deep nesting, random mutation).
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "plugin/value/msgpack.h"

namespace ionos::tf {
namespace {

// Unhex: hex digits to bytes; spaces are ignored.
std::string Unhex(std::string_view hex) {
  std::string digits;
  for (char c : hex) {
    if (c != ' ') {
      digits += c;
    }
  }
  EXPECT_EQ(digits.size() % 2, 0u) << "odd hex: " << hex;
  std::string out;
  for (std::size_t i = 0; i + 1 < digits.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(digits.substr(i, 2), nullptr, 16)));
  }
  return out;
}

std::string Hex(std::string_view bytes) {
  static const char* kDigits = "0123456789abcdef";
  std::string out;
  for (char c : bytes) {
    const auto b = static_cast<unsigned char>(c);
    out += kDigits[b >> 4];
    out += kDigits[b & 0xf];
  }
  return out;
}

// HexOf: the hex of a text's bytes (for readable expected encodings).
std::string HexOf(std::string_view text) { return Hex(text); }

std::string Repeat(std::string_view s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) {
    out += s;
  }
  return out;
}

Number Num(const std::string& text) {
  Result<Number> n = Number::FromText(text);
  EXPECT_TRUE(n.ok()) << text;
  return n.value_or(Number());
}

Value NumV(const std::string& text) { return Value::NumberV(Num(text)); }

Type NestedList(int levels) {
  Type t = Type::String();
  for (int i = 0; i < levels; ++i) {
    t = Type::List(t);
  }
  return t;
}

const std::string kExampleTypeJson = R"(["object",{"x":"number","y":["tuple",["string"]]}])";

// A dynamic value in cty's msgpack encoding, byte for byte.
const std::string kDynamicExampleHex = "92 c432 " + HexOf(kExampleTypeJson) + " 82 a178 01 a179 91 a161";

Value DynamicExampleValue() {
  return Value::Object({{"x", Value::Int(1)}, {"y", Value::Tuple({Value::String("a")})}});
}

// ---------------------------------------------------------------- numbers (both directions)

struct NumberCase {
  std::string name;
  std::string number;
  std::string hex;
};

void PrintTo(const NumberCase& c, std::ostream* os) { *os << c.name; }

class ValueMsgpackNumberTest : public testing::TestWithParam<NumberCase> {};

TEST_P(ValueMsgpackNumberTest, Encodes) {
  EXPECT_EQ(Hex(EncodeMsgpack(NumV(GetParam().number), Type::Number())), Hex(Unhex(GetParam().hex)));
}

TEST_P(ValueMsgpackNumberTest, Decodes) {
  Result<Value> v = DecodeMsgpack(Unhex(GetParam().hex), Type::Number());
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(*v, NumV(GetParam().number));
}

INSTANTIATE_TEST_SUITE_P(
    Protocol, ValueMsgpackNumberTest,
    testing::Values(NumberCase{"two", "2", "02"}, NumberCase{"minus_one", "-1", "ff"},
                    NumberCase{"three_hundred", "300", "cd012c"},
                    NumberCase{"three_billion", "3000000000", "ceb2d05e00"},
                    NumberCase{"minus_40000", "-40000", "d2ffff63c0"},
                    NumberCase{"int64_max", "9223372036854775807", "cf7fffffffffffffff"},
                    NumberCase{"one_and_a_half", "1.5", "cb3ff8000000000000"},
                    NumberCase{"zero_point_one_as_string", "0.1", "a3302e31"},
                    NumberCase{"one_e20_as_string", "1e20", "b5" + HexOf("100000000000000000000")},
                    NumberCase{"uint64_max_as_string", "18446744073709551615", "b4" + HexOf("18446744073709551615")}),
    [](const testing::TestParamInfo<NumberCase>& info) { return info.param.name; });

INSTANTIATE_TEST_SUITE_P(
    Boundaries, ValueMsgpackNumberTest,
    testing::Values(NumberCase{"zero", "0", "00"}, NumberCase{"fixint_max", "127", "7f"},
                    NumberCase{"uint8_min", "128", "cc80"}, NumberCase{"uint8_max", "255", "ccff"},
                    NumberCase{"uint16_min", "256", "cd0100"}, NumberCase{"uint16_max", "65535", "cdffff"},
                    NumberCase{"uint32_min", "65536", "ce00010000"},
                    NumberCase{"uint32_max", "4294967295", "ceffffffff"},
                    NumberCase{"uint64_min", "4294967296", "cf0000000100000000"},
                    NumberCase{"negative_fixint_min", "-32", "e0"}, NumberCase{"int8_max_neg", "-33", "d0df"},
                    NumberCase{"int8_min", "-128", "d080"}, NumberCase{"int16_max_neg", "-129", "d1ff7f"},
                    NumberCase{"int16_min", "-32768", "d18000"},
                    NumberCase{"int32_max_neg", "-32769", "d2ffff7fff"},
                    NumberCase{"int32_min", "-2147483648", "d280000000"},
                    NumberCase{"int64_max_neg", "-2147483649", "d3ffffffff7fffffff"},
                    NumberCase{"int64_min", "-9223372036854775808", "d38000000000000000"},
                    NumberCase{"int64_max_plus_one_as_string", "9223372036854775808",
                               "b3" + HexOf("9223372036854775808")},
                    NumberCase{"int64_min_minus_one_as_string", "-9223372036854775809",
                               "b4" + HexOf("-9223372036854775809")},
                    NumberCase{"negative_half", "-0.5", "cbbfe0000000000000"},
                    NumberCase{"one_eighth", "0.125", "cb3fc0000000000000"},
                    NumberCase{"plus_inf", "+Inf", "cb7ff0000000000000"},
                    NumberCase{"minus_inf", "-Inf", "cbfff0000000000000"},
                    NumberCase{"big_integer_as_string", "12345678901234567890123",
                               "b7" + HexOf("12345678901234567890123")},
                    NumberCase{"long_decimal_as_str8", "0.1234567890123456789012345678901234567891",
                               "d92a" + HexOf("0.1234567890123456789012345678901234567891")}),
    [](const testing::TestParamInfo<NumberCase>& info) { return info.param.name; });

// ---------------------------------------------------------------- decode-only forms

struct DecodeCase {
  std::string name;
  Type type;
  std::string hex;
  Value want;
};

void PrintTo(const DecodeCase& c, std::ostream* os) { *os << c.name; }

class ValueMsgpackDecodeTest : public testing::TestWithParam<DecodeCase> {};

TEST_P(ValueMsgpackDecodeTest, Decodes) {
  Result<Value> v = DecodeMsgpack(Unhex(GetParam().hex), GetParam().type);
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(*v, GetParam().want);
}

const Type kObjAB = Type::Object({{"a", Type::String()}, {"b", Type::Number()}});

INSTANTIATE_TEST_SUITE_P(
    Numbers, ValueMsgpackDecodeTest,
    testing::Values(
        DecodeCase{"int8", Type::Number(), "d0ff", Value::Int(-1)},
        DecodeCase{"int16", Type::Number(), "d1fffe", Value::Int(-2)},
        DecodeCase{"int32", Type::Number(), "d2fffffffd", Value::Int(-3)},
        DecodeCase{"int64", Type::Number(), "d3fffffffffffffffc", Value::Int(-4)},
        DecodeCase{"int8_positive", Type::Number(), "d005", Value::Int(5)},
        DecodeCase{"uint8_small", Type::Number(), "cc05", Value::Int(5)},
        DecodeCase{"uint16_small", Type::Number(), "cd0005", Value::Int(5)},
        DecodeCase{"uint32_small", Type::Number(), "ce00000005", Value::Int(5)},
        DecodeCase{"uint64_small", Type::Number(), "cf0000000000000005", Value::Int(5)},
        DecodeCase{"uint64_max", Type::Number(), "cfffffffffffffffff", NumV("18446744073709551615")},
        DecodeCase{"float32", Type::Number(), "ca3fc00000", NumV("1.5")},
        DecodeCase{"float64_inexact_decimal", Type::Number(), "cb3fb999999999999a",
                   Value::NumberV(Number::FromDouble(0.1))},
        DecodeCase{"float64_integer", Type::Number(), "cb4000000000000000", Value::Int(2)},
        DecodeCase{"negative_fixint", Type::Number(), "e0", Value::Int(-32)},
        DecodeCase{"string_decimal", Type::Number(), "a3302e31", NumV("0.1")},
        DecodeCase{"string_exponent", Type::Number(), "a3" + HexOf("1e3"), Value::Int(1000)},
        DecodeCase{"string_big", Type::Number(), "b7" + HexOf("12345678901234567890123"),
                   NumV("12345678901234567890123")},
        DecodeCase{"str8_number", Type::Number(), "d903" + HexOf("123"), Value::Int(123)},
        DecodeCase{"bin_number", Type::Number(), "c402" + HexOf("42"), Value::Int(42)}),
    [](const testing::TestParamInfo<DecodeCase>& info) { return info.param.name; });

INSTANTIATE_TEST_SUITE_P(
    Forms, ValueMsgpackDecodeTest,
    testing::Values(
        DecodeCase{"fixstr", Type::String(), "a5616c706861", Value::String("alpha")},
        DecodeCase{"bin8_string", Type::String(), "c405616c706861", Value::String("alpha")},
        DecodeCase{"bin16_string", Type::String(), "c50003616263", Value::String("abc")},
        DecodeCase{"bin32_string", Type::String(), "c600000003616263", Value::String("abc")},
        DecodeCase{"str8", Type::String(), "d903616263", Value::String("abc")},
        DecodeCase{"str16", Type::String(), "da0003616263", Value::String("abc")},
        DecodeCase{"str32", Type::String(), "db00000003616263", Value::String("abc")},
        DecodeCase{"string_with_nul", Type::String(), "a3610062", Value::String(std::string("a\0b", 3))},
        DecodeCase{"true", Type::Bool(), "c3", Value::Bool(true)},
        DecodeCase{"false", Type::Bool(), "c2", Value::Bool(false)},
        DecodeCase{"array16", Type::List(Type::String()), "dc0002a161a162",
                   Value::List(Type::String(), {Value::String("a"), Value::String("b")})},
        DecodeCase{"array32", Type::List(Type::String()), "dd00000002a161a162",
                   Value::List(Type::String(), {Value::String("a"), Value::String("b")})},
        DecodeCase{"map16", Type::Map(Type::Number()), "de0001a16101",
                   Value::Map(Type::Number(), {{"a", Value::Int(1)}})},
        DecodeCase{"map32", Type::Map(Type::Number()), "df00000001a16101",
                   Value::Map(Type::Number(), {{"a", Value::Int(1)}})},
        DecodeCase{"map_bin_key", Type::Map(Type::Number()), "81c4016101",
                   Value::Map(Type::Number(), {{"a", Value::Int(1)}})},
        DecodeCase{"set_drops_duplicates", Type::Set(Type::Number()), "93010201",
                   Value::Set(Type::Number(), {Value::Int(1), Value::Int(2)})},
        DecodeCase{"object_any_key_order", kObjAB, "82 a162 01 a161 a178",
                   Value::ObjectOfType(kObjAB, {{"a", Value::String("x")}, {"b", Value::Int(1)}})},
        DecodeCase{"object_bin_key", Type::Object({{"a", Type::String()}}), "81 c40161 a178",
                   Value::Object({{"a", Value::String("x")}})},
        DecodeCase{"object_null_attrs", kObjAB, "82 a161 c0 a162 c0", Value::ObjectOfType(kObjAB, {})},
        DecodeCase{"empty_object", Type::Object({}), "80", Value::Object({})},
        DecodeCase{"empty_nested_block_list", Type::List(kObjAB), "90", Value::List(kObjAB, {})},
        DecodeCase{"tuple", Type::Tuple({Type::String(), Type::Number()}), "92a16101",
                   Value::Tuple({Value::String("a"), Value::Int(1)})},
        DecodeCase{"protocol_dynamic_example", Type::Dynamic(), kDynamicExampleHex, DynamicExampleValue()},
        DecodeCase{"dynamic_with_str_type", Type::Dynamic(), "92 a8" + HexOf("\"string\"") + " a161",
                   Value::String("a")},
        DecodeCase{"dynamic_of_dynamic", Type::Dynamic(),
                   "92 c409" + HexOf("\"dynamic\"") + " 92 c408" + HexOf("\"string\"") + " a161",
                   Value::String("a")},
        DecodeCase{"dynamic_null", Type::Dynamic(), "c0", Value::Null(Type::Dynamic())},
        DecodeCase{"dynamic_typed_null", Type::Dynamic(), "92 c408" + HexOf("\"string\"") + " c0",
                   Value::Null(Type::String())},
        DecodeCase{"dynamic_typed_unknown", Type::Dynamic(), "92 c408" + HexOf("\"number\"") + " d40000",
                   Value::Unknown(Type::Number())},
        DecodeCase{"list_of_dynamic", Type::List(Type::Dynamic()),
                   "92 92c408" + HexOf("\"number\"") + "01 92c408" + HexOf("\"string\"") + "a161",
                   Value::List(Type::Dynamic(), {Value::Int(1), Value::String("a")})}),
    [](const testing::TestParamInfo<DecodeCase>& info) { return info.param.name; });

// ---------------------------------------------------------------- unknown and null

struct ExtCase {
  std::string name;
  std::string hex;
};

void PrintTo(const ExtCase& c, std::ostream* os) { *os << c.name; }

class ValueMsgpackUnknownTest : public testing::TestWithParam<ExtCase> {};

std::vector<Type> AllKindsOfTypes() {
  return {Type::String(),
          Type::Number(),
          Type::Bool(),
          Type::Dynamic(),
          Type::List(Type::String()),
          Type::Set(Type::Number()),
          Type::Map(Type::Bool()),
          kObjAB,
          Type::Tuple({Type::String(), Type::Dynamic()})};
}

TEST_P(ValueMsgpackUnknownTest, AnyExtIsUnknownOfTheExpectedType) {
  for (const Type& type : AllKindsOfTypes()) {
    Result<Value> v = DecodeMsgpack(Unhex(GetParam().hex), type);
    ASSERT_TRUE(v.ok()) << type.ToJson() << ": " << v.status().ToString();
    EXPECT_EQ(*v, Value::Unknown(type)) << type.ToJson();
  }
}

TEST_P(ValueMsgpackUnknownTest, UnknownAttributeInsideObject) {
  Result<Value> v = DecodeMsgpack(Unhex("82 a161 " + GetParam().hex + " a162 01"), kObjAB);
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(*v, Value::ObjectOfType(kObjAB, {{"a", Value::Unknown(Type::String())}, {"b", Value::Int(1)}}));
  EXPECT_FALSE(v->IsWhollyKnown());
}

INSTANTIATE_TEST_SUITE_P(Cases, ValueMsgpackUnknownTest,
                         testing::Values(ExtCase{"plain_unknown", "d40000"},
                                         ExtCase{"refined_unknown_prefix", "c7090c8201c202a47072652d"},
                                         ExtCase{"refined_unknown_ext16", "c800030c8101c2"},
                                         ExtCase{"refined_unknown_ext32", "c9000000030c8101c2"},
                                         ExtCase{"fixext1_other_type", "d40501"},
                                         ExtCase{"fixext2", "d5000102"}, ExtCase{"fixext4", "d60001020304"},
                                         ExtCase{"fixext8", "d7000102030405060708"},
                                         ExtCase{"fixext16", "d800" + Repeat("ab", 16)},
                                         ExtCase{"ext8_empty", "c70000"}, ExtCase{"ext32_negative_type", "c900000001ff00"}),
                         [](const testing::TestParamInfo<ExtCase>& info) { return info.param.name; });

TEST(ValueMsgpackNullTest, NilIsNullOfEveryType) {
  for (const Type& type : AllKindsOfTypes()) {
    Result<Value> v = DecodeMsgpack(Unhex("c0"), type);
    ASSERT_TRUE(v.ok()) << type.ToJson();
    EXPECT_EQ(*v, Value::Null(type));
    EXPECT_EQ(Hex(EncodeMsgpack(Value::Null(type), type)), "c0");
    EXPECT_EQ(Hex(EncodeMsgpack(Value::Unknown(type), type)), "d40000");
  }
}

TEST(ValueMsgpackUnknownExtraTest, RefinedUnknownInDynamicSlotIsUnknownDynamic) {
  Result<Value> v = DecodeMsgpack(Unhex("c7090c8201c202a47072652d"), Type::Dynamic());
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(*v, Value::Unknown(Type::Dynamic()));
  // Unknown dynamic is encoded as the plain unknown ext, never refined.
  EXPECT_EQ(Hex(EncodeMsgpack(*v, Type::Dynamic())), "d40000");
}

// ---------------------------------------------------------------- encode-only forms

struct EncodeCase {
  std::string name;
  Type schema;
  Value value;
  std::string hex;
};

void PrintTo(const EncodeCase& c, std::ostream* os) { *os << c.name; }

class ValueMsgpackEncodeTest : public testing::TestWithParam<EncodeCase> {};

TEST_P(ValueMsgpackEncodeTest, Encodes) {
  EXPECT_EQ(Hex(EncodeMsgpack(GetParam().value, GetParam().schema)), Hex(Unhex(GetParam().hex)));
}

std::vector<Value> IntList(int n) {
  std::vector<Value> out;
  for (int i = 0; i < n; ++i) {
    out.push_back(Value::Int(i));
  }
  return out;
}

std::map<std::string, Value> SixteenEntries() {
  std::map<std::string, Value> out;
  for (char c = 'a'; c < 'a' + 16; ++c) {
    out.emplace(std::string(1, c), Value::Int(1));
  }
  return out;
}

std::string SixteenEntriesHex() {
  std::string out = "de0010";
  for (char c = 'a'; c < 'a' + 16; ++c) {
    out += "a1" + HexOf(std::string(1, c)) + "01";
  }
  return out;
}

const Type kDynAttrType = Type::Object({{"dyn", Type::Dynamic()}, {"n", Type::Number()}});

INSTANTIATE_TEST_SUITE_P(
    Cases, ValueMsgpackEncodeTest,
    testing::Values(
        EncodeCase{"fixstr", Type::String(), Value::String("alpha"), "a5616c706861"},
        EncodeCase{"empty_string", Type::String(), Value::String(""), "a0"},
        EncodeCase{"fixstr_max", Type::String(), Value::String(std::string(31, 'x')), "bf" + Repeat("78", 31)},
        EncodeCase{"str8", Type::String(), Value::String(std::string(32, 'x')), "d920" + Repeat("78", 32)},
        EncodeCase{"str16", Type::String(), Value::String(std::string(256, 'x')), "da0100" + Repeat("78", 256)},
        EncodeCase{"true", Type::Bool(), Value::Bool(true), "c3"},
        EncodeCase{"false", Type::Bool(), Value::Bool(false), "c2"},
        EncodeCase{"object_sorted_with_missing_as_nil", Type::Object({{"b", Type::Number()}, {"a", Type::String()}}),
                   Value::Object({{"a", Value::String("x")}}), "82 a161 a178 a162 c0"},
        EncodeCase{"object_drops_extra_entries", Type::Object({{"a", Type::String()}}),
                   Value::Object({{"a", Value::String("x")}, {"z", Value::Int(1)}}), "81 a161 a178"},
        EncodeCase{"empty_list", Type::List(Type::String()), Value::List(Type::String(), {}), "90"},
        EncodeCase{"list", Type::List(Type::String()),
                   Value::List(Type::String(), {Value::String("a"), Value::String("b")}), "92a161a162"},
        EncodeCase{"list16", Type::List(Type::Number()), Value::List(Type::Number(), IntList(16)),
                   "dc0010000102030405060708090a0b0c0d0e0f"},
        EncodeCase{"set", Type::Set(Type::Bool()), Value::Set(Type::Bool(), {Value::Bool(true)}), "91c3"},
        EncodeCase{"map_sorted", Type::Map(Type::Number()),
                   Value::Map(Type::Number(), {{"b", Value::Int(2)}, {"a", Value::Int(1)}}), "82a16101a16202"},
        EncodeCase{"map16", Type::Map(Type::Number()), Value::Map(Type::Number(), SixteenEntries()),
                   SixteenEntriesHex()},
        EncodeCase{"tuple", Type::Tuple({Type::String(), Type::Number()}),
                   Value::Tuple({Value::String("a"), Value::Int(1)}), "92a16101"},
        EncodeCase{"protocol_dynamic_example", Type::Dynamic(), DynamicExampleValue(), kDynamicExampleHex},
        EncodeCase{"dynamic_string", Type::Dynamic(), Value::String("hi"),
                   "92 c408" + HexOf("\"string\"") + " a26869"},
        EncodeCase{"dynamic_slot_typed_null_is_nil", Type::Dynamic(), Value::Null(Type::String()), "c0"},
        EncodeCase{"dynamic_attribute", kDynAttrType,
                   Value::ObjectOfType(kDynAttrType, {{"dyn", Value::String("hi")}, {"n", Value::Int(2)}}),
                   "82 a3" + HexOf("dyn") + " 92 c408" + HexOf("\"string\"") + " a26869 a16e 02"},
        EncodeCase{"dynamic_attribute_null", kDynAttrType, Value::ObjectOfType(kDynAttrType, {}),
                   "82 a3" + HexOf("dyn") + " c0 a16e c0"},
        EncodeCase{"list_of_dynamic", Type::List(Type::Dynamic()),
                   Value::List(Type::Dynamic(), {Value::Int(1), Value::String("a")}),
                   "92 92c408" + HexOf("\"number\"") + "01 92c408" + HexOf("\"string\"") + "a161"},
        EncodeCase{"tuple_with_dynamic_element", Type::Tuple({Type::Dynamic()}), Value::Tuple({Value::Bool(true)}),
                   "91 92c406" + HexOf("\"bool\"") + "c3"},
        EncodeCase{"mismatched_kind_uses_value_type", Type::Number(), Value::String("12"), "a23132"}),
    [](const testing::TestParamInfo<EncodeCase>& info) { return info.param.name; });

// ---------------------------------------------------------------- round trips

Type ComplexType() {
  return Type::Object({{"id", Type::String()},
                       {"count", Type::Number()},
                       {"enabled", Type::Bool()},
                       {"names", Type::List(Type::String())},
                       {"ports", Type::Set(Type::Number())},
                       {"labels", Type::Map(Type::String())},
                       {"nested", Type::Object({{"a", Type::String()},
                                                {"b", Type::List(Type::Object({{"x", Type::Number()}}))}})},
                       {"pair", Type::Tuple({Type::String(), Type::Number()})},
                       {"dyn", Type::Dynamic()},
                       {"dyn_null", Type::Dynamic()},
                       {"maybe", Type::String()}});
}

Value ComplexValue(bool with_unknowns) {
  const Type t = ComplexType();
  const Type nested_t = *t.AttributeType("nested");
  const Type x_t = Type::Object({{"x", Type::Number()}});
  Value names = with_unknowns ? Value::List(Type::String(), {Value::String("a"), Value::Unknown(Type::String())})
                              : Value::List(Type::String(), {Value::String("a"), Value::String(std::string(300, 'z'))});
  return Value::ObjectOfType(
      t, {{"id", with_unknowns ? Value::Unknown(Type::String()) : Value::String("cert-1")},
          {"count", NumV("12345678901234567890123")},
          {"enabled", Value::Bool(true)},
          {"names", names},
          {"ports", Value::Set(Type::Number(), {Value::Int(443), NumV("0.1"), NumV("1.5"), Value::Int(-40000)})},
          {"labels", Value::Map(Type::String(), {{"env", Value::String("prod")}, {"", Value::String("")}})},
          {"nested", Value::ObjectOfType(nested_t, {{"a", Value::String("é ✓")},
                                                    {"b", Value::List(x_t, {Value::Object({{"x", Value::Int(1)}}),
                                                                            Value::Object({{"x", NumV("1e20")}})})}})},
          {"pair", Value::TupleOfType(*t.AttributeType("pair"), {Value::String("p"), NumV("-Inf")})},
          {"dyn", with_unknowns ? Value::Unknown(Type::Dynamic()) : DynamicExampleValue()},
          {"dyn_null", Value::Null(Type::Dynamic())},
          {"maybe", Value::Null(Type::String())}});
}

// PrefixLengths: every length below `size`, or for big encodings (where each
// attempt costs O(size)) the first and last 2048 plus an even sample between.
std::vector<std::size_t> PrefixLengths(std::size_t size) {
  std::vector<std::size_t> out;
  for (std::size_t n = 0; n < size; ++n) {
    if (size <= 4096 || n < 2048 || n >= size - 2048 || n % 997 == 0) {
      out.push_back(n);
    }
  }
  return out;
}

struct RoundTripCase {
  std::string name;
  Type type;
  Value value;
};

void PrintTo(const RoundTripCase& c, std::ostream* os) { *os << c.name; }

class ValueMsgpackRoundTripTest : public testing::TestWithParam<RoundTripCase> {};

TEST_P(ValueMsgpackRoundTripTest, DecodeOfEncodeIsIdentity) {
  const std::string bytes = EncodeMsgpack(GetParam().value, GetParam().type);
  Result<Value> back = DecodeMsgpack(bytes, GetParam().type);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, GetParam().value);
  EXPECT_EQ(Hex(EncodeMsgpack(*back, GetParam().type)), Hex(bytes));
}

// Every strict prefix of a valid encoding is incomplete: it must be rejected
// cleanly (this also exercises every bounds check on the way).
TEST_P(ValueMsgpackRoundTripTest, EveryTruncationIsAnError) {
  const std::string bytes = EncodeMsgpack(GetParam().value, GetParam().type);
  for (std::size_t n : PrefixLengths(bytes.size())) {
    Result<Value> v = DecodeMsgpack(std::string_view(bytes).substr(0, n), GetParam().type);
    ASSERT_FALSE(v.ok()) << "prefix of " << n << " bytes decoded";
    EXPECT_EQ(v.status().code(), StatusCode::kInvalidArgument);
  }
}

// Random byte mutations must never crash; whatever decodes must re-encode.
TEST_P(ValueMsgpackRoundTripTest, RandomMutationsNeverCrash) {
  const std::string bytes = EncodeMsgpack(GetParam().value, GetParam().type);
  std::mt19937 rng(12345);
  const int iterations = bytes.size() > 4096 ? 50 : 2000;  // keep huge cases fast
  for (int iter = 0; iter < iterations; ++iter) {
    std::string mutated = bytes;
    const int flips = 1 + static_cast<int>(rng() % 3);
    for (int f = 0; f < flips && !mutated.empty(); ++f) {
      mutated[rng() % mutated.size()] = static_cast<char>(rng() % 256);
    }
    Result<Value> v = DecodeMsgpack(mutated, GetParam().type);
    if (v.ok()) {
      (void)EncodeMsgpack(*v, GetParam().type);
    } else {
      EXPECT_EQ(v.status().code(), StatusCode::kInvalidArgument);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ValueMsgpackRoundTripTest,
    testing::Values(
        RoundTripCase{"complex_all_known", ComplexType(), ComplexValue(false)},
        RoundTripCase{"complex_with_unknowns", ComplexType(), ComplexValue(true)},
        RoundTripCase{"protocol_dynamic_example", Type::Dynamic(), DynamicExampleValue()},
        RoundTripCase{"null_root", ComplexType(), Value::Null(ComplexType())},
        RoundTripCase{"unknown_root", ComplexType(), Value::Unknown(ComplexType())},
        RoundTripCase{"numbers", Type::List(Type::Number()),
                      Value::List(Type::Number(),
                                  {Value::Int(2), Value::Int(-1), Value::Int(300), Value::Int(3000000000),
                                   Value::Int(-40000), NumV("9223372036854775807"), NumV("1.5"), NumV("0.1"),
                                   NumV("1e20"), NumV("18446744073709551615"), NumV("-9223372036854775808"),
                                   NumV("1e-30")})},
        RoundTripCase{"list_of_dynamic", Type::List(Type::Dynamic()),
                      Value::List(Type::Dynamic(), {Value::Int(1), Value::String("a"), DynamicExampleValue()})},
        RoundTripCase{"map_of_objects", Type::Map(kObjAB),
                      Value::Map(kObjAB, {{"k1", Value::ObjectOfType(kObjAB, {{"a", Value::String("v")}})},
                                          {"k2", Value::Null(kObjAB)}})},
        RoundTripCase{"long_string_str32", Type::String(), Value::String(std::string(70000, 's'))},
        RoundTripCase{"long_list_array32", Type::List(Type::Bool()),
                      Value::List(Type::Bool(), std::vector<Value>(70000, Value::Bool(true)))}),
    [](const testing::TestParamInfo<RoundTripCase>& info) { return info.param.name; });

// ---------------------------------------------------------------- errors

struct ErrorCase {
  std::string name;
  Type type;
  std::string hex;
  std::string want_substring;
};

void PrintTo(const ErrorCase& c, std::ostream* os) { *os << c.name; }

class ValueMsgpackErrorTest : public testing::TestWithParam<ErrorCase> {};

TEST_P(ValueMsgpackErrorTest, IsInvalidArgument) {
  Result<Value> v = DecodeMsgpack(Unhex(GetParam().hex), GetParam().type);
  ASSERT_FALSE(v.ok()) << "decoded to " << v->DebugString();
  EXPECT_EQ(v.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(v.status().message().find(GetParam().want_substring), std::string::npos) << v.status().message();
  EXPECT_EQ(v.status().message().rfind("msgpack: ", 0), 0u) << v.status().message();
}

const Type kObjABC = Type::Object({{"a", Type::String()}, {"b", Type::Number()}, {"c", Type::Bool()}});

INSTANTIATE_TEST_SUITE_P(
    Objects, ValueMsgpackErrorTest,
    testing::Values(
        ErrorCase{"missing_attribute", kObjABC, "82 a161 a178 a163 c3",
                  "an object with 3 attributes is required (2 given); missing: \"b\""},
        ErrorCase{"extra_attribute", kObjABC, "84 a161 a178 a162 01 a163 c3 a17a c0",
                  "an object with 3 attributes is required (4 given); unexpected: \"z\""},
        ErrorCase{"missing_and_extra", kObjABC, "82 a161 a178 a17a 9191c0",
                  "an object with 3 attributes is required (2 given); missing: \"b\", \"c\"; unexpected: \"z\""},
        ErrorCase{"renamed_attribute", kObjABC, "83 a161 a178 a162 01 a17a c3",
                  "unsupported attribute \"z\"; missing: \"c\"; unexpected: \"z\""},
        ErrorCase{"duplicate_attribute", kObjABC, "83 a161 a178 a161 a178 a162 01", "duplicate attribute \"a\""},
        ErrorCase{"empty_map_for_object", kObjABC, "80",
                  "an object with 3 attributes is required (0 given); missing: \"a\", \"b\", \"c\""},
        ErrorCase{"attribute_name_not_string", kObjABC, "81 01 02", "object attribute name required"},
        ErrorCase{"array_for_object", kObjABC, "91 c0", "object required (msgpack map)"},
        ErrorCase{"nested_path_in_message",
                  Type::Object({{"outer", Type::List(Type::Object({{"a", Type::String()}}))}}),
                  "81 a5" + HexOf("outer") + " 91 81 a161 01", "msgpack: .outer[0].a: string required, found code 0x01"},
        ErrorCase{"map_path_in_message", Type::Map(Type::Bool()), "81 a16b a0",
                  "msgpack: [\"k\"]: bool required, found code 0xa0"}),
    [](const testing::TestParamInfo<ErrorCase>& info) { return info.param.name; });

INSTANTIATE_TEST_SUITE_P(
    Malformed, ValueMsgpackErrorTest,
    testing::Values(
        ErrorCase{"empty_input", Type::String(), "", "unexpected end of data"},
        ErrorCase{"trailing_bytes", Type::String(), "c0c0", "1 unexpected trailing bytes"},
        ErrorCase{"string_required", Type::String(), "01", "string required, found code 0x01"},
        ErrorCase{"bool_required", Type::Bool(), "a161", "bool required"},
        ErrorCase{"number_required", Type::Number(), "c3", "number required, found code 0xc3"},
        ErrorCase{"never_used_code", Type::Number(), "c1", "number required, found code 0xc1"},
        ErrorCase{"never_used_code_skipped", Type::Object({}), "81 a17a c1", "invalid code 0xc1"},
        ErrorCase{"nan_float64", Type::Number(), "cb7ff8000000000000", "NaN"},
        ErrorCase{"nan_float32", Type::Number(), "ca7fc00000", "NaN"},
        ErrorCase{"invalid_number_string", Type::Number(), "a3616263", "invalid number \"abc\""},
        ErrorCase{"number_string_too_long", Type::Number(), "a6" + HexOf("1e9999"), "digits"},
        ErrorCase{"list_required", Type::List(Type::String()), "80", "list required (msgpack array)"},
        ErrorCase{"map_required", Type::Map(Type::String()), "90", "map required (msgpack map)"},
        ErrorCase{"map_key_not_string", Type::Map(Type::Number()), "81 01 01", "map key required"},
        ErrorCase{"duplicate_map_key", Type::Map(Type::Number()), "82 a161 01 a161 02", "duplicate map key \"a\""},
        ErrorCase{"tuple_too_short", Type::Tuple({Type::String(), Type::String()}), "91 a161",
                  "a tuple of length 2 is required (1 given)"},
        ErrorCase{"tuple_too_long", Type::Tuple({}), "91 a161", "a tuple of length 0 is required (1 given)"},
        ErrorCase{"dynamic_not_array", Type::Dynamic(), "81 a178 01", "dynamic value [type, value] required"},
        ErrorCase{"dynamic_three_elements", Type::Dynamic(), "93 c408" + HexOf("\"string\"") + " a161 c0",
                  "2-element array"},
        ErrorCase{"dynamic_type_not_bytes", Type::Dynamic(), "92 01 01", "dynamic value type JSON required"},
        ErrorCase{"dynamic_bad_type_json", Type::Dynamic(), "92 c403" + HexOf("foo") + " 01",
                  "dynamic value: invalid type JSON"},
        ErrorCase{"dynamic_unknown_type_name", Type::Dynamic(), "92 c405" + HexOf("\"foo\"") + " 01",
                  "invalid primitive type name"},
        ErrorCase{"dynamic_value_wrong_kind", Type::Dynamic(), "92 c408" + HexOf("\"number\"") + " c3",
                  "number required, found code 0xc3"}),
    [](const testing::TestParamInfo<ErrorCase>& info) { return info.param.name; });

INSTANTIATE_TEST_SUITE_P(
    HugeLengths, ValueMsgpackErrorTest,
    testing::Values(
        ErrorCase{"array32", Type::List(Type::String()), "ddffffffff", "unexpected end of data"},
        ErrorCase{"array16", Type::List(Type::String()), "dcffff01", "unexpected end of data"},
        ErrorCase{"map32", Type::Map(Type::String()), "dfffffffff", "unexpected end of data"},
        ErrorCase{"map32_object", kObjABC, "df7fffffff", "unexpected end of data"},
        ErrorCase{"map32_skipped", Type::Object({}), "81 a17a dfffffffff", "unexpected end of data"},
        ErrorCase{"str32", Type::String(), "dbffffffff61", "unexpected end of data"},
        ErrorCase{"bin32", Type::String(), "c6ffffffff61", "unexpected end of data"},
        ErrorCase{"ext32", Type::String(), "c9ffffffff00", "unexpected end of data"},
        ErrorCase{"ext8", Type::String(), "c7ff00", "unexpected end of data"},
        ErrorCase{"fixext16", Type::String(), "d80001", "unexpected end of data"},
        ErrorCase{"dynamic_type_bin32", Type::Dynamic(), "92c6ffffffff", "unexpected end of data"},
        ErrorCase{"number_str32", Type::Number(), "dbffffffff", "unexpected end of data"},
        ErrorCase{"object_key_str32", kObjABC, "81dbffffffff", "unexpected end of data"}),
    [](const testing::TestParamInfo<ErrorCase>& info) { return info.param.name; });

INSTANTIATE_TEST_SUITE_P(
    DeepNesting, ValueMsgpackErrorTest,
    testing::Values(
        ErrorCase{"nested_lists", NestedList(100), Repeat("91", 100) + "a161", "nesting deeper than 64 levels"},
        ErrorCase{"nested_lists_10000", NestedList(10000), Repeat("91", 10000) + "a161",
                  "nesting deeper than 64 levels"},
        ErrorCase{"nested_dynamic", Type::Dynamic(), Repeat("92c409" + HexOf("\"dynamic\""), 1000) + "c0",
                  "nesting deeper than 64 levels"},
        ErrorCase{"nested_skipped_arrays", Type::Object({}), "81 a17a" + Repeat("91", 10000) + "c0",
                  "nesting deeper than 64 levels"},
        ErrorCase{"nested_skipped_maps", Type::Object({}), "81 a17a" + Repeat("81c0", 10000) + "c0",
                  "nesting deeper than 64 levels"}),
    [](const testing::TestParamInfo<ErrorCase>& info) { return info.param.name; });

TEST(ValueMsgpackDepthTest, NestingWithinLimitDecodes) {
  const Type t = NestedList(60);
  Result<Value> v = DecodeMsgpack(Unhex(Repeat("91", 60) + "a161"), t);
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(Hex(EncodeMsgpack(*v, t)), Repeat("91", 60) + "a161");
}

TEST(ValueMsgpackFuzzTest, RandomBytesNeverCrash) {
  std::mt19937 rng(987654321);
  const std::vector<Type> types = {Type::Dynamic(), ComplexType(), Type::List(Type::Dynamic()),
                                   Type::Map(Type::Number()), NestedList(5)};
  for (int iter = 0; iter < 20000; ++iter) {
    std::string bytes(rng() % 48, '\0');
    for (char& c : bytes) {
      c = static_cast<char>(rng() % 256);
    }
    for (const Type& t : types) {
      Result<Value> v = DecodeMsgpack(bytes, t);
      if (!v.ok()) {
        EXPECT_EQ(v.status().code(), StatusCode::kInvalidArgument);
      }
    }
  }
}

}  // namespace
}  // namespace ionos::tf
