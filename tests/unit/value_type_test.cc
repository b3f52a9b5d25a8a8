// Unit tests for plugin/value/type.h and plugin/value/value.h: cty types and
// their JSON form (cty's type JSON), Number canonical text, Value semantics.
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "plugin/value/type.h"
#include "plugin/value/value.h"

namespace ionos::tf {
namespace {

std::string NestedListJson(int levels) {
  std::string out;
  for (int i = 0; i < levels; ++i) {
    out += "[\"list\",";
  }
  out += "\"string\"";
  out += std::string(static_cast<std::size_t>(levels), ']');
  return out;
}

Number Num(const std::string& text) {
  Result<Number> n = Number::FromText(text);
  EXPECT_TRUE(n.ok()) << text << ": " << n.status().ToString();
  return n.value_or(Number());
}

// ---------------------------------------------------------------- Type JSON

struct TypeJsonCase {
  std::string name;
  Type type;
  std::string json;
};

void PrintTo(const TypeJsonCase& c, std::ostream* os) { *os << c.name; }

class ValueTypeJsonTest : public testing::TestWithParam<TypeJsonCase> {};

TEST_P(ValueTypeJsonTest, ToJsonIsCompactAndSorted) { EXPECT_EQ(GetParam().type.ToJson(), GetParam().json); }

TEST_P(ValueTypeJsonTest, FromJsonTextRoundTrips) {
  Result<Type> parsed = Type::FromJsonText(GetParam().json);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(*parsed, GetParam().type);
  EXPECT_EQ(parsed->ToJson(), GetParam().json);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ValueTypeJsonTest,
    testing::Values(
        TypeJsonCase{"string", Type::String(), R"("string")"},
        TypeJsonCase{"number", Type::Number(), R"("number")"},
        TypeJsonCase{"bool", Type::Bool(), R"("bool")"},
        TypeJsonCase{"dynamic", Type::Dynamic(), R"("dynamic")"},
        TypeJsonCase{"list_of_string", Type::List(Type::String()), R"(["list","string"])"},
        TypeJsonCase{"set_of_number", Type::Set(Type::Number()), R"(["set","number"])"},
        TypeJsonCase{"map_of_bool", Type::Map(Type::Bool()), R"(["map","bool"])"},
        TypeJsonCase{"list_of_dynamic", Type::List(Type::Dynamic()), R"(["list","dynamic"])"},
        TypeJsonCase{"empty_object", Type::Object({}), R"(["object",{}])"},
        TypeJsonCase{"object_sorted",
                     Type::Object({{"b", Type::List(Type::Number())}, {"a", Type::String()}}),
                     R"(["object",{"a":"string","b":["list","number"]}])"},
        TypeJsonCase{"object_optional",
                     Type::Object({{"a", Type::String()}, {"b", Type::Number()}, {"c", Type::Bool()}}, {"c", "a"}),
                     R"(["object",{"a":"string","b":"number","c":"bool"},["a","c"]])"},
        TypeJsonCase{"empty_tuple", Type::Tuple({}), R"(["tuple",[]])"},
        TypeJsonCase{"tuple", Type::Tuple({Type::String(), Type::Number()}), R"(["tuple",["string","number"]])"},
        TypeJsonCase{"protocol_dynamic_example",
                     Type::Object({{"x", Type::Number()}, {"y", Type::Tuple({Type::String()})}}),
                     R"(["object",{"x":"number","y":["tuple",["string"]]}])"},
        TypeJsonCase{"nested_collections", Type::Map(Type::Set(Type::List(Type::Object({{"k", Type::Dynamic()}})))),
                     R"(["map",["set",["list",["object",{"k":"dynamic"}]]]])"}),
    [](const testing::TestParamInfo<TypeJsonCase>& info) { return info.param.name; });

TEST(ValueTypeJsonExtraTest, ProtocolDynamicExampleTypeJsonIs50Bytes) {
  // cty's msgpack encoding frames this type JSON as bin8 with length 0x32.
  Type t = Type::Object({{"x", Type::Number()}, {"y", Type::Tuple({Type::String()})}});
  EXPECT_EQ(t.ToJson().size(), 0x32u);
}

TEST(ValueTypeJsonExtraTest, FromJsonAcceptsWhitespaceAndAnyKeyOrder) {
  Result<Type> t = Type::FromJsonText(R"( [ "object" , { "z" : "bool" , "a" : [ "set" , "string" ] } ] )");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(*t, Type::Object({{"a", Type::Set(Type::String())}, {"z", Type::Bool()}}));
}

TEST(ValueTypeJsonExtraTest, FromJsonValue) {
  Result<Type> t = Type::FromJson(nlohmann::json::array({"list", "number"}));
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(*t, Type::List(Type::Number()));
  EXPECT_EQ(Type::List(Type::Number()).ToJsonValue(), nlohmann::json::array({"list", "number"}));
}

TEST(ValueTypeJsonExtraTest, NestingUpToLimitIsAccepted) {
  Result<Type> t = Type::FromJsonText(NestedListJson(kMaxTypeDepth));
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->ToJson(), NestedListJson(kMaxTypeDepth));
}

struct TypeJsonErrorCase {
  std::string name;
  std::string json;
  std::string want_substring;
};

void PrintTo(const TypeJsonErrorCase& c, std::ostream* os) { *os << c.name; }

class ValueTypeJsonErrorTest : public testing::TestWithParam<TypeJsonErrorCase> {};

TEST_P(ValueTypeJsonErrorTest, IsInvalidArgument) {
  Result<Type> t = Type::FromJsonText(GetParam().json);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(t.status().message().find(GetParam().want_substring), std::string::npos) << t.status().message();
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ValueTypeJsonErrorTest,
    testing::Values(TypeJsonErrorCase{"empty_text", "", "not valid JSON"},
                    TypeJsonErrorCase{"truncated_json", R"(["list",)", "not valid JSON"},
                    TypeJsonErrorCase{"number", "42", "JSON string or array"},
                    TypeJsonErrorCase{"null", "null", "JSON string or array"},
                    TypeJsonErrorCase{"json_object", R"({"a":"string"})", "JSON string or array"},
                    TypeJsonErrorCase{"unknown_primitive", R"("strin")", "invalid primitive type name"},
                    TypeJsonErrorCase{"empty_array", "[]", "must start with its kind name"},
                    TypeJsonErrorCase{"kind_not_string", "[1,\"string\"]", "must start with its kind name"},
                    TypeJsonErrorCase{"unknown_kind", R"(["bag","string"])", "invalid complex type kind"},
                    TypeJsonErrorCase{"list_without_element", R"(["list"])", "exactly 2 elements"},
                    TypeJsonErrorCase{"list_extra_element", R"(["list","string","x"])", "exactly 2 elements"},
                    TypeJsonErrorCase{"list_bad_element", R"(["list","foo"])", "list element"},
                    TypeJsonErrorCase{"object_attrs_not_object", R"(["object",["a"]])", "must be a JSON object"},
                    TypeJsonErrorCase{"object_bad_attr_type", R"(["object",{"a":"x"}])", "attribute \"a\""},
                    TypeJsonErrorCase{"object_optional_not_array", R"(["object",{"a":"string"},"a"])",
                                      "must be a JSON array"},
                    TypeJsonErrorCase{"object_optional_unknown_name", R"(["object",{"a":"string"},["b"]])",
                                      "optional attribute \"b\""},
                    TypeJsonErrorCase{"object_optional_not_string", R"(["object",{"a":"string"},[1]])",
                                      "must be strings"},
                    TypeJsonErrorCase{"object_too_long", R"(["object",{},[],1])", "2 or 3 elements"},
                    TypeJsonErrorCase{"tuple_not_array", R"(["tuple","string"])", "tuple type"},
                    TypeJsonErrorCase{"tuple_bad_element", R"(["tuple",["string","nope"]])", "tuple element 1"},
                    TypeJsonErrorCase{"too_deep", NestedListJson(kMaxTypeDepth + 1), "nested too deeply"},
                    TypeJsonErrorCase{"far_too_deep", NestedListJson(5000), "nested too deeply"}),
    [](const testing::TestParamInfo<TypeJsonErrorCase>& info) { return info.param.name; });

// ---------------------------------------------------------------- Type accessors

TEST(ValueTypeTest, DefaultIsDynamic) {
  Type t;
  EXPECT_EQ(t.kind(), TypeKind::kDynamic);
  EXPECT_TRUE(t.is_dynamic());
  EXPECT_EQ(t, Type::Dynamic());
}

TEST(ValueTypeTest, KindPredicates) {
  EXPECT_TRUE(Type::String().is_primitive());
  EXPECT_TRUE(Type::Number().is_primitive());
  EXPECT_TRUE(Type::Bool().is_primitive());
  EXPECT_FALSE(Type::Dynamic().is_primitive());
  EXPECT_TRUE(Type::List(Type::String()).is_collection());
  EXPECT_TRUE(Type::Set(Type::String()).is_collection());
  EXPECT_TRUE(Type::Map(Type::String()).is_collection());
  EXPECT_FALSE(Type::Tuple({}).is_collection());
  EXPECT_TRUE(Type::Tuple({}).is_tuple());
  EXPECT_TRUE(Type::Object({}).is_object());
}

TEST(ValueTypeTest, CompoundAccessors) {
  Type obj = Type::Object({{"a", Type::String()}, {"b", Type::List(Type::Bool())}}, {"b", "not_an_attr"});
  EXPECT_EQ(obj.attributes().size(), 2u);
  EXPECT_TRUE(obj.HasAttribute("a"));
  EXPECT_FALSE(obj.HasAttribute("c"));
  ASSERT_NE(obj.AttributeType("b"), nullptr);
  EXPECT_EQ(*obj.AttributeType("b"), Type::List(Type::Bool()));
  EXPECT_EQ(obj.AttributeType("c"), nullptr);
  EXPECT_EQ(obj.optional_attributes(), std::set<std::string>({"b"}));
  EXPECT_EQ(Type::List(Type::Number()).element(), Type::Number());
  EXPECT_EQ(Type::Map(Type::Bool()).element(), Type::Bool());
  EXPECT_EQ(Type::Tuple({Type::String(), Type::Bool()}).tuple_elements(),
            std::vector<Type>({Type::String(), Type::Bool()}));
}

TEST(ValueTypeTest, AccessorsOfOtherKindsAreSafeDefaults) {
  EXPECT_EQ(Type::String().element(), Type::Dynamic());
  EXPECT_EQ(Type::Tuple({Type::String()}).element(), Type::Dynamic());
  EXPECT_TRUE(Type::List(Type::String()).attributes().empty());
  EXPECT_TRUE(Type::List(Type::String()).optional_attributes().empty());
  EXPECT_TRUE(Type::Object({{"a", Type::String()}}).tuple_elements().empty());
  EXPECT_EQ(Type::Number().AttributeType("a"), nullptr);
}

TEST(ValueTypeTest, Equality) {
  EXPECT_EQ(Type::List(Type::String()), Type::List(Type::String()));
  EXPECT_NE(Type::List(Type::String()), Type::Set(Type::String()));
  EXPECT_NE(Type::List(Type::String()), Type::List(Type::Number()));
  EXPECT_NE(Type::Object({{"a", Type::String()}}), Type::Object({{"b", Type::String()}}));
  EXPECT_NE(Type::Object({{"a", Type::String()}}), Type::Object({{"a", Type::String()}}, {"a"}));
  EXPECT_NE(Type::Tuple({Type::String()}), Type::Tuple({Type::String(), Type::String()}));
  EXPECT_NE(Type::String(), Type::Dynamic());
  Type copy = Type::Object({{"a", Type::String()}});
  Type other = copy;
  EXPECT_EQ(copy, other);
}

TEST(ValueTypeTest, ContainsDynamic) {
  EXPECT_TRUE(Type::Dynamic().ContainsDynamic());
  EXPECT_FALSE(Type::String().ContainsDynamic());
  EXPECT_TRUE(Type::List(Type::Dynamic()).ContainsDynamic());
  EXPECT_TRUE(Type::Object({{"a", Type::String()}, {"d", Type::Dynamic()}}).ContainsDynamic());
  EXPECT_TRUE(Type::Tuple({Type::String(), Type::Dynamic()}).ContainsDynamic());
  EXPECT_FALSE(Type::Map(Type::Tuple({Type::Bool()})).ContainsDynamic());
}

TEST(ValueTypeTest, FriendlyName) {
  EXPECT_EQ(Type::String().FriendlyName(), "string");
  EXPECT_EQ(Type::List(Type::Set(Type::Number())).FriendlyName(), "list of set of number");
  EXPECT_EQ(Type::Object({}).FriendlyName(), "object");
  EXPECT_EQ(Type::Tuple({}).FriendlyName(), "tuple");
  EXPECT_EQ(Type::Dynamic().FriendlyName(), "dynamic");
}

// ---------------------------------------------------------------- Number

struct NumberTextCase {
  std::string name;
  std::string input;
  std::string canonical;
};

void PrintTo(const NumberTextCase& c, std::ostream* os) { *os << c.name; }

class ValueNumberTextTest : public testing::TestWithParam<NumberTextCase> {};

TEST_P(ValueNumberTextTest, Canonicalizes) {
  Result<Number> n = Number::FromText(GetParam().input);
  ASSERT_TRUE(n.ok()) << n.status().ToString();
  EXPECT_EQ(n->text(), GetParam().canonical);
  // Canonical text is a fixed point.
  Result<Number> again = Number::FromText(n->text());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *n);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ValueNumberTextTest,
    testing::Values(NumberTextCase{"zero", "0", "0"}, NumberTextCase{"negative_zero", "-0", "0"},
                    NumberTextCase{"negative_zero_fraction", "-0.000", "0"},
                    NumberTextCase{"leading_zeros", "007", "7"}, NumberTextCase{"plus_sign", "+3", "3"},
                    NumberTextCase{"trailing_fraction_zeros", "1.50", "1.5"},
                    NumberTextCase{"integer_with_point_zero", "2.0", "2"},
                    NumberTextCase{"exponent_big", "1e20", "100000000000000000000"},
                    NumberTextCase{"exponent_upper_plus", "1E+2", "100"},
                    NumberTextCase{"exponent_negative", "1.5e-3", "0.0015"},
                    NumberTextCase{"exponent_shifts_point", "-12.340e1", "-123.4"},
                    NumberTextCase{"exponent_into_fraction", "123e-2", "1.23"},
                    NumberTextCase{"leading_point", ".5", "0.5"}, NumberTextCase{"trailing_point", "5.", "5"},
                    NumberTextCase{"zero_huge_exponent", "0e999999999", "0"},
                    NumberTextCase{"big_integer", "12345678901234567890123", "12345678901234567890123"},
                    NumberTextCase{"uint64_max", "18446744073709551615", "18446744073709551615"},
                    NumberTextCase{"long_fraction", "-0.000000000000000000001", "-0.000000000000000000001"},
                    NumberTextCase{"inf", "inf", "+Inf"}, NumberTextCase{"plus_inf", "+Inf", "+Inf"},
                    NumberTextCase{"minus_infinity", "-Infinity", "-Inf"}),
    [](const testing::TestParamInfo<NumberTextCase>& info) { return info.param.name; });

