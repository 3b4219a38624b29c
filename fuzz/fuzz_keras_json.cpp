// The Keras converter from an architecture JSON (model.to_json()) with a
// fixed weights file: the zoo's dips_like weights (Dense, TimeDistributed,
// Masking, a sum pooling, softmax). An architecture that does not match them
// is refused with config_error; one that does is compiled and evaluated.
#include "fuzz_support.hpp"

#include "hepnn/keras.hpp"

namespace {
const hepnn::fuzz::scratch_file architecture("architecture.json");
const std::filesystem::path weights = hepnn::fuzz::shared_dir() / "zoo" / "dips_like" / "weights.h5";
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace hepnn;
  try {
    const conversion c = convert_keras(architecture.write(fuzz::as_text(data, size)), weights);
    fuzz::evaluate_zero(network(c.network));
  } catch (const error& e) {
    fuzz::expected(e);
  }
  return 0;
}
