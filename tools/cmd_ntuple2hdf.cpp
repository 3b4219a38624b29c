// hepnn ntuple2hdf: rnn-tauid's scripts/ntuple2hdf.py without ROOT.
#include "args.hpp"
#include "commands.hpp"
#include "output.hpp"
#include "progress.hpp"

#include "hepnn/ntuple.hpp"

#include <chrono>
#include <cstdio>

namespace hepnn::cli {

int run_ntuple2hdf(int argc, char** argv) {
  arguments args("ntuple2hdf", "OUTPUT.h5 SELECTION NTUPLE.root... (--tauid | --decaymodeclf) [--sel EXPR] [--treename tree] ...\n\n"
                               "Selected tau candidates of flat ROOT ntuples (NtupleCreator's layout) as float32 datasets\n"
                               "TauJets/<var> (N), TauTracks/<var> (N, --tracks), TauClusters/<var> (N, --clusters): vectors\n"
                               "truncated or padded, NaN in every variable of a slot whose pt (et) is 0, rows shuffled as\n"
                               "numpy's RandomState(1234567890).shuffle. SELECTION: truth1p 1p truth3p 3p truthXp Xp. An OUTPUT\n"
                               "with '%d' is an HDF5 file family (8 GiB members), as ntuple2hdf.py writes it.",
                 {
                     {{"--sel"}, true, "an extra cut, combined as (SELECTION) && (EXPR)", "EXPR"},
                     {{"--treename"}, true, "the tree (default CollectionTree, as ntuple2hdf.py)", "NAME"},
                     {{"--tauid"}, false, "TauJets, TauTracks, TauClusters", ""},
                     {{"--decaymodeclf"}, false, "TauJets and the PFO containers", ""},
                     {{"--ntracks", "--tracks"}, true, "track slots (10)", "N"},
                     {{"--nclusters", "--clusters"}, true, "cluster slots (6)", "N"},
                     {{"--chrg-pfos"}, true, "charged PFO slots (3)", "N"},
                     {{"--neut-pfos"}, true, "neutral PFO slots (10)", "N"},
                     {{"--shot-pfos"}, true, "shot PFO slots (6)", "N"},
                     {{"--conv-tracks"}, true, "conversion track slots (4)", "N"},
                     {{"-q", "--quiet"}, false, "no progress bar", ""},
                     {{"--debug"}, false, "accepted for compatibility", ""},
                 });
  args.parse(argc, argv, 2);
  if (args.help_requested()) return std::fputs(args.usage().c_str(), stdout), 0;
  const auto& pos = args.positional();
  if (pos.size() < 3) throw usage_error("expected OUTPUT SELECTION and at least one ntuple");
  if (args.has("--tauid") == args.has("--decaymodeclf")) throw usage_error("give exactly one of --tauid and --decaymodeclf");
  ntuple::ntuple2hdf_options o;
  o.output = pos[0];
  o.selection = pos[1];
  o.inputs.assign(pos.begin() + 2, pos.end());
  o.extra_selection = args.get("--sel");
  o.tree = args.get("--treename", "CollectionTree");
  o.tauid = args.has("--tauid");
  o.tracks = to_count("--tracks", args.get("--tracks", "10"), 1, 100000);
  o.clusters = to_count("--clusters", args.get("--clusters", "6"), 1, 100000);
  o.charged_pfos = to_count("--chrg-pfos", args.get("--chrg-pfos", "3"), 1, 100000);
  o.neutral_pfos = to_count("--neut-pfos", args.get("--neut-pfos", "10"), 1, 100000);
  o.shot_pfos = to_count("--shot-pfos", args.get("--shot-pfos", "6"), 1, 100000);
  o.conv_tracks = to_count("--conv-tracks", args.get("--conv-tracks", "4"), 1, 100000);
  (void)ntuple::selection_string(o.selection); // an unknown name is a usage error before any reading
  progress_bar bar("ntuple2hdf");
  if (!args.has("--quiet")) o.progress = [&](std::size_t done, std::size_t total) { bar.update(done, total); };
  const auto start = std::chrono::steady_clock::now();
  const auto sum = ntuple::ntuple2hdf(o);
  bar.finish();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::fprintf(stderr, "hepnn ntuple2hdf: %zu of %zu entries selected, %zu datasets in %s\n", sum.rows, sum.entries, sum.datasets,
               sum.members.empty() ? o.output.c_str() : sum.members.front().c_str());
  report_summary("read", sum.entries, "entries", seconds);
  return 0;
}

} // namespace hepnn::cli
