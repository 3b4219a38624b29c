#include "root/decompress.hpp"

#include "hepnn/errors.hpp"

#include <lz4.h>
#include <lzma.h>
#include <xxhash.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <cstring>

namespace hepnn::root::detail {
namespace {

constexpr std::size_t header_bytes = 9;
// A block holds at most 0xffffff bytes either way (3-byte sizes).
constexpr std::size_t max_block = 0xffffff;

std::size_t le3(const unsigned char* p) { return p[0] | (std::size_t(p[1]) << 8) | (std::size_t(p[2]) << 16); }

[[noreturn]] void bad(const std::string& where, std::size_t block_at, const std::string& what) {
  throw input_error(where + ": compressed block at byte " + std::to_string(block_at) + ": " + what);
}

void inflate_zlib(const unsigned char* src, std::size_t n, unsigned char* dst, std::size_t m, const std::string& where, std::size_t at) {
  z_stream z{};
  if (inflateInit(&z) != Z_OK) bad(where, at, "zlib initialisation failed");
  z.next_in = const_cast<unsigned char*>(src);
  z.avail_in = static_cast<uInt>(n);
  z.next_out = dst;
  z.avail_out = static_cast<uInt>(m);
  const int rc = inflate(&z, Z_FINISH);
  const std::size_t produced = m - z.avail_out;
  inflateEnd(&z);
  if (rc != Z_STREAM_END) bad(where, at, std::string("zlib: ") + (z.msg ? z.msg : "damaged or truncated stream"));
  if (produced != m) bad(where, at, "zlib: " + std::to_string(produced) + " bytes instead of " + std::to_string(m));
}

void inflate_lzma(const unsigned char* src, std::size_t n, unsigned char* dst, std::size_t m, const std::string& where, std::size_t at) {
  std::uint64_t memlimit = 256u << 20;
  std::size_t in_pos = 0, out_pos = 0;
  const lzma_ret rc = lzma_stream_buffer_decode(&memlimit, 0, nullptr, src, &in_pos, n, dst, &out_pos, m);
  if (rc != LZMA_OK) bad(where, at, "lzma: damaged or truncated stream (code " + std::to_string(int(rc)) + ")");
  if (out_pos != m) bad(where, at, "lzma: " + std::to_string(out_pos) + " bytes instead of " + std::to_string(m));
}

void inflate_lz4(const unsigned char* src, std::size_t n, unsigned char* dst, std::size_t m, const std::string& where, std::size_t at) {
  if (n < 8) bad(where, at, "lz4: no room for the checksum");
  std::uint64_t stored = 0;
  for (int i = 0; i < 8; ++i) stored = (stored << 8) | src[i];
  if (XXH64(src + 8, n - 8, 0) != stored) bad(where, at, "lz4: xxhash64 checksum mismatch");
  const int got = LZ4_decompress_safe(reinterpret_cast<const char*>(src + 8), reinterpret_cast<char*>(dst), static_cast<int>(n - 8),
                                      static_cast<int>(m));
  if (got < 0 || std::size_t(got) != m) bad(where, at, "lz4: damaged block");
}

void inflate_zstd(const unsigned char* src, std::size_t n, unsigned char* dst, std::size_t m, const std::string& where, std::size_t at) {
  const std::size_t got = ZSTD_decompress(dst, m, src, n);
  if (ZSTD_isError(got)) bad(where, at, std::string("zstd: ") + ZSTD_getErrorName(got));
  if (got != m) bad(where, at, "zstd: " + std::to_string(got) + " bytes instead of " + std::to_string(m));
}

} // namespace

std::string block_algorithm(const unsigned char* src, std::size_t size) {
  if (size < header_bytes) return "none";
  const char a = char(src[0]), b = char(src[1]);
  if (a == 'Z' && b == 'L') return "zlib";
  if (a == 'X' && b == 'Z') return "lzma";
  if (a == 'L' && b == '4') return "lz4";
  if (a == 'Z' && b == 'S') return "zstd";
  if (a == 'C' && b == 'S') return "old";
  return "none";
}

void decompress(const unsigned char* src, std::size_t size, std::vector<unsigned char>& out, const std::string& where) {
  // First the block headers alone: they must account for exactly the
  // expected length, and no block may claim more than its algorithm can
  // expand to, so a damaged length never leads to a large allocation.
  const std::size_t expected = out.size();
  std::size_t in = 0, total = 0;
  while (in < size) {
    if (size - in < header_bytes) bad(where, in, "truncated block header");
    const unsigned char* h = src + in;
    const std::size_t n = le3(h + 3), m = le3(h + 6);
    if (n > size - in - header_bytes) bad(where, in, "its size (" + std::to_string(n) + ") runs past the end of the record");
    if (m == 0 || n == 0) bad(where, in, "empty block");
    const std::string algo = block_algorithm(h, header_bytes);
    if ((algo == "zlib" && m > n * 1100 + 64) || (algo == "lz4" && m > n * 300 + 64))
      bad(where, in, "it claims to expand " + std::to_string(n) + " bytes to " + std::to_string(m) + ", more than " + algo + " can");
    if (algo == "zstd") {
      const unsigned long long content = ZSTD_getFrameContentSize(h + header_bytes, n);
      if (content != ZSTD_CONTENTSIZE_UNKNOWN && content != m) bad(where, in, "zstd frame size differs from the block header");
    }
    total += m;
    in += header_bytes + n;
  }
  if (total != expected)
    throw input_error(where + ": compressed blocks hold " + std::to_string(total) + " bytes, the object should have " + std::to_string(expected));
  in = 0;
  std::size_t done = 0;
  while (done < out.size()) {
    const unsigned char* h = src + in;
    const std::size_t n = le3(h + 3), m = le3(h + 6);
    const std::string algo = block_algorithm(h, header_bytes);
    const unsigned char* payload = h + header_bytes;
    unsigned char* dst = out.data() + done;
    if (algo == "zlib") inflate_zlib(payload, n, dst, m, where, in);
    else if (algo == "lzma") inflate_lzma(payload, n, dst, m, where, in);
    else if (algo == "lz4") inflate_lz4(payload, n, dst, m, where, in);
    else if (algo == "zstd") inflate_zstd(payload, n, dst, m, where, in);
    else if (algo == "old") bad(where, in, "ROOT's old compression algorithm (\"CS\") is not supported");
    else bad(where, in, "unknown compression algorithm tag");
    in += header_bytes + n;
    done += m;
  }
}

std::vector<unsigned char> decompress(const unsigned char* src, std::size_t size, std::size_t expected, const std::string& where) {
  // validate the headers against `expected` before allocating it
  {
    std::size_t in = 0, total = 0;
    while (in + header_bytes <= size) {
      const std::size_t n = le3(src + in + 3), m = le3(src + in + 6);
      total += m;
      if (n > size - in - header_bytes) break;
      in += header_bytes + n;
    }
    if (total != expected || in != size)
      throw input_error(where + ": compressed blocks hold " + std::to_string(total) + " bytes, the object should have " + std::to_string(expected));
  }
  std::vector<unsigned char> out(expected);
  decompress(src, size, out, where);
  return out;
}

void compress_zlib(const unsigned char* src, std::size_t size, int level, std::vector<unsigned char>& out) {
  std::size_t at = 0;
  do {
    const std::size_t m = std::min(size - at, max_block);
    uLongf bound = compressBound(static_cast<uLong>(m));
    std::vector<unsigned char> tmp(bound);
    if (compress2(tmp.data(), &bound, src + at, static_cast<uLong>(m), level) != Z_OK) throw error("zlib compression failed");
    if (bound > max_block) throw error("zlib block too large");
    const unsigned char h[header_bytes] = {'Z', 'L', 8,
                                           static_cast<unsigned char>(bound & 0xff), static_cast<unsigned char>((bound >> 8) & 0xff),
                                           static_cast<unsigned char>((bound >> 16) & 0xff),
                                           static_cast<unsigned char>(m & 0xff), static_cast<unsigned char>((m >> 8) & 0xff),
                                           static_cast<unsigned char>((m >> 16) & 0xff)};
    out.insert(out.end(), h, h + header_bytes);
    out.insert(out.end(), tmp.begin(), tmp.begin() + static_cast<std::ptrdiff_t>(bound));
    at += m;
  } while (at < size);
}

} // namespace hepnn::root::detail
