#pragma once
/// \file ftag.hpp
/// Flavour tagging around the network: umami's variables file, Athena's
/// track selections and sort orders, and a tagger that turns a jet's fields
/// and its tracks into network inputs and scores, as FlavorTagDiscriminants
/// does in reconstruction (workflow.md §2, §7).

#include "hepnn/network.hpp"

#include <filesystem>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace hepnn::ftag {

// ---- umami's variables file -------------------------------------------------

enum class tagger_family : std::uint8_t { dl1, dips, umami };

/// As umami chooses it: "dips" in the lower-cased name, else "dl1", else
/// "umami"; anything else is a config_error.
tagger_family family_of(const std::string& tagger);

struct vardict_options {
  std::filesystem::path scale_dict; ///< -s / --scale_dict
  std::filesystem::path var_dict;   ///< -v / --var_dict (YAML)
  std::string tagger;               ///< -t / --tagger
  std::optional<std::string> sequence_name; ///< -n: the Athena track collection; null when absent
  std::string tracks_name;          ///< --tracks_name: the training's track collection
};

/// The variables file umami's create_lwtnn_vardict.py writes, as JSON text.
std::string umami_vardict(const vardict_options& options);

// ---- Athena's tracks ---------------------------------------------------------

enum class track_selection : std::uint8_t {
  all, ip3d, dips_tight_upgrade, dips_loose_upgrade, dips_loose_202102, loose_202102_no_ip_cuts, r22default, r22loose
};
enum class track_sort : std::uint8_t { sd0, abs_sd0, pt, abs_d0 };

/// What Athena reads from a sequence name `tracks_<selection>_<sort>`.
struct track_convention {
  std::optional<track_selection> selection;
  std::optional<track_sort> sort;
};
track_convention parse_sequence_name(std::string_view name);

std::string_view to_string(track_selection s) noexcept;
std::string_view to_string(track_sort s) noexcept;
/// Every selection and every order hepnn knows.
std::span<const track_selection> track_selections() noexcept;
std::span<const track_sort> track_sorts() noexcept;
/// From the names used in sequence names ("r22default", "sd0sort", ...).
std::optional<track_selection> selection_named(std::string_view name);
std::optional<track_sort> sort_named(std::string_view name);

// ---- the tagger ---------------------------------------------------------------

struct tagger_options {
  /// false: keep the tracks as given, in the given order (--no-track-selection).
  bool select_tracks = true;
  /// Override what the sequence name says.
  std::optional<track_selection> selection;
  std::optional<track_sort> sort;
  /// The jet and track fields the caller can provide (an ntuple's columns).
  /// Names are then resolved against them (e.g. the network's `pt` reads
  /// `pt_btagJes`); empty means "any": the usual dumper names are assumed.
  std::vector<std::string> jet_fields_available, track_fields_available;
  network_options network;
};

/// A network plus Athena's input preparation: jet variables with their
/// `*_isDefaults` flags, derived track variables (`log_ptfrac` = ln ptfrac,
/// `log_dr_nansafe` = ln(dr + 1e-7), ...), track selection and order.
/// Immutable and thread-safe like the network; each thread brings its own
/// workspace.
template <typename T> class basic_tagger {
public:
  explicit basic_tagger(const model& m, const tagger_options& options = {});

  /// The fields evaluate() reads, in the order it takes them.
  const std::vector<std::string>& jet_fields() const noexcept;
  const std::vector<std::string>& track_fields() const noexcept;
  /// What is done with the tracks, for reports ("r22default selection,
  /// sd0sort order, from the input name 'tracks_r22default_sd0sort'").
  const std::string& track_handling() const noexcept;
  /// Score names, "<output>_<label>", in the order evaluate() writes them.
  const std::vector<std::string>& score_names() const noexcept;
  const basic_network<T>& network() const noexcept;

  /// One jet: `jet` holds jet_fields() values, `tracks` n_tracks rows of
  /// track_fields() values (the real tracks only).
  void evaluate(std::span<const double> jet, std::span<const double> tracks, std::size_t n_tracks, std::span<T> scores,
                workspace& ws) const;
  /// Many jets: jet j's tracks are rows offsets[j] .. offsets[j+1]; scores
  /// are n_jets rows of score_names().
  void evaluate_batch(std::size_t n_jets, std::span<const double> jets, std::span<const double> tracks,
                      std::span<const std::size_t> offsets, std::span<T> scores, workspace& ws) const;
  /// After evaluate / evaluate_batch with `ws`: the tracks jet `j` of that
  /// batch fed the network, after selection.
  std::size_t tracks_used(std::size_t j, workspace& ws) const;

  struct impl;

private:
  std::shared_ptr<const impl> impl_;
};

extern template class basic_tagger<float>;
extern template class basic_tagger<double>;
using tagger = basic_tagger<float>;
using tagger64 = basic_tagger<double>;


// ---- dumper ntuples -------------------------------------------------------------

