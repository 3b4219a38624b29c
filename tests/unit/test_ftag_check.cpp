// umami's "Differences off" table and the comparison behind it
// (workflow.md §4.3): cumulative shares above each threshold, strictly
// greater, Python's round(x, 2) spelling, stopping after the first 0 %.
#include "hepnn/ftag.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <sstream>

namespace hepnn::test {
namespace {

ftag::comparison compare_diffs(const std::vector<double>& diffs, const std::vector<int>& n_tracks = {},
                               double ntracks_max = std::numeric_limits<double>::infinity(),
                               const std::vector<bool>& include = {}) {
  // reference 0: the differences are exactly the given values
  const std::vector<double> ref(diffs.size(), 0.0);
  return ftag::compare_scores({"dips_pu"}, {diffs}, {"ref_pu"}, {ref}, n_tracks, ntracks_max, include);
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

TEST(ftag_check, thresholds_are_umamis_thirty) {
  const auto t = ftag::umami_thresholds();
  ASSERT_EQ(t.size(), 30u);
  EXPECT_DOUBLE_EQ(t.front(), 1e-6);
  EXPECT_DOUBLE_EQ(t[4], 5e-6);
  EXPECT_DOUBLE_EQ(t[5], 1e-5);
  EXPECT_DOUBLE_EQ(t.back(), 0.5);
}

TEST(ftag_check, the_table_is_cumulative_and_stops_after_the_first_zero) {
  // 8 jets: shares above 1e-6 … are 6/8, 5/8, 3/8 … 1/8, then 0 at 0.3
  const auto c = compare_diffs({0, 5e-7, 1.5e-6, 2.5e-6, 2.5e-6, 7e-6, 2e-5, 0.25});
  const auto l = lines(ftag::differences_table(c));
  ASSERT_EQ(l.size(), 28u);
  EXPECT_EQ(l[0], "Differences off 1.0e-06 75.0%");
  EXPECT_EQ(l[1], "Differences off 2.0e-06 62.5%");
  EXPECT_EQ(l[2], "Differences off 3.0e-06 37.5%");
  EXPECT_EQ(l[5], "Differences off 1.0e-05 25.0%");
  EXPECT_EQ(l[6], "Differences off 2.0e-05 12.5%"); // 2e-5 is not above 2e-5
  EXPECT_EQ(l[26], "Differences off 2.0e-01 12.5%");
  EXPECT_EQ(l[27], "Differences off 3.0e-01 0.0%");
}

TEST(ftag_check, shares_are_spelled_as_python_rounds_them) {
  std::vector<double> d(3, 0.0);
  d[0] = 1e-3;
  EXPECT_EQ(lines(ftag::differences_table(compare_diffs(d)))[0], "Differences off 1.0e-06 33.33%");
  d[1] = 1e-3;
  EXPECT_EQ(lines(ftag::differences_table(compare_diffs(d)))[0], "Differences off 1.0e-06 66.67%");
  d[2] = 1e-3;
  EXPECT_EQ(lines(ftag::differences_table(compare_diffs(d)))[0], "Differences off 1.0e-06 100.0%");
  EXPECT_EQ(lines(ftag::differences_table(compare_diffs({0, 0})))[0], "Differences off 1.0e-06 0.0%");
  EXPECT_EQ(lines(ftag::differences_table(compare_diffs({0, 0}))).size(), 1u);
}

TEST(ftag_check, jets_at_ntracks_max_or_excluded_are_not_counted) {
  const auto c = compare_diffs({1e-3, 1e-3, 0, 0}, {40, 10, 5, 39}, 40);
  EXPECT_EQ(c.counted, 3u);
  EXPECT_EQ(lines(ftag::differences_table(c))[0], "Differences off 1.0e-06 33.33%");
  const auto d = compare_diffs({1e-3, 1e-3, 0, 0}, {}, std::numeric_limits<double>::infinity(), {true, false, true, true});
  EXPECT_EQ(d.counted, 3u);
  ASSERT_FALSE(d.jets.empty());
  EXPECT_EQ(d.jets.front().index, 0u);
}

TEST(ftag_check, the_worst_jets_come_first_and_nan_on_one_side_counts_as_different) {
  std::vector<double> eval = {0.1, std::nan(""), 0.3, std::nan("")}, ref = {0.1, 0.2, 0.30001, std::nan("")};
  const auto c = ftag::compare_scores({"x_pu"}, {eval}, {"r_pu"}, {ref}, {});
  EXPECT_EQ(c.nan_mismatches, 1u);
  EXPECT_EQ(c.jets[0].index, 1u);
  EXPECT_TRUE(std::isinf(c.jets[0].diff));
  EXPECT_EQ(c.jets[1].index, 2u);
  EXPECT_NEAR(c.jets[1].diff, 1e-5, 1e-12);
  EXPECT_EQ(c.jets[3].diff, 0); // NaN on both sides agrees
  const auto csv = lines(ftag::differences_csv(c));
  EXPECT_EQ(csv[0], "diff,eval_x_pu,r_pu,index,ntrks");
  EXPECT_EQ(csv.size(), 5u);
  EXPECT_EQ(csv[1].substr(0, 4), "inf,");
}

std::uint32_t big_endian(const std::string& s, std::size_t at) {
  std::uint32_t v = 0;
  for (std::size_t i = 0; i < 4; ++i) v = v << 8 | static_cast<unsigned char>(s[at + i]);
  return v;
}

// One cairo drawing, three encodings: each a valid file of its kind with the labels in it.
TEST(ftag_check, plots_are_valid_png_svg_and_pdf) {
  const auto c = compare_diffs({0, 5e-7, 1.5e-6, 2.5e-6, 7e-6, 2e-5, std::numeric_limits<double>::quiet_NaN()});
  const std::string png = ftag::differences_plot(c, 1e-5, "dips", ftag::plot_format::png);
  ASSERT_GT(png.size(), 1000u);
  EXPECT_EQ(png.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  EXPECT_EQ(png.substr(12, 4), "IHDR");
  EXPECT_EQ(big_endian(png, 16), 1600u); // 800 × 500 points at 2 pixels per point
  EXPECT_EQ(big_endian(png, 20), 1000u);
  EXPECT_EQ(png.substr(png.size() - 8, 4), "IEND");

  const std::string svg = ftag::differences_plot(c, 1e-5, "dips <vs> reference", ftag::plot_format::svg);
  EXPECT_EQ(svg.rfind("<?xml", 0), 0u);
  EXPECT_NE(svg.find("<svg"), std::string::npos);
  EXPECT_EQ(svg.substr(svg.find_last_not_of("\n") - 5, 6), "</svg>");
  EXPECT_NE(svg.find("<title>dips &lt;vs&gt; reference</title>"), std::string::npos);
  for (const char* label : {"tolerance 1e-05", "; jets;", "|hepnn \u2212 reference|", "; = 0;", "; NaN;", "10^\u22125",
                            "7 jets compared, max |difference| inf, 2 above the tolerance, 1 exactly equal"})
    EXPECT_NE(svg.find(label), std::string::npos) << label;
  // the text is drawn as glyphs: at least one per letter of the title
  std::size_t glyphs = 0;
  for (auto p = svg.find("<use xlink:href=\"#glyph"); p != std::string::npos; p = svg.find("<use xlink:href=\"#glyph", p + 1)) ++glyphs;
  EXPECT_GT(glyphs, 100u);

  const std::string pdf = ftag::differences_plot(c, 1e-5, "dips", ftag::plot_format::pdf);
  EXPECT_EQ(pdf.rfind("%PDF-1.", 0), 0u);
  EXPECT_EQ(pdf.substr(pdf.size() - 6), "%%EOF\n");
  EXPECT_NE(pdf.find("/Title (dips)"), std::string::npos);
}

TEST(ftag_check, plot_formats_come_from_the_extension) {
  EXPECT_EQ(ftag::plot_format_of("a/b.png"), ftag::plot_format::png);
  EXPECT_EQ(ftag::plot_format_of("x.SVG"), ftag::plot_format::svg);
  EXPECT_EQ(ftag::plot_format_of("x.pdf"), ftag::plot_format::pdf);
  EXPECT_FALSE(ftag::plot_format_of("x.gif"));
  EXPECT_FALSE(ftag::plot_format_of("png"));
}

} // namespace
} // namespace hepnn::test
