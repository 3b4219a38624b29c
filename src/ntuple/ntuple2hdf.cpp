// ntuple2hdf: selected entries of flat ROOT ntuples to float32 HDF5
// datasets, padded / truncated to fixed slots with NaN for absent objects,
// rows shuffled as numpy's RandomState(1234567890) does.
#include "hepnn/errors.hpp"
#include "hepnn/ntuple.hpp"
#include "hepnn/root.hpp"

#include "workflow/files.hpp"

#include <hdf5.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <unistd.h>

namespace hepnn::ntuple {
namespace {

constexpr std::int64_t chunk_entries = 65536; // entries read at a time
constexpr std::size_t max_slots = 100000;
constexpr unsigned long long member_bytes = 8ull << 30; // h5py's memb_size in ntuple2hdf.py

struct container {
  std::string prefix; ///< branch-name prefix, e.g. "TauTracks"
  std::string mask;   ///< the branch whose zeros mark absent objects
  std::size_t slots;
};

std::string and_cuts(const std::vector<std::string>& cuts) {
  std::string s;
  for (const auto& c : cuts) s += (s.empty() ? "" : " && ") + ("(" + c + ")");
  return s;
}

/// The first two parts of a branch name: "TauJets.pt" -> "TauJets/pt".
std::string dataset_name(const std::string& branch) {
  const auto dot = branch.find('.');
  if (dot == std::string::npos) return branch;
  const auto dot2 = branch.find('.', dot + 1);
  return branch.substr(0, dot) + "/" + branch.substr(dot + 1, dot2 == std::string::npos ? std::string::npos : dot2 - dot - 1);
}

struct h5id {
  hid_t id = -1;
  herr_t (*close)(hid_t) = nullptr;
  h5id(hid_t i, herr_t (*c)(hid_t)) : id(i), close(c) {}
  h5id(const h5id&) = delete;
  h5id& operator=(const h5id&) = delete;
  ~h5id() {
    if (id >= 0 && close) close(id);
  }
};

class h5_writer {
public:
  h5_writer(const std::string& path, const std::string& shown) : shown_(shown) {
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    h5id fapl(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
    if (path.find("%d") != std::string::npos) H5Pset_fapl_family(fapl.id, member_bytes, H5P_DEFAULT);
    file_ = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl.id);
    if (file_ < 0) throw error(shown_ + ": cannot create the HDF5 file");
  }
  ~h5_writer() {
    for (auto& [name, g] : groups_) H5Gclose(g);
    if (file_ >= 0) H5Fclose(file_);
  }
  h5_writer(const h5_writer&) = delete;
  h5_writer& operator=(const h5_writer&) = delete;

