#pragma once
// Reading chunked datasets without HDF5's filter pipeline, so that inflating
// (the bulk of the time of scoring a file) runs in worker threads: HDF5 is
// not thread-safe, so one thread fetches the raw, still compressed chunks
// (H5Dread_chunk), and any thread then undoes the filters itself:
// fletcher32 (verified), deflate (libdeflate) and shuffle, in whatever order
// the file lists them (h5py writes shuffle → deflate → fletcher32, the
// training-dataset-dumper deflate alone). Anything else (contiguous or
// compact layout, other filters, unallocated chunks, unfiltered edge chunks,
// chunks over max_read_bytes) is not taken on: open() says why, and callers
// read through HDF5 instead. So does everything when the environment
// variable HEPNN_HDF5_PIPELINE is set (to anything but 0).

#include "formats/hdf5_file.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace hepnn::detail::h5 {

/// One chunk as stored: its first row and column, the filters skipped for it
/// (bit i set: pipeline filter i was not applied), and its bytes.
struct raw_chunk {
  std::size_t row = 0, column = 0;
  std::uint32_t filter_mask = 0;
  std::vector<unsigned char> bytes;
};

/// Per-thread scratch of decode(): a decompressor and two buffers.
class chunk_scratch {
public:
  chunk_scratch();
  ~chunk_scratch();
  chunk_scratch(chunk_scratch&&) noexcept;
  chunk_scratch& operator=(chunk_scratch&&) noexcept;
  struct state;
  state& get() { return *state_; }

private:
  std::unique_ptr<state> state_;
};

class chunk_reader {
public:
  enum class filter : std::uint8_t { shuffle, deflate, fletcher32 };

  /// The raw-chunk reader of dataset `path` (open, id `dataset`, rank 1 or
  /// 2) of `f`, or nullopt when HDF5 must read it; `why` then says why.
  static std::optional<chunk_reader> open(const file& f, const std::string& path, std::int64_t dataset, std::string* why = nullptr);

  std::size_t rows() const noexcept { return rows_; }
  std::size_t width() const noexcept { return width_; }
  /// Bytes per entry (the stored type's size).
  std::size_t element_size() const noexcept { return element_; }
  std::size_t chunk_rows() const noexcept { return chunk_rows_; }
  /// Bytes of one decoded chunk.
  std::size_t chunk_bytes() const noexcept { return chunk_bytes_; }
  const std::vector<filter>& filters() const noexcept { return filters_; }

  /// Serial (HDF5): the stored chunks covering rows [first, first + count)
  /// into `out` (its buffers are reused). Sizes are checked against the
  /// chunk and the file.
  void read(std::size_t first, std::size_t count, std::vector<raw_chunk>& out) const;
  /// Any thread: rows [first, first + count) as stored (count × width ×
  /// element_size bytes, the file's byte order) from the chunks read() gave
  /// for that range or a wider one. A damaged chunk throws config_error
  /// naming the file, the dataset and the chunk.
  void decode(std::size_t first, std::size_t count, const std::vector<raw_chunk>& chunks, unsigned char* out,
              chunk_scratch& scratch) const;

private:
  const file* file_ = nullptr;
  std::string path_;
  std::int64_t dataset_ = -1; // owned by the caller
  std::size_t rows_ = 0, width_ = 1, element_ = 0, chunk_rows_ = 0, chunk_cols_ = 1, chunk_bytes_ = 0;
  std::size_t file_size_ = 0;
  std::vector<filter> filters_; // in write order
  /// Inflates and checks one chunk; returns its decoded bytes: in `direct`
  /// (chunk_bytes() of room, or null) when the last filter undone could
  /// write there, else in the scratch.
  const unsigned char* unfilter(const raw_chunk& c, chunk_scratch& scratch, unsigned char* direct = nullptr) const;
  [[noreturn]] void fail_chunk(const raw_chunk& c, const std::string& message) const;
};

/// A numeric dataset (rank 1 or 2) read through its raw chunks, when its
/// filters allow it and its numbers are stored in the machine's own
/// representation; decoded entries are converted to double.
class numeric_chunks {
public:
  static std::optional<numeric_chunks> open(const group& g, const std::string& dataset);
  const chunk_reader& reader() const { return *reader_; }
  /// Rows [first, first + count) as doubles (count × width values); `bytes` is scratch.
  void decode(std::size_t first, std::size_t count, const std::vector<raw_chunk>& chunks, std::vector<unsigned char>& bytes,
              std::vector<double>& out, chunk_scratch& scratch) const;

private:
  std::shared_ptr<handle> dataset_; // shared: the reader refers to its id
  std::optional<chunk_reader> reader_;
  bool is_float_ = false, is_signed_ = false;
};

/// HDF5's Fletcher-32 of a buffer (as the fletcher32 filter stores it).
std::uint32_t fletcher32(const unsigned char* data, std::size_t size) noexcept;

} // namespace hepnn::detail::h5
