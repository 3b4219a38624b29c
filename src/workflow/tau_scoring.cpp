// Scoring rnn-tauid candidate files (ntuple2hdf.py layout): the datasets the
// networks need are read a chunk at a time, turned into candidates, and
// evaluated one by one, as Athena does per tau.
#include "hepnn/errors.hpp"
#include "hepnn/tau.hpp"

#include "formats/hdf5_file.hpp"
#include "formats/hdf5_table.hpp"
#include "workflow/files.hpp"
#include "workflow/tau_calculators.hpp"

#include <chrono>
#include <cmath>

namespace hepnn::tau {
namespace {

namespace h5 = hepnn::detail::h5;

/// One dataset feeding one member of the candidate, its tracks or its clusters.
/// Slots per candidate of one object kind that a candidate file may have.
constexpr std::size_t max_slots = 1024;

template <typename Object> struct column {
  std::string dataset;
  float Object::*member;
  std::vector<double> values;
};

class candidate_reader {
public:
  candidate_reader(const h5::file& f, const std::vector<std::string>& scalar_fields, const std::vector<std::string>& track_fields,
                   const std::vector<std::string>& cluster_fields)
      : f_(f), root_(f.root()) {
    rows_ = shape("TauJets/nTracks", 1, "the charged-track count (network choice)")[0];
    for (const auto& name : scalar_fields) {
      // the ntuple stores |ipSigLeadTrk| as absipSigLeadTrk
      std::string ds = "TauJets/" + name;
      if (name == "ipSigLeadTrk" && !root_.has_dataset(ds)) ds = "TauJets/absipSigLeadTrk";
      const auto member = detail::candidate_field(name);
      if (!member) throw config_error("tau candidates: unknown candidate field '" + name + "'");
      check(ds, 1, "the networks' input '" + name + "'");
      scalars_.push_back({ds, member, {}});
    }
    track_width_ = add_objects(track_fields, "TauTracks/", detail::track_field, "track", tracks_);
    cluster_width_ = add_objects(cluster_fields, "TauClusters/", detail::cluster_field, "cluster", clusters_);
  }

  std::size_t rows() const { return rows_; }

  /// Candidates first .. first + n - 1; valid until the next call.
  const std::vector<candidate>& read(std::size_t first, std::size_t n) {
    root_.read_rows("TauJets/nTracks", first, n, n_tracks_);
    for (auto& c : scalars_) root_.read_rows(c.dataset, first, n, c.values);
    for (auto& c : tracks_) root_.read_rows(c.dataset, first, n, c.values);
    for (auto& c : clusters_) root_.read_rows(c.dataset, first, n, c.values);
    fill(tracks_, n * track_width_, track_objects_);
    fill(clusters_, n * cluster_width_, cluster_objects_);
    candidates_.assign(n, candidate{});
    for (std::size_t j = 0; j < n; ++j) {
      candidate& c = candidates_[j];
      const double nt = n_tracks_[j];
      c.n_charged_tracks = std::isnan(nt) ? -1 : static_cast<int>(std::lround(nt));
      for (auto& col : scalars_) c.*(col.member) = static_cast<float>(col.values[j]);
      c.tracks = std::span<const track>(track_objects_).subspan(j * track_width_, track_width_);
      c.clusters = std::span<const cluster>(cluster_objects_).subspan(j * cluster_width_, cluster_width_);
    }
    return candidates_;
  }

private:
  const h5::file& f_;
  h5::group root_;
  std::size_t rows_ = 0, track_width_ = 0, cluster_width_ = 0;
  std::vector<column<candidate>> scalars_;
  std::vector<column<track>> tracks_;
  std::vector<column<cluster>> clusters_;
  std::vector<double> n_tracks_;
  std::vector<track> track_objects_;
  std::vector<cluster> cluster_objects_;
  std::vector<candidate> candidates_;

