#pragma once
/// \file tau.hpp
/// Tau identification with rnn-tauid networks, as tauRecTools'
/// TauJetRNNEvaluator does it in reconstruction (workflow.md §5, §6):
/// variables files from rnn-tauid's preprocessing file, the per-candidate
/// evaluator (object selection and order, variable calculators, 1-prong /
/// 3-prong network choice), and scoring candidate files.

#include "hepnn/network.hpp"
#include "hepnn/variables.hpp"

#include <filesystem>
#include <functional>
#include <limits>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace hepnn::tau {

// ---- variables files (rnn-tauid's fill-lwtnn-varspec.py) ----------------------

/// Fills `templ` (the converter's template of the Keras model, or any
/// variables file with one vector input and one or two sequences) from a
/// `preproc.h5`: input `scalar` from jet_preproc, sequences `tracks` and
/// `clusters` from trk_preproc / cls_preproc (first time step), offset =
/// −offset, scale = 1/scale, output `rnnid_output` with label `sig_prob`.
/// Mismatched counts are a config_error naming both files' numbers.
variables_spec fill_varspec(const variables_spec& templ, const std::filesystem::path& preproc);

/// The same, with the template built from the Keras model itself.
variables_spec varspec_from_model(const std::filesystem::path& model, const std::filesystem::path& preproc);

// ---- a tau candidate -------------------------------------------------------------

inline constexpr float missing = std::numeric_limits<float>::quiet_NaN();

/// One track of the candidate (core and isolation tracks alike).
struct track {
  float pt = missing;               ///< MeV
  float dEta = missing, dPhi = missing; ///< to the tau axis
  float d0 = missing, z0sinThetaTJVA = missing; ///< mm
  float nInnermostPixelHits = missing, nPixelHits = missing, nSCTHits = missing;
};

/// One cluster of the seed jet.
struct cluster {
  float et = missing;               ///< MeV
  float dEta = missing, dPhi = missing; ///< to the tau (detector) axis
  float SECOND_R = missing, SECOND_LAMBDA = missing, CENTER_LAMBDA = missing;
};

/// What the evaluator reads of a tau. A value a network needs that is NaN
/// counts as "cannot be computed": the candidate then scores no_score.
struct candidate {
  int n_charged_tracks = 0; ///< tau.nTracksCharged()
  float ptJetSeed = missing;
  float centFrac = missing, etOverPtLeadTrk = missing, innerTrkAvgDist = missing, SumPtTrkFrac = missing,
        dRmax = missing, ipSigLeadTrk = missing, EMPOverTrkSysP = missing, ptRatioEflowApprox = missing,
        mEflowApprox = missing, massTrkSys = missing, trFlightPathSig = missing, pt = missing,
        ptDetectorAxis = missing, ptIntermediateAxis = missing;
  std::span<const track> tracks;     ///< any order
  std::span<const cluster> clusters; ///< any order, before the ΔR cut
};

inline constexpr double no_score = -1111.0;

// ---- the evaluator (TauJetRNNEvaluator) ----------------------------------------------

/// TauJetRNNEvaluator's properties, with its defaults.
struct evaluator_options {
  /// Network files (hepnn or lwtnn graph JSON). 1P and 3P are required;
  /// 0P and 2P are optional, as in later Athena versions: without them 0
  /// charged tracks use the 1P network and 2 use the 3P network.
  std::filesystem::path network_0p, network_1p, network_2p, network_3p;
  std::string output_varname = "RNNJetScore";
  int min_charged_tracks = 1;
  std::size_t max_tracks = 10, max_clusters = 6;
  double max_cluster_dr = 1.0;
  std::string input_layer_scalar = "scalar", input_layer_tracks = "tracks", input_layer_clusters = "clusters";
  std::string output_layer = "rnnid_output", output_node = "sig_prob";
  network_options network;
};

/// The variable names the calculators know (Athena's get_default_calculator).
std::vector<std::string> scalar_calculators();
std::vector<std::string> track_calculators();
std::vector<std::string> cluster_calculators();

/// What a candidate got.
struct evaluation {
  double score = no_score;
  int network = -1; ///< prong of the network used (0, 1, 2, 3), or −1 for none
  std::size_t tracks_used = 0, clusters_used = 0;
};

