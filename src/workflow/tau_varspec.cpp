// rnn-tauid's fill-lwtnn-varspec.py (workflow.md §5.5): the preprocessing
// file's offsets and scales written into the network's variables file.
#include "hepnn/errors.hpp"
#include "hepnn/keras.hpp"
#include "hepnn/tau.hpp"

#include "formats/hdf5_file.hpp"

#include <cmath>

namespace hepnn::tau {
namespace {

namespace h5 = hepnn::detail::h5;

/// One preprocessing group: variable names ("TauTracks/pt_log") with offset and scale.
struct preproc_group {
  std::string group;
  std::vector<std::string> names;
  std::vector<double> offsets, scales;
};

preproc_group read_group(const h5::file& f, const std::string& group) {
  preproc_group g;
  g.group = group;
  const h5::group root = f.root();
  const h5::group grp = root.open_group(group);
  g.names = grp.read_strings("variables");
  for (const auto& n : g.names) {
    // scalars: 0-d datasets; sequences: one value per time step, all equal (the first is used)
    h5::dataset_info offset_shape, scale_shape;
    const auto offset = grp.read(n + "/offset", &offset_shape), scale = grp.read(n + "/scale", &scale_shape);
    if (offset.empty() || scale.empty()) f.fail("/" + group + "/" + n, "empty offset or scale");
    // anything else would be silently reduced to its first value
    if (offset_shape.shape.size() > 1 || scale_shape.shape.size() > 1)
      f.fail("/" + group + "/" + n, "offset and scale must be scalars or one value per step, not " +
                                        std::to_string(offset_shape.shape.size()) + "-D and " +
                                        std::to_string(scale_shape.shape.size()) + "-D datasets");
    for (const auto* values : {&offset, &scale})
      for (const double x : *values)
        if (!(x == values->front()) && !(std::isnan(x) && std::isnan(values->front())))
          f.fail("/" + group + "/" + n, "the offset or scale differs between steps; the network takes one value per variable");
    if (!(scale[0] != 0) || !std::isfinite(scale[0]) || !std::isfinite(offset[0]))
      f.fail("/" + group + "/" + n, "offset " + std::to_string(offset[0]) + ", scale " + std::to_string(scale[0]) +
                                        ": cannot be inverted into a network scale");
    g.offsets.push_back(offset[0]);
    g.scales.push_back(scale[0]);
  }
  return g;
}

void fill_node(input_node& node, const std::string& name, const preproc_group& g, const std::string& preproc,
               const std::string& what) {
  if (node.variables.size() != g.names.size())
    throw config_error(preproc + ": /" + g.group + " has " + std::to_string(g.names.size()) + " variables, but the network's " +
                       what + " input takes " + std::to_string(node.variables.size()) +
                       " (is this the preprocessing file of this model?)");
  node.name = name;
  for (std::size_t i = 0; i < g.names.size(); ++i) {
    const auto& full = g.names[i];
    const auto slash = full.find('/');
    auto& v = node.variables[i];
    v.name = slash == std::string::npos ? full : full.substr(slash + 1);
    v.offset = -g.offsets[i];
    v.scale = 1.0 / g.scales[i];
    v.default_value.reset();
  }
}

} // namespace

variables_spec fill_varspec(const variables_spec& templ, const std::filesystem::path& preproc) {
  const auto f = h5::file::open(preproc.string());
  const std::string name = preproc.string();
  const bool clusters = f.root().has_group("cls_preproc");
  variables_spec out = templ;
  if (out.inputs.size() != 1)
    throw config_error(name + ": the network has " + std::to_string(out.inputs.size()) +
                       " vector inputs; an rnn-tauid network has exactly one (the scalars of jet_preproc)");
  const std::size_t sequences = clusters ? 2 : 1;
  if (out.input_sequences.size() != sequences)
    throw config_error(name + ": the network has " + std::to_string(out.input_sequences.size()) + " sequence inputs, but the file " +
                       (clusters ? "has trk_preproc and cls_preproc (2)" : "has trk_preproc only (1)"));
  if (out.outputs.size() != 1)
    throw config_error(name + ": the network has " + std::to_string(out.outputs.size()) +
                       " outputs; an rnn-tauid network has one (rnnid_output)");
  fill_node(out.inputs[0], "scalar", read_group(f, "jet_preproc"), name, "scalar");
  fill_node(out.input_sequences[0], "tracks", read_group(f, "trk_preproc"), name, "track");
  if (clusters) fill_node(out.input_sequences[1], "clusters", read_group(f, "cls_preproc"), name, "cluster");
  out.outputs[0].name = "rnnid_output";
  out.outputs[0].labels = {"sig_prob"};
  out.sequential = false;
  return out;
}

variables_spec varspec_from_model(const std::filesystem::path& model, const std::filesystem::path& preproc) {
  return fill_varspec(convert_keras(model).template_variables, preproc);
}

} // namespace hepnn::tau
