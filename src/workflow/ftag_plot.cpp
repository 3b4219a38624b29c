// The histogram of log10 |Δ| that `hepnn check --plot` writes. The layout is
// computed once as a list of shapes; SVG and PNG only render that list.
#include "hepnn/ftag.hpp"

#include "workflow/plot_canvas.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace hepnn::ftag {
namespace {

using detail::rgb;

struct shape {
  enum kind_t { rect, line, dashed, text } kind;
  int x0, y0, x1, y1;
  rgb color;
  std::string label = {};
  int anchor = 0; ///< text: -1 start, 0 middle, 1 end
  int size = 1;   ///< text scale
};

constexpr int W = 760, H = 460, left = 80, right = 30, top = 64, bottom = 70;
constexpr rgb black{0, 0, 0}, bar_blue{66, 114, 196}, red{200, 40, 40}, orange{230, 140, 30};

std::string fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

std::vector<shape> layout(const comparison& c, double tolerance, const std::string& title) {
  std::vector<double> logs;
  std::size_t exact = 0, infinite = 0, above = 0;
  for (const auto& j : c.jets) {
    if (j.diff > tolerance) ++above;
    if (j.diff == 0) ++exact;
    else if (!std::isfinite(j.diff)) ++infinite;
    else logs.push_back(std::log10(j.diff));
  }
  const double lt = std::log10(tolerance);
  double lo = std::floor(std::min(lt - 1, logs.empty() ? -16.0 : *std::min_element(logs.begin(), logs.end())));
  double hi = std::ceil(std::max(lt + 1, logs.empty() ? lt + 1 : *std::max_element(logs.begin(), logs.end()) + 1e-9));
  lo = std::max(lo, -20.0);
  const double step = 0.25;
  const int bins = static_cast<int>(std::lround((hi - lo) / step));
  // two extra slots: exact agreement on the left, NaN on one side on the right
  std::vector<std::size_t> count(static_cast<std::size_t>(bins) + 2, 0);
  count[0] = exact;
  count.back() = infinite;
  for (double l : logs) {
    const int b = std::clamp(static_cast<int>(std::floor((l - lo) / step)), 0, bins - 1);
    ++count[static_cast<std::size_t>(b) + 1];
  }
  const std::size_t peak = std::max<std::size_t>(1, *std::max_element(count.begin(), count.end()));

  std::vector<shape> s;
  const int pw = W - left - right, ph = H - top - bottom, slots = bins + 4; // exact, gap, bins, gap, NaN
  const double slot_w = static_cast<double>(pw) / slots;
  auto slot_x = [&](double k) { return left + static_cast<int>(std::lround(k * slot_w)); };
  auto y_of = [&](double n) { return top + ph - static_cast<int>(std::lround(n / (static_cast<double>(peak) * 1.1) * ph)); };
  auto bar = [&](double k, std::size_t n, rgb col) {
    if (n) s.push_back({shape::rect, slot_x(k), y_of(static_cast<double>(n)), slot_x(k + 1) - 1, top + ph, col});
  };
  bar(0, count[0], orange);
  for (int b = 0; b < bins; ++b) bar(2 + b, count[static_cast<std::size_t>(b) + 1], bar_blue);
  bar(slots - 1, count.back(), red);
  // axes and ticks
  s.push_back({shape::line, left, top + ph, W - right, top + ph, black});
  s.push_back({shape::line, left, top, left, top + ph, black});
  for (double d = lo; d <= hi + 1e-9; d += 1) {
    const int x = slot_x(2 + (d - lo) / step);
    s.push_back({shape::line, x, top + ph, x, top + ph + 5, black});
    s.push_back({shape::text, x, top + ph + 10, 0, 0, black, fmt("%.0f", d), 0});
  }
  s.push_back({shape::text, slot_x(0.5), top + ph + 10, 0, 0, orange, "=0", 0});
  s.push_back({shape::text, slot_x(slots - 0.5), top + ph + 10, 0, 0, red, "NaN", 0});
  // 1, 2, 5 × 10^k: the first step giving at most 8 ticks
  double tick = 1;
  for (double decade = 1; static_cast<double>(peak) * 1.1 / tick > 8; decade *= 10)
    for (double m : {1.0, 2.0, 5.0}) {
      tick = m * decade;
      if (static_cast<double>(peak) * 1.1 / tick <= 8) break;
    }
  for (double n = 0; n <= static_cast<double>(peak) * 1.1; n += tick) {
    const int y = y_of(n);
    s.push_back({shape::line, left - 5, y, left, y, black});
    s.push_back({shape::text, left - 8, y - 3, 0, 0, black, fmt("%.0f", n), 1});
  }
  // the tolerance
  const int xt = slot_x(2 + (lt - lo) / step);
  s.push_back({shape::dashed, xt, top, xt, top + ph, red});
  s.push_back({shape::text, xt + 4, top + 4, 0, 0, red, "tolerance " + fmt("%.0e", tolerance), -1});
  // labels
  s.push_back({shape::text, W / 2, 12, 0, 0, black, title, 0, 2});
  char sub[160];
  std::snprintf(sub, sizeof sub, "%zu jets, max |diff| = %.3g, %zu above the tolerance, %zu exactly equal", c.counted,
                c.max_diff, above, exact);
  s.push_back({shape::text, W / 2, 36, 0, 0, black, sub, 0});
  s.push_back({shape::text, left + pw / 2, H - 28, 0, 0, black, "log10 |hepnn - reference|", 0});
  s.push_back({shape::text, left - 8, top - 16, 0, 0, black, "jets", 1});
  return s;
}

std::string escape(const std::string& t) {
  std::string o;
  for (char ch : t) {
    if (ch == '<') o += "&lt;";
    else if (ch == '>') o += "&gt;";
    else if (ch == '&') o += "&amp;";
    else o += ch;
  }
  return o;
}

std::string color(rgb c) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "#%02x%02x%02x", c.r, c.g, c.b);
  return buf;
}

} // namespace

