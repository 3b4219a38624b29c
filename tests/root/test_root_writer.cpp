// The ROOT writer read back by the reader: every basic type as a scalar and
// as a std::vector, several chunks, many baskets, compressed and raw; and
// damaged copies of a written file give errors, never crashes.
#include "hepnn/root.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>

namespace hepnn::test {
namespace {

namespace fs = std::filesystem;
using root::column;
using root::value_type;

const value_type all_types[] = {value_type::boolean, value_type::int8,   value_type::uint8,  value_type::int16,
                                value_type::uint16,  value_type::int32,  value_type::uint32, value_type::int64,
                                value_type::uint64,  value_type::float32, value_type::float64};

/// A value of type t from a seed (bit patterns that exercise signs and all bytes).
void put(column& c, value_type t, std::uint64_t seed) {
  const std::size_t w = root::width(t);
  std::uint64_t bits = seed * 0x9e3779b97f4a7c15ull;
  if (t == value_type::boolean) bits &= 1;
  if (t == value_type::float32) {
    float f = float(std::int64_t(seed % 20001) - 10000) / 7.0f;
    std::memcpy(&bits, &f, 4);
  }
  if (t == value_type::float64) {
    double d = double(std::int64_t(seed % 20001) - 10000) / 7.0;
    std::memcpy(&bits, &d, 8);
  }
  unsigned char b[8];
  std::memcpy(b, &bits, 8);
  c.values.insert(c.values.end(), b, b + w);
}

std::string name_of(value_type t, bool vec) { return std::string(vec ? "v_" : "s_") + root::type_name(t); }

struct fixture {
  std::vector<root::branch_spec> specs;
  std::vector<column> all; ///< every entry, for comparison
};

/// Writes `chunks` chunks of `n` entries; returns what was written.
fixture write_file(const fs::path& path, int level, std::size_t basket_bytes, int chunks, std::size_t n, bool embed = false) {
  fixture fx;
  for (bool vec : {false, true})
    for (auto t : all_types) fx.specs.push_back({name_of(t, vec), t, vec, ""});
  for (const auto& s : fx.specs) {
    column c;
    c.type = s.type;
    c.depth = s.vector ? 1 : 0;
    if (s.vector) c.offsets.push_back(0);
    fx.all.push_back(c);
  }
  root::tree_writer w(path.string(), "events", fx.specs, level, basket_bytes);
  w.embed_last_baskets(embed);
  std::uint64_t seed = 1;
  for (int k = 0; k < chunks; ++k) {
    std::vector<column> cols;
    for (std::size_t b = 0; b < fx.specs.size(); ++b) {
      const auto& s = fx.specs[b];
      column c;
      c.type = s.type;
      c.depth = s.vector ? 1 : 0;
      if (s.vector) c.offsets.push_back(0);
      for (std::size_t e = 0; e < n; ++e) {
        const std::size_t len = s.vector ? (e * 7 + b + std::size_t(k)) % 6 : 1;
        for (std::size_t i = 0; i < len; ++i) put(c, s.type, seed++);
        if (s.vector) c.offsets.push_back(c.size());
      }
      auto& all = fx.all[b];
      const std::size_t base = all.size();
      all.values.insert(all.values.end(), c.values.begin(), c.values.end());
      if (s.vector)
        for (std::size_t e = 1; e < c.offsets.size(); ++e) all.offsets.push_back(base + c.offsets[e]);
      cols.push_back(std::move(c));
    }
    w.append(cols);
  }
  w.close();
  EXPECT_EQ(w.entries(), std::int64_t(chunks) * std::int64_t(n));
  return fx;
}

void expect_same(const column& want, const column& got, const std::string& where) {
  EXPECT_EQ(got.type, want.type) << where;
  EXPECT_EQ(got.depth, want.depth) << where;
  EXPECT_TRUE(got.values == want.values) << where << ": values differ";
  EXPECT_EQ(got.offsets, want.offsets) << where;
}

fs::path temp(const std::string& name) { return fs::temp_directory_path() / ("hepnn_root_" + std::to_string(::getpid()) + "_" + name); }

TEST(RootWriter, RoundTripAllTypesManyBaskets) {
  // level 7 keeps the last basket of every branch inside the TTree (embedded baskets)
  for (int level : {0, 1, 6, 7}) {
    const fs::path path = temp("rt" + std::to_string(level) + ".root");
    const fixture fx = write_file(path, level == 7 ? 1 : level, 300, 3, 257, level == 7);
    const root::file f(path.string());
    EXPECT_EQ(f.compression(), 100 + (level == 7 ? 1 : level));
    const auto trees = f.trees();
    ASSERT_EQ(trees.size(), 1u);
    EXPECT_EQ(trees[0].path, "events");
    EXPECT_EQ(trees[0].entries, 3 * 257);
    const root::tree t = f.open_tree("events");
    ASSERT_EQ(t.branches().size(), fx.specs.size());
    for (std::size_t b = 0; b < fx.specs.size(); ++b) {
      const auto& info = t.branch(fx.specs[b].name);
      EXPECT_EQ(info.shape, fx.specs[b].vector ? root::shape::vector : root::shape::scalar) << info.name;
      EXPECT_EQ(info.type_of_values, fx.specs[b].type) << info.name;
      EXPECT_GT(info.baskets, 1u) << info.name;
      const auto v = t.read(info.name, 0, t.info().entries);
      ASSERT_EQ(v.columns.size(), 1u);
      expect_same(fx.all[b], v.columns[0], info.name + " level " + std::to_string(level));
      // a chunk in the middle, across basket boundaries
      const auto part = t.read(info.name, 100, 500);
      const auto whole = t.read(info.name, 0, 771);
      const std::size_t from = whole.columns[0].depth ? whole.columns[0].offsets[100] : 100;
      const std::size_t to = whole.columns[0].depth ? whole.columns[0].offsets[500] : 500;
      const std::size_t w = root::width(fx.specs[b].type);
      EXPECT_TRUE(std::equal(part.columns[0].values.begin(), part.columns[0].values.end(), whole.columns[0].values.begin() + std::ptrdiff_t(from * w)) &&
                  part.columns[0].values.size() == (to - from) * w)
          << info.name;
    }
    fs::remove(path);
  }
}

TEST(RootWriter, RefusesMismatchedColumns) {
  const fs::path path = temp("bad.root");
  root::tree_writer w(path.string(), "t", {{"x", value_type::float32, false, ""}, {"y", value_type::int32, true, ""}});
  column x, y;
  x.type = value_type::float32;
  y.type = value_type::int32;
  y.depth = 1;
  y.offsets = {0};
  put(x, value_type::float32, 1);
  EXPECT_THROW(w.append({x, y}), input_error); // y has 0 entries, x has 1
  x.type = value_type::float64;
  EXPECT_THROW(w.append({x}), input_error);
  EXPECT_THROW(root::tree_writer(path.string(), "t", {{"s", value_type::string, false, ""}}), input_error);
  fs::remove(path);
}

/// Every damaged copy either reads or throws hepnn::error: truncations at
/// many lengths and single-byte changes all over the file.
TEST(RootReader, DamagedFilesGiveErrors) {
  const fs::path path = temp("good.root");
  write_file(path, 1, 400, 1, 120);
  std::ifstream in(path, std::ios::binary);
  const std::vector<char> good((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const fs::path bad = temp("damaged.root");
  auto try_read = [&](const std::vector<char>& bytes) {
    {
      std::ofstream o(bad, std::ios::binary);
      o.write(bytes.data(), std::streamsize(bytes.size()));
    }
    try {
      const root::file f(bad.string());
      for (const auto& ti : f.trees()) {
        const root::tree t = f.open_tree(ti.path);
        for (const auto& b : t.branches())
          if (b.shape != root::shape::unsupported && b.shape != root::shape::none) (void)root::dump_json(t, {b.name}, 0, t.info().entries);
      }
    } catch (const hepnn::error&) {
    }
  };
  std::mt19937 rng(12345);
  for (std::size_t cut = 0; cut < good.size(); cut += 1 + good.size() / 150) try_read(std::vector<char>(good.begin(), good.begin() + std::ptrdiff_t(cut)));
  for (int k = 0; k < 300; ++k) {
    std::vector<char> bytes = good;
    const std::size_t at = rng() % bytes.size();
    bytes[at] = char(rng() & 0xff);
    try_read(bytes);
  }
  fs::remove(path);
  fs::remove(bad);
}

} // namespace
} // namespace hepnn::test
