#pragma once
// Runs the hepnn tool (or another program) as a user would, capturing its
// output and exit status.

#include <gtest/gtest.h>

#include <filesystem>
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

/// Writes the first `fraction` of `source` to `target`: a file cut short.
void write_truncated_copy(const std::filesystem::path& source, const std::filesystem::path& target, double fraction);

/// A test with its own scratch directory, removed afterwards.
class scratch_test : public testing::Test {
protected:
  void SetUp() override;
  void TearDown() override;
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  std::filesystem::path dir_;
};

} // namespace hepnn::test
