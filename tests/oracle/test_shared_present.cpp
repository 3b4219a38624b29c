// The reference data must be there: the suite fails loudly without it.
#include "support/shared_data.hpp"

namespace hepnn::test {

TEST(shared_data, folders_are_present) {
  for (const char* sub : {"zoo", "lwtnn-test-data", "umami", "ftag", "tau"})
    EXPECT_TRUE(std::filesystem::is_directory(shared_dir() / sub))
        << (shared_dir() / sub) << " is missing: clone the project next to 'shared' (or set HEPNN_SHARED_DIR)";
}

TEST(shared_data, zoo_has_its_lwtnn_files) {
  // 26 zoo models have lwtnn.json + lwtnn_outputs.json (lwtnn_summary.json)
  EXPECT_EQ(cases_with(shared_dir() / "zoo", {"lwtnn.json", "lwtnn_outputs.json", "inputs.json"}).size(), 26u);
  EXPECT_EQ(cases_with(shared_dir() / "lwtnn-test-data", {"lwtnn.json", "case.json"}).size(), 14u);
}

} // namespace hepnn::test
