// hepnn vardict: umami's create_lwtnn_vardict.py, with its own flags.
#include "args.hpp"
#include "commands.hpp"
#include "output.hpp"

#include "hepnn/ftag.hpp"

#include <cstdio>

namespace hepnn::cli {

int run_vardict(int argc, char** argv) {
  arguments args("vardict", "-s SCALE_DICT.json -v VARIABLES.yaml -t TAGGER [-n SEQUENCE_NAME] [--tracks_name NAME] [-o FILE]",
                 {
                     {{"-s", "--scale_dict"}, true, "umami's preprocessing scale dict", "FILE"},
                     {{"-v", "--var_dict"}, true, "umami's variables YAML", "FILE"},
                     {{"-t", "--tagger"}, true, "tagger name: chooses DL1 / DIPS / UMAMI and names the output", "NAME"},
                     {{"-n", "--sequence_name"}, true, "Athena track collection, e.g. tracks_r22default_sd0sort", "NAME"},
                     {{"--tracks", "--tracks_name"}, true, "track collection of the training (DIPS, UMAMI), e.g. tracks", "NAME"},
                     {{"-o", "--output"}, true, "output file (default lwtnn_vars.json)", "FILE"},
                 });
  args.parse(argc, argv, 2);
  if (args.help_requested()) {
    std::fputs(args.usage().c_str(), stdout);
    return 0;
  }
  if (!args.positional().empty()) throw usage_error("unexpected argument '" + args.positional()[0] + "'");
  for (const char* required : {"--scale_dict", "--var_dict", "--tagger"})
    if (!args.has(required)) throw usage_error(std::string(required) + " is required");
  ftag::vardict_options o;
  o.scale_dict = args.get("--scale_dict");
  o.var_dict = args.get("--var_dict");
  o.tagger = args.get("--tagger");
  o.sequence_name = args.maybe("--sequence_name");
  o.tracks_name = args.get("--tracks_name");
  const std::string out = args.get("--output", "lwtnn_vars.json");
  refuse_overwriting_inputs(out, {{"the scale dict", o.scale_dict}, {"the variables YAML", o.var_dict}});
  write_file_atomically(out, ftag::umami_vardict(o));
  std::fprintf(stderr, "hepnn vardict: wrote %s\n", out.c_str());
  return 0;
}

} // namespace hepnn::cli
