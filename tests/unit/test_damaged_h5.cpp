// Damaged HDF5 inputs found by the fuzz harnesses (fuzz/regressions/):
//  * tau candidate files whose slot datasets disagree or are absurdly wide
//    (fuzz_tau_candidates): the first read past the end of the narrower
//    column, the second asked for ~2^57 bytes;
//  * a dumper ntuple whose compound type puts a field outside the row
//    (fuzz_ftag_ntuple): libhdf5's conversion then read outside its buffer
//    (SEGV in H5T__conv_struct_opt);
//  * a float dataset whose type claims 4294967295 bytes (fuzz_tau_candidates):
//    libhdf5 sized its conversion buffer by it (a 4 GB calloc); here a
//    32-byte float stands for it, and a table row too wide for one read.
#include "hepnn/errors.hpp"
#include "hepnn/ftag.hpp"
#include "hepnn/tau.hpp"

#include "support/h5_tables.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <unistd.h>

namespace hepnn::test {
namespace {

namespace fs = std::filesystem;

class candidate_files : public ::testing::Test {
protected:
  void SetUp() override {
    path_ = (fs::temp_directory_path() / ("hepnn-candidate-file-" + std::to_string(::getpid()) + ".h5")).string();
    write_dataset(path_, "TauJets/nTracks", {2}, {1, 3}, true);
    write_dataset(path_, "TauJets/centFrac", {2}, {0.5, 0.25}, false);
    write_dataset(path_, "TauClusters/et", {2, 2}, {1e4, 2e4, 3e4, 4e4}, false);
  }
  void TearDown() override { fs::remove(path_); }

  /// The message of the config_error opening (and reading) the file throws, or "".
  std::string open_error() const {
    try {
      tau::candidate_file f(path_, {"centFrac"}, {"pt", "dEta"}, {"et"});
      f.read(0, f.size());
    } catch (const config_error& e) {
      return e.what();
    }
    return "";
  }

  std::string path_;
};

TEST_F(candidate_files, a_consistent_file_reads) {
  write_dataset(path_, "TauTracks/pt", {2, 3}, {1, 2, 3, 4, 5, 6}, false);
  write_dataset(path_, "TauTracks/dEta", {2, 3}, {0.1, 0.2, 0.3, 0.4, 0.5, 0.6}, false);
  tau::candidate_file f(path_, {"centFrac"}, {"pt", "dEta"}, {"et"});
  const auto& c = f.read(0, 2);
  ASSERT_EQ(c.size(), 2u);
  ASSERT_EQ(c[1].tracks.size(), 3u);
  EXPECT_FLOAT_EQ(c[1].tracks[2].pt, 6.0f);
  EXPECT_FLOAT_EQ(c[1].tracks[2].dEta, 0.6f);
  EXPECT_EQ(c[1].clusters.size(), 2u);
}

TEST_F(candidate_files, track_datasets_with_different_slot_counts_are_refused) {
  write_dataset(path_, "TauTracks/pt", {2, 3}, {1, 2, 3, 4, 5, 6}, false);
  write_dataset(path_, "TauTracks/dEta", {2, 1}, {0.1, 0.2}, false);
  EXPECT_NE(open_error().find("/TauTracks/dEta: 1 track slots per candidate, but /TauTracks/pt has 3"), std::string::npos)
      << open_error();
}

TEST_F(candidate_files, an_absurd_slot_count_is_refused_not_allocated) {
  const std::size_t huge = std::size_t(1) << 54;
  write_unallocated_dataset(path_, "TauTracks/pt", {2, huge}, false);
  write_unallocated_dataset(path_, "TauTracks/dEta", {2, huge}, false);
  EXPECT_NE(open_error().find("/TauTracks/pt: " + std::to_string(huge) + " track slots per candidate: more than the limit of 100000"),
            std::string::npos)
      << open_error();
}

TEST_F(candidate_files, a_number_of_absurd_size_is_refused_before_libhdf5_converts_it) {
  write_dataset(path_, "TauTracks/pt", {2, 3}, {1, 2, 3, 4, 5, 6}, false);
  write_dataset(path_, "TauTracks/dEta", {2, 3}, {0.1, 0.2, 0.3, 0.4, 0.5, 0.6}, false);
  write_unallocated_dataset(path_, "TauClusters/et", {2, 2}, false, 32); // replaces the float32 one
  EXPECT_NE(open_error().find("/TauClusters/et: a number of 32 bytes (damaged file?)"), std::string::npos) << open_error();
}

TEST(damaged_ntuple, a_numeric_field_of_absurd_size_is_refused) {
  const std::string file = (fs::temp_directory_path() / ("hepnn-wide-number-" + std::to_string(::getpid()) + ".h5")).string();
  declare_table(file, "jets", 4, 1, {{"pt", "f4", {}}, {"eta", "f32", {}}}, true);
  try {
    (void)ftag::read_jet_columns(file, "jets", {"pt", "eta"});
    ADD_FAILURE() << "no config_error";
  } catch (const config_error& e) {
    EXPECT_NE(std::string(e.what()).find("/jets: field 'eta' is a number of 32 bytes (damaged file?)"), std::string::npos) << e.what();
  }
  fs::remove(file);
}

TEST(damaged_ntuple, a_row_wider_than_one_read_is_refused) {
  const std::string file = (fs::temp_directory_path() / ("hepnn-wide-row-" + std::to_string(::getpid()) + ".h5")).string();
  declare_table(file, "tracks", 2, 100'000, {{"d0", "f4", {}}, {"note", "s4096", {}}}, true);
  try {
    (void)ftag::read_jet_columns(file, "tracks", {"d0"});
    ADD_FAILURE() << "no config_error";
  } catch (const config_error& e) {
    EXPECT_NE(std::string(e.what()).find("/tracks: a row of 100000 entries of 4100 bytes: more than the limit of 268435456 bytes"),
              std::string::npos)
        << e.what();
  }
  fs::remove(file);
}

TEST(damaged_ntuple, a_field_outside_the_compound_row_is_refused) {
  const std::string file =
      std::string(HEPNN_FUZZ_REGRESSIONS) + "/fuzz_ftag_ntuple/crash-37d644c53f188998fca5f9cfc651d73392193da7";
  try {
    (void)ftag::read_jet_columns(file, "jets", {"pt_btagJes", "JetFitterSecondaryVertex_isDefaults"});
    FAIL() << "no config_error";
  } catch (const config_error& e) {
    EXPECT_NE(std::string(e.what()).find("/jets: field 'JetFitterSecondaryVertex_isDefaults' lies outside the 434-byte row"),
              std::string::npos)
        << e.what();
  }
}

} // namespace
} // namespace hepnn::test
