#include "workflow/plot_canvas.hpp"

#include "hepnn/errors.hpp"

#include <zlib.h>

#include <algorithm>

namespace hepnn::detail {
namespace {

const std::uint8_t font[95][7] = {
#include "workflow/plot_font.inc"
};

void put_u32(std::string& out, std::uint32_t v) {
  for (int s = 24; s >= 0; s -= 8) out.push_back(static_cast<char>((v >> s) & 0xff));
}

void chunk(std::string& out, const char* type, const std::string& data) {
  put_u32(out, static_cast<std::uint32_t>(data.size()));
  const std::string body = std::string(type, 4) + data;
  out += body;
  put_u32(out, static_cast<std::uint32_t>(crc32(0, reinterpret_cast<const Bytef*>(body.data()), static_cast<uInt>(body.size()))));
}

} // namespace

canvas::canvas(int width, int height, rgb bg) : w_(width), h_(height), px_(static_cast<std::size_t>(width * height) * 3) {
  fill(0, 0, width, height, bg);
}

void canvas::fill(int x0, int y0, int x1, int y1, rgb c) {
  x0 = std::clamp(x0, 0, w_), x1 = std::clamp(x1, 0, w_), y0 = std::clamp(y0, 0, h_), y1 = std::clamp(y1, 0, h_);
  for (int y = y0; y < y1; ++y)
    for (int x = x0; x < x1; ++x) {
      std::uint8_t* p = &px_[static_cast<std::size_t>(y * w_ + x) * 3];
      p[0] = c.r, p[1] = c.g, p[2] = c.b;
    }
}

void canvas::hline(int x0, int x1, int y, rgb c) { fill(std::min(x0, x1), y, std::max(x0, x1) + 1, y + 1, c); }
void canvas::vline(int x, int y0, int y1, rgb c) { fill(x, std::min(y0, y1), x + 1, std::max(y0, y1) + 1, c); }

void canvas::dashed_vline(int x, int y0, int y1, rgb c) {
  for (int y = std::min(y0, y1); y <= std::max(y0, y1); y += 8) fill(x, y, x + 2, std::min(y + 5, std::max(y0, y1) + 1), c);
}

int canvas::text_width(const std::string& s, int scale) { return static_cast<int>(s.size()) * 6 * scale; }

void canvas::text(int x, int y, const std::string& s, rgb c, int scale) {
  for (unsigned char ch : s) {
    const int g = ch >= 32 && ch < 127 ? ch - 32 : '?' - 32;
    for (int row = 0; row < 7; ++row)
      for (int col = 0; col < 5; ++col)
        if (font[g][row] & (0x10 >> col)) fill(x + col * scale, y + row * scale, x + (col + 1) * scale, y + (row + 1) * scale, c);
    x += 6 * scale;
  }
}

std::string canvas::png() const {
  std::string raw;
  raw.reserve(static_cast<std::size_t>(h_) * (static_cast<std::size_t>(w_) * 3 + 1));
  for (int y = 0; y < h_; ++y) {
    raw.push_back('\0'); // filter: none
    raw.append(reinterpret_cast<const char*>(&px_[static_cast<std::size_t>(y * w_) * 3]), static_cast<std::size_t>(w_) * 3);
  }
  uLongf size = compressBound(static_cast<uLong>(raw.size()));
  std::string packed(size, '\0');
  if (compress2(reinterpret_cast<Bytef*>(packed.data()), &size, reinterpret_cast<const Bytef*>(raw.data()),
                static_cast<uLong>(raw.size()), 9) != Z_OK)
    throw error("plot: cannot compress the image");
  packed.resize(size);
  std::string out("\x89PNG\r\n\x1a\n", 8);
  std::string header;
  put_u32(header, static_cast<std::uint32_t>(w_));
  put_u32(header, static_cast<std::uint32_t>(h_));
  header += std::string("\x08\x02\x00\x00\x00", 5); // 8-bit RGB, no interlace
  chunk(out, "IHDR", header);
  chunk(out, "IDAT", packed);
  chunk(out, "IEND", "");
  return out;
}

} // namespace hepnn::detail