std::string differences_svg(const comparison& c, double tolerance, const std::string& title) {
  std::string o = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + std::to_string(W) + "\" height=\"" +
                  std::to_string(H) + "\" font-family=\"sans-serif\" font-size=\"11\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  for (const auto& s : layout(c, tolerance, title)) {
    switch (s.kind) {
    case shape::rect:
      o += "<rect x=\"" + std::to_string(s.x0) + "\" y=\"" + std::to_string(s.y0) + "\" width=\"" + std::to_string(s.x1 - s.x0) +
           "\" height=\"" + std::to_string(s.y1 - s.y0) + "\" fill=\"" + color(s.color) + "\"/>\n";
      break;
    case shape::line:
    case shape::dashed:
      o += "<line x1=\"" + std::to_string(s.x0) + "\" y1=\"" + std::to_string(s.y0) + "\" x2=\"" + std::to_string(s.x1) +
           "\" y2=\"" + std::to_string(s.y1) + "\" stroke=\"" + color(s.color) + "\"" +
           (s.kind == shape::dashed ? " stroke-width=\"2\" stroke-dasharray=\"5,3\"" : "") + "/>\n";
      break;
    case shape::text:
      o += "<text x=\"" + std::to_string(s.x0) + "\" y=\"" + std::to_string(s.y0 + 8 * s.size) + "\" fill=\"" + color(s.color) +
           "\" text-anchor=\"" + (s.anchor < 0 ? "start" : s.anchor > 0 ? "end" : "middle") + "\"" +
           (s.size > 1 ? " font-size=\"16\"" : "") + ">" + escape(s.label) + "</text>\n";
      break;
    }
  }
  return o + "</svg>\n";
}

std::string differences_png(const comparison& c, double tolerance, const std::string& title) {
  detail::canvas img(W, H, {255, 255, 255});
  for (const auto& s : layout(c, tolerance, title)) {
    switch (s.kind) {
    case shape::rect: img.fill(s.x0, s.y0, s.x1, s.y1, s.color); break;
    case shape::line:
      if (s.x0 == s.x1) img.vline(s.x0, s.y0, s.y1, s.color);
      else img.hline(s.x0, s.x1, s.y0, s.color);
      break;
    case shape::dashed: img.dashed_vline(s.x0, s.y0, s.y1, s.color); break;
    case shape::text: {
      const int w = detail::canvas::text_width(s.label, s.size);
      const int x = s.anchor < 0 ? s.x0 : s.anchor > 0 ? s.x0 - w : s.x0 - w / 2;
      img.text(x, s.y0, s.label, s.color, s.size);
      break;
    }
    }
  }
  return img.png();
}

} // namespace hepnn::ftag
