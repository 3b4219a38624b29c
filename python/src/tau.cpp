// hepnn.tau.Evaluator: tauRecTools' TauJetRNNEvaluator (the C++ evaluator)
// over candidates given as columns: TauJets / TauTracks / TauClusters of an
// rnn-tauid file (h5py groups, structured arrays or dicts of arrays).
#include "arrays.hpp"
#include "bindings.hpp"

#include "hepnn/errors.hpp"
#include "hepnn/tau.hpp"
#include "workflow/tau_calculators.hpp"

#include <pybind11/stl.h>

#include <algorithm>
#include <cmath>
#include <variant>

namespace hepnn::python {
namespace {

class py_tau {
public:
  py_tau(const tau::evaluator_options& o, bool float64) {
    py::gil_scoped_release release;
    if (float64) ev_.emplace<tau::evaluator64>(o);
    else ev_.emplace<tau::evaluator>(o);
  }
  template <typename F> decltype(auto) visit(F&& f) const {
    return std::holds_alternative<tau::evaluator>(ev_) ? f(std::get<tau::evaluator>(ev_)) : f(std::get<tau::evaluator64>(ev_));
  }
  bool float64() const { return std::holds_alternative<tau::evaluator64>(ev_); }

private:
  std::variant<std::monostate, tau::evaluator, tau::evaluator64> ev_;
};

/// Copies per-slot columns into objects (n × width of them); returns the width.
template <typename Object>
std::size_t fill_objects(const py::object& table, const char* what, const std::vector<std::string>& fields,
                         float Object::*(*member_of)(std::string_view), std::size_t n, std::vector<Object>& out) {
  std::size_t width = 0;
  std::vector<std::pair<carray<double>, float Object::*>> cols;
  for (const auto& name : fields) {
    const auto member = member_of(name);
    if (!member) throw config_error(std::string("tau ") + what + ": unknown field '" + name + "'");
    auto c = column(table, what, name, 2);
    if (static_cast<std::size_t>(c.shape(0)) != n)
      throw input_error(std::string(what) + " field '" + name + "': " + std::to_string(c.shape(0)) + " rows for " +
                        std::to_string(n) + " candidates");
    if (cols.empty()) width = static_cast<std::size_t>(c.shape(1));
    else if (static_cast<std::size_t>(c.shape(1)) != width)
      throw input_error(std::string(what) + " field '" + name + "': " + std::to_string(c.shape(1)) + " slots, but '" +
                        fields.front() + "' has " + std::to_string(width));
    cols.emplace_back(std::move(c), member);
  }
  out.assign(n * width, Object{});
  for (const auto& [c, member] : cols) {
    const double* v = c.data();
    for (std::size_t i = 0; i < n * width; ++i) out[i].*member = static_cast<float>(v[i]);
  }
  return width;
}

template <typename T>
py::array evaluate(const tau::basic_evaluator<T>& ev, const py::object& jets, const py::object& tracks,
                   const py::object& clusters) {
  const auto n_tracks = column(jets, "TauJets", "nTracks", 1);
  const std::size_t n = static_cast<std::size_t>(n_tracks.shape(0));
  std::vector<tau::candidate> cands(n);
  for (std::size_t j = 0; j < n; ++j) {
    const double nt = n_tracks.data()[j];
    cands[j].n_charged_tracks = std::isnan(nt) ? -1 : static_cast<int>(std::lround(nt));
  }
  const auto jet_names = field_names(jets);
  for (const auto& name : ev.scalar_fields()) {
    // rnn-tauid ntuples store |ipSigLeadTrk| as absipSigLeadTrk
    std::string field = name;
    if (name == "ipSigLeadTrk" && std::find(jet_names.begin(), jet_names.end(), name) == jet_names.end())
      field = "absipSigLeadTrk";
    const auto member = tau::detail::candidate_field(name);
    if (!member) throw config_error("tau candidates: unknown candidate field '" + name + "'");
    const auto c = column(jets, "TauJets", field, 1);
    if (static_cast<std::size_t>(c.shape(0)) != n)
      throw input_error("TauJets field '" + field + "': " + std::to_string(c.shape(0)) + " rows, but 'nTracks' has " +
                        std::to_string(n));
    for (std::size_t j = 0; j < n; ++j) cands[j].*member = static_cast<float>(c.data()[j]);
  }
  std::vector<tau::track> track_objects;
  std::vector<tau::cluster> cluster_objects;
  std::size_t tw = 0, cw = 0;
  if (!ev.track_fields().empty()) {
    if (tracks.is_none()) throw input_error("the tau networks read tracks: pass tracks=");
    tw = fill_objects(tracks, "TauTracks", ev.track_fields(), tau::detail::track_field, n, track_objects);
  }
  if (!ev.cluster_fields().empty()) {
    if (clusters.is_none()) throw input_error("the tau networks read clusters: pass clusters=");
    cw = fill_objects(clusters, "TauClusters", ev.cluster_fields(), tau::detail::cluster_field, n, cluster_objects);
  }
  for (std::size_t j = 0; j < n; ++j) {
    cands[j].tracks = std::span<const tau::track>(track_objects).subspan(j * tw, tw);
    cands[j].clusters = std::span<const tau::cluster>(cluster_objects).subspan(j * cw, cw);
  }
  std::vector<T> score(n);
  std::vector<signed char> network(n);
  std::vector<int> tracks_used(n), clusters_used(n);
  {
    py::gil_scoped_release release;
    workspace& ws = thread_workspace();
    for (std::size_t j = 0; j < n; ++j) {
      const auto r = ev.evaluate(cands[j], ws);
      score[j] = static_cast<T>(r.score);
      network[j] = static_cast<signed char>(r.network);
      tracks_used[j] = static_cast<int>(r.tracks_used);
      clusters_used[j] = static_cast<int>(r.clusters_used);
    }
  }
  const std::string& var = ev.options().output_varname;
  py::array out = structured(n, {{var, sizeof(T) == 4 ? "<f4" : "<f8"},
                                 {"network", "i1"},
                                 {"n_tracks_used", "<i4"},
                                 {"n_clusters_used", "<i4"}});
  set_field(out, var, score);
  set_field(out, "network", network);
  set_field(out, "n_tracks_used", tracks_used);
  set_field(out, "n_clusters_used", clusters_used);
  return out;
}

std::string path_of(const py::object& p) { return py::str(py::module_::import("os").attr("fspath")(p)); }

/// TauJetRNNEvaluator's properties by their Athena names.
void apply_properties(tau::evaluator_options& o, const py::kwargs& props) {
  for (auto item : props) {
    const std::string key = py::str(item.first);
    const py::handle v = item.second;
    if (key == "OutputVarname") o.output_varname = v.cast<std::string>();
    else if (key == "MinChargedTracks") o.min_charged_tracks = v.cast<int>();
    else if (key == "MaxTracks") o.max_tracks = v.cast<std::size_t>();
    else if (key == "MaxClusters") o.max_clusters = v.cast<std::size_t>();
    else if (key == "MaxClusterDR") o.max_cluster_dr = v.cast<double>();
    else if (key == "InputLayerScalar") o.input_layer_scalar = v.cast<std::string>();
    else if (key == "InputLayerTracks") o.input_layer_tracks = v.cast<std::string>();
    else if (key == "InputLayerClusters") o.input_layer_clusters = v.cast<std::string>();
    else if (key == "OutputLayer") o.output_layer = v.cast<std::string>();
    else if (key == "OutputNode") o.output_node = v.cast<std::string>();
    else
      throw py::type_error("tau.Evaluator: unknown property '" + key +
                           "' (known: OutputVarname, MinChargedTracks, MaxTracks, MaxClusters, MaxClusterDR, "
                           "InputLayerScalar, InputLayerTracks, InputLayerClusters, OutputLayer, OutputNode)");
  }
}

} // namespace

void init_tau(py::module_& m) {
  auto sub = m.def_submodule("tau", "Tau identification (tauRecTools' TauJetRNNEvaluator).");
  py::class_<py_tau, std::shared_ptr<py_tau>>(sub, "Evaluator", R"doc(
TauJetRNNEvaluator with rnn-tauid networks.

Evaluator(net_1p, net_3p, net_0p=None, net_2p=None, precision="float32", **properties)

net_*: network files (hepnn or lwtnn graph JSON). Without net_0p, 0
charged tracks use the 1-prong network; without net_2p, 2 use the 3-prong.
properties: TauJetRNNEvaluator's, by their Athena names, with its defaults:
OutputVarname ("RNNJetScore"), MinChargedTracks (1), MaxTracks (10),
MaxClusters (6), MaxClusterDR (1.0), InputLayerScalar ("scalar"),
InputLayerTracks ("tracks"), InputLayerClusters ("clusters"), OutputLayer
("rnnid_output"), OutputNode ("sig_prob").
A network input or variable the evaluator cannot feed: ConfigError.)doc")
      .def(py::init([](const py::object& net_1p, const py::object& net_3p, const py::object& net_0p,
                       const py::object& net_2p, const std::string& precision, const py::kwargs& props) {
             tau::evaluator_options o;
             o.network_1p = path_of(net_1p);
             o.network_3p = path_of(net_3p);
             if (!net_0p.is_none()) o.network_0p = path_of(net_0p);
             if (!net_2p.is_none()) o.network_2p = path_of(net_2p);
             apply_properties(o, props);
             return std::make_shared<py_tau>(o, parse_precision(precision));
           }),
           py::arg("net_1p"), py::arg("net_3p"), py::arg("net_0p") = py::none(), py::arg("net_2p") = py::none(),
           py::arg("precision") = "float32")
      .def(
          "evaluate",
          [](const py_tau& self, const py::object& jets, const py::object& tracks, const py::object& clusters) {
            return self.visit([&](const auto& ev) { return evaluate(ev, jets, tracks, clusters); });
          },
          py::arg("jets"), py::arg("tracks") = py::none(), py::arg("clusters") = py::none(), R"doc(
Scores a batch of candidates (one C++ evaluate per candidate, GIL released).

jets: per-candidate columns (TauJets: nTracks and the scalar fields the
  networks read; ipSigLeadTrk may come as absipSigLeadTrk);
tracks, clusters: per-slot columns (candidates x slots; TauTracks,
  TauClusters), NaN in empty slots.
Each may be an h5py group of an rnn-tauid file, a structured array or a
dict of arrays. Returns a structured array with one row per candidate:
<OutputVarname> (-1111 without a score), network (prong of the network
used, -1 for none), n_tracks_used, n_clusters_used -- the fields of the
file `hepnn tauid` writes.)doc")
      .def_property_readonly(
          "scalar_fields", [](const py_tau& self) { return self.visit([](const auto& ev) { return ev.scalar_fields(); }); },
          "The TauJets fields the networks read.")
      .def_property_readonly(
          "track_fields", [](const py_tau& self) { return self.visit([](const auto& ev) { return ev.track_fields(); }); },
          "The TauTracks fields the networks read.")
      .def_property_readonly(
          "cluster_fields", [](const py_tau& self) { return self.visit([](const auto& ev) { return ev.cluster_fields(); }); },
          "The TauClusters fields the networks read.")
      .def_property_readonly(
          "precision", [](const py_tau& self) { return self.float64() ? "float64" : "float32"; }, "\"float32\" or \"float64\".");
}

} // namespace hepnn::python
