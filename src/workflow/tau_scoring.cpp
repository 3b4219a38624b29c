// Scoring rnn-tauid candidate files (ntuple2hdf.py layout): the datasets the
// networks need are read a chunk at a time (their raw chunks, inflated by
// worker threads, when the filters allow it), turned into candidates, and
// evaluated in batches, one per network, with the scores back in input order.
#include "hepnn/errors.hpp"
#include "hepnn/root.hpp"
#include "hepnn/tau.hpp"

#include "formats/hdf5_file.hpp"
#include "formats/hdf5_table.hpp"
#include "workflow/files.hpp"
#include "workflow/pipeline.hpp"
#include "workflow/tau_calculators.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <fstream>
#include <optional>

namespace hepnn::tau {
namespace {

namespace h5 = hepnn::detail::h5;

/// One dataset feeding one member of the candidate, its tracks or its
/// clusters; read through its raw chunks when they allow it.
template <typename Object> struct column {
  std::string dataset;
  float Object::*member;
  std::optional<h5::numeric_chunks> chunks;
};

/// One chunk of candidates in its stages: what the HDF5 thread read (raw
/// chunks, or values HDF5 converted), the values, the objects and the
/// candidates built from them.
struct candidate_chunk {
  std::vector<std::vector<h5::raw_chunk>> raw; ///< per dataset: nTracks, scalars, tracks, clusters
  std::vector<std::vector<double>> values;     ///< per dataset
  std::vector<unsigned char> bytes;
  std::vector<track> track_objects;
  std::vector<cluster> cluster_objects;
  std::vector<candidate> candidates;
};

class candidate_reader {
public:
  candidate_reader(const h5::file& f, const std::vector<std::string>& scalar_fields, const std::vector<std::string>& track_fields,
                   const std::vector<std::string>& cluster_fields)
      : f_(f), root_(f.root()) {
    rows_ = shape("TauJets/nTracks", 1, "the charged-track count (network choice)")[0];
    n_tracks_chunks_ = h5::numeric_chunks::open(root_, "TauJets/nTracks");
    for (const auto& name : scalar_fields) {
      // the ntuple stores |ipSigLeadTrk| as absipSigLeadTrk
      std::string ds = "TauJets/" + name;
      if (name == "ipSigLeadTrk" && !root_.has_dataset(ds)) ds = "TauJets/absipSigLeadTrk";
      const auto member = detail::candidate_field(name);
      if (!member) throw config_error("tau candidates: unknown candidate field '" + name + "'");
      check(ds, 1, "the networks' input '" + name + "'");
      scalars_.push_back({ds, member, h5::numeric_chunks::open(root_, ds)});
    }
    track_width_ = add_objects(track_fields, "TauTracks/", detail::track_field, "track", tracks_);
    cluster_width_ = add_objects(cluster_fields, "TauClusters/", detail::cluster_field, "cluster", clusters_);
  }

  std::size_t rows() const { return rows_; }
  /// Candidates per read, at most `wanted`, so that a chunk's values and objects stay within h5::max_read_bytes.
  std::size_t rows_per_read(std::size_t wanted) const {
    const std::size_t per_row = (track_width_ * (sizeof(track) + 8 * tracks_.size()) +
                                 cluster_width_ * (sizeof(cluster) + 8 * clusters_.size()) + sizeof(candidate) + 8 * (scalars_.size() + 1));
    return std::clamp<std::size_t>(h5::max_read_bytes / per_row, 1, std::max<std::size_t>(wanted, 1));
  }

  /// HDF5 thread: candidates first .. first + n − 1 as stored.
  void fetch(std::size_t first, std::size_t n, candidate_chunk& c) const {
    const std::size_t k = 1 + scalars_.size() + tracks_.size() + clusters_.size();
    c.raw.resize(k);
    c.values.resize(k);
    std::size_t i = 0;
    auto one = [&](const std::string& ds, const std::optional<h5::numeric_chunks>& chunks, std::size_t width) {
      if (chunks) chunks->reader().read(first, n, c.raw[i]);
      else root_.read_rows(ds, first, n, c.values[i], width);
      ++i;
    };
    one("TauJets/nTracks", n_tracks_chunks_, 1);
    for (const auto& col : scalars_) one(col.dataset, col.chunks, 1);
    for (const auto& col : tracks_) one(col.dataset, col.chunks, track_width_);
    for (const auto& col : clusters_) one(col.dataset, col.chunks, cluster_width_);
  }

