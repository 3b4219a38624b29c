#pragma once
// One function per subcommand; each parses its own arguments.

namespace hepnn::cli {

int run_eval(int argc, char** argv);
int run_inspect(int argc, char** argv);
int run_convert(int argc, char** argv);
int run_split(int argc, char** argv);
int run_vardict(int argc, char** argv);
int run_check(int argc, char** argv);
int run_varspec(int argc, char** argv);
int run_tauid(int argc, char** argv);
int run_root(int argc, char** argv);
int run_ntuple2hdf(int argc, char** argv);

} // namespace hepnn::cli
