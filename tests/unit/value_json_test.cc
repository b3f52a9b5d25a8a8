// Unit tests for plugin/value/json_codec.h: RawState JSON decoding (cty's JSON encoding)
// with exact numbers and the dynamic {"value","type"} form, JSON
// encoding, malformed input, and the RawState -> msgpack conversion.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "plugin/value/json_codec.h"
#include "plugin/value/msgpack.h"

namespace ionos::tf {
namespace {

Number Num(const std::string& text) {
  Result<Number> n = Number::FromText(text);
  EXPECT_TRUE(n.ok()) << text;
  return n.value_or(Number());
}

Value NumV(const std::string& text) { return Value::NumberV(Num(text)); }

std::string Repeat(const std::string& s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) {
    out += s;
  }
  return out;
}

Type NestedList(int levels) {
  Type t = Type::Number();
  for (int i = 0; i < levels; ++i) {
    t = Type::List(t);
  }
  return t;
}

const Type kExampleDynType = Type::Object({{"x", Type::Number()}, {"y", Type::Tuple({Type::String()})}});

Value ExampleDynValue() {
  return Value::Object({{"x", Value::Int(1)}, {"y", Value::Tuple({Value::String("a")})}});
}

Type StateType() {
  return Type::Object({{"id", Type::String()},
                       {"count", Type::Number()},
                       {"enabled", Type::Bool()},
                       {"tags", Type::Map(Type::String())},
                       {"names", Type::List(Type::String())},
                       {"ids", Type::Set(Type::Number())},
                       {"nested", Type::Object({{"a", Type::String()}})},
                       {"dyn", Type::Dynamic()},
                       {"tup", Type::Tuple({Type::String(), Type::Number()})},
                       {"blocks", Type::List(Type::Object({{"x", Type::Number()}}))},
                       {"note", Type::String()}});
}

// Pretty-printed as in the plan phase [cty's type JSON]; "note" is absent.
const char* kPrettyRawState = R"({
  "blocks": [],
  "count": 12345678901234567890123,
  "dyn": {
    "value": {"x": 1, "y": ["a"]},
    "type": ["object", {"x": "number", "y": ["tuple", ["string"]]}]
  },
  "enabled": true,
  "id": "abc",
  "ids": [3, 1, 2],
  "names": ["a", "b"],
  "nested": {"a": "x"},
  "tags": {"env": "prod"},
  "tup": ["s", 0.1]
})";

// Compact as in the apply phase, with "note" present and null.
const char* kCompactRawState =
    R"({"blocks":[],"count":12345678901234567890123,"dyn":{"value":{"x":1,"y":["a"]},"type":["object",{"x":"number","y":["tuple",["string"]]}]},"enabled":true,"id":"abc","ids":[3,1,2],"names":["a","b"],"nested":{"a":"x"},"note":null,"tags":{"env":"prod"},"tup":["s",0.1]})";

Value StateValue() {
  const Type t = StateType();
  return Value::ObjectOfType(
      t, {{"id", Value::String("abc")},
          {"count", NumV("12345678901234567890123")},
          {"enabled", Value::Bool(true)},
          {"tags", Value::Map(Type::String(), {{"env", Value::String("prod")}})},
          {"names", Value::List(Type::String(), {Value::String("a"), Value::String("b")})},
          {"ids", Value::Set(Type::Number(), {Value::Int(3), Value::Int(1), Value::Int(2)})},
          {"nested", Value::Object({{"a", Value::String("x")}})},
          {"dyn", ExampleDynValue()},
          {"tup", Value::TupleOfType(*t.AttributeType("tup"), {Value::String("s"), NumV("0.1")})},
          {"blocks", Value::List(Type::Object({{"x", Type::Number()}}), {})}});
}

// ---------------------------------------------------------------- RawState

TEST(ValueJsonRawStateTest, PrettyRawStateDecodes) {
  Result<Value> v = DecodeJson(kPrettyRawState, StateType());
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(*v, StateValue());
  EXPECT_EQ(v->GetAttr("count").as_number().text(), "12345678901234567890123");
  EXPECT_EQ(v->GetAttr("tup").elements()[1].as_number().text(), "0.1");
  EXPECT_EQ(v->GetAttr("dyn").type(), kExampleDynType);
  EXPECT_EQ(v->GetAttr("note"), Value::Null(Type::String()));
}

