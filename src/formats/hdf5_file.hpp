#pragma once
// A small RAII layer over the HDF5 C library for what hepnn reads and
// writes: Keras weight files, dumper ntuples and tau-ID files. Every error
// names the file and the object path. HDF5 types stay in this header's
// implementation; callers see strings, shapes and doubles.

#include "hepnn/errors.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace hepnn::detail::h5 {

/// An open HDF5 object (file, group, dataset, attribute, type, space, list).
class handle {
public:
  handle() = default;
  explicit handle(std::int64_t id) : id_(id) {}
  handle(const handle&) = delete;
  handle& operator=(const handle&) = delete;
  handle(handle&& o) noexcept : id_(o.id_) { o.id_ = -1; }
  handle& operator=(handle&& o) noexcept;
  ~handle();
  std::int64_t get() const noexcept { return id_; }
  explicit operator bool() const noexcept { return id_ >= 0; }

private:
  std::int64_t id_ = -1;
};

struct dataset_info {
  std::vector<std::size_t> shape;
  bool is_float = false, is_integer = false, is_compound = false, is_string = false;
};

class file;

// ---- limits on sizes taken from files (docs/workflows.md, "Limits") -------

/// Entries per row of a 2-D dataset or table (tracks, clusters per jet or tau).
inline constexpr std::size_t max_slots = 100'000;
/// Bytes of one chunked read; scoring reads fewer rows at a time to stay below.
inline constexpr std::size_t max_read_bytes = std::size_t{256} << 20;
/// Values of a dataset read whole (weights, preprocessing, a score column).
inline constexpr std::size_t max_values = std::size_t{1} << 28;
/// Bytes of one number (integer, float, boolean): 16 covers long double.
/// libhdf5 1.10 takes a damaged type's size as it stands and sizes its
/// conversion buffers by it (4 GB for one float).
inline constexpr std::size_t max_number_bytes = 16;

/// The size of `type` when it is a number (integer, enum, float) of 0 or
/// more than max_number_bytes bytes, else nothing: the one check of that limit.
std::optional<std::size_t> absurd_number_size(std::int64_t type);

/// a × b, or a config_error naming `where` in `f` when it overflows.
std::size_t checked_mul(std::size_t a, std::size_t b, const file& f, const std::string& where);

/// A group inside a file (the root group too).
class group {
public:
  group(const file& f, std::string path, handle h);
  const std::string& path() const noexcept { return path_; }
  const file& owner() const noexcept { return *file_; }

  bool has(const std::string& name) const;          ///< a link of this name exists
  bool has_group(const std::string& name) const;
  bool has_dataset(const std::string& name) const;
  group open_group(const std::string& name) const;  ///< throws naming the path
  std::vector<std::string> members() const;         ///< link names in creation or name order

  bool has_attribute(const std::string& name) const;
  /// A string attribute (fixed or variable length, bytes or UTF-8; trailing NULs stripped).
  std::string string_attribute(const std::string& name) const;
  std::optional<std::string> maybe_string_attribute(const std::string& name) const;
  /// A 1-D string array attribute. An empty numeric array (how Keras writes
  /// "no weights") reads as an empty list. Keras splits long ones into
  /// name0, name1, ...: those are joined.
  std::vector<std::string> string_list_attribute(const std::string& name) const;

  dataset_info info(const std::string& dataset) const;
  /// A numeric dataset converted to double, row-major.
  std::vector<double> read(const std::string& dataset, dataset_info* shape = nullptr) const;
  /// Rows [first, first + count) of a numeric dataset of rank 1 or 2 (all of
  /// the second dimension), converted to double, row-major. With `slots`,
  /// the dataset must have exactly that many entries per row (throws naming
  /// it otherwise), so `out` holds count × slots values.
  void read_rows(const std::string& dataset, std::size_t first, std::size_t count, std::vector<double>& out,
                 std::optional<std::size_t> slots = std::nullopt) const;
  /// A 1-D dataset of strings (fixed or variable length; trailing NULs stripped).
  std::vector<std::string> read_strings(const std::string& dataset) const;

  handle& raw() { return h_; }
  const handle& raw() const { return h_; }

private:
  const file* file_;
  std::string path_;
  handle h_;
  std::string where(const std::string& name) const;
  /// Opens a dataset and describes it; throws naming it if it is missing.
  handle open_dataset(const std::string& dataset, dataset_info& info) const;
};

class file {
public:
  /// Opens an existing file read-only; throws config_error naming it if it
  /// is missing, truncated or not HDF5. A name with "%d" is a family of
  /// member files (as rnn-tauid's ntuple2hdf.py writes them: x_0.h5, x_1.h5, ...).
  static file open(const std::string& path);
  /// Opens an HDF5 file held in memory (e.g. inside a .keras zip); `name`
  /// is used in messages.
  static file open_image(std::vector<char> image, const std::string& name);
  /// Creates (truncates) a file for writing; messages name it `shown_as`
  /// when given (the user's name for a temporary file).
  static file create(const std::string& path, const std::string& shown_as = {});
  /// Writes everything buffered to the file; throws error naming it on failure.
  void flush() const;

  const std::string& name() const noexcept { return name_; }
  group root() const;
  group open_group(const std::string& path) const { return root().open_group(path); }
  handle& raw() { return h_; }
  const handle& raw() const { return h_; }

  [[noreturn]] void fail(const std::string& path, const std::string& message) const;

private:
  std::string name_;
  std::shared_ptr<std::vector<char>> image_; // keeps an in-memory image alive
  handle h_;
};

/// Whether the file starts with the HDF5 signature.
bool is_hdf5(const std::string& path);

/// Rows [first, first + count) (all `width` entries of each) of an open
/// dataset into `out`, as `memory_type`; throws naming `where` on failure.
void read_slab(const file& f, const std::string& where, std::int64_t dataset, std::int64_t memory_type, std::size_t first,
               std::size_t count, std::size_t width, void* out);

// ---- writing (for `hepnn split` and score files) -------------------------

/// Copies `source` (a group of another file) to `dest_parent/name`.
void copy_group(const group& source, group& dest_parent, const std::string& name);
/// Writes a scalar variable-length UTF-8 string attribute.
void write_string_attribute(group& g, const std::string& name, const std::string& value);
/// Writes a 1-D fixed-length byte-string array attribute (as h5py writes bytes).
void write_string_list_attribute(group& g, const std::string& name, const std::vector<std::string>& values);

/// Silences HDF5's own error printing (errors come back as exceptions).
void quiet();

} // namespace hepnn::detail::h5