  /// Any thread: the candidates of what fetch() read.
  const std::vector<candidate>& build(std::size_t first, std::size_t n, candidate_chunk& c, h5::chunk_scratch& scratch) const {
    std::size_t i = 0;
    auto one = [&](const std::optional<h5::numeric_chunks>& chunks) {
      if (chunks) chunks->decode(first, n, c.raw[i], c.bytes, c.values[i], scratch);
      return &c.values[i++];
    };
    const std::vector<double>& n_tracks = *one(n_tracks_chunks_);
    std::vector<const std::vector<double>*> scalars, tracks, clusters;
    for (const auto& col : scalars_) scalars.push_back(one(col.chunks));
    for (const auto& col : tracks_) tracks.push_back(one(col.chunks));
    for (const auto& col : clusters_) clusters.push_back(one(col.chunks));
    fill(tracks_, tracks, n * track_width_, c.track_objects);
    fill(clusters_, clusters, n * cluster_width_, c.cluster_objects);
    c.candidates.assign(n, candidate{});
    for (std::size_t j = 0; j < n; ++j) {
      candidate& cand = c.candidates[j];
      const double nt = n_tracks[j];
      cand.n_charged_tracks = std::isnan(nt) ? -1 : static_cast<int>(std::lround(nt));
      for (std::size_t k = 0; k < scalars_.size(); ++k) cand.*(scalars_[k].member) = static_cast<float>((*scalars[k])[j]);
      cand.tracks = std::span<const track>(c.track_objects).subspan(j * track_width_, track_width_);
      cand.clusters = std::span<const cluster>(c.cluster_objects).subspan(j * cluster_width_, cluster_width_);
    }
    return c.candidates;
  }

  /// Candidates first .. first + n − 1 on the calling thread; valid until the next call.
  const std::vector<candidate>& read(std::size_t first, std::size_t n) {
    fetch(first, n, own_);
    return build(first, n, own_, scratch_);
  }

private:
  const h5::file& f_;
  h5::group root_;
  std::size_t rows_ = 0, track_width_ = 0, cluster_width_ = 0;
  std::optional<h5::numeric_chunks> n_tracks_chunks_;
  std::vector<column<candidate>> scalars_;
  std::vector<column<track>> tracks_;
  std::vector<column<cluster>> clusters_;
  candidate_chunk own_;
  h5::chunk_scratch scratch_;

  /// Columns for the per-slot fields of one object kind; returns the slot count.
  template <typename Object>
  std::size_t add_objects(const std::vector<std::string>& names, const std::string& group, float Object::*(*member_of)(std::string_view),
                          const char* kind, std::vector<column<Object>>& out) const {
    // every dataset of a group must have the same slots per candidate
    std::size_t width = 0;
    std::string first;
    for (const auto& name : names) {
      const auto member = member_of(name);
      if (!member) throw config_error(std::string("tau candidates: unknown ") + kind + " field '" + name + "'");
      const std::size_t w = check(group + name, 2, std::string("the networks' ") + kind + " inputs");
      if (w > h5::max_slots)
        f_.fail("/" + group + name, std::to_string(w) + " " + kind + " slots per candidate: more than the limit of " +
                                        std::to_string(h5::max_slots));
      if (first.empty()) {
        width = w, first = group + name;
      } else if (w != width) {
        f_.fail("/" + group + name, std::to_string(w) + " " + kind + " slots per candidate, but /" + first + " has " +
                                        std::to_string(width) + " (the datasets of /" + group.substr(0, group.size() - 1) +
                                        " must agree)");
      }
      out.push_back({group + name, member, h5::numeric_chunks::open(root_, group + name)});
    }
    return width;
  }

  template <typename Object>
  static void fill(const std::vector<column<Object>>& columns, const std::vector<const std::vector<double>*>& values, std::size_t slots,
                   std::vector<Object>& objects) {
    objects.assign(slots, Object{});
    for (std::size_t k = 0; k < columns.size(); ++k)
      if (values[k]->size() < slots) throw error("tau candidates: /" + columns[k].dataset + " read " + std::to_string(values[k]->size()) +
                                                 " values for " + std::to_string(slots) + " slots");
    for (std::size_t k = 0; k < columns.size(); ++k) {
      const auto member = columns[k].member;
      const double* v = values[k]->data();
      for (std::size_t i = 0; i < slots; ++i) objects[i].*member = static_cast<float>(v[i]);
    }
  }

