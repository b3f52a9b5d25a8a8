// libFuzzer target: DecodeMsgpack (plugin/value/msgpack.h), Terraform's DynamicValue.msgpack.
//
// Input: byte 0 picks the schema type (FuzzTypeFor: primitives, collections, tuples, objects with
// nested lists/sets/maps, dynamic, and every object type of schemas/*.json); the rest is msgpack.
// Checks, beyond "no crash, no sanitizer report":
//   * a failure is InvalidArgument and its message starts with "msgpack: ";
//   * a decoded value conforms to the schema type;
//   * encoding what decoded and decoding that again succeeds and gives an equivalent value
//     (EquivalentAfterRoundTrip), and a second encoding is byte-identical to the first;
//   * a wholly known value without infinities whose strings are UTF-8 also survives the JSON codec
//     (EncodeJson/DecodeJson).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "plugin/value/json_codec.h"
#include "plugin/value/msgpack.h"
#include "tests/fuzz/fuzz_value_support.h"

namespace ionos::tf::fuzz {
namespace {

void CheckMsgpack(const Type& type, std::string_view bytes) {
  Result<Value> first = DecodeMsgpack(bytes, type);
  if (!first.ok()) {
    FuzzCheck(first.status().code() == StatusCode::kInvalidArgument,
              "decode error is not InvalidArgument: " + first.status().ToString());
    FuzzCheck(first.status().message().rfind("msgpack: ", 0) == 0,
              "decode error lacks the msgpack: prefix: " + first.status().ToString());
    return;
  }
  const Status conforms = first->CheckConforms(type);
  FuzzCheck(conforms.ok(), "decoded value does not conform to " + type.ToJson() + ": " + conforms.ToString());
  (void)first->DebugString();

  const std::string encoded = EncodeMsgpack(*first, type);
  Result<Value> again = DecodeMsgpack(encoded, type);
  FuzzCheck(again.ok(), "re-encoded value does not decode: " + again.status().ToString());
  std::string why;
  FuzzCheck(EquivalentAfterRoundTrip(*first, *again, type, &why), "msgpack round trip changed the value " + why);
  FuzzCheck(EncodeMsgpack(*again, type) == encoded, "msgpack encoding is not stable");

  // The same value through the JSON codec, when JSON can carry it (no unknowns, no infinities;
  // invalid UTF-8 becomes U+FFFD there, as in Go).
  Result<std::string> json = EncodeJson(*again, type);
  if (json.ok()) {
    Result<Value> from_json = DecodeJson(*json, type);
    FuzzCheck(from_json.ok(), "EncodeJson output does not decode: " + from_json.status().ToString() + " in " + *json);
    FuzzCheck(!AllTextIsUtf8(*again) || EquivalentAfterRoundTrip(*again, *from_json, type, &why),
              "JSON round trip changed the value " + why);
  } else {
    FuzzCheck(json.status().code() == StatusCode::kInvalidArgument,
              "EncodeJson error is not InvalidArgument: " + json.status().ToString());
  }
}

}  // namespace
}  // namespace ionos::tf::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) {
    return 0;
  }
  const ionos::tf::Type& type = ionos::tf::fuzz::FuzzTypeFor(data[0]);
  ionos::tf::fuzz::CheckMsgpack(type, std::string_view(reinterpret_cast<const char*>(data) + 1, size - 1));
  return 0;
}