  /// A float32 dataset of rows × slots (slots 0: one dimension), gzip 9 + shuffle + fletcher32.
  void write(const std::string& name, const std::vector<float>& data, std::size_t rows, std::size_t slots) {
    const auto slash = name.find('/');
    hid_t parent = file_;
    if (slash != std::string::npos) {
      const std::string g = name.substr(0, slash);
      if (!groups_.count(g)) {
        const hid_t id = H5Gcreate2(file_, g.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        if (id < 0) throw error(shown_ + ": cannot create group " + g);
        groups_[g] = id;
      }
      parent = groups_[g];
    }
    const int rank = slots ? 2 : 1;
    const hsize_t dims[2] = {hsize_t(rows), hsize_t(slots)};
    h5id space(H5Screate_simple(rank, dims, nullptr), H5Sclose);
    h5id dcpl(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
    if (rows > 0) {
      // about 64 KiB chunks of whole rows
      const std::size_t row_bytes = 4 * std::max<std::size_t>(slots, 1);
      const hsize_t chunk[2] = {hsize_t(std::clamp<std::size_t>((std::size_t(1) << 16) / row_bytes, 1, rows)), hsize_t(slots)};
      H5Pset_chunk(dcpl.id, rank, chunk);
      H5Pset_fletcher32(dcpl.id);
      H5Pset_shuffle(dcpl.id);
      H5Pset_deflate(dcpl.id, 9);
    }
    const std::string leaf = slash == std::string::npos ? name : name.substr(slash + 1);
    h5id ds(H5Dcreate2(parent, leaf.c_str(), H5T_IEEE_F32LE, space.id, H5P_DEFAULT, dcpl.id, H5P_DEFAULT), H5Dclose);
    if (ds.id < 0) throw error(shown_ + ": cannot create dataset " + name + " (given twice?)");
    if (rows > 0 && H5Dwrite(ds.id, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, data.data()) < 0)
      throw error(shown_ + ": cannot write dataset " + name);
  }
  void close() {
    for (auto& [name, g] : groups_) H5Gclose(g);
    groups_.clear();
    const herr_t rc = H5Fclose(file_);
    file_ = -1;
    if (rc < 0) throw error(shown_ + ": cannot write the HDF5 file");
  }

private:
  std::string shown_;
  hid_t file_ = -1;
  std::map<std::string, hid_t> groups_;
};

/// Member i of a family name ("x_%d.h5" -> "x_3.h5").
std::string member(const std::string& pattern, std::size_t i) {
  const auto at = pattern.find("%d");
  return pattern.substr(0, at) + std::to_string(i) + pattern.substr(at + 2);
}

} // namespace

std::string selection_string(const std::string& name) {
  const std::string eta25 = "abs(TauJets.eta) < 2.5", eta25_truth = "abs(TauJets.truthEtaVis) < 2.5";
  const std::string crack = "abs(TauJets.eta) < 1.37 || abs(TauJets.eta) > 1.52",
                    crack_truth = "abs(TauJets.truthEtaVis) < 1.37 || abs(TauJets.truthEtaVis) > 1.52";
  const std::string pt20 = "TauJets.pt > 20000", pt20_truth = "TauJets.truthPtVis > 20000";
  const std::string matched = "TauJets.IsTruthMatched";
  const std::string match_kin = and_cuts({matched, eta25_truth, crack_truth, pt20_truth});
  const std::string baseline = and_cuts({eta25, crack, pt20, match_kin});
  const std::string baseline_no_truth = and_cuts({eta25, crack, pt20});
  const std::string mode_truth = and_cuts({"TauJets.nTracks == 1 || TauJets.nTracks == 3", "TauJets.truthProng == 1 || TauJets.truthProng == 3"});
  const std::string mode = "TauJets.nTracks == 1 || TauJets.nTracks == 3";
  if (name == "truth1p") return and_cuts({baseline, mode_truth, "TauJets.nTracks == 1"});
  if (name == "1p") return and_cuts({baseline_no_truth, mode, "TauJets.nTracks == 1"});
  if (name == "truth3p") return and_cuts({baseline, mode_truth, "TauJets.nTracks == 3"});
  if (name == "3p") return and_cuts({baseline_no_truth, mode, "TauJets.nTracks == 3"});
  if (name == "truthXp") return and_cuts({baseline, mode_truth});
  if (name == "Xp") return and_cuts({baseline_no_truth, mode});
  throw input_error("unknown selection '" + name + "' (truth1p, 1p, truth3p, 3p, truthXp or Xp)");
}

ntuple2hdf_summary ntuple2hdf(const ntuple2hdf_options& o) {
  if (o.inputs.empty()) throw input_error("no input ntuple");
  std::string sel = selection_string(o.selection);
  if (!o.extra_selection.empty()) {
    (void)formula(o.extra_selection, "--sel"); // errors point into the user's own text
    sel = "(" + sel + ") && (" + o.extra_selection + ")";
  }
  const formula cut(sel, "selection");

  std::vector<container> containers;
  if (o.tauid) {
    containers = {{"TauTracks", "TauTracks.pt", o.tracks}, {"TauClusters", "TauClusters.et", o.clusters}};
  } else {
    containers = {{"ChargedPFO", "ChargedPFO.pt", o.charged_pfos},
                  {"NeutralPFO", "NeutralPFO.pt", o.neutral_pfos},
                  {"ShotPFO", "ShotPFO.pt", o.shot_pfos},
                  {"ConvTrack", "ConvTrack.pt", o.conv_tracks}};
  }
  for (const auto& c : containers)
    if (c.slots == 0 || c.slots > max_slots) throw input_error(c.prefix + ": slot count must be 1 to " + std::to_string(max_slots));

  // the branch list comes from the first file, as list_branches does
  std::vector<std::string> scalars;
  std::vector<std::vector<std::string>> sequences(containers.size());
  {
    const root::file f(o.inputs.front());
    const root::tree t = f.open_tree(o.tree);
    for (const auto& b : t.branches()) {
      if (!b.parent.empty()) continue;
      if (b.name.rfind("TauJets", 0) == 0) scalars.push_back(b.name);
      for (std::size_t k = 0; k < containers.size(); ++k)
        if (b.name.rfind(containers[k].prefix, 0) == 0) sequences[k].push_back(b.name);
    }
    for (std::size_t k = 0; k < containers.size(); ++k)
      if (!sequences[k].empty() && std::find(sequences[k].begin(), sequences[k].end(), containers[k].mask) == sequences[k].end())
        throw input_error(o.inputs.front() + ": tree '" + o.tree + "' has " + containers[k].prefix + " branches but no " + containers[k].mask +
                          " (the mask of absent objects)");
  }

  ntuple2hdf_summary sum;
  std::size_t total = 0;
  for (const auto& in : o.inputs) total += std::size_t(root::file(in).open_tree(o.tree).info().entries);
  std::vector<std::vector<float>> scalar_out(scalars.size());
  std::vector<std::vector<std::vector<float>>> seq_out(containers.size());
  for (std::size_t k = 0; k < containers.size(); ++k) seq_out[k].resize(sequences[k].size());

  for (const auto& in : o.inputs) {
    const root::file f(in);
    const root::tree t = f.open_tree(o.tree);
    const std::int64_t n = t.info().entries;
    for (const auto& v : cut.variables()) {
      const auto& b = t.branch(v);
      if (b.shape != root::shape::scalar || b.type_of_values == root::value_type::string)
        throw input_error(in + ": the selection uses branch '" + v + "' of type '" + b.type + "', not a number per entry");
    }
    for (std::int64_t first = 0; first < n; first += chunk_entries) {
      const std::int64_t last = std::min(n, first + chunk_entries);
      // the selection on native values
      std::vector<root::branch_values> vars;
      for (const auto& v : cut.variables()) vars.push_back(t.read(v, first, last));
      std::vector<std::size_t> pass;
      std::vector<double> x(vars.size());
      for (std::int64_t e = 0; e < last - first; ++e) {
        for (std::size_t k = 0; k < vars.size(); ++k) x[k] = vars[k].columns[0].as_double(std::size_t(e));
        const double r = cut.evaluate(x.data());
        if (r != 0 && !std::isnan(r)) pass.push_back(std::size_t(e));
      }
      for (std::size_t s = 0; s < scalars.size(); ++s) {
        const auto v = t.read(scalars[s], first, last);
        const auto& c = v.columns.front();
        if (c.depth != 0 || c.type == root::value_type::string)
          throw input_error(in + ": branch '" + scalars[s] + "' is not a number per entry (type '" + t.branch(scalars[s]).type + "')");
        for (const auto e : pass) scalar_out[s].push_back(float(c.as_double(e)));
      }
      for (std::size_t k = 0; k < containers.size(); ++k) {
        const std::size_t slots = containers[k].slots;
        for (std::size_t s = 0; s < sequences[k].size(); ++s) {
          const auto v = t.read(sequences[k][s], first, last);
          const auto& c = v.columns.front();
          if (c.depth != 1 || c.type == root::value_type::string)
            throw input_error(in + ": branch '" + sequences[k][s] + "' is not a list of numbers per entry (type '" + t.branch(sequences[k][s]).type + "')");
          auto& outv = seq_out[k][s];
          for (const auto e : pass) {
            const std::size_t a = c.offsets[e], z = c.offsets[e + 1];
            for (std::size_t i = 0; i < slots; ++i) outv.push_back(a + i < z ? float(c.as_double(a + i)) : 0.0f);
          }
        }
      }
      sum.entries += std::size_t(last - first);
      sum.rows += pass.size();
      if (o.progress) o.progress(sum.entries, total);
    }
  }
  // absent objects: NaN in every variable where the mask variable is 0
  for (std::size_t k = 0; k < containers.size(); ++k) {
    if (sequences[k].empty()) continue;
    const auto mi = std::size_t(std::find(sequences[k].begin(), sequences[k].end(), containers[k].mask) - sequences[k].begin());
    const std::vector<float> mask = seq_out[k][mi];
    for (auto& v : seq_out[k])
      for (std::size_t i = 0; i < v.size(); ++i)
        if (mask[i] == 0.0f) v[i] = NAN;
  }
  // the same row order for every dataset
  const auto order = numpy_shuffle_order(sum.rows, o.seed);
  auto permuted = [&](const std::vector<float>& v, std::size_t width) {
    std::vector<float> r(v.size());
    for (std::size_t i = 0; i < order.size(); ++i) std::copy_n(v.begin() + std::ptrdiff_t(order[i] * width), width, r.begin() + std::ptrdiff_t(i * width));
    return r;
  };

  const bool family = o.output.find("%d") != std::string::npos;
  if (family && (o.output.find('%') != o.output.find("%d") || o.output.find('%', o.output.find("%d") + 1) != std::string::npos))
    throw input_error(o.output + ": a file family name has one '%d' and no other '%'");
  std::vector<detail::named_input> named;
  for (const auto& in : o.inputs) named.push_back({"the ntuple", in});
  detail::refuse_overwriting_inputs(o.output, named);
  auto write_all = [&](const std::string& path) {
    h5_writer w(path, o.output);
    for (std::size_t s = 0; s < scalars.size(); ++s) w.write(dataset_name(scalars[s]), permuted(scalar_out[s], 1), sum.rows, 0);
    for (std::size_t k = 0; k < containers.size(); ++k)
      for (std::size_t s = 0; s < sequences[k].size(); ++s)
        w.write(dataset_name(sequences[k][s]), permuted(seq_out[k][s], containers[k].slots), sum.rows, containers[k].slots);
    w.close();
  };
  sum.datasets = scalars.size();
  for (const auto& s : sequences) sum.datasets += s.size();
  if (!family) {
    detail::write_atomically(o.output, write_all);
    sum.members.push_back(o.output);
    return sum;
  }
  // a family: written under temporary member names, renamed when complete
  const std::string tmp = o.output + ".partial-" + std::to_string(::getpid());
  try {
    write_all(tmp);
  } catch (...) {
    for (std::size_t i = 0; std::filesystem::exists(member(tmp, i)); ++i) std::filesystem::remove(member(tmp, i));
    throw;
  }
  for (std::size_t i = 0; std::filesystem::exists(member(tmp, i)); ++i) {
    std::filesystem::rename(member(tmp, i), member(o.output, i));
    sum.members.push_back(member(o.output, i));
  }
  return sum;
}

} // namespace hepnn::ntuple
