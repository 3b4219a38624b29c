// hepnn: one command-line tool for the path from a trained model to a
// validated, deployable network file.
#include "args.hpp"
#include "commands.hpp"

#include "hepnn/errors.hpp"
#include "hepnn/version.hpp"

#include <cstdio>
#include <cstring>
#include <exception>
#include <string>

namespace {

struct command {
  const char* name;
  int (*run)(int, char**);
  const char* summary;
};

const command commands[] = {
    {"convert", hepnn::cli::run_convert, "convert a Keras model (.h5, .keras, JSON + weights) to a network file"},
    {"split", hepnn::cli::run_split, "split a full-model .h5 into architecture JSON and weights"},
    {"vardict", hepnn::cli::run_vardict, "umami's variables file from a scale dict and a variables YAML"},
    {"eval", hepnn::cli::run_eval, "evaluate a network on events (JSON) or score a dumper ntuple"},
    {"check", hepnn::cli::run_check, "compare scores with an ntuple's reference scores (umami's table)"},
    {"varspec", hepnn::cli::run_varspec, "rnn-tauid: a variables file from the preprocessing file"},
    {"tauid", hepnn::cli::run_tauid, "score tau candidates with the 1-prong / 3-prong networks (TauJetRNNEvaluator)"},
    {"ntuple2hdf", hepnn::cli::run_ntuple2hdf, "rnn-tauid: selected candidates of ROOT ntuples to HDF5 (ntuple2hdf.py)"},
    {"root", hepnn::cli::run_root, "ROOT files without ROOT: 'root ls FILE', 'root dump FILE TREE'"},
    {"inspect", hepnn::cli::run_inspect, "describe a network: inputs, outputs, layers, cost"},
};

void print_help() {
  std::printf("usage: hepnn <command> [arguments]\n\ncommands:\n");
  for (const auto& c : commands) std::printf("  %-10s %s\n", c.name, c.summary);
  std::printf("\n'hepnn <command> --help' describes a command; 'hepnn --version' prints the version.\n\n%s",
              hepnn::cli::exit_status_text("").c_str());
}

} // namespace

int main(int argc, char** argv) {
  if (argc < 2 || !std::strcmp(argv[1], "-h") || !std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "help")) {
    print_help();
    return argc < 2 ? 2 : 0;
  }
  if (!std::strcmp(argv[1], "--version")) {
    std::printf("hepnn %s\n", HEPNN_VERSION_STRING);
    return 0;
  }
  for (const auto& c : commands) {
    if (std::strcmp(argv[1], c.name) != 0) continue;
    try {
      return c.run(argc, argv);
    } catch (const hepnn::cli::usage_error& e) {
      std::fprintf(stderr, "hepnn %s: %s\n(see 'hepnn %s --help')\n", c.name, e.what(), c.name);
      return 2;
    } catch (const hepnn::error& e) { // 2 as diff and cmp: 1 is kept for "differences found"
      std::fprintf(stderr, "hepnn %s: error: %s\n", c.name, e.what());
      return 2;
    } catch (const std::exception& e) {
      std::fprintf(stderr, "hepnn %s: unexpected error: %s\n", c.name, e.what());
      return 2;
    }
  }
  std::vector<std::string> names{"--help", "--version"};
  for (const auto& c : commands) names.push_back(c.name);
  std::fprintf(stderr, "hepnn: unknown command '%s'%s\n", argv[1], hepnn::cli::did_you_mean(argv[1], names).c_str());
  print_help();
  return 2;
}
