#include "ftag_options.hpp"

namespace hepnn::cli {

std::vector<option> ntuple_options() {
  return {
      {{"--jets"}, true, "the jet dataset (default: jets)", "NAME"},
      {{"--tracks"}, true, "the track dataset (default: the only 2-D one in the file)", "NAME"},
      {{"--no-track-selection"}, false, "feed every valid track in stored order, ignoring the sequence name"},
      {{"--selection"}, true, "apply this Athena track selection instead of the sequence name's (r22default, ip3d, all, ...)", "NAME"},
      {{"--sort"}, true, "order tracks this way instead of the sequence name's (sd0sort, absSd0sort, ptsort, absD0DescendingSort)", "NAME"},
      {{"--precision"}, true, "float32 (default) or float64", "PRECISION"},
      {{"--chunk"}, true, "jets read and evaluated at a time (default 2048)", "N"},
  };
}

std::vector<std::string> split_list(const std::vector<std::string>& values) {
  std::vector<std::string> out;
  for (const auto& v : values) {
    std::size_t start = 0;
    while (start <= v.size()) {
      std::size_t end = v.find(',', start);
      if (end == std::string::npos) end = v.size();
      if (end > start) out.push_back(v.substr(start, end - start));
      start = end + 1;
    }
  }
  return out;
}

void apply_ntuple_options(const arguments& args, ftag::score_options& o) {
  o.jets = args.get("--jets", "jets");
  o.tracks = args.get("--tracks");
  const std::string precision = args.get("--precision", "float32");
  if (precision != "float32" && precision != "float64")
    throw usage_error("--precision must be float32 or float64, not '" + precision + "'");
  o.float64 = precision == "float64";
  if (args.has("--chunk")) o.chunk = to_count("--chunk", args.get("--chunk"));
  o.tagger.select_tracks = !args.has("--no-track-selection");
  if (auto s = args.maybe("--selection")) {
    o.tagger.selection = ftag::selection_named(*s);
    if (!o.tagger.selection)
      throw usage_error("--selection: unknown track selection '" + *s +
                        "' (known: all, ip3d, dipsTightUpgrade, dipsLooseUpgrade, dipsLoose202102, loose202102NoIpCuts, "
                        "r22default, r22loose)");
  }
  if (auto s = args.maybe("--sort")) {
    o.tagger.sort = ftag::sort_named(*s);
    if (!o.tagger.sort)
      throw usage_error("--sort: unknown track order '" + *s + "' (known: sd0sort, absSd0sort, ptsort, absD0DescendingSort)");
  }
  if (!o.tagger.select_tracks && (o.tagger.selection || o.tagger.sort))
    throw usage_error("--no-track-selection cannot be combined with --selection or --sort");
}

} // namespace hepnn::cli
