// Tests for core/base/json.h: reading untrusted JSON without exceptions.
#include "core/base/json.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace ionos {
namespace {

using nlohmann::json;
using ::testing::ElementsAre;

TEST(ParseJsonTest, ParsesJsonAndRefusesTheRest) {
  EXPECT_EQ(ParseJson(R"( {"a": [1, "x"]} )"), json::parse(R"({"a":[1,"x"]})"));
  EXPECT_EQ(ParseJson("\"s\""), json("s"));
  EXPECT_EQ(ParseJson("null"), json(nullptr));  // JSON null is a value, not a failure
  for (const std::string& bad : std::vector<std::string>{"", " ", "{", "{\"a\":}", "[1,]", "<html>", "{} {}", "1e99999",
                                                        "\"\xff\""}) {
    EXPECT_FALSE(ParseJson(bad).has_value()) << bad;
  }
}

TEST(ParseJsonTest, RefusesNestingBeyondTheLimit) {
  auto nested = [](size_t depth) { return std::string(depth, '[') + std::string(depth, ']'); };
  EXPECT_TRUE(ParseJson(nested(kMaxJsonDepth)).has_value());
  EXPECT_FALSE(ParseJson(nested(kMaxJsonDepth + 1)).has_value());
  EXPECT_FALSE(ParseJson(nested(200000)).has_value());  // no stack overflow either
  EXPECT_TRUE(ParseJson(nested(3), 3).has_value());
  EXPECT_FALSE(ParseJson(nested(4), 3).has_value());
  // Brackets inside strings (escaped quotes included) are text, not nesting.
  EXPECT_TRUE(ParseJson(R"({"a":"[[[[\"{{{{"})", 1).has_value());
}

TEST(JsonAccessTest, MembersOfTheWrongTypeReadAsAbsent) {
  const json j = json::parse(R"({"s":"text","n":42,"neg":-7,"big":18446744073709551615,"f":1.5,"b":true,
                                 "o":{"k":"v"},"a":["x",1,"y",{"z":1}],"null":null,"ns":"42"})");
  EXPECT_EQ(JsonString(j, "s"), "text");
  EXPECT_EQ(JsonOptionalString(j, "s"), "text");
  for (const char* key : {"n", "b", "o", "a", "null", "missing"}) {
    EXPECT_EQ(JsonString(j, key), "") << key;
    EXPECT_EQ(JsonOptionalString(j, key), std::nullopt) << key;
  }
  EXPECT_EQ(JsonObject(j, "o"), json::parse(R"({"k":"v"})"));
  EXPECT_EQ(JsonObject(j, "a"), json::object());
  EXPECT_EQ(JsonObject(j, "s"), json::object());
  EXPECT_EQ(JsonArray(j, "a").size(), 4u);
  EXPECT_EQ(JsonArray(j, "o"), json::array());
  EXPECT_THAT(JsonStrings(j, "a"), ElementsAre("x", "y"));
  EXPECT_TRUE(JsonStrings(j, "s").empty());
  EXPECT_EQ(JsonBool(j, "b"), true);
  EXPECT_EQ(JsonBool(j, "n"), std::nullopt);
  EXPECT_EQ(JsonBool(j, "s"), std::nullopt);
  EXPECT_NE(JsonMember(j, "null"), nullptr);
  EXPECT_EQ(JsonMember(j, "missing"), nullptr);
}

TEST(JsonAccessTest, IntegersAreRangeChecked) {
  const json j = json::parse(R"({"n":42,"neg":-7,"big":18446744073709551615,"f":1.5,"ns":"42","i64":-9223372036854775808})");
  EXPECT_EQ(JsonInteger(j, "n"), 42);
  EXPECT_EQ(JsonInteger(j, "n", 0, 41), std::nullopt);
  EXPECT_EQ(JsonInteger(j, "n", 43, 100), std::nullopt);
  EXPECT_EQ(JsonInteger(j, "neg"), -7);
  EXPECT_EQ(JsonInteger(j, "neg", 0), std::nullopt);
  EXPECT_EQ(JsonInteger(j, "big"), std::nullopt);  // above int64_t: not wrapped around
  EXPECT_EQ(JsonInteger(j, "i64"), std::numeric_limits<int64_t>::min());
  EXPECT_EQ(JsonInteger(j, "f"), std::nullopt);
  EXPECT_EQ(JsonInteger(j, "ns"), std::nullopt);
  EXPECT_EQ(JsonInteger(j, "missing"), std::nullopt);
  EXPECT_EQ(JsonIntegerValue(json(0), 0, 0), 0);
  EXPECT_EQ(JsonIntegerValue(json(5u), -10, -1), std::nullopt);
}

TEST(JsonAccessTest, NonObjectsHaveNoMembers) {
  for (const json& j : {json(nullptr), json("s"), json(1), json::array({"a"}), json(true)}) {
    EXPECT_EQ(JsonMember(j, "a"), nullptr) << j.dump();
    EXPECT_EQ(JsonString(j, "a"), "") << j.dump();
    EXPECT_EQ(JsonObject(j, "a"), json::object()) << j.dump();
    EXPECT_EQ(JsonArray(j, "a"), json::array()) << j.dump();
    EXPECT_EQ(JsonInteger(j, "a"), std::nullopt) << j.dump();
  }
}

TEST(JsonAccessTest, TypeNamesForMessages) {
  EXPECT_STREQ(JsonTypeName(json::object()), "an object");
  EXPECT_STREQ(JsonTypeName(json::array()), "an array");
  EXPECT_STREQ(JsonTypeName(json("x")), "a string");
  EXPECT_STREQ(JsonTypeName(json(1)), "a number");
  EXPECT_STREQ(JsonTypeName(json(-1)), "a number");
  EXPECT_STREQ(JsonTypeName(json(1.5)), "a number");
  EXPECT_STREQ(JsonTypeName(json(false)), "a boolean");
  EXPECT_STREQ(JsonTypeName(json(nullptr)), "null");
}

TEST(DumpJsonTest, NeverThrowsOnInvalidUtf8) {
  const json j = {{"name", std::string("bad\xff\xfe")}, {"n", 1}};
  EXPECT_THROW((void)j.dump(), json::type_error);  // what DumpJson protects against
  std::string dumped;
  ASSERT_NO_THROW(dumped = DumpJson(j));
  EXPECT_EQ(dumped, "{\"n\":1,\"name\":\"bad\xEF\xBF\xBD\xEF\xBF\xBD\"}");
  EXPECT_EQ(DumpJson(json::parse(R"({"a":[1,"ü"]})")), R"({"a":[1,"ü"]})");
}

}  // namespace
}  // namespace ionos
