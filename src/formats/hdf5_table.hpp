#pragma once
// Compound ("table") datasets as the training-dataset-dumper writes them: a
// 1-D `jets` table and 2-D per-jet tables such as `tracks` (jets × slots).
// Rows are read in slices, so memory stays bounded whatever the file size;
// the selected fields arrive converted to double. Score files are written
// the same way, appended slice by slice.

#include "formats/hdf5_chunks.hpp"
#include "formats/hdf5_file.hpp"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

namespace hepnn::detail::h5 {

enum class field_kind : std::uint8_t { floating, integer, boolean, other };

struct table_field {
  std::string name;
  field_kind kind = field_kind::other;
  std::string type; ///< for messages: "f4", "i4", "u1", "bool", "string", ...
};

class table {
public:
  /// Opens dataset `path` of `f`; throws config_error naming the file and
  /// dataset unless it is a compound dataset of rank 1 or 2.
  table(const file& f, const std::string& path);

  const std::string& path() const noexcept { return path_; }
  std::size_t rows() const noexcept { return rows_; }
  /// Entries per row: the second dimension of a 2-D table, else 1.
  std::size_t width() const noexcept { return width_; }
  const std::vector<table_field>& fields() const noexcept { return fields_; }
  std::vector<std::string> field_names() const;
  const table_field* find(const std::string& name) const;
  /// How many rows to read at a time, at most `wanted` and at least 1, so
  /// that a read (and its values as doubles) stays within max_read_bytes.
  std::size_t rows_per_read(std::size_t wanted) const noexcept;

  /// Checks that every name is a numeric or boolean field; throws a
  /// config_error naming the file, the dataset and the field otherwise.
  void require(const std::vector<std::string>& names, const std::string& purpose) const;

  /// Rows [first, first + count) of the fields `names` (checked with
  /// require()), as doubles: entry (row r, slot s, field k) lands at
  /// out[(r * width() + s) * names.size() + k]. Booleans read as 0 / 1.
  void read(std::size_t first, std::size_t count, const std::vector<std::string>& names, std::vector<double>& out) const;

  /// The fields `names` of rows [first, first + count), packed in their own
  /// types; entries are converted one at a time, so padding slots can be
  /// skipped. Valid until the next fetch() or read().
  class rows_view {
  public:
    /// Where a field lies in a row, and how to read it.
    struct slot {
      std::size_t offset, size;
      bool is_float, is_signed;
    };
    /// Rows `row` bytes apart with the fields at `slots` (native byte order).
    struct layout {
      std::vector<slot> slots;
      std::size_t row = 0;
    };
    rows_view() = default;
    rows_view(const layout* l, const unsigned char* data, std::size_t entries) : l_(l), data_(data), n_(entries) {}
    std::size_t size() const noexcept { return n_; } ///< entries: rows × width()
    /// One value as a double; loops over many rows take the field's reader once (reader_of, read)
    double value(std::size_t entry, std::size_t field) const { return read(row(entry), reader_of(l_->slots[field])); }
    void convert(std::size_t entry, double* out) const; ///< every field of one entry
    /// A field's offset and type, decided once for a loop over many rows
    /// (value() looks both up for every value).
    struct reader {
      std::size_t offset = 0;
      enum class type : std::uint8_t { f32, f64, i8, u8, i16, u16, i32, u32, i64, u64 } t = type::f32;
    };
    static reader reader_of(const slot& s) {
      using t = reader::type;
      if (s.is_float) return {s.offset, s.size == 4 ? t::f32 : t::f64};
      switch (s.size) {
      case 1: return {s.offset, s.is_signed ? t::i8 : t::u8};
      case 2: return {s.offset, s.is_signed ? t::i16 : t::u16};
      case 4: return {s.offset, s.is_signed ? t::i32 : t::u32};
      default: return {s.offset, s.is_signed ? t::i64 : t::u64};
      }
    }
    static double read(const unsigned char* row, reader r) {
      const unsigned char* p = row + r.offset;
      using t = reader::type;
      switch (r.t) {
      case t::f32: return load<float>(p);
      case t::f64: return load<double>(p);
      case t::i8: return load<std::int8_t>(p);
      case t::u8: return load<std::uint8_t>(p);
      case t::i16: return load<std::int16_t>(p);
      case t::u16: return load<std::uint16_t>(p);
      case t::i32: return load<std::int32_t>(p);
      case t::u32: return load<std::uint32_t>(p);
      case t::i64: return load<std::int64_t>(p);
      case t::u64: return load<std::uint64_t>(p);
      }
      return 0;
    }
    /// The bytes of one entry (row × width + slot), for read().
    const unsigned char* row(std::size_t entry) const { return data_ + entry * l_->row; }
    /// The bytes of one value in its own (native) type, size(field) of them.
    const unsigned char* raw(std::size_t entry, std::size_t field) const { return data_ + entry * l_->row + l_->slots[field].offset; }
    std::size_t size(std::size_t field) const { return l_->slots[field].size; }
  private:
    template <typename V> static double load(const unsigned char* p) {
      V v;
      std::memcpy(&v, p, sizeof v);
      return static_cast<double>(v);
    }
    const layout* l_ = nullptr;
    const unsigned char* data_ = nullptr;
    std::size_t n_ = 0;
  };
  const rows_view& fetch(std::size_t first, std::size_t count, const std::vector<std::string>& names) const;