  std::vector<std::size_t> shape(const std::string& ds, std::size_t rank, const std::string& purpose) const {
    if (!root_.has_dataset(ds)) f_.fail("/" + ds, "no such dataset (needed for " + purpose + ")");
    const auto info = root_.info(ds);
    if (!info.is_float && !info.is_integer) f_.fail("/" + ds, "not numeric (needed for " + purpose + ")");
    if (info.shape.size() != rank)
      f_.fail("/" + ds, "expected " + std::to_string(rank) + " dimension(s), found " + std::to_string(info.shape.size()));
    return info.shape;
  }
  /// The second dimension (slots), after checking the row count.
  std::size_t check(const std::string& ds, std::size_t rank, const std::string& purpose) const {
    const auto s = shape(ds, rank, purpose);
    if (s[0] != rows_)
      f_.fail("/" + ds, std::to_string(s[0]) + " rows, but /TauJets/nTracks has " + std::to_string(rows_));
    return rank == 2 ? s[1] : 1;
  }
};

/// One pipeline item, and a thread's scratch.
struct tau_item {
  std::size_t first = 0, n = 0;
  candidate_chunk data;
  std::vector<evaluation> results;
};
struct tau_worker {
  batch_workspace ws;
  h5::chunk_scratch scratch;
};

/// The same candidates from a flat ROOT ntuple in NtupleCreator's layout:
/// scalar branches TauJets.<var>, std::vector branches TauTracks.<var> and
/// TauClusters.<var>. Each candidate gets exactly its stored objects.
class root_candidate_reader {
public:
  root_candidate_reader(const std::string& path, const std::vector<std::string>& scalar_fields,
                        const std::vector<std::string>& track_fields, const std::vector<std::string>& cluster_fields)
      : file_(path), tree_(file_.open_tree(pick_tree(file_))) {
    need("TauJets.nTracks", false, "the charged-track count (network choice)");
    for (const auto& name : scalar_fields) {
      std::string br = "TauJets." + name;
      if (name == "ipSigLeadTrk" && !has(br)) br = "TauJets.absipSigLeadTrk";
      const auto member = detail::candidate_field(name);
      if (!member) throw config_error("tau candidates: unknown candidate field '" + name + "'");
      need(br, false, "the networks' input '" + name + "'");
      scalars_.push_back({br, member});
    }
    for (const auto& name : track_fields) {
      const auto member = detail::track_field(name);
      if (!member) throw config_error("tau candidates: unknown track field '" + name + "'");
      need("TauTracks." + name, true, "the networks' track inputs");
      tracks_.push_back({"TauTracks." + name, member});
    }
    for (const auto& name : cluster_fields) {
      const auto member = detail::cluster_field(name);
      if (!member) throw config_error("tau candidates: unknown cluster field '" + name + "'");
      need("TauClusters." + name, true, "the networks' cluster inputs");
      clusters_.push_back({"TauClusters." + name, member});
    }
  }
  std::size_t rows() const { return std::size_t(tree_.info().entries); }
  std::size_t rows_per_read(std::size_t wanted) const { return std::clamp<std::size_t>(wanted, 1, 65536); }

  const std::vector<candidate>& read(std::size_t first, std::size_t n) {
    const auto a = std::int64_t(first), b = std::int64_t(first + n);
    const auto nt = tree_.read("TauJets.nTracks", a, b);
    candidates_.assign(n, candidate{});
    for (std::size_t j = 0; j < n; ++j) {
      const double v = nt.columns[0].as_double(j);
      candidates_[j].n_charged_tracks = std::isnan(v) ? -1 : static_cast<int>(std::lround(v));
    }
    for (const auto& [br, member] : scalars_) {
      const auto v = tree_.read(br, a, b);
      for (std::size_t j = 0; j < n; ++j) candidates_[j].*member = static_cast<float>(v.columns[0].as_double(j));
    }
    const auto track_starts = fill(tracks_, a, b, track_objects_);
    const auto cluster_starts = fill(clusters_, a, b, cluster_objects_);
    for (std::size_t j = 0; j < n; ++j) {
      if (!tracks_.empty())
        candidates_[j].tracks = std::span<const track>(track_objects_).subspan(track_starts[j], track_starts[j + 1] - track_starts[j]);
      if (!clusters_.empty())
        candidates_[j].clusters =
            std::span<const cluster>(cluster_objects_).subspan(cluster_starts[j], cluster_starts[j + 1] - cluster_starts[j]);
    }
    return candidates_;
  }

private:
  root::file file_;
  root::tree tree_;
  std::vector<std::pair<std::string, float candidate::*>> scalars_;
  std::vector<std::pair<std::string, float track::*>> tracks_;
  std::vector<std::pair<std::string, float cluster::*>> clusters_;
  std::vector<candidate> candidates_;
  std::vector<track> track_objects_;
  std::vector<cluster> cluster_objects_;