/// Scoring a training-dataset-dumper file: a 1-D compound `jets` dataset and
/// 2-D compound track datasets (jets × slots) with a `valid` field.
struct score_options {
  std::filesystem::path network; ///< a network file (any format read_network reads)
  /// A network already in memory (e.g. just converted); used instead of `network`.
  std::shared_ptr<const model> network_model;
  std::filesystem::path input;   ///< the dumper HDF5 file
  std::filesystem::path output;  ///< the score file to write (atomically)
  std::string jets = "jets";
  /// The track dataset; empty: the only one the file has.
  std::string tracks;
  tagger_options tagger;
  bool float64 = false;
  std::size_t chunk = 2048; ///< jets read at a time (rounded up to whole stored chunks); evaluated at most 128 at a time
  /// Threads, the calling one included; 0: the cores this process may use
  /// (sched_getaffinity). The scores do not depend on it, nor on `chunk`.
  /// Memory: at most 2 × threads chunks are in flight (read, decoded, evaluated or waiting to be written).
  std::size_t threads = 0;
  /// Jet fields copied into the score file next to the scores (as float64).
  std::vector<std::string> copy_fields;
  /// Called after each chunk with (jets done, jets in the file).
  std::function<void(std::size_t, std::size_t)> progress;
};

struct score_summary {
  std::size_t jets = 0, tracks_seen = 0, tracks_used = 0;
  std::string tracks_dataset;        ///< empty when the network reads no tracks
  std::string track_handling;        ///< basic_tagger::track_handling()
  std::vector<std::string> score_names;
  double seconds = 0;                ///< wall time of the whole job
};

/// Evaluates the network on every jet of `input` and writes one row of
/// scores per jet, in input order, to the 1-D compound dataset `jets` of
/// `output`: the score_names(), then (for networks reading tracks) the
/// tracks each jet fed in `n_tracks_field`, then the copied fields. Memory
/// stays bounded by `chunk`; a failure leaves no output.
score_summary score_ntuple(const score_options& options);
inline constexpr const char* n_tracks_field = "n_tracks_used";

/// The scores of every jet as evaluate() computes them, in memory, plus the
/// number of tracks each jet fed to the network (−1 without tracks).
struct scored_jets {
  std::vector<std::string> score_names;
  std::vector<double> scores; ///< jets × score_names
  std::vector<int> n_tracks;
  std::string tracks_dataset, track_handling;
};
scored_jets score_jets(const score_options& options);

/// A score file written by score_ntuple: the scores (as named in its
/// `scores` attribute) and the tracks each jet fed (empty without tracks).
struct score_file {
  std::vector<std::string> names;
  std::vector<std::vector<double>> columns; ///< one per name, one value per jet
  std::vector<int> n_tracks;
};
score_file read_score_file(const std::filesystem::path& path);

/// Reads columns of a 1-D compound dataset (e.g. reference scores) as doubles.
std::vector<std::vector<double>> read_jet_columns(const std::filesystem::path& file, const std::string& dataset,
                                                  const std::vector<std::string>& fields);
/// The field names of a compound dataset.
std::vector<std::string> table_fields(const std::filesystem::path& file, const std::string& dataset);

// ---- validation (umami's check_lwtnn_model.py) ---------------------------------

/// One jet's evaluated and reference values.
struct jet_difference {
  std::size_t index = 0;
  double diff = 0;
  int n_tracks = -1;
  std::vector<double> evaluated, reference; ///< one per compared label
};

struct comparison {
  std::vector<std::string> evaluated_fields, reference_fields;
  std::vector<jet_difference> jets; ///< every compared jet, worst first
  std::size_t counted = 0;          ///< jets with n_tracks < ntracks_max (the table's denominator)
  double max_diff = 0;
  std::size_t nan_mismatches = 0;   ///< NaN on one side only (counted as infinitely different)
};

/// |evaluated − reference| per jet, the largest over the compared labels.
/// `n_tracks` may be empty. Jets with n_tracks >= ntracks_max are excluded,
/// and so are jets whose `include` entry is false (when given).
comparison compare_scores(const std::vector<std::string>& evaluated_fields,
                          const std::vector<std::vector<double>>& evaluated,
                          const std::vector<std::string>& reference_fields,
                          const std::vector<std::vector<double>>& reference, const std::vector<int>& n_tracks,
                          double ntracks_max = std::numeric_limits<double>::infinity(),
                          const std::vector<bool>& include = {});

/// umami's thresholds: {1,2,3,4,5} × 10^e for e = −6 … −1.
std::vector<double> umami_thresholds();
/// The share (%) of counted jets above each threshold, umami's table lines
/// "Differences off 1.0e-06 1.34%", stopping after the first 0 %.
std::string differences_table(const comparison& c);
/// Every compared jet, worst first, as CSV (diff, evaluated…, reference…, index, ntrks).
std::string differences_csv(const comparison& c);
/// The image formats of differences_plot.
enum class plot_format { png, svg, pdf };
/// The format a file name's extension asks for (.png, .svg, .pdf, any case), or none.
std::optional<plot_format> plot_format_of(const std::string& path);
/// A histogram of log10 |Δ| with the tolerance marked: the bytes of a PNG,
/// SVG or PDF file, drawn once (cairo) whatever the format.
std::string differences_plot(const comparison& c, double tolerance, const std::string& title, plot_format format);

} // namespace hepnn::ftag
