// The padded JSON buffer: small texts on the heap, large ones (≥ 1 MiB) in a
// huge-page-advised mapping. Both must hold the bytes, the zeroed padding
// simdjson reads past the end, and move like the owners they are.
#include "formats/json.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

namespace hepnn::detail::json {
namespace {

std::string numbers_array(std::size_t bytes) { // "[0.125,0.125,...]" of about `bytes`
  std::string s = "[0.125";
  while (s.size() < bytes) s += ",0.125";
  return s + "]";
}

void expect_padded(const text& t, std::string_view want) {
  ASSERT_EQ(t.size(), want.size());
  EXPECT_EQ(t.view(), want);
  for (std::size_t k = 0; k < simdjson::SIMDJSON_PADDING; ++k) ASSERT_EQ(t.data()[t.size() + k], 0) << "padding byte " << k;
}

TEST(JsonText, SmallAndLargeHoldTheirBytesAndZeroPadding) {
  for (std::size_t bytes : {std::size_t{0}, std::size_t{10}, std::size_t{(1u << 20) - 100}, std::size_t{3u << 20}}) {
    const std::string s = bytes ? numbers_array(bytes) : std::string();
    expect_padded(text(s), s);
  }
}

TEST(JsonText, MovesLeaveTheSourceEmpty) {
  const std::string big = numbers_array(2u << 20);
  text a(big);
  text b(std::move(a));
  EXPECT_EQ(a.size(), 0u);
  EXPECT_EQ(a.data(), nullptr);
  expect_padded(b, big);
  text c("[1]");
  c = std::move(b); // the small buffer is released, the large one taken over
  expect_padded(c, big);
}

TEST(JsonText, LargeFileLoadsAndParses) {
  const auto path = std::filesystem::temp_directory_path() / ("hepnn-json-text-" + std::to_string(::getpid()) + ".json");
  const std::string big = numbers_array(3u << 20);
  std::ofstream(path, std::ios::binary) << big;
  const text t = load_file(path.string());
  expect_padded(t, big);
  simdjson::dom::parser parser;
  const context ctx(path.string());
  std::vector<double> values;
  parse(parser, t, ctx).numbers(values);
  EXPECT_EQ(values.size(), (big.size() - 1) / 6);
  EXPECT_EQ(values.back(), 0.125);

  // a syntax error at the end of a large file names its line and column
  std::ofstream(path, std::ios::binary) << big.substr(0, big.size() - 1) << ",\n]";
  const text broken = load_file(path.string());
  try {
    parse(parser, broken, ctx);
    FAIL() << "no error";
  } catch (const config_error& e) {
    EXPECT_NE(std::string(e.what()).find(path.string() + ": not valid JSON at line 2, column 1"), std::string::npos) << e.what();
  }
  std::filesystem::remove(path);
}

TEST(JsonText, EmptyFileIsNotJson) {
  const auto path = std::filesystem::temp_directory_path() / ("hepnn-json-empty-" + std::to_string(::getpid()) + ".json");
  std::ofstream(path, std::ios::binary).flush();
  const text t = load_file(path.string());
  EXPECT_EQ(t.size(), 0u);
  simdjson::dom::parser parser;
  const context ctx(path.string());
  EXPECT_THROW(parse(parser, t, ctx), config_error);
  std::filesystem::remove(path);
}

} // namespace
} // namespace hepnn::detail::json
