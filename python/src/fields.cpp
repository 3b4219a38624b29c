// Network.evaluate_fields: a dumper ntuple's jets and tracks, as h5py reads
// them (numpy structured arrays), through the C++ flavour-tagging tagger:
// the same Athena inputs, *_isDefaults rule, track selection and order as
// `hepnn eval`.
#include "arrays.hpp"
#include "bindings.hpp"

#include "hepnn/errors.hpp"

#include <pybind11/stl.h>

#include <algorithm>

namespace hepnn::python {
namespace {

template <typename E> std::string known_names(std::span<const E> all) {
  std::string s;
  for (const E v : all) s += (s.empty() ? "" : ", ") + std::string(ftag::to_string(v));
  return s;
}

std::size_t rows_of(const py::object& table, const std::vector<std::string>& names, const char* what) {
  if (py::isinstance<py::array>(table)) {
    const auto a = py::reinterpret_borrow<py::array>(table);
    if (a.ndim() < 1) throw input_error(std::string(what) + ": expected an array of rows, got a scalar");
    return static_cast<std::size_t>(a.shape(0));
  }
  return static_cast<std::size_t>(column(table, what, names.front(), std::string(what) == "jets" ? 1 : 2).shape(0));
}

template <typename T>
py::array evaluate_fields(const py_network& self, const py::object& jets, const py::object& tracks, bool select,
                          const std::optional<std::string>& selection, const std::optional<std::string>& sort) {
  const model& mo = self.get_model();
  const auto jet_names = field_names(jets);
  if (jet_names.empty())
    throw input_error("evaluate_fields: jets must be a structured array (or a mapping of arrays) with named fields");
  const bool reads_tracks = !mo.input_sequences.empty();
  std::vector<std::string> track_names;
  if (reads_tracks) {
    if (tracks.is_none())
      throw input_error(mo.source + ": the network reads tracks (sequence input '" + mo.input_sequences.front().name +
                        "'): pass tracks=");
    track_names = field_names(tracks);
    if (std::find(track_names.begin(), track_names.end(), "valid") == track_names.end())
      throw input_error("tracks: no field 'valid' (needed for telling real tracks from padding)");
  }
  ftag::tagger_options opt;
  opt.select_tracks = select;
  if (selection) {
    opt.selection = ftag::selection_named(*selection);
    if (!opt.selection)
      throw config_error("unknown track selection '" + *selection + "' (known: " + known_names(ftag::track_selections()) + ")");
  }
  if (sort) {
    opt.sort = ftag::sort_named(*sort);
    if (!opt.sort) throw config_error("unknown track order '" + *sort + "' (known: " + known_names(ftag::track_sorts()) + ")");
  }
  opt.jet_fields_available = jet_names;
  opt.track_fields_available = track_names;
  opt.network.isa = self.forced_isa();
  const py_network::tagger_key key{jet_names, track_names, select, opt.selection ? int(*opt.selection) : -1,
                                   opt.sort ? int(*opt.sort) : -1};
  const auto held = self.tagger_for(key, [&] {
    return std::static_pointer_cast<const void>(std::make_shared<const ftag::basic_tagger<T>>(mo, opt));
  });
  const auto& tagger = *static_cast<const ftag::basic_tagger<T>*>(held.get());

  // jets: n rows of jet_fields() values
  const std::size_t n = rows_of(jets, jet_names, "jets");
  const auto& jf = tagger.jet_fields();
  std::vector<double> jet_values(n * jf.size());
  for (std::size_t k = 0; k < jf.size(); ++k) {
    const auto col = column(jets, "jets", jf[k], 1);
    if (static_cast<std::size_t>(col.shape(0)) != n)
      throw input_error("jets field '" + jf[k] + "': " + std::to_string(col.shape(0)) + " rows for " + std::to_string(n) + " jets");
    const double* v = col.data();
    for (std::size_t j = 0; j < n; ++j) jet_values[j * jf.size() + k] = v[j];
  }
  // tracks: the valid slots of each jet, in slot order, as the file reader takes them
  std::vector<double> track_values;
  std::vector<std::size_t> offsets(n + 1, 0);
  if (reads_tracks) {
    const auto valid = column(tracks, "tracks", "valid", 2);
    if (static_cast<std::size_t>(valid.shape(0)) != n)
      throw input_error("tracks: " + std::to_string(valid.shape(0)) + " rows for " + std::to_string(n) + " jets");
    const std::size_t slots = static_cast<std::size_t>(valid.shape(1));
    const auto& tf = tagger.track_fields();
    std::vector<carray<double>> cols;
    for (const auto& name : tf) {
      cols.push_back(column(tracks, "tracks", name, 2));
      if (cols.back().shape(0) != valid.shape(0) || cols.back().shape(1) != valid.shape(1))
        throw input_error("tracks field '" + name + "': shape " + shape_text(cols.back()) + ", but 'valid' has " + shape_text(valid));
    }
    const double* ok = valid.data();
    for (std::size_t j = 0; j < n; ++j) {
      for (std::size_t s = 0; s < slots; ++s) {
        const std::size_t e = j * slots + s;
        if (ok[e] == 0) continue;
        for (const auto& c : cols) track_values.push_back(c.data()[e]);
        ++offsets[j + 1];
      }
      offsets[j + 1] += offsets[j];
    }
  }
  const auto& names = tagger.score_names();
  std::vector<T> scores(n * names.size());
  std::vector<int> used(n, -1);
  if (n) {
    py::gil_scoped_release release;
    workspace& ws = thread_workspace();
    tagger.evaluate_batch(n, jet_values, track_values, offsets, scores, ws);
    if (reads_tracks)
      for (std::size_t j = 0; j < n; ++j) used[j] = static_cast<int>(tagger.tracks_used(j, ws));
  }
  std::vector<std::pair<std::string, std::string>> fields;
  for (const auto& s : names) fields.emplace_back(s, sizeof(T) == 4 ? "<f4" : "<f8");
  if (reads_tracks) fields.emplace_back(ftag::n_tracks_field, "<i4");
  py::array out = structured(n, fields);
  std::vector<T> col(n);
  for (std::size_t k = 0; k < names.size(); ++k) {
    for (std::size_t j = 0; j < n; ++j) col[j] = scores[j * names.size() + k];
    set_field(out, names[k], col);
  }
  if (reads_tracks) set_field(out, ftag::n_tracks_field, used);
  return out;
}

} // namespace

void init_fields(network_class& cls) {
  cls.def(
      "evaluate_fields",
      [](const py_network& self, const py::object& jets, const py::object& tracks, bool select_tracks,
         const std::optional<std::string>& selection, const std::optional<std::string>& sort) {
        return self.float64() ? evaluate_fields<double>(self, jets, tracks, select_tracks, selection, sort)
                              : evaluate_fields<float>(self, jets, tracks, select_tracks, selection, sort);
      },
      py::arg("jets"), py::arg("tracks") = py::none(), py::kw_only(), py::arg("select_tracks") = true,
      py::arg("selection") = py::none(), py::arg("sort") = py::none(), R"doc(
Scores the jets of a training-dataset-dumper file as `hepnn eval` does.

jets: the 1-D structured array of the file's `jets` dataset (as h5py reads
  it), or a mapping {field: 1-D array}.
tracks: the 2-D structured array (jets x slots) of a track dataset, with a
  boolean `valid` field (needed when the network reads tracks).
The network's inputs are mapped to fields by name with Athena's derived
inputs (log_ptfrac, log_dr_nansafe, pt/abs_eta from pt_btagJes/
absEta_btagJes, ...) and *_isDefaults flags (flag set: the variable's
default); tracks are selected and ordered as the sequence input's name
says (tracks_<selection>_<sort>). select_tracks=False keeps the valid
tracks as stored; selection= / sort= ("r22default", "sd0sort", ...)
override the name. The C++ tagger does all of this (GIL released).

Returns a structured array with one row per jet: the scores
"<output>_<label>" (float32 or float64, as the network's precision) and,
when the network reads tracks, n_tracks_used (the tracks each jet fed) --
the fields of the score file `hepnn eval` writes.)doc");
}

} // namespace hepnn::python
