// libFuzzer target: DecodeJson (plugin/value/json_codec.h), Terraform's RawState.json and
// DynamicValue.json.
//
// Input: byte 0 picks the schema type (FuzzTypeFor; among them the object type of every resource
// and data source in schemas/, i.e. real raw state); the rest is the JSON text.
// Checks, beyond "no crash, no sanitizer report":
//   * a failure is InvalidArgument and its message starts with "json: ";
//   * a decoded value conforms to the schema type;
//   * EncodeJson of what decoded either fails with InvalidArgument (infinities have no JSON form)
//     or decodes again to an equivalent value (EquivalentAfterRoundTrip) and re-encodes to the
//     same text;
//   * the value also survives the msgpack codec (what the provider sends back to Terraform).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "plugin/value/json_codec.h"
#include "plugin/value/msgpack.h"
#include "tests/fuzz/fuzz_value_support.h"

namespace ionos::tf::fuzz {
namespace {

void CheckJson(const Type& type, std::string_view text) {
  Result<Value> first = DecodeJson(text, type);
  if (!first.ok()) {
    FuzzCheck(first.status().code() == StatusCode::kInvalidArgument,
              "decode error is not InvalidArgument: " + first.status().ToString());
    FuzzCheck(first.status().message().rfind("json: ", 0) == 0,
              "decode error lacks the json: prefix: " + first.status().ToString());
    return;
  }
  const Status conforms = first->CheckConforms(type);
  FuzzCheck(conforms.ok(), "decoded value does not conform to " + type.ToJson() + ": " + conforms.ToString());
  FuzzCheck(first->IsWhollyKnown(), "JSON decoded to an unknown value");
  (void)first->DebugString();

  std::string why;
  Result<std::string> encoded = EncodeJson(*first, type);
  if (encoded.ok()) {
    Result<Value> again = DecodeJson(*encoded, type);
    FuzzCheck(again.ok(), "EncodeJson output does not decode: " + again.status().ToString() + " in " + *encoded);
    FuzzCheck(EquivalentAfterRoundTrip(*first, *again, type, &why), "JSON round trip changed the value " + why);
    Result<std::string> encoded_again = EncodeJson(*again, type);
    FuzzCheck(encoded_again.ok() && *encoded_again == *encoded, "JSON encoding is not stable");
  } else {
    FuzzCheck(encoded.status().code() == StatusCode::kInvalidArgument,
              "EncodeJson error is not InvalidArgument: " + encoded.status().ToString());
  }

  const std::string msgpack = EncodeMsgpack(*first, type);
  Result<Value> from_msgpack = DecodeMsgpack(msgpack, type);
  FuzzCheck(from_msgpack.ok(), "EncodeMsgpack output does not decode: " + from_msgpack.status().ToString());
  FuzzCheck(EquivalentAfterRoundTrip(*first, *from_msgpack, type, &why), "msgpack round trip changed the value " + why);
}

}  // namespace
}  // namespace ionos::tf::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) {
    return 0;
  }
  const ionos::tf::Type& type = ionos::tf::fuzz::FuzzTypeFor(data[0]);
  ionos::tf::fuzz::CheckJson(type, std::string_view(reinterpret_cast<const char*>(data) + 1, size - 1));
  return 0;
}