class ValueNumberTextErrorTest : public testing::TestWithParam<std::string> {};

TEST_P(ValueNumberTextErrorTest, IsInvalidArgument) {
  Result<Number> n = Number::FromText(GetParam());
  ASSERT_FALSE(n.ok()) << "accepted \"" << GetParam() << "\" as " << n->text();
  EXPECT_EQ(n.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(n.status().message().find("invalid number"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Cases, ValueNumberTextErrorTest,
                         testing::Values("", "-", "+", ".", "abc", "1.2.3", "1e", "1e+", "e5", "--1", "nan", "NaN",
                                         "0x10", " 1", "1 ", "1,5", "1e100000", "1e-5000", "infinit", "1e5.5",
                                         std::string(5000, '9')),
                         [](const testing::TestParamInfo<std::string>& info) {
                           return "case" + std::to_string(info.index);
                         });

TEST(ValueNumberTest, FromIntegers) {
  EXPECT_EQ(Number::FromInt64(0).text(), "0");
  EXPECT_EQ(Number::FromInt64(-42).text(), "-42");
  EXPECT_EQ(Number::FromInt64(std::numeric_limits<int64_t>::min()).text(), "-9223372036854775808");
  EXPECT_EQ(Number::FromUint64(std::numeric_limits<uint64_t>::max()).text(), "18446744073709551615");
  EXPECT_EQ(Number().text(), "0");
}

TEST(ValueNumberTest, FromDoubleIsExact) {
  EXPECT_EQ(Number::FromDouble(1.5).text(), "1.5");
  EXPECT_EQ(Number::FromDouble(-2.0).text(), "-2");
  EXPECT_EQ(Number::FromDouble(-0.0).text(), "0");
  EXPECT_EQ(Number::FromDouble(1e20).text(), "100000000000000000000");
  EXPECT_EQ(Number::FromDouble(0.1).text(), "0.1000000000000000055511151231257827021181583404541015625");
  EXPECT_EQ(Number::FromDouble(std::numeric_limits<double>::infinity()).text(), "+Inf");
  EXPECT_EQ(Number::FromDouble(-std::numeric_limits<double>::infinity()).text(), "-Inf");
  EXPECT_EQ(Number::FromDouble(std::nan("")).text(), "0");
  Number tiny = Number::FromDouble(std::numeric_limits<double>::denorm_min());
  EXPECT_EQ(tiny.text().substr(0, 10), "0.00000000");
  EXPECT_EQ(tiny.text().size(), 1076u);  // "0." + 1074 fraction digits
  EXPECT_EQ(tiny.ToDouble(), std::numeric_limits<double>::denorm_min());
  Number max = Number::FromDouble(std::numeric_limits<double>::max());
  EXPECT_EQ(max.text().size(), 309u);
  EXPECT_EQ(max.ToDouble(), std::numeric_limits<double>::max());
}

TEST(ValueNumberTest, ToInt64) {
  EXPECT_EQ(Num("9223372036854775807").ToInt64(), std::optional<int64_t>(std::numeric_limits<int64_t>::max()));
  EXPECT_EQ(Num("-9223372036854775808").ToInt64(), std::optional<int64_t>(std::numeric_limits<int64_t>::min()));
  EXPECT_EQ(Num("9223372036854775808").ToInt64(), std::nullopt);
  EXPECT_EQ(Num("-9223372036854775809").ToInt64(), std::nullopt);
  EXPECT_EQ(Num("1.5").ToInt64(), std::nullopt);
  EXPECT_EQ(Num("1e3").ToInt64(), std::optional<int64_t>(1000));
  EXPECT_EQ(Num("+Inf").ToInt64(), std::nullopt);
}

TEST(ValueNumberTest, ToDouble) {
  EXPECT_EQ(Num("0.1").ToDouble(), 0.1);
  EXPECT_EQ(Num("-1.5").ToDouble(), -1.5);
  EXPECT_EQ(Num("1e400").ToDouble(), std::numeric_limits<double>::infinity());
  EXPECT_EQ(Num("-1e400").ToDouble(), -std::numeric_limits<double>::infinity());
  EXPECT_EQ(Num("1e-400").ToDouble(), 0.0);
  EXPECT_EQ(Num("-Inf").ToDouble(), -std::numeric_limits<double>::infinity());
}

TEST(ValueNumberTest, Predicates) {
  EXPECT_TRUE(Num("10").is_integer());
  EXPECT_FALSE(Num("10.5").is_integer());
  EXPECT_FALSE(Num("+Inf").is_integer());
  EXPECT_TRUE(Num("+Inf").is_infinite());
  EXPECT_TRUE(Num("-3").is_negative());
  EXPECT_FALSE(Num("0").is_negative());
  EXPECT_TRUE(Num("1.5").IsExactDouble());
  EXPECT_TRUE(Num("0.125").IsExactDouble());
  EXPECT_FALSE(Num("0.1").IsExactDouble());
  EXPECT_TRUE(Num("-Inf").IsExactDouble());
  EXPECT_FALSE(Num("1e400").IsExactDouble());
  EXPECT_FALSE(Num("9007199254740993").IsExactDouble());  // 2^53 + 1
  EXPECT_TRUE(Num("9007199254740992").IsExactDouble());
}

TEST(ValueNumberTest, EqualityIsNumeric) {
  EXPECT_EQ(Num("1.50"), Num("1.5"));
  EXPECT_EQ(Num("1e2"), Number::FromInt64(100));
  EXPECT_NE(Num("1"), Num("1.0000000000000000000001"));
}

// ---------------------------------------------------------------- Value

TEST(ValueTest, DefaultIsNullDynamic) {
  Value v;
  EXPECT_TRUE(v.is_null());
  EXPECT_EQ(v.type(), Type::Dynamic());
  EXPECT_EQ(v, Value::Null(Type::Dynamic()));
}

TEST(ValueTest, NullAndUnknownCarryTheirType) {
  Value n = Value::Null(Type::List(Type::String()));
  EXPECT_TRUE(n.is_null());
  EXPECT_FALSE(n.is_known());
  EXPECT_EQ(n.state(), Value::State::kNull);
  EXPECT_EQ(n.type(), Type::List(Type::String()));
  Value u = Value::Unknown(Type::Number());
  EXPECT_TRUE(u.is_unknown());
  EXPECT_FALSE(u.is_null());
  EXPECT_EQ(u.state(), Value::State::kUnknown);
  EXPECT_EQ(u.type(), Type::Number());
}

TEST(ValueTest, PrimitiveFactories) {
  Value s = Value::String("hello");
  EXPECT_TRUE(s.is_known());
  EXPECT_EQ(s.type(), Type::String());
  EXPECT_EQ(s.as_string(), "hello");
  Value b = Value::Bool(true);
  EXPECT_EQ(b.type(), Type::Bool());
  EXPECT_TRUE(b.as_bool());
  Value n = Value::NumberV(Num("2.5"));
  EXPECT_EQ(n.type(), Type::Number());
  EXPECT_EQ(n.as_number().text(), "2.5");
  EXPECT_EQ(Value::Int(-7).as_number().ToInt64(), std::optional<int64_t>(-7));
}

TEST(ValueTest, WrongAccessorsReturnDefaults) {
  Value s = Value::String("x");
  EXPECT_FALSE(s.as_bool());
  EXPECT_EQ(s.as_number().text(), "0");
  EXPECT_TRUE(s.elements().empty());
  EXPECT_TRUE(s.entries().empty());
  EXPECT_EQ(Value::Null(Type::String()).as_string(), "");
  EXPECT_EQ(Value::Unknown(Type::List(Type::String())).elements().size(), 0u);
  EXPECT_EQ(Value::Unknown(Type::List(Type::String())).size(), 0u);
}

TEST(ValueTest, Collections) {
  Value list = Value::List(Type::String(), {Value::String("a"), Value::String("b")});
  EXPECT_EQ(list.type(), Type::List(Type::String()));
  ASSERT_EQ(list.elements().size(), 2u);
  EXPECT_EQ(list.elements()[1].as_string(), "b");
  EXPECT_EQ(list.size(), 2u);

  Value map = Value::Map(Type::Number(), {{"x", Value::Int(1)}, {"y", Value::Int(2)}});
  EXPECT_EQ(map.type(), Type::Map(Type::Number()));
  EXPECT_EQ(map.entries().at("y"), Value::Int(2));

  Value tuple = Value::Tuple({Value::String("a"), Value::Bool(false)});
  EXPECT_EQ(tuple.type(), Type::Tuple({Type::String(), Type::Bool()}));
  EXPECT_EQ(tuple.size(), 2u);
}

TEST(ValueTest, SetDropsDuplicateKnownElementsButKeepsUnknowns) {
  Value set = Value::Set(Type::String(), {Value::String("a"), Value::String("b"), Value::String("a"),
                                          Value::Unknown(Type::String()), Value::Unknown(Type::String())});
  EXPECT_EQ(set.elements().size(), 4u);
}

TEST(ValueTest, SetEqualityIgnoresOrderListEqualityDoesNot) {
  Value s1 = Value::Set(Type::Number(), {Value::Int(1), Value::Int(2), Value::Int(3)});
  Value s2 = Value::Set(Type::Number(), {Value::Int(3), Value::Int(1), Value::Int(2)});
  Value s3 = Value::Set(Type::Number(), {Value::Int(3), Value::Int(1)});
  EXPECT_EQ(s1, s2);
  EXPECT_NE(s1, s3);
  Value l1 = Value::List(Type::Number(), {Value::Int(1), Value::Int(2)});
  Value l2 = Value::List(Type::Number(), {Value::Int(2), Value::Int(1)});
  EXPECT_NE(l1, l2);
  EXPECT_NE(Value::List(Type::Number(), {}), Value::Set(Type::Number(), {}));
}

TEST(ValueTest, NestedSetsCompareOrderInsensitively) {
  auto inner = [](std::vector<int> xs) {
    std::vector<Value> vs;
    for (int x : xs) {
      vs.push_back(Value::Int(x));
    }
    return Value::Set(Type::Number(), vs);
  };
  const Type t = Type::Set(Type::Number());
  Value a = Value::Set(t, {inner({1, 2}), inner({3})});
  Value b = Value::Set(t, {inner({3}), inner({2, 1})});
  EXPECT_EQ(a, b);
  // {2,1} duplicates {1,2} and is dropped.
  EXPECT_EQ(Value::Set(t, {inner({1, 2}), inner({2, 1}), inner({3})}).elements().size(), 2u);
  EXPECT_NE(a, Value::Set(t, {inner({1}), inner({3})}));
  // Same key, different element types: still distinct.
  EXPECT_NE(Value::Set(Type::Dynamic(), {Value::List(Type::Number(), {Value::Int(1)})}),
            Value::Set(Type::Dynamic(), {Value::Tuple({Value::Int(1)})}));
}

TEST(ValueTest, SetsWithUnknownsCompareStructurally) {
  Value a = Value::Set(Type::String(), {Value::String("a"), Value::Unknown(Type::String())});
  Value b = Value::Set(Type::String(), {Value::Unknown(Type::String()), Value::String("a")});
  Value c = Value::Set(Type::String(), {Value::Unknown(Type::String()), Value::Unknown(Type::String())});
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
}

TEST(ValueTest, LargeSetsStayFast) {
  // 50,000 elements with duplicates: quadratic de-duplication would take minutes.
  std::vector<Value> elems;
  std::vector<Value> reversed;
  for (int i = 0; i < 50000; ++i) {
    elems.push_back(Value::String("host-" + std::to_string(i % 25000)));
  }
  for (int i = 24999; i >= 0; --i) {
    reversed.push_back(Value::String("host-" + std::to_string(i)));
  }
  Value set = Value::Set(Type::String(), elems);
  EXPECT_EQ(set.elements().size(), 25000u);
  EXPECT_EQ(set, Value::Set(Type::String(), reversed));
}

TEST(ValueTest, ObjectInfersType) {
  Value obj = Value::Object({{"name", Value::String("n")}, {"count", Value::Int(3)}, {"d", Value::Null(Type::Dynamic())}});
  EXPECT_EQ(obj.type(), Type::Object({{"name", Type::String()}, {"count", Type::Number()}, {"d", Type::Dynamic()}}));
  EXPECT_EQ(obj.GetAttr("count"), Value::Int(3));
}

TEST(ValueTest, ObjectOfTypeFillsMissingAndDropsExtra) {
  Type t = Type::Object({{"a", Type::String()}, {"b", Type::List(Type::Number())}, {"dyn", Type::Dynamic()}});
  Value obj = Value::ObjectOfType(t, {{"a", Value::String("x")}, {"dyn", Value::Int(5)}, {"zzz", Value::Bool(true)}});
  EXPECT_EQ(obj.type(), t);  // Dynamic is kept in the object type ...
  EXPECT_EQ(obj.GetAttr("dyn").type(), Type::Number());  // ... the attribute has its concrete type.
  EXPECT_EQ(obj.entries().size(), 3u);
  EXPECT_EQ(obj.GetAttr("b"), Value::Null(Type::List(Type::Number())));
  EXPECT_EQ(obj.entries().count("zzz"), 0u);
  // A non-object type falls back to inference.
  EXPECT_EQ(Value::ObjectOfType(Type::String(), {{"a", Value::Bool(true)}}).type(),
            Type::Object({{"a", Type::Bool()}}));
}

TEST(ValueTest, TupleOfTypeKeepsSchemaType) {
  Type t = Type::Tuple({Type::String(), Type::Dynamic()});
  Value v = Value::TupleOfType(t, {Value::String("a"), Value::Int(1)});
  EXPECT_EQ(v.type(), t);
  Value fallback = Value::TupleOfType(t, {Value::String("a")});
  EXPECT_EQ(fallback.type(), Type::Tuple({Type::String()}));
}

struct GetAttrCase {
  std::string name;
  Value object;
  std::string attr;
  Value want;
};

void PrintTo(const GetAttrCase& c, std::ostream* os) { *os << c.name; }

class ValueGetAttrTest : public testing::TestWithParam<GetAttrCase> {};

TEST_P(ValueGetAttrTest, Returns) { EXPECT_EQ(GetParam().object.GetAttr(GetParam().attr), GetParam().want); }

const Type kGetAttrType = Type::Object({{"a", Type::String()}, {"n", Type::Number()}});

INSTANTIATE_TEST_SUITE_P(
    Cases, ValueGetAttrTest,
    testing::Values(
        GetAttrCase{"known_object", Value::ObjectOfType(kGetAttrType, {{"a", Value::String("x")}}), "a",
                    Value::String("x")},
        GetAttrCase{"known_object_null_attr", Value::ObjectOfType(kGetAttrType, {{"a", Value::String("x")}}), "n",
                    Value::Null(Type::Number())},
        GetAttrCase{"null_object", Value::Null(kGetAttrType), "a", Value::Null(Type::String())},
        GetAttrCase{"unknown_object", Value::Unknown(kGetAttrType), "n", Value::Unknown(Type::Number())},
        GetAttrCase{"not_an_attribute", Value::ObjectOfType(kGetAttrType, {}), "zzz", Value::Null(Type::Dynamic())},
        GetAttrCase{"not_an_object", Value::String("s"), "a", Value::Null(Type::Dynamic())},
        GetAttrCase{"map_is_not_an_object", Value::Map(Type::String(), {{"a", Value::String("x")}}), "a",
                    Value::Null(Type::Dynamic())}),
    [](const testing::TestParamInfo<GetAttrCase>& info) { return info.param.name; });

TEST(ValueTest, IsWhollyKnown) {
  EXPECT_TRUE(Value::Null(Type::String()).IsWhollyKnown());
  EXPECT_FALSE(Value::Unknown(Type::String()).IsWhollyKnown());
  EXPECT_TRUE(Value::List(Type::String(), {Value::String("a"), Value::Null(Type::String())}).IsWhollyKnown());
  EXPECT_FALSE(Value::List(Type::String(), {Value::String("a"), Value::Unknown(Type::String())}).IsWhollyKnown());
  Value deep = Value::Object(
      {{"outer", Value::Map(Type::List(Type::Number()),
                            {{"k", Value::List(Type::Number(), {Value::Int(1), Value::Unknown(Type::Number())})}})}});
  EXPECT_FALSE(deep.IsWhollyKnown());
  EXPECT_FALSE(Value::Tuple({Value::Unknown(Type::Bool())}).IsWhollyKnown());
}

TEST(ValueTest, EqualityComparesStateTypeAndPayload) {
  EXPECT_EQ(Value::Unknown(Type::String()), Value::Unknown(Type::String()));
  EXPECT_NE(Value::Unknown(Type::String()), Value::Unknown(Type::Number()));
  EXPECT_NE(Value::Null(Type::String()), Value::Null(Type::Number()));
  EXPECT_NE(Value::Null(Type::String()), Value::Unknown(Type::String()));
  EXPECT_NE(Value::Null(Type::String()), Value::String(""));
  EXPECT_NE(Value::String("1"), Value::Int(1));
  EXPECT_EQ(Value::NumberV(Num("1.0")), Value::Int(1));
  EXPECT_NE(Value::Bool(true), Value::Bool(false));
  EXPECT_EQ(Value::Map(Type::String(), {{"a", Value::String("x")}}),
            Value::Map(Type::String(), {{"a", Value::String("x")}}));
  EXPECT_NE(Value::Map(Type::String(), {{"a", Value::String("x")}}),
            Value::Map(Type::String(), {{"a", Value::String("y")}}));
  // Dynamic is not a wildcard: schema-typed and inferred objects differ when the schema says dynamic.
  Type t = Type::Object({{"d", Type::Dynamic()}});
  EXPECT_NE(Value::ObjectOfType(t, {{"d", Value::Int(1)}}), Value::Object({{"d", Value::Int(1)}}));
}

struct ConformsCase {
  std::string name;
  Value value;
  Type type;
  std::string want_error;  // empty: conforms
};

void PrintTo(const ConformsCase& c, std::ostream* os) { *os << c.name; }

class ValueConformsTest : public testing::TestWithParam<ConformsCase> {};

TEST_P(ValueConformsTest, Checks) {
  Status s = GetParam().value.CheckConforms(GetParam().type);
  if (GetParam().want_error.empty()) {
    EXPECT_TRUE(s.ok()) << s.ToString();
  } else {
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(s.message(), GetParam().want_error);
  }
}

const Type kConformsType = Type::Object({{"a", Type::List(Type::Number())}, {"d", Type::Dynamic()}});

INSTANTIATE_TEST_SUITE_P(
    Cases, ValueConformsTest,
    testing::Values(
        ConformsCase{"string_ok", Value::String("x"), Type::String(), ""},
        ConformsCase{"anything_fits_dynamic", Value::List(Type::Bool(), {Value::Bool(true)}), Type::Dynamic(), ""},
        ConformsCase{"null_fits_anything", Value::Null(Type::String()), Type::Number(), ""},
        ConformsCase{"unknown_fits_anything", Value::Unknown(Type::Dynamic()), Type::List(Type::String()), ""},
        ConformsCase{"kind_mismatch", Value::String("x"), Type::Number(), "value: number required, got string"},
        ConformsCase{"object_ok",
                     Value::ObjectOfType(kConformsType, {{"a", Value::List(Type::Number(), {Value::Int(1)})},
                                                         {"d", Value::String("s")}}),
                     kConformsType, ""},
        ConformsCase{"nested_element_mismatch",
                     Value::ObjectOfType(kConformsType, {{"a", Value::List(Type::Number(), {Value::Int(1),
                                                                                             Value::String("x")})}}),
                     kConformsType, ".a[1]: number required, got string"},
        ConformsCase{"object_missing_attribute", Value::Object({{"a", Value::Null(Type::List(Type::Number()))}}),
                     kConformsType, "value: missing attribute \"d\""},
        ConformsCase{"object_extra_attribute",
                     Value::Object({{"a", Value::Null(Type::Dynamic())},
                                    {"d", Value::Null(Type::Dynamic())},
                                    {"z", Value::Int(1)}}),
                     kConformsType, "value: unsupported attribute \"z\""},
        ConformsCase{"map_element_mismatch", Value::Map(Type::String(), {{"k", Value::Bool(true)}}),
                     Type::Map(Type::String()), "[\"k\"]: string required, got bool"},
        ConformsCase{"tuple_length_mismatch", Value::Tuple({Value::Int(1)}),
                     Type::Tuple({Type::Number(), Type::Number()}),
                     "value: tuple with 2 elements required, got 1"}),
    [](const testing::TestParamInfo<ConformsCase>& info) { return info.param.name; });

TEST(ValueTest, DebugString) {
  Value v = Value::Object({{"l", Value::List(Type::String(), {Value::String("a\"b")})},
                           {"n", Value::Null(Type::Number())},
                           {"s", Value::Set(Type::Bool(), {Value::Bool(true)})},
                           {"t", Value::Tuple({Value::Int(1), Value::Unknown(Type::String())})}});
  EXPECT_EQ(v.DebugString(),
            R"(object{"l": list["a\"b"], "n": null("number"), "s": set[true], "t": tuple[1, unknown("string")]})");
}

TEST(ValueTest, CopiesAreCheapAndIndependentOfSource) {
  Value original = Value::List(Type::String(), {Value::String("a")});
  Value copy = original;
  original = Value::Null(Type::String());
  EXPECT_EQ(copy.elements().size(), 1u);
  EXPECT_EQ(copy.elements()[0].as_string(), "a");
}

}  // namespace
}  // namespace ionos::tf
