#pragma once
// ROOT's compressed blocks: a 9-byte header (algorithm tag, method,
// compressed and uncompressed sizes, 3 bytes little-endian each) followed by
// a zlib, LZMA (xz), LZ4 (xxhash64 checksum first) or ZSTD payload.

#include <cstddef>
#include <string>
#include <vector>

namespace hepnn::root::detail {

/// Fills `out` (already sized to the expected length) from the blocks in
/// src[0..size). Throws input_error naming `where` on a bad or truncated
/// block, an unknown algorithm, a checksum mismatch or a size mismatch.
void decompress(const unsigned char* src, std::size_t size, std::vector<unsigned char>& out, const std::string& where);

/// The same, allocating the result only after the block headers add up to `expected`.
std::vector<unsigned char> decompress(const unsigned char* src, std::size_t size, std::size_t expected, const std::string& where);

/// The algorithm of the first block ("zlib", "lzma", "lz4", "zstd", "old"), or "none".
std::string block_algorithm(const unsigned char* src, std::size_t size);

/// One zlib block with ROOT's header (for the writer): appends to `out`.
void compress_zlib(const unsigned char* src, std::size_t size, int level, std::vector<unsigned char>& out);

} // namespace hepnn::root::detail
