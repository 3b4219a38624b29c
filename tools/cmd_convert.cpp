// hepnn convert: a Keras model (and its variables file) → a network file.
// hepnn split: a full-model .h5 → architecture JSON + weights .h5.
#include "args.hpp"
#include "commands.hpp"
#include "output.hpp"

#include "hepnn/io.hpp"
#include "hepnn/keras.hpp"
#include "hepnn/variables.hpp"

#include <chrono>
#include <cstdio>
#include <filesystem>

namespace hepnn::cli {

int run_convert(int argc, char** argv) {
  arguments args("convert", "MODEL [WEIGHTS [VARS.json]] [--variables VARS.json] [-o NETWORK.json] [--lwtnn]\n\n"
                            "MODEL is a Keras full-model .h5, a .keras archive, or an architecture JSON followed by its\n"
                            "WEIGHTS .h5 (and, as kerasfunc2json.py takes them, the variables file). Without variables the\n"
                            "output is a template variables file to fill in. '-' reads the variables from standard input.",
                 {
                     {{"--variables"}, true, "variables file (lwtnn graph or sequential form) with names, offsets, scales, labels", "VARS.json"},
                     {{"-o", "--output"}, true, "the network file to write (without --variables: the template to fill); default or '-': standard output", "FILE"},
                     {{"--lwtnn"}, false, "write a file lwtnn reads; refuse what lwtnn would evaluate differently"},
                 });
  args.parse(argc, argv, 2);
  if (args.help_requested()) {
    std::fputs(args.usage().c_str(), stdout);
    return 0;
  }
  const auto& pos = args.positional();
  if (pos.empty() || pos.size() > 3) throw usage_error("expected MODEL [WEIGHTS [VARS.json]]");
  if (pos.size() == 3 && args.has("--variables")) throw usage_error("the variables are given twice (third argument and --variables)");
  const std::string out = args.get("--output", "-"); // like the scripts it replaces: standard output by default
  const std::string vars_path = args.get("--variables", pos.size() == 3 ? pos[2] : std::string());
  refuse_overwriting_inputs(out, {{"the model", pos[0]}, {"the weights", pos.size() > 1 ? pos[1] : std::string()},
                                  {"the variables", vars_path == "-" ? std::string() : vars_path}});
  const auto start = std::chrono::steady_clock::now();
  convert_options options;
  options.lwtnn = args.has("--lwtnn");
  std::optional<variables_spec> vars;
  if (auto v = args.maybe("--variables")) vars = read_variables(*v);
  else if (pos.size() == 3) vars = read_variables(pos[2]);
  const conversion c = convert_keras(pos[0], pos.size() > 1 ? pos[1] : std::string(), vars ? &*vars : nullptr, options);
  for (const auto& n : c.notes) std::fprintf(stderr, "hepnn convert: note: %s\n", n.c_str());
  if (!vars) {
    write_file_atomically(out, write_variables(c.template_variables));
    std::fprintf(stderr,
                 "hepnn convert: no --variables given: wrote the variables template to %s\n"
                 "  fill in the names, offsets, scales and labels, then run\n"
                 "  hepnn convert %s%s%s --variables %s -o NETWORK.json\n",
                 out == "-" ? "standard output" : out.c_str(), pos[0].c_str(), pos.size() > 1 ? " " : "",
                 pos.size() > 1 ? pos[1].c_str() : "", out == "-" ? "VARS.json" : out.c_str());
    return 0;
  }
  write_options w;
  w.lwtnn = options.lwtnn;
  if (!c.keras_version.empty()) w.provenance["keras_version"] = c.keras_version;
  save_network(c.network, out, w);
  const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  std::fprintf(stderr, "hepnn convert: wrote %s (%zu layers, %zu nodes, Keras %s) in %.1f ms\n",
               out == "-" ? "the network to standard output" : out.c_str(),
               c.network.layers.size(), c.network.nodes.size(), c.keras_version.empty() ? "1.x" : c.keras_version.c_str(), ms);
  return 0;
}

int run_split(int argc, char** argv) {
  arguments args("split", "MODEL.h5 [-a architecture.json] [-w weights.h5]\n"
                          "       hepnn split -m MODEL.h5 -o BASE   (as umami's conv_lwtnn_model.py: architecture-BASE.json,\n"
                          "                                         weights-BASE.h5)",
                 {
                     {{"-a", "--architecture-file-name", "--architecture"}, true, "architecture JSON to write (default architecture.json)", "FILE"},
                     {{"-w", "--weight-file-name", "--weights"}, true, "weights HDF5 to write (default weights.h5)", "FILE"},
                     {{"-m", "--model_file"}, true, "the full-model .h5 (instead of the first argument)", "MODEL.h5"},
                     {{"-o", "--output_base"}, true, "write architecture-BASE.json and weights-BASE.h5", "BASE"},
                 });
  args.parse(argc, argv, 2);
  if (args.help_requested()) {
    std::fputs(args.usage().c_str(), stdout);
    return 0;
  }
  std::vector<std::string> models = args.positional();
  if (auto m = args.maybe("--model_file")) models.push_back(*m);
  if (models.size() != 1) throw usage_error("expected one full-model .h5 file");
  std::string arch = "architecture.json", weights = "weights.h5";
  if (auto base = args.maybe("--output_base")) {
    if (args.has("--architecture") || args.has("--weights")) throw usage_error("-o BASE names both files: give no -a or -w with it");
    const std::filesystem::path b(*base); // a folder may come with the base name
    arch = (b.parent_path() / ("architecture-" + b.filename().string() + ".json")).string();
    weights = (b.parent_path() / ("weights-" + b.filename().string() + ".h5")).string();
  }
  arch = args.get("--architecture", arch);
  weights = args.get("--weights", weights);
  // both outputs are checked before either is written: a refused one leaves nothing behind
  for (const auto& out : {arch, weights}) refuse_overwriting_inputs(out, {{"the model", models.front()}});
  if (std::filesystem::weakly_canonical(arch) == std::filesystem::weakly_canonical(weights))
    throw usage_error("the architecture and the weights would be written to the same file " + arch);
  refuse_overwriting_inputs(arch, {{"the weights output", weights}});
  detail::refuse_directory_output(arch);
  split_keras_model(models.front(), arch, weights);
  std::fprintf(stderr, "hepnn split: wrote %s and %s\n", arch.c_str(), weights.c_str());
  return 0;
}

} // namespace hepnn::cli
