// Dumper ntuples (ftag::score_jets: the HDF5 compound `jets` and track
// tables, read in chunks, then the tagger with Athena's track selection).
// The bytes are written to a scratch .h5 file; the network has the inputs
// of the zoo's umami_like model (jet and track variables) but a tiny body.
#include "fuzz_support.hpp"

#include "hepnn/ftag.hpp"
#include "hepnn/keras.hpp"

#include <memory>

namespace {

const hepnn::fuzz::scratch_file ntuple("ntuple.h5");

/// The inputs and outputs of the zoo's umami_like model (converted with the
/// ftag sample's spec: jet variables, tracks named for Athena's selection
/// and order) around a tiny network: each sequence summed, everything
/// concatenated, one zero-weight softmax per output. The reader and the
/// tagger's input preparation are what is fuzzed; compiling the real
/// 46-layer model for every input would cost most of the time.
std::shared_ptr<const hepnn::model> umami_like_interface() {
  using namespace hepnn;
  const auto shared = fuzz::shared_dir();
  const variables_spec spec = read_variables(shared / "ftag" / "specs" / "umami_like.variables.json");
  model m = convert_keras(shared / "zoo" / "umami_like" / "model.h5", {}, &spec).network;
  m.nodes.clear();
  m.layers.clear();
  std::vector<std::size_t> parts;
  std::size_t width = 0;
  for (std::size_t i = 0; i < m.inputs.size(); ++i) {
    m.nodes.push_back({node_kind::input, {i}, 0, m.inputs[i].variables.size(), 0.0, {}, false});
    parts.push_back(m.nodes.size() - 1);
    width += m.inputs[i].variables.size();
  }
  for (std::size_t i = 0; i < m.input_sequences.size(); ++i) {
    m.nodes.push_back({node_kind::input_sequence, {i}, 0, m.input_sequences[i].variables.size(), 0.0, {}, false});
    m.nodes.push_back({node_kind::sum, {m.nodes.size() - 1}, 0, 0, 0.0, {}, false});
    parts.push_back(m.nodes.size() - 1);
    width += m.input_sequences[i].variables.size();
  }
  m.nodes.push_back({node_kind::concatenate, parts, 0, 0, 0.0, {}, false});
  const std::size_t joined = m.nodes.size() - 1;
  for (auto& out : m.outputs) {
    layer dense;
    dense.weights.assign(out.labels.size() * width, 0.0);
    dense.bias.assign(out.labels.size(), 0.0);
    dense.act.function = activation_function::softmax;
    m.layers.push_back(std::move(dense));
    m.nodes.push_back({node_kind::feed_forward, {joined}, m.layers.size() - 1, 0, 0.0, {}, false});
    out.node = m.nodes.size() - 1;
  }
  return std::make_shared<const model>(std::move(m));
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace hepnn;
  static const std::shared_ptr<const model> network = umami_like_interface();
  ftag::score_options o;
  o.network_model = network;
  o.input = ntuple.write(fuzz::as_text(data, size));
  o.chunk = 3; // several chunks, the last one partial
  o.threads = 1; // reproducible runs
  try {
    (void)ftag::score_jets(o);
  } catch (const error& e) {
    fuzz::expected(e);
  }
  return 0;
}