  /// Columns for the per-slot fields of one object kind; returns the slot count.
  template <typename Object>
  std::size_t add_objects(const std::vector<std::string>& names, const std::string& group, float Object::*(*member_of)(std::string_view),
                          const char* kind, std::vector<column<Object>>& out) const {
    std::size_t width = 0;
    for (const auto& name : names) {
      const auto member = member_of(name);
      if (!member) throw config_error(std::string("tau candidates: unknown ") + kind + " field '" + name + "'");
      const std::size_t w = check(group + name, 2, std::string("the networks' ") + kind + " inputs");
      // ntuple2hdf stores 10 track and 6 cluster slots; a chunk holds every slot of every column in memory
      if (w > max_slots)
        f_.fail("/" + group + name, std::to_string(w) + " " + kind + " slots per candidate; at most " +
                                        std::to_string(max_slots) + " are read (damaged file?)");
      // one slot count for the whole group: fill() reads every column over the same slots
      if (!out.empty() && w != width)
        f_.fail("/" + group + name, std::to_string(w) + " " + kind + " slots per candidate, but /" + out.front().dataset +
                                        " has " + std::to_string(width));
      width = w;
      out.push_back({group + name, member, {}});
    }
    return width;
  }

  template <typename Object>
  static void fill(const std::vector<column<Object>>& columns, std::size_t slots, std::vector<Object>& objects) {
    objects.assign(slots, Object{});
    for (const auto& c : columns)
      for (std::size_t i = 0; i < slots; ++i) objects[i].*(c.member) = static_cast<float>(c.values[i]);
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

template <typename T>
void run(const score_options& o, const std::function<void(const std::vector<evaluation>&)>& sink) {
  const basic_evaluator<T> ev(o.evaluator);
  candidate_file reader(o.input, ev.scalar_fields(), ev.track_fields(), ev.cluster_fields());
  workspace ws;
  std::vector<evaluation> results;
  const std::size_t chunk = std::max<std::size_t>(o.chunk, 1);
  for (std::size_t first = 0; first < reader.size(); first += chunk) {
    const std::size_t n = std::min(chunk, reader.size() - first);
    const auto& candidates = reader.read(first, n);
    results.resize(n);
    for (std::size_t j = 0; j < n; ++j) results[j] = ev.evaluate(candidates[j], ws);
    sink(results);
    if (o.progress) o.progress(first + n, reader.size());
  }
}

template <typename T> score_summary write(const score_options& o) {
  const auto start = std::chrono::steady_clock::now();
  score_summary sum;
  hepnn::detail::write_atomically(o.output.string(), [&](const std::string& tmp) {
    auto out = h5::file::create(tmp);
    h5::table_writer writer(out, "TauJets",
                            {{o.evaluator.output_varname, o.float64 ? "f8" : "f4"},
                             {"network", "i1"},
                             {"n_tracks_used", "i4"},
                             {"n_clusters_used", "i4"}});
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
  h5::file file;
  candidate_reader reader;
  impl(const std::filesystem::path& path, const std::vector<std::string>& s, const std::vector<std::string>& t,
       const std::vector<std::string>& c)
      : file(h5::file::open(path.string())), reader(file, s, t, c) {}
};

candidate_file::candidate_file(const std::filesystem::path& path, const std::vector<std::string>& scalar_fields,
                               const std::vector<std::string>& track_fields, const std::vector<std::string>& cluster_fields)
    : impl_(std::make_unique<impl>(path, scalar_fields, track_fields, cluster_fields)) {}
candidate_file::~candidate_file() = default;
std::size_t candidate_file::size() const noexcept { return impl_->reader.rows(); }
const std::vector<candidate>& candidate_file::read(std::size_t first, std::size_t n) { return impl_->reader.read(first, n); }

score_summary score_candidates(const score_options& o) { return o.float64 ? write<double>(o) : write<float>(o); }

std::vector<evaluation> evaluate_candidates(const score_options& o) {
  return o.float64 ? collect<double>(o) : collect<float>(o);
}

} // namespace hepnn::tau