TEST(ValueJsonRawStateTest, CompactRawStateDecodesTheSame) {
  Result<Value> v = DecodeJson(kCompactRawState, StateType());
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(*v, StateValue());
}

TEST(ValueJsonRawStateTest, EncodeGivesCompactSortedJson) {
  Result<std::string> json = EncodeJson(StateValue(), StateType());
  ASSERT_TRUE(json.ok()) << json.status().ToString();
  EXPECT_EQ(*json, kCompactRawState);
}

// cty JSON pitfall: the dynamic attribute must become [bin(type), value]
// in msgpack, not a msgpack map.
TEST(ValueJsonRawStateTest, ConvertsToMsgpackWithDynamicAsTypeValuePair) {
  const Type t = Type::Object({{"dyn", Type::Dynamic()}});
  Result<Value> v = DecodeJson(
      R"({"dyn":{"value":{"x":1,"y":["a"]},"type":["object",{"x":"number","y":["tuple",["string"]]}]}})", t);
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  const std::string bytes = EncodeMsgpack(*v, t);
  const std::string type_json = R"(["object",{"x":"number","y":["tuple",["string"]]}])";
  const std::string want = std::string("\x81\xa3" "dyn" "\x92\xc4\x32", 8) + type_json +
                           std::string("\x82\xa1x\x01\xa1y\x91\xa1" "a", 9);
  EXPECT_EQ(bytes, want);
  Result<Value> back = DecodeMsgpack(bytes, t);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, *v);
}

TEST(ValueJsonRawStateTest, FullStateSurvivesJsonToMsgpackToJson) {
  Result<Value> v = DecodeJson(kPrettyRawState, StateType());
  ASSERT_TRUE(v.ok());
  Result<Value> via_msgpack = DecodeMsgpack(EncodeMsgpack(*v, StateType()), StateType());
  ASSERT_TRUE(via_msgpack.ok()) << via_msgpack.status().ToString();
  EXPECT_EQ(*via_msgpack, *v);
  Result<std::string> json = EncodeJson(*via_msgpack, StateType());
  ASSERT_TRUE(json.ok());
  EXPECT_EQ(*json, kCompactRawState);
}

// ---------------------------------------------------------------- decode table

struct DecodeCase {
  std::string name;
  Type type;
  std::string json;
  Value want;
};

void PrintTo(const DecodeCase& c, std::ostream* os) { *os << c.name; }

class ValueJsonDecodeTest : public testing::TestWithParam<DecodeCase> {};

TEST_P(ValueJsonDecodeTest, Decodes) {
  Result<Value> v = DecodeJson(GetParam().json, GetParam().type);
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(*v, GetParam().want);
}

const Type kObjAB = Type::Object({{"a", Type::String()}, {"b", Type::Number()}});

INSTANTIATE_TEST_SUITE_P(
    Numbers, ValueJsonDecodeTest,
    testing::Values(
        DecodeCase{"big_integer_exact", Type::Number(), "12345678901234567890123", NumV("12345678901234567890123")},
        DecodeCase{"uint64_max", Type::Number(), "18446744073709551615", NumV("18446744073709551615")},
        DecodeCase{"int64_min", Type::Number(), "-9223372036854775808", NumV("-9223372036854775808")},
        DecodeCase{"decimal_not_rounded_through_double", Type::Number(), "0.1", NumV("0.1")},
        DecodeCase{"many_decimals", Type::Number(), "3.14159265358979323846264338327950288",
                   NumV("3.14159265358979323846264338327950288")},
        DecodeCase{"exponent", Type::Number(), "1.5e-3", NumV("0.0015")},
        DecodeCase{"exponent_upper", Type::Number(), "2E+2", Value::Int(200)},
        DecodeCase{"beyond_double_range", Type::Number(), "1e400", NumV("1e400")},
        DecodeCase{"integer_with_400_digits", Type::Number(), "1" + std::string(400, '0'),
                   NumV("1" + std::string(400, '0'))},
        DecodeCase{"negative_zero", Type::Number(), "-0", Value::Int(0)},
        DecodeCase{"trailing_fraction_zero", Type::Number(), "2.50", NumV("2.5")},
        DecodeCase{"number_from_string", Type::Number(), R"("42")", Value::Int(42)},
        DecodeCase{"big_number_from_string", Type::Number(), R"("12345678901234567890123.5")",
                   NumV("12345678901234567890123.5")}),
    [](const testing::TestParamInfo<DecodeCase>& info) { return info.param.name; });

