// Scoring dumper ntuples: jets and their valid tracks are read a chunk at a
// time, handed to the tagger's batch path, and the scores streamed out.
#include "hepnn/errors.hpp"
#include "hepnn/ftag.hpp"
#include "hepnn/io.hpp"

#include "formats/hdf5_table.hpp"
#include "workflow/files.hpp"
#include "model/text.hpp"

#include <algorithm>
#include <chrono>
#include <cstring>

namespace hepnn::ftag {
namespace {

namespace h5 = detail::h5;

/// The track dataset to read: the one asked for, or the only 2-D table with
/// a `valid` field.
std::string track_dataset(const h5::file& f, const std::string& jets, const std::string& asked) {
  if (!asked.empty()) return asked;
  std::vector<std::string> found;
  for (const auto& name : f.root().members()) {
    if (name == jets || !f.root().has_dataset(name)) continue;
    const auto info = f.root().info(name);
    if (info.is_compound && info.shape.size() == 2) found.push_back(name);
  }
  if (found.size() == 1) return found[0];
  if (found.empty()) f.fail("/", "the network reads tracks, but the file has no 2-D track dataset");
  f.fail("/", "several track datasets (" + detail::join(found) + "): choose one with --tracks");
}

/// What the scoring of a file found out before its first chunk.
struct scoring_info {
  std::string tracks_dataset; ///< empty when the network reads no tracks
  std::string track_handling;
  std::vector<std::string> score_names;
  std::vector<std::string> copy_types; ///< of score_options::copy_fields, in the file's spelling
  std::size_t tracks_seen = 0, tracks_used = 0;
};

/// One chunk's results: scores (jets × score_names), tracks fed per jet (−1
/// without tracks), and the copied jet fields, each in its own type, packed
/// (jets × the bytes of copy_fields): copied exactly, never through double.
template <typename T>
using chunk_sink = std::function<void(std::size_t n, const std::vector<T>& scores,
                                      const std::vector<int>& n_tracks, const std::vector<unsigned char>& copied)>;

template <typename T>
void run(const score_options& o, scoring_info& info, const std::function<void(const scoring_info&)>& start,
         const chunk_sink<T>& sink) {
  const model m = o.network_model ? *o.network_model : read_network(o.network);
  const auto f = h5::file::open(o.input.string());
  const h5::table jets(f, o.jets);
  if (jets.width() != 1) f.fail(jets.path(), "expected one row per jet (a 1-D dataset)");

  tagger_options topt = o.tagger;
  topt.jet_fields_available = jets.field_names();
  std::optional<h5::table> tracks;
  if (!m.input_sequences.empty()) {
    info.tracks_dataset = track_dataset(f, o.jets, o.tracks);
    tracks.emplace(f, info.tracks_dataset);
    if (tracks->rows() != jets.rows())
      f.fail(tracks->path(), std::to_string(tracks->rows()) + " rows for " + std::to_string(jets.rows()) + " jets in " + jets.path());
    tracks->require({"valid"}, "telling real tracks from padding");
    topt.track_fields_available = tracks->field_names();
  }
  const basic_tagger<T> tagger = [&] {
    try {
      return basic_tagger<T>(m, topt);
    } catch (const config_error& e) {
      throw config_error((o.network.empty() ? std::string("the network") : o.network.string()) + " on " + o.input.string() + ": " +
                         e.what());
    }
  }();
  if (tracks) info.track_handling = tagger.track_handling();
  info.score_names = tagger.score_names();
  jets.require(tagger.jet_fields(), "the network's jet inputs");
  jets.require(o.copy_fields, "--copy");
  for (const auto& name : o.copy_fields) info.copy_types.push_back(jets.find(name)->type);
  std::vector<std::string> track_fields = tagger.track_fields();
  if (tracks) {
    tracks->require(track_fields, "the network's track inputs");
    track_fields.push_back("valid");
  }
  if (start) start(info);

  workspace ws;
  std::vector<double> jet_values, track_row, track_values;
  std::vector<unsigned char> copied;
  std::vector<std::size_t> offsets;
  std::vector<T> scores;
  std::vector<int> n_tracks;
  // memory stays bounded whatever the file declares: fewer jets per chunk for wide track tables
  std::size_t chunk = jets.rows_per_read(o.chunk);
  if (tracks) chunk = tracks->rows_per_read(chunk);
  const std::size_t nt = track_fields.size(), width = tracks ? tracks->width() : 0;
  for (std::size_t first = 0; first < jets.rows(); first += chunk) {
    const std::size_t n = std::min(chunk, jets.rows() - first);
    jets.read(first, n, tagger.jet_fields(), jet_values);
    if (!o.copy_fields.empty()) {
      const auto& rows = jets.fetch(first, n, o.copy_fields);
      copied.clear();
      for (std::size_t j = 0; j < n; ++j)
        for (std::size_t k = 0; k < o.copy_fields.size(); ++k) copied.insert(copied.end(), rows.raw(j, k), rows.raw(j, k) + rows.size(k));
    }
    offsets.assign(n + 1, 0);
    n_tracks.assign(n, -1);
    if (tracks) {
      // only the valid slots are converted: most of a dumper's track table is padding
      const auto& rows = tracks->fetch(first, n, track_fields);
      track_values.clear();
      track_row.resize(nt);
      // tracks are counted, not derived from the values: a sequence may read no track field
      std::size_t valid = 0;
      for (std::size_t j = 0; j < n; ++j) {
        for (std::size_t s = 0; s < width; ++s) {
          const std::size_t e = j * width + s;
          if (rows.value(e, nt - 1) == 0) continue;
          rows.convert(e, track_row.data());
          track_values.insert(track_values.end(), track_row.begin(), track_row.end() - 1);
          ++valid;
        }
        offsets[j + 1] = valid;
      }
      info.tracks_seen += offsets[n];
    }
    scores.resize(n * info.score_names.size());
    try {
      tagger.evaluate_batch(n, jet_values, track_values, offsets, scores, ws);
    } catch (const input_error& e) {
      throw input_error(o.input.string() + ": jets " + std::to_string(first) + ".." + std::to_string(first + n - 1) + ": " +
                        e.what() + " (events count from jet " + std::to_string(first) + ")");
    }
    if (tracks) {
      // the tracks each jet really fed, after selection
      for (std::size_t j = 0; j < n; ++j) {
        n_tracks[j] = static_cast<int>(tagger.tracks_used(j, ws));
        info.tracks_used += static_cast<std::size_t>(n_tracks[j]);
      }
    }
    sink(n, scores, n_tracks, copied);
    if (o.progress) o.progress(first + n, jets.rows());
  }
}

template <typename T> scored_jets collect(const score_options& o) {
  scored_jets out;
  scoring_info info;
  run<T>(o, info, {},
         [&](std::size_t, const std::vector<T>& scores, const std::vector<int>& n_tracks, const std::vector<unsigned char>&) {
           out.scores.insert(out.scores.end(), scores.begin(), scores.end());
           out.n_tracks.insert(out.n_tracks.end(), n_tracks.begin(), n_tracks.end());
         });
  out.score_names = std::move(info.score_names);
  out.tracks_dataset = std::move(info.tracks_dataset);
  out.track_handling = std::move(info.track_handling);
  return out;
}

template <typename T> score_summary write(const score_options& o) {
  const auto start = std::chrono::steady_clock::now();
  score_summary sum;
  scoring_info info;
  detail::refuse_overwriting_inputs(o.output.string(), {{"the input ntuple", o.input.string()}, {"the network", o.network.string()}});
  detail::write_atomically(o.output.string(), [&](const std::string& tmp) {
    auto out = h5::file::create(tmp, o.output.string());
    std::optional<h5::table_writer> writer;
    std::vector<unsigned char> rows;
    // scores, the tracks each jet fed (when it has tracks), then the copied fields in their own types
    const auto created = [&](const scoring_info& i) {
      std::vector<h5::table_writer::column> cols;
      const std::string net = o.network.empty() ? std::string("the network") : o.network.string();
      for (const auto& name : i.score_names) cols.push_back({name, o.float64 ? "f8" : "f4", "a score of " + net});
      if (!i.tracks_dataset.empty()) cols.push_back({n_tracks_field, "i4", "the tracks fed per jet"});
      for (std::size_t k = 0; k < o.copy_fields.size(); ++k)
        cols.push_back({o.copy_fields[k], i.copy_types[k], "--copy " + o.copy_fields[k] + " (from " + o.input.string() + ")"});
      writer.emplace(out, "jets", std::move(cols));
    };
    run<T>(o, info, created,
           [&](std::size_t n, const std::vector<T>& scores, const std::vector<int>& n_tracks,
               const std::vector<unsigned char>& copied) {
             const std::size_t ns = info.score_names.size(), nc = o.copy_fields.size();
             const bool counts = !info.tracks_dataset.empty();
             const std::size_t size = writer->row_size(), first_copy = ns + (counts ? 1 : 0);
             const std::size_t copy_bytes = nc ? size - writer->offset(first_copy) : 0;
             if (copied.size() != n * copy_bytes)
               throw error(o.input.string() + ": the --copy fields do not have the sizes of their types");
             rows.assign(n * size, 0);
             for (std::size_t j = 0; j < n; ++j) {
               unsigned char* row = rows.data() + j * size;
               for (std::size_t k = 0; k < ns; ++k) writer->put(row, k, static_cast<double>(scores[j * ns + k]));
               if (counts) writer->put(row, ns, n_tracks[j]);
               // the copied fields are the row's last columns, with the sizes they have in the input
               if (nc) std::memcpy(row + writer->offset(first_copy), copied.data() + j * copy_bytes, copy_bytes);
             }
             writer->append(rows.data(), n);
             sum.jets += n;
           });
    auto root = out.root();
    h5::write_string_attribute(root, "network", o.network.string());
    h5::write_string_attribute(root, "input", o.input.string());
    h5::write_string_attribute(root, "precision", o.float64 ? "float64" : "float32");
    h5::write_string_list_attribute(root, "scores", info.score_names);
    if (!info.tracks_dataset.empty()) {
      h5::write_string_attribute(root, "tracks", info.tracks_dataset);
      h5::write_string_attribute(root, "track_handling", info.track_handling);
    }
    out.flush();
  });
  sum.tracks_dataset = std::move(info.tracks_dataset);
  sum.track_handling = std::move(info.track_handling);
  sum.score_names = std::move(info.score_names);
  sum.tracks_seen = info.tracks_seen;
  sum.tracks_used = info.tracks_used;
  sum.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return sum;
}

} // namespace

score_summary score_ntuple(const score_options& o) { return o.float64 ? write<double>(o) : write<float>(o); }

scored_jets score_jets(const score_options& o) { return o.float64 ? collect<double>(o) : collect<float>(o); }

namespace {

/// Columns of an open table, one vector per field (first slot of 2-D tables).
std::vector<std::vector<double>> columns_of(const h5::table& t, const std::vector<std::string>& fields, const h5::file& f) {
  if (h5::checked_mul(t.rows(), fields.size(), f, t.path()) > h5::max_values)
    f.fail(t.path(), std::to_string(t.rows()) + " rows of " + std::to_string(fields.size()) + " fields: more than the limit of " +
                         std::to_string(h5::max_values) + " values read at once");
  std::vector<std::vector<double>> cols(fields.size(), std::vector<double>(t.rows()));
  std::vector<double> buf;
  const std::size_t chunk = t.rows_per_read(65536);
  for (std::size_t first = 0; first < t.rows(); first += chunk) {
    const std::size_t n = std::min(chunk, t.rows() - first);
    t.read(first, n, fields, buf);
    for (std::size_t j = 0; j < n; ++j)
      for (std::size_t k = 0; k < fields.size(); ++k) cols[k][first + j] = buf[j * t.width() * fields.size() + k];
  }
  return cols;
}

} // namespace

std::vector<std::vector<double>> read_jet_columns(const std::filesystem::path& file, const std::string& dataset,
                                                  const std::vector<std::string>& fields) {
  const auto f = h5::file::open(file.string());
  return columns_of(h5::table(f, dataset), fields, f);
}

score_file read_score_file(const std::filesystem::path& path) {
  score_file s;
  const auto f = h5::file::open(path.string());
  if (!f.root().has_attribute("scores")) f.fail("/", "no 'scores' attribute: not a score file written by 'hepnn eval'");
  s.names = f.root().string_list_attribute("scores");
  const h5::table jets(f, "jets");
  auto fields = s.names;
  const bool counts = jets.find(n_tracks_field) != nullptr;
  if (counts) fields.push_back(n_tracks_field);
  s.columns = columns_of(jets, fields, f);
  if (counts) {
    for (double v : s.columns.back()) s.n_tracks.push_back(static_cast<int>(v));
    s.columns.pop_back();
  }
  return s;
}

std::vector<std::string> table_fields(const std::filesystem::path& file, const std::string& dataset) {
  const auto f = h5::file::open(file.string());
  return h5::table(f, dataset).field_names();
}

} // namespace hepnn::ftag
