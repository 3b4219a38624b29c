// ntuple2hdf on the tau candidates written as an NtupleCreator ntuple by the
// project's writer: the datasets equal ../shared/tau/tau_candidates.h5 after
// the selection (evaluated here independently) and numpy's permutation
// (numpy itself, Debian's python3-numpy, is the oracle of the row order).
#include "support/shared_data.hpp"

#include "hepnn/io.hpp"
#include "hepnn/keras.hpp"
#include "hepnn/ntuple.hpp"
#include "hepnn/root.hpp"
#include "hepnn/tau.hpp"

#include "formats/hdf5_file.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <unistd.h>

namespace hepnn::test {
namespace {

namespace fs = std::filesystem;
using root::value_type;

const std::vector<std::pair<std::string, value_type>> jet_branches = {
    {"mcEventNumber", value_type::uint64}, {"mcEventWeight", value_type::float32}, {"nTracks", value_type::int32},
    {"pt", value_type::float32},           {"eta", value_type::float32},          {"phi", value_type::float32},
    {"ptJetSeed", value_type::float32},    {"etaJetSeed", value_type::float32},   {"phiJetSeed", value_type::float32},
    {"BDTJetScore", value_type::float32},  {"truthProng", value_type::uint64},    {"truthEtaVis", value_type::float64},
    {"truthPtVis", value_type::float64},   {"IsTruthMatched", value_type::int8},  {"truthDecayMode", value_type::uint64},
    {"mu", value_type::float64},           {"nVtxPU", value_type::int32},         {"centFrac", value_type::float32},
    {"EMPOverTrkSysP", value_type::float32}, {"innerTrkAvgDist", value_type::float32}, {"ptRatioEflowApprox", value_type::float32},
    {"dRmax", value_type::float32},        {"trFlightPathSig", value_type::float32}, {"mEflowApprox", value_type::float32},
    {"SumPtTrkFrac", value_type::float32}, {"absipSigLeadTrk", value_type::float32}, {"massTrkSys", value_type::float32},
    {"etOverPtLeadTrk", value_type::float32}, {"ptIntermediateAxis", value_type::float32}};
const std::vector<std::pair<std::string, value_type>> track_branches = {
    {"pt", value_type::float32}, {"eta", value_type::float32}, {"phi", value_type::float32}, {"dEta", value_type::float32},
    {"dPhi", value_type::float32}, {"z0sinThetaTJVA", value_type::float32}, {"d0", value_type::float32},
    {"nInnermostPixelHits", value_type::uint8}, {"nPixelHits", value_type::uint8}, {"nSCTHits", value_type::uint8},
    {"isLoose", value_type::uint8}, {"passVertexCut", value_type::uint8}};
const std::vector<std::string> cluster_branches = {"e", "et", "eta", "phi", "dEta", "dPhi", "SECOND_R", "SECOND_LAMBDA", "CENTER_LAMBDA"};

std::string candidates() { return (shared_dir() / "tau" / "tau_candidates.h5").string(); }

using table = std::map<std::string, std::vector<double>>; // "TauJets/pt" -> values (row-major)

table read_h5(const std::string& path, std::size_t& rows) {
  const auto f = detail::h5::file::open(path);
  table t;
  for (const auto& g : {"TauJets", "TauTracks", "TauClusters"}) {
    const auto grp = f.open_group(g);
    for (const auto& m : grp.members()) {
      detail::h5::dataset_info info;
      t[std::string(g) + "/" + m] = grp.read(m, &info);
      rows = info.shape[0];
    }
  }
  return t;
}

void put(root::column& c, double v) {
  unsigned char b[8];
  switch (c.type) {
  case value_type::float32: {
    const float f = float(v);
    std::memcpy(b, &f, 4);
    break;
  }
  case value_type::float64: std::memcpy(b, &v, 8); break;
  case value_type::uint64: {
    const auto u = std::uint64_t(v);
    std::memcpy(b, &u, 8);
    break;
  }
  case value_type::int32: {
    const auto i = std::int32_t(v);
    std::memcpy(b, &i, 4);
    break;
  }
  case value_type::int8:
  case value_type::uint8: b[0] = static_cast<unsigned char>(std::int64_t(v)); break;
  default: FAIL() << "type";
  }
  c.values.insert(c.values.end(), b, b + root::width(c.type));
}

/// The candidates as NtupleCreator's tree: the branch types of its header.
void write_ntuple(const fs::path& path, const table& h5, std::size_t rows) {
  std::vector<root::branch_spec> specs;
  std::vector<root::column> cols;
  auto add = [&](const std::string& name, value_type t, bool vec, const std::string& leaf = "") {
    specs.push_back({name, t, vec, leaf});
    root::column c;
    c.type = t;
    c.depth = vec ? 1 : 0;
    if (vec) c.offsets.push_back(0);
    cols.push_back(c);
  };
  for (const auto& [n, t] : jet_branches) add("TauJets." + n, t, false, n == "truthDecayMode" ? "TauJets.truthProng" : "");
  for (const auto& [n, t] : track_branches) add("TauTracks." + n, t, true);
  for (const auto& n : cluster_branches) add("TauClusters." + n, value_type::float32, true);
  for (std::size_t r = 0; r < rows; ++r) {
    std::size_t k = 0;
    for (const auto& [n, t] : jet_branches) put(cols[k++], h5.at("TauJets/" + n)[r]);
    for (const auto& [group, mask, names, slots] :
         {std::tuple{std::string("TauTracks"), std::string("pt"), std::vector<std::string>{}, std::size_t(10)},
          std::tuple{std::string("TauClusters"), std::string("et"), std::vector<std::string>{}, std::size_t(6)}}) {
      (void)names;
      const auto& m = h5.at(group + "/" + mask);
      const std::size_t nvars = group == "TauTracks" ? track_branches.size() : cluster_branches.size();
      for (std::size_t v = 0; v < nvars; ++v) {
        const std::string var = group == "TauTracks" ? track_branches[v].first : cluster_branches[v];
        auto& c = cols[k++];
        for (std::size_t s = 0; s < slots; ++s) {
          if (!std::isnan(m[r * slots + s])) put(c, h5.at(group + "/" + var)[r * slots + s]);
        }
        c.offsets.push_back(c.size());
      }
    }
  }
  root::tree_writer w(path.string(), "tree", specs);
  w.append(cols);
  w.close();
}

/// numpy's own permutations: RandomState(seed).shuffle of 0..n-1 for each n (one process).
std::vector<std::vector<std::size_t>> numpy_orders(const std::vector<std::size_t>& sizes) {
  std::string list;
  for (const auto n : sizes) list += (list.empty() ? "" : ",") + std::to_string(n);
  const std::string cmd = "/usr/bin/python3 -c \"import numpy as np\nfor n in [" + list +
                          "]:\n a=np.arange(n); np.random.RandomState(1234567890).shuffle(a); print(n, ' '.join(map(str, a)))\"";
  FILE* p = popen(cmd.c_str(), "r");
  EXPECT_NE(p, nullptr);
  std::vector<std::vector<std::size_t>> out;
  unsigned long long n, v;
  while (p && std::fscanf(p, "%llu", &n) == 1) {
    out.emplace_back();
    for (unsigned long long k = 0; k < n && std::fscanf(p, "%llu", &v) == 1; ++k) out.back().push_back(std::size_t(v));
  }
  if (p) {
    EXPECT_EQ(pclose(p), 0) << "python3 with numpy is needed as the oracle";
  }
  EXPECT_EQ(out.size(), sizes.size());
  return out;
}
std::vector<std::size_t> numpy_order(std::size_t n) { return numpy_orders({n}).at(0); }

TEST(Ntuple2hdf, ShuffleOrderIsNumpys) {
  const std::vector<std::size_t> sizes = {0, 1, 2, 3, 10, 500, 4097, 100000};
  const auto want = numpy_orders(sizes);
  ASSERT_EQ(want.size(), sizes.size());
  for (std::size_t k = 0; k < sizes.size(); ++k) EXPECT_EQ(ntuple::numpy_shuffle_order(sizes[k], 1234567890), want[k]) << sizes[k];
}

bool truth_xp(const table& t, std::size_t r) {
  auto v = [&](const char* n) { return t.at(std::string("TauJets/") + n)[r]; };
  const bool eta = std::fabs(v("eta")) < 2.5 && (std::fabs(v("eta")) < 1.37 || std::fabs(v("eta")) > 1.52) && v("pt") > 20000;
  const bool truth = v("IsTruthMatched") != 0 && std::fabs(v("truthEtaVis")) < 2.5 &&
                     (std::fabs(v("truthEtaVis")) < 1.37 || std::fabs(v("truthEtaVis")) > 1.52) && v("truthPtVis") > 20000;
  const bool prongs = (v("nTracks") == 1 || v("nTracks") == 3) && (v("truthProng") == 1 || v("truthProng") == 3);
  return eta && truth && prongs;
}

class ntuple2hdf_test : public ::testing::Test {
protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("hepnn_n2h_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    h5_ = read_h5(candidates(), rows_);
    write_ntuple(dir_ / "ntuple.root", h5_, rows_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
  table h5_;
  std::size_t rows_ = 0;

  /// Runs the conversion and compares every dataset with the selected, permuted reference.
  void check(const std::string& selection, const std::string& extra, const std::function<bool(std::size_t)>& keep, std::size_t tracks) {
    ntuple::ntuple2hdf_options o;
    o.output = (dir_ / "out_%d.h5").string();
    o.selection = selection;
    o.inputs = {(dir_ / "ntuple.root").string()};
    o.extra_selection = extra;
    o.tree = "tree";
    o.tracks = tracks;
    const auto sum = ntuple::ntuple2hdf(o);
    std::vector<std::size_t> kept;
    for (std::size_t r = 0; r < rows_; ++r)
      if (keep(r)) kept.push_back(r);
    ASSERT_EQ(sum.entries, rows_);
    ASSERT_EQ(sum.rows, kept.size());
    ASSERT_GT(kept.size(), 10u);
    ASSERT_LT(kept.size(), rows_);
    const auto order = numpy_order(kept.size());
    std::size_t out_rows = 0;
    const table out = read_h5(o.output, out_rows);
    ASSERT_EQ(out.size(), h5_.size());
    ASSERT_EQ(out_rows, kept.size());
    for (const auto& [name, ref] : h5_) {
      const auto& got = out.at(name);
      const std::size_t ref_width = ref.size() / rows_;
      const std::size_t width = name.rfind("TauTracks", 0) == 0 ? tracks : ref_width;
      ASSERT_EQ(got.size(), kept.size() * width) << name;
      for (std::size_t i = 0; i < kept.size(); ++i)
        for (std::size_t s = 0; s < width; ++s) {
          const double want = ref[kept[order[i]] * ref_width + s], have = got[i * width + s];
          ASSERT_TRUE(std::bit_cast<std::uint32_t>(float(want)) == std::bit_cast<std::uint32_t>(float(have)) ||
                      (std::isnan(want) && std::isnan(have)))
              << name << " row " << i << " slot " << s << ": " << have << " vs " << want;
        }
    }
    fs::remove(member(o.output));
  }
  static std::string member(const std::string& pattern) { return pattern.substr(0, pattern.find("%d")) + "0" + pattern.substr(pattern.find("%d") + 2); }
};

TEST_F(ntuple2hdf_test, TruthXpEqualsTheReferenceCandidates) {
  check("truthXp", "", [&](std::size_t r) { return truth_xp(h5_, r); }, 10);
}

TEST_F(ntuple2hdf_test, ExtraSelectionAndTruncatedTracks) {
  check("truthXp", "TauJets.mcEventNumber % 2 == 0",
        [&](std::size_t r) { return truth_xp(h5_, r) && std::fmod(h5_.at("TauJets/mcEventNumber")[r], 2) == 0; }, 3);
}

TEST_F(ntuple2hdf_test, RecoOnlyOneProng) {
  check("1p", "", [&](std::size_t r) {
    auto v = [&](const char* n) { return h5_.at(std::string("TauJets/") + n)[r]; };
    return std::fabs(v("eta")) < 2.5 && (std::fabs(v("eta")) < 1.37 || std::fabs(v("eta")) > 1.52) && v("pt") > 20000 && v("nTracks") == 1;
  }, 10);
}

/// tauid reads the ROOT ntuple directly: every candidate gets the score,
/// network and object counts it gets from tau_candidates.h5.
TEST_F(ntuple2hdf_test, TauidScoresTheRootNtupleAsTheHdf5File) {
  tau::score_options o;
  const auto tau_dir = shared_dir() / "tau";
  for (const char* prong : {"1p", "3p"}) {
    const auto src = tau_dir / (std::string("tau_") + prong);
    const auto spec = tau::varspec_from_model(src / "model.h5", src / "preproc.h5");
    const auto out = dir_ / (std::string(prong) + ".json");
    save_network(convert_keras(src / "model.h5", {}, &spec).network, out);
    (std::string(prong) == "1p" ? o.evaluator.network_1p : o.evaluator.network_3p) = out;
  }
  o.input = candidates();
  const auto from_h5 = tau::evaluate_candidates(o);
  o.input = dir_ / "ntuple.root";
  o.chunk = 37; // several reads
  const auto from_root = tau::evaluate_candidates(o);
  ASSERT_EQ(from_h5.size(), rows_);
  ASSERT_EQ(from_root.size(), rows_);
  std::size_t scored = 0;
  for (std::size_t i = 0; i < rows_; ++i) {
    EXPECT_EQ(std::bit_cast<std::uint64_t>(from_root[i].score), std::bit_cast<std::uint64_t>(from_h5[i].score)) << i;
    EXPECT_EQ(from_root[i].network, from_h5[i].network) << i;
    EXPECT_EQ(from_root[i].tracks_used, from_h5[i].tracks_used) << i;
    EXPECT_EQ(from_root[i].clusters_used, from_h5[i].clusters_used) << i;
    scored += from_root[i].score != tau::no_score;
  }
  EXPECT_GT(scored, rows_ / 2);
}

TEST(NtupleFormula, ErrorsPointAtThePosition) {
  try {
    ntuple::formula f("TauJets.pt > 20000 && sqrt(TauJets.eta) < 1", "--sel");
    FAIL() << "sqrt accepted";
  } catch (const input_error& e) {
    EXPECT_NE(std::string(e.what()).find("unknown function 'sqrt' (only abs is supported) at position 23"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("\n  " + std::string(22, ' ') + "^"), std::string::npos) << e.what();
  }
  for (const std::string text : {"a >", "(a", "a b", "a == = b", "1.2.3 > a", "a ? b : c", "a[0] > 1", ""})
    EXPECT_THROW((void)ntuple::formula(text, "--sel"), input_error) << text;
  ntuple::formula f("!(abs(x - 3) >= 2) && y % 4 == 1 || -x > 7");
  ASSERT_EQ(f.variables(), (std::vector<std::string>{"x", "y"}));
  const double a[] = {4, 5}, b[] = {6, 5}, c[] = {-8, 0};
  EXPECT_EQ(f.evaluate(a), 1);
  EXPECT_EQ(f.evaluate(b), 0);
  EXPECT_EQ(f.evaluate(c), 1);
}

} // namespace
} // namespace hepnn::test
