// Athena's track conventions (workflow.md §7.1–§7.3): sequence names
// `tracks_<selection>_<sort>` and the names of selections and orders.
#include "hepnn/ftag.hpp"


namespace hepnn::ftag {

std::string_view to_string(track_selection s) noexcept {
  switch (s) {
  case track_selection::all: return "all";
  case track_selection::ip3d: return "ip3d";
  case track_selection::dips_tight_upgrade: return "dipsTightUpgrade";
  case track_selection::dips_loose_upgrade: return "dipsLooseUpgrade";
  case track_selection::dips_loose_202102: return "dipsLoose202102";
  case track_selection::loose_202102_no_ip_cuts: return "loose202102NoIpCuts";
  case track_selection::r22default: return "r22default";
  case track_selection::r22loose: return "r22loose";
  }
  return "?";
}

std::string_view to_string(track_sort s) noexcept {
  switch (s) {
  case track_sort::sd0: return "sd0sort";
  case track_sort::abs_sd0: return "absSd0sort";
  case track_sort::pt: return "ptsort";
  case track_sort::abs_d0: return "absD0DescendingSort";
  }
  return "?";
}

std::span<const track_selection> track_selections() noexcept {
  static constexpr track_selection all[] = {track_selection::all,
                                            track_selection::ip3d,
                                            track_selection::dips_tight_upgrade,
                                            track_selection::dips_loose_upgrade,
                                            track_selection::dips_loose_202102,
                                            track_selection::loose_202102_no_ip_cuts,
                                            track_selection::r22default,
                                            track_selection::r22loose};
  return all;
}

std::span<const track_sort> track_sorts() noexcept {
  static constexpr track_sort all[] = {track_sort::sd0, track_sort::abs_sd0, track_sort::pt, track_sort::abs_d0};
  return all;
}

std::optional<track_selection> selection_named(std::string_view name) {
  for (auto s : track_selections())
    if (to_string(s) == name) return s;
  return std::nullopt;
}

std::optional<track_sort> sort_named(std::string_view name) {
  for (auto s : track_sorts())
    if (to_string(s) == name) return s;
  return std::nullopt;
}

track_convention parse_sequence_name(std::string_view name) {
  // Athena matches ordered regex lists and takes the first match
  // (FlavorTagDiscriminants createGetterConfig): ".*<sort>" for orders, with
  // absSd0sort before sd0sort, and ".*_<selection>_.*" for selections
  track_convention c;
  static const std::pair<std::string_view, track_sort> sorts[] = {{"absSd0sort", track_sort::abs_sd0},
                                                                  {"sd0sort", track_sort::sd0},
                                                                  {"ptsort", track_sort::pt},
                                                                  {"absD0DescendingSort", track_sort::abs_d0}};
  for (const auto& [suffix, s] : sorts)
    if (name.ends_with(suffix)) {
      c.sort = s;
      break;
    }
  static const std::pair<std::string_view, track_selection> selections[] = {
      {"_ip3d_", track_selection::ip3d},
      {"_dipsTightUpgrade_", track_selection::dips_tight_upgrade},
      {"_dipsLooseUpgrade_", track_selection::dips_loose_upgrade},
      {"_all_", track_selection::all},
      {"_dipsLoose202102_", track_selection::dips_loose_202102},
      {"_loose202102NoIpCuts_", track_selection::loose_202102_no_ip_cuts},
      {"_r22default_", track_selection::r22default},
      {"_r22loose_", track_selection::r22loose}};
  for (const auto& [part, s] : selections)
    if (name.find(part) != std::string_view::npos) {
      c.selection = s;
      break;
    }
  return c;
}

} // namespace hepnn::ftag