  static std::string pick_tree(const root::file& f) {
    const auto trees = f.trees();
    if (trees.size() == 1) return trees.front().path;
    for (const char* name : {"tree", "CollectionTree"})
      for (const auto& t : trees)
        if (t.path == name) return t.path;
    std::string names;
    for (const auto& t : trees) names += (names.empty() ? "" : ", ") + t.path;
    throw config_error(f.path() + ": which tree holds the candidates? (" + (names.empty() ? "no trees" : names) +
                       "; NtupleCreator's is 'tree')");
  }
  bool has(const std::string& br) const {
    for (const auto& b : tree_.branches())
      if (b.name == br) return true;
    return false;
  }
  void need(const std::string& br, bool vector, const std::string& purpose) const {
    if (!has(br)) throw config_error(file_.path() + ": tree '" + tree_.info().path + "' has no branch '" + br + "' (needed for " + purpose + ")");
    const auto& b = tree_.branch(br);
    const bool ok = vector ? b.shape == root::shape::vector : b.shape == root::shape::scalar;
    if (!ok || b.type_of_values == root::value_type::string)
      throw config_error(file_.path() + ": branch '" + br + "' is '" + b.type + "', not " +
                         (vector ? "a std::vector of numbers" : "one number per entry") + " (needed for " + purpose + ")");
  }
  /// Objects of entries [a, b) from their branches; returns each entry's first object (and the end).
  template <typename Object>
  std::vector<std::size_t> fill(const std::vector<std::pair<std::string, float Object::*>>& cols, std::int64_t a, std::int64_t b,
                                std::vector<Object>& objects) {
    std::vector<std::size_t> starts;
    objects.clear();
    if (cols.empty()) return starts;
    bool first = true;
    for (const auto& [br, member] : cols) {
      const auto v = tree_.read(br, a, b);
      const auto& c = v.columns[0];
      if (first) {
        starts.assign(c.offsets.begin(), c.offsets.end());
        objects.assign(c.size(), Object{});
        first = false;
      } else if (c.offsets != starts) {
        throw config_error(file_.path() + ": branch '" + br + "' has a different number of objects than '" + cols.front().first +
                           "' in entries " + std::to_string(a) + " to " + std::to_string(b - 1));
      }
      for (std::size_t i = 0; i < c.size(); ++i) objects[i].*member = static_cast<float>(c.as_double(i));
    }
    return starts;
  }
};

bool is_root_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  char magic[4] = {};
  in.read(magic, 4);
  return in.gcount() == 4 && std::memcmp(magic, "root", 4) == 0;
}

/// A ROOT ntuple: read and evaluated on the calling thread, a chunk at a time.
template <typename T>
void run_root(const basic_evaluator<T>& ev, const score_options& o,
              const std::function<void(const std::vector<evaluation>&)>& sink) {
  root_candidate_reader reader(o.input.string(), ev.scalar_fields(), ev.track_fields(), ev.cluster_fields());
  batch_workspace ws;
  std::vector<evaluation> results;
  const std::size_t chunk = reader.rows_per_read(o.chunk), total = reader.rows();
  for (std::size_t first = 0; first < total; first += chunk) {
    const std::size_t n = std::min(chunk, total - first);
    const auto& candidates = reader.read(first, n);
    results.resize(n);
    ev.evaluate_batch(candidates, results, ws);
    sink(results);
    if (o.progress) o.progress(first + n, total);
  }
}

template <typename T>
void run(const score_options& o, const std::function<void(const std::vector<evaluation>&)>& sink) {
  const basic_evaluator<T> ev(o.evaluator);
  if (is_root_file(o.input)) return run_root(ev, o, sink);
  const auto f = h5::file::open(o.input.string());
  const candidate_reader reader(f, ev.scalar_fields(), ev.track_fields(), ev.cluster_fields());
  const std::size_t chunk = reader.rows_per_read(o.chunk), total = reader.rows();
  const std::size_t items = (total + chunk - 1) / chunk;
  const std::size_t threads = std::min(hepnn::detail::thread_count(o.threads), std::max<std::size_t>(items, 1));
  const std::size_t ring = threads > 1 ? 2 * threads : 1;
  std::vector<tau_item> slots(ring);
  std::vector<tau_worker> workers(threads);
  hepnn::detail::pipeline_stages stages;
  stages.read = [&](std::size_t i, std::size_t slot) {
    tau_item& it = slots[slot];
    it.first = i * chunk;
    it.n = std::min(chunk, total - it.first);
    reader.fetch(it.first, it.n, it.data);
  };
  stages.work = [&](std::size_t slot, std::size_t w) {
    tau_item& it = slots[slot];
    const auto& candidates = reader.build(it.first, it.n, it.data, workers[w].scratch);
    it.results.resize(it.n);
    ev.evaluate_batch(candidates, it.results, workers[w].ws);
  };
  stages.write = [&](std::size_t, std::size_t slot) {
    const tau_item& it = slots[slot];
    sink(it.results);
    if (o.progress) o.progress(it.first + it.n, total);
  };
  hepnn::detail::run_pipeline(threads, items, ring, stages);
}

template <typename T> score_summary write(const score_options& o) {
  const auto start = std::chrono::steady_clock::now();
  score_summary sum;
  const auto& e = o.evaluator;
  hepnn::detail::refuse_overwriting_inputs(o.output.string(), {{"the candidate file", o.input.string()},
                                                               {"--net-0p", e.network_0p.string()},
                                                               {"--net-1p", e.network_1p.string()},
                                                               {"--net-2p", e.network_2p.string()},
                                                               {"--net-3p", e.network_3p.string()}});
  hepnn::detail::write_atomically(o.output.string(), [&](const std::string& tmp) {
    auto out = h5::file::create(tmp, o.output.string());
    h5::table_writer writer(out, "TauJets",
                            {{o.evaluator.output_varname, o.float64 ? "f8" : "f4", "the score (--output-varname)"},
                             {"network", "i1", "the network choice"},
                             {"n_tracks_used", "i4", "the tracks fed"},
                             {"n_clusters_used", "i4", "the clusters fed"}});
    std::vector<double> rows;
    run<T>(o, [&](const std::vector<evaluation>& results) {
      rows.clear();
      for (const auto& r : results) {
        rows.insert(rows.end(), {r.score, double(r.network), double(r.tracks_used), double(r.clusters_used)});
        ++sum.candidates;
        if (r.network >= 0 && r.score != no_score) {
          ++sum.scored;
          ++sum.by_network[r.network];
        }
      }
      writer.append(rows.data(), results.size());
    });
    auto root = out.root();
    h5::write_string_attribute(root, "input", o.input.string());
    h5::write_string_attribute(root, "network_1p", o.evaluator.network_1p.string());
    h5::write_string_attribute(root, "network_3p", o.evaluator.network_3p.string());
    h5::write_string_attribute(root, "precision", o.float64 ? "float64" : "float32");
    out.flush();
  });
  sum.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return sum;
}

template <typename T> std::vector<evaluation> collect(const score_options& o) {
  std::vector<evaluation> all;
  run<T>(o, [&](const std::vector<evaluation>& r) { all.insert(all.end(), r.begin(), r.end()); });
  return all;
}

} // namespace

