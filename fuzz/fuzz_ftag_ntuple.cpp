// Dumper ntuples (ftag::score_jets: the HDF5 compound `jets` and track
// tables, read in chunks, then the tagger with Athena's track selection).
// The bytes are written to a scratch .h5 file; the network is the zoo's
// umami_like model (jet and track inputs) with the ftag sample's spec,
// converted once.
#include "fuzz_support.hpp"

#include "hepnn/ftag.hpp"
#include "hepnn/keras.hpp"

#include <memory>

namespace {

const hepnn::fuzz::scratch_file ntuple("ntuple.h5");

std::shared_ptr<const hepnn::model> umami_like() {
  const auto zoo = hepnn::fuzz::shared_dir();
  const hepnn::variables_spec spec = hepnn::read_variables(zoo / "ftag" / "specs" / "umami_like.variables.json");
  return std::make_shared<const hepnn::model>(
      hepnn::convert_keras(zoo / "zoo" / "umami_like" / "model.h5", {}, &spec).network);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace hepnn;
  static const std::shared_ptr<const model> network = umami_like();
  ftag::score_options o;
  o.network_model = network;
  o.input = ntuple.write(fuzz::as_text(data, size));
  o.chunk = 3; // several chunks, the last one partial
  try {
    (void)ftag::score_jets(o);
  } catch (const error&) {
  }
  return 0;
}