  /// For readers on several threads (HDF5 itself is used from one thread
  /// at a time): the layout fetch_into() packs `names` in, ...
  rows_view::layout packed_layout(const std::vector<std::string>& names) const;
  /// ... fetch() into the caller's buffer (any thread may then read it) ...
  void fetch_into(std::size_t first, std::size_t count, const std::vector<std::string>& names, const rows_view::layout& packed,
                  std::vector<unsigned char>& buffer) const;
  /// ... and, when the dataset's chunks can be decoded without HDF5 and
  /// every field in `names` is stored in the machine's own representation,
  /// the raw-chunk reader with the layout of `names` in the stored rows.
  const chunk_reader* chunks() const noexcept { return chunks_ ? &*chunks_ : nullptr; }
  std::optional<rows_view::layout> stored_layout(const std::vector<std::string>& names) const;

private:
  const file* file_;
  std::string path_;
  handle dataset_;
  std::size_t rows_ = 0, width_ = 1, row_bytes_ = 0;
  std::vector<table_field> fields_;
  mutable std::vector<unsigned char> buffer_; ///< raw rows of the last read (a table is not shared between threads)
  mutable rows_view::layout layout_;
  mutable rows_view view_;
  std::optional<chunk_reader> chunks_;
  [[noreturn]] void fail(const std::string& message) const;
};

/// A new 1-D compound dataset, appended to in slices (chunked,
/// gzip-compressed when the library has the filter). Rows are passed packed,
/// each column in its own type (native byte order), or as doubles.
class table_writer {
public:
  struct column {
    std::string name;
    std::string type = "f4"; ///< f4, f8, i1, i2, i4, i8, u1, u2, u4, u8 (numpy spelling; "bool" is stored as u1)
    std::string source = {}; ///< for messages: what the column holds ("--copy", "a score of the network", ...)
  };
  /// Throws config_error naming the file and dataset for an unknown type or
  /// a column name given twice (naming both sources), error if HDF5 fails.
  table_writer(file& f, const std::string& name, std::vector<column> columns);

  std::size_t row_size() const noexcept { return row_size_; }
  std::size_t offset(std::size_t k) const { return offsets_[k]; } ///< of column k in a packed row
  std::size_t size(std::size_t k) const { return sizes_[k]; }
  /// Stores `v` converted to column k's type into a packed row.
  void put(unsigned char* row, std::size_t k, double v) const;
  /// Appends `count` packed rows of row_size() bytes.
  void append(const unsigned char* rows, std::size_t count);
  /// Appends `count` rows of columns().size() doubles each.
  void append(const double* rows, std::size_t count);
  std::size_t rows() const noexcept { return rows_; }

private:
  file* file_;
  std::string name_;
  std::vector<column> columns_;
  std::vector<std::size_t> offsets_, sizes_;
  std::size_t row_size_ = 0;
  handle dataset_, memory_type_;
  std::size_t rows_ = 0;
  std::vector<unsigned char> packed_;
  [[noreturn]] void fail(const std::string& message) const;
};

} // namespace hepnn::detail::h5
