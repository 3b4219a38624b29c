// The ROOT reader against JSROOT's dumps of the 20 scikit-hep-testdata files
// (../shared/root): every tree, every branch with values, values bitwise
// (float32 through the double it widens to), the checksums over all
// entries, and identical output for the compression twins.
#include "support/sha256.hpp"
#include "support/shared_data.hpp"

#include "hepnn/root.hpp"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <bit>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <map>

namespace hepnn::test {
namespace {

namespace fs = std::filesystem;
using simdjson::dom::element;

fs::path root_dir() { return shared_dir() / "root"; }

std::vector<std::string> dump_names() {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(root_dir() / "dumps"))
    if (e.path().extension() == ".json") out.push_back(e.path().stem().string());
  std::sort(out.begin(), out.end());
  return out;
}

/// The types beyond flat ntuples that the reader declines (and must say so).
bool expected_unsupported(const std::string& type) {
  return type.find("set<") != std::string::npos || type.find("map<") != std::string::npos;
}

/// Compares one value of `c` at index i with the dump's JSON value; "" when equal.
std::string same_value(const root::column& c, std::size_t i, element v) {
  using root::value_type;
  switch (c.type) {
  case value_type::boolean: {
    bool b;
    if (v.get(b) != simdjson::SUCCESS) return "expected a boolean";
    return b == (c.as_int64(i) != 0) ? "" : "boolean differs";
  }
  case value_type::float32:
  case value_type::float64: {
    double d;
    if (v.is_string()) {
      std::string_view s = v.get_string().value();
      d = s == "nan" ? std::nan("") : s == "inf" ? INFINITY : -INFINITY;
      return std::isnan(d) ? (std::isnan(c.as_double(i)) ? "" : "NaN expected") : (c.as_double(i) == d ? "" : "infinity expected");
    }
    if (v.get(d) != simdjson::SUCCESS) return "expected a number";
    if (c.type == value_type::float32) {
      float mine;
      std::memcpy(&mine, c.values.data() + 4 * i, 4);
      return std::bit_cast<std::uint32_t>(float(d)) == std::bit_cast<std::uint32_t>(mine) ? "" : "float32 bits differ";
    }
    return std::bit_cast<std::uint64_t>(d) == std::bit_cast<std::uint64_t>(c.as_double(i)) ? "" : "float64 bits differ";
  }
  case value_type::string: {
    std::string_view s;
    if (v.get(s) != simdjson::SUCCESS) return "expected a string";
    return s == c.strings[i] ? "" : "string differs";
  }
  case value_type::uint64: {
    std::uint64_t u;
    if (v.get(u) != simdjson::SUCCESS) return "expected an unsigned integer";
    return u == c.as_uint64(i) ? "" : "integer differs";
  }
  default: {
    std::int64_t s;
    if (v.get(s) != simdjson::SUCCESS) return "expected an integer";
    return s == c.as_int64(i) ? "" : "integer differs";
  }
  }
}

std::string same_list(const root::column& c, std::size_t a, std::size_t b, element v) {
  simdjson::dom::array arr;
  if (v.get(arr) != simdjson::SUCCESS) return "expected a list";
  if (arr.size() != b - a) return "list of " + std::to_string(arr.size()) + " values expected, " + std::to_string(b - a) + " read";
  std::size_t k = a;
  for (element x : arr) {
    const std::string d = same_value(c, k, x);
    if (!d.empty()) return "element " + std::to_string(k - a) + ": " + d;
    ++k;
  }
  return "";
}

/// Entry e (index into the read range) against the dump's value.
std::string same_entry(const root::branch_info& info, const root::branch_values& bv, std::size_t e, element v) {
  if (info.shape == root::shape::leaflist) {
    for (std::size_t k = 0; k < info.fields.size(); ++k) {
      element x;
      if (v[info.fields[k].name].get(x) != simdjson::SUCCESS) return "no field " + info.fields[k].name;
      const std::string d = same_value(bv.columns[k], e, x);
      if (!d.empty()) return info.fields[k].name + ": " + d;
    }
    return "";
  }
  const root::column& c = bv.columns.front();
  if (c.depth == 0) return same_value(c, e, v);
  if (c.depth == 1) return same_list(c, c.offsets[e], c.offsets[e + 1], v);
  simdjson::dom::array outer;
  if (v.get(outer) != simdjson::SUCCESS) return "expected a list of lists";
  if (outer.size() != c.offsets[e + 1] - c.offsets[e]) return "outer length differs";
  std::size_t k = c.offsets[e];
  for (element x : outer) {
    const std::string d = same_list(c, c.inner[k], c.inner[k + 1], x);
    if (!d.empty()) return "inner list " + std::to_string(k - c.offsets[e]) + ": " + d;
    ++k;
  }
  return "";
}

void check_values(const root::branch_info& info, const root::branch_values& bv, simdjson::dom::array values, std::size_t first,
                  const std::string& where) {
  std::size_t e = first;
  for (element v : values) {
    const std::string d = same_entry(info, bv, e, v);
    ASSERT_EQ(d, "") << where << ", entry " << e;
    ++e;
  }
}

void check_checksum(const root::branch_values& bv, element sum, const std::string& where) {
  ASSERT_EQ(bv.columns.size(), 1u) << where;
  const root::column& c = bv.columns.front();
  std::uint64_t n_entries = 0, n_values = 0;
  ASSERT_EQ(sum["n_entries"].get(n_entries), simdjson::SUCCESS);
  ASSERT_EQ(sum["n_values"].get(n_values), simdjson::SUCCESS);
  EXPECT_EQ(std::uint64_t(bv.last - bv.first), n_entries) << where;
  ASSERT_EQ(c.size(), n_values) << where;
  double total = 0, weighted = 0;
  for (std::size_t e = 0; e < n_entries; ++e) {
    const std::size_t a = c.depth == 0 ? e : c.offsets[e], b = c.depth == 0 ? e + 1 : c.offsets[e + 1];
    double s = 0;
    for (std::size_t k = a; k < b; ++k) s += c.as_double(k);
    total += s;
    weighted += double(e + 1) * s;
  }
  // the dump's own order: one running sum over all values
  double running = 0;
  for (std::size_t k = 0; k < c.size(); ++k) running += c.as_double(k);
  // "nan" / "inf" / "-inf" as strings, as in the dump's values
  auto expected = [](element v) {
    double d = 0;
    if (v.get(d) == simdjson::SUCCESS) return d;
    std::string_view s;
    EXPECT_EQ(v.get(s), simdjson::SUCCESS);
    return s == "nan" ? std::nan("") : s == "inf" ? double(INFINITY) : double(-INFINITY);
  };
  auto same = [](double a, double b) { return a == b || (std::isnan(a) && std::isnan(b)); };
  const double want_sum = expected(sum["sum"]), want_weighted = expected(sum["entry_weighted_sum"]);
  EXPECT_TRUE(same(running, want_sum) || same(total, want_sum)) << where << ": sum " << running << " vs " << want_sum;
  EXPECT_TRUE(same(weighted, want_weighted)) << where << ": " << weighted << " vs " << want_weighted;
  sha256 h;
  if (!c.values.empty()) h.update(c.values.data(), c.values.size());
  std::string_view want;
  ASSERT_EQ(sum["sha256_le"].get(want), simdjson::SUCCESS);
  EXPECT_EQ(h.hex(), want) << where << ": sha256 of the values";
}

/// The value list of a one-branch dump_json text.
std::string list_text(const std::string& json) {
  const auto at = json.find("\": [");
  const std::string end = "]\n}}\n";
  if (at == std::string::npos || json.size() < at + 4 + end.size()) return "?";
  return json.substr(at + 4, json.size() - at - 4 - end.size());
}

class RootDump : public ::testing::TestWithParam<std::string> {};

TEST_P(RootDump, ReproducesJsrootValues) {
  const std::string name = GetParam();
  simdjson::dom::parser parser;
  auto text = simdjson::padded_string::load((root_dir() / "dumps" / (name + ".json")).string());
  ASSERT_EQ(text.error(), simdjson::SUCCESS);
  element doc = parser.parse(text.value());
  const root::file f((root_dir() / "files" / (name + ".root")).string());
  std::string_view dump_file;
  ASSERT_EQ(doc["file"].get(dump_file), simdjson::SUCCESS);
  std::int64_t file_version = 0, file_compress = 0;
  ASSERT_EQ(doc["root_version_written"].get(file_version), simdjson::SUCCESS);
  ASSERT_EQ(doc["file_compress_setting"].get(file_compress), simdjson::SUCCESS);
  EXPECT_EQ(f.version(), file_version);
  EXPECT_EQ(f.compression(), file_compress);
  const auto trees = f.trees();
  simdjson::dom::array dump_trees = doc["trees"].get_array();
  ASSERT_EQ(trees.size(), dump_trees.size()) << name;
  std::size_t compared = 0, declined = 0;
  for (element dt : dump_trees) {
    std::string_view path;
    std::int64_t entries = 0, values_entries = 0;
    ASSERT_EQ(dt["path"].get(path), simdjson::SUCCESS);
    ASSERT_EQ(dt["entries"].get(entries), simdjson::SUCCESS);
    ASSERT_EQ(dt["values_entries"].get(values_entries), simdjson::SUCCESS);
    const root::tree t = f.open_tree(std::string(path));
    ASSERT_EQ(t.info().entries, entries) << path;
    simdjson::dom::array branches = dt["branches"].get_array();
    ASSERT_EQ(t.branches().size(), branches.size()) << path;
    for (element db : branches) {
      std::string_view bname, btype;
      ASSERT_EQ(db["name"].get(bname), simdjson::SUCCESS);
      ASSERT_EQ(db["type"].get(btype), simdjson::SUCCESS);
      const std::string where = name + ": " + std::string(path) + ": " + std::string(bname);
      const root::branch_info& info = t.branch(std::string(bname));
      EXPECT_EQ(info.type, btype) << where;
      simdjson::dom::array values;
      if (db["values"].get(values) != simdjson::SUCCESS) {
        EXPECT_EQ(info.shape, root::shape::none) << where << ": the dump gives its values per sub-branch";
        continue;
      }
      if (expected_unsupported(std::string(btype))) {
        EXPECT_EQ(info.shape, root::shape::unsupported) << where;
        try {
          (void)t.read(info.name, 0, 1);
          ADD_FAILURE() << where << ": reading an unsupported branch did not throw";
        } catch (const input_error& e) {
          EXPECT_NE(std::string(e.what()).find(info.name), std::string::npos) << e.what();
          EXPECT_NE(std::string(e.what()).find(std::string(btype)), std::string::npos) << e.what();
        }
        ++declined;
        continue;
      }
      ASSERT_NE(info.shape, root::shape::unsupported) << where << ": " << info.unsupported;
      const root::branch_values bv = t.read(info.name, 0, entries);
      ASSERT_EQ(std::size_t(values_entries), values.size()) << where;
      check_values(info, bv, values, 0, where);
      simdjson::dom::array tail;
      if (db["tail_values"].get(tail) == simdjson::SUCCESS) {
        std::int64_t tail_first = 0;
        ASSERT_EQ(db["tail_first_entry"].get(tail_first), simdjson::SUCCESS);
        check_values(info, bv, tail, std::size_t(tail_first), where + " (tail)");
      }
      element sum;
      if (db["checksum"].get(sum) == simdjson::SUCCESS) check_checksum(bv, sum, where);
      // read in two chunks, the values are the same as read at once
      if (entries > 1) {
        const std::int64_t mid = entries / 3 + 1;
        const std::string whole = list_text(root::dump_json(t, {info.name}, 0, entries));
        const std::string a = list_text(root::dump_json(t, {info.name}, 0, mid));
        const std::string b = list_text(root::dump_json(t, {info.name}, mid, entries));
        EXPECT_EQ(whole, a + "," + b) << where;
      }
      ++compared;
    }
  }
  EXPECT_GT(compared + declined, 0u) << name;
  // only the set / map branches of uproot-stl_containers are declined
  EXPECT_EQ(declined > 0, name == "uproot-stl_containers") << name;
}

INSTANTIATE_TEST_SUITE_P(Files, RootDump, ::testing::ValuesIn(dump_names()),
                         [](const auto& param) {
                           std::string s = param.param;
                           for (auto& ch : s)
                             if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           return s;
                         });

TEST(RootTwins, CompressionTwinsGiveIdenticalDumps) {
  const std::vector<std::vector<std::string>> groups = {
      {"uproot-HZZ", "uproot-HZZ-uncompressed", "uproot-HZZ-zlib", "uproot-HZZ-lz4", "uproot-HZZ-lzma", "uproot-HZZ-zstd"},
      {"uproot-sample-6.20.04-uncompressed", "uproot-sample-6.20.04-zlib", "uproot-sample-6.20.04-lz4", "uproot-sample-6.20.04-lzma"}};
  for (const auto& g : groups) {
    std::string reference;
    for (const auto& name : g) {
      const root::file f((root_dir() / "files" / (name + ".root")).string());
      const auto trees = f.trees();
      ASSERT_EQ(trees.size(), 1u) << name;
      const root::tree t = f.open_tree(trees.front().path);
      const std::string text = root::dump_json(t, {}, 0, t.info().entries);
      ASSERT_GT(text.size(), 1000u) << name;
      if (reference.empty()) reference = text;
      else EXPECT_TRUE(text == reference) << name << " differs from " << g.front();
    }
  }
}

} // namespace
} // namespace hepnn::test