struct candidate_file::impl {
  // HDF5 (ntuple2hdf's output) or a ROOT ntuple (its input), by the file's signature
  std::unique_ptr<h5::file> file;
  std::unique_ptr<candidate_reader> reader;
  std::unique_ptr<root_candidate_reader> root_reader;
  impl(const std::filesystem::path& path, const std::vector<std::string>& s, const std::vector<std::string>& t,
       const std::vector<std::string>& c) {
    if (is_root_file(path)) {
      root_reader = std::make_unique<root_candidate_reader>(path.string(), s, t, c);
    } else {
      file = std::make_unique<h5::file>(h5::file::open(path.string()));
      reader = std::make_unique<candidate_reader>(*file, s, t, c);
    }
  }
};

candidate_file::candidate_file(const std::filesystem::path& path, const std::vector<std::string>& scalar_fields,
                               const std::vector<std::string>& track_fields, const std::vector<std::string>& cluster_fields)
    : impl_(std::make_unique<impl>(path, scalar_fields, track_fields, cluster_fields)) {}
candidate_file::~candidate_file() = default;
std::size_t candidate_file::size() const noexcept { return impl_->reader ? impl_->reader->rows() : impl_->root_reader->rows(); }
std::size_t candidate_file::rows_per_read(std::size_t wanted) const {
  return impl_->reader ? impl_->reader->rows_per_read(wanted) : impl_->root_reader->rows_per_read(wanted);
}
const std::vector<candidate>& candidate_file::read(std::size_t first, std::size_t n) {
  return impl_->reader ? impl_->reader->read(first, n) : impl_->root_reader->read(first, n);
}

score_summary score_candidates(const score_options& o) { return o.float64 ? write<double>(o) : write<float>(o); }

std::vector<evaluation> evaluate_candidates(const score_options& o) {
  return o.float64 ? collect<double>(o) : collect<float>(o);
}

} // namespace hepnn::tau
