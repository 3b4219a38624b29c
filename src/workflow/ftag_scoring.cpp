// Scoring dumper ntuples: jets and their valid tracks are read a chunk at a
// time, handed to the tagger's batch path, and the scores streamed out.
#include "hepnn/errors.hpp"
#include "hepnn/ftag.hpp"
#include "hepnn/io.hpp"

#include "formats/hdf5_table.hpp"
#include "workflow/files.hpp"
#include "workflow/pipeline.hpp"
#include "model/text.hpp"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <limits>
#include <numeric>
#include <utility>

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

/// One table's rows of one item: the stored chunks (decoded by a worker) or
/// the rows HDF5 packed (read on the HDF5 thread).
struct table_rows {
  std::vector<h5::raw_chunk> chunks;
  std::vector<unsigned char> bytes;
};

/// How the fields `names` of one table are read: from its stored chunks, in
/// place, when their filters and types allow it, else packed by HDF5.
struct table_plan {
  const h5::table* t = nullptr;
  std::vector<std::string> names;
  h5::table::rows_view::layout layout;
  bool raw = false;

  table_plan(const h5::table& table, std::vector<std::string> fields) : t(&table), names(std::move(fields)) {
    if (auto l = t->stored_layout(names)) {
      layout = std::move(*l);
      raw = true;
    } else {
      layout = t->packed_layout(names);
    }
  }
  std::size_t index(const std::string& name) const {
    return static_cast<std::size_t>(std::find(names.begin(), names.end(), name) - names.begin());
  }
  /// HDF5 thread.
  void read(std::size_t first, std::size_t n, table_rows& r) const {
    if (raw) {
      t->chunks()->read(first, n, r.chunks);
    } else {
      t->fetch_into(first, n, names, layout, r.bytes);
    }
  }
  /// Any thread: rows [first, first + n) of the item read into `r` from
  /// row `item_first`. Stored chunks are decoded into `buffer` (a worker's:
  /// it stays in cache when the rows are a chunk's); packed rows are in `r`.
  h5::table::rows_view view(std::size_t item_first, std::size_t first, std::size_t n, const table_rows& r,
                            std::vector<unsigned char>& buffer, h5::chunk_scratch& scratch) const {
    const std::size_t entries = n * t->width();
    if (!raw) return {&layout, r.bytes.data() + (first - item_first) * t->width() * layout.row, entries};
    buffer.resize(entries * layout.row);
    t->chunks()->decode(first, n, r.chunks, buffer.data(), scratch);
    return {&layout, buffer.data(), entries};
  }
  /// The rows to decode at a time around `row` of the item [item_first,
  /// item_end): its stored chunk's, or the whole item when HDF5 packed it.
  std::pair<std::size_t, std::size_t> block(std::size_t row, std::size_t item_first, std::size_t item_end) const {
    if (!raw) return {item_first, item_end};
    const std::size_t rows = t->chunks()->chunk_rows(), start = row / rows * rows;
    return {std::max(item_first, start), std::min(item_end, start + rows)};
  }
};

void add_unique(std::vector<std::string>& v, const std::string& s) {
  if (std::find(v.begin(), v.end(), s) == v.end()) v.push_back(s);
}

/// One item of the pipeline: rows first .. first + n − 1, and what became of them.
template <typename T> struct item {
  std::size_t first = 0, n = 0;
  table_rows jets, tracks;
  std::vector<T> scores;
  std::vector<int> n_tracks;
  std::vector<unsigned char> copied;
  std::size_t tracks_seen = 0, tracks_used = 0;
};

/// Jets given to the tagger at a time: a DIPS jet's track values, network
/// inputs and per-track outputs take about 8 kB, so 128 jets stay within a
/// core's L2 cache between the steps; 2048 at a time (the read size) went
/// through L3 and scored 2-3 % fewer jets per second.
constexpr std::size_t evaluation_batch = 128;

