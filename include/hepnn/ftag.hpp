#pragma once
/// \file ftag.hpp
/// Flavour tagging around the network: umami's variables file, Athena's
/// track selections and sort orders, and a tagger that turns a jet's fields
/// and its tracks into network inputs and scores, as FlavorTagDiscriminants
/// does in reconstruction (workflow.md §2, §7).

#include "hepnn/network.hpp"

#include <filesystem>
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

  struct impl;

private:
  std::shared_ptr<const impl> impl_;
};

extern template class basic_tagger<float>;
extern template class basic_tagger<double>;
using tagger = basic_tagger<float>;
using tagger64 = basic_tagger<double>;

} // namespace hepnn::ftag
