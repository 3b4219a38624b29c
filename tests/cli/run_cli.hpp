#pragma once
// Runs the hepnn tool (or another program) as a user would, capturing its
// output and exit status.

#include <string>

namespace hepnn::test {

struct run_result {
  int status = -1;
  std::string out, err;
};

/// Runs `program args` through the shell; stdout and stderr are captured separately.
run_result run_program(const std::string& program, const std::string& args);
/// Runs `hepnn <args>`.
inline run_result hepnn_cli(const std::string& args) { return run_program(HEPNN_CLI, args); }

} // namespace hepnn::test
