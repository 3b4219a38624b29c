// The histogram of log10 |Δ| that `hepnn check --plot` writes, drawn once
// with cairo onto an image (PNG), SVG or PDF surface. Every label is measured
// with the font it is drawn in, and the layout leaves room for it: nothing is
// cut at the edges and no two labels overlap.
#include "hepnn/errors.hpp"
#include "hepnn/ftag.hpp"

#include <cairo-pdf.h>
#include <cairo-svg.h>
#include <cairo.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <memory>
#include <new>

namespace hepnn::ftag {
namespace {

constexpr double W = 800, H = 500;  ///< the page, in points (SVG, PDF) or pixels at 1× (PNG)
constexpr double png_scale = 2;     ///< PNG pixels per point: sharp text on high-resolution screens
constexpr double pad = 14;          ///< free border around everything
constexpr const char* face = "sans-serif";

struct colour {
  double r, g, b;
};
constexpr colour black{0, 0, 0}, grid{0.88, 0.88, 0.88}, bar_blue{0.26, 0.45, 0.77}, red{0.78, 0.16, 0.16},
    orange{0.90, 0.55, 0.12};

/// The counts drawn: exact agreement, the log10 bins, NaN on one side.
struct histogram {
  double lo = 0, hi = 0, step = 0.25;
  int bins = 0;
  std::size_t exact = 0, infinite = 0, above = 0, peak = 1;
  std::vector<std::size_t> count; ///< per bin
};

histogram bin(const comparison& c, double tolerance) {
  histogram h;
  std::vector<double> logs;
  for (const auto& j : c.jets) {
    if (j.diff > tolerance) ++h.above;
    if (j.diff == 0) ++h.exact;
    else if (!std::isfinite(j.diff)) ++h.infinite;
    else logs.push_back(std::log10(j.diff));
  }
  const double lt = std::log10(tolerance);
  const double min_log = logs.empty() ? lt - 1 : *std::min_element(logs.begin(), logs.end());
  const double max_log = logs.empty() ? lt + 1 : *std::max_element(logs.begin(), logs.end()) + 1e-9;
  h.lo = std::max(std::floor(std::min(lt - 1, min_log)), -20.0);
  h.hi = std::min(std::ceil(std::max(lt + 1, max_log)), 20.0);
  h.bins = static_cast<int>(std::lround((h.hi - h.lo) / h.step));
  h.count.assign(static_cast<std::size_t>(h.bins), 0);
  for (double l : logs)
    ++h.count[static_cast<std::size_t>(std::clamp(static_cast<int>(std::floor((l - h.lo) / h.step)), 0, h.bins - 1))];
  h.peak = std::max({std::size_t{1}, h.exact, h.infinite, *std::max_element(h.count.begin(), h.count.end())});
  return h;
}

std::string format(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

/// "−16": the exponent of a power-of-ten label, with a typographic minus.
std::string exponent_text(double e) {
  const long v = std::lround(e);
  return (v < 0 ? "\u2212" : "") + std::to_string(v < 0 ? -v : v);
}

/// Text on a cairo context, measured and placed by an anchor.
class painter {
public:
  explicit painter(cairo_t* cr) : cr_(cr) {}
  void font(double size, bool bold = false) {
    cairo_select_font_face(cr_, face, CAIRO_FONT_SLANT_NORMAL, bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr_, size);
  }
  double width(const std::string& s) const {
    cairo_text_extents_t e;
    cairo_text_extents(cr_, s.c_str(), &e);
    return e.x_advance;
  }
  double ascent() const { return extents().ascent; }
  double descent() const { return extents().descent; }
  /// `anchor`: 0 puts the text's start at x, 0.5 its middle, 1 its end.
  void text(double x, double baseline, const std::string& s, double anchor, colour c, bool record = true) {
    if (record) labels_.push_back(s);
    set(c);
    cairo_move_to(cr_, x - anchor * width(s), baseline);
    cairo_show_text(cr_, s.c_str());
  }
  /// 10 with a raised exponent, the middle at x.
  void power_of_ten(double x, double baseline, double e, double size, colour c) {
    const std::string ex = exponent_text(e);
    const double w = power_width(e, size);
    font(size);
    text(x - w / 2, baseline, "10", 0, c, false);
    const double base_w = width("10");
    font(size * 0.72);
    text(x - w / 2 + base_w + 1, baseline - size * 0.42, ex, 0, c, false);
    labels_.push_back("10^" + ex);
    font(size);
  }
  double power_width(double e, double size) {
    font(size);
    const double base_w = width("10");
    font(size * 0.72);
    const double w = base_w + 1 + width(exponent_text(e));
    font(size);
    return w;
  }
  void rect(double x0, double y0, double x1, double y1, colour c) {
    set(c);
    cairo_rectangle(cr_, x0, y0, x1 - x0, y1 - y0);
    cairo_fill(cr_);
  }
  void line(double x0, double y0, double x1, double y1, colour c, double width = 1, bool dashed = false) {
    set(c);
    cairo_set_line_width(cr_, width);
    const double dash[] = {6, 4};
    cairo_set_dash(cr_, dash, dashed ? 2 : 0, 0);
    cairo_move_to(cr_, x0, y0);
    cairo_line_to(cr_, x1, y1);
    cairo_stroke(cr_);
    cairo_set_dash(cr_, dash, 0, 0);
  }
  cairo_t* context() const { return cr_; }
  /// Every text drawn, in order.
  const std::vector<std::string>& labels() const { return labels_; }

private:
  cairo_t* cr_;
  std::vector<std::string> labels_;
  void set(colour c) { cairo_set_source_rgb(cr_, c.r, c.g, c.b); }
  cairo_font_extents_t extents() const {
    cairo_font_extents_t e;
    cairo_font_extents(cr_, &e);
    return e;
  }
};

/// `s` broken at spaces into lines at most `room` wide (a word wider than that stays whole).
std::vector<std::string> wrap(painter& p, const std::string& s, double room) {
  std::vector<std::string> lines;
  std::string line, word;
  for (std::size_t i = 0; i <= s.size(); ++i) {
    if (i < s.size() && s[i] != ' ') {
      word += s[i];
      continue;
    }
    if (word.empty()) continue;
    if (!line.empty() && p.width(line + " " + word) > room) lines.push_back(std::move(line)), line.clear();
    line += (line.empty() ? "" : " ") + word;
    word.clear();
  }
  if (!line.empty()) lines.push_back(line);
  return lines;
}

/// The largest size (at most `size`, at least 8) at which `s` fits in `room`.
double fitting_size(painter& p, const std::string& s, double size, double room, bool bold = false) {
  for (; size > 8; size -= 0.5) {
    p.font(size, bold);
    if (p.width(s) <= room) break;
  }
  return size;
}

void draw(painter& p, const comparison& c, double tolerance, const std::string& title) {
  const histogram h = bin(c, tolerance);
  constexpr double tick_size = 12.5, label_size = 13.5, tick_len = 5;
  p.rect(0, 0, W, H, {1, 1, 1});

  // title (on two lines at most) and summary line, shrunk when long: never cut
  double y = pad;
  double title_size = 18;
  std::vector<std::string> title_lines;
  for (;; title_size -= 1) {
    p.font(title_size, true);
    title_lines = wrap(p, title, W - 2 * pad);
    bool fits = title_lines.size() <= 2 || title_size <= 9;
    for (const auto& l : title_lines) fits = fits && p.width(l) <= W - 2 * pad;
    if (fits || title_size <= 9) break;
  }
  if (title_lines.size() > 2 || std::any_of(title_lines.begin(), title_lines.end(), [&](const std::string& l) { return p.width(l) > W - 2 * pad; })) {
    title_lines = {title}; // one line, as small as it must be
    p.font(fitting_size(p, title, title_size, W - 2 * pad, true), true);
  }
  for (const auto& l : title_lines) {
    y += p.ascent();
    p.text(W / 2, y, l, 0.5, black);
    y += p.descent();
  }
  y += 6;
  char sub[200];
  std::snprintf(sub, sizeof sub, "%zu jets compared, max |difference| %.3g, %zu above the tolerance, %zu exactly equal",
                c.counted, c.max_diff, h.above, h.exact);
  p.font(fitting_size(p, sub, 13, W - 2 * pad));
  y += p.ascent();
  p.text(W / 2, y, sub, 0.5, black);
  y += p.descent();

  // the tolerance's label sits in its own strip above the plot area
  const std::string tol_label = "tolerance " + format("%g", tolerance);
  p.font(tick_size, true);
  const double tol_baseline = y + 10 + p.ascent();
  const double top = tol_baseline + p.descent() + 6;

  // y axis: 1, 2, 5 × 10^k, the first step giving at most 8 ticks
  const double y_max = static_cast<double>(h.peak) * 1.1;
  double tick = 1;
  for (double decade = 1; y_max / tick > 8; decade *= 10)
    for (double m : {1.0, 2.0, 5.0}) {
      tick = m * decade;
      if (y_max / tick <= 8) break;
    }
  p.font(tick_size);
  double y_label_w = 0;
  for (double n = 0; n <= y_max; n += tick) y_label_w = std::max(y_label_w, p.width(format("%.0f", n)));
  p.font(label_size);
  const double y_title_h = p.ascent() + p.descent();
  const double left = pad + y_title_h + 8 + y_label_w + 4 + tick_len;

  // x axis: an "exact" slot, the log10 bins, a "NaN" slot, apart by gaps wide enough for their labels
  p.font(tick_size);
  double decade_w = 0;
  for (double d = h.lo; d <= h.hi + 1e-9; d += 1) decade_w = std::max(decade_w, p.power_width(d, tick_size));
  p.font(tick_size);
  const std::string exact_label = "= 0", nan_label = "NaN";
  const double exact_w = std::max(24.0, p.width(exact_label) + 10), nan_w = std::max(24.0, p.width(nan_label) + 10);
  const double gap = decade_w / 2 + 8;
  const double right = pad;
  const double x_exact = left + 4, x_bins = x_exact + exact_w + gap;
  const double x_nan = W - right - nan_w, x_bins_end = x_nan - gap;
  const double bin_w = (x_bins_end - x_bins) / h.bins;
  auto x_of_log = [&](double l) { return x_bins + (l - h.lo) / h.step * bin_w; };

  p.font(tick_size);
  const double tick_label_h = p.ascent() + p.descent() + tick_size * 0.42; // room for the raised exponent
  p.font(label_size);
  const double bottom_h = tick_len + 4 + tick_label_h + 8 + p.ascent() + p.descent() + pad;
  const double plot_bottom = H - bottom_h;
  auto y_of = [&](double n) { return plot_bottom - n / y_max * (plot_bottom - top); };

  // grid, bars
  for (double n = tick; n <= y_max; n += tick) p.line(left, y_of(n), W - right, y_of(n), grid);
  if (h.exact) p.rect(x_exact, y_of(static_cast<double>(h.exact)), x_exact + exact_w, plot_bottom, orange);
  for (int b = 0; b < h.bins; ++b)
    if (const std::size_t n = h.count[static_cast<std::size_t>(b)])
      p.rect(x_bins + b * bin_w, y_of(static_cast<double>(n)), x_bins + (b + 1) * bin_w - std::min(1.0, bin_w / 4),
             plot_bottom, bar_blue);
  if (h.infinite) p.rect(x_nan, y_of(static_cast<double>(h.infinite)), x_nan + nan_w, plot_bottom, red);

  // axes and their ticks
  // the x axis in three pieces: exact agreement, the bins and NaN are separate categories
  p.line(left, plot_bottom, x_exact + exact_w, plot_bottom, black);
  p.line(x_bins, plot_bottom, x_bins_end, plot_bottom, black);
  p.line(x_nan, plot_bottom, W - right, plot_bottom, black);
  p.line(left, top, left, plot_bottom, black);
  p.font(tick_size);
  for (double n = 0; n <= y_max; n += tick) {
    p.line(left - tick_len, y_of(n), left, y_of(n), black);
    p.text(left - tick_len - 4, y_of(n) + (p.ascent() - p.descent()) / 2, format("%.0f", n), 1, black);
  }
  const double tick_baseline = plot_bottom + tick_len + 4 + tick_size * 0.42 + p.ascent();
  // every k-th decade labelled, k chosen so that neighbouring labels keep 10 points apart
  const double decade_px = bin_w / h.step;
  const int every = std::max(1, static_cast<int>(std::ceil((decade_w + 10) / decade_px)));
  for (double d = h.lo; d <= h.hi + 1e-9; d += 1) {
    const double x = x_of_log(d);
    p.line(x, plot_bottom, x, plot_bottom + tick_len, black);
    if (static_cast<long>(std::lround(d - h.lo)) % every == 0) p.power_of_ten(x, tick_baseline, d, tick_size, black);
  }
  p.font(tick_size);
  p.text(x_exact + exact_w / 2, tick_baseline, exact_label, 0.5, orange);
  p.text(x_nan + nan_w / 2, tick_baseline, nan_label, 0.5, red);

  // axis titles
  p.font(label_size);
  p.text((x_bins + x_bins_end) / 2, H - pad - p.descent(), "|hepnn \u2212 reference|", 0.5, black);
  cairo_t* cr = p.context();
  cairo_save(cr);
  cairo_translate(cr, pad + p.ascent(), (top + plot_bottom) / 2);
  cairo_rotate(cr, -M_PI / 2);
  p.text(0, 0, "jets", 0.5, black);
  cairo_restore(cr);

  // the tolerance: a dashed line through the plot, its label above, kept inside the page
  const double xt = x_of_log(std::log10(tolerance));
  p.line(xt, top - 4, xt, plot_bottom, red, 1.5, true);
  p.font(tick_size, true);
  const double tw = p.width(tol_label);
  p.text(std::clamp(xt - tw / 2, pad, W - pad - tw), tol_baseline, tol_label, 0, red);

  if (c.jets.empty()) { // on a white box, over the tolerance line
    const std::string none = "no jets compared";
    p.font(label_size);
    const double x = (x_bins + x_bins_end) / 2, y_mid = (top + plot_bottom) / 2, w = p.width(none);
    p.rect(x - w / 2 - 6, y_mid - p.ascent() - 4, x + w / 2 + 6, y_mid + p.descent() + 4, {1, 1, 1});
    p.text(x, y_mid, none, 0.5, {0.45, 0.45, 0.45});
  }
}

std::string xml_escape(const std::string& t) {
  std::string o;
  for (char ch : t) {
    if (ch == '<') o += "&lt;";
    else if (ch == '>') o += "&gt;";
    else if (ch == '&') o += "&amp;";
    else o += ch;
  }
  return o;
}

/// cairo draws SVG text as glyph outlines: the title and every label go into
/// <title> and <desc> as well, for search, screen readers and tests.
void add_svg_text(std::string& svg, const std::string& title, const std::vector<std::string>& labels) {
  const auto open = svg.find("<svg");
  const auto end = open == std::string::npos ? open : svg.find('>', open);
  if (end == std::string::npos) throw error("drawing the plot (SVG): cairo wrote no <svg> element");
  std::string desc;
  for (const auto& l : labels) desc += (desc.empty() ? "" : "; ") + l;
  svg.insert(end + 1, "\n<title>" + xml_escape(title) + "</title>\n<desc>" + xml_escape(desc) + "</desc>");
}

cairo_status_t append(void* closure, const unsigned char* data, unsigned int length) {
  try {
    static_cast<std::string*>(closure)->append(reinterpret_cast<const char*>(data), length);
    return CAIRO_STATUS_SUCCESS;
  } catch (const std::bad_alloc&) {
    return CAIRO_STATUS_NO_MEMORY;
  }
}

void check(cairo_status_t s, const char* what) {
  if (s != CAIRO_STATUS_SUCCESS) throw error(std::string("drawing the plot (") + what + "): " + cairo_status_to_string(s));
}

using surface_ptr = std::unique_ptr<cairo_surface_t, decltype(&cairo_surface_destroy)>;
using context_ptr = std::unique_ptr<cairo_t, decltype(&cairo_destroy)>;

} // namespace

std::optional<plot_format> plot_format_of(const std::string& path) {
  const auto dot = path.rfind('.');
  if (dot == std::string::npos) return std::nullopt;
  std::string ext = path.substr(dot + 1);
  for (auto& ch : ext) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  if (ext == "png") return plot_format::png;
  if (ext == "svg") return plot_format::svg;
  if (ext == "pdf") return plot_format::pdf;
  return std::nullopt;
}

std::string differences_plot(const comparison& c, double tolerance, const std::string& title, plot_format format) {
  std::string bytes;
  surface_ptr surface(nullptr, cairo_surface_destroy);
  switch (format) {
  case plot_format::png:
    surface.reset(cairo_image_surface_create(CAIRO_FORMAT_RGB24, static_cast<int>(W * png_scale), static_cast<int>(H * png_scale)));
    break;
  case plot_format::svg: surface.reset(cairo_svg_surface_create_for_stream(append, &bytes, W, H)); break;
  case plot_format::pdf:
    surface.reset(cairo_pdf_surface_create_for_stream(append, &bytes, W, H));
    cairo_pdf_surface_set_metadata(surface.get(), CAIRO_PDF_METADATA_TITLE, title.c_str());
    cairo_pdf_surface_set_metadata(surface.get(), CAIRO_PDF_METADATA_CREATOR, "hepnn check");
    break;
  }
  check(cairo_surface_status(surface.get()), "surface");
  std::vector<std::string> labels;
  {
    context_ptr cr(cairo_create(surface.get()), cairo_destroy);
    if (format == plot_format::png) cairo_scale(cr.get(), png_scale, png_scale);
    painter p(cr.get());
    draw(p, c, tolerance, title);
    check(cairo_status(cr.get()), "drawing");
    labels = p.labels();
  }
  if (format == plot_format::png) check(cairo_surface_write_to_png_stream(surface.get(), append, &bytes), "PNG");
  cairo_surface_finish(surface.get());
  check(cairo_surface_status(surface.get()), "writing");
  if (format == plot_format::svg) add_svg_text(bytes, title, labels);
  return bytes;
}

} // namespace hepnn::ftag
