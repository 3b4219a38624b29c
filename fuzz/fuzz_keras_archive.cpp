// The Keras converter from a Keras 3 `.keras` archive (a zip of config.json,
// metadata.json and model.weights.h5), written to a scratch file; a
// converted model is compiled and evaluated.
#include "fuzz_support.hpp"

#include "hepnn/keras.hpp"

namespace {
const hepnn::fuzz::scratch_file archive("model.keras");
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace hepnn;
  try {
    const conversion c = convert_keras(archive.write(fuzz::as_text(data, size)));
    fuzz::evaluate_zero(network(c.network));
  } catch (const error& e) {
    fuzz::expected(e);
  }
  return 0;
}
