#pragma once
// One function per subcommand; each parses its own arguments.

#include <string>

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

class arguments;
/// hepnn eval on a flat ROOT tree (eval_root.cpp).
bool is_root_file(const std::string& path);
int eval_root(const arguments& args);

} // namespace hepnn::cli
