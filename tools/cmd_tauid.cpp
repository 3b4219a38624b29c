// hepnn tauid: TauJetRNNEvaluator over an rnn-tauid candidate file.
#include "args.hpp"
#include "commands.hpp"
#include "output.hpp"
#include "progress.hpp"
#include "threads_option.hpp"

#include "hepnn/tau.hpp"

#include <cstdio>

namespace hepnn::cli {

int run_tauid(int argc, char** argv) {
  arguments args("tauid", "--net-1p NET1P.json --net-3p NET3P.json CANDIDATES.h5 -o SCORES.h5 [options]\n\n"
                          "Scores every tau candidate as tauRecTools' TauJetRNNEvaluator does: tracks by pt (at most\n"
                          "--max-tracks), clusters within --max-cluster-dr by et (at most --max-clusters), the 1-prong\n"
                          "network for one charged track and the 3-prong network for more; -1111 when a candidate has\n"
                          "fewer than --min-charged-tracks or a variable cannot be computed. CANDIDATES.h5 has the\n"
                          "layout of rnn-tauid's ntuple2hdf.py (TauJets/*, TauTracks/*, TauClusters/*; '%d' in the name\n"
                          "opens a file family), or is a flat ROOT ntuple in NtupleCreator's layout (TauJets.*,\n"
                          "TauTracks.*, TauClusters.* branches of the tree 'tree'), read without ROOT.",
                 {
                     {{"--net-1p"}, true, "1-prong network (NetworkFile1P)", "FILE"},
                     {{"--net-3p"}, true, "3-prong network (NetworkFile3P)", "FILE"},
                     {{"--net-0p"}, true, "0-prong network (optional; later Athena versions)", "FILE"},
                     {{"--net-2p"}, true, "2-prong network (optional; later Athena versions)", "FILE"},
                     {{"-o", "--output"}, true, "the score file to write", "SCORES.h5"},
                     {{"--output-varname"}, true, "score field name (default RNNJetScore)", "NAME"},
                     {{"--min-charged-tracks"}, true, "default 1", "N"},
                     {{"--max-tracks"}, true, "default 10", "N"},
                     {{"--max-clusters"}, true, "default 6", "N"},
                     {{"--max-cluster-dr"}, true, "default 1.0", "DR"},
                     precision_option(),
                     {{"--chunk"}, true, "candidates read and evaluated at a time, 1 to 1000000 (default 4096)", "N"},
                     threads_option(),
                 });
  args.parse(argc, argv, 2);
  if (args.help_requested()) {
    std::fputs(args.usage().c_str(), stdout);
    return 0;
  }
  if (args.positional().size() != 1) throw usage_error("expected one candidate file");
  for (const char* required : {"--net-1p", "--net-3p", "--output"})
    if (!args.has(required)) throw usage_error(std::string(required) + " is required");
  tau::score_options o;
  o.input = args.positional()[0];
  o.output = args.get("--output");
  auto& e = o.evaluator;
  e.network_1p = args.get("--net-1p");
  e.network_3p = args.get("--net-3p");
  e.network_0p = args.get("--net-0p");
  e.network_2p = args.get("--net-2p");
  e.output_varname = args.get("--output-varname", e.output_varname);
  if (args.has("--min-charged-tracks"))
    e.min_charged_tracks = static_cast<int>(to_count("--min-charged-tracks", args.get("--min-charged-tracks")));
  if (args.has("--max-tracks")) e.max_tracks = to_count("--max-tracks", args.get("--max-tracks"));
  if (args.has("--max-clusters")) e.max_clusters = to_count("--max-clusters", args.get("--max-clusters"));
  if (args.has("--max-cluster-dr")) e.max_cluster_dr = to_number("--max-cluster-dr", args.get("--max-cluster-dr"));
  o.float64 = float64_requested(args);
  if (args.has("--chunk")) o.chunk = to_count("--chunk", args.get("--chunk"), 1, 1'000'000);
  o.threads = threads_requested(args);
  progress_bar bar("candidates");
  o.progress = [&](std::size_t done, std::size_t total) { bar.update(done, total); };
  const auto s = tau::score_candidates(o);
  bar.finish();
  std::fprintf(stderr, "hepnn: %zu of %zu candidates scored (0P %zu, 1P %zu, 2P %zu, 3P %zu); the rest get %g\n", s.scored,
               s.candidates, s.by_network[0], s.by_network[1], s.by_network[2], s.by_network[3], tau::no_score);
  std::fprintf(stderr, "hepnn: wrote %s\n", o.output.c_str());
  report_summary("scored", s.candidates, "candidates", s.seconds);
  return 0;
}

} // namespace hepnn::cli
