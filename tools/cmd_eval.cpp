// hepnn eval: evaluate a network on events given as JSON, or score every jet
// of a training-dataset-dumper ntuple into a score file.
#include "args.hpp"
#include "commands.hpp"
#include "ftag_options.hpp"
#include "output.hpp"
#include "progress.hpp"

#include "formats/hdf5_file.hpp"
#include "hepnn/io.hpp"
#include "hepnn/network.hpp"
#include "workflow/json_events.hpp"
#include "model/text.hpp"

#include <chrono>
#include <cstdio>
#include <filesystem>

namespace hepnn::cli {
namespace {

int eval_json(const arguments& args) {
  const bool float64 = float64_requested(args);
  const auto start = std::chrono::steady_clock::now();
  if (auto out = args.maybe("--output"))
    refuse_overwriting_inputs(*out, {{"the network", args.positional()[0]}, {"--inputs", args.get("--inputs")}});
  const model m = read_network(args.positional()[0]);
  const auto events = detail::read_json_events(args.get("--inputs"), &m.inputs, &m.input_sequences);
  std::string text = float64 ? detail::evaluate_json_events(network64(m), events)
                             : detail::evaluate_json_events(network(m), events);
  if (auto out = args.maybe("--output")) write_file_atomically(*out, text);
  else std::fwrite(text.data(), 1, text.size(), stdout);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  report_summary("evaluated", events.size(), "events", seconds);
  return 0;
}

int eval_ntuple(const arguments& args) {
  ftag::score_options o;
  o.network = args.positional()[0];
  o.input = args.positional()[1];
  if (!args.has("--output")) throw usage_error("-o SCORES.h5 is required when scoring an ntuple");
  o.output = args.get("--output");
  apply_ntuple_options(args, o);
  o.copy_fields = split_list(args.all("--copy"));
  progress_bar bar("jets");
  o.progress = [&](std::size_t done, std::size_t total) { bar.update(done, total); };
  const auto s = ftag::score_ntuple(o);
  bar.finish();
  if (!s.tracks_dataset.empty())
    std::fprintf(stderr, "hepnn: tracks from '%s': %s; %zu valid tracks, %zu fed to the network\n", s.tracks_dataset.c_str(),
                 s.track_handling.c_str(), s.tracks_seen, s.tracks_used);
  std::fprintf(stderr, "hepnn: wrote %s (jets: %s)\n", o.output.c_str(), detail::join(s.score_names).c_str());
  report_summary("scored", s.jets, "jets", s.seconds);
  return 0;
}

} // namespace

int run_eval(int argc, char** argv) {
  std::vector<option> opts = {
      {{"--inputs"}, true, "events as JSON (the zoo's inputs.json layout)", "EVENTS.json"},
      {{"-o", "--output"}, true, "JSON: write the outputs here instead of standard output; ntuple: the score file", "FILE"},
      {{"--copy"}, true, "ntuple: also copy these jet fields into the score file (comma-separated, repeatable)", "FIELDS",
       true},
      {{"--tree"}, true, "ROOT ntuple: the tree to score (needed when the file has several)", "NAME"},
      {{"--score-tree"}, true, "ROOT ntuple: the name of the score tree (-o X.root) or table (-o X.h5), default 'scores'", "NAME"},
  };
  for (auto& o : ntuple_options()) opts.push_back(std::move(o));
  arguments args("eval",
                 "NETWORK.json --inputs EVENTS.json [options]\n"
                 "       hepnn eval NETWORK.json NTUPLE.h5 -o SCORES.h5 [options]\n"
                 "       hepnn eval NETWORK.json NTUPLE.root [--tree T] -o SCORES.h5|SCORES.root   (a flat ROOT tree: one\n"
                 "       branch per variable, std::vector branches for sequences; .root: a friend tree of scores)\n\n"
                 "With an ntuple (a training-dataset-dumper file: a 'jets' table and track tables with a 'valid'\n"
                 "field), every jet is scored. Network inputs are read from the fields of the same name, with\n"
                 "Athena's derived inputs (log_ptfrac, log_dr_nansafe, pt, abs_eta, ...) and *_isDefaults flags;\n"
                 "tracks are selected and ordered as the sequence input's name says (tracks_r22default_sd0sort ...).",
                 std::move(opts));
  args.parse(argc, argv, 2);
  if (args.help_requested()) {
    std::fputs(args.usage().c_str(), stdout);
    return 0;
  }
  const auto& pos = args.positional();
  if (pos.size() == 2) {
    if (args.has("--inputs")) throw usage_error("--inputs is for JSON events; an ntuple is given as the second argument");
    if (is_root_file(pos[1])) return eval_root(args);
    if (std::filesystem::exists(pos[1]) && !detail::h5::is_hdf5(pos[1]))
      throw usage_error(pos[1] + " is not an HDF5 file (JSON events are passed with --inputs)");
    return eval_ntuple(args);
  }
  if (pos.size() != 1) throw usage_error("expected a network file, and an ntuple or --inputs EVENTS.json");
  if (!args.has("--inputs")) throw usage_error("--inputs EVENTS.json (or an ntuple as second argument) is required");
  return eval_json(args);
}

} // namespace hepnn::cli