INSTANTIATE_TEST_SUITE_P(
    Primitives, ValueJsonDecodeTest,
    testing::Values(
        DecodeCase{"string", Type::String(), R"("hello")", Value::String("hello")},
        DecodeCase{"string_escapes", Type::String(), R"("a\n\t\"\\\/\b\f\r\u00e9")",
                   Value::String("a\n\t\"\\/\b\f\r\xc3\xa9")},
        DecodeCase{"surrogate_pair", Type::String(), R"("\ud83d\ude00")", Value::String("\xf0\x9f\x98\x80")},
        DecodeCase{"lone_high_surrogate", Type::String(), R"("\ud800x")", Value::String("\xef\xbf\xbdx")},
        DecodeCase{"lone_low_surrogate", Type::String(), R"("\udc00")", Value::String("\xef\xbf\xbd")},
        DecodeCase{"high_then_non_low_escape", Type::String(), R"("\ud800\u0041")",
                   Value::String("\xef\xbf\xbd" "A")},
        DecodeCase{"raw_utf8", Type::String(), "\"\xc3\xa9\xe2\x9c\x93\"", Value::String("\xc3\xa9\xe2\x9c\x93")},
        DecodeCase{"invalid_utf8_replaced", Type::String(), "\"a\xff" "b\"", Value::String("a\xef\xbf\xbd" "b")},
        DecodeCase{"overlong_utf8_replaced", Type::String(), "\"\xc0\xaf\"",
                   Value::String("\xef\xbf\xbd\xef\xbf\xbd")},
        DecodeCase{"string_from_number_literal", Type::String(), "1.50", Value::String("1.50")},
        DecodeCase{"string_from_bool", Type::String(), "true", Value::String("true")},
        DecodeCase{"bool_true", Type::Bool(), "true", Value::Bool(true)},
        DecodeCase{"bool_from_string", Type::Bool(), R"("false")", Value::Bool(false)},
        DecodeCase{"null_string", Type::String(), "null", Value::Null(Type::String())},
        DecodeCase{"null_object", kObjAB, " null ", Value::Null(kObjAB)}),
    [](const testing::TestParamInfo<DecodeCase>& info) { return info.param.name; });

INSTANTIATE_TEST_SUITE_P(
    Structures, ValueJsonDecodeTest,
    testing::Values(
        DecodeCase{"object_missing_attributes_are_null", kObjAB, "{}", Value::ObjectOfType(kObjAB, {})},
        DecodeCase{"object_partial", kObjAB, R"({"b": 7})", Value::ObjectOfType(kObjAB, {{"b", Value::Int(7)}})},
        DecodeCase{"object_whitespace", kObjAB, " \n\t{ \"a\" : \"x\" ,\r\n \"b\" : null } \n",
                   Value::ObjectOfType(kObjAB, {{"a", Value::String("x")}})},
        DecodeCase{"list", Type::List(Type::Number()), "[1, 2.5]",
                   Value::List(Type::Number(), {Value::Int(1), NumV("2.5")})},
        DecodeCase{"empty_list", Type::List(Type::Number()), "[]", Value::List(Type::Number(), {})},
        DecodeCase{"set_drops_duplicates", Type::Set(Type::String()), R"(["a","b","a"])",
                   Value::Set(Type::String(), {Value::String("a"), Value::String("b")})},
        DecodeCase{"map", Type::Map(Type::Bool()), R"({"x": true, "y": false})",
                   Value::Map(Type::Bool(), {{"x", Value::Bool(true)}, {"y", Value::Bool(false)}})},
        DecodeCase{"tuple", Type::Tuple({Type::String(), Type::Bool()}), R"(["a", true])",
                   Value::Tuple({Value::String("a"), Value::Bool(true)})},
        DecodeCase{"list_of_objects", Type::List(kObjAB), R"([{"a":"x"},null])",
                   Value::List(kObjAB, {Value::ObjectOfType(kObjAB, {{"a", Value::String("x")}}), Value::Null(kObjAB)})},
        DecodeCase{"nesting_within_limit", NestedList(60), Repeat("[", 60) + "1" + Repeat("]", 60),
                   [] {
                     Value v = Value::Int(1);
                     Type t = Type::Number();
                     for (int i = 0; i < 60; ++i) {
                       v = Value::List(t, {v});
                       t = Type::List(t);
                     }
                     return v;
                   }()}),
    [](const testing::TestParamInfo<DecodeCase>& info) { return info.param.name; });

