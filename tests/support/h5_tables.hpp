#pragma once
// Small compound HDF5 tables for tests that need files the shared data does
// not have: wrong field types, missing `valid` flags, odd shapes.

#include <string>
#include <vector>

namespace hepnn::test {

struct column {
  std::string name;
  std::string type;             ///< f4, f8, i4, u1, bool, or str (fixed-length string)
  std::vector<double> values;   ///< numeric types (rows × width)
};

/// Writes (or adds to) `path`: dataset `name` of shape (rows) or (rows, width).
void write_table(const std::string& path, const std::string& name, std::size_t rows, std::size_t width,
                 const std::vector<column>& columns, bool truncate_file);

} // namespace hepnn::test

namespace hepnn::test {

/// Writes (or adds to) `path`: a float32 dataset `name` (intermediate groups created).
void write_dataset(const std::string& path, const std::string& name, const std::vector<std::size_t>& dims,
                   const std::vector<double>& values, bool truncate_file);

/// Writes (or adds to) `path`: a chunked float32 dataset `name` of any extent
/// with no data written (reads give the fill value, 0).
void write_unallocated_dataset(const std::string& path, const std::string& name, const std::vector<std::size_t>& dims,
                               bool truncate_file);

/// Copies the root groups of `source` into a new HDF5 file family
/// (`pattern` with "%d", members of `member_size` bytes).
void copy_to_family(const std::string& source, const std::string& pattern, std::size_t member_size);

} // namespace hepnn::test