/// The calculator outputs of one candidate (before offset and scale).
struct computed_inputs {
  int network = -1;
  std::vector<std::size_t> track_order, cluster_order; ///< indices into candidate.tracks / .clusters
  std::vector<double> scalars, tracks, clusters;       ///< tracks / clusters: rows of the network's variables
};

/// Per-thread scratch of basic_evaluator::evaluate_batch: the network
/// workspace and the batch's inputs, grown to the largest batch and reused.
class batch_workspace {
public:
  batch_workspace();
  ~batch_workspace();
  batch_workspace(batch_workspace&&) noexcept;
  batch_workspace& operator=(batch_workspace&&) noexcept;
  struct state;
  state& get() noexcept { return *state_; }

private:
  std::unique_ptr<state> state_;
};

/// Immutable and thread-safe; each thread brings its own workspace, and
/// after warm-up a candidate costs no allocation.
template <typename T> class basic_evaluator {
public:
  /// Loads the network files; a network input or variable the evaluator
  /// cannot feed, or a missing output node, is a config_error naming it.
  explicit basic_evaluator(const evaluator_options& options);

  evaluation evaluate(const candidate& c, workspace& ws) const;
  /// Many candidates: grouped by the network they choose, each group goes
  /// through the network's batch path at once; results[i] is, bit for bit,
  /// what evaluate(candidates[i]) gives. `results` has candidates.size() entries.
  void evaluate_batch(std::span<const candidate> candidates, std::span<evaluation> results, batch_workspace& ws) const;

  /// The calculator outputs, for validation; empty when the candidate gets no score.
  computed_inputs compute_inputs(const candidate& c) const;

  const evaluator_options& options() const noexcept;
  /// The candidate fields the loaded networks read (for file readers).
  const std::vector<std::string>& scalar_fields() const noexcept;
  const std::vector<std::string>& track_fields() const noexcept;
  const std::vector<std::string>& cluster_fields() const noexcept;
  /// Multiply-adds of the network chosen for `c` (for throughput reports).
  std::size_t macs(const candidate& c) const;

  struct impl;

private:
  std::shared_ptr<const impl> impl_;
};

extern template class basic_evaluator<float>;
extern template class basic_evaluator<double>;
using evaluator = basic_evaluator<float>;
using evaluator64 = basic_evaluator<double>;

// ---- candidate files ---------------------------------------------------------------

/// An rnn-tauid candidate file read a chunk at a time: the datasets behind
/// the given candidate, track and cluster fields (see basic_evaluator's
/// *_fields()), plus TauJets/nTracks. `ipSigLeadTrk` is read from
/// TauJets/absipSigLeadTrk when the file has no signed one. A missing or
/// misshapen dataset is a config_error naming it.
class candidate_file {
public:
  candidate_file(const std::filesystem::path& path, const std::vector<std::string>& scalar_fields,
                 const std::vector<std::string>& track_fields, const std::vector<std::string>& cluster_fields);
  ~candidate_file();
  std::size_t size() const noexcept;
  /// Candidates to read at a time, at most `wanted`, so that one read stays
  /// within the library's memory limit (fewer for very wide object datasets).
  std::size_t rows_per_read(std::size_t wanted) const;
  /// Candidates first .. first + n − 1; valid until the next read().
  const std::vector<candidate>& read(std::size_t first, std::size_t n);

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

/// Scoring an rnn-tauid candidate file (ntuple2hdf.py layout: groups
/// TauJets, TauTracks, TauClusters with one dataset per variable).
struct score_options {
  evaluator_options evaluator;
  std::filesystem::path input, output;
  bool float64 = false;
  std::size_t chunk = 4096; ///< candidates read and evaluated at a time
  /// Threads, the calling one included; 0: the cores this process may use
  /// (sched_getaffinity). The scores do not depend on it, nor on `chunk`.
  /// Memory: at most 2 × threads chunks are in flight.
  std::size_t threads = 0;
  std::function<void(std::size_t, std::size_t)> progress;
};

struct score_summary {
  std::size_t candidates = 0, scored = 0;
  std::size_t by_network[4] = {0, 0, 0, 0};
  double seconds = 0;
};

/// Writes one row per candidate, in input order, to the 1-D compound
/// dataset `TauJets` of `output`: <output_varname>, network, n_tracks_used,
/// n_clusters_used. Atomic: a failure leaves no output.
score_summary score_candidates(const score_options& options);

/// The same results in memory.
std::vector<evaluation> evaluate_candidates(const score_options& options);

} // namespace hepnn::tau
