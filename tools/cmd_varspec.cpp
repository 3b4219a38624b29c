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
  arguments args("varspec", "--preproc preproc.h5 (--model model.h5 | TEMPLATE.json) [-o VARS.json]\n"
                            "       hepnn varspec PREPROC [-i TEMPLATE.json] [-o VARS.json]   (as fill-lwtnn-varspec.py:\n"
                            "       the template from -i, or from standard input)\n\n"
                            "Fills the network's variables from rnn-tauid's preprocessing file: input 'scalar' from\n"
                            "jet_preproc, sequences 'tracks' and 'clusters' from trk_preproc / cls_preproc, offset = -offset,\n"
                            "scale = 1/scale, output 'rnnid_output' with label 'sig_prob'. Then:\n"
                            "  hepnn convert model.h5 --variables VARS.json -o tauid_nn.json",
                 {
                     {{"--preproc"}, true, "rnn-tauid's preprocessing file", "preproc.h5"},
                     {{"--model"}, true, "the Keras model: its inputs and outputs make the template", "model.h5"},
                     {{"-i", "--infile"}, true, "the template variables file ('-': standard input)", "FILE"},
                     {{"-o", "--outfile", "--output"}, true, "the variables file to write (default: standard output)", "FILE"},
                 });
  args.parse(argc, argv, 2);
  if (args.help_requested()) {
    std::fputs(args.usage().c_str(), stdout);
    return 0;
  }
  auto pos = args.positional();
  // fill-lwtnn-varspec.py's form: PREPROC first, the template from -i or standard input
  std::string preproc = args.get("--preproc");
  if (preproc.empty() && !pos.empty()) preproc = pos.front(), pos.erase(pos.begin());
  if (preproc.empty()) throw usage_error("--preproc preproc.h5 (or PREPROC as the first argument) is required");
  std::string tmpl = args.get("--infile");
  if (!tmpl.empty() && !pos.empty()) throw usage_error("the template is given twice (-i and an argument)");
  if (tmpl.empty() && pos.size() == 1) tmpl = pos.front();
  if (pos.size() > 1) throw usage_error("too many arguments");
  if (args.has("--model") && !tmpl.empty()) throw usage_error("give either --model model.h5 or a template variables file");
  if (!args.has("--model") && tmpl.empty()) tmpl = "-";
  if (auto out = args.maybe("--output"))
    refuse_overwriting_inputs(*out, {{"the preprocessing file", preproc}, {"the model", args.get("--model")},
                                     {"the template", tmpl == "-" ? std::string() : tmpl}});
  const variables_spec spec = args.has("--model") ? tau::varspec_from_model(args.get("--model"), preproc)
                                                  : tau::fill_varspec(read_variables(tmpl), preproc);
  const std::string text = write_variables(spec);
  if (auto out = args.maybe("--output"); out && *out != "-") {
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
