#include "formats/hdf5_chunks.hpp"

#include <hdf5.h>
#include <libdeflate.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string_view>

namespace hepnn::detail::h5 {

namespace {

/// libdeflate picks its CPU-specific routines on first use and stores them in
/// globals, a benign race between threads' first calls that race checkers
/// report: one call (a stored block of "a") settles them before any worker runs.
void settle_libdeflate(libdeflate_decompressor* d) {
  static std::once_flag once;
  std::call_once(once, [d] {
    const unsigned char stream[] = {0x78, 0x01, 0x01, 0x01, 0x00, 0xfe, 0xff, 'a', 0x00, 0x62, 0x00, 0x62};
    unsigned char out[1];
    (void)libdeflate_zlib_decompress(d, stream, sizeof stream, out, 1, nullptr);
  });
}

} // namespace

struct chunk_scratch::state {
  libdeflate_decompressor* inflater = nullptr;
  std::vector<unsigned char> a, b;
  state() : inflater(libdeflate_alloc_decompressor()) {
    if (!inflater) throw error("cannot allocate a deflate decompressor (out of memory)");
    settle_libdeflate(inflater);
  }
  ~state() { libdeflate_free_decompressor(inflater); }
  state(const state&) = delete;
  state& operator=(const state&) = delete;
};

chunk_scratch::chunk_scratch() : state_(std::make_unique<state>()) {}
chunk_scratch::~chunk_scratch() = default;
chunk_scratch::chunk_scratch(chunk_scratch&&) noexcept = default;
chunk_scratch& chunk_scratch::operator=(chunk_scratch&&) noexcept = default;

std::uint32_t fletcher32(const unsigned char* data, std::size_t size) noexcept {
  // 16-bit words, most significant byte first; sums folded every 360 words
  // so that they cannot overflow 32 bits; an odd last byte is a high byte
  std::uint32_t s1 = 0, s2 = 0;
  std::size_t words = size / 2;
  while (words) {
    const std::size_t n = std::min<std::size_t>(words, 360);
    words -= n;
    for (std::size_t i = 0; i < n; ++i, data += 2) {
      s1 += static_cast<std::uint32_t>(data[0]) << 8 | data[1];
      s2 += s1;
    }
    s1 = (s1 & 0xffff) + (s1 >> 16);
    s2 = (s2 & 0xffff) + (s2 >> 16);
  }
  if (size % 2) {
    s1 += static_cast<std::uint32_t>(data[0]) << 8;
    s2 += s1;
    s1 = (s1 & 0xffff) + (s1 >> 16);
    s2 = (s2 & 0xffff) + (s2 >> 16);
  }
  s1 = (s1 & 0xffff) + (s1 >> 16);
  s2 = (s2 & 0xffff) + (s2 >> 16);
  return s2 << 16 | s1;
}

std::optional<chunk_reader> chunk_reader::open(const file& f, const std::string& path, std::int64_t dataset, std::string* why) {
  auto refuse = [&](const std::string& reason) -> std::optional<chunk_reader> {
    if (why) *why = reason;
    return std::nullopt;
  };
  // an escape hatch, and the way tests compare both readers
  if (const char* v = std::getenv("HEPNN_HDF5_PIPELINE"); v && *v && std::string_view(v) != "0")
    return refuse("HEPNN_HDF5_PIPELINE is set");
  handle dcpl(H5Dget_create_plist(dataset));
  if (!dcpl || H5Pget_layout(dcpl.get()) != H5D_CHUNKED) return refuse("not chunked");
  handle space(H5Dget_space(dataset));
  handle type(H5Dget_type(dataset));
  const int rank = space ? H5Sget_simple_extent_ndims(space.get()) : -1;
  if (rank != 1 && rank != 2) return refuse("rank " + std::to_string(rank));
  hsize_t dims[2] = {0, 1}, chunk[2] = {0, 1};
  if (H5Sget_simple_extent_dims(space.get(), dims, nullptr) < 0 || H5Pget_chunk(dcpl.get(), rank, chunk) != rank)
    return refuse("no chunk shape");
  if (chunk[0] == 0 || chunk[1] == 0) return refuse("empty chunk shape");
  unsigned opts = 0;
  if (H5Pget_chunk_opts(dcpl.get(), &opts) < 0 || (opts & H5D_CHUNK_DONT_FILTER_PARTIAL_CHUNKS))
    return refuse("edge chunks stored unfiltered");
  chunk_reader r;
  r.file_ = &f;
  r.path_ = path;
  r.dataset_ = dataset;
  r.rows_ = static_cast<std::size_t>(dims[0]);
  r.width_ = static_cast<std::size_t>(dims[1]);
  r.element_ = type ? H5Tget_size(type.get()) : 0;
  r.chunk_rows_ = static_cast<std::size_t>(chunk[0]);
  r.chunk_cols_ = static_cast<std::size_t>(chunk[1]);
  if (r.element_ == 0) return refuse("no type size");
  std::size_t bytes = 0;
  if (__builtin_mul_overflow(r.chunk_rows_, r.chunk_cols_, &bytes) || __builtin_mul_overflow(bytes, r.element_, &bytes) ||
      bytes > max_read_bytes)
    return refuse("chunks larger than the read limit");
  r.chunk_bytes_ = bytes;
  int deflates = 0;
  const int n = H5Pget_nfilters(dcpl.get());
  if (n < 0 || n > 32) return refuse("unreadable filter pipeline");
  for (int i = 0; i < n; ++i) {
    unsigned flags = 0, config = 0;
    std::size_t nvalues = 8;
    unsigned values[8] = {};
    char name[64] = {};
    const H5Z_filter_t id = H5Pget_filter2(dcpl.get(), static_cast<unsigned>(i), &flags, &nvalues, values, sizeof name, name, &config);
    if (id == H5Z_FILTER_SHUFFLE) {
      // HDF5 records the element size it shuffled with
      if (nvalues >= 1 && values[0] != r.element_) return refuse("shuffle with another element size");
      r.filters_.push_back(filter::shuffle);
    } else if (id == H5Z_FILTER_DEFLATE) {
      if (++deflates > 1) return refuse("deflate twice");
      r.filters_.push_back(filter::deflate);
    } else if (id == H5Z_FILTER_FLETCHER32) {
      r.filters_.push_back(filter::fletcher32);
    } else {
      return refuse(std::string("filter ") + (name[0] ? name : std::to_string(id)));
    }
  }
  // unallocated chunks read as the fill value, which only HDF5 knows
  const std::size_t col_chunks = (r.width_ + r.chunk_cols_ - 1) / r.chunk_cols_;
  const std::size_t row_chunks = (r.rows_ + r.chunk_rows_ - 1) / r.chunk_rows_;
  hsize_t allocated = 0;
  if (H5Dget_num_chunks(dataset, space.get(), &allocated) < 0) return refuse("cannot count the chunks");
  std::size_t expected = 0;
  if (__builtin_mul_overflow(row_chunks, col_chunks, &expected) || allocated != expected) return refuse("unallocated chunks");
  hsize_t size = 0;
  if (H5Fget_filesize(f.raw().get(), &size) < 0) return refuse("no file size");
  r.file_size_ = static_cast<std::size_t>(size);
  return r;
}

void chunk_reader::fail_chunk(const raw_chunk& c, const std::string& message) const {
  std::string where = "chunk at row " + std::to_string(c.row);
  if (width_ > 1 || chunk_cols_ > 1) where += ", column " + std::to_string(c.column);
  file_->fail(path_, where + ": " + message + " (damaged file?)");
}

void chunk_reader::read(std::size_t first, std::size_t count, std::vector<raw_chunk>& out) const {
  // the chunks' buffers are reused from the last read: zero-filling fresh ones cost as much as reading them
  std::size_t used = 0;
  struct trim {
    std::vector<raw_chunk>& out;
    std::size_t& used;
    ~trim() { out.resize(used); }
  } trim_on_exit{out, used};
  if (count == 0) return;
  if (count > rows_ || first > rows_ - count)
    file_->fail(path_, "rows " + std::to_string(first) + ".." + std::to_string(first + count) + " are past the end");
  // a stored chunk may be slightly larger than its data (deflate of random bytes), never much
  const std::size_t limit = chunk_bytes_ + chunk_bytes_ / 8 + 1024;
  for (std::size_t r = first / chunk_rows_ * chunk_rows_; r < first + count; r += chunk_rows_)
    for (std::size_t c = 0; c < width_; c += chunk_cols_) {
      if (used == out.size()) out.emplace_back();
      raw_chunk& ch = out[used++];
      ch.filter_mask = 0;
      ch.row = r;
      ch.column = c;
      const hsize_t offset[2] = {r, c};
      hsize_t stored = 0;
      if (H5Dget_chunk_storage_size(dataset_, offset, &stored) < 0) fail_chunk(ch, "cannot find the chunk");
      if (stored > limit || stored > file_size_)
        fail_chunk(ch, "declares " + std::to_string(stored) + " stored bytes for " + std::to_string(chunk_bytes_) +
                           " bytes of data in a file of " + std::to_string(file_size_));
      ch.bytes.resize(static_cast<std::size_t>(stored));
      if (stored == 0 || H5Dread_chunk(dataset_, H5P_DEFAULT, offset, &ch.filter_mask, ch.bytes.data()) < 0)
        fail_chunk(ch, "cannot read the chunk");
    }
}

const unsigned char* chunk_reader::unfilter(const raw_chunk& c, chunk_scratch& scratch, unsigned char* direct) const {
  auto& st = scratch.get();
  const unsigned char* data = c.bytes.data();
  std::size_t size = c.bytes.size();
  // the data's size before each filter, in write order (0: not known, after deflate)
  std::vector<std::size_t> before(filters_.size() + 1, chunk_bytes_);
  for (std::size_t i = 0; i < filters_.size(); ++i) {
    const bool applied = !(c.filter_mask >> i & 1u);
    if (!applied || before[i] == 0) before[i + 1] = before[i];
    else if (filters_[i] == filter::deflate) before[i + 1] = 0;
    else before[i + 1] = before[i] + (filters_[i] == filter::fletcher32 ? 4 : 0);
  }
  // the last filter to undo writes straight into `direct` when it writes at all (saves copying the chunk)
  std::size_t last = filters_.size();
  for (std::size_t k = 0; k < filters_.size() && last == filters_.size(); ++k)
    if (!(c.filter_mask >> k & 1u)) last = k;
  if (last < filters_.size() && filters_[last] == filter::fletcher32) direct = nullptr;
  // undo the filters in reverse order, between two buffers
  std::vector<unsigned char>* next = &st.a;
  for (std::size_t k = filters_.size(); k-- > 0;) {
    if (c.filter_mask >> k & 1u) continue;
    unsigned char* target = nullptr;
    if (k == last && direct) {
      target = direct;
    } else if (filters_[k] != filter::fletcher32) { // the checksum is checked in place
      next->resize(filters_[k] == filter::deflate ? before[k] : size);
      target = next->data();
    }
    switch (filters_[k]) {
    case filter::fletcher32: {
      if (size < 4) fail_chunk(c, "too short for its Fletcher-32 checksum");
      size -= 4;
      std::uint32_t stored = 0;
      for (int b = 3; b >= 0; --b) stored = stored << 8 | data[size + static_cast<std::size_t>(b)];
      const std::uint32_t sum = fletcher32(data, size);
      // files of HDF5 before 1.6.3 stored the sum with the bytes of each half swapped
      const std::uint32_t swapped = (sum & 0xff00ff00u) >> 8 | (sum & 0x00ff00ffu) << 8;
      if (stored != sum && stored != swapped) fail_chunk(c, "Fletcher-32 checksum mismatch");
      break;
    }
    case filter::deflate: {
      if (before[k] != chunk_bytes_ && target == direct) {
        next->resize(before[k]); // a checksum still follows the data: not for `direct`
        target = next->data();
      }
      const auto rc = libdeflate_zlib_decompress(st.inflater, data, size, target, before[k], nullptr);
      if (rc != LIBDEFLATE_SUCCESS)
        fail_chunk(c, rc == LIBDEFLATE_BAD_DATA ? std::string("corrupt deflate data")
                                                : "deflate data that does not inflate to the " + std::to_string(before[k]) + " bytes expected");
      data = target;
      size = before[k];
      if (target == next->data()) next = next == &st.a ? &st.b : &st.a;
      break;
    }
    case filter::shuffle: {
      // byte b of element i was stored at b · n + i; trailing bytes of a partial element stay
      if (target == direct && size != chunk_bytes_) {
        next->resize(size);
        target = next->data();
      }
      const std::size_t es = element_, n = size / es;
      unsigned char* out = target;
      if (es == 4) {
        for (std::size_t i = 0; i < n; ++i) {
          out[4 * i] = data[i];
          out[4 * i + 1] = data[n + i];
          out[4 * i + 2] = data[2 * n + i];
          out[4 * i + 3] = data[3 * n + i];
        }
      } else {
        for (std::size_t b = 0; b < es; ++b)
          for (std::size_t i = 0; i < n; ++i) out[i * es + b] = data[b * n + i];
      }
      std::memcpy(out + n * es, data + n * es, size - n * es);
      data = out;
      if (target != direct) next = next == &st.a ? &st.b : &st.a;
      break;
    }
    }
    if (before[k] != 0 && size != before[k]) fail_chunk(c, "holds " + std::to_string(size) + " bytes where " + std::to_string(before[k]) + " are expected");
  }
  if (size != chunk_bytes_)
    fail_chunk(c, "holds " + std::to_string(size) + " bytes where " + std::to_string(chunk_bytes_) + " are expected");
  return data;
}

void chunk_reader::decode(std::size_t first, std::size_t count, const std::vector<raw_chunk>& chunks, unsigned char* out,
                          chunk_scratch& scratch) const {
  const std::size_t row_bytes = width_ * element_;
  std::size_t covered = 0;
  for (const raw_chunk& c : chunks) {
    if (c.row + chunk_rows_ <= first || c.row >= first + count) continue;
    // a whole chunk of whole rows inside the range is decoded in place
    const bool in_place = chunk_cols_ == width_ && c.row >= first && c.row + chunk_rows_ <= std::min(first + count, rows_);
    const unsigned char* data = unfilter(c, scratch, in_place ? out + (c.row - first) * row_bytes : nullptr);
    if (data == out + (c.row - first) * row_bytes && in_place) {
      covered += chunk_rows_ * width_;
      continue;
    }
    // the rows and columns of this chunk inside the range and the dataset (edge chunks are stored whole)
    const std::size_t r0 = std::max(first, c.row), r1 = std::min({first + count, c.row + chunk_rows_, rows_});
    const std::size_t cols = std::min(chunk_cols_, width_ - c.column);
    for (std::size_t r = r0; r < r1; ++r)
      std::memcpy(out + (r - first) * row_bytes + c.column * element_, data + (r - c.row) * chunk_cols_ * element_, cols * element_);
    covered += (r1 - r0) * cols;
  }
  if (covered != count * width_)
    file_->fail(path_, "rows " + std::to_string(first) + ".." + std::to_string(first + count) + ": the chunks read cover " +
                           std::to_string(covered) + " of " + std::to_string(count * width_) + " entries");
}

std::optional<numeric_chunks> numeric_chunks::open(const group& g, const std::string& dataset) {
  auto d = std::make_shared<handle>(H5Dopen2(g.raw().get(), dataset.c_str(), H5P_DEFAULT));
  if (!*d) return std::nullopt;
  handle type(H5Dget_type(d->get()));
  const H5T_class_t cls = H5Tget_class(type.get());
  if (cls != H5T_FLOAT && cls != H5T_INTEGER) return std::nullopt;
  handle native(H5Tget_native_type(type.get(), H5T_DIR_ASCEND));
  const std::size_t size = H5Tget_size(type.get());
  if (H5Tequal(type.get(), native.get()) <= 0) return std::nullopt;
  if (cls == H5T_FLOAT ? size != 4 && size != 8 : size != 1 && size != 2 && size != 4 && size != 8) return std::nullopt;
  numeric_chunks n;
  n.reader_ = chunk_reader::open(g.owner(), (g.path() == "/" ? "" : g.path()) + "/" + dataset, d->get());
  if (!n.reader_) return std::nullopt;
  n.dataset_ = std::move(d);
  n.is_float_ = cls == H5T_FLOAT;
  n.is_signed_ = cls == H5T_FLOAT || H5Tget_sign(type.get()) != H5T_SGN_NONE;
  return n;
}

void numeric_chunks::decode(std::size_t first, std::size_t count, const std::vector<raw_chunk>& chunks,
                            std::vector<unsigned char>& bytes, std::vector<double>& out, chunk_scratch& scratch) const {
  const std::size_t n = count * reader_->width(), es = reader_->element_size();
  bytes.resize(n * es);
  reader_->decode(first, count, chunks, bytes.data(), scratch);
  out.resize(n);
  const unsigned char* p = bytes.data();
  auto convert = [&](auto v) {
    for (std::size_t i = 0; i < n; ++i) {
      std::memcpy(&v, p + i * sizeof v, sizeof v);
      out[i] = static_cast<double>(v);
    }
  };
  if (is_float_) return es == 4 ? convert(float{}) : convert(double{});
  switch (es) {
  case 1: return is_signed_ ? convert(std::int8_t{}) : convert(std::uint8_t{});
  case 2: return is_signed_ ? convert(std::int16_t{}) : convert(std::uint16_t{});
  case 4: return is_signed_ ? convert(std::int32_t{}) : convert(std::uint32_t{});
  default: return is_signed_ ? convert(std::int64_t{}) : convert(std::uint64_t{});
  }
}

} // namespace hepnn::detail::h5
