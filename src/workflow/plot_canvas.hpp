#pragma once
// A small RGB raster for the validation plots: rectangles, lines and text in
// a built-in 5×7 font, written as PNG (zlib deflate). Enough for a labelled
// histogram without a graphics library.

#include <cstdint>
#include <string>
#include <vector>

namespace hepnn::detail {

struct rgb {
  std::uint8_t r, g, b;
};

class canvas {
public:
  canvas(int width, int height, rgb background);
  int width() const noexcept { return w_; }
  int height() const noexcept { return h_; }
  void fill(int x0, int y0, int x1, int y1, rgb c); ///< [x0, x1) × [y0, y1), clipped
  void hline(int x0, int x1, int y, rgb c);
  void vline(int x, int y0, int y1, rgb c);
  void dashed_vline(int x, int y0, int y1, rgb c);
  /// Text with its top-left corner at (x, y); `scale` pixels per font pixel.
  void text(int x, int y, const std::string& s, rgb c, int scale = 1);
  static int text_width(const std::string& s, int scale = 1);
  /// The image as a PNG file.
  std::string png() const;

private:
  int w_, h_;
  std::vector<std::uint8_t> px_;
};

} // namespace hepnn::detail
