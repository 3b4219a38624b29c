// hepnn varspec: rnn-tauid's fill-lwtnn-varspec.py — a variables file from
// the preprocessing file, with the template taken from the Keras model.
#include "args.hpp"
#include "commands.hpp"
#include "output.hpp"

#include "hepnn/tau.hpp"
#include "hepnn/variables.hpp"

#include <cstdio>

namespace hepnn::cli {

int run_varspec(int argc, char** argv) {
  arguments args("varspec", "--preproc preproc.h5 (--model model.h5 | TEMPLATE.json) [-o VARS.json]\n\n"
                            "Fills the network's variables from rnn-tauid's preprocessing file: input 'scalar' from\n"
                            "jet_preproc, sequences 'tracks' and 'clusters' from trk_preproc / cls_preproc, offset = -offset,\n"
                            "scale = 1/scale, output 'rnnid_output' with label 'sig_prob'. Then:\n"
                            "  hepnn convert model.h5 --variables VARS.json -o tauid_nn.json",
                 {
                     {{"--preproc"}, true, "rnn-tauid's preprocessing file", "preproc.h5"},
                     {{"--model"}, true, "the Keras model: its inputs and outputs make the template", "model.h5"},
                     {{"-o", "--output"}, true, "the variables file to write (default: standard output)", "FILE"},
                 });
  args.parse(argc, argv, 2);
  if (args.help_requested()) {
    std::fputs(args.usage().c_str(), stdout);
    return 0;
  }
  if (!args.has("--preproc")) throw usage_error("--preproc preproc.h5 is required");
  const auto& pos = args.positional();
  if (args.has("--model") == (pos.size() == 1) || pos.size() > 1)
    throw usage_error("give either --model model.h5 or a template variables file");
  const variables_spec spec = args.has("--model") ? tau::varspec_from_model(args.get("--model"), args.get("--preproc"))
                                                  : tau::fill_varspec(read_variables(pos[0]), args.get("--preproc"));
  const std::string text = write_variables(spec);
  if (auto out = args.maybe("--output")) {
    write_file_atomically(*out, text);
    std::fprintf(stderr, "hepnn varspec: wrote %s (%zu scalar, %zu track%s variables)\n", out->c_str(),
                 spec.inputs[0].variables.size(), spec.input_sequences[0].variables.size(),
                 spec.input_sequences.size() > 1 ? (", " + std::to_string(spec.input_sequences[1].variables.size()) + " cluster").c_str() : "");
  } else {
    std::fwrite(text.data(), 1, text.size(), stdout);
  }
  return 0;
}

} // namespace hepnn::cli
