#include "cli/run_cli.hpp"

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <vector>
#include <sys/wait.h>
#include <unistd.h>

namespace hepnn::test {

run_result run_program(const std::string& program, const std::string& args) {
  static std::atomic<int> serial{0};
  const auto dir = std::filesystem::temp_directory_path() /
                   ("hepnn-cli-" + std::to_string(::getpid()) + "-" + std::to_string(serial++));
  std::filesystem::create_directories(dir);
  const std::string cmd = program + " " + args + " >" + (dir / "out").string() + " 2>" + (dir / "err").string();
  run_result r;
  const int raw = std::system(cmd.c_str());
  r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  auto slurp = [](const std::filesystem::path& p) {
    std::ifstream f(p);
    return std::string(std::istreambuf_iterator<char>(f), {});
  };
  r.out = slurp(dir / "out");
  r.err = slurp(dir / "err");
  std::filesystem::remove_all(dir);
  return r;
}

void write_truncated_copy(const std::filesystem::path& source, const std::filesystem::path& target, double fraction) {
  std::ifstream in(source, std::ios::binary);
  std::vector<char> part(static_cast<std::size_t>(static_cast<double>(std::filesystem::file_size(source)) * fraction));
  in.read(part.data(), static_cast<std::streamsize>(part.size()));
  std::ofstream(target, std::ios::binary).write(part.data(), static_cast<std::streamsize>(part.size()));
}

void scratch_test::SetUp() {
  const auto* info = testing::UnitTest::GetInstance()->current_test_info();
  dir_ = std::filesystem::temp_directory_path() /
         ("hepnn-" + std::string(info->test_suite_name()) + "-" + std::to_string(::getpid()) + "-" + info->name());
  std::filesystem::remove_all(dir_);
  std::filesystem::create_directories(dir_);
}

void scratch_test::TearDown() { std::filesystem::remove_all(dir_); }

} // namespace hepnn::test
