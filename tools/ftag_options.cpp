#include "ftag_options.hpp"

#include "threads_option.hpp"

#include "model/text.hpp"

namespace hepnn::cli {
namespace {

template <typename E> std::string names_of(std::span<const E> values) {
  std::vector<std::string> names;
  for (E v : values) names.emplace_back(ftag::to_string(v));
  return detail::join(names);
}

} // namespace

std::vector<option> ntuple_options() {
  return {
      {{"--jets"}, true, "the jet dataset (default: jets)", "NAME"},
      {{"--tracks_name", "--tracks"}, true, "the track dataset (default: the only 2-D one in the file)", "NAME"},
      {{"--no-track-selection"}, false, "feed every valid track in stored order, ignoring the sequence name"},
      {{"--selection"}, true, "apply this Athena track selection instead of the sequence name's (r22default, ip3d, all, ...)", "NAME"},
      {{"--sort"}, true, "order tracks this way instead of the sequence name's (sd0sort, absSd0sort, ptsort, absD0DescendingSort)", "NAME"},
      precision_option(),
      {{"--chunk"}, true, "jets read at a time (evaluated at most 128 at a time), 1 to 1000000 (default 2048)", "N"},
      threads_option(),
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
  o.float64 = float64_requested(args);
  if (args.has("--chunk")) o.chunk = to_count("--chunk", args.get("--chunk"), 1, 1'000'000);
  o.threads = threads_requested(args);
  o.tagger.select_tracks = !args.has("--no-track-selection");
  if (auto s = args.maybe("--selection")) {
    o.tagger.selection = ftag::selection_named(*s);
    if (!o.tagger.selection)
      throw usage_error("--selection: unknown track selection '" + *s + "' (known: " + names_of(ftag::track_selections()) + ")");
  }
  if (auto s = args.maybe("--sort")) {
    o.tagger.sort = ftag::sort_named(*s);
    if (!o.tagger.sort)
      throw usage_error("--sort: unknown track order '" + *s + "' (known: " + names_of(ftag::track_sorts()) + ")");
  }
  if (!o.tagger.select_tracks && (o.tagger.selection || o.tagger.sort))
    throw usage_error("--no-track-selection cannot be combined with --selection or --sort");
}

} // namespace hepnn::cli