INSTANTIATE_TEST_SUITE_P(
    Dynamic, ValueJsonDecodeTest,
    testing::Values(
        DecodeCase{"protocol_example", Type::Dynamic(),
                   R"({"value":{"x":1,"y":["a"]},"type":["object",{"x":"number","y":["tuple",["string"]]}]})",
                   ExampleDynValue()},
        DecodeCase{"type_before_value", Type::Dynamic(), R"({"type":"number","value":5})", Value::Int(5)},
        DecodeCase{"list", Type::Dynamic(), R"({"value":[1,2],"type":["list","number"]})",
                   Value::List(Type::Number(), {Value::Int(1), Value::Int(2)})},
        DecodeCase{"big_number", Type::Dynamic(), R"({"value":12345678901234567890123,"type":"number"})",
                   NumV("12345678901234567890123")},
        DecodeCase{"null", Type::Dynamic(), "null", Value::Null(Type::Dynamic())},
        DecodeCase{"typed_null", Type::Dynamic(), R"({"value":null,"type":"string"})", Value::Null(Type::String())},
        DecodeCase{"dynamic_of_dynamic", Type::Dynamic(), R"({"value":{"value":"s","type":"string"},"type":"dynamic"})",
                   Value::String("s")},
        DecodeCase{"dynamic_attribute", Type::Object({{"d", Type::Dynamic()}}),
                   R"({"d":{"value":true,"type":"bool"}})",
                   Value::ObjectOfType(Type::Object({{"d", Type::Dynamic()}}), {{"d", Value::Bool(true)}})}),
    [](const testing::TestParamInfo<DecodeCase>& info) { return info.param.name; });

// ---------------------------------------------------------------- decode errors

struct ErrorCase {
  std::string name;
  Type type;
  std::string json;
  std::string want_substring;
};

void PrintTo(const ErrorCase& c, std::ostream* os) { *os << c.name; }

class ValueJsonDecodeErrorTest : public testing::TestWithParam<ErrorCase> {};

