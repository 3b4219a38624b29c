// Tau candidate files (rnn-tauid's HDF5 layout: TauJets / TauTracks /
// TauClusters groups, one float dataset per variable) read with
// tau::candidate_file and scored by the evaluator of the shared 1-prong and
// 3-prong networks (converted once into scratch files).
#include "fuzz_support.hpp"

#include "hepnn/io.hpp"
#include "hepnn/keras.hpp"
#include "hepnn/tau.hpp"

#include <algorithm>
#include <memory>

namespace {

const hepnn::fuzz::scratch_file candidates("candidates.h5");
const hepnn::fuzz::scratch_file network_1p("tau_1p.json");
const hepnn::fuzz::scratch_file network_3p("tau_3p.json");

std::unique_ptr<hepnn::tau::evaluator> make_evaluator() {
  const auto dir = hepnn::fuzz::shared_dir() / "tau";
  hepnn::tau::evaluator_options e;
  for (const char* prong : {"1p", "3p"}) {
    const auto model = dir / (std::string("tau_") + prong) / "model.h5";
    const auto spec = hepnn::tau::varspec_from_model(model, dir / (std::string("tau_") + prong) / "preproc.h5");
    const auto& out = std::string(prong) == "1p" ? network_1p.path() : network_3p.path();
    hepnn::save_network(hepnn::convert_keras(model, {}, &spec).network, out);
    (std::string(prong) == "1p" ? e.network_1p : e.network_3p) = out;
  }
  return std::make_unique<hepnn::tau::evaluator>(e);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace hepnn;
  static const std::unique_ptr<tau::evaluator> evaluator = make_evaluator();
  static workspace ws;
  try {
    tau::candidate_file file(candidates.write(fuzz::as_text(data, size)), evaluator->scalar_fields(),
                             evaluator->track_fields(), evaluator->cluster_fields());
    // the first 64 candidates: a file can declare any number (unallocated rows read as fill values)
    const std::size_t n = std::min<std::size_t>(file.size(), 64);
    for (std::size_t first = 0; first < n; first += 4) {
      for (const tau::candidate& c : file.read(first, std::min<std::size_t>(4, n - first))) (void)evaluator->evaluate(c, ws);
    }
  } catch (const error& e) {
    fuzz::expected(e);
  }
  return 0;
}