/// A thread's own scratch.
struct worker {
  workspace ws;
  h5::chunk_scratch scratch;
  std::vector<double> jet_values;
  std::vector<double> track_values; ///< only grows: the valid tracks' values fill its front
  std::vector<std::size_t> offsets;
  std::vector<unsigned char> jet_bytes, track_bytes; ///< decoded stored rows
};

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
  if (tracks) tracks->require(tagger.track_fields(), "the network's track inputs");
  if (start) start(info);

  // each table's fields once: the network's, then the copied ones / `valid`
  std::vector<std::string> jet_names;
  for (const auto& n : tagger.jet_fields()) add_unique(jet_names, n);
  for (const auto& n : o.copy_fields) add_unique(jet_names, n);
  const table_plan jet_plan(jets, jet_names);
  std::vector<std::size_t> jet_cols, copy_cols;
  for (const auto& n : tagger.jet_fields()) jet_cols.push_back(jet_plan.index(n));
  for (const auto& n : o.copy_fields) copy_cols.push_back(jet_plan.index(n));
  std::optional<table_plan> track_plan;
  std::vector<std::size_t> track_cols;
  std::size_t valid_col = 0;
  std::vector<h5::table::rows_view::reader> track_readers; // track_cols' fields
  h5::table::rows_view::reader valid_reader;
  if (tracks) {
    std::vector<std::string> names;
    for (const auto& n : tagger.track_fields()) add_unique(names, n);
    add_unique(names, "valid");
    track_plan.emplace(*tracks, names);
    for (const auto& n : tagger.track_fields()) track_cols.push_back(track_plan->index(n));
    valid_col = track_plan->index("valid");
    for (std::size_t c : track_cols) track_readers.push_back(h5::table::rows_view::reader_of(track_plan->layout.slots[c]));
    valid_reader = h5::table::rows_view::reader_of(track_plan->layout.slots[valid_col]);
  }

  // memory stays bounded whatever the file declares: fewer jets per chunk for wide track tables
  std::size_t chunk = jets.rows_per_read(o.chunk);
  if (tracks) chunk = tracks->rows_per_read(chunk);
  // items of whole stored chunks, so that each is inflated once (when that keeps within the limit)
  std::size_t rows = chunk;
  {
    std::size_t align = 1;
    for (const table_plan* p : {&jet_plan, track_plan ? &*track_plan : static_cast<const table_plan*>(nullptr)})
      if (p && p->raw) align = std::lcm(align, p->t->chunks()->chunk_rows());
    std::size_t limit = jets.rows_per_read(std::numeric_limits<std::size_t>::max());
    if (tracks) limit = tracks->rows_per_read(limit);
    if (align > 1 && align <= limit) rows = std::min(limit, (chunk + align - 1) / align * align);
  }
  const std::size_t total = jets.rows(), items = (total + rows - 1) / rows;
  const std::size_t threads = std::min(detail::thread_count(o.threads), std::max<std::size_t>(items, 1));
  const std::size_t ring = threads > 1 ? 2 * threads : 1;
  std::vector<item<T>> slots(ring);
  std::vector<worker> workers(threads);
  const std::size_t ns = info.score_names.size(), width = tracks ? tracks->width() : 0;
  std::size_t copy_bytes = 0;
  for (std::size_t c : copy_cols) copy_bytes += jet_plan.layout.slots[c].size;

  detail::pipeline_stages stages;
  stages.read = [&](std::size_t i, std::size_t slot) {
    item<T>& it = slots[slot];
    it.first = i * rows;
    it.n = std::min(rows, total - it.first);
    jet_plan.read(it.first, it.n, it.jets);
    if (track_plan) track_plan->read(it.first, it.n, it.tracks);
  };
  stages.work = [&](std::size_t slot, std::size_t w) {
    item<T>& it = slots[slot];
    worker& wk = workers[w];
    const auto jet_rows = jet_plan.view(it.first, it.first, it.n, it.jets, wk.jet_bytes, wk.scratch);
    // tracks are decoded a stored chunk at a time (a dumper's: 100 jets × 40
    // slots, 340 KB), read while still in cache, rather than the whole item (MBs)
    h5::table::rows_view track_rows;
    std::pair<std::size_t, std::size_t> track_block{0, 0}; // file rows decoded in track_rows
    it.scores.resize(it.n * ns);
    it.n_tracks.assign(it.n, -1);
    it.tracks_seen = it.tracks_used = 0;
    it.copied.resize(it.n * copy_bytes);
    for (std::size_t j = 0; j < it.n; ++j) {
      unsigned char* out = it.copied.data() + j * copy_bytes;
      for (std::size_t c : copy_cols) {
        std::memcpy(out, jet_rows.raw(j, c), jet_rows.size(c));
        out += jet_rows.size(c);
      }
    }
    // evaluated at most evaluation_batch jets at a time, however many were read
    const std::size_t batch = std::min(chunk, evaluation_batch);
    for (std::size_t b = 0; b < it.n; b += batch) {
      const std::size_t n = std::min(batch, it.n - b);
      wk.jet_values.resize(n * jet_cols.size());
      for (std::size_t j = 0; j < n; ++j)
        for (std::size_t k = 0; k < jet_cols.size(); ++k) wk.jet_values[j * jet_cols.size() + k] = jet_rows.value(b + j, jet_cols[k]);
      wk.offsets.assign(n + 1, 0);
      std::size_t track_values = 0; // used at the front of wk.track_values
      if (track_plan) {
        // only the valid slots are converted: most of a dumper's track table is padding;
        // tracks are counted, not derived from the values: a sequence may read no track field
        std::size_t valid = 0;
        for (std::size_t j = 0; j < n; ++j) {
          const std::size_t row = it.first + b + j;
          if (row >= track_block.second) {
            track_block = track_plan->block(row, it.first, it.first + it.n);
            track_rows = track_plan->view(it.first, track_block.first, track_block.second - track_block.first, it.tracks,
                                          wk.track_bytes, wk.scratch);
          }
          // room for every slot of the jet, so the loop below writes without checks
          const std::size_t nc = track_readers.size();
          if (wk.track_values.size() < track_values + width * nc) wk.track_values.resize(track_values + width * nc);
          for (std::size_t s = 0; s < width; ++s) {
            const unsigned char* r = track_rows.row((row - track_block.first) * width + s);
            if (h5::table::rows_view::read(r, valid_reader) == 0) continue;
            double* out = wk.track_values.data() + track_values;
            for (std::size_t k = 0; k < nc; ++k) out[k] = h5::table::rows_view::read(r, track_readers[k]);
            track_values += nc;
            ++valid;
          }
          wk.offsets[j + 1] = valid;
        }
        it.tracks_seen += valid;
      }
      const std::size_t first = it.first + b;
      try {
        tagger.evaluate_batch(n, wk.jet_values, std::span<const double>(wk.track_values.data(), track_values), wk.offsets, std::span<T>(it.scores).subspan(b * ns, n * ns), wk.ws);
      } catch (const input_error& e) {
        throw input_error(o.input.string() + ": jets " + std::to_string(first) + ".." + std::to_string(first + n - 1) + ": " +
                          e.what() + " (events count from jet " + std::to_string(first) + ")");
      }
      if (track_plan) {
        // the tracks each jet really fed, after selection
        for (std::size_t j = 0; j < n; ++j) {
          it.n_tracks[b + j] = static_cast<int>(tagger.tracks_used(j, wk.ws));
          it.tracks_used += static_cast<std::size_t>(it.n_tracks[b + j]);
        }
      }
    }
  };
  stages.write = [&](std::size_t, std::size_t slot) {
    const item<T>& it = slots[slot];
    info.tracks_seen += it.tracks_seen;
    info.tracks_used += it.tracks_used;
    sink(it.n, it.scores, it.n_tracks, it.copied);
    if (o.progress) o.progress(it.first + it.n, total);
  };
  detail::run_pipeline(threads, items, ring, stages);
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