TEST_P(ValueJsonDecodeErrorTest, IsInvalidArgument) {
  Result<Value> v = DecodeJson(GetParam().json, GetParam().type);
  ASSERT_FALSE(v.ok()) << "decoded to " << v->DebugString();
  EXPECT_EQ(v.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(v.status().message().find(GetParam().want_substring), std::string::npos) << v.status().message();
  EXPECT_EQ(v.status().message().rfind("json: ", 0), 0u) << v.status().message();
}

INSTANTIATE_TEST_SUITE_P(
    Schema, ValueJsonDecodeErrorTest,
    testing::Values(
        ErrorCase{"unsupported_attribute", kObjAB, R"({"a":"x","zz":1})", "json: unsupported attribute \"zz\""},
        ErrorCase{"nested_unsupported_attribute", StateType(), R"({"nested":{"a":"x","q":1}})",
                  "json: .nested: unsupported attribute \"q\""},
        ErrorCase{"string_from_object", Type::String(), "{}", "string required, found JSON object"},
        ErrorCase{"number_from_bool", Type::Number(), "true", "number required, found JSON bool"},
        ErrorCase{"number_from_bad_string", Type::Number(), R"("abc")", "invalid number \"abc\""},
        ErrorCase{"bool_from_number", Type::Bool(), "1", "bool required, found JSON number"},
        ErrorCase{"bool_from_other_string", Type::Bool(), R"("yes")", "bool required, found JSON string"},
        ErrorCase{"list_from_object", Type::List(Type::String()), "{}", "list of string required, found JSON object"},
        ErrorCase{"map_from_array", Type::Map(Type::String()), "[]", "map of string required, found JSON array"},
        ErrorCase{"object_from_string", kObjAB, R"("x")", "object required, found JSON string"},
        ErrorCase{"tuple_length", Type::Tuple({Type::String()}), R"(["a","b"])",
                  "a tuple of length 1 is required (2 given)"},
        ErrorCase{"element_path", StateType(), R"({"names":["a",{}]})",
                  "json: .names[1]: string required, found JSON object"},
        ErrorCase{"map_path", Type::Map(Type::Number()), R"({"k":"x"})", "json: [\"k\"]: invalid number \"x\""},
        ErrorCase{"number_too_long", Type::Number(), "1e99999", "digits"}),
    [](const testing::TestParamInfo<ErrorCase>& info) { return info.param.name; });

INSTANTIATE_TEST_SUITE_P(
    Dynamic, ValueJsonDecodeErrorTest,
    testing::Values(
        ErrorCase{"not_object", Type::Dynamic(), "[1]", "dynamic value must be a JSON object"},
        ErrorCase{"plain_string", Type::Dynamic(), R"("s")", "dynamic value must be a JSON object"},
        ErrorCase{"missing_type", Type::Dynamic(), R"({"value":1})", "missing \"type\" in dynamic value"},
        ErrorCase{"missing_value", Type::Dynamic(), R"({"type":"number"})", "missing \"value\" in dynamic value"},
        ErrorCase{"extra_key", Type::Dynamic(), R"({"value":1,"type":"number","x":0})",
                  "unsupported key \"x\" in dynamic value"},
        ErrorCase{"bad_type", Type::Dynamic(), R"({"value":1,"type":"float"})", "invalid primitive type name"},
        ErrorCase{"type_is_number", Type::Dynamic(), R"({"value":1,"type":7})", "invalid type JSON"},
        ErrorCase{"value_wrong_kind", Type::Dynamic(), R"({"value":"x","type":["list","string"]})",
                  "list of string required, found JSON string"},
        ErrorCase{"attribute_path", Type::Object({{"dyn", Type::Dynamic()}}), R"({"dyn":{"value":1}})",
                  "json: .dyn: missing \"type\" in dynamic value"}),
    [](const testing::TestParamInfo<ErrorCase>& info) { return info.param.name; });

INSTANTIATE_TEST_SUITE_P(
    Syntax, ValueJsonDecodeErrorTest,
    testing::Values(
        ErrorCase{"empty", kObjAB, "", "unexpected end of input"},
        ErrorCase{"only_space", kObjAB, "  \n", "unexpected end of input"},
        ErrorCase{"unterminated_object", kObjAB, "{", "object key must be a string"},
        ErrorCase{"missing_value", kObjAB, R"({"a":})", "unexpected character"},
        ErrorCase{"missing_colon", kObjAB, R"({"a" "x"})", "expected ':'"},
        ErrorCase{"trailing_comma_array", Type::List(Type::Number()), "[1,]", "unexpected character"},
        ErrorCase{"trailing_comma_object", kObjAB, R"({"a":"x",})", "object key must be a string"},
        ErrorCase{"missing_comma", Type::List(Type::Number()), "[1 2]", "expected ',' or ']'"},
        ErrorCase{"non_string_key", kObjAB, "{1:2}", "object key must be a string"},
        ErrorCase{"leading_zero", Type::Number(), "01", "unexpected data after the JSON value"},
        ErrorCase{"point_without_digits", Type::Number(), "1.", "digits required after '.'"},
        ErrorCase{"leading_point", Type::Number(), ".5", "unexpected character"},
        ErrorCase{"lone_minus", Type::Number(), "-", "invalid number"},
        ErrorCase{"exponent_without_digits", Type::Number(), "1e", "digits required in exponent"},
        ErrorCase{"plus_sign", Type::Number(), "+1", "unexpected character"},
        ErrorCase{"nan", Type::Number(), "NaN", "unexpected character"},
        ErrorCase{"infinity", Type::Number(), "Infinity", "unexpected character"},
        ErrorCase{"truncated_true", Type::Bool(), "tru", "unexpected character"},
        ErrorCase{"truncated_null", Type::Bool(), "nul", "unexpected character"},
        ErrorCase{"unterminated_string", Type::String(), R"("abc)", "unterminated string"},
        ErrorCase{"bad_escape", Type::String(), R"("\x")", "invalid escape sequence"},
        ErrorCase{"short_unicode_escape", Type::String(), R"("\u12")", "\\u escape"},
        ErrorCase{"bad_unicode_escape", Type::String(), R"("\u12g4")", "invalid \\u escape"},
        ErrorCase{"control_character", Type::String(), "\"a\x01" "b\"", "control character in string"},
        ErrorCase{"raw_newline", Type::String(), "\"a\nb\"", "control character in string"},
        ErrorCase{"trailing_garbage", kObjAB, "{} x", "unexpected data after the JSON value"},
        ErrorCase{"two_documents", kObjAB, "{}{}", "unexpected data after the JSON value"},
        ErrorCase{"duplicate_key", kObjAB, R"({"a":"x","a":"y"})", "duplicate object key \"a\""},
        ErrorCase{"too_deep", NestedList(100), Repeat("[", 100) + "1" + Repeat("]", 100),
                  "nesting deeper than 64 levels"},
        ErrorCase{"too_deep_unterminated", NestedList(3), Repeat("[", 100000), "nesting deeper than 64 levels"},
        ErrorCase{"too_deep_objects", Type::Dynamic(), Repeat(R"({"a":)", 100000), "nesting deeper than 64 levels"}),
    [](const testing::TestParamInfo<ErrorCase>& info) { return info.param.name; });

TEST(ValueJsonDecodeTruncationTest, EveryTruncationOfRawStateIsAnError) {
  const std::string text = kCompactRawState;
  for (std::size_t n = 0; n < text.size(); ++n) {
    Result<Value> v = DecodeJson(std::string_view(text).substr(0, n), StateType());
    ASSERT_FALSE(v.ok()) << "prefix of " << n << " bytes decoded";
    EXPECT_EQ(v.status().code(), StatusCode::kInvalidArgument);
  }
}

// ---------------------------------------------------------------- encode

struct EncodeCase {
  std::string name;
  Type schema;
  Value value;
  std::string json;
};

void PrintTo(const EncodeCase& c, std::ostream* os) { *os << c.name; }

class ValueJsonEncodeTest : public testing::TestWithParam<EncodeCase> {};

TEST_P(ValueJsonEncodeTest, Encodes) {
  Result<std::string> json = EncodeJson(GetParam().value, GetParam().schema);
  ASSERT_TRUE(json.ok()) << json.status().ToString();
  EXPECT_EQ(*json, GetParam().json);
}

TEST_P(ValueJsonEncodeTest, DecodesBack) {
  Result<Value> v = DecodeJson(GetParam().json, GetParam().schema);
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  Result<std::string> again = EncodeJson(*v, GetParam().schema);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(*again, GetParam().json);
}

const Type kDynAttr = Type::Object({{"d", Type::Dynamic()}});

INSTANTIATE_TEST_SUITE_P(
    Cases, ValueJsonEncodeTest,
    testing::Values(
        EncodeCase{"string_escaping", Type::String(), Value::String("a\"b\\c\n\x01\xc3\xa9"),
                   R"("a\"b\\c\n\u0001é")"},
        EncodeCase{"invalid_utf8_replaced", Type::String(), Value::String("a\xff"), "\"a\xef\xbf\xbd\""},
        EncodeCase{"big_number", Type::Number(), NumV("12345678901234567890123"), "12345678901234567890123"},
        EncodeCase{"decimal", Type::Number(), NumV("-0.1"), "-0.1"},
        EncodeCase{"bool", Type::Bool(), Value::Bool(false), "false"},
        EncodeCase{"null", Type::String(), Value::Null(Type::String()), "null"},
        EncodeCase{"object_missing_attribute_is_null", kObjAB, Value::Object({{"b", Value::Int(2)}}),
                   R"({"a":null,"b":2})"},
        EncodeCase{"empty_object", Type::Object({}), Value::Object({}), "{}"},
        EncodeCase{"empty_list", Type::List(Type::String()), Value::List(Type::String(), {}), "[]"},
        EncodeCase{"set", Type::Set(Type::Number()), Value::Set(Type::Number(), {Value::Int(2), Value::Int(1)}),
                   "[2,1]"},
        EncodeCase{"map_sorted", Type::Map(Type::Number()),
                   Value::Map(Type::Number(), {{"z", Value::Int(1)}, {"a", Value::Int(2)}}), R"({"a":2,"z":1})"},
        EncodeCase{"tuple", Type::Tuple({Type::String(), Type::Number()}),
                   Value::Tuple({Value::String("a"), Value::Int(1)}), R"(["a",1])"},
        EncodeCase{"dynamic_protocol_example", Type::Dynamic(), ExampleDynValue(),
                   R"({"value":{"x":1,"y":["a"]},"type":["object",{"x":"number","y":["tuple",["string"]]}]})"},
        EncodeCase{"dynamic_null", Type::Dynamic(), Value::Null(Type::Dynamic()), "null"},
        EncodeCase{"dynamic_typed_null", Type::Dynamic(), Value::Null(Type::String()),
                   R"({"value":null,"type":"string"})"},
        EncodeCase{"dynamic_attribute", kDynAttr, Value::ObjectOfType(kDynAttr, {{"d", Value::Int(3)}}),
                   R"({"d":{"value":3,"type":"number"}})"},
        EncodeCase{"dynamic_attribute_null", kDynAttr, Value::ObjectOfType(kDynAttr, {}), R"({"d":null})"},
        EncodeCase{"list_of_dynamic", Type::List(Type::Dynamic()),
                   Value::List(Type::Dynamic(), {Value::Bool(true), Value::String("s")}),
                   R"([{"value":true,"type":"bool"},{"value":"s","type":"string"}])"}),
    [](const testing::TestParamInfo<EncodeCase>& info) { return info.param.name; });

struct EncodeErrorCase {
  std::string name;
  Type schema;
  Value value;
  std::string want_substring;
};

void PrintTo(const EncodeErrorCase& c, std::ostream* os) { *os << c.name; }

class ValueJsonEncodeErrorTest : public testing::TestWithParam<EncodeErrorCase> {};

TEST_P(ValueJsonEncodeErrorTest, IsInvalidArgument) {
  Result<std::string> json = EncodeJson(GetParam().value, GetParam().schema);
  ASSERT_FALSE(json.ok()) << "encoded to " << *json;
  EXPECT_EQ(json.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(json.status().message().find(GetParam().want_substring), std::string::npos) << json.status().message();
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ValueJsonEncodeErrorTest,
    testing::Values(
        EncodeErrorCase{"unknown_root", Type::String(), Value::Unknown(Type::String()), "json: value is not known"},
        EncodeErrorCase{"unknown_dynamic_root", Type::Dynamic(), Value::Unknown(Type::Dynamic()),
                        "json: value is not known"},
        EncodeErrorCase{"unknown_nested", StateType(),
                        Value::ObjectOfType(StateType(), {{"names", Value::List(Type::String(),
                                                                                {Value::String("a"),
                                                                                 Value::Unknown(Type::String())})}}),
                        "json: .names[1]: value is not known"},
        EncodeErrorCase{"unknown_inside_dynamic", kDynAttr,
                        Value::ObjectOfType(kDynAttr, {{"d", Value::List(Type::Number(), {Value::Unknown(Type::Number())})}}),
                        "json: .d[0]: value is not known"},
        EncodeErrorCase{"infinity", Type::Number(), NumV("+Inf"), "infinity cannot be represented in JSON"},
        EncodeErrorCase{"kind_mismatch", Type::Number(), Value::String("1"), "number required, got string"},
        EncodeErrorCase{"tuple_length", Type::Tuple({Type::String()}), Value::Tuple({}),
                        "a tuple of length 1 is required (0 given)"},
        EncodeErrorCase{"extra_attribute", kObjAB, Value::Object({{"a", Value::String("x")}, {"z", Value::Int(1)}}),
                        "unsupported attribute \"z\""}),
    [](const testing::TestParamInfo<EncodeErrorCase>& info) { return info.param.name; });

}  // namespace
}  // namespace ionos::tf
